"""Baseline flag, BASE, CHG, PCHG, BASETYPE and shifts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.baseline import (
    derive_basetype_records,
    derive_var_ablfl,
    derive_var_analysis_ratio,
    derive_var_base,
    derive_var_chg,
    derive_var_pchg,
    derive_var_shift,
)
from cdiscflow.errors import DerivationError

NAN = np.nan
BDS = pd.DataFrame({
    "USUBJID": ["S1", "S1", "S1", "S1", "S2", "S2"],
    "PARAMCD": ["X"] * 6,
    "ADT": [1.0, 3.0, 5.0, 9.0, 2.0, 8.0],
    "TRTSDT": [5.0, 5.0, 5.0, 5.0, 4.0, 4.0],
    "AVAL": [10.0, 12.0, NAN, 15.0, 0.0, 3.0],
    "ANRIND": ["NORMAL", "HIGH", "", "HIGH", "LOW", "NORMAL"],
})


def derived() -> pd.DataFrame:
    df = derive_var_ablfl(BDS, ["USUBJID", "PARAMCD"], ["ADT"])
    df = derive_var_base(df, ["USUBJID", "PARAMCD"])
    df = derive_var_base(df, ["USUBJID", "PARAMCD"], source="ANRIND", new_var="BNRIND")
    df = derive_var_chg(df, filter="ABLFL != 'Y'")
    return derive_var_pchg(df, filter="ABLFL != 'Y'")


def test_baseline_and_change() -> None:
    expected = BDS.assign(
        ABLFL=["", "Y", "", "", "Y", ""],          # last non-missing on/before TRTSDT (day 5 is missing)
        BASE=[12.0, 12.0, 12.0, 12.0, 0.0, 0.0],
        BNRIND=["HIGH"] * 4 + ["LOW"] * 2,
        CHG=[-2.0, NAN, NAN, 3.0, NAN, 3.0],
        PCHG=[-2.0 / 12 * 100, NAN, NAN, 25.0, NAN, NAN],  # PCHG missing when BASE = 0
    )
    assert_frame_equal(derived(), expected)


def test_two_baselines_are_an_error() -> None:
    df = BDS.assign(ABLFL=["Y", "Y", "", "", "", ""])
    with pytest.raises(DerivationError, match="more than one"):
        derive_var_base(df, ["USUBJID", "PARAMCD"])


def test_basetype_records_repeat_and_keep_the_rest() -> None:
    df = pd.DataFrame({"ADT": [1.0, 2.0, 3.0]})
    got = derive_basetype_records(df, {"LAST": "ADT <= 2", "FIRST": "ADT < 2"})
    assert_frame_equal(got, pd.DataFrame({"ADT": [3.0, 1.0, 2.0, 1.0], "BASETYPE": ["", "LAST", "LAST", "FIRST"]}))
    with pytest.raises(DerivationError):
        derive_basetype_records(df, {})


def test_shift_text() -> None:
    df = pd.DataFrame({"BNRIND": ["NORMAL", "", "LOW"], "ANRIND": ["HIGH", "LOW", ""], "ABLFL": ["", "", "Y"]})
    got = derive_var_shift(df, "SHIFT1", "BNRIND", "ANRIND", filter="ABLFL != 'Y'")
    assert_frame_equal(got, df.assign(SHIFT1=["NORMAL to HIGH", "NULL to LOW", ""]))


def test_analysis_ratio() -> None:
    df = pd.DataFrame({"AVAL": [10.0, 3.0, np.nan], "A1LO": [4.0, 0.0, 2.0]})
    got = derive_var_analysis_ratio(df, "AVAL", "A1LO")
    assert_frame_equal(got, df.assign(R2A1LO=[2.5, np.nan, np.nan]))
