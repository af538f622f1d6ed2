"""pharmaverse ADCM from pharmaversesdtm CM and ADSL, in the order of admiral's ``ad_adcm.R``.

Analysis start/end date-times, relative days and duration as in ADAE; on-treatment, pre-treatment and
follow-up flags, the analysis flag, the first occurrence of each preferred term on treatment, the analysis
phase and treatments; then every other ADSL variable. Study constants are the spec's ``settings``.
"""

from __future__ import annotations

import pandas as pd

from cdiscflow.adam.categorize import derive_vars_cat
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_flag_condition, derive_var_ontrtfl
from cdiscflow.registry import register
from cdiscflow.studies.pharmaverse.adam_adae import analysis_dates, merge_other_adsl, with_adsl_vars


@register("adam", "pharmaverse_adcm")
def adcm(ctx: AdamContext) -> pd.DataFrame:
    """ADCM: one record per CM record (``ad_adcm.R``)."""
    df, adsl = with_adsl_vars(ctx, "CM")
    df = analysis_dates(df, "CMSTDTC", "CMENDTC")
    df = derive_var_ontrtfl(df, start_date="ASTDT", end_date="AENDT", ref_start_date="TRTSDT",
                            ref_end_date="TRTEDT")
    df = derive_var_flag_condition(df, "PREFL", "ASTDT < TRTSDT")
    df = derive_var_flag_condition(df, "FUPFL", "ASTDT > TRTEDT")
    df = derive_var_flag_condition(df, "ANL01FL", "ONTRTFL == 'Y'")
    df = derive_var_extreme_flag(df, ["USUBJID", "CMDECOD"], ["ASTDTM", "CMSEQ"], "AOCCPFL", filter="ANL01FL == 'Y'")
    df = derive_vars_cat(df, "ONTRTFL", ctx.settings["phases"], "APHASE", "APHASEN")
    df = df.assign(TRTP=df["TRT01P"], TRTA=df["TRT01A"])
    df = merge_other_adsl(df, adsl, ctx.settings["adsl_vars"])
    return df.sort_values(["USUBJID", "CMSEQ"], kind="mergesort")
