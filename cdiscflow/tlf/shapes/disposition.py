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
      header_pattern: "{label}\n(N={n})"            # the column headers (fields label, n)
      blank_between: true                          # a blank row between sections

A row may also have ``by: VAR`` (one indented sub-row per value of ``VAR`` among its subjects, e.g. reasons
for discontinuation), ``indent: 1``, ``total_only: true`` (only the total column printed) and its own
``pattern``. ``total_all: true`` counts every subject of the population in the total column, those outside
the levels too (screen failures); ``subject_flags`` adds Y/N flags to the population, ``Y`` for subjects
with a record of ``dataset`` meeting ``where`` (``{name: WK24FL, dataset: ADQSFRS, where: 'AVISITN == 24'}``).

Event overviews (e.g. the overall summary of adverse events) count among the records of ``dataset``
(population subjects only) instead of the population: ``n`` = subjects with at least one record meeting
the row's condition, ``events`` = those records (``pattern: "{events}"``); ``population_vars`` merges
population variables into the records and ``group_n_var`` names the population variable whose counts are
the columns' N (default the group variable)::

    options:
      dataset: ADAE
      population_vars: [DCSREAS]
      group: {var: TRTA, levels: [Placebo, Active]}
      group_n_var: TRT01A
      sections:
        - rows:
            - {label: TEAEs, where: 'TRTEMFL == "Y"', pattern: "{events}"}
            - {label: Participants with at least 1 TEAE, where: 'TRTEMFL == "Y"'}

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
from cdiscflow.tlf.ard import ard_frame, concat_ard
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.options import require_columns
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
ROW_FIELDS = frozenset({"n", "pct", "events"})


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
        "rows": Opt(list, required=True, items={
            **CONDITION, "test": Opt(str, choices=("fisher",)), "by": Opt(str), "indent": Opt(int, default=0),
            "total_only": Opt(bool, default=False), "pattern": Opt(str, fields=ROW_FIELDS)})}),
    "dataset": Opt(str),
    "population_vars": Opt(list, items=Opt(str), default=[]),
    "group_n_var": Opt(str),
    "total_all": Opt(bool, default=False),
    "subject_flags": Opt(list, default=[], items={"name": Opt(str, required=True),
                                                  "dataset": Opt(str, required=True),
                                                  "where": Opt(str, required=True)}),
    "pct_decimals": Opt(int, default=0),
    "count_pattern": Opt(str, default="{n} ({pct}%)", fields=COUNT_FIELDS),
    "zero_pattern": Opt(str, fields=COUNT_FIELDS),
    "p": Opt(dict, keys=P_FORMAT, default={}),
    "p_header": Opt(str),
    "header_pattern": Opt(str, default="{label}\n(N={n})", fields={"label", "n"}),
    "labels": Opt(dict, values=Opt(str), default={}),
    "stub_header": Opt(str, default=""),
    "blank_between": Opt(bool, default=True),
}


def _population(ctx: TlfContext, opts: dict) -> pd.DataFrame:
    """The population with the ``subject_flags`` added."""
    pop = ctx.population
    for flag in opts["subject_flags"]:
        records = ctx.dataset(flag["dataset"])
        done = records.loc[condition_mask(records, flag["where"]), "USUBJID"]
        pop = pop.assign(**{flag["name"]: np.where(pop["USUBJID"].isin(done), "Y", "N")})
    return pop


def count_subjects(df: pd.DataFrame, mask: np.ndarray, groups: Groups, total_all: bool = False,
                   subject: str = "USUBJID") -> tuple[pd.Series, pd.Series]:
    """Distinct subjects and records of ``df[mask]`` per column group (zeros kept); the total column counts
    the rows in the levels, or with ``total_all`` every row (e.g. screen failures outside the arms)."""
    hit = df[mask]
    inside = hit[hit[groups.var].astype(str).isin(groups.levels).to_numpy()]
    by = inside.groupby(inside[groups.var].astype(str))[subject]
    n, events = by.nunique().reindex(groups.columns, fill_value=0), by.size().reindex(groups.columns, fill_value=0)
    if groups.total:
        every = hit if total_all else inside
        n[groups.total], events[groups.total] = every[subject].nunique(), len(every)
    return n, events


def disposition_ard(ctx: TlfContext, opts: dict) -> tuple[pd.DataFrame, Groups, pd.Series]:
    """The ARD of a ``disposition`` table (validated ``opts``), its column groups and their N. A row's
    ``by`` sub-rows have ``variable`` = the ``by`` variable and ``category`` = ``"<row label>: <value>"``."""
    groups, pop = groups_of(opts), _population(ctx, opts)
    n_groups = Groups(opts["group_n_var"] or groups.var, groups.levels, groups.total)
    sizes = n_groups.sizes(pop)
    if opts["total_all"] and groups.total:
        sizes[groups.total] = pop["USUBJID"].nunique()
    records, name = pop, ctx.spec.population.dataset
    if opts["dataset"]:
        records, name = ctx.analysis_data(opts["dataset"]), opts["dataset"]
        records = ctx.with_population_vars(records, opts["population_vars"], "options.population_vars")
    p_format = PFormat(**{k: v for k, v in opts["p"].items() if v is not None}) if opts["p"] else PFormat()
    out = []
    for i, section in enumerate(opts["sections"], start=1):
        by = section["label"] or f"section {i}"
        for j, row in enumerate(section["rows"], start=1):
            require_columns(ctx, records, [row["by"]], name, f"options.sections[{i}].rows[{j}].by")
            mask = condition_mask(records, section["where"], row["where"])
            keys = {"analysis": "count", "group_var": groups.var, "by_var": "section", "by": by,
                    "variable": "condition", "category": row["label"]}
            subsets = [(keys, mask)]
            if row["by"]:
                values = records[row["by"]].astype(str)
                subsets += [({**keys, "variable": row["by"], "category": f"{row['label']}: {v}"},
                             mask & (values == v).to_numpy()) for v in sorted(values[mask].unique())]
            for k, m in subsets:
                n, events = count_subjects(records, m, groups, opts["total_all"])
                out += pct_rows(n, sizes, opts["pct_decimals"], ctx.rule, **k)
                if opts["dataset"]:
                    ev = events.to_numpy(dtype=float)
                    out += [{**k, "group": g, "statistic": "events", "value": v, "formatted": t}
                            for g, v, t in zip(events.index, ev, format_values(ev, 0), strict=True)]
            if row["test"] == "fisher":  # subjects with a record meeting the condition, or not
                met = pop["USUBJID"].isin(records.loc[mask, "USUBJID"]).to_numpy()
                out.append(fisher_row(pop, met, n_groups, p_format, ctx.rule, **{**keys, "analysis": "fisher"}))
    return ard_frame(out, ctx.spec.id), groups, sizes


@register("tlf", "disposition")
def disposition_program(ctx: TlfContext) -> ProgramResult:
    opts = ctx_options(ctx, DISPOSITION_SCHEMA)
    ard, groups, sizes = disposition_ard(ctx, opts)
    return ProgramResult(ard, _disposition_layout(ctx, opts, ard, groups, sizes))


def _count_cells(cells: Cells, opts: dict, row: dict, groups: Groups, keys: dict) -> list[str]:
    """A row's texts per column group: its ``pattern``, else ``count_pattern`` (``zero_pattern`` for 0)."""
    zero = opts["zero_pattern"] or opts["count_pattern"]
    out = []
    for g in groups.columns:
        if row["total_only"] and g != groups.total:
            out.append("")
            continue
        pattern = row["pattern"] or (zero if cells.get("n", group=g, **keys) == "0" else opts["count_pattern"])
        out.append(cells.fill(pattern, group=g, **keys))
    return out


def _disposition_layout(ctx: TlfContext, opts: dict, ard: pd.DataFrame, groups: Groups, sizes: pd.Series) -> Table:
    cells = Cells(ard)
    has_p = opts["p_header"] is not None
    ncol = 1 + len(groups.columns) + (1 if has_p else 0)
    rows: list[Row] = []
    for i, section in enumerate(opts["sections"], start=1):
        by = section["label"] or f"section {i}"
        if i > 1 and opts["blank_between"]:
            rows.append(blank_row(ncol))
        if section["label"]:
            rows.append(Row([section["label"]] + [""] * (ncol - 1)))
        for row in section["rows"]:
            keys = {"analysis": "count", "by": by, "variable": "condition", "category": row["label"]}
            indent = (1 if section["label"] else 0) + row["indent"]
            p = [cells.get("p", **{**keys, "analysis": "fisher"})] if has_p else []
            rows.append(Row([row["label"], *_count_cells(cells, opts, row, groups, keys), *p], indent=indent))
            if row["by"]:
                sub = ard[(ard["by"] == by) & (ard["variable"] == row["by"])
                          & ard["category"].str.startswith(f"{row['label']}: ")]
                for cat in dict.fromkeys(sub["category"]):
                    k = {**keys, "variable": row["by"], "category": cat}
                    rows.append(Row([cat[len(row["label"]) + 2:], *_count_cells(cells, opts, row, groups, k),
                                     *([""] if has_p else [])], indent=indent + 1))
    head = [HeaderCell(opts["stub_header"], align="left"),
            *group_columns(groups, sizes, opts["labels"], opts["header_pattern"])]
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
