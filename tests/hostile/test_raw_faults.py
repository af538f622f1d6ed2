"""Faulty raw extracts of the simulated built-in study through ``cdiscflow sdtm``: each one is refused with
exit 2 and one line naming the file, the row (and the variable where there is one), without a traceback,
and nothing is published."""

from __future__ import annotations

import pytest
from hostile_data import (
    assert_nothing_published,
    assert_one_line_error,
    cli,
    edit_row,
    replace_once,
    set_cell,
)

AE, DM, LB, CODING, VS, DICT = ("adverse_events.csv", "demographics.csv", "safety_lab.csv", "ae_coding.csv",
                                "vital_signs.csv", "data_dictionary.csv")


def control(char: int, column: str = "AETERM", name: str = AE, row: int = 3):
    """A C0 control character planted inside one value."""
    return pytest.param(name, set_cell(row, column, b"Head" + bytes([char]) + b"ache"),
                        [name, f"row {row}", f"variable {column}", f"0x{char:02x}"], id=f"c0-{char:02x}-{column}")


CASES = [
    # NUL and other C0 control characters (tab, CR and LF are allowed) -- refused with file/row/variable
    control(0x00), control(0x01), control(0x07), control(0x08), control(0x0B), control(0x0C), control(0x1A),
    control(0x1B), control(0x1F),
    control(0x00, "SEX", DM, 5), control(0x00, "LBORRES", LB, 100), control(0x1B, "AEDECOD", CODING, 7),
    control(0x00, "LABEL", DICT, 2),
    pytest.param(AE, replace_once(b"AETERM", b"AE\x00TERM"), [AE, "header"], id="c0-in-header"),
    # ragged rows
    pytest.param(AE, edit_row(4, lambda line: line + b",extra"), [AE, "row 4", "23 values"], id="ragged-extra"),
    pytest.param(DM, edit_row(2, lambda line: line.rsplit(b",", 1)[0]), [DM, "row 2", "10 values"],
                 id="ragged-short"),
    pytest.param(LB, edit_row(10512, lambda line: line + b",,"), [LB, "row 10512"], id="ragged-last-row"),
    pytest.param(VS, edit_row(1, lambda line: b"x"), [VS, "row 1", "1 values"], id="ragged-one-value"),
    pytest.param(DM, lambda data: data + b'""\n', [DM, "row 60"], id="ragged-quoted-empty-line"),
    # quotes
    pytest.param(AE, set_cell(5, "AETERM", b'"Head pain'), [AE, "row 5", "unbalanced quote", "line 6"],
                 id="quote-unbalanced"),
    pytest.param(AE, lambda data: data + b'01,01-007,99,"never closed\n', [AE, "unbalanced quote"],
                 id="quote-unbalanced-at-end"),
    pytest.param(AE, set_cell(6, "AETERM", b'"Head"ache'), [AE, "row 6", "expected after"],
                 id="quote-text-after-closing"),
    pytest.param(DM, set_cell(3, "SEX", b'"Male" '), [DM, "row 3"], id="quote-space-after-closing"),
    pytest.param(CODING, replace_once(b'"Injury, poisoning and procedural complications"',
                                     b'"Injury, poisoning and procedural complications'),
                 [CODING, "row ", "malformed CSV", "line "], id="quote-unbalanced-lookup"),
    # encodings
    pytest.param(AE, set_cell(2, "AETERM", "Céphalée".encode("latin-1")), [AE, "line 3", "0xe9", "not UTF-8"],
                 id="enc-latin1"),
    pytest.param(AE, set_cell(2, "AETERM", "“Head”".encode("cp1252")), [AE, "line 3", "0x93"], id="enc-cp1252"),
    pytest.param(DM, lambda data: data.decode().encode("utf-16"), [DM, "0xff", "not UTF-8"], id="enc-utf16"),
    pytest.param(DM, lambda data: data + b"02,02-099,\xe2\x82", [DM, "not UTF-8"], id="enc-truncated-sequence"),
    pytest.param(DM, set_cell(4, "ETHNIC", b"\xc0\xaf"), [DM, "line 5", "0xc0"], id="enc-overlong"),
    pytest.param(DM, set_cell(4, "ETHNIC", b"\xed\xa0\x80"), [DM, "line 5", "0xed"], id="enc-surrogate"),
    pytest.param(VS, set_cell(8, "TEMPU", b"\xff"), [VS, "line 9", "0xff"], id="enc-invalid-start-byte"),
    # header names
    pytest.param(AE, replace_once(b"AEENDAT", b"AESTDAT"), [AE, "AESTDAT", "appear twice"], id="header-duplicate"),
    pytest.param(DM, replace_once(b"ETHNIC", b""), [DM, "header", "column 6 has no name"], id="header-empty"),
    pytest.param(DM, replace_once(b"ETHNIC", b"  "), [DM, "column 6 has no name"], id="header-blank"),
    pytest.param(DM, replace_once(b"ETHNIC", b"__row__"), [DM, "__row__", "reserved"], id="header-reserved"),
    # empty files
    pytest.param(DM, lambda data: b"", [DM, "empty file"], id="empty-file"),
    pytest.param(AE, lambda data: b"\r\n\n  \n", [AE, "empty file"], id="whitespace-only-file"),
    pytest.param(AE, lambda data: b"\xef\xbb\xbf", [AE, "empty file"], id="bom-only-file"),
    # non-numeric results where the value-level metadata says LBSTRESN is Num (hematology/chemistry)
    *[pytest.param(LB, set_cell(1, "LBORRES", value), [LB, "row 1", "variable LBSTRESN", "not a number"],
                   id=f"nonnumeric-{value.decode() or 'x'}")
      for value in (b"abc", b"high", b"NaN", b"inf", b'"3,7"', b"--", b"1e999")],
    # a subject twice in DM: both raw rows named
    pytest.param(DM, edit_row(2, replace_once(b"03,03-001", b"02,02-002")), [DM, "duplicate key", "raw rows 2, 3"],
                 id="dm-duplicate-subject"),
    # impossible calendar date
    pytest.param(AE, set_cell(2, "AESTDAT", b"31-FEB-2014"), [AE, "row 2", "variable AESTDTC"],
                 id="date-impossible"),
]


@pytest.mark.parametrize("name, edit, needles", CASES)
def test_faulty_extract_is_refused(faulty_raw, tmp_path, name, edit, needles):
    raw = faulty_raw(name, edit)
    out = tmp_path / "out"
    code, _, err = cli("sdtm", "--raw", str(raw), "--out", str(out))
    assert_one_line_error(code, err, *needles)
    assert_nothing_published(out, "sdtm")


def test_a_folder_named_like_an_extract(faulty_raw, tmp_path):
    raw = faulty_raw()
    (raw / "notes.csv").mkdir()
    code, _, err = cli("sdtm", "--raw", str(raw), "--out", str(tmp_path / "out"))
    assert_one_line_error(code, err, "notes.csv", "folder")


def test_unreadable_extract_names_the_path(faulty_raw, tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    raw = faulty_raw()
    (raw / DM).chmod(0)
    code, _, err = cli("sdtm", "--raw", str(raw), "--out", str(tmp_path / "out"))
    assert_one_line_error(code, err, DM, "Permission denied")
