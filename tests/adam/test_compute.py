"""The compute_* formulas against admiral's own test values (tests/testthat/test-compute_*.R, which take
them from the NKF and MDCalc calculators) and against the formulas written out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from cdiscflow.adam.compute import (
    compute_age_years,
    compute_bmi,
    compute_bsa,
    compute_egfr,
    compute_framingham,
    compute_map,
    compute_qtc,
    compute_qual_imputation,
    compute_qual_imputation_dec,
    compute_rr,
    compute_scale,
)
from cdiscflow.errors import DerivationError


@pytest.mark.parametrize(("kwargs", "digits", "expected"), [
    ({"creat": 1.09, "creatu": "mg/dL", "age": 55, "sex": "M", "method": "CKD-EPI"}, 0, 80),
    ({"creat": 85, "creatu": "umol/L", "age": 65, "sex": "F", "method": "CKD-EPI"}, 0, 66),
    ({"creat": 1.09, "creatu": "mg/dL", "age": 55, "sex": "M", "weight": 90, "method": "CRCL"}, 0, 97),
    ({"creat": 85, "creatu": "umol/L", "age": 65, "sex": "F", "weight": 60, "method": "CRCL"}, 0, 55),
    ({"creat": 1.09, "creatu": "mg/dL", "age": 55, "sex": "M", "race": "WHITE", "method": "MDRD"}, 1, 70.2),
    ({"creat": 85, "creatu": "umol/L", "age": 65, "sex": "F", "race": "BLACK OR AFRICAN AMERICAN",
      "method": "MDRD"}, 1, 70.6),
], ids=["ckd-epi-cv", "ckd-epi-si", "crcl-cv", "crcl-si", "mdrd-white", "mdrd-black-female"])
def test_egfr_admiral_cases(kwargs: dict, digits: int, expected: float) -> None:
    creat = kwargs.pop("creat")
    assert round(float(compute_egfr([float(creat)], **kwargs).iloc[0]), digits) == expected


def test_egfr_ckd_epi_on_a_dataset() -> None:
    """admiral's Test 7: CKD-EPI on five subjects, one without sex."""
    got = compute_egfr(pd.Series([96.3, 70, 77, 65, 68], dtype=float), "umol/L",
                       age=pd.Series([55, 52, 67, 76, 54], dtype=float),
                       sex=pd.Series(["M", "F", "M", "F", None]), method="CKD-EPI")
    assert_series_equal(got.round(4), pd.Series([80.2293, 89.7175, 94.5453, 84.4646, np.nan]))


def test_bsa_methods_as_written() -> None:
    h, w = pd.Series([170.0, 150.0]), pd.Series([70.0, 50.0])
    assert_series_equal(compute_bsa(h, w, "Mosteller"), np.sqrt(h * w / 3600))
    assert_series_equal(compute_bsa(h, w, "DuBois-DuBois"), 0.007184 * h**0.725 * w**0.425)
    assert_series_equal(compute_bsa(h, w, "Boyd"),
                        0.0003207 * h**0.3 * (1000 * w) ** (0.7285 - 0.0188 * np.log10(1000 * w)))
    assert_series_equal(compute_bsa(h, w, "Haycock"), 0.024265 * h**0.3964 * w**0.5378)
    with pytest.raises(DerivationError):
        compute_bsa(h, w, "Unknown")


def test_map_qtc_rr_bmi() -> None:
    assert compute_map([80.0], [120.0]).round(4).tolist() == [93.3333]
    assert compute_map([80.0], [120.0], [60.0]).round(4).tolist() == [
        round(80 + 0.01 * np.exp(4.14 - 40.74 / 60) * 40, 4)]
    assert compute_rr([50.0]).tolist() == [1200.0]
    qt, rr = pd.Series([350.0]), pd.Series([860.0])
    assert compute_qtc(qt, rr, "Bazett").round(6).tolist() == [round(350 / np.sqrt(0.86), 6)]
    assert compute_qtc(qt, rr, "Sagie").round(6).tolist() == [round(1000 * (0.35 + 0.154 * 0.14), 6)]
    assert compute_bmi([180.0, 0.0, np.nan], [81.0, 60.0, 60.0]).round(2).tolist()[:1] == [25.0]
    assert compute_bmi([0.0], [60.0]).isna().all()
    with pytest.raises(DerivationError):
        compute_bmi(pd.Series(["180"]), pd.Series([80.0]))


def test_framingham_admiral_case() -> None:
    """admiral's Test 1 (male, untreated): the formula written out."""
    expected = (1 - 0.88936 ** np.exp(3.06117 * np.log(53) + 1.12370 * np.log(216.16) - 0.93263 * np.log(54.91)
                                      + 1.93303 * np.log(133) - 23.9802)) * 100
    got = compute_framingham([133.0], [216.16], [54.91], [53.0], "M", "N", "N", "N")
    assert got.tolist() == pytest.approx([expected])


def test_age_years_units() -> None:
    got = compute_age_years(pd.Series([24.0, 365.25, 1.0, np.nan]), pd.Series(["months", "DAYS", "years", "years"]))
    assert got.tolist()[:3] == pytest.approx([2.0, 1.0, 1.0])
    assert np.isnan(got.iloc[3])
    with pytest.raises(DerivationError):
        compute_age_years([1.0], "fortnights")


def test_scale_and_qualified_results() -> None:

    assert compute_scale([2.0, 4.0], (1, 5), (0, 100)) == 50.0
    assert compute_scale([2.0, 4.0], (1, 5), (0, 100), flip_direction=True) == 50.0
    assert compute_scale([5.0], (1, 5), (0, 10), flip_direction=True) == 0.0
    assert np.isnan(compute_scale([np.nan, 2.0], min_n=2))
    assert np.isnan(compute_scale([9.0], (1, 5), (0, 100)))  # outside the source range
    with pytest.raises(DerivationError):
        compute_scale([1.0], (1, 5))
    values = pd.Series(["<0.05", ">12", "<=3", "7.5", "POSITIVE", None])
    assert compute_qual_imputation(values, factor=0.01).tolist()[:4] == pytest.approx([0.04, 12.01, 3.0, 7.5])
    assert compute_qual_imputation(values).iloc[4:].isna().all()
    assert compute_qual_imputation(values, imputation_type=2).tolist()[:2] == pytest.approx([0.04, 13.0])
    assert compute_qual_imputation_dec(pd.Series(["1.005"])).tolist() == pytest.approx([0.001])
