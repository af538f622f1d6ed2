"""Reading datasets by extension, reading folders, writing a dataset's files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdiscflow.errors import CdiscflowError, DataError
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


def test_bad_parquet_is_a_data_error(tmp_path):
    (tmp_path / "ae.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="cannot read as Parquet"):
        read_dataset(tmp_path / "ae.parquet")
