"""XPT v5: round trip of spec attributes, every refusal, determinism, encodings."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdiscflow.errors import XptError, XptValueError
from cdiscflow.io.xpt import from_readstat, read_xpt, write_xpt
from cdiscflow.specs.model import Dataset, Variable

SPEC = Dataset(name="ADSL", label="Subject-Level Analysis Dataset", keys=["USUBJID"], variables=[
    Variable("STUDYID", "Study Identifier", length=12),
    Variable("USUBJID", "Unique Subject Identifier", length=20),
    Variable("AGE", "Age", type="Num", format="8."),
    Variable("TRTSDT", "Date of First Exposure to Treatment", type="Num", format="DATE9."),
    Variable("TRTSDTM", "Datetime of First Exposure to Treatment", type="Num", format="DATETIME20."),
    Variable("TRTSTM", "Time of First Exposure to Treatment", type="Num", format="TIME8."),
    Variable("SEX", "Sex", length=1),
])


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": ["S-001", "S-002", "S-003"], "STUDYID": ["S", "S", "S"], "AGE": [34, 56, np.nan],
        "TRTSDT": [20000.0, np.nan, 20100.0], "TRTSDTM": [1.7e9, np.nan, 1.8e9], "TRTSTM": [3600.0, 0.0, np.nan],
        "SEX": ["M", "", "F"],
    })


def expected() -> pd.DataFrame:
    return pd.DataFrame({
        "STUDYID": pd.Series(["S", "S", "S"], dtype=object), "USUBJID": pd.Series(["S-001", "S-002", "S-003"],
                                                                                   dtype=object),
        "AGE": [34.0, 56.0, np.nan], "TRTSDT": [20000.0, np.nan, 20100.0], "TRTSDTM": [1.7e9, np.nan, 1.8e9],
        "TRTSTM": [3600.0, 0.0, np.nan], "SEX": pd.Series(["M", "", "F"], dtype=object),
    })


def test_round_trip_applies_spec(tmp_path):
    path = tmp_path / "adsl.xpt"
    assert write_xpt(frame(), path, SPEC) == []
    df, meta = read_xpt(path)
    pd.testing.assert_frame_equal(df, expected())
    assert meta.name == "ADSL" and meta.label == "Subject-Level Analysis Dataset"
    assert meta.labels == {v.name: v.label for v in SPEC.variables}
    assert meta.lengths == {"STUDYID": 12, "USUBJID": 20, "AGE": 8, "TRTSDT": 8, "TRTSDTM": 8, "TRTSTM": 8, "SEX": 1}
    assert meta.formats == {"AGE": "8.", "TRTSDT": "DATE9.", "TRTSDTM": "DATETIME20.", "TRTSTM": "TIME8."}
    assert meta.types["USUBJID"] == "Char" and meta.types["AGE"] == "Num"
    assert meta.encoding == "utf-8"
    # pyreadstat itself sees the spec's storage widths, not the longest values
    _, raw_meta = pyreadstat.read_xport(str(path))
    assert raw_meta.variable_storage_width["USUBJID"] == 20


def test_empty_dataset_keeps_lengths(tmp_path):
    path = tmp_path / "adsl.xpt"
    write_xpt(frame().iloc[:0], path, SPEC)
    df, meta = read_xpt(path)
    assert df.shape == (0, 7)
    assert list(df.columns) == SPEC.names
    assert meta.lengths["USUBJID"] == 20


def test_without_spec_uses_frame(tmp_path):
    path = tmp_path / "xx.xpt"
    write_xpt(pd.DataFrame({"A": ["abc", ""], "N": [1, 2]}), path)
    df, meta = read_xpt(path)
    assert meta.name == "XX" and meta.lengths == {"A": 3, "N": 8}
    pd.testing.assert_frame_equal(df, pd.DataFrame({"A": pd.Series(["abc", ""], dtype=object), "N": [1.0, 2.0]}))


def test_two_writes_are_byte_identical_and_follow_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    a, b = tmp_path / "a" / "adsl.xpt", tmp_path / "b" / "adsl.xpt"
    write_xpt(frame(), a, SPEC)
    write_xpt(frame(), b, SPEC)
    data = a.read_bytes()
    assert data == b.read_bytes()
    assert data.count(b"14NOV23:22:13:20") == 4
    assert read_xpt(a)[1].created == "2023-11-14 22:13:20"


@pytest.mark.parametrize("change, variable, row", [
    ({"SEX": ["M", "MALE", "F"]}, "SEX", 2),                      # longer than the spec length
    ({"USUBJID": ["S-001", "S-002", "Sé-3"]}, "USUBJID", 3),      # non-ASCII
    ({"AGE": [1.0, 8e75, 2.0]}, "AGE", 2),                        # overflows the IBM float
    ({"AGE": [1.0, 2.0, -1e-80]}, "AGE", 3),                      # underflows to zero
    ({"AGE": [np.inf, 1.0, 2.0]}, "AGE", 1),                      # infinite
])
def test_refuses_values(tmp_path, change, variable, row):
    path = tmp_path / "adsl.xpt"
    with pytest.raises(XptError) as err:
        write_xpt(frame().assign(**change), path, SPEC)
    assert (err.value.variable, err.value.row, err.value.file) == (variable, row, str(path))
    assert isinstance(err.value, XptValueError) and err.value.position == row - 1
    assert not path.exists()


@pytest.mark.parametrize("values, shown", [
    ([1.0, 1e300, 2.0, -1e300, np.nan], "1e+300"),           # beyond the largest IBM double (7.2e75)
    ([1e-300, 1.0, 0.0, 5e-79, np.nan], "1e-300"),           # nonzero, below the smallest (5.4e-79)
    ([1.0, 2.0, np.nan, -np.inf, np.inf], "-inf"),
])
def test_number_refusal_names_the_first_row_the_count_and_the_ibm_range(tmp_path, values, shown):
    """Whole-column masks find every failing row; the first is named (row 1-based in the file, position 0-based
    in the frame), the others counted, and the message says the XPT v5 range."""
    col = pd.Series(values)
    size = col.abs()
    failing = np.flatnonzero((np.isinf(col) | (size >= 7.2e75) | ((size > 0) & (size < 5.4e-79))).to_numpy())
    spec = Dataset(name="LB", label="Laboratory", variables=[Variable("LBSTRESN", "Result", type="Num")])
    with pytest.raises(XptValueError) as err:
        write_xpt(pd.DataFrame({"LBSTRESN": values}), tmp_path / "lb.xpt", spec)
    exc = err.value
    assert (exc.position, exc.row, exc.variable) == (failing[0], failing[0] + 1, "LBSTRESN")
    assert f"number {shown} cannot be stored as an IBM float" in exc.message
    assert exc.message.endswith(f"(and {len(failing) - 1} more)")
    assert exc.expected == "0 or 5.4e-79 <= |x| < 7.2e+75, the range of the XPT v5 IBM float"
    assert not (tmp_path / "lb.xpt").exists()


def test_text_refusals_name_the_value_the_bound_and_the_row(tmp_path):
    spec = Dataset(name="AE", label="Adverse Events", variables=[Variable("AETERM", "Term", length=8)])
    with pytest.raises(XptValueError) as err:
        write_xpt(pd.DataFrame({"AETERM": ["Headache", "Nausea", "Back pain", "Dizziness"]}), tmp_path / "a.xpt", spec)
    assert (err.value.position, err.value.variable) == (2, "AETERM")
    assert err.value.message == "text 'Back pain' of 9 bytes is longer than the spec length (and 1 more)"
    assert err.value.expected == "at most 8 bytes"
    with pytest.raises(XptValueError) as err:
        write_xpt(pd.DataFrame({"AETERM": ["Nausea", "Fièvre"]}), tmp_path / "a.xpt", spec)
    assert (err.value.position, err.value.row, err.value.message) == (1, 2, "non-ASCII text 'Fièvre'")


def test_text_in_a_num_variable_is_a_value_refusal(tmp_path):
    spec = Dataset(name="VS", label="Vital Signs", variables=[Variable("VSSTRESN", "Result", type="Num")])
    with pytest.raises(XptValueError) as err:
        write_xpt(pd.DataFrame({"VSSTRESN": ["120", "80", "high"]}), tmp_path / "vs.xpt", spec)
    assert (err.value.position, err.value.row, err.value.variable) == (2, 3, "VSSTRESN")


def test_refuses_values_over_200_bytes(tmp_path):
    with pytest.raises(XptError, match="200") as err:
        write_xpt(pd.DataFrame({"X": ["a", "b" * 201]}), tmp_path / "t.xpt")
    assert (err.value.row, err.value.variable) == (2, "X")


def test_refuses_spec_length_over_200(tmp_path):
    spec = Dataset(name="T", label="T", variables=[Variable("X", "X", length=300)])
    with pytest.raises(XptError, match="300"):
        write_xpt(pd.DataFrame({"X": ["a"]}), tmp_path / "t.xpt", spec)


@pytest.mark.parametrize("spec, what", [
    (Dataset(name="TOOLONGNAME", label="x", variables=[Variable("X", "X")]), "dataset name"),
    (Dataset(name="T", label="x", variables=[Variable("VARIABLE9", "X")]), "variable name"),
    (Dataset(name="T", label="x", variables=[Variable("1X", "X")]), "variable name"),
    (Dataset(name="T", label="L" * 41, variables=[Variable("X", "X")]), "dataset label"),
    (Dataset(name="T", label="x", variables=[Variable("X", "L" * 41)]), "label"),
    (Dataset(name="T", label="x", variables=[Variable("X", "Labél")]), "label"),
    (Dataset(name="T", label="x", variables=[Variable("X", "X", type="Num", format="NOTAFORMAT9.")]), "format"),
])
def test_refuses_metadata(tmp_path, spec, what):
    path = tmp_path / "t.xpt"
    with pytest.raises(XptError, match=what):
        write_xpt(pd.DataFrame({spec.variables[0].name: ["1"]}), path, spec)
    assert not path.exists()


def test_refuses_blank_last_record_without_numbers(tmp_path):
    with pytest.raises(XptError, match="blank") as err:
        write_xpt(pd.DataFrame({"A": ["x", ""]}), tmp_path / "t.xpt")
    assert err.value.row == 2


def test_refuses_extra_columns(tmp_path):
    with pytest.raises(XptError, match="EXTRA"):
        write_xpt(frame().assign(EXTRA=1), tmp_path / "adsl.xpt", SPEC)


def test_failed_write_keeps_previous_file(tmp_path):
    path = tmp_path / "adsl.xpt"
    write_xpt(frame(), path, SPEC)
    before = path.read_bytes()
    with pytest.raises(XptError):
        write_xpt(frame().assign(SEX=["M", "é", "F"]), path, SPEC)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["adsl.xpt"]


def test_transliterate_reports_changes(tmp_path):
    path = tmp_path / "adsl.xpt"
    changes = write_xpt(frame().assign(USUBJID=["S-001", "Sé-2", "Müll"]), path, SPEC, transliterate=True)
    assert [(c.row, c.variable, c.before, c.after) for c in changes] == [
        (2, "USUBJID", "Sé-2", "Se-2"), (3, "USUBJID", "Müll", "Mull")]
    assert read_xpt(path)[0]["USUBJID"].tolist() == ["S-001", "Se-2", "Mull"]


def test_transliterate_refuses_what_has_no_ascii_form(tmp_path):
    with pytest.raises(XptError, match="ASCII equivalent") as err:
        write_xpt(frame().assign(USUBJID=["S-001", "5 €", "x"]), tmp_path / "adsl.xpt", SPEC, transliterate=True)
    assert (err.value.row, err.value.variable) == (2, "USUBJID")


def test_reads_cp1252_pilot_file(shared_data):
    df, meta = read_xpt(shared_data / "cdiscpilot01" / "sdtm" / "ts.xpt")
    assert meta.encoding == "cp1252"
    assert df["TSVAL"].str.contains("\u2019").any()  # the 0x92 right quote decoded


def test_pilot_round_trip(shared_data, tmp_path):
    df, meta = read_xpt(shared_data / "cdiscpilot01" / "sdtm" / "dm.xpt")
    spec = Dataset(name="DM", label=meta.label, variables=[
        Variable(c, meta.labels[c], type=meta.types[c], length=meta.lengths[c] if meta.types[c] == "Char" else None,
                 format=meta.formats.get(c)) for c in df.columns])
    write_xpt(df, tmp_path / "dm.xpt", spec)
    df2, meta2 = read_xpt(tmp_path / "dm.xpt")
    pd.testing.assert_frame_equal(df2, df)
    assert (meta2.labels, meta2.lengths, meta2.label) == (meta.labels, meta.lengths, meta.label)


def test_missing_file():
    with pytest.raises(XptError, match="not found"):
        read_xpt("/nonexistent/x.xpt")


def test_not_an_xpt_file(tmp_path):
    path = tmp_path / "x.xpt"
    path.write_text("hello")
    with pytest.raises(XptError, match="cannot read as XPT"):
        read_xpt(path)


def test_pilot_ts_non_ascii_refused_then_transliterated(shared_data, tmp_path):
    df, meta = read_xpt(shared_data / "cdiscpilot01" / "sdtm" / "ts.xpt")
    with pytest.raises(XptError, match="non-ASCII") as err:
        write_xpt(df, tmp_path / "ts.xpt", label=meta.label)
    assert (err.value.row, err.value.variable) == (9, "TSVAL")
    changes = write_xpt(df, tmp_path / "ts.xpt", label=meta.label, transliterate=True)
    assert [(c.row, c.variable) for c in changes] == [(9, "TSVAL"), (14, "TSVAL"), (29, "TSVAL")]
    back, _ = read_xpt(tmp_path / "ts.xpt")
    assert back.loc[8, "TSVAL"] == "Patients with Probable Mild to Moderate Alzheimer's Disease"
    changed = [8, 13, 28]
    pd.testing.assert_frame_equal(back.drop(index=changed), df.drop(index=changed))
    assert back.loc[changed, "TSVAL"].tolist() == df.loc[changed, "TSVAL"].str.replace("\u2019", "'").tolist()


def test_columns_reads_only_those_in_that_order(tmp_path):
    path = tmp_path / "adsl.xpt"
    write_xpt(frame(), path, SPEC)
    df, meta = read_xpt(path, columns=["SEX", "AGE", "USUBJID"])
    pd.testing.assert_frame_equal(df, expected()[["SEX", "AGE", "USUBJID"]])
    assert meta.types == {"USUBJID": "Char", "AGE": "Num", "SEX": "Char"}
    assert meta.lengths == {"USUBJID": 20, "AGE": 8, "SEX": 1} and meta.formats == {"AGE": "8."}
    with pytest.raises(XptError, match="BMI, RACE not in the dataset") as err:
        read_xpt(path, columns=["AGE", "BMI", "RACE"])
    assert err.value.variable == "BMI"


def test_equal_text_values_share_one_object(tmp_path):
    path = tmp_path / "adsl.xpt"
    write_xpt(pd.concat([frame()] * 4, ignore_index=True), path, SPEC)
    df, _ = read_xpt(path)
    studyid, sex = df["STUDYID"].to_numpy(), df["SEX"].to_numpy()
    assert len({id(v) for v in studyid}) == 1 and studyid[0] == "S"
    assert len({id(v) for v in sex}) == 3 and sex.tolist() == ["M", "", "F"] * 4


def test_from_readstat_gives_empty_text_for_missing_and_nan_for_missing_numbers():
    meta = SimpleNamespace(readstat_variable_types={"A": "string", "X": "double"}, original_variable_types={},
                           table_name="T", file_label=None, column_names_to_labels={"A": "a", "X": None},
                           variable_storage_width={"A": 2, "X": 8}, creation_time=None)
    df, xmeta = from_readstat({"A": ["x", None, "yy", None], "X": [1.5, None, 3, None]}, meta, Path("t.xpt"),
                              "sas7bdat", None)
    pd.testing.assert_frame_equal(df, pd.DataFrame({"A": pd.Series(["x", "", "yy", ""], dtype=object),
                                                    "X": [1.5, np.nan, 3.0, np.nan]}))
    assert xmeta.labels == {"A": "a", "X": ""} and xmeta.types == {"A": "Char", "X": "Num"}
