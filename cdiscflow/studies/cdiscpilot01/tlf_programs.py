"""CDISC pilot TLF programs: what the generic programs cannot say for the pilot's displays.

``pilot_demographics`` (14-2.01) adds the pilot's "Race (Origin)" grouping, defined in the catalog as
ordered conditions on RACE/ETHNIC (first match wins), then runs the generic summary.
``pilot_ancova`` (14-3.01) lays out the primary endpoint analysis: descriptive rows per visit section,
the dose-response p-value, and pairwise LS-mean differences (SE), 95% CIs and p-values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.expr import evaluate
from cdiscflow.registry import register
from cdiscflow.tlf.analyses import Groups, PFormat, ancova_analysis, summarize_continuous
from cdiscflow.tlf.ard import concat_ard
from cdiscflow.tlf.engine import TlfContext
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.programs import groups_from, summary_result
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.shells import Cells, group_columns
from cdiscflow.tlf.stats import Precision


def derive_racegr(adsl: pd.DataFrame, rules: list[dict[str, str]]) -> pd.Series:
    """Display race group: the label of the first rule whose ``where`` holds ("" if none)."""
    conditions = [evaluate(r["where"], adsl).to_numpy() for r in rules]
    return pd.Series(np.select(conditions, [r["label"] for r in rules], default=""), index=adsl.index)


@register("tlf", "pilot_demographics")
def pilot_demographics(ctx: TlfContext) -> ProgramResult:
    rules = ctx.options.get("race_groups")
    if not rules:
        raise SpecError(f"output {ctx.spec.id}: options.race_groups is missing", file=ctx.spec.file)
    adsl = ctx.population.assign(RACEGR=lambda d: derive_racegr(d, rules))
    return summary_result(ctx, adsl)


@register("tlf", "pilot_ancova")
def pilot_ancova(ctx: TlfContext) -> ProgramResult:
    opts = ctx.options
    groups = groups_from(opts, ctx.spec.file)
    data = ctx.analysis_data(opts["dataset"], opts.get("where"))
    precision = Precision(fixed=dict(opts.get("decimals") or {}))
    sections = [(str(label), str(var)) for label, var in opts["sections"]]
    parts = [summarize_continuous(data, var, groups, rule=ctx.rule, precision=precision,
                                  statistics=("n", "mean", "sd", "median", "min", "max")) for _, var in sections]
    p_format = PFormat(**(opts.get("p") or {}))
    parts.append(ancova_analysis(data, opts["response"], groups, factors=opts.get("factors", []),
                                 covariates=opts.get("covariates", []), reference=opts.get("reference"),
                                 dose=opts.get("dose"), rule=ctx.rule, p_format=p_format))
    ard = concat_ard(parts, ctx.spec.id)
    sizes = Groups(opts.get("population_group_var", groups.var), groups.levels).sizes(ctx.population)
    return ProgramResult(ard, _ancova_layout(ctx, ard, groups, sizes, sections, opts["response"], opts["reference"]))


def _ancova_layout(ctx: TlfContext, ard: pd.DataFrame, groups: Groups, sizes: pd.Series,
                   sections: list[tuple[str, str]], response: str, reference: str) -> Table:
    cells = Cells(ard)
    cols = groups.columns
    rows: list[Row] = []
    for label, var in sections:
        rows.append(Row([label] + [""] * len(cols)))
        for stat, pattern in (("n", "{n}"), ("Mean (SD)", "{mean} ({sd})"), ("Median (Range)", "{median} ({min};{max})")):
            rows.append(Row([stat, *[cells.fill(pattern, analysis="summary", group=g, variable=var) for g in cols]],
                            indent=1))
    rows.append(blank_row(len(cols) + 1))
    dose_p = cells.get("p", analysis="dose_response", variable=response)
    rows.append(Row(["p-value(Dose Response) [1][2]", *[""] * (len(cols) - 1), dose_p]))
    rows.append(blank_row(len(cols) + 1))
    actives = [g for g in cols if g != reference]

    def comparison(title: str, against: str, shown: list[str]) -> None:
        def at(pattern: str) -> list[str]:
            return [cells.fill(pattern, analysis="lsmean_diff", group=f"{g} - {against}", variable=response)
                    if g in shown else "" for g in cols]

        rows.append(Row([title, *at("{p}")]))
        rows.append(Row(["Diff of LS Means (SE)", *at("{estimate} ({se})")], indent=1))
        rows.append(Row(["95% CI", *at("({lower};{upper})")], indent=1))
        rows.append(blank_row(len(cols) + 1))

    comparison("p-value(Xan - Placebo) [1][3]", reference, actives)
    for i, low in enumerate(actives):
        for high in actives[i + 1:]:
            comparison("p-value(Xan High - Xan Low) [1][3]", low, [high])
    rows.pop()
    header = [[HeaderCell(""), *group_columns(groups, sizes, ctx.options.get("labels"))]]
    return Table(ctx.frame(), [Column(3.0)] + [Column(1.4, "center") for _ in cols], header, rows)
