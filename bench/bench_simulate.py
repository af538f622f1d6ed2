"""Benchmark: simulate the built-in study with 5,000 randomized participants; print wall and CPU time
and peak memory (CPU time is the figure to compare on a busy machine).

Usage: ``python bench/bench_simulate.py [--subjects N] [--out DIR]``
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from cdiscflow.studies.msc_ntf_als.simulator.command import simulate


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--subjects", type=int, default=5000)
    p.add_argument("--out", default=None, help="output root (default: a temporary folder)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        start, cpu = time.perf_counter(), time.process_time()
        raw = simulate(out, subjects=args.subjects)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        size = sum(f.stat().st_size for f in raw.glob("*.csv"))
        rows = sum(sum(1 for _ in f.open()) - 1 for f in raw.glob("*.csv"))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss          # KiB on Linux
    print(f"simulate --subjects {args.subjects}: wall {wall:.1f} s, CPU {cpu:.1f} s (load average "
          f"{os.getloadavg()[0]:.1f}), peak RSS {peak_kib / 1024:.0f} MiB, {rows:,} rows, {size / 1e6:.1f} MB of CSV")
    return 0


if __name__ == "__main__":
    sys.exit(main())
