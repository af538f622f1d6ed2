"""Expectation suites (great-expectations 1.x) compiled from the dataset specs and run in memory.

Each spec becomes one suite: columns exist, types, required (core Req) SDTM variables not null, non-extensible
codelists as value sets, the keys unique, and numeric ranges from ``settings: {validation: {ranges: {VAR:
[min, max]}}}``. Every dataset is validated as one batch in an ephemeral context (no files, progress bars and
analytics off). great-expectations is imported here only, when validation runs its suites, and only when the
``validation`` extra is installed (else the suites are skipped, saying so).

A suite never re-reports what the rules engine checks under another id: an expectation whose twin rule
(:data:`SAME_AS`) ran on the dataset is left out, so the suites add what the rules do not check (value ranges,
and everything when a run has no rules).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.specs.model import Dataset
from cdiscflow.validation.context import StudyData, Target
from cdiscflow.validation.engine import applies, to_finding
from cdiscflow.validation.model import Hit, Report, Rule, Scope

NUM_TYPES = ["float64", "float32", "int64", "int32", "int16", "int8", "Float64", "Int64"]
CHAR_TYPES = ["StringDtype", "object"]
SEVERITY = {"ExpectColumnValuesToBeInTypeList": "error",
            "ExpectColumnValuesToNotBeNull": "error", "ExpectColumnValuesToBeInSet": "error",
            "ExpectCompoundColumnsToBeUnique": "error", "ExpectColumnValuesToBeUnique": "error",
            "ExpectColumnValuesToBeBetween": "warning"}


#: the rules-engine rule that checks what an expectation checks (``ExpectColumnToExist`` by core)
SAME_AS = {"ExpectColumnToExist.Req": "SPEC.REQ_MISSING", "ExpectColumnToExist.Exp": "SPEC.EXP_MISSING",
           "ExpectColumnValuesToBeInTypeList": "SPEC.TYPE", "ExpectColumnValuesToNotBeNull": "SPEC.REQ_NULL",
           "ExpectColumnValuesToBeInSet": "CT.NONEXT", "ExpectColumnValuesToBeUnique": "SPEC.KEYS",
           "ExpectCompoundColumnsToBeUnique": "SPEC.KEYS"}


def covered(report: Report, study: StudyData, name: str) -> set[str]:
    """Expectation kinds of :data:`SAME_AS` whose twin rule ran on dataset ``name``."""
    return {kind for kind, rid in SAME_AS.items() if rid in report.rules and applies(report.rules[rid], name, study)}


def compile_suite(spec: Dataset, study: StudyData, df: pd.DataFrame, skip: set[str] | None = None) -> list[Any]:
    """The expectations for one dataset spec: Req/Exp columns must exist; value expectations for the present
    columns (ranges for the numeric ones); none of the kinds in ``skip`` (see :func:`covered`)."""
    columns = list(df.columns)
    skip = skip or set()
    import great_expectations as gx

    e = gx.expectations
    out: list[Any] = []
    for v in spec.variables:
        if v.core in ("Req", "Exp") and f"ExpectColumnToExist.{v.core}" not in skip:
            severity = "error" if v.core == "Req" else "warning"
            out.append(e.ExpectColumnToExist(column=v.name, meta={"severity": severity}))
        if v.name not in columns:
            continue
        if "ExpectColumnValuesToBeInTypeList" not in skip:
            out.append(e.ExpectColumnValuesToBeInTypeList(column=v.name,
                                                          type_list=CHAR_TYPES if v.is_char else NUM_TYPES))
        # ADaM Req = present, not populated
        if v.core == "Req" and spec.standard.upper() == "SDTM" and "ExpectColumnValuesToNotBeNull" not in skip:
            out.append(e.ExpectColumnValuesToNotBeNull(column=v.name))
        cl = study.codelist(v.codelist) if v.codelist and v.is_char else None
        if cl is not None and not cl.extensible and cl.terms and "ExpectColumnValuesToBeInSet" not in skip:
            out.append(e.ExpectColumnValuesToBeInSet(column=v.name, value_set=sorted(cl.values)))
    if not set(spec.keys) <= set(columns):
        return out
    if len(spec.keys) == 1 and "ExpectColumnValuesToBeUnique" not in skip:
        out.append(e.ExpectColumnValuesToBeUnique(column=spec.keys[0]))
    elif len(spec.keys) > 1 and "ExpectCompoundColumnsToBeUnique" not in skip:
        out.append(e.ExpectCompoundColumnsToBeUnique(column_list=list(spec.keys)))
    ranges = (spec.settings.get("validation") or {}).get("ranges") or {}
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(df[c])]
    for name, (lo, hi) in sorted((k, v) for k, v in ranges.items() if k in numeric):
        out.append(e.ExpectColumnValuesToBeBetween(column=name, min_value=lo, max_value=hi))
    return out


def _context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _for_gx(study: StudyData, name: str) -> pd.DataFrame:
    """The dataset with text columns as ``string`` dtype and blank text as missing (SDTM stores missing text as
    ""), so GX sees nulls, and checks types by dtype rather than value by value."""
    df = study.datasets[name].reset_index(drop=True)
    return pd.DataFrame({c: df[c] if pd.api.types.is_numeric_dtype(df[c]) else
                         study.text(name, c).reset_index(drop=True).astype("string").replace("", pd.NA)
                         for c in df.columns})


def run_suites(study: StudyData, report: Report, max_rows: int = 50) -> Report:
    """Run each spec'd dataset's suite; failed expectations join ``report`` as ``GX.<Expectation>`` findings."""
    names = sorted(n for n in study.datasets if n in study.specs)
    if not names:
        report.skipped["GX"] = "no dataset has a spec"
        return report
    try:
        import great_expectations as gx
    except ImportError:
        report.skipped["GX"] = "great-expectations is not installed (pip install 'cdiscflow[validation]')"
        return report
    context = _context()
    source = context.data_sources.add_pandas("cdiscflow")
    for name in names:
        df = study.datasets[name].reset_index(drop=True)
        expectations = compile_suite(study.specs[name], study, df, covered(report, study, name))
        if not expectations:
            continue
        suite = gx.ExpectationSuite(name=f"{name}_suite", expectations=expectations)
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("all")\
            .get_batch(batch_parameters={"dataframe": _for_gx(study, name)})
        result = batch.validate(suite, result_format={"result_format": "SUMMARY",
                                                      "partial_unexpected_count": max_rows})
        for res in result.results:
            if res.success:
                continue
            _add(report, study, name, df, res, max_rows)
    return report


def _add(report: Report, study: StudyData, name: str, df: pd.DataFrame, res: Any, max_rows: int) -> None:
    config = res.expectation_config
    kind = "".join(w.capitalize() for w in config.type.split("_"))
    kwargs = dict(config.kwargs)
    variable = kwargs.get("column") or ", ".join(kwargs.get("column_list") or [])
    severity = (config.meta or {}).get("severity") or SEVERITY.get(kind, "warning")
    rule_id = f"GX.{kind}" + (".warning" if kind == "ExpectColumnToExist" and severity == "warning" else "")
    rule = report.rules.get(rule_id) or Rule(
        id=rule_id, severity=severity, check="great_expectations", scope=Scope(),
        message=f"great-expectations {kind} failed for {{variable}}")
    report.rules[rule_id] = rule
    index = res.result.get("partial_unexpected_index_list") or []
    rows = np.asarray([i for i in index if isinstance(i, int | np.integer)], dtype=int)
    count = res.result.get("unexpected_count")
    t = Target(name, df, study, study.specs.get(name), study.meta.get(name), [])
    report.findings.append(to_finding(rule, t, Hit(variable or None, rows, _detail(kwargs, res.result),
                                                    count=count), max_rows))


def _detail(kwargs: dict[str, Any], result: dict[str, Any]) -> str | None:
    if "type_list" in kwargs and result.get("observed_value") is not None:
        return f"observed type {result['observed_value']}"
    if "min_value" in kwargs:
        return f"expected between {kwargs['min_value']} and {kwargs['max_value']}"
    if "value_set" in kwargs:
        return f"{len(kwargs['value_set'])} allowed values"
    return None
