"""``program: summary_over_visits`` — descriptive statistics of several variables per treatment and analysis
row (visit, imputation), laid out wide: one body row per treatment × row, one column per statistic::

    options:
      dataset: ADQSADAS
      where: 'PARAMCD == "ACTOT"'
      group: {var: TRTP, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose]}
      labels: {Xanomeline Low Dose: Xan.Low}          # treatment text in the first column
      rows:                                            # analysis rows, each its own records
        - {label: Baseline, where: 'AVISIT == "Baseline"', vars: [AVAL]}   # vars: only these columns filled
        - {label: Week 8 (Windowed), where: 'AVISIT == "Week 8" and ANL01FL == "Y" and DTYPE == ""'}
      columns:                                         # header, variable, statistic
        - {header: nc, var: AVAL, stat: n}
        - {header: Mean, var: AVAL, stat: mean}
        - {header: "Bsln\\nMean", var: BASE, stat: mean}
      spans: [{label: "---Change from baseline---", first: 9, last: 13}]   # optional header above columns
      decimals: {AVAL: {mean: 1, sd: 2, median: 1, min: 0, max: 0}, CHG: {...}}   # per variable
      headers: ["", ""]                                # the two stub column headers

Statistics are those of :func:`cdiscflow.tlf.stats.describe` (n, mean, sd, sem, median, q1, q3, min, max).
"""

from __future__ import annotations

from typing import Any

from cdiscflow.errors import SpecError
from cdiscflow.registry import register
from cdiscflow.tlf.analyses import summarize_continuous
from cdiscflow.tlf.ard import concat_ard
from cdiscflow.tlf.engine import TlfContext
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.options import checked, require_columns, str_list
from cdiscflow.tlf.programs import groups_from
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.shells import Cells
from cdiscflow.tlf.stats import Precision
from cdiscflow.tlf.stats.descriptive import STATISTICS

_KEYS = ["dataset", "where", "group", "labels", "rows", "columns", "spans", "decimals", "headers"]


def _precisions(ctx: TlfContext, raw: Any, variables: list[str]) -> dict[str, Precision]:
    raw = checked(ctx, raw or {}, optional=variables, where="options.decimals")
    return {v: Precision(fixed=dict(checked(ctx, raw.get(v) or {}, optional=STATISTICS,
                                            where=f"options.decimals.{v}"))) for v in variables}


@register("tlf", "summary_over_visits")
def summary_over_visits(ctx: TlfContext) -> ProgramResult:
    opts = checked(ctx, ctx.options, required=["dataset", "group", "rows", "columns"], optional=_KEYS)
    groups = groups_from(opts, ctx.spec.file)
    columns = [checked(ctx, c, required=["header", "var", "stat"], where=f"options.columns[{i}]")
               for i, c in enumerate(opts["columns"], start=1)]
    for i, c in enumerate(columns, start=1):
        if c["stat"] not in STATISTICS:
            raise SpecError(f"output {ctx.spec.id}: options.columns[{i}].stat {c['stat']!r} is unknown",
                            file=ctx.spec.file, variable=f"options.columns[{i}].stat", expected=", ".join(STATISTICS))
    variables = list(dict.fromkeys(str(c["var"]) for c in columns))
    precision = _precisions(ctx, opts.get("decimals"), variables)
    rows_def = [checked(ctx, r, required=["label", "where"], optional=["vars"], where=f"options.rows[{i}]")
                for i, r in enumerate(opts["rows"], start=1)]
    base = ctx.analysis_data(opts["dataset"], opts.get("where"))
    require_columns(ctx, base, [groups.var, *variables], opts["dataset"], "options.columns")
    parts = []
    for i, r in enumerate(rows_def, start=1):
        shown = str_list(ctx, r.get("vars"), f"options.rows[{i}].vars") or variables
        records = ctx.analysis_data(opts["dataset"], f"({opts['where']}) and ({r['where']})"
                                    if opts.get("where") else r["where"])
        for var in shown:
            parts.append(summarize_continuous(records, var, groups, rule=ctx.rule, precision=precision[var],
                                              by_var="row", by=str(r["label"])))
    ard = concat_ard(parts, ctx.spec.id)
    cells = Cells(ard)
    labels = opts.get("labels") or {}
    ncol = 2 + len(columns)
    body: list[Row] = []
    for g in groups.levels:
        for j, r in enumerate(rows_def):
            body.append(Row([str(labels.get(g, g)) if j == 0 else "", str(r["label"]),
                             *[cells.get(str(c["stat"]), analysis="summary", group=g, by=str(r["label"]),
                                         variable=str(c["var"])) for c in columns]]))
        body.append(blank_row(ncol))
    body.pop()
    heads = str_list(ctx, opts.get("headers"), "options.headers") or ["", ""]
    header = [[HeaderCell(heads[0], align="left"), HeaderCell(heads[1] if len(heads) > 1 else "", align="left"),
               *[HeaderCell(str(c["header"])) for c in columns]]]
    if opts.get("spans"):
        header.insert(0, _span_row(ctx, opts["spans"], ncol))
    cols = [Column(1.0), Column(1.8)] + [Column(0.6, "right") for _ in columns]
    return ProgramResult(ard, Table(ctx.frame(), cols, header, body))


def _span_row(ctx: TlfContext, raw: Any, ncol: int) -> list[HeaderCell]:
    """A header row with each span's label over columns ``first``..``last`` (1-based over statistic columns)."""
    cells: list[HeaderCell] = []
    pos = 0
    for i, s in enumerate(raw, start=1):
        span = checked(ctx, s, required=["label", "first", "last"], where=f"options.spans[{i}]")
        first, last = int(span["first"]) + 1, int(span["last"]) + 1  # after the two stub columns (0-based)
        if not pos <= first <= last < ncol:
            raise SpecError(f"output {ctx.spec.id}: options.spans[{i}] columns {span['first']}..{span['last']} "
                            "overlap or lie outside the table", file=ctx.spec.file, variable=f"options.spans[{i}]")
        cells += [HeaderCell("") for _ in range(first - pos)] + [HeaderCell(str(span["label"]), span=last - first + 1)]
        pos = last + 1
    return cells + [HeaderCell("") for _ in range(ncol - pos)]
