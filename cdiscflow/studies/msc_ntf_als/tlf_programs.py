"""MSC-NTF ALS TLF programs: the paper's outputs that no generic program draws — Figure 1B (CONSORT, from the
generic ``disposition`` counts), the ALSFRS-R/SVC slope ANCOVAs by visit and subgroup and the responder
analyses (Tables 5-7, Figure 2), the paired CSF biomarker analyses (Table 8, Figure 3) and the correlations
(Table 9, Figure 4). Tables 1-4 and 10 and the listings use the generic programs (``summary``,
``disposition``, ``incidence``, ``listing``); see the README's TLF section.

Every program reads the ADaM datasets named in ``tlf/catalog.yaml`` and puts each number into the ARD
before it is laid out or drawn; conditions come from the catalog as safe expressions (:mod:`cdiscflow.expr`).

ARD conventions of this module (beyond :mod:`cdiscflow.tlf.ard`):

* slope LS means (``lsmean``/``lsmean_diff``): ``category`` = subgroup label, ``by_var``/``by`` =
  ``AVISIT``/visit; ``n`` per arm in ``lsmean`` rows;
* responders (``responder``: ``n``, ``denom``, ``pct``; ``responder_diff``: ``estimate``, ``lower``,
  ``upper`` in percentage points; ``fisher``: ``p``): ``variable`` = the criterion flag (``CRIT3FL``),
  ``category`` = subgroup, ``by`` = visit;
* CSF (``csf_baseline``/``csf_post``/``csf_change`` summaries, ``paired_t``, ``two_sample_t``): ``by`` =
  ``PARAMCD``;
* correlations (``correlation``: ``r``, ``p``, ``n``; ``point``: ``x``, ``y`` per subject in ``by``):
  ``variable`` = the pair id.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError, TlfError
from cdiscflow.expr import evaluate
from cdiscflow.registry import register
from cdiscflow.tlf.analyses import Groups, PFormat, ancova_analysis, summarize_continuous
from cdiscflow.tlf.ard import ard_frame, concat_ard
from cdiscflow.tlf.engine import TlfContext
from cdiscflow.tlf.figures import STYLE, figure_output, new_figure
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table
from cdiscflow.tlf.programs import groups_from
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.rounding import Rule, format_values
from cdiscflow.tlf.shapes.disposition import DISPOSITION_SCHEMA, disposition_ard
from cdiscflow.tlf.shapes.options import Opt, ctx_options
from cdiscflow.tlf.shells import Cells
from cdiscflow.tlf.stats import (
    Precision,
    correlation,
    diff_proportions_ci,
    fisher_exact,
    ttest_paired,
    ttest_two_sample,
)


# -- shared helpers --------------------------------------------------------------------------------------
def _where(df: pd.DataFrame, where: str | None) -> pd.DataFrame:
    return df[evaluate(where, df).to_numpy()].reset_index(drop=True) if where else df


def _sizes(ctx: TlfContext, groups: Groups) -> pd.Series:
    """Column N from the population (``population_group_var`` when the analysis uses another variable)."""
    var = ctx.options.get("population_group_var", groups.var)
    return Groups(var, groups.levels, groups.total).sizes(ctx.population)


def _pct_text(n: np.ndarray, denom: np.ndarray, decimals: int, rule: Rule) -> tuple[np.ndarray, list[str]]:
    """Percentages of ``n`` in ``denom`` and their texts; a zero count prints ``0`` (no percentage)."""
    pct = np.where(denom > 0, 100.0 * n / np.where(denom > 0, denom, 1), np.nan)
    text = format_values(pct, decimals, rule)
    return pct, ["0" if k == 0 else t for k, t in zip(n, text, strict=True)]


def _subgroups(opts: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    raw = opts.get("subgroups") or [{"label": "All participants"}]
    return [(str(s["label"]), s.get("where")) for s in raw]


def _visits(data: pd.DataFrame) -> list[tuple[float, str]]:
    v = data[["AVISITN", "AVISIT"]].drop_duplicates().sort_values("AVISITN")
    return list(v.itertuples(index=False, name=None))


def house_style(program: Callable[[TlfContext], ProgramResult]) -> Callable[[TlfContext], ProgramResult]:
    """Draw the whole figure in the house style (fonts of the tables): text created outside
    :func:`~cdiscflow.tlf.figures.new_figure` would otherwise take matplotlib's defaults."""

    @functools.wraps(program)
    def wrapped(ctx: TlfContext) -> ProgramResult:
        with matplotlib.rc_context(STYLE):
            return program(ctx)

    return wrapped


# -- CONSORT (Figure 1B) ------------------------------------------------------------------------------
CONSORT_KEYS = ("screened", "screen_failure", "runin_discontinued", "randomized", "treated", "completed",
                "discontinued", "telephone")
CONSORT_SCHEMA: dict = {**DISPOSITION_SCHEMA,
                        "boxes": Opt(dict, required=True, keys={k: Opt(str, required=True) for k in CONSORT_KEYS})}


@register("tlf", "als_consort")
@house_style
def als_consort(ctx: TlfContext) -> ProgramResult:
    """CONSORT flow (Figure 1B) drawn from the counts of the generic ``disposition`` table (same options);
    ``boxes`` names the disposition row that fills each box of :data:`CONSORT_KEYS`."""
    opts = ctx_options(ctx, CONSORT_SCHEMA)
    ard, groups, _ = disposition_ard(ctx, opts)
    counts = ard[(ard["variable"] == "condition") & (ard["statistic"] == "n")]
    counts = dict(zip(zip(counts["category"], counts["group"], strict=True), counts["formatted"], strict=True))
    missing = [row for row in opts["boxes"].values() if (row, groups.columns[-1]) not in counts]
    if missing:
        raise SpecError(f"output {ctx.spec.id}: options.boxes names rows the table does not have: "
                        f"{', '.join(missing)}", file=ctx.spec.file, variable="options.boxes")

    def n(key: str, g: str | None = None) -> str:
        return counts[(opts["boxes"][key], g or groups.columns[-1])]

    labels = opts["labels"]
    fig, ax = new_figure(9.0, 4.6)
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    box = {"boxstyle": "square,pad=0.4", "fc": "white", "ec": "black", "lw": 0.8}

    def put(x: float, y: float, text: str) -> None:
        ax.text(x, y, text, ha="center", va="center", bbox=box, fontsize=8)

    def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={"arrowstyle": "->", "lw": 0.8})

    put(5, 9.4, f"Screened (n = {n('screened')})")
    put(8.3, 8.2, f"Screen failures (n = {n('screen_failure')})\n"
                  f"Discontinued during run-in (n = {n('runin_discontinued')})")
    arrow(5, 9.05, 5, 7.25)
    arrow(5, 8.2, 6.6, 8.2)
    put(5, 6.9, f"Randomized (n = {n('randomized')})")
    for x, g in ((2.5, groups.levels[0]), (7.5, groups.levels[1])):
        arrow(5, 6.55, x, 5.55)
        put(x, 5.1, f"{labels.get(g, g)}\nAllocated (n = {n('randomized', g)})")
        arrow(x, 4.6, x, 3.55)
        put(x, 3.0, f"Discontinued in-person follow-up (n = {n('discontinued', g)})\n"
                    f"Completed by telephone follow-up (n = {n('telephone', g)})")
        arrow(x, 2.45, x, 1.45)
        put(x, 1.0, f"Completed follow-up (n = {n('completed', g)})\n"
                    f"Analysed for safety (n = {n('treated', g)})")
    return ProgramResult(ard, figure_output(ctx.frame(), fig, alt="CONSORT flow diagram from the disposition data"))


# -- ALSFRS-R / SVC slopes: LS means and responders -------------------------------------------------------
def slope_data(ctx: TlfContext) -> pd.DataFrame:
    opts = ctx.options
    return ctx.analysis_data(opts.get("dataset", "ADQSFRS"), opts.get("where"))


def slope_ard(data: pd.DataFrame, groups: Groups, subgroups: Sequence[tuple[str, str | None]],
              opts: Mapping[str, Any], rule: Rule) -> pd.DataFrame:
    """ANCOVA of the slope change (``response``, default CHG) at each visit within each subgroup: LS means
    per arm with n, the difference against ``reference`` with its 95% CI and p."""
    response = str(opts.get("response", "CHG"))
    covariates = list(opts.get("covariates", []))
    factors = list(opts.get("factors", []))
    p_format = PFormat(**(opts.get("p") or {"decimals": 3}))
    parts = []
    for label, where in subgroups:
        sub = _where(data, where)
        for _, visit in _visits(sub):
            d = sub[sub["AVISIT"] == visit]
            n = d.dropna(subset=[response, *covariates]).groupby(groups.var).size()
            n = n.reindex(list(groups.levels), fill_value=0).to_numpy(dtype=float)
            if n.min() < 2:
                continue  # e.g. a telephone week with only carried-forward slopes: no model
            res = ancova_analysis(d, response, groups, factors=factors, covariates=covariates,
                                  reference=opts.get("reference"), rule=rule, p_format=p_format,
                                  decimals=opts.get("decimals") or {"estimate": 2, "se": 2, "ci": 2})
            counts = pd.DataFrame({"analysis": "lsmean", "group_var": groups.var, "group": list(groups.levels),
                                   "variable": response, "statistic": "n", "value": n,
                                   "formatted": format_values(n, 0)})
            parts.append(pd.concat([res, counts], ignore_index=True).assign(category=label, by_var="AVISIT",
                                                                             by=visit))
    return concat_ard(parts)


def responder_ard(data: pd.DataFrame, groups: Groups, subgroups: Sequence[tuple[str, str | None]],
                  criteria: Sequence[str], reference: str, rule: Rule, pct_decimals: int = 1,
                  alpha: float = 0.05) -> pd.DataFrame:
    """Responders (``<CRIT>FL == "Y"`` among records where ``<CRIT>`` is populated) per arm, visit and
    subgroup; the difference of proportions (active − reference, percentage points) with its Wald 95% CI
    truncated to [−100, 100], and the two-sided Fisher exact p."""
    active = [g for g in groups.levels if g != reference]
    if len(active) != 1:
        raise TlfError("responder analysis compares one active group with the reference",
                       expected=f"two groups, one of them {reference}")
    parts = []
    for label, where in subgroups:
        sub = _where(data, where)
        for crit in criteria:
            flag = f"{crit}FL"
            ev = sub[sub[crit].astype(str).str.strip() != ""]
            counts = (ev.assign(_r=(ev[flag] == "Y").astype(float))
                      .groupby(["AVISITN", "AVISIT", groups.var])["_r"].agg(["sum", "count"])
                      .unstack(groups.var, fill_value=0.0).sort_index())
            for (_, visit), row in counts.iterrows():  # one row per visit (a handful), not per record
                x = np.array([row[("sum", g)] if ("sum", g) in row.index else 0.0 for g in groups.levels])
                nn = np.array([row[("count", g)] if ("count", g) in row.index else 0.0 for g in groups.levels])
                pct, pct_txt = _pct_text(x, nn, pct_decimals, rule)
                base = {"variable": flag, "category": label, "by_var": "AVISIT", "by": visit,
                        "group_var": groups.var}
                for i, g in enumerate(groups.levels):
                    parts += [{**base, "analysis": "responder", "group": g, "statistic": s, "value": v,
                               "formatted": t} for s, v, t in (("n", x[i], format_values(x[i], 0)[0]),
                                                               ("denom", nn[i], format_values(nn[i], 0)[0]),
                                                               ("pct", pct[i], pct_txt[i]))]
                ia, ir = groups.levels.index(active[0]), groups.levels.index(reference)
                if nn[ia] > 0 and nn[ir] > 0:
                    ci = diff_proportions_ci(int(x[ia]), int(nn[ia]), int(x[ir]), int(nn[ir]), alpha=alpha)
                    est = [100 * ci["estimate"], 100 * max(ci["lower"], -1.0), 100 * min(ci["upper"], 1.0)]
                    p = fisher_exact([[x[ia], nn[ia] - x[ia]], [x[ir], nn[ir] - x[ir]]])["p"]
                    diff = f"{active[0]} - {reference}"
                    parts += [{**base, "analysis": "responder_diff", "group": diff, "statistic": s, "value": v,
                               "formatted": format_values(v, pct_decimals, rule)[0]}
                              for s, v in zip(("estimate", "lower", "upper"), est, strict=True)]
                    parts.append({**base, "analysis": "fisher", "group": diff, "statistic": "p", "value": p,
                                  "formatted": PFormat(decimals=3)(p, rule)})
    return ard_frame(parts)


def _criteria(data: pd.DataFrame, opts: Mapping[str, Any]) -> list[str]:
    crits = opts.get("criteria") or sorted({c[:-2] for c in data.columns if c.startswith("CRIT") and c.endswith("FL")},
                                           key=lambda c: int(c[4:]))
    missing = [c for c in crits if c not in data.columns or f"{c}FL" not in data.columns]
    if missing:
        raise TlfError(f"criterion variable(s) not in the data: {', '.join(missing)}", variable=missing[0])
    return list(crits)


def _criterion_label(data: pd.DataFrame, crit: str) -> str:
    labels = data[crit].astype(str).str.strip()
    labels = labels[labels != ""].unique()
    return str(labels[0]) if len(labels) else crit


@register("tlf", "als_slope_table")
def als_slope_table(ctx: TlfContext) -> ProgramResult:
    """LS means of the slope change by visit and subgroup (ANCOVA from the catalog's ``covariates``)."""
    opts = ctx.options
    groups = groups_from(opts, ctx.spec.file)
    data = slope_data(ctx)
    ard = concat_ard([slope_ard(data, groups, _subgroups(opts), opts, ctx.rule)], ctx.spec.id)
    cells = Cells(ard)
    ref = str(opts.get("reference"))
    active = [g for g in groups.levels if g != ref]
    response = str(opts.get("response", "CHG"))
    rows = []
    for label, where in _subgroups(opts):
        rows.append(Row([label, *[""] * (2 * len(groups.levels) + 2)], bold=True))
        shown = set(ard.loc[(ard["analysis"] == "lsmean") & (ard["category"] == label), "by"])
        for _, visit in [v for v in _visits(_where(data, where)) if v[1] in shown]:
            keys = {"category": label, "by": visit, "variable": response}
            arm = []
            for g in groups.levels:
                arm += [cells.get("n", analysis="lsmean", group=g, **keys),
                        cells.fill("{estimate} ({se})", analysis="lsmean", group=g, **keys)]
            diff = {"analysis": "lsmean_diff", "group": f"{active[0]} - {ref}", **keys}
            rows.append(Row([visit, *arm, cells.fill("{estimate} ({lower}, {upper})", **diff),
                             cells.get("p", **diff)], indent=1))
    labels = opts.get("labels") or {}
    sizes = _sizes(ctx, groups)
    top = [HeaderCell("")] + [HeaderCell(group_header_text(labels.get(g, g), sizes.get(g)), span=2)
                              for g in groups.levels] + [HeaderCell(f"{labels.get(active[0], active[0])} - "
                                                                    f"{labels.get(ref, ref)}", span=2)]
    sub = [HeaderCell("Subgroup / visit", align="left")] + [HeaderCell(t) for _ in groups.levels
                                                             for t in ("n", "LS mean (SE)")]
    sub += [HeaderCell("Difference (95% CI)"), HeaderCell("p-value")]
    cols = [Column(2.2)] + [Column(w, "center") for _ in groups.levels for w in (0.6, 1.5)]
    cols += [Column(2.0, "center"), Column(0.9, "center")]
    return ProgramResult(ard, Table(ctx.frame(), cols, [top, sub], rows))


def group_header_text(label: str, n: float | None) -> str:
    return label if n is None else f"{label}\n(n = {int(n)})"


@register("tlf", "als_responders")
def als_responders(ctx: TlfContext) -> ProgramResult:
    """Responder analysis across every criterion (CRITy/CRITyFL), visit and subgroup."""
    opts = ctx.options
    groups = groups_from(opts, ctx.spec.file)
    data = slope_data(ctx)
    crits = _criteria(data, opts)
    ref = str(opts["reference"])
    ard = concat_ard([responder_ard(data, groups, _subgroups(opts), crits, ref, ctx.rule,
                                    int(opts.get("pct_decimals", 1)))], ctx.spec.id)
    cells = Cells(ard)
    active = [g for g in groups.levels if g != ref][0]
    rows = []
    for label, where in _subgroups(opts):
        sub = _where(data, where)
        for crit in crits:
            rows.append(Row([f"{label}: {_criterion_label(data, crit)}", *[""] * (len(groups.levels) + 2)],
                            bold=True))
            for _, visit in _visits(sub[sub[crit].astype(str).str.strip() != ""]):
                keys = {"variable": f"{crit}FL", "category": label, "by": visit}
                arm = [cells.fill("{n}/{denom} ({pct})", fallback="{n}/{denom}", analysis="responder", group=g,
                                  **keys) for g in groups.levels]
                diff = {"group": f"{active} - {ref}", **keys}
                rows.append(Row([visit, *arm, cells.fill("{estimate} ({lower}, {upper})", analysis="responder_diff",
                                                         **diff), cells.get("p", analysis="fisher", **diff)],
                                indent=1))
    labels = opts.get("labels") or {}
    sizes = _sizes(ctx, groups)
    head = [HeaderCell("Subgroup: criterion / visit", align="left")]
    head += [HeaderCell(group_header_text(labels.get(g, g), sizes.get(g)) + "\nn/N (%)") for g in groups.levels]
    head += [HeaderCell("Difference, % points\n(95% CI)"), HeaderCell("Fisher's exact\np-value")]
    cols = [Column(4.2)] + [Column(1.2, "center") for _ in groups.levels] + [Column(2.0, "center"),
                                                                              Column(0.8, "center")]
    table = Table(ctx.frame(), cols, [head], rows)
    rpp = ctx.spec.page.rows_per_page
    if rpp:
        for i, row in enumerate(table.rows):
            row.page_break = i > 0 and i % rpp == 0
    return ProgramResult(ard, table)


@register("tlf", "als_slope_figure")
@house_style
def als_slope_figure(ctx: TlfContext) -> ProgramResult:
    """Figure 2: LS-mean slope change by visit (A: all participants, B: first other subgroup) with ``*``
    where the difference has p <= ``alpha_lsmean``; responder percentages for ``criterion`` (C, D) with
    ``*`` where Fisher's p < ``alpha_responder``."""
    opts = ctx.options
    groups = groups_from(opts, ctx.spec.file)
    data = slope_data(ctx)
    subgroups = _subgroups(opts)
    ref = str(opts["reference"])
    crit = str(opts.get("criterion", "CRIT3"))
    ard = concat_ard([slope_ard(data, groups, subgroups, opts, ctx.rule),
                      responder_ard(data, groups, subgroups, [crit], ref, ctx.rule)], ctx.spec.id)
    active = [g for g in groups.levels if g != ref][0]
    labels = opts.get("labels") or {}
    response = str(opts.get("response", "CHG"))
    fig, axes = new_figure(9.0, 4.8, nrows=2, ncols=len(subgroups), squeeze=False)
    width = 0.38
    colors = {active: "#1f4e79", ref: "#a6a6a6"}
    for j, (label, _) in enumerate(subgroups):
        for i, (analysis, stat, diff_analysis, alpha, mark_le) in enumerate((
                ("lsmean", "estimate", "lsmean_diff", float(opts.get("alpha_lsmean", 0.05)), True),
                ("responder", "pct", "fisher", float(opts.get("alpha_responder", 0.05)), False))):
            ax = axes[i][j]
            var = response if analysis == "lsmean" else f"{crit}FL"
            res = ard[(ard["category"] == label) & (ard["variable"] == var)]
            visits = [v for _, v in _visits(data)
                      if ((res["by"] == v) & (res["analysis"] == analysis)).any()]
            x = np.arange(len(visits))
            tops = np.zeros(len(visits))
            for k, g in enumerate([active, ref]):
                val = res[(res["analysis"] == analysis) & (res["group"] == g) & (res["statistic"] == stat)]
                y = val.set_index("by")["value"].reindex(visits).to_numpy(dtype=float)
                err = None
                if analysis == "lsmean":
                    err = res[(res["analysis"] == analysis) & (res["group"] == g) & (res["statistic"] == "se")
                              ].set_index("by")["value"].reindex(visits).to_numpy(dtype=float)
                ax.bar(x + (k - 0.5) * width, y, width, yerr=err, capsize=2, color=colors[g],
                       label=labels.get(g, g), error_kw={"lw": 0.6})
                tops = np.fmax(tops, y + (err if err is not None else 0))
            p = res[(res["analysis"] == diff_analysis) & (res["statistic"] == "p")].set_index("by")["value"]
            p = p.reindex(visits).to_numpy(dtype=float)
            sig = p <= alpha if mark_le else p < alpha
            for xi, top, s in zip(x, tops, sig, strict=True):
                if s:
                    ax.text(xi, top + 0.02 * (ax.get_ylim()[1] - ax.get_ylim()[0]), "*", ha="center",
                            va="bottom", fontsize=11)
            ax.axhline(0, color="black", lw=0.6)
            ax.set_xticks(x, [v.replace("Week ", "W") for v in visits])
            panel = "ABCD"[i * len(subgroups) + j] if len(subgroups) == 2 else ""
            what = "LS mean slope change\n(points/month)" if analysis == "lsmean" else \
                f"% responders\n({_criterion_label(data, crit).replace('Slope improvement ', '')})"
            ax.set_title(f"({panel}) {label}" if panel else label, loc="left")
            ax.set_ylabel(what)
            ax.margins(y=0.15)
    axes[0][0].legend(loc="upper right", frameon=False)
    fig.tight_layout()
    return ProgramResult(ard, figure_output(ctx.frame(), fig, alt="ALSFRS-R slope change LS means and responders"))


# -- CSF biomarkers (Figure 3) ---------------------------------------------------------------------------
def csf_ard(data: pd.DataFrame, groups: Groups, params: Mapping[str, str], post_visit: float, rule: Rule,
            precision: Precision) -> pd.DataFrame:
    """Per analyte and arm, on paired samples (baseline and ``post_visit``): baseline, post and change
    summaries; paired t-test of post vs baseline per arm; two-sample t-test of the change between arms."""
    post = data[data["AVISITN"] == post_visit]
    parts = []
    for code in params:
        d = post[post["PARAMCD"] == code]
        for analysis, var in (("csf_baseline", "BASE"), ("csf_post", "AVAL"), ("csf_change", "CHG")):
            parts.append(summarize_continuous(d, var, groups, rule=rule, precision=precision, by_var="PARAMCD",
                                              by=code).assign(analysis=analysis))
        rows = []
        for g in groups.levels:
            dg = d[d[groups.var] == g]
            if len(dg) < 2 or float(dg["CHG"].std()) == 0.0:
                continue  # no variation (e.g. undetectable before and after): no test
            t = ttest_paired(dg["AVAL"], dg["BASE"])
            rows.append({"analysis": "paired_t", "group": g, "statistic": "p", "value": t["p"],
                         "formatted": PFormat(decimals=4)(t["p"], rule)})
        a, b = (d.loc[d[groups.var] == g, "CHG"] for g in groups.levels)
        if len(a) > 1 and len(b) > 1 and (a.std() > 0 or b.std() > 0):
            t = ttest_two_sample(a, b)
            rows.append({"analysis": "two_sample_t", "group": " - ".join(groups.levels), "statistic": "p",
                         "value": t["p"], "formatted": PFormat(decimals=4)(t["p"], rule)})
        if rows:
            parts.append(ard_frame(pd.DataFrame(rows).assign(group_var=groups.var, variable="CHG",
                                                              by_var="PARAMCD", by=code)))
    return concat_ard(parts)


def _csf_inputs(ctx: TlfContext) -> tuple[pd.DataFrame, Groups, dict[str, str], float]:
    opts = ctx.options
    groups = groups_from(opts, ctx.spec.file)
    params = {str(k): str(v) for k, v in (opts.get("params") or {}).items()}
    if not params:
        raise SpecError(f"output {ctx.spec.id}: options.params (PARAMCD: label) is missing", file=ctx.spec.file)
    data = ctx.analysis_data(opts.get("dataset", "ADCSF"), opts.get("where"))
    return data, groups, params, float(opts.get("post_visit", 2))


def _csf_precision(opts: Mapping[str, Any]) -> Precision:
    return Precision(fixed=dict(opts.get("decimals") or {"mean": 2, "sd": 2, "sem": 2, "median": 2,
                                                           "min": 2, "max": 2}))


@register("tlf", "als_csf_table")
def als_csf_table(ctx: TlfContext) -> ProgramResult:
    data, groups, params, post_visit = _csf_inputs(ctx)
    ard = concat_ard([csf_ard(data, groups, params, post_visit, ctx.rule, _csf_precision(ctx.options))],
                     ctx.spec.id)
    cells = Cells(ard)
    labels = ctx.options.get("labels") or {}
    rows = []
    for code, label in params.items():
        rows.append(Row([label, *[""] * 6], bold=True))
        for g in groups.levels:
            k = {"group": g, "by": code}
            rows.append(Row([labels.get(g, g),
                             cells.get("n", analysis="csf_change", variable="CHG", **k),
                             cells.fill("{mean} ({sd})", analysis="csf_baseline", variable="BASE", **k),
                             cells.fill("{mean} ({sd})", analysis="csf_post", variable="AVAL", **k),
                             cells.fill("{mean} ({sem})", analysis="csf_change", variable="CHG", **k),
                             cells.get("p", analysis="paired_t", variable="CHG", **k) or "NE",
                             cells.get("p", analysis="two_sample_t", variable="CHG", by=code,
                                       group=" - ".join(groups.levels)) if g == groups.levels[0] else ""],
                            indent=1))
    head = [HeaderCell("Analyte / arm", align="left"), HeaderCell("Pairs\n(n)"), HeaderCell("Baseline\nmean (SD)"),
            HeaderCell("Week 2\nmean (SD)"), HeaderCell("Change\nmean (SEM)"), HeaderCell("Paired t-test\np-value"),
            HeaderCell("Between arms\np-value [1]")]
    cols = [Column(2.6), Column(0.6, "center"), Column(1.5, "center"), Column(1.5, "center"),
            Column(1.5, "center"), Column(1.0, "center"), Column(1.0, "center")]
    return ProgramResult(ard, Table(ctx.frame(), cols, [head], rows))


def _stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


@register("tlf", "als_csf_figure")
@house_style
def als_csf_figure(ctx: TlfContext) -> ProgramResult:
    """Figure 3: mean (SEM) before and after per analyte (columns) and arm (rows), paired-test stars."""
    data, groups, params, post_visit = _csf_inputs(ctx)
    ard = concat_ard([csf_ard(data, groups, params, post_visit, ctx.rule, _csf_precision(ctx.options))],
                     ctx.spec.id)
    labels = ctx.options.get("labels") or {}
    fig, axes = new_figure(9.0, 4.6, nrows=len(groups.levels), ncols=len(params), squeeze=False)

    def val(analysis: str, var: str, g: str, code: str, stat: str) -> float:
        hit = ard[(ard["analysis"] == analysis) & (ard["variable"] == var) & (ard["group"] == g)
                  & (ard["by"] == code) & (ard["statistic"] == stat)]
        return float(hit["value"].iloc[0]) if len(hit) else np.nan

    for j, (code, label) in enumerate(params.items()):
        for i, g in enumerate(groups.levels):
            ax = axes[i][j]
            means = [val("csf_baseline", "BASE", g, code, "mean"), val("csf_post", "AVAL", g, code, "mean")]
            sems = [val("csf_baseline", "BASE", g, code, "sem"), val("csf_post", "AVAL", g, code, "sem")]
            ax.bar([0, 1], means, 0.6, yerr=np.nan_to_num(sems), capsize=2, color=["#a6a6a6", "#1f4e79"],
                   error_kw={"lw": 0.6})
            p = val("paired_t", "CHG", g, code, "p")
            if np.isfinite(p) and _stars(p):
                top = np.nanmax(np.array(means) + np.nan_to_num(sems))
                ax.text(1, top * 1.02, _stars(p), ha="center", va="bottom")
                ax.set_ylim(0, top * 1.25)
            if not np.nanmax(np.abs(means)) > 0:
                ax.set_ylim(0, 1)
                ax.text(0.5, 0.5, "undetectable", ha="center", va="center", fontsize=7)
            ax.set_xticks([0, 1], ["Pre", "Wk 2"])
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(label)
            if j == 0:
                ax.set_ylabel(f"{labels.get(g, g)}\npg/mL")
    fig.tight_layout()
    return ProgramResult(ard, figure_output(ctx.frame(), fig, alt="CSF biomarkers before and after transplant"))


# -- correlations (Figure 4) -----------------------------------------------------------------------------
def _side(ctx: TlfContext, side: Mapping[str, Any]) -> pd.Series:
    """One value per subject: ``var`` of ``dataset`` records satisfying ``where``."""
    d = ctx.analysis_data(side["dataset"], side.get("where"))
    if d["USUBJID"].duplicated().any():
        raise TlfError(f"output {ctx.spec.id}: more than one {side['dataset']} record per subject for "
                       f"{side.get('where')}", variable=str(side["var"]), expected="one record per subject")
    return d.set_index("USUBJID")[side["var"]].astype(float)


def correlation_ard(ctx: TlfContext, groups: Groups, pairs: Sequence[Mapping[str, Any]],
                    points: bool) -> pd.DataFrame:
    """Pearson (or ``method`` of the pair or of the options) correlation of each pair within each arm; with
    ``points`` the (x, y) of
    each subject too (what the scatter plots draw)."""
    pop = ctx.population.set_index("USUBJID")[ctx.options.get("population_group_var", groups.var)].astype(str)
    rows: list[dict[str, Any]] = []
    point_parts = []
    for pair in pairs:
        xy = pd.concat({"x": _side(ctx, pair["x"]), "y": _side(ctx, pair["y"])}, axis=1, join="inner")
        xy["group"] = pop.reindex(xy.index)
        for g in groups.levels:
            d = xy[xy["group"] == g].dropna(subset=["x", "y"])
            base = {"group_var": groups.var, "group": g, "variable": str(pair["id"])}
            if len(d) >= 3 and d["x"].std() > 0 and d["y"].std() > 0:  # undefined for a constant variable
                c = correlation(d["x"], d["y"], method=pair.get("method", ctx.options.get("method", "pearson")))
                rows += [{**base, "analysis": "correlation", "statistic": "r", "value": c["r"],
                          "formatted": format_values(c["r"], 2, ctx.rule)[0]},
                         {**base, "analysis": "correlation", "statistic": "p", "value": c["p"],
                          "formatted": PFormat(decimals=4)(c["p"], ctx.rule)},
                         {**base, "analysis": "correlation", "statistic": "n", "value": c["n"],
                          "formatted": format_values(c["n"], 0)[0]}]
            if points:
                long = d[["x", "y"]].rename_axis("by").reset_index().melt("by", var_name="statistic")
                point_parts.append(long.assign(**base, analysis="point", by_var="USUBJID"))
    return concat_ard([ard_frame(rows), *point_parts])


@register("tlf", "als_correlation_table")
def als_correlation_table(ctx: TlfContext) -> ProgramResult:
    opts = ctx.options
    groups = groups_from(opts, ctx.spec.file)
    ard = concat_ard([correlation_ard(ctx, groups, opts["pairs"], points=False)], ctx.spec.id)
    cells = Cells(ard)
    labels = opts.get("labels") or {}
    rows = [Row([str(p["label"]), *[cells.fill(pat, analysis="correlation", group=g, variable=str(p["id"]))
                                    for g in groups.levels for pat in ("{n}", "{r}", "{p}")]])
            for p in opts["pairs"]]
    top = [HeaderCell("")] + [HeaderCell(labels.get(g, g), span=3) for g in groups.levels]
    sub = [HeaderCell("Variables correlated", align="left")] + [HeaderCell(t) for _ in groups.levels
                                                                 for t in ("n", "r", "p-value")]
    cols = [Column(4.2)] + [Column(w, "center") for _ in groups.levels for w in (0.5, 0.7, 0.9)]
    return ProgramResult(ard, Table(ctx.frame(), cols, [top, sub], rows))


@register("tlf", "als_correlation_figure")
@house_style
def als_correlation_figure(ctx: TlfContext) -> ProgramResult:
    """Figure 4: one row of panels per pair, one column per arm; r and p printed in each panel."""
    opts = ctx.options
    groups = groups_from(opts, ctx.spec.file)
    pairs = opts["pairs"]
    ard = concat_ard([correlation_ard(ctx, groups, pairs, points=True)], ctx.spec.id)
    labels = opts.get("labels") or {}
    fig, axes = new_figure(9.0, 4.8, nrows=len(pairs), ncols=len(groups.levels), squeeze=False)
    for i, pair in enumerate(pairs):
        for j, g in enumerate(groups.levels):
            ax = axes[i][j]
            res = ard[(ard["variable"] == str(pair["id"])) & (ard["group"] == g)]
            pts = res[res["analysis"] == "point"].pivot_table(index="by", columns="statistic", values="value")
            ax.scatter(pts["x"], pts["y"], s=12, color="#1f4e79")
            if len(pts) >= 2:
                slope, icpt = np.polyfit(pts["x"], pts["y"], 1)
                xs = np.linspace(pts["x"].min(), pts["x"].max(), 2)
                ax.plot(xs, icpt + slope * xs, color="black", lw=0.8)
            stat = res[res["analysis"] == "correlation"].set_index("statistic")["formatted"]
            text = f": r = {stat['r']}, p = {stat['p']}, n = {stat['n']}" if len(stat) else ""
            ax.set_title(f"({'AB'[i] if len(pairs) == 2 else i + 1}) {labels.get(g, g)}{text}", loc="left")
            ax.set_xlabel(pair["x"]["label"])
            ax.set_ylabel(pair["y"]["label"])
    fig.tight_layout()
    return ProgramResult(ard, figure_output(ctx.frame(), fig, alt="Correlations of CSF MCP-1 with VEGF and slope"))
