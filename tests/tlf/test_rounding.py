from __future__ import annotations

import numpy as np
import pytest

from cdiscflow.errors import SpecError
from cdiscflow.tlf.rounding import data_decimals, format_pvalue, format_values, round_decimal, round_values


@pytest.mark.parametrize(("rule", "expected"), [
    ("half_up", ["0.1", "0.2", "0.3", "2.68", "-0.3", "1.01"]),
    ("half_even", ["0.0", "0.2", "0.2", "2.68", "-0.2", "1.00"]),
    ("ieee", ["0.1", "0.1", "0.2", "2.67", "-0.2", "1.00"]),
    ("half_up_15", ["0.1", "0.2", "0.3", "2.68", "-0.3", "1.01"]),
])
def test_ties_follow_the_rule(rule: str, expected: list[str]) -> None:
    values = [0.05, 0.15, 0.25, 2.675, -0.25, 1.005]
    decimals = [1, 1, 1, 2, 1, 2]
    got = [format_values([v], d, rule)[0] for v, d in zip(values, decimals, strict=True)]
    assert got == expected


@pytest.mark.parametrize("rule", ["half_up", "half_even", "ieee", "half_up_15"])
def test_vectorised_rounding_agrees_with_decimal_reference(rule: str) -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.integers(-5000, 5000, 400) / 200.0, rng.normal(0, 50, 400),
                             np.arange(-50, 50) + 0.5, [float(f"0.0{i}5") for i in range(10)]])
    for d in (0, 1, 2):
        got = round_values(values, d, rule)
        ref = np.array([float(round_decimal(v, d, rule)) for v in values])
        np.testing.assert_array_equal(got, ref)


def test_float_artefacts_count_as_ties_like_sas_fuzz() -> None:
    """0.03 + 0.005 is stored as 0.034999...96; half_up treats it as the tie it was meant to be."""
    assert format_values([0.03 + 0.005], 2, "half_up") == ["0.04"]
    assert format_values([0.03 + 0.005], 2, "ieee") == ["0.03"]


def test_half_up_15_rounds_the_15_digit_text() -> None:
    """The pilot CSR's SAS displays: 105.54999999999998 prints 105.6, 72.25 prints 72.3, and
    -0.44999999999998863 prints -0.4, which half_up's tie tolerance would print -0.5."""
    got = format_values([105.54999999999998, 72.25, -0.44999999999998863, -72.25], 1, "half_up_15")
    assert got == ["105.6", "72.3", "-0.4", "-72.3"]
    assert format_values([105.54999999999998], 1, "ieee") == ["105.5"]
    assert format_values([-0.44999999999998863], 1, "half_up") == ["-0.5"]


def test_missing_and_negative_zero() -> None:
    assert format_values([np.nan, -0.04, 3.0], 1, missing="NE") == ["NE", "0.0", "3.0"]
    assert format_values([2.5], 0, "half_up") == ["3"]


def test_unknown_rule_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="rounding rule"):
        round_values([1.0], 1, "stochastic")  # type: ignore[arg-type]


def test_pvalue_format() -> None:
    assert format_pvalue(0.00004) == "<0.0001"
    assert format_pvalue(0.0004, 3, below="0.000", flag_below=0.15) == "0.000*"
    assert format_pvalue(0.9951, 3, above=0.99, above_text=">.99") == ">.99"
    assert format_pvalue(0.5934, 4) == "0.5934"
    assert format_pvalue(float("nan")) == ""


def test_data_decimals() -> None:
    assert data_decimals([1.0, 2.0, 3.0]) == 0
    assert data_decimals([60.5, 162.6, 70.25]) == 2
    assert data_decimals([]) == 0
