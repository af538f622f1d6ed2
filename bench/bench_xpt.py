"""XPT v5 write and read speed, cdiscflow against pyreadstat, on the same lab-like frame.

    python bench/bench_xpt.py [--rows 200000] [--repeat 1] [--out DIR] [--only cdiscflow|pyreadstat]

The frame has 20 columns: 8 numbers (8 bytes each) and 12 text columns of 8 to 40 bytes (lab-like: few
distinct test codes and visits, one identifier per subject, free-text results). Each measurement prints one
JSON line: tool, step (write/read), rows, file bytes, wall and CPU seconds (best of ``--repeat``) and MB/s
(10**6 bytes of XPT file per wall / CPU second: on a shared machine the CPU figure is the stable one), plus the 1-minute load average when it ran. cdiscflow writes through
``write_xpt`` with the spec (all its checks included) and reads with ``read_xpt``; pyreadstat writes the
conformed frame with ``write_xport(file_format_version=5)`` and reads with ``read_xport``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from cdiscflow.io.xpt import read_xpt, write_xpt
from cdiscflow.specs.conform import conform
from cdiscflow.specs.model import Dataset, Variable

TEXT = {"STUDYID": 12, "DOMAIN": 8, "USUBJID": 20, "LBTESTCD": 8, "LBTEST": 40, "LBCAT": 24, "LBORRES": 20,
        "LBORRESU": 16, "LBSTRESC": 20, "LBNRIND": 8, "VISIT": 40, "LBDTC": 19}
NUMBERS = ("LBSEQ", "LBSTRESN", "LBSTNRLO", "LBSTNRHI", "VISITNUM", "VISITDY", "LBDY", "ADT")
SPEC = Dataset(name="LB", label="Laboratory Test Results", variables=[
    *(Variable(n, n.title(), length=w) for n, w in TEXT.items()),
    *(Variable(n, n.title(), type="Num", format="DATE9." if n == "ADT" else None) for n in NUMBERS)])


def make_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """A lab-like frame of ``rows`` rows in spec order (conformed)."""
    rng = np.random.default_rng(seed)
    tests = np.array([f"T{i:03d}" for i in range(60)], dtype=object)
    subjects = np.array([f"CDISC01-{i:04d}-{j:04d}" for i in range(50) for j in range(100)], dtype=object)
    visits = np.array([f"WEEK {w} VISIT AT THE STUDY CENTRE" for w in range(30)], dtype=object)
    value = rng.normal(50, 20, rows).round(2)
    pick = rng.integers(0, 60, rows)
    df = pd.DataFrame({
        "STUDYID": "CDISCPILOT01", "DOMAIN": "LB", "USUBJID": subjects[rng.integers(0, len(subjects), rows)],
        "LBTESTCD": tests[pick], "LBTEST": np.char.add("LABORATORY TEST NUMBER ", tests[pick].astype(str)).astype(object),
        "LBCAT": np.where(pick < 30, "CHEMISTRY", "HEMATOLOGY"), "LBORRES": value.astype(str).astype(object),
        "LBORRESU": np.where(pick % 3 == 0, "mmol/L", "g/L"), "LBSTRESC": value.astype(str).astype(object),
        "LBNRIND": np.array(["NORMAL", "LOW", "HIGH", ""], dtype=object)[rng.integers(0, 4, rows)],
        "VISIT": visits[rng.integers(0, 30, rows)],
        "LBDTC": pd.Series(pd.to_datetime("2014-01-01") + pd.to_timedelta(rng.integers(0, 10**8, rows), unit="s"))
        .dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(dtype=object),
        "LBSEQ": np.arange(1, rows + 1, dtype="float64"), "LBSTRESN": np.where(rng.random(rows) < 0.05, np.nan, value),
        "LBSTNRLO": 10.0, "LBSTNRHI": 90.5, "VISITNUM": rng.integers(1, 30, rows).astype("float64"),
        "VISITDY": rng.integers(-7, 200, rows).astype("float64"), "LBDY": rng.integers(-7, 200, rows).astype("float64"),
        "ADT": rng.integers(19000, 20000, rows).astype("float64"),
    })
    return conform(df, SPEC)


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best (wall, CPU) seconds of ``repeat`` runs (the run with the least wall time)."""
    times = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(times)


def report(tool: str, step: str, rows: int, path: Path, seconds: tuple[float, float]) -> None:
    size = path.stat().st_size
    wall, cpu = seconds
    print(json.dumps({"tool": tool, "step": step, "rows": rows, "bytes": size, "seconds": round(wall, 3),
                      "cpu_seconds": round(cpu, 3), "mb_per_s": round(size / wall / 1e6, 1),
                      "mb_per_cpu_s": round(size / max(cpu, 1e-9) / 1e6, 1),
                      "load1": round(os.getloadavg()[0], 2)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, help="folder for the files (default: a temporary folder)")
    parser.add_argument("--only", choices=("cdiscflow", "pyreadstat"))
    args = parser.parse_args()
    df = make_frame(args.rows)
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        ours, theirs = Path(tmp) / "lb.xpt", Path(tmp) / "lb_pyreadstat.xpt"
        if args.only != "pyreadstat":
            report("cdiscflow", "write", args.rows, ours, best(lambda: write_xpt(df, ours, SPEC), args.repeat))
            report("cdiscflow", "read", args.rows, ours, best(lambda: read_xpt(ours), args.repeat))
        if args.only != "cdiscflow":
            labels = [v.label for v in SPEC.variables]
            report("pyreadstat", "write", args.rows, theirs, best(lambda: pyreadstat.write_xport(
                df, str(theirs), table_name="LB", file_format_version=5, column_labels=labels), args.repeat))
            report("pyreadstat", "read", args.rows, theirs, best(lambda: pyreadstat.read_xport(str(theirs)),
                                                                  args.repeat))


if __name__ == "__main__":
    main()
