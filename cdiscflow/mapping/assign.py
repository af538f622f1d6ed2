"""``assign``, ``template`` and ``hardcode``: copy a raw value (with type conversion), build text from raw
columns, or set a constant."""

from __future__ import annotations

import string
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.mapping.context import MapContext, by_unique, column
from cdiscflow.specregex import compile_pattern
from cdiscflow.specregex import extract as extract_groups
from cdiscflow.specs.model import Variable

CASES = {"upper": "upper", "lower": "lower", "title": "title"}


def source_of(arg: Any, key: str = "from") -> tuple[str, dict[str, Any]]:
    """``COL`` or ``{from: COL, ...}`` → (column, options)."""
    if isinstance(arg, str):
        return arg, {}
    if isinstance(arg, dict) and isinstance(arg.get(key), str):
        return arg[key], arg
    raise SpecError(f"map entry {arg!r} names no raw column", expected=f"COLUMN or {{{key}: COLUMN, ...}}")


def recase(values: pd.Series, opts: dict[str, Any]) -> pd.Series:
    case = opts.get("case")
    if case is None:
        return values
    if case not in CASES:
        raise SpecError(f"case: {case!r}", expected="upper, lower or title")
    return getattr(values.str, CASES[case])()


def to_number(values: pd.Series, work: pd.DataFrame, ctx: MapContext, var: Variable,
              entry: dict[str, Any] | None) -> pd.Series:
    """Text → float; text that is not a number is rejected or an error (policy ``on_invalid``)."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64")
    text, num = by_unique(values, _parse_numbers)
    bad = num.isna() & (text != "")
    ctx.bad_values(work, bad, var.name, text, "not a number:", ctx.policy(entry, "on_invalid"),
                   expected="a number (Num variable)")
    return num.astype("float64")


def _parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(stripped text, float or NaN)."""
    text = values.astype(str).str.strip()
    return text, pd.to_numeric(text.where(text != "", np.nan), errors="coerce")


def extract(values: pd.Series, opts: dict[str, Any], var: Variable, file: str | None = None) -> pd.Series:
    """``pattern: REGEX`` (RE2, :mod:`cdiscflow.specregex`) keeps the first group (``^(\\d+)-`` on ``701-1015``
    → ``701``); no match → blank."""
    pattern = opts.get("pattern")
    if pattern is None:
        return values
    regex = compile_pattern(pattern, file=file, variable=var.name)
    if regex.groups < 1:
        raise SpecError(f"{var.name}: pattern {pattern!r} has no group", file=file, variable=var.name,
                        expected="a regular expression with one group, e.g. ^(\\d+)-")
    return extract_groups(values, regex).iloc[:, 0].fillna("").astype(object)


def assign(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """Copy a raw column (``case: upper`` re-cases text, ``pattern:`` keeps a regex group); into a Num
    variable the text must be a number."""
    col, opts = source_of(arg)
    values = recase(extract(column(work, col, ctx, var.name), opts, var, ctx.spec.file if ctx.spec else None), opts)
    if not var.is_char:
        return to_number(values, work, ctx, var, opts)
    return values


def template(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """Text built from raw columns, e.g. ``"01-{PATNUM}"``; blank when every named column is blank."""
    text = arg if isinstance(arg, str) else (arg or {}).get("text")
    if not isinstance(text, str):
        raise SpecError(f"template {arg!r}", variable=var.name, expected='a text such as "01-{PATNUM}"')
    out = pd.Series("", index=work.index, dtype=object)
    present = pd.Series(False, index=work.index)
    for literal, field, _spec, _conv in string.Formatter().parse(text):
        out = out + literal
        if field:
            val = column(work, field, ctx, var.name).astype(str)
            present |= val != ""
            out = out + val
    return out.where(present, "")


def hardcode(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """A constant on every record."""
    if var.is_char:
        return pd.Series("" if arg is None else str(arg), index=work.index, dtype=object)
    try:
        value = np.nan if arg is None else float(arg)
    except (TypeError, ValueError):
        raise SpecError(f"hardcode {arg!r} into Num variable", variable=var.name, expected="a number") from None
    return pd.Series(value, index=work.index, dtype="float64")
