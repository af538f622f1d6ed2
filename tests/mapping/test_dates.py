import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from cdiscflow.errors import MappingError
from cdiscflow.mapping.dates import datetime, iso_dates, iso_times, ref_date, study_day
from cdiscflow.specs.model import Dataset, Variable

from .conftest import raw_frame

DTC = Variable(name="AESTDTC", label="Start")


def test_iso_dates_partial_and_formats():
    text = pd.Series(["26-DEC-2013", "UN-FEB-2014", "UN-UNK-2014", "2003", "3-jan-2014", "", "31-FEB-2014",
                      "garbage"])
    iso, bad = iso_dates(text)
    assert iso.tolist() == ["2013-12-26", "2014-02", "2014", "2003", "2014-01-03", "", "", ""]
    assert bad.tolist() == [False] * 6 + [True, True]
    iso, bad = iso_dates(pd.Series(["12/26/2013", "02/30/2014"]), ["%m/%d/%Y"])
    assert iso.tolist() == ["2013-12-26", ""] and bad.tolist() == [False, True]


def test_iso_dates_read_ascii_digits_only():
    """Regression (ISO 8601 fuzz): a year in another script's digits passed into SDTM as it was."""
    iso, bad = iso_dates(pd.Series(["\u0662\u0660\u0661\u0664", "UN-JAN-\u0662\u0660\u0661\u0664", "2014"]))
    assert iso.tolist() == ["", "", "2014"] and bad.tolist() == [True, True, False]


def test_iso_times():
    got, bad = iso_times(pd.Series(["9:05", "23:59:01", "", "UN:UN", "25:00"]))
    assert got.tolist() == ["09:05", "23:59:01", "", "", ""]
    assert bad.tolist() == [False, False, False, False, True]


def test_datetime_combines_and_rejects_with_row(make_ctx):
    raw = raw_frame({"D": ["26-DEC-2013", "UN-FEB-2014", "31-FEB-2014"], "T": ["10:30", "10:30", ""]})
    ctx = make_ctx({"ae": raw}, settings={"on_invalid": "reject"})
    got = datetime(raw, ["D", "T"], ctx, DTC)
    assert_series_equal(got, pd.Series(["2013-12-26T10:30", "2014-02", ""], dtype=object), check_names=False)
    assert ctx.rejected_rows()[["row", "variable", "value"]].values.tolist() == [[3, "AESTDTC", "31-FEB-2014"]]
    with pytest.raises(MappingError, match=r"ae.csv, row 3, variable AESTDTC: dataset XX: impossible"):
        datetime(raw, {"date": "D"}, make_ctx({"ae": raw}), DTC)


def test_study_day_no_day_zero_and_partial():
    got = study_day(pd.Series(["2014-01-01", "2014-01-02", "2013-12-31T10:00", "2014-01"]),
                    pd.Series(["2014-01-02"] * 4))
    assert got.tolist()[:3] == [-1.0, 1.0, -2.0] and pd.isna(got.iloc[3])


def test_ref_date_min_max_across_extracts(make_ctx):
    dm = raw_frame({"PATNUM": ["1", "2", "3"]})
    ex = raw_frame({"PATNUM": ["1", "1", "2"], "S": ["05-JAN-2014", "02-JAN-2014", "UN-MAR-2014"]})
    ctx = make_ctx({"dm": dm, "ex": ex}, settings={"subject": "PATNUM"})
    ctx.spec = Dataset(name="DM", label="DM", variables=[Variable("USUBJID", "U")], settings={"subject": "PATNUM"})
    arg = {"agg": "min", "sources": [{"source": "ex", "date": "S"}]}
    assert ref_date(dm, arg, ctx, Variable("RFSTDTC", "R")).tolist() == ["2014-01-02", "2014-03", ""]
    arg = {"agg": "max", "sources": [{"source": "ex", "date": "S", "where": "PATNUM == '1'"}]}
    assert ref_date(dm, arg, ctx, Variable("RFENDTC", "R")).tolist() == ["2014-01-05", "", ""]
