"""Generic efficacy figures: ``mean_plot`` (mean ± SE over visits per treatment), ``box_plot`` (box plots over
visits per treatment) and ``forest_plot`` (a treatment difference by subgroup)::

    # mean_plot / box_plot
    options:
      dataset: ADQSADAS
      where: 'PARAMCD == "ACTOT" and ANL01FL == "Y" and DTYPE == ""'
      group: {var: TRTP, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose]}
      x: AVISIT                          # visit variable
      x_levels: [Baseline, Week 8, Week 16, Week 24]   # order (default: by x_order, else sorted)
      x_order: AVISITN                   # numeric variable giving the visit order
      y: CHG
      y_label: Change from baseline
      x_label: Visit

    # forest_plot: per subgroup level, an ANCOVA difference (group − reference) with its CI
    options:
      dataset: ADQSADAS
      where: 'PARAMCD == "ACTOT" and AVISIT == "Week 24" and ANL01FL == "Y"'
      group: {var: TRTP, levels: [Placebo, Xanomeline High Dose]}
      reference: Placebo
      response: CHG
      factors: []
      covariates: [BASE]
      subgroups: [{var: SEX, label: Sex}, {var: AGEGR1, label: Age group}]
      x_label: Difference in LS means (95% CI)

Every plotted number is in the ARD (``summary`` rows per visit for the plots; ``lsmean_diff`` rows with
``by_var``/``by`` = subgroup variable/level for the forest plot).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.registry import register
from cdiscflow.tlf.analyses import Groups, summarize_continuous
from cdiscflow.tlf.ard import ard_frame, concat_ard
from cdiscflow.tlf.engine import TlfContext
from cdiscflow.tlf.figures import figure_output, new_figure
from cdiscflow.tlf.options import checked, require_columns, str_list
from cdiscflow.tlf.programs import groups_from
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.stats.models import ancova

_VISIT_KEYS = ["dataset", "where", "group", "x", "x_levels", "x_order", "y", "y_label", "x_label", "labels"]
_FOREST_KEYS = ["dataset", "where", "group", "reference", "response", "factors", "covariates", "subgroups",
                "x_label", "alpha"]


def _visit_data(ctx: TlfContext) -> tuple[dict[str, Any], Groups, pd.DataFrame, list[str]]:
    opts = checked(ctx, ctx.options, required=["dataset", "group", "x", "y"], optional=_VISIT_KEYS)
    groups = groups_from(opts, ctx.spec.file)
    data = ctx.analysis_data(opts["dataset"], opts.get("where"))
    x, order = str(opts["x"]), opts.get("x_order")
    require_columns(ctx, data, [groups.var, x, str(opts["y"]), *([order] if order else [])], opts["dataset"],
                    "options")
    data = data.assign(**{x: data[x].astype(str).str.strip()})
    levels = str_list(ctx, opts.get("x_levels"), "options.x_levels")
    if not levels:
        if order:
            levels = list(pd.to_numeric(data[order], errors="coerce").groupby(data[x]).min().sort_values().index)
        else:
            levels = sorted(data[x].unique())
    return opts, groups, data[data[x].isin(levels)], levels


def _visit_ard(ctx: TlfContext, opts: dict[str, Any], groups: Groups, data: pd.DataFrame,
               levels: list[str]) -> pd.DataFrame:
    x, y = str(opts["x"]), str(opts["y"])
    return concat_ard([summarize_continuous(data[data[x] == v], y, groups, rule=ctx.rule, by_var=x, by=v)
                       for v in levels], ctx.spec.id)


def _stat(ard: pd.DataFrame, stat: str, group: str, levels: list[str]) -> np.ndarray:
    rows = ard[(ard["statistic"] == stat) & (ard["group"] == group)].set_index("by")["value"]
    return rows.reindex(levels).to_numpy(dtype=float)


@register("tlf", "mean_plot")
def mean_plot(ctx: TlfContext) -> ProgramResult:
    opts, groups, data, levels = _visit_data(ctx)
    ard = _visit_ard(ctx, opts, groups, data, levels)
    fig, ax = new_figure(9.0, 5.0)
    pos = np.arange(len(levels), dtype=float)
    offsets = np.linspace(-0.08, 0.08, len(groups.levels))
    labels = opts.get("labels") or {}
    for off, g in zip(offsets, groups.levels, strict=True):
        ax.errorbar(pos + off, _stat(ard, "mean", g, levels), yerr=_stat(ard, "sem", g, levels), marker="o",
                    capsize=3, label=str(labels.get(g, g)))
    ax.set_xticks(pos, levels)
    ax.set_xlabel(str(opts.get("x_label", opts["x"])))
    ax.set_ylabel(str(opts.get("y_label", f"Mean (SE) of {opts['y']}")))
    ax.legend()
    fig.tight_layout()
    return ProgramResult(ard, figure_output(ctx.frame(), fig, alt=f"Mean (SE) of {opts['y']} by visit and group"))


@register("tlf", "box_plot")
def box_plot(ctx: TlfContext) -> ProgramResult:
    opts, groups, data, levels = _visit_data(ctx)
    ard = _visit_ard(ctx, opts, groups, data, levels)
    x, y = str(opts["x"]), str(opts["y"])
    fig, ax = new_figure(9.0, 5.0)
    k = len(groups.levels)
    width = 0.8 / k
    labels = opts.get("labels") or {}
    for i, g in enumerate(groups.levels):
        series = [pd.to_numeric(data.loc[(data[x] == v) & (data[groups.var].astype(str) == g), y],
                                errors="coerce").dropna().to_numpy() for v in levels]
        pos = np.arange(len(levels)) - 0.4 + width * (i + 0.5)
        box = ax.boxplot(series, positions=pos, widths=width * 0.9, patch_artist=True, showmeans=True,
                         manage_ticks=False, whis=1.5)
        colour = f"C{i}"
        for patch in box["boxes"]:
            patch.set_facecolor(colour)
            patch.set_alpha(0.5)
        box["boxes"][0].set_label(str(labels.get(g, g)))
    ax.set_xticks(np.arange(len(levels)), levels)
    ax.set_xlabel(str(opts.get("x_label", x)))
    ax.set_ylabel(str(opts.get("y_label", y)))
    ax.legend()
    fig.tight_layout()
    return ProgramResult(ard, figure_output(ctx.frame(), fig, alt=f"Box plots of {y} by visit and group"))


@register("tlf", "forest_plot")
def forest_plot(ctx: TlfContext) -> ProgramResult:
    opts = checked(ctx, ctx.options, required=["dataset", "group", "reference", "response", "subgroups"],
                   optional=_FOREST_KEYS)
    groups = groups_from(opts, ctx.spec.file)
    data = ctx.analysis_data(opts["dataset"], opts.get("where"))
    factors = str_list(ctx, opts.get("factors"), "options.factors")
    covariates = str_list(ctx, opts.get("covariates"), "options.covariates")
    subgroups = [checked(ctx, s, required=["var"], optional=["label"], where=f"options.subgroups[{i}]")
                 for i, s in enumerate(opts["subgroups"], start=1)]
    require_columns(ctx, data, [groups.var, opts["response"], *factors, *covariates,
                                *(s["var"] for s in subgroups)], opts["dataset"], "options")
    ref = str(opts["reference"])
    alpha = float(opts.get("alpha", 0.05))
    rows: list[dict[str, Any]] = []
    plotted: list[tuple[str, str, float, float, float]] = []

    def fit(label: str, var: str, level: str, d: pd.DataFrame) -> None:
        res = ancova(d, opts["response"], groups.var, levels=list(groups.levels), factors=factors,
                     covariates=covariates, reference=ref, alpha=alpha)
        for r in res.diffs[res.diffs["reference"] == ref].itertuples():
            for stat in ("estimate", "se", "lower", "upper", "p"):
                rows.append({"analysis": "lsmean_diff", "group_var": groups.var, "group": f"{r.group} - {ref}",
                             "by_var": var, "by": level, "variable": opts["response"], "statistic": stat,
                             "value": getattr(r, stat), "formatted": f"{getattr(r, stat):.2f}"})
            plotted.append((label, f"{r.group} - {ref}", r.estimate, r.lower, r.upper))

    fit("All subjects", "", "", data)
    for s in subgroups:
        for level in sorted(data[s["var"]].dropna().astype(str).unique()):
            fit(f"{s.get('label', s['var'])}: {level}", str(s["var"]), level,
                data[data[s["var"]].astype(str) == level])
    ard = ard_frame(rows, ctx.spec.id)
    fig, ax = new_figure(9.0, 0.6 + 0.35 * len(plotted))
    ypos = np.arange(len(plotted))[::-1]
    for yv, (_, _comp, est, lo, hi) in zip(ypos, plotted, strict=True):
        ax.errorbar([est], [yv], xerr=[[est - lo], [hi - est]], fmt="s", capsize=3, color="black")
    ax.axvline(0.0, color="grey", linestyle="--")
    ax.set_yticks(ypos, [f"{lab}  ({comp})" if len(groups.levels) > 2 else lab for lab, comp, *_ in plotted])
    ax.set_xlabel(str(opts.get("x_label", "Difference (95% CI)")))
    fig.tight_layout()
    return ProgramResult(ard, figure_output(ctx.frame(), fig, alt=f"Forest plot of {opts['response']} by subgroup"))
