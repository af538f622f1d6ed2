"""Formatting of the simulated data as EDC extracts (one CSV per CRF form) and the data dictionary.

Each form is declared once in :data:`FORMS` (columns with label, type, format and allowed values); the
extract builders return text columns in exactly that order and :func:`data_dictionary` is built from the
same declarations, so the dictionary always matches the extracts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cdiscflow.io.atomic import atomic_path

MONTHS = np.array(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
DATE_FMT = "DD-MON-YYYY (UN = unknown day, UNK = unknown month)"
CHECKED = "X"


@dataclass(frozen=True)
class Col:
    """One extract column: name, label, type (text, integer, decimal, date, time, checkbox), format and
    allowed values ("|"-separated)."""

    name: str
    label: str
    type: str = "text"
    format: str = ""
    values: str = ""


def _c(name: str, label: str, type_: str = "text", values: str = "") -> Col:
    fmt = {"date": DATE_FMT, "time": "HH:MM (24 h)", "checkbox": f"{CHECKED} = checked, blank = not"}
    return Col(name, label, type_, fmt.get(type_, ""), values)


KEYS = [_c("SITEID", "Site number", values="01|02|03"), _c("SUBJID", "Subject number (site-subject)")]
VISIT = [_c("VISIT", "Visit name"), _c("VISITNUM", "Visit number", "integer")]
SEVERITY = "Mild|Moderate|Severe|Life-threatening"
RELATION = "Not related|Unlikely|Possible|Probable|Definite"

FORMS: dict[str, tuple[str, list[Col]]] = {
    "enrollment": ("Enrollment and informed consent", KEYS + [
        _c("ICDAT", "Date informed consent signed", "date"), _c("ICTIM", "Time informed consent signed", "time"),
        _c("ICVERS", "Consent form version"),
        _c("CSFCONS", "Consented to CSF sampling (amendment)", "checkbox")]),
    "eligibility": ("Eligibility (inclusion/exclusion)", KEYS + [
        _c("IEDAT", "Date eligibility assessed", "date"),
        _c("IEYN", "Were all eligibility criteria met?", values="Yes|No"),
        _c("IETESTCD", "Criterion not met (number)"), _c("IETEST", "Criterion not met (text)"),
        _c("IECAT", "Criterion category", values="Inclusion|Exclusion"),
        _c("IEORRES", "Criterion result", values="Yes|No")]),
    "demographics": ("Demographics", KEYS + [
        _c("BRTHDAT", "Date of birth", "date"), _c("AGE", "Age at consent (years)", "integer"),
        _c("SEX", "Sex", values="Male|Female"),
        _c("ETHNIC", "Ethnicity", values="Hispanic or Latino|Not Hispanic or Latino"),
        _c("RACEWHT", "Race: White", "checkbox"), _c("RACEBLK", "Race: Black or African American", "checkbox"),
        _c("RACEASN", "Race: Asian", "checkbox"), _c("RACEOTH", "Race: Other", "checkbox"),
        _c("RACEOTHS", "Race: other, specify")]),
    "als_history": ("ALS history", KEYS + [
        _c("ONSETDAT", "Date of first ALS symptom", "date"), _c("DIAGDAT", "Date of ALS diagnosis", "date"),
        _c("ELESCRL", "El Escorial category",
           values="Possible|Laboratory-supported probable|Probable|Definite"),
        _c("FAMHX", "Family history of ALS", values="Yes|No|Unknown")]),
    "medical_history": ("Medical history", KEYS + [
        _c("MHSPID", "Line number", "integer"), _c("MHTERM", "Condition or procedure (verbatim)"),
        _c("MHSTDAT", "Start date", "date"), _c("MHENDAT", "End date", "date"),
        _c("MHONGO", "Ongoing", "checkbox")]),
    "randomization": ("Randomization", KEYS + [
        _c("RANDNUM", "Randomization number"), _c("RANDDAT", "Date of randomization", "date"),
        _c("RANDTIM", "Time of randomization", "time"), _c("STRATUM", "Stratum (site)"),
        _c("TRTASSN", "Treatment assigned (unblinded)", values="MSC-NTF cells|Placebo")]),
    "visit_dates": ("Visit dates", KEYS + VISIT + [
        _c("VISDAT", "Visit date", "date"), _c("VISSTAT", "Visit status", values="Done|Not done"),
        _c("VISMODE", "Visit mode", values="In person|Telephone"),
        _c("VISNDRSN", "Reason visit not done")]),
    "bone_marrow_aspiration": ("Bone marrow aspiration", KEYS + VISIT + [
        _c("BMADAT", "Date of aspiration", "date"), _c("BMATIM", "Time of aspiration", "time"),
        _c("BMALOC", "Aspiration site"), _c("BMAVOL", "Volume aspirated", "integer"),
        _c("BMAVOLU", "Volume unit", values="mL")]),
    "transplant": ("Transplantation (study product administration)", KEYS + VISIT + [
        _c("EXDAT", "Date of administration", "date"), _c("EXSTTIM", "Start time", "time"),
        _c("EXENTIM", "End time", "time"), _c("EXROUTE", "Route", values="Intrathecal|Intramuscular"),
        _c("EXTRT", "Product", values="MSC-NTF cells|Placebo (DMEM)"),
        _c("EXDOSE", "Cells administered (x10^6)", "integer"), _c("EXDOSU", "Dose unit", values="10^6 cells"),
        _c("EXVOL", "Volume administered", "decimal"), _c("EXVOLU", "Volume unit", values="mL"),
        _c("EXNINJ", "Number of injections", "integer"), _c("EXLOC", "Location")]),
    "alsfrs_r": ("ALSFRS-R", KEYS + VISIT + [
        _c("QSDAT", "Assessment date", "date"), _c("QSMODE", "Administration mode", values="In person|Telephone"),
        *[_c(f"ALSQ{i:02d}", f"ALSFRS-R {i}. {name}", "integer", "0|1|2|3|4")
          for i, name in enumerate(("Speech", "Salivation", "Swallowing", "Handwriting",
                                    "Cutting food and handling utensils", "Dressing and hygiene",
                                    "Turning in bed and adjusting bed clothes", "Walking", "Climbing stairs",
                                    "Dyspnea", "Orthopnea", "Respiratory insufficiency"), start=1)],
        _c("ALSTOT", "ALSFRS-R total (EDC calculated, 0-48)", "integer")]),
    "svc": ("Slow vital capacity", KEYS + VISIT + [
        _c("SVCDAT", "Assessment date", "date"), _c("SVCTIM", "Assessment time", "time"),
        _c("SVCPP", "Best SVC, % predicted", "integer"), _c("SVCNTRL", "Number of trials", "integer")]),
    "hhd": ("Hand-held dynamometry", KEYS + VISIT + [
        _c("HHDDAT", "Assessment date", "date"), _c("HHDMUSC", "Muscle group"),
        _c("HHDSIDE", "Side", values="Right|Left"),
        _c("HHDINJ", "Arm injected with study product (IM)", values="Yes|No"),
        _c("HHDTRL1", "Trial 1 force", "decimal"), _c("HHDTRL2", "Trial 2 force", "decimal"),
        _c("HHDUNIT", "Force unit", values="lbf")]),
    "vital_signs": ("Vital signs", KEYS + VISIT + [
        _c("VSDAT", "Date", "date"), _c("VSTIM", "Time", "time"),
        _c("SYSBP", "Systolic blood pressure (mmHg)", "integer"),
        _c("DIABP", "Diastolic blood pressure (mmHg)", "integer"),
        _c("PULSE", "Pulse (beats/min)", "integer"), _c("RESP", "Respiratory rate (breaths/min)", "integer"),
        _c("TEMP", "Temperature", "decimal"), _c("TEMPU", "Temperature unit", values="C|F"),
        _c("WEIGHT", "Weight", "decimal"), _c("WEIGHTU", "Weight unit", values="kg|lb"),
        _c("HEIGHT", "Height (screening only)", "integer"), _c("HEIGHTU", "Height unit", values="cm")]),
    "safety_lab": ("Central safety laboratory", KEYS + VISIT + [
        _c("LBDAT", "Collection date", "date"), _c("LBTIM", "Collection time", "time"),
        _c("LBCAT", "Panel", values="HEMATOLOGY|CHEMISTRY|URINALYSIS"), _c("LBTESTCD", "Test code"),
        _c("LBTEST", "Test name"), _c("LBORRES", "Result (as reported)"), _c("LBORRESU", "Unit (as reported)"),
        _c("LBORNRLO", "Reference range lower limit"), _c("LBORNRHI", "Reference range upper limit"),
        _c("LBNRIND", "Reference range flag", values="L|H|"), _c("LBSPEC", "Specimen", values="Blood|Urine")]),
    "csf_biomarkers": ("CSF biomarkers (central laboratory)", KEYS + VISIT + [
        _c("LPDAT", "Lumbar puncture date", "date"), _c("LPTIM", "Lumbar puncture time", "time"),
        _c("CSFTESTCD", "Analyte code"), _c("CSFTEST", "Analyte"),
        _c("CSFORRES", "Result (numeric, or <LLOQ when below the limit)"), _c("CSFORRESU", "Unit"),
        _c("CSFLLOQ", "Lower limit of quantitation", "decimal"), _c("CSFMETH", "Assay"),
        _c("CSFSTAT", "Status", values="Done|Not done"), _c("CSFREASND", "Reason not done")]),
    "adverse_events": ("Adverse events", KEYS + [
        _c("AESPID", "AE number", "integer"), _c("AETERM", "Adverse event (verbatim)"),
        _c("AESTDAT", "Start date", "date"), _c("AESTTIM", "Start time", "time"),
        _c("AEENDAT", "End date", "date"), _c("AEENTIM", "End time", "time"),
        _c("AEONGO", "Ongoing", "checkbox"), _c("AESEV", "Severity", values=SEVERITY),
        _c("AESER", "Serious", values="Yes|No"), _c("AESDTH", "Serious: results in death", "checkbox"),
        _c("AESLIFE", "Serious: life-threatening", "checkbox"),
        _c("AESHOSP", "Serious: requires or prolongs hospitalization", "checkbox"),
        _c("AESDISAB", "Serious: persistent or significant disability", "checkbox"),
        _c("AESCONG", "Serious: congenital anomaly", "checkbox"),
        _c("AESMIE", "Serious: other medically important event", "checkbox"),
        _c("AEREL", "Relationship to study product", values=RELATION),
        _c("AEACN", "Action taken with study product", values="Not applicable"),
        _c("AECONTRT", "Treatment given for the AE", values="Yes|No"),
        _c("AEDISCON", "Led to study discontinuation", values="Yes|No"),
        _c("AEOUT", "Outcome", values="Recovered/Resolved|Recovering/Resolving|Not Recovered/Not Resolved|"
           "Recovered/Resolved with Sequelae|Fatal")]),
    "ae_coding": ("AE coding (MedDRA)", [
        _c("SUBJID", "Subject number (site-subject)"), _c("AESPID", "AE number", "integer"),
        _c("AETERM", "Adverse event (verbatim)"), _c("AELLT", "MedDRA lowest level term"),
        _c("AEDECOD", "MedDRA preferred term"), _c("AESOC", "MedDRA primary system organ class"),
        _c("MEDDRAV", "MedDRA version")]),
    "concomitant_medications": ("Concomitant medications", KEYS + [
        _c("CMSPID", "Line number", "integer"), _c("CMTRT", "Medication (verbatim)"),
        _c("CMINDC", "Indication"), _c("CMDOSE", "Dose", "decimal"), _c("CMDOSU", "Dose unit"),
        _c("CMDOSFRQ", "Frequency"), _c("CMROUTE", "Route"), _c("CMSTDAT", "Start date", "date"),
        _c("CMENDAT", "End date", "date"), _c("CMONGO", "Ongoing", "checkbox")]),
    "disposition": ("End of study", KEYS + [
        _c("DSSTDAT", "Date of completion or discontinuation", "date"),
        _c("EOSSTAT", "Status at end of study", values="Completed|Discontinued|Screen failure"),
        _c("DSREAS", "Primary reason (if not completed)"),
        _c("TELFU", "Follow-up completed by telephone", "checkbox"), _c("DSCOMM", "Comment")]),
    "trial_summary": ("Trial summary (simulated data)", [
        _c("PARAM", "Parameter"), _c("LABEL", "Parameter label"), _c("VALUE", "Value")]),
}


def _via_uniques(values: np.ndarray, format_uniques) -> np.ndarray:
    """Format only the distinct values (dates, times and results repeat a lot), then map back."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = np.append(np.asarray(format_uniques(uniques), dtype=object), "")
    return text[codes]          # code -1 (missing) takes the trailing ""


def fmt_date(dates: pd.Series | np.ndarray, precision: pd.Series | np.ndarray | None = None) -> np.ndarray:
    """``DD-MON-YYYY``; precision ``M`` gives ``UN-MON-YYYY``, ``Y`` gives ``UN-UNK-YYYY``; NaT gives ""."""
    d = pd.Series(dates).to_numpy(dtype="datetime64[D]")
    if precision is not None:      # truncate so that partial dates share their unique
        p = np.asarray(precision)
        d = np.where(p == "M", d.astype("datetime64[M]").astype("datetime64[D]"), d)
        d = np.where(p == "Y", d.astype("datetime64[Y]").astype("datetime64[D]"), d)
        key = np.where(pd.isna(d), "", np.asarray(precision, dtype=object))
        pairs = pd.Series(d.astype(str), dtype=object) + "|" + pd.Series(key, dtype=object)
        return _via_uniques(np.where(pd.isna(d), None, pairs.to_numpy()), _format_partial)
    return _via_uniques(d, lambda u: _format_partial(pd.Index(u).astype(str) + "|D"))


def _format_partial(keys) -> list[str]:
    out = []
    for key in keys:               # one iteration per distinct date, not per record
        iso, prec = str(key).split("|")
        year, month, day = iso[:4], MONTHS[int(iso[5:7]) - 1], iso[8:10]
        out.append(f"{'UN' if prec != 'D' else day}-{'UNK' if prec == 'Y' else month}-{year}")
    return out


def fmt_time(minutes: pd.Series | np.ndarray) -> np.ndarray:
    """``HH:MM`` from minutes after midnight; negative or missing gives ""."""
    m = pd.Series(minutes).to_numpy(dtype=float)
    m = np.where(np.isfinite(m) & (m >= 0), m, np.nan)
    return _via_uniques(m, lambda u: [f"{int(v) // 60:02d}:{int(v) % 60:02d}" for v in u])


def fmt_num(x: pd.Series | np.ndarray, decimals: int) -> np.ndarray:
    """Fixed-decimal text; NaN gives ""."""
    v = np.round(np.asarray(x, dtype=float), decimals) + 0.0     # no "-0.00"
    v = np.where(np.isfinite(v), v, np.nan)
    return _via_uniques(v, lambda u: np.char.mod(f"%.{decimals}f", np.asarray(u, float)))


def checkbox(flag: pd.Series | np.ndarray) -> np.ndarray:
    return np.where(np.asarray(flag, bool), CHECKED, "").astype(object)


def finish(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The extract with the declared columns in order, every value as text ("" for missing)."""
    cols = [c.name for c in FORMS[name][1]]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"form {name}: builder did not produce {missing}")
    return pd.DataFrame({c: _text(df[c].reset_index(drop=True)) for c in cols})


def _text(col: pd.Series) -> pd.Series:
    """A column as Python strings in an object Series ("" for missing)."""
    if pd.api.types.is_float_dtype(col):
        raise ValueError(f"column {col.name}: format decimals with fmt_num before writing")
    if pd.api.types.is_integer_dtype(col) or pd.api.types.is_bool_dtype(col):
        return pd.Series(col.to_numpy().astype(str), dtype=object)
    values = col.to_numpy(dtype=object)
    return pd.Series(np.where(pd.isna(values), "", values), dtype=object)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write an all-text frame as CSV (comma, LF, quotes only where needed), atomically; the same frame
    always gives the same bytes. The csv module's C writer quotes exactly as pandas' ``to_csv`` does."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(list(df.columns))
        writer.writerows(zip(*(df[c].to_numpy(dtype=object) for c in df.columns), strict=True))


def data_dictionary() -> pd.DataFrame:
    """One row per extract column: FORM, FORMLABEL, COLUMN, ORDER, LABEL, TYPE, FORMAT, VALUES."""
    rows = [(form, label, c.name, i + 1, c.label, c.type, c.format, c.values)
            for form, (label, cols) in FORMS.items() for i, c in enumerate(cols)]
    return pd.DataFrame(rows, columns=["FORM", "FORMLABEL", "COLUMN", "ORDER", "LABEL", "TYPE", "FORMAT",
                                       "VALUES"])
