"""Pharmacokinetics: nominal times from planned time-point text, and one record per administered dose.

These follow admiral's ``convert_xxtpt_to_hours``, ``derive_var_nfrlt`` (nominal relative time from first
dose, NFRLT) and ``create_single_dose_dataset`` (an exposure record covering several doses, e.g. EXDOSFRQ
``QD`` from ASTDT to AENDT, becomes one record per dose):

* a time point (``PCTPT``) is read as hours by admiral's patterns, tried in admiral's order, the first that
  matches wins: zero points ("Pre-dose", "Screening", "0H"), end of treatment ("EOI", "EOT": the treatment
  duration), days ("Day 2", "2D", "30 DAYS AFTER LAST"), hours + minutes ("1H30M"), ranges relative to
  the end of treatment, ranges ("6-12h Post-dose": start, end or midpoint), times before dose (negative),
  after the end or start of treatment, and plain hours or minutes ("2h Post-dose", "30 Min Post-dose").
  Unrecognised text gives a missing value.
* ``NFRLT = ((visit_day - first_dose_day [+ 1 when the visit day is negative]) * 24 + hours) * factor`` in
  the output unit (days, hours, minutes, weeks).
* doses: the number of doses is the duration from start to end (inclusive, in the frequency's window: days,
  weeks, months, years, hours, minutes) times the doses per window, rounded up; dose ``k`` (0-based) starts
  ``floor(k / doses_per_window)`` windows later (a day window: whole days; admiral's
  ``CONVERSION_FACTOR``); doses after the end date are dropped; each gets frequency ``ONCE`` and an end
  equal to its start (datetimes keep the end's time of day for day-based windows).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, char, condition, require
from cdiscflow.adam.duration import compute_duration
from cdiscflow.errors import DerivationError

_NUM = r"[0-9]+(?:\.[0-9]+)?"
_H = r"h(?:r|our)?s?"
_M = r"m(?:in|inute)?s?"
_POST = r"(?:\s+(?:post|after)(?:\s*-?\s*dose)?)?"
_EOT = r"(?:eo[it]|end\s+of\s+(?:infusion|treatment))"
_RANGE = rf"^(?P<start>{_NUM})\s*-\s*(?P<end>{_NUM})\s*"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.ASCII)


#: admiral's patterns, in admiral's order: (pattern, how the match becomes hours)
_ZERO = _rx(r"^(?:screening|pre-?(?:dose|treatment|inf(?:usion)?)|before|infusion|0\s*" + _H[:-2] + r"s?)$")
_EOT_ONLY = _rx(rf"^(?:{_EOT}|after\s+end\s+of\s+(?:infusion|treatment))$")
_DAYS = _rx(rf"^(?:day\s+(?P<d1>{_NUM})\s*(?:d|day|days)?|(?P<d2>{_NUM})\s*(?:d|day|days)(?!\s*h(?:r|our)?)|"
            rf"(?P<d3>{_NUM})\s+(?:days?\s+)?(?:after\s+last|post(?:\s*-?\s*dose)?))$")
_HM = _rx(rf"^(?P<h>{_NUM})\s*{_H}\s*(?P<m>{_NUM})\s*{_M}(?:\s+(?:post|after)(?:\s*-?\s*dose)?)?$")
_RANGE_EOT = _rx(_RANGE + rf"{_H}\s+(?:(?:post|after)\s*-?\s*)?(?:{_EOT}|(?:post|after)\s*-?\s*inf(?:usion)?)$")
_RANGE_DIR = _rx(_RANGE + rf"{_H}\s+(?P<dir>prior|before|post|after)\s+(?:start|end)(?:\s+of\s+(?:infusion|treatment))?")
_RANGE_PLAIN = _rx(_RANGE + _H + _POST + "$")
_PREDOSE = _rx(rf"^(?P<v>{_NUM})\s*(?P<u>m(?:in|inute)?|h(?:r|our)?)s?\s+(?:pre-?dose|before)$")
_POST_END = _rx(rf"^(?P<v>{_NUM})\s*(?P<u>m(?:in|inute)?|h(?:r|our)?)s?\s+(?:post|after)\s*-?\s*"
                rf"(?:eo[it]|inf(?:usion)?|end\s+of\s+(?:infusion|treatment))$")
_START = _rx(rf"^(?P<v>{_NUM})h\s+(?P<dir>prior|before|post|after)\s+start\s+of\s+(?:infusion|treatment)$")
_MIN_AFTER_START = _rx(rf"^(?P<v>{_NUM})\s*{_M}\s+after\s+start\s+inf$")
_MIN_PRE_EOT = _rx(rf"^(?P<v>{_NUM})\s*{_M}\s+(?:pre|before)\s+eo[it]$")
_HOURS = _rx(rf"^(?P<v>{_NUM})\s*{_H}{_POST}$")
_MINUTES = _rx(rf"^(?P<v>{_NUM})\s*{_M}{_POST}$")
_RANGE_METHODS = ("start", "end", "midpoint")


def _range(m: pd.DataFrame, method: str) -> pd.Series:
    start, end = m["start"].astype("float64"), m["end"].astype("float64")
    return {"start": start, "end": end, "midpoint": (start + end) / 2}[method]


def _signed(m: pd.DataFrame, value: pd.Series) -> pd.Series:
    return value.where(~m["dir"].str.lower().isin(["prior", "before"]), -value)


def _in_hours(m: pd.DataFrame) -> pd.Series:
    value = m["v"].astype("float64")
    return value.where(~m["u"].str.lower().str.startswith("m"), value / 60)


def convert_xxtpt_to_hours(xxtpt: pd.Series | Sequence[str | None], treatment_duration: float | Sequence[float] = 0,
                           range_method: str = "midpoint") -> pd.Series:
    """Hours of planned time-point texts (``PCTPT``, ``EXTPT`` …), admiral ``convert_xxtpt_to_hours``.

    ``treatment_duration`` (hours, one value or one per text) places end-of-treatment points; ``range_method``
    (start, end, midpoint) reads ranges such as "6-12h Post-dose". Unrecognised text is missing.

    >>> convert_xxtpt_to_hours(["Pre-dose", "5 Min Post-dose", "1.5h Post-dose", "6-12h Post-dose",
    ...                         "1 HOUR POST EOI", "Day 2", "Morning"], treatment_duration=1).tolist()
    [0.0, 0.08333333333333333, 1.5, 9.0, 2.0, 48.0, nan]
    """
    if range_method not in _RANGE_METHODS:
        raise DerivationError(f"range_method {range_method!r}", variable="range_method",
                              expected=", ".join(_RANGE_METHODS))
    given = pd.Series(xxtpt, dtype=object)
    text = given.fillna("").astype("str").str.strip()
    text = text.where(given.notna() & (text != ""), None)
    duration = np.broadcast_to(np.asarray(treatment_duration, dtype="float64"), (len(text),)).copy() \
        if np.ndim(treatment_duration) == 0 or len(np.asarray(treatment_duration)) == len(text) else None
    if duration is None:
        raise DerivationError(f"treatment_duration has {len(np.asarray(treatment_duration))} values for "
                              f"{len(text)} time points", variable="treatment_duration",
                              expected="one value, or one per time point")
    if (duration < 0).any():
        raise DerivationError("treatment_duration must be non-negative", variable="treatment_duration",
                              expected="hours >= 0")
    dur = pd.Series(duration, index=text.index)
    hours = pd.Series(np.nan, index=text.index, dtype="float64")

    def fill(pattern: re.Pattern[str], value: Callable[[pd.DataFrame | None, pd.Index], object]) -> None:
        """Hours from ``value(match groups, rows)`` where ``pattern`` matches a text not yet read."""
        todo = hours.isna() & text.notna()
        if not todo.any():
            return
        m = text[todo].str.extract(pattern) if pattern.groupindex else None
        hit = (text[todo].str.match(pattern) if m is None else m.notna().any(axis=1)).fillna(False)
        if hit.any():
            rows = hit.index[hit.to_numpy()]
            hours.loc[rows] = np.asarray(value(None if m is None else m.loc[rows], rows), dtype="float64")

    fill(_ZERO, lambda m, rows: np.zeros(len(rows)))
    fill(_EOT_ONLY, lambda m, rows: dur[rows])
    fill(_DAYS, lambda m, rows: m["d1"].fillna(m["d2"]).fillna(m["d3"]).astype("float64") * 24)
    fill(_HM, lambda m, rows: m["h"].astype("float64") + m["m"].astype("float64") / 60)
    fill(_RANGE_EOT, lambda m, rows: dur[rows] + _range(m, range_method))
    fill(_RANGE_DIR, lambda m, rows: _signed(m, _range(m, range_method)))
    fill(_RANGE_PLAIN, lambda m, rows: _range(m, range_method))
    fill(_PREDOSE, lambda m, rows: -_in_hours(m))
    fill(_POST_END, lambda m, rows: dur[rows] + _in_hours(m))
    fill(_START, lambda m, rows: _signed(m, m["v"].astype("float64")))
    fill(_MIN_AFTER_START, lambda m, rows: m["v"].astype("float64") / 60)
    fill(_MIN_PRE_EOT, lambda m, rows: dur[rows] - m["v"].astype("float64") / 60)
    fill(_HOURS, lambda m, rows: m["v"].astype("float64"))
    fill(_MINUTES, lambda m, rows: m["v"].astype("float64") / 60)
    return hours


#: admiral's accepted unit spellings → hours per unit
_PER_HOUR = {**{u: 1 / 24 for u in ("day", "days", "d")}, **{u: 1.0 for u in ("hour", "hours", "hr", "hrs", "h")},
             **{u: 60.0 for u in ("minute", "minutes", "min", "mins")},
             **{u: 1 / 168 for u in ("week", "weeks", "wk", "wks", "w")}}


def derive_var_nfrlt(df: pd.DataFrame, new_var: str = "NFRLT", *, visit_day: str, new_var_unit: str | None = None,
                     out_unit: str = "HOURS", tpt_var: str | None = None, first_dose_day: float = 1,
                     treatment_duration: float | str = 0, range_method: str = "midpoint",
                     set_values_to_na: str | None = None) -> pd.DataFrame:
    """NFRLT, the nominal relative time from first dose (admiral ``derive_var_nfrlt``; see module docstring).

    ``tpt_var`` (absent from ``df`` or ``None``: 0 hours) is read by :func:`convert_xxtpt_to_hours`;
    ``treatment_duration`` is hours, a number or a column; ``new_var_unit`` gets ``out_unit`` as written
    where NFRLT is known; records meeting ``set_values_to_na`` (a condition) get a missing NFRLT and unit.

    >>> pc = pd.DataFrame({"VISITDY": [1, 1, 2, -1], "PCTPT": ["Pre-dose", "2h Post-dose", "4h Post-dose", "Pre-dose"]})
    >>> derive_var_nfrlt(pc, visit_day="VISITDY", tpt_var="PCTPT", new_var_unit="FRLTU")[["NFRLT", "FRLTU"]].values.tolist()
    [[0.0, 'HOURS'], [2.0, 'HOURS'], [28.0, 'HOURS'], [-24.0, 'HOURS']]
    """
    factor = _PER_HOUR.get(str(out_unit).lower())
    if factor is None:
        raise DerivationError(f"out_unit {out_unit!r}", variable="out_unit", expected="days, hours, minutes or weeks")
    if first_dose_day <= 0:
        raise DerivationError(f"first_dose_day must be positive, but is {first_dose_day}", variable="first_dose_day",
                              expected="a day number > 0")
    has_tpt = tpt_var is not None and tpt_var in df.columns
    require(df, [visit_day, *([tpt_var] if has_tpt else [])], f"derive_var_nfrlt({new_var})")
    duration = df[treatment_duration] if isinstance(treatment_duration, str) else treatment_duration
    hours = (convert_xxtpt_to_hours(df[tpt_var].reset_index(drop=True), np.asarray(duration, dtype="float64"),
                                    range_method).to_numpy()
             if has_tpt else np.zeros(len(df)))
    if np.any(np.asarray(duration, dtype="float64") < 0):
        raise DerivationError("treatment_duration must be non-negative", variable="treatment_duration",
                              expected="hours >= 0")
    day = df[visit_day].astype("float64").to_numpy()
    diff = day - first_dose_day + np.where(day < 0, 1, 0)
    value = pd.Series((diff * 24 + hours) * factor, index=df.index, dtype="float64")
    unit = char(np.where(value.notna(), out_unit, ""), df.index)
    if set_values_to_na is not None:
        na = condition(df, set_values_to_na)
        value, unit = value.where(~na), unit.where(~na, "")
    out = df.assign(**{new_var: value})
    if new_var_unit:
        out[new_var_unit] = unit
    return out


#: CDISC frequency codelist values admiral knows (its ``dose_freq_lookup``); counts and windows are derived
#: from the names below by admiral's rules (data-raw/create_dose_freq_lookup.R)
_FREQUENCIES = (
    "1 TIME PER WEEK", "10 DAYS PER MONTH", "2 TIMES PER WEEK", "2 TIMES PER YEAR", "3 TIMES PER MONTH",
    "3 TIMES PER WEEK", "3 TIMES PER YEAR", "4 TIMES PER MONTH", "4 TIMES PER WEEK", "4 TIMES PER YEAR",
    "5 TIMES PER DAY", "5 TIMES PER MONTH", "5 TIMES PER WEEK", "5 TIMES PER YEAR", "6 TIMES PER DAY",
    "6 TIMES PER MONTH", "6 TIMES PER WEEK", "6 TIMES PER YEAR", "7 TIMES PER DAY", "7 TIMES PER WEEK",
    "8 TIMES PER DAY", "9 TIMES PER DAY", "BID", "BIM", "EVERY 12 WEEKS", "EVERY 16 WEEKS", "EVERY 2 WEEKS",
    "EVERY 3 WEEKS", "EVERY 3 YEARS", "EVERY 4 WEEKS", "EVERY 5 WEEKS", "EVERY 5 YEARS", "EVERY 6 WEEKS",
    "EVERY 7 WEEKS", "EVERY 8 WEEKS", "EVERY AFTERNOON", "EVERY EVENING", "EVERY WEEK", "PA",
    *(f"Q{h}H" for h in range(10, 25)), "Q2H", "Q2M", "Q36H", "Q3D", "Q3H", "Q3M", "Q45MIN", "Q48H", "Q4D", "Q4H",
    "Q4M", "Q5D", "Q5H", "Q6D", "Q6H", "Q6M", "Q72H", "Q7D", "Q7H", "Q8H", "Q9H", "QAM", "QD", "QH", "QHS", "QID",
    "QM", "QN", "QOD", "Q2D", "QPM", "TID")
_PER_WINDOW = {"MINUTE": 1.0, "HOUR": 1.0, "DAY": 1.0, "WEEK": 1 / 7, "MONTH": 1 / 30.4375, "YEAR": 1 / 365.25}


def _count_and_window(value: str) -> tuple[float, str]:
    digits = float(re.sub(r"[^0-9]", "", value) or "nan")
    if re.search(r"PER [WMY]", value):
        count = digits
    elif "PER D" in value:
        count = 24 / digits
    elif re.match(r"^(?:Q[0-9]{1,2}(?:H|MIN)|(?:Q|EVERY)\s?[0-9]{1,2})", value):
        count = 1 / digits
    elif value in ("BIM",):
        count = 2.0
    else:
        count = {"BID": 1 / 12, "TID": 1 / 8, "QID": 1 / 6, "QOD": 0.5}.get(value, 1.0)
    if re.search(r"EVERY [0-9]{1,2}|PER [WMY]", value):
        window = value.rsplit(" ", 1)[1].replace("S", "")
    elif re.match(r"^Q[0-9]{1,2}D$", value):
        window = "DAY"
    elif re.match(r"^Q[0-9]{1,2}M$", value):
        window = "MONTH"
    elif re.match(r"^Q[0-9]{0,2}H$", value) or "PER D" in value:
        window = "HOUR"
    elif re.match(r"^Q[0-9]{1,2}MIN$", value):
        window = "MINUTE"
    elif value in ("EVERY WEEK",):
        window = "WEEK"
    elif value in ("BID", "TID", "QID"):
        window = "HOUR"
    elif value in ("QM", "BIM"):
        window = "MONTH"
    elif value == "PA":
        window = "YEAR"
    else:  # EVERY AFTERNOON/EVENING, QAM, QPM, QHS, QD, QN, QOD
        window = "DAY"
    return count, window


@lru_cache(maxsize=1)
def dose_freq_lookup() -> pd.DataFrame:
    """admiral's ``dose_freq_lookup``: CDISC_VALUE, DOSE_COUNT (doses per window), DOSE_WINDOW, CONVERSION_FACTOR.

    >>> dose_freq_lookup().set_index("CDISC_VALUE").loc[["QD", "BID", "Q2D", "EVERY 2 WEEKS"]].values.tolist()
    [[1.0, 'DAY', 1.0], [0.08333333333333333, 'HOUR', 1.0], [0.5, 'DAY', 1.0], [0.5, 'WEEK', 0.14285714285714285]]
    """
    rows = [(v, *_count_and_window(v)) for v in _FREQUENCIES]
    table = pd.DataFrame(rows, columns=["CDISC_VALUE", "DOSE_COUNT", "DOSE_WINDOW"])
    return table.assign(CONVERSION_FACTOR=table["DOSE_WINDOW"].map(_PER_WINDOW))


def create_single_dose_dataset(df: pd.DataFrame, *, dose_freq: str = "EXDOSFRQ", start_date: str = "ASTDT",
                               start_datetime: str | None = None, end_date: str = "AENDT",
                               end_datetime: str | None = None, lookup_table: pd.DataFrame | None = None,
                               lookup_column: str = "CDISC_VALUE", nominal_time: str | None = None,
                               keep_source_vars: Sequence[str] | None = None) -> pd.DataFrame:
    """One record per dose (admiral ``create_single_dose_dataset``; see module docstring).

    Dates are SAS day numbers, datetimes SAS seconds; ``nominal_time`` (hours, e.g. NFRLT) moves with each
    dose. Records with frequency ``ONCE`` are kept as they are (first). ``keep_source_vars`` default: USUBJID
    (and STUDYID), the frequency and the date columns.

    >>> ex = pd.DataFrame({"USUBJID": "1", "EXDOSFRQ": ["QD", "ONCE"], "ASTDT": [0.0, 9.0], "AENDT": [2.0, 9.0]})
    >>> create_single_dose_dataset(ex)[["EXDOSFRQ", "ASTDT", "AENDT"]].values.tolist()
    [['ONCE', 9.0, 9.0], ['ONCE', 0.0, 0.0], ['ONCE', 1.0, 1.0], ['ONCE', 2.0, 2.0]]
    """
    for name, what in ((start_date, "start_date"), (end_date, "end_date")):
        if not name.endswith("DT"):
            raise DerivationError(f"{what} {name!r} does not end with DT", variable=name, expected="a --DT date")
    keep = as_list(keep_source_vars) or [c for c in ("STUDYID", "USUBJID", dose_freq, start_date, start_datetime,
                                                     end_date, end_datetime) if c and (c in df.columns)]
    dates = [c for c in (start_date, end_date, start_datetime, end_datetime) if c]
    require(df, [dose_freq, *dates, *keep, *([nominal_time] if nominal_time else [])], "create_single_dose_dataset")
    lookup = (dose_freq_lookup() if lookup_table is None else lookup_table)
    require(lookup, [lookup_column, "DOSE_WINDOW", "DOSE_COUNT", "CONVERSION_FACTOR"],
            "create_single_dose_dataset (lookup table)")
    if lookup[lookup_column].duplicated().any():
        raise DerivationError("the lookup table has more than one row per frequency", variable=lookup_column,
                              expected="one row per value")
    once = df[df[dose_freq] == "ONCE"]
    many = df[df[dose_freq] != "ONCE"]
    missing = many[dates].isna().any(axis=1)
    if missing.any():
        bad = [c for c in dates if many[c].isna().any()]
        raise DerivationError("start and end dates/datetimes cannot be missing", row=str(many.index[missing][0]),
                              variable=", ".join(bad), expected="a date on every record not dosed ONCE")
    info = many[[dose_freq]].merge(lookup.rename(columns={lookup_column: dose_freq}), on=dose_freq, how="left")
    unknown = info.loc[info["DOSE_WINDOW"].isna(), dose_freq].unique()
    if len(unknown):
        raise DerivationError(f"frequency value(s) {', '.join(map(str, unknown))} not in the lookup table",
                              variable=dose_freq, expected=f"values of {lookup_column}")
    window = info["DOSE_WINDOW"].to_numpy()
    if np.isin(window, ["MINUTE", "HOUR"]).any() and not (start_datetime and end_datetime):
        raise DerivationError("dose frequencies more often than daily need start_datetime and end_datetime",
                              variable=dose_freq, expected="start_datetime and end_datetime")
    periods = np.full(len(many), np.nan)
    for unit, win, start, end in (("minutes", "MINUTE", start_datetime, end_datetime),
                                  ("hours", "HOUR", start_datetime, end_datetime),
                                  ("days", "DAY", start_date, end_date), ("weeks", "WEEK", start_date, end_date),
                                  ("months", "MONTH", start_date, end_date), ("years", "YEAR", start_date, end_date)):
        rows = window == win
        if rows.any():
            periods[rows] = compute_duration(many.loc[rows, start], many.loc[rows, end],
                                             in_unit=unit if win in ("MINUTE", "HOUR") else "days",
                                             out_unit=unit).to_numpy()
    count = np.ceil(np.round(periods * info["DOSE_COUNT"].to_numpy(), 9)).astype(int)
    reps = np.repeat(np.arange(len(many)), count)
    out = many.iloc[reps].copy()
    increment = (np.arange(len(reps)) - np.repeat(np.cumsum(count) - count, count)) / info["DOSE_COUNT"].to_numpy()[reps]
    win = window[reps]
    sub_day = np.isin(win, ["MINUTE", "HOUR"])
    step = np.where(sub_day, np.floor(increment) * np.where(win == "MINUTE", 60.0, 3600.0),
                    np.floor(increment / info["CONVERSION_FACTOR"].to_numpy()[reps]) * 86400.0)
    step_days = np.where(sub_day, np.floor(increment / np.where(win == "MINUTE", 1440.0, 24.0)),
                         np.floor(increment / info["CONVERSION_FACTOR"].to_numpy()[reps]))
    out[dose_freq] = "ONCE"
    out[start_date] = out[start_date].to_numpy() + step_days
    if start_datetime:
        out[start_datetime] = out[start_datetime].to_numpy() + step
    if nominal_time:
        out[nominal_time] = out[nominal_time].to_numpy() + step / 3600.0
    kept = ~(out[start_date] > out[end_date]).to_numpy()
    out, win = out[kept], win[kept]
    out[end_date] = out[start_date]
    if end_datetime:
        day_based = ~np.isin(win, ["MINUTE", "HOUR"])
        out[end_datetime] = np.where(day_based, out[start_date] * 86400.0 + np.mod(out[end_datetime], 86400.0),
                                     out[start_datetime] if start_datetime else np.nan)
    return pd.concat([once, out], ignore_index=True)[keep]
