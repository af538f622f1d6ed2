"""Datasets on disk, whatever their format: read by extension, read a folder, write a dataset's files.

Formats: ``.xpt`` (SAS XPORT), ``.json`` (Dataset-JSON 1.1), ``.csv`` (text; every column read as text,
``""`` for empty cells), ``.sas7bdat`` and ``.parquet`` (pyarrow; read only). Every reader returns
``(DataFrame, XptMeta)``; the meta of a CSV has no types, lengths or labels (it is untyped), that of a Parquet
file has types (numeric, date and timestamp → Num, else Char) and the labels kept in its field metadata (``label``). ``columns``
reads only some variables: XPT, SAS7BDAT and Parquet skip the others while reading; JSON and CSV are read
whole, then subset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from cdiscflow.errors import DataError, XptError, XptValueError
from cdiscflow.io.datasetjson import read_dataset_json, write_dataset_json
from cdiscflow.io.raw import read_raw_csv
from cdiscflow.io.xpt import XptMeta, conform_for_xpt, from_readstat, read_xpt, write_xpt
from cdiscflow.specs.conform import SAS_EPOCH, conform, format_kind
from cdiscflow.specs.model import Dataset

PREFERENCE = (".xpt", ".json", ".csv", ".sas7bdat", ".parquet")


def _read_csv(path: Path, columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, XptMeta]:
    df = read_raw_csv(path).drop(columns="__row__")
    return _subset(df.astype(object), XptMeta(name=path.stem.upper(), source_format="csv", encoding="utf-8"),
                   columns, path)


def _read_json(path: Path, columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, XptMeta]:
    return _subset(*read_dataset_json(path), columns, path)


def _subset(df: pd.DataFrame, meta: XptMeta, columns: Sequence[str] | None, path: Path
            ) -> tuple[pd.DataFrame, XptMeta]:
    """``df[columns]`` (all when None) and the meta of those columns, refusing names the dataset does not hold."""
    if not columns:
        return df, meta
    columns = list(dict.fromkeys(columns))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"variable(s) {', '.join(missing)} not in the dataset", file=str(path), variable=missing[0],
                        expected=f"variables among {', '.join(df.columns)}")
    keep = set(columns)
    return df[columns], replace(meta, **{k: {c: v for c, v in getattr(meta, k).items() if c in keep}
                                        for k in ("labels", "types", "lengths", "formats")})


def _read_sas7bdat(path: Path, columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, XptMeta]:
    try:
        data, m = pyreadstat.read_sas7bdat(str(path), disable_datetime_conversion=True, output_format="dict",
                                           usecols=list(columns) if columns else None)
    except (pyreadstat.PyreadstatError, pyreadstat.ReadstatError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read as SAS7BDAT: {exc}", file=str(path), expected="a .sas7bdat file") from None
    return from_readstat(data, m, path, "sas7bdat", m.file_encoding, columns)


def _read_parquet(path: Path, columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, XptMeta]:
    try:
        schema = pq.read_schema(path)
        _subset(pd.DataFrame(columns=schema.names), XptMeta(name=""), columns, path)  # unknown names: DataError
        table = pq.read_table(path, columns=list(dict.fromkeys(columns)) if columns else None)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"cannot read as Parquet: {exc}", file=str(path), expected="a .parquet file") from None
    df = table.to_pandas(date_as_object=False)  # R Dates (date32) as datetime64, like timestamps
    labels = {f.name: f.metadata[b"label"].decode() for f in table.schema if f.metadata and b"label" in f.metadata}
    types = {c: "Num" if (pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]))
             or pd.api.types.is_datetime64_any_dtype(df[c]) else "Char" for c in df.columns}
    return df, XptMeta(name=path.stem.upper(), labels=labels, types=types, source_format="parquet")


READERS = {".xpt": read_xpt, ".json": _read_json, ".csv": _read_csv, ".sas7bdat": _read_sas7bdat,
           ".parquet": _read_parquet}


def read_dataset(path: Path | str, columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, XptMeta]:
    """Read one dataset file, chosen by its extension (``columns``: only those variables, in that order)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DataError(f"unknown dataset format {path.suffix!r}", file=str(path),
                        expected=f"one of {', '.join(PREFERENCE)}")
    if not path.is_file():
        raise DataError("dataset file not found", file=str(path), expected="an existing file")
    return reader(path, columns)


def dataset_files(folder: Path | str, names: Iterable[str] | None = None) -> dict[str, Path]:
    """Dataset name (upper-case) → file in ``folder``, preferring xpt, then json, csv, sas7bdat, parquet."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("dataset folder not found", file=str(folder), expected="a folder of datasets")
    found: dict[str, Path] = {}
    for ext in PREFERENCE:
        for p in sorted(folder.glob(f"*{ext}")):
            found.setdefault(p.stem.upper(), p)
    if names is None:
        return dict(sorted(found.items()))
    wanted = [n.upper() for n in names]
    absent = [n for n in wanted if n not in found]
    if absent:
        raise DataError(f"dataset(s) {', '.join(absent)} not found", file=str(folder),
                        expected=f"files such as {absent[0].lower()}.xpt")
    return {n: found[n] for n in wanted}


def read_folder(folder: Path | str, names: Iterable[str] | None = None,
                columns: Mapping[str, Sequence[str]] | None = None) -> dict[str, pd.DataFrame]:
    """Datasets of ``folder`` keyed by upper-case name (``names`` restricts and requires them); ``columns``
    maps a dataset name to the only variables to read from it (e.g. ``{"QS": ["USUBJID", "QSSTRESN"]}``)."""
    files = dataset_files(folder, names)
    wanted = {k.upper(): v for k, v in (columns or {}).items()}
    unknown = sorted(set(wanted) - set(files))
    if unknown:
        raise DataError(f"columns given for dataset(s) {', '.join(unknown)}, which are not read", file=str(folder),
                        expected=f"dataset names among {', '.join(files)}")
    return {name: read_dataset(p, wanted.get(name))[0] for name, p in files.items()}


def _shown(value: object, fmt: str | None) -> str:
    """A key value as a reader would type it: ``32`` (not ``32.0``), ``.`` for a missing number, a SAS date or
    datetime (by the variable's display format) in ISO 8601."""
    if not isinstance(value, float):
        return str(value)
    if np.isnan(value):
        return "."
    kind = format_kind(fmt)
    if kind in ("date", "datetime"):
        try:
            stamp = SAS_EPOCH + pd.Timedelta(**{"days" if kind == "date" else "seconds": value})
            return stamp.strftime("%Y-%m-%d") if kind == "date" else stamp.isoformat()
        except (OverflowError, ValueError):  # beyond pandas' timestamps: the number itself
            pass
    return f"{value:g}" if value.is_integer() else repr(float(value))


def record_of(df: pd.DataFrame, spec: Dataset, position: int) -> str:
    """Row ``position`` (0-based) of ``df`` as a reader finds it: ``USUBJID=..., LBSEQ=...`` (USUBJID and the
    SDTM --SEQ variable when the dataset has one, else the spec's keys without STUDYID); ``record N``
    (1-based) when the dataset has neither."""
    seq = f"{spec.name}SEQ"
    keys = [k for k in dict.fromkeys(["USUBJID", *([seq] if seq in df.columns else spec.keys)])
            if k in df.columns and k != "STUDYID"]
    if not keys:
        return f"record {position + 1}"
    formats = {v.name: v.format for v in spec.variables}
    return ", ".join(f"{k}={_shown(df[k].iloc[position], formats.get(k))}" for k in keys)


def located_write_error(exc: XptError, df: pd.DataFrame, spec: Dataset,
                        origin: Callable[[int], tuple[str, int]] | None) -> XptError:
    """``exc`` (raised writing ``spec``'s dataset into a staging folder) naming the dataset instead of the file:
    a refused value also by its record (:func:`record_of`) and, with ``origin``, the file and row it came from;
    any other refusal by the spec file."""
    prefix = f"dataset {spec.name}: "
    message = exc.message.removeprefix(prefix)
    position = exc.position if isinstance(exc, XptValueError) else None
    if position is None:
        return XptError(prefix + message, file=spec.file, variable=exc.variable, expected=exc.expected)
    file, row = origin(position) if origin else (None, None)
    return XptValueError(f"dataset {spec.name} record {record_of(df, spec, position)}: {message}", file=file,
                         row=row, position=position, variable=exc.variable, expected=exc.expected)


def write_datasets(df: pd.DataFrame, folder: Path | str, spec: Dataset, formats: Sequence[str] = ("xpt", "json"),
                   *, study_oid: str = "", metadata_version_oid: str = "", transliterate: bool = False,
                   metadata_ref: str | None = "define.xml",
                   origin: Callable[[int], tuple[str, int]] | None = None) -> list[Path]:
    """Write ``<name lower>.xpt`` and/or ``.json`` in ``folder`` through ``spec``; returns the paths written.

    ``folder`` is usually a staging folder, so a refusal names the dataset, not the file: a value by its record and,
    when ``origin`` maps a 0-based row of ``df`` to the (file, 1-based row) it came from (a mapping's lineage),
    by that file and row (:func:`located_write_error`)."""
    unknown = sorted(set(formats) - {"xpt", "json"})
    if unknown:
        raise DataError(f"unknown output format(s) {', '.join(unknown)}", expected="xpt and/or json")
    folder = Path(folder)
    paths = []
    xpt_path = folder / f"{spec.name.lower()}.xpt"
    data = df
    try:
        data = conform_for_xpt(df, spec, str(xpt_path)) if "xpt" in formats else conform(df, spec)  # once for both
        if "xpt" in formats:
            write_xpt(data, xpt_path, spec, transliterate=transliterate, conformed=True)
            paths.append(xpt_path)
    except XptError as exc:
        raise located_write_error(exc, data, spec, origin) from None
    if "json" in formats:
        path = folder / f"{spec.name.lower()}.json"
        write_dataset_json(data, path, spec, study_oid=study_oid, metadata_version_oid=metadata_version_oid,
                           metadata_ref=metadata_ref, conformed=True)
        paths.append(path)
    return paths
