"""CDISC Dataset-JSON **1.1** write/read, valid against ``dataset-json/dataset.schema.json``.

Column metadata come from the spec: ``itemOID`` ``IT.<DS>.<VAR>``, name, label, ``dataType``, length (Char),
``displayFormat`` and ``keySequence`` (the spec's keys, in order). Data types:

* Char → ``string`` (ISO 8601 ``--DTC`` text stays ``string``: partial dates are not valid ``date`` values);
* Num with a date / datetime / time format (``DATE9.``, ``DATETIME20.``, ``TIME8.``) and whole-number values →
  ``date`` / ``datetime`` / ``time`` with ``targetDataType: integer``; the rows hold ISO 8601 text, read back
  as SAS numbers (days or seconds since 1960-01-01, seconds since midnight);
* other Num → ``integer`` when every value is a whole number, else ``double``.

Missing values are ``null`` for numbers and ``""`` for text. ``datasetJSONCreationDateTime`` is the run's
time (``SOURCE_DATE_EPOCH``), so output is byte-identical for the same input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow import __version__
from cdiscflow.errors import DataError
from cdiscflow.io.atomic import write_text
from cdiscflow.io.xpt import XptMeta
from cdiscflow.provenance import run_stamp
from cdiscflow.specs.conform import SAS_EPOCH, conform, spec_from_frame
from cdiscflow.specs.datatypes import json_type
from cdiscflow.specs.model import Dataset, Variable

VERSION = "1.1.0"
ISO_FORMATS = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S", "time": "%H:%M:%S"}
NUMERIC_TYPES = ("integer", "decimal", "float", "double", "boolean")


def _column(var: Variable, values: pd.Series, dataset: str, keys: list[str]) -> tuple[dict[str, Any], np.ndarray]:
    """Column metadata and the column's JSON-ready values (object array; None for missing numbers)."""
    col: dict[str, Any] = {"itemOID": f"IT.{dataset}.{var.name}", "name": var.name, "label": var.label}
    if var.is_char:
        col["dataType"] = "string"
        if var.length:  # the spec's length; measuring (UTF-8 bytes) only when the spec has none
            col["length"] = var.length
        else:
            col["length"] = max(int(values.str.encode("utf-8").str.len().max()) if len(values) else 0, 1)
        out = values.to_numpy(dtype=object)
    else:
        infinite = np.isinf(values.to_numpy())
        if infinite.any():
            pos = int(np.flatnonzero(infinite)[0])
            raise DataError(f"dataset {dataset}: infinite number", row=pos + 1, variable=var.name,
                            expected="a finite number or missing (JSON has no infinity)")
        present = values.notna()
        col["dataType"], target = json_type(var, values)  # shared with define.xml (cdiscflow.specs.datatypes)
        kind = col["dataType"]
        if target:
            col["targetDataType"] = target
            unit = "D" if kind == "date" else "s"
            stamps = SAS_EPOCH + pd.to_timedelta(values, unit=unit)
            out = stamps.dt.strftime(ISO_FORMATS[kind]).to_numpy(dtype=object)
        elif kind == "integer":
            out = np.array(values.fillna(0).astype("int64").tolist(), dtype=object)
        else:
            out = np.array(values.tolist(), dtype=object)
        out[~present.to_numpy()] = None
    if var.format:
        col["displayFormat"] = var.format
    if var.name in keys:
        col["keySequence"] = keys.index(var.name) + 1
    return col, out


def write_dataset_json(df: pd.DataFrame, path: Path | str, spec: Dataset | None = None, *, study_oid: str = "",
                       metadata_version_oid: str = "", metadata_ref: str | None = "define.xml",
                       originator: str | None = None, file_oid: str | None = None,
                       db_last_modified: str | None = None, conformed: bool = False) -> Path:
    """Write ``df`` (conformed to ``spec``, unless ``conformed`` says it already is) as a Dataset-JSON 1.1
    file; returns the path."""
    path = Path(path)
    if spec is None:
        spec = spec_from_frame(df, path.stem.upper())
    data = df if conformed else conform(df, spec)
    name = spec.name.upper()
    columns, arrays = [], []
    for var in spec.variables:
        col, values = _column(var, data[var.name], name, spec.keys)
        columns.append(col)
        arrays.append(values)
    header: dict[str, Any] = {
        "datasetJSONCreationDateTime": run_stamp(),
        "datasetJSONVersion": VERSION,
        "fileOID": file_oid or f"{study_oid or 'cdiscflow'}/{name}",
    }
    if db_last_modified:
        header["dbLastModifiedDateTime"] = db_last_modified
    if originator:
        header["originator"] = originator
    header["sourceSystem"] = {"name": "cdiscflow", "version": __version__}
    header["studyOID"] = study_oid
    header["metaDataVersionOID"] = metadata_version_oid
    if metadata_ref:
        header["metaDataRef"] = metadata_ref
    header.update({"itemGroupOID": f"IG.{name}", "records": len(data), "name": name, "label": spec.label,
                   "columns": columns})
    rows = np.column_stack(arrays).tolist() if arrays and len(data) else []
    header["rows"] = rows
    return write_text(path, json.dumps(header, ensure_ascii=False, separators=(",", ":"), allow_nan=False))


def _load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("file not found", file=str(path), expected="a Dataset-JSON file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"not valid JSON: {exc}", file=str(path), expected="Dataset-JSON 1.1 (UTF-8 JSON)") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), list):
        raise DataError("no 'columns' list", file=str(path), expected="Dataset-JSON 1.1")
    for i, col in enumerate(doc["columns"]):
        if not isinstance(col, dict) or not {"name", "dataType"} <= set(col):
            raise DataError(f"column {i + 1} lacks name or dataType", file=str(path), expected="Dataset-JSON 1.1")
    return doc


def _iso_to_sas(values: pd.Series, kind: str, file: str, name: str) -> pd.Series:
    """ISO 8601 date / datetime / time text → SAS days / seconds since 1960-01-01 / seconds since midnight."""
    text = values.where(values.notna() & (values != ""), None)
    try:
        if kind == "time":
            return (pd.to_timedelta(text) / pd.Timedelta(seconds=1)).astype("float64")
        seconds = (pd.to_datetime(text, format="ISO8601") - SAS_EPOCH) / pd.Timedelta(seconds=1)
    except (ValueError, TypeError) as exc:
        raise DataError(f"not ISO 8601 {kind} values: {exc}", file=file, variable=name,
                        expected=f"ISO 8601 {kind} text") from None
    return (seconds / 86400 if kind == "date" else seconds).astype("float64")


def read_dataset_json(path: Path | str) -> tuple[pd.DataFrame, XptMeta]:
    """Read a Dataset-JSON 1.1 file into the conform convention (Char object/"" , Num float64; date/time
    columns with ``targetDataType: integer`` back to SAS numbers)."""
    path = Path(path)
    doc = _load(path)
    cols = doc["columns"]
    names = [c["name"] for c in cols]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise DataError(f"column {dup} is listed twice", file=str(path), variable=dup, expected="unique column names")
    rows = doc.get("rows") or []
    bad = next((i for i, r in enumerate(rows) if not isinstance(r, list) or len(r) != len(names)), None)
    if bad is not None:
        raise DataError(f"row has {len(rows[bad]) if isinstance(rows[bad], list) else 'no'} values",
                        file=str(path), row=bad + 1, expected=f"{len(names)} values per row")
    raw = pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names, dtype=object)
    out: dict[str, pd.Series] = {}
    types, lengths = {}, {}
    for c in cols:
        name, dtype, target = c["name"], c["dataType"], c.get("targetDataType")
        values = raw[name]
        if dtype in ISO_FORMATS and target in ("integer", "decimal"):
            out[name] = _iso_to_sas(values, dtype, str(path), name)
        elif dtype in NUMERIC_TYPES:
            num = pd.to_numeric(values.where(values.notna(), np.nan), errors="coerce")
            if (num.isna() & values.notna() & (values != "")).any():
                pos = int(np.flatnonzero((num.isna() & values.notna()).to_numpy())[0])
                raise DataError(f"value {values.iloc[pos]!r} is not a number", file=str(path), row=pos + 1,
                                variable=name, expected=f"a {dtype}")
            out[name] = num.astype("float64")
        else:
            out[name] = values.where(values.notna(), "").astype(str).astype(object)
        types[name] = "Num" if name in out and out[name].dtype == "float64" else "Char"
        lengths[name] = int(c["length"]) if "length" in c else (8 if types[name] == "Num" else 0)
    df = pd.DataFrame(out, columns=names)
    attributes = {k: v for k, v in doc.items() if k not in ("columns", "rows")}
    meta = XptMeta(name=str(doc.get("name", path.stem.upper())), label=str(doc.get("label", "")),
                   labels={c["name"]: c.get("label", "") for c in cols}, types=types,
                   lengths={k: v for k, v in lengths.items() if v}, formats={c["name"]: c["displayFormat"]
                                                                             for c in cols if c.get("displayFormat")},
                   encoding="utf-8", source_format="json", created=doc.get("datasetJSONCreationDateTime"),
                   attributes=attributes)
    return df, meta
