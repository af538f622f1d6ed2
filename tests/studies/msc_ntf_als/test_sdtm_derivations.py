"""The built-in study's SDTM study functions on small explicit frames."""

from __future__ import annotations

import pandas as pd
import pytest

from cdiscflow.errors import MappingError, SpecError
from cdiscflow.mapping.context import MapContext
from cdiscflow.specs.model import Codelist, Dataset, Term, Variable
from cdiscflow.studies.msc_ntf_als.sdtm_derivations import (
    element_dates,
    extract_constant,
    lookup_value,
    study_date,
    study_metadata,
)

ARMCD = Codelist(id="ARMCD", name="Arm", terms=[Term("MSCNTF", decode="MSC-NTF cells", synonyms=["MSC-NTF cells"]),
                                                Term("PBO", decode="Placebo", synonyms=["Placebo (DMEM)"])])


def frame(data: dict[str, list[str]], src: str) -> pd.DataFrame:
    df = pd.DataFrame(data, dtype=object)
    return df.assign(__row__=range(1, len(df) + 1), __src__=src)


def context(raw: dict[str, pd.DataFrame], sdtm: dict[str, pd.DataFrame] | None = None,
            settings: dict | None = None) -> MapContext:
    spec = Dataset(name="XX", label="Test", settings={"subject": "SUBJID", **(settings or {})}, file="xx.yaml")
    return MapContext(raw=raw, codelists={"ARMCD": ARMCD}, sdtm=sdtm or {}, spec=spec, extract="work",
                      files={k: f"{k}.csv" for k in raw})


WORK = frame({"SUBJID": ["01-001", "01-002", "01-003"], "AESPID": ["1", "2", "1"]}, "work")
TRANSPLANT = frame({"SUBJID": ["01-001", "01-001", "01-002"], "EXTRT": ["MSC-NTF cells", "MSC-NTF cells",
                                                                          "Placebo (DMEM)"]}, "transplant")


def test_lookup_value_by_subject_and_through_the_codelist():
    ctx = context({"work": WORK, "transplant": TRANSPLANT})
    out = pd.DataFrame(index=WORK.index)
    plain = lookup_value(WORK, out, ctx, Variable("ARM", "Arm"), source="transplant", column="EXTRT")
    assert plain.tolist() == ["MSC-NTF cells", "Placebo (DMEM)", ""]
    coded = lookup_value(WORK, out, ctx, Variable("ARMCD", "Arm code", codelist="ARMCD"), source="transplant",
                         column="EXTRT")
    assert coded.tolist() == ["MSCNTF", "PBO", ""]
    decoded = lookup_value(WORK, out, ctx, Variable("ELEMENT", "Element"), source="transplant", column="EXTRT",
                           codelist="ARMCD", decode=True)
    assert decoded.tolist() == ["MSC-NTF cells", "Placebo", ""]


def test_lookup_value_by_several_keys():
    coding = frame({"SUBJID": ["01-001", "01-001", "01-003"], "AESPID": ["2", "1", "1"],
                    "PT": ["Headache", "Back pain", "Pyrexia"]}, "ae_coding")
    ctx = context({"work": WORK, "ae_coding": coding})
    got = lookup_value(WORK, pd.DataFrame(index=WORK.index), ctx, Variable("AEDECOD", "PT"), source="ae_coding",
                       column="PT", by=["SUBJID", "AESPID"])
    assert got.tolist() == ["Back pain", "", "Pyrexia"]


def test_lookup_value_unknown_term_is_an_error_or_a_rejection():
    bad = frame({"SUBJID": ["01-001"], "EXTRT": ["Aspirin"]}, "transplant")
    var = Variable("ARMCD", "Arm code", codelist="ARMCD")
    with pytest.raises(MappingError, match="Aspirin") as err:
        lookup_value(WORK, pd.DataFrame(index=WORK.index), context({"work": WORK, "transplant": bad}), var,
                     source="transplant", column="EXTRT")
    assert (err.value.row, err.value.variable) == (1, "ARMCD")
    ctx = context({"work": WORK, "transplant": bad})
    got = lookup_value(WORK, pd.DataFrame(index=WORK.index), ctx, var, source="transplant", column="EXTRT",
                       on_unknown="reject")
    assert got.tolist() == ["", "", ""]
    assert ctx.rejected_rows()[["extract", "row", "variable"]].values.tolist() == [["work", 1, "ARMCD"]]


def test_lookup_value_spec_and_data_errors():
    ctx = context({"work": WORK, "transplant": TRANSPLANT})
    with pytest.raises(SpecError, match="lookup_value"):
        lookup_value(WORK, pd.DataFrame(index=WORK.index), ctx, Variable("X", "X"), source="transplant")
    with pytest.raises(MappingError, match="NOPE") as err:
        lookup_value(WORK, pd.DataFrame(index=WORK.index), ctx, Variable("X", "X"), source="transplant",
                     column="NOPE")
    assert err.value.file == "transplant.csv"


def test_element_dates_are_contiguous():
    visits = frame({"SUBJID": ["01-001"] * 4 + ["01-002"] * 2,
                    "VISIT": ["Screening", "Run-in", "Transplant", "Week 2", "Screening", "Run-in"],
                    "VISDAT": ["02-JAN-2014", "20-FEB-2014", "10-APR-2014", "24-APR-2014", "05-JAN-2014",
                               "25-FEB-2014"]}, "visit_dates")
    eos = frame({"SUBJID": ["01-001", "01-002"], "DSSTDAT": ["30-SEP-2014", "10-MAR-2014"]}, "disposition")
    dm = pd.DataFrame({"USUBJID": ["S-01-001", "S-01-002"], "RFSTDTC": ["2014-04-10T10:30", ""],
                       "RFPENDTC": ["2014-09-30", "2014-03-10"]})
    ctx = context({"visit_dates": visits, "disposition": eos}, sdtm={"DM": dm})
    out = pd.DataFrame({"USUBJID": "S-" + visits["SUBJID"]})
    var = Variable("SESTDTC", "Start")
    start = element_dates(visits, out, ctx, var, edge="start")
    end = element_dates(visits, out, ctx, var, edge="end")
    assert start.tolist() == ["2014-01-02", "2014-02-20", "2014-04-10T10:30", "2014-04-11", "2014-01-05",
                              "2014-02-25"]
    assert end.tolist() == ["2014-02-20", "2014-04-10T10:30", "2014-04-11", "2014-09-30", "2014-02-25",
                            "2014-03-10"]
    with pytest.raises(SpecError):
        element_dates(visits, out, ctx, var, edge="middle")


TS_ROWS = frame({"TSPARMCD": ["SSTDTC", "SENDTC"]}, "none")


def test_study_date_is_the_earliest_or_latest_complete_dm_date():
    dm = pd.DataFrame({"USUBJID": ["A", "B", "C"], "RFICDTC": ["2014-05-02", "2014-03-26", "2014-04"],
                       "RFPENDTC": ["2016-06-15T10:00", "2015-01-01", ""]})
    ctx = context({}, sdtm={"DM": dm})
    var = Variable("TSVAL", "Parameter Value")
    out = pd.DataFrame(index=TS_ROWS.index)
    assert study_date(TS_ROWS, out, ctx, var, column="RFICDTC", stat="min").tolist() == ["2014-03-26"] * 2
    assert study_date(TS_ROWS, out, ctx, var, column="RFPENDTC", stat="max").tolist() == ["2016-06-15"] * 2
    with pytest.raises(SpecError, match="stat"):
        study_date(TS_ROWS, out, ctx, var, column="RFICDTC", stat="first")
    with pytest.raises(MappingError, match="no complete date"):
        study_date(TS_ROWS, out, context({}, sdtm={"DM": dm.assign(RFICDTC="2014")}), var, column="RFICDTC",
                   stat="min")


def test_extract_constant_needs_exactly_one_value():
    coding = frame({"AESPID": ["1", "2"], "MEDDRAV": ["17.1", "17.1"]}, "ae_coding")
    var = Variable("TSVCDVER", "Version")
    out = pd.DataFrame(index=TS_ROWS.index)
    got = extract_constant(TS_ROWS, out, context({"ae_coding": coding}), var, source="ae_coding", column="MEDDRAV")
    assert got.tolist() == ["17.1", "17.1"]
    mixed = coding.assign(MEDDRAV=["17.1", "18.0"])
    with pytest.raises(MappingError, match="2 distinct values"):
        extract_constant(TS_ROWS, out, context({"ae_coding": mixed}), var, source="ae_coding", column="MEDDRAV")


def test_study_metadata_reads_a_dotted_key_of_study_yaml():
    ctx = context({})
    ctx.meta = {"standards": {"sdtm": "SDTMIG 3.4"}, "ct_version": "2025-03-28"}
    var = Variable("TSVAL", "Parameter Value")
    out = pd.DataFrame(index=TS_ROWS.index)
    assert study_metadata(TS_ROWS, out, ctx, var, key="standards.sdtm", word="last").tolist() == ["3.4"] * 2
    assert study_metadata(TS_ROWS, out, ctx, var, key="ct_version").tolist() == ["2025-03-28"] * 2
    with pytest.raises(SpecError, match="no value standards.adam"):
        study_metadata(TS_ROWS, out, ctx, var, key="standards.adam")
