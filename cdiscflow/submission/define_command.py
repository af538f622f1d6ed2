"""``cdiscflow define``: write define.xml 2.1 (+ its stylesheet and define.html) for SDTM and/or ADaM from the
study's specs, with the data of ``out/<study>/{sdtm,adam}`` when they are there (integer vs float, dictionary
versions)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.io.atomic import write_bytes, write_text
from cdiscflow.io.datasets import dataset_files, read_dataset
from cdiscflow.io.publish import staged
from cdiscflow.study import Study
from cdiscflow.submission.acrf import acrf_pages as acrf_pages_of
from cdiscflow.submission.define import (
    STANDARDS,
    STYLESHEET,
    build_define,
    reference_errors,
    schema_errors,
    to_xml,
    xml_bytes,
)
from cdiscflow.submission.define_html import render_html


def define_data(study: Study, standard: str, data_root: Path | None = None) -> dict[str, pd.DataFrame]:
    """The datasets define.xml describes (``<data_root>/<standard>/``, default ``out/<study>``) plus SDTM's TS
    and SUPP-- (dictionary versions); empty when there are none yet (define.xml then follows the specs)."""
    root = Path(data_root) if data_root is not None else study.out_dir
    specs = study.sdtm_specs if standard == "sdtm" else study.adam_specs
    data: dict[str, pd.DataFrame] = {}
    for stage, wanted in ((standard, set(specs)), ("sdtm", None)):
        folder = root / stage
        if not folder.is_dir():
            continue
        for name, path in dataset_files(folder).items():
            if name not in data and (name in wanted if wanted is not None else name == "TS" or name.startswith("SUPP")):
                data[name] = read_dataset(path)[0]
    return data


def generated_acrf_pages(study: Study, raw_dir: Path) -> dict[str, list[int]]:
    """``"DS.VAR"`` → the pages of the generated aCRF that annotate the variable."""
    return {f"{d}.{v}": p for (d, v), p in acrf_pages_of(study, raw_dir).items()}


def write_define(study: Study, standard: str, data_root: Path | str | None = None,
                 acrf_pages: Mapping[str, Sequence[int]] | None = None) -> Path:
    """Write ``out/<study>/define/<standard>/define.xml``, its stylesheet and ``define.html``; return the XML path.

    ``data_root`` holds the ``sdtm/`` and ``adam/`` data (default ``out/<study>``; the runner passes the run's).
    When it also holds the generated ``acrf/acrf.pdf``, the SDTM variables point at the pages annotating them.
    The document is first checked against the Define-XML 2.1 XSD and for dangling or duplicate OIDs; an
    invalid one raises :class:`SpecError` with the first messages and nothing is written.
    """
    data = define_data(study, standard, Path(data_root) if data_root is not None else None)
    root = Path(data_root) if data_root is not None else study.out_dir
    if acrf_pages is None and standard == "sdtm" and (root / "acrf" / "acrf.pdf").is_file():
        acrf_pages = generated_acrf_pages(study, root / "raw")
    doc = build_define(study, standard, data=data, acrf_pages=acrf_pages)
    tree = to_xml(doc)
    errors = schema_errors(tree) + reference_errors(tree)
    if errors:
        raise SpecError(f"{standard.upper()} define.xml is not valid Define-XML 2.1: " + "; ".join(errors[:5]),
                        file=str(study.specs_dir / standard), expected="specs that give a schema-valid define.xml")
    folder = study.stage_dir("define") / standard
    path = write_bytes(folder / "define.xml", xml_bytes(tree))
    write_bytes(folder / STYLESHEET, (Path(__file__).parent / "templates" / STYLESHEET).read_bytes())
    write_text(folder / "define.html", render_html(doc))
    return path


def run(args: argparse.Namespace) -> int:
    study = Study.load(args.study, args.out)
    wanted = STANDARDS if args.standard == "both" else (args.standard,)
    written = []
    with staged(study, "define", partial=len(wanted) < len(STANDARDS)) as view:
        written = write_all(study, view, wanted, args.standard == "both")
    if not written:
        raise SpecError("no SDTM or ADaM specs to describe", file=str(study.specs_dir),
                        expected="specs/sdtm/*.yaml or specs/adam/*.yaml")
    for standard in written:
        print(f"define: {study.stage_dir('define') / standard / 'define.xml'} (+ define.html)")
    return 0


def write_all(study: Study, view: Study, wanted: tuple[str, ...], both: bool) -> list[str]:
    """Write each wanted standard's define into ``view``'s staging folder; the standards written."""
    written = []
    for standard in wanted:
        has_specs = bool(study.sdtm_specs if standard == "sdtm" else study.adam_specs)
        if not has_specs and both:
            print(f"define: no {standard.upper()} specs in {study.specs_dir / standard}; skipped")
            continue
        pages = None
        if standard == "sdtm" and (study.stage_dir("acrf") / "acrf.pdf").is_file():
            pages = generated_acrf_pages(study, study.stage_dir("raw"))
        write_define(view, standard, data_root=study.out_dir, acrf_pages=pages)
        written.append(standard)
    return written
