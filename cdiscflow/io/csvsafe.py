"""CSV outputs safe to open in a spreadsheet: text cells that a spreadsheet would run as a formula are
neutralised (OWASP "CSV injection": a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a single
quote in front).

Only text cells change: numeric columns stay numbers, and a text cell that is a plain number (``-0.25``,
``+3``, ``1e-5``) is left alone because a spreadsheet reads it as a number, not a formula. The rule is
reversible: a text that already starts with quotes before a trigger character gets one more, and
:func:`restore` removes exactly one. XPT and Dataset-JSON outputs are never neutralised (they keep data verbatim).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

TRIGGERS = "=+-@\t\r"
_RISKY = r"^'*[=+\-@\t\r]"
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c].dtype)]


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot be read as spreadsheet formulas (see module docstring)."""
    out = df.copy()
    for col in _text_columns(df):
        text = df[col].astype("string")
        risky = text.str.contains(_RISKY, regex=True, na=False) & ~text.str.fullmatch(_NUMBER, na=False)
        if risky.any():
            out.loc[risky.to_numpy(), col] = "'" + text[risky].astype(str)
    return out


def restore(df: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise` on a frame read back from such a CSV."""
    out = df.copy()
    for col in _text_columns(df):
        text = df[col].astype("string")
        marked = text.str.contains(r"^'+[=+\-@\t\r]", regex=True, na=False)
        if marked.any():
            out.loc[marked.to_numpy(), col] = text[marked].str.slice(1).astype(str)
    return out


def to_csv_text(df: pd.DataFrame, path: Path | None = None, **options: Any) -> str:
    """``neutralise(df).to_csv(**options)`` as text (``index=False``, ``"\n"`` line ends unless given),
    written to ``path`` when given. A carriage return inside a cell would not be quoted with ``"\n"`` line ends
    (and would split the row when read back), so a frame holding one has every text cell quoted."""
    safe = neutralise(df)
    options.setdefault("index", False)
    options.setdefault("lineterminator", "\n")
    if any(safe[c].astype("string").str.contains("\r", regex=False, na=False).any() for c in _text_columns(safe)):
        options.setdefault("quoting", csv.QUOTE_NONNUMERIC)
    text = str(safe.to_csv(**options))
    if path is not None:
        path.write_text(text, encoding="utf-8", newline="")
    return text
