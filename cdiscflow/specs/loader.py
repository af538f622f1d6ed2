"""Read and write specs as YAML (``yaml.safe_load`` only).

Layout of a study's specs folder::

    specs/sdtm/<dataset>.yaml     one file per SDTM domain
    specs/adam/<dataset>.yaml     one file per ADaM dataset
    specs/codelists.yaml          study codelists: NCI references (with subset/extension) and study-defined lists
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cdiscflow.errors import SpecError
from cdiscflow.specs.ct import load_terminology
from cdiscflow.specs.model import Codelist, Dataset

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 200_000  # YAML nodes a document may expand to (aliases counted at every use)
MAX_DEPTH = 100  # nesting of mappings/sequences (deeper documents crash the C composer)


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class StrictLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """``safe_load`` semantics, plus: a key given twice in one mapping is an error, and a document whose
    aliases expand beyond :data:`MAX_NODES` nodes (a "billion laughs" bomb) is refused before it is built."""

    def construct_document(self, node: yaml.Node) -> Any:
        sizes: dict[int, int] = {}

        def size(n: yaml.Node) -> int:  # expanded size, memoised per node: linear in the distinct nodes
            if id(n) not in sizes:
                sizes[id(n)] = 0  # a recursive alias counts once
                children = [c for pair in n.value for c in pair] if isinstance(n, yaml.MappingNode) else \
                    n.value if isinstance(n, yaml.SequenceNode) else []
                total = 1
                for c in children:
                    total += size(c)
                    if total > MAX_NODES:
                        break
                sizes[id(n)] = total
            return sizes[id(n)]

        try:
            total = size(node)
        except RecursionError:
            total = MAX_NODES + 1
        if total > MAX_NODES:
            raise yaml.constructor.ConstructorError(
                None, None, f"the document expands to more than {MAX_NODES} nodes (alias bomb?)", node.start_mark)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the base constructor reports it
                continue
            if duplicate:
                raise _DuplicateKey(None, None, f"key {key!r} is given twice in one mapping", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path | str) -> Any:
    """Parse a YAML file safely; errors name the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("file not found", file=str(path), expected="an existing YAML file") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", file=str(path), expected="UTF-8 YAML") from None
    try:
        _check_depth(text)
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a safe loader (C-accelerated when available)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        problem = str(getattr(exc, "problem", exc))
        if "maximum nesting depth" in problem:  # libyaml's own limit (PyYAML >= 6.0.4), met before ours
            problem = f"nested more than {MAX_DEPTH} levels deep"
        raise SpecError(f"invalid YAML: {problem}", file=str(path), row=row, expected="well-formed YAML") from None
    except RecursionError:
        raise SpecError("invalid YAML: nested too deeply", file=str(path), expected="well-formed YAML") from None


def _check_depth(text: str) -> None:
    """Refuse a document nested deeper than :data:`MAX_DEPTH`, scanning its events (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.constructor.ConstructorError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                                        event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=120, default_flow_style=False)


def load_dataset(path: Path | str, standard: str | None = None) -> Dataset:
    """Load one dataset spec file."""
    data = read_yaml(path)
    ds = Dataset.from_dict(data, file=str(path))
    if standard is not None and "standard" not in (data or {}):
        ds.standard = standard
    return ds


def dump_dataset(ds: Dataset) -> str:
    """The spec as YAML; loading it back gives an equal :class:`Dataset`."""
    return dump_yaml(ds.to_dict())


def load_datasets(folder: Path | str, standard: str) -> dict[str, Dataset]:
    """Every ``*.yaml`` in ``folder``, keyed by dataset name (file order = sorted file names)."""
    folder = Path(folder)
    out: dict[str, Dataset] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.yaml")):
        ds = load_dataset(path, standard=standard)
        if ds.name in out:
            raise SpecError(f"dataset {ds.name} is specified twice (also in {out[ds.name].file})", file=str(path),
                            expected="one spec file per dataset")
        out[ds.name] = ds
    return out


def load_codelists(path: Path | str | None, ct_version: str = "2025-03-28") -> dict[str, Codelist]:
    """Study codelists; entries with ``nci:`` are filled from NCI CT, then subset and extended."""
    if path is None or not Path(path).is_file():
        return {}
    data = read_yaml(path) or {}
    entries = data.get("codelists") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SpecError("'codelists' list is missing", file=str(path), expected="codelists: [ {id: ...}, ... ]")
    out: dict[str, Codelist] = {}
    for i, entry in enumerate(entries):
        cl = Codelist.from_dict(entry, f"codelist {i + 1}", str(path))
        out[cl.id] = resolve_codelist(cl, ct_version, str(path))
    return out


def resolve_codelist(cl: Codelist, ct_version: str, file: str | None = None) -> Codelist:
    """Fill an NCI-referenced codelist's terms from CT; apply ``subset`` and ``extend``."""
    if cl.nci is None:
        return cl
    kind = "adam" if (cl.source or "").lower().startswith("adam") else "sdtm"
    try:
        full = load_terminology(kind, ct_version).codelist(cl.nci, id=cl.id)
    except SpecError as exc:
        raise SpecError(f"codelist {cl.id}: {exc.message}", file=file, expected=exc.expected) from None
    terms = full.terms
    if cl.subset is not None:
        known = {t.value for t in terms}
        unknown = [v for v in cl.subset if v not in known]
        if unknown:
            raise SpecError(f"codelist {cl.id}: subset value(s) {unknown} not in NCI codelist {full.code}",
                            file=file, expected=f"values of {full.name}")
        keep = {v: i for i, v in enumerate(cl.subset)}
        terms = sorted((t for t in terms if t.value in keep), key=lambda t: keep[t.value])
    # study synonyms on NCI terms: a term listed in `terms` with synonyms adds them to the NCI term
    extra_syn = {t.value: t for t in cl.terms}
    merged = []
    for t in terms:
        add = extra_syn.get(t.value)
        if add is not None:
            t = type(t)(value=t.value, code=t.code, decode=add.decode or t.decode,
                        synonyms=[*add.synonyms, *t.synonyms], order=add.order)
        merged.append(t)
    if cl.extend and not full.extensible:
        raise SpecError(f"codelist {cl.id}: NCI codelist {full.code} is not extensible", file=file,
                        expected="extensions only on extensible codelists")
    return Codelist(id=cl.id, name=cl.name if cl.name != cl.id else full.name, terms=merged + list(cl.extend),
                    code=full.code, extensible=full.extensible, data_type=cl.data_type,
                    source=full.source, nci=cl.nci, extend=list(cl.extend), subset=cl.subset)
