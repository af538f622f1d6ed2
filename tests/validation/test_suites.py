"""Expectation suites compiled from specs, run with great-expectations in memory; results join the report."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from cdiscflow.specs.model import Dataset
from cdiscflow.validation import validate
from cdiscflow.validation.engine import load_rules

SPEC = Dataset.from_dict({
    "dataset": "DM", "label": "Demographics", "keys": ["USUBJID"],
    "settings": {"validation": {"ranges": {"AGE": [18, 90]}}},
    "variables": [
        {"name": "USUBJID", "label": "Unique Subject Identifier", "core": "Req"},
        {"name": "SEX", "label": "Sex", "codelist": "SEX", "core": "Req"},
        {"name": "AGE", "label": "Age", "type": "Num", "core": "Exp"},
        {"name": "RACE", "label": "Race", "core": "Exp"},
        {"name": "ETHNIC", "label": "Ethnicity", "core": "Perm"},
    ]})


def gx_rows(df: pd.DataFrame) -> dict[tuple[str, str | None], list[int]]:
    report = validate({"DM": df}, {"DM": "SDTM"}, specs={"DM": SPEC}, rules=[], suites=True)
    return {(f.rule_id, f.variable): [r["row"] for r in f.rows] for f in report.findings}


def test_suite_catches_planted_errors(shared_data) -> None:
    df = pd.DataFrame({"USUBJID": ["1", "2", "2", ""], "SEX": ["M", "F", "X", "F"], "AGE": [10.0, 30, 40, 50],
                       "RACE": ["WHITE"] * 4})
    assert gx_rows(df) == {
        ("GX.ExpectColumnValuesToNotBeNull", "USUBJID"): [4],
        ("GX.ExpectColumnValuesToBeUnique", "USUBJID"): [2, 3],
        ("GX.ExpectColumnValuesToBeInSet", "SEX"): [3],
        ("GX.ExpectColumnValuesToBeBetween", "AGE"): [1],
    }


def test_suite_column_and_type(shared_data) -> None:
    df = pd.DataFrame({"USUBJID": ["1", "2"], "SEX": ["M", "F"], "AGE": ["40", "50"]})
    assert gx_rows(df) == {("GX.ExpectColumnToExist.warning", "RACE"): [],
                           ("GX.ExpectColumnValuesToBeInTypeList", "AGE"): []}


def test_clean_dataset_passes_its_suite(shared_data) -> None:
    df = pd.DataFrame({"USUBJID": ["1", "2"], "SEX": ["M", "F"], "AGE": [40.0, 50.0], "RACE": ["WHITE", ""]})
    assert gx_rows(df) == {}


def test_suites_leave_to_the_rules_what_the_rules_check(shared_data) -> None:
    """The planted codelist error is reported once, by CT.NONEXT; the suite still adds what no rule checks."""
    df = pd.DataFrame({"USUBJID": ["1", "2"], "SEX": ["M", "X"], "AGE": [40.0, 95.0], "RACE": ["WHITE", ""]})
    report = validate({"DM": df}, {"DM": "SDTM"}, specs={"DM": SPEC},
                      rules=[r for r in load_rules() if r.id == "CT.NONEXT"])
    assert sorted((f.rule_id, f.rows[0]["row"]) for f in report.findings) == [
        ("CT.NONEXT", 2), ("GX.ExpectColumnValuesToBeBetween", 2)]


def test_with_every_rule_the_suites_report_only_ranges(shared_data) -> None:
    df = pd.DataFrame({"USUBJID": ["1", "2", "2", ""], "SEX": ["M", "F", "X", "F"], "AGE": [10.0, 30, 40, 50]})
    report = validate({"DM": df}, {"DM": "SDTM"}, specs={"DM": SPEC}, suites=True)
    gx = {(f.rule_id, f.variable) for f in report.findings if f.rule_id.startswith("GX.")}
    assert gx == {("GX.ExpectColumnValuesToBeBetween", "AGE")}
    assert {"SPEC.REQ_NULL", "SPEC.KEYS", "CT.NONEXT", "SPEC.EXP_MISSING"} <= {f.rule_id for f in report.findings}


def test_suites_skipped_with_a_reason_without_great_expectations(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "great_expectations", None)  # import fails as if not installed
    df = pd.DataFrame({"USUBJID": ["1"], "SEX": ["X"], "AGE": [10.0], "RACE": ["WHITE"]})
    report = validate({"DM": df}, {"DM": "SDTM"}, specs={"DM": SPEC}, rules=[], suites=True)
    assert report.findings == []
    assert report.skipped["GX"] == "great-expectations is not installed (pip install 'cdiscflow[validation]')"


def test_great_expectations_not_imported_with_the_package() -> None:
    code = "import sys, cdiscflow.validation, cdiscflow.validation.command; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
