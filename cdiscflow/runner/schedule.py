"""Execute a graph: dispatch ready steps to an executor, skip what is up to date, keep going past failures.

A step is *up to date* when its fingerprint (see :mod:`cdiscflow.runner.hashing`) equals the one recorded after
its last successful run and its recorded outputs are still there with the same content. Fingerprints are taken
when a step becomes ready, from the outputs its dependencies actually wrote — so a step whose dependency re-ran
but wrote identical bytes stays up to date. A failed or unavailable step's dependants are *skipped*; every
other step still runs.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from fnmatch import fnmatchcase as fnmatch
from pathlib import Path
from typing import Protocol

from cdiscflow.runner.execute import StepContext, StepResult, execute_step
from cdiscflow.runner.graph import Graph, Step
from cdiscflow.runner.hashing import FileHashes, code_hash, fingerprint
from cdiscflow.runner.state import State, label

DONE = ("ran", "current")


@dataclass
class Outcome:
    """What happened to a step in this run: ran, current (up to date), failed, unavailable or skipped."""

    status: str
    reason: str = ""
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)


class Reporter(Protocol):
    def begin(self, graph: Graph) -> None: ...
    def started(self, step: Step) -> None: ...
    def finished(self, step: Step, outcome: Outcome) -> None: ...
    def end(self) -> None: ...


class Fingerprints:
    """Fingerprints of steps from their inputs, code and the outputs of their dependencies."""

    def __init__(self, ctx: StepContext, study_root: Path, hashes: FileHashes | None = None) -> None:
        self.ctx = ctx
        self.study_root = study_root
        self.hashes = hashes or FileHashes()
        self._code: dict[tuple[str, ...], str] = {}

    def __call__(self, step: Step, dep_outputs: dict[str, str]) -> str:
        if step.code not in self._code:
            self._code[step.code] = code_hash(step.code)
        inputs = {label(p, self.study_root, self.ctx.out_dir): self.hashes(p) for p in step.inputs}
        inputs.update({rel: sha for rel, sha in dep_outputs.items()
                       if not step.reads or any(fnmatch(rel, pat) for pat in step.reads)})
        return fingerprint(step.id, step.action, {"params": step.params, "salt": step.salt},
                           self._code[step.code], inputs,
                           self.ctx.epoch if self.ctx.reproducible else None)

    def outputs_intact(self, outputs: dict[str, str]) -> bool:
        return all(self.hashes(self.ctx.out_dir / rel) == sha for rel, sha in outputs.items())


def _dep_outputs(step: Step, outcomes: dict[str, Outcome]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for dep in step.deps:
        merged.update(outcomes[dep].outputs)
    return merged


def _current(step: Step, fp: str, state: State, prints: Fingerprints) -> dict[str, str] | None:
    """The recorded outputs if ``step`` with fingerprint ``fp`` is up to date, else None."""
    rec = state.steps.get(step.id)
    if not rec or rec.get("status") != "ok" or rec.get("fingerprint") != fp:
        return None
    outputs = rec.get("outputs", {})
    return outputs if prints.outputs_intact(outputs) else None


def run_graph(graph: Graph, ctx: StepContext, state: State, prints: Fingerprints, executor: Executor,
              reporter: Reporter, *, force: bool = False) -> dict[str, Outcome]:
    """Run every step of ``graph`` that is not up to date; returns each step's outcome (graph order)."""
    outcomes: dict[str, Outcome] = {}
    order = {sid: i for i, sid in enumerate(graph.steps)}
    waiting = list(graph)
    running: dict[Future[StepResult], tuple[Step, str]] = {}
    reporter.begin(graph)

    def settle(step: Step, outcome: Outcome, record: dict | None = None) -> None:
        outcomes[step.id] = outcome
        if record is not None:
            state.steps[step.id] = record
            state.save()
        reporter.finished(step, outcome)

    try:
        while waiting or running:
            progressed = True
            while progressed:
                progressed = False
                for step in list(waiting):
                    bad = [d for d in step.deps if d in outcomes and outcomes[d].status not in DONE]
                    if bad:
                        first = outcomes[bad[0]]
                        why = first.reason if first.status == "skipped" else f"needs {bad[0]} ({first.status})"
                        settle(step, Outcome("skipped", why), {"status": "skipped", "error": why})
                    elif all(d in outcomes for d in step.deps):
                        fp = prints(step, _dep_outputs(step, outcomes))
                        current = None if force else _current(step, fp, state, prints)
                        if current is not None:
                            settle(step, Outcome("current", outputs=current))
                        else:
                            reporter.started(step)
                            running[executor.submit(execute_step, step, ctx)] = (step, fp)
                    else:
                        continue
                    waiting.remove(step)
                    progressed = True
            if running:
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: order[running[f][0].id]):
                    step, fp = running.pop(future)
                    try:
                        result = future.result()
                    except Exception as exc:  # the executor itself failed (worker died, cluster lost)
                        result = StepResult(step.id, "failed", error=f"{type(exc).__name__}: {exc}")
                    for rel, sha in result.outputs.items():
                        prints.hashes.remember(ctx.out_dir / rel, sha)
                    status = "ran" if result.status == "ok" else result.status
                    record = {"status": result.status, "fingerprint": fp if result.status == "ok" else "",
                              "outputs": result.outputs, "error": result.error,
                              "seconds": round(result.seconds, 3)}
                    settle(step, Outcome(status, result.error, result.seconds, result.outputs), record)
    finally:
        reporter.end()
    return {s.id: outcomes[s.id] for s in graph if s.id in outcomes}


def plan(graph: Graph, state: State, prints: Fingerprints, force: bool = False) -> dict[str, str]:
    """What a run would do, without running: each step's ``up to date`` or ``run`` (with why)."""
    verdict: dict[str, str] = {}
    outputs: dict[str, dict[str, str]] = {}
    for step in graph:
        stale = [d for d in step.deps if not verdict[d].startswith("up to date")]
        if force:
            verdict[step.id] = "run (--force)"
        elif stale:
            verdict[step.id] = f"run (after {stale[0]})"
        else:
            merged = {k: v for d in step.deps for k, v in outputs[d].items()}
            current = _current(step, prints(step, merged), state, prints)
            if current is None:
                last = state.status(step.id)
                verdict[step.id] = "run (" + {"ok": "changed", "not run": "never ran"}.get(last, f"last: {last}") + ")"
            else:
                verdict[step.id] = "up to date"
                outputs[step.id] = current
    return verdict
