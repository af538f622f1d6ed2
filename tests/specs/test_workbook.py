"""Specs ↔ P21-layout workbook: the real pharmaverse workbook, both built-in studies, a small full spec set."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from cdiscflow.cli import main
from cdiscflow.errors import CdiscflowError
from cdiscflow.io.publish import new_folder
from cdiscflow.specs.define_import import import_define
from cdiscflow.specs.loader import dump_dataset, dump_yaml, load_datasets
from cdiscflow.specs.workbook import (
    format_where,
    parse_where,
    read_spec_folder,
    read_workbook,
    write_spec_folder,
    write_workbook,
)
from cdiscflow.study import BUILTIN_DIR
from tests.specs.workbook_cases import small_specs

P21 = "pharmaverse/specs/adams-specs.xlsx"


def _sheet(path: Path, name: str) -> list[dict]:
    """A sheet's rows as dicts, read straight with openpyxl (independently of cdiscflow)."""
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


def test_import_p21_workbook_one_spec_per_dataset_with_every_variable(shared_data: Path, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture) -> None:
    xlsx = shared_data / P21
    assert main(["specs", "import", str(xlsx), "--out", str(tmp_path / "specs")]) == 0
    specs = load_datasets(tmp_path / "specs" / "adam", "ADaM")
    sheet_datasets = [r["Dataset"] for r in _sheet(xlsx, "Datasets")]
    assert sorted(specs) == sorted(sheet_datasets) and len(specs) == len(sheet_datasets) >= 30
    rows = _sheet(xlsx, "Variables")
    assert sum(len(ds.variables) for ds in specs.values()) == len(rows)
    for name in sheet_datasets:
        expected = sorted((r for r in rows if r["Dataset"] == name), key=lambda r: int(r["Order"]))
        got = [(v.name, v.label, v.type, v.length) for v in specs[name].variables]
        want = [(r["Variable"], r["Label"].strip(), "Num" if r["Data Type"] in ("integer", "float") else "Char",
                 int(r["Length"]) if r["Length"] is not None else None) for r in expected]
        assert got == want, name
        keys = next(r["Key Variables"] for r in _sheet(xlsx, "Datasets") if r["Dataset"] == name)
        assert specs[name].keys == [k.strip() for k in (keys or "").split(",") if k.strip()]
    assert "30 dataset(s)" in capsys.readouterr().out


def test_p21_workbook_export_then_import_gives_identical_specs(shared_data: Path, tmp_path: Path) -> None:
    first = read_workbook(shared_data / P21)
    write_workbook(first, tmp_path / "again.xlsx")
    second = read_workbook(tmp_path / "again.xlsx")
    assert second.to_dicts() == first.to_dicts()
    assert second.study == first.study


@pytest.mark.parametrize("study", ["msc_ntf_als", "cdiscpilot01"])
def test_builtin_study_yaml_to_xlsx_to_yaml_is_identical(study: str, tmp_path: Path, shared_data: Path) -> None:
    xlsx = tmp_path / f"{study}.xlsx"
    assert main(["specs", "export", "--study", study, "--xlsx", str(xlsx)]) == 0
    assert main(["specs", "import", str(xlsx), "--out", str(tmp_path / "specs")]) == 0
    before, after = read_spec_folder(BUILTIN_DIR / study / "specs"), read_spec_folder(tmp_path / "specs")
    assert after.to_dicts() == before.to_dicts()
    assert [dump_dataset(d) for d in after.datasets.values()] == [dump_dataset(d) for d in before.datasets.values()]
    # codelists are keyed by id (dictionaries sit on their own sheet, so file order is not kept)
    assert [dump_yaml(c.to_dict()) for _, c in sorted(after.codelists.items())] == [
        dump_yaml(c.to_dict()) for _, c in sorted(before.codelists.items())]
    assert len(before.datasets) == len(_sheet(xlsx, "Datasets")) >= 7
    # the spec files land where the study loader reads them
    assert sorted(p.name for p in (tmp_path / "specs" / "adam").iterdir()) == sorted(
        p.name for p in (BUILTIN_DIR / study / "specs" / "adam").glob("*.yaml"))


def test_small_spec_set_round_trips_every_sheet(tmp_path: Path) -> None:
    specs = small_specs()
    write_workbook(specs, tmp_path / "s.xlsx")
    back = read_workbook(tmp_path / "s.xlsx")
    assert back.to_dicts() == specs.to_dicts()
    assert back.study == specs.study
    methods = _sheet(tmp_path / "s.xlsx", "Methods")
    assert [m["Description"] for m in methods] == ["Integer years between BRTHDTC and RFSTDTC", "VS.VSSTRESN"]
    assert [m["ID"] for m in methods] == ["MT.ADSL.AGE", "MT.ADVS.AVAL.SYSBP"]
    assert [(r["ID"], r["Dictionary"], r["Version"]) for r in _sheet(tmp_path / "s.xlsx", "Dictionaries")] == [
        ("MEDDRA", "MedDRA", "26.0")]
    vlm = _sheet(tmp_path / "s.xlsx", "ValueLevel")
    assert [r["Where Clause"] for r in vlm] == ["PARAMCD EQ SYSBP", 'PARAMCD IN (PULSE, "HR RATE")']
    variables = {r["Variable"]: r for r in _sheet(tmp_path / "s.xlsx", "Variables") if r["Dataset"] == "ADSL"}
    assert (variables["STUDYID"]["Mandatory"], variables["SEX"]["Mandatory"]) == ("Yes", "No")
    assert variables["TRT01PN"]["Data Type"] == "float" and variables["AGE"]["Data Type"] == "integer"
    assert variables["SEX"]["Pages"] == "3 4 5"


def test_spec_folder_round_trip_with_documents(tmp_path: Path) -> None:
    specs = small_specs()
    write_spec_folder(specs, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adam", "codelists.yaml", "documents.yaml", "sdtm"]
    assert read_spec_folder(tmp_path).to_dicts() == specs.to_dicts()


def test_export_is_deterministic_and_dated_from_source_date_epoch(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    specs = small_specs()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    one = write_workbook(specs, tmp_path / "one.xlsx").read_bytes()
    two = write_workbook(specs, tmp_path / "two.xlsx").read_bytes()
    assert one == two
    core = zipfile.ZipFile(tmp_path / "one.xlsx").read("docProps/core.xml").decode()
    assert core.count("2023-11-14T22:13:20Z") == 2  # created and modified
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    assert write_workbook(specs, tmp_path / "three.xlsx").read_bytes() != one
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    specs = small_specs()
    specs.datasets["ADSL"].variables[3].method = "=AGE+1 (text, not a formula)"
    write_workbook(specs, tmp_path / "f.xlsx")
    assert read_workbook(tmp_path / "f.xlsx").datasets["ADSL"].variables[3].method == "=AGE+1 (text, not a formula)"


@pytest.mark.parametrize("where", [
    {"PARAMCD": "SYSBP"}, {"PARAMCD": ["A", "B"], "AVISIT": "WEEK 2"}, {"X": "a,b"}, {"X": 'say "hi"'},
    {"X": "AND"}, {"X": ["(1)", ""]}, {"X": "it's"},
])
def test_where_clause_text_round_trips(where: dict) -> None:
    assert parse_where(format_where(where)) == where


def test_where_clause_reads_p21_style_quotes() -> None:
    assert parse_where("LBTESTCD EQ 'ALB' AND LBCAT IN ('CHEMISTRY', \"URINALYSIS\")") == {
        "LBTESTCD": "ALB", "LBCAT": ["CHEMISTRY", "URINALYSIS"]}


def test_import_define_xml_writes_every_dataset(shared_data: Path, tmp_path: Path) -> None:
    define = shared_data / "cdiscpilot01" / "adam" / "define.xml"
    assert main(["specs", "import", str(define), "--out", str(tmp_path / "specs")]) == 0
    expected = import_define(define)
    specs = read_spec_folder(tmp_path / "specs")
    assert sorted(specs.datasets) == sorted(expected.datasets) and len(specs.datasets) >= 3
    assert {n: d.to_dict() for n, d in specs.datasets.items()} == {
        n: d.to_dict() for n, d in expected.datasets.items()}
    used = {v.codelist for d in specs.datasets.values() for v in d.variables if v.codelist}
    assert used and used <= set(specs.codelists)


def test_import_refuses_a_non_empty_folder_and_writes_nothing_on_error(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(CdiscflowError, match="not empty"), new_folder(tmp_path / "full"):
        pass
    assert main(["specs", "import", str(shared_data / P21), "--out", str(tmp_path / "full")]) == 2
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]
    assert main(["specs", "import", str(tmp_path / "missing.xlsx"), "--out", str(tmp_path / "new")]) == 2
    assert not (tmp_path / "new").exists() and [p.name for p in tmp_path.iterdir()] == ["full"]


@pytest.mark.parametrize("example", ["defineV21-SDTM.xml", "defineV21-ADaM.xml"])
def test_define_21_examples_import_and_round_trip_through_the_workbook(example: str, shared_data: Path,
                                                                       tmp_path: Path) -> None:
    define = shared_data / "define-xml-2.1" / "examples" / example
    assert main(["specs", "import", str(define), "--out", str(tmp_path / "specs")]) == 0
    specs = read_spec_folder(tmp_path / "specs")
    assert sorted(specs.datasets) == sorted(import_define(define).datasets)
    assert sum(len(d.value_level) for d in specs.datasets.values()) >= 6
    write_workbook(specs, tmp_path / "specs.xlsx")
    assert read_workbook(tmp_path / "specs.xlsx").to_dicts() == specs.to_dicts()
