"""derive_var_ontrtfl on admiral's own cases (tests/testthat/test-derive_var_ontrtfl.R Tests 1–15) and
derive_var_relative_flag on admiral's documented behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdiscflow.adam.flags import derive_var_ontrtfl, derive_var_relative_flag
from cdiscflow.errors import DerivationError

EPOCH = pd.Timestamp("1960-01-01")


def d(text: str | None) -> float:
    return float((pd.Timestamp(text) - EPOCH).days) if text else np.nan


def dtm(text: str) -> float:
    return (pd.Timestamp(text) - EPOCH).total_seconds()


def frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([tuple(d(v) for v in r) for r in rows], columns=columns)


CASES = [  # (admiral test, columns, rows (dates), arguments, expected flags)
    ("1-before", ["ADT", "TRTSDT"], [("2021-01-01", "2021-01-02")], {}, [""]),
    ("2-no-ref", ["ADT", "TRTSDT"], [("2021-01-01", None)], {}, [""]),
    ("3-no-start", ["ADT", "TRTSDT"], [(None, "2020-01-01"), (None, None)], {}, ["Y", ""]),
    ("4-on-after", ["ADT", "TRTSDT"], [("2020-01-01", "2020-01-01"), ("2020-01-02", "2020-01-01")], {}, ["Y", "Y"]),
    ("6-window-0", ["ADT", "TRTSDT", "TRTEDT"],
     [("2019-12-13", "2020-01-01", "2020-02-01"), ("2020-01-01", "2020-01-01", "2020-02-01"),
      ("2020-01-02", "2020-01-01", "2020-02-01"), ("2020-02-01", "2020-01-01", "2020-02-01"),
      ("2020-02-02", "2020-01-01", "2020-02-01")], {"ref_end_date": "TRTEDT"}, ["", "Y", "Y", "Y", ""]),
    ("7-window-5", ["ADT", "TRTSDT", "TRTEDT"],
     [("2020-02-01", "2020-01-01", "2020-02-01"), ("2020-02-05", "2020-01-01", "2020-02-01"),
      ("2020-02-10", "2020-01-01", "2020-02-01")], {"ref_end_date": "TRTEDT", "ref_end_window": 5}, ["Y", "Y", ""]),
]
EVENT = ["ASTDT", "TRTSDT", "TRTEDT", "AENDT"]
EVENT_CASES = [
    ("9-ended-before", [("2019-04-30", "2020-01-01", "2020-03-01", "2019-03-15"),
                        (None, "2020-01-01", "2020-03-01", "2019-03-15")], {"ref_end_window": 60}, ["", ""]),
    ("10-no-start-ends-after", [(None, "2020-01-01", "2020-03-01", "2021-03-15")], {"ref_end_window": 60}, ["Y"]),
    ("11-ongoing-roche", [("2019-04-30", "2020-01-01", "2020-03-01", None)], {"ref_end_window": 60}, [""]),
    ("12-ongoing-gsk", [("2019-04-30", "2020-01-01", "2020-03-01", None)],
     {"ref_end_window": 60, "span_period": True}, ["Y"]),
    ("14-period-span", [("2019-04-30", "2020-01-01", "2020-03-01", "2020-03-15")], {"span_period": True}, ["Y"]),
    ("15-no-trt-end-span", [("2018-03-15", "2019-01-01", None, "2022-12-01"),
                            ("2020-04-30", "2019-01-01", None, "2022-03-15"), ("2020-04-30", "2019-01-01", None, None),
                            ("2020-04-30", None, None, None)], {"span_period": True}, ["Y", "Y", "Y", ""]),
    ("15-no-trt-end", [("2018-03-15", "2019-01-01", None, "2022-12-01"),
                       ("2020-04-30", "2019-01-01", None, "2022-03-15"), ("2020-04-30", "2019-01-01", None, None),
                       ("2020-04-30", None, None, None)], {}, ["", "Y", "Y", ""]),
]


@pytest.mark.parametrize(("columns", "rows", "args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_admiral_dated_records(columns: list[str], rows: list[tuple], args: dict, expected: list[str]) -> None:
    got = derive_var_ontrtfl(frame(columns, rows), start_date="ADT", ref_start_date="TRTSDT", **args)
    assert got["ONTRTFL"].tolist() == expected


@pytest.mark.parametrize(("rows", "args", "expected"), [c[1:] for c in EVENT_CASES], ids=[c[0] for c in EVENT_CASES])
def test_admiral_events(rows: list[tuple], args: dict, expected: list[str]) -> None:
    got = derive_var_ontrtfl(frame(EVENT, rows), start_date="ASTDT", end_date="AENDT", ref_start_date="TRTSDT",
                             ref_end_date="TRTEDT", **args)
    assert got["ONTRTFL"].tolist() == expected


def test_admiral_pre_timepoint() -> None:
    """admiral Test 5: a PRE time point on the day of first dose is not on treatment."""
    df = frame(["ADT", "TRTSDT"], [("2020-01-01", "2020-01-01")] * 2).assign(TPT=["PRE", "POST"])
    got = derive_var_ontrtfl(df, start_date="ADT", ref_start_date="TRTSDT", filter_pre_timepoint="TPT == 'PRE'")
    assert got["ONTRTFL"].tolist() == ["", "Y"]


def test_admiral_time_considered() -> None:
    """admiral Test 8: with ignore_time_for_ref_end_date = FALSE the window ends at the reference time."""
    df = pd.DataFrame({"ADTM": [dtm("2020-02-01T12:00"), dtm("2020-02-06T10:00"), dtm("2020-02-06T14:00"),
                                dtm("2020-02-10T13:00")],
                       "TRTSDTM": dtm("2020-01-01T12:00"), "TRTEDTM": dtm("2020-02-01T12:00")})
    got = derive_var_ontrtfl(df, start_date="ADTM", ref_start_date="TRTSDTM", ref_end_date="TRTEDTM",
                             ref_end_window=5, ignore_time_for_ref_end_date=False)
    assert got["ONTRTFL"].tolist() == ["Y", "Y", "", ""]
    with_days = derive_var_ontrtfl(df, start_date="ADTM", ref_start_date="TRTSDTM", ref_end_date="TRTEDTM",
                                   ref_end_window=5)
    assert with_days["ONTRTFL"].tolist() == ["Y", "Y", "Y", ""]


def test_ontrtfl_argument_errors() -> None:
    df = frame(EVENT, [("2020-01-01", "2020-01-01", "2020-02-01", "2020-01-05")])
    with pytest.raises(DerivationError):
        derive_var_ontrtfl(df, start_date="ASTDT", ref_start_date="TRTSDT", ref_end_window=-1)
    with pytest.raises(DerivationError):
        derive_var_ontrtfl(df, start_date="ASTDT", ref_start_date="TRTSDT", span_period=True)


def test_relative_flag_before_after_and_no_reference() -> None:
    rs = pd.DataFrame({"USUBJID": ["1"] * 4 + ["2"] * 2, "ADY": [3.0, 1.0, 2.0, 4.0, 1.0, 2.0],
                       "AVALC": ["SD", "SD", "PD", "PD", "SD", "PR"]})
    def got(**kw: object) -> list[str]:
        return derive_var_relative_flag(rs, "USUBJID", ["ADY"], "F", "AVALC == 'PD'", **kw)["F"].tolist()
    # subject 1 in ADY order: 1 SD, 2 PD (first PD), 3 SD, 4 PD (last PD); subject 2 has no PD
    assert got(mode="first", selection="before", inclusive=False) == ["", "Y", "", "", "Y", "Y"]
    assert got(mode="first", selection="after", inclusive=True) == ["Y", "", "Y", "Y", "Y", "Y"]
    assert got(mode="last", selection="before", inclusive=True, flag_no_ref_groups=False) == [
        "Y", "Y", "Y", "Y", "", ""]
    with pytest.raises(DerivationError):
        derive_var_relative_flag(rs.assign(ADY=1.0), "USUBJID", ["ADY"], "F", "AVALC == 'PD'", mode="first",
                                 selection="before", inclusive=True)
