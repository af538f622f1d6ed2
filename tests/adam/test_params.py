"""Computed parameters and slopes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.params import derive_param_computed, derive_param_rate_from_base, derive_param_slope
from cdiscflow.errors import DerivationError

NAN = np.nan


def test_total_of_items() -> None:
    df = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S2"], "AVISITN": [1.0] * 4,
                       "PARAMCD": ["I1", "I2", "I1", "I2"], "AVAL": [1.0, 2.0, 3.0, NAN]})
    got = derive_param_computed(df, ["USUBJID", "AVISITN"], ["I1", "I2"], "I1 + I2", "TOT", param="Total")
    expected = pd.concat([df, pd.DataFrame({"USUBJID": ["S1"], "AVISITN": [1.0], "PARAMCD": ["TOT"],
                                            "AVAL": [3.0], "PARAM": ["Total"]})], ignore_index=True)
    expected["PARAM"] = expected["PARAM"].fillna("").astype("str")
    assert_frame_equal(got, expected)
    kept = derive_param_computed(df, ["USUBJID", "AVISITN"], ["I1", "I2"], "I1 + I2", "TOT", keep_missing=True)
    assert kept["AVAL"].iloc[4:].isna().tolist() == [False, True]


def test_bmi_with_constant_height() -> None:
    df = pd.DataFrame({"USUBJID": ["S1", "S1", "S1"], "AVISITN": [0.0, 1.0, 2.0],
                       "PARAMCD": ["HEIGHT", "WEIGHT", "WEIGHT"], "AVAL": [200.0, 80.0, 100.0]})
    got = derive_param_computed(df, ["USUBJID", "AVISITN"], ["WEIGHT", "HEIGHT"],
                                "WEIGHT / (HEIGHT / 100) / (HEIGHT / 100)", "BMI", constant_by="USUBJID",
                                constant_parameters=["HEIGHT"], set_values={"AVALU": "kg/m2"})
    assert got.iloc[3:][["AVISITN", "PARAMCD", "AVAL", "AVALU"]].values.tolist() == [
        [1.0, "BMI", 20.0, "kg/m2"], [2.0, "BMI", 25.0, "kg/m2"]]


def test_duplicate_parameter_records_are_an_error() -> None:
    df = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["A", "A"], "AVAL": [1.0, 2.0]})
    with pytest.raises(DerivationError, match="several A"):
        derive_param_computed(df, "USUBJID", ["A"], "A * 2", "B")


def test_slopes() -> None:
    df = pd.DataFrame({"USUBJID": ["S1"] * 3 + ["S2"] * 2 + ["S3"], "PARAMCD": ["T"] * 6,
                       "ADY": [0.0, 10.0, 20.0, 0.0, 30.0, 5.0], "AVAL": [40.0, 38.0, 37.0, 40.0, 31.0, 40.0]})
    got = derive_param_slope(df, ["USUBJID"], "SLOPE", param="Slope per 10 days", per=10.0)
    expected = pd.concat([df, pd.DataFrame({"USUBJID": ["S1", "S2"], "AVAL": [-1.5, -3.0],
                                            "PARAMCD": ["SLOPE", "SLOPE"],
                                            "PARAM": ["Slope per 10 days"] * 2})], ignore_index=True)
    expected["PARAM"] = expected["PARAM"].fillna("").astype("str")
    assert_frame_equal(got, expected)  # S3 has one point: no slope
    ends = derive_param_slope(df, ["USUBJID"], "SLOPE", method="endpoints", filter="USUBJID == 'S1'")
    assert ends["AVAL"].iloc[-1] == pytest.approx(-0.15)


def test_rate_from_base_per_month() -> None:
    df = pd.DataFrame({"USUBJID": ["A", "A", "A", "B"], "PARAMCD": ["TOT"] * 4,
                       "AVAL": [40.0, 38.0, 41.0, 30.0], "ADT": [100.0, 130.4375, 160.875, 100.0],
                       "AVISITN": [0.0, 4.0, 8.0, 0.0], "ABLFL": ["Y", "", "", "Y"], "BASE": [40.0, 40.0, 40.0, 30.0]})
    got = derive_param_rate_from_base(df, "USUBJID", "TOT", "SLOPE", param="Slope", per=30.4375)
    new = pd.DataFrame({"USUBJID": ["A", "A"], "PARAMCD": ["SLOPE", "SLOPE"], "AVAL": [-2.0, 0.5],
                        "ADT": [130.4375, 160.875], "AVISITN": [4.0, 8.0], "ABLFL": ["", ""], "BASE": [NAN, NAN],
                        "PARAM": ["Slope", "Slope"]})
    expected = pd.concat([df, new], ignore_index=True)
    expected["PARAM"] = expected["PARAM"].fillna("").astype("str")
    assert_frame_equal(got, expected)


def test_rate_from_base_needs_one_baseline() -> None:
    df = pd.DataFrame({"USUBJID": ["A", "A"], "PARAMCD": ["TOT", "TOT"], "AVAL": [1.0, 2.0],
                       "ADT": [1.0, 2.0], "ABLFL": ["Y", "Y"]})
    with pytest.raises(DerivationError, match="more than one baseline"):
        derive_param_rate_from_base(df, "USUBJID", "TOT", "SLOPE")
