"""``disposition``: event overviews over a record dataset, ``by`` sub-rows, total-only rows, a total over
every subject and subject flags from another dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cdiscflow.errors import SpecError
from cdiscflow.study import Study
from cdiscflow.tlf.catalog import parse_catalog
from cdiscflow.tlf.engine import AdamFolder, run_output

ADSL = pd.DataFrame({"USUBJID": ["1", "2", "3", "4", "5"], "TRT01A": ["A", "A", "B", "B", ""],
                     "EOSSTT": ["COMPLETED", "DISCONTINUED", "DISCONTINUED", "COMPLETED", "DISCONTINUED"],
                     "DCSREAS": ["", "ADVERSE EVENT", "LOST", "", "SCREEN FAILURE"]})
ADAE = pd.DataFrame({"USUBJID": ["1", "1", "2", "3"], "TRTA": ["A", "A", "A", "B"],
                     "AESER": ["Y", "Y", "N", "N"]})
ADQS = pd.DataFrame({"USUBJID": ["2", "3"], "AVISITN": [24, 12]})


def run(tmp_path: Path, options: dict, datasets: tuple[str, ...] = ("ADSL",)) -> tuple[list[list[str]], pd.DataFrame,
                                                                                       list[str]]:
    (tmp_path / "study.yaml").write_text("name: mini\nstudyid: MINI01\n")
    adam = tmp_path / "adam"
    adam.mkdir(exist_ok=True)
    for name, df in (("adsl", ADSL), ("adae", ADAE), ("adqs", ADQS)):
        df.to_csv(adam / f"{name}.csv", index=False)
    catalog = {"outputs": [{"id": "t-d", "title": "D", "population": {"label": "All", "dataset": "ADSL"},
                            "datasets": list(datasets), "program": "disposition", "rounding": "half_up",
                            "options": options}]}
    spec = parse_catalog(catalog).outputs[0]
    result, _ = run_output(spec, Study.load(str(tmp_path), tmp_path / "out"), AdamFolder(adam), "stamp")
    return result.output.grid(), result.ard, [h.text for h in result.output.header[0]]


def test_event_overview_counts_subjects_and_records_with_population_n(tmp_path: Path) -> None:
    grid, ard, header = run(tmp_path, {
        "dataset": "ADAE", "population_vars": ["DCSREAS"], "group": {"var": "TRTA", "levels": ["A", "B"]},
        "group_n_var": "TRT01A", "header_pattern": "{label} (n = {n})", "pct_decimals": 1,
        "count_pattern": "{n} ({pct})", "zero_pattern": "{n}",
        "sections": [{"rows": [
            {"label": "SAEs", "where": 'AESER == "Y"', "pattern": "{events}"},
            {"label": "With an SAE", "where": 'AESER == "Y"'},
            {"label": "AE and withdrawn for an AE", "where": 'DCSREAS == "ADVERSE EVENT"'}]},
            {"label": "By seriousness", "rows": [{"label": "Not serious", "where": 'AESER == "N"'}]}],
        "blank_between": False}, datasets=("ADSL", "ADAE"))
    assert header == ["", "A (n = 2)", "B (n = 2)"]
    assert grid == [["SAEs", "2", "0"], ["With an SAE", "1 (50.0)", "0"], ["AE and withdrawn for an AE", "1 (50.0)", "0"],
                    ["By seriousness", "", ""], ["  Not serious", "1 (50.0)", "1 (50.0)"]]
    events = ard[ard["statistic"] == "events"].set_index(["category", "group"])["value"]
    assert events[("SAEs", "A")] == 2.0 and events[("With an SAE", "A")] == 2.0


def test_by_rows_total_only_total_all_and_subject_flags(tmp_path: Path) -> None:
    grid, ard, header = run(tmp_path, {
        "group": {"var": "TRT01A", "levels": ["A", "B"], "total": "All"}, "total_all": True,
        "subject_flags": [{"name": "WK24FL", "dataset": "ADQS", "where": 'AVISITN == "24"'}],
        "header_pattern": "{label}", "count_pattern": "{n}",
        "sections": [{"rows": [
            {"label": "Screened", "where": "present(USUBJID)", "total_only": True},
            {"label": "Discontinued", "where": 'EOSSTT == "DISCONTINUED"', "by": "DCSREAS"},
            {"label": "With week 24", "where": 'WK24FL == "Y"', "indent": 1}]}]},
        datasets=("ADSL", "ADQS"))
    assert header == ["", "A", "B", "All"]
    assert grid == [["Screened", "", "", "5"], ["Discontinued", "1", "1", "3"], ["  ADVERSE EVENT", "1", "0", "1"],
                    ["  LOST", "0", "1", "1"], ["  SCREEN FAILURE", "0", "0", "1"], ["  With week 24", "1", "0", "1"]]
    sub = ard[(ard["variable"] == "DCSREAS") & (ard["statistic"] == "pct") & (ard["group"] == "All")]
    assert sub["category"].tolist() == ["Discontinued: ADVERSE EVENT", "Discontinued: LOST",
                                        "Discontinued: SCREEN FAILURE"]
    assert sub["value"].tolist() == pytest.approx([20.0, 20.0, 20.0])  # of all 5 subjects


def test_a_row_pattern_with_an_unknown_field_names_the_row(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"options\.sections\[1\]\.rows\[1\]\.pattern"):
        run(tmp_path, {"group": {"var": "TRT01A", "levels": ["A", "B"]},
                       "sections": [{"rows": [{"label": "All", "pattern": "{evnts}"}]}]})


def test_a_by_variable_not_in_the_data_names_the_row(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"options\.sections\[1\]\.rows\[2\]\.by names DCREAS, not a variable of ADSL"):
        run(tmp_path, {"group": {"var": "TRT01A", "levels": ["A", "B"]},
                       "sections": [{"rows": [{"label": "All"}, {"label": "Disc", "by": "DCREAS"}]}]})
