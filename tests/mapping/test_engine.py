import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.errors import SpecError
from cdiscflow.mapping.context import MapContext
from cdiscflow.mapping.engine import map_dataset
from cdiscflow.registry import register
from cdiscflow.specs.model import Dataset

from .conftest import SEV, raw_frame


@register("derive", "test_initials")
def _initials(work, out, ctx, var, column):
    return work[column].astype(str).str[:1]


def spec(variables, **kw) -> Dataset:
    return Dataset.from_dict({"dataset": kw.pop("name", "AE"), "label": "Adverse Events", "variables": variables,
                              **kw}, file="ae.yaml")


AE_VARS = [
    {"name": "STUDYID", "label": "Study", "map": {"hardcode": "S1"}},
    {"name": "USUBJID", "label": "Subject", "map": {"template": "S1-{PAT}"}},
    {"name": "AESEQ", "label": "Seq", "type": "Num", "map": {"seq": ["AESTDTC"]}},
    {"name": "AETERM", "label": "Term", "map": {"assign": {"from": "TERM", "case": "upper"}}},
    {"name": "AESEV", "label": "Severity", "codelist": "AESEV", "map": {"assign_ct": "SEV"}},
    {"name": "AESTDTC", "label": "Start", "map": {"datetime": "START"}},
    {"name": "AESTDY", "label": "Day", "type": "Num", "map": {"study_day": "AESTDTC"}},
    {"name": "AEINIT", "label": "Initial", "map": {"derive": {"name": "test_initials", "params": {"column": "TERM"}}}},
    {"name": "AESER", "label": "Serious", "map": {"condition": [{"where": "AESTDY > 1", "hardcode": "Y"},
                                                               {"otherwise": True, "hardcode": "N"}]}},
]


def test_map_dataset_end_to_end_with_rejections_and_lineage():
    raw = raw_frame({"PAT": ["1", "1", "2"], "TERM": ["headache", "Rash", "cough"],
                     "SEV": ["Mild Adverse Event", "awful", "SEVERE"],
                     "START": ["12-JAN-2014", "10-JAN-2014", "UN-FEB-2014"]})
    ctx = MapContext(raw={"ae_raw": raw}, codelists={"AESEV": SEV}, files={"ae_raw": "ae_raw.csv"},
                     sdtm={"DM": pd.DataFrame({"USUBJID": ["S1-1", "S1-2"], "RFSTDTC": ["2014-01-10", "2014-01-01"]})})
    res = map_dataset(spec(AE_VARS, source="ae_raw", keys=["USUBJID", "AESEQ"],
                           settings={"on_unknown": "reject"}), ctx)
    want = pd.DataFrame({"STUDYID": ["S1", "S1"], "USUBJID": ["S1-1", "S1-2"], "AESEQ": [1.0, 1.0],
                         "AETERM": ["HEADACHE", "COUGH"], "AESEV": ["MILD", "SEVERE"],
                         "AESTDTC": ["2014-01-12", "2014-02"], "AESTDY": [3.0, np.nan], "AEINIT": ["h", "c"],
                         "AESER": ["Y", "N"]}).astype({c: object for c in ["STUDYID", "USUBJID", "AETERM", "AESEV",
                                                                        "AESTDTC", "AEINIT", "AESER"]})
    assert_frame_equal(res.data, want)
    assert res.lineage[["record", "USUBJID", "extract", "row"]].values.tolist() == [
        [1, "S1-1", "ae_raw", 1], [2, "S1-2", "ae_raw", 3]]
    assert res.rejections[["extract", "row", "variable", "value"]].values.tolist() == [
        ["ae_raw", 2, "AESEV", "awful"]]


def test_source_none_rows_and_supp():
    tv = spec([{"name": "VISITNUM", "label": "N", "type": "Num", "map": {"assign": "VISITNUM"}},
               {"name": "VISIT", "label": "V", "map": {"assign": "VISIT"}}], name="TV", source="none",
              settings={"rows": [{"VISITNUM": 1, "VISIT": "SCREENING"}, {"VISITNUM": 2.5, "VISIT": "WEEK 2"}]})
    ctx = MapContext(raw={})
    res = map_dataset(tv, ctx)
    assert res.data.values.tolist() == [[1.0, "SCREENING"], [2.5, "WEEK 2"]]
    assert res.lineage["extract"].tolist() == ["spec:TV", "spec:TV"]

    dm = spec([{"name": "STUDYID", "label": "S", "map": {"hardcode": "S1"}},
               {"name": "USUBJID", "label": "U", "map": {"template": "S1-{PAT}"}}], name="DM", source="dm")
    supp = Dataset.from_dict({"dataset": "SUPPDM", "label": "Supp", "source": "DM", "variables": [
        {"name": n, "label": n} for n in ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL",
                                          "QVAL", "QORIG", "QEVAL"]],
        "settings": {"supp": {"qualifiers": [{"qnam": "RACEOTH", "qlabel": "Race, Other", "qorig": "CRF",
                                              "map": {"assign": {"from": "RACEOTH", "case": "upper"}}}]}}})
    raw = raw_frame({"PAT": ["1", "2"], "RACEOTH": ["", "Maori"]})
    res = map_dataset(dm, MapContext(raw={"dm": raw}), [supp])
    sup = res.supp["SUPPDM"]
    assert sup.data.values.tolist() == [["S1", "DM", "S1-2", "", "", "RACEOTH", "Race, Other", "MAORI", "CRF", ""]]
    assert sup.lineage[["extract", "row"]].values.tolist() == [["dm", 2]]


def test_unknown_word_is_spec_error():
    bad = spec([{"name": "X", "label": "X", "map": {"asign": "A"}}], source="ae_raw")
    with pytest.raises(SpecError, match="asign.*exactly one of"):
        map_dataset(bad, MapContext(raw={"ae_raw": raw_frame({"A": ["1"]})}))


def test_stacked_sources_keep_their_extract_and_row():
    ie = raw_frame({"PAT": ["1", "2"], "IEDAT": ["01-JAN-2014", "02-JAN-2014"]})
    rnd = raw_frame({"PAT": ["1"], "RANDDAT": ["05-JAN-2014"]})
    ds = spec([{"name": "USUBJID", "label": "U", "map": {"template": "S1-{PAT}"}},
               {"name": "DSTERM", "label": "T", "map": {"condition": [
                   {"where": "__src__ == 'ie'", "hardcode": "ELIGIBLE"}, {"otherwise": True, "hardcode": "RANDOMIZED"}]}},
               {"name": "DSSTDTC", "label": "D", "map": {"condition": [
                   {"where": "__src__ == 'ie'", "datetime": "IEDAT"}, {"otherwise": True, "datetime": "RANDDAT"}]}}],
              name="DS", source=["ie", "rnd"], keys=["USUBJID", "DSSTDTC"])
    res = map_dataset(ds, MapContext(raw={"ie": ie, "rnd": rnd}))
    assert res.data.values.tolist() == [["S1-1", "ELIGIBLE", "2014-01-01"], ["S1-1", "RANDOMIZED", "2014-01-05"],
                                        ["S1-2", "ELIGIBLE", "2014-01-02"]]
    assert res.lineage[["extract", "row"]].values.tolist() == [["ie", 1], ["rnd", 1], ["ie", 2]]
