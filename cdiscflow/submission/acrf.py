"""The annotated CRF (``acrf.pdf``): the study's blank CRF forms with SDTM annotations, from the metadata.

Forms and fields come from the raw folder's ``data_dictionary.csv`` (columns FORM, FORMLABEL, COLUMN, ORDER,
LABEL, TYPE, FORMAT, VALUES; one row per field). Annotations come from the SDTM specs' mapping rules: a raw
column feeds an SDTM variable when its name appears in the variable's ``map:`` rule (assign, assign_ct,
datetime, recode, condition, template, derive params ...; a condition branch ``__src__ == 'form'`` counts only
for that form), in a ``transpose`` test (``--ORRES where --TESTCD = X``) or a SUPP-- qualifier
(``QNAM in SUPPxx``). Raw fields no spec uses are marked NOT SUBMITTED.

Stable API for define.xml (the define helper): :data:`ACRF_NAME` (``acrf.pdf``, placed beside the SDTM
define.xml) and :func:`acrf_pages` → ``{(domain, variable): [page, ...]}`` (1-based PDF pages; SUPP--
qualifiers as ``("SUPPAE", QNAM)``). A study that brings its own aCRF declares ``acrf: <path in the study
folder>`` in ``study.yaml``; it is copied unchanged and :func:`acrf_pages` returns ``{}`` for it (page numbers
then come from the variables' ``pages:``).

Rendered with matplotlib's PDF backend, bookmarked (pypdf outline) by form and by domain; the bytes are
reproducible under ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import io
import re
import shutil
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cdiscflow.errors import CdiscflowError, SpecError
from cdiscflow.io.atomic import write_bytes
from cdiscflow.provenance import run_datetime
from cdiscflow.study import Study

ACRF_NAME = "acrf.pdf"
DICTIONARY = "data_dictionary.csv"
FIELDS_PER_PAGE = 18
ROW_HEIGHT, NOTE_HEIGHT, PAGE_BODY = 0.045, 0.012, 0.81  # fractions of the page height
ANSWER_WIDTH = 66  # characters that fit the answer box at 6 pt
NOT_SUBMITTED = "NOT SUBMITTED"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_SRC = re.compile(r"__src__\s*==\s*['\"]([A-Za-z0-9_]+)['\"]")
_TEST_LABELS = {"column", "TEST", "UNIT"}
_LITERAL_KEYS = {"hardcode", "hardcode_ct", "values", "codelist", "case", "name", "seq"}  # not raw columns


@dataclass
class Field:
    """One CRF field with its annotations (``(domain, text, variable)``; empty → NOT SUBMITTED)."""

    column: str
    label: str
    type: str
    format: str
    values: list[str]
    notes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Form:
    name: str
    label: str
    fields: list[Field]

    @property
    def domains(self) -> list[str]:
        return sorted({dom for f in self.fields for dom, _, _ in f.notes})


def read_forms(raw_dir: Path) -> list[Form]:
    """The CRF forms of ``raw_dir/data_dictionary.csv``, in file order, fields by ORDER."""
    path = Path(raw_dir) / DICTIONARY
    if not path.is_file():
        raise CdiscflowError(f"no CRF data dictionary {path}", expected=f"{DICTIONARY} in the raw folder")
    dd = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"FORM", "FORMLABEL", "COLUMN", "ORDER", "LABEL", "TYPE"} - set(dd.columns)
    if missing:
        raise SpecError(f"{DICTIONARY} lacks column(s) {', '.join(sorted(missing))}", file=str(path),
                        expected="FORM, FORMLABEL, COLUMN, ORDER, LABEL, TYPE[, FORMAT, VALUES]")
    dd = dd.reindex(columns=[*dd.columns, *({"FORMAT", "VALUES"} - set(dd.columns))], fill_value="")
    dd["_order"] = pd.to_numeric(dd["ORDER"], errors="coerce")
    forms = []
    for name in dict.fromkeys(dd["FORM"]):
        rows = dd[dd["FORM"] == name].sort_values("_order", kind="stable")
        forms.append(Form(name, rows["FORMLABEL"].iloc[0] or name, [
            Field(c, lab, t, fmt, [v for v in vals.split("|") if v])
            for c, lab, t, fmt, vals in zip(rows["COLUMN"], rows["LABEL"], rows["TYPE"], rows["FORMAT"],
                                            rows["VALUES"], strict=True)]))
    return forms


def _sources(spec: Any, specs: dict[str, Any]) -> list[str]:
    """Raw form names a domain reads (a SUPP-- or a domain sourced from another domain: that one's)."""
    src = spec.source
    names = [src] if isinstance(src, str) else list(src or [])
    out: list[str] = []
    for name in names:
        out += _sources(specs[name], specs) if name in specs and name != spec.name else [name]
    return out


def _references(rule: Any, forms: list[str]) -> list[tuple[str, str]]:
    """``(form, TOKEN)`` pairs for every name a mapping rule mentions (a ``__src__`` branch: that form only);
    names in a condition's ``where`` count only when the rule names no other column (a flag's own test)."""
    return list(_walk(rule, forms, False)) or list(_walk(rule, forms, True))


def _walk(rule: Any, forms: list[str], wheres: bool) -> Iterator[tuple[str, str]]:
    if isinstance(rule, dict):
        where = rule.get("where")
        only = _SRC.findall(where) if isinstance(where, str) else []
        scope = [f for f in forms if f in only] if only else forms
        for key, value in rule.items():
            if key == "params" and isinstance(value, dict) and isinstance(value.get("source"), str):
                yield from _walk({k: v for k, v in value.items() if k != "source"}, [value["source"]], wheres)
            elif key not in _LITERAL_KEYS and (wheres or key != "where"):
                yield from _walk(value, scope, wheres)
    elif isinstance(rule, list):
        for item in rule:
            yield from _walk(item, forms, wheres)
    elif isinstance(rule, str):
        for token in _TOKEN.findall(_QUOTED.sub(" ", rule)):
            yield from ((f, token) for f in forms)


def annotate(study: Study, forms: list[Form]) -> list[Form]:
    """Fill each field's ``notes`` from ``study.sdtm_specs`` (in place; returns ``forms``)."""
    specs = study.sdtm_specs
    columns = {(form.name, f.column): f for form in forms for f in form.fields}

    def note(form: str, column: str, domain: str, text: str, variable: str) -> None:
        fld = columns.get((form, column))
        if fld is not None and (domain, text, variable) not in fld.notes:
            fld.notes.append((domain, text, variable))

    for name, spec in specs.items():
        srcs = _sources(spec, specs)
        supp = spec.settings.get("supp") if isinstance(spec.settings, dict) else None
        if supp:
            for q in supp.get("qualifiers", []):
                for form, col in _references(q.get("map"), srcs):
                    note(form, col, name, f"{q['qnam']} in {name}", q["qnam"])
            continue
        transpose = spec.settings.get("transpose") if isinstance(spec.settings, dict) else None
        result_vars = []
        for var in spec.variables:
            refs = _references(var.map, srcs)
            if transpose and any(tok == transpose.get("result") for _, tok in refs):
                result_vars.append(var.name)
            for form, col in refs:
                note(form, col, name, var.name, var.name)
        for test in (transpose or {}).get("tests", []):
            keys = [(f"{name}{k}", v) for k, v in test.items() if k not in _TEST_LABELS]
            where = " and ".join(f"{var} = {value}" for var, value in keys)
            for form in srcs:
                for var in result_vars:
                    note(form, test["column"], name, f"{var} where {where}" if where else var, var)
                for var, value in keys:
                    note(form, test["column"], name, f"{var} = {value}", var)
    for fld in columns.values():
        fld.notes.sort()
    return forms


def row_height(fld: Field) -> float:
    """Height of a field's row (fraction of the page): the label and box, or its stacked annotations."""
    return max(ROW_HEIGHT, NOTE_HEIGHT * len(fld.notes) + 0.01)


def paginate(forms: list[Form]) -> list[tuple[Form, list[Field], int]]:
    """``(form, fields, part)`` per page, in page order (a form longer than a page continues over pages;
    every annotation of a field is shown, so a page holds fewer fields with many annotations)."""
    pages = []
    for form in forms:
        chunk: list[Field] = []
        used, part = 0.0, 0
        for fld in form.fields:
            if chunk and (used + row_height(fld) > PAGE_BODY or len(chunk) == FIELDS_PER_PAGE):
                pages.append((form, chunk, part))
                chunk, used, part = [], 0.0, part + 1
            chunk.append(fld)
            used += row_height(fld)
        pages.append((form, chunk, part))
    return pages


def own_acrf(study: Study) -> Path | None:
    """The study's own aCRF (``acrf:`` in ``study.yaml``, inside the study folder), or ``None``."""
    rel = study.meta.get("acrf")
    if not rel:
        return None
    path = study.inside(rel)
    if not path.is_file() or path.suffix.lower() != ".pdf":
        raise SpecError(f"acrf {rel!r} is not a PDF file", file=str(study.root / "study.yaml"),
                        expected="acrf: path/to/acrf.pdf inside the study folder")
    return path


def acrf_pages(study: Study, raw_dir: Path | None = None) -> dict[tuple[str, str], list[int]]:
    """Per SDTM ``(domain, variable)``, the 1-based aCRF pages annotating it (``{}`` for a study's own aCRF)."""
    if own_acrf(study) is not None:
        return {}
    forms = annotate(study, read_forms(raw_dir or study.stage_dir("raw")))
    pages: dict[tuple[str, str], list[int]] = {}
    for number, (_, fields, _) in enumerate(paginate(forms), start=1):
        for fld in fields:
            for domain, _, variable in fld.notes:
                hit = pages.setdefault((domain, variable), [])
                if number not in hit:
                    hit.append(number)
    return dict(sorted(pages.items()))


def _colours(forms: list[Form]) -> dict[str, str]:
    domains = sorted({d for form in forms for d in form.domains})
    return {d: PALETTE[i % len(PALETTE)] for i, d in enumerate(domains)}


def _answer(fld: Field) -> list[str]:
    """The answer box's text: choice boxes (wrapped over three lines at most), a check box or the format."""
    if fld.values:
        return textwrap.wrap("   ".join(f"\u25a1\u00a0{v.replace(' ', chr(0xA0))}" for v in fld.values),
                             ANSWER_WIDTH, max_lines=3, placeholder=" ...")
    return ["\u25a1"] if fld.type == "checkbox" else [fld.format[:ANSWER_WIDTH]]


def _render_pages(study: Study, forms: list[Form]) -> bytes:
    """The pages as a PDF (matplotlib), one figure per page."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    specs, colours = study.sdtm_specs, _colours(forms)
    pages = paginate(forms)
    buf = io.BytesIO()
    meta = {"Title": f"Annotated CRF {study.studyid}", "Author": "cdiscflow", "Creator": "cdiscflow",
            "Producer": "cdiscflow", "CreationDate": run_datetime(), "ModDate": None}
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(buf, metadata=meta) as pdf:  # searchable text
        for number, (form, fields, part) in enumerate(pages, start=1):
            fig = Figure(figsize=(8.27, 11.69))
            ax = fig.add_axes((0, 0, 1, 1))
            ax.set_axis_off()
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.text(0.05, 0.97, f"{study.studyid}  {study.meta.get('protocol', '')}", fontsize=8, va="top")
            ax.text(0.95, 0.97, f"Page {number} of {len(pages)}", fontsize=8, va="top", ha="right")
            title = form.label + (" (continued)" if part else "")
            ax.text(0.05, 0.94, title, fontsize=13, weight="bold", va="top")
            ax.text(0.05, 0.915, f"Form: {form.name}", fontsize=7, va="top", color="#555555")
            x, top = 0.05, 0.89
            for dom in form.domains:
                text = f"{dom} ({specs[dom].label})" if dom in specs else dom
                width = 0.012 * len(text) + 0.03
                if x > 0.05 and x + width > 0.97:  # next line of domain boxes
                    x, top = 0.05, top - 0.018
                ax.text(x, top, text, fontsize=8, va="top", weight="bold",
                        bbox={"boxstyle": "square,pad=0.3", "fc": colours[dom], "ec": colours[dom], "alpha": 0.25})
                x += width
            if not form.domains:
                ax.text(0.05, 0.89, NOT_SUBMITTED, fontsize=8, va="top", weight="bold",
                        bbox={"boxstyle": "square,pad=0.3", "fc": "#dddddd", "ec": "#888888"})
            y = min(0.85, top - 0.04)
            for fld in fields:
                ax.text(0.05, y, fld.label, fontsize=8, va="top", wrap=True)
                ax.text(0.05, y - 0.015, fld.column, fontsize=6, va="top", color="#777777")
                ax.add_patch(Rectangle((0.36, y - 0.022), 0.30, 0.024, fill=False, lw=0.6, ec="#444444"))
                lines = _answer(fld)
                ax.text(0.365, y - (0.006 if len(lines) == 1 else 0.002), "\n".join(lines),
                        fontsize=6 if len(lines) == 1 else 5, va="top", color="#444444", linespacing=1.0)
                notes = fld.notes or [("", NOT_SUBMITTED, "")]
                for k, (dom, text, _) in enumerate(notes):
                    ax.text(0.68, y - NOTE_HEIGHT * k, text, fontsize=6.5, va="top", color="black",
                            bbox={"boxstyle": "square,pad=0.15", "fc": colours.get(dom, "#dddddd"),
                                  "ec": "none", "alpha": 0.3})
                y -= row_height(fld)
            ax.text(0.5, 0.02, "Annotations generated from the SDTM specifications by cdiscflow", fontsize=6,
                    ha="center", color="#777777")
            pdf.savefig(fig)
    return buf.getvalue()


def _bookmark(data: bytes, forms: list[Form]) -> bytes:
    """Add the outline: "Forms" (one entry per form) and "Domains" (per domain, each form annotating it)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    first: dict[str, int] = {}
    for number, (form, _, _) in enumerate(paginate(forms)):
        first.setdefault(form.name, number)
    by_form = writer.add_outline_item(title="Forms", page_number=first[forms[0].name] if forms else 0)
    for form in forms:
        writer.add_outline_item(title=form.label, page_number=first[form.name], parent=by_form)
    by_domain = writer.add_outline_item(title="Domains", page_number=0)
    domains = sorted({d for form in forms for d in form.domains})
    for dom in domains:
        holders = [form for form in forms if dom in form.domains]
        parent = writer.add_outline_item(title=dom, page_number=first[holders[0].name], parent=by_domain)
        for form in holders:
            writer.add_outline_item(title=form.label, page_number=first[form.name], parent=parent)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_acrf(study: Study, raw_dir: Path, out_dir: Path) -> Path:
    """Write ``out_dir/acrf.pdf``: the study's own aCRF copied, else one generated from the metadata."""
    target = Path(out_dir) / ACRF_NAME
    own = own_acrf(study)
    if own is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(own, target)
        return target
    forms = annotate(study, read_forms(raw_dir))
    return write_bytes(target, _bookmark(_render_pages(study, forms), forms))
