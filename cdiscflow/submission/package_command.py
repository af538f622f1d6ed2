"""``cdiscflow package``: assemble ``out/<study>/package/`` and ``package.zip`` from the outputs of a run, then
check it (``--check``: check the existing package only). Exit 1 when the check finds problems."""

from __future__ import annotations

import argparse
import os

from cdiscflow.errors import CdiscflowError
from cdiscflow.io.publish import run_lock
from cdiscflow.provenance import source_date_epoch
from cdiscflow.study import Study
from cdiscflow.submission.package import CHECKSUMS, build_package, check_package


def run(args: argparse.Namespace) -> int:
    study = Study.load(args.study, out=args.out)
    root = study.out_dir / "package"
    if getattr(args, "check", False):
        if not root.is_dir():
            raise CdiscflowError(f"no package in {root}", expected="`cdiscflow package` first")
    else:
        if not study.out_dir.is_dir():
            raise CdiscflowError(f"no outputs in {study.out_dir}", expected="`cdiscflow run` first")
        epoch = source_date_epoch(study.meta)
        if epoch is not None:  # else the zip is dated by the clock
            os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
        with run_lock(study.out_dir):
            zip_path = build_package(study, study.out_dir)
        print(f"zip:     {zip_path}")
    files, problems = check_package(root, study.studyid)
    for name in files:
        print(f"  {name}")
    count = sum(1 for name in files if name != CHECKSUMS)
    print(f"package: {root} ({count} files, checksums in {CHECKSUMS})")
    for problem in problems:
        print(f"check: {problem.path}: {problem.problem}")
    print(f"check: {len(problems)} problem(s)")
    return 1 if problems else 0
