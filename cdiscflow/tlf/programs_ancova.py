"""``program: ancova`` — descriptive sections plus an ANCOVA (LS means, pairwise differences, dose response).

One analysis visit per output (the ``where``); the catalog alone describes the table::

    options:
      dataset: ADQSADAS
      where: 'PARAMCD == "ACTOT" and AVISIT == "Week 24" and ANL01FL == "Y"'
      group: {var: TRTP, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose]}
      population_group_var: TRT01P      # header N from the population (default: group.var)
      aggregate: {by: USUBJID, mean: [AVAL, CHG]}   # optional: one record per subject, the mean of its
                                         # records (other variables: the first record's)
      sections:                          # descriptive blocks, in order
        - {label: Baseline, var: BASE}
        - {label: Week 24, var: AVAL}
        - {label: Baseline, var: AVAL, where: 'AVISITN == 0'}   # own records instead of options.where
      statistics: [[n, "{n}"], [Mean (SD), "{mean} ({sd})"], [Median (Range), "{median} ({min};{max})"]]
      decimals: {mean: 1, sd: 2, median: 1, min: 0, max: 0}
      response: CHG
      factors: [SITEGR1]
      covariates: [BASE]
      dose: TRTPN                        # optional: dose-response test (dose as continuous)
      reference: Placebo
      model_decimals: {estimate: 1, se: 2, ci: 1}
      p: {decimals: 3}
      rows: {dose: "p-value(Dose Response) [1][2]", vs_reference: "p-value(Xan - Placebo) [1][3]",
             pairwise: "p-value(Xan High - Xan Low) [1][3]"}
      labels: {Xanomeline Low Dose: "Xanomeline\\nLow Dose"}

LS means follow SAS ``PROC GLM`` ``LSMEANS`` (:func:`cdiscflow.tlf.stats.models.ancova`). The layout of the
model rows (:func:`model_rows`) is shared with the repeated-measures program.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cdiscflow.registry import register
from cdiscflow.tlf.analyses import Groups, PFormat, ancova_analysis, summarize_continuous
from cdiscflow.tlf.ard import concat_ard
from cdiscflow.tlf.engine import TlfContext
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.options import checked, pairs, require_columns, str_list
from cdiscflow.tlf.patterns import check_pattern
from cdiscflow.tlf.programs import groups_from
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.shells import Cells, group_columns
from cdiscflow.tlf.stats import Precision
from cdiscflow.tlf.stats.descriptive import STATISTICS

DEFAULT_STATISTICS = [("n", "{n}"), ("Mean (SD)", "{mean} ({sd})"), ("Median (Range)", "{median} ({min};{max})")]
DEFAULT_ROWS = {"dose": "p-value(Dose Response)", "vs_reference": "p-value(Treatment - Reference)",
                "pairwise": "p-value(pairwise)", "lsmeans": "LS Means (SE)", "diff": "Diff of LS Means (SE)",
                "ci": "95% CI"}
_KEYS = ["dataset", "where", "aggregate", "group", "population_group_var", "sections", "statistics", "decimals", "response",
         "factors", "covariates", "dose", "reference", "model_decimals", "p", "rows", "labels"]


def group_sizes(ctx: TlfContext, opts: dict[str, Any], groups: Groups) -> pd.Series:
    """Header N per column: subjects of the population by ``population_group_var`` (default the group var)."""
    return Groups(str(opts.get("population_group_var", groups.var)), groups.levels).sizes(ctx.population)


def subject_means(ctx: TlfContext, data: pd.DataFrame, raw: Any, dataset: str) -> pd.DataFrame:
    """One record per ``by`` group: the mean of the ``mean`` variables over its records, the first record's
    value of every other variable (e.g. a subject's mean score over the visits of a window)."""
    agg = checked(ctx, raw, required=["by", "mean"], where="options.aggregate")
    by, means = str_list(ctx, agg["by"], "options.aggregate.by"), str_list(ctx, agg["mean"], "options.aggregate.mean")
    require_columns(ctx, data, [*by, *means], dataset, "options.aggregate")
    numeric = data[means].apply(pd.to_numeric, errors="coerce")
    first = data.drop(columns=means).groupby(by, sort=True, as_index=False).first()
    return first.merge(numeric.groupby([data[b] for b in by]).mean().reset_index(), on=by, how="left")


def row_labels(ctx: TlfContext, raw: Any) -> dict[str, str]:
    return {**DEFAULT_ROWS, **checked(ctx, raw or {}, optional=DEFAULT_ROWS, where="options.rows")}


def descriptive_sections(ctx: TlfContext, opts: dict[str, Any], groups: Groups,
                         data: pd.DataFrame
                         ) -> tuple[list[pd.DataFrame], list[tuple[str, str, str]], list[tuple[str, str]]]:
    """ARD parts and (label, variable, by) of each descriptive section; a section's own ``where`` selects
    its records from the dataset instead of ``options.where`` (the ARD's ``by`` holds the section label)."""
    stats = pairs(ctx, opts.get("statistics", [list(p) for p in DEFAULT_STATISTICS]), "options.statistics")
    precision = Precision(fixed=dict(checked(ctx, opts.get("decimals") or {},
                                             optional=["n", "mean", "sd", "sem", "median", "q1", "q3", "min", "max"],
                                             where="options.decimals")))
    names = sorted({name for _, pattern in stats
                    for name in check_pattern(pattern, file=ctx.spec.file, where=f"output {ctx.spec.id} options.statistics",
                                             allowed=set(STATISTICS))})
    parts, sections = [], []
    for i, raw in enumerate(opts.get("sections") or [], start=1):
        sec = checked(ctx, raw, required=["label", "var"], optional=["where"], where=f"options.sections[{i}]")
        records = (ctx.analysis_data(opts["dataset"], sec["where"]) if sec.get("where") else data)
        require_columns(ctx, records, [sec["var"]], opts["dataset"], f"options.sections[{i}].var")
        parts.append(summarize_continuous(records, sec["var"], groups, rule=ctx.rule, precision=precision,
                                          statistics=names, by_var="section", by=str(sec["label"])))
        sections.append((str(sec["label"]), str(sec["var"]), str(sec["label"])))
    return parts, sections, stats


def section_rows(cells: Cells, groups: Groups, sections: list[tuple[str, str, str]],
                 stats: list[tuple[str, str]]) -> list[Row]:
    rows: list[Row] = []
    for label, var, by in sections:
        rows.append(Row([label] + [""] * len(groups.columns)))
        for stat_label, pattern in stats:
            rows.append(Row([stat_label, *[cells.fill(pattern, analysis="summary", group=g, by=by, variable=var)
                                           for g in groups.columns]], indent=1))
    return rows


def model_rows(cells: Cells, groups: Groups, response: str, reference: str, labels: dict[str, str], *,
               dose: bool, lsmeans: bool) -> list[Row]:
    """LS means (optional), dose-response p (optional), then each active group against ``reference`` and
    each pair of active groups: p-value, difference (SE) and CI rows, separated by blank rows."""
    cols = groups.columns
    ncol = len(cols) + 1
    rows: list[Row] = []
    if lsmeans:
        rows.append(Row([labels["lsmeans"], *[cells.fill("{estimate} ({se})", analysis="lsmean", group=g,
                                                         variable=response) for g in cols]]))
        rows.append(blank_row(ncol))
    if dose:
        rows.append(Row([labels["dose"], *[""] * (len(cols) - 1),
                         cells.get("p", analysis="dose_response", variable=response)]))
        rows.append(blank_row(ncol))
    actives = [g for g in cols if g != reference]

    def comparison(title: str, against: str, shown: list[str]) -> None:
        def at(pattern: str) -> list[str]:
            return [cells.fill(pattern, analysis="lsmean_diff", group=f"{g} - {against}", variable=response)
                    if g in shown else "" for g in cols]

        rows.append(Row([title, *at("{p}")]))
        rows.append(Row([labels["diff"], *at("{estimate} ({se})")], indent=1))
        rows.append(Row([labels["ci"], *at("({lower};{upper})")], indent=1))
        rows.append(blank_row(ncol))

    comparison(labels["vs_reference"], reference, actives)
    for i, low in enumerate(actives):
        for high in actives[i + 1:]:
            comparison(labels["pairwise"], low, [high])
    rows.pop()
    return rows


def model_table(ctx: TlfContext, groups: Groups, sizes: pd.Series, rows: list[Row]) -> Table:
    header = [[HeaderCell(""), *group_columns(groups, sizes, ctx.options.get("labels"))]]
    return Table(ctx.frame(), [Column(3.0)] + [Column(1.4, "center") for _ in groups.columns], header, rows)


@register("tlf", "ancova")
def ancova_program(ctx: TlfContext) -> ProgramResult:
    opts = checked(ctx, ctx.options, required=["dataset", "group", "response", "reference"], optional=_KEYS)
    groups = groups_from(opts, ctx.spec.file)
    data = ctx.analysis_data(opts["dataset"], opts.get("where"))
    if opts.get("aggregate"):
        data = subject_means(ctx, data, opts["aggregate"], opts["dataset"])
    factors = str_list(ctx, opts.get("factors"), "options.factors")
    covariates = str_list(ctx, opts.get("covariates"), "options.covariates")
    dose = opts.get("dose")
    require_columns(ctx, data, [groups.var, opts["response"], *factors, *covariates, *([dose] if dose else [])],
                    opts["dataset"], "options")
    parts, sections, stats = descriptive_sections(ctx, opts, groups, data)
    decimals = checked(ctx, opts.get("model_decimals") or {}, optional=["estimate", "se", "ci"],
                       where="options.model_decimals")
    p_format = PFormat(**checked(ctx, opts.get("p") or {}, optional=list(PFormat.__dataclass_fields__),
                                 where="options.p"))
    parts.append(ancova_analysis(data, opts["response"], groups, factors=factors, covariates=covariates,
                                 reference=opts["reference"], dose=dose, rule=ctx.rule, decimals=decimals,
                                 p_format=p_format))
    ard = concat_ard(parts, ctx.spec.id)
    cells = Cells(ard)
    rows = section_rows(cells, groups, sections, stats)
    if rows:
        rows.append(blank_row(len(groups.columns) + 1))
    rows += model_rows(cells, groups, opts["response"], opts["reference"], row_labels(ctx, opts.get("rows")),
                       dose=bool(dose), lsmeans=False)
    return ProgramResult(ard, model_table(ctx, groups, group_sizes(ctx, opts, groups), rows))
