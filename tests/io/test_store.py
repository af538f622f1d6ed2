"""The columnar store: a conformed frame written as Parquet is read back as the same frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from cdiscflow.errors import DataError
from cdiscflow.io.store import read_store, store_path, write_store
from cdiscflow.specs.model import Dataset, Variable


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": pd.Series(["S-1", "S-2", "S-3"], dtype=object),
        "SEX": pd.Series(["F", "", "M"], dtype=object),
        "AGE": [61.0, np.nan, 47.0],
        "TRTSDT": [22000.0, 22001.0, np.nan],
    })


def _spec() -> Dataset:
    return Dataset(name="ADSL", label="Subject-Level Analysis Dataset", variables=[
        Variable("USUBJID", "Unique Subject Identifier", "Char", 8), Variable("SEX", "Sex", "Char", 1),
        Variable("AGE", "Age", "Num", 8), Variable("TRTSDT", "Date of First Exposure", "Num", 8)])


def test_round_trip_gives_the_same_frame_with_object_text_columns(tmp_path):
    path = write_store(_frame(), tmp_path / "adsl.parquet", _spec())
    pd.testing.assert_frame_equal(read_store(path), _frame(), check_exact=True)


def test_spec_attributes_travel_in_the_field_metadata(tmp_path):
    schema = pq.read_schema(write_store(_frame(), tmp_path / "adsl.parquet", _spec()))
    assert {f.name: dict(f.metadata) for f in schema} == {
        "USUBJID": {b"label": b"Unique Subject Identifier", b"type": b"Char", b"length": b"8"},
        "SEX": {b"label": b"Sex", b"type": b"Char", b"length": b"1"},
        "AGE": {b"label": b"Age", b"type": b"Num", b"length": b"8"},
        "TRTSDT": {b"label": b"Date of First Exposure", b"type": b"Num", b"length": b"8"}}


def test_columns_are_read_selectively_and_an_unknown_one_is_named(tmp_path):
    path = write_store(_frame(), tmp_path / "adsl.parquet")
    pd.testing.assert_frame_equal(read_store(path, ["AGE", "USUBJID"]), _frame()[["AGE", "USUBJID"]])
    with pytest.raises(DataError, match="ARMCD not in the stored dataset") as exc:
        read_store(path, ["USUBJID", "ARMCD"])
    assert exc.value.variable == "ARMCD" and exc.value.file == str(path)


def test_writing_is_byte_reproducible_and_a_bad_file_is_a_data_error(tmp_path):
    first = write_store(_frame(), tmp_path / "a.parquet", _spec()).read_bytes()
    assert write_store(_frame(), tmp_path / "b.parquet", _spec()).read_bytes() == first
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match="cannot read the stored dataset"):
        read_store(tmp_path / "bad.parquet")


def test_store_path_is_under_the_hidden_store_folder(tmp_path):
    assert store_path(tmp_path, "adam", "ADSL") == tmp_path / ".store" / "adam" / "adsl.parquet"
