"""Durations and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.duration import derive_var_count, derive_var_duration, sas_round
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
