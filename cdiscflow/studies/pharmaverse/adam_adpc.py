"""ADPC (pharmacokinetic concentrations) from PC, EX and VS, in the order of admiral's ``ad_adpc.R`` template.

Concentrations get analysis dates and the nominal time from first dose (NFRLT from PCTPT and VISITDY); the
non-zero doses of EX become one record per day (``create_single_dose_dataset``); each concentration is joined
with the previous and next dose (actual and nominal), the dose records are added, and the relative times
(AFRLT, ARRLT, NRRLT), reference dose, BASETYPE and dose follow. Below-LLOQ values get a half-LLOQ record
(DTYPE HALFLLOQ), concentrations at a next dose's nominal time a pre-dose copy for that dose (DTYPE COPY),
then baseline, change, ASEQ, parameters, baseline height/weight/BMI from VS and the ADSL variables. The
parameter table and the planned dose per arm are study constants in the spec's ``settings``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam.baseline import derive_var_base, derive_var_chg
from cdiscflow.adam.compute import compute_bmi
from cdiscflow.adam.dates import derive_vars_dtm, derive_vars_dtm_to_dt, derive_vars_dtm_to_tm, derive_vars_dy
from cdiscflow.adam.duration import derive_vars_duration
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.joined import derive_vars_joined
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.adam.pk import create_single_dose_dataset, derive_var_nfrlt
from cdiscflow.adam.records import derive_extreme_records, derive_var_obs_number
from cdiscflow.registry import register

ADSL_VARS = ["TRTSDT", "TRTSDTM", "TRT01P", "TRT01A"]
KEYS = ["STUDYID", "USUBJID"]
EX_KEEP = ["STUDYID", "USUBJID", "EVID", "EXDOSFRQ", "EXDOSFRM", "NFRLT", "EXDOSE", "EXDOSU", "EXTRT", "ASTDT",
           "ASTDTM", "AENDT", "AENDTM", "VISIT", "VISITNUM", "VISITDY", "TRT01A", "TRT01P", "DOMAIN", "EXSEQ",
           "TRTSDT", "TRTSDTM"]


def case_when(default: pd.Series, *cases: tuple[pd.Series, object]) -> pd.Series:
    """The first case whose condition holds (dplyr ``case_when``), else ``default``."""
    out = default.copy()
    for cond, value in reversed(cases):
        out = out.mask(np.asarray(cond, dtype=bool), value)
    return out


def _signif3(values: pd.Series) -> pd.Series:
    """R's ``prettyNum(signif(x, 3))``: three significant digits, shortest text ("0.0107", "24.9", "1230")."""
    v = values.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        digits = np.where(v != 0, 2 - np.floor(np.log10(np.abs(v))), 0)
    scale = 10.0 ** np.abs(digits)  # divide by a power of ten, never multiply by 0.1 (exact decimals)
    rounded = pd.Series(np.where(digits >= 0, np.round(v * scale) / scale, np.round(v / scale) * scale), index=v.index)
    text = rounded.astype(str).str.replace(r"\.0$", "", regex=True)
    return text.where(v.notna(), "")


def day_visits(df: pd.DataFrame) -> pd.DataFrame:
    """AVISITN = whole nominal days + 1, AVISIT "Day n"."""
    n = np.floor(df["NFRLT"] / 24) + 1
    return df.assign(AVISITN=n, AVISIT="Day " + n.astype("Int64").astype(str).replace("<NA>", "NA"))


def concentrations(pc: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    out = derive_vars_merged(pc, adsl, KEYS, new_vars=ADSL_VARS)
    out = derive_vars_dtm(out, "A", "PCDTC", time_imputation="00:00:00")
    out = derive_vars_dtm_to_tm(derive_vars_dtm_to_dt(out, ["ADTM"]), ["ADTM"])
    out = derive_vars_dy(out, "TRTSDT", ["ADT"]).assign(EVID=0.0, DRUG=out["PCTEST"])
    return derive_var_nfrlt(out, visit_day="VISITDY", tpt_var="PCTPT", new_var_unit="FRLTU", out_unit="HOURS")


def doses(ex: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    out = derive_vars_merged(ex, adsl, KEYS, new_vars=ADSL_VARS)
    out = out[out["EXDOSE"] > 0]
    out = derive_vars_dtm(out, "AST", "EXSTDTC", time_imputation="00:00:00")
    out = derive_vars_dtm(out, "AEN", "EXENDTC", time_imputation="00:00:00").assign(EVID=1.0)
    out = derive_var_nfrlt(out, visit_day="VISITDY", new_var_unit="FRLTU", out_unit="HOURS")
    out["AENDTM"] = out["AENDTM"].fillna(out["ASTDTM"])
    out = derive_vars_dtm_to_dt(out, ["ASTDTM", "AENDTM"])
    out = create_single_dose_dataset(out, start_datetime="ASTDTM", end_datetime="AENDTM", nominal_time="NFRLT",
                                     keep_source_vars=EX_KEEP)
    out = day_visits(out).assign(ADTM=lambda d: d["ASTDTM"], DRUG=lambda d: d["EXTRT"])
    out = derive_vars_dtm_to_tm(derive_vars_dtm_to_dt(out, ["ADTM"]), ["ADTM", "ASTDTM", "AENDTM"])
    return derive_vars_dy(out, "TRTSDT", ["ADT"])


def _with_doses(conc: pd.DataFrame, dosed: pd.DataFrame) -> pd.DataFrame:
    """First dose, previous/next dose (actual and nominal time) of each concentration."""
    out = derive_vars_merged(conc, dosed, ["STUDYID", "USUBJID", "DRUG"], new_vars={"FANLDTM": "ADTM"},
                             filter="EXDOSE > 0 and present(ADTM)", order=["ADTM", "EXSEQ"], mode="first")
    out = day_visits(out[out["FANLDTM"].notna()])
    for side, join, mode in (("prev", "ADTM > ADTM_join", "last"), ("next", "ADTM <= ADTM_join", "first")):
        out = derive_vars_joined(out, dosed, by="USUBJID", order=["ADTM"], join_type="all", join_vars=["ADTM"],
                                 filter_join=join, mode=mode,
                                 new_vars={f"{v}_{side}": v for v in ("ADTM", "EXDOSE", "AVISIT", "AENDTM")})
    for side, join, mode in (("prev", "NFRLT > NFRLT_join", "last"), ("next", "NFRLT <= NFRLT_join", "first")):
        out = derive_vars_joined(out, dosed, by="USUBJID", order=["NFRLT"], join_type="all", join_vars=["NFRLT"],
                                 filter_join=join, mode=mode, new_vars={f"NFRLT_{side}": "NFRLT"})
    return out


HOURS = {"in_unit": "seconds", "out_unit": "HOURS", "floor_in": False, "add_one": False}


def with_dose_records(conc: pd.DataFrame, dosed: pd.DataFrame, min_of: str) -> pd.DataFrame:
    """Concentrations and dose records together, cut at each subject's last concentration date, with the first
    dose FANLDTM on every record, ``min_NFRLT`` (the least ``min_of`` per subject and drug) and AFRLT."""
    out = pd.concat([conc, dosed], ignore_index=True)
    for col in out.columns:  # text columns: "" where one side lacks them
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].fillna("").astype("str")
    group = out.groupby(["USUBJID", "DRUG"], sort=False)
    out["FANLDTM"] = group["FANLDTM"].transform("min")
    out["min_NFRLT"] = group[min_of].transform("min")
    out["maxdate"] = out["ADT"].where(out["EVID"] == 0).groupby([out["USUBJID"], out["DRUG"]]).transform("max")
    out = out.sort_values(["USUBJID", "ADTM"], kind="mergesort", na_position="last")
    out = out[out["ADT"] <= out["maxdate"]]
    return derive_vars_duration(out, "AFRLT", "FANLDTM", "ADTM", **HOURS)


def _relative_times(conc: pd.DataFrame, dosed: pd.DataFrame) -> pd.DataFrame:
    out = with_dose_records(conc, dosed, "NFRLT_prev")
    out = derive_vars_duration(out, "ARRLT", "ADTM_prev", "ADTM", new_var_unit="RRLTU", **HOURS)
    out = derive_vars_duration(out, "AXRLT", "ADTM_next", "ADTM", **HOURS)
    dose = out["EVID"] == 1
    out["ARRLT"] = case_when(out["ARRLT"], (dose, 0.0), (out["ARRLT"].isna(), out["AXRLT"]))
    out["PCRFTDTM"] = case_when(out["ADTM_prev"], (dose, out["ADTM"]), (out["ADTM_prev"].isna(), out["ADTM_next"]))
    out = derive_vars_dtm_to_dt(out, ["FANLDTM", "PCRFTDTM"])
    out = derive_vars_dtm_to_tm(out, ["FANLDTM", "PCRFTDTM"])
    out["NRRLT"] = case_when(out["NFRLT"] - out["NFRLT_prev"], (dose, 0.0),
                         (out["NFRLT_prev"].isna(), out["NFRLT"] - out["min_NFRLT"]))
    out["NXRLT"] = (out["NFRLT"] - out["NFRLT_next"]).where(~dose, 0.0)
    return out


def _analysis_values(df: pd.DataFrame, planned: dict[str, float], dose_unit: str) -> pd.DataFrame:
    dose = df["EVID"] == 1
    out = df.assign(PARCAT1=df["PCSPEC"], ATPTN=df["PCTPTNUM"].where(~dose, 0.0),
                    ATPT=df["PCTPT"].where(~dose, "Dose"))
    out["ATPTREF"] = case_when(out["AVISIT_prev"], (dose, out["AVISIT"]), (out["AVISIT_prev"].eq(""), out["AVISIT_next"]))
    out["BASETYPE"] = out["ATPTREF"].replace("", "NA") + " Baseline"
    out["DOSEA"] = case_when(out["EXDOSE_prev"], (dose, out["EXDOSE"]), (out["EXDOSE_prev"].isna(), out["EXDOSE_next"]))
    out["DOSEP"] = out["TRT01P"].map(planned).astype("float64")
    out["DOSEU"] = dose_unit
    out["PARAMCD"] = out["PCTESTCD"].where(out["PCTESTCD"] != "", "DOSE")
    out["ALLOQ"] = out["PCLLOQ"]
    out["AVAL"] = out["PCSTRESN"].where(~dose, out["EXDOSE"])
    out["AVALU"] = out["PCSTRESU"].where(~dose, out["EXDOSU"])
    blq = out["PCSTRESC"] == "<BLQ"
    # R's if_else gives NA where PCSTRESC is NA (the dose records)
    out["AVALCAT1"] = _signif3(out["AVAL"]).where(~blq, out["PCSTRESC"]).where(~dose, "")
    out["SRCDOM"] = out["DOMAIN"]
    out["SRCVAR"] = "SEQ"
    out["SRCSEQ"] = out["PCSEQ"].fillna(out["EXSEQ"])
    return out


def _imputed_and_copies(df: pd.DataFrame) -> pd.DataFrame:
    """HALFLLOQ records for BLQ values, then pre-dose copies (DTYPE COPY) at the next dose's nominal time."""
    out = derive_extreme_records(df, ["USUBJID", "PARAMCD", "PARCAT1", "AVISITN", "AVISIT", "ADTM", "PCSEQ"],
                                 ["ADTM", "BASETYPE", "EVID", "ATPTN", "PARCAT1"], mode="last",
                                 filter="PCSTRESC == '<BLQ' and missing(AVAL)", set_values={"DTYPE": "HALFLLOQ"})
    half = out["DTYPE"] == "HALFLLOQ"
    out.loc[half, "AVAL"] = out.loc[half, "ALLOQ"] * 0.5
    copy = out[(out["NFRLT"] > 0) & (out["NXRLT"] == 0) & (out["EVID"] == 0) & (out["AVISIT_next"] != "")].copy()
    copy = copy.assign(ATPTREF=copy["AVISIT_next"], ARRLT=copy["AXRLT"], NRRLT=copy["NXRLT"],
                       PCRFTDTM=copy["ADTM_next"], DOSEA=copy["EXDOSE_next"], BASETYPE=copy["AVISIT_next"] + " Baseline",
                       ATPT="Pre-dose", ATPTN=-0.5, DTYPE=np.where(copy["DTYPE"] == "", "COPY", "COPY/HALFLLOQ"))
    copy = derive_vars_dtm_to_tm(derive_vars_dtm_to_dt(copy, ["PCRFTDTM"]), ["PCRFTDTM"])
    out = pd.concat([out, copy], ignore_index=True)
    out = out.sort_values(["STUDYID", "USUBJID", "BASETYPE", "ADTM", "NFRLT"], kind="mergesort", na_position="last")
    out["ABLFL"] = np.where((out["ATPT"] == "Pre-dose") & out["AVAL"].notna(), "Y", "")
    out["MRRLT"] = out["ARRLT"].where(~(out["ARRLT"] < 0), 0.0)
    out["ANL01FL"] = "Y"
    out["ANL02FL"] = np.where(out["DTYPE"] == "", "Y", "")
    return out


def _baselines(df: pd.DataFrame, vs: pd.DataFrame) -> pd.DataFrame:
    out = derive_vars_merged(df, vs, KEYS, filter="VSTESTCD == 'HEIGHT'", new_vars={"HTBL": "VSSTRESN",
                                                                                    "HTBLU": "VSSTRESU"})
    out = derive_vars_merged(out, vs, KEYS, filter="VSTESTCD == 'WEIGHT' and VSBLFL == 'Y'",
                             new_vars={"WTBL": "VSSTRESN", "WTBLU": "VSSTRESU"})
    return out.assign(BMIBL=compute_bmi(out["HTBL"], out["WTBL"]).to_numpy(), BMIBLU="kg/m^2")


def derive_adpc(pc: pd.DataFrame, ex: pd.DataFrame, vs: pd.DataFrame, adsl: pd.DataFrame,
                settings: dict) -> pd.DataFrame:
    """ADPC from SDTM PC, EX, VS and ADSL; ``settings``: ``parameters`` (PARAMCD → PARAM, PARAMN),
    ``planned_dose`` (TRT01P → DOSEP), ``dose_unit`` (DOSEU)."""
    dosed = doses(ex, adsl)
    conc = _with_doses(concentrations(pc, adsl), dosed)
    out = _analysis_values(_relative_times(conc, dosed), settings["planned_dose"], settings["dose_unit"])
    out = _imputed_and_copies(out)
    out = derive_var_base(out, ["STUDYID", "USUBJID", "PARAMCD", "PARCAT1", "BASETYPE"])
    out = derive_var_chg(out, filter="AVISITN > 0")
    out = out.assign(_DTYPE=out["DTYPE"].replace("", np.nan), _PARCAT1=out["PARCAT1"].replace("", np.nan))
    out = derive_var_obs_number(out, KEYS, ["ADTM", "BASETYPE", "EVID", "AVISITN", "ATPTN", "_PARCAT1", "_DTYPE"],
                                check_unique=True)
    params = pd.DataFrame([{"PARAMCD": k, **v} for k, v in settings["parameters"].items()])
    out = derive_vars_merged(out, params, "PARAMCD", new_vars=["PARAM", "PARAMN"])
    out = _baselines(out, vs)
    rest = [c for c in adsl.columns if c not in ADSL_VARS and c not in KEYS]
    return derive_vars_merged(out.drop(columns=[c for c in rest if c in out.columns]), adsl, KEYS, new_vars=rest)


@register("adam", "pharmaverse_adpc")
def pharmaverse_adpc(ctx: AdamContext) -> pd.DataFrame:
    """ADPC of the pharmaverse study (subjects dosed with a non-zero dose: ``settings.selection``)."""
    return derive_adpc(ctx.sdtm("PC"), ctx.sdtm("EX"), ctx.sdtm("VS"), ctx.needs("ADSL"), ctx.settings)
