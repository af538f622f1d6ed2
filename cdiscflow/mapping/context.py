"""The state one mapping call works in: raw extracts, codelists, SDTM mapped so far, the rejection log."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from cdiscflow.errors import MappingError, SpecError
from cdiscflow.expr import evaluate, parse
from cdiscflow.registry import lookup
from cdiscflow.specs.model import Codelist, Dataset

ROW = "__row__"
SRC = "__src__"
REJECTION_COLUMNS = ["extract", "row", "dataset", "variable", "value", "reason"]
POLICIES = ("error", "reject")
ROW_SUBSETS = 2  # condition subsets kept for reuse (a case and its complement)
Result = TypeVar("Result", pd.Series, pd.DataFrame, tuple)


def expr_name(column: str) -> str:
    """The name a raw column has in conditions: non-identifier characters become ``_`` (``IT.AESEV`` →
    ``IT_AESEV``)."""
    name = re.sub(r"\W", "_", str(column))
    return f"_{name}" if name[:1].isdigit() else name


@dataclass
class MapContext:
    """Everything an algorithm may read; algorithms never touch files.

    ``raw``: extract name → text DataFrame (``""`` for missing) with ``__row__`` (1-based raw row).
    ``sdtm``: SDTM datasets mapped so far (upper-case names), e.g. DM for RFSTDTC, TV for visits.
    """

    raw: dict[str, pd.DataFrame]
    codelists: dict[str, Codelist] = field(default_factory=dict)
    sdtm: dict[str, pd.DataFrame] = field(default_factory=dict)
    studyid: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)     # study.yaml (study-level metadata)
    spec: Dataset | None = None
    extract: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    functions: Callable[..., Callable[..., Any]] = lookup  # the study's registry (Study.lookup)
    rejected: list[pd.DataFrame] = field(default_factory=list)
    lookups: dict[str, str] = field(default_factory=dict)  # extract read → the reader's subject column
    _rows_of: pd.DataFrame | None = field(default=None, repr=False)
    _rows: dict[bytes, pd.DataFrame] = field(default_factory=dict, repr=False)

    def rows(self, work: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
        """``work[mask]``, shared by consecutive conditions selecting the same rows of the same frame (LB's
        ``__src__ == 'csf_biomarkers'`` / ``otherwise`` in ten variables copy the rows once). The last
        ``ROW_SUBSETS`` subsets are kept; ``forget_rows()`` frees them."""
        if self._rows_of is not work:
            self._rows_of, self._rows = work, {}
        key = np.packbits(mask.to_numpy(dtype=bool)).tobytes()
        if key not in self._rows:
            self._rows[key] = work[mask]
            while len(self._rows) > ROW_SUBSETS:
                del self._rows[next(iter(self._rows))]
        return self._rows[key]

    def forget_rows(self) -> None:
        self._rows_of, self._rows = None, {}

    # -- policy ------------------------------------------------------------------------------------------
    def policy(self, entry: dict[str, Any] | None, key: str = "on_unknown") -> str:
        """The policy for a bad value: the map entry's, else the dataset setting, else ``error``."""
        value = (entry or {}).get(key) if isinstance(entry, dict) else None
        if value is None and self.spec is not None:
            value = self.spec.settings.get(key)
        value = value or "error"
        if value not in POLICIES:
            raise SpecError(f"{key}: {value!r}", file=self.spec.file if self.spec else None,
                            expected="reject or error")
        return value

    def file_of(self, extract: str | None = None) -> str:
        name = extract or self.extract or "?"
        return self.files.get(name, name)

    def bad_values(self, work: pd.DataFrame, mask: pd.Series, variable: str, values: pd.Series, reason: str,
                   policy: str, expected: str | None = None) -> None:
        """Handle rows whose value is unusable: raise (policy ``error``) or log them as rejected."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = work.loc[mask, ROW]
        extracts = work.loc[mask, SRC] if SRC in work.columns else pd.Series(self.extract, index=rows.index)
        vals = values[mask].astype(str)
        if policy == "error":
            first = rows.index[0]
            raise MappingError(f"dataset {self.spec.name if self.spec else '?'}: {reason} {vals[first]!r}"
                               f"{f' (and {int(mask.sum()) - 1} more)' if mask.sum() > 1 else ''}",
                               file=self.file_of(extracts[first]), row=int(rows[first]), variable=variable,
                               expected=expected)
        self.rejected.append(pd.DataFrame({
            "extract": extracts.astype(str).to_numpy(), "row": rows.astype("int64").to_numpy(),
            "dataset": self.spec.name if self.spec else "", "variable": variable,
            "value": vals.to_numpy(), "reason": reason}))

    def rejected_rows(self) -> pd.DataFrame:
        if not self.rejected:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else object) for c in REJECTION_COLUMNS})
        return pd.concat(self.rejected, ignore_index=True)[REJECTION_COLUMNS]

    # -- lookups -------------------------------------------------------------------------------------------
    def codelist(self, ref: str, variable: str | None = None) -> Codelist:
        if ref not in self.codelists:
            raise SpecError(f"codelist {ref!r} is not in the study codelists", variable=variable,
                            file=self.spec.file if self.spec else None,
                            expected=f"one of {', '.join(sorted(self.codelists)) or '(none)'}")
        return self.codelists[ref]

    def extract_frame(self, name: str, variable: str | None = None) -> pd.DataFrame:
        if name not in self.raw:
            raise MappingError(f"raw extract {name!r} is not available", variable=variable,
                               file=self.spec.file if self.spec else None,
                               expected=f"one of {', '.join(sorted(self.raw)) or '(none)'}")
        subject = self.spec.settings.get("subject", "SUBJID") if self.spec else "SUBJID"
        self.lookups.setdefault(name, subject if isinstance(subject, str) else "SUBJID")
        return self.raw[name]

    def domain(self, name: str, variable: str | None = None) -> pd.DataFrame:
        if name not in self.sdtm:
            raise MappingError(f"SDTM dataset {name} is needed but has not been mapped", variable=variable,
                               file=self.spec.file if self.spec else None,
                               expected=f"{name} mapped before {self.spec.name if self.spec else 'this dataset'}")
        return self.sdtm[name]


def column(work: pd.DataFrame, name: str, ctx: MapContext, variable: str) -> pd.Series:
    """A raw (or already mapped) column as stripped text; a missing column is a MappingError naming the file."""
    if name in work.columns:
        col = work[name]
    else:
        alias = {expr_name(c): c for c in work.columns}
        if name not in alias:
            raise MappingError(f"raw column {name!r} is missing", file=ctx.file_of(), variable=variable,
                               expected=f"a column of {ctx.extract}: "
                                        f"{', '.join(c for c in work.columns if not c.startswith('__'))}")
        col = work[alias[name]]
    if pd.api.types.is_numeric_dtype(col.dtype):
        return col
    return by_unique(col, _stripped_text)


def text_column(work: pd.DataFrame, name: str, ctx: MapContext, variable: str) -> pd.Series:
    """:func:`column` as object-dtype text (numbers too, as ``str`` writes them)."""
    col = column(work, name, ctx, variable)
    return col.astype(str).astype(object) if pd.api.types.is_numeric_dtype(col.dtype) else col


def _stripped_text(values: pd.Series) -> pd.Series:
    """Object-dtype stripped ``str`` values, ``""`` for missing."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip().astype(object)


def by_unique(values: pd.Series | pd.DataFrame, fn: Callable[[Any], Result]) -> Result:
    """``fn(values)`` computed on the distinct values (or distinct rows of a frame) only and spread back.

    ``fn`` must be element-wise (each output row depends on its own input row only) and return a Series, a
    DataFrame or a tuple of them, positionally aligned with its input. Raw columns repeat few distinct values
    (dates, visits, units, codes), so parsing, look-ups, regular expressions and conditions cost per distinct
    value instead of per record. The result is indexed like ``values``.
    """
    codes = distinct_codes(values)
    first = np.unique(codes, return_index=True)[1]
    got = fn(values.iloc[first].reset_index(drop=True))

    def spread(part: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
        return part.take(codes).set_axis(values.index)

    return tuple(spread(p) for p in got) if isinstance(got, tuple) else spread(got)


def distinct_codes(values: pd.Series | pd.DataFrame) -> np.ndarray:
    """0, 1, ... per distinct value (or distinct row), in order of first appearance; missing is a value."""
    if isinstance(values, pd.Series):
        return pd.factorize(values, use_na_sentinel=False)[0]
    codes = np.zeros(len(values), dtype=np.int64)
    for name in values.columns:
        col, uniques = pd.factorize(values[name], use_na_sentinel=False)
        codes = pd.factorize(codes * max(len(uniques), 1) + col)[0]
    return codes


def evaluate_distinct(text: str, frame: pd.DataFrame) -> pd.Series:
    """:func:`cdiscflow.expr.evaluate` once per distinct combination of the columns the condition names."""
    names = sorted(parse(text).names)
    if not names or not all(n in frame.columns for n in names):
        return evaluate(text, frame)  # no columns, or the error naming the missing one
    return by_unique(frame[names], lambda rows: evaluate(text, rows))


def expr_frame(work: pd.DataFrame, extra: pd.DataFrame | None = None, names: set[str] | None = None
               ) -> pd.DataFrame:
    """The frame a condition sees: raw columns under their expression names, plus mapped SDTM variables.
    With ``names`` (the names conditions use) only those columns when all of them exist."""
    frame = work.rename(columns={c: expr_name(c) for c in work.columns})
    if extra is not None:
        frame = frame.drop(columns=[c for c in extra.columns if c in frame.columns])
    if names is not None and all(n in frame.columns or extra is not None and n in extra.columns for n in names):
        frame = frame[[c for c in frame.columns if c in names]]
        extra = None if extra is None else extra[[c for c in extra.columns if c in names]]
    return frame if extra is None else pd.concat([frame, extra], axis=1)
