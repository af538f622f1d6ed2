"""``shift``: baseline × worst post-baseline category per parameter, visit (or window) and group; subjects
without a baseline category left out; zero rows dropped unless ``show_zero``; CMH p stratified by baseline;
options checked against the schema."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdiscflow.errors import SpecError
from cdiscflow.study import Study
from cdiscflow.tlf.analyses import Groups
from cdiscflow.tlf.catalog import parse_catalog
from cdiscflow.tlf.engine import AdamFolder, run_output
from cdiscflow.tlf.rounding import format_pvalue
from cdiscflow.tlf.shapes.shift import shift_counts, shift_records
from cdiscflow.tlf.stats.cmh import cmh_test

ADSL = pd.DataFrame({"USUBJID": ["1", "2", "3", "4", "5", "6"], "TRT01A": ["A", "A", "A", "B", "B", "B"]})
# subject 5 has no baseline category; subject 6 has two records at week 2 (N and H: the worst is H)
ADLB = pd.DataFrame({
    "USUBJID": ["1", "1", "2", "2", "3", "4", "4", "5", "6", "6", "6"],
    "TRTA": ["A", "A", "A", "A", "A", "B", "B", "B", "B", "B", "B"],
    "PARAMCD": ["P1"] * 11,
    "AVISITN": [2, 4, 2, 4, 2, 2, 4, 2, 2, 2, 4],
    "BNRIND": ["N", "N", "N", "N", "H", "N", "N", "", "N", "N", "N"],
    "ANRIND": ["N", "H", "N", "N", "N", "L", "N", "H", "N", "H", "N"],
    "BASE": [0, 0, 0, 0, 1, 0, 0, np.nan, 0, 0, 0],
    "AVAL": [0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0]})
LEVELS = {"N": "Normal", "H": "High", "L": "Low"}
BASE_LEVELS = {"N": "Normal at Baseline", "H": "High at Baseline"}


def options(**extra: object) -> dict:
    return {"dataset": "ADLB", "group": {"var": "TRTA", "levels": ["A", "B"]}, "group_n_var": "TRT01A",
            "baseline": {"var": "BNRIND", "levels": BASE_LEVELS},
            "post": {"var": "ANRIND", "levels": LEVELS, "show_zero": ["N"]}, "worst": ["H", "L", "N"],
            "visits": [{"label": "any", "where": "AVISITN in [\"2\", \"4\"]"}],
            "measures": [{"param": "P1", "label": "Param one"}], **extra}


def run(tmp_path: Path, opts: dict):  # noqa: ANN201
    (tmp_path / "study.yaml").write_text("name: mini\nstudyid: MINI01\n")
    adam = tmp_path / "adam"
    adam.mkdir(exist_ok=True)
    ADSL.to_csv(adam / "adsl.csv", index=False)
    ADLB.to_csv(adam / "adlb.csv", index=False)
    catalog = {"outputs": [{"id": "t-shift", "title": "S", "population": {"label": "All", "dataset": "ADSL"},
                            "datasets": ["ADSL", "ADLB"], "program": "shift", "rounding": "half_up",
                            "options": opts}]}
    spec = parse_catalog(catalog).outputs[0]
    result, _ = run_output(spec, Study.load(str(tmp_path), tmp_path / "out"), AdamFolder(adam), "stamp")
    return result


def _records() -> pd.DataFrame:
    return ADLB.assign(_m=0, _v=ADLB["AVISITN"].astype(str))


def test_shift_records_keeps_the_worst_category_of_subjects_with_a_baseline() -> None:
    got = shift_records(_records(), "TRTA", "BNRIND", "ANRIND", ["N", "H"], ["N", "H", "L"], ["H", "L", "N"])
    expected = pd.DataFrame({"_m": [0] * 9, "_v": ["2", "2", "2", "2", "2", "4", "4", "4", "4"],
                             "USUBJID": ["1", "2", "3", "4", "6", "1", "2", "4", "6"],
                             "TRTA": ["A", "A", "A", "B", "B", "A", "A", "B", "B"],
                             "_b": ["N", "N", "H", "N", "N", "N", "N", "N", "N"],
                             "_p": ["N", "N", "N", "L", "H", "H", "N", "N", "N"]})
    got = got.sort_values(["_v", "USUBJID"]).reset_index(drop=True)
    expected = expected.sort_values(["_v", "USUBJID"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_shift_records_without_worst_refuses_two_categories_in_one_visit() -> None:
    with pytest.raises(ValueError, match="subject 6 has several post-baseline categories at visit '2' of measure 1"):
        shift_records(_records(), "TRTA", "BNRIND", "ANRIND", ["N", "H"], ["N", "H", "L"], None)


def test_shift_records_matches_numeric_categories_as_text() -> None:
    got = shift_records(_records(), "TRTA", "BASE", "AVAL", ["0", "1"], ["0", "1"], ["1", "0"])
    assert sorted(zip(got["_v"], got["USUBJID"], got["_b"], got["_p"], strict=True)) == [
        ("2", "1", "0", "0"), ("2", "2", "0", "0"), ("2", "3", "1", "0"), ("2", "4", "0", "0"), ("2", "6", "0", "1"),
        ("4", "1", "0", "1"), ("4", "2", "0", "0"), ("4", "4", "0", "0"), ("4", "6", "0", "0")]


def test_shift_counts_gives_every_cell_and_the_baseline_totals() -> None:
    subjects = pd.DataFrame({"_m": [0, 0, 0], "_v": ["w", "w", "w"], "USUBJID": ["1", "2", "3"],
                             "G": ["A", "A", "B"], "_b": ["N", "N", "N"], "_p": ["N", "H", "H"]})
    got = shift_counts(subjects, Groups("G", ("A", "B")), ["N", "H"], ["N", "H"], 1, ["w"])
    expected = pd.DataFrame({
        "_m": [0] * 12, "_v": ["w"] * 12, "G": ["A", "A", "B", "B"] + ["A"] * 4 + ["B"] * 4,
        "_b": ["N", "H", "N", "H", "N", "N", "H", "H", "N", "N", "H", "H"],
        "n": [2.0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0],
        "_p": ["", "", "", "", "N", "H", "N", "H", "N", "H", "N", "H"],
        "denom": [np.nan] * 4 + [2, 2, 0, 0, 1, 1, 0, 0],
        "pct": [np.nan] * 4 + [50.0, 50.0, np.nan, np.nan, 0.0, 100.0, np.nan, np.nan]})
    pd.testing.assert_frame_equal(got[expected.columns].reset_index(drop=True), expected, check_dtype=False)


def test_any_visit_table_with_cmh_p(tmp_path: Path) -> None:
    result = run(tmp_path, options(p={"decimals": 3}))
    subjects = shift_records(_records().assign(_v="any"), "TRTA", "BNRIND", "ANRIND", ["N", "H"],
                             ["N", "H", "L"], ["H", "L", "N"])
    p = format_pvalue(cmh_test(subjects["TRTA"], subjects["_p"], subjects["_b"], statistic="general")["p"], 3)
    assert result.output.grid() == [
        ["Param one", "n", "2", "1", "2", "0", p],
        ["", "Normal", "1 (50%)", "1 (100%)", "0", "0", ""],
        ["", "High", "1 (50%)", "0", "1 (50%)", "0", ""],
        ["", "Low", "0", "0", "1 (50%)", "0", ""],
        ["", "", "", "", "", "", ""]]
    assert [h.text for h in result.output.header[0]] == ["", "A (N=3)", "B (N=3)", ""]
    ard = result.ard
    cmh = ard[ard["analysis"] == "cmh"].set_index("statistic")["value"]
    assert cmh["df"] == 2.0 and 0 < cmh["p"] < 1


def test_by_visit_table_drops_rows_that_are_zero_everywhere(tmp_path: Path) -> None:
    result = run(tmp_path, options(visit_header="Week", visits=[{"label": "2", "where": "AVISITN == \"2\""},
                                                                {"label": "4", "where": "AVISITN == \"4\""}]))
    assert result.output.grid() == [
        ["Param one", "2", "n", "2", "1", "2", "0"],
        ["", "", "Normal", "2 (100%)", "1 (100%)", "0", "0"],
        ["", "", "High", "0", "0", "1 (50%)", "0"],
        ["", "", "Low", "0", "0", "1 (50%)", "0"],
        ["", "", "", "", "", "", ""],
        ["", "4", "n", "2", "0", "2", "0"],
        ["", "", "Normal", "1 (50%)", "0", "2 (100%)", "0"],
        ["", "", "High", "1 (50%)", "0", "0", "0"],
        ["", "", "", "", "", "", ""]]
    assert [h.text for h in result.output.header[1]] == ["", "Week", "Shift", *BASE_LEVELS.values(),
                                                         *BASE_LEVELS.values()]
    assert not (result.ard["analysis"] == "cmh").any()


@pytest.mark.parametrize(("change", "message"), [
    ({"colour": "red"}, "output t-shift: unknown option(s) options.colour"),
    ({"worst": ["H", "X"]}, "output t-shift: options.worst names X, not a level"),
    ({"worst": None}, "output t-shift: subject 1 has several post-baseline categories at visit 'any' of measure 1"),
    ({"count_pattern": "{n} ({pcnt}%)"}, "unknown field {pcnt}"),
    ({"post": {"var": "ANRIND", "levels": LEVELS, "colour": "red"}}, "unknown option(s) options.post.colour"),
    ({"visits": [{"label": "a", "where": "AVISITN == \"2\""}, {"label": "a", "where": "AVISITN == \"4\""}]},
     "options.visits labels repeat"),
    ({"measures": [{"param": "P1"}, {"param": "P1", "label": "again"}]}, "options.measures name a parameter twice"),
])
def test_bad_options_are_errors_naming_the_entry(tmp_path: Path, change: dict, message: str) -> None:
    opts = {k: v for k, v in {**options(), **change}.items() if v is not None}
    with pytest.raises(SpecError) as err:
        run(tmp_path, opts)
    assert message in str(err.value)


def test_total_column_counts_every_group_and_stays_out_of_the_p_value(tmp_path: Path) -> None:
    alone = run(tmp_path, options(p={"decimals": 4}))
    result = run(tmp_path, options(p={"decimals": 4}, group={"var": "TRTA", "levels": ["A", "B"], "total": "All"}))
    grid = result.output.grid()
    assert grid[0] == ["Param one", "n", "2", "1", "2", "0", "4", "1", alone.output.grid()[0][-1]]
    assert grid[1] == ["", "Normal", "1 (50%)", "1 (100%)", "0", "0", "1 (25%)", "1 (100%)", ""]
    assert [h.text for h in result.output.header[0]][-2] == "All (N=6)"
