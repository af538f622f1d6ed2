"""pharmaverse ADLB from pharmaversesdtm LB and ADSL, in the order of admiral's ``ad_adlb.R``.

Analysis date and day; parameters from the LBTESTCD lookup; AVAL/AVALC and the reference range; absolute
basophils and lymphocytes from WBC where a visit has none; analysis visits; the on-treatment flag and ANRIND;
the last pre-dose value as baseline (BASE, BASEC, BNRIND) and change from it after baseline; NCI-CTCAE v4 lab
grades low/high/overall and their baselines; ratios to baseline and the range; shifts; the analysis and last
on-treatment flags; post-baseline minimum, maximum and last value records; ASEQ; then every other ADSL
variable. Study constants (lookups, grading terms, extreme records) are the spec's ``settings``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam.baseline import (
    derive_var_analysis_ratio,
    derive_var_base,
    derive_var_chg,
    derive_var_pchg,
    derive_var_shift,
)
from cdiscflow.adam.dates import derive_vars_dt, derive_vars_dy
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_ontrtfl
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.adam.params import derive_param_wbc_abs
from cdiscflow.adam.ranges import derive_var_anrind
from cdiscflow.adam.records import derive_extreme_records, derive_var_obs_number
from cdiscflow.adam.toxgrade import derive_var_atoxgr, derive_var_atoxgr_dir, extract_unit
from cdiscflow.expr import evaluate
from cdiscflow.specs.conform import numbers_to_text
from cdiscflow.registry import register
from cdiscflow.studies.pharmaverse.adam_adae import BY, merge_other_adsl

BASE_BY = ["STUDYID", "USUBJID", "PARAMCD", "BASETYPE"]


def _r_character(values: pd.Series) -> pd.Series:
    """Numbers as R's ``as.character`` writes them (15 significant digits, no trailing zeros)."""
    return numbers_to_text(values)


def _analysis_values(df: pd.DataFrame) -> pd.DataFrame:
    """PARCAT1, AVAL, AVALC (only where it says more than AVAL), ANRLO, ANRHI."""
    text = df["LBSTRESC"].fillna("").astype(str)
    redundant = df["LBSTRESN"].notna() & (_r_character(df["LBSTRESN"]) == text)
    return df.assign(PARCAT1=df["LBCAT"], AVAL=df["LBSTRESN"], AVALC=text.where(~redundant, ""),
                     ANRLO=df["LBSTNRLO"], ANRHI=df["LBSTNRHI"])


def _visits(df: pd.DataFrame, baseline_visit: str) -> pd.DataFrame:
    """AVISIT "Baseline" for the screening visits, else VISIT in title case; AVISITN 0 for baseline, else VISITNUM."""
    visit = df["VISIT"].fillna("").astype(str)
    avisit = visit.str.title().where(~evaluate(baseline_visit, df), "Baseline")
    avisitn = df["VISITNUM"].astype("float64").where(avisit != "Baseline", 0.0).where(avisit != "", np.nan)
    return df.assign(AVISIT=avisit, AVISITN=avisitn)


def _grades(df: pd.DataFrame, st: dict) -> pd.DataFrame:
    """ATOXDSCL/ATOXDSCH from the term lookup, ATOXGRL/ATOXGRH/ATOXGR and their baselines."""
    terms = pd.DataFrame([(code, low, high) for code, (low, high) in st["grade_terms"].items()],
                         columns=["PARAMCD", "ATOXDSCL", "ATOXDSCH"])
    df = derive_vars_merged(df, terms, "PARAMCD")
    unit = extract_unit(df["PARAM"])
    df = derive_var_atoxgr_dir(df, "ATOXGRL", "ATOXDSCL", st["grade_criteria"], "L", get_unit_expr=unit)
    df = derive_var_atoxgr_dir(df, "ATOXGRH", "ATOXDSCH", st["grade_criteria"], "H", get_unit_expr=unit)
    df = derive_var_atoxgr(df)
    for grade in ("ATOXGRL", "ATOXGRH", "ATOXGR"):
        df = derive_var_base(df, BASE_BY, source=grade, new_var="B" + grade[1:])
    return df


def _extremes(df: pd.DataFrame, extremes: list[dict]) -> pd.DataFrame:
    """The post-baseline extreme records, each chosen among the records before any of them was added."""
    out = df
    for e in extremes:
        out = derive_extreme_records(out, BASE_BY, e["order"], mode=e["mode"], filter=e["filter"], add=df,
                                     set_values={"AVISITN": float(e["avisitn"]), "AVISIT": e["avisit"],
                                                 "DTYPE": e["dtype"]})
    return out


@register("adam", "pharmaverse_adlb")
def adlb(ctx: AdamContext) -> pd.DataFrame:
    """ADLB: the LB records, computed absolute counts and post-baseline extreme records (``ad_adlb.R``)."""
    st = ctx.settings
    adsl = ctx.needs("ADSL")
    first = st["adsl_vars"]
    df = derive_vars_merged(ctx.sdtm("LB"), adsl, BY, new_vars=first)
    df = derive_vars_dy(derive_vars_dt(df, "A", "LBDTC"), "TRTSDT", ["ADT"])
    params = pd.DataFrame(st["params"], columns=["LBTESTCD", "PARAMCD", "PARAM", "PARAMN"])
    df = _analysis_values(derive_vars_merged(df, params.astype({"PARAMN": "float64"}), "LBTESTCD"))
    df["__UNIT"] = extract_unit(df["PARAM"])
    wbc_by = [*BY, *first, "DOMAIN", "VISIT", "VISITNUM", "ADT", "ADY"]
    for new in st["wbc_abs"]:
        df = derive_param_wbc_abs(df, wbc_by, paramcd=new["paramcd"], diff_code=new["diff_code"], unit_var="__UNIT",
                                  param=new["param"], set_values={"PARAMN": float(new["paramn"]), **st["wbc_abs_set"]})
    df = _visits(df.drop(columns="__UNIT"), st["baseline_visit"])
    df = derive_var_ontrtfl(df, start_date="ADT", ref_start_date="TRTSDT", ref_end_date="TRTEDT",
                            filter_pre_timepoint="AVISIT == 'Baseline'")
    df = derive_var_anrind(df).assign(BASETYPE="LAST")
    df = derive_var_extreme_flag(df, BASE_BY, ["ADT", "VISITNUM", "LBSEQ"], "ABLFL", mode="last",
                                 filter="present(AVAL) and ADT <= TRTSDT and present(BASETYPE)")
    for source, new_var in (("AVAL", "BASE"), ("AVALC", "BASEC"), ("ANRIND", "BNRIND")):
        df = derive_var_base(df, BASE_BY, source=source, new_var=new_var)
    df = derive_var_pchg(derive_var_chg(df, filter="AVISITN > 0"), filter="AVISITN > 0")
    df = _grades(df, st)
    for denom in ("BASE", "ANRLO", "ANRHI"):
        df = derive_var_analysis_ratio(df, "AVAL", denom)
    df = derive_var_shift(df, "SHIFT1", "BNRIND", "ANRIND")
    df = derive_var_shift(df, "SHIFT2", "BTOXGR", "ATOXGR", filter="present(ATOXDSCL) or present(ATOXDSCH)")
    df = derive_var_extreme_flag(df, ["USUBJID", "PARAMCD", "AVISIT"], ["ADT", "AVAL"], "ANL01FL", mode="last",
                                 filter="present(AVISITN) and ONTRTFL == 'Y'")
    df = derive_var_extreme_flag(df, ["USUBJID", "PARAMCD"], ["ADT", "AVAL"], "LVOTFL", mode="last",
                                 filter="ONTRTFL == 'Y'")
    df = _extremes(df.assign(TRTP=df["TRT01P"], TRTA=df["TRT01A"]), st["extremes"])
    df = derive_var_obs_number(df, BY, ["PARAMCD", "ADT", "AVISITN", "VISITNUM"], check_unique=True)
    return merge_other_adsl(df, adsl, first)
