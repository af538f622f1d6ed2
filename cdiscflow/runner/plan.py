"""Build a study's run graph from its specs and TLF catalog.

Steps and what they need (ids in brackets)::

    [simulate]            a study with a simulator (code: simulate) without --raw: study programs → raw/*.csv
    [sdtm]                raw extracts + SDTM specs + codelists → every domain (the mapping engine maps a study
                          at once: DM first, SUPP-- with their parent, one reconciliation over all extracts)
    [adam:<DATASET>]      SDTM + the ADaM datasets in its ``settings.depends`` (and ``source``); its spec
    [validate] [define]   all SDTM and ADaM + all specs
    [tlf:<output id>]     the ADaM datasets of the catalog entry (``datasets``, population dataset) and the SDTM
                          domains it names (``sdtm``); the entry and the catalog's ``defaults``
    [tlf-pdf]             the RTFs of every output that wants PDF (one LibreOffice per CPU)
    [tlf-book]            every output's PDF and RTF → tlf/book.pdf, tlf/book.rtf (catalog order)
    [package]             everything above + the study's specs and programs

``run --sdtm DIR`` starts from existing SDTM (no simulate/sdtm steps; ADaM steps read DIR, whose files enter
their fingerprints; define.xml only for ADaM); ``run --adam DIR`` starts at validation and TLFs (no define).

Every step also depends on the study's programs (``*.py`` under the study folder) and ``study.yaml``.

Incremental granularity below a step: a step's fingerprint takes the outputs of the steps it needs, filtered by
its ``reads`` patterns. An ADaM spec whose ``source`` names SDTM domains (``source: [DM, AE, SUPPAE]``) reads
only those files, so touching the VS spec re-maps SDTM but leaves ADAE up to date (its inputs are byte-identical);
without such a ``source`` an ADaM dataset reads all of SDTM.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdiscflow.adam.engine import derivation_order
from cdiscflow.errors import SpecError
from cdiscflow.io.store import STORE
from cdiscflow.runner.graph import Graph, Step
from cdiscflow.runner.steps import CODE
from cdiscflow.specs.loader import read_yaml
from cdiscflow.study import Study

ACTIONS = "cdiscflow.runner.steps"
FORMATS = ("rtf", "docx", "html", "pdf")


@dataclass
class PlanOptions:
    """``raw``/``sdtm``/``adam``: a folder to start from (``sdtm``: no simulate/SDTM steps; ``adam``: no ADaM
    steps either); ``seed``/``subjects``: the simulator's options."""

    raw: str | None = None
    seed: int | None = None
    subjects: int | None = None
    sdtm: str | None = None
    adam: str | None = None


def given_files(folder: str, what: str) -> list[str]:
    """The dataset files of a folder given on the command line (they enter the fingerprints like raw files)."""
    from cdiscflow.io.datasets import PREFERENCE

    path = Path(folder)
    if not path.is_dir():
        raise SpecError(f"{what} folder {folder} not found", expected=f"a folder of {what} datasets "
                        f"({', '.join(e.lstrip('.') for e in PREFERENCE)})")
    return sorted(str(p) for p in path.iterdir() if p.is_file() and p.suffix.lower() in PREFERENCE)


SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def safe_name(name: str, what: str, file: str | None) -> str:
    """A dataset name or output id usable in file names and step ids (no path separators, no '..')."""
    if not SAFE_NAME.fullmatch(name) or ".." in name:
        raise SpecError(f"{what} {name!r} cannot name a file", file=file,
                        expected="letters, digits, '.', '_' and '-' (no path separators)")
    return name


def study_programs(study: Study) -> list[str]:
    """study.yaml and every Python file of the study folder (its programs)."""
    files = [study.root / "study.yaml", *study.root.rglob("*.py")]
    return sorted(str(p) for p in files if "__pycache__" not in p.parts)


def spec_files(study: Study, sub: str = "") -> list[str]:
    """Every file under the study's ``specs/`` folder (or ``specs/<sub>``)."""
    folder = study.specs_dir / sub if sub else study.specs_dir
    return sorted(str(p) for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def named(text: Any, known: Iterable[str]) -> list[str]:
    """Dataset names mentioned in a spec's ``source`` text or list (word tokens, case-insensitive)."""
    parts = text if isinstance(text, list) else [text or ""]
    tokens = {t.upper() for part in parts for t in re.findall(r"[A-Za-z][A-Za-z0-9]*", str(part))}
    return [k for k in known if k.upper() in tokens]


def tlf_catalog(study: Study) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Output entries of ``tlf/catalog.yaml`` and its ``defaults`` (none when the study has no catalog)."""
    path = study.root / "tlf" / "catalog.yaml"
    if not path.is_file():
        return [], {}
    data = read_yaml(path) or {}
    entries = data.get("outputs") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("id") for e in entries):
        raise SpecError("catalog outputs must be a list of entries with an 'id'", file=str(path),
                        expected="outputs: [{id: t-1, ...}, ...]")
    return entries, dict(data.get("defaults") or {})


def _raw_step(study: Study, opt: PlanOptions, programs: list[str]) -> tuple[list[Step], list[str]]:
    """The simulate step (or none with --raw) and the raw files the SDTM step reads directly."""
    if opt.raw:
        raw = Path(opt.raw)
        if not raw.is_dir():
            raise SpecError(f"raw folder {opt.raw} not found", expected="a folder with the raw extracts")
        return [], sorted(str(p) for p in raw.rglob("*") if p.is_file())
    if not study.code.modules["simulate"]:
        raise SpecError(f"study {study.name} has no simulator", file=str(study.root / "study.yaml"),
                        variable="code.simulate", expected="--raw DIR with the raw extracts")
    params = {k: v for k, v in (("seed", opt.seed), ("subjects", opt.subjects)) if v is not None}
    return [Step("simulate", f"{ACTIONS}:simulate", params, inputs=tuple(programs), code=CODE["simulate"],
                 outputs=("raw/*",), required=("raw/*",), owns=("raw",))], []


def build_graph(study: Study, options: PlanOptions | None = None) -> Graph:
    """The full run graph of ``study``."""
    opt = options or PlanOptions()
    programs = study_programs(study)
    codelists = [str(study.specs_dir / "codelists.yaml")] if (study.specs_dir / "codelists.yaml").is_file() else []
    given_sdtm = given_files(opt.sdtm, "SDTM") if opt.sdtm else []
    given_adam = given_files(opt.adam, "ADaM") if opt.adam else []
    from_given = bool(opt.sdtm or opt.adam)
    steps, raw_files = _raw_step(study, opt, programs) if not from_given else ([], [])
    sdtm = study.sdtm_specs
    if sdtm and not from_given:
        steps.append(Step("sdtm", f"{ACTIONS}:sdtm", deps=tuple(s.id for s in steps),
                          inputs=(*programs, *raw_files, *spec_files(study, "sdtm"), *codelists), code=CODE["sdtm"],
                          outputs=("sdtm/**/*",), required=("sdtm/*.xpt",), owns=("sdtm",)))
    on_sdtm = ("sdtm",) if sdtm and not from_given else ()
    if sdtm and not from_given:
        steps.append(Step("acrf", f"{ACTIONS}:acrf", deps=steps[-1].deps,
                          inputs=(*programs, *raw_files, *spec_files(study, "sdtm")), code=CODE["acrf"],
                          outputs=("acrf/*",), required=("acrf/acrf.pdf",), owns=("acrf",)))

    adam = study.adam_specs
    for name, ds in adam.items() if not opt.adam else ():
        safe_name(name, "dataset", ds.file)
        from_sdtm = named(ds.source, sdtm)
        # what the step reads from the store: its dependency closure, as derive_study orders it, and its source
        from_adam = list(dict.fromkeys([*derivation_order(adam, [name])[:-1],
                                        *(a for a in named(ds.source, adam) if a != name)]))
        reads = [f"sdtm/{d.lower()}.*" for d in from_sdtm] or ["sdtm/*.xpt", "sdtm/*.json"]
        used = [f for f in given_sdtm if not from_sdtm or Path(f).stem.upper() in from_sdtm]
        low = name.lower()
        steps.append(Step(f"adam:{name}", f"{ACTIONS}:adam", {"dataset": name},
                          deps=(*on_sdtm, *(f"adam:{d}" for d in from_adam)),
                          inputs=(*programs, *(str(f) for f in (ds.file, *codelists) if f), *used), code=CODE["adam"],
                          outputs=(f"adam/{low}.*", f"adam/record_counts/{low}.csv", f"{STORE}/adam/{low}.parquet"),
                          required=(f"adam/{low}.xpt", f"{STORE}/adam/{low}.parquet"),
                          reads=(*reads, *(f"{STORE}/adam/{d.lower()}.parquet" for d in from_adam))))

    datasets = (*on_sdtm, *(f"adam:{n}" for n in adam if not opt.adam))
    specs = spec_files(study)
    if datasets or from_given:
        steps.append(Step("validate", f"{ACTIONS}:validate", deps=datasets,
                          inputs=(*programs, *specs, *given_sdtm, *given_adam),
                          code=CODE["validate"], outputs=("validation/**/*",), required=("validation/*",),
                          owns=("validation",)))
    # define.xml documents the datasets this run writes, not those it was given
    standards = [s for s, specs_of, given in (("sdtm", sdtm, from_given), ("adam", adam, opt.adam))
                 if specs_of and not given]
    if standards:
        with_acrf = ("acrf",) if any(st.id == "acrf" for st in steps) else ()  # define.xml links its pages
        steps.append(Step("define", f"{ACTIONS}:define", {"standards": standards}, deps=(*datasets, *with_acrf),
                          inputs=(*programs, *specs), code=(*CODE["define"], *(("submission/acrf.py",) if with_acrf else ())),
                          outputs=("define/**/*",),
                          required=tuple(f"define/{s}/define.xml" for s in standards), owns=("define",)))

    if datasets:
        steps.append(Step("guides", f"{ACTIONS}:guides",
                          deps=(*datasets, "validate"),
                          inputs=(*programs, *specs), code=CODE["guides"], outputs=("guides/*",),
                          required=("guides/*.docx",), owns=("guides",)))

    entries, defaults = tlf_catalog(study)
    want_pdf = []
    for entry in entries:
        oid = safe_name(str(entry["id"]), "output id", str(study.root / "tlf" / "catalog.yaml"))
        used = named([entry.get("datasets"), (entry.get("population") or {}).get("dataset", "ADSL")], adam)
        formats = [f for f in entry.get("formats", defaults.get("formats", FORMATS)) if f != "pdf"]
        if "pdf" in entry.get("formats", defaults.get("formats", FORMATS)):
            want_pdf.append(oid)
            formats = formats if "rtf" in formats else ["rtf", *formats]
        inputs = [f for f in given_adam if Path(f).stem.upper() in {u.upper() for u in used}]
        # SDTM domains an entry reads directly (``sdtm: [CM]``): the SDTM step's files, or those of --sdtm
        from_sdtm = [str(d).upper() for d in (entry.get("sdtm") or [])]
        inputs += [f for f in given_sdtm if Path(f).stem.upper() in from_sdtm]
        reads = ((*(f"adam/{d.lower()}.*" for d in used), *(f"sdtm/{d.lower()}.*" for d in from_sdtm))
                 if from_sdtm and on_sdtm else ())
        steps.append(Step(f"tlf:{oid}", f"{ACTIONS}:tlf", {"output": oid, "formats": formats},
                          deps=(*(f"adam:{d}" for d in used if not opt.adam), *(on_sdtm if from_sdtm else ())),
                          inputs=(*programs, *inputs), code=CODE["tlf"],
                          outputs=(f"tlf/{oid}.*",), required=(f"tlf/{oid}.*",), reads=reads,
                          salt={"entry": entry, "defaults": defaults}))
    if want_pdf:
        steps.append(Step("tlf-pdf", f"{ACTIONS}:tlf_pdf", {"outputs": want_pdf},
                          deps=tuple(f"tlf:{o}" for o in want_pdf), code=CODE["tlf_pdf"],
                          outputs=tuple(f"tlf/{o}.pdf" for o in want_pdf), reads=tuple(f"tlf/{o}.rtf" for o in want_pdf)))
    if entries:
        oids = [s.params["output"] for s in steps if s.id.startswith("tlf:")]
        steps.append(Step("tlf-book", f"{ACTIONS}:tlf_book",
                          deps=(*(f"tlf:{o}" for o in oids), *(("tlf-pdf",) if want_pdf else ())),
                          inputs=(*programs, str(study.root / "tlf" / "catalog.yaml")), code=CODE["tlf_book"],
                          outputs=("tlf/book.pdf", "tlf/book.rtf"),
                          reads=tuple(f"tlf/{o}.{ext}" for o in oids for ext in ("pdf", "rtf"))))

    steps.append(Step("package", f"{ACTIONS}:package", deps=tuple(s.id for s in steps), inputs=(*programs, *specs),
                      code=CODE["package"], outputs=("package/**/*", "package.zip"), required=("package.zip",),
                      owns=("package",)))
    return Graph.ordered(steps)
