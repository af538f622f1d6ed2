"""Read the datasets to validate (XPT, Dataset-JSON, ...) with their transport-file metadata."""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd

from cdiscflow.errors import DataError
from cdiscflow.validation.context import DatasetMeta


def read_xpt_meta(path: Path) -> tuple[pd.DataFrame, DatasetMeta]:
    """One XPT file: through ``cdiscflow.io.xpt.read_xpt`` when it exists, else pyreadstat (UTF-8, then cp1252)."""
    try:
        reader = importlib.import_module("cdiscflow.io.xpt").read_xpt
    except (ModuleNotFoundError, AttributeError):
        reader = None
    if reader is not None:
        df, meta = reader(path)
        return df, DatasetMeta(label=getattr(meta, "label", None) or None,
                               labels=dict(getattr(meta, "labels", {}) or {}),
                               lengths=dict(getattr(meta, "lengths", {}) or {}))
    import pyreadstat

    for encoding in ("utf-8", "cp1252"):
        try:
            df, meta = pyreadstat.read_xport(str(path), encoding=encoding)
            break
        except (pyreadstat.ReadstatError, UnicodeDecodeError):
            continue
    else:
        raise DataError("cannot read the transport file", file=str(path), expected="a SAS XPORT v5 file")
    return df, DatasetMeta(label=_xpt_dataset_label(path) or meta.file_label or None,
                           labels={k: v or "" for k, v in meta.column_names_to_labels.items()},
                           lengths=dict(meta.variable_storage_width or {}))


def _xpt_dataset_label(path: Path) -> str | None:
    """The dataset label of the first member (bytes 32–72 of the second descriptor record)."""
    head = path.read_bytes()[:80 * 8]
    at = head.find(b"DSCRPTR HEADER RECORD")
    if at < 0:
        return None
    start = (at // 80 + 2) * 80
    label = head[start + 32:start + 72].decode("latin-1").strip()
    return label or None


def read_folder(folder: Path | str) -> dict[str, tuple[pd.DataFrame, DatasetMeta | None]]:
    """Every dataset in ``folder`` by upper-case name; XPT files carry metadata, other formats (through
    ``cdiscflow.io.datasets.read_folder``) none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("folder not found", file=str(folder), expected="a folder with datasets")
    out: dict[str, tuple[pd.DataFrame, DatasetMeta | None]] = {}
    for path in sorted(folder.glob("*.xpt")):
        out[path.stem.upper()] = read_xpt_meta(path)
    try:
        others = importlib.import_module("cdiscflow.io.datasets").read_folder
    except (ModuleNotFoundError, AttributeError):
        others = None
    if others is not None and not out:
        out = {name.upper(): (df, None) for name, df in others(folder).items()}
    return out
