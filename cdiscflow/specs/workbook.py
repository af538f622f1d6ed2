"""Specs from and to the Pinnacle 21-layout spec workbook (``.xlsx``), and the YAML spec folder.

The workbook has one sheet per kind of metadata (the layout P21 Community and metacore read and write):

* ``Define`` — study attributes (StudyName, StudyDescription, ProtocolName, StandardName ...);
* ``Datasets`` — one row per dataset; ``Variables`` — one row per variable (``Order`` within its dataset);
* ``ValueLevel`` — value-level metadata; ``Where Clause`` is ``VAR EQ value`` or ``VAR IN (a, b)`` joined by
  ``AND`` (values with blanks, commas or brackets in double quotes);
* ``Codelists`` — one row per term (codelist attributes repeated); ``Dictionaries`` — external dictionaries
  (MedDRA, WHODrug) with versions;
* ``Methods`` and ``Comments`` — texts that ``Variables``/``ValueLevel``/``Datasets`` name by ``ID``;
* ``Documents`` — the documents the metadata points at.

What the spec model holds and P21 has no column for travels in extra columns named ``cdiscflow ...``
(``cdiscflow Core``, ``cdiscflow Map``, ``cdiscflow Derive``, ``cdiscflow Settings`` ...; structured values as
YAML flow text, read back with ``yaml.safe_load``), so YAML → workbook → YAML gives the same specs. P21 tools
ignore those columns. Bad workbooks raise :class:`SpecError` naming the sheet, row and column.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import re2
import yaml
from openpyxl.packaging.core import DocumentProperties
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.functions import tostring

from cdiscflow.errors import SpecError
from cdiscflow.io.atomic import write_bytes, write_text
from cdiscflow.io.xmlsafe import parse_xml
from cdiscflow.specs.loader import dump_dataset, dump_yaml, load_datasets, read_yaml
from cdiscflow.specs.model import (
    CORE_VALUES,
    ORIGINS,
    Codelist,
    Dataset,
    Document,
    Term,
    ValueLevel,
    Variable,
)

#: Define-XML data types; integer and float are numeric (``Num``), the rest character (``Char``).
NUM_DATA_TYPES = ("integer", "float")
CHAR_DATA_TYPES = ("text", "date", "datetime", "time", "partialDate", "partialTime", "partialDatetime",
                   "incompleteDatetime", "durationDatetime", "intervalDatetime", "URI", "boolean")
_DATA_TYPES = {t.lower(): t for t in (*NUM_DATA_TYPES, *CHAR_DATA_TYPES)}
_ORIGIN_ALIASES = {"crf": "Collected", "edt": "Collected", **{o.lower(): o for o in ORIGINS}}

#: Sheets and columns written, in P21 order; ``cdiscflow ...`` columns carry what P21 has no column for.
COLUMNS: dict[str, tuple[str, ...]] = {
    "Define": ("Attribute", "Value"),
    "Datasets": ("Dataset", "Label", "Class", "SubClass", "Structure", "Key Variables", "Standard", "Has No Data",
                 "Repeating", "Reference Data", "Comment", "Developer Notes", "cdiscflow Source",
                 "cdiscflow Settings"),
    "Variables": ("Order", "Dataset", "Variable", "Label", "Data Type", "Length", "Significant Digits", "Format",
                  "Mandatory", "Assigned Value", "Codelist", "Common", "Origin", "Source", "Pages", "Method",
                  "Predecessor", "Role", "Has No Data", "Comment", "Developer Notes", "cdiscflow Core",
                  "cdiscflow Map", "cdiscflow Derive"),
    "ValueLevel": ("Order", "Dataset", "Variable", "Where Clause", "Label", "Data Type", "Length",
                   "Significant Digits", "Format", "Mandatory", "Assigned Value", "Codelist", "Origin", "Source",
                   "Pages", "Method", "Predecessor", "Comment", "Developer Notes", "cdiscflow Unit"),
    "Codelists": ("ID", "Name", "NCI Codelist Code", "Data Type", "Terminology", "Comment", "Order", "Term",
                  "NCI Term Code", "Decoded Value", "cdiscflow Extensible", "cdiscflow NCI", "cdiscflow Subset",
                  "cdiscflow Extension", "cdiscflow Synonyms"),
    "Dictionaries": ("ID", "Name", "Data Type", "Dictionary", "Version"),
    "Methods": ("ID", "Name", "Type", "Description", "Expression Context", "Expression Code", "Document", "Pages"),
    "Comments": ("ID", "Description", "Document", "Pages"),
    "Documents": ("ID", "Title", "Href"),
}
#: Columns a workbook must have when it has the sheet (``Datasets`` and ``Variables`` are required sheets).
REQUIRED: dict[str, tuple[str, ...]] = {
    "Datasets": ("Dataset", "Label"),
    "Variables": ("Order", "Dataset", "Variable", "Label", "Data Type"),
    "ValueLevel": ("Dataset", "Variable", "Where Clause"),
    "Codelists": ("ID", "Name", "Term"),
    "Dictionaries": ("ID", "Dictionary"),
    "Methods": ("ID", "Description"),
    "Comments": ("ID", "Description"),
    "Documents": ("ID", "Title"),
    "Define": ("Attribute", "Value"),
}
_DEFINE_ATTRS = (("StudyName", "studyid"), ("StudyDescription", "title"), ("ProtocolName", "protocol"))
_NAME = re2.compile(r"[A-Za-z][A-Za-z0-9_]*")
_TOKEN = re2.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'|[(),]|[^\s(),"\']+')


@dataclass
class SpecSet:
    """Everything a spec folder (or a workbook) holds: datasets, raw study codelists, documents, study attributes."""

    datasets: dict[str, Dataset] = field(default_factory=dict)
    codelists: dict[str, Codelist] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    study: dict[str, str] = field(default_factory=dict)
    source: str | None = None

    def to_dicts(self) -> dict[str, Any]:
        """A plain comparable form (spec file paths left out)."""
        return {"datasets": {n: d.to_dict() for n, d in self.datasets.items()},
                "codelists": {i: c.to_dict() for i, c in self.codelists.items()},
                "documents": [d.to_dict() for d in self.documents]}


# -- reading ---------------------------------------------------------------------------------------------


class _Row:
    """One workbook row: typed cell getters whose errors name the sheet, row and column."""

    def __init__(self, sheet: _Sheet, number: int, values: tuple[Any, ...]) -> None:
        self.sheet, self.number, self.values = sheet, number, values

    def error(self, column: str, message: str, expected: str, variable: str | None = None) -> SpecError:
        return SpecError(f"column '{column}': {message}", file=self.sheet.file,
                         row=f"{self.number} of sheet {self.sheet.name}", variable=variable, expected=expected)

    def raw(self, column: str) -> Any:
        i = self.sheet.columns.get(column)
        value = self.values[i] if i is not None and i < len(self.values) else None
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def text(self, column: str, strip: bool = False) -> str | None:
        """Cell text (whole numbers without ``.0``); blank → None; ``strip`` for names, ids and labels (an XPT
        label cannot keep surrounding spaces)."""
        value = self.raw(column)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value)
        return text.strip() if strip else text

    def name(self, column: str) -> str:
        value = self.text(column, strip=True)
        if value is None:
            raise self.error(column, "is empty", "a name")
        return value

    def integer(self, column: str, variable: str | None = None) -> int | None:
        value = self.raw(column)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.error(column, f"{value!r} is not a number", "a positive whole number", variable)
        text = str(value).strip()
        if isinstance(value, float):
            if not value.is_integer():
                raise self.error(column, f"{value!r} is not whole", "a positive whole number", variable)
            text = str(int(value))
        if not (text.isascii() and text.isdigit()) or int(text) <= 0:
            raise self.error(column, f"{value!r} is not a positive whole number", "a positive whole number", variable)
        return int(text)

    def yaml(self, column: str, variable: str | None = None) -> Any:
        text = self.text(column)
        if text is None:
            return None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise self.error(column, f"not YAML ({getattr(exc, 'problem', exc)})", "YAML flow text", variable) from None

    def choice(self, column: str, table: dict[str, str], expected: str, variable: str | None = None) -> str | None:
        value = self.text(column, strip=True)
        if value is None:
            return None
        if value.lower() not in table:
            raise self.error(column, f"{value!r}", expected, variable)
        return table[value.lower()]

    def pages(self, column: str, variable: str | None = None) -> list[int]:
        text = self.text(column, strip=True)
        pages: list[int] = []
        for part in (text or "").replace(",", " ").split():
            low, _, high = part.partition("-")
            if not (low.isascii() and low.isdigit() and (not high or (high.isascii() and high.isdigit()))):
                raise self.error(column, f"{text!r}", "CRF page numbers such as '12 14-16'", variable)
            pages += list(range(int(low), int(high or low) + 1))
        return pages


class _Sheet:
    """A sheet's header and non-blank rows."""

    def __init__(self, wb: Any, name: str, file: str) -> None:
        self.name, self.file = name, file
        rows = wb[name].iter_rows(values_only=True)
        header = next(rows, ()) or ()
        self.columns = {str(h).strip(): i for i, h in enumerate(header) if h is not None and str(h).strip()}
        missing = [c for c in REQUIRED.get(name, ()) if c not in self.columns]
        if missing:
            raise SpecError(f"sheet {name} lacks column(s) {', '.join(missing)}", file=file, row=f"1 of sheet {name}",
                            expected=f"a header row with {', '.join(REQUIRED[name])}")
        self.rows = [_Row(self, n, tuple(r)) for n, r in enumerate(rows, start=2)
                     if any(v is not None and str(v).strip() for v in r)]

    def __iter__(self) -> Iterator[_Row]:
        return iter(self.rows)


def _sheets(path: Path) -> tuple[dict[str, _Sheet], str]:
    file = str(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise SpecError("file not found", file=file, expected="an existing .xlsx workbook") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpecError(f"not a readable .xlsx workbook ({type(exc).__name__})", file=file,
                        expected="an Excel workbook in the Pinnacle 21 layout") from None
    try:
        for needed in ("Datasets", "Variables"):
            if needed not in wb.sheetnames:
                raise SpecError(f"sheet {needed} is missing", file=file,
                                expected=f"sheets {', '.join(COLUMNS)} (Datasets and Variables at least)")
        return {name: _Sheet(wb, name, file) for name in COLUMNS if name in wb.sheetnames}, file
    finally:
        wb.close()


def _texts(sheets: dict[str, _Sheet], name: str) -> dict[str, str]:
    """``Methods``/``Comments``: ID → Description."""
    out: dict[str, str] = {}
    for row in sheets.get(name, ()):
        oid = row.name("ID")
        if oid in out:
            raise row.error("ID", f"{oid} is listed twice", f"unique {name} ids")
        out[oid] = row.text("Description") or ""
    return out


def _codelists(sheets: dict[str, _Sheet]) -> dict[str, Codelist]:
    out: dict[str, Codelist] = {}
    cl_types = {t: t for t in ("text", "integer", "float")}
    for row in sheets.get("Codelists", ()):
        cid = row.name("ID")
        cl = out.get(cid)
        if cl is None:
            subset = row.yaml("cdiscflow Subset")
            if subset is not None and not (isinstance(subset, list) and all(isinstance(v, str) for v in subset)):
                raise row.error("cdiscflow Subset", f"{subset!r}", "a YAML list of submission values")
            cl = out[cid] = Codelist(
                id=cid, name=row.text("Name") or cid, code=row.text("NCI Codelist Code", strip=True),
                data_type=row.choice("Data Type", cl_types, "text, integer or float") or "text",
                source=row.text("Terminology"), nci=row.text("cdiscflow NCI", strip=True), subset=subset,
                extensible=row.choice("cdiscflow Extensible", {"yes": "Yes", "no": "No"}, "Yes or No") == "Yes")
        value = row.text("Term")
        if value is None:
            continue
        synonyms = row.yaml("cdiscflow Synonyms") or []
        if not isinstance(synonyms, list):
            raise row.error("cdiscflow Synonyms", f"{synonyms!r}", "a YAML list")
        term = Term(value=value, code=row.text("NCI Term Code", strip=True), decode=row.text("Decoded Value"),
                    synonyms=[str(s) for s in synonyms], order=row.integer("Order"))
        extension = row.choice("cdiscflow Extension", {"yes": "Yes", "no": "No"}, "Yes or No") == "Yes"
        (cl.extend if extension else cl.terms).append(term)
    for row in sheets.get("Dictionaries", ()):
        cid = row.name("ID")
        if cid in out:
            raise row.error("ID", f"{cid} is also a codelist", "ids unique across Codelists and Dictionaries")
        source = " ".join(t for t in (row.name("Dictionary"), row.text("Version", strip=True)) if t)
        out[cid] = Codelist(id=cid, name=row.text("Name") or cid, source=source,
                            data_type=row.choice("Data Type", cl_types, "text, integer or float") or "text")
    return out


def _attributes(row: _Row, codelists: dict[str, Codelist], methods: dict[str, str], comments: dict[str, str],
                variable: str) -> dict[str, Any]:
    """Columns shared by ``Variables`` and ``ValueLevel``, checked against the codelists, methods and comments."""
    out: dict[str, Any] = {}
    dtype = row.choice("Data Type", _DATA_TYPES | {"char": "text", "num": "float"},
                       f"a Define-XML data type ({', '.join(_DATA_TYPES.values())})", variable)
    out["type"] = None if dtype is None else ("Num" if dtype in NUM_DATA_TYPES else "Char")
    out["length"] = row.integer("Length", variable)
    out["significant_digits"] = row.integer("Significant Digits", variable)
    out["format"] = row.text("Format", strip=True)
    out["codelist"] = row.text("Codelist", strip=True)
    if out["codelist"] is not None and out["codelist"] not in codelists:
        raise row.error("Codelist", f"codelist {out['codelist']} is not in sheet Codelists or Dictionaries",
                        "the ID of a codelist or dictionary", variable)
    out["origin"] = row.choice("Origin", _ORIGIN_ALIASES, " / ".join(ORIGINS), variable)
    out["pages"] = row.pages("Pages", variable)
    for column, table, sheet in (("Method", methods, "Methods"), ("Comment", comments, "Comments")):
        ref = row.text(column, strip=True)
        if ref is not None and ref not in table:
            raise row.error(column, f"{ref} is not an ID of sheet {sheet}", f"an ID of sheet {sheet}", variable)
        out[column.lower()] = table.get(ref) if ref is not None else None
    return out


def _variables(sheets: dict[str, _Sheet], datasets: dict[str, Dataset], codelists: dict[str, Codelist],
               methods: dict[str, str], comments: dict[str, str]) -> None:
    ordered: dict[str, list[tuple[int, int, Variable]]] = {name: [] for name in datasets}
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(sheets["Variables"]):
        ds_name, name = row.name("Dataset"), row.name("Variable")
        if ds_name not in datasets:
            raise row.error("Dataset", f"dataset {ds_name} is not in sheet Datasets", "a dataset of sheet Datasets",
                            name)
        if (ds_name, name) in seen:
            raise row.error("Variable", f"{ds_name}.{name} is listed twice (also row {seen[ds_name, name]})",
                            "one row per dataset variable", name)
        seen[ds_name, name] = row.number
        label = row.text("Label", strip=True)
        if label is None:
            raise row.error("Label", "is empty", "a variable label", name)
        order = row.integer("Order", name)
        attrs = _attributes(row, codelists, methods, comments, name)
        if attrs["type"] is None:
            raise row.error("Data Type", "is empty", "a Define-XML data type", name)
        core = row.choice("cdiscflow Core", {c.lower(): c for c in CORE_VALUES}, " / ".join(CORE_VALUES), name)
        mandatory = row.choice("Mandatory", {"yes": "Yes", "no": "No"}, "Yes or No", name)
        var = Variable(name=name, label=label, core=core or ("Req" if mandatory == "Yes" else None),
                       predecessor=row.text("Predecessor"), role=row.text("Role"), map=row.yaml("cdiscflow Map", name),
                       derive=row.yaml("cdiscflow Derive", name), **attrs)
        ordered[ds_name].append((order if order is not None else 0, i, var))
    for ds_name, items in ordered.items():
        datasets[ds_name].variables = [v for _, _, v in sorted(items, key=lambda t: t[:2])]


def parse_where(text: str) -> dict[str, Any]:
    """``VAR EQ value AND VAR IN (a, b)`` → ``{VAR: value, VAR: [a, b]}`` (quotes: ``"a b"``, ``'a b'``)."""
    tokens: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if text[pos:m.start()].strip():
            raise ValueError(f"unexpected {text[pos:m.start()].strip()!r}")
        tokens.append(m.group(0))
        pos = m.end()
    if text[pos:].strip():
        raise ValueError(f"unexpected {text[pos:].strip()!r}")

    def value(tok: str) -> str:
        if tok[:1] in "\"'" and len(tok) >= 2:
            return tok[1:-1].replace(tok[0] * 2, tok[0])
        if tok in "(),":
            raise ValueError(f"a value expected, found {tok!r}")
        return tok

    out: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        if out:
            if tokens[i].upper() != "AND":
                raise ValueError(f"AND expected, found {tokens[i]!r}")
            i += 1
        if i + 2 >= len(tokens):
            raise ValueError("a clause VAR EQ value is incomplete")
        var, op = tokens[i], tokens[i + 1].upper()
        if op == "EQ":
            out[var] = value(tokens[i + 2])
            i += 3
        elif op == "IN":
            if tokens[i + 2] != "(" or ")" not in tokens[i + 2:]:
                raise ValueError("IN needs a list in brackets")
            end = tokens.index(")", i + 2)
            items = tokens[i + 3:end]
            if not items or any(t != "," for t in items[1::2]) or len(items) % 2 == 0:
                raise ValueError("IN (a, b, ...) is malformed")
            out[var] = [value(t) for t in items[0::2]]
            i = end + 1
        else:
            raise ValueError(f"operator {tokens[i + 1]!r} (only EQ and IN are supported)")
        if not _NAME.fullmatch(var):  # a variable of this dataset or (Define-XML 2.1) of another one
            raise ValueError(f"a variable name expected, found {var!r}")
    if not out:
        raise ValueError("empty")
    return out


def format_where(where: dict[str, Any]) -> str:
    """The inverse of :func:`parse_where`."""
    def value(v: Any) -> str:
        s = str(v)
        plain = s and s.upper() not in ("AND", "EQ", "IN") and not any(c in s for c in " \t\n(),\"'")
        return s if plain else '"' + s.replace('"', '""') + '"'

    parts = [f"{var} IN ({', '.join(value(v) for v in val)})" if isinstance(val, list) else f"{var} EQ {value(val)}"
             for var, val in where.items()]
    return " AND ".join(parts)


def _value_level(sheets: dict[str, _Sheet], datasets: dict[str, Dataset], codelists: dict[str, Codelist],
                 methods: dict[str, str], comments: dict[str, str]) -> None:
    ordered: dict[str, list[tuple[int, int, ValueLevel]]] = {name: [] for name in datasets}
    for i, row in enumerate(sheets.get("ValueLevel", ())):
        ds_name, name = row.name("Dataset"), row.name("Variable")
        ds = datasets.get(ds_name)
        if ds is None or not ds.has(name):
            raise row.error("Variable", f"{ds_name}.{name} is not a variable of sheet Variables",
                            "a dataset variable listed in sheet Variables", name)
        try:
            where = parse_where(row.name("Where Clause"))
        except ValueError as exc:
            raise row.error("Where Clause", f"{row.text('Where Clause')!r}: {exc}",
                            "VAR EQ value or VAR IN (a, b), joined by AND", name) from None
        order = row.integer("Order", name)
        vlm = ValueLevel(variable=name, where=where, label=row.text("Label", strip=True), unit=row.text("cdiscflow Unit"),
                         **_attributes(row, codelists, methods, comments, name))
        ordered[ds_name].append((order if order is not None else 0, i, vlm))
    for ds_name, items in ordered.items():
        datasets[ds_name].value_level = [v for _, _, v in sorted(items, key=lambda t: t[:2])]


def _standard(text: str | None, default: str) -> str:
    low = (text or default).lower()
    return "ADaM" if "adam" in low else "SDTM"


def read_workbook(path: Path | str) -> SpecSet:
    """Read a P21-layout workbook into datasets, codelists, documents and the study attributes."""
    path = Path(path)
    sheets, file = _sheets(path)
    study = {}
    for row in sheets.get("Define", ()):
        attr, value = row.text("Attribute", strip=True), row.text("Value", strip=True)
        if attr and value:
            study[attr] = value
    documents = []
    for row in sheets.get("Documents", ()):
        documents.append(Document(id=row.name("ID"), title=row.text("Title") or row.name("ID"),
                                  href=row.text("Href", strip=True)))
    methods, comments = _texts(sheets, "Methods"), _texts(sheets, "Comments")
    codelists = _codelists(sheets)
    datasets: dict[str, Dataset] = {}
    rows: dict[str, _Row] = {}
    for row in sheets["Datasets"]:
        name = row.name("Dataset")
        if not _NAME.fullmatch(name):
            raise row.error("Dataset", f"{name!r} is not a dataset name", "letters, digits and _, from a letter")
        if name in datasets:
            raise row.error("Dataset", f"{name} is listed twice (also row {rows[name].number})", "one row per dataset")
        comment = row.text("Comment", strip=True)
        if comment is not None and comment not in comments:
            raise row.error("Comment", f"{comment} is not an ID of sheet Comments", "an ID of sheet Comments")
        settings = row.yaml("cdiscflow Settings") or {}
        if not isinstance(settings, dict):
            raise row.error("cdiscflow Settings", f"{settings!r}", "a YAML mapping")
        datasets[name] = Dataset(
            name=name, label=row.text("Label", strip=True) or "", standard=_standard(row.text("Standard"), study.get(
                "StandardName", "SDTM")), cls=row.text("Class"), structure=row.text("Structure"),
            keys=[k.strip() for k in (row.text("Key Variables") or "").split(",") if k.strip()],
            source=row.yaml("cdiscflow Source"), comment=comments.get(comment) if comment else None,
            settings=settings, file=file)
        rows[name] = row
    _variables(sheets, datasets, codelists, methods, comments)
    _value_level(sheets, datasets, codelists, methods, comments)
    for name, ds in datasets.items():
        row = rows[name]
        if not ds.variables:
            raise row.error("Dataset", f"{name} has no rows in sheet Variables", "at least one variable")
        if not ds.label:
            raise row.error("Label", "is empty", "a dataset label")
        unknown = [k for k in ds.keys if not ds.has(k)]
        if unknown:
            raise row.error("Key Variables", f"{', '.join(unknown)} not variables of {name}",
                            f"variables of {name} listed in sheet Variables")
    return SpecSet(datasets=datasets, codelists=codelists, documents=documents, study=study, source=file)


def _define_study(path: Path) -> dict[str, str]:
    root = parse_xml(path).getroot()
    out = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.rpartition("}")[2] in dict(_DEFINE_ATTRS) and (el.text or "").strip():
            out.setdefault(el.tag.rpartition("}")[2], el.text.strip())
    return out


def import_specs(path: Path | str) -> SpecSet:
    """Read a P21-layout workbook (``.xlsx``) or a define.xml (1.0/2.0/2.1) into a :class:`SpecSet`."""
    from cdiscflow.specs.define_import import import_define, referenced_codelists

    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_workbook(path)
    if path.suffix.lower() != ".xml":
        raise SpecError("unknown spec file type", file=str(path), expected="a .xlsx workbook or a define .xml")
    define = import_define(path)
    return SpecSet(datasets=dict(define.datasets), codelists={c.id: c for c in referenced_codelists(define)},
                   study=_define_study(path), source=str(path))


# -- the YAML spec folder --------------------------------------------------------------------------------


def read_spec_folder(folder: Path | str) -> SpecSet:
    """``adam/*.yaml``, ``sdtm/*.yaml``, ``codelists.yaml`` and ``documents.yaml`` of a spec folder, unresolved
    (codelists that reference NCI CT stay references)."""
    folder = Path(folder)
    datasets = {**load_datasets(folder / "sdtm", "SDTM"), **load_datasets(folder / "adam", "ADaM")}
    specs = SpecSet(datasets=datasets, source=str(folder))
    for key, cls in (("codelists", Codelist), ("documents", Document)):
        path = folder / f"{key}.yaml"
        if not path.is_file():
            continue
        data = read_yaml(path) or {}
        entries = data.get(key) if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise SpecError(f"'{key}' list is missing", file=str(path), expected=f"{key}: [ {{id: ...}}, ... ]")
        items = [cls.from_dict(e, f"{key[:-1]} {i + 1}", str(path)) for i, e in enumerate(entries)]
        if key == "codelists":
            specs.codelists = {c.id: c for c in items}
        else:
            specs.documents = items
    return specs


def write_spec_folder(specs: SpecSet, folder: Path | str) -> list[Path]:
    """Write the spec folder (one YAML per dataset under ``adam/`` or ``sdtm/``; codelists; documents)."""
    folder = Path(folder)
    note = f"# Imported from {Path(specs.source).name} by cdiscflow specs import.\n" if specs.source else ""
    written = []
    bad = [ds.name for ds in specs.datasets.values() if not _NAME.fullmatch(ds.name)]
    if bad:  # a name becomes a file name: nothing may lead outside the folder
        raise SpecError(f"{bad[0]!r} is not a dataset name; nothing was written", file=specs.source,
                        expected="letters, digits and _, from a letter")
    for ds in specs.datasets.values():
        path = folder / ("adam" if ds.standard == "ADaM" else "sdtm") / f"{ds.name.lower()}.yaml"
        if path in written:
            raise SpecError(f"datasets {ds.name} and another differ only in case", file=specs.source,
                            expected="dataset names unique ignoring case")
        written.append(write_text(path, note + dump_dataset(ds)))
    if specs.codelists:
        entries = [c.to_dict() for c in specs.codelists.values()]
        written.append(write_text(folder / "codelists.yaml", note + dump_yaml({"codelists": entries})))
    if specs.documents:
        entries = [d.to_dict() for d in specs.documents]
        written.append(write_text(folder / "documents.yaml", note + dump_yaml({"documents": entries})))
    return written


# -- writing ---------------------------------------------------------------------------------------------


def _flow(value: Any) -> str | None:
    if value is None:
        return None
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=1 << 30, allow_unicode=True)
    return text.removesuffix("\n...\n").rstrip("\n")


def _data_type(var: Variable | ValueLevel) -> str | None:
    """Define-XML data type written for a variable (the model keeps Char/Num; both read back the same)."""
    if var.type is None:
        return None
    if var.type == "Num":
        return "float" if var.significant_digits else "integer"
    name = var.name if isinstance(var, Variable) else var.variable
    return "datetime" if name.endswith("DTC") else "durationDatetime" if name.endswith("DUR") else "text"


class _Texts:
    """Method or comment texts given ids: the first user names it (``MT.ADSL.AGE``), equal texts share one."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.ids: dict[str, str] = {}

    def ref(self, text: str | None, *owner: str) -> str | None:
        if text is None:
            return None
        if text not in self.ids:
            base = ".".join((self.prefix, *owner))
            oid, n = base, 1
            while oid in self.ids.values():
                n += 1
                oid = f"{base}.{n}"
            self.ids[text] = oid
        return self.ids[text]


def _epoch() -> datetime:
    from cdiscflow.provenance import DEFAULT_SOURCE_DATE_EPOCH

    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(env) if env.isdigit() else DEFAULT_SOURCE_DATE_EPOCH, UTC).replace(tzinfo=None)


def _rows(specs: SpecSet) -> dict[str, list[dict[str, Any]]]:
    methods, comments = _Texts("MT"), _Texts("COM")
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    study = dict(specs.study)
    rows["Define"] = [{"Attribute": k, "Value": v} for k, v in study.items()]
    for ds in specs.datasets.values():
        rows["Datasets"].append({
            "Dataset": ds.name, "Label": ds.label, "Class": ds.cls, "Structure": ds.structure,
            "Key Variables": ", ".join(ds.keys) or None, "Standard": ds.standard,
            "Comment": comments.ref(ds.comment, ds.name), "cdiscflow Source": _flow(ds.source),
            "cdiscflow Settings": _flow(ds.settings or None)})
        for order, v in enumerate(ds.variables, start=1):
            rows["Variables"].append({
                "Order": order, "Dataset": ds.name, "Variable": v.name, "Label": v.label, "Data Type": _data_type(v),
                "Length": v.length, "Significant Digits": v.significant_digits, "Format": v.format,
                "Mandatory": "Yes" if v.core == "Req" else "No", "Codelist": v.codelist, "Origin": v.origin,
                "Pages": " ".join(map(str, v.pages)) or None, "Method": methods.ref(v.method, ds.name, v.name),
                "Predecessor": v.predecessor, "Role": v.role, "Comment": comments.ref(v.comment, ds.name, v.name),
                "cdiscflow Core": v.core, "cdiscflow Map": _flow(v.map), "cdiscflow Derive": _flow(v.derive)})
        for order, vl in enumerate(ds.value_level, start=1):
            owner = (ds.name, vl.variable, *(str(x) for x in vl.where.values() if not isinstance(x, list)))
            rows["ValueLevel"].append({
                "Order": order, "Dataset": ds.name, "Variable": vl.variable, "Where Clause": format_where(vl.where),
                "Label": vl.label, "Data Type": _data_type(vl), "Length": vl.length,
                "Significant Digits": vl.significant_digits, "Format": vl.format, "Codelist": vl.codelist,
                "Origin": vl.origin, "Pages": " ".join(map(str, vl.pages)) or None,
                "Method": methods.ref(vl.method, *owner), "Comment": comments.ref(vl.comment, *owner),
                "cdiscflow Unit": vl.unit})
    for cl in specs.codelists.values():
        if not (cl.terms or cl.extend or cl.nci or cl.code or cl.subset or cl.extensible) and cl.source:
            dictionary, _, version = cl.source.rpartition(" ") if " " in cl.source else (cl.source, "", "")
            rows["Dictionaries"].append({"ID": cl.id, "Name": cl.name, "Data Type": cl.data_type,
                                         "Dictionary": dictionary, "Version": version or None})
            continue
        head = {"ID": cl.id, "Name": cl.name, "NCI Codelist Code": cl.code, "Data Type": cl.data_type,
                "Terminology": cl.source, "cdiscflow Extensible": "Yes" if cl.extensible else None,
                "cdiscflow NCI": cl.nci, "cdiscflow Subset": _flow(cl.subset)}
        terms = [(t, None) for t in cl.terms] + [(t, "Yes") for t in cl.extend]
        for t, ext in terms or [(None, None)]:
            rows["Codelists"].append(head if t is None else {
                **head, "Order": t.order, "Term": t.value, "NCI Term Code": t.code, "Decoded Value": t.decode,
                "cdiscflow Extension": ext, "cdiscflow Synonyms": _flow(t.synonyms or None)})
    rows["Methods"] = [{"ID": oid, "Name": oid, "Type": "Computation", "Description": text}
                       for text, oid in methods.ids.items()]
    rows["Comments"] = [{"ID": oid, "Description": text} for text, oid in comments.ids.items()]
    rows["Documents"] = [{"ID": d.id, "Title": d.title, "Href": d.href} for d in specs.documents]
    return rows


def write_workbook(specs: SpecSet, path: Path | str) -> Path:
    """Write the specs as a P21-layout workbook; byte-identical for the same specs and ``SOURCE_DATE_EPOCH``.

    A variable naming a codelist the specs do not define is an error (the workbook would not read back)."""
    for ds in specs.datasets.values():
        for v in [*ds.variables, *ds.value_level]:
            if v.codelist is not None and v.codelist not in specs.codelists:
                name = v.name if isinstance(v, Variable) else v.variable
                raise SpecError(f"dataset {ds.name}: codelist {v.codelist} is not in codelists.yaml", file=ds.file,
                                variable=name, expected="a codelist id defined in specs/codelists.yaml")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, table in _rows(specs).items():
        ws = wb.create_sheet(name)
        ws.append(COLUMNS[name])
        for record in table:
            ws.append([record.get(c) for c in COLUMNS[name]])
        for row in ws.iter_rows(min_row=2):
            for cell in row:  # text that looks like a formula stays text
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
    stamp = _epoch()
    props = DocumentProperties(creator="cdiscflow", created=stamp, modified=stamp, lastModifiedBy="cdiscflow")
    wb.properties = props
    buffer = io.BytesIO()
    wb.save(buffer)
    props.modified = stamp  # openpyxl stamps the save time; put the pinned one back
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = tostring(props.to_tree()) if info.filename == "docProps/core.xml" else src.read(info.filename)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6]), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return write_bytes(path, out.getvalue())
