"""Run a CDISC Analysis Results Standard (ARS v1) reporting event against ADaM datasets.

A reporting event describes each analysis as data: the analysis dataset and variable, an analysis set (the
population, a where clause on ADSL), an optional data subset (a where clause on the analysis dataset or on
ADSL), ordered groupings (predefined groups with where clauses, or data-driven groups from a variable's
values) and a method whose operations are the statistics. This module evaluates all of it and fills
``results`` with ``rawValue`` and ``formattedValue`` (formatted by the operation's ``resultPattern``).

Operations are recognised by their ``name`` (ARS leaves their meaning to the method):

* ``Count of subjects`` — distinct values of the analysis variable (USUBJID); ``Count of non-missing values``;
* ``Percent of subjects`` — 100 × numerator / denominator, the counts named by the analysis's
  ``referencedAnalysisOperations`` (the denominator's groups matched on the groupings both analyses share);
* ``Mean``, ``Standard deviation``, ``Median``, ``First quartile``/``Third quartile`` (SAS's default
  definition, PCTLDEF=5), ``Minimum``, ``Maximum``;
* ``P-value`` of the method ``Pearson's chi-square …`` (Pearson, no continuity correction), ``… Fisher …``
  (exact, two-sided) or ``… ANOVA …`` / ``Analysis of variance`` (one-way F test), across the groups of the
  grouping(s) an analysis does not report results by. For a categorical comparison on a dataset other than
  ADSL the second classification is "has a record in the data subset" among the analysis-set subjects (the
  subset's ADSL clauses restricting the subjects, e.g. to two arms).

Where clauses support ``EQ NE GT GE LT LE IN NOTIN`` and ``AND``/``OR``/``NOT`` compound expressions, nested
or by reference to another data subset (``subClauseId``). Conditions never execute text: comparators are a
fixed table. rawValue holds the number as computed (shortest round-trip text, integers without decimals).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from cdiscflow.errors import CdiscflowError, SpecError

KEY = "USUBJID"
_COMPARE: dict[str, Callable[[pd.Series, Any], pd.Series]] = {
    "EQ": lambda s, v: s == v[0], "NE": lambda s, v: s != v[0], "GT": lambda s, v: s > v[0],
    "GE": lambda s, v: s >= v[0], "LT": lambda s, v: s < v[0], "LE": lambda s, v: s <= v[0],
    "IN": lambda s, v: s.isin(v), "NOTIN": lambda s, v: ~s.isin(v),
}


class ArsError(CdiscflowError):
    """A reporting event that cannot be evaluated (names the analysis and the element)."""


@dataclass
class Event:
    """A reporting event and its indexes."""

    doc: dict[str, Any]
    sets: dict[str, dict] = field(init=False)
    subsets: dict[str, dict] = field(init=False)
    groupings: dict[str, dict] = field(init=False)
    methods: dict[str, dict] = field(init=False)

    def __post_init__(self) -> None:
        index = lambda key: {x["id"]: x for x in self.doc.get(key, [])}  # noqa: E731
        self.sets, self.subsets = index("analysisSets"), index("dataSubsets")
        self.groupings, self.methods = index("analysisGroupings"), index("methods")


class Frames:
    """The ADaM datasets by name, with ADSL columns brought to other datasets by subject."""

    def __init__(self, adam: Mapping[str, pd.DataFrame]) -> None:
        self.adam = {k.upper(): v for k, v in adam.items()}

    def get(self, name: str, where: str) -> pd.DataFrame:
        if name.upper() not in self.adam:
            raise ArsError(f"{where}: dataset {name} is not in the ADaM folder",
                           expected=f"one of {', '.join(sorted(self.adam))}")
        return self.adam[name.upper()]

    def column(self, work: pd.DataFrame, dataset: str, variable: str, where: str) -> pd.Series:
        """``dataset.variable`` aligned with the rows of ``work`` (an analysis dataset with USUBJID)."""
        name = f"{dataset.upper()}.{variable}"
        if name in work.columns:
            return work[name]
        source = self.get(dataset, where)
        if variable not in source.columns:
            raise ArsError(f"{where}: {dataset}.{variable} does not exist", variable=variable,
                           expected=f"a variable of {dataset}")
        if KEY not in source.columns or source[KEY].duplicated().any():
            raise ArsError(f"{where}: {dataset}.{variable} cannot be brought to the analysis records",
                           variable=variable, expected=f"{dataset} with one record per {KEY}")
        values = work[f"__{KEY}"].map(source.set_index(KEY)[variable])
        work[name] = values
        return values


def _values(series: pd.Series, raw: list[Any]) -> list[Any]:
    """Condition values typed like the column (numbers for numeric columns)."""
    if pd.api.types.is_numeric_dtype(series):
        try:
            return [float(v) for v in raw]
        except (TypeError, ValueError):
            raise ArsError(f"non-numeric value in {raw!r} for a numeric variable", expected="numbers") from None
    return [str(v) for v in raw]


def evaluate_where(clause: Mapping[str, Any], work: pd.DataFrame, frames: Frames, event: Event, where: str, *,
                   only: str | None = None) -> pd.Series:
    """A boolean Series for a where clause; with ``only`` (a dataset), clauses on other datasets hold."""
    if "condition" in clause:
        cond = clause["condition"]
        dataset, variable, op = cond.get("dataset"), cond.get("variable"), cond.get("comparator")
        if only is not None and str(dataset).upper() != only.upper():
            return pd.Series(True, index=work.index)
        if op not in _COMPARE:
            raise ArsError(f"{where}: comparator {op!r}", expected=", ".join(_COMPARE))
        column = frames.column(work, dataset, variable, where)
        values = cond.get("value") or []
        if not values:
            raise ArsError(f"{where}: condition on {dataset}.{variable} has no value", variable=variable,
                           expected="value: [...]")
        return _COMPARE[op](column, _values(column, values)).fillna(False).astype(bool)
    if "compoundExpression" in clause:
        expr = clause["compoundExpression"]
        parts = []
        for sub in expr.get("whereClauses", []):
            if "subClauseId" in sub:
                ref = event.subsets.get(sub["subClauseId"])
                if ref is None:
                    raise ArsError(f"{where}: subClauseId {sub['subClauseId']!r} is not a data subset")
                sub = ref
            parts.append(evaluate_where(sub, work, frames, event, where, only=only))
        logic = expr.get("logicalOperator")
        if logic == "AND":
            return pd.Series(np.logical_and.reduce([p.to_numpy() for p in parts]) if parts else True,
                             index=work.index)
        if logic == "OR":
            return pd.Series(np.logical_or.reduce([p.to_numpy() for p in parts]) if parts else False,
                             index=work.index)
        if logic == "NOT" and len(parts) == 1:
            return ~parts[0]
        raise ArsError(f"{where}: logicalOperator {logic!r} with {len(parts)} clause(s)",
                       expected="AND, OR, or NOT with one clause")
    raise ArsError(f"{where}: a where clause without condition or compoundExpression")


def _groups(grouping: dict, work: pd.DataFrame, frames: Frames, event: Event, where: str
            ) -> list[tuple[dict[str, str], pd.Series]]:
    """(result-group reference, mask) per group of a grouping, in order."""
    gid = grouping["id"]
    if grouping.get("dataDriven"):
        column = frames.column(work, grouping["groupingDataset"], grouping["groupingVariable"], where)
        present = column[column.notna() & (column.astype(str) != "")]
        return [({"groupingId": gid, "groupValue": str(v)}, column == v) for v in sorted(present.unique())]
    ordered = sorted(grouping.get("groups", []), key=lambda g: g.get("order", 0))
    return [({"groupingId": gid, "groupId": g["id"]}, evaluate_where(g, work, frames, event, where))
            for g in ordered]


def _combinations(by: list[list[tuple[dict[str, str], pd.Series]]], work: pd.DataFrame
                  ) -> list[tuple[tuple[dict[str, str], pd.Series], ...]]:
    """The cells to report: every combination of predefined groups, and of data-driven groups only the
    value combinations that occur together in the data (e.g. a preferred term within its own SOC)."""
    if not by:
        return [()]
    data_driven = [i for i, groups in enumerate(by) if groups and "groupValue" in groups[0][0]]
    present: set[tuple[int, ...]] | None = None
    if len(data_driven) > 1:
        codes = np.column_stack([np.select([m.to_numpy() for _, m in by[i]], list(range(len(by[i]))), -1)
                                 for i in data_driven])
        present = {tuple(row) for row in codes[(codes >= 0).all(axis=1)]}
    cells = []
    for combo in itertools.product(*[list(enumerate(groups)) for groups in by]):
        if present is not None and tuple(combo[i][0] for i in data_driven) not in present:
            continue
        cells.append(tuple(item for _, item in combo))
    return cells


def _pattern(value: float | None, pattern: str | None) -> str:
    """Format ``value`` by an ARS result pattern such as ``XX.X``, ``(N=XX)``, ``( XX.X)``, ``X.XXXX``: as many
    decimals as X's after the point (rounding half up on the number's shortest decimal form, so 172.85 → 172.9); inside literal text right-aligned in the width of the X's (``( XX.X)`` of
    9.5 is ``(  9.5)``), alone as it is (``XXX`` of 14 is ``14``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if not pattern:
        return _raw(value)
    match = re.search(r"X+(?:\.(X+))?", pattern)
    if match is None:
        return pattern
    decimals = len(match.group(1) or "")
    text = str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    if pattern.strip() != match.group(0):  # within literal text the number keeps the X's width
        text = text.rjust(match.end() - match.start())
    return pattern[:match.start()] + text + pattern[match.end():]


def _raw(value: float | None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _statistic(name: str, values: pd.Series) -> float:
    x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if name == "Count of non-missing values":
        return float(len(x))
    if not len(x):
        return float("nan")
    table: dict[str, Callable[[np.ndarray], float]] = {
        "Mean": np.mean, "Standard deviation": lambda a: float(np.std(a, ddof=1)) if len(a) > 1 else float("nan"),
        "Median": np.median, "Minimum": np.min, "Maximum": np.max,
        "First quartile": lambda a: float(np.percentile(a, 25, method="averaged_inverted_cdf")),
        "Third quartile": lambda a: float(np.percentile(a, 75, method="averaged_inverted_cdf")),
    }
    if name not in table:
        raise ArsError(f"operation {name!r} is not known", expected=", ".join(["Count of subjects", *table]))
    return float(table[name](x))


def _p_value(method: dict, work: pd.DataFrame, compared: list[list[tuple[dict, pd.Series]]],
             population: pd.DataFrame | None, analysis_dataset: str, frames: Frames, where: str) -> float:
    """P-value across the groups of the compared grouping(s) (see module docstring)."""
    text = f"{method.get('name', '')} {method.get('label', '')}".lower()
    variable_rows = work
    if "anova" in text or "analysis of variance" in text:
        samples = [pd.to_numeric(variable_rows.loc[mask, "__value"], errors="coerce").dropna() for _, mask in
                   compared[0]]
        samples = [s for s in samples if len(s)]
        return float(sps.f_oneway(*samples).pvalue) if len(samples) > 1 else float("nan")
    if analysis_dataset.upper() == "ADSL" or population is None:
        first = compared[0]
        second = compared[1] if len(compared) > 1 else None
        if second is None:
            raise ArsError(f"{where}: a categorical comparison on ADSL needs two groupings")
        table = np.array([[work.loc[m1 & m2, f"__{KEY}"].nunique() for _, m2 in second] for _, m1 in first], float)
    else:  # subjects of the population with / without a record in the subset, by group
        rows = []
        for ref, _ in compared[0]:
            in_group = population["__group__"] == ref.get("groupId", ref.get("groupValue"))
            subjects = set(population.loc[in_group, KEY])
            if not subjects:
                continue
            with_event = work.loc[work[f"__{KEY}"].isin(subjects), f"__{KEY}"].nunique()
            rows.append([with_event, len(subjects) - with_event])
        table = np.array(rows, dtype=float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0] if table.size else table
    if table.ndim != 2 or table.shape[0] < 2 or table.shape[1] < 2:
        return float("nan")
    if "fisher" in text:
        if table.shape == (2, 2):
            return float(sps.fisher_exact(table.astype(int)).pvalue)
        raise ArsError(f"{where}: Fisher's exact test on a {table.shape} table", expected="a 2x2 table")
    if "chi" in text:
        return float(sps.chi2_contingency(table, correction=False)[1])
    raise ArsError(f"{where}: method {method.get('name')!r} has no known test", expected="chi-square, Fisher, ANOVA")


def run_event(doc: dict[str, Any], adam: Mapping[str, pd.DataFrame]
              ) -> tuple[dict[str, Any], pd.DataFrame, list[str]]:
    """Evaluate every analysis of a reporting event; returns the event with ``results`` filled, the
    analysis results dataset (one row per result) and one message per analysis that could not run."""
    event, frames = Event(doc), Frames(adam)
    out = {**doc, "analyses": []}
    ard: list[dict[str, Any]] = []
    computed: dict[str, dict[tuple, float]] = {}
    finished: dict[str, dict] = {}
    analyses = list(doc.get("analyses", []))
    by_id = {a["id"]: a for a in analyses}

    def run(analysis: dict) -> dict:
        aid = analysis["id"]
        if aid in finished:
            return finished[aid]
        where = f"analysis {aid}"
        method = event.methods.get(analysis.get("methodId", ""))
        if method is None:
            raise ArsError(f"{where}: method {analysis.get('methodId')!r} is not defined")
        dataset = analysis.get("dataset")
        data = frames.get(dataset, where).reset_index(drop=True)
        work = data.add_prefix(f"{dataset.upper()}.")
        work[f"__{KEY}"] = data[KEY]
        work["__value"] = data[analysis.get("variable", KEY)] if analysis.get("variable") in data else data[KEY]
        population = None
        if analysis.get("analysisSetId"):
            aset = event.sets.get(analysis["analysisSetId"])
            if aset is None:
                raise ArsError(f"{where}: analysis set {analysis['analysisSetId']!r} is not defined")
            adsl = frames.get("ADSL", where).reset_index(drop=True)
            adsl_work = adsl.add_prefix("ADSL.").assign(**{f"__{KEY}": adsl[KEY]})
            in_set = evaluate_where(aset, adsl_work, frames, event, where)
            if analysis.get("dataSubsetId"):  # the subset's ADSL clauses also restrict the population
                sub = event.subsets[analysis["dataSubsetId"]]
                in_set &= evaluate_where(sub, adsl_work, frames, event, where, only="ADSL")
            population = adsl.loc[in_set.to_numpy(), [KEY]].copy()
            work = work[work[f"__{KEY}"].isin(set(population[KEY]))]
        if analysis.get("dataSubsetId"):
            sub = event.subsets.get(analysis["dataSubsetId"])
            if sub is None:
                raise ArsError(f"{where}: data subset {analysis['dataSubsetId']!r} is not defined")
            work = work[evaluate_where(sub, work, frames, event, where).to_numpy()]
        work = work.copy()
        ordered_groupings = sorted(analysis.get("orderedGroupings", []), key=lambda g: g.get("order", 0))
        by, compared = [], []
        for og in ordered_groupings:
            grouping = event.groupings.get(og["groupingId"])
            if grouping is None:
                raise ArsError(f"{where}: grouping {og['groupingId']!r} is not defined")
            groups = _groups(grouping, work, frames, event, where)
            (by if og.get("resultsByGroup") else compared).append(groups)
        if population is not None and compared and dataset.upper() != "ADSL":
            grouping = event.groupings[next(og["groupingId"] for og in ordered_groupings if not og.get("resultsByGroup"))]
            adsl = frames.get("ADSL", where)
            pop_work = adsl[adsl[KEY].isin(set(population[KEY]))].reset_index(drop=True)
            pop_work = pop_work.add_prefix("ADSL.").assign(**{f"__{KEY}": pop_work[KEY].to_numpy()})
            labels = pd.Series("", index=pop_work.index, dtype=object)
            for ref, mask in _groups(grouping, pop_work, frames, event, where):
                labels[mask.to_numpy()] = ref.get("groupId", ref.get("groupValue"))
            population = pd.DataFrame({KEY: pop_work[f"__{KEY}"], "__group__": labels})
        results = []
        operations = sorted(method.get("operations", []), key=lambda o: o.get("order", 0))
        store = computed.setdefault(aid, {})
        for combo in _combinations(by, work):
            mask = np.logical_and.reduce([m.to_numpy() for _, m in combo]) if combo else np.ones(len(work), bool)
            cell = work[mask]
            refs = [r for r, _ in combo]
            for op in operations:
                name = op.get("name", "")
                if name == "Count of subjects":
                    value = float(cell["__value"].nunique())
                elif name == "Percent of subjects":
                    value = _percent(analysis, op, refs, computed, by_id, run)
                elif name == "P-value":
                    if compared:
                        sub_mask = pd.Series(mask, index=work.index)
                        value = _p_value(method, work[sub_mask.to_numpy()],
                                         [[(r, m[sub_mask.to_numpy()]) for r, m in g] for g in compared],
                                         population, dataset, frames, where)
                        refs_out = [{"groupingId": g[0][0]["groupingId"]} for g in compared if g] + refs
                    else:
                        raise ArsError(f"{where}: a P-value needs a grouping with resultsByGroup false")
                else:
                    value = _statistic(name, cell["__value"])
                key = (op["id"], tuple(sorted((r["groupingId"], r.get("groupId", r.get("groupValue")))
                                              for r in refs)))
                store[key] = value
                groups_out = refs_out if name == "P-value" else refs
                result = {"operationId": op["id"], "resultGroups": groups_out, "rawValue": _raw(value),
                          "formattedValue": _pattern(value, op.get("resultPattern"))}
                results.append(result)
                ard.append({"analysisId": aid, "operationId": op["id"], "operation": name,
                            "groups": "; ".join(f"{r['groupingId']}={r.get('groupId', r.get('groupValue', ''))}"
                                                for r in groups_out),
                            "rawValue": result["rawValue"], "formattedValue": result["formattedValue"]})
        finished[aid] = {**analysis, "results": results}
        return finished[aid]

    errors: list[str] = []
    results_out = []
    for analysis in analyses:
        try:
            results_out.append(run(analysis))
        except CdiscflowError as exc:  # one analysis that cannot run does not stop the others
            errors.append(str(exc))
            results_out.append({**analysis, "results": []})
    out["analyses"] = results_out
    return out, pd.DataFrame(ard, columns=["analysisId", "operationId", "operation", "groups", "rawValue",
                                           "formattedValue"]), errors


def _percent(analysis: dict, op: dict, refs: list[dict], computed: dict, by_id: dict,
             run: Callable[[dict], dict]) -> float:
    """100 × numerator / denominator for a percent operation (see module docstring)."""
    roles: dict[str, tuple[str, str]] = {}
    for rel in op.get("referencedOperationRelationships", []):
        role = (rel.get("referencedOperationRole") or {}).get("controlledTerm")
        analysis_id = next((r["analysisId"] for r in analysis.get("referencedAnalysisOperations", [])
                            if r.get("referencedOperationRelationshipId") == rel["id"]), analysis["id"])
        roles[role] = (analysis_id, rel["operationId"])
    if set(roles) != {"NUMERATOR", "DENOMINATOR"}:
        raise ArsError(f"analysis {analysis['id']}: percent operation {op['id']} needs a numerator and a denominator")

    def lookup(analysis_id: str, operation_id: str) -> float:
        """The referenced count for this cell's groups of the groupings the referenced analysis reports by."""
        if analysis_id not in by_id:
            raise ArsError(f"analysis {analysis['id']}: referenced analysis {analysis_id!r} does not exist")
        if analysis_id != analysis["id"] and analysis_id not in computed:
            run(by_id[analysis_id])
        reported = {g["groupingId"] for g in by_id[analysis_id].get("orderedGroupings", []) if g.get("resultsByGroup")}
        groups = tuple(sorted((r["groupingId"], r.get("groupId", r.get("groupValue"))) for r in refs
                              if r["groupingId"] in reported))
        return computed.get(analysis_id, {}).get((operation_id, groups), float("nan"))

    numerator = lookup(*roles["NUMERATOR"])
    denominator = lookup(*roles["DENOMINATOR"])
    return float(100.0 * numerator / denominator) if denominator else float("nan")


def load_event(path: str) -> dict[str, Any]:
    """A reporting event from JSON or YAML (safe loader)."""
    import json

    import yaml

    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        doc = json.loads(text) if path.lower().endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"cannot read the reporting event: {exc}", file=path, expected="ARS v1 JSON or YAML") from None
    if not isinstance(doc, dict) or "analyses" not in doc:
        raise SpecError("not an ARS reporting event", file=path, expected="a ReportingEvent with analyses")
    return doc
