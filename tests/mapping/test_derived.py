import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from cdiscflow.errors import MappingError
from cdiscflow.mapping.derived import baseline_flag, epoch, flag_exists, recode, seq, study_day, visit
from cdiscflow.specs.model import Variable

from .conftest import raw_frame

TV = pd.DataFrame({"VISITNUM": [1.0, 2.0, 3.0], "VISIT": ["SCREENING", "BASELINE", "WEEK 2"],
                   "VISITDY": [-7.0, 1.0, 14.0]})
DM = pd.DataFrame({"USUBJID": ["S1", "S2"], "RFSTDTC": ["2014-01-10", "2014-02-01"]})


def frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({**cols, "__row__": np.arange(1, n + 1), "__rec__": 0})


def test_study_day_from_dm(make_ctx):
    out = frame(USUBJID=["S1", "S2", "S1"], AESTDTC=["2014-01-10", "2014-01-31", "2014-01"])
    got = study_day(out, "AESTDTC", make_ctx(sdtm={"DM": DM}), Variable("AESTDY", "D", type="Num"))
    assert_series_equal(got, pd.Series([1.0, -1.0, np.nan]), check_names=False)


def test_seq_by_keys_then_raw_order(make_ctx):
    out = frame(USUBJID=["S2", "S1", "S1", "S1"], AESTDTC=["2014", "2014-02", "2014-01", "2014-02"])
    got = seq(out, ["AESTDTC"], make_ctx(), Variable("AESEQ", "S", type="Num"))
    assert got.tolist() == [1.0, 2.0, 1.0, 3.0]


def test_visit_planned_unscheduled_and_unknown(make_ctx):
    raw = raw_frame({"INSTANCE": ["Baseline", "Unscheduled 2.1", "Unscheduled", "Week 2", "Nonsense"]})
    out = frame(USUBJID=["S1"] * 5, VSDTC=["2014-01-10", "2014-01-12", "2014-01-13", "2014-01-24", "2014-02-01"])
    ctx = make_ctx({"vs": raw}, sdtm={"TV": TV}, settings={"on_unknown": "reject"})
    arg = {"from": "INSTANCE", "dtc": "VSDTC"}
    num = visit(out, arg, ctx, Variable("VISITNUM", "N", type="Num"), raw)
    assert num.tolist()[:4] == [2.0, 2.1, 2.01, 3.0] and np.isnan(num.iloc[4])
    assert visit(out, arg, make_ctx({"vs": raw}, sdtm={"TV": TV}, settings={"on_unknown": "reject"}),
                 Variable("VISIT", "V"), raw).tolist() == ["BASELINE", "UNSCHEDULED 2.1", "UNSCHEDULED", "WEEK 2", ""]
    assert ctx.rejected_rows()[["row", "value"]].values.tolist() == [[5, "Nonsense"]]
    with pytest.raises(MappingError, match="row 5, variable VISITDY"):
        visit(out, arg, make_ctx({"vs": raw}, sdtm={"TV": TV}), Variable("VISITDY", "D", type="Num"), raw)


def test_epoch_from_se(make_ctx):
    se = pd.DataFrame({"USUBJID": ["S1", "S1"], "SESTDTC": ["2014-01-01", "2014-01-10"],
                       "SEENDTC": ["2014-01-10", "2014-03-01"], "EPOCH": ["SCREENING", "TREATMENT"]})
    out = frame(USUBJID=["S1"] * 4, AESTDTC=["2014-01-05", "2014-01-10", "2014-03-01", "2014"])
    got = epoch(out, "AESTDTC", make_ctx(sdtm={"SE": se}), Variable("EPOCH", "E"))
    assert got.tolist() == ["SCREENING", "TREATMENT", "TREATMENT", ""]


def test_baseline_flag_last_nonmissing_on_or_before_ref(make_ctx):
    out = frame(USUBJID=["S1"] * 4 + ["S2"], VSTESTCD=["SYSBP"] * 3 + ["DIABP", "SYSBP"],
                VSDTC=["2014-01-01", "2014-01-10", "2014-01-11", "2014-01-10", "2014-02-02"],
                VSORRES=["120", "", "118", "80", "130"])
    got = baseline_flag(out, {"by": ["VSTESTCD"], "dtc": "VSDTC", "result": "VSORRES"},
                        make_ctx(sdtm={"DM": DM}), Variable("VSBLFL", "B"))
    assert got.tolist() == ["Y", "", "", "Y", ""]


def test_flag_exists_and_recode(make_ctx):
    dm = raw_frame({"PATNUM": ["1", "2"]})
    ds = raw_frame({"PATNUM": ["2", "1"], "IT.DSDECOD": ["Randomized", "Screen Failure"]})
    ctx = make_ctx({"dm": dm, "ds": ds}, settings={"subject": "PATNUM"})
    got = flag_exists(dm, {"source": "ds", "where": "IT_DSDECOD == 'Randomized'"}, ctx, Variable("ITT", "I"))
    assert got.tolist() == ["", "Y"]
    raw = raw_frame({"TPT": ["after 5 min", "", "AFTER 1 MIN"]})
    num = recode(raw, {"from": "TPT", "values": {"After 5 min": 815, "after 1 min": 816}}, make_ctx({"vs": raw}),
                 Variable("VSTPTNUM", "N", type="Num"))
    assert num.tolist()[0] == 815.0 and np.isnan(num.iloc[1]) and num.iloc[2] == 816.0
