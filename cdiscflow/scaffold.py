"""``cdiscflow init DIR --from FILE [--sdtm DIR]``: a new study folder from a spec workbook or define.xml.

The folder gets ``study.yaml`` (studyid and title from the metadata), ``specs/`` (imported), one empty
module per kind of study code, each with a docstring that says what goes in it, and a TLF catalog skeleton::

    study.yaml            studyid, title, CT version, the study's code modules (code: {sdtm, adam, tlf})
    specs/                sdtm/*.yaml, adam/*.yaml, codelists.yaml (from FILE)
    sdtm_derivations.py   @register("derive") functions SDTM specs name with ``derive:``
    adam_program.py       @register("adam") programs, one per ADaM spec (its ``settings.program``)
    tlf_programs.py       @register("tlf") programs the catalog names that the generic ones do not cover
    tlf/catalog.yaml      the tables, listings and figures (outputs: [])

Each ADaM spec is given ``settings.program: <dataset in lower case>``; until that function exists the ADaM
stage says the program is not registered. A non-empty ``DIR`` is refused.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from cdiscflow.errors import SpecError
from cdiscflow.io.atomic import write_text
from cdiscflow.io.publish import new_folder
from cdiscflow.specs.loader import dump_yaml
from cdiscflow.specs.workbook import SpecSet, import_specs, write_spec_folder

DEFAULT_CT_VERSION = "2025-03-28"

SDTM_MODULE = '''"""SDTM derivation functions of study {studyid}.

An SDTM spec (``specs/sdtm/<domain>.yaml``) maps most variables with the mapping vocabulary
(``map: {{assign: COLUMN}}``, ``assign_ct``, ``iso_date`` ... see ``cdiscflow/mapping/VOCABULARY.md``). A
variable that needs code says ``derive: <name>``; write that function here::

    from cdiscflow.registry import register

    @register("derive")
    def my_derivation(ctx, raw):      # returns the variable's values (a Series aligned with ``raw``)
        ...
"""
'''

ADAM_MODULE = '''"""ADaM programs of study {studyid}: one function per ADaM dataset.

Each ADaM spec names its program in ``settings.program``; these are still to be written:

{todo}

A program takes the :class:`cdiscflow.adam.engine.AdamContext` and returns the dataset as a DataFrame
(the engine then orders, types and checks it against the spec)::

    from cdiscflow.registry import register

    @register("adam")
    def adsl(ctx):
        dm = ctx.sdtm("DM")           # SDTM datasets are read on demand
        ...
        return adsl

Build from the library derivations in :mod:`cdiscflow.adam` (admiral's names and rules).
"""
'''

TLF_MODULE = '''"""TLF programs of study {studyid} (only for displays the generic programs cannot produce).

``tlf/catalog.yaml`` lists the outputs; each names a program: a generic one from :mod:`cdiscflow.tlf.programs`
(``summary``, ``incidence``, ``listing``) or one registered here::

    from cdiscflow.registry import register

    @register("tlf")
    def my_table(ctx):                # returns a cdiscflow.tlf.result.ProgramResult
        ...
"""
'''

CATALOG = """# Tables, listings and figures of study {studyid}. One entry per output, e.g.
#  - id: t-dm
#    title: Summary of Demographic Characteristics
#    population: {{label: Safety, dataset: ADSL, where: 'SAFFL == "Y"'}}
#    datasets: [ADSL]
#    program: summary
#    options:
#      group: {{var: TRT01A}}
#      blocks: [{{var: AGE, label: Age (y)}}, {{var: SEX, type: categorical}}]
defaults:
  formats: [rtf, html]
outputs: []
"""


def _studyid(specs: SpecSet, given: str | None, source: Path) -> str:
    studyid = given or specs.study.get("StudyName")
    if not studyid:
        raise SpecError("the metadata names no study (Define sheet StudyName / define.xml StudyName)",
                        file=str(source), expected="StudyName in the metadata, or --studyid ID")
    return studyid


def scaffold(folder: Path | str, source: Path | str, sdtm: Path | str | None = None,
             studyid: str | None = None) -> list[Path]:
    """Create the study folder (see module docstring); returns the files written."""
    folder, source = Path(folder), Path(source)
    specs = import_specs(source)
    sid = _studyid(specs, studyid, source)
    sdtm_dir = Path(sdtm).resolve() if sdtm else None
    if sdtm_dir is not None and not sdtm_dir.is_dir():
        raise SpecError("--sdtm folder not found", file=str(sdtm), expected="a folder of SDTM datasets")
    adam = [ds for ds in specs.datasets.values() if ds.standard == "ADaM"]
    for ds in adam:
        ds.settings = {"program": re.sub(r"\W", "_", ds.name.lower()), **ds.settings}
    meta = {"name": folder.name, "studyid": sid, "title": specs.study.get("StudyDescription") or sid,
            "protocol": specs.study.get("ProtocolName") or sid, "ct_version": DEFAULT_CT_VERSION,
            "code": {"sdtm": ["sdtm_derivations"], "adam": ["adam_program"], "tlf": ["tlf_programs"]}}
    with new_folder(folder) as tmp:
        written = _write(tmp, folder, specs, meta, source, sdtm_dir)
    return [folder / p.relative_to(tmp) for p in written]


def _write(tmp: Path, folder: Path, specs: SpecSet, meta: dict, source: Path, sdtm_dir: Path | None) -> list[Path]:
    sid = meta["studyid"]
    adam = [ds for ds in specs.datasets.values() if ds.standard == "ADaM"]
    header = f"# Study {sid}, started by cdiscflow init from {source.name}.\n"
    if sdtm_dir is not None:
        header += f"# Its SDTM: {sdtm_dir} (cdiscflow run --study {folder} --sdtm {sdtm_dir})\n"
    written = [write_text(tmp / "study.yaml", header + dump_yaml(meta))]
    written += write_spec_folder(specs, tmp / "specs")
    todo = "\n".join(f"* ``{ds.settings['program']}`` → {ds.name} ({ds.label})" for ds in adam) or "* (none)"
    written += [write_text(tmp / "sdtm_derivations.py", SDTM_MODULE.format(studyid=sid)),
                write_text(tmp / "adam_program.py", ADAM_MODULE.format(studyid=sid, todo=todo)),
                write_text(tmp / "tlf_programs.py", TLF_MODULE.format(studyid=sid)),
                write_text(tmp / "tlf" / "catalog.yaml", CATALOG.format(studyid=sid))]
    return written


def run(args: argparse.Namespace) -> int:
    written = scaffold(args.dir, args.source, args.sdtm, args.studyid)
    for path in written:
        print(path)
    print(f"study folder {args.dir} created: fill in adam_program.py, then "
          f"cdiscflow run --study {args.dir}" + (f" --sdtm {args.sdtm}" if args.sdtm else ""))
    return 0
