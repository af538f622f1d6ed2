"""Reference range indicator ANRIND."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.ranges import derive_var_anrind
from cdiscflow.errors import DerivationError

NAN = np.nan


def test_anrind_with_extremes() -> None:
    df = pd.DataFrame({"AVAL": [1.0, 4.0, 6.0, 12.0, 25.0, NAN, 5.0],
                       "ANRLO": [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, NAN],
                       "ANRHI": [10.0, 10.0, 10.0, 10.0, 10.0, 10.0, NAN],
                       "A1LO": [2.0] * 7, "A1HI": [20.0] * 7})
    got = derive_var_anrind(df)
    # admiral: no range at all gives a blank, not NORMAL
    assert_frame_equal(got, df.assign(ANRIND=["LOW", "NORMAL", "NORMAL", "HIGH", "HIGH", "", ""]))
    got = derive_var_anrind(df, use_a1hia1lo=True)
    assert got["ANRIND"].tolist() == ["LOW LOW", "NORMAL", "NORMAL", "HIGH", "HIGH HIGH", "", ""]


def test_anrind_one_bound_and_floating_point() -> None:
    """admiral's cases: a missing bound is NORMAL when the other holds; 0.1 + 0.2 is not above 0.3."""
    df = pd.DataFrame({"AVAL": [5.0, 5.0, 1.0, 0.1 + 0.2], "ANRLO": [NAN, 3.0, NAN, 0.0],
                       "ANRHI": [10.0, NAN, 0.5, 0.3]})
    assert derive_var_anrind(df)["ANRIND"].tolist() == ["NORMAL", "NORMAL", "HIGH", "NORMAL"]
    assert derive_var_anrind(df, signif_dig=17)["ANRIND"].tolist()[3] == "HIGH"
    with pytest.raises(DerivationError):
        derive_var_anrind(df, signif_dig=0)


def test_anrind_range_factors() -> None:
    """Notable limits 0.5 × ANRLO and 1.5 × ANRHI; the bounds themselves are still NORMAL."""
    df = pd.DataFrame({"AVAL": [1.4, 1.5, 3.0, 15.0, 15.1, 0.1 * 3, NAN],
                       "ANRLO": [3.0, 3.0, 3.0, 3.0, 3.0, 0.6, 3.0],
                       "ANRHI": [10.0, 10.0, 10.0, 10.0, 10.0, 0.2, 10.0]})
    got = derive_var_anrind(df, low_factor=0.5, high_factor=1.5)
    assert_frame_equal(got, df.assign(ANRIND=["LOW", "NORMAL", "NORMAL", "NORMAL", "HIGH", "NORMAL", ""]))
    assert derive_var_anrind(df, low_factor=1, high_factor=1)["ANRIND"].equals(derive_var_anrind(df)["ANRIND"])
    for bad in (0, -1.5, True, "1.5"):
        with pytest.raises(DerivationError):
            derive_var_anrind(df, high_factor=bad)
