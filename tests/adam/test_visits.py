"""Analysis windows and the analysis record flag."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.visits import derive_var_anl_flag, derive_vars_window, window_range
from cdiscflow.errors import DerivationError

NAN = np.nan
WINDOWS = [
    {"AVISIT": "Baseline", "AVISITN": 0, "AWLO": None, "AWHI": 1, "AWTARGET": 1},
    {"AVISIT": "Week 8", "AVISITN": 8, "AWLO": 2, "AWHI": 84, "AWTARGET": 56},
    {"AVISIT": "Week 16", "AVISITN": 16, "AWLO": 85, "AWHI": None, "AWTARGET": 112},
]


def test_window_range_text() -> None:
    got = window_range(pd.Series([NAN, 2.0, 141.0]), pd.Series([1.0, 84.0, NAN]))
    assert got.tolist() == ["<=1", "2-84", ">140"]


def test_windows_assigned_by_day() -> None:
    df = pd.DataFrame({"USUBJID": ["S1"] * 4, "ADY": [-3.0, 60.0, 200.0, NAN]})
    got = derive_vars_window(df, WINDOWS)
    expected = pd.DataFrame({
        "USUBJID": ["S1"] * 4, "ADY": [-3.0, 60.0, 200.0, NAN],
        "AVISIT": ["Baseline", "Week 8", "Week 16", ""], "AVISITN": [0.0, 8.0, 16.0, NAN],
        "AWLO": [NAN, 2.0, 85.0, NAN], "AWHI": [1.0, 84.0, NAN, NAN], "AWTARGET": [1.0, 56.0, 112.0, NAN],
        "AWRANGE": ["<=1", "2-84", ">84", ""], "AWTDIFF": [4.0, 4.0, 88.0, NAN],
        "AWU": ["DAYS", "DAYS", "DAYS", ""]})
    assert_frame_equal(got, expected)


def test_parameter_specific_and_overlapping_windows() -> None:
    table = [{"PARAMCD": "A", "AVISIT": "W1", "AVISITN": 1, "AWLO": 1, "AWHI": 10, "AWTARGET": 7},
             {"PARAMCD": "A", "AVISIT": "W2", "AVISITN": 2, "AWLO": 8, "AWHI": 20, "AWTARGET": 14},
             {"PARAMCD": "B", "AVISIT": "W1", "AVISITN": 1, "AWLO": 1, "AWHI": 3, "AWTARGET": 2}]
    df = pd.DataFrame({"PARAMCD": ["A", "B"], "ADY": [9.0, 9.0]})
    got = derive_vars_window(df, table, by="PARAMCD")
    assert got[["PARAMCD", "AVISIT"]].values.tolist() == [["A", "W1"], ["A", "W2"], ["B", ""]]


def test_window_table_must_be_complete() -> None:
    with pytest.raises(DerivationError, match="AWTARGET"):
        derive_vars_window(pd.DataFrame({"ADY": [1.0]}), [{"AVISIT": "X", "AVISITN": 1, "AWLO": 1, "AWHI": 2}])


def test_anl_flag_rules() -> None:
    df = pd.DataFrame({"USUBJID": ["S1"] * 4 + ["S2"], "AVISITN": [8.0, 8.0, 8.0, 16.0, 8.0],
                       "ADY": [50.0, 62.0, 80.0, 100.0, 56.0], "AWTARGET": [56.0, 56.0, 56.0, 112.0, 56.0],
                       "AVAL": [1.0, 2.0, 3.0, 4.0, NAN]})
    by = ["USUBJID", "AVISITN"]
    got = derive_var_anl_flag(df, by, filter="present(AVAL)")
    # 50 and 62 are both 6 days away: the earlier wins; S2's only record has no value
    assert_frame_equal(got, df.assign(ANL01FL=["Y", "", "", "Y", ""]))
    assert derive_var_anl_flag(df, by, rule="last")["ANL01FL"].tolist() == ["", "", "Y", "Y", "Y"]
    assert derive_var_anl_flag(df, by, "ANL02FL", rule="first")["ANL02FL"].tolist() == ["Y", "", "", "Y", "Y"]
    assert derive_var_anl_flag(df, by, order=["-ADY"])["ANL01FL"].tolist() == ["", "Y", "", "Y", "Y"]
