"""Exposure summary: descriptive statistics of subject-level exposure variables (duration, average daily
dose, cumulative dose), by column group within labelled column sets (e.g. completers / whole population).

``exposure``::

    options:
      group: {var: TRT01A, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose]}
      dataset: ADSL                                  # default: the population dataset
      column_sets:                                   # default: one set, the whole population
        - {label: Completers at Week 24, where: 'COMP24FL == "Y"'}
        - {label: "Safety Population [1]"}
      variables:
        - {var: AVGDD, label: Average daily dose (mg)}
        - {var: CUMDOSE, label: "Cumulative dose at end of study [2]"}
      stat_rows: [[n, "{n}"], [mean, "{mean}"], [std, "{sd}"], [median, "{median}"], [min, "{min}"], [max, "{max}"]]
      decimals: {mean: 1, sd: 2, median: 1, min: 1, max: 1}   # default: data precision +1/+2
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cdiscflow.registry import register
from cdiscflow.tlf.analyses import summarize_continuous
from cdiscflow.tlf.ard import concat_ard
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.shapes.disposition import condition_mask, groups_of
from cdiscflow.tlf.shapes.options import CONDITION, DECIMALS, GROUP, Opt, ctx_options
from cdiscflow.tlf.shells import DEFAULT_STAT_ROWS, Cells, group_columns
from cdiscflow.tlf.stats import Precision
from cdiscflow.tlf.stats.descriptive import STATISTICS

if TYPE_CHECKING:
    from cdiscflow.tlf.engine import TlfContext

STAT_FIELDS = frozenset(STATISTICS)
STAT_ROWS = Opt(list, default=[list(r) for r in DEFAULT_STAT_ROWS],
                items=Opt(list, items=Opt(str, fields=STAT_FIELDS)))

EXPOSURE_SCHEMA: dict = {
    "group": GROUP,
    "dataset": Opt(str),
    "where": Opt(str),
    "column_sets": Opt(list, items=CONDITION, default=[{"label": "", "where": None}]),
    "variables": Opt(list, required=True, items={"var": Opt(str, required=True), "label": Opt(str, default="")}),
    "stat_rows": STAT_ROWS,
    "decimals": DECIMALS,
    "labels": Opt(dict, values=Opt(str), default={}),
}


@register("tlf", "exposure")
def exposure_program(ctx: TlfContext) -> ProgramResult:
    opts = ctx_options(ctx, EXPOSURE_SCHEMA)
    groups = groups_of(opts)
    data = ctx.analysis_data(opts["dataset"], opts["where"]) if opts["dataset"] else ctx.population
    precision = Precision(fixed=dict(opts["decimals"]))
    parts, sizes = [], {}
    for cs in opts["column_sets"]:
        subset = data[condition_mask(data, cs["where"])]
        sizes[cs["label"]] = groups.sizes(subset)
        for v in opts["variables"]:
            parts.append(summarize_continuous(subset, v["var"], groups, rule=ctx.rule, precision=precision,
                                              by_var="column_set", by=cs["label"]))
    ard = concat_ard(parts, ctx.spec.id)
    return ProgramResult(ard, _layout(ctx, opts, ard, groups, sizes))


def _layout(ctx: TlfContext, opts: dict, ard: pd.DataFrame, groups, sizes: dict) -> Table:  # noqa: ANN001
    cells = Cells(ard)
    sets = opts["column_sets"]
    ncol = 2 + len(sets) * len(groups.columns)
    rows: list[Row] = []
    for k, v in enumerate(opts["variables"]):
        if k:
            rows.append(blank_row(ncol))
        for i, (label, pattern) in enumerate(opts["stat_rows"]):
            values = [cells.fill(pattern, analysis="summary", group=g, by=cs["label"], variable=v["var"])
                      for cs in sets for g in groups.columns]
            rows.append(Row([v["label"] if i == 0 else "", label, *values]))
    sub = [HeaderCell(""), HeaderCell("")]
    for cs in sets:
        sub += group_columns(groups, sizes[cs["label"]], opts["labels"])
    header = [sub]
    if any(cs["label"] for cs in sets):
        header.insert(0, [HeaderCell("", span=2)] + [HeaderCell(cs["label"], span=len(groups.columns))
                                                     for cs in sets])
    cols = [Column(2.6), Column(0.8)] + [Column(1.0, "right") for _ in range(ncol - 2)]
    return Table(ctx.frame(), cols, header, rows)
