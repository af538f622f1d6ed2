"""ADRS_O (pharmaverseadam's ``adrs_onco``): RECIST 1.1 overall responses by the investigator and the response
parameters made from them, in the order of admiralonco's ``ad_adrs.R`` template.

Inputs (``settings``): the overall responses (``source``: the template's ``rs_onco_recist`` records by the
investigator), the TU domain and measurable-disease condition, ADSL, and the parameters' PARAM/PARCATy. The responses
(best, confirmed, clinical benefit) are admiralonco's events (:mod:`cdiscflow.adam.response`) chosen by
:func:`~cdiscflow.adam.events.derive_extreme_event`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cdiscflow.adam import response as r
from cdiscflow.adam.dates import derive_vars_dt
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.events import Event, EventJoined, derive_extreme_event
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_relative_flag
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.adam.params import derive_param_exist_flag
from cdiscflow.adam.records import derive_extreme_records, derive_var_obs_number
from cdiscflow.registry import register

from .onco_settings import checked

KEYS = ["STUDYID", "USUBJID"]
# the template's worst_resp(): among assessments on one date the last in this order is the analysed one
WORST_LAST = {"NE": 1, "CR": 2, "PR": 3, "SD": 4, "NON-CR/NON-PD": 5, "PD": 6}
BEST_FIRST = ["__ev", "ADT"]            # event priority, then the earliest date
YES_FIRST = ["-AVALC", "ADT", "__ev"]   # "Y" before "N", then the earliest date
PARAMETERS = ["OVR", "PD", "RSP", "CB", "BOR", "BCP", "CRSP", "CCB", "CBOR", "CBCP", "DEATH", "LSTA", "MDIS"]


def _values(settings: dict, paramcd: str, aval: object = None) -> dict:
    """PARAMCD, its PARAM/PARCATy from ``settings.parameters`` (each defaulting to ``settings.parcat``),
    ANL01FL = Y and AVAL (``aval``: a function of the new records)."""
    spec = settings["parameters"][paramcd]
    values = {"PARAMCD": paramcd, **dict(settings.get("parcat", {})), **spec}
    values = {k: v for k, v in values.items() if v is not None}
    if aval is not None:
        values["AVAL"] = aval
    return {**values, "ANL01FL": "Y"}


def _yn(d: pd.DataFrame) -> pd.Series:
    return r.yn_to_numeric(d["AVALC"])


def _resp(d: pd.DataFrame) -> pd.Series:
    return r.aval_resp(d["AVALC"])


def _overall_responses(rs: pd.DataFrame, adsl: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """The OVR records from the overall responses ``rs`` (``settings.source``): ADT (missing day → last of the
    month), AVALC/AVAL, and the analysis flags (ANL01FL: the worst valid response per date from randomisation;
    ANL02FL: up to the first PD)."""
    adrs = derive_vars_merged(rs, adsl, KEYS, new_vars=["RANDDT"])
    adrs = adrs.assign(**{k: v for k, v in _values(settings, "OVR").items() if k != "ANL01FL"})
    adrs = derive_vars_dt(adrs, "A", "RSDTC", highest_imputation="D", date_imputation="last")
    adrs = adrs.assign(AVISIT=adrs["VISIT"], AVALC=adrs["RSSTRESC"], AVAL=r.aval_resp(adrs["RSSTRESC"]),
                       __worst__=adrs["RSSTRESC"].map(WORST_LAST).fillna(0))
    adrs = derive_var_extreme_flag(adrs, [*KEYS, "ADT"], ["__worst__", "RSSEQ"], "ANL01FL", mode="last",
                                   filter="present(AVAL) and ADT >= RANDDT")
    adrs = derive_var_relative_flag(adrs, KEYS, ["ADT", "RSSEQ"], "ANL02FL", "AVALC == 'PD'", mode="first",
                                    selection="before", inclusive=True)
    return adrs.drop(columns="__worst__").reset_index(drop=True)


def _response(adrs: pd.DataFrame, sources: dict, events: Sequence[Event | EventJoined], order: list[str],
              values: dict) -> pd.DataFrame:
    return derive_extreme_event(adrs, KEYS, events, order=order, mode="first", tmp_event_nr_var="__ev",
                                source_datasets=sources, set_values=values)


def _yes_no_copy(adrs: pd.DataFrame, add: pd.DataFrame, adsl: pd.DataFrame, filter_text: str,
                 values: dict) -> pd.DataFrame:
    """A Y record copied from ``add``'s record meeting ``filter_text``, else N for the ADSL subject."""
    return derive_extreme_records(adrs, KEYS, add=add, ref=adsl, filter=filter_text, exist_flag="AVALC",
                                  false_value="N", set_values=values)


@register("adam", "pharmaverse_adrs_o")
def adrs_o(ctx: AdamContext) -> pd.DataFrame:
    s = checked(ctx, {"tumor_domain": str, "measurable": str, "parcat": dict, "parameters": dict},
                each={"parameters": PARAMETERS})
    adsl = ctx.needs("ADSL")
    adsl_rand = adsl[[*KEYS, "RANDDT"]]
    adrs = _overall_responses(ctx.source_records(), adsl, s)
    ovr = adrs[(adrs["ANL01FL"] == "Y") & (adrs["ANL02FL"] == "Y")]
    sources = {"ovr": ovr, "adsl": adsl}

    adrs = derive_extreme_records(adrs, KEYS, ["ADT", "RSSEQ"], mode="first", add=adrs, ref=adsl_rand,
                                  filter="PARAMCD == 'OVR' and AVALC == 'PD' and ANL01FL == 'Y'",
                                  exist_flag="AVALC", false_value="N", set_values=_values(s, "PD", _yn))
    adrs = _response(adrs, sources, [r.rsp_y, r.no_data_n], BEST_FIRST, _values(s, "RSP", _yn))
    adrs = _response(adrs, sources, [r.rsp_y, r.cb_y, r.no_data_n], YES_FIRST, _values(s, "CB", _yn))
    adrs = _response(adrs, sources, [r.bor_cr, r.bor_pr, r.bor_sd, r.bor_non_crpd, r.bor_pd, r.bor_ne,
                                     r.no_data_missing], BEST_FIRST, _values(s, "BOR", _resp))
    adrs = _yes_no_copy(adrs, adrs, adsl_rand, "PARAMCD == 'BOR' and AVALC in ['CR', 'PR']", _values(s, "BCP", _yn))
    adrs = _response(adrs, sources, [r.crsp_y_cr, r.crsp_y_pr, r.no_data_n], YES_FIRST, _values(s, "CRSP", _yn))
    adrs = _response(adrs, sources, [r.crsp_y_cr, r.crsp_y_pr, r.cb_y, r.no_data_n], YES_FIRST,
                     _values(s, "CCB", _yn))
    before_cbor = adrs
    adrs = _response(adrs, sources, [r.cbor_cr, r.cbor_pr, r.bor_sd, r.bor_non_crpd, r.bor_pd, r.bor_ne,
                                     r.no_data_missing], BEST_FIRST, _values(s, "CBOR", _resp))
    # As in the template, CBCP reads the records as they were before CBOR was added (its dataset_add is the
    # pipe's input), so no subject has a CBOR record to copy and every CBCP is N.
    adrs = _yes_no_copy(adrs, before_cbor, adsl_rand, "PARAMCD == 'CBOR' and AVALC in ['CR', 'PR']",
                        _values(s, "CBCP", _yn))

    deaths = adsl[[*KEYS, "DTHDT", "RANDDT"]]
    adrs = derive_extreme_records(adrs, KEYS, add=deaths, ref=deaths, filter="present(DTHDT)", exist_flag="AVALC",
                                  false_value="N", set_values={**_values(s, "DEATH", _yn),
                                                               "ADT": lambda d: d["DTHDT"]}).drop(columns="DTHDT")
    adrs = derive_extreme_records(adrs, KEYS, ["ADT", "RSSEQ"], mode="last", add=adrs, ref=adsl_rand,
                                  filter="PARAMCD == 'OVR' and ANL01FL == 'Y'",
                                  set_values=_values(s, "LSTA"))
    adrs = derive_param_exist_flag(adrs, adsl_rand, ctx.sdtm(s["tumor_domain"]), s["measurable"], paramcd="MDIS",
                                   by=KEYS, false_value="N", missing_value="N",
                                   set_values={k: v for k, v in _values(s, "MDIS", _yn).items() if k != "PARAMCD"})

    adrs = derive_var_obs_number(adrs, KEYS, ["PARAMCD", "ADT", "VISITNUM", "RSSEQ"], check_unique=True)
    return derive_vars_merged(adrs, adsl.drop(columns="RANDDT"), KEYS)
