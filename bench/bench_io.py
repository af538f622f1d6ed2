"""Time and peak memory of dataset I/O on a 100,000-row LB-like dataset, and of reading real XPT files.

    python bench/bench_io.py [--rows 100000] [--out DIR] [--xpt FILE ...] [--replicate N]

Steps: conform, write/read XPT v5, write/read Dataset-JSON 1.1, write/read raw CSV, compare (XPT vs JSON).
Each step is timed once (wall clock), then run again under tracemalloc for its peak Python/numpy memory;
the process's maximum resident set size is printed at the end.

``--xpt`` (e.g. ../shared/data/cdiscpilot01/sdtm/qs.xpt) measures reading each file, and with ``--replicate N``
a copy stacked N times (written to the temporary folder), each read in a fresh process: before = pyreadstat's
default pandas output made object (what read_xpt did until it read pyreadstat's dict output, deduplicating
text), after = read_xpt, and read_xpt with 4 columns. Printed: wall and CPU seconds, the peak resident memory
the read added, and the memory the frame holds (with deduplicated text, far less than the peak).
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from cdiscflow.compare import compare_frames
from cdiscflow.io.datasetjson import read_dataset_json, write_dataset_json
from cdiscflow.io.raw import read_raw_csv
from cdiscflow.io.xpt import read_xpt, write_xpt
from cdiscflow.specs.conform import conform
from cdiscflow.specs.model import Dataset, Variable

SPEC = Dataset(name="LB", label="Laboratory Test Results", keys=["USUBJID", "LBTESTCD", "VISITNUM"], variables=[
    Variable("STUDYID", "Study Identifier", length=12),
    Variable("DOMAIN", "Domain Abbreviation", length=2),
    Variable("USUBJID", "Unique Subject Identifier", length=20),
    Variable("LBSEQ", "Sequence Number", type="Num"),
    Variable("LBTESTCD", "Lab Test or Examination Short Name", length=8),
    Variable("LBTEST", "Lab Test or Examination Name", length=40),
    Variable("LBORRES", "Result or Finding in Original Units", length=20),
    Variable("LBORRESU", "Original Units", length=20),
    Variable("LBSTRESN", "Numeric Result/Finding in Standard Units", type="Num"),
    Variable("LBNRIND", "Reference Range Indicator", length=8),
    Variable("VISITNUM", "Visit Number", type="Num"),
    Variable("VISIT", "Visit Name", length=40),
    Variable("LBDTC", "Date/Time of Specimen Collection", length=19),
    Variable("LBDY", "Study Day of Specimen Collection", type="Num"),
    Variable("ADT", "Analysis Date", type="Num", format="DATE9."),
])


def make_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tests = np.array(["ALT", "AST", "BILI", "CREAT", "GLUC", "HGB", "PLAT", "WBC", "SODIUM", "K"])
    subj = rng.integers(1, rows // 50 + 2, rows)
    visit = rng.integers(1, 10, rows).astype(float)
    value = rng.normal(50, 15, rows).round(1)
    days = rng.integers(19000, 20000, rows).astype(float)
    return pd.DataFrame({
        "STUDYID": "BENCH", "DOMAIN": "LB", "USUBJID": pd.Series(subj).map("BENCH-{:05d}".format),
        "LBSEQ": np.arange(1, rows + 1, dtype=float), "LBTESTCD": tests[rng.integers(0, len(tests), rows)],
        "LBTEST": "Test name", "LBORRES": value.astype(str), "LBORRESU": "U/L", "LBSTRESN": value,
        "LBNRIND": np.where(value > 70, "HIGH", "NORMAL"), "VISITNUM": visit,
        "VISIT": pd.Series(visit).map("WEEK {:.0f}".format),
        "LBDTC": (pd.Timestamp("1960-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%dT08:30"),
        "LBDY": rng.integers(-10, 200, rows).astype(float), "ADT": days,
    })


def measure(name: str, step: Callable[[], object]) -> None:
    start = time.perf_counter()
    step()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name:<24} {seconds:8.2f} s   peak {peak / 2**20:8.1f} MiB")


def _rss_mib(field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak; unlike ru_maxrss not inherited from the parent) in MiB."""
    status = Path("/proc/self/status").read_text()
    return int(status.split(f"{field}:")[1].split()[0]) / 1024


def read_before(path: Path) -> pd.DataFrame:
    """The former read_xpt: pyreadstat's pandas output (text inferred as ``str``) converted back to object."""
    df, m = pyreadstat.read_xport(str(path), encoding="utf-8", disable_datetime_conversion=True)
    return df.astype({c: object for c, t in m.readstat_variable_types.items() if t == "string"})


def _read_in_child(how: str, path: Path, columns: list[str] | None) -> tuple[float, float, float, float]:
    """(wall s, CPU s, peak RSS added MiB, MiB held by the frame), in a fresh process; the frame's size is
    traced (tracemalloc) in a second read, as freed memory is not always given back to the system."""
    def read() -> pd.DataFrame:
        return read_before(path) if how == "before" else read_xpt(path, columns=columns)[0]
    base = max(_rss_mib("VmRSS"), _rss_mib("VmHWM"))
    wall, cpu = time.perf_counter(), time.process_time()
    df = read()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _rss_mib("VmHWM") - base
    del df
    gc.collect()
    tracemalloc.start()
    df = read()
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del df
    return wall, cpu, peak, held


def measure_xpt_reads(paths: list[Path]) -> None:
    ctx = multiprocessing.get_context("spawn")
    print(f"{'file':<14} {'reader':<28} {'rows':>9} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'frame MiB':>9}")
    for path in paths:
        meta = pyreadstat.read_xport(str(path), metadataonly=True)[1]
        rows = len(read_xpt(path, columns=meta.column_names[:1])[0])
        some = meta.column_names[2:6]
        for how, columns in (("before", None), ("read_xpt", None), (f"read_xpt {len(some)} columns", some)):
            with ctx.Pool(1) as pool:
                wall, cpu, peak, held = pool.apply(_read_in_child, ("before" if how == "before" else "after", path,
                                                                    columns))
            print(f"{path.name:<14} {how:<28} {rows:>9} {wall:7.2f} {cpu:7.2f} {peak:9.0f} {held:9.0f}")


def replicate(path: Path, times: int, out: Path) -> Path:
    """``path`` stacked ``times`` times, written with write_xpt to ``out``."""
    df, meta = read_xpt(path)
    dest = out / f"{path.stem}_x{times}.xpt"
    write_xpt(pd.concat([df] * times, ignore_index=True), dest, dataset_name=meta.name, label=meta.label)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", default=None, help="folder for the files (default: a temporary folder)")
    parser.add_argument("--xpt", nargs="*", default=[], type=Path, help="XPT files whose reading is measured")
    parser.add_argument("--replicate", type=int, default=0, help="also read each --xpt file stacked N times")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        df = make_frame(args.rows)
        print(f"{args.rows} rows x {df.shape[1]} variables")
        data = conform(df, SPEC)
        measure("conform", lambda: conform(df, SPEC))
        measure("write_xpt", lambda: write_xpt(data, out / "lb.xpt", SPEC))
        measure("read_xpt", lambda: read_xpt(out / "lb.xpt"))
        measure("write_dataset_json", lambda: write_dataset_json(data, out / "lb.json", SPEC, study_oid="BENCH"))
        measure("read_dataset_json", lambda: read_dataset_json(out / "lb.json"))
        data.to_csv(out / "lb.csv", index=False)
        measure("read_raw_csv", lambda: read_raw_csv(out / "lb.csv"))
        (a, am), (b, bm) = read_xpt(out / "lb.xpt"), read_dataset_json(out / "lb.json")
        measure("compare xpt vs json", lambda: compare_frames(a, b, ["LBSEQ"], base_meta=am, comp_meta=bm))
        sizes = {p.suffix: p.stat().st_size / 2**20 for p in out.glob("lb.*")}
        print("file sizes: " + ", ".join(f"{k} {v:.1f} MiB" for k, v in sorted(sizes.items())))
        if args.xpt:
            copies = [replicate(p, args.replicate, out) for p in args.xpt] if args.replicate > 1 else []
            measure_xpt_reads(list(args.xpt) + copies)
    print(f"max resident set size: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
