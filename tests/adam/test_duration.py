"""Durations and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.duration import (
    compute_duration,
    derive_var_age_years,
    derive_var_count,
    derive_var_duration,
    derive_var_trtdurd,
    derive_vars_aage,
    derive_vars_duration,
    sas_round,
)
from cdiscflow.errors import DerivationError

NAN = np.nan


def test_day_duration_with_unit() -> None:
    df = pd.DataFrame({"ASTDT": [10.0, 10.0, NAN], "AENDT": [12.0, 10.0, 3.0]})
    got = derive_var_duration(df, "ADURN", "ASTDT", "AENDT", unit_var="ADURU", unit_text="DAY")
    assert_frame_equal(got, df.assign(ADURN=[3.0, 1.0, NAN], ADURU=["DAY", "DAY", ""]))


def test_months_years_rounding_and_floor() -> None:
    df = pd.DataFrame({"START": [0.0, 0.0], "END": [365.0, 730.0]})
    got = derive_var_duration(df, "M", "START", "END", unit="months", digits=1)
    assert got["M"].tolist() == [12.0, 24.0]
    got = derive_var_duration(df, "AGE", "START", "END", unit="years", add_one=False, floor=True)
    assert got["AGE"].tolist() == [0.0, 1.0]
    with pytest.raises(DerivationError):
        derive_var_duration(df, "X", "START", "END", unit="fortnights")


def test_sas_round_half_away_from_zero() -> None:
    assert sas_round(pd.Series([0.25, -0.25, 2.5, 0.35]), 1).tolist() == [0.3, -0.3, 2.5, 0.4]
    assert sas_round(pd.Series([2.5, 3.5]), 0).tolist() == [3.0, 4.0]


def test_count_per_group() -> None:
    df = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "AESER": ["Y", "N", "N"]})
    got = derive_var_count(df, "USUBJID", "NSER", filter="AESER == 'Y'")
    assert_frame_equal(got, df.assign(NSER=[1.0, 1.0, 0.0]))


def test_compute_duration_as_admiral() -> None:
    """admiral's compute_duration conventions: +1 day on non-negative day counts, fixed-length units for
    durations, calendar units for intervals, datetimes in hours."""
    start, end = pd.Series([0.0, 10.0, 0.0]), pd.Series([9.0, 3.0, 729.6])
    assert compute_duration(start, end).tolist() == [10.0, -7.0, 730.0]  # floor_in: day 729.6 is day 729
    assert compute_duration(start, end, out_unit="years", add_one=False).tolist()[2] == pytest.approx(729 / 365.25)
    assert compute_duration(start, end, out_unit="weeks", add_one=False, trunc_out=True).tolist() == [1.0, -1.0, 104.0]
    hours = compute_duration(pd.Series([0.0]), pd.Series([5400.0]), in_unit="hours", out_unit="minutes",
                             add_one=False)
    assert hours.tolist() == [60.0]  # floor_in drops the 30 minutes below the input unit (hours)
    day = lambda text: float((pd.Timestamp(text) - pd.Timestamp("1960-01-01")).days)  # noqa: E731
    dm = pd.DataFrame({"BRTHDT": [day("1990-06-15"), day("1990-06-15"), np.nan],
                       "RANDDT": [day("2020-06-14"), day("2020-06-15"), day("2020-01-01")]})
    assert derive_vars_aage(dm)["AAGE"].tolist()[:2] == [29.0, 30.0]
    assert derive_vars_aage(dm)["AAGEU"].tolist() == ["YEARS", "YEARS", ""]
    assert derive_vars_aage(dm, age_unit="months")["AAGE"].tolist()[:2] == [359.0, 360.0]
    assert derive_var_trtdurd(pd.DataFrame({"TRTSDT": [1.0], "TRTEDT": [1.0]}))["TRTDURD"].tolist() == [1.0]
    weeks = derive_vars_duration(pd.DataFrame({"A": [0.0, 0.0], "B": [13.0, np.nan]}), "D", "A", "B",
                                 new_var_unit="DU", out_unit="wk")
    assert weeks["D"].tolist()[:1] == [2.0] and weeks["DU"].tolist() == ["wk", ""]  # the unit as spelled (admiral)
    with pytest.raises(DerivationError):
        compute_duration(start, end, out_unit="fortnights")
    with pytest.raises(DerivationError):
        compute_duration(start, end, out_unit="years", type="interval")  # fractional calendar years: not defined


def test_age_years_from_unit_column_or_argument() -> None:

    df = pd.DataFrame({"AGE": [18.0, 730.5], "AGEU": ["MONTHS", "DAYS"]})
    assert derive_var_age_years(df, "AGE", "AAGE")["AAGE"].tolist() == pytest.approx([1.5, 2.0])
    assert derive_var_age_years(df.drop(columns="AGEU"), "AGE", "A", age_unit="weeks")["A"].iloc[0] == pytest.approx(
        18 * 7 / 365.25)
    with pytest.raises(DerivationError):
        derive_var_age_years(df.drop(columns="AGEU"), "AGE", "A")
