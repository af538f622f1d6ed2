"""compare: every category of difference on small frames, CLI exit codes and reports, the real pilot DM."""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cdiscflow import compare
from cdiscflow.cli import main
from cdiscflow.compare import compare_frames
from cdiscflow.errors import DataError
from cdiscflow.io.xpt import XptMeta, read_xpt, write_xpt

BASE = pd.DataFrame({
    "USUBJID": pd.Series(["A", "B", "C", "D"], dtype=object), "AESEQ": [1.0, 1.0, 1.0, 1.0],
    "AETERM": pd.Series(["HEADACHE", "NAUSEA", "", "RASH"], dtype=object), "AGE": [30.0, 40.0, np.nan, 50.0],
    "ONLYB": pd.Series(["x"] * 4, dtype=object),
})


def test_identical_frames_are_equal():
    r = compare_frames(BASE, BASE.copy(), ["USUBJID", "AESEQ"])
    assert r.equal and r.n_matched == 4 and r.value_diffs.empty
    assert r.per_variable["match_rate"].tolist() == [1.0, 1.0, 1.0]


def test_every_category_of_difference():
    comp = pd.DataFrame({
        "USUBJID": ["A", "B", "B", "E"], "AESEQ": [1.0, 1.0, 1.0, 1.0],
        "AETERM": ["HEADACHE  ", "<script>alert(1)</script>", "NAUSEA", "COUGH"],
        "AGE": [30.0 * (1 + 1e-12), 41.0, 1.0, 1.0], "ONLYC": [1, 2, 3, 4],
    })
    bm = XptMeta(name="AE", label="Adverse Events", labels={"AETERM": "Reported Term", "AGE": "Age"},
                 types={"USUBJID": "Char", "AESEQ": "Num", "AETERM": "Char", "AGE": "Num", "ONLYB": "Char"},
                 lengths={"USUBJID": 8, "AESEQ": 8, "AETERM": 200, "AGE": 8})
    cm = XptMeta(name="AE", label="Adverse Event", labels={"AETERM": "Reported Term for the AE", "AGE": "Age"},
                 types={"USUBJID": "Char", "AESEQ": "Num", "AETERM": "Char", "AGE": "Num", "ONLYC": "Num"},
                 lengths={"USUBJID": 8, "AESEQ": 8, "AETERM": 100, "AGE": 8}, formats={"AGE": "8."})
    r = compare_frames(BASE, comp, ["USUBJID", "AESEQ"], base_meta=bm, comp_meta=cm)
    assert not r.equal
    assert (r.variables_only_in_base, r.variables_only_in_compare) == (["ONLYB"], ["ONLYC"])
    pd.testing.assert_frame_equal(r.attribute_diffs, pd.DataFrame({
        "variable": ["(dataset)", "AETERM", "AETERM", "AGE"], "attribute": ["label", "label", "length", "format"],
        "base": ["Adverse Events", "Reported Term", "200", ""],
        "compare": ["Adverse Event", "Reported Term for the AE", "100", "8."]}, dtype=object))
    pd.testing.assert_frame_equal(r.only_in_base, pd.DataFrame({"USUBJID": ["C", "D"], "AESEQ": [1.0, 1.0]}),
                                  check_dtype=False)
    assert r.only_in_compare.to_dict("list") == {"USUBJID": ["B", "E"], "AESEQ": [1.0, 1.0]}
    assert r.duplicate_keys.to_dict("list") == {"side": ["COMPARE"], "USUBJID": ["B"], "AESEQ": [1.0], "count": [2]}
    pd.testing.assert_frame_equal(r.value_diffs, pd.DataFrame({
        "variable": ["AETERM", "AGE"], "USUBJID": ["B", "B"], "AESEQ": [1.0, 1.0],
        "base": ["NAUSEA", 40.0], "compare": ["<script>alert(1)</script>", 41.0]}).astype(
        {"base": object, "compare": object}), check_dtype=False)
    pd.testing.assert_frame_equal(r.per_variable, pd.DataFrame({
        "variable": ["AETERM", "AGE"], "n_compared": [2, 2], "n_equal": [1, 1], "n_diff": [1, 1],
        "match_rate": [0.5, 0.5]}))
    html = r.to_html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    text = r.to_text()
    assert "Records only in BASE (2)" in text and "DIFFERENT" in text


def test_missing_char_and_nan_are_equal_and_tolerance():
    base = pd.DataFrame({"K": [1.0, 2.0], "C": ["", "x"], "N": [np.nan, 1.0]})
    comp = pd.DataFrame({"K": [1.0, 2.0], "C": [np.nan, "x"], "N": [np.nan, 1.0 + 1e-7]})
    assert compare_frames(base, comp, ["K"], criterion=1e-6).equal
    assert not compare_frames(base, comp, ["K"], criterion=1e-9).equal


def test_csv_text_coerced_to_base_types():
    base = pd.DataFrame({"K": ["a", "b", "c"], "N": [1.0, 2.5, np.nan], "C": ["1", "x", ""]})
    csv = pd.DataFrame({"K": ["a", "b", "c"], "N": ["1", "2.50", ""], "C": [1.0, np.nan, np.nan]})
    r = compare_frames(base, csv, ["K"], comp_meta=XptMeta(name="X", source_format="csv"))
    assert r.value_diffs["variable"].tolist() == ["C"] and r.value_diffs["K"].tolist() == ["b"]
    assert r.attribute_diffs.empty  # an untyped side has no type to differ
    bad = compare_frames(base, csv.assign(N=["1", "abc", ""]), ["K"])
    assert bad.value_diffs[["variable", "K", "compare"]].values.tolist() == [["N", "b", "abc"], ["C", "b", ""]]


def test_type_difference_without_meta():
    r = compare_frames(pd.DataFrame({"K": [1], "X": [1.0]}), pd.DataFrame({"K": [1], "X": ["1"]}), ["K"])
    assert r.attribute_diffs[["variable", "attribute", "base", "compare"]].values.tolist() == [
        ["X", "type", "Num", "Char"]]
    assert r.value_diffs.empty


def test_without_keys_compares_by_row():
    r = compare_frames(pd.DataFrame({"A": [1, 2, 3]}), pd.DataFrame({"A": [1, 5]}), None)
    assert r.keys == [] and len(r.only_in_base) == 1 and r.value_diffs["base"].tolist() == [2]


def test_unknown_key_is_a_data_error():
    with pytest.raises(DataError, match="ZZ"):
        compare_frames(BASE, BASE, ["ZZ"])


def _args(base, comp, tmp_path, keys=("USUBJID",)):
    return argparse.Namespace(base=str(base), compare=str(comp), keys=list(keys), criterion=1e-9,
                              html=str(tmp_path / "r.html"), text=str(tmp_path / "r.txt"), max_diffs=2)


def test_pilot_dm_against_itself(shared_data, tmp_path, capsys):
    dm = shared_data / "cdiscpilot01" / "sdtm" / "dm.xpt"
    assert main(["compare", str(dm), str(dm), "--id", "USUBJID"]) == 0
    assert "Result: EQUAL" in capsys.readouterr().out


def test_pilot_dm_against_modified_copy(shared_data, tmp_path, capsys):
    dm_path = shared_data / "cdiscpilot01" / "sdtm" / "dm.xpt"
    df, meta = read_xpt(dm_path)
    df.loc[df.index[:3], "AGE"] = df["AGE"].iloc[:3] + 1
    df.loc[df.index[10], "RACE"] = "<b>OTHER</b>"
    df = df.drop(index=df.index[-1])
    write_xpt(df, tmp_path / "dm.xpt", dataset_name="DM", label=meta.label)
    df.to_csv(tmp_path / "dm.csv", index=False)
    args = _args(dm_path, tmp_path / "dm.xpt", tmp_path)
    assert compare.run(args) == 1
    text = (tmp_path / "r.txt").read_text()
    assert "Values of AGE that differ (3, first 2 shown)" in text and "records_only_in_base         1" in text
    assert "&lt;b&gt;OTHER&lt;/b&gt;" in (tmp_path / "r.html").read_text()
    base, bm = read_xpt(dm_path)
    r = compare_frames(base, pd.read_csv(tmp_path / "dm.csv", dtype=str, keep_default_na=False), ["USUBJID"],
                       base_meta=bm, comp_meta=XptMeta(name="DM", source_format="csv"))
    assert r.per_variable.set_index("variable").loc[["AGE", "RACE", "SEX"], "n_diff"].tolist() == [3, 1, 0]
    assert len(r.value_diffs) == 4 and len(r.only_in_base) == 1
    capsys.readouterr()


def test_xpt_and_dataset_json_of_the_same_data_are_equal(shared_data, tmp_path):
    from cdiscflow.io.datasets import read_dataset, write_datasets
    from cdiscflow.specs.model import Dataset, Variable

    base, meta = read_xpt(shared_data / "cdiscpilot01" / "sdtm" / "dm.xpt")
    spec = Dataset(name="DM", label=meta.label, keys=["STUDYID", "USUBJID"], variables=[
        Variable(c, meta.labels[c], type=meta.types[c], length=meta.lengths[c] if meta.types[c] == "Char" else None,
                 format=meta.formats.get(c)) for c in base.columns])
    xpt, js = write_datasets(base, tmp_path, spec)
    (a, am), (b, bm) = read_dataset(xpt), read_dataset(js)
    r = compare_frames(a, b, spec.keys, base_meta=am, comp_meta=bm)
    assert r.equal, r.to_text()
    changed = b.assign(DMDY=b["DMDY"] + 1)
    assert compare_frames(a, changed, spec.keys, base_meta=am, comp_meta=bm).per_variable.set_index(
        "variable").loc["DMDY", "n_equal"] == b["DMDY"].isna().sum() > 0


def test_cli_bad_key_exits_2(shared_data, capsys):
    dm = shared_data / "cdiscpilot01" / "sdtm" / "dm.xpt"
    assert main(["compare", str(dm), str(dm), "--id", "NOPE"]) == 2
    assert "NOPE" in capsys.readouterr().err


def test_timestamps_against_sas_numbers_by_format_or_name():
    base = pd.DataFrame({"K": ["a", "b"], "ADT": [0.0, 23376.0], "ADTM": [3600.0, np.nan], "X": [1.0, 2.0]})
    comp = pd.DataFrame({"K": ["a", "b"], "ADT": pd.to_datetime(["1960-01-01", "2024-01-01"]),
                         "ADTM": pd.to_datetime(["1960-01-01 01:00", None]),
                         "X": pd.to_datetime(["1960-01-02", "1960-01-03"])})
    meta = XptMeta(name="T", formats={"X": "DATE9."})
    r = compare_frames(base, comp, ["K"], base_meta=meta)
    assert r.per_variable["n_diff"].tolist() == [0, 0, 0]
    off = comp.assign(ADT=pd.to_datetime(["1960-01-02", "2024-01-01"]))
    assert compare_frames(base, off, ["K"]).value_diffs[["variable", "K"]].values.tolist() == [["ADT", "a"]]


def test_python_dates_against_sas_dates():
    """pyarrow reads a Parquet date32 column (R's Date) as Python dates, not timestamps."""
    base = pd.DataFrame({"K": ["a", "b", "c"], "ADT": [0.0, 23376.0, np.nan]})
    comp = pd.DataFrame({"K": ["a", "b", "c"], "ADT": [dt.date(1960, 1, 1), dt.date(2024, 1, 2), None]})
    r = compare_frames(base, comp, ["K"])
    assert r.value_diffs[["variable", "K"]].values.tolist() == [["ADT", "b"]]
    assert r.per_variable["n_equal"].tolist() == [2]


def test_missing_text_reads_as_missing():
    base = pd.DataFrame({"K": ["a", "b"], "R": ["", "EU"]})
    comp = pd.DataFrame({"K": ["a", "b"], "R": ["NA", "EU"]})
    assert not compare_frames(base, comp, ["K"]).equal
    assert compare_frames(base, comp, ["K"], missing_text=("NA",)).equal


def test_text_values_keep_missing_text_as_a_value():
    """REGION1 "NA" is North America: in ``text_values`` columns the missing text is compared as it is."""
    base = pd.DataFrame({"K": ["a", "b"], "REGION1": ["NA", "NA"], "X": ["", "y"]})
    comp = pd.DataFrame({"K": ["a", "b"], "REGION1": ["NA", "RoW"], "X": ["NA", "y"]})
    r = compare_frames(base, comp, ["K"], missing_text=("NA",), text_values=("REGION1",))
    assert r.per_variable.set_index("variable")["n_diff"].to_dict() == {"REGION1": 1, "X": 0}
    assert r.value_diffs[["variable", "K"]].values.tolist() == [["REGION1", "b"]]


def test_cli_missing_text_and_text_values(tmp_path, capsys):
    base = tmp_path / "base.csv"
    comp = tmp_path / "comp.csv"
    base.write_text("K,R,X\na,EU,\nb,NA,1\n", encoding="utf-8")
    comp.write_text("K,R,X\na,EU,NA\nb,NA,1\n", encoding="utf-8")
    assert main(["compare", str(base), str(comp), "--id", "K"]) == 1
    assert main(["compare", str(base), str(comp), "--id", "K", "--missing-text", "NA"]) == 1  # R's NA now missing
    assert main(["compare", str(base), str(comp), "--id", "K", "--missing-text", "NA", "--text-values", "R"]) == 0
    capsys.readouterr()
