"""ADTTE_O (pharmaverseadam's ``adtte_onco``): overall survival, progression-free survival and duration of
response from ADSL and ADRS_O, in the order of admiralonco's ``ad_adtte.R`` template.

Each parameter of ``settings.parameters`` names its origin (an ADSL date, or ``response``: the date of the
first response, RSP = Y) and its event and censoring sources among admiralonco's
(:mod:`cdiscflow.adam.response`); AVAL is the duration in days from STARTDT to ADT.
"""

from __future__ import annotations

import pandas as pd

from cdiscflow.adam import response
from cdiscflow.adam.duration import derive_vars_duration
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.adam.records import derive_var_obs_number
from cdiscflow.adam.tte import TteSource, derive_param_tte
from cdiscflow.errors import SpecError
from cdiscflow.registry import register

from .onco_settings import checked

KEYS = ["STUDYID", "USUBJID"]
SOURCES = {name: getattr(response, name) for name in
           ("death_event", "pd_event", "lastalive_censor", "lasta_censor", "rand_censor", "trts_censor")}
RESPONSE_DATE = "TEMP_RESPDT"


def _sources(names: list[str], file: str | None) -> list[TteSource]:
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise SpecError(f"unknown time-to-event source {unknown[0]!r}", file=file, variable="settings.parameters",
                        expected=f"one of {', '.join(SOURCES)}")
    return [SOURCES[n] for n in names]


@register("adam", "pharmaverse_adtte_o")
def adtte_o(ctx: AdamContext) -> pd.DataFrame:
    s = checked(ctx, {"response_filter": str, "parameters": dict, "adsl_vars": list})
    adrs = ctx.needs("ADRS_O")
    adsl = derive_vars_merged(ctx.needs("ADSL"), adrs, KEYS, filter=s["response_filter"],
                              new_vars={RESPONSE_DATE: "ADT"})
    datasets = {"adsl": adsl, "adrs": adrs}
    adtte = None
    for paramcd, p in s["parameters"].items():
        if not isinstance(p, dict) or not {"PARAM", "start", "events", "censors"} <= set(p):
            raise SpecError(f"settings.parameters.{paramcd} needs PARAM, start, events, censors",
                            file=ctx.spec.file, variable=f"settings.parameters.{paramcd}",
                            expected="{PARAM: ..., start: ADSL date or response, events: [...], censors: [...]}")
        from_response = p["start"] == "response"
        start = RESPONSE_DATE if from_response else p["start"]
        subjects = adsl[adsl[RESPONSE_DATE].notna()] if from_response else adsl
        adtte = derive_param_tte(adtte, subjects, datasets, start_date=start,
                                 event_conditions=_sources(p["events"], ctx.spec.file),
                                 censor_conditions=_sources(p["censors"], ctx.spec.file),
                                 set_values_to={"PARAMCD": paramcd, "PARAM": p["PARAM"]})
    adtte = derive_vars_duration(adtte, "AVAL", "STARTDT", "ADT")
    adtte = derive_var_obs_number(adtte, KEYS, ["PARAMCD"], check_unique=True)
    return derive_vars_merged(adtte, ctx.needs("ADSL"), KEYS, new_vars=s["adsl_vars"])
