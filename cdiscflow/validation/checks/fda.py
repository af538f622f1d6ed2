"""FDA technical rejection criteria (TRC) and dataset size limits, as study-level checks.

TRC 1734: a Trial Summary (TS) dataset with the study start date (``TSPARMCD = SSTDTC``, a complete ISO 8601
date) must be present; TRC 1736: DM (SDTM) and ADSL (ADaM) must be present, each with a define.xml (one given
to the validation, or the study's specs of that standard, from which ``cdiscflow define`` builds it). The FDA Study Data Technical
Conformance Guide asks for datasets no larger than 5 GB; the size is the XPT v5 file's, computed from the
frame (80-byte header records, one fixed-length record per row: character lengths from the file, else the
longest value, 8 bytes per number).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cdiscflow.validation.checks.base import check, dataset_hit
from cdiscflow.validation.context import Target
from cdiscflow.validation.model import Hit

ISO_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
XPT_HEADER_BYTES = 80 * 8  # library, member and namestr headers (lower bound; namestr records add 140/variable)


def _standard_present(t: Target, standard: str) -> bool:
    return standard.upper() in t.study.standards.values()


@check("dataset_present", study_level=True)
def dataset_present(t: Target, standard: str) -> list[Hit]:
    """The dataset must be present when any dataset of ``standard`` is (``DM`` for SDTM, ``ADSL`` for ADaM)."""
    if not _standard_present(t, standard) or t.name in t.study.datasets:
        return []
    return [dataset_hit(None, f"no {t.name} among the {standard.upper()} datasets")]


@check("define_present", study_level=True)
def define_present(t: Target, standard: str) -> list[Hit]:
    """A define.xml must accompany the datasets of ``standard`` (when there are any)."""
    if not _standard_present(t, standard) or t.study.define_sources.get(standard.upper()):
        return []
    return [dataset_hit(None, f"no define.xml and no {standard.upper()} specs to build one from")]


@check("ts_parameter", study_level=True)
def ts_parameter(t: Target, parameter: str = "SSTDTC", iso_date: bool = True) -> list[Hit]:
    """TS must be present with a record ``TSPARMCD = parameter`` whose TSVAL is a complete ISO 8601 date."""
    if not _standard_present(t, "SDTM"):
        return []
    if t.name not in t.study.datasets:
        return [dataset_hit(None, f"no {t.name} dataset")]
    if not {"TSPARMCD", "TSVAL"} <= set(t.df.columns):
        return [dataset_hit(None, "TSPARMCD or TSVAL is missing")]
    rows = t.text("TSPARMCD").to_numpy() == parameter
    if not rows.any():
        return [dataset_hit("TSPARMCD", f"no TSPARMCD = {parameter}")]
    values = t.text("TSVAL")
    bad = rows & ~values.str.match(ISO_DATE).to_numpy() if iso_date else rows & (values == "").to_numpy()
    if not bad.any():
        return []
    pos = np.flatnonzero(bad)
    return [Hit("TSVAL", pos, f"{parameter} is not a complete ISO 8601 date", list(values.iloc[pos]))]


def xpt_bytes(df: pd.DataFrame, lengths: dict[str, int] | None = None) -> int:
    """The size of ``df`` as an XPT v5 file (header records plus rows padded to 80-byte records)."""
    lengths = lengths or {}
    record = 0
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_numeric_dtype(col):
            record += 8
        elif lengths.get(name):
            record += lengths[name]
        else:  # the longest value's UTF-8 bytes, measured once per distinct value
            values = pd.Series(pd.unique(col.dropna().astype(str)), dtype=object)
            record += max(int(values.str.encode("utf-8").str.len().max()) if len(values) else 1, 1)
    data = len(df) * record
    return XPT_HEADER_BYTES + 140 * len(df.columns) + -(-data // 80) * 80


@check("dataset_size")
def dataset_size(t: Target, max_bytes: int = 5 * 1024**3) -> list[Hit]:
    """The dataset must fit the FDA size limit (5 GB by default) as an XPT v5 file."""
    size = xpt_bytes(t.df, t.meta.lengths if t.meta is not None else None)
    if size <= max_bytes:
        return []
    return [dataset_hit(None, f"{size:,} bytes as XPT, over {max_bytes:,}; split it as the FDA guide asks")]
