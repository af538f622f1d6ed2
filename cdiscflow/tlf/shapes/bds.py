"""Observed value and change from baseline by parameter × visit (vital signs, laboratory, ECG: any BDS).

``bds_summary`` summarises analysis variables (``AVAL``, ``CHG``, …) of BDS records per *measure* (a
parameter, optionally one analysis variable of it), per value of further ``by`` variables (e.g. ``ATPT``),
per *visit* (a labelled condition: ``AVISITN == 0``, ``ABLFL == "Y"``, ``AVISIT == "End of Treatment"``) and
per column group. Two layouts:

* ``vertical`` — one row per measure × by × group × visit; stub columns measure, by variables, group and
  its N, visit; one column per statistic (``columns: [[n, "{n}"], [Mean, "{mean}"], [SD, "{sd}"], …]``).
* ``horizontal`` — one block of visit rows per measure (a heading row with its label; a ``section`` label
  prints a heading when it changes); per group, one column per ``columns`` entry
  ``{label, var, pattern}``, e.g. ``{label: N, var: AVAL, pattern: "{records}"}``,
  ``{label: "Mean (SD)", var: AVAL, pattern: "{mean} ({sd})"}``, ``{label: "Change\\nMean (SD)", var: CHG, …}``.

Pattern fields: the statistics of :func:`cdiscflow.tlf.stats.describe` (``n mean sd sem median q1 q3 min
max``) and ``records`` (records at the visit, with or without a value). ``decimals`` fixes decimals per
statistic (default: data precision + 1 / + 2); ``signed_zero: true`` prints a negative value that rounds to
zero with its sign (``-0.0``, as SAS does). ``group_n_var`` names the population variable whose counts are
the groups' N (default the group variable)::

    options:
      dataset: ADVS
      where: 'ANL01FL == "Y"'
      group: {var: TRTA, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose]}
      group_n_var: TRT01A
      layout: vertical
      by: [[ATPT, Position]]
      measures:
        - {param: SYSBP, label: "Systolic Blood Pressure(mmHg)"}
        - {param: WEIGHT, var: CHG, label: Weight Change from Baseline,
           visits: [{label: Week 24, where: 'AVISIT == "Week 24"'}]}
      visits: [{label: Baseline, where: 'ABLFL == "Y"'}, {label: Week 24, where: 'AVISIT == "Week 24"'},
               {label: End of Trt., where: 'AVISITN > 0 and AVISITN <= 24', last: AVISITN}]
      columns: [[n, "{n}"], [Mean, "{mean}"], [SD, "{sd}"], [Median, "{median}"], ["Min.", "{min}"], ["Max.", "{max}"]]
      decimals: {mean: 1, sd: 2, median: 1, min: 1, max: 1}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.registry import register
from cdiscflow.tlf.analyses import Groups
from cdiscflow.tlf.ard import ard_frame
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.rounding import Rule, format_values
from cdiscflow.tlf.shapes.disposition import condition_mask, groups_of
from cdiscflow.tlf.shapes.options import CONDITION, DECIMALS, GROUP, Opt, check_value, ctx_options
from cdiscflow.tlf.shells import Cells, group_columns
from cdiscflow.tlf.stats import Precision, describe
from cdiscflow.tlf.stats.descriptive import STATISTICS

if TYPE_CHECKING:
    from cdiscflow.tlf.engine import TlfContext

BDS_FIELDS = frozenset({*STATISTICS, "records"})

#: a visit: a labelled condition; with ``last: VAR`` each subject's last record (by VAR) meeting it that has a
#: value (e.g. end of treatment = the last on-treatment value up to Week 24)
VISIT: dict = {**CONDITION, "last": Opt(str)}

BDS_SCHEMA: dict = {
    "dataset": Opt(str, required=True),
    "where": Opt(str),
    "group": GROUP,
    "group_n_var": Opt(str),
    "layout": Opt(str, default="vertical", choices=("vertical", "horizontal")),
    "param_var": Opt(str, default="PARAMCD"),
    "by": Opt(list, default=[], items=Opt(list, items=Opt(str))),
    "measures": Opt(list, required=True, items={
        "param": Opt(str, required=True), "label": Opt(str), "var": Opt(str, default="AVAL"),
        "dataset": Opt(str), "section": Opt(str), "visits": Opt(list, items=VISIT)}),
    "visits": Opt(list, required=True, items=VISIT),
    "columns": Opt(list, required=True, items=Opt((list, dict))),
    "decimals": DECIMALS,
    "signed_zero": Opt(bool, default=False),
    "labels": Opt(dict, values=Opt(str), default={}),
    "stub_headers": Opt(dict, values=Opt(str), default={}),
}
_VERTICAL_COLUMN = Opt(list, items=Opt(str, fields=BDS_FIELDS))
_HORIZONTAL_COLUMN: dict = {"label": Opt(str, default=""), "var": Opt(str, default="AVAL"),
                            "pattern": Opt(str, required=True, fields=BDS_FIELDS)}


def _columns(ctx: TlfContext, opts: dict[str, Any]) -> list[dict[str, str]]:
    """The layout's columns as ``{label, var, pattern}`` (vertical ones use each measure's var)."""
    out = []
    for i, col in enumerate(opts["columns"], start=1):
        path = f"options.columns[{i}]"
        if opts["layout"] == "vertical":
            label, pattern = check_value(col, _VERTICAL_COLUMN, path, ctx.spec.id, ctx.spec.file)
            out.append({"label": label, "var": "", "pattern": pattern})
        else:
            out.append(check_value(col, _HORIZONTAL_COLUMN, path, ctx.spec.id, ctx.spec.file))
    return out


def format_stat(values: np.ndarray, decimals: int, rule: Rule, signed_zero: bool) -> list[str]:
    """``format_values``; with ``signed_zero`` a negative value that rounds to zero keeps its minus sign."""
    text = format_values(values, decimals, rule)
    if not signed_zero:
        return text
    return [("-" + t) if (v < 0 and t and float(t) == 0.0) else t
            for t, v in zip(text, np.nan_to_num(values, nan=0.0), strict=True)]


def measure_records(ctx: TlfContext, opts: dict, i: int, m: dict, needs: list[str],
                    cache: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Analysis records of measure ``i`` (``m``): its dataset (``m["dataset"]`` or ``options.dataset``)
    restricted to the population and ``options.where`` (once per dataset, kept in ``cache``), then to its
    parameter; ``needs`` are the variables the shape reads."""
    name = m["dataset"] or opts["dataset"]
    if name not in cache:
        cache[name] = ctx.analysis_data(name, opts["where"])
    data = cache[name]
    missing = [v for v in [opts["param_var"], *needs] if v not in data.columns]
    if missing:
        raise SpecError(f"output {ctx.spec.id}: options.measures[{i + 1}] needs {', '.join(missing)}, not in {name}",
                        file=ctx.spec.file, variable=missing[0])
    return data[data[opts["param_var"]].astype(str) == m["param"]]


def group_sizes(ctx: TlfContext, opts: dict, groups: Groups) -> pd.Series:
    """The groups' N from the population (``group_n_var``, default the group variable)."""
    n_var = opts["group_n_var"] or groups.var
    if n_var not in ctx.population.columns:
        raise SpecError(f"output {ctx.spec.id}: options.group_n_var {n_var} is not a variable of "
                        f"{ctx.spec.population.dataset}", file=ctx.spec.file, variable="options.group_n_var")
    return groups.sizes(ctx.population.assign(**{groups.var: ctx.population[n_var]}))


def _stack(ctx: TlfContext, opts: dict, groups: Groups, columns: list[dict[str, str]]) -> pd.DataFrame:
    """Records of every measure × visit, labelled ``_m`` (measure number) and ``_v`` (visit label)."""
    pieces, cache = [], {}
    masks: dict[tuple[str, str | None], np.ndarray] = {}  # each visit condition evaluated once per dataset
    by_vars = [b[0] for b in opts["by"]]
    for i, m in enumerate(opts["measures"]):
        data = measure_records(ctx, opts, i, m, [m["var"], groups.var, *by_vars, *(c["var"] for c in columns if c["var"])],
                               cache)
        name = m["dataset"] or opts["dataset"]
        rows = data.index.to_numpy()  # positions in cache[name] (analysis data has a range index)
        # the measure's values converted once; each visit takes its rows
        values = pd.DataFrame({"_x": pd.to_numeric(data[m["var"]], errors="coerce"),
                               groups.var: data[groups.var].astype(str), **{b: data[b].astype(str) for b in by_vars},
                               **{c["var"]: pd.to_numeric(data[c["var"]], errors="coerce")
                                  for c in columns if c["var"]}}, index=data.index)
        for v in m["visits"] or opts["visits"]:
            if (name, v["where"]) not in masks:
                masks[name, v["where"]] = condition_mask(cache[name], v["where"])
            sel = masks[name, v["where"]][rows]
            if v["last"]:
                sel &= values["_x"].notna().to_numpy()
                sub = data.loc[sel, ["USUBJID", *by_vars, v["last"]]].sort_values(["USUBJID", *by_vars, v["last"]],
                                                                                 kind="stable")
                piece = values.loc[sub.groupby(["USUBJID", *by_vars], sort=False).tail(1).index]
            else:
                piece = values[sel]
            pieces.append(piece.assign(_m=i, _v=v["label"]))
    if not pieces:
        return pd.DataFrame()
    stacked = pd.concat(pieces, ignore_index=True)
    return stacked[["_m", "_v", *(c for c in stacked.columns if c not in ("_m", "_v"))]]


@register("tlf", "bds_summary")
def bds_summary_program(ctx: TlfContext) -> ProgramResult:
    opts = ctx_options(ctx, BDS_SCHEMA)
    groups = groups_of(opts)
    columns = _columns(ctx, opts)
    by_vars = [b[0] for b in opts["by"]]
    stacked = groups.with_total(_stack(ctx, opts, groups, columns))
    keys = ["_m", *by_vars, "_v", groups.var]
    variables = ["_x"] if opts["layout"] == "vertical" else list(dict.fromkeys(c["var"] for c in columns))
    precision = Precision(fixed=dict(opts["decimals"]))
    records = []
    for var in variables:
        desc = describe(stacked, var, keys)
        desc = desc.merge(stacked.groupby(keys, observed=True).size().rename("records").astype(float).reset_index(),
                          on=keys)
        for stat in [*STATISTICS, "records"]:
            dec = 0 if stat == "records" else precision.decimals(stat, stacked[var])
            text = format_stat(desc[stat].to_numpy(dtype=float), dec, ctx.rule, opts["signed_zero"])
            records.append(pd.DataFrame({
                "analysis": "summary", "group_var": groups.var, "group": desc[groups.var],
                "by_var": "measure/" + "/".join([*by_vars, "visit"]),
                "by": _by_key(desc, by_vars), "variable": var if var != "_x" else "",
                "statistic": stat, "value": desc[stat].to_numpy(dtype=float), "formatted": text,
                "category": desc["_m"].map(lambda i: _measure_name(opts["measures"][i]))}))
    ard = ard_frame(pd.concat(records, ignore_index=True), ctx.spec.id)
    index = stacked[["_m", *by_vars]].drop_duplicates().sort_values(["_m", *by_vars])
    sizes = group_sizes(ctx, opts, groups)
    layout = _vertical if opts["layout"] == "vertical" else _horizontal
    return ProgramResult(ard, layout(ctx, opts, columns, ard, groups, sizes, index, by_vars))


def _measure_name(m: dict) -> str:
    return f"{m['param']} {m['var']}"


def _by_key(desc: pd.DataFrame, by_vars: list[str]) -> pd.Series:
    key = desc["_m"].astype(str)
    for b in [*by_vars, "_v"]:
        key = key + "/" + desc[b].astype(str)
    return key


def _visits(opts: dict, m: dict) -> list[str]:
    return [v["label"] for v in (m["visits"] or opts["visits"])]


def _vertical(ctx: TlfContext, opts: dict, cols: list[dict[str, str]], ard: pd.DataFrame, groups: Groups, sizes: pd.Series,
              index: pd.DataFrame, by_vars: list[str]) -> Table:
    cells = Cells(ard)
    labels = opts["labels"]
    nstub = 1 + len(by_vars) + 3
    rows: list[Row] = []
    prev: tuple = ()
    for key in index.itertuples(index=False, name=None):
        m = opts["measures"][key[0]]
        for gi, g in enumerate(groups.columns):
            stub_key = "/".join(map(str, key))
            visits = [v for v in _visits(opts, m)
                      if cells.get("records", analysis="summary", group=g, by=f"{stub_key}/{v}",
                                   category=_measure_name(m))]
            for vi, v in enumerate(visits):
                lead = []
                for level in range(len(key)):
                    first = gi == 0 and vi == 0 and key[: level + 1] != prev[: level + 1]
                    text = (m["label"] or m["param"]) if level == 0 else str(key[level])
                    lead.append(text if first else "")
                head = vi == 0
                values = [cells.fill(c["pattern"], analysis="summary", group=g, by=f"{stub_key}/{v}",
                                     category=_measure_name(m)) for c in cols]
                rows.append(Row([*lead, labels.get(g, g) if head else "",
                                 str(int(sizes.get(g, 0))) if head else "", v, *values]))
            if visits:
                prev = key
                rows.append(blank_row(nstub + len(cols)))
    heads = opts["stub_headers"]
    head = [HeaderCell(heads.get("measure", "Measure"), align="left"),
            *[HeaderCell(b[1], align="left") for b in opts["by"]],
            HeaderCell(heads.get("group", "Treatment"), align="left"), HeaderCell(heads.get("n", "N")),
            HeaderCell(heads.get("visit", "Planned\nRelative\nTime"), align="left"),
            *[HeaderCell(c["label"]) for c in cols]]
    widths = [Column(1.6), *[Column(1.6) for _ in by_vars], Column(0.9), Column(0.4, "right"), Column(1.0)]
    return Table(ctx.frame(), [*widths, *[Column(0.7, "right") for _ in cols]], [head], rows)


def _horizontal(ctx: TlfContext, opts: dict, cols: list[dict[str, str]], ard: pd.DataFrame, groups: Groups, sizes: pd.Series,
                index: pd.DataFrame, by_vars: list[str]) -> Table:
    cells = Cells(ard)
    ncol = 1 + len(groups.columns) * len(cols)
    rows: list[Row] = []
    section = None
    for key in index.itertuples(index=False, name=None):
        m = opts["measures"][key[0]]
        if m["section"] and m["section"] != section:
            section = m["section"]
            rows += [Row([section] + [""] * (ncol - 1)), blank_row(ncol)]
        rows.append(Row([m["label"] or m["param"], *[""] * (ncol - 1)]))
        stub_key = "/".join(map(str, key))
        for v in _visits(opts, m):
            values = [cells.fill(c["pattern"], analysis="summary", group=g, by=f"{stub_key}/{v}", variable=c["var"],
                                 category=_measure_name(m)) for g in groups.columns for c in cols]
            if any(values):
                rows.append(Row([v, *values], indent=1))
        rows.append(blank_row(ncol))
    top = [HeaderCell("")] + [HeaderCell(h.text, span=len(cols))
                              for h in group_columns(groups, sizes, opts["labels"], pattern="{label}")]
    sub = [HeaderCell(opts["stub_headers"].get("visit", "Visit"), align="left"),
           *[HeaderCell(c["label"]) for _ in groups.columns for c in cols]]
    return Table(ctx.frame(), [Column(1.2), *[Column(1.0, "right") for _ in sub[1:]]], [top, sub], rows)
