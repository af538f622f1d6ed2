"""The submission package: an eCTD module 5 folder, a sha256 checksum file, a deterministic zip and a check.

Layout (``<study>`` is the study's STUDYID in lower case)::

    package/
      checksums.sha256                                      sha256sum format, every file below, sorted
      m5/datasets/<study>/tabulations/sdtm/                 SDTM *.xpt, define.xml (+ stylesheet), acrf.pdf, csdrg.pdf
      m5/datasets/<study>/analysis/adam/datasets/           ADaM *.xpt, define.xml (+ stylesheet), adrg.pdf
      m5/datasets/<study>/analysis/adam/programs/           the study's programs and specs as *.txt (not its simulator)
      m5/53-clin-stud-rep/535-rep-effic-safety-stud/5351-stud-rep-contr/<study>/tlf/         every TLF file
      m5/53-clin-stud-rep/535-rep-effic-safety-stud/5351-stud-rep-contr/<study>/validation/  validation report
    package.zip                                             the same tree (entries relative to package/)

The folders follow the ICH eCTD specification and FDA's Study Data Technical Conformance Guide: datasets,
define.xml, the aCRF and the reviewer's guides go to ``m5/datasets``; programs as ASCII ``.txt``; the tables,
listings and figures are study report content (module 5.3.5.1, reports of controlled clinical studies), so they
sit outside ``m5/datasets``. define.html is not shipped (the stylesheet renders define.xml).

:func:`check_package` lists every file and flags what is out of place (a file type not allowed in its folder, a
file outside the known folders, a name not lowercase or longer than 64 characters, a dataset over 5 GB, a
missing define.xml, aCRF or reviewer's guide).

The zip is byte-for-byte reproducible: sorted entries, fixed permissions, and every entry dated
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from cdiscflow.errors import CdiscflowError, SpecError
from cdiscflow.io.atomic import atomic_path, write_text
from cdiscflow.io.xmlsafe import parse_xml
from cdiscflow.paths import safe_relpath
from cdiscflow.provenance import run_datetime, sha256_file
from cdiscflow.study import Study
from cdiscflow.submission.define import DEF_NS, XLINK_NS
from cdiscflow.submission.layout import REPORTS, package_folders

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


DATASET_TYPES = frozenset({".xpt", ".xml", ".xsl", ".pdf"})
#: Allowed file types per package area (relative to ``m5/datasets/<study>`` or to the reports folder).
AREAS: dict[str, frozenset[str]] = {
    "tabulations/sdtm": DATASET_TYPES,
    "analysis/adam/datasets": DATASET_TYPES,
    "analysis/adam/programs": frozenset({".txt"}),
    "tlf": frozenset({".pdf", ".rtf", ".docx", ".html", ".png", ".svg", ".csv", ".json", ".txt"}),
    "validation": frozenset({".html", ".json", ".pdf", ".csv"}),
}
MAX_NAME = 64
MAX_DATASET_BYTES = 5 * 1024**3


def _programs(study: Study) -> dict[str, Path]:
    """The study's programs and specs as ``<path>.txt`` (relative to ``programs/``); the simulator is not one."""
    files = _files(study.root, ("study.yaml", "specs/**/*.yaml", "tlf/*.yaml", "**/*.py"))
    out: dict[str, Path] = {}
    for src in files:
        rel = src.relative_to(study.root)
        if rel.parts[0] == "simulator" or rel.name == "__init__.py":
            continue
        name = rel.with_suffix(".txt").as_posix()
        if name in out:
            raise CdiscflowError(f"package: {out[name].name} and {src.name} would both be programs/{name}",
                                 expected="program file names unique per folder, whatever their extension")
        out[name] = src
    return out


def package_plan(study: Study, out_dir: Path) -> dict[str, Path]:
    """Package path (relative to ``package/``) → source file, for everything the package holds."""
    folders = package_folders(study)
    sdtm, adam, reports = folders["sdtm"], folders["adam"], folders["tlf"].parent
    sections: list[tuple[PurePosixPath, Path, tuple[str, ...]]] = [
        (sdtm, out_dir / "sdtm", ("*.xpt",)),
        (sdtm, out_dir / "define" / "sdtm", ("*.xml", "*.xsl")),
        (sdtm, out_dir / "acrf", ("acrf.pdf",)),
        (sdtm, out_dir / "guides", ("csdrg.pdf",)),
        (adam, out_dir / "adam", ("*.xpt",)),
        (adam, out_dir / "define" / "adam", ("*.xml", "*.xsl")),
        (adam, out_dir / "guides", ("adrg.pdf",)),
        (reports / "tlf", out_dir / "tlf", ("**/*",)),
        (reports / "validation", out_dir / "validation", ("**/*",)),
    ]
    plan: dict[str, Path] = {}
    for target, folder, patterns in sections:
        files = _files(folder, patterns)
        if not files:
            log.warning("package: nothing found in %s (%s)", folder, ", ".join(patterns))
        for src in files:
            plan[safe_arcname(str(target / src.relative_to(folder).as_posix()))] = src
    for rel, src in _programs(study).items():
        plan[safe_arcname(str(folders["programs"] / rel))] = src
    return dict(sorted(plan.items()))


@dataclass(frozen=True)
class Problem:
    """One thing out of place in a package: the file (or folder) and what is wrong."""

    path: str
    problem: str


def _area(rel: PurePosixPath, study: str) -> str | None:
    """The :data:`AREAS` key a package file belongs to, or ``None`` when it sits outside them."""
    for root in (PurePosixPath("m5", "datasets", study), REPORTS / study):
        if rel.is_relative_to(root):
            inner = rel.relative_to(root).parent
            return next((a for a in AREAS if inner.is_relative_to(a)), None)
    return None


def leaf_problems(root: Path, define: str) -> list[str]:
    """What is wrong with the ``def:leaf`` hrefs of the package's ``define`` (relative to ``root``): each must
    name a file of the package (relative to the define.xml's folder, no URL, not leaving the package)."""
    try:
        tree = parse_xml(root / define)
    except CdiscflowError as exc:
        return [f"define.xml does not parse: {exc.message}"]
    folder = (root / define).parent
    out = []
    for leaf in tree.iter(f"{{{DEF_NS}}}leaf"):
        href = leaf.get(f"{{{XLINK_NS}}}href") or ""
        target = (folder / href).resolve()
        if not href or "://" in href or not target.is_relative_to(root.resolve()) or not target.is_file():
            out.append(f"def:leaf {leaf.get('ID')} href {href!r} does not resolve to a file of the package")
    return out


def check_package(root: Path, studyid: str) -> tuple[list[str], list[Problem]]:
    """Every file of the package folder ``root`` (sorted, relative) and the problems found."""
    study = studyid.lower()
    files = sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())
    problems: list[Problem] = []
    for name in files:
        rel = PurePosixPath(name)
        if name == CHECKSUMS:
            continue
        area = _area(rel, study)
        if area is None:
            problems.append(Problem(name, "outside the eCTD folders of the package"))
        elif rel.suffix.lower() not in AREAS[area]:
            problems.append(Problem(name, f"file type {rel.suffix or '(none)'} not expected in {area}/"))
        if rel.name != rel.name.lower():
            problems.append(Problem(name, "file name is not lower case"))
        if len(rel.name) > MAX_NAME:
            problems.append(Problem(name, f"file name longer than {MAX_NAME} characters ({len(rel.name)})"))
        if rel.suffix.lower() == ".xpt" and (Path(root) / name).stat().st_size > MAX_DATASET_BYTES:
            problems.append(Problem(name, "dataset larger than 5 GB (split it)"))
    problems += [Problem(name, problem) for name in files if PurePosixPath(name).name == "define.xml"
                 for problem in leaf_problems(Path(root), name)]
    base = PurePosixPath("m5", "datasets", study)
    for folder, required in (("tabulations/sdtm", ("define.xml", "acrf.pdf", "csdrg.pdf")),
                             ("analysis/adam/datasets", ("define.xml", "adrg.pdf"))):
        here = [PurePosixPath(f) for f in files if PurePosixPath(f).parent == base / folder]
        if not any(f.suffix == ".xpt" for f in here):
            continue
        problems += [Problem(str(base / folder / need), "missing") for need in required
                     if base / folder / need not in here]
    return files, problems


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
        for problem in check_package(root, study.studyid)[1]:
            log.warning("package check: %s: %s", problem.path, problem.problem)
        write_zip(root, Path(tmp) / "package.zip")
        final = dest / "package"
        old = Path(tmp) / "old"
        if final.exists():
            os.replace(final, old)
        os.replace(root, final)
        os.replace(Path(tmp) / "package.zip", dest / "package.zip")
    return dest / "package.zip"
