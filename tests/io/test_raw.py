"""Raw CSV extracts: text only, "NA" kept, row numbers, encoding errors named."""

from __future__ import annotations

import pandas as pd
import pytest

from cdiscflow.errors import DataError
from cdiscflow.io.raw import read_raw_csv, read_raw_folder


def test_all_text_with_row_numbers(tmp_path):
    path = tmp_path / "dm.csv"
    path.write_bytes(b'\xef\xbb\xbfSUBJ,SEX,NOTE\n02-007,NA,\n02-008,F,"two\nlines"\n')
    df = read_raw_csv(path)
    expected = pd.DataFrame({"SUBJ": ["02-007", "02-008"], "SEX": ["NA", "F"], "NOTE": ["", "two\nlines"],
                             "__row__": [1, 2]})
    pd.testing.assert_frame_equal(df, expected, check_dtype=False)
    assert df["SUBJ"].map(type).eq(str).all()


def test_not_utf8_names_line_and_byte(tmp_path):
    path = tmp_path / "ae.csv"
    path.write_bytes(b"A,B\n1,ok\n2,caf\xe9\n")
    with pytest.raises(DataError, match=r"line 3, byte offset 14: byte 0xe9") as err:
        read_raw_csv(path)
    assert err.value.file == str(path)


@pytest.mark.parametrize("content, match", [
    (b"", "empty"), (b"A,A\n1,2\n", "appear twice"), (b"A,B\n1,2,3,4\n", "malformed"), (b"A,B\n1,2\n3\n", "1 values")])
def test_bad_files(tmp_path, content, match):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match):
        read_raw_csv(path)


def test_folder_by_stem(tmp_path):
    (tmp_path / "dm.csv").write_text("A\n1\n")
    (tmp_path / "ae.csv").write_text("B\nx\ny\n")
    (tmp_path / "notes.txt").write_text("ignored")
    raw = read_raw_folder(tmp_path)
    assert list(raw) == ["ae", "dm"]
    assert raw["ae"]["__row__"].tolist() == [1, 2]


def test_pharmaverse_extract(shared_data):
    df = read_raw_csv(shared_data / "pharmaverseraw" / "dm_raw.csv")
    assert len(df) > 0 and df["__row__"].iloc[-1] == len(df)
    assert not df.drop(columns="__row__").isna().any().any()
