"""Two runs from the same inputs give byte-identical outputs (manifest compared without its command line)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cdiscflow.runner.state import comparable

NOT_OUTPUTS = {".state.json", ".hashes.json"}  # per-step timings, file stats; logs hold timings too


def tree(root: Path) -> dict[str, bytes]:
    """Every output file of a run (relative path → bytes); manifest.json without ``command``."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or rel in NOT_OUTPUTS or rel.startswith("logs/"):
            continue
        data = path.read_bytes()
        if rel == "manifest.json":
            data = json.dumps(comparable(json.loads(data)), sort_keys=True, indent=0).encode()
        files[rel] = data
    return files


def test_two_runs_are_byte_identical(study_dir, tmp_path, run_cli):
    assert run_cli(str(study_dir), "--out", str(tmp_path / "a"), "--reproducible")[0] == 0
    assert run_cli(str(study_dir), "--out", str(tmp_path / "b"), "--reproducible")[0] == 0
    a, b = tree(tmp_path / "a" / "teststudy"), tree(tmp_path / "b" / "teststudy")
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    assert "package.zip" in a and "manifest.json" in a and "index.html" in a


def test_source_date_epoch_is_pinned_and_changes_the_outputs(study_dir, tmp_path, run_cli, monkeypatch):
    run_cli(str(study_dir), "--out", str(tmp_path / "a"), "--reproducible")
    manifest = json.loads((tmp_path / "a/teststudy/manifest.json").read_text())
    assert manifest["source_date_epoch"] == 1767225600  # the documented default
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _, text = run_cli(str(study_dir), "--out", str(tmp_path / "a"))
    assert "Nothing to do" not in text  # a new run stamp is a change: every output carries it
    assert "epoch=1700000000" in (tmp_path / "a/teststudy/adam/adsl.xpt").read_text()


def test_a_plain_run_is_dated_today_and_stays_up_to_date(study_dir, tmp_path, run_cli):
    from datetime import UTC, datetime

    before = int(datetime.now(tz=UTC).timestamp())
    assert run_cli(str(study_dir), "--out", str(tmp_path / "a"))[0] == 0
    manifest = json.loads((tmp_path / "a/teststudy/manifest.json").read_text())
    assert before <= manifest["source_date_epoch"] <= int(datetime.now(tz=UTC).timestamp())
    assert f"epoch={manifest['source_date_epoch']}" in (tmp_path / "a/teststudy/adam/adsl.xpt").read_text()
    _, text = run_cli(str(study_dir), "--out", str(tmp_path / "a"))
    assert "Nothing to do" in text  # the clock is not an input: a second plain run has nothing to redo


#: LibreOffice's PDF writer emits font objects in an order that varies between processes (seen with the same
#: RTF, fonts and environment; ``pin_pdf`` already pins dates, /ID and /DocChecksum). PDFs — and the files that
#: record their bytes — are therefore compared by their text instead of byte for byte.
PDF_DERIVED = ("tlf/*.pdf", "package/m5/*/tlf/*.pdf", "thumbs/*", "package/checksums.sha256", "package.zip",
               "manifest.json", "index.html")


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.slow
def test_builtin_study_two_full_runs_are_byte_identical(tmp_path, monkeypatch):
    """The real pipeline on the built-in study, run twice with -j 2, runs through and gives byte-identical
    outputs: raw data, datasets, reports, define, TLFs; PDFs have identical text (see PDF_DERIVED)."""
    from fnmatch import fnmatch

    from cdiscflow import cli
    from cdiscflow.study import Study

    study = Study.load(None)
    monkeypatch.setenv("CI", "true")
    codes = [cli.main(["run", "--out", str(tmp_path / name), "-j", "2", "--reproducible"]) for name in ("a", "b")]
    broken = {}
    for name in ("a", "b"):
        steps = json.loads((tmp_path / name / study.name / ".state.json").read_text())["steps"]
        broken |= {k: v.get("error", "")[:200] for k, v in steps.items() if v["status"] != "ok"}
    assert codes == [0, 0], broken
    root_a, root_b = tmp_path / "a" / study.name, tmp_path / "b" / study.name
    a, b = tree(root_a), tree(root_b)
    named = [sorted(k for k in x if not k.startswith("thumbs/")) for x in (a, b)]  # thumbnails: named by PDF hash
    assert named[0] == named[1]
    differ = [k for k in named[0] if a[k] != b[k]]
    assert [k for k in differ if not any(fnmatch(k, pat) for pat in PDF_DERIVED)] == []
    for key in (k for k in differ if k.endswith(".pdf")):
        assert _pdf_text(root_a / key) == _pdf_text(root_b / key), key
    assert any(k.startswith("raw/") for k in a) and "package.zip" in a
    assert any(k.startswith("sdtm/") and k.endswith(".xpt") for k in a)
    assert any(k.startswith("tlf/") and k.endswith(".rtf") for k in a)
