"""``program: mmrm`` — repeated-measures analysis (unstructured covariance, REML, Kenward–Roger or Satterthwaite
df): LS means per treatment and their pairwise differences with CIs and p-values.

::

    options:
      dataset: ADQSADAS
      where: 'PARAMCD == "ACTOT" and EFFFL == "Y" and ANL01FL == "Y" and DTYPE == "" and AVISITN > 0'
      group: {var: TRTP, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose]}
      population_group_var: TRT01P
      response: CHG
      subject: USUBJID                 # default USUBJID
      visit: AVISIT                    # the repeated factor (unstructured covariance over its levels)
      visits: [Week 8, Week 16, Week 24]   # level order (default: sorted)
      classes: [SITEGR1]               # further class variables (the group and visit are classes anyway)
      terms: [TRTP, SITEGR1, AVISIT, TRTP*AVISIT, BASE, BASE*AVISIT]   # SAS MODEL terms; A*B = interaction
      df: kenward_roger                # or satterthwaite
      at: {AVISIT: Week 24}            # optional: LS means at one visit (default: averaged over visits)
      reference: Placebo
      model_decimals: {estimate: 1, se: 2, ci: 1}
      p: {decimals: 3}
      negative_zero: true              # print -0.04 as "-0.0" (SAS's w.d format) instead of "0.0"
      rows: {vs_reference: "p-value(Xan - Placebo)", pairwise: "p-value(Xan High - Xan Low)"}

The ARD also holds the model's figures for checking against SAS output: ``mmrm_fit`` (−2 REML log
likelihood, observations, subjects), ``mmrm_covariance`` (``UN(j,k)``) and ``mmrm_type3`` (F, numerator and
denominator df, p of each term); LS means and differences carry their df.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.registry import register
from cdiscflow.tlf.analyses import Groups, PFormat
from cdiscflow.tlf.ard import ard_frame
from cdiscflow.tlf.engine import TlfContext
from cdiscflow.tlf.options import checked, require_columns, str_list
from cdiscflow.tlf.programs import groups_from
from cdiscflow.tlf.programs_ancova import group_sizes, model_rows, model_table, row_labels
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.rounding import Rule, format_values
from cdiscflow.tlf.shells import Cells
from cdiscflow.tlf.stats.mmrm import DF_METHODS, MmrmFit, fit_mmrm

_KEYS = ["dataset", "where", "group", "population_group_var", "response", "subject", "visit", "visits", "classes",
         "terms", "df", "at", "reference", "model_decimals", "p", "negative_zero", "rows", "labels"]


def signed_text(values: np.ndarray, decimals: int, rule: Rule, negative_zero: bool) -> list[str]:
    """Formatted numbers; with ``negative_zero`` a negative value that rounds to zero keeps its sign."""
    text = format_values(values, decimals, rule)
    if not negative_zero:
        return text
    return ["-" + t if (v < 0 and t and not t.startswith("-")) else t for v, t in zip(values, text, strict=True)]


def mmrm_ard(fit: MmrmFit, groups: Groups, response: str, reference: str, *, at: Mapping[str, str],
             rule: Rule, decimals: Mapping[str, int], p_format: PFormat, negative_zero: bool) -> pd.DataFrame:
    """LS means, differences against ``reference`` and between the other groups, Type III tests, covariance
    parameters and fit figures as ARD rows."""
    dec = {"estimate": 1, "se": 2, "ci": 1, "df": 1, **decimals}
    L = fit.lsmean_vectors(groups.var, at)
    rows: list[dict[str, object]] = []

    def add(analysis: str, group: str, stats: Mapping[str, float], variable: str = response) -> None:
        for stat, value in stats.items():
            if stat == "p":
                text = p_format(value, rule)
            elif stat in ("t", "f"):
                text = format_values([value], 2, rule)[0]
            else:
                key = "ci" if stat in ("lower", "upper") else stat if stat in dec else "df"
                text = signed_text(np.array([value]), dec[key], rule, negative_zero)[0]
            rows.append({"analysis": analysis, "group_var": groups.var, "group": group, "variable": variable,
                         "statistic": stat, "value": value, "formatted": text})

    for lvl in groups.levels:
        add("lsmean", lvl, fit.contrast(L[lvl]))
    actives = [g for g in groups.levels if g != reference]
    pairs = [(g, reference) for g in actives] + [(b, a) for i, a in enumerate(actives) for b in actives[i + 1:]]
    for g, against in pairs:
        add("lsmean_diff", f"{g} - {against}", fit.contrast(L[g] - L[against]))
    for term in fit.design.slices:
        add("mmrm_type3", "", fit.term_test(term), variable=term)
    for r in fit.covariance_parameters().itertuples():
        add("mmrm_covariance", "", {str(r.parameter): float(r.estimate)}, variable=response)
    add("mmrm_fit", "", {"minus2_reml": fit.minus2_reml, "nobs": float(fit.nobs),
                         "nsubjects": float(fit.nsubjects)})
    return ard_frame(rows)


@register("tlf", "mmrm")
def mmrm_program(ctx: TlfContext) -> ProgramResult:
    opts = checked(ctx, ctx.options, required=["dataset", "group", "response", "visit", "terms", "reference"],
                   optional=_KEYS)
    groups = groups_from(opts, ctx.spec.file)
    data = ctx.analysis_data(opts["dataset"], opts.get("where"))
    terms = str_list(ctx, opts["terms"], "options.terms")
    classes = list(dict.fromkeys([groups.var, opts["visit"], *str_list(ctx, opts.get("classes"), "options.classes")]))
    subject = str(opts.get("subject", "USUBJID"))
    variables = [v.strip() for t in terms for v in t.split("*")]
    require_columns(ctx, data, [subject, opts["response"], *classes, *variables], opts["dataset"], "options")
    at = checked(ctx, opts.get("at") or {}, optional=classes, where="options.at")
    method = str(opts.get("df", "kenward_roger"))
    if method not in DF_METHODS:
        raise SpecError(f"output {ctx.spec.id}: options.df {method!r} is unknown", file=ctx.spec.file,
                        variable="options.df", expected=" or ".join(DF_METHODS))
    levels = {groups.var: list(groups.levels)}
    if opts.get("visits"):
        levels[opts["visit"]] = str_list(ctx, opts["visits"], "options.visits")
    fit = fit_mmrm(data, opts["response"], subject=subject, visit=opts["visit"], terms=terms, classes=classes,
                   levels=levels, df_method=method)
    decimals = checked(ctx, opts.get("model_decimals") or {}, optional=["estimate", "se", "ci", "df"],
                       where="options.model_decimals")
    p_format = PFormat(**checked(ctx, opts.get("p") or {}, optional=list(PFormat.__dataclass_fields__),
                                 where="options.p"))
    ard = mmrm_ard(fit, groups, opts["response"], opts["reference"], at={k: str(v) for k, v in at.items()},
                   rule=ctx.rule, decimals=decimals, p_format=p_format,
                   negative_zero=bool(opts.get("negative_zero", False)))
    ard["output_id"] = ctx.spec.id
    rows = model_rows(Cells(ard), groups, opts["response"], opts["reference"], row_labels(ctx, opts.get("rows")),
                      dose=False, lsmeans=True)
    return ProgramResult(ard, model_table(ctx, groups, group_sizes(ctx, opts, groups), rows))
