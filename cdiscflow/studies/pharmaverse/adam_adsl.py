"""pharmaverse ADSL from pharmaversesdtm DM, EX, DS, AE and LB, in the order of admiral's ``ad_adsl.R``.

Treatment start/end from the first/last valid dose of EX (times imputed to the start/end of the day),
disposition dates and status from DS, death date, cause and timing, the last date known alive over AE, LB and
the treatment end, the safety flag and the grouping variables. Study constants (the valid-dose condition, the
category tables, the death-cause and last-alive sources) are the spec's ``settings``.
"""

from __future__ import annotations

import pandas as pd

from cdiscflow.adam.categorize import derive_vars_cat
from cdiscflow.adam.dates import convert_dtc_to_dt, derive_vars_dt, derive_vars_dtm, derive_vars_dtm_to_dt
from cdiscflow.adam.duration import derive_var_trtdurd, derive_vars_duration
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.events import derive_vars_extreme_event, event
from cdiscflow.adam.flags import derive_var_flag_condition
from cdiscflow.adam.merge import derive_var_merged_exist_flag, derive_vars_merged
from cdiscflow.adam.tte import Var
from cdiscflow.registry import register

BY = ["STUDYID", "USUBJID"]


def _treatment_dates(df: pd.DataFrame, ex: pd.DataFrame, valid_dose: str) -> pd.DataFrame:
    """TRTSDTM/TRTSTMF, TRTEDTM/TRTETMF (first start, last end of a valid dose), TRTSDT/TRTEDT, TRTDURD."""
    ex = derive_vars_dtm(ex, "EXST", "EXSTDTC")
    ex = derive_vars_dtm(ex, "EXEN", "EXENDTC", time_imputation="last")
    df = derive_vars_merged(df, ex, BY, new_vars={"TRTSDTM": "EXSTDTM", "TRTSTMF": "EXSTTMF"},
                            filter=f"({valid_dose}) and present(EXSTDTM)", order=["EXSTDTM", "EXSEQ"], mode="first")
    df = derive_vars_merged(df, ex, BY, new_vars={"TRTEDTM": "EXENDTM", "TRTETMF": "EXENTMF"},
                            filter=f"({valid_dose}) and present(EXENDTM)", order=["EXENDTM", "EXSEQ"], mode="last")
    df = derive_vars_dtm_to_dt(df, ["TRTSDTM", "TRTEDTM"])
    return derive_var_trtdurd(df)


def _disposition(df: pd.DataFrame, ds: pd.DataFrame, eosstt: list[dict]) -> pd.DataFrame:
    """SCRFDT, EOSDT, EOSSTT (ONGOING without a disposition event), FRVDT, RANDDT from DS."""
    ds = derive_vars_dt(ds, "DSST", "DSSTDTC")
    disp = "DSCAT == 'DISPOSITION EVENT'"
    df = derive_vars_merged(df, ds, BY, new_vars={"SCRFDT": "DSSTDT"}, filter=f"{disp} and DSDECOD == 'SCREEN FAILURE'")
    df = derive_vars_merged(df, ds, BY, new_vars={"EOSDT": "DSSTDT"}, filter=f"{disp} and DSDECOD != 'SCREEN FAILURE'")
    df = derive_vars_merged(df, derive_vars_cat(ds, "DSDECOD", eosstt, "EOSSTT"), BY, new_vars=["EOSSTT"],
                            filter=disp, missing_values={"EOSSTT": "ONGOING"})
    df = derive_vars_merged(df, ds, BY, new_vars={"FRVDT": "DSSTDT"},
                            filter="DSCAT == 'OTHER EVENT' and DSDECOD == 'FINAL RETRIEVAL VISIT'")
    return derive_vars_merged(df, ds, BY, new_vars={"RANDDT": "DSSTDT"}, filter="DSDECOD == 'RANDOMIZED'")


def _death(df: pd.DataFrame, ctx: AdamContext) -> pd.DataFrame:
    """DTHDT/DTHDTF (partial dates imputed to the first), DTHADY, LDDTHELD, DTHCAUS/DTHDOM, DTHCGR1."""
    st = ctx.settings
    df = derive_vars_dt(df, "DTH", "DTHDTC", highest_imputation="M", date_imputation="first")
    df = derive_vars_duration(df, "DTHADY", "TRTSDT", "DTHDT")
    df = derive_vars_duration(df, "LDDTHELD", "TRTEDT", "DTHDT", add_one=False)
    causes = st["death_causes"]
    events = [event(c["dataset"], condition=c["condition"],
                    set_values_to={"DTHCAUS": Var(c["cause"]), "DTHDOM": Var("DOMAIN")}) for c in causes]
    sources = {c["dataset"]: ctx.sdtm(c["dataset"]) for c in causes}
    df = derive_vars_extreme_event(df, BY, events, order=["__EVENT"], mode="first", new_vars=["DTHCAUS", "DTHDOM"],
                                   source_datasets=sources, tmp_event_nr_var="__EVENT")
    return derive_vars_cat(df, "DTHDOM", st["categories"]["DTHCGR1"], "DTHCGR1")


def _last_alive(df: pd.DataFrame, ctx: AdamContext) -> pd.DataFrame:
    """LSTALVDT: the latest of the settings' dated records (imputed to the first day/month) and TRTEDT; ties
    by the record's sequence number, then the source's order (``ad_adsl.R``)."""
    events, sources = [], {"ADSL": df}
    for i, src in enumerate(ctx.settings["last_alive"]):
        name = f"{src['dataset']}{i}"
        data = ctx.sdtm(src["dataset"])
        sources[name] = data.assign(__DT=convert_dtc_to_dt(data[src["dtc"]], highest_imputation="M"))
        events.append(event(name, condition=f"present({src['dtc']})",
                            set_values_to={"LSTALVDT": Var("__DT"), "__SEQ": Var(src["seq"])}))
    events.append(event("ADSL", condition="present(TRTEDT)", set_values_to={"LSTALVDT": Var("TRTEDT"),
                                                                             "__SEQ": float("nan")}))
    return derive_vars_extreme_event(df, BY, events, order=["LSTALVDT", "__SEQ", "__EVENT"], mode="last",
                                     new_vars=["LSTALVDT"], source_datasets=sources, tmp_event_nr_var="__EVENT")


@register("adam", "pharmaverse_adsl")
def adsl(ctx: AdamContext) -> pd.DataFrame:
    """ADSL: one record per DM subject (``ad_adsl.R``)."""
    st = ctx.settings
    cats = st["categories"]
    df = ctx.sdtm("DM").copy()
    df = df.assign(TRT01P=df["ARM"], TRT01A=df["ACTARM"])
    df = _treatment_dates(df, ctx.sdtm("EX"), st["valid_dose"])
    df = _disposition(df, ctx.sdtm("DS"), cats["EOSSTT"])
    df = _death(df, ctx)
    df = _last_alive(df, ctx)
    df = derive_var_merged_exist_flag(df, ctx.sdtm("EX"), BY, "SAFFL", condition_text=st["valid_dose"],
                                      false_value="N", missing_value="N")
    for name, source in [("RACEGR1", "RACE"), ("AGEGR1", "AGE"), ("REGION1", "COUNTRY"), ("LDDTHGR1", "LDDTHELD")]:
        df = derive_vars_cat(df, source, cats[name], name)
    df = derive_var_flag_condition(df, "DTH30FL", "LDDTHGR1 == '<= 30'")
    df = derive_var_flag_condition(df, "DTHA30FL", "LDDTHGR1 == '> 30'")
    df = derive_var_flag_condition(df, "DTHB30FL", "DTHDT <= TRTSDT + 30")
    return df.sort_values("USUBJID", kind="mergesort")
