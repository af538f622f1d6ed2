"""The metadata (spec) model: datasets, variables, codelists, value-level metadata, documents.

A spec is the one place where a dataset is described. Mapping, ADaM derivation, XPT headers,
Dataset-JSON, define.xml and validation all read these objects; nothing downstream hard-codes
names, labels, lengths or codelists.

Every class has ``from_dict`` (strict: unknown keys and wrong types are a :class:`SpecError` naming the
file and entry) and ``to_dict`` (omits defaults), so ``to_dict(from_dict(d)) == d`` for any valid ``d``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from cdiscflow.errors import SpecError
from cdiscflow.paths import safe_component

VAR_TYPES = ("Char", "Num")
CORE_VALUES = ("Req", "Exp", "Perm", "Cond")
ORIGINS = ("Collected", "Derived", "Assigned", "Predecessor", "Protocol", "Not Available")


def _check_keys(data: dict[str, Any], allowed: set[str], where: str, file: str | None) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise SpecError(f"{where}: unknown key(s) {', '.join(extra)}", file=file,
                        expected=f"keys among {', '.join(sorted(allowed))}")


def _plain_text(value: str, where: str, key: str, file: str | None) -> str:
    """``value`` unless it holds a control character (tab, newline, NUL ...), which labels may not."""
    bad = next((c for c in value if ord(c) < 32 or ord(c) == 127), None)
    if bad is not None:
        raise SpecError(f"{where}: {key} {value!r} contains the control character {bad!r}", file=file,
                        variable=key, expected="printable text on one line")
    return value


def _want(value: Any, kind: type | tuple[type, ...], where: str, key: str, file: str | None) -> Any:
    if value is not None and not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise SpecError(f"{where}: '{key}' is {value!r}", file=file, expected=names)
    return value


@dataclass
class Variable:
    """One variable of a dataset, with the attributes define.xml and XPT need."""

    name: str
    label: str
    type: str = "Char"
    length: int | None = None
    format: str | None = None
    codelist: str | None = None
    core: str | None = None
    origin: str | None = None
    pages: list[int] = field(default_factory=list)
    predecessor: str | None = None
    method: str | None = None
    comment: str | None = None
    role: str | None = None
    significant_digits: int | None = None
    map: Any = None
    derive: Any = None

    KEYS = {"name", "label", "type", "length", "format", "codelist", "core", "origin", "pages", "predecessor",
            "method", "comment", "role", "significant_digits", "map", "derive"}

    @classmethod
    def from_dict(cls, data: Any, where: str, file: str | None = None) -> Variable:
        if not isinstance(data, dict):
            raise SpecError(f"{where}: a variable must be a mapping", file=file,
                            expected="{name: ..., label: ..., type: Char|Num, ...}")
        _check_keys(data, cls.KEYS, where, file)
        for key in ("name", "label"):
            if not data.get(key) or not isinstance(data[key], str):
                raise SpecError(f"{where}: '{key}' is missing or not text", file=file, expected="a non-empty string")
        where = f"{where} ({data['name']})"
        _plain_text(data["label"], where, "label", file)
        vtype = data.get("type", "Char")
        if vtype not in VAR_TYPES:
            raise SpecError(f"{where}: type {vtype!r}", file=file, expected="Char or Num")
        length = _want(data.get("length"), int, where, "length", file)
        if length is not None and length <= 0:
            raise SpecError(f"{where}: length {length}", file=file, expected="a positive integer")
        core = data.get("core")
        if core is not None and core not in CORE_VALUES:
            raise SpecError(f"{where}: core {core!r}", file=file, expected=" / ".join(CORE_VALUES))
        origin = data.get("origin")
        if origin is not None and origin not in ORIGINS:
            raise SpecError(f"{where}: origin {origin!r}", file=file, expected=" / ".join(ORIGINS))
        pages = data.get("pages", [])
        if not isinstance(pages, list) or not all(isinstance(p, int) for p in pages):
            raise SpecError(f"{where}: pages {pages!r}", file=file, expected="a list of CRF page numbers")
        for key in ("format", "codelist", "predecessor", "method", "comment", "role"):
            _want(data.get(key), str, where, key, file)
        _want(data.get("significant_digits"), int, where, "significant_digits", file)
        return cls(
            name=data["name"], label=data["label"], type=vtype, length=length, format=data.get("format"),
            codelist=data.get("codelist"), core=core, origin=origin, pages=list(pages),
            predecessor=data.get("predecessor"), method=data.get("method"), comment=data.get("comment"),
            role=data.get("role"), significant_digits=data.get("significant_digits"), map=data.get("map"),
            derive=data.get("derive"),
        )

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self, always=("name", "label", "type"))

    @property
    def is_char(self) -> bool:
        return self.type == "Char"


@dataclass
class ValueLevel:
    """Value-level metadata: attributes of ``variable`` where ``where`` holds (e.g. QSORRES where QSTESTCD = X)."""

    variable: str
    where: dict[str, Any]
    label: str | None = None
    type: str | None = None
    length: int | None = None
    format: str | None = None
    codelist: str | None = None
    origin: str | None = None
    pages: list[int] = field(default_factory=list)
    method: str | None = None
    comment: str | None = None
    unit: str | None = None
    significant_digits: int | None = None

    KEYS = {"variable", "where", "label", "type", "length", "format", "codelist", "origin", "pages", "method",
            "comment", "unit", "significant_digits"}

    @classmethod
    def from_dict(cls, data: Any, where: str, file: str | None = None) -> ValueLevel:
        if not isinstance(data, dict):
            raise SpecError(f"{where}: value-level entry must be a mapping", file=file,
                            expected="{variable: ..., where: {TESTCD: value}, ...}")
        _check_keys(data, cls.KEYS, where, file)
        if not isinstance(data.get("variable"), str):
            raise SpecError(f"{where}: 'variable' is missing", file=file, expected="a variable name")
        cond = data.get("where")
        if not isinstance(cond, dict) or not cond:
            raise SpecError(f"{where}: 'where' is missing", file=file, expected="a mapping {VARIABLE: value}")
        vtype = data.get("type")
        if vtype is not None and vtype not in VAR_TYPES:
            raise SpecError(f"{where}: type {vtype!r}", file=file, expected="Char or Num")
        if data.get("label") is not None:
            _plain_text(_want(data["label"], str, where, "label", file), where, "label", file)
        kwargs = {k: data.get(k) for k in cls.KEYS if k in data}
        kwargs["pages"] = list(data.get("pages", []))
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self, always=("variable", "where"))


@dataclass
class Term:
    """A codelist term: submission value, NCI code, decode (define.xml Decode) and collected synonyms."""

    value: str
    code: str | None = None
    decode: str | None = None
    synonyms: list[str] = field(default_factory=list)
    order: int | None = None

    KEYS = {"value", "code", "decode", "synonyms", "order"}

    @classmethod
    def from_dict(cls, data: Any, where: str, file: str | None = None) -> Term:
        if isinstance(data, str | int | float):
            return cls(value=str(data))
        if not isinstance(data, dict) or "value" not in data:
            raise SpecError(f"{where}: a term must be a value or a mapping with 'value'", file=file,
                            expected="{value: ..., code: C..., decode: ..., synonyms: [...]}")
        _check_keys(data, cls.KEYS, where, file)
        syn = data.get("synonyms", [])
        if not isinstance(syn, list):
            raise SpecError(f"{where}: synonyms {syn!r}", file=file, expected="a list")
        return cls(value=str(data["value"]), code=data.get("code"), decode=data.get("decode"),
                   synonyms=[str(s) for s in syn], order=data.get("order"))

    def to_dict(self) -> dict[str, Any] | str:
        d = _to_dict(self, always=("value",))
        return d["value"] if list(d) == ["value"] else d


@dataclass
class Codelist:
    """A codelist: NCI (from the CT files, possibly extended) or study-defined."""

    id: str
    name: str
    terms: list[Term] = field(default_factory=list)
    code: str | None = None
    extensible: bool = False
    data_type: str = "text"
    source: str | None = None
    nci: str | None = None
    extend: list[Term] = field(default_factory=list)
    subset: list[str] | None = None

    KEYS = {"id", "name", "terms", "code", "extensible", "data_type", "source", "nci", "extend", "subset"}

    @classmethod
    def from_dict(cls, data: Any, where: str, file: str | None = None) -> Codelist:
        if not isinstance(data, dict):
            raise SpecError(f"{where}: a codelist must be a mapping", file=file, expected="{id: ..., name: ...}")
        _check_keys(data, cls.KEYS, where, file)
        if not isinstance(data.get("id"), str):
            raise SpecError(f"{where}: 'id' is missing", file=file, expected="a codelist id such as SEX")
        where = f"{where} ({data['id']})"
        terms = data.get("terms", [])
        extend = data.get("extend", [])
        for key, val in (("terms", terms), ("extend", extend)):
            if not isinstance(val, list):
                raise SpecError(f"{where}: '{key}' must be a list", file=file, expected="a list of terms")
        if data.get("data_type", "text") not in ("text", "integer", "float"):
            raise SpecError(f"{where}: data_type {data.get('data_type')!r}", file=file,
                            expected="text, integer or float")
        return cls(
            id=data["id"], name=data.get("name") or data["id"],
            terms=[Term.from_dict(t, f"{where} term {i + 1}", file) for i, t in enumerate(terms)],
            code=data.get("code"), extensible=bool(data.get("extensible", False)),
            data_type=data.get("data_type", "text"), source=data.get("source"), nci=data.get("nci"),
            extend=[Term.from_dict(t, f"{where} extension {i + 1}", file) for i, t in enumerate(extend)],
            subset=data.get("subset"),
        )

    def to_dict(self) -> dict[str, Any]:
        d = _to_dict(self, always=("id", "name"))
        for key in ("terms", "extend"):
            if key in d:
                d[key] = [t.to_dict() for t in getattr(self, key)]
        return d

    @property
    def values(self) -> list[str]:
        return [t.value for t in self.terms]

    def lookup(self) -> dict[str, str]:
        """Collected text (value, decode or synonym, upper-cased and stripped) → submission value."""
        table: dict[str, str] = {}
        for t in self.terms:
            for text in [t.value, t.decode, *t.synonyms]:
                if text:
                    table.setdefault(str(text).strip().upper(), t.value)
        return table


@dataclass
class Document:
    """A document the metadata points at (annotated CRF, reviewer's guide ...): define.xml ``def:leaf``."""

    id: str
    title: str
    href: str | None = None

    KEYS = {"id", "title", "href"}

    @classmethod
    def from_dict(cls, data: Any, where: str, file: str | None = None) -> Document:
        if not isinstance(data, dict):
            raise SpecError(f"{where}: a document must be a mapping", file=file, expected="{id: ..., title: ...}")
        _check_keys(data, cls.KEYS, where, file)
        for key in ("id", "title"):
            if not data.get(key) or not isinstance(data[key], str):
                raise SpecError(f"{where}: '{key}' is missing or not text", file=file, expected="a non-empty string")
        return cls(id=data["id"], title=data["title"], href=_want(data.get("href"), str, where, "href", file))

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self, always=("id", "title"))


@dataclass
class Dataset:
    """A dataset spec: SDTM domain or ADaM dataset."""

    name: str
    label: str
    standard: str = "SDTM"
    cls: str | None = None
    structure: str | None = None
    keys: list[str] = field(default_factory=list)
    source: Any = None
    variables: list[Variable] = field(default_factory=list)
    value_level: list[ValueLevel] = field(default_factory=list)
    comment: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    file: str | None = None

    KEYS = {"dataset", "label", "standard", "class", "structure", "keys", "source", "variables", "value_level",
            "comment", "settings"}

    @classmethod
    def from_dict(cls, data: Any, file: str | None = None) -> Dataset:
        if not isinstance(data, dict):
            raise SpecError("a dataset spec must be a mapping", file=file,
                            expected="{dataset: NAME, label: ..., variables: [...]}")
        _check_keys(data, cls.KEYS, "dataset", file)
        name = data.get("dataset")
        if not isinstance(name, str) or not name:
            raise SpecError("'dataset' (the dataset name) is missing", file=file, expected="a name such as AE")
        safe_component(name, source=file, field="dataset")
        if not isinstance(data.get("label"), str):
            raise SpecError(f"dataset {name}: 'label' is missing", file=file, expected="a dataset label")
        _plain_text(data["label"], f"dataset {name}", "label", file)
        variables = data.get("variables")
        if not isinstance(variables, list) or not variables:
            raise SpecError(f"dataset {name}: 'variables' is missing or empty", file=file,
                            expected="a list of variables")
        keys = data.get("keys", [])
        if not isinstance(keys, list):
            raise SpecError(f"dataset {name}: 'keys' must be a list", file=file, expected="a list of variable names")
        vars_ = [Variable.from_dict(v, f"dataset {name} variable {i + 1}", file) for i, v in enumerate(variables)]
        seen: set[str] = set()
        for v in vars_:
            if v.name in seen:
                raise SpecError(f"dataset {name}: variable {v.name} is listed twice", file=file,
                                variable=v.name, expected="unique variable names")
            seen.add(v.name)
        unknown_keys = [k for k in keys if k not in seen]
        if unknown_keys:
            raise SpecError(f"dataset {name}: key(s) {', '.join(unknown_keys)} are not variables", file=file,
                            expected="keys among the dataset's variables")
        vlm = [ValueLevel.from_dict(v, f"dataset {name} value_level {i + 1}", file)
               for i, v in enumerate(data.get("value_level", []) or [])]
        settings = data.get("settings", {}) or {}
        if not isinstance(settings, dict):
            raise SpecError(f"dataset {name}: 'settings' must be a mapping", file=file, expected="a mapping")
        return cls(name=name, label=data["label"], standard=data.get("standard", "SDTM"), cls=data.get("class"),
                   structure=data.get("structure"), keys=list(keys), source=data.get("source"), variables=vars_,
                   value_level=vlm, comment=data.get("comment"), settings=dict(settings), file=file)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"dataset": self.name, "label": self.label}
        if self.standard != "SDTM":
            d["standard"] = self.standard
        for key, attr in (("class", "cls"), ("structure", "structure"), ("comment", "comment")):
            if getattr(self, attr) is not None:
                d[key] = getattr(self, attr)
        if self.keys:
            d["keys"] = list(self.keys)
        if self.source is not None:
            d["source"] = self.source
        if self.settings:
            d["settings"] = dict(self.settings)
        d["variables"] = [v.to_dict() for v in self.variables]
        if self.value_level:
            d["value_level"] = [v.to_dict() for v in self.value_level]
        return d

    # -- convenience -------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """Variable names in spec order."""
        return [v.name for v in self.variables]

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise SpecError(f"dataset {self.name} has no variable {name}", file=self.file, variable=name,
                        expected=f"one of {', '.join(self.names)}")

    def has(self, name: str) -> bool:
        return any(v.name == name for v in self.variables)


def _to_dict(obj: Any, always: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        val = getattr(obj, f.name)
        if f.name in always:
            out[f.name] = val
            continue
        default = f.default if f.default is not f.default_factory else None  # type: ignore[misc]
        if callable(f.default_factory):  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        if val != default and val is not None:
            out[f.name] = val
    return out
