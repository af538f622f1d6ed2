"""Time-to-event programs: ``tte_table`` (Kaplan–Meier summary table) and ``km_figure`` (Kaplan–Meier curves with
numbers at risk), from a BDS time-to-event dataset (ADTTE: ``AVAL`` time, ``CNSR`` 1 = censored)::

    options:
      dataset: ADTTE
      where: 'PARAMCD == "TTDE"'
      group: {var: TRTA, levels: [Placebo, Xanomeline High Dose, Xanomeline Low Dose]}
      time: AVAL                         # default AVAL
      censor: CNSR                       # default CNSR (1 = censored, 0 = event)
      reference: Placebo                 # hazard ratios (Cox, Breslow ties) of the others against it
      conftype: linear                   # median CI transform, SAS CONFTYPE= (default loglog)
      alpha: 0.05
      timepoints: [30, 90]               # KM estimates (95% CI) at these times (tte_table)
      decimals: {median: 1, pct: 0, survival: 2, hr: 2}
      missing: NA                        # text of a median or limit that cannot be estimated
      p: {decimals: 4, below: "<.0001"}
    # tte_table only
      rows: [[Subjects, "{n}"], [Events, "{events} ({events_pct}%)"], ...]   # label, pattern; default below
    # km_figure only
      x_label: Time to Dermatologic Event or End of Study
      y_label: Survival Probability
      x_ticks: [0, 50, 100, 150, 200]    # also the times of the numbers at risk
      summary: [[No. of Subjects, "{n}"], [Event, "{events_pct}% ({events})"]]   # table inside the plot
      logrank_label: "Logrank p{p}"      # {p} is the formatted p ("<.0001" or "=0.0123")

ARD statistics per group: ``n events censored events_pct censored_pct median median_lower median_upper``
(``analysis == "tte"``), ``survival lower upper`` per timepoint (``"km_at"``, ``by`` = the time), the log-rank
test (``"logrank"``: statistic, df, p) and the Cox hazard ratios (``"cox"``: hr, lower, upper, p; group =
``"<group> vs <reference>"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.registry import register
from cdiscflow.tlf.analyses import Groups, PFormat
from cdiscflow.tlf.ard import ard_frame
from cdiscflow.tlf.engine import TlfContext
from cdiscflow.tlf.figures import figure_output, new_figure
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table
from cdiscflow.tlf.options import checked, pairs, require_columns
from cdiscflow.tlf.patterns import check_pattern
from cdiscflow.tlf.programs import groups_from
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.rounding import Rule, format_values
from cdiscflow.tlf.shells import Cells, group_columns
from cdiscflow.tlf.stats.survival import CONFTYPES, cox_hazard_ratio, kaplan_meier, logrank, survival_quantile

_COMMON = ["dataset", "where", "group", "time", "censor", "reference", "conftype", "alpha", "timepoints",
           "decimals", "missing", "p", "labels", "population_group_var"]
_TABLE = [*_COMMON, "rows"]
_FIGURE = [*_COMMON, "x_label", "y_label", "x_ticks", "summary", "logrank_label", "title"]
DEFAULT_ROWS = [("Subjects", "{n}"), ("Events", "{events} ({events_pct}%)"),
                ("Censored", "{censored} ({censored_pct}%)"),
                ("Median (95% CI)", "{median} ({median_lower}, {median_upper})")]
_DECIMALS = ["median", "pct", "survival", "hr"]


def tte_analysis(ctx: TlfContext, opts: Mapping[str, Any], groups: Groups) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ARD of the time-to-event summaries and the analysed records (time, event, group)."""
    data = ctx.analysis_data(opts["dataset"], opts.get("where"))
    time, censor = str(opts.get("time", "AVAL")), str(opts.get("censor", "CNSR"))
    require_columns(ctx, data, [groups.var, time, censor], opts["dataset"], "options")
    conftype = str(opts.get("conftype", "loglog"))
    if conftype not in CONFTYPES:
        raise SpecError(f"output {ctx.spec.id}: options.conftype {conftype!r} is unknown", file=ctx.spec.file,
                        variable="options.conftype", expected=", ".join(CONFTYPES))
    dec = {"median": 1, "pct": 0, "survival": 2, "hr": 2,
           **checked(ctx, opts.get("decimals") or {}, optional=_DECIMALS, where="options.decimals")}
    missing = str(opts.get("missing", "NE"))
    alpha = float(opts.get("alpha", 0.05))
    p_format = PFormat(**checked(ctx, opts.get("p") or {}, optional=list(PFormat.__dataclass_fields__),
                                 where="options.p"))
    d = data[data[groups.var].astype(str).isin(groups.levels)]
    recs = pd.DataFrame({"time": pd.to_numeric(d[time], errors="coerce"),
                         "event": 1 - pd.to_numeric(d[censor], errors="coerce"), "group": d[groups.var].astype(str)})
    rule: Rule = ctx.rule  # type: ignore[assignment]
    rows: list[dict[str, Any]] = []

    def add(analysis: str, group: str, values: Mapping[str, float], decimals: Mapping[str, int], by: str = "") -> None:
        for stat, v in values.items():
            text = (p_format(v, rule) if stat == "p" else
                    format_values([v], decimals.get(stat, 0), rule, missing=missing)[0])
            rows.append({"analysis": analysis, "group_var": groups.var, "group": group, "by_var": "time" if by else "",
                         "by": by, "variable": time, "statistic": stat, "value": v, "formatted": text})

    for g in groups.levels:
        r = recs[recs["group"] == g]
        n, ev = float(len(r)), float(r["event"].sum())
        med = survival_quantile(r["time"], r["event"], alpha=alpha, conftype=conftype) if n else \
            {"estimate": np.nan, "lower": np.nan, "upper": np.nan}
        add("tte", g, {"n": n, "events": ev, "censored": n - ev,
                       "events_pct": 100 * ev / n if n else np.nan, "censored_pct": 100 * (n - ev) / n if n else np.nan,
                       "median": med["estimate"], "median_lower": med["lower"], "median_upper": med["upper"]},
            {"events_pct": dec["pct"], "censored_pct": dec["pct"], "median": dec["median"],
             "median_lower": dec["median"], "median_upper": dec["median"]})
        km = kaplan_meier(r["time"], r["event"], alpha=alpha)
        for tp in opts.get("timepoints") or []:
            at = km[km["time"] <= float(tp)]
            s = at.iloc[-1] if len(at) else pd.Series({"survival": 1.0, "lower": np.nan, "upper": np.nan})
            add("km_at", g, {"survival": float(s["survival"]), "lower": float(s["lower"]), "upper": float(s["upper"])},
                {k: dec["survival"] for k in ("survival", "lower", "upper")}, by=str(tp))
    add("logrank", "", logrank(recs["time"], recs["event"], recs["group"]), {"statistic": 2, "df": 0})
    ref = opts.get("reference")
    if ref is not None:
        for h in cox_hazard_ratio(recs["time"], recs["event"], recs["group"], reference=ref, alpha=alpha
                                  ).itertuples():
            add("cox", f"{h.group} vs {ref}", {"hr": h.hr, "lower": h.lower, "upper": h.upper, "p": h.p},
                {k: dec["hr"] for k in ("hr", "lower", "upper")})
    return ard_frame(rows), recs


def _prepare(ctx: TlfContext, allowed: list[str]
             ) -> tuple[dict[str, Any], Groups, pd.DataFrame, pd.DataFrame, Cells, str]:
    """Checked options, groups, the ARD, the analysed records, its cells and the time variable."""
    opts = checked(ctx, ctx.options, required=["dataset", "group"], optional=allowed)
    groups = groups_from(opts, ctx.spec.file)
    ard, recs = tte_analysis(ctx, opts, groups)
    return opts, groups, ard, recs, Cells(ard), str(opts.get("time", "AVAL"))


@register("tlf", "tte_table")
def tte_table(ctx: TlfContext) -> ProgramResult:
    opts, groups, ard, _, cells, tv = _prepare(ctx, _TABLE)
    cols = list(groups.levels)
    body = [Row([label, *[cells.fill(pattern, analysis="tte", group=g, variable=tv) for g in cols]])
            for label, pattern in pairs(ctx, opts.get("rows", [list(r) for r in DEFAULT_ROWS]), "options.rows")]
    for tp in opts.get("timepoints") or []:
        body.append(Row([f"Event-free at {tp} ({int(100 * (1 - float(opts.get('alpha', 0.05))))}% CI)",
                         *[cells.fill("{survival} ({lower}, {upper})", analysis="km_at", group=g, by=str(tp), variable=tv)
                           for g in cols]]))
    body.append(Row(["Log-rank p-value", *[""] * (len(cols) - 1), cells.get("p", analysis="logrank", variable=tv)]))
    ref = opts.get("reference")
    if ref is not None:
        body.append(Row(["Hazard ratio (95% CI) vs " + str(ref),
                         *[cells.fill("{hr} ({lower}, {upper})", analysis="cox", group=f"{g} vs {ref}", variable=tv)
                           for g in cols]]))
    sizes = Groups(str(opts.get("population_group_var", groups.var)), groups.levels).sizes(ctx.population)
    header = [[HeaderCell(""), *group_columns(groups, sizes, opts.get("labels"))]]
    return ProgramResult(ard, Table(ctx.frame(), [Column(2.6)] + [Column(1.4, "center") for _ in cols], header, body))


def at_risk(recs: pd.DataFrame, levels: list[str], times: list[float]) -> pd.DataFrame:
    """Subjects still at risk (time ≥ t) per group and time."""
    t = np.asarray(times, dtype=float)
    return pd.DataFrame({g: (recs.loc[recs["group"] == g, "time"].to_numpy()[:, None] >= t[None, :]).sum(axis=0)
                         for g in levels}, index=times).T


@register("tlf", "km_figure")
def km_figure(ctx: TlfContext) -> ProgramResult:
    opts, groups, ard, recs, cells, tv = _prepare(ctx, _FIGURE)
    levels = list(groups.levels)
    ticks = [float(t) for t in opts.get("x_ticks") or np.linspace(0, float(recs["time"].max()), 5).round()]
    risk = at_risk(recs, levels, ticks)
    for g in levels:
        ard = pd.concat([ard, ard_frame([{"analysis": "at_risk", "group_var": groups.var, "group": g, "by_var": "time",
                                          "by": f"{t:g}", "statistic": "n", "value": float(risk.loc[g, t]),
                                          "formatted": str(int(risk.loc[g, t]))} for t in ticks])], ignore_index=True)
    summary = pairs(ctx, opts.get("summary", []), "options.summary")
    for _, pattern in summary:
        check_pattern(pattern, file=ctx.spec.file, where=f"output {ctx.spec.id} options.summary",
                      allowed=set(ard.loc[ard["analysis"] == "tte", "statistic"]))
    fig, axes = new_figure(9.0, 6.2, nrows=2, gridspec_kw={"height_ratios": [4, 1.1]})
    ax, tab = axes
    styles = ["-", ":", "--", "-."]
    for i, g in enumerate(levels):
        r = recs[recs["group"] == g]
        km = kaplan_meier(r["time"], r["event"])
        x = np.concatenate([[0.0], km["time"].to_numpy(), [float(r["time"].max())]])  # on to the last censoring
        y = np.concatenate([[1.0], km["survival"].to_numpy()])
        y = np.append(y, y[-1])
        line = ax.step(x, y, where="post", linestyle=styles[i % len(styles)], label=g)[0]
        cens = r.loc[r["event"] == 0, "time"].to_numpy()
        ax.plot(cens, y[np.searchsorted(x, cens, side="right") - 1], "+", color=line.get_color(), markersize=6)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(min(ticks), max(ticks))
    ax.set_xticks(ticks)
    ax.set_xlabel(str(opts.get("x_label", "Time")))
    ax.set_ylabel(str(opts.get("y_label", "Survival Probability")))
    ax.legend(loc="upper right", frameon=True)
    p_text = cells.get("p", analysis="logrank", variable=tv)
    label = str(opts.get("logrank_label", "Logrank p{p}"))
    check_pattern(label, file=ctx.spec.file, where=f"output {ctx.spec.id} options.logrank_label", allowed={"p"})
    ax.text(0.01, 0.03, label.format(p=p_text if p_text.startswith(("<", ">")) else f"={p_text}"),
            transform=ax.transAxes, bbox={"facecolor": "white", "edgecolor": "black"})
    tab.axis("off")
    col_labels = ["", *(f"{t:g}" for t in ticks), *(h for h, _ in summary)]
    text = [[g, *(str(int(risk.loc[g, t])) for t in ticks),
             *(cells.fill(p, analysis="tte", group=g, variable=tv) for _, p in summary)] for g in levels]
    widths = [0.22] + [0.05] * len(ticks) + [0.53 / max(len(summary), 1) * (1.6 if "(" in h else 1.0)
                                             for h, _ in summary]
    scale = (1.0 - 0.22 - 0.05 * len(ticks)) / max(sum(widths[1 + len(ticks):]), 1e-9) if summary else 1.0
    widths = widths[: 1 + len(ticks)] + [w * scale for w in widths[1 + len(ticks):]]
    table = tab.table(cellText=text, colLabels=col_labels, loc="center", cellLoc="center", colWidths=widths)
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    tab.set_title("Number at risk" + (" and summary" if summary else ""), fontsize=8, loc="left")
    fig.tight_layout()
    alt = "; ".join(f"{g}: " + ", ".join(f"{h} {c}" for h, c in zip(col_labels[1:], row[1:], strict=True))
                    for g, row in zip(levels, text, strict=True))
    return ProgramResult(ard, figure_output(ctx.frame(), fig, alt=f"Kaplan-Meier curves. {alt}. "
                                            + label.format(p=p_text)))
