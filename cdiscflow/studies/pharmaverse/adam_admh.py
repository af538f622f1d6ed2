"""pharmaverse ADMH from pharmaversesdtm MH and ADSL, in the order of admiral's ``ad_admh.R``.

Analysis start/end dates (complete dates only; the end not after death or end of study), relative days, the
collection date and day, query variables (admiral's ``queries_mh``), the history category AHIST, occurrence
flags, the analysis flag, treatments, the analysis phase and the term's number; then every other ADSL
variable. Study constants are the spec's ``settings``.
"""

from __future__ import annotations

import pandas as pd

from cdiscflow.adam.categorize import derive_var_decode, derive_vars_cat
from cdiscflow.adam.dates import derive_vars_dt, derive_vars_dy
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_flag_condition
from cdiscflow.adam.query import derive_vars_query
from cdiscflow.registry import register
from cdiscflow.studies.pharmaverse.adam_adae import merge_other_adsl, with_adsl_vars


@register("adam", "pharmaverse_admh")
def admh(ctx: AdamContext) -> pd.DataFrame:
    """ADMH: one record per MH record (``ad_admh.R``)."""
    st = ctx.settings
    cats = st["categories"]
    df, adsl = with_adsl_vars(ctx, "MH")
    # MHSTAT is Char in SDTMIG; pharmaversesdtm holds it as an all-missing logical column (a float here)
    df["MHSTAT"] = df["MHSTAT"].astype("string").fillna("").astype("str")
    df = derive_vars_dt(df, "AST", "MHSTDTC")
    df = df.assign(__DTHDT=df["DTHDT"], __EOSDT=df["EOSDT"])
    df = derive_vars_dt(df, "AEN", "MHENDTC", date_imputation="last", max_dates=["__DTHDT", "__EOSDT"])
    df = derive_vars_dy(df, "TRTSDT", ["ASTDT", "AENDT"])
    df = derive_vars_dt(df, "A", "MHDTC")
    df = derive_vars_dy(df, "TRTSDT", ["ADT"])
    df = derive_vars_query(df, pd.DataFrame(st["queries"]))
    df = derive_vars_cat(df, "MHENRF", cats["AHIST"], "AHIST")
    for name, by, order in st["occurrence_flags"]:
        df = derive_var_extreme_flag(df, ["USUBJID", *by], order, name)
    df = derive_var_flag_condition(df, "ANL01FL", "MHOCCUR != 'N'")
    df = df.assign(TRTP=df["TRT01P"], TRTA=df["TRT01A"])
    df = derive_vars_cat(df, "ADT", cats["APHASE"], "APHASE", "APHASEN")
    df = derive_var_decode(df, "MHTERM", "MHTERMN", st["mhtermn"], strict=False)
    df["MHTERMN"] = df["MHTERMN"].where(df["MHPRESP"] == "Y")
    df = merge_other_adsl(df, adsl, st["adsl_vars"])
    return df.sort_values(["USUBJID", "MHSEQ"], kind="mergesort")
