"""Analysis results datasets (ARD): every number of an output, unformatted and formatted, one row each.

Columns (:data:`ARD_COLUMNS`):

``output_id``  the catalog id; ``analysis`` what was computed (``summary``, ``anova``, ``chisq``,
``ancova``, ``fisher`` …); ``group_var``/``group`` the by-variable and its level (e.g. ``TRT01P`` /
``Placebo``; ``""`` for results across groups); ``by_var``/``by`` further by-variables of the row
dimension (e.g. ``AEBODSYS`` / ``CARDIAC DISORDERS`` for a preferred term, ``AVISIT`` / ``Week 24``);
``variable``/``category`` the analysed variable and level
(``""`` for continuous); ``statistic`` the name (``n``, ``mean``, ``pct``, ``p`` …); ``value`` the
unformatted float; ``formatted`` the text a renderer prints.

ARDs are saved beside the output as ``<id>.ard.csv`` and ``<id>.ard.json`` (the JSON adds the metadata:
rounding rule, population, inputs). The CSV's text cells are neutralised against spreadsheet formulas
(:mod:`cdiscflow.io.csvsafe`; ``value`` stays a number, :func:`read_ard` undoes it); the JSON is verbatim. Tables are laid out *from* the ARD; renderers never compute.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.io.atomic import write_text
from cdiscflow.io.csvsafe import restore, to_csv_text

ARD_COLUMNS: list[str] = ["output_id", "analysis", "group_var", "group", "by_var", "by", "variable",
                          "category", "statistic", "value", "formatted"]


def ard_frame(records: Iterable[Mapping[str, Any]] | pd.DataFrame, output_id: str = "") -> pd.DataFrame:
    """Normalise records into an ARD: every column present, text columns as str, ``value`` as float."""
    df = pd.DataFrame(records) if not isinstance(records, pd.DataFrame) else records
    df = df.reindex(columns=ARD_COLUMNS, fill_value="").reset_index(drop=True)
    if output_id:
        df["output_id"] = output_id
    for col in ARD_COLUMNS:
        if col == "value":
            if df[col].dtype != float:
                df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
        elif not pd.api.types.is_string_dtype(df[col]) or df[col].isna().any():
            df[col] = df[col].fillna("").astype(str)
    return df


def concat_ard(parts: Iterable[pd.DataFrame], output_id: str = "") -> pd.DataFrame:
    frames = [p for p in parts if len(p)]
    return ard_frame(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), output_id)


def lookup(ard: pd.DataFrame, **where: str) -> pd.DataFrame:
    """Rows of ``ard`` matching every ``column=value`` given."""
    mask = np.ones(len(ard), dtype=bool)
    for col, val in where.items():
        mask &= (ard[col] == val).to_numpy()
    return ard[mask]


def cell(ard: pd.DataFrame, **where: str) -> str:
    """The formatted text of the one result matching ``where`` ("" if none)."""
    hit = lookup(ard, **where)
    return str(hit["formatted"].iloc[0]) if len(hit) else ""


def write_ard(ard: pd.DataFrame, stem: Path, metadata: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``<stem>.ard.csv`` and ``<stem>.ard.json`` atomically; floats at full precision."""
    csv_path = stem.with_name(stem.name + ".ard.csv")
    json_path = stem.with_name(stem.name + ".ard.json")
    write_text(csv_path, to_csv_text(ard, float_format="%.17g", lineterminator="\n"))
    records = [{k: (None if (k == "value" and not np.isfinite(v)) else v) for k, v in rec.items()}
               for rec in ard.to_dict(orient="records")]
    payload = {"metadata": dict(metadata), "columns": ARD_COLUMNS, "results": records}
    write_text(json_path, json.dumps(payload, indent=1, ensure_ascii=False, default=str) + "\n")
    return csv_path, json_path


def read_ard(path: Path) -> pd.DataFrame:
    """Read an ARD back from its CSV or JSON file."""
    if path.suffix == ".json":
        return ard_frame(json.loads(path.read_text(encoding="utf-8"))["results"])
    return ard_frame(restore(pd.read_csv(path, dtype={c: str for c in ARD_COLUMNS if c != "value"},
                                         keep_default_na=False, na_values={"value": [""]})))
