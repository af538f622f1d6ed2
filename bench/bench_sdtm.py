"""Time and peak memory of the SDTM mapping stage on a large study.

Input: the simulator's raw extracts when given (``--raw DIR --study msc_ntf_als``), else the pharmaverse
raw extracts of the CDISC pilot replicated ``--copies`` times (default 20) with new subject numbers — a
synthetic large study (306 × 20 = 6,120 subjects, ~318,000 raw rows) for the cdiscpilot01 specs.

    python bench/bench_sdtm.py                 # pilot × 20
    python bench/bench_sdtm.py --copies 5
    python bench/bench_sdtm.py --study msc_ntf_als --raw out/msc_ntf_als/raw

Prints wall time, CPU time and peak resident memory (ru_maxrss) of the mapping (``map_all``, in memory) and of the full
stage with XPT/Dataset-JSON writing (``map_study``).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from cdiscflow.errors import CdiscflowError
from cdiscflow.io.raw import read_raw_folder
from cdiscflow.mapping.command import load_modules
from cdiscflow.mapping.study import map_all, map_study
from cdiscflow.specs.ct import data_dir
from cdiscflow.study import Study


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


def measure(label: str, fn):
    """Run ``fn``; print wall and CPU time and the process's peak resident memory so far."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<30} wall {wall:7.1f} s   cpu {cpu:7.1f} s   peak RSS {peak:7.0f} MiB", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="cdiscpilot01")
    parser.add_argument("--raw", default=None, help="raw extracts (default: pharmaverseraw, replicated)")
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    study = Study.load(args.study)
    load_modules(study)
    if args.raw:
        raw = read_raw_folder(args.raw)
    else:
        raw = replicate(read_raw_folder(data_dir() / "pharmaverseraw"), args.copies)
    rows = sum(len(df) for df in raw.values())
    subjects = len(raw["dm_raw"]) if "dm_raw" in raw else "?"
    print(f"study {study.studyid}: {len(raw)} extracts, {rows:,} raw rows, {subjects} subjects", flush=True)
    study.codelists  # noqa: B018 - load CT outside the timing
    res = measure("mapping (in memory)", lambda: map_all(study, raw, {k: k for k in raw}))
    print("records: " + ", ".join(f"{n} {len(r.data):,}" for n, r in res.results.items()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "raw"
        folder.mkdir()
        for name, df in raw.items():
            df.drop(columns="__row__").to_csv(folder / f"{name}.csv", index=False)
        try:
            measure("read + map + write XPT/JSON", lambda: map_study(study, folder, Path(tmp) / "sdtm"))
        except CdiscflowError as exc:
            print(f"read + map + write XPT/JSON: stopped by a data error: {exc}")


if __name__ == "__main__":
    main()
