"""``cdiscflow specs import FILE --out DIR`` and ``cdiscflow specs export --study S --xlsx FILE``.

Import reads a Pinnacle 21-layout workbook (``.xlsx``) or a define.xml into the YAML spec folder layout
(``DIR/adam/*.yaml``, ``DIR/sdtm/*.yaml``, ``DIR/codelists.yaml``, ``DIR/documents.yaml``); export writes a
study's specs back as a workbook.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cdiscflow.errors import SpecError
from cdiscflow.specs.workbook import (
    SpecSet,
    import_specs,
    read_spec_folder,
    write_spec_folder,
    write_workbook,
)


def study_specs(ref: str | None) -> SpecSet:
    """A study's spec folder as a :class:`SpecSet`, with the study attributes of its study.yaml."""
    from cdiscflow.study import Study

    study = Study.load(ref)
    specs = read_spec_folder(study.specs_dir)
    attrs = {"StudyName": study.studyid, "StudyDescription": study.meta.get("title"),
             "ProtocolName": study.meta.get("protocol")}
    specs.study = {k: str(v) for k, v in attrs.items() if v}
    return specs


@contextmanager
def new_folder(folder: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``folder`` that becomes ``folder`` on success (all or nothing).

    A ``folder`` that exists and is not empty is refused."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise SpecError("folder exists and is not empty; nothing was written", file=str(folder),
                        expected="a new or empty folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        os.replace(tmp, folder)  # an empty target folder is replaced
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
