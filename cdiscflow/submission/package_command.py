"""``cdiscflow package``: assemble ``out/<study>/package/`` and ``package.zip`` from the outputs of a run."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cdiscflow.errors import CdiscflowError
from cdiscflow.provenance import source_date_epoch
from cdiscflow.study import Study
from cdiscflow.submission.package import CHECKSUMS, build_package


def run(args: argparse.Namespace) -> int:
    study = Study.load(args.study, out=args.out)
    if not study.out_dir.is_dir():
        raise CdiscflowError(f"no outputs in {study.out_dir}", expected="`cdiscflow run` first")
    epoch = source_date_epoch(study.meta)
    if epoch is not None:  # else the zip is dated by the clock
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    zip_path = build_package(study, study.out_dir)
    root = study.out_dir / "package"
    count = sum(1 for p in Path(root).rglob("*") if p.is_file() and p.name != CHECKSUMS)
    print(f"package: {root} ({count} files, checksums in {CHECKSUMS})")
    print(f"zip:     {zip_path}")
    return 0
