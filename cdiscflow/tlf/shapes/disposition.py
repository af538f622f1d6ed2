"""Disposition and population tables: subjects meeting labelled conditions, by column group.

``disposition`` — sections of rows, each row a condition on the population dataset, printed as
``n (pct%)`` of the column's N (population summaries, completion status, reasons for discontinuation); a
row with ``test: fisher`` gets Fisher's exact p of "meets the condition or not" × the column groups
(total excluded)::

    options:
      group: {var: TRT01P, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose], total: Total}
      sections:
        - label: "Completion Status:"              # optional header row
          where: 'ITTFL == "Y"'                     # optional, ANDed with each row's condition
          rows:
            - {label: Completed Week 24, where: 'COMP24FL == "Y"', test: fisher}
            - {label: Missing, where: 'missing(COMP24FL)'}
      pct_decimals: 0
      count_pattern: "{n} ({pct}%)"                # fields n, pct
      zero_pattern: "{n} ({pct}%)"                 # for a zero count
      p: {decimals: 4, below: "<.0001"}
      p_header: "p-value[1]"                       # adds the p-value column

``subject_counts`` — subjects per row key (e.g. pooled site × site) and column group, one column per
labelled condition (e.g. ITT / Efficacy / Completers), with a total row::

    options: {group: {...}, rows: [[SITEGR1, "Pooled Id"], [SITEID, "Site Id"]],
              counts: [{label: ITT, where: 'ITTFL == "Y"'}, {label: Eff, where: 'EFFFL == "Y"'}],
              total_label: TOTAL}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cdiscflow.expr import evaluate
from cdiscflow.registry import register
from cdiscflow.tlf.analyses import Groups, PFormat
from cdiscflow.tlf.ard import concat_ard, ard_frame
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.rounding import format_values
from cdiscflow.tlf.shapes.exact import fisher_rxc
from cdiscflow.tlf.shapes.options import CONDITION, GROUP, Opt, ctx_options
from cdiscflow.tlf.shells import Cells, group_columns

if TYPE_CHECKING:
    from cdiscflow.tlf.engine import TlfContext

P_FORMAT: dict[str, Opt] = {"decimals": Opt(int, default=3), "below": Opt(str), "above": Opt(float),
                            "above_text": Opt(str), "flag_below": Opt(float), "flag": Opt(str, default="*")}
COUNT_FIELDS = frozenset({"n", "pct"})


def groups_of(opts: dict) -> Groups:
    """:class:`Groups` from validated ``group`` options."""
    g = opts["group"]
    return Groups(g["var"], tuple(g["levels"]), g["total"])


def condition_mask(df: pd.DataFrame, *conditions: str | None) -> np.ndarray:
    """Rows of ``df`` meeting every given condition (``None`` conditions are ignored)."""
    mask = np.ones(len(df), dtype=bool)
    for cond in conditions:
        if cond:
            mask &= evaluate(cond, df).to_numpy(dtype=bool)
    return mask


def count_subjects(df: pd.DataFrame, mask: np.ndarray, groups: Groups, subject: str = "USUBJID") -> pd.Series:
    """Distinct subjects of ``df[mask]`` per column group (total included), zeros kept."""
    d = groups.with_total(df[mask], [subject])
    return d.drop_duplicates([groups.var, subject]).groupby(groups.var).size().reindex(groups.columns,
                                                                                       fill_value=0)


def pct_rows(n: pd.Series, denominators: pd.Series, decimals: int, rule: str, **keys: str) -> list[dict]:
    """ARD records ``n`` and ``pct`` (of ``denominators``) per column group."""
    values = n.to_numpy(dtype=float)
    denom = denominators.reindex(n.index).to_numpy(dtype=float)
    pct = np.divide(100.0 * values, denom, out=np.full(len(values), np.nan), where=denom > 0)
    n_text = format_values(values, 0)
    pct_text = format_values(pct, decimals, rule)
    out = []
    for g, v, nt, p, pt in zip(n.index, values, n_text, pct, pct_text, strict=True):
        out.append({**keys, "group": g, "statistic": "n", "value": v, "formatted": nt})
        out.append({**keys, "group": g, "statistic": "pct", "value": p, "formatted": pt})
    return out


def fisher_row(df: pd.DataFrame, mask: np.ndarray, groups: Groups, p_format: PFormat, rule: str,
               **keys: str) -> dict:
    """Fisher's exact p of (meets ``mask`` or not) × column groups over ``df`` (one row per subject)."""
    grp = df[groups.var].astype(str)
    keep = grp.isin(groups.levels).to_numpy()
    table = pd.crosstab(pd.Categorical(mask[keep], categories=[True, False]),
                        pd.Categorical(grp[keep], categories=list(groups.levels)), dropna=False).to_numpy()
    p = fisher_rxc(table)
    return {**keys, "analysis": "fisher", "group": "", "statistic": "p", "value": p,
            "formatted": p_format(p, rule) if np.isfinite(p) else ""}


DISPOSITION_SCHEMA: dict = {
    "group": GROUP,
    "sections": Opt(list, required=True, items={
        "label": Opt(str), "where": Opt(str),
        "rows": Opt(list, required=True, items={**CONDITION, "test": Opt(str, choices=("fisher",))})}),
    "pct_decimals": Opt(int, default=0),
    "count_pattern": Opt(str, default="{n} ({pct}%)", fields=COUNT_FIELDS),
    "zero_pattern": Opt(str, fields=COUNT_FIELDS),
    "p": Opt(dict, keys=P_FORMAT, default={}),
    "p_header": Opt(str),
    "labels": Opt(dict, values=Opt(str), default={}),
    "stub_header": Opt(str, default=""),
}


@register("tlf", "disposition")
def disposition_program(ctx: TlfContext) -> ProgramResult:
    opts = ctx_options(ctx, DISPOSITION_SCHEMA)
    groups, pop = groups_of(opts), ctx.population
    sizes = groups.sizes(pop)
    p_format = PFormat(**{k: v for k, v in opts["p"].items() if v is not None}) if opts["p"] else PFormat()
    records = []
    for i, section in enumerate(opts["sections"], start=1):
        by = section["label"] or f"section {i}"
        for row in section["rows"]:
            mask = condition_mask(pop, section["where"], row["where"])
            keys = {"analysis": "count", "group_var": groups.var, "by_var": "section", "by": by,
                    "variable": "condition", "category": row["label"]}
            records += pct_rows(count_subjects(pop, mask, groups), sizes, opts["pct_decimals"], ctx.rule, **keys)
            if row["test"] == "fisher":
                records.append(fisher_row(pop, mask, groups, p_format, ctx.rule, **{**keys, "analysis": "fisher"}))
    ard = ard_frame(records, ctx.spec.id)
    return ProgramResult(ard, _disposition_layout(ctx, opts, ard, groups, sizes))


def _disposition_layout(ctx: TlfContext, opts: dict, ard: pd.DataFrame, groups: Groups, sizes: pd.Series) -> Table:
    cells = Cells(ard)
    has_p = opts["p_header"] is not None
    ncol = 1 + len(groups.columns) + (1 if has_p else 0)
    zero = opts["zero_pattern"] or opts["count_pattern"]
    rows: list[Row] = []
    for i, section in enumerate(opts["sections"], start=1):
        by = section["label"] or f"section {i}"
        if i > 1:
            rows.append(blank_row(ncol))
        if section["label"]:
            rows.append(Row([section["label"]] + [""] * (ncol - 1)))
        for row in section["rows"]:
            keys = {"analysis": "count", "by": by, "variable": "condition", "category": row["label"]}
            values = []
            for g in groups.columns:
                n = cells.get("n", group=g, **keys)
                values.append(cells.fill(zero if n == "0" else opts["count_pattern"], group=g, **keys))
            p = [cells.get("p", **{**keys, "analysis": "fisher"})] if has_p else []
            rows.append(Row([row["label"], *values, *p], indent=1 if section["label"] else 0))
    head = [HeaderCell(opts["stub_header"], align="left"), *group_columns(groups, sizes, opts["labels"])]
    cols = [Column(3.6)] + [Column(1.1, "center") for _ in groups.columns]
    if has_p:
        head.append(HeaderCell(opts["p_header"]))
        cols.append(Column(1.0, "center"))
    return Table(ctx.frame(), cols, [head], rows)


SUBJECT_COUNTS_SCHEMA: dict = {
    "group": GROUP,
    "rows": Opt(list, required=True, items=Opt(list, items=Opt(str))),
    "counts": Opt(list, required=True, items=CONDITION),
    "total_label": Opt(str, default="Total"),
    "labels": Opt(dict, values=Opt(str), default={}),
}


@register("tlf", "subject_counts")
def subject_counts_program(ctx: TlfContext) -> ProgramResult:
    opts = ctx_options(ctx, SUBJECT_COUNTS_SCHEMA)
    groups, pop = groups_of(opts), ctx.population
    keys = [r[0] for r in opts["rows"]]
    all_keys = pd.MultiIndex.from_frame(groups.with_total(pop, keys)[keys].astype(str).drop_duplicates()
                                        .sort_values(keys))
    total_key = (opts["total_label"], *[""] * (len(keys) - 1))
    parts = []
    for count in opts["counts"]:
        sub = groups.with_total(pop[condition_mask(pop, count["where"])], ["USUBJID", *keys]).astype(
            {k: str for k in keys})
        per_key = sub.groupby([*keys, groups.var]).size().unstack(groups.var, fill_value=0)
        per_key = per_key.reindex(index=all_keys, columns=groups.columns, fill_value=0)
        per_key = pd.concat([per_key, pd.DataFrame([per_key.sum(axis=0)],
                                                   index=pd.MultiIndex.from_tuples([total_key], names=keys))])
        long = per_key.stack().rename("value").reset_index()
        long["by"] = long[keys].agg("\x1f".join, axis=1)
        parts.append(long.assign(analysis="count", group_var=groups.var, group=long[groups.var],
                                 by_var="+".join(keys), variable="condition", category=count["label"],
                                 statistic="n", formatted=format_values(long["value"].to_numpy(float), 0)))
    ard = concat_ard([p.drop(columns=[*keys, groups.var]) for p in parts], ctx.spec.id)
    index = [*all_keys, total_key]
    cells = Cells(ard)
    rows = []
    for key in index:
        by = "\x1f".join(key)
        rows.append(Row([*key, *[cells.get("n", analysis="count", group=g, by=by, variable="condition",
                                             category=c["label"])
                                   for g in groups.columns for c in opts["counts"]]]))
    sizes = groups.sizes(pop)
    top = [HeaderCell("", span=len(keys))] + [HeaderCell(h.text, span=len(opts["counts"]))
                                              for h in group_columns(groups, sizes, opts["labels"])]
    sub = [HeaderCell(r[1]) for r in opts["rows"]] + [HeaderCell(c["label"]) for _ in groups.columns
                                                      for c in opts["counts"]]
    cols = [Column(1.0, "center") for _ in keys] + [Column(0.6, "right") for _ in sub[len(keys):]]
    return ProgramResult(ard, Table(ctx.frame(), cols, [top, sub], rows))
