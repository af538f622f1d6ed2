"""``cdiscflow specs import FILE --out DIR`` and ``cdiscflow specs export --study S --xlsx FILE``.

Import reads a Pinnacle 21-layout workbook (``.xlsx``) or a define.xml into the YAML spec folder layout
(``DIR/adam/*.yaml``, ``DIR/sdtm/*.yaml``, ``DIR/codelists.yaml``, ``DIR/documents.yaml``); export writes a
study's specs back as a workbook.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cdiscflow.io.publish import new_folder
from cdiscflow.specs.workbook import (
    SpecSet,
    import_specs,
    read_spec_folder,
    write_spec_folder,
    write_workbook,
)
from cdiscflow.study import Study


def study_specs(ref: str | None) -> SpecSet:
    """A study's spec folder as a :class:`SpecSet`, with the study attributes of its study.yaml."""
    study = Study.load(ref)
    specs = read_spec_folder(study.specs_dir)
    attrs = {"StudyName": study.studyid, "StudyDescription": study.meta.get("title"),
             "ProtocolName": study.meta.get("protocol")}
    specs.study = {k: str(v) for k, v in attrs.items() if v}
    return specs


def run(args: argparse.Namespace) -> int:
    if args.specs_command == "import":
        out = Path(args.out)
        specs = import_specs(args.file)
        with new_folder(out) as tmp:
            written = write_spec_folder(specs, tmp)
        for path in written:
            print(out / path.relative_to(tmp))
        variables = sum(len(ds.variables) for ds in specs.datasets.values())
        print(f"{len(specs.datasets)} dataset(s), {variables} variable(s), {len(specs.codelists)} codelist(s) "
              f"→ {out}")
        return 0
    specs = study_specs(args.study)
    print(write_workbook(specs, args.xlsx))
    return 0
