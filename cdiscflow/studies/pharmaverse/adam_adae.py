"""pharmaverse ADAE from pharmaversesdtm AE, EX and ADSL, in the order of admiral's ``ad_adae.R``.

Analysis start/end date-times (partial dates imputed, kept within treatment start, death and end of study),
relative days and duration, the last dose before the AE and the dose on its start day (from EX as single
daily doses), severity and causality, the treatment-emergent flag and the first most severe emergent AE;
then every other ADSL variable. Study constants are the spec's ``settings``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam.dates import derive_vars_dtm, derive_vars_dtm_to_dt, derive_vars_dy, sas_date
from cdiscflow.adam.duration import derive_vars_duration
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_trtemfl
from cdiscflow.adam.joined import derive_vars_joined
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.expr import parse
from cdiscflow.registry import register

BY = ["STUDYID", "USUBJID"]


def single_doses(ex: pd.DataFrame, doses: list[float]) -> pd.DataFrame:
    """EX as one record per dosing day (admiral's ``ex_single``, ``data-raw/create_ex_single.R``): the records
    with an EXDOSE in ``doses`` and both dates, repeated for each day from EXSTDTC to EXENDTC with that day as
    EXSTDTC and EXENDTC, EXDOSFRQ ``ONCE`` and EXSEQ renumbered per subject in date order."""
    ex = ex[ex["EXDOSE"].isin(doses)]
    start, end = sas_date(ex["EXSTDTC"]), sas_date(ex["EXENDTC"])
    ex, start, end = (x[start.notna() & end.notna()] for x in (ex, start, end))
    days = (end - start + 1).clip(lower=0).astype("int64").to_numpy()
    out = ex.loc[ex.index.repeat(days)].reset_index(drop=True)
    offset = np.arange(days.sum()) - np.repeat(np.cumsum(days) - days, days)
    day = pd.Series(np.repeat(start.to_numpy(), days) + offset)
    text = pd.to_datetime(day, unit="D", origin="1960-01-01").dt.strftime("%Y-%m-%d")
    out = out.assign(EXSTDTC=text, EXENDTC=text, EXDOSFRQ="ONCE", __DAY=day).sort_values(
        ["USUBJID", "__DAY"], kind="mergesort")
    out["EXSEQ"] = out.groupby("USUBJID", sort=False).cumcount().astype("float64") + 1
    return out.drop(columns="__DAY").reset_index(drop=True)


def analysis_dates(df: pd.DataFrame, start_dtc: str, end_dtc: str) -> pd.DataFrame:
    """ASTDTM/ASTDTF/ASTTMF from ``start_dtc`` (not before TRTSDT when the partial date allows), AENDTM/AENDTF/
    AENTMF from ``end_dtc`` (last day and time, not after DTHDT or EOSDT), ASTDT/AENDT, ASTDY/AENDY and
    ADURN/ADURU, as ``ad_adae.R`` and ``ad_adcm.R`` derive them."""
    df = derive_vars_dtm(df, "AST", start_dtc, highest_imputation="M", min_dates=["TRTSDT"])
    df = derive_vars_dtm(df, "AEN", end_dtc, highest_imputation="M", date_imputation="last",
                         time_imputation="last", max_dates=["DTHDT", "EOSDT"])
    df = derive_vars_dtm_to_dt(df, ["ASTDTM", "AENDTM"])
    df = derive_vars_dy(df, "TRTSDT", ["ASTDT", "AENDT"])
    return derive_vars_duration(df, "ADURN", "ASTDT", "AENDT", new_var_unit="ADURU", out_unit="days")


def _doses(df: pd.DataFrame, ex: pd.DataFrame, valid_dose: str) -> pd.DataFrame:
    """LDOSEDTM (the last dose started on/before the AE start) and DOSEON/DOSEU (the dose given then)."""
    ex = derive_vars_dtm(ex, "EXST", "EXSTDTC", flag_imputation="none")
    ex = derive_vars_dtm(ex, "EXEN", "EXENDTC", time_imputation="last", flag_imputation="none")
    valid = f"({valid_dose}) and present(EXSTDTM)"
    df = derive_vars_joined(df, ex, by=BY, new_vars={"LDOSEDTM": "EXSTDTM"}, join_vars=["EXSTDTM"], join_type="all",
                            order=["EXSTDTM"], mode="last", filter_add=valid, filter_join="EXSTDTM <= ASTDTM")
    return derive_vars_joined(df, ex, by=BY, new_vars={"DOSEON": "EXDOSE", "DOSEU": "EXDOSU"},
                              join_vars=["EXSTDTM", "EXENDTM"], join_type="all", filter_add=valid,
                              filter_join="EXSTDTM <= ASTDTM and (ASTDTM <= EXENDTM or missing(EXENDTM))")


def with_adsl_vars(ctx: AdamContext, domain: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The SDTM ``domain`` with the ADSL variables of ``settings.adsl_vars`` (the templates' first step), and ADSL."""
    adsl = ctx.needs("ADSL")
    return derive_vars_merged(ctx.sdtm(domain), adsl, BY, new_vars=ctx.settings["adsl_vars"]), adsl


def merge_other_adsl(df: pd.DataFrame, adsl: pd.DataFrame, merged: list[str]) -> pd.DataFrame:
    """Every ADSL variable not merged before (the templates' last step, ``negate_vars(adsl_vars)``)."""
    return derive_vars_merged(df, adsl, BY, new_vars=[c for c in adsl.columns if c not in merged and c not in BY])


@register("adam", "pharmaverse_adae")
def adae(ctx: AdamContext) -> pd.DataFrame:
    """ADAE: one record per AE record (``ad_adae.R``)."""
    st = ctx.settings
    df, adsl = with_adsl_vars(ctx, "AE")
    df = analysis_dates(df, "AESTDTC", "AEENDTC")
    ex = ctx.sdtm("EX")
    # the EX variables the dose variables need (the daily records of a wide EX would be copied for nothing)
    used = [*BY, "EXSEQ", "EXDOSE", "EXDOSU", "EXSTDTC", "EXENDTC", *sorted(parse(st["valid_dose"]).names)]
    ex = ex[[c for c in dict.fromkeys(used) if c in ex.columns]]
    df = _doses(df, single_doses(ex, st["single_dose_doses"]), st["valid_dose"])
    df = df.assign(ASEV=df["AESEV"], AREL=df["AEREL"])
    # TRTEMFL on dates: ad_adae.R compares ASTDTM/AENDTM with the date TRTSDT, i.e. on the day
    df = derive_var_trtemfl(df, start_date="ASTDT", end_date="AENDT", trt_start_date="TRTSDT", trt_end_date="TRTEDT",
                            end_window=st["end_window"])
    levels = {sev: float(i) for i, sev in enumerate(st["severity_order"], start=1)}
    df["ASEVN"] = df["ASEV"].map(levels).astype("float64")
    df = derive_var_extreme_flag(df, "USUBJID", ["-ASEVN", "ASTDTM", "AESEQ"], "AOCCIFL", filter="TRTEMFL == 'Y'")
    df = merge_other_adsl(df, adsl, st["adsl_vars"])
    return df.sort_values(["USUBJID", "AESEQ"], kind="mergesort")
