"""Hard-data helpers of the hostile-input suite: the CLI in process, one-line error checks, byte-level faults
planted in raw CSV extracts."""

from __future__ import annotations

import contextlib
import io
import signal
from collections.abc import Callable
from pathlib import Path

from cdiscflow.cli import main

STUDY = "msc_ntf_als"


def cli(*args: str) -> tuple[int, str, str]:
    """``cdiscflow ARGS`` in this process: (exit code, stdout, stderr). An exception escaping ``main`` (which
    the CLI would print as a traceback) fails the test."""
    out, err = io.StringIO(), io.StringIO()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        signal.signal(signal.SIGTERM, previous)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, err: str, *needles: str) -> str:
    """Exit 2, one ``cdiscflow CMD: error: ...`` line naming every needle, no traceback; returns the line."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ": error: " in ln]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def assert_nothing_published(out: Path, *stages: str) -> None:
    """No stage folder was published and no staging folder is left behind."""
    study = out / STUDY
    for stage in stages:
        assert not (study / stage).exists(), f"{stage}/ was published"
    leftovers = [p.name for p in study.iterdir() if p.name.startswith(".staging") or p.name.startswith(".sdtm")] \
        if study.is_dir() else []
    assert not leftovers, leftovers


def replace_once(old: bytes, new: bytes, nth: int = 1) -> Callable[[bytes], bytes]:
    """An edit replacing the ``nth`` occurrence of ``old`` by ``new`` (the fault must land)."""

    def edit(data: bytes) -> bytes:
        pos = -1
        for _ in range(nth):
            pos = data.find(old, pos + 1)
            assert pos >= 0, f"{old!r} occurs fewer than {nth} times"
        return data[:pos] + new + data[pos + len(old):]

    return edit


def line_of(data: bytes, row: int) -> tuple[int, int]:
    """Byte span of data row ``row`` (1-based, after the header) in a CSV without quoted line breaks."""
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == 0x0A]
    return starts[row], starts[row + 1] - 1


def edit_row(row: int, fn: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """An edit applying ``fn`` to the text of data row ``row``."""

    def edit(data: bytes) -> bytes:
        a, b = line_of(data, row)
        return data[:a] + fn(data[a:b]) + data[b:]

    return edit


def set_cell(row: int, column: str, value: bytes) -> Callable[[bytes], bytes]:
    """An edit setting one cell (data row ``row``, header name ``column``) of a CSV without quoted commas."""

    def edit(data: bytes) -> bytes:
        header = data[:data.index(b"\n")].rstrip(b"\r").split(b",")
        col = header.index(column.encode())
        return edit_row(row, lambda line: b",".join(
            value if i == col else cell for i, cell in enumerate(line.split(b","))))(data)

    return edit
