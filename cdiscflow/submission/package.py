"""The submission package: an eCTD module 5 style folder, a sha256 checksum file and a deterministic zip.

Layout (``<study>`` is the study's STUDYID in lower case)::

    package/
      checksums.sha256                                   sha256sum format, every file below, sorted
      m5/datasets/<study>/tabulations/sdtm/              SDTM *.xpt + define.xml + define.html (+ stylesheet)
      m5/datasets/<study>/analysis/adam/datasets/        ADaM *.xpt + define.xml + define.html (+ stylesheet)
      m5/datasets/<study>/analysis/adam/programs/        study.yaml, specs/**, tlf/*.yaml and the study's *.py
      m5/datasets/<study>/analysis/adam/tlf/             every TLF file (RTF, DOCX, PDF, HTML, figures, ARD)
      m5/datasets/<study>/validation/                    the validation report (HTML, JSON)
    package.zip                                          the same tree (entries relative to package/)

The TLFs sit beside the ADaM programs that made them (eCTD has no TLF folder; in a CSR they would go to
module 5.3). The zip is byte-for-byte reproducible: sorted entries, fixed permissions, and every entry dated
``SOURCE_DATE_EPOCH`` (clamped to 1980, the earliest date a zip can hold). Entry names are checked to stay
inside the package (no absolute paths, no ``..``, no backslashes).
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from cdiscflow.errors import CdiscflowError, SpecError
from cdiscflow.io.atomic import atomic_path, write_text
from cdiscflow.paths import safe_component, safe_relpath
from cdiscflow.provenance import run_datetime, sha256_file
from cdiscflow.study import Study

log = logging.getLogger(__name__)
CHECKSUMS = "checksums.sha256"
ZIP_EPOCH_MIN = datetime(1980, 1, 1, tzinfo=UTC)


def _files(folder: Path, patterns: Iterable[str]) -> list[Path]:
    """Regular files under ``folder`` matching ``patterns``. Nothing is reached through a symbolic link (a
    link, or a file below a linked folder, is an error: its target may lie anywhere) and a special file
    (FIFO, socket, device) is an error; folders, ``__pycache__`` and dot-files are skipped."""
    if folder.is_symlink():
        raise CdiscflowError("is a symbolic link; the package takes only regular files", file=str(folder),
                             expected="a real folder")
    if not folder.is_dir():
        return []
    found = {p for pattern in patterns for p in folder.glob(pattern)}
    out = []
    for p in sorted(found):
        rel = p.relative_to(folder)
        if "__pycache__" in rel.parts or any(part.startswith(".") for part in rel.parts):
            continue
        mode = _regular_mode(folder, rel)
        if stat.S_ISREG(mode):
            out.append(p)
        elif not stat.S_ISDIR(mode):
            raise CdiscflowError("is not a regular file (FIFO, socket or device); the package takes only regular "
                                 "files", file=str(p), expected="a regular file the run produced or the study holds")
    return out


def _regular_mode(folder: Path, rel: Path) -> int:
    """``lstat`` mode of ``folder / rel``, refusing a symbolic link at any level below ``folder``."""
    path = folder
    for part in rel.parts:
        path = path / part
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            raise CdiscflowError(f"is a symbolic link (to {os.readlink(path)!r}); the package never follows "
                                 "links", file=str(path), expected="a regular file inside the folder")
    return mode


def package_plan(study: Study, out_dir: Path) -> dict[str, Path]:
    """Package path (relative to ``package/``) → source file, for everything the package holds."""
    base = PurePosixPath("m5", "datasets", safe_component(study.studyid.lower(), source=str(study.root / "study.yaml"),
                                                          field="studyid"))
    adam_root = base / "analysis" / "adam"
    sections: list[tuple[PurePosixPath, Path, tuple[str, ...]]] = [
        (base / "tabulations" / "sdtm", out_dir / "sdtm", ("*.xpt",)),
        (base / "tabulations" / "sdtm", out_dir / "define" / "sdtm", ("*",)),
        (adam_root / "datasets", out_dir / "adam", ("*.xpt",)),
        (adam_root / "datasets", out_dir / "define" / "adam", ("*",)),
        (adam_root / "programs", study.root, ("study.yaml", "specs/**/*", "tlf/*.yaml", "**/*.py")),
        (adam_root / "tlf", out_dir / "tlf", ("**/*",)),
        (base / "validation", out_dir / "validation", ("**/*",)),
    ]
    plan: dict[str, Path] = {}
    for target, folder, patterns in sections:
        files = _files(folder, patterns)
        if not files:
            log.warning("package: nothing found in %s (%s)", folder, ", ".join(patterns))
        for src in files:
            plan[safe_arcname(str(target / src.relative_to(folder).as_posix()))] = src
    return dict(sorted(plan.items()))


def safe_arcname(name: str) -> str:
    """``name`` if it is a relative POSIX path that stays inside the package, else a :class:`CdiscflowError`."""
    path = PurePosixPath(name)
    if not name or "\\" in name or path.is_absolute() or ".." in path.parts or name != path.as_posix():
        raise CdiscflowError(f"package entry {name!r} would leave the package",
                             expected="a relative path without '..' or backslashes")
    try:
        return safe_relpath(name, source=None, field="package entry")
    except SpecError as exc:
        raise CdiscflowError(f"package entry {name!r} would leave the package: {exc.message}",
                             expected=exc.expected) from None


def write_checksums(root: Path) -> Path:
    """``checksums.sha256`` in ``root``: one ``<sha256>  <path>`` line per file, sorted by path."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != CHECKSUMS)
    lines = [f"{sha256_file(root / rel)}  {rel}\n" for rel in files]
    return write_text(root / CHECKSUMS, "".join(lines))


def write_zip(root: Path, zip_path: Path) -> Path:
    """A reproducible zip of ``root``: sorted entries, fixed mode, every entry dated ``SOURCE_DATE_EPOCH``."""
    stamp = max(run_datetime(), ZIP_EPOCH_MIN).timetuple()[:6]
    names = sorted(safe_arcname(p.relative_to(root).as_posix()) for p in root.rglob("*") if p.is_file())
    with atomic_path(zip_path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, (root / name).read_bytes())
    return zip_path


def assemble(study: Study, out_dir: Path, root: Path) -> Path:
    """Copy the package's files into the empty folder ``root`` and write its checksum file."""
    for rel, src in package_plan(study, out_dir).items():
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return write_checksums(root)


def build_package(study: Study, out_dir: Path, dest: Path | None = None) -> Path:
    """Build ``<dest>/package/`` and ``<dest>/package.zip`` from the outputs in ``out_dir`` (``dest``: default
    ``out_dir``; an existing package there is replaced whole, never left half-written). Returns the zip."""
    out_dir, dest = Path(out_dir), Path(dest or out_dir)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".package.", dir=dest) as tmp:
        root = Path(tmp) / "package"
        root.mkdir()
        assemble(study, out_dir, root)
        write_zip(root, Path(tmp) / "package.zip")
        final = dest / "package"
        old = Path(tmp) / "old"
        if final.exists():
            os.replace(final, old)
        os.replace(root, final)
        os.replace(Path(tmp) / "package.zip", dest / "package.zip")
    return dest / "package.zip"
