"""Formatting of the simulated data as EDC extracts (one CSV per CRF form) and the data dictionary.

Each form is declared once in :data:`FORMS` (columns with label, type, format and allowed values); the
extract builders return text columns in exactly that order and :func:`data_dictionary` is built from the
same declarations, so the dictionary always matches the extracts.

Text columns are categoricals (codes into the distinct texts): the formatters convert each distinct date,
time or number once, long extracts repeat codes rather than strings, and :func:`write_csv` quotes each
distinct text once and joins the rows chunk by chunk.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from cdiscflow.io.atomic import atomic_path

MONTHS = np.array(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
DATE_FMT = "DD-MON-YYYY (UN = unknown day, UNK = unknown month)"
CHECKED = "X"
_PLAIN = re.compile(r'[^,"\r\n]*')      # text that csv.writer never quotes (minimal quoting)


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


def text_column(codes: np.ndarray, texts: Sequence[str]) -> pd.Categorical:
    """Text values given as ``codes`` into ``texts`` (code -1, missing, gives ""), as a categorical of the
    distinct texts: a million-row column then costs its codes, not a million Python strings."""
    keys, categories = pd.factorize(np.append(np.asarray(texts, dtype=object), ""))   # texts may repeat
    return pd.Categorical.from_codes(keys[codes], categories=pd.Index(categories, dtype=object))


def _via_uniques(values: np.ndarray, format_uniques: Callable[[np.ndarray], Sequence[str]]) -> pd.Categorical:
    """Format only the distinct values (dates, times and results repeat a lot)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return text_column(codes, format_uniques(uniques))


def fmt_date(dates: pd.Series | np.ndarray,
             precision: pd.Series | np.ndarray | None = None) -> pd.Categorical:
    """``DD-MON-YYYY``; precision ``M`` gives ``UN-MON-YYYY``, ``Y`` gives ``UN-UNK-YYYY``; NaT gives ""."""
    d = pd.Series(dates).to_numpy(dtype="datetime64[D]")
    level = np.zeros(len(d), np.int64)            # 0 full date, 1 unknown day, 2 unknown day and month
    if precision is not None:                     # truncate so that partial dates share their unique
        p = np.asarray(precision, dtype=object)
        level = np.where(p == "Y", 2, np.where(p == "D", 0, 1))
        d = np.where(level == 1, d.astype("datetime64[M]").astype("datetime64[D]"), d)
        d = np.where(level == 2, d.astype("datetime64[Y]").astype("datetime64[D]"), d)
    key = np.where(np.isnat(d), np.nan, d.view(np.int64) * 4.0 + level)       # exact in float64
    return _via_uniques(key, _format_dates)


def _format_dates(keys: np.ndarray) -> list[str]:
    """Text of ``fmt_date`` keys (day number * 4 + precision level)."""
    keys = np.asarray(keys, np.int64)
    iso = np.datetime_as_string((keys // 4).astype("datetime64[D]"), unit="D")
    return [f"{'UN' if lvl else s[8:10]}-{'UNK' if lvl == 2 else MONTHS[int(s[5:7]) - 1]}-{s[:4]}"
            for s, lvl in zip(iso, keys % 4, strict=True)]        # one iteration per distinct date


def fmt_time(minutes: pd.Series | np.ndarray) -> pd.Categorical:
    """``HH:MM`` from minutes after midnight; negative or missing gives ""."""
    m = pd.Series(minutes).to_numpy(dtype=float)
    m = np.where(np.isfinite(m) & (m >= 0), m, np.nan)
    return _via_uniques(m, lambda u: [f"{int(v) // 60:02d}:{int(v) % 60:02d}" for v in u])


def fmt_num(x: pd.Series | np.ndarray, decimals: int) -> pd.Categorical:
    """Fixed-decimal text; NaN gives ""."""
    v = np.round(np.asarray(x, dtype=float), decimals) + 0.0     # no "-0.00"
    v = np.where(np.isfinite(v), v, np.nan)
    return _via_uniques(v, lambda u: np.char.mod(f"%.{decimals}f", np.asarray(u, float)).tolist())


def checkbox(flag: pd.Series | np.ndarray) -> pd.Categorical:
    """``X`` where checked, "" where not."""
    return text_column(np.asarray(flag, bool).astype(np.int8), ["", CHECKED])


def finish(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The extract with the declared columns in order, every value as text ("" for missing)."""
    cols = [c.name for c in FORMS[name][1]]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"form {name}: builder did not produce {missing}")
    return pd.DataFrame({c: as_text(df[c]) for c in cols})


def as_text(values: pd.Series | np.ndarray) -> pd.Categorical:
    """Values as a categorical of text ("" for missing): integers and booleans as numpy prints them, other
    values with ``str``. A categorical of text (what the formatters return) is taken as it is."""
    col = pd.Series(values)
    if pd.api.types.is_float_dtype(col):
        raise ValueError(f"column {col.name}: format decimals with fmt_num before writing")
    if isinstance(col.dtype, pd.CategoricalDtype) and not col.hasnans \
            and col.cat.categories.inferred_type in ("string", "empty"):
        return col.array
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    if pd.api.types.is_integer_dtype(col) or pd.api.types.is_bool_dtype(col):
        return text_column(codes, np.asarray(uniques).astype(str).tolist())
    return text_column(codes, [str(v) for v in uniques.tolist()])


def cross_text(outer: pd.DataFrame, inner: pd.DataFrame) -> pd.DataFrame:
    """The text of every row of ``outer`` beside every row of ``inner`` (outer-major, as a cross merge);
    rows are repeated as categorical codes, so a million-row product holds no million strings."""
    rows = np.repeat(np.arange(len(outer)), len(inner))
    cells = np.tile(np.arange(len(inner)), len(outer))
    return pd.DataFrame({**{c: as_text(outer[c]).take(rows) for c in outer},
                         **{c: as_text(inner[c]).take(cells) for c in inner}})


def row_major(columns: Sequence[pd.Categorical]) -> pd.Categorical:
    """The cells of equally long text columns read row by row (row i, column j at ``i * len(columns) + j``)."""
    stacked = union_categoricals(list(columns))            # column after column
    codes = stacked.codes.reshape(len(columns), -1).T.ravel()
    return pd.Categorical.from_codes(codes, categories=stacked.categories)


def write_csv(df: pd.DataFrame, path: Path, chunk_rows: int = 100_000) -> None:
    """Write an all-text frame as CSV (comma, LF, quotes only where needed), atomically; the same frame
    always gives the same bytes, exactly those of ``csv.writer`` (hence of pandas' ``to_csv``).

    Every distinct value of a column is quoted once, by the csv module itself; rows are then joined
    ``chunk_rows`` at a time, so memory stays bounded whatever the length of the extract.
    """
    if df.shape[1] < 2:       # csv.writer writes a row of one empty field as '""'; not needed here
        raise ValueError(f"{path.name}: an extract has at least two columns")
    columns = []
    for name in df.columns:
        text = as_text(df[name])
        columns.append((text.codes, np.array(_csv_fields(text.categories.tolist()), dtype=object)))
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(_csv_fields([str(c) for c in df.columns])) + "\n")
        for start in range(0, len(df), chunk_rows):
            cells = [texts[codes[start:start + chunk_rows]].tolist() for codes, texts in columns]
            fh.write("\n".join(map(",".join, zip(*cells, strict=True))) + "\n")


def _csv_fields(values: Iterable[str]) -> list[str]:
    """Each value as ``csv.writer`` (minimal quoting) writes it inside a row. Values without a comma, quote
    or line break are written as they are; the others are handed to the csv module itself."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    fields = []
    for value in values:
        if _PLAIN.fullmatch(value):
            fields.append(value)
            continue
        buf.seek(0)
        buf.truncate()
        writer.writerow((value, ""))            # a second field: never the lone-empty-field special case
        fields.append(buf.getvalue()[:-2])      # drop the separator and line end of the empty field
    return fields


def data_dictionary() -> pd.DataFrame:
    """One row per extract column: FORM, FORMLABEL, COLUMN, ORDER, LABEL, TYPE, FORMAT, VALUES."""
    rows = [(form, label, c.name, i + 1, c.label, c.type, c.format, c.values)
            for form, (label, cols) in FORMS.items() for i, c in enumerate(cols)]
    return pd.DataFrame(rows, columns=["FORM", "FORMLABEL", "COLUMN", "ORDER", "LABEL", "TYPE", "FORMAT",
                                       "VALUES"])
