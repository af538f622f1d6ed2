"""``cdiscflow ars``: run a CDISC ARS v1 reporting event on ADaM datasets.

    cdiscflow ars "../shared/data/ars/examples/Common Safety Displays.json" --adam ../shared/data/cdiscpilot01/adam --out DIR

Writes ``DIR/results.json`` (the reporting event with every analysis's ``results`` filled: rawValue and
formattedValue), ``DIR/ard.csv`` and ``DIR/ard.json`` (one row per result). An analysis that cannot be
evaluated (e.g. it names a variable the data do not have) is listed with its reason, the others still run,
and the command exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cdiscflow.ars.engine import load_event, run_event
from cdiscflow.errors import DataError
from cdiscflow.io.atomic import write_text
from cdiscflow.io.csvsafe import to_csv_text
from cdiscflow.io.datasets import read_folder


def run(args: argparse.Namespace) -> int:
    adam_dir = Path(args.adam)
    if not adam_dir.is_dir():
        raise DataError("ADaM folder not found", file=str(adam_dir), expected="a folder of ADaM datasets")
    doc = load_event(args.event)
    adam = read_folder(adam_dir)
    out_doc, ard, errors = run_event(doc, adam)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "results.json", json.dumps(out_doc, indent=1, ensure_ascii=False) + "\n")
    write_text(out / "ard.json", ard.to_json(orient="records", indent=1, force_ascii=False) + "\n")
    write_text(out / "ard.csv", to_csv_text(ard))  # text cells neutralised against spreadsheet formulas
    analyses = len(doc.get("analyses", []))
    print(f"{analyses - len(errors)} of {analyses} analyses, {len(ard)} results -> {out / 'results.json'}")
    for message in errors:
        print(f"cdiscflow ars: {message}", file=sys.stderr)
    return 1 if errors else 0
