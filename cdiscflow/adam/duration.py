"""Durations and counts (ADaM: ADURN/ADURU, TRTDURD, AGE at a date, disease duration in months …).

Rule (admiral ``derive_vars_duration``/``compute_duration``): duration = end − start (+ 1 when ``add_one``,
the ADaM convention for day counts of inclusive periods), in days, then converted: weeks = days / 7,
months = days / (365.25 / 12), years = days / 365.25. Negative durations are kept (they signal data
issues rather than being hidden); ``digits`` rounds (half away from zero, as SAS ``ROUND``) and ``floor``
truncates (age in completed years).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, char, condition, require
from cdiscflow.errors import DerivationError

_DAYS_PER = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}


def sas_round(values: pd.Series, digits: int) -> pd.Series:
    """Round half away from zero (SAS ``ROUND``), not to even."""
    scale = 10.0 ** digits
    scaled = values * scale
    return np.sign(scaled) * np.floor(np.abs(scaled) + 0.5 + 1e-9) / scale


def derive_var_duration(df: pd.DataFrame, new_var: str, start: str, end: str, *, unit: str = "days",
                        add_one: bool = True, digits: int | None = None, floor: bool = False,
                        unit_var: str | None = None, unit_text: str | None = None) -> pd.DataFrame:
    """``new_var`` = duration from ``start`` to ``end`` (SAS dates) in ``unit``; see module docstring.

    ``unit_var``/``unit_text`` add a unit column (e.g. ``ADURU = "DAY"``) where the duration is present.
    """
    if unit not in _DAYS_PER:
        raise DerivationError(f"duration unit {unit!r}", variable=new_var, expected=", ".join(_DAYS_PER))
    require(df, [start, end], f"derive_var_duration({new_var})")
    days = df[end] - df[start] + (1 if add_one else 0)
    value = days / _DAYS_PER[unit]
    if floor:
        value = np.floor(value + 1e-9)
    elif digits is not None:
        value = sas_round(value, digits)
    out = df.assign(**{new_var: value.astype("float64")})
    if unit_var:
        out[unit_var] = char(np.where(value.notna(), unit_text or unit.upper(), ""), df.index)
    return out


def derive_var_count(df: pd.DataFrame, by: str | list[str], new_var: str, *, filter: str | None = None) -> pd.DataFrame:
    """``new_var`` = number of records per ``by`` group meeting ``filter`` (0 when none), on every record."""
    by = as_list(by)
    require(df, by, f"derive_var_count({new_var})")
    hit = condition(df, filter).astype("float64")
    return df.assign(**{new_var: hit.groupby([df[b] for b in by], sort=False).transform("sum")})
