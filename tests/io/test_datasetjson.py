"""Dataset-JSON 1.1: schema-valid output from a spec, round trip, determinism, reading the CDISC examples."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pandas as pd
import pytest

from cdiscflow.errors import DataError
from cdiscflow.io.datasetjson import read_dataset_json, write_dataset_json
from cdiscflow.specs.conform import conform
from cdiscflow.specs.model import Dataset, Variable

SPEC = Dataset(name="ADSL", label="Subject-Level Analysis Dataset", keys=["STUDYID", "USUBJID"], variables=[
    Variable("STUDYID", "Study Identifier", length=12),
    Variable("USUBJID", "Unique Subject Identifier", length=20),
    Variable("AGE", "Age", type="Num"),
    Variable("WEIGHT", "Weight (kg)", type="Num"),
    Variable("TRTSDT", "Date of First Exposure", type="Num", format="DATE9."),
    Variable("TRTSDTM", "Datetime of First Exposure", type="Num", format="DATETIME20."),
    Variable("TRTSTM", "Time of First Exposure", type="Num", format="TIME8."),
    Variable("AETERM", "Reported Term", length=200),
])
DF = pd.DataFrame({
    "STUDYID": ["S1", "S1"], "USUBJID": ["S1-001", "S1-002"], "AGE": [34, np.nan], "WEIGHT": [70.5, 80.0],
    "TRTSDT": [20000.0, np.nan], "TRTSDTM": [1.7e9, np.nan], "TRTSTM": [3600.0, 5.0],
    "AETERM": ["Kopfschmerz \u00e9", ""],
})


@pytest.fixture(scope="module")
def validator(shared_data):
    schema = json.loads((shared_data / "dataset-json" / "dataset.schema.json").read_text())
    return jsonschema.Draft201909Validator(schema)


def write(path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return write_dataset_json(DF, path, SPEC, study_oid="STUDY.S1", metadata_version_oid="MDV.S1")


def test_valid_against_schema_with_spec_metadata(tmp_path, monkeypatch, validator):
    doc = json.loads(write(tmp_path / "adsl.json", monkeypatch).read_text(encoding="utf-8"))
    validator.validate(doc)
    assert {k: doc[k] for k in ("datasetJSONCreationDateTime", "datasetJSONVersion", "itemGroupOID", "records",
                                "name", "label", "studyOID", "metaDataVersionOID", "sourceSystem")} == {
        "datasetJSONCreationDateTime": "2023-11-14T22:13:20", "datasetJSONVersion": "1.1.0",
        "itemGroupOID": "IG.ADSL", "records": 2, "name": "ADSL", "label": "Subject-Level Analysis Dataset",
        "studyOID": "STUDY.S1", "metaDataVersionOID": "MDV.S1",
        "sourceSystem": {"name": "cdiscflow", "version": doc["sourceSystem"]["version"]}}
    assert doc["columns"][:3] == [
        {"itemOID": "IT.ADSL.STUDYID", "name": "STUDYID", "label": "Study Identifier", "dataType": "string",
         "length": 12, "keySequence": 1},
        {"itemOID": "IT.ADSL.USUBJID", "name": "USUBJID", "label": "Unique Subject Identifier",
         "dataType": "string", "length": 20, "keySequence": 2},
        {"itemOID": "IT.ADSL.AGE", "name": "AGE", "label": "Age", "dataType": "integer"}]
    assert [(c["dataType"], c.get("targetDataType")) for c in doc["columns"][3:7]] == [
        ("double", None), ("date", "integer"), ("datetime", "integer"), ("time", "integer")]
    assert doc["rows"] == [
        ["S1", "S1-001", 34, 70.5, "2014-10-04", "2013-11-13T22:13:20", "01:00:00", "Kopfschmerz \u00e9"],
        ["S1", "S1-002", None, 80.0, None, None, "00:00:05", ""]]


def test_round_trip(tmp_path, monkeypatch):
    df, meta = read_dataset_json(write(tmp_path / "adsl.json", monkeypatch))
    pd.testing.assert_frame_equal(df, conform(DF, SPEC))
    assert meta.labels == {v.name: v.label for v in SPEC.variables}
    assert meta.formats == {"TRTSDT": "DATE9.", "TRTSDTM": "DATETIME20.", "TRTSTM": "TIME8."}
    assert meta.lengths["USUBJID"] == 20 and meta.types["TRTSDT"] == "Num"
    assert meta.attributes["studyOID"] == "STUDY.S1"


def test_deterministic(tmp_path, monkeypatch):
    a = write(tmp_path / "a" / "adsl.json", monkeypatch).read_bytes()
    assert a == write(tmp_path / "b" / "adsl.json", monkeypatch).read_bytes()


def test_empty_dataset_is_valid(tmp_path, validator):
    path = write_dataset_json(DF.iloc[:0], tmp_path / "adsl.json", SPEC)
    validator.validate(json.loads(path.read_text()))
    df, _ = read_dataset_json(path)
    assert list(df.columns) == SPEC.names and len(df) == 0


def test_reads_cdisc_example(shared_data):
    df, meta = read_dataset_json(shared_data / "dataset-json" / "example-adam-adsl.json")
    assert df.shape == (254, 49) and meta.name == "ADSL"
    first = df.iloc[0]
    # TRTSDT "2014-01-02" is SAS day 19725; integer AGE read as float64
    assert (first["TRTSDT"], first["AGE"], first["USUBJID"], first["DCSREAS"]) == (19725.0, 63.0, "01-701-1015", "")


def test_bad_rows_name_the_row(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"name": "X", "columns": [{"name": "A", "dataType": "string"}],
                                "rows": [["a"], ["b", "c"]]}))
    with pytest.raises(DataError) as err:
        read_dataset_json(path)
    assert err.value.row == 2


def test_not_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        read_dataset_json(path)


def test_infinite_number_is_refused(tmp_path):
    with pytest.raises(DataError, match="infinite") as err:
        write_dataset_json(DF.assign(WEIGHT=[1.0, np.inf]), tmp_path / "adsl.json", SPEC)
    assert (err.value.row, err.value.variable) == (2, "WEIGHT")
    assert not (tmp_path / "adsl.json").exists()
