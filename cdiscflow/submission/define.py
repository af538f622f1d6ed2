"""define.xml 2.1 from the specs: the metadata of one standard (SDTM or ADaM) of a study.

The specs are turned into a :class:`DefineDoc` (plain data: standards, documents, datasets, items,
value-level metadata, where clauses, codelists, methods, comments), which :func:`to_xml` writes as
Define-XML 2.1 (ODM 1.3.2 + ``def:`` extensions, element order as in ``define2-1-0.xsd``) and
:mod:`cdiscflow.submission.define_html` renders for reviewers. Nothing here is study-specific.

Where the spec model has no field for something define.xml needs, it is read from ``study.yaml``
(``acrf: {href, title}``; ``documents: [{id, href, title, standard: sdtm|adam}]`` → def:SupplementalDoc)
or from a dataset's ``settings: {define: {...}}`` (``subclass``, ``non_standard``,
``non_standard_variables``, ``data_types: {VAR: partialDate}``); see :func:`define_settings`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from lxml import etree

from cdiscflow.errors import SpecError
from cdiscflow.io.xmlsafe import safe_parser
from cdiscflow.provenance import data_cutoff, run_stamp
from cdiscflow.specs.ct import data_dir, load_terminology
from cdiscflow.specs.datatypes import define_type
from cdiscflow.specs.model import Codelist, Dataset, ValueLevel, Variable
from cdiscflow.study import Study
from cdiscflow.submission.define_arm import ARM_NS, ARM_SCHEMA, ArmResult, analysis_results, code_context

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: ODM_NS, "def": DEF_NS, "xlink": XLINK_NS}
DEFINE_VERSION = "2.1.0"
SCHEMA = "define-xml-2.1/schema/cdisc-define-2.1/define2-1-0.xsd"
STANDARDS = ("sdtm", "adam")
STYLESHEET = "define2-1.xsl"  # shipped beside every define.xml (cdiscflow/submission/templates/define2-1.xsl)
ACRF_FILE = "acrf.pdf"  # the generated annotated CRF, beside the SDTM define.xml

#: Short names for ADaM classes used in specs → Define-XML General Observation Class (C103329).
CLASS_ALIASES = {"ADSL": "SUBJECT LEVEL ANALYSIS DATASET", "BDS": "BASIC DATA STRUCTURE",
                 "OCCDS": "OCCURRENCE DATA STRUCTURE", "ADAM OTHER": "ADAM OTHER", "OTHER": "ADAM OTHER"}
#: Subclass aliases: an ADaM TTE dataset is a BDS of subclass TIME-TO-EVENT (ADaMIG 1.3 / ADaM TTE 1.0).
SUBCLASS_ALIASES = {"TTE": ("BASIC DATA STRUCTURE", "TIME-TO-EVENT"),
                    "ADAE": ("OCCURRENCE DATA STRUCTURE", "ADVERSE EVENT")}
#: SDTMIG: classes of the special-purpose, trial-design and relationship datasets (used when a spec has none).
SDTM_FIXED_CLASSES = {**dict.fromkeys(("DM", "CO", "SE", "SM", "SV"), "SPECIAL PURPOSE"),
                      **dict.fromkeys(("TA", "TD", "TE", "TI", "TM", "TS", "TV"), "TRIAL DESIGN"),
                      **dict.fromkeys(("RELREC", "RELSPEC", "RELSUB"), "RELATIONSHIP")}
#: Dataset order in define.xml: by class as in the SDTM Metadata Submission Guidelines, ADSL first for ADaM.
CLASS_ORDER = ("TRIAL DESIGN", "SPECIAL PURPOSE", "INTERVENTIONS", "EVENTS", "FINDINGS", "FINDINGS ABOUT",
               "RELATIONSHIP", "STUDY REFERENCE", "SUBJECT LEVEL ANALYSIS DATASET")
#: ADaM v2.1 (the model) is implemented by ADaMIG v1.0; older study.yaml files name the model.
MODEL_TO_IG = {("ADaM", "2.1"): ("ADaMIG", "1.0")}
ORIGIN_SOURCE = {"Collected": "Investigator", "Derived": "Sponsor", "Assigned": "Sponsor", "Protocol": "Sponsor"}
ISO_CHAR_TYPES = ("date", "datetime", "time", "partialDate", "partialTime", "partialDatetime",
                  "incompleteDatetime", "durationDatetime", "intervalDatetime")
DATA_TYPES = ("text", "integer", "float", *ISO_CHAR_TYPES)
SAS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,7}$")
#: Variables coded with an external dictionary (SDTMIG): ``--`` prefix domains → variable suffixes.
DICTIONARY_VARIABLES = {
    "MedDRA": (("AE", "MH", "CE"), ("DECOD", "LLT", "LLTCD", "PTCD", "HLT", "HLTCD", "HLGT", "HLGTCD", "BODSYS",
                                   "BDSYCD", "SOC", "SOCCD")),
    "WHODrug": (("CM", "AG", "EC"), ("DECOD", "CLAS", "CLASCD")),
}
DICTIONARY_HREF = {"MedDRA": "https://www.meddra.org/", "WHODrug": "https://www.who-umc.org/whodrug/"}
#: SUPPQUAL QNAMs that carry a dictionary's version, and TS's TSVCDREF spellings of the dictionaries.
VERSION_QNAMS = {"MedDRA": ("MEDDRAV", "MEDDRAVR", "AEDICTV"), "WHODrug": ("WHODRUGV", "WHODDV", "CMDICTV")}


# -- the document as plain data ---------------------------------------------------------------------------
@dataclass
class Standard:
    oid: str
    name: str
    type: str
    version: str
    publishing_set: str | None = None


@dataclass
class Leaf:
    id: str
    href: str
    title: str


@dataclass
class Origin:
    type: str
    source: str | None = None
    pages: list[int] = field(default_factory=list)
    predecessor: str | None = None


@dataclass
class Item:
    """One ItemDef (dataset variable or value-level item) and how its dataset/value list refers to it."""

    oid: str
    name: str
    label: str
    data_type: str
    length: int | None
    significant_digits: int | None
    display_format: str | None
    codelist_oid: str | None
    origin: Origin | None
    method_oid: str | None
    comment_oid: str | None
    mandatory: bool
    order: int
    key_sequence: int | None = None
    role: str | None = None
    value_list_oid: str | None = None
    where_oid: str | None = None
    unit: str | None = None
    non_standard: bool = False


@dataclass
class Group:
    oid: str
    name: str
    label: str
    domain: str | None
    repeating: bool
    reference: bool
    structure: str
    purpose: str
    cls: str
    subclass: str | None
    standard_oid: str | None
    non_standard: bool
    comment_oid: str | None
    leaf: Leaf
    items: list[Item]
    keys: list[str]
    domain_description: str | None = None


@dataclass
class RangeCheck:
    item_oid: str
    variable: str
    comparator: str
    values: list[str]


@dataclass
class WhereClause:
    oid: str
    checks: list[RangeCheck]

    @property
    def text(self) -> str:
        return " and ".join(f"{c.variable} {'=' if c.comparator == 'EQ' else 'in'} "
                            + (c.values[0] if c.comparator == "EQ" else "(" + ", ".join(c.values) + ")")
                            for c in self.checks)


@dataclass
class CodeItem:
    value: str
    decode: str | None
    code: str | None
    order: int | None
    extended: bool


@dataclass
class CodeListDef:
    oid: str
    id: str
    name: str
    data_type: str
    code: str | None
    standard_oid: str | None
    extensible: bool
    items: list[CodeItem]
    dictionary: tuple[str, str | None] | None = None  # external dictionary (name, version), e.g. MedDRA 8.0

    @property
    def decoded(self) -> bool:
        return any(i.decode is not None for i in self.items)


@dataclass
class TextDef:
    """A MethodDef (with ``type``) or a def:CommentDef."""

    oid: str
    name: str
    text: str
    type: str | None = None


@dataclass
class DefineDoc:
    standard: str
    file_oid: str
    created: str
    studyid: str
    study_name: str
    description: str
    protocol: str
    mdv_oid: str
    mdv_name: str
    standards: list[Standard]
    acrf: Leaf | None
    documents: list[Leaf]
    groups: list[Group]
    value_lists: dict[str, list[Item]]
    where_clauses: dict[str, WhereClause]
    codelists: list[CodeListDef]
    methods: list[TextDef]
    comments: list[TextDef]
    comment_oid: str | None = None  # def:CommentOID of the MetaDataVersion (the data cut-off)
    results: list[ArmResult] = field(default_factory=list)  # analysis results metadata (ADaM)
    result_leaves: list[Leaf] = field(default_factory=list)  # the results' ARD files

    @property
    def items(self) -> list[Item]:
        """Every ItemDef: dataset variables, then value-level items, in document order."""
        return [i for g in self.groups for i in g.items] + [i for vl in self.value_lists.values() for i in vl]


# -- building ---------------------------------------------------------------------------------------------
def _oid_part(text: Any) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", str(text)) or "_"


class _TextDefs:
    """Methods or comments, one definition per distinct text (the first user names it)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.by_key: dict[tuple[str | None, str], TextDef] = {}

    def add(self, text: str | None, owner: str, kind: str | None = None) -> str | None:
        if not text:
            return None
        key = (kind, text.strip())
        if key not in self.by_key:
            name = f"Algorithm to derive {owner}" if self.prefix == "MT" else owner
            self.by_key[key] = TextDef(oid=f"{self.prefix}.{_oid_part(owner)}", name=name, text=text.strip(),
                                       type=kind)
        return self.by_key[key].oid

    @property
    def defs(self) -> list[TextDef]:
        return list(self.by_key.values())


def _href(value: Any, where: str, file: str | None) -> str:
    """A document link: a relative path inside the package (no scheme, no '..', not absolute)."""
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: document href is missing", file=file, expected="a relative file name")
    href = value.strip()
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", href) or href.startswith(("/", "\\")) or ".." in Path(href).parts:
        raise SpecError(f"{where}: href {href!r} must be a relative path inside the package", file=file,
                        expected="a file name such as acrf.pdf")
    return href


def _study_file(study: Study, leaf: Leaf, where: str) -> Leaf:
    """A document the study brings: it must be a file in the study folder (the package copies it beside
    define.xml), so that the define.xml never links to a file that is not there."""
    if not study.inside(leaf.href).is_file():
        raise SpecError(f"{where}: {leaf.href} is not a file of the study folder", file=str(study.root / "study.yaml"),
                        expected=f"{study.root / leaf.href}, or no {where.split()[0]} entry")
    return leaf


def _leaf(entry: Any, default_id: str, default_title: str, where: str, file: str | None) -> Leaf:
    if isinstance(entry, str):
        entry = {"href": entry}
    if not isinstance(entry, dict):
        raise SpecError(f"{where}: a document must be a file name or {{href, title, id}}", file=file,
                        expected="{href: acrf.pdf, title: Annotated CRF}")
    href = _href(entry.get("href"), where, file)
    ident = entry.get("id") or default_id
    return Leaf(id=f"LF.{_oid_part(ident)}", href=href, title=str(entry.get("title") or default_title))


@lru_cache(maxsize=16)
def _define_terms(*codelists: str) -> tuple[str, ...]:
    """Submission values of Define-XML CT codelists (e.g. STDNAM, GNRLOBSC)."""
    ct = load_terminology("define")
    return tuple(v for ref in codelists for v in ct.codelist(ref).values)


def _parse_standard(text: Any, standard: str, file: str) -> Standard:
    """``SDTMIG 3.4`` → def:Standard; the name must be a Define-XML CT Standard Name (C170452)."""
    if not isinstance(text, str) or len(text.split()) != 2:
        raise SpecError(f"standards.{standard} is {text!r}", file=file, expected="'NAME VERSION', e.g. SDTMIG 3.4")
    name, version = text.split()
    name, version = MODEL_TO_IG.get((name, version), (name, version))
    allowed = _define_terms("STDNAM")
    if name not in allowed:
        raise SpecError(f"standards.{standard}: {name!r} is not a Define-XML standard name", file=file,
                        expected=", ".join(allowed))
    return Standard(oid=f"STD.{_oid_part(name)}.{_oid_part(version)}", name=name, type="IG", version=version)


def _ct_standard(source: str | None, fallback_version: str) -> Standard:
    """``SDTM CT 2025-03-28`` → the CDISC/NCI CT def:Standard of that publishing set and version."""
    words = (source or "").split()
    pub = {"SDTM": "SDTM", "ADAM": "ADaM", "DEFINE-XML": "DEFINE-XML", "SEND": "SEND"}.get(
        words[0].upper() if words else "SDTM", "SDTM")
    version = words[-1] if len(words) >= 2 else fallback_version
    return Standard(oid=f"STD.CT.{_oid_part(pub)}.{version}", name="CDISC/NCI", type="CT", version=version,
                    publishing_set=pub)


def define_settings(ds: Dataset) -> dict[str, Any]:
    """``settings: {define: {...}}`` of a dataset spec, checked (keys and shapes) so typos are not ignored."""
    settings = ds.settings.get("define") or {}
    shapes = {"subclass": str, "non_standard": bool, "non_standard_variables": list, "data_types": dict}
    if not isinstance(settings, dict):
        raise SpecError(f"dataset {ds.name}: settings.define must be a mapping", file=ds.file,
                        expected="{subclass: ..., non_standard: true, data_types: {VAR: TYPE}}")
    for key, value in settings.items():
        if key not in shapes or not isinstance(value, shapes[key]):
            raise SpecError(f"dataset {ds.name}: settings.define.{key} = {value!r}", file=ds.file,
                            expected=", ".join(f"{k} ({t.__name__})" for k, t in shapes.items()))
    return settings


def _class(ds: Dataset) -> tuple[str, str | None]:
    """Define-XML class and subclass of a dataset, checked against Define-XML CT (C103329, subclasses)."""
    raw = (ds.cls or SDTM_FIXED_CLASSES.get(ds.name) or ("RELATIONSHIP" if ds.name.startswith("SUPP") else None)
           or ("ADSL" if ds.name == "ADSL" else None))
    if raw is None:
        raise SpecError(f"dataset {ds.name}: 'class' is missing", file=ds.file,
                        expected="a class such as EVENTS, FINDINGS, BDS, ADSL, OCCDS")
    key = re.sub(r"[\s_\-]+", " ", raw.strip().upper())
    subclass = define_settings(ds).get("subclass")
    if key in SUBCLASS_ALIASES:
        key, default_subclass = SUBCLASS_ALIASES[key]
        subclass = subclass or default_subclass
    cls = CLASS_ALIASES.get(key, key)
    if cls not in _define_terms("GNRLOBSC"):
        raise SpecError(f"dataset {ds.name}: class {raw!r} is not a Define-XML class", file=ds.file,
                        expected=", ".join(_define_terms("GNRLOBSC")))
    if subclass is not None:
        allowed = _define_terms("BDSSC", "OCCSC", "MDBDSSC")
        if subclass not in allowed:
            raise SpecError(f"dataset {ds.name}: subclass {subclass!r} is not a Define-XML subclass",
                            file=ds.file, expected=", ".join(allowed))
    return cls, subclass


def item_data_type(var: Variable, ds: Dataset, values: pd.Series | None = None) -> str:
    """Define-XML DataType of a variable: the spec's override (``settings.define.data_types``) wins, else
    :func:`cdiscflow.specs.datatypes.define_type` — the function Dataset-JSON asks too — from the data when
    ``values`` are given (integer when every value is whole), else from the spec. A numeric SAS date is integer
    with its format as ``def:DisplayFormat``, as in CDISC's Define-XML 2.1 examples."""
    override = (define_settings(ds).get("data_types") or {}).get(var.name)
    if override is not None:
        if override not in DATA_TYPES:
            raise SpecError(f"dataset {ds.name}: data type {override!r} for {var.name}", file=ds.file,
                            variable=var.name, expected=", ".join(DATA_TYPES))
        return str(override)
    return define_type(var, ds, values)


def _length(var: Variable | ValueLevel, data_type: str, where: str, file: str | None) -> int | None:
    if data_type in ISO_CHAR_TYPES:
        return None
    if var.length is not None:
        return var.length
    if data_type == "text":
        raise SpecError(f"{where}: character variable without a length", file=file,
                        variable=getattr(var, "name", None) or getattr(var, "variable", None),
                        expected="length: N")
    return 8


def _origin(origin: str | None, pages: list[int], predecessor: str | None, method: str | None,
            adam: bool) -> Origin | None:
    """def:Origin: the spec's origin, or inferred from CRF pages / predecessor / method."""
    if origin is None:
        origin = ("Collected" if pages and not adam else "Predecessor" if predecessor
                  else "Derived" if method else None)
    if origin is None:
        return None
    return Origin(type=origin, source=ORIGIN_SOURCE.get(origin),
                  pages=list(pages) if origin in ("Collected", "Predecessor") else [],
                  predecessor=predecessor if origin == "Predecessor" else None)


def _method_type(var_name: str, ds: Dataset) -> str:
    """Imputation when ADaM's imputation flag exists (ADaMIG: ``*DTF`` for ``*DT``/``*DTM``, ``*TMF`` for ``*TM``)."""
    flags = {var_name + "F"} if var_name.endswith(("DT", "TM")) else set()
    if var_name.endswith("DTM"):
        flags = {var_name[:-1] + "F", var_name[:-3] + "TMF"}
    return "Imputation" if any(ds.has(f) for f in flags) else "Computation"


def dictionary_versions(study: Study, data: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """Versions of the external dictionaries (MedDRA, WHODrug): ``study.yaml`` ``dictionaries: {MedDRA: '26.0'}``
    first, else the trial summary (TS ``TSVCDREF``/``TSVCDVER``), else a SUPPQUAL version qualifier (``MEDDRAV``;
    one distinct value). A dictionary without a known version is not written (a define.xml names its version)."""
    found: dict[str, str] = {}
    ts = data.get("TS")
    if ts is not None and {"TSPARMCD", "TSVAL"} <= set(ts.columns):
        refs = ts[ts["TSPARMCD"] == "TSVCDREF"].reset_index(drop=True)
        vers = ts[ts["TSPARMCD"] == "TSVCDVER"].reset_index(drop=True)
        by = ["TSGRPID"] if "TSGRPID" in ts.columns and refs["TSGRPID"].ne("").all() else None
        pairs = (refs.merge(vers, on=by, suffixes=("", "_V"))[["TSVAL", "TSVAL_V"]] if by
                 else pd.DataFrame({"TSVAL": refs["TSVAL"], "TSVAL_V": vers["TSVAL"]}) if len(refs) == len(vers)
                 else pd.DataFrame(columns=["TSVAL", "TSVAL_V"]))
        for ref, ver in pairs.itertuples(index=False):
            name = next((d for d in DICTIONARY_VARIABLES if str(ref).upper().startswith(d.upper())), None)
            if name and str(ver).strip():
                found.setdefault(name, str(ver).strip())
    for ds, df in data.items():
        if ds.startswith("SUPP") and {"QNAM", "QVAL"} <= set(df.columns):
            for name, qnams in VERSION_QNAMS.items():
                values = df.loc[df["QNAM"].isin(qnams), "QVAL"].astype("string").str.strip().dropna().unique()
                if len(values) == 1 and name not in found:
                    found[name] = str(values[0])
    declared = study.meta.get("dictionaries") or {}
    if not isinstance(declared, dict):
        raise SpecError("dictionaries must be a mapping", file=str(study.root / "study.yaml"),
                        expected="dictionaries: {MedDRA: '26.0', WHODrug: 'GLOBAL B3 Mar 2023'}")
    unknown = sorted(set(map(str, declared)) - set(DICTIONARY_VARIABLES))
    if unknown:
        raise SpecError(f"dictionaries: unknown dictionary {unknown[0]!r}", file=str(study.root / "study.yaml"),
                        expected=", ".join(DICTIONARY_VARIABLES))
    return {**found, **{str(k): str(v) for k, v in declared.items()}}


class _Builder:
    """Collects codelists, methods, comments and where clauses while datasets are turned into groups."""

    def __init__(self, study: Study, standard: str, data: Mapping[str, pd.DataFrame] | None = None,
                 acrf_pages: Mapping[str, Sequence[int]] | None = None) -> None:
        self.study = study
        self.data = data or {}
        self.dictionaries = dictionary_versions(study, self.data)
        self.dictionary_users: dict[str, tuple[str, str]] = {}
        self.standard = standard
        self.adam = standard == "adam"
        self.methods = _TextDefs("MT")
        self.comments = _TextDefs("COM")
        self.codelist_users: dict[str, list[tuple[str, str]]] = {}
        self.value_lists: dict[str, list[Item]] = {}
        self.where: dict[tuple, WhereClause] = {}
        self.where_oids: set[str] = set()
        self.uses_pages = False
        self.own_acrf = study.meta.get("acrf") is not None
        self.acrf_pages = acrf_pages
        self.missing: list[tuple[str, str, str | None, str]] = []

    def raise_missing(self) -> None:
        """One error for all references to undefined codelists (file and variable of the first one)."""
        if not self.missing:
            return
        ref, owner, file, variable = self.missing[0]
        known = ", ".join(sorted(self.study.codelists)) or "none defined"
        message = f"{owner}: codelist {ref!r} is not in codelists.yaml"
        if len(self.missing) > 1:
            users: dict[str, list[str]] = {}
            for ref, owner, _, _ in self.missing:
                users.setdefault(ref, []).append(owner.removeprefix("dataset "))
            message = f"{len(self.missing)} references to codelists not in codelists.yaml: " + "; ".join(
                f"{ref!r} ({', '.join(u[:3])}{f' and {len(u) - 3} more' if len(u) > 3 else ''})"
                for ref, u in users.items())
        raise SpecError(message, file=file, variable=variable, expected=f"codelists among: {known}")

    def dictionary_oid(self, var: Variable, data_type: str) -> str | None:
        """``CL.MedDRA`` (``CL.MedDRA.CODE`` for numeric codes) for a dictionary-coded variable whose
        dictionary version the study gives; the code list itself is written by :meth:`dictionary_codelists`."""
        for name, (domains, suffixes) in DICTIONARY_VARIABLES.items():
            if var.name[:2] in domains and var.name[2:] in suffixes and name in self.dictionaries:
                oid = f"CL.{name}" + ("" if data_type == "text" else ".CODE")
                self.dictionary_users.setdefault(oid, (name, data_type))
                return oid
        return None

    def dictionary_codelists(self) -> list[CodeListDef]:
        return [CodeListDef(oid=oid, id=oid.removeprefix("CL."), data_type=dtype, code=None, standard_oid=None,
                            name=f"{name}" + (" codes" if dtype != "text" else ""), extensible=False, items=[],
                            dictionary=(name, self.dictionaries[name]))
                for oid, (name, dtype) in sorted(self.dictionary_users.items())]

    def codelist_oid(self, ref: str | None, ds: Dataset, variable: str, where: str, data_type: str) -> str | None:
        if ref is None:
            return self.dictionary_oid(ds.variable(variable), data_type)
        if ref not in self.study.codelists:
            self.missing.append((ref, f"dataset {ds.name} {where}", ds.file, variable))
            return None
        self.codelist_users.setdefault(ref, []).append((f"{ds.name} {where}", data_type))
        return f"CL.{_oid_part(ref)}"

    def values(self, ds: Dataset, name: str, rows: pd.Series | None = None) -> pd.Series | None:
        """The data of a numeric variable (the ``rows`` where a where clause holds), or None without data."""
        df = self.data.get(ds.name)
        if df is None or name not in df.columns or not pd.api.types.is_numeric_dtype(df[name]):
            return None
        return df[name] if rows is None else df.loc[rows.to_numpy(), name]

    def where_rows(self, ds: Dataset, wc: WhereClause) -> pd.Series | None:
        df = self.data.get(ds.name)
        if df is None or any(c.variable not in df.columns for c in wc.checks):
            return None
        keep = pd.Series(True, index=df.index)
        for c in wc.checks:
            col = df[c.variable]
            text = col.astype("string").str.strip() if not pd.api.types.is_numeric_dtype(col) else col
            wanted = c.values if not pd.api.types.is_numeric_dtype(col) else pd.to_numeric(
                pd.Series(c.values), errors="coerce").tolist()
            keep &= text.isin(wanted).fillna(False).astype(bool)
        return keep

    def origin(self, ds: Dataset, name: str, origin: str | None, spec_pages: list[int], predecessor: str | None,
               method: str | None) -> Origin | None:
        """def:Origin with the aCRF pages that exist: the spec's pages of the study's own aCRF, the pages of the
        generated aCRF (``acrf_pages["DS.VAR"]``), or none when there is no aCRF (never a dangling reference)."""
        org = _origin(origin, spec_pages, predecessor, method, self.adam)
        if org is not None and org.pages and self.adam:  # the aCRF sits with SDTM, not beside ADaM's define.xml
            org.pages = []
        if org is not None and org.pages:
            org.pages = (list(spec_pages) if self.own_acrf else [] if self.acrf_pages is None
                         else [int(p) for p in self.acrf_pages.get(f"{ds.name}.{name}", ())])
            self.uses_pages |= bool(org.pages)
        return org

    def item(self, ds: Dataset, var: Variable, order: int) -> Item:
        where = f"variable {var.name}"
        dtype = item_data_type(var, ds, self.values(ds, var.name))
        if not SAS_NAME.match(var.name):
            raise SpecError(f"dataset {ds.name}: variable name {var.name!r} is not a SAS V5 name", file=ds.file,
                            variable=var.name, expected="at most 8 letters, digits or _")
        method_oid = self.methods.add(var.method, f"{ds.name}.{var.name}", _method_type(var.name, ds))
        non_std = var.name in (define_settings(ds).get("non_standard_variables") or [])
        return Item(
            oid=f"IT.{_oid_part(ds.name)}.{_oid_part(var.name)}", name=var.name, label=var.label, data_type=dtype,
            length=_length(var, dtype, f"dataset {ds.name} {where}", ds.file),
            significant_digits=var.significant_digits, display_format=var.format,
            codelist_oid=self.codelist_oid(var.codelist, ds, var.name, where, dtype),
            origin=self.origin(ds, var.name, var.origin, var.pages, var.predecessor, var.method),
            method_oid=method_oid, comment_oid=self.comments.add(var.comment, f"{ds.name}.{var.name}"),
            mandatory=var.core == "Req", order=order,
            key_sequence=ds.keys.index(var.name) + 1 if var.name in ds.keys else None,
            role=var.role if not self.adam else None, non_standard=non_std,
        )

    def where_clause(self, ds: Dataset, vl: ValueLevel, n: int) -> WhereClause:
        checks = []
        for wvar, value in vl.where.items():
            if not ds.has(wvar):
                raise SpecError(f"dataset {ds.name} value_level {n}: where variable {wvar} is not in the dataset",
                                file=ds.file, variable=wvar, expected=f"one of {', '.join(ds.names)}")
            values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
            if not values:
                raise SpecError(f"dataset {ds.name} value_level {n}: empty value list for {wvar}", file=ds.file,
                                variable=wvar, expected="at least one value")
            codelist = self.study.codelists.get(ds.variable(wvar).codelist or "")
            unknown = [v for v in values if codelist is not None and not codelist.extensible
                       and v not in codelist.values]
            if unknown:
                raise SpecError(f"dataset {ds.name} value_level {n}: {wvar} value(s) {unknown} not in codelist "
                                f"{codelist.id}", file=ds.file, variable=wvar,
                                expected=f"values of {codelist.id}: {', '.join(codelist.values)}")
            checks.append(RangeCheck(item_oid=f"IT.{_oid_part(ds.name)}.{_oid_part(wvar)}", variable=wvar,
                                     comparator="EQ" if len(values) == 1 else "IN", values=values))
        key = (ds.name, tuple((c.variable, tuple(c.values)) for c in checks))
        if key not in self.where:
            base = "WC." + _oid_part(ds.name) + "." + ".".join(
                f"{_oid_part(c.variable)}.{'-'.join(_oid_part(v) for v in c.values)}" for c in checks)
            oid, k = base, 1
            while oid in self.where_oids:
                k += 1
                oid = f"{base}.{k}"
            self.where_oids.add(oid)
            self.where[key] = WhereClause(oid=oid, checks=checks)
        return self.where[key]

    def value_level(self, ds: Dataset, parents: dict[str, Item]) -> None:
        for n, vl in enumerate(ds.value_level, start=1):
            if vl.variable not in parents:
                raise SpecError(f"dataset {ds.name} value_level {n}: variable {vl.variable} is not in the dataset",
                                file=ds.file, variable=vl.variable, expected=f"one of {', '.join(ds.names)}")
            parent_var = ds.variable(vl.variable)
            parent = parents[vl.variable]
            wc = self.where_clause(ds, vl, n)
            suffix = wc.oid.split(".", 2)[2]
            merged = Variable(
                name=parent_var.name, label=vl.label or parent_var.label, type=vl.type or parent_var.type,
                length=vl.length if vl.length is not None else parent_var.length,
                format=vl.format or parent_var.format,
                significant_digits=vl.significant_digits if vl.significant_digits is not None
                else parent_var.significant_digits,
            )
            rows = self.where_rows(ds, wc)
            dtype = item_data_type(merged, ds, self.values(ds, vl.variable, rows) if rows is not None else None)
            where = f"value_level {n} ({vl.variable} where {wc.text})"
            pages = vl.pages or parent_var.pages
            method = vl.method or parent_var.method
            vl_list = self.value_lists.setdefault(f"VL.{_oid_part(ds.name)}.{_oid_part(vl.variable)}", [])
            vl_list.append(Item(
                oid=f"{parent.oid}.{suffix}", name=parent.name, label=merged.label, data_type=dtype,
                length=_length(merged, dtype, f"dataset {ds.name} {where}", ds.file),
                significant_digits=merged.significant_digits, display_format=merged.format,
                codelist_oid=self.codelist_oid(vl.codelist or parent_var.codelist, ds, vl.variable, where, dtype),
                origin=self.origin(ds, vl.variable, vl.origin or parent_var.origin, pages, parent_var.predecessor,
                                   method),
                method_oid=self.methods.add(method, f"{ds.name}.{vl.variable}.{suffix}",
                                            _method_type(vl.variable, ds)),
                comment_oid=self.comments.add(vl.comment, f"{ds.name}.{vl.variable}.{suffix}"),
                mandatory=False, order=len(vl_list) + 1, where_oid=wc.oid, unit=vl.unit,
            ))
            parent.value_list_oid = f"VL.{_oid_part(ds.name)}.{_oid_part(vl.variable)}"

    def group(self, ds: Dataset, ig_standard: Standard) -> Group:
        if not SAS_NAME.match(ds.name):
            raise SpecError(f"dataset name {ds.name!r} is not a SAS V5 name", file=ds.file,
                            expected="at most 8 letters, digits or _")
        if not ds.structure:
            raise SpecError(f"dataset {ds.name}: 'structure' is missing", file=ds.file,
                            expected="structure: One record per ... (define.xml def:Structure)")
        cls, subclass = _class(ds)
        non_standard = bool(define_settings(ds).get("non_standard")) or (not self.adam and ds.name[:1] in "XYZ")
        items = [self.item(ds, v, i) for i, v in enumerate(ds.variables, start=1)]
        self.value_level(ds, {i.name: i for i in items})
        subject_level = ds.has("USUBJID") and set(ds.keys) <= {"STUDYID", "USUBJID"} and bool(ds.keys)
        domain = None
        if not self.adam:
            domain = ds.name[4:] if ds.name.startswith("SUPP") and len(ds.name) > 4 else ds.name
        parent = self.study.sdtm_specs.get(domain or "") if domain != ds.name else None
        return Group(
            oid=f"IG.{_oid_part(ds.name)}", name=ds.name, label=ds.label, domain=domain,
            repeating=ds.has("USUBJID") and not subject_level, reference=not ds.has("USUBJID"),
            structure=ds.structure, purpose="Analysis" if self.adam else "Tabulation", cls=cls, subclass=subclass,
            standard_oid=None if non_standard else ig_standard.oid, non_standard=non_standard,
            comment_oid=self.comments.add(ds.comment, ds.name),
            leaf=Leaf(id=f"LF.{_oid_part(ds.name)}", href=f"{ds.name.lower()}.xpt", title=f"{ds.name.lower()}.xpt"),
            items=items, keys=list(ds.keys), domain_description=parent.label if parent else None,
        )

    def codelist_type(self, cl: Codelist) -> str:
        """CodeList DataType, matching the items that use it (Define-XML 2.1: the two must agree).

        A ``text`` codelist used only by numeric variables becomes integer (all terms whole numbers) or float;
        numeric and character users of one codelist, or a numeric user of non-numeric terms, are spec errors.
        """
        users = self.codelist_users[cl.id]
        numeric = [u for u, t in users if t in ("integer", "float")]
        file = str(self.study.specs_dir / "codelists.yaml")
        if not numeric:
            if cl.data_type != "text":
                raise SpecError(f"codelist {cl.id} is {cl.data_type} but used by character variables "
                                f"({', '.join(u for u, _ in users)})", file=file, expected="data_type: text")
            return "text"
        if len(numeric) < len(users):
            raise SpecError(f"codelist {cl.id} is used by numeric and character variables "
                            f"({', '.join(u for u, _ in users)})", file=file, expected="one codelist per data type")
        if cl.data_type != "text":
            return cl.data_type
        try:
            numbers = [float(t.value) for t in cl.terms]
        except ValueError:
            raise SpecError(f"codelist {cl.id} has non-numeric terms but numeric users ({', '.join(numeric)})",
                            file=file, expected="numeric terms (data_type: integer or float)") from None
        return "integer" if all(n.is_integer() for n in numbers) else "float"

    def codelist(self, cl: Codelist, standards: dict[str, Standard]) -> CodeListDef:
        if not cl.terms and cl.source and not cl.code:  # an external dictionary: ``source: MedDRA 8.0``
            name, version = (cl.source.rsplit(" ", 1) + [None])[:2]
            return CodeListDef(oid=f"CL.{_oid_part(cl.id)}", id=cl.id, name=cl.name, data_type=self.codelist_type(cl),
                               code=None, standard_oid=None, extensible=False, items=[], dictionary=(name, version))
        if not cl.terms:
            raise SpecError(f"codelist {cl.id} has no terms", file=str(self.study.specs_dir / "codelists.yaml"),
                            expected="at least one term (or source: DICTIONARY VERSION for an external one)")
        std = None
        if cl.code:
            std = _ct_standard(cl.source, self.study.ct_version)
            standards.setdefault(std.oid, std)
        extended = {t.value for t in cl.extend} if cl.code else set()
        decoded = any(t.decode and t.decode.strip().upper() != t.value.strip().upper() for t in cl.terms)
        items = [CodeItem(value=t.value, decode=(t.decode or t.value) if decoded else None,
                          code=t.code if cl.code and t.value not in extended else None, order=t.order,
                          extended=t.value in extended) for t in cl.terms]
        return CodeListDef(oid=f"CL.{_oid_part(cl.id)}", id=cl.id, name=cl.name, data_type=self.codelist_type(cl),
                           code=cl.code, standard_oid=std.oid if std else None, extensible=cl.extensible,
                           items=items)


def build_define(study: Study, standard: str, data: Mapping[str, pd.DataFrame] | None = None,
                 acrf_pages: Mapping[str, Sequence[int]] | None = None,
                 documents: Sequence[Leaf] = ()) -> DefineDoc:
    """The define.xml content of ``standard`` (sdtm | adam) from the study's specs.

    ``data`` (dataset name → frame), when given, decide integer vs float and the dictionary versions.
    ``acrf_pages`` (``"DS.VAR"`` → pages of the generated ``acrf.pdf``) link collected variables into it; without
    it, and without the study's own aCRF (``acrf:`` in study.yaml, a file in the study folder), define.xml has
    no aCRF at all. ``documents`` are further def:SupplementalDoc leaves (e.g. the reviewer's guide) that the
    caller knows will sit beside define.xml; study.yaml ``documents`` must be files of the study folder.
    """
    if standard not in STANDARDS:
        raise SpecError(f"unknown standard {standard!r}", expected="sdtm or adam")
    specs = study.sdtm_specs if standard == "sdtm" else study.adam_specs
    if not specs:
        raise SpecError(f"no {standard.upper()} specs", file=str(study.specs_dir / standard),
                        expected=f"specs/{standard}/<dataset>.yaml files")
    meta_file = str(study.root / "study.yaml")
    std_text = (study.meta.get("standards") or {}).get(standard)
    if std_text is None:
        raise SpecError(f"standards.{standard} is missing", file=meta_file,
                        expected="standards: {sdtm: SDTMIG 3.4, adam: ADaMIG 1.3}")
    ig = _parse_standard(std_text, standard, meta_file)
    b = _Builder(study, standard, data, acrf_pages)
    groups = sorted((b.group(ds, ig) for ds in specs.values()),
                    key=lambda g: (CLASS_ORDER.index(g.cls) if g.cls in CLASS_ORDER else len(CLASS_ORDER), g.name))
    b.raise_missing()
    standards: dict[str, Standard] = {ig.oid: ig}
    codelists = [b.codelist(study.codelists[cid], standards) for cid in sorted(b.codelist_users)]
    codelists += b.dictionary_codelists()
    acrf = None
    if b.own_acrf and (b.uses_pages or not b.adam):
        acrf = _study_file(study, _leaf(study.meta["acrf"], "acrf", "Annotated CRF", "acrf", meta_file), "acrf")
    elif b.uses_pages:
        acrf = Leaf(id="LF.acrf", href=ACRF_FILE, title="Annotated CRF")
    docs = [_study_file(study, _leaf(d, f"doc{i}", d.get("href", "") if isinstance(d, dict) else str(d),
                                     f"documents {i}", meta_file), f"documents {i}")
            for i, d in enumerate(study.meta.get("documents") or [], start=1)
            if not isinstance(d, dict) or d.get("standard", standard) == standard]
    docs += [d for d in documents if d.id not in {x.id for x in docs}]
    results = analysis_results(study, specs) if b.adam else []
    where_clauses = {w.oid: w for w in b.where.values()}
    for r in results:
        for d in r.datasets:
            if d.checks:
                where_clauses[f"WC.{_oid_part(r.id)}.{d.name}"] = WhereClause(
                    oid=f"WC.{_oid_part(r.id)}.{d.name}",
                    checks=[RangeCheck(item_oid=f"IT.{d.name}.{v}", variable=v, comparator=op, values=vals)
                            for v, op, vals in d.checks])
    ident = study.studyid
    label = "ADaM" if b.adam else "SDTM"
    cutoff = data_cutoff(study.meta, meta_file)
    created = run_stamp()
    mdv_comment = b.comments.add(f"Data cut-off {cutoff}; metadata created {created} (UTC)" if cutoff else None,
                                 "DATA_CUTOFF")
    description = str(study.meta.get("title") or ident) + (f" (data cut-off {cutoff})" if cutoff else "")
    return DefineDoc(
        standard=standard, file_oid=f"{_oid_part(ident)}.{label}.Define-XML_{DEFINE_VERSION}",
        created=created, studyid=ident, study_name=ident, description=description, comment_oid=mdv_comment, protocol=str(study.meta.get("protocol") or ident),
        mdv_oid=f"MDV.{_oid_part(ident)}.{_oid_part(ig.name)}.{_oid_part(ig.version)}",
        mdv_name=f"Study {ident}, {label} Data Definitions",
        standards=[ig, *sorted((s for s in standards.values() if s is not ig), key=lambda s: s.oid)],
        acrf=acrf, documents=docs, groups=groups,
        value_lists={oid: b.value_lists[oid] for g in groups for i in g.items if (oid := i.value_list_oid)},
        where_clauses=where_clauses, codelists=codelists, results=results,
        result_leaves=[Leaf(id=f"LF.ARD.{_oid_part(r.id)}", href=r.ard_href, title=f"{r.id}.ard.json")
                       for r in results],
        methods=b.methods.defs, comments=b.comments.defs,
    )


# -- XML --------------------------------------------------------------------------------------------------
def _odm(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def _def(tag: str) -> str:
    return f"{{{DEF_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, attrs: dict[str, Any] | None = None, text: str | None = None
         ) -> etree._Element:
    el = etree.SubElement(parent, tag, {k: str(v) for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _description(parent: etree._Element, text: str, tag: str = "Description") -> None:
    _sub(_sub(parent, _odm(tag)), _odm("TranslatedText"), {XML_LANG: "en"}, text)


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


def _item_ref(parent: etree._Element, item: Item) -> None:
    ref = _sub(parent, _odm("ItemRef"), {
        "ItemOID": item.oid, "OrderNumber": item.order, "Mandatory": _yes_no(item.mandatory),
        "KeySequence": item.key_sequence, "MethodOID": item.method_oid, "Role": item.role,
        _def("IsNonStandard"): "Yes" if item.non_standard else None,
    })
    if item.where_oid:
        _sub(ref, _def("WhereClauseRef"), {"WhereClauseOID": item.where_oid})


def _doc_ref(parent: etree._Element, leaf_id: str, pages: list[int] | None = None) -> None:
    ref = _sub(parent, _def("DocumentRef"), {"leafID": leaf_id})
    if pages:
        _sub(ref, _def("PDFPageRef"), {"PageRefs": " ".join(str(p) for p in pages), "Type": "PhysicalRef"})


def _leaf_el(parent: etree._Element, leaf: Leaf) -> None:
    el = _sub(parent, _def("leaf"), {"ID": leaf.id, f"{{{XLINK_NS}}}href": leaf.href})
    _sub(el, _def("title"), text=leaf.title)


def _item_def(mdv: etree._Element, item: Item, acrf: Leaf | None) -> None:
    el = _sub(mdv, _odm("ItemDef"), {
        "OID": item.oid, "Name": item.name, "DataType": item.data_type, "Length": item.length,
        "SignificantDigits": item.significant_digits if item.data_type == "float" else None,
        "SASFieldName": item.name, _def("DisplayFormat"): item.display_format,
        _def("CommentOID"): item.comment_oid,
    })
    _description(el, f"{item.label} ({item.unit})" if item.unit else item.label)
    if item.codelist_oid:
        _sub(el, _odm("CodeListRef"), {"CodeListOID": item.codelist_oid})
    if item.origin is not None:
        org = _sub(el, _def("Origin"), {"Type": item.origin.type, "Source": item.origin.source})
        if item.origin.predecessor:
            _description(org, item.origin.predecessor)
        if item.origin.pages and acrf is not None:
            _doc_ref(org, acrf.id, item.origin.pages)
    if item.value_list_oid:
        _sub(el, _def("ValueListRef"), {"ValueListOID": item.value_list_oid})


def _code_list(mdv: etree._Element, cl: CodeListDef) -> None:
    el = _sub(mdv, _odm("CodeList"), {"OID": cl.oid, "Name": cl.name, "DataType": cl.data_type,
                                      _def("StandardOID"): cl.standard_oid})
    for term in cl.items:
        attrs = {"CodedValue": term.value, "OrderNumber": term.order,
                 _def("ExtendedValue"): "Yes" if term.extended else None}
        item = _sub(el, _odm("CodeListItem" if cl.decoded else "EnumeratedItem"), attrs)
        if cl.decoded:
            _description(item, term.decode or term.value, "Decode")
        if term.code:
            _sub(item, _odm("Alias"), {"Context": "nci:ExtCodeID", "Name": term.code})
    if cl.dictionary:
        _sub(el, _odm("ExternalCodeList"), {"Dictionary": cl.dictionary[0], "Version": cl.dictionary[1],
                                            "href": DICTIONARY_HREF.get(cl.dictionary[0])})
    if cl.code:
        _sub(el, _odm("Alias"), {"Context": "nci:ExtCodeID", "Name": cl.code})


def to_xml(doc: DefineDoc) -> etree._ElementTree:
    """The Define-XML 2.1 document (element order as in define2-1-0.xsd; ARM as in arm1-0-0.xsd)."""
    root = etree.Element(_odm("ODM"), nsmap={**NSMAP, "arm": ARM_NS} if doc.results else NSMAP)
    for k, v in {"FileOID": doc.file_oid, "FileType": "Snapshot", "ODMVersion": "1.3.2",
                 "CreationDateTime": doc.created, "Originator": "cdiscflow", "SourceSystem": "cdiscflow",
                 _def("Context"): "Submission"}.items():
        root.set(k, v)
    study = _sub(root, _odm("Study"), {"OID": f"STDY.{_oid_part(doc.studyid)}"})
    gv = _sub(study, _odm("GlobalVariables"))
    _sub(gv, _odm("StudyName"), text=doc.study_name)
    _sub(gv, _odm("StudyDescription"), text=doc.description)
    _sub(gv, _odm("ProtocolName"), text=doc.protocol)
    mdv = _sub(study, _odm("MetaDataVersion"), {"OID": doc.mdv_oid, "Name": doc.mdv_name,
                                                 "Description": doc.mdv_name, _def("DefineVersion"): DEFINE_VERSION,
                                                 _def("CommentOID"): doc.comment_oid})
    stds = _sub(mdv, _def("Standards"))
    for s in doc.standards:
        _sub(stds, _def("Standard"), {"OID": s.oid, "Name": s.name, "Type": s.type,
                                      "PublishingSet": s.publishing_set, "Version": s.version, "Status": "Final"})
    if doc.acrf is not None:
        _doc_ref(_sub(mdv, _def("AnnotatedCRF")), doc.acrf.id)
    if doc.documents:
        sup = _sub(mdv, _def("SupplementalDoc"))
        for leaf in doc.documents:
            _doc_ref(sup, leaf.id)
    for oid, items in doc.value_lists.items():
        vl = _sub(mdv, _def("ValueListDef"), {"OID": oid})
        for item in items:
            _item_ref(vl, item)
    for wc in doc.where_clauses.values():
        el = _sub(mdv, _def("WhereClauseDef"), {"OID": wc.oid})
        for check in wc.checks:
            rc = _sub(el, _odm("RangeCheck"), {"Comparator": check.comparator, "SoftHard": "Soft",
                                               _def("ItemOID"): check.item_oid})
            for value in check.values:
                _sub(rc, _odm("CheckValue"), text=value)
    for g in doc.groups:
        ig = _sub(mdv, _odm("ItemGroupDef"), {
            "OID": g.oid, "Domain": g.domain, "Name": g.name, "Repeating": _yes_no(g.repeating),
            "IsReferenceData": _yes_no(g.reference), "SASDatasetName": g.name, "Purpose": g.purpose,
            _def("Structure"): g.structure, _def("StandardOID"): g.standard_oid,
            _def("IsNonStandard"): "Yes" if g.non_standard else None, _def("CommentOID"): g.comment_oid,
            _def("ArchiveLocationID"): g.leaf.id,
        })
        _description(ig, g.label)
        for item in g.items:
            _item_ref(ig, item)
        if g.domain_description:
            _sub(ig, _odm("Alias"), {"Context": "DomainDescription", "Name": g.domain_description})
        cls = _sub(ig, _def("Class"), {"Name": g.cls})
        if g.subclass:
            _sub(cls, _def("SubClass"), {"Name": g.subclass})
        _leaf_el(ig, g.leaf)
    for item in doc.items:
        _item_def(mdv, item, doc.acrf)
    for cl in doc.codelists:
        _code_list(mdv, cl)
    for m in doc.methods:
        el = _sub(mdv, _odm("MethodDef"), {"OID": m.oid, "Name": m.name, "Type": m.type})
        _description(el, m.text)
    for c in doc.comments:
        _description(_sub(mdv, _def("CommentDef"), {"OID": c.oid}), c.text)
    for leaf in ([doc.acrf] if doc.acrf else []) + doc.documents + doc.result_leaves:
        _leaf_el(mdv, leaf)
    if doc.results:
        _results(mdv, doc)
    return etree.ElementTree(root)


def _arm(tag: str) -> str:
    return f"{{{ARM_NS}}}{tag}"


def _results(mdv: etree._Element, doc: DefineDoc) -> None:
    """arm:AnalysisResultDisplays (ARM 1.0): one display per result, linked to its ARD."""
    displays = _sub(mdv, _arm("AnalysisResultDisplays"))
    for r in doc.results:
        rd = _sub(displays, _arm("ResultDisplay"), {"OID": f"RD.{_oid_part(r.id)}", "Name": r.name})
        _description(rd, r.title)
        ar = _sub(rd, _arm("AnalysisResult"), {"OID": f"AR.{_oid_part(r.id)}.1", "ParameterOID": r.parameter_oid,
                                              "AnalysisReason": r.reason, "AnalysisPurpose": r.purpose})
        _description(ar, f"{r.title} ({r.population})" if r.population else r.title)
        sets = _sub(ar, _arm("AnalysisDatasets"))
        for d in r.datasets:
            ds = _sub(sets, _arm("AnalysisDataset"), {"ItemGroupOID": d.group_oid})
            if d.checks:
                _sub(ds, _def("WhereClauseRef"), {"WhereClauseOID": f"WC.{_oid_part(r.id)}.{d.name}"})
            for v in d.variables:
                _sub(ds, _arm("AnalysisVariable"), {"ItemOID": f"IT.{d.name}.{v}"})
        unexpressed = [f"{d.name} where {d.condition}" for d in r.datasets if d.condition and not d.checks]
        doc_el = _sub(ar, _arm("Documentation"))
        _description(doc_el, f"Program {r.program}; population {r.population or 'all records'}"
                     + (f"; {'; '.join(unexpressed)}" if unexpressed else "")
                     + f". Every number of the display is in its analysis results dataset {r.id}.ard.json.")
        _doc_ref(doc_el, f"LF.ARD.{_oid_part(r.id)}")
        code = _sub(ar, _arm("ProgrammingCode"), {"Context": code_context()})
        _sub(code, _arm("Code"), text=f"cdiscflow tlf --only {r.id}  # program {r.program}")


def xml_bytes(doc: DefineDoc | etree._ElementTree) -> bytes:
    """The document as UTF-8 bytes with an XML declaration (deterministic for the same specs and stamp)."""
    tree = to_xml(doc) if isinstance(doc, DefineDoc) else doc
    body = etree.tostring(tree, encoding="UTF-8", pretty_print=True)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + f'<?xml-stylesheet type="text/xsl" href="{STYLESHEET}"?>\n'.encode() + body)


# -- schema -----------------------------------------------------------------------------------------------
@lru_cache(maxsize=2)
def define_schema(arm: bool = False) -> etree.XMLSchema:
    """The Define-XML 2.1 XSD (``arm``: with Analysis Results Metadata 1.0) from the shared data folder."""
    path = data_dir() / (ARM_SCHEMA if arm else SCHEMA)
    if not path.is_file():
        raise SpecError("Define-XML 2.1 schema not found", file=str(path), expected="the CDISC define2-1-0.xsd")
    return etree.XMLSchema(etree.parse(str(path), safe_parser()))


def schema_errors(tree: etree._ElementTree) -> list[str]:
    """XSD validation messages (empty when the document is valid)."""
    schema = define_schema(arm=next(tree.iter(f"{{{ARM_NS}}}*"), None) is not None)
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


#: attribute (Clark name) that refers to an OID → the element kinds (local names) that may define it
_REFERENCES = {
    "ItemOID": ("ItemDef",), f"{{{DEF_NS}}}ItemOID": ("ItemDef",), "CodeListOID": ("CodeList",),
    "MethodOID": ("MethodDef",), f"{{{DEF_NS}}}CommentOID": ("CommentDef",), "leafID": ("leaf",),
    "WhereClauseOID": ("WhereClauseDef",), "ValueListOID": ("ValueListDef",),
    f"{{{DEF_NS}}}StandardOID": ("Standard",), f"{{{DEF_NS}}}ArchiveLocationID": ("leaf",),
    "ItemGroupOID": ("ItemGroupDef",), "ParameterOID": ("ItemDef",),
}


def reference_errors(tree: etree._ElementTree) -> list[str]:
    """Referential integrity the XSD cannot check: unique OIDs, every reference resolves, no unused ItemDef."""
    defined: dict[str, str] = {}
    errors = []
    for el in tree.iter(etree.Element):
        oid = el.get("OID") or el.get("ID")
        if oid is None or etree.QName(el).localname in ("ODM", "Study", "MetaDataVersion"):
            continue
        if oid in defined:
            errors.append(f"line {el.sourceline}: OID {oid} defined twice")
        defined[oid] = etree.QName(el).localname
    used: set[str] = set()
    for el in tree.iter(etree.Element):
        for attr, kinds in _REFERENCES.items():
            ref = el.get(attr)
            if ref is None:
                continue
            used.add(ref)
            if defined.get(ref) not in kinds:
                errors.append(f"{etree.QName(el).localname} refers to {kinds[0]} {ref}, which is not defined")
    errors += [f"ItemDef {oid} is not referenced" for oid, kind in defined.items()
               if kind == "ItemDef" and oid not in used]
    return errors


def leaf_errors(define_path: Path | str) -> list[str]:
    """Every ``def:leaf`` href of a define.xml that does not resolve to a file beside it (inside its folder):
    what a reviewer opening the package would find broken."""
    path = Path(define_path)
    tree = etree.parse(str(path), safe_parser())
    folder = path.parent.resolve()
    errors = []
    for leaf in tree.iter(f"{{{DEF_NS}}}leaf"):
        href = leaf.get(f"{{{XLINK_NS}}}href") or ""
        target = (folder / href.split("#", 1)[0]).resolve()
        if folder not in target.parents or not target.is_file():
            errors.append(f"def:leaf {leaf.get('ID')} links to {href}, which is not a file beside {path.name}")
    return errors
