"""Analysis Results Metadata (ARM 1.0) for the ADaM define.xml: the key displays of the TLF catalog.

A study names its key displays in ``study.yaml``::

    analysis_results:
      - t-1                                   # reason SPECIFIED IN SAP, purpose SECONDARY OUTCOME MEASURE
      - {output: t-slope, reason: SPECIFIED IN PROTOCOL, purpose: PRIMARY OUTCOME MEASURE}

Each becomes an ``arm:ResultDisplay`` (the catalog entry's number and title) with one ``arm:AnalysisResult``:
the analysis datasets of the entry with a ``def:WhereClauseRef`` for its population / analysis condition when
that condition is a conjunction of simple comparisons (else the condition is quoted in the documentation), the
analysis variables the entry's options name, ``ParameterOID`` when the condition selects PARAMCD, the program,
and a link to the display's analysis results dataset (``<id>.ard.json`` in the package's TLF folder).
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cdiscflow import __version__
from cdiscflow.errors import ExpressionError, SpecError
from cdiscflow.expr import parse
from cdiscflow.specs.model import Dataset
from cdiscflow.study import Study
from cdiscflow.submission.layout import package_folders
from cdiscflow.tlf.catalog import OutputSpec, load_catalog

ARM_NS = "http://www.cdisc.org/ns/arm/v1.0"
ARM_SCHEMA = "define-xml-2.1/schema/cdisc-arm-1.0/arm1-0-0.xsd"
#: Where the package files an output's ARD, relative to the ADaM define.xml (``analysis/adam/datasets/``).
DEFAULT_REASON, DEFAULT_PURPOSE = "SPECIFIED IN SAP", "SECONDARY OUTCOME MEASURE"
_COMPARATORS = {ast.Eq: "EQ", ast.NotEq: "NE", ast.Lt: "LT", ast.LtE: "LE", ast.Gt: "GT", ast.GtE: "GE",
                ast.In: "IN", ast.NotIn: "NOTIN"}


@dataclass
class ArmDataset:
    group_oid: str
    name: str
    checks: list[tuple[str, str, list[str]]] | None  # (variable, comparator, values); None: not expressible
    condition: str | None
    variables: list[str] = field(default_factory=list)


@dataclass
class ArmResult:
    """One display and its analysis result."""

    id: str
    name: str
    title: str
    reason: str
    purpose: str
    program: str
    population: str
    datasets: list[ArmDataset]
    parameter_oid: str | None
    ard_href: str


def conjunction(text: str | None) -> list[tuple[str, str, list[str]]] | None:
    """``PARAMCD == "X" and AVISITN > 0`` → [(PARAMCD, EQ, [X]), (AVISITN, GT, [0])]; None when the condition
    is not a conjunction of column-vs-literal comparisons (Define-XML where clauses can say no more)."""
    if not text or not text.strip():
        return []
    parse(text)  # validated by the safe expression language first
    node = ast.parse(text.strip(), mode="eval").body
    parts = node.values if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) else [node]
    checks = []
    for part in parts:
        if not (isinstance(part, ast.Compare) and len(part.ops) == 1 and isinstance(part.left, ast.Name)
                and type(part.ops[0]) in _COMPARATORS):
            return None
        right = part.comparators[0]
        items = right.elts if isinstance(right, ast.List | ast.Tuple) else [right]
        if not all(isinstance(i, ast.Constant) and i.value is not None for i in items):
            return None
        op = _COMPARATORS[type(part.ops[0])]
        if op in ("IN", "NOTIN") and not isinstance(right, ast.List | ast.Tuple):
            return None
        values = [str(int(i.value)) if isinstance(i.value, float) and i.value.is_integer() else str(i.value)
                  for i in items]
        checks.append((part.left.id, op, values))
    return checks


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _names(text: str) -> set[str]:
    """A string of the options: itself (a variable name) and, when it is a condition, the variables it reads."""
    try:
        return {text, *parse(text).names}
    except ExpressionError:
        return {text}


def _entry(raw: Any, file: str) -> tuple[str, str, str]:
    if isinstance(raw, str):
        return raw, DEFAULT_REASON, DEFAULT_PURPOSE
    if isinstance(raw, dict) and isinstance(raw.get("output"), str) and set(raw) <= {"output", "reason", "purpose"}:
        return raw["output"], str(raw.get("reason", DEFAULT_REASON)), str(raw.get("purpose", DEFAULT_PURPOSE))
    raise SpecError(f"analysis_results entry {raw!r}", file=file,
                    expected="an output id, or {output: ID, reason: SPECIFIED IN SAP, purpose: PRIMARY OUTCOME MEASURE}")


def analysis_results(study: Study, specs: dict[str, Dataset]) -> list[ArmResult]:
    """The ARM of the displays ``study.yaml`` names (none when it names none)."""
    entries = study.meta.get("analysis_results") or []
    meta_file = str(study.root / "study.yaml")
    if not isinstance(entries, list):
        raise SpecError("analysis_results must be a list", file=meta_file, expected="[t-1, t-2, ...]")
    if not entries:
        return []
    catalog = load_catalog(study.root / "tlf" / "catalog.yaml")
    by_id: dict[str, OutputSpec] = {o.id: o for o in catalog.outputs}
    results = []
    for raw in entries:
        oid, reason, purpose = _entry(raw, meta_file)
        if oid not in by_id:
            raise SpecError(f"analysis_results: output {oid!r} is not in the TLF catalog", file=meta_file,
                            expected=f"one of {', '.join(sorted(by_id))}")
        results.append(_result(by_id[oid], reason, purpose, specs, meta_file, ard_href(study, oid)))
    return results


def _result(spec: OutputSpec, reason: str, purpose: str, specs: dict[str, Dataset], file: str,
            href: str) -> ArmResult:
    where = spec.options.get("where") if isinstance(spec.options.get("where"), str) else None
    analysis = spec.options.get("dataset") if isinstance(spec.options.get("dataset"), str) else None
    analysis = analysis or next((d for d in spec.datasets if d != spec.population.dataset), spec.population.dataset)
    named = {n for text in _strings(spec.options) for n in _names(text)}
    datasets, parameter = [], None
    for name in dict.fromkeys([spec.population.dataset, *spec.datasets]):
        if name not in specs:
            raise SpecError(f"analysis_results: output {spec.id} reads {name}, which has no ADaM spec", file=file,
                            expected=f"datasets among {', '.join(sorted(specs))}")
        condition = spec.population.where if name == spec.population.dataset else where if name == analysis else None
        checks = conjunction(condition)
        if checks is not None and any(not specs[name].has(v) for v, _, _ in checks):
            checks = None
        used = [v.name for v in specs[name].variables if v.name in named]
        if name == analysis and checks and any(v == "PARAMCD" for v, _, _ in checks):
            parameter = f"IT.{name}.PARAMCD"
        datasets.append(ArmDataset(group_oid=f"IG.{name}", name=name, checks=checks, condition=condition,
                                   variables=used))
    numbered = len(spec.titles) > 1  # the catalog's titles are [number, title]
    return ArmResult(id=spec.id, name=spec.titles[0] if numbered else spec.id,
                     title=" ".join(spec.titles[1:] if numbered else spec.titles),
                     reason=reason, purpose=purpose, program=spec.program, population=spec.population.label,
                     datasets=datasets, parameter_oid=parameter, ard_href=href)


def ard_href(study: Study, output_id: str) -> str:
    """The link from the ADaM define.xml to an output's ARD, as the package lays them out."""
    folders = package_folders(study)
    return posixpath.relpath(str(folders["tlf"] / f"{output_id}.ard.json"), str(folders["adam"]))


def code_context() -> str:
    return f"cdiscflow {__version__}"
