"""``cdiscflow adam``: derive a study's ADaM datasets from SDTM and write them as XPT and Dataset-JSON.

``cdiscflow adam --study cdiscpilot01 --sdtm ../shared/data/cdiscpilot01/sdtm --out DIR`` writes
``DIR/cdiscpilot01/adam/{adsl,adae,adqsadas}.xpt`` (and ``.json``), each with its record log
``adam/record_counts/<name>.csv``, and prints the counts. Without ``--sdtm`` the SDTM folder is
the study's ``inputs: {sdtm: ...}`` or else ``<out>/<study>/sdtm`` (the output of ``cdiscflow sdtm``); ``--datasets`` restricts (dependencies are derived too).
A subject dropped between SDTM and ADaM without a declared selection is an error (exit 2, nothing published).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cdiscflow.adam.engine import derive_study
from cdiscflow.adam.recordcount import summary
from cdiscflow.io.publish import staged
from cdiscflow.study import Study


def run(args: argparse.Namespace) -> int:
    study = Study.load(args.study, args.out)
    sdtm = Path(args.sdtm) if args.sdtm else (study.input_dir("sdtm") or study.stage_dir("sdtm"))
    with staged(study, "adam", partial=bool(args.datasets)) as view:
        results = derive_study(study, sdtm, view.out_root, datasets=args.datasets)
    target = Path(args.out) / study.name / "adam"
    for name, df in results.items():
        print(f"{name}: {len(df)} records, {df.shape[1]} variables -> {target / (name.lower() + '.xpt')}")
    print(f"Record counts (inputs read -> output; see {target / 'record_counts'}):")
    print(summary(results.record_log))
    return 0
