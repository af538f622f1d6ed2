"""Run one step in a worker (process, thread or Dask worker): staging, log capture, atomic publication.

A step writes into its own staging root ``out/<study>/.tmp/<step>/`` laid out like ``--out``. Only when it
succeeds are its output files (those matching the step's ``outputs`` patterns; anything else it wrote, such as
intermediate files, is dropped) moved into ``out/<study>`` with ``os.replace``; in a folder the step ``owns``,
files it no longer writes are removed. A failed step leaves nothing half-written, and concurrent steps never
see each other's partial files. Workers must see the same ``--out`` folder as the client (a shared file system on a cluster).
"""

from __future__ import annotations

import importlib
import os
import shutil
import time
import traceback
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from cdiscflow.errors import CdiscflowError
from cdiscflow.io.atomic import write_text
from cdiscflow.provenance import sha256_file
from cdiscflow.runner.graph import Step
from cdiscflow.runner.logs import capture

STAGING = ".tmp"


class StageUnavailable(CdiscflowError):
    """A step's stage (its library function) is not installed or not built yet."""


@dataclass
class StepContext:
    """What a step adapter gets: where the study is, where to read inputs and where to write outputs."""

    study_ref: str
    out_root: str
    study_name: str
    raw_dir: str | None = None
    epoch: int = 0
    staging: str = ""
    reproducible: bool = True  # False: ``epoch`` is the clock at the start of the run, not part of fingerprints
    given: dict[str, str] = field(default_factory=dict)  # stage → folder given on the command line (--sdtm, --adam)

    @property
    def out_dir(self) -> Path:
        """``out/<study>``: where inputs from earlier steps are read."""
        return Path(self.out_root) / self.study_name

    def input_dir(self, stage: str) -> Path:
        """A folder of earlier outputs (``raw`` honours ``--raw``, ``sdtm``/``adam`` honour ``--sdtm``/``--adam``)."""
        if stage == "raw" and self.raw_dir:
            return Path(self.raw_dir)
        if stage in self.given:
            return Path(self.given[stage])
        return self.out_dir / stage

    @property
    def output_root(self) -> Path:
        """The step's staging root, laid out like ``--out`` (``<root>/<study>/<stage>``)."""
        return Path(self.staging)

    def output_dir(self, stage: str) -> Path:
        """The staging folder a step writes ``stage`` outputs to (published on success)."""
        path = self.output_root / self.study_name / stage
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def study(self) -> Any:
        """The study, with ``out_dir`` = the real ``out/<study>``."""
        from cdiscflow.study import Study

        return Study.load(self.study_ref, out=self.out_root)

    @cached_property
    def staged_study(self) -> Any:
        """The study with its stage folders in the step's staging root (for stages that write there)."""
        from cdiscflow.study import Study

        return Study.load(self.study_ref, out=self.output_root)


@dataclass
class StepResult:
    """Outcome of one step: status ``ok``, ``failed`` or ``unavailable``; tracked outputs with their sha256."""

    step_id: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0


def resolve(action: str) -> Any:
    """``"package.module:function"`` → the function."""
    module, _, name = action.partition(":")
    return getattr(importlib.import_module(module), name)


def _matches(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    found: set[Path] = set()
    for pattern in patterns:
        found.update(p for p in root.glob(pattern) if p.is_file())
    return sorted(found)


def _publish(staging: Path, files: list[Path], out_dir: Path, owns: tuple[str, ...]) -> None:
    """Move the step's output ``files`` from ``staging`` into ``out_dir``; a folder in ``owns`` is emptied of
    files the step no longer writes (its outputs are replaced as a whole)."""
    for rel in owns:
        keep = {f.relative_to(staging) for f in files}
        for old in (out_dir / rel).rglob("*") if (out_dir / rel).is_dir() else ():
            if old.is_file() and old.relative_to(out_dir) not in keep:
                old.unlink()
    for src in files:
        dst = out_dir / src.relative_to(staging)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)


def execute_step(step: Step, ctx: StepContext) -> StepResult:
    """Run ``step`` (worker side) and publish its outputs; never raises for a step's own failure."""
    out_dir = ctx.out_dir
    root = out_dir / STAGING / step.log_name.removesuffix(".log")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    ctx = replace(ctx, staging=str(root))
    staging = root / ctx.study_name
    os.environ["SOURCE_DATE_EPOCH"] = str(ctx.epoch)
    start = time.perf_counter()
    status, error, outputs = "ok", "", {}
    with capture() as log:
        print(f"step {step.id}: {step.action} {step.params or ''}".rstrip())
        try:
            resolve(step.action)(ctx, **step.params)
            missing = [p for p in step.required if not _matches(staging, (p,))]
            if missing:
                raise CdiscflowError(f"step wrote no {', '.join(missing)}", expected="the step's outputs")
            files = _matches(staging, step.outputs)
            outputs = {p.relative_to(staging).as_posix(): sha256_file(p) for p in files}
            _publish(staging, files, out_dir, step.owns)
        except StageUnavailable as exc:
            status, error = "unavailable", str(exc)
        except Exception as exc:  # a step's failure is reported, never propagated: independent steps go on
            status, error = "failed", str(exc) if isinstance(exc, CdiscflowError) else f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        seconds = time.perf_counter() - start
        print(f"{status} in {seconds:.2f}s" + (f": {error}" if error else ""))
    shutil.rmtree(root, ignore_errors=True)
    write_text(out_dir / "logs" / step.log_name, log.getvalue())
    return StepResult(step.id, status, outputs, error, seconds)
