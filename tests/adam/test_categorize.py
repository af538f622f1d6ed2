"""Grouping variables from category tables and decodes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.categorize import derive_var_decode, derive_vars_cat
from cdiscflow.errors import DerivationError

NAN = np.nan
AGEGR1 = [{"value": "<65", "n": 1, "upper": 65}, {"value": "65-80", "n": 2, "lower": 65, "upper": 81},
          {"value": ">80", "n": 3, "lower": 81}]


def test_age_groups_with_bounds() -> None:
    df = pd.DataFrame({"AGE": [64.0, 65.0, 80.0, 81.0, NAN]})
    got = derive_vars_cat(df, "AGE", AGEGR1, "AGEGR1", "AGEGR1N")
    assert_frame_equal(got, df.assign(AGEGR1=["<65", "65-80", "65-80", ">80", ""],
                                      AGEGR1N=[1.0, 2.0, 2.0, 3.0, NAN]))


def test_categories_by_condition_first_match_wins() -> None:
    df = pd.DataFrame({"AEDECOD": ["ALOPECIA", "ERYTHEMA", "RASH", "NAUSEA"],
                       "AEBODSYS": ["SKIN", "SKIN", "SKIN", "GI"]})
    table = [{"condition": "AEDECOD in ['ALOPECIA']", "value": ""},
             {"condition": "contains(AEDECOD, 'ERYTH') or AEBODSYS == 'SKIN'", "value": "DERM"}]
    got = derive_vars_cat(df, "AEDECOD", table, "CQ01NAM")
    assert_frame_equal(got, df.assign(CQ01NAM=["", "DERM", "DERM", ""]))
    with pytest.raises(DerivationError, match="empty"):
        derive_vars_cat(df, "AEDECOD", [], "X")


def test_decode_numeric_and_text() -> None:
    df = pd.DataFrame({"TRT01P": ["Placebo", "High", ""]})
    got = derive_var_decode(df, "TRT01P", "TRT01PN", {"Placebo": 0, "High": 81})
    assert_frame_equal(got, df.assign(TRT01PN=[0.0, 81.0, NAN]))
    got = derive_var_decode(df, "TRT01P", "ARMCD", {"Placebo": "PBO", "High": "HI"})
    assert got["ARMCD"].tolist() == ["PBO", "HI", ""]
    with pytest.raises(DerivationError) as err:
        derive_var_decode(df.assign(TRT01P=["Placebo", "Low", ""]), "TRT01P", "N", {"Placebo": 0})
    assert err.value.row == "1" and "'Low'" in err.value.message
