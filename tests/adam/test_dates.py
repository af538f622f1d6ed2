"""ISO 8601 → SAS dates with imputation, flags, relative days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.dates import (
    convert_dtc_to_dt,
    derive_vars_dt,
    derive_vars_dtm,
    derive_vars_dtm_to_dt,
    derive_vars_dtm_to_tm,
    derive_vars_dy,
    parse_iso,
    sas_date,
)
from cdiscflow.errors import DerivationError

NAN = np.nan
# SAS day numbers: 2019-07-01 = 21731, 2019-07-18 = 21748, 2019-01-01 = 21550, 2019-12-31 = 21914
DTC = ["2019-07-18", "2019-07", "2019", "", "2019-02"]


def frame(**cols: list) -> pd.DataFrame:
    return pd.DataFrame(cols)


def test_sas_date_epoch() -> None:
    got = sas_date(pd.Series(["1960-01-01", "2019-07-18", ""]))
    assert got.tolist()[:2] == [0.0, 21748.0] and np.isnan(got.iloc[2])


def test_no_imputation_keeps_only_complete_dates() -> None:
    got = derive_vars_dt(frame(DTC=DTC), "AST", "DTC")
    assert_frame_equal(got, frame(DTC=DTC, ASTDT=[21748.0, NAN, NAN, NAN, NAN]))


@pytest.mark.parametrize("rule, month_only, year_only, feb", [
    ("first", 21731.0, 21550.0, 21581.0),   # 2019-07-01, 2019-01-01, 2019-02-01
    ("last", 21761.0, 21914.0, 21608.0),    # 2019-07-31, 2019-12-31, 2019-02-28
    ("mid", 21745.0, 21730.0, 21595.0),     # 2019-07-15, 2019-06-30, 2019-02-15
    ("03-20", 21731.0, 21628.0, 21581.0),   # fixed MM-DD: month missing → 03-20, day missing → 01
])
def test_date_imputation_rules(rule: str, month_only: float, year_only: float, feb: float) -> None:
    got = derive_vars_dt(frame(DTC=DTC), "AST", "DTC", highest_imputation="M", date_imputation=rule)
    assert_frame_equal(got, frame(DTC=DTC, ASTDT=[21748.0, month_only, year_only, NAN, feb],
                                  ASTDTF=["", "D", "M", "", "D"]))


def test_highest_imputation_day_leaves_missing_month_missing() -> None:
    got = derive_vars_dt(frame(DTC=DTC), "AST", "DTC", highest_imputation="D")
    assert_frame_equal(got, frame(DTC=DTC, ASTDT=[21748.0, 21731.0, NAN, NAN, 21581.0],
                                  ASTDTF=["", "D", "", "", "D"]))


def test_min_dates_in_range_replace_earlier_imputation() -> None:
    df = frame(DTC=["2019-07", "2019-06", "2019-07"], TRTSDT=[21748.0, 21748.0, NAN])
    got = derive_vars_dt(df, "AST", "DTC", highest_imputation="M", min_dates=["TRTSDT"])
    # first row: first dose 2019-07-18 lies in July → imputed to it; June cannot contain it; no dose → 1st
    assert got["ASTDT"].tolist() == [21748.0, 21701.0, 21731.0]
    assert got["ASTDTF"].tolist() == ["D", "D", "D"]


def test_max_dates_in_range_replace_later_imputation() -> None:
    df = frame(DTC=["2019-07", "2019"], CUT=[21740.0, 21740.0])
    got = derive_vars_dt(df, "AEN", "DTC", highest_imputation="M", date_imputation="last", max_dates=["CUT"])
    assert got["AENDT"].tolist() == [21740.0, 21740.0]


def test_year_imputation_needs_bounds() -> None:
    with pytest.raises(DerivationError, match="min_dates"):
        derive_vars_dt(frame(DTC=["", "2019"]), "AST", "DTC", highest_imputation="Y")
    got = derive_vars_dt(frame(DTC=["", "2019"], REF=[21748.0, 21748.0]), "AST", "DTC", highest_imputation="Y",
                         min_dates=["REF"])
    assert got["ASTDT"].tolist() == [21748.0, 21748.0]
    assert got["ASTDTF"].tolist() == ["Y", "M"]


def test_malformed_date_names_variable_and_row() -> None:
    with pytest.raises(DerivationError) as err:
        derive_vars_dt(frame(AESTDTC=["2019-07-01", "07/01/2019"]), "AST", "AESTDTC")
    assert err.value.variable == "AESTDTC" and err.value.row == "1"


@pytest.mark.parametrize("value", ["2019-13-01", "2019-00", "2019-07-32", "2019-07-18T25:00", "2019-07-18T24:00",
                                   "2019-07-18T10:60", "2019-07-18T10:30:60", "\u0662\u0660\u0661\u0669-07-18",
                                   "2019-", "2019-07-18T", "-07-18"])
def test_out_of_range_or_incomplete_components_are_malformed(value: str) -> None:
    """Regressions (ISO 8601 fuzz): hour 25 became a datetime on the next day, month 13 a missing date, other
    scripts' digits no year; a separator with nothing after it was read as the value before it."""
    with pytest.raises(DerivationError, match="malformed ISO 8601") as err:
        derive_vars_dtm(frame(AESTDTC=["2019-07-18T10:00", value]), "AST", "AESTDTC")
    assert err.value.variable == "AESTDTC" and err.value.row == "1"


def test_impossible_date_is_missing() -> None:
    got = derive_vars_dt(frame(DTC=["2019-02-30"]), "AST", "DTC")
    assert np.isnan(got["ASTDT"].iloc[0])


def test_datetime_with_time_imputation_and_flags() -> None:
    dtc = ["2019-07-18T10:15:30", "2019-07-18T10:15", "2019-07-18", "2019-07"]
    got = derive_vars_dtm(frame(DTC=dtc), "AST", "DTC", highest_imputation="M")
    day = 21748.0 * 86400
    expected = frame(DTC=dtc,
                     ASTDTM=[day + 36930, day + 36900, day, 21731.0 * 86400],
                     ASTDTF=["", "", "", "D"], ASTTMF=["", "S", "H", "H"])
    assert_frame_equal(got, expected)


def test_datetime_last_time_and_ignore_seconds() -> None:
    got = derive_vars_dtm(frame(DTC=["2019-07-18T10:15"]), "AST", "DTC", highest_imputation="s",
                          time_imputation="last", ignore_seconds_flag=True)
    assert got["ASTDTM"].iloc[0] == 21748.0 * 86400 + 36959
    assert got["ASTTMF"].iloc[0] == ""
    got = derive_vars_dtm(frame(DTC=["2019-07-18"]), "AST", "DTC", highest_imputation="s")
    assert np.isnan(got["ASTDTM"].iloc[0])  # hours missing but only seconds may be imputed


def test_dtm_to_dt() -> None:
    got = derive_vars_dtm_to_dt(frame(ASTDTM=[21748.0 * 86400 + 5, NAN]), ["ASTDTM"])
    assert_frame_equal(got, frame(ASTDTM=[21748.0 * 86400 + 5, NAN], ASTDT=[21748.0, NAN]))


def test_relative_day_has_no_day_zero() -> None:
    df = frame(TRTSDT=[100.0, 100.0, 100.0, NAN], ASTDT=[100.0, 99.0, 110.0, 100.0])
    got = derive_vars_dy(df, "TRTSDT", ["ASTDT"])
    assert_frame_equal(got, df.assign(ASTDY=[1.0, -1.0, 11.0, NAN]))
    got = derive_vars_dy(df, "TRTSDT", {"ADY": "ASTDT"})
    assert got["ADY"].tolist()[:3] == [1.0, -1.0, 11.0]


def test_dtm_to_tm() -> None:

    df = pd.DataFrame({"ASTDTM": [0.0, 86399.0, 90000.0], "AENDTM": [np.nan, 3600.0, 7200.0]})
    got = derive_vars_dtm_to_tm(df, ["ASTDTM", "AENDTM"])
    assert got["ASTTM"].tolist() == [0.0, 86399.0, 3600.0]
    assert got["AENTM"].tolist()[1:] == [3600.0, 7200.0]


def test_parse_iso_parses_each_distinct_value_once_and_keeps_the_index() -> None:
    dtc = pd.Series(["2019-07-18T10:30", "2019", "", "2019-07-18T10:30", "2019---18", " 2019-02 "] * 3,
                    index=range(100, 118))
    got = parse_iso(dtc)
    first = pd.DataFrame({"Y": [2019.0, 2019, NAN, 2019, 2019, 2019], "M": [7.0, NAN, NAN, 7, NAN, 2],
                          "D": [18.0, NAN, NAN, 18, NAN, NAN], "h": [10.0, NAN, NAN, 10, NAN, NAN],
                          "m": [30.0, NAN, NAN, 30, NAN, NAN], "s": [NAN] * 6})
    assert_frame_equal(got, pd.concat([first] * 3).set_axis(dtc.index))
    assert_frame_equal(parse_iso(pd.Series([], dtype=object)), pd.DataFrame(columns=list("YMDhms"), dtype="float64"),
                       check_index_type=False)


def test_parse_iso_names_every_row_of_a_repeated_bad_value() -> None:
    with pytest.raises(DerivationError, match=r"row 3, 5.*'2019-13x'"):
        parse_iso(pd.Series(["2019", "", "2019-13x", "2020", "2019-13x"], index=[1, 2, 3, 4, 5]), "AESTDTC")


def test_convert_dtc_to_dt_imputes_like_derive_vars_dt_without_a_flag() -> None:
    dtc = pd.Series(DTC, name="AESTDTC")
    got = convert_dtc_to_dt(dtc, highest_imputation="M", date_imputation="last")
    pd.testing.assert_series_equal(got, derive_vars_dt(frame(X=DTC), "A", "X", highest_imputation="M",
                                                       date_imputation="last")["ADT"], check_names=False)
    pd.testing.assert_series_equal(got, pd.Series([21748.0, 21761.0, 21914.0, NAN, 21608.0]))
    assert convert_dtc_to_dt(dtc).isna().tolist() == [False, True, True, True, True]


def _clock(dtm: pd.Series) -> list[str]:
    return pd.to_datetime(dtm, unit="s", origin="1960-01-01").dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("").tolist()


def test_datetime_bounds_to_the_second_as_admiral() -> None:
    """admiral's min_dates/max_dates act on the imputed datetime: a bound with a time keeps it, a date bound is
    00:00:00 as a minimum and 23:59:59 as a maximum, and a bound outside the partial value's range is ignored."""
    trt = 21745.0  # 2019-07-15
    df = frame(DTC=["2019-07", "2019-07-15", "2019-07-15T08", "2019-06", ""],
               TRTSDTM=[trt * 86400 + 37800] * 5, TRTSDT=[trt] * 5)
    with_time = derive_vars_dtm(df, "AST", "DTC", highest_imputation="M", min_dates=["TRTSDTM"])
    assert _clock(with_time["ASTDTM"]) == ["2019-07-15T10:30:00", "2019-07-15T10:30:00", "2019-07-15T08:00:00",
                                           "2019-06-01T00:00:00", ""]
    assert with_time["ASTDTF"].tolist() == ["D", "", "", "D", ""]
    assert with_time["ASTTMF"].tolist() == ["H", "H", "M", "H", ""]
    on_day = derive_vars_dtm(df, "AST", "DTC", highest_imputation="M", min_dates=["TRTSDT"])
    assert _clock(on_day["ASTDTM"])[:2] == ["2019-07-15T00:00:00", "2019-07-15T00:00:00"]
    end = derive_vars_dtm(df, "AEN", "DTC", highest_imputation="M", date_imputation="last", max_dates=["TRTSDT"])
    assert _clock(end["AENDTM"])[:4] == ["2019-07-15T23:59:59", "2019-07-15T00:00:00", "2019-07-15T08:00:00",
                                         "2019-06-30T00:00:00"]


def test_datetime_missing_year_takes_the_bound() -> None:
    df = frame(DTC=["", "2019"], REF=[21745.0, 21745.0])  # a date column
    got = derive_vars_dtm(df, "AST", "DTC", highest_imputation="Y", min_dates=["REF"])
    assert _clock(got["ASTDTM"]) == ["2019-07-15T00:00:00", "2019-07-15T00:00:00"]
    assert got["ASTDTF"].tolist() == ["Y", "M"]
    with pytest.raises(DerivationError, match="min_dates"):
        derive_vars_dtm(df, "AST", "DTC", highest_imputation="Y")


@pytest.mark.parametrize(("rule", "expected"), [("first", "2019-01-07"), ("mid", "2019-06-07"), ("last", "2019-12-07")])
def test_preserve_keeps_the_day_of_a_missing_month_as_admiral(rule: str, expected: str) -> None:
    """admiral ``impute_dtc_dt("2019---07", highest_imputation = "M", preserve = TRUE)`` (its documented examples)."""
    got = derive_vars_dt(frame(DTC=["2019---07"]), "AST", "DTC", highest_imputation="M", date_imputation=rule,
                         preserve=True)
    assert pd.to_datetime(got["ASTDT"], unit="D", origin="1960-01-01").dt.strftime("%Y-%m-%d").tolist() == [expected]
    assert got["ASTDTF"].tolist() == ["M"]
    plain = derive_vars_dt(frame(DTC=["2019---07"]), "AST", "DTC", highest_imputation="M", date_imputation=rule)
    assert plain["ASTDT"].tolist() == convert_dtc_to_dt(pd.Series(["2019"]), highest_imputation="M",
                                                        date_imputation=rule).tolist()


def test_preserve_keeps_minutes_of_a_missing_hour() -> None:
    df = frame(DTC=["2019-07-01T-:30"])
    kept = derive_vars_dtm(df, "A", "DTC", preserve=True)
    assert _clock(kept["ADTM"]) == ["2019-07-01T00:30:00"] and kept["ATMF"].tolist() == ["H"]
    assert _clock(derive_vars_dtm(df, "A", "DTC")["ADTM"]) == ["2019-07-01T00:00:00"]


@pytest.mark.parametrize(("function", "flag"), [(derive_vars_dt, "both"), (derive_vars_dt, "dat"),
                                                (derive_vars_dtm, "dates")])
def test_an_invalid_flag_imputation_is_refused(function, flag: str) -> None:  # noqa: ANN001
    with pytest.raises(DerivationError, match="flag_imputation"):
        function(frame(DTC=["2019-07-01"]), "A", "DTC", flag_imputation=flag)
