"""Criterion flags CRITy/CRITyFL and multi-category MCRITy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.criteria import derive_vars_crit_flag, derive_vars_mcrit
from cdiscflow.errors import DerivationError

NAN = np.nan
DF = pd.DataFrame({"AVAL": [0.4, 1.2, NAN, 2.6]})


def test_crit_flag_y_blank_and_y_n() -> None:
    got = derive_vars_crit_flag(DF, 1, "AVAL >= 1", "Slope >= 1 point/month")
    assert_frame_equal(got, DF.assign(CRIT1=["Slope >= 1 point/month"] * 4, CRIT1FL=["", "Y", "", "Y"]))
    got = derive_vars_crit_flag(DF, 2, "AVAL >= 1", "x", values_yn=True, create_numeric_flag=True)
    assert_frame_equal(got, DF.assign(CRIT2=["x"] * 4, CRIT2FL=["N", "Y", "", "Y"], CRIT2FN=[0.0, 1.0, NAN, 1.0]))


def test_crit_unknown_column() -> None:
    with pytest.raises(DerivationError) as err:
        derive_vars_crit_flag(DF, 1, "PCHG >= 25", "x")
    assert err.value.variable == "PCHG"


def test_mcrit_levels() -> None:
    levels = [{"condition": "AVAL < 1", "value": "<1", "n": 1}, {"condition": "AVAL < 2", "value": "1-<2"},
              {"condition": "AVAL >= 2", "value": ">=2", "n": 3}]
    got = derive_vars_mcrit(DF, 1, "Slope category", levels)
    assert_frame_equal(got, DF.assign(MCRIT1=["Slope category"] * 4, MCRIT1ML=["<1", "1-<2", "", ">=2"],
                                      MCRIT1MN=[1.0, 2.0, NAN, 3.0]))
