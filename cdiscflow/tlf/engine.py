"""Run a study's TLF catalog: load ADaM, run each output's program, write the ARD and every format.

``run_catalog(study, adam_dir, out_dir)`` writes ``<out_dir>/<id>.{rtf,docx,html,pdf}``,
``<id>.ard.csv``/``<id>.ard.json`` and ``index.html``. A program is a function registered with
``@register("tlf")`` taking a :class:`TlfContext` and returning a :class:`ProgramResult` (its ARD and its
layout). Study programs live in the study's modules (``code: {tlf: [...]}``, default ``tlf_programs``), loaded
by :mod:`cdiscflow.studyload`; the generic programs of :mod:`cdiscflow.tlf.programs` are available to every study.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from cdiscflow import __version__
from cdiscflow.errors import DataError, ExpressionError, SpecError, TlfError, located
from cdiscflow.expr import evaluate
from cdiscflow.io.datasets import dataset_files, read_dataset
from cdiscflow.provenance import data_cutoff, dates_line, run_stamp, sha256_file
from cdiscflow.study import Study
from cdiscflow.tlf.ard import ard_frame, write_ard
from cdiscflow.tlf.catalog import FORMATS, OutputSpec, load_catalog
from cdiscflow.tlf.layout import Frame
from cdiscflow.tlf.options import require_columns
from cdiscflow.tlf.patterns import fill
from cdiscflow.tlf.render import RENDERERS, convert_to_pdf, render_index, soffice_path
from cdiscflow.tlf.result import ProgramResult


class DatasetFolder:
    """Datasets of a folder (xpt, json, csv or sas7bdat through :mod:`cdiscflow.io.datasets`), each read on
    first use; names upper-case. ``kind`` (ADaM, SDTM) names the folder in errors."""

    kind = "ADaM"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.paths = dataset_files(folder)
        self._cache: dict[str, pd.DataFrame] = {}

    def files(self, name: str) -> list[Path]:
        return [self.paths[name]] if name in self.paths else []

    def get(self, name: str) -> pd.DataFrame:
        name = name.upper()
        if name not in self._cache:
            if name not in self.paths:
                raise DataError(f"dataset {name} not found", file=str(self.folder),
                                expected=f"{name.lower()}.xpt (or .json/.csv/.sas7bdat) in the {self.kind} folder")
            self._cache[name] = read_dataset(self.paths[name])[0]
        return self._cache[name]


class SdtmFolder(DatasetFolder):
    kind = "SDTM"


class AdamFolder(DatasetFolder):
    """The ADaM datasets, and the SDTM datasets that catalog entries name in ``sdtm:`` (e.g. CM, which the
    pilot ADaM has no ADCM for). The SDTM folder defaults to the ``sdtm`` folder beside the ADaM folder (the
    layout of ``out/<study>/`` and of a submission's data folder); it is only looked at when an entry needs it."""

    def __init__(self, folder: Path, sdtm: Path | None = None) -> None:
        super().__init__(folder)
        self.sdtm_dir = Path(sdtm) if sdtm is not None else Path(folder).parent / "sdtm"

    @cached_property
    def sdtm(self) -> SdtmFolder | None:
        """The SDTM folder, or None when there is none."""
        return SdtmFolder(self.sdtm_dir) if self.sdtm_dir.is_dir() else None

    def sdtm_files(self, name: str) -> list[Path]:
        return self.sdtm.files(name) if self.sdtm is not None else []


@dataclass
class TlfContext:
    """What a program sees: its catalog entry, the study, the ADaM data and helpers."""

    spec: OutputSpec
    study: Study
    adam: AdamFolder
    stamp: str
    notes: list[str] = field(default_factory=list)

    @property
    def options(self) -> dict[str, Any]:
        return self.spec.options

    @property
    def rule(self) -> str:
        return self.spec.rounding

    def dataset(self, name: str) -> pd.DataFrame:
        """An ADaM dataset the entry lists in ``datasets``, or an SDTM dataset it lists in ``sdtm``."""
        name = name.upper()
        if name in self.spec.sdtm:
            sdtm = self.adam.sdtm
            if sdtm is None or name not in sdtm.paths:
                what = "there is no SDTM folder" if sdtm is None else "the SDTM folder has no such dataset"
                raise DataError(f"output {self.spec.id} reads SDTM {name} but {what}", file=str(self.adam.sdtm_dir),
                                variable=name, expected=f"{name.lower()}.xpt (or .json/.csv/.sas7bdat) in the SDTM "
                                "folder (cdiscflow tlf --sdtm DIR; default: the sdtm folder beside the ADaM folder)")
            return sdtm.get(name)
        if name not in self.spec.datasets and name != self.spec.population.dataset:
            raise SpecError(f"output {self.spec.id} reads {name} but does not list it in 'datasets' or 'sdtm'",
                            file=self.spec.file, expected=f"datasets: [{name}, ...] (ADaM) or sdtm: [{name}] (SDTM)")
        return self.adam.get(name)

    @cached_property
    def population(self) -> pd.DataFrame:
        """The population dataset (usually ADSL) filtered by the population condition."""
        pop = self.spec.population
        df = self.adam.get(pop.dataset)
        return df[evaluate(pop.where, df).to_numpy()].reset_index(drop=True) if pop.where else df

    def analysis_data(self, name: str, where: str | None = None, subject: str = "USUBJID") -> pd.DataFrame:
        """``name`` restricted to population subjects and to ``where`` (safe expression)."""
        df = self.dataset(name)
        keep = df[subject].isin(self.population[subject]) if subject in df.columns else pd.Series(True, index=df.index)
        if where:
            keep &= evaluate(where, df)
        return df[keep.to_numpy()].reset_index(drop=True)

    def with_population_vars(self, records: pd.DataFrame, variables: Sequence[str], option: str,
                             subject: str = "USUBJID") -> pd.DataFrame:
        """``records`` with the population dataset's ``variables`` they lack (e.g. the treatment of an SDTM
        domain's subjects) merged on ``subject``; ``option`` names the catalog option in errors."""
        extra = [v for v in variables if v not in records.columns]
        if not extra:
            return records
        pop = self.population
        require_columns(self, pop, [subject, *extra], self.spec.population.dataset, option)
        return records.merge(pop[[subject, *extra]], on=subject, how="left", validate="many_to_one")

    def frame(self, **fmt: str) -> Frame:
        values = {"studyid": self.study.studyid, "population": self.spec.population.label,
                  "program": self.spec.program, "output_id": self.spec.id, **fmt}
        where = f"output {self.spec.id} top_left/source"
        return Frame(output_id=self.spec.id, titles=list(self.spec.titles),
                     top_left=[fill(t, values, file=self.spec.file, where=where) for t in self.spec.top_left],
                     footnotes=list(self.spec.footnotes), source=fill(self.spec.source, values, file=self.spec.file,
                                                                      where=where),
                     stamp=self.stamp, page=self.spec.page)


def run_output(spec: OutputSpec, study: Study, adam: AdamFolder, stamp: str) -> tuple[ProgramResult, list[str]]:
    program: Callable[[TlfContext], ProgramResult] = study.lookup("tlf", spec.program, file=spec.file, variable=spec.id)
    ctx = TlfContext(spec, study, adam, stamp)
    with located(file=spec.file, where=f"output {spec.id}", variable=spec.id, kinds=(SpecError, ExpressionError)):
        result = program(ctx)
    if not isinstance(result, ProgramResult):
        raise TlfError(f"program {spec.program} returned {type(result).__name__}", file=spec.file,
                       expected="a ProgramResult(ard, output)")
    result.ard = ard_frame(result.ard, spec.id)
    return result, ctx.notes


def _metadata(spec: OutputSpec, study: Study, adam: AdamFolder, stamp: str, notes: list[str]) -> dict[str, Any]:
    # file names only (not absolute paths): the metadata must not depend on where the run happened
    inputs = {name: [{"file": p.name, "sha256": sha256_file(p)} for p in adam.files(name)]
              for name in sorted({*spec.datasets, spec.population.dataset})}
    inputs |= {f"SDTM {name}": [{"file": p.name, "sha256": sha256_file(p)} for p in adam.sdtm_files(name)]
               for name in spec.sdtm}
    return {"output_id": spec.id, "titles": spec.titles, "study": study.studyid, "program": spec.program,
            "catalog": _relative(spec.file, study.root),
            "population": {"label": spec.population.label, "dataset": spec.population.dataset,
                           "where": spec.population.where},
            "rounding": spec.rounding, "rounding_note": {
                "half_up": "ties round away from zero (SAS ROUND / PUT default)",
                "half_even": "ties round to the even digit",
                "ieee": "the stored binary value rounded exactly, true ties to even (C printf / R sprintf, "
                        "as the CDISC pilot's published displays)",
                "half_up_15": "the value's 15-significant-digit text rounded half up (the 2006 CDISC pilot "
                              "CSR's SAS displays)"}[spec.rounding],
            "inputs": inputs, "run_stamp": stamp, "data_cutoff": data_cutoff(study.meta), "cdiscflow": __version__,
            "notes": notes}


def _relative(path: str | None, root: Path) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()  # the same wherever the study is
    except ValueError:
        return Path(path).name


def run_catalog(study: Study | str, adam_dir: Path | str, out_dir: Path | str | None = None,
                only: Sequence[str] | None = None, formats: Sequence[str] | None = None,
                log: Callable[[str], None] | None = None, sdtm_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """Produce the catalog's outputs; returns one summary per output (id, files, notes, seconds). Entries
    that name SDTM datasets (``sdtm: [CM]``) read them from ``sdtm_dir`` (default: ``sdtm`` beside
    ``adam_dir``)."""
    study = study if isinstance(study, Study) else Study.load(study)
    out = Path(out_dir) if out_dir is not None else study.stage_dir("tlf")
    out.mkdir(parents=True, exist_ok=True)
    if formats and set(formats) - set(FORMATS):
        raise SpecError(f"unknown format(s) {sorted(set(formats) - set(FORMATS))}", expected=", ".join(FORMATS))
    catalog = load_catalog(study.root / "tlf" / "catalog.yaml")
    adam = AdamFolder(Path(adam_dir), Path(sdtm_dir) if sdtm_dir is not None else None)
    stamp, footer = run_stamp(), dates_line(study.meta)  # footer: "Run <stamp> · Data cut-off <date>"
    summaries, pdf_sources = [], {}
    for spec in catalog.select(list(only) if only else None):
        t0 = time.perf_counter()
        result, notes = run_output(spec, study, adam, footer)
        stem = out / spec.id
        files = [p.name for p in write_ard(result.ard, stem, _metadata(spec, study, adam, stamp, notes))]
        wanted = list(formats) if formats else list(spec.formats)
        for fmt in wanted:
            if fmt == "pdf":
                continue
            RENDERERS[fmt](result.output, stem.with_suffix(f".{fmt}"))
            files.append(f"{spec.id}.{fmt}")
        if "pdf" in wanted:
            pdf_sources[spec.id] = stem.with_suffix(".rtf") if "rtf" in wanted else None
        summaries.append({"id": spec.id, "title": " ".join(spec.titles), "files": files, "notes": notes,
                          "seconds": round(time.perf_counter() - t0, 3)})
        if log:
            log(f"{spec.id}: {', '.join(files)}")
    _pdf(out, pdf_sources, summaries, log)
    render_index(out / "index.html", study.studyid, footer.removeprefix("Run "), summaries)
    return summaries


def _pdf(out: Path, sources: dict[str, Path | None], summaries: list[dict[str, Any]],
         log: Callable[[str], None] | None) -> None:
    """Convert the RTFs of outputs that want PDF (one LibreOffice process per CPU); note why when it cannot."""
    if not sources:
        return
    by_id = {s["id"]: s for s in summaries}
    if soffice_path() is None:
        for oid in sources:
            by_id[oid]["notes"].append("PDF skipped: LibreOffice (soffice) not installed")
        return
    for oid, src in sources.items():
        if src is None:
            by_id[oid]["notes"].append("PDF skipped: PDF is made from the RTF, which was not requested")
    todo = {oid: src for oid, src in sources.items() if src is not None}
    for src, pdf in convert_to_pdf(list(todo.values()), out).items():
        by_id[src.stem]["files"].append(pdf.name)
        if log:
            log(f"{src.stem}: {pdf.name}")
