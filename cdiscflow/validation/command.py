"""``cdiscflow validate``: validate a study's SDTM and ADaM, write the report, exit by the --fail-on policy."""

from __future__ import annotations

import argparse

from cdiscflow.io.publish import staged
from cdiscflow.study import Study
from cdiscflow.validation.api import validate_study
from cdiscflow.validation.report import summary, write_report


def run(args: argparse.Namespace) -> int:
    study = Study.load(args.study, args.out)
    with staged(study, "validation") as view:
        report = validate_study(study, getattr(args, "sdtm", None), getattr(args, "adam", None),
                                suites=not getattr(args, "no_suites", False), defines=getattr(args, "define", None))
        write_report(report, view.stage_dir("validation"))
    json_path, html_path = (study.stage_dir("validation") / n for n in ("report.json", "report.html"))
    print(summary(report))
    print(f"report: {html_path} and {json_path}")
    fail_on = getattr(args, "fail_on", "error") or "error"
    return 1 if report.fails(fail_on) else 0
