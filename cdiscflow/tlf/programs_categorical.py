"""``program: categorical_by_visit`` — counts and percentages of an ordinal or categorical response per visit
and treatment, with a stratified CMH p-value per visit::

    options:
      dataset: ADQSCIBC
      where: 'ANL01FL == "Y"'
      group: {var: TRTP, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose]}
      population_group_var: TRT01P
      by: AVISIT                         # one block per level, in this order
      by_levels: [Week 8, Week 16, Week 24]
      var: AVAL
      levels: {1: Marked improvement, 2: Moderate improvement, ...}   # value → row label, in order
      test: {method: cmh, statistic: row_mean_scores, strata: SITEGR1}   # optional
      pct_decimals: 0
      count_pattern: "{n} ({pct}%)"      # zero counts print zero_pattern ("{n}")
      p: {decimals: 4}
      headers: ["", Assessment]          # the two stub column headers
      p_header: "p-value\\n[1]"

Percentages are of the block's ``n`` (subjects with a value at that visit). Numeric values that are whole
numbers are matched by their integer text (``1.0`` ↔ ``1``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.registry import register
from cdiscflow.tlf.analyses import PFormat, summarize_categorical
from cdiscflow.tlf.ard import ard_frame, concat_ard
from cdiscflow.tlf.engine import TlfContext
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.options import checked, require_columns, str_list
from cdiscflow.tlf.programs import groups_from
from cdiscflow.tlf.programs_ancova import group_sizes
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.shells import Cells, group_columns
from cdiscflow.tlf.stats.cmh import cmh_test

_KEYS = ["dataset", "where", "group", "population_group_var", "by", "by_levels", "var", "levels", "test",
         "pct_decimals", "count_pattern", "zero_pattern", "p", "headers", "p_header", "labels"]


def category_text(values: pd.Series) -> pd.Series:
    """Values as row keys: whole numbers as integers (``4.0`` → ``"4"``), text stripped, missing ""."""
    num = pd.to_numeric(values, errors="coerce")
    whole = num.notna() & (num == np.round(num))
    text = values.astype("string").fillna("").str.strip()
    return text.mask(whole, num.round().astype("Int64").astype("string")).fillna("").astype(str)


@register("tlf", "categorical_by_visit")
def categorical_by_visit(ctx: TlfContext) -> ProgramResult:
    opts = checked(ctx, ctx.options, required=["dataset", "group", "by", "var", "levels"], optional=_KEYS)
    groups = groups_from(opts, ctx.spec.file)
    data = ctx.analysis_data(opts["dataset"], opts.get("where"))
    by, var = str(opts["by"]), str(opts["var"])
    test = checked(ctx, opts.get("test") or {"method": "none"}, required=["method"],
                   optional=["statistic", "strata"], where="options.test")
    if test["method"] not in ("cmh", "none"):
        raise SpecError(f"output {ctx.spec.id}: options.test.method {test['method']!r} is unknown",
                        file=ctx.spec.file, variable="options.test.method", expected="cmh")
    strata = test.get("strata")
    require_columns(ctx, data, [groups.var, by, var, *([strata] if strata else [])], opts["dataset"], "options")
    if not isinstance(opts["levels"], dict):
        raise SpecError(f"output {ctx.spec.id}: options.levels must map values to row labels", file=ctx.spec.file,
                        variable="options.levels", expected="{1: Marked improvement, ...}")
    levels = {str(k): str(v) for k, v in opts["levels"].items()}
    data = data.assign(_category=category_text(data[var]), _by=data[by].astype(str).str.strip())
    blocks = str_list(ctx, opts.get("by_levels"), "options.by_levels") or sorted(data["_by"].unique())
    p_format = PFormat(**checked(ctx, opts.get("p") or {}, optional=list(PFormat.__dataclass_fields__),
                                 where="options.p"))
    parts = []
    for block in blocks:
        d = data[data["_by"] == block]
        parts.append(summarize_categorical(d, "_category", groups, levels=list(levels), rule=ctx.rule,
                                           pct_decimals=int(opts.get("pct_decimals", 1)), by_var=by, by=block))
        if test["method"] == "cmh":
            inside = d[d[groups.var].astype(str).isin(groups.levels)]
            res = cmh_test(inside[groups.var].astype(str), pd.to_numeric(inside[var], errors="coerce"),
                           inside[strata] if strata else None, statistic=test.get("statistic", "row_mean_scores"))
            parts.append(ard_frame([{"analysis": "cmh", "group_var": groups.var, "by_var": by, "by": block,
                                     "variable": var, "statistic": stat, "value": res[stat],
                                     "formatted": p_format(res["p"], ctx.rule) if stat == "p" else ""}
                                    for stat in ("statistic", "df", "p")]))
    ard = concat_ard(parts, ctx.spec.id)
    ard.loc[ard["variable"] == "_category", "variable"] = var
    cells = Cells(ard)
    count = str(opts.get("count_pattern", "{n} ({pct}%)"))
    zero = str(opts.get("zero_pattern", "{n}"))
    has_p = test["method"] != "none"
    ncol = 2 + len(groups.columns) + has_p
    rows: list[Row] = []
    for block in blocks:
        keys = {"analysis": "frequency", "by": block, "variable": var}
        rows.append(Row([block, "n", *[cells.get("n", group=g, **keys) for g in groups.columns],
                         *([cells.get("p", analysis="cmh", by=block, variable=var)] if has_p else [])]))
        for value, label in levels.items():
            rows.append(Row(["", label, *[cells.fill(count, fallback=zero, group=g, category=value, **keys)
                                          for g in groups.columns], *([""] if has_p else [])]))
        rows.append(blank_row(ncol))
    rows.pop()
    heads = str_list(ctx, opts.get("headers"), "options.headers") or ["", ""]
    header = [[HeaderCell(heads[0]), HeaderCell(heads[1] if len(heads) > 1 else ""),
               *group_columns(groups, group_sizes(ctx, opts, groups), opts.get("labels")),
               *([HeaderCell(str(opts.get("p_header", "p-value")))] if has_p else [])]]
    cols = [Column(1.2), Column(2.2)] + [Column(1.2, "center") for _ in groups.columns] \
        + ([Column(1.0, "center")] if has_p else [])
    return ProgramResult(ard, Table(ctx.frame(), cols, header, rows))
