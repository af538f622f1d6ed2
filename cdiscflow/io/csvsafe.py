"""CSV outputs safe to open in a spreadsheet: text cells that a spreadsheet would run as a formula are
neutralised (OWASP "CSV injection": a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a single
quote in front).

Only text cells change: numeric columns stay numbers, and a text cell that is a plain number (``-0.25``,
``+3``, ``1e-5``) is left alone because a spreadsheet reads it as a number, not a formula. The rule is
reversible: a text that already starts with quotes before a trigger character gets one more, and
:func:`restore` removes exactly one. XPT and Dataset-JSON outputs are never neutralised (they keep data verbatim).
"""

from __future__ import annotations

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
            out[col] = df[col].where(~risky.to_numpy(), "'" + text.astype(object))
    return out


def restore(df: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise` on a frame read back from such a CSV."""
    out = df.copy()
    for col in _text_columns(df):
        text = df[col].astype("string")
        marked = text.str.contains(r"^'+[=+\-@\t\r]", regex=True, na=False)
        if marked.any():
            out[col] = df[col].where(~marked.to_numpy(), text.str.slice(1).astype(object))
    return out


def to_csv_text(df: pd.DataFrame, **options: object) -> str:
    """``neutralise(df).to_csv(**options)`` as text (``index=False`` unless given)."""
    options.setdefault("index", False)
    return str(neutralise(df).to_csv(**options))  # type: ignore[call-overload]
