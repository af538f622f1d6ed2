"""Implausible dates: --DTC text and ADaM numeric dates (*DT days, *DTM seconds since 1960-01-01) before an
earliest plausible date (1900-01-01) or after the study's data cut-off (``study.yaml`` ``data_cutoff:``; without
one, the day of the run by the clock). Partial dates compare on the part that is known: "2099" is after a
2026-03-31 cut-off, "2026-03" is not, "1899-12" is before 1900-01-01, "1900-01" is not."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.specs.conform import SAS_EPOCH
from cdiscflow.validation.checks.base import check, hit
from cdiscflow.validation.checks.sdtm import _valid_iso
from cdiscflow.validation.context import StudyData, Target
from cdiscflow.validation.model import Hit

_KNOWN = r"^([0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?)"  # the leading known date part of an ISO 8601 value


def latest_date(study: StudyData) -> tuple[str, str]:
    """The latest plausible date (ISO) and how to name it: the data cut-off, else today (UTC, the clock: a
    pinned ``SOURCE_DATE_EPOCH`` is often a past date and would make real data look like the future)."""
    if study.data_cutoff:
        return study.data_cutoff, f"the data cut-off {study.data_cutoff}"
    today = datetime.now(tz=UTC).date().isoformat()
    return today, f"the run date {today} (study.yaml has no data_cutoff)"


def _outside_text(values: pd.Series, earliest: str, latest: str) -> tuple[pd.Series, pd.Series]:
    """(before ``earliest``, after ``latest``) for ISO 8601 text, judged on each valid value's known date part."""
    distinct = pd.Series(values.unique(), dtype=object)
    known = distinct.str.extract(_KNOWN)[0].where(_valid_iso(distinct))
    width = known.str.len()
    # ISO text at a common precision sorts as dates do: compare each known part with the bound cut to its width
    lo, hi = (width.map({w: bound[:w] for w in (4, 7, 10)}) for bound in (earliest, latest))
    early = set(distinct[known.notna() & (known < lo)])
    late = set(distinct[known.notna() & (known > hi)])
    return values.isin(early), values.isin(late)


def _sas_day(iso: str) -> int:
    return (pd.Timestamp(iso) - SAS_EPOCH).days


def _shown(days: pd.Series, raw: pd.Series) -> pd.Series:
    """A numeric date as ``<value> (<ISO date>)``; the value alone when it is beyond the calendar pandas knows."""
    iso = pd.to_datetime(days.where(days.abs() < 100_000_000), unit="D", origin="1960-01-01", errors="coerce")
    return raw.astype("str") + (" (" + iso.dt.strftime("%Y-%m-%d") + ")").fillna("")


@check("date_range")
def date_range(t: Target, earliest: str = "1900-01-01") -> list[Hit]:
    """Dates before ``earliest`` or after the data cut-off (today without one): text --DTC values, numeric
    ADaM dates (*DT in days, *DTM in seconds since 1960-01-01) and datetime columns."""
    earliest = earliest.isoformat() if isinstance(earliest, date) else str(earliest)
    try:
        date.fromisoformat(earliest)
    except ValueError:
        raise SpecError(f"date_range: earliest is {earliest!r}", variable="earliest",
                        expected="a date YYYY-MM-DD, e.g. earliest: 1900-01-01") from None
    latest, latest_name = latest_date(t.study)
    out: list[Hit] = []
    for name in t.variables:
        col = t.df[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            days = (col.dt.tz_localize(None) if col.dt.tz else col).dt.floor("D")
            early, late = days < pd.Timestamp(earliest), days > pd.Timestamp(latest)
            shown = col.astype("str")
        elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            if not name.endswith(("DT", "DTM")):
                continue
            days = np.floor(col.astype("float64") / (86400.0 if name.endswith("DTM") else 1.0))
            early, late = days < _sas_day(earliest), days > _sas_day(latest)
            shown = _shown(days, col)
        elif name.endswith("DTC"):
            shown = t.text(name)
            early, late = _outside_text(shown, earliest, latest)
        else:
            continue
        out += hit(name, early, f"before {earliest}", shown)
        out += hit(name, late, f"after {latest_name}", shown)
    return out
