"""Scale benchmark: simulate the built-in study with N subjects, then run the stages in order, one process each.

    python bench/bench_scale.py --subjects 500 --until validate
    python bench/bench_scale.py --subjects 2000 --until tlf --pdf-workers 2 --keep /tmp/scale2000

Stages: simulate, sdtm, adam | validate | tlf (RTF, DOCX, HTML), pdf (the RTF of every catalog output that wants PDF, through LibreOffice,
``--pdf-workers`` processes) | define, acrf, guides, package. ``--until`` stops after adam, validate, pdf or
package. Each stage runs as its own process (the CLI, or the stage's library function for acrf, guides and pdf)
and prints one JSON line: wall seconds, CPU seconds (user + system of the stage's process and the children it
waited for, from ``wait4``), peak memory (``ru_maxrss`` of the largest of those processes), the load average
when it started, its exit code and the size of what it wrote. A last line ``"stage": "total"`` sums them.

Reference points, measured in this process in the same run on the same data (not part of the stage times):
the sdtm line carries pandas' ``read_csv`` of every raw CSV (all columns as text) and pyreadstat's
``write_xport`` of every SDTM dataset (the frames pyreadstat reads back from the stage's XPT files, with their
labels); the adam line pyreadstat's ``read_xport`` of SDTM (the stage's input) and ``write_xport`` of every
ADaM dataset. ``ratio`` is the stage's time over the sum of its references (wall and CPU), so 1.0 would mean
the stage costs no more than reading its input and writing its XPT with those libraries; the stages also
write Dataset-JSON, lineage and logs, which the references do not. Needs nothing beyond cdiscflow's own
dependencies (LibreOffice only for pdf and the guides' PDFs).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from cdiscflow.study import Study

STUDY = "msc_ntf_als"  # the built-in study with a simulator
#: stage → the folder (under out/<study>) and file pattern of what it writes (tlf is measured before pdf runs)
WRITES = {"simulate": ("raw", "*.csv"), "sdtm": ("sdtm", "*"), "adam": ("adam", "*"),
          "validate": ("validation", "*"), "tlf": ("tlf", "*"), "pdf": ("tlf", "*.pdf"),
          "define": ("define", "**/*"), "acrf": ("acrf", "*"), "guides": ("guides", "*"),
          "package": (".", "package.zip")}
ORDER = list(WRITES)
UNTIL = {"adam": "adam", "validate": "validate", "tlf": "pdf", "package": "package"}
#: lets a ``python -c`` stage unwind on SIGTERM (its LibreOffice killed) like the CLI does
PRELUDE = ("import signal; from pathlib import Path; from cdiscflow import cli; from cdiscflow.study import Study; "
           "signal.signal(signal.SIGTERM, cli._terminate); study = Study.load({study!r}, {root!r}); ")


def commands(root: Path, opts: argparse.Namespace) -> dict[str, list[str]]:
    """The command line of each stage, writing under ``root``."""
    cli = [sys.executable, "-m", "cdiscflow"]
    where = ["--study", STUDY, "--out", str(root)]
    seed = ["--seed", str(opts.seed)] if opts.seed is not None else []

    def call(code: str) -> list[str]:
        return [sys.executable, "-c", PRELUDE.format(study=STUDY, root=str(root)) + code]

    return {
        "simulate": [*cli, "simulate", *where, "--subjects", str(opts.subjects), *seed],
        "sdtm": [*cli, "sdtm", *where],
        "adam": [*cli, "adam", *where],
        "validate": [*cli, "validate", *where, "--fail-on", "never"],
        "tlf": [*cli, "tlf", *where, "--formats", "rtf", "docx", "html"],
        "pdf": call("from cdiscflow.tlf.catalog import load_catalog; "
                    "from cdiscflow.tlf.render.pdf import convert_to_pdf; tlf = study.stage_dir('tlf'); "
                    "specs = load_catalog(study.root / 'tlf' / 'catalog.yaml').select(None); "
                    "rtfs = [tlf / f'{s.id}.rtf' for s in specs if 'pdf' in s.formats]; "
                    f"print(len(convert_to_pdf(rtfs, tlf, timeout={opts.stage_timeout}, "
                    f"workers={opts.pdf_workers})), 'PDFs')"),
        "define": [*cli, "define", *where],
        "acrf": call("from cdiscflow.submission.acrf import write_acrf; "
                     "print(write_acrf(study, study.stage_dir('raw'), study.stage_dir('acrf')))"),
        "guides": call("from cdiscflow.submission.guides import write_guides; "
                       "print(write_guides(study, study.out_dir, study.stage_dir('guides')))"),
        "package": [*cli, "package", *where],
    }


def run_stage(argv: list[str], log: Path, timeout: float) -> dict[str, Any]:
    """Run one stage's process to its end (SIGTERM after ``timeout`` s); its wall and CPU time and peak memory."""
    load = os.getloadavg()[0]
    with log.open("w") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, "CI": "true"})
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            proc.send_signal(signal.SIGTERM)

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted: the stage cleans up on SIGTERM
            proc.terminate()
            proc.wait()
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4
    line = {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mib": round(usage.ru_maxrss / 1024), "load1": round(load, 2), "exit": proc.returncode}
    if expired.is_set():
        line["timed_out"] = True
    return line


@contextmanager
def timing(into: dict[str, float]) -> Iterator[None]:
    """Add the block's wall and CPU seconds (this process) to ``into``."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into["wall_s"] = into.get("wall_s", 0.0) + time.perf_counter() - wall
    into["cpu_s"] = into.get("cpu_s", 0.0) + time.process_time() - cpu


def rounded(times: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 3) for key, value in times.items()}


def mb(files: list[Path]) -> float:
    return round(sum(f.stat().st_size for f in files) / 1e6, 2)


def read_csvs(raw: Path) -> dict[str, Any]:
    """pandas' read_csv of every raw CSV, every column as text (as the raw reader takes them)."""
    files, times, rows = sorted(raw.glob("*.csv")), {}, 0
    for path in files:
        with timing(times):
            rows += len(pd.read_csv(path, dtype=str, keep_default_na=False))
    return {"pandas_read_csv": rounded(times), "raw_mb": mb(files), "raw_rows": rows}


def xpt_round(folder: Path) -> dict[str, Any]:
    """pyreadstat's read_xport of every XPT in ``folder`` and write_xport of the same frames (dates as SAS
    numbers) with their labels and formats, into a temporary folder; pyreadstat sizes text columns from the
    data."""
    files, read, write, rows = sorted(folder.glob("*.xpt")), {}, {}, 0
    with tempfile.TemporaryDirectory(prefix="bench-scale-ref-") as scratch:
        for path in files:  # one dataset at a time, so this process holds one frame
            with timing(read):
                df, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
            formats = {name: fmt for name, fmt in meta.original_variable_types.items() if fmt}
            with timing(write):
                pyreadstat.write_xport(df, str(Path(scratch, path.name)), file_label=meta.file_label,
                                       column_labels=meta.column_labels, table_name=meta.table_name,
                                       variable_format=formats, file_format_version=5)
            rows += len(df)
    return {"pyreadstat_read_xport": rounded(read), "pyreadstat_write_xport": rounded(write),
            "xpt_mb": mb(files), "xpt_rows": rows, "datasets": len(files)}


def ratio(line: dict[str, Any], refs: list[dict[str, float]]) -> dict[str, float | None]:
    """The stage's wall and CPU time over the sum of its reference times."""
    out: dict[str, float | None] = {}
    for key in ("wall_s", "cpu_s"):
        total = sum(r[key] for r in refs)
        out[key.removesuffix("_s")] = round(line[key] / total, 1) if total > 0 else None
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--subjects", type=int, default=500, help="randomized participants (default 500)")
    p.add_argument("--until", choices=list(UNTIL), default="package", help="last stage (default package)")
    p.add_argument("--seed", type=int, default=None, help="simulator seed (default: the study's)")
    p.add_argument("--pdf-workers", type=int, default=os.cpu_count() or 1,
                   help="LibreOffice processes for the TLF PDFs (default: CPUs; 0: no pdf stage)")
    p.add_argument("--stage-timeout", type=float, default=3600.0, help="seconds per stage (default 3600)")
    p.add_argument("--no-ref", dest="ref", action="store_false",
                   help="skip the reference points (pyreadstat's write takes longer than the stages at scale)")
    p.add_argument("--keep", metavar="DIR", help="write and keep the outputs in DIR (new or empty)")
    opts = p.parse_args(argv)
    if opts.keep and Path(opts.keep).exists() and any(Path(opts.keep).iterdir()):
        p.error(f"--keep {opts.keep}: the folder is not empty")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        root = Path(opts.keep or tmp).resolve()
        logs = Path(tmp, "logs") if not opts.keep else root / "bench-logs"
        logs.mkdir(parents=True, exist_ok=True)
        return run_all(root, logs, opts)


def run_all(root: Path, logs: Path, opts: argparse.Namespace) -> int:
    """Run the stages up to ``--until``, printing a JSON line after each; 1 if a stage fails."""
    study = Study.load(STUDY, root)
    stages = ORDER[: ORDER.index(UNTIL[opts.until]) + 1]
    if opts.pdf_workers <= 0 and "pdf" in stages:
        stages.remove("pdf")
    argvs = commands(root, opts)
    totals = {"wall_s": 0.0, "cpu_s": 0.0, "peak_mib": 0}
    sdtm_read: dict[str, float] = {}  # pyreadstat's read of SDTM: the adam stage's input reference
    for stage in stages:
        line: dict[str, Any] = {"stage": stage, "subjects": opts.subjects}
        if stage == "pdf":
            line["workers"] = opts.pdf_workers
        line |= run_stage(argvs[stage], logs / f"{stage}.log", opts.stage_timeout)
        folder, pattern = WRITES[stage]
        line["out_mb"] = mb([f for f in (study.out_dir / folder).glob(pattern) if f.is_file()])
        totals = {"wall_s": totals["wall_s"] + line["wall_s"], "cpu_s": totals["cpu_s"] + line["cpu_s"],
                  "peak_mib": max(totals["peak_mib"], line["peak_mib"])}
        failed = line["exit"] != 0 and stage != "package"  # package exits 1 when its check finds problems
        if line["exit"] != 0:
            tail = (logs / f"{stage}.log").read_text(errors="replace").strip().splitlines()
            line["last_output"] = tail[-1][:300] if tail else ""
        if stage == "sdtm" and opts.ref and not failed:
            csv, xpt = read_csvs(study.stage_dir("raw")), xpt_round(study.stage_dir("sdtm"))
            sdtm_read = xpt["pyreadstat_read_xport"]
            line["ref"] = {**csv, **{k: v for k, v in xpt.items() if k != "pyreadstat_read_xport"}}
            line["ratio"] = ratio(line, [csv["pandas_read_csv"], xpt["pyreadstat_write_xport"]])
        elif stage == "adam" and opts.ref and not failed:
            xpt = xpt_round(study.stage_dir("adam"))
            line["ref"] = {"pyreadstat_read_xport_sdtm": sdtm_read,
                           **{k: v for k, v in xpt.items() if k != "pyreadstat_read_xport"}}
            line["ratio"] = ratio(line, [sdtm_read, xpt["pyreadstat_write_xport"]])
        print(json.dumps(line), flush=True)
        if failed:
            return 1
    total = {"stage": "total", "subjects": opts.subjects, "stages": stages,
             **{k: round(v, 2) for k, v in totals.items()},
             "bench_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(total), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
