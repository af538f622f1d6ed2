"""Make a DataFrame look exactly as its spec says: variable order, types and missing values.

The in-memory convention every stage and writer relies on:

* **Char** variables are ``object`` dtype holding Python ``str`` only, with ``""`` for missing. Object dtype
  (not pandas' ``str`` dtype) is chosen on purpose: pyreadstat writes it as-is, its values are plain Python
  strings in every pandas version, and ``""`` is never turned into ``NaN``.
* **Num** variables are ``float64`` with ``NaN`` for missing (as SAS stores them). Datetime columns are turned
  into SAS numbers when the spec's format says so: days since 1960-01-01 for ``DATE``/``YYMMDD``-style formats,
  seconds since 1960-01-01 for ``DATETIME``, seconds since midnight for ``TIME``.
* Text that is not a number in a Num variable is a :class:`DataError` naming the first row (1-based) and
  variable — never silently turned into a missing value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.errors import DataError
from cdiscflow.specs.model import Dataset, Variable

SAS_EPOCH = pd.Timestamp("1960-01-01")


def format_kind(fmt: str | None) -> str | None:
    """``"date"``, ``"datetime"`` or ``"time"`` for a SAS date/time display format, else ``None``."""
    if not fmt:
        return None
    head = fmt.upper().rstrip("0123456789.")
    if head.startswith(("DATETIME", "E8601DT", "IS8601DT")):
        return "datetime"
    if head.startswith(("TIME", "TOD", "E8601TM", "HHMM")):
        return "time"
    if head.startswith(("DATE", "YYMMDD", "MMDDYY", "DDMMYY", "E8601DA", "IS8601DA", "MONYY", "YYMON")):
        return "date"
    return None


def numbers_to_text(values: pd.Series) -> pd.Series:
    """Numbers as text the way a person writes them: ``1.0`` → ``"1"``, ``2.5`` → ``"2.5"``, NaN → ``""``."""
    num = pd.to_numeric(values, errors="coerce").astype("float64")
    # each distinct number formatted once (NaN: code -1 → ""); + 0.0 writes a negative zero as "0"
    codes, distinct = pd.factorize(num.to_numpy() + 0.0)
    text = np.array([f"{v:.15g}" for v in distinct] + [""], dtype=object)
    return pd.Series(text[codes], index=values.index, dtype=object)


def as_char(values: pd.Series) -> pd.Series:
    """Object-dtype ``str`` values with ``""`` for missing (returned as they are when they already are)."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty"):
        return values
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype(object)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return numbers_to_text(values)
    out = values.astype(object).where(values.notna(), "")
    if isinstance(values.dtype, pd.StringDtype) or pd.api.types.infer_dtype(out, skipna=False) == "string":
        return out  # every value is a str
    # Values that are not str (numbers in an object column, dates): their text form.
    not_str = ~out.map(type).eq(str)
    if not_str.any():
        out = out.copy()
        fix = out[not_str]
        nums = pd.to_numeric(fix, errors="coerce")
        fix_text = fix.astype(str).where(nums.isna(), numbers_to_text(nums))
        out[not_str] = fix_text
    return out


def as_num(values: pd.Series, var: Variable, dataset: str) -> pd.Series:
    """float64, converting dates/datetimes/times to SAS numbers per the variable's format."""
    dtype = values.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        kind = format_kind(var.format)
        if kind not in ("date", "datetime"):
            raise DataError(f"dataset {dataset}: datetime values in a Num variable without a date format",
                            variable=var.name, expected="format DATE9., DATETIME20. or a Char ISO 8601 variable")
        naive = values.dt.tz_convert(None) if values.dt.tz is not None else values
        seconds = (naive - SAS_EPOCH) / pd.Timedelta(seconds=1)
        return (np.floor(seconds / 86400) if kind == "date" else seconds).astype("float64")
    if pd.api.types.is_timedelta64_dtype(dtype):
        return (values / pd.Timedelta(seconds=1)).astype("float64")
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return values.astype("float64")
    text = values.astype(object).where(values.notna(), "")
    text = text.astype(str).str.strip()
    num = pd.to_numeric(text.where(text != "", np.nan), errors="coerce")
    bad = num.isna() & (text != "")
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"dataset {dataset}: value {text.iloc[pos]!r} is not a number", row=pos + 1,
                        variable=var.name, expected="a number (Num variable)")
    return num.astype("float64")


def conform(df: pd.DataFrame, spec: Dataset, *, strict: bool = False, drop_extra: bool = False) -> pd.DataFrame:
    """Columns in spec order with spec types (see the module docstring for the convention).

    A spec variable absent from ``df`` is added empty (``""`` / NaN), or is a :class:`DataError` when
    ``strict``. Columns the spec does not list are a :class:`DataError` naming them, unless ``drop_extra``.
    The index is kept.
    """
    missing = [n for n in spec.names if n not in df.columns]
    if missing and strict:
        raise DataError(f"dataset {spec.name}: variable(s) {', '.join(missing)} missing", file=spec.file,
                        variable=missing[0], expected=f"every spec variable of {spec.name}")
    extra = [str(c) for c in df.columns if c not in set(spec.names)]
    if extra and not drop_extra:
        raise DataError(f"dataset {spec.name}: column(s) {', '.join(extra)} not in the spec", file=spec.file,
                        variable=extra[0], expected=f"only variables of {spec.name}: {', '.join(spec.names)}")
    if df.columns.duplicated().any():
        dups = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise DataError(f"dataset {spec.name}: column(s) {', '.join(dups)} appear twice", variable=dups[0],
                        expected="unique column names")
    out: dict[str, pd.Series] = {}
    for var in spec.variables:
        if var.name in df.columns:
            col = df[var.name]
            out[var.name] = as_char(col) if var.is_char else as_num(col, var, spec.name)
        elif var.is_char:
            out[var.name] = pd.Series("", index=df.index, dtype=object)
        else:
            out[var.name] = pd.Series(np.nan, index=df.index, dtype="float64")
    return pd.DataFrame(out, index=df.index, columns=spec.names, copy=False)  # copy-on-write keeps df safe


def spec_from_frame(df: pd.DataFrame, name: str, label: str = "") -> Dataset:
    """A minimal spec describing ``df`` as it is: numeric/bool/datetime columns Num, the rest Char with
    their longest value (in UTF-8 bytes, at least 1) as length."""
    variables = []
    for col in df.columns:
        s = df[col]
        if (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
                or pd.api.types.is_timedelta64_dtype(s.dtype)):
            variables.append(Variable(name=str(col), label=str(col), type="Num"))
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            variables.append(Variable(name=str(col), label=str(col), type="Num", format="DATETIME20."))
        else:
            text = as_char(s)
            longest = int(text.str.encode("utf-8").str.len().max()) if len(text) else 0
            variables.append(Variable(name=str(col), label=str(col), type="Char", length=max(longest, 1)))
    return Dataset(name=name, label=label or name, variables=variables)
