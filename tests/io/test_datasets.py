"""Reading datasets by extension, reading folders, writing a dataset's files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdiscflow.errors import CdiscflowError, DataError, XptError, XptValueError
from cdiscflow.io.datasets import read_dataset, read_folder, write_datasets
from cdiscflow.specs.conform import conform
from cdiscflow.specs.model import Dataset, Variable

SPEC = Dataset(name="VS", label="Vital Signs", keys=["USUBJID", "VSSEQ"], variables=[
    Variable("USUBJID", "Unique Subject Identifier", length=10),
    Variable("VSSEQ", "Sequence Number", type="Num"),
    Variable("VSORRES", "Result or Finding in Original Units", length=20),
])
DF = pd.DataFrame({"USUBJID": ["S-1", "S-1"], "VSSEQ": [1, 2], "VSORRES": ["120", ""]})


def test_write_and_read_both_formats(tmp_path):
    paths = write_datasets(DF, tmp_path, SPEC, study_oid="S")
    assert [p.name for p in paths] == ["vs.xpt", "vs.json"]
    for p in paths:
        df, meta = read_dataset(p)
        pd.testing.assert_frame_equal(df, conform(DF, SPEC))
        assert meta.name == "VS" and meta.lengths["USUBJID"] == 10


def test_read_folder_prefers_xpt_then_json_then_csv(tmp_path):
    write_datasets(DF, tmp_path, SPEC, formats=("json",))
    write_datasets(DF.assign(VSORRES=["130", ""]), tmp_path, SPEC, formats=("xpt",))
    (tmp_path / "dm.csv").write_text("USUBJID,AGE\nS-1,40\n")
    data = read_folder(tmp_path)
    assert list(data) == ["DM", "VS"]
    assert data["VS"]["VSORRES"].tolist() == ["130", ""]
    pd.testing.assert_frame_equal(data["DM"], pd.DataFrame({"USUBJID": ["S-1"], "AGE": ["40"]}, dtype=object))
    assert list(read_folder(tmp_path, names=["dm"])) == ["DM"]
    with pytest.raises(DataError, match="AE"):
        read_folder(tmp_path, names=["AE"])


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="unknown dataset format"):
        read_dataset(tmp_path / "x.feather")
    with pytest.raises(DataError, match="not found"):
        read_dataset(tmp_path / "x.xpt")


def test_reads_pilot_xpt_and_pharmaverse_csv(shared_data):
    dm, meta = read_dataset(shared_data / "cdiscpilot01" / "sdtm" / "dm.xpt")
    assert meta.source_format == "xpt" and dm["AGE"].dtype == np.float64 and len(dm) == 306
    csv = shared_data / "pharmaverseraw" / "expected_sdtm_pharmaversesdtm"
    first = sorted(csv.glob("*.csv"))[0]
    df, meta = read_dataset(first)
    assert meta.source_format == "csv" and meta.types == {} and len(df) > 0


def test_reads_sas7bdat(tmp_path):
    # pyreadstat cannot write sas7bdat; a missing or broken file is a DataError, not a traceback
    bad = tmp_path / "x.sas7bdat"
    bad.write_bytes(b"not a sas file")
    with pytest.raises(DataError, match="SAS7BDAT"):
        read_dataset(bad)


def test_columns_subset_every_format(tmp_path):
    write_datasets(DF, tmp_path, SPEC, study_oid="S")
    (tmp_path / "dm.csv").write_text("USUBJID,AGE,SEX\nS-1,40,F\n")
    want = conform(DF, SPEC)[["VSORRES", "USUBJID"]]
    for name in ("vs.xpt", "vs.json"):
        df, meta = read_dataset(tmp_path / name, columns=["VSORRES", "USUBJID"])
        pd.testing.assert_frame_equal(df, want)
        assert meta.lengths == {"USUBJID": 10, "VSORRES": 20}
        with pytest.raises(CdiscflowError, match="VSTEST not in the dataset"):
            read_dataset(tmp_path / name, columns=["VSTEST"])
    data = read_folder(tmp_path, columns={"dm": ["SEX", "USUBJID"]})
    pd.testing.assert_frame_equal(data["DM"], pd.DataFrame({"SEX": ["F"], "USUBJID": ["S-1"]}, dtype=object))
    pd.testing.assert_frame_equal(data["VS"], conform(DF, SPEC))
    with pytest.raises(DataError, match="columns given for dataset.s. AE"):
        read_folder(tmp_path, columns={"AE": ["AETERM"]})


def _parquet(path, df, labels):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    fields = [f.with_metadata({"label": labels[f.name]}) if f.name in labels else f for f in table.schema]
    pq.write_table(table.cast(pa.schema(fields, metadata=table.schema.metadata)), path)


def test_reads_parquet_with_types_labels_and_columns(tmp_path):
    df = pd.DataFrame({"USUBJID": ["S1", "S2"], "AGE": [61.0, 70.0]})
    _parquet(tmp_path / "dm.parquet", df, {"AGE": "Age"})
    got, meta = read_dataset(tmp_path / "dm.parquet")
    pd.testing.assert_frame_equal(got, df)
    assert (meta.name, meta.source_format, meta.types, meta.labels) == ("DM", "parquet", {"USUBJID": "Char", "AGE": "Num"},
                                                                        {"AGE": "Age"})
    sub, sub_meta = read_dataset(tmp_path / "dm.parquet", columns=["AGE"])
    pd.testing.assert_frame_equal(sub, df[["AGE"]])
    with pytest.raises(DataError, match="NOPE"):
        read_dataset(tmp_path / "dm.parquet", columns=["NOPE"])
    assert list(read_folder(tmp_path)) == ["DM"]


def test_parquet_dates_read_as_datetimes(tmp_path):
    """R Dates (Parquet date32) come back as datetime64 like timestamps, so compare can take them as SAS dates."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"TRTSDT": pa.array([datetime.date(2014, 1, 2), None], pa.date32())}),
                   tmp_path / "adsl.parquet")
    got, meta = read_dataset(tmp_path / "adsl.parquet")
    assert pd.api.types.is_datetime64_any_dtype(got["TRTSDT"])
    assert got["TRTSDT"].tolist()[0] == pd.Timestamp("2014-01-02") and pd.isna(got["TRTSDT"].iloc[1])
    assert meta.types == {"TRTSDT": "Num"}


def test_bad_parquet_is_a_data_error(tmp_path):
    (tmp_path / "ae.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="cannot read as Parquet"):
        read_dataset(tmp_path / "ae.parquet")


LB = Dataset(name="LB", label="Laboratory Test Results", keys=["STUDYID", "USUBJID", "LBTESTCD", "VISITNUM"],
             file="specs/sdtm/lb.yaml", variables=[
    Variable("STUDYID", "Study Identifier", length=4),
    Variable("USUBJID", "Unique Subject Identifier", length=10),
    Variable("LBSEQ", "Sequence Number", type="Num"),
    Variable("LBTESTCD", "Lab Test or Examination Short Name", length=8),
    Variable("VISITNUM", "Visit Number", type="Num"),
    Variable("LBDT", "Date", type="Num", format="DATE9."),
    Variable("LBSTRESN", "Numeric Result/Finding in Standard Units", type="Num"),
])


def lb_frame(**change: list) -> pd.DataFrame:
    return pd.DataFrame({"STUDYID": "S1", "USUBJID": ["S1-1", "S1-1", "S1-2"], "LBSEQ": [1.0, 2.0, 1.0],
                         "LBTESTCD": ["ALB", "AST", "AST"], "VISITNUM": [1.0, 1.0, 2.5],
                         "LBDT": [19920.0, 19920.0, 19951.0], "LBSTRESN": [3.7, 25.0, 31.0], **change})


def test_value_refusal_names_the_raw_file_and_row_through_origin(tmp_path):
    """The rows were sorted after mapping: record 2 of LB came from raw row 17 of lab.csv. The error names that
    and the record (USUBJID, LBSEQ), never the staging folder or the sorted position."""
    lineage = pd.DataFrame({"file": ["raw/lab.csv", "raw/lab.csv", "raw/lab.csv"], "row": [40, 17, 3]})
    with pytest.raises(XptValueError) as err:
        write_datasets(lb_frame(LBSTRESN=[3.7, 1e300, 31.0]), tmp_path / ".staging", LB,
                       origin=lambda pos: (lineage["file"].iloc[pos], int(lineage["row"].iloc[pos])))
    exc = err.value
    assert (exc.file, exc.row, exc.variable, exc.position) == ("raw/lab.csv", 17, "LBSTRESN", 1)
    assert exc.message == "dataset LB record USUBJID=S1-1, LBSEQ=2: number 1e+300 cannot be stored as an IBM float"
    assert "XPT v5" in exc.expected and ".staging" not in str(exc)
    assert not (tmp_path / ".staging").exists() or not any((tmp_path / ".staging").iterdir())


def test_value_refusal_without_origin_names_the_record_by_its_keys(tmp_path):
    """An ADaM-like dataset without --SEQ: USUBJID and the spec's keys (numbers and dates as a reader types
    them); no file, no row."""
    spec = Dataset(name="ADLB", label="Lab Analysis", keys=["STUDYID", "USUBJID", "PARAMCD", "AVISITN", "ADT"],
                   variables=[Variable("STUDYID", "Study", length=4), Variable("USUBJID", "Subject", length=10),
                              Variable("PARAMCD", "Parameter Code", length=8),
                              Variable("AVISITN", "Analysis Visit (N)", type="Num"),
                              Variable("ADT", "Analysis Date", type="Num", format="DATE9."),
                              Variable("AVAL", "Analysis Value", type="Num")])
    df = pd.DataFrame({"STUDYID": "S1", "USUBJID": ["S1-1", "S1-2"], "PARAMCD": ["ALB", "AST"],
                       "AVISITN": [1.0, 2.5], "ADT": [19920.0, 19951.0], "AVAL": [3.7, -1e-300]})
    with pytest.raises(XptValueError) as err:
        write_datasets(df, tmp_path, spec, ["xpt"])
    exc = err.value
    assert (exc.file, exc.row, exc.variable) == (None, None, "AVAL")
    adt = (pd.Timestamp("1960-01-01") + pd.Timedelta(days=19951)).date().isoformat()  # SAS date 19951
    assert exc.message.startswith(f"dataset ADLB record USUBJID=S1-2, PARAMCD=AST, AVISITN=2.5, ADT={adt}: "
                                  "number -1e-300 ")
    assert not (tmp_path / "adlb.xpt").exists()


def test_text_in_a_num_variable_and_text_too_long_are_named_by_record(tmp_path):
    with pytest.raises(XptValueError) as err:
        write_datasets(lb_frame(VISITNUM=["1", "x", "2"]), tmp_path, LB, origin=lambda pos: ("lab.csv", pos + 10))
    assert (err.value.file, err.value.row, err.value.variable) == ("lab.csv", 11, "VISITNUM")
    assert err.value.message == "dataset LB record USUBJID=S1-1, LBSEQ=2: value 'x' is not a number"
    with pytest.raises(XptValueError) as err:
        write_datasets(lb_frame(LBTESTCD=["ALB", "AST", "ASPARTATE"]), tmp_path, LB)
    assert err.value.message.startswith("dataset LB record USUBJID=S1-2, LBSEQ=1: text 'ASPARTATE' of 9 bytes")
    assert err.value.expected == "at most 8 bytes"


def test_metadata_refusal_names_the_spec_file_not_the_staging_file(tmp_path):
    spec = Dataset(name="LB", label="L" * 41, file="specs/sdtm/lb.yaml", variables=LB.variables)
    with pytest.raises(XptError) as err:
        write_datasets(lb_frame(), tmp_path / "staging", spec)
    assert (err.value.file, err.value.variable) == ("specs/sdtm/lb.yaml", None)
    assert err.value.message.startswith("dataset LB: dataset label") and "staging" not in str(err.value)
