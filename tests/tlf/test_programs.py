"""Generic programs: the listing's ``dates`` and ``numbers`` options; ``summary`` and ``incidence`` layout
options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdiscflow.errors import SpecError
from cdiscflow.study import Study
from cdiscflow.tlf.catalog import parse_catalog
from cdiscflow.tlf.engine import AdamFolder, run_output
from cdiscflow.tlf.programs import sas_date_text

CATALOG = {"outputs": [{
    "id": "l-ae", "title": "AEs", "population": {"label": "All", "dataset": "ADSL"}, "datasets": ["ADAE"],
    "program": "listing", "rounding": "half_up",
    "options": {"dataset": "ADAE", "sort": ["USUBJID"], "dates": ["ASTDT"], "numbers": {"DOSE": 1},
                "columns": [["USUBJID", "Subject"], ["ASTDT", "Start"], ["DOSE", "Dose"]]}}]}


def test_sas_date_text() -> None:
    got = sas_date_text(pd.Series([0.0, 20058.0, np.nan, -1.0]))
    pd.testing.assert_series_equal(got, pd.Series(["1960-01-01", "2014-12-01", "", "1959-12-31"]))


def test_listing_prints_dates_and_fixed_decimals(tmp_path: Path) -> None:
    (tmp_path / "study.yaml").write_text("name: mini\nstudyid: MINI01\n")
    adam = tmp_path / "adam"
    adam.mkdir()
    pd.DataFrame({"USUBJID": ["S1", "S2"]}).to_csv(adam / "adsl.csv", index=False)
    pd.DataFrame({"USUBJID": ["S2", "S1"], "ASTDT": [20058.0, np.nan], "DOSE": [2.25, 10.0]}).to_csv(
        adam / "adae.csv", index=False)
    spec = parse_catalog(CATALOG).outputs[0]
    result, _ = run_output(spec, Study.load(str(tmp_path), tmp_path / "out"), AdamFolder(adam), "stamp")
    assert result.output.grid() == [["S1", "", "10.0"], ["S2", "2014-12-01", "2.3"]]


def _run(tmp_path: Path, program: str, options: dict) -> tuple[list[list[str]], list[list[str]], pd.DataFrame]:
    (tmp_path / "study.yaml").write_text("name: mini\nstudyid: MINI01\n")
    adam = tmp_path / "adam"
    adam.mkdir(exist_ok=True)
    pd.DataFrame({"USUBJID": ["1", "2", "3", "4"], "ARM": ["A", "A", "A", "B"], "AGE": [50.0, 61.0, 70.0, 45.0],
                  "WEIGHT": [70.25, 80.5, 90.0, 60.0]}).to_csv(adam / "adsl.csv", index=False)
    pd.DataFrame({"USUBJID": ["1", "2", "3", "1", "4", "2"], "ARM": ["A", "A", "A", "A", "B", "A"],
                  "SOC": ["S1", "S1", "S1", "S2", "S2", "S3"],
                  "PT": ["Back", "Back", "Neck", "Rash", "Rash", "Cough"]}).to_csv(adam / "adae.csv", index=False)
    catalog = {"outputs": [{"id": "t", "title": "T", "population": {"label": "All", "dataset": "ADSL"},
                            "datasets": ["ADSL", "ADAE"], "program": program, "rounding": "half_up",
                            "options": options}]}
    spec = parse_catalog(catalog).outputs[0]
    result, _ = run_output(spec, Study.load(str(tmp_path), tmp_path / "out"), AdamFolder(adam), "stamp")
    return [[h.text for h in row] for row in result.output.header], result.output.grid(), result.ard


def test_summary_block_decimals_header_pattern_and_no_blank_rows(tmp_path: Path) -> None:
    header, grid, _ = _run(tmp_path, "summary", {
        "group": {"var": "ARM", "levels": ["A", "B"]}, "stub": "indented", "p_header": None,
        "blank_between": False, "header_pattern": "{label} (n = {n})", "decimals": {"mean": 1},
        "blocks": [{"var": "AGE", "stat_rows": [["Age", "{mean}"]]},
                   {"var": "WEIGHT", "stat_rows": [["Weight", "{mean}"]], "decimals": {"mean": 3}}]})
    assert header == [["", "A (n = 3)", "B (n = 1)"]]
    assert grid == [["Age", "60.3", "45.0"], ["Weight", "80.250", "60.000"]]


def test_incidence_frequent_terms_by_frequency(tmp_path: Path) -> None:
    opts = {"dataset": "ADAE", "group": {"var": "ARM", "levels": ["A", "B"]}, "terms": ["PT"], "pct_above": 50,
            "any_row": False, "term_order": "frequency", "order_by": ["A", "B"], "events_pattern": None,
            "count_pattern": "{pct}", "zero_pattern": "{n}", "count_header": "%", "stub_header": "Event",
            "blank_between": False, "header_pattern": "{label} (n = {n})"}
    header, grid, ard = _run(tmp_path, "incidence", opts)
    assert header == [["", "A (n = 3)", "B (n = 1)"], ["Event", "%", "%"]]
    # Back 2/3, Rash 1/3 and 1/1 (kept: 100% in B), Neck and Cough 1/3 and 0 (dropped: 33.3% is not above 50)
    assert grid == [["Back", "66.7", "0"], ["Rash", "33.3", "100.0"]]
    assert set(ard.loc[ard["analysis"] == "incidence", "category"]) == {"Back", "Neck", "Rash", "Cough"}


def test_incidence_threshold_keeps_the_parents_of_frequent_terms(tmp_path: Path) -> None:
    opts = {"dataset": "ADAE", "group": {"var": "ARM", "levels": ["A", "B"]}, "terms": ["SOC", "PT"],
            "pct_at_least": 60, "any_label": "Any", "events_pattern": None, "blank_between": False}
    _, grid, _ = _run(tmp_path, "incidence", opts)
    assert grid == [["Any", "3 (100.0%)", "1 (100.0%)"], ["S1", "3 (100.0%)", "0"], ["  Back", "2 (66.7%)", "0"],
                    ["S2", "1 (33.3%)", "1 (100.0%)"], ["  Rash", "1 (33.3%)", "1 (100.0%)"]]


def test_incidence_refuses_an_unknown_term_order(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"options\.term_order is 'frequncy'"):
        _run(tmp_path, "incidence", {"dataset": "ADAE", "group": {"var": "ARM", "levels": ["A", "B"]},
                                     "terms": ["PT"], "term_order": "frequncy"})


def test_incidence_one_header_row_and_its_limits(tmp_path: Path) -> None:
    opts = {"dataset": "ADAE", "group": {"var": "ARM", "levels": ["A", "B"]}, "terms": ["SOC", "PT"],
            "events_pattern": None, "count_header": None, "stub_header": "Class, n (%)", "any_label": "Any",
            "pct_decimals": 0, "order_by": "A", "blank_between": False}
    header, grid, _ = _run(tmp_path, "incidence", opts)
    assert header == [["Class, n (%)", "A\n(N=3)", "B\n(N=1)"]]
    assert grid[:4] == [["Any", "3 (100%)", "1 (100%)"], ["S1", "3 (100%)", "0"], ["  Back", "2 (67%)", "0"],
                        ["  Neck", "1 (33%)", "0"]]
    with pytest.raises(SpecError, match="count_header: null"):
        _run(tmp_path, "incidence", {**opts, "reference": "A"})
    with pytest.raises(SpecError, match="options.population_vars is 'ARM'"):
        _run(tmp_path, "incidence", {**opts, "population_vars": "ARM"})
