"""Benchmark: ADaM derivations of a study (default: pharmaverse ADSL, ADAE, ADLB, ADVS) at ×1 and ×20 subjects.

    python bench/bench_adam.py [--reps 1 20] [--datasets ADSL ADAE ADLB ADVS] [--study pharmaverse] [--keep DIR]

The study's SDTM (its ``inputs.sdtm``, e.g. pharmaversesdtm; ``--sdtm`` overrides) is replicated by subject: copy
``k`` of every dataset whose USUBJIDs all start with ``01-`` gets the prefix ``k+1`` in two digits instead
(``01-701-1015`` → ``02-701-1015`` …, same length, so spec lengths hold); other datasets are kept once. The
copies are written as Parquet to a temporary folder. Each dataset is then derived in its own child process
(spawned), which reads the ADaM datasets it depends on from the earlier children (not timed) and reports:

* ``read_s``: reading the SDTM datasets its program asks for (wall seconds; the engine reads them on demand, so
  each read is timed where it happens and taken out of the derivation's time),
* ``derive_s`` / ``cpu_s``: the derivation (program + conformance to the spec), wall and CPU seconds,
* ``write_s``: writing its XPT and Dataset-JSON,
* ``peak_mib``: the child's peak resident memory, ``derive_mib``: how far the derivation (with the SDTM it
  reads) raised it above what the child held before (the ADaM datasets it depends on).

Next to them: admiral's CPU seconds for the same dataset, where issue #13 gives one (admiral 1.0.1 templates,
R 4.2, the CDISC pilot inputs, CPU seconds of the derivation sections, measured on this kind of machine) — a
reference point, not a figure of this run — and ``ratio`` = admiral's CPU seconds / ours. A dataset the study
has no spec or program for is reported as ``not derived``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT = ["ADSL", "ADAE", "ADLB", "ADVS"]
#: issue #13: admiral 1.0.1 templates, R 4.2, CDISC pilot inputs, CPU seconds of the derivation sections
ADMIRAL_CPU_S = {("ADSL", 1): 8.3, ("ADSL", 20): 79.0, ("ADAE", 1): 5.3, ("ADAE", 20): 61.0}
ADMIRAL_NOTE = ("admiral_cpu_s: issue #13's measurement (admiral 1.0.1 templates, R 4.2, CDISC pilot inputs, "
                "CPU s of the derivation sections), a reference point, not measured here")


def replicate(source: Path, folder: Path, reps: int) -> tuple[int, list[str]]:
    """Write ``reps`` copies by subject of every dataset of ``source`` to ``folder`` (Parquet); returns the
    number of DM subjects and the datasets replicated."""
    from cdiscflow.io.datasets import dataset_files, read_dataset

    replicated, subjects = [], 0
    for name, path in dataset_files(source).items():
        df = read_dataset(path)[0]
        ids = df["USUBJID"].astype(str) if "USUBJID" in df.columns else None
        if ids is not None and bool(ids.str.startswith("01-").all()) and reps > 1:
            df = pd.concat([df.assign(USUBJID=f"{k + 1:02d}" + ids.str[2:]) for k in range(reps)], ignore_index=True)
            replicated.append(name)
        df.to_parquet(folder / f"{name.lower()}.parquet", index=False)
        if name == "DM":
            subjects = int(df["USUBJID"].nunique())
    return subjects, replicated


def _rss_mib() -> float:
    """Current resident memory of this process (MiB)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def _child(study_ref: str, sdtm: str, work: str, name: str, queue: mp.Queue) -> None:
    """Derive ``name`` (its dependencies from ``work``/<dep>.pkl, else derived untimed) and report its figures."""
    from cdiscflow.adam.engine import AdamContext, derivation_order, derive_dataset
    from cdiscflow.io.datasets import write_datasets
    from cdiscflow.study import Study

    study = Study.load(study_ref)
    specs = {k.upper(): v for k, v in study.adam_specs.items()}
    reads = [0.0, 0.0]  # wall, cpu spent reading SDTM inside the derivation

    class TimedContext(AdamContext):
        def sdtm(self, key: str) -> pd.DataFrame:
            if key.upper() in self._cache:
                return super().sdtm(key)
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return super().sdtm(key)
            finally:
                reads[0] += time.perf_counter() - wall
                reads[1] += time.process_time() - cpu

    cache: dict[str, pd.DataFrame] = {}
    adam: dict[str, pd.DataFrame] = {}
    for dep in derivation_order(study.adam_specs, [name])[:-1]:
        stored = Path(work) / f"{dep.lower()}.pkl"
        if stored.is_file():
            adam[dep.upper()] = pd.read_pickle(stored)
        else:
            adam[dep.upper()] = derive_dataset(specs[dep.upper()], AdamContext(study, Path(sdtm), specs[dep.upper()],
                                                                               adam, cache))
    before = _rss_mib()
    reads[:] = [0.0, 0.0]
    wall, cpu = time.perf_counter(), time.process_time()
    ctx = TimedContext(study, Path(sdtm), specs[name], adam, cache)
    df = derive_dataset(specs[name], ctx)
    wall, cpu = time.perf_counter() - wall - reads[0], time.process_time() - cpu - reads[1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with (Path(work) / f"{name.lower()}.pkl").open("wb") as fh:
        pickle.dump(df, fh)
    out = Path(work) / "adam"
    out.mkdir(exist_ok=True)
    write = time.perf_counter()
    write_datasets(df, out, specs[name], ("xpt", "json"), study_oid=study.studyid)
    write = time.perf_counter() - write
    queue.put({"records": len(df), "read_s": reads[0], "derive_s": wall, "cpu_s": cpu, "write_s": write,
               "peak_mib": peak, "derive_mib": max(0.0, peak - before)})


def run_child(study: str, sdtm: Path, work: Path, name: str) -> dict:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(study, str(sdtm), str(work), name, queue))
    proc.start()
    while True:  # a child that dies (e.g. out of memory) must not leave the parent waiting forever
        try:
            result = queue.get(timeout=5)
            break
        except Empty:
            if not proc.is_alive():
                raise RuntimeError(f"deriving {name} exited with code {proc.exitcode}") from None
    proc.join()
    return result


def derivable(study_ref: str, wanted: list[str]) -> tuple[list[str], dict[str, str]]:
    """The wanted datasets in derivation order, and those that cannot be derived with why."""
    from cdiscflow.adam.engine import derivation_order, missing_programs
    from cdiscflow.study import Study

    study = Study.load(study_ref)
    names = {n.upper(): n for n in study.adam_specs}
    why = {w: "no spec" for w in wanted if w not in names}
    have = [w for w in wanted if w in names]
    missing = missing_programs(study, derivation_order(study.adam_specs, have)) if have else {}
    for w in have:
        deps = [d for d in derivation_order(study.adam_specs, [w]) if d in missing]
        if deps:
            why[w] = "; ".join(f"{d}: {missing[d]}" for d in deps)
    ok = [w for w in (derivation_order(study.adam_specs, have) if have else []) if w.upper() in wanted
          and w.upper() not in why]
    return [w.upper() for w in ok], why


def row(name: str, reps: int, fig: dict | None, why: str | None = None) -> str:
    admiral = ADMIRAL_CPU_S.get((name, reps))
    ref = f"{admiral:13.1f}" if admiral is not None else f"{'—':>13s}"
    if fig is None:
        return f"{name:8s} x{reps:<3d} not derived ({why}){'':4s}admiral_cpu_s {ref.strip()}"
    ratio = f"{admiral / fig['cpu_s']:7.1f}x" if admiral is not None and fig["cpu_s"] > 0 else f"{'—':>8s}"
    return (f"{name:8s} x{reps:<3d} {fig['records']:9d} {fig['read_s']:7.2f} {fig['derive_s']:9.2f} "
            f"{fig['cpu_s']:7.2f} {fig['write_s']:8.2f} {fig['peak_mib']:9.0f} {fig['derive_mib']:10.0f} {ref} {ratio}")


HEADER = (f"{'dataset':8s} {'reps':4s} {'records':>9s} {'read_s':>7s} {'derive_s':>9s} {'cpu_s':>7s} {'write_s':>8s} "
          f"{'peak_mib':>9s} {'derive_mib':>10s} {'admiral_cpu_s':>13s} {'ratio':>8s}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="pharmaverse")
    parser.add_argument("--sdtm", default=None, help="SDTM folder (default: the study's inputs.sdtm)")
    parser.add_argument("--reps", type=int, nargs="+", default=[1, 20], help="replications of the subjects")
    parser.add_argument("--datasets", nargs="+", default=DEFAULT)
    parser.add_argument("--keep", default=None, help="keep the replicated SDTM and outputs here")
    args = parser.parse_args(argv)
    from cdiscflow.study import Study

    source = Path(args.sdtm) if args.sdtm else Study.load(args.study).input_dir("sdtm")
    if source is None or not source.is_dir():
        print(f"SDTM folder not found: {source}", file=sys.stderr)
        return 2
    wanted = [d.upper() for d in args.datasets]
    order, why = derivable(args.study, wanted)
    print(ADMIRAL_NOTE)
    for reps in args.reps:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(args.keep) / f"x{reps}" if args.keep else Path(tmp)
            sdtm = root / "sdtm"
            sdtm.mkdir(parents=True, exist_ok=True)
            subjects, copied = replicate(source, sdtm, reps)
            print(f"{args.study} SDTM x{reps}: {subjects} DM subjects; {len(copied)} datasets replicated by subject")
            print(HEADER)
            figures = {name: run_child(args.study, sdtm, root, name) for name in order}
            for name in wanted:
                print(row(name, reps, figures.get(name), why.get(name)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
