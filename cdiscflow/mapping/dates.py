"""``datetime`` and ``ref_date``: ISO 8601 text from raw date and time fields.

Collected dates keep their precision: ``26-DEC-2013`` → ``2013-12-26``, ``UN-FEB-2014`` → ``2014-02``,
``UN-UNK-2014`` → ``2014``, a bare year ``2003`` → ``2003``. Other layouts are given as strptime formats
(``%m/%d/%Y``, ``%Y-%m-%d``, ``%m-%d-%Y`` ...). A time ``HH:MM`` (or ``HH:MM:SS``) is appended when the date is
complete; an unknown time (blank, ``UN:UN``, ``UNK``) leaves the date alone. A value that looks like a date but
is impossible (``31-FEB-2014``), or matches no format, is an error or a rejected row naming file, row and
variable. Everything is vectorised (regex extraction and ``to_datetime(errors="coerce")``).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.expr import evaluate
from cdiscflow.mapping.context import MapContext, by_unique, column, expr_frame
from cdiscflow.specs.model import Variable

MONTHS = {m: f"{i:02d}" for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
UNKNOWN = r"(?:UN|UNK|UNKN|NK|XX|--)"
# ASCII digits only: ``\d`` matches any script's digits, which would pass into SDTM as they are
DMY = re.compile(rf"^(?P<d>[0-9]{{1,2}}|{UNKNOWN})[-/ ](?P<m>[A-Za-z]{{3}}|{UNKNOWN})[-/ ](?P<y>[0-9]{{4}})$", re.I)
YEAR = re.compile(rf"^(?:(?:{UNKNOWN})[-/ ]){{0,2}}(?P<y>[0-9]{{4}})$", re.I)
TIME = re.compile(r"^(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?$")
UNKNOWN_TIME = re.compile(rf"^(?:{UNKNOWN}(?::{UNKNOWN})*|{UNKNOWN}:[0-9]{{2}})?$", re.I)
DEFAULT_FORMATS = ["%d-%b-%Y", "%Y-%m-%d"]


def _shape(fmt: str) -> re.Pattern[str]:
    """A loose regex for values written in ``fmt`` (to tell an impossible date from an unparseable one)."""
    parts = {"%d": r"\d{1,2}", "%m": r"\d{1,2}", "%Y": r"\d{4}", "%y": r"\d{2}", "%b": r"[A-Za-z]{3}",
             "%B": r"[A-Za-z]+", "%H": r"\d{1,2}", "%M": r"\d{2}", "%S": r"\d{2}"}
    out, i = "", 0
    while i < len(fmt):
        tok = fmt[i:i + 2]
        if tok in parts:
            out += parts[tok]
            i += 2
        else:
            out += re.escape(fmt[i])
            i += 1
    return re.compile(f"^{out}$")


def iso_dates(text: pd.Series, formats: list[str] | None = None) -> tuple[pd.Series, pd.Series]:
    """ISO 8601 dates (partial where collected) from raw text; returns (iso, impossible-or-unparseable mask).
    Each distinct text is parsed once."""
    return by_unique(text, lambda distinct: _iso_dates(distinct, formats))


def _iso_dates(text: pd.Series, formats: list[str] | None) -> tuple[pd.Series, pd.Series]:
    text = text.astype(str).str.strip()
    iso = pd.Series("", index=text.index, dtype=object)
    todo = text != ""
    # DD-MON-YYYY with unknown parts
    m = text.str.extract(DMY)
    hit = todo & m["y"].notna()
    if hit.any():
        day = m["d"].str.upper().where(~m["d"].str.upper().str.fullmatch(UNKNOWN, na=False), "")
        mon = m["m"].str.upper().map(MONTHS).fillna("")
        full = hit & (day != "") & (mon != "")
        iso[hit & (mon == "")] = m.loc[hit & (mon == ""), "y"]
        ym = hit & (mon != "") & (day == "")
        iso[ym] = m.loc[ym, "y"] + "-" + mon[ym]
        iso[full] = m.loc[full, "y"] + "-" + mon[full] + "-" + day[full].str.zfill(2)
        bad_month = hit & (mon == "") & ~m["m"].str.fullmatch(UNKNOWN, case=False, na=False)
        iso[bad_month] = ""
        todo &= ~hit | bad_month
    year = todo & text.str.fullmatch(YEAR, na=False)
    iso[year] = text[year].str.extract(YEAR)["y"]
    todo &= ~year
    shaped = pd.Series(False, index=text.index)
    for fmt in formats or DEFAULT_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text.where(todo), format=fmt, errors="coerce")
        ok = todo & parsed.notna()
        iso[ok] = parsed[ok].dt.strftime("%Y-%m-%d")
        todo &= ~ok
        shaped |= todo & text.str.fullmatch(_shape(fmt), na=False)
    # complete dates must exist on the calendar (31-FEB-2014)
    complete = iso.str.len() == 10
    real = pd.to_datetime(iso.where(complete), format="%Y-%m-%d", errors="coerce")
    impossible = complete & real.isna()
    iso[impossible] = ""
    return iso, todo | impossible | shaped & todo


def iso_times(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``HH:MM`` (or ``HH:MM:SS``) from raw times; unknown → blank; returns (time, invalid mask). Each distinct
    text is parsed once."""
    return by_unique(text, _iso_times)


def _iso_times(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = text.astype(str).str.strip()
    m = text.str.extract(TIME)
    h = pd.to_numeric(m["h"], errors="coerce")
    mi = pd.to_numeric(m["mi"], errors="coerce")
    s = pd.to_numeric(m["s"], errors="coerce")
    valid = h.between(0, 23) & mi.between(0, 59) & (s.isna() | s.between(0, 59))
    out = (h.astype("Int64").astype(str).str.zfill(2) + ":" + m["mi"]).where(valid, "")
    out = out.where(s.isna() | ~valid, out + ":" + m["s"])
    unknown = text.str.fullmatch(UNKNOWN_TIME, na=False)
    return out.fillna("").astype(object), ~valid & ~unknown


def combine(dates: pd.Series, times: pd.Series | None) -> pd.Series:
    """Date plus ``T`` time where the date is complete and the time known."""
    if times is None:
        return dates
    with_time = (dates.str.len() == 10) & (times != "")
    return dates.where(~with_time, dates + "T" + times)


def _parts(arg: Any, var: Variable) -> tuple[str, str | None, list[str] | None, dict[str, Any]]:
    if isinstance(arg, str):
        return arg, None, None, {}
    if isinstance(arg, list) and 1 <= len(arg) <= 2 and all(isinstance(a, str) for a in arg):
        return arg[0], (arg[1] if len(arg) == 2 else None), None, {}
    if isinstance(arg, dict) and isinstance(arg.get("date"), str):
        fmts = arg.get("format", arg.get("formats"))
        fmts = [fmts] if isinstance(fmts, str) else fmts
        return arg["date"], arg.get("time"), fmts, arg
    raise SpecError(f"{var.name}: datetime {arg!r}", variable=var.name,
                    expected="DATECOL, [DATECOL, TIMECOL] or {date: COL, time: COL, format: '%d-%b-%Y'}")


def datetime(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """ISO 8601 from a raw date (and optional time) column."""
    date_col, time_col, formats, opts = _parts(arg, var)
    raw_date = column(work, date_col, ctx, var.name)
    dates, bad = iso_dates(raw_date, formats)
    policy = ctx.policy(opts, "on_invalid")
    fmt_text = ", ".join(formats or DEFAULT_FORMATS)
    ctx.bad_values(work, bad, var.name, raw_date, f"impossible or unreadable date in {date_col}:", policy,
                   expected=f"a real date as {fmt_text} (unknown parts UN/UNK allowed)")
    times = None
    if time_col:
        raw_time = column(work, time_col, ctx, var.name)
        times, bad_time = iso_times(raw_time)
        ctx.bad_values(work, bad_time & ~bad, var.name, raw_time, f"invalid time in {time_col}:", policy,
                       expected="HH:MM (00:00-23:59) or unknown")
    return combine(dates, times)


def ref_date(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """Per subject, the first (``min``) or last (``max``) ISO date over one or more raw extracts."""
    if not isinstance(arg, dict) or arg.get("agg", "min") not in ("min", "max") or not arg.get("sources"):
        raise SpecError(f"{var.name}: ref_date {arg!r}", variable=var.name,
                        expected="{agg: min|max, sources: [{source: EXTRACT, date: COL, time: COL, format: ...,"
                                 " where: CONDITION}]}")
    subject = subject_column(ctx, var)
    frames = []
    for src in arg["sources"]:
        raw = ctx.extract_frame(src["source"], var.name)
        keep = evaluate(src.get("where"), expr_frame(raw)) if src.get("where") else pd.Series(True, index=raw.index)
        sub = raw[keep]
        saved = ctx.extract
        ctx.extract = src["source"]
        try:
            iso = datetime(sub, {k: v for k, v in src.items() if k in ("date", "time", "format", "on_invalid")},
                           ctx, var)
        finally:
            ctx.extract = saved
        frames.append(pd.DataFrame({"subject": column(sub, subject, ctx, var.name), "iso": iso}))
    allv = pd.concat(frames, ignore_index=True)
    allv = allv[allv["iso"] != ""].sort_values("iso", kind="stable")  # ISO text sorts chronologically
    agg = allv.drop_duplicates("subject", keep="first" if arg.get("agg", "min") == "min" else "last"
                               ).set_index("subject")["iso"]
    return column(work, subject, ctx, var.name).map(agg).fillna("").astype(object)


def subject_column(ctx: MapContext, var: Variable) -> str:
    """The raw column naming the subject in every extract (dataset setting ``subject``)."""
    subject = ctx.spec.settings.get("subject") if ctx.spec else None
    if not isinstance(subject, str):
        raise SpecError(f"{var.name}: cross-extract lookups need settings.subject", variable=var.name,
                        file=ctx.spec.file if ctx.spec else None, expected="settings: {subject: PATNUM}")
    return subject


def study_day(dtc: pd.Series, ref: pd.Series) -> pd.Series:
    """SDTM study day: date − reference date, +1 on or after the reference (there is no day 0); missing when
    either date is partial."""
    d = pd.to_datetime(dtc.astype(str).str[:10].where(dtc.astype(str).str.len() >= 10), format="%Y-%m-%d",
                       errors="coerce")
    r = pd.to_datetime(ref.astype(str).str[:10].where(ref.astype(str).str.len() >= 10), format="%Y-%m-%d",
                       errors="coerce")
    diff = (d - r).dt.days.astype("float64")
    return pd.Series(np.where(diff >= 0, diff + 1, diff), index=dtc.index, dtype="float64")
