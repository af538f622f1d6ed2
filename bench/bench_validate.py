"""Time validation of a large study: the CDISC pilot SDTM (and ADaM) replicated N times with new USUBJIDs.

    python bench/bench_validate.py [--copies 20] [--adam] [--no-suites]

Reads the pilot SDTM (and with ``--adam`` its ADaM) once, replicates every subject-level dataset ``copies`` times (USUBJID prefixed with the copy
number; trial design datasets once), then times ``cdiscflow.validation.validate`` with the rules only and
with the rules plus the great-expectations suites (specs from the pilot define.xml files). Prints subjects,
records, wall and CPU seconds, and the slowest rules.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from cdiscflow.specs.ct import data_dir
from cdiscflow.specs.define_import import import_define
from cdiscflow.validation import validate
from cdiscflow.validation.load import read_folder


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--adam", action="store_true", help="replicate the pilot ADaM too")
    parser.add_argument("--no-suites", action="store_true", help="skip the run with suites")
    args = parser.parse_args()

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

    runs = [("rules", False)] + ([] if args.no_suites else [("rules + suites", True)])
    for label, suites in runs:
        wall, cpu = time.perf_counter(), time.process_time()
        report = validate(datasets, standards, specs=specs, codelists=codelists, studyid="CDISCPILOT01",
                          study_name="bench", suites=suites)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        counts = report.counts()
        print(f"{label:<15} wall {wall:7.1f} s  cpu {cpu:7.1f} s  findings: "
              + ", ".join(f"{n:,} {sev}" for sev, n in counts.items()))
        slow = sorted(((v, k) for k, v in report.timings.items() if k not in ("rules", "suites")), reverse=True)
        print("  slowest rules: " + ", ".join(f"{k} {v:.1f} s" for v, k in slow[:6]))
        if suites:
            print(f"  suites: {report.timings['suites']:.1f} s")


if __name__ == "__main__":
    main()
