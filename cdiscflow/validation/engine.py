"""The rules engine: load rules (YAML), run each on the datasets in its scope, collect findings with keys."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.registry import lookup
from cdiscflow.specs.loader import read_yaml
from cdiscflow.validation.checks import NEEDS, STUDY_LEVEL
from cdiscflow.validation.context import StudyData, Target, match_names
from cdiscflow.validation.model import Finding, Hit, Report, Rule

RULES_DIR = Path(__file__).parent / "rules"
RULE_FILES = ("spec", "ct", "sdtm", "adam", "dates", "xpt", "fda")
# Variables that identify a record in a finding when the dataset has no spec keys (first four present).
DEFAULT_KEYS = ("USUBJID", "RDOMAIN", "IDVAR", "IDVARVAL", "QNAM", "--SEQ", "PARAMCD", "--TESTCD", "TSPARMCD",
                "ETCD", "ARMCD", "VISITNUM", "AVISITN", "ADT", "TAETORD")


def load_rules(paths: Iterable[Path | str] | None = None, *, extra: Iterable[Path | str] = (),
               functions: Callable[..., Any] = lookup) -> list[Rule]:
    """Rules from the YAML files (default: every file in ``rules/``) and ``extra`` ones (a study's); ids must be
    unique, checks registered (``functions``: a study's lookup, which sees its validation extensions)."""
    paths = [RULES_DIR / f"{n}.yaml" for n in RULE_FILES] if paths is None else [Path(p) for p in paths]
    paths += [Path(p) for p in extra]
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in paths:
        data = read_yaml(path) or {}
        entries = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise SpecError("'rules' list is missing", file=str(path), expected="rules: [ {id: ...}, ... ]")
        for i, entry in enumerate(entries):
            rule = Rule.from_dict(entry, f"rule {i + 1}", str(path))
            if rule.id in seen:
                raise SpecError(f"rule {rule.id} is defined twice (also in {seen[rule.id]})", file=str(path),
                                expected="unique rule ids")
            functions("check", rule.check, file=str(path))
            seen[rule.id] = str(path)
            rules.append(rule)
    return rules


def in_scope(rule: Rule, name: str, study: StudyData) -> bool:
    scope = rule.scope
    if scope.standard and study.standards.get(name) != scope.standard:
        return False
    if scope.domains and not match_names(name, scope.domains):
        return False
    if scope.exclude and match_names(name, scope.exclude):
        return False
    return not scope.classes or (study.dataset_class(name) or "") in scope.classes


def applies(rule: Rule, name: str, study: StudyData) -> bool:
    """Whether :func:`run_rules` runs ``rule`` on dataset ``name`` (in its scope, with what its check needs)."""
    if not in_scope(rule, name, study):
        return False
    t = Target(name, study.datasets[name], study, study.specs.get(name), study.meta.get(name), [])
    return all(_has(t, n) for n in NEEDS.get(rule.check, ()))


def record_keys(t: Target) -> list[str]:
    keys = [k for k in (t.spec.keys if t.spec is not None else []) if k in t.df.columns]
    return keys or t.resolve_all(DEFAULT_KEYS)[:4]


def to_finding(rule: Rule, t: Target, h: Hit, max_rows: int) -> Finding:
    rows = np.asarray(h.rows, dtype=int)
    message = rule.message.format(dataset=t.name, variable=h.variable or "")
    if h.detail:
        message = f"{message} ({h.detail})"
    shown: list[dict] = []
    if len(rows):
        keys = record_keys(t)
        sub = t.df.iloc[rows[:max_rows]][keys]
        key_rows = sub.astype("object").where(sub.notna(), None).to_dict("records")
        values = h.values if h.values is not None else (
            t.df[h.variable].iloc[rows[:max_rows]].tolist() if h.variable in t.df.columns else [None] * len(sub))
        for pos, key, val in zip(rows[:max_rows], key_rows, values, strict=False):
            shown.append({"row": int(pos) + 1, "keys": {k: _plain(v) for k, v in key.items()},
                          "value": _plain(val)})
    count = h.count if h.count is not None else len(rows)
    return Finding(rule.id, rule.severity, t.name, h.variable, message, max(count, 1), shown)


def _plain(value: object) -> object:
    """JSON-safe scalars: NaN → None, numpy numbers → Python numbers."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, int | float | str | bool) else str(value)


def run_rules(study: StudyData, rules: list[Rule], report: Report, max_rows: int = 50,
              functions: Callable[..., Any] = lookup) -> Report:
    """Run every rule on every dataset in its scope; add findings, skipped rules and timings to ``report``."""
    for rule in rules:
        fn = functions("check", rule.check)
        started = time.perf_counter()
        missing: dict[str, list[str]] = {}
        if rule.check in STUDY_LEVEL:
            _run_once(rule, fn, study, report, max_rows)
            report.rules[rule.id] = rule
            report.timings[rule.id] = time.perf_counter() - started
            continue
        for name in sorted(study.datasets):
            if not in_scope(rule, name, study):
                continue
            t = Target(name, study.datasets[name], study, study.specs.get(name), study.meta.get(name), [])
            lacking = [n for n in NEEDS.get(rule.check, ()) if not _has(t, n)]
            if lacking:
                for n in lacking:
                    missing.setdefault(n, []).append(name)
                continue
            if rule.scope.variables:
                t.variables = t.resolve_all(rule.scope.variables)
                if not t.variables:
                    continue
            report.checked.setdefault(rule.id, []).append(name)
            for h in fn(t, **rule.params):
                report.findings.append(to_finding(rule, t, h, max_rows))
        if missing:
            report.skipped[rule.id] = "; ".join(
                f"no {need} for {', '.join(names)}" if need in ("spec", "meta") else f"no {need} dataset"
                for need, names in sorted(missing.items()))
        report.rules[rule.id] = rule
        report.timings[rule.id] = time.perf_counter() - started
    return report


def _run_once(rule: Rule, fn: Callable[..., list[Hit]], study: StudyData, report: Report, max_rows: int) -> None:
    """A study-level rule: once, on the first dataset its scope names, an empty frame when it is absent."""
    if not rule.scope.domains:
        raise SpecError(f"rule {rule.id}: a study-level check needs the dataset in scope.domains", file=rule.file,
                        expected="scope: {domains: [TS]}")
    name = rule.scope.domains[0]
    t = Target(name, study.datasets.get(name, pd.DataFrame()), study, study.specs.get(name), study.meta.get(name), [])
    report.checked.setdefault(rule.id, []).append(name)
    for h in fn(t, **rule.params):
        report.findings.append(to_finding(rule, t, h, max_rows))


def _has(t: Target, need: str) -> bool:
    if need == "spec":
        return t.spec is not None
    if need == "meta":
        return t.meta is not None
    return need in t.study.datasets
