import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from cdiscflow.errors import MappingError, SpecError
from cdiscflow.mapping.assign import assign, hardcode, template
from cdiscflow.specs.model import Variable

from .conftest import raw_frame

CHAR = Variable(name="AETERM", label="Term")
NUM = Variable(name="AGE", label="Age", type="Num")


def test_assign_copies_and_recases(make_ctx):
    raw = raw_frame({"IT.AETERM": ["Headache ", "nausea", ""]})
    got = assign(raw, {"from": "IT.AETERM", "case": "upper"}, make_ctx({"ae": raw}), CHAR)
    assert_series_equal(got, pd.Series(["HEADACHE", "NAUSEA", ""], dtype=object), check_names=False)


def test_assign_pattern_keeps_group(make_ctx):
    raw = raw_frame({"PATNUM": ["701-1015", "x"]})
    got = assign(raw, {"from": "PATNUM", "pattern": r"^(\d+)-"}, make_ctx({"dm": raw}), CHAR)
    assert list(got) == ["701", ""]


def test_assign_number_conversion_and_bad_text(make_ctx):
    raw = raw_frame({"AGE": ["63", "", "sixty"]})
    ctx = make_ctx({"dm": raw}, settings={"on_invalid": "reject"})
    got = assign(raw, "AGE", ctx, NUM)
    assert got.iloc[0] == 63.0 and got.iloc[1:].isna().all()
    rej = ctx.rejected_rows()
    assert rej[["extract", "row", "variable", "value"]].values.tolist() == [["dm", 3, "AGE", "sixty"]]
    with pytest.raises(MappingError, match=r"dm.csv, row 3, variable AGE: .*'sixty'"):
        assign(raw, "AGE", make_ctx({"dm": raw}), NUM)


def test_missing_column_names_file_and_variable(make_ctx):
    raw = raw_frame({"A": ["1"]})
    with pytest.raises(MappingError, match=r"dm.csv, variable AETERM: raw column 'IT.AETERM' is missing"):
        assign(raw, "IT.AETERM", make_ctx({"dm": raw}), CHAR)


def test_template_and_hardcode(make_ctx):
    raw = raw_frame({"PATNUM": ["701-1015", ""]})
    ctx = make_ctx({"dm": raw})
    assert list(template(raw, "01-{PATNUM}", ctx, CHAR)) == ["01-701-1015", ""]
    assert list(hardcode(raw, "AE", ctx, CHAR)) == ["AE", "AE"]
    assert list(hardcode(raw, 3, ctx, NUM)) == [3.0, 3.0]
    with pytest.raises(SpecError):
        hardcode(raw, "x", ctx, NUM)
