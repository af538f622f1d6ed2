"""``cdiscflow define``: write define.xml 2.1 (+ define.html) for SDTM and/or ADaM from the study's specs."""

from __future__ import annotations

import argparse
from pathlib import Path

from cdiscflow.errors import SpecError
from cdiscflow.io.atomic import write_bytes, write_text
from cdiscflow.study import Study
from cdiscflow.submission.define import (
    STANDARDS,
    build_define,
    reference_errors,
    schema_errors,
    to_xml,
    xml_bytes,
)
from cdiscflow.submission.define_html import render_html


def write_define(study: Study, standard: str) -> Path:
    """Write ``out/<study>/define/<standard>/define.xml`` and ``define.html``; return the XML path.

    The document is first checked against the Define-XML 2.1 XSD and for dangling or duplicate OIDs; an
    invalid one raises :class:`SpecError` with the first messages and nothing is written.
    """
    doc = build_define(study, standard)
    tree = to_xml(doc)
    errors = schema_errors(tree) + reference_errors(tree)
    if errors:
        raise SpecError(f"{standard.upper()} define.xml is not valid Define-XML 2.1: " + "; ".join(errors[:5]),
                        file=str(study.specs_dir / standard), expected="specs that give a schema-valid define.xml")
    folder = study.stage_dir("define") / standard
    path = write_bytes(folder / "define.xml", xml_bytes(tree))
    write_text(folder / "define.html", render_html(doc))
    return path


def run(args: argparse.Namespace) -> int:
    study = Study.load(args.study, args.out)
    wanted = STANDARDS if args.standard == "both" else (args.standard,)
    written = []
    for standard in wanted:
        has_specs = bool(study.sdtm_specs if standard == "sdtm" else study.adam_specs)
        if not has_specs and args.standard == "both":
            print(f"define: no {standard.upper()} specs in {study.specs_dir / standard}; skipped")
            continue
        path = write_define(study, standard)
        written.append(path)
        print(f"define: {path} (+ define.html)")
    if not written:
        raise SpecError("no SDTM or ADaM specs to describe", file=str(study.specs_dir),
                        expected="specs/sdtm/*.yaml or specs/adam/*.yaml")
    return 0
