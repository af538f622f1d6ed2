"""Step adapters: one small function per step kind, calling its stage's library function.

Each adapter is ``adapter(ctx: StepContext, **params) -> None``: it reads inputs from ``ctx.input_dir(stage)``
(the published outputs of earlier steps) and writes into ``ctx.output_dir(stage)`` (the step's staging folder,
published by the runner on success). The stage each adapter calls, and its code version, come from the
stage table :data:`cdiscflow.stages.STAGES` (shared with the CLI). A stage that is not there yet raises
:class:`StageUnavailable`; the runner reports the step as *unavailable* and skips its dependants.
"""

from __future__ import annotations

import importlib
from typing import Any

from cdiscflow.runner.execute import StageUnavailable, StepContext
from cdiscflow.stages import STAGES

#: source files (relative to the ``cdiscflow`` package) whose content is each step kind's code version
CODE: dict[str, tuple[str, ...]] = {name: stage.code for name, stage in STAGES.items()}


def stage_function(kind: str) -> Any:
    """The library function of a step kind (:data:`cdiscflow.stages.STAGES`), or :class:`StageUnavailable`."""
    module, _, name = STAGES[kind].function.partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            raise StageUnavailable(f"stage not available: module {module} is not there yet") from None
        raise
    fn = getattr(mod, name, None)
    if fn is None:
        raise StageUnavailable(f"stage not available: {module} has no {name}()")
    return fn


def availability(kind: str) -> str:
    """``""`` if the step kind's stage is there, else why not (for the plan)."""
    try:
        stage_function(kind)
    except StageUnavailable as exc:
        return exc.message
    return ""


def simulate(ctx: StepContext, *, seed: int | None = None, subjects: int | None = None) -> None:
    """Simulated raw extracts (the study's own simulator) → ``raw/*.csv``."""
    stage_function("simulate")(ctx.study, ctx.output_root, seed=seed, subjects=subjects)


def sdtm(ctx: StepContext) -> None:
    """Every SDTM domain (DM first, SUPP-- with their parent), lineage, rejections and reconciliation → ``sdtm/``."""
    map_study = stage_function("sdtm")
    map_study(ctx.study, ctx.input_dir("raw"), ctx.output_dir("sdtm"))


def adam(ctx: StepContext, *, dataset: str) -> None:
    """One ADaM dataset → ``adam/<dataset>.xpt|json``, its record log ``adam/record_counts/<dataset>.csv`` (whose
    counts go to the step log) and its store copy ``.store/adam/<dataset>.parquet``. The datasets it depends on
    (``settings.depends``, ADSL) are read from the store their own steps wrote, so each is derived once per run;
    one not stored (an older run's output folder) is derived again in memory. A subject dropped without a
    declared selection fails the step. A dataset whose spec names no program yet is *unavailable* (the run
    names them all once, up front)."""
    derive = stage_function("adam")
    from cdiscflow.adam.engine import derivation_order, missing_programs
    from cdiscflow.adam.recordcount import summary
    from cdiscflow.io.store import read_store, store_path, write_store

    missing = missing_programs(ctx.study, [dataset])
    if missing:
        raise StageUnavailable(f"no program yet: {missing[dataset]}")
    stored = {dep.upper(): store_path(ctx.out_dir, "adam", dep)
              for dep in derivation_order(ctx.study.adam_specs, [dataset]) if dep.upper() != dataset.upper()}
    derived = {dep: read_store(path) for dep, path in stored.items() if path.is_file()}
    results = derive(ctx.study, ctx.input_dir("sdtm"), ctx.output_root, datasets=[dataset], derived=derived)
    write_store(results[dataset.upper()], store_path(ctx.output_root / ctx.study_name, "adam", dataset),
                ctx.study.adam_specs[dataset])
    log = results.record_log
    print(summary(log[log["dataset"].str.upper() == dataset.upper()]))


def validate(ctx: StepContext) -> None:
    """Validation of all SDTM and ADaM → ``validation/report.html|json`` (findings do not fail the step)."""
    report = stage_function("validate")(ctx.study, ctx.input_dir("sdtm"), ctx.input_dir("adam"))
    from cdiscflow.validation.report import summary, write_report

    write_report(report, ctx.output_dir("validation"))
    print(summary(report))


def define(ctx: StepContext, *, standards: list[str]) -> None:
    """define.xml 2.1 (XSD-checked) and define.html per standard → ``define/<standard>/``; the SDTM define.xml
    points into the run's generated aCRF at the pages that annotate each variable."""
    write_define = stage_function("define")
    pages = None
    if "sdtm" in standards and (ctx.out_dir / "acrf" / "acrf.pdf").is_file():  # the run's generated aCRF
        module = importlib.import_module(STAGES["define"].function.partition(":")[0])
        pages = module.generated_acrf_pages(ctx.study, ctx.input_dir("raw"))
    for standard in standards:
        print(f"define: {write_define(ctx.staged_study, standard, data_root=ctx.out_dir, acrf_pages=pages)}")


def tlf(ctx: StepContext, *, output: str, formats: list[str]) -> None:
    """One catalog output with its ARD → ``tlf/<output>.*`` (PDF comes from the ``tlf-pdf`` step); SDTM domains
    the entry names (``sdtm:``) come from the run's SDTM (or ``--sdtm``)."""
    stage_function("tlf")(ctx.study, ctx.input_dir("adam"), ctx.output_dir("tlf"), only=[output], formats=formats,
                          sdtm_dir=ctx.input_dir("sdtm"))


def tlf_pdf(ctx: StepContext, *, outputs: list[str]) -> None:
    """PDFs of the outputs' RTF files → ``tlf/<output>.pdf`` (one LibreOffice per CPU; skipped without soffice)."""
    convert = stage_function("tlf_pdf")
    from cdiscflow.tlf.render.pdf import soffice_path

    if soffice_path() is None:
        print("PDF skipped: LibreOffice (soffice) is not installed")
        return
    convert([ctx.input_dir("tlf") / f"{oid}.rtf" for oid in outputs], ctx.output_dir("tlf"))


def tlf_book(ctx: StepContext) -> None:
    """The TLF book of the outputs' PDFs and RTFs in catalog order → ``tlf/book.pdf``, ``tlf/book.rtf``."""
    for path in stage_function("tlf_book")(ctx.study, ctx.input_dir("tlf"), ctx.output_dir("tlf")):
        print(f"book: {path}")


def acrf(ctx: StepContext) -> None:
    """The annotated CRF (generated from the data dictionary and SDTM specs, or the study's own) → ``acrf/``."""
    print(f"acrf: {stage_function('acrf')(ctx.study, ctx.input_dir('raw'), ctx.output_dir('acrf'))}")


def guides(ctx: StepContext) -> None:
    """The cSDRG and ADRG (DOCX, and PDF with LibreOffice) → ``guides/``."""
    for path in stage_function("guides")(ctx.study, ctx.out_dir, ctx.output_dir("guides")):
        print(f"guides: {path}")


def package(ctx: StepContext) -> None:
    """The submission package folder and its zip → ``package/`` and ``package.zip``."""
    stage_function("package")(ctx.study, ctx.out_dir, ctx.output_dir("."))
