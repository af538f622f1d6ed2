"""The check functions' building blocks: ISO 8601 recognition, variable patterns, blanks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdiscflow.validation.checks.sdtm import _valid_iso
from cdiscflow.validation.context import is_blank, resolve, text


@pytest.mark.parametrize(("value", "ok"), [
    ("2024-01-15", True), ("2024-01", True), ("2024", True), ("2024-01-15T10", True), ("2024-01-15T10:30", True),
    ("2024-01-15T10:30:15", True), ("2024-01-15T10:30:15.123", True), ("2024-01-15T10:30Z", True),
    ("2024-01-15T10:30+01:00", True), ("2024---15", True), ("2024-01-15T-:30", True),
    ("2024-02-29", True), ("2023-02-29", False), ("2024-13-01", False), ("2024-01-32", False),
    ("2024-01-15T24:00", False), ("2024-01-15 10:30", False), ("15/01/2024", False), ("20240115", False),
    ("2024-1-5", False), ("UNK", False), ("2024-01-15T", False), ("P2D", False),
    # regressions (ISO 8601 fuzz): other scripts' digits, a trailing newline, an unknown year before month 00
    ("\u0662\u0660\u0662\u0664-01-15", False), ("\uff12\uff10\uff12\uff14", False), ("2024\n", False),
    ("--00", False), ("--13-01", False),
])
def test_iso8601(value: str, ok: bool) -> None:
    assert bool(_valid_iso(pd.Series([value]))[0]) is ok


def test_resolve_patterns() -> None:
    cols = ["AESTDTC", "AEENDTC", "AESEQ", "RFSTDTC", "USUBJID"]
    assert resolve("--SEQ", "AE", cols) == ["AESEQ"]
    assert resolve("--SEQ", "CM", cols) == []
    assert resolve("*DTC", "AE", cols) == ["AESTDTC", "AEENDTC", "RFSTDTC"]
    assert resolve("usubjid", "AE", cols) == ["USUBJID"]


def test_blank_and_text() -> None:
    s = pd.Series(["A ", "", None, "  B"], dtype=object)
    assert is_blank(s).tolist() == [False, True, True, False]
    assert text(s).tolist() == ["A", "", "", "  B"]
    assert is_blank(pd.Series([1.0, np.nan])).tolist() == [False, True]
