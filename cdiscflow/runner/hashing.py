"""Content hashes that decide whether a step is up to date — never timestamps (a file's size and modification
time only spare re-reading it when they are unchanged since it was hashed, see :class:`FileHashes`).

A step's fingerprint is the sha256 of: its id, action and parameters; the code version (``cdiscflow.__version__``
plus the sha256 of every source file the step's ``code`` names); the sha256 of every input file (specs, study
programs, raw extracts, and the outputs of the steps it needs); and, in a reproducible run, its
``SOURCE_DATE_EPOCH`` (outputs carry the run stamp, so a different stamp is a different output). A run on the
clock (the default) leaves the date out, so its outputs stay up to date with the date they were made.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import cdiscflow
from cdiscflow.io.atomic import write_text
from cdiscflow.provenance import sha256_file

PACKAGE_DIR = Path(cdiscflow.__file__).resolve().parent
HASH_CACHE = ".hashes.json"
RACY_NS = 2_000_000_000  # a file modified within 2 s of being hashed is hashed again

def canonical_json(data: Any) -> str:
    """Sorted, compact JSON: the same data always give the same text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def _source_files(entry: str) -> list[Path]:
    """Files named by a code entry: a folder (every file under it), a file, or a glob, relative to the package."""
    target = PACKAGE_DIR / entry
    if target.is_dir():
        files = [p for p in target.rglob("*") if p.is_file()]
    elif target.is_file():
        files = [target]
    else:
        files = [p for p in PACKAGE_DIR.glob(entry) if p.is_file()]
    return sorted(p for p in files if "__pycache__" not in p.parts and not p.name.startswith(".")
                  and p.suffix not in (".pyc", ".tmp", ".swp"))


def code_hash(entries: Iterable[str]) -> str:
    """Code version of a step: the package version plus the content of the named source files."""
    h = hashlib.sha256(f"cdiscflow {cdiscflow.__version__}\n".encode())
    for entry in sorted(set(entries)):
        files = _source_files(entry)
        h.update(f"{entry}:{len(files)}\n".encode())
        for path in files:
            h.update(f"{path.relative_to(PACKAGE_DIR).as_posix()} {sha256_file(path)}\n".encode())
    return h.hexdigest()


class FileHashes:
    """sha256 of files, computed once per run (a missing file hashes to ``"missing"``).

    With a ``cache`` file (``out/<study>/.hashes.json``), a file whose size and modification time (ns) are those
    recorded when it was last hashed takes the recorded sha256 without being read again — unless it was modified
    within :data:`RACY_NS` of that recording (a change in the same clock tick could keep both), like git's index.
    Only what decides re-hashing uses the clock; fingerprints are always content hashes.
    """

    def __init__(self, cache: Path | None = None) -> None:
        self._known: dict[str, str] = {}
        self._cache_file = cache
        self._stats: dict[str, list[int | str]] = {}
        if cache is not None and cache.is_file():
            try:
                loaded = json.loads(cache.read_text(encoding="utf-8"))
                self._stats = {k: v for k, v in loaded.get("files", {}).items()
                               if isinstance(v, list) and len(v) == 4}
            except (ValueError, AttributeError):
                self._stats = {}  # an unreadable cache only means: hash everything again

    def __call__(self, path: Path | str) -> str:
        key = str(path)
        if key not in self._known:
            self._known[key] = self._hash(Path(path))
        return self._known[key]

    def _hash(self, path: Path) -> str:
        try:
            st = path.stat()
        except OSError:
            return "missing"
        if not path.is_file():
            return "missing"
        size, mtime, seen, sha = self._stats.get(str(path), (None, None, 0, ""))
        if (size, mtime) == (st.st_size, st.st_mtime_ns) and st.st_mtime_ns < int(seen) - RACY_NS:
            return str(sha)
        seen_now = time.time_ns()
        sha = sha256_file(path)
        self._stats[str(path)] = [st.st_size, st.st_mtime_ns, seen_now, sha]
        return sha

    def remember(self, path: Path | str, digest: str) -> None:
        """``digest`` is the sha256 of ``path`` as just written (by a step); it is recorded with the file's stat."""
        self._known[str(path)] = digest
        try:
            st = Path(path).stat()
        except OSError:
            return
        self._stats[str(path)] = [st.st_size, st.st_mtime_ns, time.time_ns(), digest]

    def save(self) -> None:
        """Write the stat cache (no-op without a cache file); entries of files that no longer exist are dropped."""
        if self._cache_file is None:
            return
        files = {k: v for k, v in sorted(self._stats.items()) if Path(k).exists()}
        write_text(self._cache_file, json.dumps({"version": 1, "files": files}, sort_keys=True) + "\n")


def fingerprint(step_id: str, action: str, params: Mapping[str, Any], code: str,
                inputs: Mapping[str, str], epoch: int | None) -> str:
    """sha256 of everything a step's outputs depend on (``inputs``: name → sha256)."""
    payload = {"id": step_id, "action": action, "params": params, "code": code,
               "inputs": dict(sorted(inputs.items())), "source_date_epoch": epoch}
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()
