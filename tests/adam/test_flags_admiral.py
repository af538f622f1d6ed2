"""admiral's own ``derive_var_trtemfl`` test cases (tests/testthat/test-derive_var_trtemfl.R, admiral 1.x),
ported as data: each row is (USUBJID, ASTDTM, AENDTM, AEITOXGR, AETOXGR[, AEGRPID], expected flag), and the
same call admiral's test makes. Expected ``NA`` is ``""`` here (missing character)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from cdiscflow.adam.flags import derive_var_trtemfl
from cdiscflow.errors import DerivationError

EPOCH = pd.Timestamp("1960-01-01")


def sas_dtm(text: str) -> float:
    """ISO ``YYYY-MM-DDThh:mm`` → SAS datetime seconds; ``""`` → NaN."""
    return (pd.Timestamp(text) - EPOCH).total_seconds() if text else np.nan


# admiral Tests 1, 2 and 4: TRTEMFL (defaults), TRTEM2FL (window 10 + worsening), TRTEM3FL (as 2, with time)
UNGROUPED = [
    ("1", "2021-12-13T20:15", "2021-12-15T12:45", "1", "1", "", "", ""),
    ("1", "2021-12-14T20:15", "2021-12-14T22:00", "1", "3", "", "", ""),
    ("1", "2021-12-30T20:00", "2022-01-14T11:00", "1", "3", "", "Y", "Y"),
    ("1", "2021-12-31T20:15", "2022-01-01T01:23", "1", "1", "", "", ""),
    ("1", "2022-01-01T12:00", "2022-01-02T23:25", "3", "4", "Y", "Y", "Y"),
    ("1", "2022-05-10T11:00", "2022-05-10T13:05", "2", "2", "Y", "Y", "Y"),
    ("1", "2022-05-10T12:00", "2022-05-10T13:05", "2", "2", "Y", "Y", ""),
    ("1", "2022-05-11T11:00", "2022-05-11T13:05", "2", "2", "Y", "", ""),
    ("1", "", "", "3", "4", "Y", "Y", "Y"),
    ("1", "2021-12-30T09:00", "", "3", "4", "", "Y", "Y"),
    ("1", "2021-12-30T11:00", "", "3", "3", "", "", ""),
    ("1", "", "2022-01-04T09:00", "3", "4", "Y", "Y", "Y"),
    ("1", "", "2021-12-24T19:00", "3", "4", "", "", ""),
    ("1", "", "2022-06-04T09:00", "3", "4", "Y", "Y", "Y"),
    ("2", "", "2021-12-03T12:00", "1", "2", "", "", ""),
    ("2", "2021-12-01T12:00", "2021-12-03T12:00", "1", "2", "", "", ""),
    ("2", "2021-12-06T18:00", "", "1", "2", "", "", ""),
]

# admiral Tests 3 and 5: worsening within an episode (AEGRPID); the same expectation with and without time
GROUPED = [
    ("1", "2021-12-13T20:15", "2021-12-15T12:45", "1", "1", "1", ""),
    ("1", "2021-12-14T20:15", "2021-12-14T22:00", "1", "3", "1", ""),
    ("1", "2021-12-30T20:15", "2022-01-14T01:23", "3", "3", "2", ""),
    ("1", "2022-01-05T20:00", "2022-06-01T11:00", "3", "1", "2", ""),
    ("1", "2022-01-10T20:15", "2022-01-11T01:23", "3", "2", "2", "Y"),
    ("1", "2022-01-13T20:15", "2022-03-01T01:23", "3", "1", "2", "Y"),
    ("1", "2022-01-01T12:00", "2022-01-02T23:25", "4", "4", "3", "Y"),
    ("1", "2022-05-10T11:00", "2022-05-10T13:05", "2", "2", "4", "Y"),
    ("1", "2022-05-10T12:00", "2022-05-10T13:05", "2", "2", "4", "Y"),
    ("1", "2022-05-11T11:00", "2022-05-11T13:05", "2", "2", "4", ""),
    ("1", "", "", "3", "4", "5", "Y"),
    ("1", "2021-12-30T09:00", "", "3", "4", "5", ""),
    ("1", "2021-12-30T11:00", "", "3", "3", "5", ""),
    ("1", "", "2022-01-04T09:00", "3", "4", "5", "Y"),
    ("1", "", "2021-12-24T19:00", "3", "4", "5", ""),
    ("1", "", "2022-06-04T09:00", "3", "4", "5", "Y"),
    ("2", "", "2021-12-03T12:00", "1", "2", "1", ""),
    ("2", "2021-12-01T12:00", "2021-12-03T12:00", "1", "2", "2", ""),
    ("2", "2021-12-06T18:00", "", "1", "2", "3", ""),
]

# admiral Test 12: the PHUSE white paper's treatment-emergent cases (trt 2021-01-01T00:01 .. 2021-12-31T23:59)
PHUSE = [
    ("1", "2020-12-20T00:00", "2020-12-21T00:00", "2", "2", ""),
    ("2", "2021-12-20T00:00", "2021-12-21T00:00", "2", "2", "Y"),
    ("3", "2020-12-20T00:00", "2020-12-21T00:00", "2", "2", ""),
    ("3", "2021-12-20T00:00", "2021-12-21T00:00", "2", "2", "Y"),
    ("4", "2020-12-20T00:00", "2020-12-21T00:00", "2", "2", ""),
    ("4", "2021-12-20T00:00", "2021-12-21T00:00", "2", "3", "Y"),
    ("5", "2020-12-20T00:00", "2020-12-21T00:00", "2", "2", ""),
    ("5", "2021-12-20T00:00", "2021-12-21T00:00", "2", "1", "Y"),
    ("6", "2020-12-23T00:00", "2021-01-21T00:00", "2", "2", ""),
    ("6", "2021-12-20T00:00", "2021-12-21T00:00", "2", "2", "Y"),
    ("7", "2020-12-23T00:00", "2021-01-21T00:00", "2", "2", ""),
    ("7", "2021-12-20T00:00", "2021-12-21T00:00", "2", "3", "Y"),
    ("8", "2020-12-23T00:00", "2021-01-21T00:00", "2", "2", ""),
    ("8", "2021-12-20T00:00", "2021-12-21T00:00", "2", "1", "Y"),
    ("9", "2020-12-23T00:00", "2021-01-21T00:00", "2", "2", ""),
    ("10", "2020-12-23T00:00", "2021-01-21T00:00", "2", "4", "Y"),
    ("11", "2020-12-23T00:00", "2021-01-21T00:00", "2", "1", ""),
    ("12", "2020-12-23T00:00", "2021-01-21T00:00", "3", "2", ""),
    ("13", "2020-12-23T00:00", "2021-01-21T00:00", "1", "2", "Y"),
]


def frame(rows: list[tuple], columns: list[str], trt_start: str, trt_end: str, treated: set[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    df["ASTDTM"] = df["ASTDTM"].map(sas_dtm)
    df["AENDTM"] = df["AENDTM"].map(sas_dtm)
    df["TRTSDTM"] = np.where(df["USUBJID"].isin(treated), sas_dtm(trt_start), np.nan)
    df["TRTEDTM"] = np.where(df["USUBJID"].isin(treated), sas_dtm(trt_end), np.nan)
    return df


COMMON = {"start_date": "ASTDTM", "end_date": "AENDTM", "trt_start_date": "TRTSDTM"}
WORSENING = {"trt_end_date": "TRTEDTM", "end_window": 10, "initial_intensity": "AEITOXGR",
             "intensity": "AETOXGR"}


@pytest.mark.parametrize(("expected", "args"), [
    ("TRTEMFL", {}),
    ("TRTEM2FL", WORSENING),
    ("TRTEM3FL", {**WORSENING, "ignore_time_for_trt_end": False}),
], ids=["test1-defaults", "test2-window-worsening", "test4-with-time"])
def test_admiral_ungrouped(expected: str, args: dict) -> None:
    cols = ["USUBJID", "ASTDTM", "AENDTM", "AEITOXGR", "AETOXGR", "TRTEMFL", "TRTEM2FL", "TRTEM3FL"]
    df = frame(UNGROUPED, cols, "2022-01-01T01:01", "2022-04-30T11:30", {"1"})
    got = derive_var_trtemfl(df.drop(columns=cols[5:]), expected, **COMMON, **args)
    assert_series_equal(got[expected], df[expected])


@pytest.mark.parametrize("ignore_time", [True, False], ids=["test3-group", "test5-group-with-time"])
def test_admiral_grouped(ignore_time: bool) -> None:
    cols = ["USUBJID", "ASTDTM", "AENDTM", "AEITOXGR", "AETOXGR", "AEGRPID", "TRTEMFL"]
    df = frame(GROUPED, cols, "2022-01-01T01:01", "2022-04-30T23:59", {"1"})
    got = derive_var_trtemfl(df.drop(columns="TRTEMFL"), **COMMON, trt_end_date="TRTEDTM", end_window=10,
                             ignore_time_for_trt_end=ignore_time, intensity="AETOXGR", group_var="AEGRPID")
    assert_series_equal(got["TRTEMFL"], df["TRTEMFL"])


def test_admiral_phuse_white_paper() -> None:
    cols = ["USUBJID", "ASTDTM", "AENDTM", "AEITOXGR", "AETOXGR", "TRTEMFL"]
    df = frame(PHUSE, cols, "2021-01-01T00:01", "2021-12-31T23:59", {r[0] for r in PHUSE})
    got = derive_var_trtemfl(df.drop(columns="TRTEMFL"), **COMMON, trt_end_date="TRTEDTM", end_window=0,
                             initial_intensity="AEITOXGR", intensity="AETOXGR")
    assert_series_equal(got["TRTEMFL"], df["TRTEMFL"])


@pytest.mark.parametrize("args", [
    {"end_window": 10},                                  # admiral Test 6: end_window without trt_end_date
    {"initial_intensity": "AEITOXGR"},                   # Test 7
    {"intensity": "AETOXGR"},                            # Test 8
    {"group_var": "AEGRPID", "subject_keys": ()},        # Test 11
    {"trt_end_date": "TRTEDTM", "end_window": -1},       # admiral asserts a non-negative integer
    {"trt_end_date": "TRTEDTM", "end_window": 1.5},
], ids=["window-no-end", "initial-only", "intensity-only", "group-no-keys", "negative-window", "fractional-window"])
def test_admiral_argument_errors(args: dict) -> None:
    df = frame([r[:6] for r in GROUPED[:2]], ["USUBJID", "ASTDTM", "AENDTM", "AEITOXGR", "AETOXGR", "AEGRPID"],
               "2022-01-01T01:01", "2022-04-30T23:59", {"1"})
    with pytest.raises(DerivationError):
        derive_var_trtemfl(df, **COMMON, **args)


def test_grades_compare_as_admiral_without_an_order() -> None:
    """Toxicity grades "1".."5" are compared as they are (admiral): a higher grade is worse, no order needed."""
    df = frame([("1", "2021-12-30T20:00", "", "1", "2"), ("1", "2021-12-30T20:00", "", "2", "1")],
               ["USUBJID", "ASTDTM", "AENDTM", "AEITOXGR", "AETOXGR"], "2022-01-01T01:01", "2022-04-30T23:59", {"1"})
    got = derive_var_trtemfl(df, **COMMON, initial_intensity="AEITOXGR", intensity="AETOXGR")
    assert got["TRTEMFL"].tolist() == ["Y", ""]
