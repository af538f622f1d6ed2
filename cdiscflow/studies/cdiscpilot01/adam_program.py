"""CDISC pilot (CDISCPILOT01) ADaM programs: ADSL, ADAE, ADQSADAS, ADTTE and ADVS re-derived from the pilot's SDTM.

Each program follows the derivation text of the pilot's ADaM define.xml (imported into
``specs/adam/*.yaml``; the method text is kept with each variable) and its data guide. Study constants
(category tables, decodes, windows, site-pooling threshold, dose schedule) are read from the spec's
``settings``; the functions here only chain library derivations from :mod:`cdiscflow.adam`. The
laboratory datasets (ADLBC, ADLBH, ADLBHY) are in ``adam_lab``, ADQSCIBC and ADQSNPIX in ``adam_qs``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam.baseline import derive_var_base, derive_var_chg, derive_var_pchg
from cdiscflow.adam.categorize import derive_var_decode, derive_vars_cat
from cdiscflow.adam.dates import derive_vars_dt, derive_vars_dy, sas_date
from cdiscflow.adam.duration import derive_var_duration, derive_vars_duration, sas_round
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_flag_condition, derive_var_trtemfl
from cdiscflow.adam.merge import derive_var_merged_exist_flag, derive_var_merged_summary, derive_vars_merged
from cdiscflow.adam.records import derive_extreme_records, derive_locf_records, derive_var_locf
from cdiscflow.adam.tte import Var, censor_source, derive_param_tte, event_source
from cdiscflow.adam.visits import derive_var_anl_flag, derive_vars_window, windows_frame
from cdiscflow.registry import register


def _visit_date(sv: pd.DataFrame, visitnum: float) -> pd.DataFrame:
    """USUBJID and the SAS start date of one visit (SV.SVSTDTC)."""
    rows = sv[sv["VISITNUM"] == visitnum]
    return pd.DataFrame({"USUBJID": rows["USUBJID"], "DT": sas_date(rows["SVSTDTC"])})


def _merge_visit_date(df: pd.DataFrame, sv: pd.DataFrame, visitnum: float, name: str) -> pd.DataFrame:
    return derive_vars_merged(df, _visit_date(sv, visitnum), "USUBJID", new_vars={name: "DT"})


def _site_pool(adsl: pd.DataFrame, min_per_arm: int, pooled: str) -> pd.Series:
    """SITEGR1 (SAP §7.1): a site with fewer than ``min_per_arm`` subjects in any arm is pooled."""
    counts = pd.crosstab(adsl["SITEID"], adsl["TRT01P"])
    small = counts.index[(counts < min_per_arm).any(axis=1)]
    return adsl["SITEID"].where(~adsl["SITEID"].isin(small), pooled)


def _cumulative_dose(adsl: pd.DataFrame, schedule: dict) -> pd.Series:
    """CUMDOSE (define): planned dose × days; the titrated arm follows its per-interval schedule.

    ``schedule``: ``{arm: [[dose, until_visit_date_column], ..., [dose, null]]}`` — interval i runs from the
    previous visit date (TRTSDT for the first, inclusive) to its visit date (or TRTEDT if earlier or the
    visit never happened), the last to TRTEDT.
    """
    total = adsl["TRT01PN"] * adsl["TRTDUR"]
    for arm, steps in schedule.items():
        is_arm = adsl["TRT01P"] == arm
        start = adsl["TRTSDT"] - 1
        dose_days = pd.Series(0.0, index=adsl.index)
        for dose, until in steps:
            end = adsl["TRTEDT"] if until is None else np.fmin(adsl[until], adsl["TRTEDT"])
            days = (end - start).clip(lower=0).fillna(0)
            dose_days += dose * days
            start = end  # an interval not reached (visit date missing) ends at TRTEDT: later ones are empty
        total = total.where(~is_arm, dose_days)
    return total


@register("adam", "cdiscpilot01_adsl")
def adsl(ctx: AdamContext) -> pd.DataFrame:
    """ADSL: one record per randomised subject (screen failures excluded, data guide)."""
    st = ctx.settings
    dm, sv, ds, ex = ctx.sdtm("DM"), ctx.sdtm("SV"), ctx.sdtm("DS"), ctx.sdtm("EX")
    df = ctx.select(dm).copy()  # settings.selection: screen failures are left out
    df = df.assign(TRT01P=df["ARM"], TRT01A=df["ARM"])
    df = derive_var_decode(df, "TRT01P", "TRT01PN", st["decodes"]["TRT01PN"])
    df = derive_var_decode(df, "TRT01A", "TRT01AN", st["decodes"]["TRT01PN"])
    df = derive_var_decode(df, "RACE", "RACEN", st["decodes"]["RACEN"])
    df = derive_vars_cat(df, "AGE", st["categories"]["AGEGR1"], "AGEGR1", "AGEGR1N")
    df["SITEGR1"] = _site_pool(df, **st["site_pooling"])
    # dates
    df = _merge_visit_date(df, sv, 3, "TRTSDT")
    df = _merge_visit_date(df, sv, 1, "VISIT1DT")
    df = derive_vars_dt(df, "RFEN", "RFENDTC")
    disp = ds[ds["DSCAT"] == "DISPOSITION EVENT"]
    df = derive_vars_merged(df, disp, "USUBJID", new_vars={"DCDECOD": "DSDECOD", "DSTERM": "DSTERM",
                                                           "DSSTDTC": "DSSTDTC", "DSVISITNUM": "VISITNUM"})
    ex_last = ex.assign(EXENDT=sas_date(ex["EXENDTC"]))
    df = derive_vars_merged(df, ex_last, "USUBJID", new_vars=["EXENDT"], order=["EXSEQ"], mode="last")
    df = derive_vars_dt(df, "DS", "DSSTDTC")
    df["TRTEDT"] = df["EXENDT"].where(df["EXENDT"].notna(), df["DSDT"].where(df["DSVISITNUM"] > 3))
    df = derive_var_duration(df, "TRTDUR", "TRTSDT", "TRTEDT")
    for visitnum, name in st["dose_visits"].items():
        df = _merge_visit_date(df, sv, float(visitnum), name)
    df["CUMDOSE"] = _cumulative_dose(df, st["dose_schedule"])
    df["AVGDD"] = sas_round(df["CUMDOSE"] / df["TRTDUR"], 1)
    # populations
    df = derive_var_flag_condition(df, "ITTFL", "present(ARMCD)", false_value="N")
    df = derive_var_flag_condition(df, "SAFFL", "ITTFL == 'Y' and present(TRTSDT)", false_value="N")
    qs = ctx.sdtm("QS")
    for flag, cat in st["efficacy_questionnaires"].items():
        df = derive_var_merged_exist_flag(df, qs, "USUBJID", flag, condition_text=f"QSCAT == {cat!r} and VISITNUM > 3",
                                          false_value="N", missing_value="N")
    df = derive_var_flag_condition(df, "EFFFL", " and ".join(["SAFFL == 'Y'", *[f"{f} == 'Y'" for f in
                                                                              st["efficacy_questionnaires"]]]),
                                   false_value="N")
    for flag, visitnum in st["completer_visits"].items():
        df = _merge_visit_date(df, sv, float(visitnum), f"__V{flag}")
        df = derive_var_flag_condition(df, flag, f"present(__V{flag}) and RFENDT >= __V{flag}", false_value="N")
    # disposition
    df = derive_vars_cat(df, "DCDECOD", st["categories"]["DCREASCD"], "DCREASCD")
    df = derive_var_flag_condition(df, "DISCONFL", "DCREASCD != 'Completed' and present(DCREASCD)")
    df = derive_var_flag_condition(df, "DSRAEFL", "DCREASCD == 'Adverse Event'")
    df["VISNUMEN"] = df["DSVISITNUM"].where(df["DSVISITNUM"] != st["final_visit"], st["treatment_end_visit"])
    # baseline characteristics
    vs = ctx.sdtm("VS")
    for name, (testcd, visitnum) in st["baseline_vitals"].items():
        df = derive_vars_merged(df, vs, "USUBJID", new_vars={name: "VSSTRESN"},
                                filter=f"VSTESTCD == {testcd!r} and VISITNUM == {visitnum}")
        df[name] = sas_round(df[name], 1)
    df["BMIBL"] = sas_round(df["WEIGHTBL"] / (df["HEIGHTBL"] / 100) ** 2, 1)
    df = derive_vars_cat(df, "BMIBL", st["categories"]["BMIBLGR1"], "BMIBLGR1")
    df = derive_vars_merged(df, ctx.sdtm("SC"), "USUBJID", new_vars={"EDUCLVL": "SCSTRESN"},
                            filter=f"SCTESTCD == {st['education_testcd']!r}")
    mh = ctx.sdtm("MH")
    df = derive_vars_merged(df, mh.assign(DISONSDT=sas_date(mh["MHSTDTC"])), "USUBJID", new_vars=["DISONSDT"],
                            filter="MHCAT == 'PRIMARY DIAGNOSIS'")
    df = derive_var_duration(df, "DURDIS", "DISONSDT", "VISIT1DT", unit="months", digits=1)
    df = derive_vars_cat(df, "DURDIS", st["categories"]["DURDSGR1"], "DURDSGR1")
    df = derive_var_merged_summary(df, qs, "USUBJID", "MMSETOT", "QSORRES", "sum",
                                   filter="QSCAT == 'MINI-MENTAL STATE'")
    return df.sort_values("USUBJID", kind="mergesort")


@register("adam", "cdiscpilot01_adae")
def adae(ctx: AdamContext) -> pd.DataFrame:
    """ADAE: one record per AE (define ADAE; ASTDT imputed to the 1st when only the day is missing)."""
    st = ctx.settings
    ae = ctx.sdtm("AE")
    df = derive_vars_merged(ae, ctx.needs("ADSL"), "USUBJID", new_vars={
        "SITEID": "SITEID", "TRTA": "TRT01A", "TRTAN": "TRT01AN", "AGE": "AGE", "AGEGR1": "AGEGR1",
        "AGEGR1N": "AGEGR1N", "RACE": "RACE", "RACEN": "RACEN", "SEX": "SEX", "SAFFL": "SAFFL",
        "TRTSDT": "TRTSDT", "TRTEDT": "TRTEDT"})
    df = derive_vars_dt(df, "AST", "AESTDTC", highest_imputation="D", date_imputation="first")
    df = derive_vars_dt(df, "AEN", "AEENDTC")
    df = derive_vars_dy(df, "TRTSDT", ["ASTDT", "AENDT"])
    # the pilot computes durations from complete dates only (ADURN is missing when ASTDT was imputed)
    df = derive_vars_dt(df, "__AST", "AESTDTC")
    df = derive_var_duration(df, "ADURN", "__ASTDT", "AENDT", unit_var="ADURU", unit_text="DAY")
    df = derive_var_trtemfl(df, start_date="ASTDT", end_date="AENDT", trt_start_date="TRTSDT", trt_end_date=None,
                            missing_start_emergent=False, false_value="N")
    for item in st["occurrence_flags"]:
        df = derive_var_extreme_flag(df, ["USUBJID", *item.get("by", [])], ["ASTDT", "AESEQ"], item["name"],
                                     filter=item["filter"])
    df = derive_vars_cat(df, "AEDECOD", st["categories"]["CQ01NAM"], "CQ01NAM")
    flag01 = st["cq_occurrence_flag"]
    df = derive_var_extreme_flag(df, "USUBJID", ["ASTDT", "AESEQ"], flag01["name"], filter=flag01["filter"])
    return df.sort_values(["USUBJID", "AESEQ"], kind="mergesort")


@register("adam", "cdiscpilot01_adqsadas")
def adqsadas(ctx: AdamContext) -> pd.DataFrame:
    """ADQSADAS: ADAS-Cog items and total by analysis visit, SAP §8.2 windows, LOCF for the total."""
    st = ctx.settings
    qs = ctx.source_records()  # settings.source: the ADAS-Cog records of QS
    df = derive_vars_merged(qs, ctx.needs("ADSL"), "USUBJID", new_vars={
        "SITEID": "SITEID", "SITEGR1": "SITEGR1", "TRTSDT": "TRTSDT", "TRTEDT": "TRTEDT", "TRTP": "TRT01P",
        "TRTPN": "TRT01PN", "AGE": "AGE", "AGEGR1": "AGEGR1", "AGEGR1N": "AGEGR1N", "RACE": "RACE",
        "RACEN": "RACEN", "SEX": "SEX", "ITTFL": "ITTFL", "EFFFL": "EFFFL", "COMP24FL": "COMP24FL"},
        exist_flag="__INADSL")
    df = df[df["__INADSL"] == "Y"]
    df = df.assign(PARAMCD=df["QSTESTCD"], AVAL=df["QSSTRESN"], ABLFL=df["QSBLFL"])
    df = derive_var_decode(df, "PARAMCD", "PARAM", st["decodes"]["PARAM"])
    df = derive_var_decode(df, "PARAMCD", "PARAMN", st["decodes"]["PARAMN"])
    df = derive_vars_dt(df, "A", "QSDTC")
    df = derive_vars_dy(df, "TRTSDT", {"ADY": "ADT"})
    df = derive_vars_window(df, st["windows"], day="ADY")
    df = df[df["AVISIT"] != ""]
    df = derive_var_anl_flag(df, ["USUBJID", "PARAMCD", "AVISITN"], rule="closest", order=st["anl_tie_order"])
    df = derive_var_base(df, ["USUBJID", "PARAMCD"])
    # LOCF (data guide): only analysis records are carried forward — a non-analysis total counts as missing
    # and gets the last analysis value; windows without a total get a copy of the last earlier record
    locf = st["locf"]
    df = derive_var_locf(df, ["USUBJID", "PARAMCD"], ["ADY"], candidates="ANL01FL == 'Y'",
                         target=f"PARAMCD == {locf['paramcd']!r} and ANL01FL != 'Y'", flag_unchanged=False)
    windows = windows_frame(st["windows"])
    expected = windows[windows["AVISITN"].isin(locf["visits"])].assign(PARAMCD=locf["paramcd"], AWU="DAYS")
    df = derive_locf_records(df, expected, ["USUBJID", "PARAMCD"], "AVISITN", tie_order=["ADY"],
                             set_values={"ABLFL": "", "ANL01FL": "Y"})
    df["AWTDIFF"] = (df["ADY"] - df["AWTARGET"]).abs()
    df = derive_var_chg(df, filter="AVISITN > 0")
    df = derive_var_pchg(df, filter="AVISITN > 0")
    return df.sort_values(["USUBJID", "PARAMN", "AVISITN", "ADT"], kind="mergesort")


@register("adam", "cdiscpilot01_adtte")
def adtte(ctx: AdamContext) -> pd.DataFrame:
    """ADTTE (define): time to the first treatment-emergent dermatologic AE (ADAE.ASTDT, CNSR 0), censored at
    the study completion date (ADSL.RFENDT, CNSR 1); STARTDT from RFSTDTC; AVAL = ADT − STARTDT + 1."""
    st = ctx.settings
    adsl = ctx.needs("ADSL")
    adsl = adsl.assign(RFSTDT=sas_date(adsl["RFSTDTC"]))
    event = event_source("adae", "ASTDT", filter=st["event"]["filter"], order=["AESEQ"], set_values_to={
        "EVNTDESC": st["event"]["EVNTDESC"], "SRCDOM": "ADAE", "SRCVAR": "ASTDT", "SRCSEQ": Var("AESEQ")})
    censor = censor_source("adsl", "RFENDT", set_values_to={
        "EVNTDESC": st["censor"]["EVNTDESC"], "SRCDOM": "ADSL", "SRCVAR": "RFENDT"})
    df = derive_param_tte(None, adsl, {"adsl": adsl, "adae": ctx.needs("ADAE")}, event_conditions=[event],
                          censor_conditions=[censor], start_date="RFSTDT", set_values_to=st["parameter"],
                          subject_keys=["STUDYID", "USUBJID"])
    df = derive_vars_duration(df, "AVAL", "STARTDT", "ADT")
    df = derive_vars_merged(df, adsl, "USUBJID", new_vars={
        "SITEID": "SITEID", "AGE": "AGE", "AGEGR1": "AGEGR1", "AGEGR1N": "AGEGR1N", "RACE": "RACE",
        "RACEN": "RACEN", "SEX": "SEX", "TRTSDT": "TRTSDT", "TRTEDT": "TRTEDT", "TRTDUR": "TRTDUR",
        "TRTP": "TRT01P", "TRTA": "TRT01A", "TRTAN": "TRT01AN", "SAFFL": "SAFFL"})
    return df.sort_values("USUBJID", kind="mergesort")


@register("adam", "cdiscpilot01_advs")
def advs(ctx: AdamContext) -> pd.DataFrame:
    """ADVS (define): every VS record with AVAL = VSSTRESN; AVISIT/AVISITN for the scheduled visits (other
    visits are not in the per-visit analysis, ANL01FL blank); BASE from the VSBLFL record per parameter and
    time point, CHG and PCHG on every record; plus an "End of Treatment" copy of the last analysed visit from
    week 4 on (spec settings)."""
    st = ctx.settings
    vs = ctx.sdtm("VS")
    df = derive_vars_merged(vs, ctx.needs("ADSL"), "USUBJID", new_vars={
        "SITEID": "SITEID", "AGE": "AGE", "AGEGR1": "AGEGR1", "AGEGR1N": "AGEGR1N", "RACE": "RACE",
        "RACEN": "RACEN", "SEX": "SEX", "SAFFL": "SAFFL", "TRTSDT": "TRTSDT", "TRTEDT": "TRTEDT",
        "TRTP": "TRT01P", "TRTPN": "TRT01PN", "TRTA": "TRT01A", "TRTAN": "TRT01AN"})
    params, visits = st["parameters"], st["visits"]
    df = df.assign(PARAMCD=df["VSTESTCD"], AVAL=df["VSSTRESN"], ATPT=df["VSTPT"], ADY=df["VSDY"],
                   ABLFL=df["VSBLFL"])
    df = derive_vars_dt(df, "A", "VSDTC")
    df = derive_var_decode(df, "PARAMCD", "PARAM", {k: v[0] for k, v in params.items()})
    df = derive_var_decode(df, "PARAMCD", "PARAMN", {k: v[1] for k, v in params.items()})
    df = derive_var_decode(df, "ATPT", "ATPTN", st["timepoints"])
    df = derive_var_decode(df, "VISIT", "AVISIT", {k: v[0] for k, v in visits.items()}, strict=False)
    df = derive_var_decode(df, "VISIT", "AVISITN", {k: v[1] for k, v in visits.items()}, strict=False)
    df = derive_var_flag_condition(df, "ANL01FL", "present(AVISIT)")
    eot = st["end_of_treatment"]
    df = derive_extreme_records(df, ["USUBJID", "PARAMCD", "ATPT"], ["AVISITN", "ADT"], mode="last",
                                filter=eot["from"], set_values={"AVISIT": eot["avisit"], "AVISITN": eot["avisitn"]})
    df = derive_var_base(df, ["USUBJID", "PARAMCD", "ATPT"])
    df = derive_var_chg(df)
    df = derive_var_pchg(df)
    return df.sort_values(["USUBJID", "PARAMN", "ATPTN", "AVISITN", "ADT", "VSSEQ"], kind="mergesort",
                          na_position="first")
