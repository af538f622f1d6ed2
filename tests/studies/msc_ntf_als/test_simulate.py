"""The simulator's extracts: determinism, dictionary consistency, EDC formats, scaling and the CLI."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from cdiscflow.cli import main
from cdiscflow.errors import CdiscflowError
from cdiscflow.studies.msc_ntf_als.simulator.command import simulate
from cdiscflow.studies.msc_ntf_als.simulator.forms import (
    FORMS,
    cross_text,
    fmt_date,
    fmt_num,
    fmt_time,
    row_major,
    write_csv,
)

DATE = re.compile(r"^(\d{2}|UN)-(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|UNK)-\d{4}$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulate(tmp_path_factory.mktemp("a"))


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_rerun_is_byte_identical(raw: Path, tmp_path: Path) -> None:
    again = simulate(tmp_path)
    names = sorted(p.name for p in raw.glob("*.csv"))
    assert names == sorted(p.name for p in again.glob("*.csv"))
    for name in names:
        assert (raw / name).read_bytes() == (again / name).read_bytes(), name


def test_other_seed_differs(raw: Path, tmp_path: Path) -> None:
    other = simulate(tmp_path, seed=7)
    assert (raw / "adverse_events.csv").read_bytes() != (other / "adverse_events.csv").read_bytes()


def test_every_extract_matches_the_dictionary(raw: Path) -> None:
    dictionary = read(raw / "data_dictionary.csv")
    assert set(dictionary["FORM"]) == set(FORMS)
    for form, cols in dictionary.groupby("FORM", sort=False):
        extract = read(raw / f"{form}.csv")
        assert list(extract.columns) == cols.sort_values("ORDER", key=lambda s: s.astype(int))["COLUMN"].tolist()
        assert len(extract) > 0, form
        for col in cols.itertuples():
            values = extract[col.COLUMN]
            filled = values[values != ""]
            if col.TYPE == "date":
                assert filled.str.match(DATE).all(), (form, col.COLUMN)
            elif col.TYPE == "time":
                assert filled.str.match(TIME).all(), (form, col.COLUMN)
            elif col.TYPE == "checkbox":
                assert filled.isin(["X"]).all(), (form, col.COLUMN)
            elif col.TYPE == "integer":
                assert filled.str.match(r"^-?\d+$").all(), (form, col.COLUMN)
            if col.VALUES and col.TYPE != "integer":
                allowed = set(col.VALUES.split("|"))
                assert set(filled) <= allowed, (form, col.COLUMN, set(filled) - allowed)


def test_edc_look(raw: Path) -> None:
    ae = read(raw / "adverse_events.csv")
    assert ae["SUBJID"].str.match(r"^0[123]-\d{3}$").all()
    assert ae["AESTDAT"].str.startswith("UN-").any()              # partial dates as collected
    assert read(raw / "medical_history.csv")["MHSTDAT"].str.contains("UNK").any()
    assert ae["AETERM"].str.isupper().any() and ae["AETERM"].str.islower().any()
    qs = read(raw / "alsfrs_r.csv")
    phone = qs[qs["VISIT"].isin(["Week 12", "Week 20"])]
    assert (phone["QSMODE"] == "Telephone").all()
    items = qs[[f"ALSQ{i:02d}" for i in range(1, 13)]].astype(int)
    assert items.isin(range(5)).all().all()
    assert (items.sum(axis=1) == qs["ALSTOT"].astype(int)).all()
    svc = read(raw / "svc.csv")
    assert not svc["VISIT"].isin(["Week 12", "Week 20"]).any()
    vis = read(raw / "visit_dates.csv")
    assert (vis["VISSTAT"] == "Not done").sum() == 1
    lab = read(raw / "safety_lab.csv")
    assert set(lab["LBCAT"]) == {"HEMATOLOGY", "CHEMISTRY", "URINALYSIS"}
    summary = read(raw / "trial_summary.csv").set_index("PARAM")["VALUE"]
    assert summary["SIMULATED"] == "Y"
    ex = read(raw / "transplant.csv")
    active = ex[ex["EXTRT"] == "MSC-NTF cells"]
    assert set(zip(active["EXROUTE"], active["EXDOSE"], active["EXNINJ"], strict=True)) == {
        ("Intrathecal", "125", "1"), ("Intramuscular", "48", "24")}


def test_500_subjects(tmp_path: Path) -> None:
    raw = simulate(tmp_path, subjects=500)
    rnd = read(raw / "randomization.csv")
    assert len(rnd) == 500
    share = (rnd["TRTASSN"] == "MSC-NTF cells").mean()
    assert 0.74 <= share <= 0.76
    assert read(raw / "enrollment.csv").shape[0] == 500 + round(8 * 500 / 48) + round(3 * 500 / 48)
    assert read(raw / "adverse_events.csv")["SUBJID"].isin(rnd["SUBJID"]).all()


def test_too_few_subjects(tmp_path: Path) -> None:
    with pytest.raises(CdiscflowError):
        simulate(tmp_path, subjects=3)
    with pytest.raises(CdiscflowError, match="serious AEs"):     # too few treated for the published SAEs
        simulate(tmp_path, subjects=10)
    assert not any((tmp_path / "msc_ntf_als").iterdir())          # nothing partial left behind


def test_cli(tmp_path: Path) -> None:
    assert main(["simulate", "--out", str(tmp_path), "--subjects", "20", "--seed", "3"]) == 0
    assert (tmp_path / "msc_ntf_als" / "raw" / "data_dictionary.csv").is_file()


def test_formatters() -> None:
    dates = pd.Series(pd.to_datetime(["2014-02-07", None, "2015-12-31"]))
    assert fmt_date(dates, ["M", "D", "Y"]).tolist() == ["UN-FEB-2014", "", "UN-UNK-2015"]
    assert fmt_date(dates).tolist() == ["07-FEB-2014", "", "31-DEC-2015"]
    assert fmt_time([0, 605, -1]).tolist() == ["00:00", "10:05", ""]
    assert fmt_num([1.25, float("nan"), -0.0001], 1).tolist() == ["1.2", "", "0.0"]


def test_write_csv_writes_what_the_csv_module_writes(tmp_path: Path) -> None:
    df = pd.DataFrame({"TEXT": ["plain", 'say "hi"', "a,b", "line\nbreak", "", "cr\r", " pad "],
                       "CAT": pd.Categorical(["x", "", "x", "y", "", "z", "x"]),
                       "NUM": [1, 2, 3, 4, 5, 6, 7]})
    write_csv(df, tmp_path / "x.csv", chunk_rows=3)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(df.columns)
    writer.writerows(df.astype(str).itertuples(index=False))
    assert (tmp_path / "x.csv").read_bytes() == expected.getvalue().encode()


def test_cross_text_and_row_major() -> None:
    outer = pd.DataFrame({"SUBJID": ["01-001", "01-002"], "VISITNUM": [1, 2]})
    inner = pd.DataFrame({"TEST": ["A", "B", "C"]})
    pd.testing.assert_frame_equal(cross_text(outer, inner).astype(str),
                                  outer.merge(inner, how="cross").astype(str))
    cells = row_major([pd.Categorical(["a", "b"]), pd.Categorical(["c", "d"]), pd.Categorical(["e", "a"])])
    assert cells.tolist() == ["a", "c", "e", "b", "d", "a"]
