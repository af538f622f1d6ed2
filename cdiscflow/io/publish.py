"""All-or-nothing publication for the stage commands (``cdiscflow sdtm | adam | tlf | validate | define``).

:func:`staged` takes the run lock of ``out/<study>`` (the one ``cdiscflow run`` holds, so a stage command and a
run on the same ``--out`` never interleave), hands the command a view of the study whose stage folder lives in
a private staging root ``out/<study>/.staging-*/``, and on success swaps the staged folder with the published
one in one ``renameat2(RENAME_EXCHANGE)`` (two renames where the kernel lacks it). A partial run
(``--domains``, ``--datasets``, ``--only``) starts from a copy of the published folder, so the result is
the previous outputs with the selected ones replaced. On any error — including ``SIGTERM``, turned into
``SystemExit`` by the CLI — the staging root is removed and the published folder is untouched. Published
folders get the umask's mode (``mkdtemp`` makes 0700).
"""

from __future__ import annotations

import copy
import ctypes
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cdiscflow.errors import CdiscflowError
from cdiscflow.io.atomic import _UMASK

RENAME_EXCHANGE = 2
AT_FDCWD = -100
LOCK_FILE = ".lock"
_LIBC = ctypes.CDLL(None, use_errno=True)


@contextmanager
def run_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out/<study>/.lock`` for the run: a second run on the same folder is refused, not interleaved."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK_FILE, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CdiscflowError(f"another cdiscflow run is using {out_dir}",
                                 expected="one run at a time per output folder") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2``); ``False`` when the system cannot."""
    fn = getattr(_LIBC, "renameat2", None)
    if fn is None:
        return False
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not supported here
        return False
    raise OSError(err, os.strerror(err), str(b))


def publish(staged_dir: Path, target: Path) -> None:
    """Replace ``target`` by ``staged_dir`` in one step; folder modes follow the umask."""
    mode = 0o777 & ~_UMASK
    for folder in [staged_dir, *(p for p in staged_dir.rglob("*") if p.is_dir())]:
        os.chmod(folder, mode)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and exchange(staged_dir, target):
        shutil.rmtree(staged_dir)  # now holds the previous outputs
        return
    if target.exists():
        old = staged_dir.with_name(staged_dir.name + ".old")
        os.rename(target, old)
        os.rename(staged_dir, target)
        shutil.rmtree(old)
    else:
        os.rename(staged_dir, target)


@contextmanager
def staged(study: Any, stage: str, *, partial: bool = False) -> Iterator[Any]:
    """Under the run lock, a copy of ``study`` whose ``stage_dir(stage)`` is a staging folder; published when
    the block succeeds, removed otherwise. ``partial``: start from the published folder's files."""
    out_dir = study.out_dir
    with run_lock(out_dir):
        root = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
        try:
            view = copy.copy(study)
            view.out_root = root
            folder, current = view.stage_dir(stage), study.stage_dir(stage)
            if partial and current.is_dir():
                shutil.copytree(current, folder, symlinks=True)
            else:
                folder.mkdir(parents=True)
            yield view
            publish(folder, current)
        finally:
            shutil.rmtree(root, ignore_errors=True)


@contextmanager
def new_folder(folder: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``folder`` that becomes ``folder`` on success (all or nothing).

    A ``folder`` that exists and is not empty is refused."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CdiscflowError("folder exists and is not empty; nothing was written", file=str(folder),
                        expected="a new or empty folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_UMASK)
        os.replace(tmp, folder)  # an empty target folder is replaced
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
