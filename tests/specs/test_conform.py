"""conform: spec order, Char as object str with "", Num as float64, strictness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdiscflow.errors import DataError
from cdiscflow.specs.conform import conform, format_kind, spec_from_frame
from cdiscflow.specs.model import Dataset, Variable

SPEC = Dataset(name="ADSL", label="ADSL", variables=[
    Variable("USUBJID", "Subject"), Variable("AGE", "Age", type="Num"), Variable("AGEC", "Age text"),
    Variable("TRTSDT", "Start", type="Num", format="DATE9."),
    Variable("TRTSDTM", "Start datetime", type="Num", format="DATETIME20."), Variable("FLAG", "Flag"),
])


def test_order_types_and_missing():
    df = pd.DataFrame({
        "AGEC": [34.0, 2.5, np.nan], "AGE": ["34", " 2.5 ", ""],
        "USUBJID": pd.Series(["a", None, "c"], dtype=object),
        "TRTSDT": pd.to_datetime(["1960-01-02", None, "2014-10-04 13:00"], format="ISO8601"),
        "TRTSDTM": pd.to_datetime(["1960-01-01 00:01", None, "1960-01-02"], format="ISO8601"),
    })
    expected = pd.DataFrame({
        "USUBJID": pd.Series(["a", "", "c"], dtype=object), "AGE": [34.0, 2.5, np.nan],
        "AGEC": pd.Series(["34", "2.5", ""], dtype=object), "TRTSDT": [1.0, np.nan, 20000.0],
        "TRTSDTM": [60.0, np.nan, 86400.0], "FLAG": pd.Series(["", "", ""], dtype=object),
    })
    pd.testing.assert_frame_equal(conform(df, SPEC), expected)


def test_strict_requires_every_variable():
    with pytest.raises(DataError, match="FLAG") as err:
        conform(pd.DataFrame({n: [] for n in SPEC.names[:-1]}), SPEC, strict=True)
    assert err.value.variable == "FLAG"


def test_extra_columns_error_unless_dropped():
    df = pd.DataFrame({"USUBJID": ["a"], "JUNK": [1]})
    with pytest.raises(DataError, match="JUNK"):
        conform(df, SPEC)
    assert list(conform(df, SPEC, drop_extra=True).columns) == SPEC.names


def test_text_in_num_names_row():
    with pytest.raises(DataError, match="'abc' is not a number") as err:
        conform(pd.DataFrame({"AGE": ["1", "abc"]}), SPEC)
    assert (err.value.row, err.value.variable) == (2, "AGE")


def test_keeps_index():
    df = pd.DataFrame({"USUBJID": ["a", "b"]}, index=[10, 20])
    assert conform(df, SPEC).index.tolist() == [10, 20]


def test_format_kind():
    assert [format_kind(f) for f in ("DATE9.", "DATETIME20.", "TIME8.", "E8601DA10.", "8.2", "$CHAR20.", None)] == [
        "date", "datetime", "time", "date", None, None, None]


def test_spec_from_frame():
    spec = spec_from_frame(pd.DataFrame({"A": ["a", "é"], "N": [1, 2]}), "X")
    assert [(v.name, v.type, v.length) for v in spec.variables] == [("A", "Char", 2), ("N", "Num", None)]


def test_conforming_a_conformed_frame_changes_nothing():
    df = pd.DataFrame({"USUBJID": pd.Series(["a", "", "c"], dtype=object), "AGE": [1.0, np.nan, 3.0],
                       "AGEC": pd.Series(["x", "y", ""], dtype=object), "TRTSDT": [1.0, 2.0, np.nan],
                       "TRTSDTM": [np.nan] * 3, "FLAG": pd.Series(["Y", "", "N"], dtype=object)})
    once = conform(df, SPEC)
    pd.testing.assert_frame_equal(once, df)
    pd.testing.assert_frame_equal(conform(once, SPEC), once)
    assert np.shares_memory(conform(once, SPEC)["USUBJID"].to_numpy(), once["USUBJID"].to_numpy())  # not rebuilt


def test_text_columns_mixing_str_and_other_values_are_still_converted():
    df = pd.DataFrame({"USUBJID": pd.Series(["a", 2.0, None, 3], dtype=object)})
    got = conform(df, SPEC, drop_extra=True)["USUBJID"]
    pd.testing.assert_series_equal(got, pd.Series(["a", "2", "", "3"], dtype=object, name="USUBJID"))
