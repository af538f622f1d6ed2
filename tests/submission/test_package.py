"""The submission package: layout, checksums, deterministic zip, entries that stay inside the package."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from cdiscflow.errors import CdiscflowError
from cdiscflow.study import Study
from cdiscflow.submission.package import CHECKSUMS, build_package, safe_arcname, write_zip

FILES = {
    "sdtm/dm.xpt": b"DM", "sdtm/ae.xpt": b"AE", "sdtm/ae.json": b"{}", "sdtm/lineage/ae.csv": b"x",
    "adam/adsl.xpt": b"ADSL", "adam/adsl.json": b"{}",
    "define/sdtm/define.xml": b"<ODM/>", "define/sdtm/define.html": b"<html/>",
    "define/adam/define.xml": b"<ODM/>", "define/adam/define.html": b"<html/>",
    "tlf/t-1.rtf": b"{\\rtf1}", "tlf/t-1.pdf": b"%PDF", "tlf/t-1.ard.csv": b"a,b\n",
    "validation/report.html": b"<html/>", "validation/report.json": b"{}",
}
BASE = "m5/datasets/pkg-01"


@pytest.fixture
def study(tmp_path: Path) -> Study:
    root = tmp_path / "pkgstudy"
    for rel, text in {"study.yaml": "name: pkgstudy\nstudyid: PKG-01\n", "specs/sdtm/dm.yaml": "dataset: DM\n",
                      "specs/codelists.yaml": "codelists: []\n", "derivations.py": "X = 1\n",
                      "tlf/catalog.yaml": "outputs: []\n", "tlf/programs.py": "Y = 1\n"}.items():
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
        f"{BASE}/tabulations/sdtm/ae.xpt", f"{BASE}/tabulations/sdtm/dm.xpt",
        f"{BASE}/tabulations/sdtm/define.xml", f"{BASE}/tabulations/sdtm/define.html",
        f"{BASE}/analysis/adam/datasets/adsl.xpt",
        f"{BASE}/analysis/adam/datasets/define.xml", f"{BASE}/analysis/adam/datasets/define.html",
        f"{BASE}/analysis/adam/programs/study.yaml", f"{BASE}/analysis/adam/programs/derivations.py",
        f"{BASE}/analysis/adam/programs/specs/sdtm/dm.yaml", f"{BASE}/analysis/adam/programs/specs/codelists.yaml",
        f"{BASE}/analysis/adam/programs/tlf/catalog.yaml", f"{BASE}/analysis/adam/programs/tlf/programs.py",
        f"{BASE}/analysis/adam/tlf/t-1.rtf", f"{BASE}/analysis/adam/tlf/t-1.pdf",
        f"{BASE}/analysis/adam/tlf/t-1.ard.csv",
        f"{BASE}/validation/report.html", f"{BASE}/validation/report.json",
    ])
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
