"""The reviewer's guides: the clinical study data reviewer's guide (``csdrg``) and the analysis data reviewer's
guide (``adrg``), following the section structure of the PHUSE templates, as DOCX (python-docx) and PDF
(LibreOffice, skipped with a stated reason when soffice is absent).

Everything is generated: study identity from ``study.yaml``; datasets, class, structure, keys, variables and
methods from the specs; trial design from the TS/TA/TE datasets when present; record and variable counts from
the datasets themselves; conformance from ``validation/report.json`` (findings by rule, with the accepted ones
and their explanations); software and run details from ``manifest.json``. Files: ``<out>/guides/csdrg.docx|pdf``
and ``adrg.docx|pdf`` (the package files them beside the SDTM and ADaM define.xml).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT

from cdiscflow.io.atomic import write_bytes
from cdiscflow.io.datasets import dataset_files, read_dataset
from cdiscflow.provenance import run_datetime
from cdiscflow.specs.model import Dataset
from cdiscflow.study import Study
from cdiscflow.submission.acrf import ACRF_NAME
from cdiscflow.tlf.render.docx import _fixed_zip

GUIDES = ("csdrg", "adrg")
TITLES = {"csdrg": "Clinical Study Data Reviewer's Guide", "adrg": "Analysis Data Reviewer's Guide"}


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _frames(folder: Path, names: Sequence[str]) -> dict[str, Any]:
    """The datasets of ``folder`` (XPT or Dataset-JSON) named in ``names``, read once."""
    files = dataset_files(folder) if folder.is_dir() else {}
    wanted = {n.upper() for n in names}
    return {name: read_dataset(path)[0] for name, path in files.items() if name in wanted}


def _table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> None:
    doc.add_paragraph(caption)  # also keeps consecutive tables apart
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = "" if text is None else str(text)


def _intro(doc: Any, study: Study, kind: str, manifest: dict[str, Any]) -> None:
    meta = study.meta
    doc.add_heading("1 Introduction", 1)
    doc.add_heading("1.1 Purpose", 2)
    doc.add_paragraph(f"This {TITLES[kind]} gives a reviewer the context of the "
                      f"{'tabulation (SDTM)' if kind == 'csdrg' else 'analysis (ADaM)'} data of study "
                      f"{study.studyid}.")
    doc.add_heading("1.2 Study Data Standards and Dictionary Inventory", 2)
    standards = meta.get("standards") or {}
    _table(doc, ("Standard or dictionary", "Version"),
           [*((k.upper(), v) for k, v in sorted(standards.items())),
            ("CDISC Controlled Terminology", study.ct_version)])
    doc.add_heading("1.3 Source Data Used for Dataset Creation", 2)
    doc.add_paragraph(("Raw EDC extracts; the data of this study are SIMULATED. " if meta.get("simulated") else
                       "Raw EDC extracts. ") + f"Produced by cdiscflow {manifest.get('cdiscflow', '')} "
                      f"on {run_datetime().date().isoformat()}.")


def _protocol(doc: Any, study: Study, sdtm: dict[str, Any]) -> None:
    meta = study.meta
    doc.add_heading("2 Protocol Description", 1)
    doc.add_heading("2.1 Protocol Number and Title", 2)
    doc.add_paragraph(f"Protocol: {meta.get('protocol', 'not stated')}; registry: {meta.get('registry', 'none')}")
    doc.add_paragraph(str(meta.get("title", study.studyid)))
    doc.add_heading("2.2 Protocol Design in Relation to Trial Design Datasets", 2)
    ts, ta, te = sdtm.get("TS"), sdtm.get("TA"), sdtm.get("TE")
    if ts is not None and {"TSPARM", "TSVAL"} <= set(ts.columns):
        _table(doc, ("Parameter", "Value"), ts[["TSPARM", "TSVAL"]].astype(str).values.tolist())
    if ta is not None and {"ARMCD", "ETCD"} <= set(ta.columns):
        arms = ta.groupby("ARMCD", sort=True)["ETCD"].apply(lambda s: " → ".join(s.astype(str)))
        _table(doc, ("Arm", "Elements (TA)"), list(arms.items()))
    if te is not None and {"ETCD", "ELEMENT"} <= set(te.columns):
        _table(doc, ("Element", "Description (TE)"), te[["ETCD", "ELEMENT"]].astype(str).values.tolist())
    if ts is None and ta is None and te is None:
        doc.add_paragraph("The study has no trial design datasets (TS, TA, TE).")


def _datasets(doc: Any, specs: dict[str, Dataset], frames: dict[str, Any]) -> None:
    _table(doc, ("Dataset", "Label", "Class", "Structure", "Keys", "Records", "Variables"),
           [(name, spec.label, spec.cls or "", spec.structure or "", ", ".join(spec.keys),
             len(frames[name]) if name in frames else "not produced",
             frames[name].shape[1] if name in frames else len(spec.variables))
            for name, spec in sorted(specs.items())])


def _conformance(doc: Any, number: str, report: dict[str, Any], names: set[str]) -> None:
    doc.add_heading(f"{number} Data Conformance Summary", 1)
    findings = [f for f in report.get("findings", []) if f.get("dataset") in names]
    if not report:
        doc.add_paragraph("No validation report (validation/report.json) was found.")
        return
    rules = report.get("rules", {})
    checked = [r for r in rules.values() if set(r.get("datasets") or []) & names] if isinstance(rules, dict) else []
    doc.add_paragraph(f"{len(checked) or len(rules)} rules ran; {len(findings)} findings on these datasets, "
                      f"{sum(1 for f in findings if f.get('accepted'))} of them accepted with an explanation.")
    doc.add_heading(f"{number}.1 Conformance Inputs", 2)
    doc.add_paragraph(f"Validation by cdiscflow (report created {report.get('created', 'unknown')}).")
    doc.add_heading(f"{number}.2 Issues Summary", 2)
    if findings:
        _table(doc, ("Rule", "Severity", "Dataset", "Variable", "Count", "Message", "Explanation"),
               [(f.get("rule"), f.get("severity"), f.get("dataset"), f.get("variable") or "", f.get("count"),
                 f.get("message"), f.get("accepted") or "open") for f in findings])
    else:
        doc.add_paragraph("No findings.")


def csdrg(doc: Any, study: Study, out_dir: Path, report: dict[str, Any], manifest: dict[str, Any]) -> None:
    """The cSDRG body: sections 1–5 of the PHUSE cSDRG template."""
    specs = study.sdtm_specs
    frames = _frames(out_dir / "sdtm", list(specs))
    _intro(doc, study, "csdrg", manifest)
    _protocol(doc, study, frames)
    doc.add_heading("3 Subject Data Description", 1)
    doc.add_heading("3.1 Overview", 2)
    dm = frames.get("DM")
    doc.add_paragraph(f"{len(specs)} SDTM datasets are specified and {len(frames)} submitted"
                      + (f"; DM holds {dm['USUBJID'].nunique()} subjects." if dm is not None and
                         "USUBJID" in dm else "."))
    doc.add_heading("3.2 Annotated CRF", 2)
    doc.add_paragraph(f"The annotated CRF ({ACRF_NAME}) is in the same folder as the SDTM define.xml; it is "
                      "bookmarked by form and by domain.")
    doc.add_heading("3.3 SDTM Subject Domains", 2)
    _datasets(doc, specs, frames)
    for name, spec in sorted(specs.items()):
        if spec.comment:
            doc.add_heading(f"3.3.{name} {spec.label}", 3)
            doc.add_paragraph(spec.comment)
    _conformance(doc, "4", report, set(specs))
    doc.add_heading("5 Appendix", 1)
    _run_details(doc, manifest)


def adrg(doc: Any, study: Study, out_dir: Path, report: dict[str, Any], manifest: dict[str, Any]) -> None:
    """The ADRG body: sections 1–6 and the appendix of the PHUSE ADRG template."""
    specs = study.adam_specs
    frames = _frames(out_dir / "adam", list(specs))
    _intro(doc, study, "adrg", manifest)
    _protocol(doc, study, _frames(out_dir / "sdtm", ["TS", "TA", "TE"]))
    doc.add_heading("3 Analysis Considerations Related to Multiple Analysis Data Sets", 1)
    adsl = frames.get("ADSL")
    flags = [c for c in (adsl.columns if adsl is not None else []) if c.endswith("FL")]
    doc.add_paragraph("Population flags in ADSL: " + (", ".join(
        f"{c} = Y: {int((adsl[c] == 'Y').sum())}" for c in flags) or "none") + ".")
    doc.add_heading("4 Analysis Data Sets", 1)
    doc.add_heading("4.1 Overview", 2)
    _datasets(doc, specs, frames)
    for name, spec in sorted(specs.items()):
        doc.add_heading(f"4.2.{name} {spec.label}", 2)
        if spec.comment:
            doc.add_paragraph(spec.comment)
        derived = [v for v in spec.variables if v.method]
        doc.add_paragraph(f"{len(spec.variables)} variables, {len(derived)} with a derivation method.")
        if derived:
            _table(doc, ("Variable", "Label", "Source / derivation"),
                   [(v.name, v.label, v.method) for v in derived])
    _conformance(doc, "5", report, set(specs))
    doc.add_heading("6 Submission of Programs", 1)
    programs = sorted(p.name for p in study.root.rglob("*.py")
                      if "simulator" not in p.parts and p.name != "__init__.py" and "__pycache__" not in p.parts)
    doc.add_paragraph(f"The analysis programs are in analysis/adam/programs as .txt files ({len(programs)} Python "
                      "programs with the study's specs and output catalog); they run with cdiscflow "
                      f"{manifest.get('cdiscflow', '')}.")
    if programs:
        _table(doc, ("Program",), [(p,) for p in programs])
    doc.add_heading("Appendix", 1)
    _run_details(doc, manifest)


def _run_details(doc: Any, manifest: dict[str, Any]) -> None:
    if not manifest:
        doc.add_paragraph("No run manifest (manifest.json) was found.")
        return
    doc.add_paragraph(f"Produced by cdiscflow {manifest.get('cdiscflow', '')} (command: "
                      f"{' '.join(manifest.get('command', []))}); specification version (sha256 of the specs) "
                      f"{manifest.get('spec_version', '')}. manifest.json of the run lists every input and "
                      "output with its sha256.")


def guide_docx(study: Study, out_dir: Path, kind: str) -> bytes:
    """The DOCX bytes of guide ``kind`` (``csdrg`` or ``adrg``), reproducible under ``SOURCE_DATE_EPOCH``."""
    report = _read_json(out_dir / "validation" / "report.json")
    manifest = _read_json(out_dir / "manifest.json")
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    doc.add_heading(f"{study.studyid} {TITLES[kind]}", 0)
    {"csdrg": csdrg, "adrg": adrg}[kind](doc, study, out_dir, report, manifest)
    stamp = run_datetime().replace(tzinfo=None)
    doc.core_properties.created = doc.core_properties.modified = stamp
    doc.core_properties.title = TITLES[kind]
    doc.core_properties.author = "cdiscflow"
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue(), stamp.timetuple()[:6])


def write_guides(study: Study, out_dir: Path, dest: Path) -> list[Path]:
    """Write ``dest/csdrg.docx``, ``dest/adrg.docx`` and their PDFs (PDF skipped, with the reason printed,
    without LibreOffice). Returns the files written."""
    from cdiscflow.tlf.render.pdf import convert_to_pdf, soffice_path

    docs = [write_bytes(Path(dest) / f"{kind}.docx", guide_docx(study, Path(out_dir), kind)) for kind in GUIDES]
    if soffice_path() is None:
        print("guides: PDF skipped: LibreOffice (soffice) is not installed")
        return docs
    return docs + list(convert_to_pdf(docs, Path(dest)).values())
