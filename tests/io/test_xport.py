"""The numpy XPT v5 layer against pyreadstat (ReadStat), the reference: pilot files read to the same frames,
written files read back identically and byte-identical to pyreadstat's output (header stamps aside)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdiscflow.errors import XptError
from cdiscflow.io.xport import (
    Column,
    Member,
    encode_rows,
    file_bytes,
    ibm_from_ieee,
    ieee_from_ibm,
    sas_stamp,
)
from cdiscflow.io.xpt import XptMeta, from_readstat, read_xpt, write_xpt
from cdiscflow.provenance import run_datetime
from cdiscflow.specs.model import Dataset, Variable

REPO = Path(__file__).resolve().parents[2]
PILOT_FILES = sorted((REPO / ".." / "shared" / "data" / "cdiscpilot01").resolve().glob("*/*.xpt"))
STAMPS = (144, 160, 464, 480)
META_FIELDS = ("name", "label", "labels", "types", "lengths", "formats", "encoding", "created")


@pytest.fixture(autouse=True)
def fixed_run_time(monkeypatch):
    """Header stamps from a fixed run time, so our bytes and the reference's are made at the same 'time'."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def reference_read(path: Path, encoding: str = "utf-8") -> tuple[pd.DataFrame, XptMeta]:
    data, m = pyreadstat.read_xport(str(path), encoding=encoding, disable_datetime_conversion=True,
                                    output_format="dict")
    return from_readstat(data, m, path, "xpt", encoding)


def reference_write(df: pd.DataFrame, meta: XptMeta, path: Path) -> bytes:
    """pyreadstat's bytes for the frame and attributes (first text value padded to the storage length, as
    pyreadstat sizes text by its longest value), with our header stamps put in."""
    out = df.copy()
    if len(out):
        for name, kind in meta.types.items():
            if kind == "Char":
                out.loc[out.index[0], name] = out[name].iloc[0].ljust(meta.lengths[name])
    pyreadstat.write_xport(out, str(path), file_label=meta.label, table_name=meta.name, file_format_version=5,
                           column_labels=[meta.labels[c] or None for c in df.columns],
                           variable_format=meta.formats or None)
    buf = bytearray(path.read_bytes())
    for off in STAMPS:
        buf[off:off + 16] = sas_stamp(run_datetime()).encode("ascii")
    return bytes(buf)


def spec_of(meta: XptMeta) -> Dataset:
    return Dataset(name=meta.name, label=meta.label, variables=[
        Variable(name, meta.labels[name], type=meta.types[name], length=meta.lengths[name] if meta.types[name] ==
                 "Char" else None, format=meta.formats.get(name)) for name in meta.types])


@pytest.fixture(params=PILOT_FILES, ids=[f"{p.parent.name}/{p.name}" for p in PILOT_FILES])
def pilot(request) -> Path:
    if not request.param.is_file():
        pytest.skip("shared pilot data absent")
    return request.param


def test_pilot_read_equals_pyreadstat(pilot):
    df, meta = read_xpt(pilot)
    ref, ref_meta = reference_read(pilot, meta.encoding)
    pd.testing.assert_frame_equal(df, ref)
    assert {k: getattr(meta, k) for k in META_FIELDS} == {k: getattr(ref_meta, k) for k in META_FIELDS}
    assert len(df) > 0 and meta.lengths and meta.labels


def test_pilot_write_reads_back_and_matches_pyreadstat_bytes(pilot, tmp_path):
    df, meta = read_xpt(pilot)
    ours = tmp_path / "ours.xpt"
    write_xpt(df, ours, spec_of(meta), transliterate=meta.encoding != "utf-8")
    back, back_meta = reference_read(ours)
    if meta.encoding == "utf-8":  # cp1252 text is transliterated to ASCII, compared in test_xpt
        pd.testing.assert_frame_equal(back, df)
        assert ours.read_bytes() == reference_write(df, meta, tmp_path / "ref.xpt")
    assert {k: getattr(back_meta, k) for k in ("name", "labels", "types", "lengths", "formats")} == \
        {k: getattr(meta, k) for k in ("name", "labels", "types", "lengths", "formats")}


SPEC = Dataset(name="EDGE", label="Edge cases", variables=[
    Variable("TXT", "Text of 200", length=200), Variable("C1", "One byte", length=1),
    Variable("NUM", "Number", type="Num", format="8.2"), Variable("DT", "Date", type="Num", format="DATE9."),
    Variable("FMT", "Char with format", length=12, format="$CHAR12.")])


def edge_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "TXT": pd.Series(["x" * 200, "", " lead", "a b"], dtype=object),
        "C1": pd.Series(["Y", "", "N", "Y"], dtype=object),
        "NUM": [2.0**53 + 2, -0.0, np.nan, 1e-70],
        "DT": [np.nan, np.nan, np.nan, np.nan],
        "FMT": pd.Series(["abc", "", "x" * 12, "q"], dtype=object),
    })


@pytest.mark.parametrize("rows", [4, 0, 1])
def test_edge_frames_byte_identical_to_pyreadstat(tmp_path, rows):
    df = edge_frame().iloc[:rows]
    ours = tmp_path / "edge.xpt"
    write_xpt(df, ours, SPEC)
    back, meta = read_xpt(ours)
    assert meta.lengths == {"TXT": 200, "C1": 1, "NUM": 8, "DT": 8, "FMT": 12}
    assert meta.formats == {"NUM": "8.2", "DT": "DATE9.", "FMT": "$CHAR12."}
    expected = df.assign(NUM=df["NUM"].abs()).reset_index(drop=True)  # -0.0 is stored as 0
    pd.testing.assert_frame_equal(back, expected)
    pd.testing.assert_frame_equal(reference_read(ours)[0], back)
    if rows:
        assert ours.read_bytes() == reference_write(df, meta, tmp_path / "ref.xpt")
    else:  # pyreadstat cannot write a zero-row text column; the file ends after the OBS header
        assert ours.read_bytes().endswith(b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!" + b"0" * 30 + b"  ")


def test_all_missing_numeric_dataset(tmp_path):
    spec = Dataset(name="NUMS", label="Numbers", variables=[Variable("A", "A", type="Num")])
    write_xpt(pd.DataFrame({"A": [np.nan] * 11}), tmp_path / "nums.xpt", spec)
    raw = (tmp_path / "nums.xpt").read_bytes()
    assert raw.endswith(b".\x00\x00\x00\x00\x00\x00\x00" * 11 + b" " * (-88 % 80))
    assert reference_read(tmp_path / "nums.xpt")[0]["A"].isna().sum() == 11
    assert read_xpt(tmp_path / "nums.xpt")[0]["A"].isna().sum() == 11


def test_frame_without_columns(tmp_path):
    write_xpt(pd.DataFrame(), tmp_path / "none.xpt", Dataset(name="NONE", label="Nothing", variables=[]))
    df, meta = read_xpt(tmp_path / "none.xpt")
    assert df.shape == (0, 0) and meta.name == "NONE" and meta.label == "Nothing"


def magnitudes(seed: int, low: int, high: int, n: int = 20000) -> np.ndarray:
    """Random doubles with binary exponents in [low, high) and random signs and mantissas."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], n) * np.ldexp(rng.uniform(1, 2, n), rng.integers(low, high, n))


def test_ibm_conversion_is_exact_both_ways_and_matches_readstat(tmp_path):
    values = np.concatenate([magnitudes(1, -260, 249), [0.0, 1.0, -1.0, 2.0**-260, 2.0**63, 2.0**53 + 1, 0.1]])
    raw = ibm_from_ieee(values)
    back, codes = ieee_from_ibm(raw)
    assert np.array_equal(back, values) and not codes.any()
    spec = Dataset(name="MAG", label="Magnitudes", variables=[Variable("X", "X", type="Num")])
    write_xpt(pd.DataFrame({"X": values}), tmp_path / "mag.xpt", spec)
    meta = read_xpt(tmp_path / "mag.xpt")[1]
    assert (tmp_path / "mag.xpt").read_bytes() == reference_write(pd.DataFrame({"X": values}), meta, tmp_path / "r.xpt")
    np.testing.assert_array_equal(reference_read(tmp_path / "mag.xpt")[0]["X"].to_numpy(), values)


def test_magnitudes_readstat_writes_as_overflow_are_written_exactly(tmp_path):
    values = magnitudes(2, 249, 252, 1000)
    spec = Dataset(name="BIG", label="Big", variables=[Variable("X", "X", type="Num")])
    write_xpt(pd.DataFrame({"X": values}), tmp_path / "big.xpt", spec)
    np.testing.assert_array_equal(reference_read(tmp_path / "big.xpt")[0]["X"].to_numpy(), values)
    pyreadstat.write_xport(pd.DataFrame({"X": values}), str(tmp_path / "ref.xpt"), file_format_version=5)
    assert np.isinf(reference_read(tmp_path / "ref.xpt")[0]["X"]).all()  # why the bytes differ here


def xpt_of_raw(raw: np.ndarray, path: Path) -> None:
    """A one-variable file holding the given IBM bit patterns."""
    member = Member("RAW", "", sas_stamp(run_datetime()), [Column("X", "Num", 8)])
    with open(path, "wb") as out:
        for piece in file_bytes(member, encode_rows(member, [raw])):
            out.write(piece)


def test_decoding_any_bit_pattern_matches_readstat(tmp_path):
    rng = np.random.default_rng(3)
    raw = rng.integers(0, 2**63, 20000, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, 20000, dtype=np.uint64)
    raw[:100] &= np.uint64(0xFF00000000000000)  # missing codes and byte-only patterns (e.g. IBM -0: 0x80)
    raw[100:200] &= np.uint64(0xFF0FFFFFFFFFFFFF)  # unnormalised fractions
    raw[200] = np.uint64(0x7FFFFFFFFFFFFFFF)  # ReadStat's infinity
    xpt_of_raw(raw, tmp_path / "raw.xpt")
    ours = read_xpt(tmp_path / "raw.xpt")[0]["X"].to_numpy()
    ref = reference_read(tmp_path / "raw.xpt")[0]["X"].to_numpy()
    np.testing.assert_array_equal(ours, ref)
    assert np.isnan(ours).sum() >= 90 and np.isinf(ours).any()


def test_special_missing_values_both_ways(tmp_path):
    tags = np.frombuffer(b"\x00.AZ_\x00", dtype=np.uint8)
    values = np.array([1.5, np.nan, np.nan, np.nan, np.nan, -2.0])
    raw = ibm_from_ieee(values, tags)
    assert [int(r >> np.uint64(56)) for r in raw[1:5]] == list(b".AZ_")
    xpt_of_raw(raw, tmp_path / "tags.xpt")
    ref = reference_read(tmp_path / "tags.xpt")[0]["X"]  # pyreadstat's read_xport has no user_missing
    np.testing.assert_array_equal(ref.to_numpy(), values)
    back, codes = ieee_from_ibm(raw)
    assert codes.tobytes() == b"\x00.AZ_\x00"
    np.testing.assert_array_equal(back, values)
    assert read_xpt(tmp_path / "tags.xpt")[0]["X"].isna().tolist() == [False, True, True, True, True, False]


def test_blank_rows_inside_are_data_trailing_ones_padding(tmp_path):
    spec = Dataset(name="BL", label="Blanks", variables=[Variable("A", "A", length=3)])
    write_xpt(pd.DataFrame({"A": ["", "", "x"]}), tmp_path / "bl.xpt", spec)
    df = read_xpt(tmp_path / "bl.xpt")[0]
    assert df["A"].tolist() == ["", "", "x"] == reference_read(tmp_path / "bl.xpt")[0]["A"].tolist()


def test_text_decoded_once_per_distinct_value(tmp_path):
    spec = Dataset(name="TX", label="Text", variables=[Variable("A", "A", length=20)])
    values = ["alpha", "beta", "alpha", "", "beta " * 3] * 500
    write_xpt(pd.DataFrame({"A": values}), tmp_path / "tx.xpt", spec)
    col = read_xpt(tmp_path / "tx.xpt")[0]["A"]
    assert col.tolist() == [v.rstrip() for v in values]
    assert len({id(v) for v in col}) == 4


@pytest.mark.parametrize("repeats", [1, 3000])  # distinct values encoded once / every value encoded
def test_text_encoding_paths_agree_and_refuse_non_ascii_by_row(tmp_path, repeats):
    spec = Dataset(name="TX", label="Text", variables=[Variable("A", "A", length=8)])
    values = [f"v{i % 7}" if repeats > 1 else f"v{i}" for i in range(3 * repeats)]
    write_xpt(pd.DataFrame({"A": values}), tmp_path / "tx.xpt", spec)
    assert read_xpt(tmp_path / "tx.xpt")[0]["A"].tolist() == values
    bad = values[:-2] + ["caf\u00e9", values[-1]]
    with pytest.raises(XptError, match="non-ASCII") as err:
        write_xpt(pd.DataFrame({"A": bad}), tmp_path / "bad.xpt", spec)
    assert err.value.row == len(values) - 1 and err.value.variable == "A"
