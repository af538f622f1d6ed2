"""Shared helpers for the hostile-input suite: run the CLI in-process and check that it failed cleanly."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hostile_data import STUDY

from cdiscflow.cli import main


def run_cli(args: Sequence[str], entry: Callable[[list[str]], int] = main) -> tuple[int, str, str]:
    """``cdiscflow ARGS`` (or another command-line ``entry``) in this process: (exit code, stdout, stderr). An
    exception escaping it is written to stderr as the traceback Python would print (exit code 1), so tests can
    assert its absence."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = entry([str(a) for a in args])
        except SystemExit as exc:  # argparse
            rc = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - recorded as the traceback the user would see
            traceback.print_exc(file=err)
            rc = 1
    return int(rc), out.getvalue(), err.getvalue()


def run_cli_bounded(args: Sequence[str], seconds: float = 60) -> tuple[int, str, str]:
    """``python -m cdiscflow ARGS`` in a child process killed after ``seconds`` (the test then fails): for
    inputs that used to hang or exhaust memory."""
    try:
        done = subprocess.run([sys.executable, "-m", "cdiscflow", *map(str, args)], capture_output=True, text=True,
                              timeout=seconds, check=False)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"cdiscflow {' '.join(map(str, args))} ran longer than {seconds} s") from None
    return done.returncode, done.stdout, done.stderr


def assert_clean_error(result: tuple[int, str, str], *names: str, code: int = 2) -> str:
    """The run failed with exit ``code``, printed no traceback, and its one-line error names every text in
    ``names`` (file, row, variable, spec field ...). Returns the error line."""
    rc, _out, err = result
    assert "Traceback" not in err, err
    assert rc == code, (rc, err)
    lines = [line for line in err.strip().splitlines() if "error:" in line]
    assert len(lines) == 1, err
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def files_under(folder: Path) -> list[str]:
    """Every output file below ``folder`` (relative POSIX paths, sorted); [] if it does not exist. The run
    lock (``<study>/.lock``, taken by every stage command) is not an output."""
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if (p.is_file() or p.is_symlink()) and p.name != ".lock")


# ---- hard-data: the simulated built-in study, faulty copies of its raw extracts, the CLI in process ----------


@pytest.fixture(scope="session")
def sim_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``cdiscflow simulate`` once per session; the raw folder (read-only for tests: copy before faulting)."""
    out = tmp_path_factory.mktemp("hostile_sim")
    assert main(["simulate", "--out", str(out)]) == 0
    return out / STUDY / "raw"


@pytest.fixture
def faulty_raw(sim_raw: Path, tmp_path: Path) -> Callable[..., Path]:
    """``faulty_raw(name, edit)``: a copy of the raw folder where ``name`` (an extract file name) holds
    ``edit(original bytes)``; ``edit`` returning ``None`` deletes the file. More ``(name, edit)`` pairs may
    follow. Returns the faulty raw folder."""

    def make(*pairs: object) -> Path:
        raw = tmp_path / "raw"
        if not raw.exists():
            shutil.copytree(sim_raw, raw)
        for name, edit in zip(pairs[::2], pairs[1::2], strict=True):
            path = raw / str(name)
            data = edit(path.read_bytes() if path.is_file() else b"")
            if data is None:
                path.unlink()
            else:
                path.write_bytes(data)
        return raw

    return make


@pytest.fixture(scope="session")
def sim_out(tmp_path_factory: pytest.TempPathFactory, sim_raw: Path) -> Path:
    """``cdiscflow sdtm`` and ``adam`` once per session on the simulated raw folder; returns ``--out`` (read-only
    for tests: :func:`out_copy` before changing anything)."""
    out = tmp_path_factory.mktemp("hostile_out")
    shutil.copytree(sim_raw, out / STUDY / "raw")
    assert main(["sdtm", "--raw", str(sim_raw), "--out", str(out)]) == 0
    assert main(["adam", "--out", str(out)]) == 0
    return out


@pytest.fixture
def out_copy(sim_out: Path, tmp_path: Path) -> Path:
    """A private copy of the session's ``--out`` folder (raw, sdtm, adam)."""
    dest = tmp_path / "out"
    shutil.copytree(sim_out, dest)
    return dest
