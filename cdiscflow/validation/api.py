"""Entry points: ``validate`` (frames in, report out) and ``validate_study`` (a study's SDTM/ADaM folders)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from cdiscflow.errors import DataError
from cdiscflow.provenance import data_cutoff as study_cutoff
from cdiscflow.provenance import run_stamp
from cdiscflow.registry import lookup
from cdiscflow.specs.model import Codelist, Dataset
from cdiscflow.study import Study
from cdiscflow.validation.accepted import Acceptance, apply_accepted, load_accepted
from cdiscflow.validation.context import DatasetMeta, StudyData
from cdiscflow.validation.engine import load_rules, run_rules
from cdiscflow.validation.load import read_folder
from cdiscflow.validation.model import Report, Rule

ACCEPTED = "validation/accepted.yaml"  # a study's accepted findings, relative to its folder
STUDY_RULES = "validation/rules.yaml"  # a study's extra rules, relative to its folder


def validate(datasets: dict[str, pd.DataFrame], standards: dict[str, str], *,
             specs: dict[str, Dataset] | None = None, meta: dict[str, DatasetMeta] | None = None,
             codelists: dict[str, Codelist] | None = None, ct_version: str = "2025-03-28",
             studyid: str | None = None, study_name: str = "", rules: list[Rule] | None = None,
             suites: bool = True, max_rows: int = 50, accepted: list[Acceptance] | None = None,
             define_sources: dict[str, str] | None = None, data_cutoff: str | None = None,
             functions: Callable[..., Any] = lookup) -> Report:
    """Validate in-memory datasets (``standards``: name → SDTM | ADAM) against rules, specs and CT; mark the
    findings ``accepted`` explains (see :mod:`cdiscflow.validation.accepted`). ``functions`` resolves the
    rules' checks (a study's ``Study.lookup`` sees its validation extensions); ``data_cutoff`` (ISO date) bounds
    plausible dates (without it: today)."""
    study = StudyData(datasets={k.upper(): v for k, v in datasets.items()},
                      standards={k.upper(): v.upper() for k, v in standards.items()},
                      specs=dict(specs or {}), meta=dict(meta or {}), codelists=dict(codelists or {}),
                      ct_version=ct_version, studyid=studyid, define_sources=dict(define_sources or {}),
                      data_cutoff=data_cutoff)
    report = Report(study=study_name, created=run_stamp(),
                    datasets={name: len(df) for name, df in study.datasets.items()})
    started = time.perf_counter()
    run_rules(study, load_rules(functions=functions) if rules is None else rules, report, max_rows=max_rows,
              functions=functions)
    report.timings["rules"] = time.perf_counter() - started
    if suites:
        from cdiscflow.validation.suites import run_suites

        started = time.perf_counter()
        run_suites(study, report, max_rows=max_rows)
        # the suites as one rule row: every dataset with a spec is checked (failed expectations are GX.<kind>)
        report.checked["GX"] = sorted(n for n in study.datasets if n in study.specs)
        report.timings["suites"] = time.perf_counter() - started
    used = apply_accepted(report.findings, list(accepted or []))
    report.acceptances = [{**a.to_dict(), "findings": n} for a, n in used.items()]
    return report


def validate_study(study: Study | str, sdtm_dir: Path | str | None = None, adam_dir: Path | str | None = None,
                   *, out: Path | str = "out", suites: bool = True, rules: list[Rule] | None = None,
                   defines: list[Path | str] | None = None) -> Report:
    """Validate a study's SDTM and ADaM (default: ``out/<study>/{sdtm,adam}``) against its specs and CT, with
    the accepted findings of its ``validation/accepted.yaml`` and the extra rules of its ``validation/rules.yaml``
    (checks registered by the study's ``validation`` modules).

    Datasets without a YAML spec take their spec (and codelists) from the ``defines`` (define.xml files read by
    ``cdiscflow.specs.define_import``); datasets with neither are validated by the rules that need no spec.
    """
    if isinstance(study, str):
        study = Study.load(study, out)
    folders = {"SDTM": Path(sdtm_dir) if sdtm_dir else study.stage_dir("sdtm"),
               "ADAM": Path(adam_dir) if adam_dir else study.stage_dir("adam")}
    datasets: dict[str, pd.DataFrame] = {}
    standards: dict[str, str] = {}
    meta: dict[str, DatasetMeta] = {}
    for standard, folder in folders.items():
        if not folder.is_dir():
            continue
        for name, (df, md) in read_folder(folder).items():
            datasets[name], standards[name] = df, standard
            if md is not None:
                meta[name] = md
    if not datasets:
        raise DataError("no datasets to validate", file=", ".join(str(f) for f in folders.values()),
                        expected="SDTM and/or ADaM datasets (run `cdiscflow sdtm` / `cdiscflow adam`, "
                                 "or pass --sdtm/--adam)")
    specs: dict[str, Dataset] = {}
    codelists: dict[str, Codelist] = {}
    plain: dict[str, list[Codelist]] = {}
    sources: dict[str, str] = {}  # standard → its define.xml, or the specs it is built from
    for number, define in enumerate(defines or [], start=1):
        from cdiscflow.specs.define_import import import_define

        imported = import_define(define)
        sources["ADAM" if "adam" in imported.standard.lower() else "SDTM"] = f"define.xml {define}"
        # codelist ids are only unique within one define: qualify them so SDTM and ADaM lists never mix
        for ds in imported.datasets.values():
            for v in ds.variables:
                v.codelist = f"define{number}:{v.codelist}" if v.codelist else None
        specs.update(imported.datasets)
        codelists.update({f"define{number}:{k}": cl for k, cl in imported.codelists.items()})
        for k, cl in imported.codelists.items():
            plain.setdefault(k, []).append(cl)
    # YAML specs may name a define's codelist by its plain id when only one define has that id
    codelists.update({k: cls[0] for k, cls in plain.items() if len(cls) == 1})
    for standard, own in (("SDTM", study.sdtm_specs), ("ADAM", study.adam_specs)):
        if own:
            sources.setdefault(standard, f"specs {study.specs_dir / standard.lower()}")
    specs.update({**study.sdtm_specs, **study.adam_specs})
    codelists.update(study.codelists)
    if rules is None:
        extra = [p for p in (study.inside(STUDY_RULES),) if p.is_file()]
        rules = load_rules(extra=extra, functions=study.lookup)
    return validate(datasets, standards, specs=specs, meta=meta, codelists=codelists,
                    ct_version=study.ct_version, studyid=study.studyid, study_name=study.name, rules=rules,
                    suites=suites, accepted=load_accepted(study.inside(ACCEPTED)), define_sources=sources,
                    data_cutoff=study_cutoff(study.meta, str(study.root / "study.yaml")), functions=study.lookup)
