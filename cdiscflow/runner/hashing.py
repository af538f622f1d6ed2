"""Content hashes that decide whether a step is up to date — never timestamps.

A step's fingerprint is the sha256 of: its id, action and parameters; the code version (``cdiscflow.__version__``
plus the sha256 of every source file the step's ``code`` names); the sha256 of every input file (specs, study
programs, raw extracts, and the outputs of the steps it needs); and, in a reproducible run, its
``SOURCE_DATE_EPOCH`` (outputs carry the run stamp, so a different stamp is a different output). A run on the
clock (the default) leaves the date out, so its outputs stay up to date with the date they were made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import cdiscflow
from cdiscflow.provenance import sha256_file

PACKAGE_DIR = Path(cdiscflow.__file__).resolve().parent

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
    """sha256 of files, computed once per run (a missing file hashes to ``"missing"``)."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def __call__(self, path: Path | str) -> str:
        key = str(path)
        if key not in self._known:
            self._known[key] = sha256_file(path) if Path(path).is_file() else "missing"
        return self._known[key]

    def remember(self, path: Path | str, digest: str) -> None:
        self._known[str(path)] = digest


def fingerprint(step_id: str, action: str, params: Mapping[str, Any], code: str,
                inputs: Mapping[str, str], epoch: int | None) -> str:
    """sha256 of everything a step's outputs depend on (``inputs``: name → sha256)."""
    payload = {"id": step_id, "action": action, "params": params, "code": code,
               "inputs": dict(sorted(inputs.items())), "source_date_epoch": epoch}
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()
