"""ADPPK (population PK: NONMEM-style records) from PC, EX, VS, LB and ADSL, after admiral's ``ad_adppk.R``.

Concentrations and one record per dose as for ADPC (:mod:`adam_adpc`: NFRLT, ``create_single_dose_dataset``),
joined with the previous dose (actual and nominal time); AFRLT/APRLT/NFRLT/NPRLT, the dose (DOSEA, DOSEP),
the NONMEM variables (EVID, CMT, DV, DVL, MDV, AMT, II, SS, BLQFL/BLQFN, UDTC), ASEQ, then the subject
covariates: numeric identifiers from USUBJID and SUBJID, coded sex, race, ethnicity, arm (COHORT), route and
form, country number and name (admiral's ``country_code_lookup``), baseline height, weight, BMI, BSA
(Mosteller), creatinine clearance (Cockcroft-Gault) and eGFR (CKD-EPI) from the baseline labs, and RECSEQ.
Codes, planned doses and parameters are study constants in the spec's ``settings``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam.compute import compute_bmi, compute_bsa, compute_egfr
from cdiscflow.adam.duration import derive_vars_duration
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.joined import derive_vars_joined
from cdiscflow.adam.lookups import country_code_lookup
from cdiscflow.adam.merge import derive_vars_merged, derive_vars_transposed
from cdiscflow.adam.records import derive_var_obs_number
from cdiscflow.errors import DerivationError
from cdiscflow.registry import register
from cdiscflow.studies.pharmaverse.adam_adpc import (
    HOURS,
    KEYS,
    case_when,
    concentrations,
    day_visits,
    doses,
    with_dose_records,
)


def _records(pc: pd.DataFrame, ex: pd.DataFrame, adsl: pd.DataFrame, settings: dict) -> pd.DataFrame:
    dosed = doses(ex, adsl)
    out = derive_vars_merged(concentrations(pc, adsl), dosed, ["STUDYID", "USUBJID", "DRUG"],
                             new_vars={"FANLDTM": "ADTM", "EXDOSE_first": "EXDOSE"}, filter="present(ADTM)",
                             order=["ADTM", "EXSEQ"], mode="first")
    out = day_visits(out[out["FANLDTM"].notna()])
    out = derive_vars_joined(out, dosed, by="USUBJID", order=["ADTM"], join_type="all", join_vars=["ADTM"],
                             filter_join="ADTM > ADTM_join", mode="last",
                             new_vars={f"{v}_prev": v for v in ("ADTM", "EXDOSE", "AVISIT", "AENDTM")})
    out = derive_vars_joined(out, dosed, by="USUBJID", order=["NFRLT"], join_type="all", join_vars=["NFRLT"],
                             filter_join="NFRLT > NFRLT_join", mode="last", new_vars={"NFRLT_prev": "NFRLT"})
    out = derive_vars_duration(with_dose_records(out, dosed, "NFRLT"), "APRLT", "ADTM_prev", "ADTM", **HOURS)
    dose = out["EVID"] == 1
    out["APRLT"] = case_when(out["APRLT"], (dose, 0.0), (out["APRLT"].isna(), out["AFRLT"]))
    out["NPRLT"] = case_when(out["NFRLT"] - out["NFRLT_prev"], (dose, 0.0),
                             (out["NFRLT_prev"].isna(), out["NFRLT"] - out["min_NFRLT"]))
    out["DOSEA"] = case_when(out["EXDOSE_prev"], (dose, out["EXDOSE"]),
                             (out["EXDOSE_prev"].isna(), out["EXDOSE_first"]))
    out["DOSEP"] = out["TRT01P"].map(settings["planned_dose"]).astype("float64")
    out["PARAMCD"] = out["PCTESTCD"].where(~dose, "DOSE")
    out["ALLOQ"] = out["PCLLOQ"]
    out["CMT"] = np.where(dose, 1.0, np.where(out["PCSPEC"] == "PLASMA", 2.0, 3.0))
    blq = out["PCSTRESC"] == "<BLQ"
    out["BLQFL"] = np.where(blq, "Y", "N")
    out["BLQFN"] = blq.astype("float64")
    out["AMT"] = out["EXDOSE"].where(dose)
    out["DV"] = out["AVAL"] = out["PCSTRESN"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["DVL"] = np.log(out["DV"].where(out["DV"] != 0))
    out["MDV"] = (dose | out["DV"].isna()).astype("float64")
    out["AVALU"] = out["PCSTRESU"].where(~dose, "")
    adtm = pd.to_datetime(out["ADTM"], unit="s", origin="1960-01-01")
    out["UDTC"] = adtm.dt.strftime("%Y-%m-%dT%H:%M:%S").where(out["ADTM"].notna(), "")  # format_ISO8601
    out["II"] = out["SS"] = dose.astype("float64")
    out = derive_var_obs_number(out, KEYS, ["AFRLT", "EVID", "CMT"], check_unique=True)
    params = pd.DataFrame([{"PARAMCD": k, **v} for k, v in settings["parameters"].items()])
    out = derive_vars_merged(out, params, "PARAMCD", new_vars=["PARAM", "PARAMN"])
    return out.assign(PROJID=out["DRUG"], PROJIDN=1.0)


def _coded(values: pd.Series, codes: dict) -> pd.Series:
    """``codes[value]``, else ``codes["other"]`` (the template's ``TRUE ~`` case; missing without one)."""
    return values.map({k: v for k, v in codes.items() if k != "other"}).astype("float64").fillna(
        codes.get("other", np.nan))


def _single(ex: pd.DataFrame, column: str) -> str:
    """The one value of an EX column (the template's ``unique(ex$...)`` in a per-subject column)."""
    values = ex[column].unique()
    if len(values) != 1:
        raise DerivationError(f"EX.{column} has {len(values)} values", variable=column,
                              expected="one value for the whole study (route and form are study covariates)")
    return str(values[0])


def _covariates(adsl: pd.DataFrame, ex: pd.DataFrame, vs: pd.DataFrame, lb: pd.DataFrame,
                settings: dict) -> pd.DataFrame:
    codes = settings["codes"]
    countries = country_code_lookup().rename(columns={"country_code": "COUNTRY", "country_number": "COUNTRYN",
                                                       "country_name": "COUNTRYL"})
    cov = derive_vars_merged(adsl, countries, "COUNTRY", new_vars=["COUNTRYN", "COUNTRYL"])
    parts = cov["USUBJID"].str.split("-", expand=True)
    cov = cov.assign(**{f"{name}N": pd.to_numeric(parts[i], errors="coerce")
                        for i, name in enumerate(["STUDYID", "SITEID", "USUBJID"])},
                     SUBJIDN=pd.to_numeric(cov["SUBJID"], errors="coerce"))
    for new, source in (("SEXN", "SEX"), ("RACEN", "RACE"), ("ETHNICN", "ETHNIC"), ("COHORT", "ARM")):
        cov[new] = _coded(cov[source], codes[new])
    cov["COHORTC"] = cov["ARM"]
    cov["ROUTE"], cov["FORM"] = _single(ex, "EXROUTE"), _single(ex, "EXDOSFRM")
    cov["ROUTEN"], cov["FORMN"] = _coded(cov["ROUTE"], codes["ROUTEN"]), _coded(cov["FORM"], codes["FORMN"])
    cov = cov[["STUDYID", "STUDYIDN", "SITEID", "SITEIDN", "USUBJID", "USUBJIDN", "SUBJID", "SUBJIDN", "AGE", "SEX",
               "SEXN", "COHORT", "COHORTC", "ROUTE", "ROUTEN", "RACE", "RACEN", "ETHNIC", "ETHNICN", "FORM", "FORMN",
               "COUNTRY", "COUNTRYN", "COUNTRYL"]]
    labs = lb[(lb["LBBLFL"] == "Y") & lb["LBTESTCD"].isin(settings["baseline_labs"])]
    labs = labs.assign(LBTESTCDB=labs["LBTESTCD"] + "BL")[["STUDYID", "USUBJID", "LBTESTCDB", "LBSTRESN"]]
    cov = derive_vars_merged(cov, vs, KEYS, filter="VSTESTCD == 'HEIGHT'", new_vars={"HTBL": "VSSTRESN"})
    cov = derive_vars_merged(cov, vs, KEYS, filter="VSTESTCD == 'WEIGHT' and VSBLFL == 'Y'",
                             new_vars={"WTBL": "VSSTRESN"})
    cov = derive_vars_transposed(cov, labs, KEYS, "LBTESTCDB", "LBSTRESN")
    renal = {"creat": cov["CREATBL"], "creatu": "SI", "age": cov["AGE"], "weight": cov["WTBL"], "sex": cov["SEX"]}
    return cov.assign(BMIBL=compute_bmi(cov["HTBL"], cov["WTBL"]).to_numpy(),
                      BSABL=compute_bsa(cov["HTBL"], cov["WTBL"], "Mosteller").to_numpy(),
                      CRCLBL=compute_egfr(**renal, method="CRCL").to_numpy(),
                      EGFRBL=compute_egfr(**renal, method="CKD-EPI").to_numpy()).rename(columns={"BILIBL": "TBILBL"})


def derive_adppk(pc: pd.DataFrame, ex: pd.DataFrame, vs: pd.DataFrame, lb: pd.DataFrame, adsl: pd.DataFrame,
                 settings: dict) -> pd.DataFrame:
    """ADPPK from SDTM PC, EX, VS, LB and ADSL; ``settings``: ``parameters``, ``planned_dose`` (TRT01P → DOSEP),
    ``codes`` (SEXN, RACEN, ETHNICN, COHORT, ROUTEN, FORMN: value → code, ``other`` for the rest) and
    ``baseline_labs`` (LBTESTCDs whose baseline becomes <code>BL)."""
    out = _records(pc, ex, adsl, settings)
    cov = _covariates(adsl, ex, vs, lb, settings)
    out = derive_vars_merged(out, cov, KEYS, new_vars=[c for c in cov.columns if c not in KEYS])
    out = out.sort_values(["STUDYIDN", "USUBJIDN", "AFRLT", "EVID"], kind="mergesort", na_position="last")
    return out.assign(RECSEQ=np.arange(1, len(out) + 1, dtype="int64"))


@register("adam", "pharmaverse_adppk")
def pharmaverse_adppk(ctx: AdamContext) -> pd.DataFrame:
    """ADPPK of the pharmaverse study (subjects with a non-zero dose: ``settings.selection``)."""
    return derive_adppk(ctx.sdtm("PC"), ctx.sdtm("EX"), ctx.sdtm("VS"), ctx.sdtm("LB"), ctx.needs("ADSL"),
                        ctx.settings)
