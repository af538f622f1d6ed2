import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from cdiscflow.errors import MappingError, SpecError
from cdiscflow.mapping.ct import assign_ct, hardcode_ct
from cdiscflow.specs.model import Variable

from .conftest import SEV, raw_frame

AESEV = Variable(name="AESEV", label="Severity", codelist="AESEV")


def test_assign_ct_matches_value_decode_synonym_any_case(make_ctx):
    raw = raw_frame({"SEV": ["mild adverse event", "SEVERE", "1", ""]})
    got = assign_ct(raw, "SEV", make_ctx({"ae": raw}, codelists={"AESEV": SEV}), AESEV)
    assert_series_equal(got, pd.Series(["MILD", "SEVERE", "MILD", ""], dtype=object), check_names=False)


def test_assign_ct_unknown_is_error_or_rejection(make_ctx):
    raw = raw_frame({"SEV": ["Mild", "Awful"]})
    with pytest.raises(MappingError, match=r"ae.csv, row 2, variable AESEV: .*codelist AESEV.*'Awful'"):
        assign_ct(raw, "SEV", make_ctx({"ae": raw}, codelists={"AESEV": SEV}), AESEV)
    ctx = make_ctx({"ae": raw}, codelists={"AESEV": SEV})
    got = assign_ct(raw, {"from": "SEV", "on_unknown": "reject"}, ctx, AESEV)
    assert list(got) == ["MILD", ""]
    assert ctx.rejected_rows()[["row", "value"]].values.tolist() == [[2, "Awful"]]


def test_hardcode_ct_checks_codelist(make_ctx):
    raw = raw_frame({"X": ["a"]})
    ctx = make_ctx({"ae": raw}, codelists={"AESEV": SEV})
    assert list(hardcode_ct(raw, "Moderate Adverse Event", ctx, AESEV)) == ["MODERATE"]
    with pytest.raises(SpecError, match="not in codelist AESEV"):
        hardcode_ct(raw, "GRADE 9", ctx, AESEV)
