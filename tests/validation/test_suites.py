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


def test_suites_and_rules_agree_on_planted_codelist_error(shared_data) -> None:
    df = pd.DataFrame({"USUBJID": ["1", "2"], "SEX": ["M", "X"], "AGE": [40.0, 50.0], "RACE": ["WHITE", ""]})
    report = validate({"DM": df}, {"DM": "SDTM"}, specs={"DM": SPEC},
                      rules=[r for r in load_rules() if r.id == "CT.NONEXT"])
    assert sorted((f.rule_id, f.rows[0]["row"]) for f in report.findings) == [
        ("CT.NONEXT", 2), ("GX.ExpectColumnValuesToBeInSet", 2)]


def test_great_expectations_not_imported_with_the_package() -> None:
    code = "import sys, cdiscflow.validation, cdiscflow.validation.command; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
