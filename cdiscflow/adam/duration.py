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
from cdiscflow.adam.compute import compute_age_years
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


#: admiral's unit spellings → the unit's length in seconds (lubridate durations) and its canonical name
_UNITS = {**{u: "years" for u in ("year", "years", "yr", "yrs", "y")},
          **{u: "months" for u in ("month", "months", "mo", "mos")},
          **{u: "weeks" for u in ("week", "weeks", "wk", "wks", "w")},
          **{u: "days" for u in ("day", "days", "d")},
          **{u: "hours" for u in ("hour", "hours", "hr", "hrs", "h")},
          **{u: "minutes" for u in ("minute", "minutes", "min", "mins")},
          **{u: "seconds" for u in ("second", "seconds", "sec", "secs", "s")}}
_SECONDS = {"years": 31_557_600.0, "months": 2_629_800.0, "weeks": 604_800.0, "days": 86_400.0,
            "hours": 3_600.0, "minutes": 60.0, "seconds": 1.0}


def _unit(name: str, what: str) -> str:
    unit = _UNITS.get(str(name).lower())
    if unit is None:
        raise DerivationError(f"{what} {name!r}", variable=what, expected="a time unit such as days, months, years")
    return unit


def _completed_calendar(start: pd.Series, end: pd.Series, unit: str) -> pd.Series:
    """Whole calendar years/months from SAS date ``start`` to ``end`` (lubridate intervals, truncated)."""
    s = pd.to_datetime(start, unit="D", origin="1960-01-01")
    e = pd.to_datetime(end, unit="D", origin="1960-01-01")
    months = (e.dt.year - s.dt.year) * 12 + (e.dt.month - s.dt.month)
    forward = months - ((e.dt.day < s.dt.day) & (months > 0)).astype(int)
    backward = months + ((e.dt.day > s.dt.day) & (months < 0)).astype(int)
    whole = forward.where(months >= 0, backward).astype("float64")
    return np.trunc(whole / 12.0) if unit == "years" else whole


def compute_duration(start_date: pd.Series, end_date: pd.Series, *, in_unit: str = "days", out_unit: str = "days",
                     floor_in: bool = True, add_one: bool = True, trunc_out: bool = False,
                     type: str = "duration") -> pd.Series:
    """Duration from ``start_date`` to ``end_date`` (admiral ``compute_duration``).

    Dates are SAS day numbers (``in_unit`` days) or SAS datetimes in seconds (``in_unit`` hours/minutes/
    seconds). ``floor_in`` drops precision below ``in_unit``; ``add_one`` adds one ``in_unit`` to non-negative
    durations; ``trunc_out`` drops the fraction. ``type="duration"`` uses fixed lengths (a year is 365.25 days,
    a month a twelfth of that); ``type="interval"`` counts calendar years/months (with ``trunc_out``, e.g.
    age in completed years).

    >>> compute_duration(pd.Series([0.0]), pd.Series([9.0])).tolist()
    [10.0]
    >>> compute_duration(pd.Series([0.0]), pd.Series([365.0]), out_unit="years", add_one=False,
    ...                  trunc_out=True, type="interval").tolist()
    [0.0]
    """
    unit_in, unit_out = _unit(in_unit, "in_unit"), _unit(out_unit, "out_unit")
    if type not in ("duration", "interval"):
        raise DerivationError(f"type {type!r}", variable="type", expected="duration or interval")
    if unit_in in ("years", "months", "weeks"):
        raise DerivationError(f"in_unit {in_unit!r}", variable="in_unit", expected="days, hours, minutes or seconds")
    scale = 1.0 if unit_in == "days" else _SECONDS[unit_in]  # input seconds per number, or 1 for day numbers
    start, end = start_date.astype("float64"), end_date.astype("float64")
    if floor_in:
        start, end = np.floor(start), np.floor(end)
        if unit_in not in ("days", "seconds"):
            start, end = np.floor(start / scale) * scale, np.floor(end / scale) * scale
    if type == "interval" and unit_out in ("years", "months"):
        if not trunc_out or unit_in != "days":
            raise DerivationError("calendar intervals are counted in whole units of dates",
                                  variable="type", expected="trunc_out with day-number dates, or type duration")
        if add_one:  # one more day on a non-negative interval, before truncation
            end = end + (end >= start).astype("float64")
        return _completed_calendar(start, end, unit_out)
    seconds_per_number = 86_400.0 if unit_in == "days" else 1.0
    length = (end - start) * seconds_per_number / _SECONDS[unit_out]
    if add_one:
        one = (86_400.0 if unit_in == "days" else _SECONDS[unit_in]) / _SECONDS[unit_out]
        length = length + np.where(length >= 0, one, 0.0)
    return np.trunc(length) if trunc_out else length


def derive_vars_duration(df: pd.DataFrame, new_var: str, start_date: str, end_date: str, *,
                         new_var_unit: str | None = None, in_unit: str = "days", out_unit: str = "DAYS",
                         floor_in: bool = True, add_one: bool = True, trunc_out: bool = False,
                         type: str = "duration") -> pd.DataFrame:
    """``new_var`` (and its unit ``new_var_unit``: ``out_unit`` as spelled, as admiral writes it, where the
    duration is known) from :func:`compute_duration` (admiral ``derive_vars_duration``).

    >>> ae = pd.DataFrame({"ASTDT": [0.0, 5.0], "AENDT": [6.0, np.nan]})
    >>> derive_vars_duration(ae, "ADURN", "ASTDT", "AENDT", new_var_unit="ADURU")[["ADURN", "ADURU"]].values.tolist()
    [[7.0, 'DAYS'], [nan, '']]
    >>> derive_vars_duration(ae, "ADURN", "ASTDT", "AENDT", new_var_unit="ADURU", out_unit="days")["ADURU"].tolist()
    ['days', '']
    """
    require(df, [start_date, end_date], f"derive_vars_duration({new_var})")
    value = compute_duration(df[start_date], df[end_date], in_unit=in_unit, out_unit=out_unit, floor_in=floor_in,
                             add_one=add_one, trunc_out=trunc_out, type=type)
    out = df.assign(**{new_var: pd.Series(np.asarray(value, dtype="float64"), index=df.index)})
    if new_var_unit:
        out[new_var_unit] = char(np.where(out[new_var].notna(), out_unit, ""), df.index)
    return out


def derive_var_trtdurd(df: pd.DataFrame, start_date: str = "TRTSDT", end_date: str = "TRTEDT") -> pd.DataFrame:
    """TRTDURD, total treatment duration in days, end − start + 1 (admiral ``derive_var_trtdurd``).

    >>> derive_var_trtdurd(pd.DataFrame({"TRTSDT": [0.0], "TRTEDT": [27.0]}))["TRTDURD"].tolist()
    [28.0]
    """
    return derive_vars_duration(df, "TRTDURD", start_date, end_date)


def derive_vars_aage(df: pd.DataFrame, start_date: str = "BRTHDT", end_date: str = "RANDDT", *,
                     age_unit: str = "YEARS", type: str = "interval") -> pd.DataFrame:
    """AAGE/AAGEU, the analysis age in completed ``age_unit`` (admiral ``derive_vars_aage``): calendar
    years or months for ``type="interval"``, fixed lengths for ``type="duration"``.

    >>> dm = pd.DataFrame({"BRTHDT": [float((pd.Timestamp("1980-02-29") - pd.Timestamp("1960-01-01")).days)],
    ...                    "RANDDT": [float((pd.Timestamp("2020-02-28") - pd.Timestamp("1960-01-01")).days)]})
    >>> derive_vars_aage(dm)[["AAGE", "AAGEU"]].values.tolist()
    [[39.0, 'YEARS']]
    """
    return derive_vars_duration(df, "AAGE", start_date, end_date, new_var_unit="AAGEU", out_unit=age_unit,
                                add_one=False, trunc_out=True, type=type)


def derive_var_age_years(df: pd.DataFrame, age_var: str, new_var: str, *, age_unit: str | None = None) -> pd.DataFrame:
    """``new_var`` = ``age_var`` in years (admiral ``derive_var_age_years``): the unit from ``<age_var>U``
    (e.g. AGEU) or, without that column, from ``age_unit``.

    >>> derive_var_age_years(pd.DataFrame({"AGE": [24.0], "AGEU": ["MONTHS"]}), "AGE", "AAGE")["AAGE"].tolist()
    [2.0]
    """
    require(df, [age_var], f"derive_var_age_years({new_var})")
    unit_col = f"{age_var}U"
    if unit_col in df.columns:
        units = df[unit_col]
    elif age_unit is not None:
        units = age_unit
    else:
        raise DerivationError(f"no {unit_col} column and no age_unit", variable=unit_col,
                              expected=f"a {unit_col} column or age_unit")
    return df.assign(**{new_var: compute_age_years(df[age_var], units).to_numpy()})
