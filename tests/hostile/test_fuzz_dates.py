"""Property-based tests of the ISO 8601 date parsers (fixed seed, bounded): ``cdiscflow.adam.dates.parse_iso``
(ISO text → components), the SDTM validator's ISO 8601 recogniser, and ``cdiscflow.mapping.dates`` (raw
dates and times → ISO 8601 text). Any text gives the typed error or the parser's missing value, never another
exception; dates built from components come back as those components; impossible values are refused; a
column gives what its values give one by one."""

from __future__ import annotations

import calendar
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal

from cdiscflow.adam.dates import derive_vars_dtm, parse_iso
from cdiscflow.errors import DerivationError
from cdiscflow.mapping.dates import MONTHS, iso_dates, iso_times
from cdiscflow.validation.checks.sdtm import _valid_iso

FUZZ = settings(derandomize=True, max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_COLUMNS = settings(FUZZ, max_examples=40)  # each example parses every value alone too
KEYS = list("YMDhms")
# pieces ISO 8601 text is made of, some out of range, and some that look like them (other scripts' digits,
# blanks, a trailing newline, time zones)
ISO_PIECES = st.sampled_from(["2019", "0000", "07", "02", "30", "31", "13", "00", "25", "60", "1", "-", "-", ":", "T",
                              ".5", " ", "\n", "Z", "+01:00", "٢٠١٩", "０７", "x", "/"])
ISO_SOUP = st.lists(ISO_PIECES, max_size=12).map("".join)
TZ = re.compile(r"T.*(?:Z|[+-][0-9]{2}(?::[0-9]{2})?)$")


@st.composite
def components(draw: st.DrawFn) -> dict[str, int | None]:
    """A date/time as components, right-truncated at a random depth, middle components possibly unknown (None)."""
    year = draw(st.integers(1, 9999))
    month = draw(st.integers(1, 12))
    full = {"Y": year, "M": month, "D": draw(st.integers(1, calendar.monthrange(year, month)[1])),
            "h": draw(st.integers(0, 23)), "m": draw(st.integers(0, 59)), "s": draw(st.integers(0, 59))}
    depth = draw(st.integers(1, 6))
    parts: dict[str, int | None] = {k: (full[k] if i < depth else None) for i, k in enumerate(KEYS)}
    for key in KEYS[:min(depth, 5) - 1]:  # an unknown component ("-") before the last known one
        if draw(st.booleans()) and draw(st.booleans()):
            parts[key] = None
    return {**parts, "depth": depth}


def iso_text(parts: dict[str, int | None], fraction: str = "") -> str:
    """SDTMIG 4.4.2 text of ``components``: ``2019-07-18T10:30``, ``2019---18``, ``2019-07-18T-:30``."""
    def field(key: str) -> str:
        value = parts[key]
        return "-" if value is None else f"{value:04d}" if key == "Y" else f"{value:02d}"

    seps = ["", "-", "-", "T", ":", ":"]
    text = "".join(seps[i] + field(k) for i, k in enumerate(KEYS[:parts["depth"]]))
    return text + (fraction if parts["depth"] == 6 else "")


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid ISO 8601 value with one fault: cut short, a number out of range, a digit of another script, a
    character added or dropped."""
    text = iso_text(draw(components()), draw(st.sampled_from(["", ".5"])))
    at = draw(st.integers(0, len(text)))
    kind = draw(st.sampled_from(["cut", "number", "digit", "insert", "drop"]))
    if kind == "cut":
        return text[:at]
    if kind == "number":
        numbers = list(re.finditer(r"[0-9]+", text))
        m = numbers[draw(st.integers(0, len(numbers) - 1))]
        number = draw(st.sampled_from(["00", "13", "24", "25", "32", "60", "99", "0"]))
        return text[:m.start()] + number + text[m.end():]
    if kind == "digit":
        digits = [i for i, ch in enumerate(text) if ch.isdigit()]
        i = digits[draw(st.integers(0, len(digits) - 1))]
        return text[:i] + chr(0x0660 + int(text[i])) + text[i + 1:]  # ARABIC-INDIC DIGIT of the same value
    if kind == "insert":
        return text[:at] + draw(st.sampled_from(["-", "T", ":", " ", "\n", "0", "x", "Z"])) + text[at:]
    return text[:at] + text[at + 1:]


TEXT = st.one_of(st.text(max_size=30), ISO_SOUP, mutated())


def expected_parts(parts: dict[str, int | None]) -> list[float]:
    """What parse_iso returns: the components, a day without its month and a time part without the one above
    it being meaningless (missing)."""
    got = {k: (np.nan if parts[k] is None or i >= parts["depth"] else float(parts[k])) for i, k in enumerate(KEYS)}
    for child, parent in (("D", "M"), ("m", "h"), ("s", "m")):
        if np.isnan(got[parent]):
            got[child] = np.nan
    return [got[k] for k in KEYS]


def real_calendar_day(text: str) -> bool:
    """True unless the text starts with a complete date the calendar lacks (scalar oracle: ``datetime.date``)."""
    m = re.match(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    if not m:
        return True
    try:
        date(*map(int, m.groups()))
    except ValueError:
        return False
    return True


def parsed_or_none(text: str) -> list[float] | None:
    try:
        return parse_iso(pd.Series([text])).iloc[0].tolist()
    except DerivationError as exc:
        assert exc.variable == "--DTC" and exc.row == "0" and "ISO 8601" in str(exc)
        return None


# ---- cdiscflow.adam.dates.parse_iso ---------------------------------------------------------------------------

@FUZZ
@given(st.lists(TEXT, max_size=6))
def test_fuzz_parse_iso_any_text_gives_components_or_the_typed_error(texts: list[str]) -> None:
    series = pd.Series(texts, index=range(10, 10 + len(texts)), dtype=object)
    try:
        got = parse_iso(series, "AESTDTC")
    except DerivationError as exc:
        assert exc.variable == "AESTDTC" and exc.row
        return
    assert list(got.columns) == KEYS and got.index.equals(series.index)
    assert (got.dtypes == "float64").all()
    # a value that starts with a year has one (text of other scripts' digits used to come back as no date)
    starts = pd.Series([t.strip()[:1] not in ("", "-") for t in texts], index=series.index, dtype=bool)
    assert got["Y"][starts].notna().all(), texts
    for key, (lo, hi) in {"M": (1, 12), "D": (1, 31), "h": (0, 23), "m": (0, 59), "s": (0, 59)}.items():
        present = got[key].dropna()
        assert present.between(lo, hi).all() and (present == present.round()).all(), (key, texts)


@FUZZ
@given(components(), st.sampled_from(["", ".5", ".123456"]), st.sampled_from(["", " ", "  "]))
def test_fuzz_parse_iso_round_trips_generated_dates(parts: dict, fraction: str, pad: str) -> None:
    text = iso_text(parts, fraction)
    assert parsed_or_none(pad + text + pad) == pytest.approx(expected_parts(parts), nan_ok=True), text
    assert bool(_valid_iso(pd.Series([text]))[0]), text


OUT_OF_RANGE = st.one_of(st.tuples(st.just(1), st.sampled_from([0, 13, 19, 99])),   # month
                         st.tuples(st.just(2), st.sampled_from([0, 32, 40, 99])),   # day
                         st.tuples(st.just(3), st.sampled_from([24, 25, 99])),      # hour
                         st.tuples(st.just(4), st.sampled_from([60, 61, 99])),      # minute
                         st.tuples(st.just(5), st.sampled_from([60, 99])))          # second


@FUZZ
@given(components().filter(lambda p: all(p[k] is not None for k in KEYS[:p["depth"]])), OUT_OF_RANGE)
def test_fuzz_out_of_range_components_are_refused(parts: dict, bad: tuple[int, int]) -> None:
    """Month 13, day 32, hour 25, minute 60, second 60 are malformed: the parser's typed error, and not valid
    SDTM ISO 8601 either (an hour 25 used to become a datetime on the next day)."""
    position, value = bad
    parts = {**parts, KEYS[position]: value, "depth": max(parts["depth"], position + 1)}
    for key in KEYS[:parts["depth"]]:  # the components before the bad one are known
        parts[key] = 1 if parts[key] is None else parts[key]
    text = iso_text(parts)
    assert parsed_or_none(text) is None, text
    assert not bool(_valid_iso(pd.Series([text]))[0]), text


@FUZZ
@given(st.integers(1, 9999), st.integers(1, 12), st.integers(29, 31), st.sampled_from(["", "T10:30"]))
def test_fuzz_days_the_month_lacks_give_a_missing_date(year: int, month: int, day: int, time: str) -> None:
    """Feb 30, Apr 31, Feb 29 of a common year: parse_iso's contract is a missing (imputed-never) date."""
    if day <= calendar.monthrange(year, month)[1]:
        return
    text = f"{year:04d}-{month:02d}-{day:02d}{time}"
    got = derive_vars_dtm(pd.DataFrame({"DTC": [text]}), "AST", "DTC", highest_imputation="n")
    assert np.isnan(got["ASTDTM"].iloc[0]), text
    assert not bool(_valid_iso(pd.Series([text]))[0]), text


@FUZZ
@given(st.one_of(TEXT, components().map(iso_text)))
def test_fuzz_validator_and_parser_agree(text: str) -> None:
    """The SDTM validator accepts a value exactly when parse_iso reads it (stripped as the checks strip) and
    its calendar day exists -- time zones aside, which parse_iso does not read."""
    stripped = text.strip()
    valid = bool(_valid_iso(pd.Series([stripped]))[0])
    assert not valid or stripped.isascii(), text
    if TZ.search(stripped):
        return
    assert valid == (stripped != "" and parsed_or_none(stripped) is not None and real_calendar_day(stripped)), text


@FUZZ_COLUMNS
@given(st.lists(st.one_of(components().map(iso_text), st.sampled_from(["", " ", "2019", "2019-07-18"])),
                min_size=1, max_size=8))
def test_fuzz_parse_iso_column_equals_values_one_by_one(texts: list[str]) -> None:
    whole = parse_iso(pd.Series(texts, dtype=object))
    alone = pd.concat([parse_iso(pd.Series([t], dtype=object)) for t in texts], ignore_index=True)
    assert_frame_equal(whole, alone)


# ---- cdiscflow.mapping.dates: raw dates and times → ISO 8601 ----------------------------------------------------

DATE_FORM = re.compile(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$")
RAW_CHARS = st.sampled_from([*"0123456789", "-", "/", " ", "UN", "UNK", "JAN", "FEB", "feb", "XYZ", "٢", ":"])
RAW_DATE = st.one_of(st.text(max_size=20), st.lists(RAW_CHARS, max_size=12).map("".join))


@FUZZ
@given(st.lists(RAW_DATE, max_size=6), st.sampled_from([None, ["%m/%d/%Y"], ["%Y-%m-%d", "%d%b%Y"]]))
def test_fuzz_raw_dates_give_iso_or_a_flag(texts: list[str], formats: list[str] | None) -> None:
    """Any raw text: ISO 8601 (a real date, or a partial) or blank; blank and flagged exactly when it is
    unreadable or impossible (blank raw stays blank, unflagged). Never another exception, never other digits."""
    raw = pd.Series(texts, dtype=object)
    iso, bad = iso_dates(raw, formats)
    assert iso.index.equals(raw.index) and bad.index.equals(raw.index)
    for text, value, flagged in zip(texts, iso, bad, strict=True):
        assert value == "" or (DATE_FORM.match(value) and bool(_valid_iso(pd.Series([value]))[0])), (text, value)
        assert bool(flagged) == (value == "" and text.strip() != ""), (text, value, flagged)


UNKNOWN_DAY = st.sampled_from(["UN", "UNK", "un", "NK", "XX", "--"])
MONTH_NAMES = list(MONTHS)


@FUZZ
@given(st.integers(1, 9999), st.integers(1, 12), st.integers(1, 31), st.integers(0, 2),
       st.sampled_from(["-", "/", " "]), st.booleans(), UNKNOWN_DAY)
def test_fuzz_raw_dates_round_trip(year: int, month: int, day: int, known: int, sep: str, lower: bool,
                                   unknown: str) -> None:
    """DD-MON-YYYY with unknown day/month (UN, UNK ...) keeps what is known: 2014-02-07, 2014-02, 2014."""
    day = min(day, calendar.monthrange(year, month)[1])
    mon = MONTH_NAMES[month - 1].lower() if lower else MONTH_NAMES[month - 1]
    raw = sep.join([str(day) if known == 2 else unknown, mon if known >= 1 else unknown, f"{year:04d}"])
    expected = [f"{year:04d}", f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}-{day:02d}"][known]
    iso, bad = iso_dates(pd.Series([raw]))
    assert (iso.iloc[0], bool(bad.iloc[0])) == (expected, False), raw
    complete = f"{year:04d}-{month:02d}-{day:02d}"
    assert iso_dates(pd.Series([complete]))[0].iloc[0] == complete
    assert iso_dates(pd.Series([f"{month:02d}/{day:02d}/{year:04d}"]), ["%m/%d/%Y"])[0].iloc[0] == complete


@FUZZ
@given(st.integers(1, 9999), st.integers(1, 12), st.integers(29, 32), st.sampled_from([None, ["%Y-%m-%d"]]))
def test_fuzz_impossible_raw_dates_are_flagged(year: int, month: int, day: int, formats: list[str] | None) -> None:
    if day <= calendar.monthrange(year, month)[1]:
        return
    raw = [f"{day:02d}-{MONTH_NAMES[month - 1]}-{year:04d}", f"{year:04d}-{month:02d}-{day:02d}",
           f"00-{MONTH_NAMES[month - 1]}-{year:04d}", f"{year:04d}-13-01"]
    iso, bad = iso_dates(pd.Series(raw), formats)
    assert iso.tolist() == [""] * 4 and bad.all(), raw


@FUZZ_COLUMNS
@given(st.lists(st.one_of(RAW_DATE, st.sampled_from(["07-SEP-2014", "UN-SEP-2014", "2014", ""])), max_size=8))
def test_fuzz_raw_dates_column_equals_values_one_by_one(texts: list[str]) -> None:
    iso, bad = iso_dates(pd.Series(texts, dtype=object))
    alone = [iso_dates(pd.Series([t], dtype=object)) for t in texts]
    assert iso.tolist() == [a[0].iloc[0] for a in alone] and bad.tolist() == [bool(a[1].iloc[0]) for a in alone]


TIME_FORM = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$")


@FUZZ
@given(st.lists(st.one_of(st.text(max_size=10), st.lists(st.sampled_from([*"0123456789", ":", "UN", " ", "١"]),
                                                            max_size=8).map("".join)), max_size=6))
def test_fuzz_raw_times_give_hh_mm_or_a_flag(texts: list[str]) -> None:
    raw = pd.Series(texts, dtype=object)
    out, bad = iso_times(raw)
    assert out.index.equals(raw.index)
    for text, value, flagged in zip(texts, out, bad, strict=True):
        assert value == "" or TIME_FORM.match(value), (text, value)
        assert not (flagged and value), (text, value)
    single = [iso_times(pd.Series([t], dtype=object)) for t in texts]
    assert_series_equal(out, pd.Series([s[0].iloc[0] for s in single], dtype=object), check_dtype=False)


@FUZZ
@given(st.integers(0, 99), st.integers(0, 99), st.one_of(st.none(), st.integers(0, 99)), st.booleans())
def test_fuzz_raw_times_round_trip_or_are_refused(hour: int, minute: int, second: int | None, pad: bool) -> None:
    raw = (f"{hour:02d}" if pad or hour >= 10 else str(hour)) + f":{minute:02d}" + (
        "" if second is None else f":{second:02d}")
    out, bad = iso_times(pd.Series([raw]))
    if hour <= 23 and minute <= 59 and (second is None or second <= 59):
        expected = f"{hour:02d}:{minute:02d}" + ("" if second is None else f":{second:02d}")
        assert (out.iloc[0], bool(bad.iloc[0])) == (expected, False), raw
    else:
        assert (out.iloc[0], bool(bad.iloc[0])) == ("", True), raw
