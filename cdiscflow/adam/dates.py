"""Dates and times: ISO 8601 text → numeric SAS dates/datetimes with imputation, and relative days.

ADaM numeric dates are SAS day numbers (days since 1960-01-01, format DATE9.), datetimes are SAS seconds
since 1960-01-01T00:00:00 (DATETIME20.). SDTM --DTC values may be partial ("2019-07", "2019"); the rules
follow admiral's ``derive_vars_dt``/``derive_vars_dtm``/``derive_vars_dy``:

* ``highest_imputation`` is the highest component that may be imputed: ``"Y"`` (year, needs min/max dates),
  ``"M"`` (month and day), ``"D"`` (day only), ``"h"``/``"m"``/``"s"`` (time parts), ``"n"`` (none: only
  complete values are converted). A value missing a component above that level gives a missing date.
* ``date_imputation``: ``"first"`` (01-01 / day 01), ``"mid"`` (06-30 when the month is missing, day 15
  otherwise), ``"last"`` (12-31 / last day of the month) or a fixed ``"MM-DD"``.
* ``min_dates`` / ``max_dates``: columns of SAS dates; when such a date lies in the range of dates the partial
  value allows, it replaces the imputed date if later (``min_dates``) or earlier (``max_dates``). This keeps
  e.g. an AE start "2019-07" from being imputed before the first dose "2019-07-15".
* the imputation flag ``--DTF`` is ``"Y"``, ``"M"`` or ``"D"`` for the highest imputed date component,
  ``--TMF`` is ``"H"``, ``"M"`` or ``"S"`` for the highest imputed time component (blank when nothing
  was imputed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, char, require
from cdiscflow.errors import DerivationError

SAS_EPOCH = np.datetime64("1960-01-01", "D")
_LEVELS = {"Y": 6, "M": 5, "D": 4, "h": 3, "m": 2, "s": 1, "n": 0}
# ASCII digits only (``\d`` also matches other scripts' digits, which to_numeric cannot read); after a separator a
# component (or "-" for an unknown one) must follow, as SDTMIG 4.4.2 writes partial dates
_ISO = (r"^(?:(?P<Y>[0-9]{4}|-)(?:-(?P<M>[0-9]{2}|-)(?:-(?P<D>[0-9]{2}|-)"
        r"(?:T(?P<h>[0-9]{2}|-)(?::(?P<m>[0-9]{2}|-)(?::(?P<s>[0-9]{2})(?:\.[0-9]+)?)?)?)?)?)?)?$")
# the range of each component: a value outside it is malformed (a day that the month lacks, Feb 30, gives a
# missing date instead, see to_sas_date)
_RANGES = {"M": (1, 12), "D": (1, 31), "h": (0, 23), "m": (0, 59), "s": (0, 59)}


def parse_iso(dtc: pd.Series, variable: str = "--DTC", preserve: bool = False) -> pd.DataFrame:
    """Split ISO 8601 text into float columns Y, M, D, h, m, s (NaN where absent), with ``dtc``'s index.

    Each distinct value is parsed once and the parts taken back to the rows (a column repeats few values).
    Malformed text (anything that is not an ISO 8601 date/time, possibly partial, including a component out
    of its range: month 13, hour 24) is a :class:`DerivationError` naming the variable and rows. A part below a
    missing one (the day of ``2019---07``, the minutes of ``T-:30``) is dropped unless ``preserve``.
    """
    text = dtc.astype("str").fillna("").str.strip() if len(dtc) else dtc.astype("str")
    codes, values = pd.factorize(text.to_numpy(dtype=object))
    distinct = pd.Series(values, dtype=object)
    parts = distinct.str.extract(_ISO) if len(distinct) else pd.DataFrame(columns=list("YMDhms"), dtype=object)
    out = parts.apply(pd.to_numeric, errors="coerce").astype("float64")
    bad_value = distinct.ne("") & ~distinct.str.match(_ISO).fillna(False).astype(bool)
    for key, (lo, hi) in _RANGES.items():
        bad_value |= out[key].notna() & ~out[key].between(lo, hi)
    bad = bad_value.to_numpy()[codes] if len(codes) else np.zeros(0, dtype=bool)
    if bad.any():
        rows = dtc.index[bad][:5].tolist()
        raise DerivationError(f"malformed ISO 8601 value {text[bad].iloc[0]!r}", variable=variable,
                              row=", ".join(map(str, rows)), expected="YYYY-MM-DDThh:mm:ss or a partial of it")
    if not preserve:  # a missing month makes the day meaningless (admiral imputes both); same for the time
        out.loc[out["M"].isna(), "D"] = np.nan
        out.loc[out["h"].isna(), "m"] = np.nan
        out.loc[out["m"].isna(), "s"] = np.nan
    return pd.DataFrame(out.to_numpy()[codes], index=dtc.index, columns=out.columns, dtype="float64")


def _days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    start = pd.to_datetime({"year": year, "month": month, "day": 1}, errors="coerce")
    return np.asarray(start.dt.days_in_month, dtype="float64")


def to_sas_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Vectorised calendar → SAS day number (NaN where any part is missing or the date does not exist)."""
    frame = pd.DataFrame({"year": year, "month": month, "day": day})
    ok = frame.notna().all(axis=1)
    out = np.full(len(frame), np.nan)
    if ok.any():
        d = pd.to_datetime(frame[ok].astype("int64"), errors="coerce")
        out[ok.to_numpy()] = (d.to_numpy().astype("datetime64[D]") - SAS_EPOCH).astype("float64")
        out[ok.to_numpy()] = np.where(d.isna().to_numpy(), np.nan, out[ok.to_numpy()])
    return out


def sas_date(values: pd.Series) -> pd.Series:
    """datetime64 or ISO text (complete dates only) → SAS day numbers (float64)."""
    d = pd.to_datetime(values, errors="coerce")
    days = (d.to_numpy().astype("datetime64[D]") - SAS_EPOCH).astype("float64")
    return pd.Series(np.where(d.isna(), np.nan, days), index=values.index, dtype="float64")


def sas_date_to_datetime(values: pd.Series) -> pd.Series:
    """SAS day numbers → datetime64 (NaT for missing)."""
    return pd.to_datetime(values, unit="D", origin="1960-01-01")


def _impute_date(parts: pd.DataFrame, highest: str, rule: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Series]:
    if highest not in _LEVELS:
        raise DerivationError(f"highest_imputation {highest!r}", expected="Y, M, D, h, m, s or n")
    y, m, d = (parts[k].to_numpy(copy=True) for k in ("Y", "M", "D"))
    level = _LEVELS[highest]
    miss_y, miss_m, miss_d = np.isnan(y), np.isnan(m), np.isnan(d)
    allowed = np.where(miss_y, level >= _LEVELS["Y"], np.where(miss_m, level >= _LEVELS["M"],
                                                              np.where(miss_d, level >= _LEVELS["D"], True)))
    if rule == "first":
        fix_m, fix_d = 1.0, 1.0
    elif rule == "mid":
        fix_m, fix_d = 6.0, np.where(miss_m, 30.0, 15.0)
    elif rule == "last":
        fix_m, fix_d = 12.0, None
    elif len(rule) == 5 and rule[2] == "-" and rule.replace("-", "").isdigit():
        fix_m, fix_d = float(rule[:2]), np.where(miss_m, float(rule[3:]), np.nan)
    else:
        raise DerivationError(f"date_imputation {rule!r}", expected="first, mid, last or MM-DD")
    m = np.where(miss_m, fix_m, m)
    if fix_d is None:
        d = np.where(miss_d, _days_in_month(y, m), d)
    elif rule not in ("first", "mid"):
        # fixed MM-DD: the day applies when the month was imputed too, else the first of the month
        d = np.where(miss_d, np.where(miss_m, fix_d, 1.0), d)
    else:
        d = np.where(miss_d, fix_d, d)
    dtf = np.where(miss_y, "Y", np.where(miss_m, "M", np.where(miss_d, "D", "")))
    return y, m, d, pd.Series(np.where(allowed, dtf, ""), index=parts.index), allowed


def _bounds(parts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest SAS dates a partial date allows (NaN when the year is missing)."""
    y, m = parts["Y"].to_numpy(), parts["M"].to_numpy()
    lo = to_sas_date(y, np.where(np.isnan(m), 1.0, m), np.where(parts["D"].isna(), 1.0, parts["D"]))
    hm = np.where(np.isnan(m), 12.0, m)
    hi = to_sas_date(y, hm, np.where(parts["D"].isna(), _days_in_month(y, hm), parts["D"]))
    return lo, hi


def _restrict(value: np.ndarray, lo: np.ndarray, hi: np.ndarray, allowed: np.ndarray,
              min_bounds: Sequence[np.ndarray], max_bounds: Sequence[np.ndarray]) -> np.ndarray:
    """admiral's ``min_dates``/``max_dates``: a bound inside the range [lo, hi] a partial value allows replaces
    the imputed value if later (a minimum) or earlier (a maximum)."""
    out = value
    for bound, later in [(b, True) for b in min_bounds] + [(b, False) for b in max_bounds]:
        b = np.asarray(bound, dtype="float64")
        inside = ~np.isnan(b) & (b >= lo) & (b <= hi) & allowed
        beyond = (b > out) if later else (b < out)
        out = np.where(inside & (np.isnan(out) | beyond), b, out)
    return out


def _impute_unbounded(parts: pd.DataFrame, highest_imputation: str, date_imputation: str, bounded: bool,
                      variable: str) -> tuple[np.ndarray, pd.Series, np.ndarray, np.ndarray]:
    """(SAS dates imputed without bounds, --DTF, where imputation is allowed, the year)."""
    y, m, d, dtf, allowed = _impute_date(parts, highest_imputation, date_imputation)
    if highest_imputation == "Y" and not bounded and np.isnan(y).any():
        raise DerivationError("imputing a missing year needs min_dates or max_dates", variable=variable,
                              expected="min_dates (date_imputation='first') or max_dates ('last')")
    out = to_sas_date(np.where(np.isnan(y), 0.0, y), m, d)
    out[np.isnan(y)] = np.nan
    return out, dtf, allowed, y


def _distinct_parts(dtc: pd.Series, variable: str, preserve: bool = False) -> tuple[np.ndarray, pd.DataFrame]:
    """(the position of each record's text among the distinct texts, :func:`parse_iso` of the distinct texts)."""
    text = dtc.astype("str").fillna("").str.strip() if len(dtc) else dtc.astype("str")
    codes, values = pd.factorize(text.to_numpy(dtype=object))
    try:
        return codes, parse_iso(pd.Series(values, dtype=object), variable, preserve)
    except DerivationError:
        parse_iso(dtc, variable, preserve)  # the same error, naming the records
        raise


def impute_dates(dtc: pd.Series, *, highest_imputation: str = "n", date_imputation: str = "first",
                 min_dates: Sequence[pd.Series] = (), max_dates: Sequence[pd.Series] = (),
                 variable: str = "--DTC", preserve: bool = False) -> tuple[pd.Series, pd.Series]:
    """ISO text → (SAS date, --DTF flag) following the rules in the module docstring.

    Everything but the per-record bounds is computed once per distinct text and taken back to the records."""
    codes, parts = _distinct_parts(dtc, variable, preserve)
    out, dtf, allowed, y = _impute_unbounded(parts, highest_imputation, date_imputation,
                                             bool(min_dates or max_dates), variable)
    lo, hi = _bounds(parts)
    lo = np.where(np.isnan(y), -np.inf, lo)[codes]
    hi = np.where(np.isnan(y), np.inf, hi)[codes]
    out, allowed, dtf = out[codes], allowed[codes], pd.Series(dtf.to_numpy()[codes], index=dtc.index)
    out = _restrict(out, lo, hi, allowed, min_dates, max_dates)
    out = np.where(allowed, out, np.nan)
    dtf = dtf.where(~np.isnan(out), "")
    return pd.Series(out, index=dtc.index, dtype="float64"), char(dtf, dtc.index)


def convert_dtc_to_dt(dtc: pd.Series, *, highest_imputation: str = "n", date_imputation: str = "first",
                      min_dates: Sequence[pd.Series] = (), max_dates: Sequence[pd.Series] = (),
                      preserve: bool = False) -> pd.Series:
    """ISO 8601 text → SAS dates with the imputation rules above, no flag (admiral ``convert_dtc_to_dt``).

    >>> convert_dtc_to_dt(pd.Series(["2019-07-18T10:00", "2019-07", "2019", ""]), highest_imputation="M").tolist()
    [21748.0, 21731.0, 21550.0, nan]
    """
    return impute_dates(dtc, highest_imputation=highest_imputation, date_imputation=date_imputation,
                        min_dates=min_dates, max_dates=max_dates, variable=str(dtc.name or "--DTC"),
                        preserve=preserve)[0]


def derive_vars_dt(df: pd.DataFrame, new_prefix: str, dtc: str, *, highest_imputation: str = "n",
                   date_imputation: str = "first", flag_imputation: str = "auto",
                   min_dates: Sequence[str] = (), max_dates: Sequence[str] = (), preserve: bool = False
                   ) -> pd.DataFrame:
    """Add ``<prefix>DT`` (SAS date) and, when imputation is allowed, ``<prefix>DTF`` from ISO ``dtc``.

    ADaM IG: *DT is the numeric analysis date; *DTF is the date imputation flag (``Y``/``M``/``D``, the
    highest imputed component). ``flag_imputation``: ``"auto"`` (flag when ``highest_imputation`` is not
    ``"n"``), ``"date"`` (always) or ``"none"``; anything else is refused. ``min_dates``/``max_dates`` name
    SAS-date columns. ``preserve`` keeps a day whose month is missing (admiral: ``2019---07`` with
    ``date_imputation="mid"`` is 2019-06-07).

    >>> ae = pd.DataFrame({"AESTDTC": ["2019---07", "2019-02"]})
    >>> derive_vars_dt(ae, "AST", "AESTDTC", highest_imputation="M", date_imputation="mid",
    ...                preserve=True)[["ASTDT", "ASTDTF"]].values.tolist()
    [[21707.0, 'M'], [21595.0, 'D']]
    """
    _check_flag(flag_imputation, ("auto", "date", "none"), "derive_vars_dt")
    require(df, [dtc, *min_dates, *max_dates], f"derive_vars_dt({new_prefix}DT)")
    date, dtf = impute_dates(df[dtc], highest_imputation=highest_imputation, date_imputation=date_imputation,
                             min_dates=[df[c] for c in min_dates], max_dates=[df[c] for c in max_dates],
                             variable=dtc, preserve=preserve)
    out = df.assign(**{f"{new_prefix}DT": date})
    if flag_imputation == "date" or (flag_imputation == "auto" and highest_imputation != "n"):
        out[f"{new_prefix}DTF"] = dtf
    return out


def _check_flag(flag_imputation: str, allowed: Sequence[str], function: str) -> None:
    if flag_imputation not in allowed:
        raise DerivationError(f"{function}: flag_imputation {flag_imputation!r}", variable="flag_imputation",
                              expected=", ".join(allowed))


def _dtm_range(parts: pd.DataFrame, year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest SAS datetimes a partial value allows (±inf when the year is missing); time parts
    count only with a complete date."""
    lo_day, hi_day = _bounds(parts)
    complete = parts["D"].notna().to_numpy()
    h, mi, s = (np.where(complete, parts[k].to_numpy(), np.nan) for k in ("h", "m", "s"))
    lo = lo_day * 86400.0 + np.nan_to_num(h) * 3600 + np.nan_to_num(mi) * 60 + np.nan_to_num(s)
    hi = (hi_day * 86400.0 + np.where(np.isnan(h), 23.0, h) * 3600 + np.where(np.isnan(mi), 59.0, mi) * 60
          + np.where(np.isnan(s), 59.0, s))
    return np.where(np.isnan(year), -np.inf, lo), np.where(np.isnan(year), np.inf, hi)


def _seconds(values: pd.Series, name: str, *, end_of_day: bool) -> np.ndarray:
    """A bound as SAS seconds: a ``--DTM`` column as it is, a date column at 00:00:00 (or 23:59:59 for a
    maximum, as admiral reads a date among ``max_dates``)."""
    v = values.to_numpy(dtype="float64")
    return v if name.endswith("DTM") else v * 86400.0 + (86399.0 if end_of_day else 0.0)


def derive_vars_dtm(df: pd.DataFrame, new_prefix: str, dtc: str, *, highest_imputation: str = "h",
                    date_imputation: str = "first", time_imputation: str = "first",
                    flag_imputation: str = "auto", min_dates: Sequence[str] = (),
                    max_dates: Sequence[str] = (), ignore_seconds_flag: bool = False,
                    preserve: bool = False) -> pd.DataFrame:
    """Add ``<prefix>DTM`` (SAS datetime, seconds), ``<prefix>DTF`` and ``<prefix>TMF`` from ISO ``dtc``.

    Time parts are imputed with ``time_imputation`` ``"first"`` (00:00:00), ``"last"`` (23:59:59) or a
    fixed ``"hh:mm:ss"`` when ``highest_imputation`` allows (``"h"``: hours, minutes, seconds; ``"m"``:
    minutes and seconds; ``"s"``: seconds). ``--TMF`` is ``H``/``M``/``S`` for the highest imputed time
    part; with ``ignore_seconds_flag`` a missing seconds part is not flagged (ADaM IG allows this when
    seconds are never collected). ``flag_imputation``: ``"auto"``, ``"both"``, ``"date"``, ``"time"``, ``"none"``.
    ``min_dates``/``max_dates`` bound the imputed datetime to the second (admiral): ``--DTM`` columns as they
    are, date columns (any other name) at 00:00:00 as a minimum and 23:59:59 as a maximum. ``preserve`` keeps
    a part below a missing one (the day of ``2019---07``, the minutes of ``2019-07-01T-:30``), as admiral's.

    >>> ae = pd.DataFrame({"AESTDTC": ["2019-07", "2019-07-20", "2019"], "TRTSDTM": 21745 * 86400.0 + 37800})
    >>> ast = derive_vars_dtm(ae, "AST", "AESTDTC", highest_imputation="M", min_dates=["TRTSDTM"])
    >>> pd.to_datetime(ast["ASTDTM"], unit="s", origin="1960-01-01").dt.strftime("%Y-%m-%dT%H:%M").tolist()
    ['2019-07-15T10:30', '2019-07-20T00:00', '2019-07-15T10:30']
    """
    _check_flag(flag_imputation, ("auto", "both", "date", "time", "none"), "derive_vars_dtm")
    require(df, [dtc, *min_dates, *max_dates], f"derive_vars_dtm({new_prefix}DTM)")
    codes, parts = _distinct_parts(df[dtc], dtc, preserve)  # all but the bounds per distinct text, then per record
    date_level = highest_imputation if highest_imputation in ("Y", "M", "D") else "n"
    date, dtf, date_allowed, year = _impute_unbounded(parts, date_level, date_imputation,
                                                      bool(min_dates or max_dates), dtc)
    if time_imputation == "first":
        fill = (0.0, 0.0, 0.0)
    elif time_imputation == "last":
        fill = (23.0, 59.0, 59.0)
    else:
        try:
            fill = tuple(float(x) for x in time_imputation.split(":"))
            assert len(fill) == 3
        except (ValueError, AssertionError):
            raise DerivationError(f"time_imputation {time_imputation!r}",
                                  expected="first, last or hh:mm:ss") from None
    level = _LEVELS[highest_imputation]
    h, mi, s = (parts[k].to_numpy() for k in ("h", "m", "s"))
    lo, hi = _dtm_range(parts, year)
    date_imputed = dtf.ne("").to_numpy()
    # when the date itself was imputed the time is imputed entirely (admiral)
    h = np.where(date_imputed, np.nan, h)
    mi = np.where(date_imputed | (np.isnan(h) & (not preserve)), np.nan, mi)
    s = np.where(date_imputed | (np.isnan(mi) & (not preserve)), np.nan, s)
    allowed = np.where(np.isnan(h), level >= _LEVELS["h"], np.where(np.isnan(mi), level >= _LEVELS["m"],
                                                                   np.where(np.isnan(s), level >= _LEVELS["s"], True)))
    tmf = np.where(np.isnan(h), "H", np.where(np.isnan(mi), "M", np.where(np.isnan(s), "S", "")))
    if ignore_seconds_flag:
        tmf = np.where(tmf == "S", "", tmf)
    seconds = (np.where(np.isnan(h), fill[0], h) * 3600 + np.where(np.isnan(mi), fill[1], mi) * 60
               + np.where(np.isnan(s), fill[2], s))
    allowed = allowed & date_allowed
    dtm = np.where(allowed, date * 86400.0 + seconds, np.nan)[codes]
    lo, hi, allowed, tmf, dtf = lo[codes], hi[codes], allowed[codes], tmf[codes], pd.Series(dtf.to_numpy()[codes],
                                                                                         index=df.index)
    dtm = _restrict(dtm, lo, hi, allowed, [_seconds(df[c], c, end_of_day=False) for c in min_dates],
                    [_seconds(df[c], c, end_of_day=True) for c in max_dates])
    tmf = np.where(np.isnan(dtm), "", tmf)
    out = df.assign(**{f"{new_prefix}DTM": pd.Series(dtm, index=df.index, dtype="float64")})
    auto = flag_imputation == "auto"
    if flag_imputation in ("both", "date") or (auto and date_level != "n"):
        out[f"{new_prefix}DTF"] = dtf.where(~np.isnan(dtm), "")
    if flag_imputation in ("both", "time") or (auto and level > 0):
        out[f"{new_prefix}TMF"] = char(tmf, df.index)
    return out


def derive_vars_dtm_to_dt(df: pd.DataFrame, source_vars: Sequence[str]) -> pd.DataFrame:
    """``xxDTM`` (SAS datetime) → ``xxDT`` (SAS date, the day part), as admiral ``derive_vars_dtm_to_dt``."""
    require(df, source_vars, "derive_vars_dtm_to_dt")
    return df.assign(**{v[:-1]: np.floor(df[v] / 86400.0) for v in source_vars})


def derive_vars_dy(df: pd.DataFrame, reference_date: str, source_vars: dict[str, str] | Sequence[str]) -> pd.DataFrame:
    """Relative days (``ASTDY``, ``ADY`` …) against ``reference_date`` (usually TRTSDT); there is no day 0.

    SDTM/ADaM rule: ``--DY = date − ref + 1`` when ``date >= ref``, else ``date − ref``. ``source_vars`` maps new
    names to SAS-date (or ``…DTM`` datetime) columns; a list ``["ASTDT"]`` derives ``ASTDY`` from ``ASTDT``.
    """
    mapping = (dict(source_vars) if isinstance(source_vars, dict)
               else {(v[:-3] if v.endswith("DTM") else v[:-2]) + "DY": v for v in as_list(source_vars)})
    require(df, [reference_date, *mapping.values()], "derive_vars_dy")

    def days(col: str) -> pd.Series:
        return np.floor(df[col] / 86400.0) if col.endswith("DTM") else df[col]

    ref = days(reference_date)
    new = {}
    for name, col in mapping.items():
        diff = days(col) - ref
        new[name] = diff.where(diff < 0, diff + 1)
    return df.assign(**new)


def derive_vars_dtm_to_tm(df: pd.DataFrame, source_vars: Sequence[str]) -> pd.DataFrame:
    """``--TM`` (SAS time, seconds since midnight, TIME8.) from each ``--DTM`` (admiral ``derive_vars_dtm_to_tm``).

    >>> derive_vars_dtm_to_tm(pd.DataFrame({"ASTDTM": [86400.0 + 3723.0, np.nan]}), ["ASTDTM"])["ASTTM"].tolist()
    [3723.0, nan]
    """
    return df.assign(**{v.replace("DTM", "TM"): np.mod(df[v], 86400.0) for v in source_vars})
