"""Time validation of a large study: the built-in ALS study simulated with 5,000 subjects (default), or the CDISC
pilot SDTM (and ADaM) replicated N times with new USUBJIDs.

    python bench/bench_validate.py [--subjects 5000] [--out /tmp/bench_validate] [--no-suites]
    python bench/bench_validate.py --pilot [--copies 20] [--adam] [--no-suites]

The simulated study is built once with the pipeline's own stages (``cdiscflow simulate --subjects N``, then
``sdtm`` and ``adam``) under ``--out`` and reused when its SDTM and ADaM are there. Then
``cdiscflow.validation.validate_study`` is timed with the rules only and with the rules plus the
great-expectations suites (specs and codelists of the study). Prints subjects, records, wall and CPU seconds,
the findings and the slowest rules. The stage build is not part of the timings.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cdiscflow.cli import main as cli
from cdiscflow.specs.ct import data_dir
from cdiscflow.specs.define_import import import_define
from cdiscflow.study import Study
from cdiscflow.validation import validate, validate_study
from cdiscflow.validation.load import read_folder
from cdiscflow.validation.model import Report

STUDY = "msc_ntf_als"


def replicate(df: pd.DataFrame, copies: int) -> pd.DataFrame:
    """``copies`` copies of a subject-level dataset, each with new USUBJIDs of the same length (the pilot's
    "01-701-1015" becomes "kk-701-1015", so spec lengths still hold)."""
    if "USUBJID" not in df.columns or copies == 1:
        return df
    parts = []
    for k in range(copies):
        part = df.copy()
        part["USUBJID"] = f"{k:02d}" + part["USUBJID"].astype(str).str.slice(2)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    if out["USUBJID"].nunique() != df["USUBJID"].nunique() * copies:
        raise SystemExit("replicated USUBJIDs collide; the originals must share their first two characters")
    return out


def build_simulated(out: Path, subjects: int) -> Study:
    """The ALS study with ``subjects`` randomized participants through simulate → sdtm → adam (skipped when the
    SDTM and ADaM are already under ``out``)."""
    study = Study.load(STUDY, out)
    if any(study.stage_dir("sdtm").glob("*.xpt")) and any(study.stage_dir("adam").glob("*.xpt")):
        print(f"reusing {study.out_dir}")
        return study
    raw = study.stage_dir("raw")
    for label, argv in (("simulate", ["simulate", "--subjects", str(subjects), "--out", str(out)]),
                        ("sdtm", ["sdtm", "--study", STUDY, "--raw", str(raw), "--out", str(out)]),
                        ("adam", ["adam", "--study", STUDY, "--sdtm", str(study.stage_dir("sdtm")),
                                  "--out", str(out)])):
        started = time.perf_counter()
        if cli(argv) != 0:
            raise SystemExit(f"`cdiscflow {' '.join(argv)}` failed")
        print(f"built {label} in {time.perf_counter() - started:.0f} s")
    return study


def timed(label: str, run: Callable[[], Report]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    report = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<15} wall {wall:7.1f} s  cpu {cpu:7.1f} s  findings: "
          + ", ".join(f"{n:,} {sev}" for sev, n in report.counts().items())
          + (f"; {sum(report.counts_by_rule(accepted=True).values()):,} accepted"
             if report.counts_by_rule(accepted=True) else ""))
    slow = sorted(((v, k) for k, v in report.timings.items() if k not in ("rules", "suites")), reverse=True)
    print("  slowest rules: " + ", ".join(f"{k} {v:.1f} s" for v, k in slow[:6]))
    if "suites" in report.timings:
        print(f"  rules {report.timings['rules']:.1f} s, suites {report.timings['suites']:.1f} s")


def bench_simulated(args: argparse.Namespace) -> None:
    study = build_simulated(Path(args.out), args.subjects)
    sdtm, adam = read_folder(study.stage_dir("sdtm")), read_folder(study.stage_dir("adam"))
    subjects = sdtm["DM"][0]["USUBJID"].nunique()
    records = sum(len(df) for df, _ in [*sdtm.values(), *adam.values()])
    print(f"{STUDY} simulated: {subjects:,} subjects in DM, {len(sdtm)} SDTM + {len(adam)} ADaM datasets, "
          f"{records:,} records (times include reading the XPT files)")
    for label, suites in [("rules", False)] + ([] if args.no_suites else [("rules + suites", True)]):
        timed(label, lambda suites=suites: validate_study(study, suites=suites))


def bench_pilot(args: argparse.Namespace) -> None:
    pilot = data_dir() / "cdiscpilot01"
    folders = {"SDTM": pilot / "sdtm"} | ({"ADAM": pilot / "adam"} if args.adam else {})
    datasets, standards, specs, codelists = {}, {}, {}, {}
    for standard, folder in folders.items():
        for name, (df, _meta) in read_folder(folder).items():
            datasets[name], standards[name] = replicate(df, args.copies), standard
        imported = import_define(Path(folder) / "define.xml")
        specs.update(imported.datasets)
        codelists.update(imported.codelists)
    subjects = datasets["DM"]["USUBJID"].nunique()
    records = sum(len(df) for df in datasets.values())
    print(f"pilot x{args.copies}: {subjects} subjects, {len(datasets)} datasets, {records:,} records")
    for label, suites in [("rules", False)] + ([] if args.no_suites else [("rules + suites", True)]):
        timed(label, lambda suites=suites: validate(datasets, standards, specs=specs, codelists=codelists,
                                                    studyid="CDISCPILOT01", study_name="bench", suites=suites))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=5000, help="randomized subjects of the simulated study")
    parser.add_argument("--out", default="/tmp/bench_validate", help="where the simulated study is built")
    parser.add_argument("--pilot", action="store_true", help="bench the replicated CDISC pilot instead")
    parser.add_argument("--copies", type=int, default=20, help="pilot copies (with --pilot)")
    parser.add_argument("--adam", action="store_true", help="replicate the pilot ADaM too (with --pilot)")
    parser.add_argument("--no-suites", action="store_true", help="skip the run with suites")
    args = parser.parse_args()
    (bench_pilot if args.pilot else bench_simulated)(args)


if __name__ == "__main__":
    main()
