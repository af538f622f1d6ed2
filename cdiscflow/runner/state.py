"""The runner's memory (``out/<study>/.state.json``) and the run's provenance (``out/<study>/manifest.json``).

State, per step: the fingerprint of its last successful run, its status, its tracked outputs with sha256, the
error of a failure and the time it took. It is what makes a second run do nothing.

The manifest lists every input and output with its sha256, the spec version (sha256 over the spec files), the
code version of each step kind, ``SOURCE_DATE_EPOCH`` and the command line. Paths are relative
(``study:specs/sdtm/ae.yaml`` inside the study folder, ``sdtm/ae.xpt`` inside ``out/<study>``), entries are
sorted, and nothing in it depends on timing, so two runs from the same inputs give the same manifest — except
``command``, which records how the run was invoked and is left out when runs are compared
(:func:`comparable`).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import cdiscflow
from cdiscflow.io.atomic import write_text
from cdiscflow.runner.graph import Graph
from cdiscflow.runner.hashing import FileHashes, code_hash

STATE_FILE = ".state.json"
MANIFEST_FILE = "manifest.json"


def label(path: Path | str, study_root: Path, out_dir: Path) -> str:
    """A location-independent name for a file: ``study:<rel>``, ``<rel>`` under out_dir, else the path."""
    p = _resolved(str(path))
    for base, prefix in ((_resolved(str(out_dir)), ""), (_resolved(str(study_root)), "study:")):
        if p.is_relative_to(base):
            return prefix + p.relative_to(base).as_posix()
    return str(path)


@lru_cache(maxsize=65536)
def _resolved(path: str) -> Path:
    """``Path(path).resolve()``, once per path text in a process (a run labels the same inputs for every step)."""
    return Path(path).resolve()


class State:
    """Per-step records of the last run, loaded from and saved to ``out/<study>/.state.json``."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / STATE_FILE
        self.steps: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                self.steps = json.loads(self.path.read_text(encoding="utf-8")).get("steps", {})
            except (ValueError, AttributeError):
                self.steps = {}  # an unreadable state means: nothing is known to be up to date

    def save(self) -> None:
        write_text(self.path, json.dumps({"version": 1, "steps": self.steps}, indent=1, sort_keys=True) + "\n")

    def status(self, step_id: str) -> str:
        return self.steps.get(step_id, {}).get("status", "not run")


def comparable(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without the fields that legitimately differ between equal runs (the command line)."""
    return {k: v for k, v in manifest.items() if k != "command"}


def write_manifest(graph: Graph, state: State, study: Any, out_dir: Path, epoch: int,
                   command: list[str], hashes: FileHashes | None = None) -> dict[str, Any]:
    """Write ``manifest.json`` for the steps of ``graph`` as recorded in ``state``; returns its content."""
    hashes = hashes or FileHashes()
    inputs = {label(p, study.root, out_dir): hashes(p) for step in graph for p in step.inputs}
    specs = sorted((k, v) for k, v in inputs.items() if k.startswith("study:specs/"))
    outputs = []
    for step in graph:
        rec = state.steps.get(step.id, {})
        if rec.get("status") == "ok":
            outputs += [{"path": rel, "sha256": sha, "step": step.id} for rel, sha in rec.get("outputs", {}).items()]
    kinds = sorted({s.action.rsplit(":", 1)[-1]: s.code for s in graph}.items())
    manifest = {
        "cdiscflow": cdiscflow.__version__,
        "study": {"name": study.name, "studyid": study.studyid},
        "source_date_epoch": epoch,
        "spec_version": hashlib.sha256("".join(f"{k} {v}\n" for k, v in specs).encode()).hexdigest(),
        "code_versions": {kind: code_hash(code) for kind, code in kinds},
        "command": command,
        "steps": [{"id": s.id, "status": state.status(s.id), "fingerprint": state.steps.get(s.id, {}).get(
            "fingerprint", "")} for s in graph],
        "inputs": [{"path": k, "sha256": v} for k, v in sorted(inputs.items())],
        "outputs": sorted(outputs, key=lambda o: o["path"]),
    }
    write_text(out_dir / MANIFEST_FILE, json.dumps(manifest, indent=1) + "\n")
    return manifest
