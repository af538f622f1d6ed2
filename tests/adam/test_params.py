"""Computed parameters and slopes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.compute import compute_map, compute_qtc
from cdiscflow.adam.params import (
    derive_param_bmi,
    derive_param_bsa,
    derive_param_computed,
    derive_param_doseint,
    derive_param_exist_flag,
    derive_param_exposure,
    derive_param_map,
    derive_param_qtc,
    derive_param_rate_from_base,
    derive_param_rr,
    derive_param_slope,
    derive_param_wbc_abs,
)
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


def test_condition_formula_gives_one_or_zero() -> None:
    """A condition is 1 where it holds and 0 elsewhere, also where a parameter is missing (kept groups)."""
    df = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S2", "S3", "S3"], "PARAMCD": ["A", "B"] * 3,
                       "AVAL": [1.0, 1.0, 1.0, 0.0, NAN, 1.0]})
    got = derive_param_computed(df, "USUBJID", ["A", "B"], "A == 1 and B == 1", "AB", keep_missing=True)
    assert_frame_equal(got.iloc[6:].reset_index(drop=True), pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3"], "PARAMCD": "AB", "AVAL": [1.0, 0.0, 0.0]}))


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


def test_computed_vital_sign_parameters() -> None:
    """BMI with one height per subject, MAP with and without heart rate, QTc by method, RR; units checked."""
    vs = pd.DataFrame({"USUBJID": ["1"] * 6, "AVISIT": ["BL", "BL", "W4", "BL", "BL", "BL"],
                       "PARAMCD": ["HEIGHT", "WEIGHT", "WEIGHT", "SYSBP", "DIABP", "PULSE"],
                       "AVAL": [200.0, 80.0, 100.0, 130.0, 85.0, 70.0],
                       "AVALU": ["cm", "kg", "kg", "mmHg", "mmHg", "beats/min"]})
    bmi = derive_param_bmi(vs, ["USUBJID", "AVISIT"], constant_by="USUBJID", unit_var="AVALU")
    assert bmi.loc[bmi["PARAMCD"] == "BMI", ["AVISIT", "AVAL"]].values.tolist() == [["BL", 20.0], ["W4", 25.0]]
    with pytest.raises(DerivationError, match="HEIGHT is in in"):
        derive_param_bmi(vs.assign(AVALU=vs["AVALU"].replace("cm", "in")), "USUBJID", unit_var="AVALU")
    bsa = derive_param_bsa(vs, ["USUBJID", "AVISIT"], method="DuBois-DuBois", constant_by="USUBJID")
    assert bsa.loc[bsa["PARAMCD"] == "BSA", "AVAL"].round(4).tolist() == [
        round(0.007184 * 200**0.725 * w**0.425, 4) for w in (80.0, 100.0)]
    with_hr = derive_param_map(vs, ["USUBJID", "AVISIT"], hr_code="PULSE", paramcd="MAPHR")
    assert with_hr["AVAL"].iloc[-1] == pytest.approx(compute_map([85.0], [130.0], [70.0]).iloc[0])
    eg = pd.DataFrame({"USUBJID": ["1", "1", "1"], "PARAMCD": ["QT", "RR", "HR"], "AVAL": [350.0, 860.0, 60.0]})
    fr = derive_param_qtc(eg, "USUBJID", method="Fridericia")
    assert fr.iloc[-1]["PARAMCD"] == "QTCFR"
    assert fr.iloc[-1]["AVAL"] == pytest.approx(compute_qtc([350.0], [860.0], "Fridericia").iloc[0])
    assert derive_param_rr(eg, "USUBJID")["AVAL"].iloc[-1] == 1000.0
    incomplete = derive_param_map(vs[vs["PARAMCD"] != "DIABP"], "USUBJID")
    assert "MAP" not in set(incomplete["PARAMCD"])


def test_dose_intensity_exposure_and_existence_parameters() -> None:
    ex = pd.DataFrame({"USUBJID": ["1", "1", "2", "2", "3", "3"], "PARAMCD": ["TNDOSE", "TSNDOSE"] * 3,
                       "AVAL": [90.0, 100.0, 5.0, 0.0, 0.0, 0.0]})
    inf = derive_param_doseint(ex, "USUBJID")
    assert inf.loc[inf["PARAMCD"] == "TNDOSINT", "AVAL"].tolist()[:2] == [90.0, np.inf]
    assert np.isnan(inf["AVAL"].iloc[-1])
    hundred = derive_param_doseint(ex, "USUBJID", zero_doses="100")
    assert hundred["AVAL"].tolist()[-3:] == [90.0, 100.0, 0.0]
    with pytest.raises(DerivationError):
        derive_param_doseint(ex, "USUBJID", zero_doses="0")

    adex = pd.DataFrame({"USUBJID": ["1", "1", "2", "1"], "PARAMCD": ["DOSE", "DOSE", "DOSE", "OTHER"],
                         "AVAL": [10.0, 20.0, 5.0, 99.0], "ASTDT": [1.0, 8.0, 3.0, 0.0],
                         "AENDT": [7.0, np.nan, 4.0, 50.0]})
    got = derive_param_exposure(adex, adex, "USUBJID", "DOSE", paramcd="TDOSE",
                                summaries={"AVAL": "sum"}, set_values={"PARCAT1": "OVERALL"})
    new = got[got["PARAMCD"] == "TDOSE"]
    assert new[["USUBJID", "AVAL", "ASTDT", "AENDT", "PARCAT1"]].values.tolist() == [
        ["1", 30.0, 1.0, 7.0, "OVERALL"], ["2", 5.0, 3.0, 4.0, "OVERALL"]]  # admiral: the last known end
    no_end = derive_param_exposure(None, adex.assign(AENDT=np.nan), "USUBJID", "DOSE", paramcd="TDOSE",
                                   summaries={"AVAL": "sum"})
    assert no_end[["USUBJID", "ASTDT", "AENDT"]].values.tolist() == [["1", 1.0, 1.0], ["2", 3.0, 3.0]]
    assert len(got) == len(adex) + 2

    adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2", "3"]})
    tu = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1", "2"], "TUSTRESC": ["NON-TARGET", "TARGET", "NON-TARGET"]})
    flags = derive_param_exist_flag(None, adsl, tu, "TUSTRESC == 'TARGET'", paramcd="MDIS", false_value="N",
                                    missing_value="N")
    assert flags[["USUBJID", "PARAMCD", "AVALC"]].values.tolist() == [["1", "MDIS", "Y"], ["2", "MDIS", "N"],
                                                                    ["3", "MDIS", "N"]]
    with pytest.raises(DerivationError):
        derive_param_exist_flag(flags, adsl, tu, "TUSTRESC == 'TARGET'", paramcd="MDIS")


def test_wbc_absolute_counts_only_where_missing() -> None:
    lb = pd.DataFrame({"USUBJID": "1", "AVISIT": ["W1", "W1", "W2", "W2", "W2", "W3", "W3"],
                       "PARAMCD": ["WBC", "LYMLE", "WBC", "LYMLE", "LYMPH", "WBC", "LYMLE"],
                       "AVAL": [5.0, 30.0, 6.0, 20.0, 1.0, 4.0, np.nan]})
    got = derive_param_wbc_abs(lb, ["USUBJID", "AVISIT"], paramcd="LYMPH", diff_code="LYMLE", diff_type="percent")
    assert got.loc[got["PARAMCD"] == "LYMPH", ["AVISIT", "AVAL"]].values.tolist() == [["W2", 1.0], ["W1", 1.5]]
    with pytest.raises(DerivationError):
        derive_param_wbc_abs(lb, "USUBJID", paramcd="LYMPH", diff_code="LYMLE", diff_type="ratio")
