"""The submission package: layout, checksums, deterministic zip, entries that stay inside the package."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from cdiscflow.errors import CdiscflowError
from cdiscflow.study import Study
from cdiscflow.submission.package import (
    CHECKSUMS,
    Problem,
    build_package,
    check_package,
    safe_arcname,
    write_zip,
)

FILES = {
    "sdtm/dm.xpt": b"DM", "sdtm/ae.xpt": b"AE", "sdtm/ae.json": b"{}", "sdtm/lineage/ae.csv": b"x",
    "adam/adsl.xpt": b"ADSL", "adam/adsl.json": b"{}",
    "define/sdtm/define.xml": b"<ODM/>", "define/sdtm/define.html": b"<html/>",
    "define/adam/define.xml": b"<ODM/>", "define/adam/define.html": b"<html/>",
    "tlf/t-1.rtf": b"{\\rtf1}", "tlf/t-1.pdf": b"%PDF", "tlf/t-1.ard.csv": b"a,b\n",
    "validation/report.html": b"<html/>", "validation/report.json": b"{}",
    "acrf/acrf.pdf": b"%PDF", "guides/csdrg.pdf": b"%PDF", "guides/adrg.pdf": b"%PDF",
    "guides/csdrg.docx": b"PK", "guides/adrg.docx": b"PK",
}
BASE = "m5/datasets/pkg-01"
REPORTS = "m5/53-clin-stud-rep/535-rep-effic-safety-stud/5351-stud-rep-contr/pkg-01"


@pytest.fixture
def study(tmp_path: Path) -> Study:
    root = tmp_path / "pkgstudy"
    for rel, text in {"study.yaml": "name: pkgstudy\nstudyid: PKG-01\n", "specs/sdtm/dm.yaml": "dataset: DM\n",
                      "specs/codelists.yaml": "codelists: []\n", "derivations.py": "X = 1\n",
                      "tlf/catalog.yaml": "outputs: []\n", "tlf/programs.py": "Y = 1\n",
                      "__init__.py": "", "simulator/generate.py": "Z = 1\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "derivations.cpython-311.pyc").write_bytes(b"\0")
    study = Study.load(str(root), out=tmp_path / "out")
    for rel, data in FILES.items():
        (study.out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (study.out_dir / rel).write_bytes(data)
    return study


def package_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_layout(study: Study, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    zip_path = build_package(study, study.out_dir)
    assert zip_path == study.out_dir / "package.zip"
    assert package_files(study.out_dir / "package") == sorted([
        CHECKSUMS,
        f"{BASE}/tabulations/sdtm/ae.xpt", f"{BASE}/tabulations/sdtm/dm.xpt", f"{BASE}/tabulations/sdtm/define.xml",
        f"{BASE}/tabulations/sdtm/acrf.pdf", f"{BASE}/tabulations/sdtm/csdrg.pdf",
        f"{BASE}/analysis/adam/datasets/adsl.xpt", f"{BASE}/analysis/adam/datasets/define.xml",
        f"{BASE}/analysis/adam/datasets/adrg.pdf",
        f"{BASE}/analysis/adam/programs/study.txt", f"{BASE}/analysis/adam/programs/derivations.txt",
        f"{BASE}/analysis/adam/programs/specs/sdtm/dm.txt", f"{BASE}/analysis/adam/programs/specs/codelists.txt",
        f"{BASE}/analysis/adam/programs/tlf/catalog.txt", f"{BASE}/analysis/adam/programs/tlf/programs.txt",
        f"{REPORTS}/tlf/t-1.rtf", f"{REPORTS}/tlf/t-1.pdf", f"{REPORTS}/tlf/t-1.ard.csv",
        f"{REPORTS}/validation/report.html", f"{REPORTS}/validation/report.json",
    ])  # no define.html, no simulator, no __init__.py; programs as .txt; TLFs outside m5/datasets
    assert (study.out_dir / "package" / f"{BASE}/analysis/adam/programs/tlf/programs.txt").read_text() == "Y = 1\n"
    assert check_package(study.out_dir / "package", study.studyid)[1] == []
    assert (study.out_dir / "package" / f"{BASE}/tabulations/sdtm/dm.xpt").read_bytes() == b"DM"


def test_checksums_are_sha256sum_format_and_match(study: Study):
    build_package(study, study.out_dir)
    root = study.out_dir / "package"
    lines = (root / CHECKSUMS).read_text().splitlines()
    paths = [line.split("  ", 1)[1] for line in lines]
    assert paths == sorted(paths) and CHECKSUMS not in paths
    assert paths == [p for p in package_files(root) if p != CHECKSUMS]
    for line in lines:
        digest, rel = line.split("  ", 1)
        assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == digest


def test_zip_is_deterministic_sorted_dated_and_equal_to_the_folder(study: Study, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = build_package(study, study.out_dir).read_bytes()
    (study.out_dir / "sdtm" / "dm.xpt").touch()  # a new mtime changes nothing
    second = build_package(study, study.out_dir).read_bytes()
    assert first == second
    with zipfile.ZipFile(study.out_dir / "package.zip") as zf:
        names = zf.namelist()
        assert names == sorted(names) == package_files(study.out_dir / "package")
        assert {i.date_time for i in zf.infolist()} == {(2026, 1, 1, 0, 0, 0)}
        assert zf.read(f"{BASE}/analysis/adam/datasets/adsl.xpt") == b"ADSL"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_package(study, study.out_dir).read_bytes() != first


def test_a_rebuilt_package_drops_files_that_are_gone(study: Study):
    build_package(study, study.out_dir)
    (study.out_dir / "sdtm" / "ae.xpt").unlink()
    build_package(study, study.out_dir)
    assert f"{BASE}/tabulations/sdtm/ae.xpt" not in package_files(study.out_dir / "package")
    assert not [p for p in study.out_dir.iterdir() if p.name.startswith(".package")]


@pytest.mark.parametrize("name", ["/etc/passwd", "../evil", "a/../../b", "a\\b", "", "./a", "a//b"])
def test_entries_that_would_leave_the_package_are_refused(name: str):
    with pytest.raises(CdiscflowError, match="would leave the package"):
        safe_arcname(name)


def test_write_zip_refuses_a_bad_name(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a\\b.txt").write_text("x")  # a legal POSIX file name that is a path on Windows
    with pytest.raises(CdiscflowError):
        write_zip(tmp_path / "pkg", tmp_path / "p.zip")
    assert not (tmp_path / "p.zip").exists()
    assert safe_arcname("m5/datasets/x/a.xpt") == "m5/datasets/x/a.xpt"


def test_the_check_flags_what_is_out_of_place(study: Study):
    build_package(study, study.out_dir)
    root = study.out_dir / "package"
    long = "x" * 61 + ".xpt"
    for rel in ("stray.txt", f"{BASE}/tabulations/sdtm/notes.docx", f"{BASE}/tabulations/sdtm/LB.xpt",
                f"{BASE}/tabulations/sdtm/{long}", f"{BASE}/analysis/adam/programs/adsl.py"):
        (root / rel).write_bytes(b"x")
    (root / f"{BASE}/analysis/adam/datasets/adrg.pdf").unlink()
    files, problems = check_package(root, study.studyid)
    assert "stray.txt" in files and CHECKSUMS in files
    assert problems == sorted([
        Problem("stray.txt", "outside the eCTD folders of the package"),
        Problem(f"{BASE}/analysis/adam/programs/adsl.py", "file type .py not expected in analysis/adam/programs/"),
        Problem(f"{BASE}/tabulations/sdtm/LB.xpt", "file name is not lower case"),
        Problem(f"{BASE}/tabulations/sdtm/notes.docx", "file type .docx not expected in tabulations/sdtm/"),
        Problem(f"{BASE}/tabulations/sdtm/{long}", "file name longer than 64 characters (65)"),
        Problem(f"{BASE}/analysis/adam/datasets/adrg.pdf", "missing"),
    ], key=lambda p: (p.problem == "missing", p.path))


def test_the_check_flags_a_dataset_over_5_gb(study: Study, monkeypatch: pytest.MonkeyPatch):
    from cdiscflow.submission import package

    build_package(study, study.out_dir)
    monkeypatch.setattr(package, "MAX_DATASET_BYTES", 2)
    problems = check_package(study.out_dir / "package", study.studyid)[1]
    assert problems == [Problem(f"{BASE}/analysis/adam/datasets/adsl.xpt", "dataset larger than 5 GB (split it)")]


DEFINE = """<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1"
 xmlns:xlink="http://www.w3.org/1999/xlink"><Study><MetaDataVersion>
 <def:leaf ID="LF.acrf" xlink:href="acrf.pdf"/><def:leaf ID="LF.AE" xlink:href="ae.xpt"/>
 <def:leaf ID="LF.gone" xlink:href="gone.pdf"/><def:leaf ID="LF.out" xlink:href="../../../../../checksums.sha256"/>
 <def:leaf ID="LF.up" xlink:href="../../../../../../outside.txt"/>
</MetaDataVersion></Study></ODM>"""


def test_the_check_resolves_every_define_leaf(study: Study):
    (study.out_dir / "define" / "sdtm" / "define.xml").write_text(DEFINE)
    (study.out_dir / "outside.txt").write_text("x")
    build_package(study, study.out_dir)
    problems = [p.problem for p in check_package(study.out_dir / "package", study.studyid)[1]]
    assert problems == [f"def:leaf LF.{i} href {h!r} does not resolve to a file of the package"
                        for i, h in (("gone", "gone.pdf"), ("up", "../../../../../../outside.txt"))]
