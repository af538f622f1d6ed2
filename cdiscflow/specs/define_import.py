"""Import a Define-XML (1.0 or 2.x) into spec objects: datasets, variables, value-level metadata, codelists.

Define-XML is the metadata a sponsor submits; reading it back gives specs for re-deriving a study's datasets
(the CDISC pilot ships a Define 1.0 ADaM define). What is read:

* ``ItemGroupDef`` → :class:`Dataset` (name, label, class, structure, keys from ``def:DomainKeys`` (1.0) or
  ``KeySequence`` (2.x), comment; variable order from ``OrderNumber``);
* ``ItemDef`` → :class:`Variable` (type Num for ``integer``/``float``, Char otherwise; length, display format,
  codelist, origin, derivation text: 1.0 ``Comment``/``def:ComputationMethod``, 2.x ``MethodDef``/``CommentDef``);
* ``def:ValueListDef`` → :class:`ValueLevel` (1.0: the item name is the parameter value of PARAMCD /
  --TESTCD; 2.x: ``def:WhereClauseDef`` range checks);
* ``CodeList`` (``CodeListItem``/``EnumeratedItem``, ``ExternalCodeList``) → :class:`Codelist`.

Run ``python -m cdiscflow.specs.define_import DEFINE.xml OUTDIR [NAME ...] [--codelists FILE]`` to write spec
YAMLs (and the codelists they use, in the study ``codelists.yaml`` format).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from cdiscflow.errors import CdiscflowError, SpecError
from cdiscflow.io.atomic import write_text
from cdiscflow.io.xmlsafe import parse_xml
from cdiscflow.paths import safe_component
from cdiscflow.specs.loader import dump_dataset, dump_yaml
from cdiscflow.specs.model import Codelist, Dataset, Term, ValueLevel, Variable

_NUMERIC = {"integer", "float", "double", "decimal"}
_ORIGINS = {"crf": "Collected", "collected": "Collected", "edt": "Collected", "derived": "Derived",
            "assigned": "Assigned", "predecessor": "Predecessor", "protocol": "Protocol",
            "not available": "Not Available"}


@dataclass
class DefineImport:
    """The result of reading a define.xml."""

    file: str
    version: str
    standard: str
    datasets: dict[str, Dataset] = field(default_factory=dict)
    codelists: dict[str, Codelist] = field(default_factory=dict)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _attr(el: etree._Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (def:Label in 1.0 vs 2.x namespaces)."""
    for key, value in el.attrib.items():
        if etree.QName(key).localname == name:
            return value
    return None


def _number(el: etree._Element, name: str, file: str | None, *, integer: bool = True) -> float | None:
    """The numeric attribute ``name`` of ``el`` (None when absent); text that is not a number is an error
    naming the element and attribute."""
    text = _attr(el, name)
    if text is None or not text.strip():
        return None
    ok = re.fullmatch(r"\s*\d{1,9}\s*" if integer else r"\s*\d{1,9}(?:\.\d{1,9})?\s*", text)
    if not ok:
        raise SpecError(f"{_local(el)} {el.get('OID') or el.get('ItemOID') or el.get('CodedValue') or ''}: "
                        f"{name}={text!r} is not a {'whole ' if integer else ''}number", file=file, variable=name,
                        expected="a non-negative integer" if integer else "a non-negative number")
    return int(text) if integer else float(text)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _text(el: etree._Element | None) -> str | None:
    """TranslatedText of a Description/Decode (or the element's own text), whitespace-normalised."""
    if el is None:
        return None
    tt = _child(el, "TranslatedText")
    raw = "".join((tt if tt is not None else el).itertext())
    text = re.sub(r"\s+", " ", raw).strip()
    return text or None


def _origin(value: str | None) -> str | None:
    if not value:
        return None
    low = value.strip().lower()
    for key, origin in _ORIGINS.items():
        if low.startswith(key):
            return origin
    return None


def _label(el: etree._Element) -> str | None:
    return _attr(el, "Label") or _text(_child(el, "Description"))


def _codelists(mdv: etree._Element, file: str) -> dict[str, Codelist]:
    out: dict[str, Codelist] = {}
    for cl in _children(mdv, "CodeList"):
        terms = []
        for item in _children(cl, "CodeListItem") + _children(cl, "EnumeratedItem"):
            rank = _number(item, "Rank", file, integer=False)
            rank = _number(item, "OrderNumber", file) if rank is None else rank
            value = (item.get("CodedValue") or "").replace("\xa0", " ").strip()
            alias = _child(item, "Alias")
            terms.append(Term(value=value, decode=_text(_child(item, "Decode")),
                              code=alias.get("Name") if alias is not None else None,
                              order=int(rank) if rank is not None else None))
        ext = _child(cl, "ExternalCodeList")
        dtype = cl.get("DataType", "text")
        out[cl.get("OID")] = Codelist(
            id=cl.get("OID"), name=cl.get("Name") or cl.get("OID"), terms=terms,
            data_type=dtype if dtype in ("text", "integer", "float") else "text",
            source=(f"{ext.get('Dictionary')} {ext.get('Version') or ''}".strip() if ext is not None else None))
    return out


def _methods(mdv: etree._Element) -> dict[str, str]:
    """Method/comment OID → text (1.0 ``def:ComputationMethod``, 2.x ``MethodDef`` and ``def:CommentDef``)."""
    out: dict[str, str] = {}
    for el in _children(mdv, "ComputationMethod"):
        out[el.get("OID")] = re.sub(r"\s+", " ", "".join(el.itertext())).strip()
    for name in ("MethodDef", "CommentDef"):
        for el in _children(mdv, name):
            out[el.get("OID")] = _text(_child(el, "Description")) or ""
    return out


def _variable(item: etree._Element, ref: etree._Element, methods: dict[str, str], where: str,
              file: str) -> Variable:
    name = item.get("Name")
    label = _label(item)
    if not name or not label:
        raise SpecError(f"{where}: ItemDef {item.get('OID')} lacks Name or label", file=file,
                        expected="Name and def:Label (1.0) or Description (2.x)")
    origin_el = _child(item, "Origin")
    origin_text = item.get("Origin") or (origin_el.get("Type") if origin_el is not None else None)
    method_oid = ref.get("MethodOID") or _attr(item, "ComputationMethodOID")
    comment_oid = _attr(item, "CommentOID")
    method = methods.get(method_oid) if method_oid else None
    comment = methods.get(comment_oid) if comment_oid else None
    inline = (item.get("Comment") or "").strip() or None
    origin = _origin(origin_text)
    if origin == "Derived" and method is None:
        method, inline = inline, None
    comment = comment or inline
    cl = _child(item, "CodeListRef")
    length = _number(item, "Length", file)
    digits = _number(item, "SignificantDigits", file)
    return Variable(
        name=name, label=label, type="Num" if item.get("DataType", "text") in _NUMERIC else "Char",
        length=length or None, format=_attr(item, "DisplayFormat"),
        codelist=cl.get("CodeListOID") if cl is not None else None, origin=origin,
        method=method, comment=comment if comment != method else None, role=ref.get("Role"),
        core={"Yes": "Req"}.get(ref.get("Mandatory", ""), None),
        significant_digits=digits)


def _where_clauses(mdv: etree._Element, items: dict[str, etree._Element]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for wc in _children(mdv, "WhereClauseDef"):
        cond: dict[str, object] = {}
        for rc in _children(wc, "RangeCheck"):
            item = items.get(_attr(rc, "ItemOID") or "")
            values = [(_text(v) or "") for v in _children(rc, "CheckValue")]
            if item is not None and values:
                cond[item.get("Name")] = values[0] if len(values) == 1 else values
        out[wc.get("OID")] = cond
    return out


def _value_level(ds: Dataset, variable: str, vl: etree._Element, items: dict[str, etree._Element],
                 methods: dict[str, str], wheres: dict[str, dict[str, object]], file: str) -> list[ValueLevel]:
    param_var = "PARAMCD" if ds.has("PARAMCD") else next((n for n in ds.names if n.endswith("TESTCD")), None)
    out = []
    for ref in _children(vl, "ItemRef"):
        item = items.get(ref.get("ItemOID"))
        if item is None:
            raise SpecError(f"value list {vl.get('OID')} names unknown item {ref.get('ItemOID')}", file=file,
                            expected="an ItemDef OID")
        wc = _child(ref, "WhereClauseRef")
        cond = wheres.get(wc.get("WhereClauseOID"), {}) if wc is not None else (
            {param_var: item.get("Name")} if param_var else {})
        if not cond:
            continue
        var = _variable(item, ref, methods, f"value list {vl.get('OID')}", file)
        out.append(ValueLevel(variable=variable, where=cond, label=var.label, type=var.type, length=var.length,
                              format=var.format, codelist=var.codelist, origin=var.origin, method=var.method,
                              comment=var.comment, significant_digits=var.significant_digits))
    return out


def _keys(group: etree._Element, refs: list[etree._Element], items: dict[str, etree._Element],
          file: str) -> list[str]:
    domain_keys = _attr(group, "DomainKeys")
    if domain_keys:
        return [k.strip() for k in domain_keys.split(",") if k.strip()]
    seq = sorted((_number(r, "KeySequence", file), items[r.get("ItemOID")].get("Name")) for r in refs
                 if _number(r, "KeySequence", file) is not None and r.get("ItemOID") in items)
    return [name for _, name in seq]


def import_define(path: Path | str) -> DefineImport:
    """Read a define.xml (1.0 or 2.x) into datasets and codelists (see module docstring)."""
    file = str(path)
    root = parse_xml(path).getroot()
    mdv = next((el for el in root.iter() if isinstance(el.tag, str) and _local(el) == "MetaDataVersion"), None)
    if mdv is None:
        raise SpecError("no MetaDataVersion element", file=file, expected="a Define-XML document")
    version = _attr(mdv, "DefineVersion") or "unknown"
    standard = _attr(mdv, "StandardName") or ""
    for std in (el for el in mdv.iter() if isinstance(el.tag, str) and _local(el) == "Standard"):
        standard = standard or std.get("Name", "")
    is_adam = "adam" in standard.lower()
    items = {el.get("OID"): el for el in _children(mdv, "ItemDef")}
    value_lists = {el.get("OID"): el for el in _children(mdv, "ValueListDef")}
    methods = _methods(mdv)
    wheres = _where_clauses(mdv, items)
    result = DefineImport(file=file, version=version, standard=standard, codelists=_codelists(mdv, file))
    for group in _children(mdv, "ItemGroupDef"):
        name = safe_component(group.get("Name") or group.get("OID"), source=file, field="ItemGroupDef Name")
        refs = sorted(_children(group, "ItemRef"), key=lambda r: _number(r, "OrderNumber", file) or 0)
        variables = []
        for ref in refs:
            item = items.get(ref.get("ItemOID"))
            if item is None:
                raise SpecError(f"dataset {name} refers to unknown item {ref.get('ItemOID')}", file=file,
                                expected="an ItemDef OID")
            variables.append(_variable(item, ref, methods, f"dataset {name}", file))
        cls = _attr(group, "Class") or (_child(group, "Class").get("Name") if _child(group, "Class") is not None
                                        else None)
        comment_oid = _attr(group, "CommentOID")
        comment = (methods.get(comment_oid) if comment_oid else (group.get("Comment") or "").strip()) or None
        ds = Dataset(name=name, label=_label(group) or name, standard="ADaM" if is_adam else "SDTM", cls=cls,
                     structure=_attr(group, "Structure"), keys=_keys(group, refs, items, file), variables=variables,
                     comment=comment, file=file)
        unknown = [k for k in ds.keys if not ds.has(k)]
        if unknown:  # real defines have such slips; keep the usable keys and say what was dropped
            ds.keys = [k for k in ds.keys if ds.has(k)]
            note = f"define key(s) {', '.join(unknown)} are not variables of {name} and were dropped"
            ds.comment = f"{ds.comment} ({note})" if ds.comment else note
        for var, item in zip(variables, (items[r.get("ItemOID")] for r in refs), strict=True):
            vref = _child(item, "ValueListRef")
            if vref is not None and vref.get("ValueListOID") in value_lists:
                ds.value_level += _value_level(ds, var.name, value_lists[vref.get("ValueListOID")], items, methods,
                                               wheres, file)
        result.datasets[name] = ds
    return result


def write_specs(define: DefineImport, folder: Path | str, names: list[str] | None = None,
                settings: dict[str, dict] | None = None) -> list[Path]:
    """Write ``<name>.yaml`` spec files for the chosen datasets (all by default), with optional settings."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or list(define.datasets):
        if name not in define.datasets:
            raise SpecError(f"no dataset {name} in the define", file=define.file,
                            expected=f"one of {', '.join(define.datasets)}")
        ds = define.datasets[name]
        if settings and name in settings:
            ds.settings = dict(settings[name])
        path = folder / f"{name.lower()}.yaml"
        write_text(path, f"# Imported from {Path(define.file).name} (Define-XML {define.version}).\n"
                   + dump_dataset(ds))
        written.append(path)
    return written


def referenced_codelists(define: DefineImport, names: list[str] | None = None) -> list[Codelist]:
    """The codelists the chosen datasets (all by default) refer to, in id order."""
    ids: set[str] = set()
    for name in names or list(define.datasets):
        ds = define.datasets[name]
        ids |= {v.codelist for v in ds.variables if v.codelist}
        ids |= {v.codelist for v in ds.value_level if v.codelist}
    return [define.codelists[i] for i in sorted(ids) if i in define.codelists]


def write_codelists(define: DefineImport, path: Path | str, names: list[str] | None = None,
                    exclude: set[str] | frozenset[str] = frozenset()) -> Path:
    """Write a ``codelists:`` YAML (the study codelists format) with the codelists the datasets use."""
    entries = [cl.to_dict() for cl in referenced_codelists(define, names) if cl.id not in exclude]
    write_text(path, f"# Codelists imported from {Path(define.file).name} (Define-XML {define.version}).\n"
               + dump_yaml({"codelists": entries}))
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write spec YAMLs (and optionally codelists) from a define.xml")
    parser.add_argument("define")
    parser.add_argument("out")
    parser.add_argument("names", nargs="*")
    parser.add_argument("--codelists", default=None, help="also write the codelists the datasets use to this file")
    args = parser.parse_args(argv)
    try:
        define = import_define(args.define)
        for path in write_specs(define, args.out, args.names or None):
            print(path)
        if args.codelists:
            print(write_codelists(define, args.codelists, args.names or None))
    except CdiscflowError as exc:
        print(f"define import: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
