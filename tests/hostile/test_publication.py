"""File-system faults, concurrent commands and signals: every stage command publishes all or nothing, under
the run lock; OS errors are one line naming the path (exit 2); LibreOffice never outlives the run."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hostile_data import STUDY, assert_one_line_error, cli

from cdiscflow.io.publish import run_lock

REPO = Path(__file__).resolve().parents[2]


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def no_staging(out: Path) -> None:
    study = out / STUDY
    assert not [p.name for p in study.iterdir() if p.name.startswith((".staging", ".sdtm", ".adam"))]


def python(code: str, *, limit: int | None = None, **kw) -> subprocess.Popen:
    """A Python subprocess running ``code`` against this tree (optionally under RLIMIT_FSIZE)."""
    pre = f"import resource; resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n" if limit else ""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", pre + textwrap.dedent(code)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


STAGES = [
    ("sdtm",), ("sdtm", "--domains", "AE"), ("adam",), ("adam", "--datasets", "ADSL"), ("tlf", "--only", "t-1"),
    ("validate", "--no-suites"), ("define",), ("define", "--standard", "adam"), ("package",),
]


@pytest.mark.parametrize("argv", STAGES, ids=lambda a: "-".join(a))
def test_stage_command_refused_while_a_run_holds_the_lock(out_copy, argv):
    before = digest(out_copy / STUDY)
    with run_lock(out_copy / STUDY):
        code, _, err = cli(*argv, "--out", str(out_copy))
    assert_one_line_error(code, err, str(out_copy / STUDY), "another cdiscflow run")
    assert digest(out_copy / STUDY) == before


@pytest.mark.parametrize("argv, stage", [(("sdtm",), "sdtm"), (("sdtm", "--domains", "LB"), "sdtm"),
                                         (("adam",), "adam"), (("adam", "--datasets", "ADSL"), "adam"),
                                         (("tlf", "--only", "t-1", "--formats", "rtf", "docx"), "tlf")],
                         ids=lambda a: "-".join(a) if isinstance(a, tuple) else a)
def test_file_size_limit_is_one_line_and_publishes_nothing(out_copy, argv, stage):
    """EFBIG (RLIMIT_FSIZE in a subprocess): one line naming the file, exit 2, the published folder untouched
    (for tlf: no ARD without its RTF/DOCX), no staging left."""
    before = digest(out_copy / STUDY / stage) if (out_copy / STUDY / stage).is_dir() else {}
    proc = python(f"""
        import sys
        from cdiscflow.cli import main
        sys.exit(main({[*argv, "--out", str(out_copy)]!r}))""", limit=20_000)
    _, err = proc.communicate(timeout=600)
    line = assert_one_line_error(proc.returncode, err, "File too large")
    assert str(out_copy / STUDY) in line
    after = digest(out_copy / STUDY / stage) if (out_copy / STUDY / stage).is_dir() else {}
    assert after == before
    no_staging(out_copy)


@pytest.mark.parametrize("errno_name", ["EACCES", "ENOSPC", "EROFS"])
def test_os_error_mid_publication_keeps_the_previous_sdtm(out_copy, monkeypatch, errno_name):
    """An OS error while writing the 3rd dataset of a ``--domains`` run: previous sdtm/ intact, one line."""
    import errno

    from cdiscflow.mapping import study as mapping_study

    before = digest(out_copy / STUDY / "sdtm")
    real, calls = mapping_study.write_datasets, []

    def failing(df, folder, spec, **kw):
        calls.append(spec.name)
        if len(calls) == 3:
            code = getattr(errno, errno_name)
            raise OSError(code, os.strerror(code), str(Path(folder) / f"{spec.name.lower()}.xpt"))
        return real(df, folder, spec, **kw)

    monkeypatch.setattr(mapping_study, "write_datasets", failing)
    code, _, err = cli("sdtm", "--domains", "AE", "LB", "--out", str(out_copy))
    assert_one_line_error(code, err, os.strerror(getattr(errno, errno_name)), errno_name, ".xpt")
    assert digest(out_copy / STUDY / "sdtm") == before
    no_staging(out_copy)


def test_domains_run_replaces_only_its_files(out_copy):
    sdtm = out_copy / STUDY / "sdtm"
    before = digest(sdtm)
    (sdtm / "stale.txt").write_text("kept: not ours to delete in a partial run\n")
    code, _, err = cli("sdtm", "--domains", "VS", "--out", str(out_copy))
    assert code == 0, err
    after = digest(sdtm)
    assert set(after) == set(before) | {"stale.txt"}
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= {"vs.json", "vs.xpt", "lineage/vs.csv", "reconciliation.csv", "rejections.csv",
                       "dm.json", "dm.xpt", "lineage/dm.csv", *(f for f in before if f.startswith(("t", "s")))}
    no_staging(out_copy)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o755), (0o027, 0o750), (0o002, 0o775)])
def test_published_folders_follow_the_umask(out_copy, mask, mode):
    proc = python(f"""
        import os, sys
        os.umask({mask})
        from cdiscflow.cli import main
        sys.exit(main(["sdtm", "--out", {str(out_copy)!r}]))""")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    for folder in (out_copy / STUDY / "sdtm", out_copy / STUDY / "sdtm" / "lineage"):
        assert folder.stat().st_mode & 0o777 == mode, oct(folder.stat().st_mode)


def test_sigterm_during_sdtm_leaves_the_previous_output(out_copy):
    before = digest(out_copy / STUDY / "sdtm")
    proc = python(f"""
        import sys
        from cdiscflow.cli import main
        sys.exit(main(["sdtm", "--out", {str(out_copy)!r}]))""")
    study = out_copy / STUDY
    deadline = time.time() + 120
    while time.time() < deadline and not any(p.name.startswith(".staging") for p in study.iterdir()):
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert digest(study / "sdtm") == before
    no_staging(out_copy)


def soffice_processes(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker.encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def test_sigterm_kills_every_libreoffice_and_removes_their_profiles(tmp_path):
    """Two batches, two soffice process groups: SIGTERM kills both and removes both profiles."""
    from cdiscflow.tlf.render.pdf import soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice is not installed")
    rtfs = [tmp_path / f"{name}.rtf" for name in ("t", "u")]
    for rtf in rtfs:
        rtf.write_text("{\\rtf1\\ansi " + "\\par ".join(f"line {i}" for i in range(20000)) + "}")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp)}
    code = textwrap.dedent(f"""
        import signal
        from pathlib import Path
        from cdiscflow import cli
        from cdiscflow.tlf.render.pdf import convert_to_pdf
        signal.signal(signal.SIGTERM, cli._terminate)
        convert_to_pdf([Path(p) for p in {[str(r) for r in rtfs]!r}], Path({str(tmp_path)!r}), workers=2)""")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    batches: list[str] = []
    while time.time() < deadline and not (batches and all(soffice_processes(b) for b in batches)):
        batches = [str(folder / n) + "/" for folder in tmp.glob("cdiscflow-soffice-*") for n in ("0", "1")]
        time.sleep(0.05)
    assert batches and all(soffice_processes(b) for b in batches), "two soffice did not start"
    profiles = list(tmp.glob("cdiscflow-soffice-*"))
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    time.sleep(0.5)
    assert soffice_processes(str(tmp)) == []
    assert not any(p.exists() for p in profiles)
