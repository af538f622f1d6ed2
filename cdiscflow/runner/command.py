"""``cdiscflow run [STUDY]``: the whole study, raw → SDTM → ADaM → validation → define → TLFs → package.

Builds the step graph (:mod:`cdiscflow.runner.plan`), runs what is not up to date with ``-j N`` local processes
or on a Dask cluster (``--scheduler tcp://host:port``, or ``$CDISCFLOW_SCHEDULER``), then writes ``manifest.json`` and ``index.html`` and
prints a summary. ``SOURCE_DATE_EPOCH`` is pinned for the whole run: the clock at its start, or with
``--reproducible`` (or ``SOURCE_DATE_EPOCH`` in the environment) a fixed stamp for byte-identical outputs (see
:func:`cdiscflow.provenance.source_date_epoch`). Exit status: 0 when every step is ok and validation
found nothing at the ``--fail-on`` severity (default ``error``, as ``cdiscflow validate``) or worse; 1 when a
step failed or validation reported such findings; 2 for an error that stopped the run.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from cdiscflow.adam.engine import missing_programs, no_program_error
from cdiscflow.errors import SpecError
from cdiscflow.io.publish import run_lock
from cdiscflow.provenance import source_date_epoch
from cdiscflow.runner.execute import StepContext
from cdiscflow.runner.executors import open_executor
from cdiscflow.runner.graph import Graph
from cdiscflow.runner.hashing import HASH_CACHE, FileHashes
from cdiscflow.runner.plan import PlanOptions, build_graph
from cdiscflow.runner.progress import reporter
from cdiscflow.runner.schedule import Fingerprints, Outcome, plan, run_graph
from cdiscflow.runner.state import State, write_manifest
from cdiscflow.runner.steps import availability
from cdiscflow.study import Study


def command_line(args: argparse.Namespace) -> list[str]:
    """The invocation as a canonical argument list (recorded in the manifest)."""
    argv = ["cdiscflow", "run", args.study or "", "--out", str(args.out)]
    for flag in ("jobs", "scheduler", "raw", "sdtm", "adam", "seed", "subjects"):
        value = getattr(args, flag, None)
        if value is not None and not (flag == "jobs" and value == 1):
            argv += [f"--{flag}", str(value)]
    if args.only:
        argv += ["--only", *args.only]
    argv += [f"--{f}" for f in ("force", "dry_run", "reproducible") if getattr(args, f, False)]
    return [a.replace("_", "-") if a.startswith("--") else a for a in argv if a != ""]


def print_plan(graph: Graph, verdict: dict[str, str], study: Study) -> None:
    kinds = {s.action.rsplit(":", 1)[-1] for s in graph}
    missing = {k: why for k in sorted(kinds) if (why := availability(k))}
    width = max(len(s.id) for s in graph)
    print(f"Plan for {study.name} ({len(graph)} steps):")
    for step in graph:
        kind = step.action.rsplit(":", 1)[-1]
        note = f"  [{missing[kind]}]" if kind in missing and verdict[step.id] != "up to date" else ""
        deps = f"  ← {', '.join(step.deps)}" if step.deps else ""
        print(f"  {step.id:<{width}}  {verdict[step.id]}{note}{deps}")
    todo = sum(1 for v in verdict.values() if v != "up to date")
    print("Nothing to do: everything is up to date." if not todo else f"{todo} step(s) would run.")


def findings(outcomes: dict[str, Outcome], out_dir: Path) -> dict[str, int] | None:
    """Open validation findings by severity from this run's report (``None`` when validation did not run)."""
    report = out_dir / "validation" / "report.json"
    if outcomes.get("validate", Outcome("skipped")).status not in ("ran", "current") or not report.is_file():
        return None
    try:
        counts = json.loads(report.read_text(encoding="utf-8"))["summary"]["by_severity"]
    except (ValueError, KeyError, TypeError):
        return None
    return {str(k): int(v) for k, v in counts.items()}


def fails_validation(counts: dict[str, int] | None, fail_on: str) -> bool:
    """True when a finding of ``fail_on`` severity or worse was reported (``never``: never)."""
    from cdiscflow.validation.model import RANK

    if counts is None or fail_on == "never":
        return False
    return any(n > 0 and RANK.get(sev, 0) <= RANK[fail_on] for sev, n in counts.items())


def summarize(outcomes: dict[str, Outcome], out_dir: Path, graph: Graph,
              found: dict[str, int] | None = None, fail_on: str = "error") -> None:
    counts = {k: sum(1 for o in outcomes.values() if o.status == k)
              for k in ("ran", "current", "failed", "unavailable", "skipped")}
    if counts["ran"] == 0 and counts["current"] == len(outcomes):
        print(f"Nothing to do: all {len(outcomes)} steps are up to date.")
    else:
        print(f"{len(outcomes)} steps: {counts['ran']} ran, {counts['current']} up to date, {counts['failed']} failed, "
              f"{counts['unavailable']} unavailable, {counts['skipped']} skipped.")
    for sid, o in outcomes.items():
        if o.status in ("failed", "unavailable", "skipped"):
            log = f"  (log: {out_dir / 'logs' / graph[sid].log_name})" if o.status != "skipped" else ""
            print(f"  {o.status.upper():<11} {sid}: {o.reason}{log}")
    if found is not None:
        verdict = "FAILS" if fails_validation(found, fail_on) else "passes"
        print(f"Validation: {', '.join(f'{n} {sev}' for sev, n in found.items())} — {verdict} --fail-on "
              f"{fail_on}  (report: {out_dir / 'validation' / 'report.html'})")
    print(f"Outputs: {out_dir}  ·  index: {out_dir / 'index.html'}  ·  manifest: {out_dir / 'manifest.json'}")
    if outcomes.get("package", Outcome("skipped")).status in ("ran", "current"):
        print(f"Package: {out_dir / 'package'}  ·  zip: {out_dir / 'package.zip'}")


def run(args: argparse.Namespace) -> int:
    """Run the study; ``SOURCE_DATE_EPOCH`` is pinned for the run and restored afterwards (a caller's own setting
    stays what it was, and a clock-dated run does not turn the next one in this process into a pinned one)."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        return _run(args)
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _run(args: argparse.Namespace) -> int:
    out_root = Path(args.out).resolve()
    study = Study.load(args.study, out=out_root)
    pinned = source_date_epoch(study.meta, getattr(args, "reproducible", False))
    epoch = pinned if pinned is not None else int(time.time())
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    raw, sdtm, adam = (str(Path(d).resolve()) if d else None
                       for d in (args.raw, getattr(args, "sdtm", None), getattr(args, "adam", None)))
    if sum(d is not None for d in (raw, sdtm, adam)) > 1:
        raise SpecError("--raw, --sdtm and --adam name where the run starts: give one of them",
                        expected="one of --raw DIR, --sdtm DIR, --adam DIR")
    if raw is None and sdtm is None and adam is None:  # the study's own default start (study.yaml inputs:)
        default = study.input_dir("sdtm")
        sdtm = str(default.resolve()) if default is not None else None
    graph = build_graph(study, PlanOptions(raw=raw, seed=args.seed, subjects=args.subjects, sdtm=sdtm, adam=adam))
    selected = graph.closure(graph.resolve(args.only)) if args.only else graph
    given = {k: v for k, v in (("sdtm", sdtm), ("adam", adam)) if v}
    ctx = StepContext(str(study.root), str(out_root), study.name, raw_dir=raw, epoch=epoch,
                      reproducible=pinned is not None, given=given)
    unwritten = missing_programs(study) if any(s.stage == "adam" for s in selected) else {}
    if unwritten:
        print(f"{no_program_error(unwritten)} — their steps are unavailable, the rest runs")
    state = State(study.out_dir)
    prints = Fingerprints(ctx, study.root, FileHashes(study.out_dir / HASH_CACHE))
    if args.dry_run:
        print_plan(selected, plan(selected, state, prints, force=args.force), study)
        return 0
    from cdiscflow.submission.index import write_index

    scheduler = args.scheduler or os.environ.get("CDISCFLOW_SCHEDULER") or None
    with run_lock(study.out_dir):
        state = State(study.out_dir)  # read under the lock
        prints = Fingerprints(ctx, study.root, FileHashes(study.out_dir / HASH_CACHE))
        with open_executor(args.jobs, scheduler) as executor:
            outcomes = run_graph(selected, ctx, state, prints, executor, reporter(), force=args.force)
        write_manifest(graph, state, study, study.out_dir, epoch, command_line(args), prints.hashes)
        prints.hashes.save()
        counts = findings(outcomes, study.out_dir)
        write_index(study, study.out_dir, graph, state, findings=counts)
    fail_on = getattr(args, "fail_on", None) or "error"
    summarize(outcomes, study.out_dir, graph, counts, fail_on)
    ok = all(o.status in ("ran", "current") for o in outcomes.values())
    return 0 if ok and not fails_validation(counts, fail_on) else 1
