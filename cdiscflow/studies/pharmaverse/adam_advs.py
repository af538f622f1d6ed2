"""ADVS (vital signs) from pharmaversesdtm VS, in the order of admiral's template ``inst/templates/ad_advs.R``.

Study constants (parameter and range lookups, BASETYPE conditions, the End of Treatment record, AVALCAT1) are
read from the spec's ``settings``; the derivations chain :mod:`cdiscflow.adam` functions. The visit helpers here
are shared with ADEG, whose template derives its timing the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdiscflow.adam.baseline import derive_basetype_records, derive_var_base, derive_var_chg, derive_var_pchg
from cdiscflow.adam.categorize import derive_vars_cat
from cdiscflow.adam.dates import derive_vars_dt, derive_vars_dy
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_ontrtfl
from cdiscflow.adam.merge import derive_vars_merged, derive_vars_merged_lookup
from cdiscflow.adam.params import derive_param_bmi, derive_param_bsa, derive_param_map
from cdiscflow.adam.ranges import derive_var_anrind
from cdiscflow.adam.records import derive_extreme_records, derive_summary_records, derive_var_obs_number
from cdiscflow.registry import register
from cdiscflow.specs.conform import as_char

#: ADSL variables the templates merge first (the rest of ADSL is merged at the end)
ADSL_VARS = ["TRTSDT", "TRTEDT", "TRT01A", "TRT01P"]
DONE = "VSSTAT != 'NOT DONE'"


def blanks(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns with "" for missing (the library's convention; admiral's ``convert_blanks_to_na`` inverse)."""
    text = [c for c in df.columns if pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object]
    return df.assign(**{c: as_char(df[c]) for c in text})


def lookup(settings: dict, name: str, column: str, position: int) -> pd.DataFrame:
    """One column of a ``{code: [values…]}`` lookup of the spec settings as a frame keyed by ``column``."""
    table = settings[name]
    return pd.DataFrame({column: list(table), "__value__": [v[position] for v in table.values()]})


def param_lookup(settings: dict, test_var: str) -> pd.DataFrame:
    """``settings.parameters`` (test code → PARAMCD, PARAM, PARAMN) as a frame."""
    rows = [[code, *values] for code, values in settings["parameters"].items()]
    frame = pd.DataFrame(rows, columns=[test_var, "PARAMCD", "PARAM", "PARAMN"])
    return frame.assign(PARAMN=frame["PARAMN"].astype("float64"))


def range_lookup(settings: dict, columns: Sequence[str]) -> pd.DataFrame:
    """``settings.ranges`` (PARAMCD → limits in ``columns`` order) as a frame."""
    rows = [[code, *values] for code, values in settings["ranges"].items()]
    frame = pd.DataFrame(rows, columns=["PARAMCD", *columns])
    return frame.astype({c: "float64" for c in columns})


def analysis_visits(df: pd.DataFrame, unscheduled: Sequence[str]) -> pd.DataFrame:
    """AVISIT = VISIT in title case except the ``unscheduled`` visits (missing); AVISITN = 0 for the BASELINE
    visit, the week number for "WEEK n" visits, else missing."""
    visit = df["VISIT"].astype("str")
    skip = visit.str.contains("|".join(unscheduled), regex=True) | visit.eq("")
    avisit = visit.str.title().where(~skip, "")
    out = df.assign(AVISIT=avisit)
    week = pd.to_numeric(visit.str.replace("WEEK", "", regex=False).str.strip().where(
        visit.str.contains("WEEK", regex=False)), errors="coerce")
    return out.assign(AVISITN=pd.Series(np.where(visit.eq("BASELINE"), 0.0, week), index=df.index, dtype="float64"))


def merge_adsl_rest(df: pd.DataFrame, adsl: pd.DataFrame, first: Sequence[str]) -> pd.DataFrame:
    """Every ADSL variable not merged before (``first``) and not already in ``df``."""
    rest = adsl.drop(columns=[c for c in first if c in adsl.columns])
    return derive_vars_merged(df, rest, ["STUDYID", "USUBJID"])


def baseline_and_change(df: pd.DataFrame, seq: str, candidates: str, bases: dict[str, str]) -> pd.DataFrame:
    """ABLFL: the last ``candidates`` record per subject, BASETYPE and parameter (by ADT, VISITNUM, ``seq``);
    ``bases`` (``{"BASE": "AVAL", …}``) from it; CHG and PCHG for post-baseline visits (AVISITN > 0)."""
    by = ["STUDYID", "USUBJID", "BASETYPE", "PARAMCD"]
    df = derive_var_extreme_flag(df, by, ["ADT", "VISITNUM", seq], "ABLFL", mode="last", filter=candidates)
    for new_var, source in bases.items():
        df = derive_var_base(df, by, source=source, new_var=new_var)
    df = derive_var_chg(df, filter="AVISITN > 0")
    return derive_var_pchg(df, filter="AVISITN > 0")


@register("adam", "pharmaverse_advs")
def advs(ctx: AdamContext) -> pd.DataFrame:
    """ADVS: one record per VS result, MAP/BSA/BMI per visit and time point, an AVERAGE record per parameter
    and date, BASETYPE copies per position, baseline/change, ANL01FL and an End of Treatment (LOV) record."""
    st = ctx.settings
    adsl = ctx.needs("ADSL")
    df = blanks(ctx.sdtm("VS"))
    df = derive_vars_merged(df, adsl, ["STUDYID", "USUBJID"], new_vars=ADSL_VARS)
    df = derive_vars_dt(df, "A", "VSDTC")
    df = derive_vars_dy(df, "TRTSDT", ["ADT"])
    params = param_lookup(st, "VSTESTCD")
    df = derive_vars_merged_lookup(df, params, "VSTESTCD", new_vars=["PARAMCD"])
    df = df.assign(AVAL=df["VSSTRESN"])
    by = ["STUDYID", "USUBJID", *ADSL_VARS, "VISIT", "VISITNUM", "ADT", "ADY", "VSTPT", "VSTPTNUM"]
    df = derive_param_map(df, by, unit_var="VSSTRESU", filter=DONE)
    df = derive_param_bsa(df, by, method=st["bsa_method"], unit_var="VSSTRESU", filter=DONE, constant_by="USUBJID")
    df = derive_param_bmi(df, by, unit_var="VSSTRESU", filter=DONE, constant_by="USUBJID")
    df = analysis_visits(df.assign(ATPTN=df["VSTPTNUM"], ATPT=df["VSTPT"]), st["unscheduled_visits"])
    df = derive_summary_records(df, ["STUDYID", "USUBJID", *ADSL_VARS, "PARAMCD", "AVISITN", "AVISIT", "ADT", "ADY"],
                                filter="present(AVAL)", set_values={"DTYPE": "AVERAGE"})
    df = derive_var_ontrtfl(df, start_date="ADT", ref_start_date="TRTSDT", ref_end_date="TRTEDT",
                            filter_pre_timepoint="AVISIT == 'Baseline'")
    df = derive_vars_merged(df, range_lookup(st, ["ANRLO", "ANRHI", "A1LO", "A1HI"]), "PARAMCD")
    df = derive_var_anrind(df)
    df = derive_basetype_records(df, st["basetypes"])
    df = baseline_and_change(df, "VSSEQ", "present(AVAL) and ADT <= TRTSDT and present(BASETYPE) and missing(DTYPE)",
                             {"BASE": "AVAL", "BNRIND": "ANRIND"})
    df = derive_var_extreme_flag(df, ["USUBJID", "PARAMCD", "AVISIT", "ATPT", "DTYPE"], ["ADT", "AVAL"], "ANL01FL",
                                 mode="last", filter="present(AVISITN) and ONTRTFL == 'Y'")
    eot = st["end_of_treatment"]
    df = derive_extreme_records(df, ["STUDYID", "USUBJID", "PARAMCD", "ATPTN"], ["ADT", "AVISITN", "AVAL"],
                                mode="last", filter=eot["filter"], set_values=eot["set_values"])
    df = df.assign(TRTP=df["TRT01P"], TRTA=df["TRT01A"])
    df = derive_var_obs_number(df, ["STUDYID", "USUBJID"], ["PARAMCD", "ADT", "AVISITN", "VISITNUM", "ATPTN", "DTYPE"],
                               check_unique=True)
    df = derive_vars_cat(df, "AVAL", st["avalcat1"], "AVALCAT1", "AVALCA1N")
    df = derive_vars_merged(df, params.drop(columns="VSTESTCD"), "PARAMCD")
    return merge_adsl_rest(df, adsl, ADSL_VARS)
