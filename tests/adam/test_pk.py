"""cdiscflow.adam.pk: admiral's own test cases for convert_xxtpt_to_hours (tests/testthat/
test-convert_xxtpt_to_hours.R), derive_var_nfrlt (test-derive_var_nfrlt.R) and create_single_dose_dataset
(test-create_single_dose_dataset.R), with dates as SAS numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdiscflow.adam.pk import (
    convert_xxtpt_to_hours,
    create_single_dose_dataset,
    derive_var_nfrlt,
    dose_freq_lookup,
)
from cdiscflow.errors import DerivationError


def hours(texts: list, **kw) -> list[float]:
    return convert_xxtpt_to_hours(texts, **kw).tolist()


def day(text: str) -> float:
    return float((pd.Timestamp(text) - pd.Timestamp("1960-01-01")).days)


def dtm(text: str) -> float:
    return (pd.Timestamp(text) - pd.Timestamp("1960-01-01")).total_seconds()


@pytest.mark.parametrize(("texts", "kw", "expected"), [
    # Test 1: basic patterns
    (["Screening", "Pre-dose", "Predose", "Pre-treatment", "Before", "30M", "1H", "2H POSTDOSE"], {},
     [0, 0, 0, 0, 0, 0.5, 1, 2]),
    # Test 1b: treatment_duration places end-of-treatment points
    (["EOI", "EOT", "End of Infusion"], {"treatment_duration": 2}, [2, 2, 2]),
    (["EOI", "EOT"], {}, [0, 0]),
    # Test 2: days
    (["Day 1", "2D", "2 days", "1.5 days", "30 DAYS AFTER LAST"], {}, [24, 48, 48, 36, 720]),
    # Test 3: hours + minutes
    (["1H30M", "1 hour 30 min", "2HR15MIN", "1H30M POST", "1H30M AFTER"], {}, [1.5, 1.5, 2.25, 1.5, 1.5]),
    # Test 4, 4b: ranges
    (["0-6h", "6-12h Post-dose", "0.5 - 6.5h", "6-12h After-dose"], {}, [3, 9, 3.5, 9]),
    (["0-6h", "6-12h", "12-24h"], {"range_method": "end"}, [6, 12, 24]),
    (["0-6h"], {"range_method": "start"}, [0]),
    # Test 5, 6: hours, minutes
    (["1H", "2 hours", "0.5HR", "4hr Post-dose", "1 HOUR POST", "4hr After-dose", "1 HOUR AFTER"], {},
     [1, 2, 0.5, 4, 1, 4, 1]),
    (["30M", "45 min", "2.5 Min", "30 MIN POST", "30 MIN AFTER"], {}, [0.5, 0.75, 2.5 / 60, 0.5, 0.5]),
    # Test 7: before dose is negative
    (["5 MIN PREDOSE", "1 HOUR PREDOSE", "5 MIN BEFORE", "1 HOUR BEFORE"], {}, [-5 / 60, -1, -5 / 60, -1]),
    # Test 8: after the end of infusion/treatment
    (["1 HOUR POST EOI", "30 MIN POST EOI", "24 HR POST EOI", "24 HR POST EOT", "1 HOUR POST EOT",
      "1 HOUR AFTER EOI"], {"treatment_duration": 1}, [2, 1.5, 25, 25, 2, 2]),
    # Test 9, 10
    (["30MIN AFTER END OF INFUSION", "1 HOUR AFTER END OF TREATMENT"], {"treatment_duration": 2}, [2.5, 3]),
    (["24 HR POST INF", "24 HR POST EOI", "24 HR POST EOT"], {"treatment_duration": 1}, [25, 25, 25]),
    # Test 11, 12, 13: start of infusion, minutes after start, minutes before the end
    (["8H PRIOR START OF INFUSION", "8H POST START OF INFUSION", "8H BEFORE START OF TREATMENT",
      "8H AFTER START OF TREATMENT"], {}, [-8, 8, -8, 8]),
    (["60 MIN AFTER START INF"], {}, [1]),
    (["10MIN PRE EOI", "10MIN BEFORE EOT"], {"treatment_duration": 2}, [2 - 10 / 60, 2 - 10 / 60]),
    # Test 18: ranges with a direction
    (["0-4H PRIOR START OF INFUSION", "8-16H POST START OF INFUSION", "0-4H BEFORE START OF TREATMENT",
      "8-16H AFTER START OF TREATMENT"], {}, [-2, 12, -2, 12]),
    (["0-4H PRIOR START OF INFUSION", "8-16H POST START OF INFUSION"], {"range_method": "end"}, [-4, 16]),
])
def test_convert_xxtpt_to_hours_admiral_cases(texts: list, kw: dict, expected: list) -> None:
    assert hours(texts, **kw) == pytest.approx(expected)


def test_convert_xxtpt_to_hours_missing_unknown_and_empty() -> None:
    # Tests 14, 15, 17: NA stays NA, empty input, unrecognised text is NA
    assert hours(["1H", None, "2H"]) == pytest.approx([1, np.nan, 2], nan_ok=True)
    assert hours([]) == []
    assert np.isnan(hours(["Morning", "Evening", "UNKNOWN PATTERN"])).all()


def test_convert_xxtpt_to_hours_refuses_bad_arguments() -> None:
    # Tests 1c, 4c
    with pytest.raises(DerivationError, match="non-negative"):
        convert_xxtpt_to_hours(["EOI", "Pre-dose"], treatment_duration=[1, -1])
    with pytest.raises(DerivationError, match="range_method"):
        convert_xxtpt_to_hours(["0-6h"], range_method="average")
    with pytest.raises(DerivationError, match="treatment_duration"):
        convert_xxtpt_to_hours(["EOI", "EOT", "EOI"], treatment_duration=[1, 2])


def test_derive_var_nfrlt_single_and_multiple_dose() -> None:
    # Tests 1, 2
    pc = pd.DataFrame({"USUBJID": "001", "VISITDY": [1, 1, 1, 1, 8, 8],
                       "PCTPT": ["Pre-dose", "1H Post-dose", "2H Post-dose", "24H Post-dose", "Pre-dose",
                                 "2H Post-dose"]})
    out = derive_var_nfrlt(pc, tpt_var="PCTPT", visit_day="VISITDY")
    expected = pc.assign(NFRLT=[0.0, 1, 2, 24, 168, 170])
    pd.testing.assert_frame_equal(out, expected)


def test_derive_var_nfrlt_duration_first_day_and_missing() -> None:
    # Tests 3, 4, 5, 6, 29: treatment duration (number or column), first dose day, NA time point / visit day
    pc = pd.DataFrame({"VISITDY": [1, 1, np.nan, 3], "PCTPT": ["EOI", "1 HOUR POST EOI", "Pre-dose", None],
                       "TRTDUR": [1.5, 0.5, 1.0, 1.0]})
    assert derive_var_nfrlt(pc, tpt_var="PCTPT", visit_day="VISITDY", treatment_duration=1.5)["NFRLT"].tolist() \
        == pytest.approx([1.5, 2.5, np.nan, np.nan], nan_ok=True)
    assert derive_var_nfrlt(pc, tpt_var="PCTPT", visit_day="VISITDY", treatment_duration="TRTDUR")["NFRLT"] \
        .tolist() == pytest.approx([1.5, 1.5, np.nan, np.nan], nan_ok=True)
    first7 = derive_var_nfrlt(pd.DataFrame({"VISITDY": [7, 8, -1]}), visit_day="VISITDY", first_dose_day=7)
    assert first7["NFRLT"].tolist() == [0.0, 24.0, -168.0]  # Test 33: no day 0 between -1 and 7


def test_derive_var_nfrlt_units_and_set_values_to_na() -> None:
    # different output units, the unit variable as written, set_values_to_na (Tests 43-46)
    pc = pd.DataFrame({"VISITDY": [1, 2, 2], "PCTPT": ["Pre-dose", "12H Post-dose", "Pre-dose"],
                       "VISIT": ["DAY 1", "DAY 2", "UNSCHEDULED"]})
    days = derive_var_nfrlt(pc, tpt_var="PCTPT", visit_day="VISITDY", out_unit="days", new_var_unit="FRLTU")
    assert days[["NFRLT", "FRLTU"]].values.tolist() == [[0.0, "days"], [1.5, "days"], [1.0, "days"]]
    minutes = derive_var_nfrlt(pc, tpt_var="PCTPT", visit_day="VISITDY", out_unit="MIN", new_var_unit="FRLTU",
                               set_values_to_na="VISIT == 'UNSCHEDULED'")
    assert minutes["NFRLT"].tolist() == pytest.approx([0, 2160, np.nan], nan_ok=True)
    assert minutes["FRLTU"].tolist() == ["MIN", "MIN", ""]
    assert "FRLTU" not in derive_var_nfrlt(pc, visit_day="VISITDY").columns
    # Test 21 / 26: without (or with an absent) tpt_var the time point counts 0 hours
    assert derive_var_nfrlt(pc, visit_day="VISITDY", tpt_var="NOPE")["NFRLT"].tolist() == [0.0, 24.0, 24.0]


def test_derive_var_nfrlt_refuses_bad_arguments() -> None:
    # Tests 10, 11, 12 and the invalid out_unit
    pc = pd.DataFrame({"VISITDY": [1], "PCTPT": ["Pre-dose"]})
    with pytest.raises(DerivationError, match="VISITDY"):
        derive_var_nfrlt(pc.drop(columns="VISITDY"), visit_day="VISITDY")
    with pytest.raises(DerivationError, match="first_dose_day"):
        derive_var_nfrlt(pc, visit_day="VISITDY", first_dose_day=0)
    with pytest.raises(DerivationError, match="non-negative"):
        derive_var_nfrlt(pc, visit_day="VISITDY", tpt_var="PCTPT", treatment_duration=-1)
    with pytest.raises(DerivationError, match="out_unit"):
        derive_var_nfrlt(pc, visit_day="VISITDY", out_unit="fortnights")


def test_create_single_dose_dataset_q_and_every_cases() -> None:
    # Test 1
    ex = pd.DataFrame({"STUDYID": "STUDY01", "USUBJID": ["P01", "P01", "P01", "P02"],
                       "EXDOSFRQ": ["Q2D", "Q3D", "EVERY 2 WEEKS", "ONCE"],
                       "ASTDT": [day(d) for d in ("2021-01-01", "2021-01-08", "2021-01-15", "2021-02-02")],
                       "AENDT": [day(d) for d in ("2021-01-07", "2021-01-14", "2021-01-29", "2021-02-02")]})
    dates = ["2021-01-01", "2021-01-03", "2021-01-05", "2021-01-07", "2021-01-08", "2021-01-11", "2021-01-14",
             "2021-01-15", "2021-01-29", "2021-02-02"]
    expected = pd.DataFrame({"STUDYID": "STUDY01", "USUBJID": ["P01"] * 9 + ["P02"], "EXDOSFRQ": "ONCE",
                             "ASTDT": [day(d) for d in dates], "AENDT": [day(d) for d in dates]})
    out = create_single_dose_dataset(ex).sort_values("ASTDT", ignore_index=True)
    pd.testing.assert_frame_equal(out, expected)


def test_create_single_dose_dataset_times_per_cases_with_datetimes() -> None:
    # Test 2 (subjects P02, P03, P06)
    starts = {"P02": "2021-01-01 10:30", "P03": "2021-02-01 11:00", "P06": "2021-01-15 12:30"}
    ends = {"P02": "2021-12-31 10:30", "P03": "2021-03-01 11:00", "P06": "2021-01-21 12:30"}
    ex = pd.DataFrame({"STUDYID": "STUDY01", "USUBJID": list(starts),
                       "DOSFREQ": ["2 TIMES PER YEAR", "4 TIMES PER MONTH", "5 TIMES PER WEEK"]})
    ex["EXSTDTM"] = [dtm(v) for v in starts.values()]
    ex["EXENDTM"] = [dtm(v) for v in ends.values()]
    ex["EXSTDT"], ex["EXENDT"] = np.floor(ex["EXSTDTM"] / 86400), np.floor(ex["EXENDTM"] / 86400)
    out = create_single_dose_dataset(ex, dose_freq="DOSFREQ", start_date="EXSTDT", start_datetime="EXSTDTM",
                                     end_date="EXENDT", end_datetime="EXENDTM")
    doses = {"P02": ["2021-01-01 10:30", "2021-07-02 10:30"],
             "P03": ["2021-02-01 11:00", "2021-02-08 11:00", "2021-02-16 11:00", "2021-02-23 11:00"],
             "P06": ["2021-01-15 12:30", "2021-01-16 12:30", "2021-01-17 12:30", "2021-01-19 12:30",
                     "2021-01-20 12:30"]}
    got = out.groupby("USUBJID")["EXSTDTM"].apply(list).to_dict()
    assert got == {k: [dtm(v) for v in vs] for k, vs in doses.items()}
    assert (out["EXENDTM"] == out["EXSTDTM"]).all() and (out["EXENDT"] == out["EXSTDT"]).all()
    assert (out["DOSFREQ"] == "ONCE").all()
    assert list(out.columns) == ["STUDYID", "USUBJID", "DOSFREQ", "EXSTDT", "EXSTDTM", "EXENDT", "EXENDTM"]


def test_create_single_dose_dataset_hours_and_nominal_time() -> None:
    # BID over two days with datetimes (hour window) moves the nominal time with each dose
    ex = pd.DataFrame({"USUBJID": "P01", "EXDOSFRQ": ["BID"], "ASTDTM": [dtm("2021-01-01 08:00")],
                       "AENDTM": [dtm("2021-01-02 08:00")], "NFRLT": [0.0]})
    ex["ASTDT"], ex["AENDT"] = np.floor(ex["ASTDTM"] / 86400), np.floor(ex["AENDTM"] / 86400)
    out = create_single_dose_dataset(ex, start_datetime="ASTDTM", end_datetime="AENDTM", nominal_time="NFRLT",
                                     keep_source_vars=["USUBJID", "ASTDTM", "AENDTM", "NFRLT"])
    assert out["ASTDTM"].tolist() == [dtm("2021-01-01 08:00"), dtm("2021-01-01 20:00"), dtm("2021-01-02 08:00")]
    assert out["NFRLT"].tolist() == [0.0, 12.0, 24.0]
    assert out["AENDTM"].tolist() == out["ASTDTM"].tolist()


def test_create_single_dose_dataset_refuses_bad_input() -> None:
    ex = pd.DataFrame({"USUBJID": "P01", "EXDOSFRQ": ["QD"], "ASTDT": [0.0], "AENDT": [np.nan]})
    with pytest.raises(DerivationError, match="cannot be missing"):
        create_single_dose_dataset(ex)
    with pytest.raises(DerivationError, match="QX"):
        create_single_dose_dataset(ex.assign(EXDOSFRQ="QX", AENDT=1.0))
    with pytest.raises(DerivationError, match="start_datetime"):
        create_single_dose_dataset(ex.assign(EXDOSFRQ="BID", AENDT=1.0))
    with pytest.raises(DerivationError, match="end with DT"):
        create_single_dose_dataset(ex, start_date="ASTART")


def test_dose_freq_lookup_is_admirals_table() -> None:
    table = dose_freq_lookup().set_index("CDISC_VALUE")
    assert len(table) == 86 and not table.index.duplicated().any()
    expected = {"QD": (1.0, "DAY"), "Q2D": (0.5, "DAY"), "QOD": (0.5, "DAY"), "TID": (1 / 8, "HOUR"),
                "Q45MIN": (1 / 45, "MINUTE"), "3 TIMES PER WEEK": (3.0, "WEEK"), "5 TIMES PER DAY": (24 / 5, "HOUR"),
                "EVERY 3 YEARS": (1 / 3, "YEAR"), "QM": (1.0, "MONTH"), "BIM": (2.0, "MONTH"), "PA": (1.0, "YEAR"),
                "EVERY EVENING": (1.0, "DAY"), "Q3M": (1 / 3, "MONTH")}
    for value, (count, window) in expected.items():
        assert (table.loc[value, "DOSE_COUNT"], table.loc[value, "DOSE_WINDOW"]) == pytest.approx((count, window))
    assert table.loc["EVERY 2 WEEKS", "CONVERSION_FACTOR"] == pytest.approx(1 / 7)
