"""``cdiscflow tlf``: produce a study's tables, listings and figures from its ADaM datasets.

    cdiscflow tlf --study cdiscpilot01 --adam ../shared/data/cdiscpilot01/adam --out DIR
    cdiscflow tlf --adam DIR --sdtm DIR       # SDTM datasets named by entries' ``sdtm:`` (default: adam/../sdtm)
    cdiscflow tlf --only t-14-2-01 --formats rtf html

Writes ``DIR/<study>/tlf/<id>.{rtf,docx,html,pdf}`` with ``<id>.ard.csv``/``.ard.json``, ``index.html`` and the
book of every output in the folder (``book.pdf``, ``book.rtf``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cdiscflow.io.publish import staged
from cdiscflow.study import Study
from cdiscflow.tlf.book import write_book
from cdiscflow.tlf.engine import run_catalog


def run(args: argparse.Namespace) -> int:
    study = Study.load(args.study, args.out)
    adam = Path(args.adam) if getattr(args, "adam", None) else study.stage_dir("adam")
    sdtm = Path(args.sdtm) if getattr(args, "sdtm", None) else None
    only = getattr(args, "only", None)
    with staged(study, "tlf", partial=bool(only)) as view:
        summaries = run_catalog(study, adam, view.stage_dir("tlf"), only=only,
                                formats=getattr(args, "formats", None), log=lambda m: print(m, file=sys.stderr),
                                sdtm_dir=sdtm)
        book = write_book(study, view.stage_dir("tlf"))
    for s in summaries:
        for note in s["notes"]:
            print(f"{s['id']}: {note}", file=sys.stderr)
    print(f"{len(summaries)} output(s) in {study.stage_dir('tlf')}" + (f"; book: {', '.join(p.name for p in book)}" if book else ""))
    return 0
