"""Time and peak memory of the SDTM mapping stage on large studies.

Cases (each runs in a fresh Python process, so its peak memory is its own):

* ``als5k`` — the built-in MSC-NTF ALS study simulated at ``--subjects`` (default 5,000) randomised
  participants (about 2.1 million raw rows, 5.5 million SDTM records), or the extracts in ``--raw``;
* ``pilot20`` — the pharmaverse raw extracts of the CDISC pilot replicated ``--copies`` times (default 20) with
  new subject numbers: 306 × 20 = 6,120 subjects, about 318,000 raw rows, for the cdiscpilot01 specs.

    python bench/bench_sdtm.py                       # both cases
    python bench/bench_sdtm.py --case als5k --subjects 1000
    python bench/bench_sdtm.py --case als5k --raw out/msc_ntf_als/raw
    python bench/bench_sdtm.py --case pilot20 --copies 5 --write

Prints wall time, CPU time and the process's peak resident memory (ru_maxrss) after reading the raw extracts
and after mapping them in memory (``map_all``); with ``--write`` also the full stage (read CSV, map, write
XPT/Dataset-JSON, lineage and reconciliation: ``map_study``; its peak includes the in-memory run).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from cdiscflow.errors import CdiscflowError
from cdiscflow.io.raw import read_raw_folder
from cdiscflow.mapping.command import load_modules
from cdiscflow.mapping.study import map_all, map_study
from cdiscflow.specs.ct import data_dir
from cdiscflow.study import Study

CASES = {"als5k": "msc_ntf_als", "pilot20": "cdiscpilot01"}
T = TypeVar("T")


def replicate(raw: dict[str, pd.DataFrame], copies: int, subject: str = "PATNUM") -> dict[str, pd.DataFrame]:
    """Each extract ``copies`` (≤ 30) times with new subject ids of the same length: copy k sets the site's
    first digit to 7 + k // 10 and the subject's first digit to k % 10 (``701-1015`` → ``801-2015``)."""
    if not 1 <= copies <= 30:
        raise SystemExit("--copies must be between 1 and 30")
    out = {}
    for name, df in raw.items():
        parts = []
        for k in range(copies):
            part = df.drop(columns="__row__")
            if subject in part.columns:
                ids = part[subject].astype(str)
                new = str(7 + k // 10) + ids.str[1:4] + str(k % 10) + ids.str[5:]
                part = part.assign(**{subject: new})
            parts.append(part)
        big = pd.concat(parts, ignore_index=True)
        big["__row__"] = range(1, len(big) + 1)
        out[name] = big
    return out


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, fn: Callable[[], T]) -> T:
    """Run ``fn``; print wall and CPU time and the process's peak resident memory so far."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {label:<28} wall {wall:7.1f} s   cpu {cpu:7.1f} s   peak RSS {peak_mib():7.0f} MiB", flush=True)
    return result


def raw_extracts(case: str, args: argparse.Namespace, tmp: Path) -> tuple[Path, dict[str, pd.DataFrame] | None]:
    """The raw folder of a case (simulated into ``tmp`` when needed) and, for the pilot, the replicated frames."""
    if args.raw:
        return Path(args.raw), None
    if case == "als5k":
        from cdiscflow.studies.msc_ntf_als.simulator.command import simulate

        return measure(f"simulate {args.subjects} subjects", lambda: simulate(tmp, subjects=args.subjects)), None
    return data_dir() / "pharmaverseraw", replicate(read_raw_folder(data_dir() / "pharmaverseraw"), args.copies)


def run_case(case: str, args: argparse.Namespace) -> None:
    """One case in this process: read, map in memory, optionally write."""
    study = Study.load(CASES[case])
    load_modules(study)
    study.codelists  # noqa: B018 - load CT outside the timing
    with tempfile.TemporaryDirectory() as tmp:
        folder, raw = raw_extracts(case, args, Path(tmp))
        if raw is None:
            raw = measure("read raw CSV", lambda: read_raw_folder(folder))
        rows = sum(len(df) for df in raw.values())
        print(f"  {study.studyid}: {len(raw)} extracts, {rows:,} raw rows", flush=True)
        res = measure("map (in memory)", lambda: map_all(study, raw, {k: k for k in raw}))
        records = sum(len(r.data) for r in res.results.values())
        print(f"  {records:,} SDTM records: " + ", ".join(f"{n} {len(r.data):,}" for n, r in res.results.items()))
        if not args.write:
            return
        if case == "pilot20":
            folder = Path(tmp) / "raw"
            folder.mkdir()
            for name, df in raw.items():
                df.drop(columns="__row__").to_csv(folder / f"{name}.csv", index=False)
        try:
            measure("read + map + write XPT/JSON", lambda: map_study(study, folder, Path(tmp) / "sdtm"))
        except CdiscflowError as exc:
            print(f"  read + map + write XPT/JSON: stopped by a data error: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), help="one case in this process (default: every case, "
                                                             "each in its own process)")
    parser.add_argument("--subjects", type=int, default=5000, help="als5k: simulated randomised participants")
    parser.add_argument("--raw", default=None, help="raw extracts to map instead of simulating/replicating")
    parser.add_argument("--copies", type=int, default=20, help="pilot20: copies of the pharmaverse extracts")
    parser.add_argument("--write", action="store_true", help="also time the full stage with XPT/JSON writing")
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args)
        return
    for case in CASES:
        print(case, flush=True)
        subprocess.run([sys.executable, __file__, *sys.argv[1:], "--case", case], check=True)


if __name__ == "__main__":
    main()
