"""Small helpers shared by the derivation modules (argument normalisation, conditions, flag columns)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cdiscflow.errors import DerivationError
from cdiscflow.expr import evaluate


def as_list(value: str | Iterable[str] | None) -> list[str]:
    """``"USUBJID"`` → ``["USUBJID"]``; ``None`` → ``[]``; lists are copied."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def condition(df: pd.DataFrame, text: str | None) -> pd.Series:
    """Boolean Series for a spec condition (safe expression language); ``None`` selects every row."""
    if text is None:
        return pd.Series(True, index=df.index)
    return evaluate(text, df).fillna(False).astype(bool)


def require(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise a :class:`DerivationError` naming the missing columns."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DerivationError(f"{what}: column(s) {', '.join(missing)} missing from the input",
                              variable=missing[0], expected=f"columns {', '.join(missing)}")


def char(values: np.ndarray | Sequence[str] | pd.Series, index: pd.Index) -> pd.Series:
    """A text column ("" for missing) aligned with ``index``."""
    out = pd.Series(values, index=index, dtype=object)
    return out.where(out.notna(), "").astype("str")


def flag(mask: pd.Series | np.ndarray, index: pd.Index, true_value: str = "Y", false_value: str = "") -> pd.Series:
    """A Y/blank (or Y/N) flag column from a boolean mask."""
    return char(np.where(np.asarray(mask, dtype=bool), true_value, false_value), index)


def sort_keys(order: Sequence[str]) -> tuple[list[str], list[bool]]:
    """``["ASTDT", "-AVAL"]`` → columns and ascending flags (a leading ``-`` sorts descending)."""
    cols = [o.lstrip("-") for o in order]
    asc = [not o.startswith("-") for o in order]
    return cols, asc


def _blank_as_missing(values: pd.Series) -> pd.Series:
    """A sort key: empty text (cdiscflow's missing text) as NaN, so that it sorts last like any missing value."""
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        return values.mask(values.astype("string").str.strip().eq("").fillna(False).astype(bool))
    return values


def ordered(df: pd.DataFrame, by: Sequence[str], order: Sequence[str]) -> pd.DataFrame:
    """``df`` stably sorted by ``by`` then ``order``; missing values, empty text included, sort last (admiral:
    R's ``NA`` sorts last)."""
    cols, asc = sort_keys(order)
    return df.sort_values(list(by) + cols, ascending=[True] * len(by) + asc, kind="mergesort", na_position="last",
                          key=_blank_as_missing)


def extreme_records(df: pd.DataFrame, by: Sequence[str], order: Sequence[str], mode: str) -> pd.DataFrame:
    """The first or last (``mode``) record per ``by`` group of ``df`` in :func:`ordered` order, as
    ``ordered(df, by, order).drop_duplicates(by, keep=mode)`` but sorting only the key columns (a wide frame is
    taken once, for the chosen records).

    >>> df = pd.DataFrame({"USUBJID": ["1", "1", "2"], "ADT": [2.0, 1.0, 5.0], "X": ["a", "b", "c"]})
    >>> extreme_records(df, ["USUBJID"], ["ADT"], "last")["X"].tolist()
    ['a', 'c']
    """
    keys = df[list(dict.fromkeys([*by, *sort_keys(order)[0]]))].reset_index(drop=True)
    positions = ordered(keys, by, order).drop_duplicates(list(by), keep=mode).index.to_numpy()
    return df.iloc[positions]


def duplicated_keys(df: pd.DataFrame, keys: Sequence[str], what: str) -> None:
    """Raise a :class:`DerivationError` naming the first duplicated key values and rows."""
    dup = df.duplicated(list(keys), keep=False)
    if dup.any():
        rows = df.index[dup][:5].tolist()
        first = df.loc[dup, list(keys)].iloc[0].to_dict()
        raise DerivationError(f"{what}: more than one record for {first}", row=", ".join(map(str, rows)),
                              variable=", ".join(keys), expected=f"one record per {', '.join(keys)}")
