"""Property-based tests of the raw CSV reader (pyarrow fast path, strict ``csv`` fallback)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdiscflow.errors import DataError
from cdiscflow.io.raw import ROW, read_raw_csv, strict_read

FUZZ = settings(derandomize=True, max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# bytes that matter to a CSV parser, plus a few ordinary ones, a control character and a non-UTF-8 byte
CSV_BYTES = st.lists(st.sampled_from([b"a", b"b", b"1", b",", b'"', b"\n", b"\r", b"\r\n", b" ", b"\t", b"\x00",
                                      b"\x1b", b"\xe9", b"\xc3\xa9", b"\xef\xbb\xbf"]), max_size=60).map(b"".join)
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters=[
    *map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])]), max_size=12)
NAME = st.text(st.characters(whitelist_categories=["Lu", "Ll", "Nd"], max_codepoint=0x2FF), min_size=1, max_size=8)


def read_bytes(data: bytes) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        path.write_bytes(data)
        return read_raw_csv(path)


@FUZZ
@given(st.one_of(CSV_BYTES, st.binary(max_size=80)))
def test_fuzz_random_bytes_read_or_typed_error(data):
    """Any bytes: a frame of text columns numbered 1..n, or a DataError naming the file -- nothing else."""
    try:
        df = read_bytes(data)
    except DataError as exc:
        assert exc.file and exc.file.endswith("x.csv")
        return
    assert df[ROW].tolist() == list(range(1, len(df) + 1))
    assert all(isinstance(v, str) for c in df.columns if c != ROW for v in df[c])


@FUZZ
@given(CSV_BYTES)
def test_fuzz_fast_path_is_as_strict_as_the_csv_module(data):
    """On UTF-8 input, pyarrow's path accepts exactly what the strict reader accepts, with the same values."""
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return
    try:
        expected = strict_read(text, Path("x.csv"))
    except DataError:
        expected = None
    try:
        got = read_bytes(data).drop(columns=ROW)
    except DataError:
        got = None
    if expected is None or got is None:
        has_control = any(ch in text for ch in map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))
        assert (expected is None) == (got is None) or (got is None and has_control)
        return
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)


@FUZZ
@given(st.lists(NAME, min_size=1, max_size=5, unique=True).flatmap(
    lambda names: st.tuples(st.just(names), st.lists(st.lists(TEXT, min_size=len(names), max_size=len(names)),
                                                     max_size=6))))
def test_fuzz_round_trip_of_string_tables(table):
    """A table of strings written by ``csv.writer`` reads back identical (quotes, commas, line breaks, spaces)."""
    names, rows = table
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(names)
    writer.writerows(rows)
    got = read_bytes(buf.getvalue().encode("utf-8"))
    expected = pd.DataFrame(rows, columns=names, dtype=str) if rows else pd.DataFrame(columns=names, dtype=str)
    pd.testing.assert_frame_equal(got.drop(columns=ROW), expected, check_dtype=False, check_index_type=False)
