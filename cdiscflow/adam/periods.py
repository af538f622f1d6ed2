"""Periods, phases and subperiods (ADaM IG §3.2.7), with admiral's ``create_period_dataset`` and
``derive_vars_period``.

ADSL holds them wide — ``APxxSDT``/``APxxEDT`` per period xx (01, 02 …), ``PHwSDT`` per phase w (1, 2 …),
``PxxSwSDT`` per subperiod w of period xx — and a period reference dataset holds them long, one record per
subject and ``APERIOD`` (``APHASEN``; ``APERIOD`` + ``ASPER``). Names with the lowercase placeholders ``xx`` and
``w`` say which: all names given in one call must be of one kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from cdiscflow.adam._util import require
from cdiscflow.errors import DerivationError

_NUMBERS = {"subperiod": ["APERIOD", "ASPER"], "period": ["APERIOD"], "phase": ["APHASEN"]}


def _kind(patterns: Sequence[str]) -> str:
    kinds = {"subperiod" if "xx" in p and "w" in p else "period" if "xx" in p else "phase" if "w" in p else "none"
             for p in patterns}
    if "none" in kinds or len(kinds) != 1:
        raise DerivationError(f"period variable names {', '.join(patterns)}", variable=", ".join(patterns),
                              expected="names of one kind with the xx or w fragment, e.g. APxxSDT, PHwSDT, PxxSwSDT")
    return kinds.pop()


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(pattern).replace("xx", r"(\d\d)").replace("w", r"(\d)") + "$")


def _name(pattern: str, numbers: Sequence[int]) -> str:
    """``APxxSDT`` with (2,) → ``AP02SDT``; ``PxxSwSDT`` with (1, 2) → ``P01S2SDT``."""
    return str(_names(pattern, [pd.Series([n]) for n in numbers]).iloc[0])


def _names(pattern: str, numbers: Sequence[pd.Series]) -> pd.Series:
    """Vectorised :func:`_name`: one variable name per row of the number columns."""
    numbers = list(numbers)
    out = pd.Series("", index=numbers[0].index, dtype=object)
    for token in re.split(r"(xx|w)", pattern):
        if token == "xx":
            out = out + numbers.pop(0).astype(int).astype(str).str.zfill(2)
        elif token == "w":
            out = out + numbers.pop(0).astype(int).astype(str)
        else:
            out = out + token
    return out


def create_period_dataset(df: pd.DataFrame, new_vars: Mapping[str, str],
                          subject_keys: Sequence[str] = ("STUDYID", "USUBJID")) -> pd.DataFrame:
    """A period reference dataset from ADSL's wide period variables (``{"APERSDT": "APxxSDT", ...}``).

    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2"], "AP01SDT": [1.0, 2.0], "AP02SDT": [10.0, None]})
    >>> create_period_dataset(adsl, {"APERSDT": "APxxSDT"}).values.tolist()
    [['S', '1', 1, 1.0], ['S', '1', 2, 10.0], ['S', '2', 1, 2.0]]
    """
    kind = _kind(list(new_vars.values()))
    numbers = _NUMBERS[kind]
    keys = list(subject_keys)
    require(df, keys, "create_period_dataset")
    result: pd.DataFrame | None = None
    for new, pattern in new_vars.items():
        regex = _regex(pattern)
        found = {c: regex.match(c) for c in df.columns}
        found = {c: m for c, m in found.items() if m}
        if not found:
            raise DerivationError(f"no variables of the form {pattern} in the dataset", variable=pattern,
                                  expected=f"e.g. {_name(pattern, [1, 1])}")
        long = df[keys + list(found)].melt(id_vars=keys, var_name="__col__", value_name=new)
        for i, number in enumerate(numbers):
            long[number] = long["__col__"].map({c: int(m.group(i + 1)) for c, m in found.items()})
        long = long.drop(columns="__col__")
        long = long[long[new].notna() & long[new].astype(str).ne("")]
        result = long if result is None else result.merge(long, on=[*keys, *numbers], how="left")
    assert result is not None
    return result.sort_values([*keys, *numbers], kind="mergesort").reset_index(drop=True)[
        [*keys, *numbers, *new_vars]]


def derive_vars_period(df: pd.DataFrame, ref: pd.DataFrame, new_vars: Mapping[str, str],
                       subject_keys: Sequence[str] = ("STUDYID", "USUBJID")) -> pd.DataFrame:
    """ADSL's wide period variables from a period reference dataset (``{"APxxSDT": "APERSDT", ...}``).

    >>> ref = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1"], "APERIOD": [1, 2], "APERSDT": [1.0, 10.0]})
    >>> derive_vars_period(pd.DataFrame({"STUDYID": "S", "USUBJID": ["1"]}), ref, {"APxxSDT": "APERSDT"}).values.tolist()
    [['S', '1', 1.0, 10.0]]
    """
    kind = _kind(list(new_vars))
    numbers = _NUMBERS[kind]
    keys = list(subject_keys)
    require(ref, [*keys, *numbers, *new_vars.values()], "derive_vars_period (period reference dataset)")
    require(df, keys, "derive_vars_period")
    if ref.duplicated([*keys, *numbers]).any():
        raise DerivationError("the period reference dataset has several records per subject and period",
                              variable=", ".join(numbers), expected=f"one record per {', '.join([*keys, *numbers])}")
    wide = ref[keys].drop_duplicates()
    for pattern, source in new_vars.items():
        part = ref[[*keys, *numbers, source]].copy()
        part["__name__"] = _names(pattern, [part[n] for n in numbers])
        pivot = part.pivot(index=keys, columns="__name__", values=source).reset_index()
        pivot.columns.name = None
        wide = wide.merge(pivot, on=keys, how="left")
    added = sorted(c for c in wide.columns if c not in keys)
    clash = [c for c in added if c in df.columns]
    if clash:
        raise DerivationError(f"period variable(s) {', '.join(clash)} already in the dataset", variable=clash[0],
                              expected="new variables")
    return df.merge(wide[[*keys, *added]], on=keys, how="left")
