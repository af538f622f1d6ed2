"""CDISC pilot (CDISCPILOT01) questionnaire ADaM programs: ADQSCIBC (CIBIC+) and ADQSNPIX (NPI-X) from QS.

As ADQSADAS (data guide): QS records of the questionnaire placed in the SAP's analysis windows by ADY, the
one closest to the window's target flagged for analysis (ANL01FL), the SAP windows, parameters and decodes
in each spec's ``settings``. ADQSCIBC carries the last analysis value forward into later windows without one
(DTYPE LOCF); ADQSNPIX has BASE/CHG/PCHG and the mean total score of weeks 4 to 24 (NPTOTMN, DTYPE AVERAGE:
the define's rule and the CSR's Table 14-3.12, not the pilot file's Week 6-12 means).
"""

from __future__ import annotations

import pandas as pd

from cdiscflow.adam.baseline import derive_var_base, derive_var_chg, derive_var_pchg
from cdiscflow.adam.dates import derive_vars_dt, derive_vars_dy
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.adam.records import derive_extreme_records, derive_locf_records, derive_summary_records
from cdiscflow.adam.visits import derive_var_anl_flag, derive_vars_window, windows_frame
from cdiscflow.registry import register

from .adam_lab import param_decodes

ADSL_VARS = {"SITEID": "SITEID", "SITEGR1": "SITEGR1", "TRTSDT": "TRTSDT", "TRTEDT": "TRTEDT", "TRTP": "TRT01P",
             "TRTPN": "TRT01PN", "AGE": "AGE", "AGEGR1": "AGEGR1", "AGEGR1N": "AGEGR1N", "RACE": "RACE",
             "RACEN": "RACEN", "SEX": "SEX", "ITTFL": "ITTFL", "EFFFL": "EFFFL", "COMP24FL": "COMP24FL"}
BY = ["USUBJID", "PARAMCD"]


def _windowed(ctx: AdamContext) -> pd.DataFrame:
    """The source QS records of ADSL subjects as parameters (PARAMCD = QSTESTCD, or as settings ``paramcd``
    renames it), in the settings ``windows`` by ADY, the one closest to the target flagged."""
    st = ctx.settings
    df = derive_vars_merged(ctx.source_records(), ctx.needs("ADSL"), "USUBJID", new_vars=ADSL_VARS,
                            exist_flag="__INADSL")
    df = df[df["__INADSL"] == "Y"]
    df = df.assign(PARAMCD=df["QSTESTCD"].replace(st.get("paramcd", {})), AVAL=df["QSSTRESN"])
    df = param_decodes(df, st["parameters"])
    df = derive_vars_dt(df, "A", "QSDTC")
    df = derive_vars_dy(df, "TRTSDT", {"ADY": "ADT"})
    df = derive_vars_window(df, st["windows"], day="ADY")
    df = df[df["AVISIT"] != ""]
    return derive_var_anl_flag(df, [*BY, "AVISITN"], rule="closest", order=st["anl_tie_order"])


@register("adam", "cdiscpilot01_adqscibc")
def adqscibc(ctx: AdamContext) -> pd.DataFrame:
    """ADQSCIBC (define): the CIBIC+ score by analysis window; LOCF of the last analysis value."""
    st = ctx.settings
    df = _windowed(ctx)
    locf = st["locf"]
    windows = windows_frame(st["windows"])
    expected = windows[windows["AVISITN"].isin(locf["visits"])].assign(AWU="DAYS")
    # the pilot's LOCF record is a copy of the last earlier record with the last analysis value (data guide:
    # only analysis records are carried forward): 01-701-1294 Week 16 is its Week 12 visit with Week 8's value
    df = df.sort_values([*BY, "ADY"], kind="mergesort")
    df["__CARRY"] = df["AVAL"].where(df["ANL01FL"] == "Y").groupby([df[b] for b in BY], sort=False).ffill()
    df = derive_locf_records(df, expected, BY, "AVISITN", analysis_var="__CARRY", tie_order=["ADY"],
                             set_values={"ANL01FL": "Y"}, dtype=locf["dtype"])
    df["AVAL"] = df["AVAL"].where(df["DTYPE"] != locf["dtype"], df["__CARRY"])
    df["AWTDIFF"] = (df["ADY"] - df["AWTARGET"]).abs()
    return df.sort_values(["USUBJID", "PARAMN", "AVISITN", "ADT"], kind="mergesort")


@register("adam", "cdiscpilot01_adqsnpix")
def adqsnpix(ctx: AdamContext) -> pd.DataFrame:
    """ADQSNPIX (define): NPI-X items and total by analysis window with BASE (QSBLFL), CHG and PCHG; NPTOTMN,
    the mean of the analysis totals of weeks 4-24, with a baseline record copied from the total's."""
    st = ctx.settings
    df = _windowed(ctx)
    df = df.assign(ABLFL=df["QSBLFL"])
    mean = st["mean_parameter"]
    new = {"PARAMCD": mean["paramcd"], "PARAMTYP": mean["paramtyp"], "DTYPE": mean["dtype"]}
    df = derive_summary_records(df, "USUBJID", filter=mean["filter"], set_values={**new, **mean["window"]})
    df = derive_extreme_records(df, BY, ["ADY"], filter=mean["baseline"], set_values=new)
    df = param_decodes(df, st["parameters"])
    df = derive_vars_merged(df.drop(columns=list(ADSL_VARS)), ctx.needs("ADSL"), "USUBJID",
                            new_vars={"STUDYID": "STUDYID", **ADSL_VARS})
    df = derive_var_base(df, BY)
    df = derive_var_chg(df, filter=st["change_filter"])
    df = derive_var_pchg(df, filter=st["change_filter"])
    return df.sort_values(["USUBJID", "PARAMN", "AVISITN", "ADT"], kind="mergesort")
