"""Incidence of laboratory abnormalities: subjects by reference-range category (low / normal / high …) per
parameter and column group, with Fisher's exact p (categories × groups) per parameter.

``lab_abnormal`` counts the subjects of the analysis records selected by ``where`` (typically one record per
subject and parameter, e.g. the worst on-treatment value flagged ``ANL01FL``) in each level of ``category``;
percentages are of the subjects with a category in that parameter and group. A parameter with a single
category has no p-value::

    options:
      dataset: ADLBC
      where: 'ANL01FL == "Y" and AVISITN != 99'
      group: {var: TRTP, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose]}
      category: LBNRIND
      levels: {LOW: Low, NORMAL: Normal, HIGH: High}
      measures:                            # in display order; a section prints a heading when it changes
        - {section: CHEMISTRY, param: ALB, label: ALBUMIN}
        - {section: HEMATOLOGY, dataset: ADLBH, param: BASO, label: BASOPHILS}
      count_pattern: "{n}({pct}%)"
      zero_pattern: "{n}"
      pct_decimals: 0
      p: {decimals: 3}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cdiscflow.registry import register
from cdiscflow.tlf.analyses import Groups, PFormat, summarize_categorical
from cdiscflow.tlf.ard import concat_ard, ard_frame
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.shapes.bds import group_sizes, measure_records
from cdiscflow.tlf.shapes.disposition import COUNT_FIELDS, P_FORMAT, groups_of
from cdiscflow.tlf.shapes.exact import fisher_rxc
from cdiscflow.tlf.shapes.options import RECORDS, Opt, ctx_options
from cdiscflow.tlf.shells import Cells, group_columns

if TYPE_CHECKING:
    from cdiscflow.tlf.engine import TlfContext

MEASURE: dict = {"param": Opt(str, required=True), "label": Opt(str), "dataset": Opt(str), "section": Opt(str)}

ABNORMAL_SCHEMA: dict = {
    **RECORDS,
    "category": Opt(str, required=True),
    "levels": Opt(dict, required=True, values=Opt(str)),
    "measures": Opt(list, required=True, items=MEASURE),
    "count_pattern": Opt(str, default="{n} ({pct}%)", fields=COUNT_FIELDS),
    "zero_pattern": Opt(str, default="{n}", fields=COUNT_FIELDS),
    "pct_decimals": Opt(int, default=0),
    "p": Opt(dict, keys=P_FORMAT, default={}),
    "p_header": Opt(str, default="p-val\n[1]"),
    "labels": Opt(dict, values=Opt(str), default={}),
}


def category_table(data: pd.DataFrame, var: str, levels: list[str], groups: Groups) -> np.ndarray:
    """Subjects per level (rows) × column group (columns, total excluded)."""
    d = data[data[groups.var].astype(str).isin(groups.levels)].drop_duplicates(["USUBJID", var])
    table = pd.crosstab(pd.Categorical(d[var].astype(str), categories=levels),
                        pd.Categorical(d[groups.var].astype(str), categories=list(groups.levels)), dropna=False)
    return table.to_numpy()


@register("tlf", "lab_abnormal")
def lab_abnormal_program(ctx: TlfContext) -> ProgramResult:
    opts = ctx_options(ctx, ABNORMAL_SCHEMA)
    groups = groups_of(opts)
    levels = list(opts["levels"])
    var = opts["category"]
    p_format = PFormat(**{k: v for k, v in opts["p"].items() if v is not None}) if opts["p"] else PFormat()
    parts, cache = [], {}
    for i, m in enumerate(opts["measures"]):
        data = measure_records(ctx, opts, i, m, [var, groups.var], cache)
        data = data[data[var].astype(str).isin(levels).to_numpy()]
        key = m["label"] or m["param"]
        parts.append(summarize_categorical(data, var, groups, levels=levels, rule=ctx.rule, subject="USUBJID",
                                           pct_decimals=opts["pct_decimals"], by_var=opts["param_var"], by=key))
        p = fisher_rxc(category_table(data, var, levels, groups))
        parts.append(ard_frame([{"analysis": "fisher", "group_var": groups.var, "by_var": opts["param_var"],
                                 "by": key, "variable": var, "statistic": "p", "value": p,
                                 "formatted": p_format(p, ctx.rule) if np.isfinite(p) else ""}]))
    ard = concat_ard(parts, ctx.spec.id)
    return ProgramResult(ard, _layout(ctx, opts, ard, groups, group_sizes(ctx, opts, groups)))


def _layout(ctx: TlfContext, opts: dict, ard: pd.DataFrame, groups: Groups, sizes: pd.Series) -> Table:
    cells = Cells(ard)
    levels = opts["levels"]
    var = opts["category"]
    ncol = 2 + len(groups.columns) * len(levels)
    rows: list[Row] = []
    section = None
    for m in opts["measures"]:
        if m["section"] and m["section"] != section:
            if section is not None:
                rows.append(blank_row(ncol))
            section = m["section"]
            rows.append(Row([section] + [""] * (ncol - 1)))
        key = m["label"] or m["param"]
        values = []
        for g in groups.columns:
            for lv in levels:
                k = {"analysis": "frequency", "group": g, "by": key, "variable": var, "category": lv}
                n = cells.get("n", **k)
                values.append(cells.fill(opts["zero_pattern"] if n == "0" else opts["count_pattern"], **k))
        rows.append(Row([key, *values, cells.get("p", analysis="fisher", by=key, variable=var)]))
    top = [HeaderCell("")] + [HeaderCell(h.text, span=len(levels))
                              for h in group_columns(groups, sizes, opts["labels"], pattern="{label} (N={n})")]
    top.append(HeaderCell(""))
    sub = [HeaderCell("", align="left"), *[HeaderCell(lv) for _ in groups.columns for lv in levels.values()],
           HeaderCell(opts["p_header"])]
    cols = [Column(2.0), *[Column(0.8, "right") for _ in range(ncol - 2)], Column(0.6, "right")]
    return Table(ctx.frame(), cols, [top, sub], rows)
