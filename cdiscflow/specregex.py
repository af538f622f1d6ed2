"""Regular expressions written in specs run on RE2 (google-re2), whose matching time is linear in the text.

A spec's ``pattern:`` (``assign: {pattern: ...}``, ``visit: {unscheduled: {pattern: ...}}``) is compiled by
:func:`compile_pattern`: longer than :data:`MAX_PATTERN` characters, or using what RE2 cannot run in linear
time (backreferences ``\\1``, look-around ``(?=...)``, possessive or atomic groups), it is a :class:`SpecError`
naming the spec file and variable. Matching is vectorised over the distinct values of a column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import re2

from cdiscflow.errors import SpecError

MAX_PATTERN = 1000
MAX_MEMORY = 8 << 20  # RE2's budget for one compiled program


def compile_pattern(pattern: object, *, file: str | None, variable: str | None, field: str = "pattern"
                    ) -> re2._Regexp:
    """Compile a spec regex with RE2 or refuse it with an error naming ``file`` and ``variable``."""
    expected = "an RE2 regular expression (no backreferences or look-around)"
    if not isinstance(pattern, str) or not pattern:
        raise SpecError(f"{field} {pattern!r} is not a regular expression", file=file, variable=variable,
                        expected=expected)
    if len(pattern) > MAX_PATTERN:
        raise SpecError(f"{field} is {len(pattern)} characters long", file=file, variable=variable,
                        expected=f"at most {MAX_PATTERN} characters")
    options = re2.Options()
    options.max_mem = MAX_MEMORY
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        why = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise SpecError(f"{field} {pattern[:200]!r} cannot run in linear time: {why}", file=file, variable=variable,
                        expected=expected) from None


def extract(values: pd.Series, regex: re2._Regexp) -> pd.DataFrame:
    """Like ``Series.str.extract``: one column per group (named groups by name), NaN where no match."""
    names = {i: n for n, i in regex.groupindex.items()}
    columns = [names.get(i, i - 1) for i in range(1, regex.groups + 1)]
    uniques, codes = _uniques(values)
    rows = []
    for text in uniques:
        m = regex.search(text) if isinstance(text, str) else None
        rows.append([np.nan] * len(columns) if m is None else
                    [np.nan if g is None else g for g in m.groups()])
    table = pd.DataFrame(rows, columns=columns, dtype=object) if rows else pd.DataFrame(columns=columns, dtype=object)
    return table.take(codes).set_axis(values.index)


def matches(values: pd.Series, regex: re2._Regexp) -> pd.Series:
    """Like ``Series.str.match`` (anchored at the start), False for missing values."""
    uniques, codes = _uniques(values)
    hit = np.array([isinstance(t, str) and regex.match(t) is not None for t in uniques], dtype=bool)
    return pd.Series(hit[codes] if len(codes) else np.zeros(0, dtype=bool), index=values.index)


def _uniques(values: pd.Series) -> tuple[list[object], np.ndarray]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return list(uniques), codes
