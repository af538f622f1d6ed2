import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from cdiscflow.mapping.findings import standardize, transpose
from cdiscflow.specs.model import Variable

from .conftest import raw_frame


def test_transpose_wide_to_long_keeps_not_done_and_reports_empty(make_ctx):
    raw = raw_frame({"TPT": ["T1", "", ""], "SYS": ["120", "", ""], "WT": ["", "150", ""]})
    ctx = make_ctx({"vs": raw})
    conf = {"result": "ORRES", "keep_missing": "present(TPT) and TESTCD == 'SYSBP'",
            "tests": [{"column": "SYS", "TESTCD": "SYSBP"}, {"column": "WT", "TESTCD": "WEIGHT"}]}
    conf["tests"].append({"column": "SYS", "TESTCD": "DIABP"})
    long, empty = transpose(raw, conf, ctx)
    got = long[["__row__", "TESTCD", "ORRES"]]
    want = pd.DataFrame({"__row__": [1, 1, 2], "TESTCD": ["SYSBP", "DIABP", "WEIGHT"], "ORRES": ["120", "120", "150"]})
    assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    assert empty.tolist() == [False, False, True]
    raw2 = raw.assign(SYS=["", "", ""])
    long2, _ = transpose(raw2, conf, ctx)
    assert long2[["__row__", "TESTCD", "ORRES"]].values.tolist() == [[1, "SYSBP", ""], [2, "WEIGHT", "150"]]


def test_standardize_units_and_limits(make_ctx):
    out = pd.DataFrame({"LBTESTCD": ["WEIGHT", "TEMP", "VEGF", "VEGF", "HR", "HR"],
                        "LBORRES": ["146", "96.9", "<5.0", "<LLOQ", "72", ""],
                        "LBORRESU": ["LB", "F", "pg/mL", "pg/mL", "BEATS/MIN", ""], "__row__": range(1, 7)})
    ctx = make_ctx(settings={"units": {
        "result": "LBORRES", "unit": "LBORRESU", "test": "LBTESTCD", "standard": {"WEIGHT": "kg", "TEMP": "C"},
        "conversions": [{"from": "LB", "to": "kg", "factor": 0.4536},
                        {"from": "F", "to": "C", "add": -32, "factor": 5 / 9}],
        "digits": 2, "lloq": {"VEGF": 31.2}}})
    got = pd.DataFrame({k: standardize(out, k, ctx, Variable(k.upper(), k, type="Num" if k in ("stresn", "lloq")
                                                             else "Char")) for k in ("stresc", "stresn", "stresu", "lloq")})
    want = pd.DataFrame({"stresc": ["66.23", "36.06", "<5.0", "<LLOQ", "72", ""],
                         "stresn": [66.23, 36.06, np.nan, np.nan, 72.0, np.nan],
                         "stresu": ["kg", "C", "pg/mL", "pg/mL", "BEATS/MIN", ""],
                         "lloq": [np.nan, np.nan, 5.0, 31.2, np.nan, np.nan]})
    assert_frame_equal(got, want, check_dtype=False)
