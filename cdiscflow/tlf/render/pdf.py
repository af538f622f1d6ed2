"""PDF through LibreOffice: ``soffice --headless --convert-to pdf`` on the RTF (or DOCX) files.

The files are split into one batch per CPU (balanced by size), each converted in one soffice start with a
private profile (``-env:UserInstallation``), all batches at once, under one timeout. Each soffice runs in its
own process group, killed as a whole when it ends, times out or the run is terminated, so no LibreOffice
outlives the run and the profiles are removed.
Without soffice the caller gets ``None`` and a reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from cdiscflow.errors import TlfError
from cdiscflow.io.atomic import write_bytes
from cdiscflow.provenance import run_datetime

_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\s*\(D:)(\d{14})")
_PDF_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_PDF_CHECKSUM = re.compile(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)")


def pin_pdf(data: bytes) -> bytes:
    """Make a LibreOffice PDF reproducible: dates from ``SOURCE_DATE_EPOCH``; /ID and /DocChecksum (which
    LibreOffice derives from the wall clock) replaced by a digest of the rest of the content.

    Replacements keep every byte offset (same lengths), so the cross-reference table stays valid.
    """
    stamp = run_datetime().strftime("%Y%m%d%H%M%S").encode()
    data = _PDF_DATE.sub(lambda m: m.group(1) + stamp, data)
    data = _PDF_CHECKSUM.sub(lambda m: m.group(1) + b"0" * len(m.group(2)), data)
    blanked = _PDF_ID.sub(lambda m: b"/ID [<" + b"0" * len(m.group(1)) + b"><" + b"0" * len(m.group(2)) + b">",
                          data)
    digest = hashlib.md5(blanked, usedforsecurity=False).hexdigest().upper().encode()

    def _id(m: re.Match[bytes]) -> bytes:
        first, second = (digest * 4)[: len(m.group(1))], (digest * 4)[: len(m.group(2))]
        return m.group(0).replace(m.group(1), first, 1).replace(m.group(2), second, 1)

    data = _PDF_CHECKSUM.sub(lambda m: m.group(1) + (digest * 4)[: len(m.group(2))], data)
    return _PDF_ID.sub(_id, data)


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def run_groups(jobs: Sequence[tuple[list[str], dict[str, str], Path]], timeout: float,
               count: int) -> list[subprocess.CompletedProcess]:
    """Run the soffice commands ``(cmd, env, log)`` at once, each in its own process group (session) with its
    output in ``log``, and kill every group when all are done, one times out or the run is interrupted
    (SIGTERM arrives as ``SystemExit``): no launcher's ``soffice.bin`` child outlives the run, so the profile
    folders can be removed. ``timeout`` is for the whole set."""
    deadline = time.monotonic() + timeout
    procs: list[subprocess.Popen] = []
    with ExitStack() as files:
        try:
            for cmd, env, log in jobs:
                sink = files.enter_context(log.open("w", encoding="utf-8", errors="replace"))
                procs.append(subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, env=env,
                                              start_new_session=True))
            for proc in procs:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise TlfError(f"LibreOffice did not finish converting {count} file(s) in {timeout:.0f} s") from None
        finally:
            for proc in procs:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait()
    return [subprocess.CompletedProcess(cmd, proc.returncode, log.read_text(encoding="utf-8", errors="replace"))
            for (cmd, _, log), proc in zip(jobs, procs, strict=True)]


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def batches(sources: Sequence[Path], workers: int) -> list[list[Path]]:
    """``sources`` split into up to ``workers`` batches of about equal size in bytes (largest file first onto the
    lightest batch, so the long listings spread out); batches and files in them keep the sources' order."""
    count = max(1, min(workers, len(sources)))
    sizes = [src.stat().st_size if src.is_file() else 0 for src in sources]
    loads: list[int] = [0] * count
    members: list[list[int]] = [[] for _ in range(count)]
    for i in sorted(range(len(sources)), key=lambda i: -sizes[i]):
        lightest = loads.index(min(loads))
        loads[lightest] += sizes[i]
        members[lightest].append(i)
    return [[sources[i] for i in batch] for batch in sorted(sorted(b) for b in members if b)]


def convert_to_pdf(sources: Sequence[Path], out_dir: Path, timeout: float = 600.0,
                   workers: int | None = None) -> dict[Path, Path]:
    """Convert ``sources`` to PDF in ``out_dir`` (same stem); returns source → pdf for those converted.

    The sources are split into up to ``workers`` batches (default: one per CPU), each converted by its own
    soffice process with its own profile, all at once; ``timeout`` is for the whole conversion.
    Raises :class:`TlfError` if soffice is missing, times out or fails to write a PDF.
    """
    exe = soffice_path()
    if exe is None:
        raise TlfError("LibreOffice (soffice) is not installed", expected="soffice on PATH to write PDF")
    if not sources:
        return {}
    with tempfile.TemporaryDirectory(prefix="cdiscflow-soffice-") as tmp:
        jobs, targets = [], {}
        for n, batch in enumerate(batches(sources, workers or default_workers())):
            home = Path(tmp, str(n))
            target = home / "pdf"
            target.mkdir(parents=True)
            cmd = [exe, f"-env:UserInstallation={(home / 'profile').as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "pdf", "--outdir", str(target), *[str(s) for s in batch]]
            jobs.append((cmd, {**os.environ, "HOME": str(home)}, home / "soffice.log"))
            targets.update(dict.fromkeys(batch, (target, n)))
        procs = run_groups(jobs, timeout, len(sources))
        done: dict[Path, Path] = {}
        for src in sources:
            target, n = targets[src]
            made = target / (src.stem + ".pdf")
            if not made.is_file():
                raise TlfError(f"LibreOffice wrote no PDF for {src.name}", file=str(src),
                               expected=f"a PDF (soffice said: {_said(procs[n].stdout, src)})")
            done[src] = write_bytes(out_dir / made.name, pin_pdf(made.read_bytes()))
        return done


def _said(output: str, src: Path) -> str:
    """What soffice said about ``src`` or its errors (its lines for a whole batch), else its last lines."""
    lines = [ln for ln in output.splitlines() if src.name in ln or ln.startswith("Error")]
    return "; ".join(lines or output.strip().splitlines()[-3:])[:300]
