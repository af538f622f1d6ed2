"""ADEG (ECG) from pharmaversesdtm EG, in the order of admiral's template ``inst/templates/ad_adeg.R``.

Study constants (parameter and range lookups, QTc methods, the AVERAGE-record rule, AVALCAT1/CHGCAT1) are read
from the spec's ``settings``; visits and the ADSL merges are ADVS's (:mod:`.adam_advs`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam.baseline import derive_basetype_records
from cdiscflow.adam.categorize import derive_vars_cat
from cdiscflow.adam.dates import derive_vars_dtm, derive_vars_dtm_to_dt, derive_vars_dy
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_ontrtfl
from cdiscflow.adam.merge import derive_vars_merged, derive_vars_merged_lookup
from cdiscflow.adam.params import derive_param_qtc, derive_param_rr
from cdiscflow.adam.ranges import derive_var_anrind
from cdiscflow.adam.records import derive_summary_records, derive_var_obs_number
from cdiscflow.registry import register
from cdiscflow.specs.conform import numbers_to_text
from cdiscflow.studies.pharmaverse.adam_advs import (
    ADSL_VARS,
    analysis_visits,
    baseline_and_change,
    blanks,
    merge_adsl_rest,
    param_lookup,
    range_lookup,
)

DONE = "EGSTAT != 'NOT DONE'"


@register("adam", "pharmaverse_adeg")
def adeg(ctx: AdamContext) -> pd.DataFrame:
    """ADEG: one record per EG result, RR and corrected QT parameters per visit and time point, an AVERAGE
    record per parameter and date (the baseline and analysis records), baseline/change, ANL01FL, categories."""
    st = ctx.settings
    adsl = ctx.needs("ADSL")
    df = blanks(ctx.sdtm("EG"))
    df = derive_vars_merged(df, adsl, ["STUDYID", "USUBJID"], new_vars=ADSL_VARS)
    df = derive_vars_dtm(df, "A", "EGDTC")
    df = derive_vars_dy(df, "TRTSDT", {"ADY": "ADTM"})
    params = param_lookup(st, "EGTESTCD")
    df = derive_vars_merged_lookup(df, params, "EGTESTCD", new_vars=["PARAMCD"])
    numeric_text = numbers_to_text(df["EGSTRESN"])
    df = df.assign(AVAL=df["EGSTRESN"],
                   AVALC=df["EGSTRESC"].where(df["EGSTRESN"].isna() | numeric_text.ne(df["EGSTRESC"]), ""))
    by = ["STUDYID", "USUBJID", *ADSL_VARS, "VISIT", "VISITNUM", "EGTPT", "EGTPTNUM", "ADTM", "ADY"]
    df = derive_param_rr(df, by, unit_var="EGSTRESU", filter=DONE)
    for method, code in st["qtc_methods"].items():
        df = derive_param_qtc(df, by, method=method, paramcd=code, unit_var="EGSTRESU", filter=DONE)
    df = derive_vars_dtm_to_dt(df, ["ADTM"])
    df = analysis_visits(df.assign(ATPTN=df["EGTPTNUM"], ATPT=df["EGTPT"]), st["unscheduled_visits"])
    avg_by = ["STUDYID", "USUBJID", *ADSL_VARS, "PARAMCD", "AVISITN", "AVISIT", "ADT", "ADY"]
    average = st["average"]
    size = df.groupby(avg_by, sort=False, dropna=False)["PARAMCD"].transform("size")
    chosen = (size >= average["min_records"]) & ~df["PARAMCD"].isin(average["exclude"])
    df = derive_summary_records(df.assign(__AVG__=np.where(chosen, "Y", "")), avg_by, filter="__AVG__ == 'Y'",
                                set_values={"DTYPE": "AVERAGE"}).drop(columns="__AVG__")
    df = derive_var_ontrtfl(df, start_date="ADT", ref_start_date="TRTSDT", ref_end_date="TRTEDT",
                            ref_end_window=st["on_treatment_window"], filter_pre_timepoint="AVISIT == 'Baseline'")
    df = derive_vars_merged(df, range_lookup(st, ["ANRLO", "ANRHI"]), "PARAMCD")
    df = derive_var_anrind(df)
    df = derive_basetype_records(df, st["basetypes"])
    df = baseline_and_change(df, "EGSEQ", "(present(AVAL) or present(AVALC)) and ADT <= TRTSDT and "
                             "present(BASETYPE) and DTYPE == 'AVERAGE' and PARAMCD != 'EGINTP'",
                             {"BASE": "AVAL", "BASEC": "AVALC", "BNRIND": "ANRIND"})
    df = derive_var_extreme_flag(df, ["USUBJID", "PARAMCD", "AVISIT", "ATPT", "DTYPE"], ["ADT", "AVAL"], "ANL01FL",
                                 mode="last", filter="present(AVISITN) and (ONTRTFL == 'Y' or ABLFL == 'Y') and "
                                 "DTYPE == 'AVERAGE'")
    df = df.assign(TRTP=df["TRT01P"], TRTA=df["TRT01A"])
    df = derive_var_obs_number(df, ["STUDYID", "USUBJID"], ["PARAMCD", "ADT", "AVISITN", "VISITNUM", "ATPTN", "DTYPE"],
                               check_unique=True)
    df = derive_vars_cat(df, "AVAL", st["avalcat1"], "AVALCAT1", "AVALCA1N")
    df = derive_vars_cat(df, "CHG", st["chgcat1"], "CHGCAT1", "CHGCAT1N")
    df = derive_vars_merged(df, params.drop(columns="EGTESTCD"), "PARAMCD")
    return merge_adsl_rest(df, adsl, ADSL_VARS)
