"""PDF through LibreOffice: ``soffice --headless --convert-to pdf`` on the RTF (or DOCX) files.

Each run uses a private profile (``-env:UserInstallation``) so parallel runs do not clash, converts many
files in one soffice start, and has a timeout. soffice runs in its own process group, killed as a whole when
it ends, times out or the run is terminated, so no LibreOffice outlives the run and its profile is removed.
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
from collections.abc import Sequence
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


def run_group(cmd: list[str], env: dict[str, str], timeout: float, count: int) -> subprocess.CompletedProcess:
    """Run soffice in its own process group (session) and kill the whole group when it is done, times out or
    the run is interrupted (SIGTERM arrives as ``SystemExit``): the launcher's ``soffice.bin`` child never
    outlives the run, so its profile folder can be removed."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TlfError(f"LibreOffice did not finish converting {count} file(s) in {timeout:.0f} s") from None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def convert_to_pdf(sources: Sequence[Path], out_dir: Path, timeout: float = 600.0) -> dict[Path, Path]:
    """Convert ``sources`` to PDF in ``out_dir`` (same stem); returns source → pdf for those converted.

    Raises :class:`TlfError` if soffice is missing, times out or fails to write a PDF.
    """
    exe = soffice_path()
    if exe is None:
        raise TlfError("LibreOffice (soffice) is not installed", expected="soffice on PATH to write PDF")
    if not sources:
        return {}
    with tempfile.TemporaryDirectory(prefix="cdiscflow-soffice-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        target = Path(tmp, "pdf")
        target.mkdir()
        cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
               "--convert-to", "pdf", "--outdir", str(target), *[str(s) for s in sources]]
        env = {**os.environ, "HOME": tmp}
        proc = run_group(cmd, env, timeout, len(sources))
        done: dict[Path, Path] = {}
        for src in sources:
            made = target / (src.stem + ".pdf")
            if not made.is_file():
                raise TlfError(f"LibreOffice wrote no PDF for {src.name}", file=str(src),
                               expected=f"a PDF (soffice said: {(proc.stderr or proc.stdout).strip()[:300]})")
            done[src] = write_bytes(out_dir / made.name, pin_pdf(made.read_bytes()))
        return done
