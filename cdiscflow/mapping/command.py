"""``cdiscflow sdtm``: map a study's raw extracts to SDTM, print and save the reconciliation."""

from __future__ import annotations

import argparse
from pathlib import Path

from cdiscflow.io.publish import staged
from cdiscflow.mapping.study import map_study
from cdiscflow.study import Study


def run(args: argparse.Namespace) -> int:
    study = Study.load(args.study, args.out)
    raw = Path(args.raw) if args.raw else study.stage_dir("raw")
    with staged(study, "sdtm", partial=bool(args.domains)) as view:
        result = map_study(study, raw, view.stage_dir("sdtm"), domains=args.domains,
                           design_dir=getattr(args, "design", None))
    print(f"SDTM for {study.studyid}: " + ", ".join(f"{n} {len(r.data)}" for n, r in result.results.items()))
    print("Reconciliation (raw rows in = mapped + rejected):")
    print(result.reconciliation.to_string(index=False))
    recon = result.reconciliation
    for row in recon[recon["use"] != "mapped"].itertuples():
        print(f"  {row.extract}: {row.use}" + (f" ({row.unmatched} of {row.raw_rows} row(s) match no subject)"
                                              if row.use == "look-up" and row.unmatched else ""))
    if len(result.rejections):
        print(f"{len(result.rejections)} rejection(s): see {study.stage_dir('sdtm') / 'rejections.csv'}")
    return 0
