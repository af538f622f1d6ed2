"""Benchmark: derive ADSL, ADAE and ADQSADAS for the CDISC pilot replicated ×N (new USUBJIDs).

    python bench/bench_adam.py [--copies 20] [--keep DIR]

The pilot's SDTM (../shared/data/cdiscpilot01/sdtm) is copied N times with the USUBJID study prefix
"01-" replaced by "01-".."N-" (same length), written as XPT to a temporary folder, then ``cdiscflow adam``
runs in a child process: reading the SDTM XPT files, deriving, and writing XPT + Dataset-JSON are timed
separately (wall and CPU seconds) with the child's peak resident memory after each step.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

import pandas as pd
import pyreadstat

REPO = Path(__file__).resolve().parents[1]
PILOT = REPO.parent / "shared" / "data" / "cdiscpilot01" / "sdtm"
DOMAINS = ["DM", "SV", "DS", "EX", "QS", "VS", "SC", "MH", "AE"]


def replicate(folder: Path, copies: int) -> int:
    """Write the replicated SDTM domains to ``folder``; returns the number of subjects."""
    n_subjects = 0
    for name in DOMAINS:
        df, _ = pyreadstat.read_xport(str(PILOT / f"{name.lower()}.xpt"))
        parts = [df.assign(USUBJID=f"{k + 1:02d}-" + df["USUBJID"].str[3:]) for k in range(copies)]
        big = pd.concat(parts, ignore_index=True)
        pyreadstat.write_xport(big, str(folder / f"{name.lower()}.xpt"), table_name=name, file_format_version=5)
        if name == "DM":
            n_subjects = len(big)
    return n_subjects


def _derive(sdtm: str, out: str, queue: mp.Queue) -> None:
    from cdiscflow.adam.engine import derive_study
    from cdiscflow.io.datasets import read_folder, write_datasets
    from cdiscflow.study import Study

    study = Study.load("cdiscpilot01")
    _ = study.adam_specs
    times = {}
    clock = (time.perf_counter(), time.process_time())

    def lap(name: str) -> None:
        nonlocal clock
        now = (time.perf_counter(), time.process_time())
        times[name] = (now[0] - clock[0], now[1] - clock[1], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        clock = now

    frames = read_folder(sdtm)
    lap("read SDTM xpt")
    res = derive_study(study, sdtm, None, formats=(), sdtm_frames=frames)
    lap("derive ADaM")
    for name, df in res.items():
        write_datasets(df, Path(out), study.adam_specs[name], study_oid=study.studyid)
    lap("write xpt+json")
    queue.put((times, {k: len(v) for k, v in res.items()}))


def run(sdtm: Path, out: Path) -> tuple[dict[str, tuple[float, float, float]], dict[str, int]]:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_derive, args=(str(sdtm), str(out), queue))
    proc.start()
    while True:  # a child that dies (e.g. out of memory) must not leave the parent waiting forever
        try:
            result = queue.get(timeout=5)
            break
        except Empty:
            if not proc.is_alive():
                raise RuntimeError(f"the ADaM process exited with code {proc.exitcode}") from None
    proc.join()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--keep", default=None, help="keep the replicated SDTM and outputs here")
    args = parser.parse_args()
    if not PILOT.is_dir():
        print(f"pilot SDTM not found at {PILOT}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        sdtm = root / "sdtm"
        sdtm.mkdir(parents=True, exist_ok=True)
        n = replicate(sdtm, args.copies)
        print(f"pilot SDTM x{args.copies}: {n} subjects (DM incl. screen failures)")
        out = root / "adam"
        out.mkdir(exist_ok=True)
        times, sizes = run(sdtm, out)
        print("records: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
        for label, (wall, cpu, peak) in times.items():
            print(f"{label:16s} wall {wall:6.1f} s  cpu {cpu:6.1f} s  peak RSS so far {peak:6.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
