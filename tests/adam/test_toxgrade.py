"""Toxicity grading: admiral's own cases for ``derive_var_atoxgr_dir`` (ported into ``data/atoxgr_admiral_cases.json``
by ``tools/port_atoxgr_tests.py``, one per ``test_that`` block of admiral's test-derive_var_atoxgr.R) and for
``derive_var_atoxgr`` (its tests 1-4), plus argument checks, the criteria files and a speed floor."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdiscflow.adam.toxgrade import (
    CRITERIA_SETS,
    atoxgr_criteria,
    derive_var_atoxgr,
    derive_var_atoxgr_dir,
    extract_unit,
)
from cdiscflow.errors import DerivationError
from cdiscflow.expr import parse

CASES = json.loads((Path(__file__).parent / "data" / "atoxgr_admiral_cases.json").read_text(encoding="utf-8"))["cases"]


def _frame(rows: list[dict], grade: str) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in df.columns:
        if col == grade:
            df[col] = [v if isinstance(v, str) else "" for v in df[col]]
        elif col in ("ADT", "BRTHDT"):
            df[col] = pd.to_datetime(df[col])
        elif df[col].dtype == object:
            df[col] = df[col].where(df[col].notna(), "").astype(str)
    return df


@pytest.mark.parametrize("case", CASES, ids=[c["title"].replace("derive_var_atoxgr_dir ", "") for c in CASES])
def test_admiral_cases(case: dict) -> None:
    grade = case["new_var"]
    expected = _frame(case["rows"], grade)
    unit = expected["AVALU"] if "AVALU" in expected.columns else pd.Series("", index=expected.index)
    meta = pd.concat([atoxgr_criteria(name) for name in case["meta"]], ignore_index=True)
    actual = derive_var_atoxgr_dir(expected.drop(columns=grade), grade, case["description_var"], meta,
                                   case["direction"], get_unit_expr=unit, high_indicator=case["high_indicator"],
                                   low_indicator=case["low_indicator"])
    pd.testing.assert_frame_equal(actual[expected.columns], expected)


def test_the_ported_cases_cover_every_criteria_set() -> None:
    assert len(CASES) >= 250
    assert {name for case in CASES for name in case["meta"]} == set(CRITERIA_SETS)


_OVERALL = pd.DataFrame(  # admiral's derive_var_atoxgr tests 1-4: (ATOXDSCL, ATOXDSCH, ATOXGRL, ATOXGRH, ATOXGR)
    [("", "", "", "", ""), ("Hypophosphatemia", "", "", "", ""), ("", "Hyperglycemia", "", "", ""),
     ("Hypoglycemia", "Hyperglycemia", "", "", ""), ("Hypoglycemia", "Hyperglycemia", "", "0", ""),
     ("Hypoglycemia", "Hyperglycemia", "0", "", ""),
     ("Hypoglycemia", "Hyperglycemia", "0", "0", "0"), ("", "INR Increased", "", "0", "0"),
     ("Hypophosphatemia", "", "0", "", "0"),
     ("Hypoglycemia", "Hyperglycemia", "", "1", "1"), ("Hypoglycemia", "Hyperglycemia", "0", "4", "4"),
     ("", "INR Increased", "", "2", "2"),
     ("Hypoglycemia", "Hyperglycemia", "3", "", "-3"), ("Hypoglycemia", "Hyperglycemia", "1", "0", "-1"),
     ("Hypophosphatemia", "", "4", "", "-4")],
    columns=["ATOXDSCL", "ATOXDSCH", "ATOXGRL", "ATOXGRH", "ATOXGR"])


def test_overall_grade_admiral_cases() -> None:
    pd.testing.assert_frame_equal(derive_var_atoxgr(_OVERALL.drop(columns="ATOXGR")), _OVERALL)


def test_overall_grade_refuses_other_values() -> None:
    with pytest.raises(DerivationError, match="ATOXGRL"):
        derive_var_atoxgr(pd.DataFrame({"ATOXDSCL": ["Anemia"], "ATOXDSCH": [""], "ATOXGRL": ["5"], "ATOXGRH": [""]}))


_BILI = pd.DataFrame({"ATOXDSCH": ["Blood bilirubin increased"], "AVAL": [70.0], "ANRHI": [20.0], "BASE": [30.0],
                      "BNRIND": ["HIGH"], "AVALU": [""]})


def test_baseline_criteria_need_the_indicator() -> None:
    """admiral test 131: CTCAE v5/v6 liver criteria read high_indicator."""
    with pytest.raises(DerivationError, match="high_indicator"):
        derive_var_atoxgr_dir(_BILI, "ATOXGRH", "ATOXDSCH", "ctcv6", "H", get_unit_expr="AVALU")
    for high in ("HIGH", ["HIGH", "HIGH HIGH"]):  # one value, as admiral's high_indicator = "HIGH", or several
        out = derive_var_atoxgr_dir(_BILI, "ATOXGRH", "ATOXDSCH", "ctcv6", "H", get_unit_expr="AVALU",
                                    high_indicator=high)
        assert out["ATOXGRH"].tolist() == ["2"]  # > 1.5 x baseline when baseline was abnormal (3.5 x ULN: grade 3)


def test_creatinine_v6_needs_the_low_indicator() -> None:
    """admiral test 132: CTCAE v6 creatinine increased compares with baseline when BNRIND is low."""
    creat = pd.DataFrame({"ATOXDSCH": ["Creatinine increased"], "AVAL": [241.0], "BASE": [40.0], "ANRHI": [40.0],
                          "AVALU": [""], "BNRIND": ["NORMAL"]})
    with pytest.raises(DerivationError, match="low_indicator"):
        derive_var_atoxgr_dir(creat, "ATOXGRH", "ATOXDSCH", "ctcv6", "H", get_unit_expr="AVALU",
                              high_indicator="HIGH")
    out = derive_var_atoxgr_dir(creat, "ATOXGRH", "ATOXDSCH", "ctcv6", "H", get_unit_expr="AVALU",
                                high_indicator="HIGH", low_indicator="LOW")
    assert out["ATOXGRH"].tolist() == ["4"]


def test_two_criteria_sets_for_one_term_and_unit_are_refused() -> None:
    """admiral test 133: the same term and unit twice in the metadata."""
    meta = pd.concat([atoxgr_criteria("ctcv4"), atoxgr_criteria("ctcv5")], ignore_index=True)
    with pytest.raises(DerivationError, match="two criteria sets"):
        derive_var_atoxgr_dir(_BILI, "ATOXGRH", "ATOXDSCH", meta, "H", get_unit_expr="AVALU")


@pytest.mark.parametrize("kwargs, what", [
    ({"criteria_direction": "X"}, "criteria_direction"), ({"signif_dig": 0}, "signif_dig"),
    ({"meta_criteria": "ctcv9"}, "meta_criteria"),
    ({"tox_description_var": "NOPE"}, "NOPE"),
])
def test_arguments_are_checked(kwargs: dict, what: str) -> None:
    args = {"new_var": "ATOXGRH", "tox_description_var": "ATOXDSCH", "meta_criteria": "ctcv4",
            "criteria_direction": "H", "get_unit_expr": "AVALU", **kwargs}
    with pytest.raises(DerivationError, match=what):
        derive_var_atoxgr_dir(_BILI, **args)


def test_missing_criteria_variable_is_named() -> None:
    with pytest.raises(DerivationError, match="ANRHI"):
        derive_var_atoxgr_dir(_BILI.drop(columns="ANRHI"), "ATOXGRH", "ATOXDSCH", "ctcv4", "H", get_unit_expr="AVALU")


@pytest.mark.parametrize("name", CRITERIA_SETS)
def test_criteria_files_parse(name: str) -> None:
    crit = atoxgr_criteria(name)
    assert set(crit["GRADE"]) <= {"", "0", "1", "2", "3", "4"}
    assert set(crit["DIRECTION"]) == {"L", "H"}
    for text in pd.concat([crit["CONDITION"], crit["FILTER"]]).unique():
        if text:
            parse(text)
    last = crit.groupby(["TERM", "DIRECTION", "FILTER", "UNIT_CHECK"], sort=False)["CONDITION"].last()
    assert (last == "True").all()  # every criteria set ends with its fallback clause


def test_extract_unit_keeps_nested_parentheses_like_admiral() -> None:
    units = extract_unit(pd.Series(["Ery. Mean Corpuscular Hemoglobin (fmol(Fe))", "Albumin (g/L)", ""]))
    assert units.tolist() == ["fmolFe", "g/L", ""]


def test_grading_100k_records_is_fast() -> None:
    rng = np.random.default_rng(1)
    terms = ["Anemia", "Hypoglycemia", "Platelet count decreased", "White blood cell decreased", "Hypokalemia",
             "Hyponatremia", "Hypocalcemia", "Hypoalbuminemia", "CD4 lymphocytes decreased", "Hypophosphatemia"]
    units = ["g/L", "mmol/L", "10^9/L", "10^9/L", "mmol/L", "mmol/L", "mmol/L", "g/L", "10^9/L", "mmol/L"]
    pick = rng.integers(0, len(terms), 100_000)
    lb = pd.DataFrame({"ATOXDSCL": np.array(terms)[pick], "AVALU": np.array(units)[pick],
                       "AVAL": rng.uniform(0, 150, 100_000), "ANRLO": rng.uniform(1, 120, 100_000)})
    start = time.perf_counter()
    out = derive_var_atoxgr_dir(lb, "ATOXGRL", "ATOXDSCL", "ctcv4", "L", get_unit_expr="AVALU")
    elapsed = time.perf_counter() - start
    assert out["ATOXGRL"].isin(["0", "1", "2", "3", "4"]).all()
    assert elapsed < 1.0, f"{elapsed:.2f} s"
