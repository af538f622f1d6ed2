"""Generic TLF programs a catalog can name directly (``program: summary | incidence | listing``).

All three read their settings from the catalog entry's ``options``:

``summary`` — demographic-style summary of the population dataset::

    options:
      group: {var: TRT01P, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose], total: Total}
      stub: two_columns            # or indented
      p_header: "p-value\\n[1]"    # omit (null) for no p-value column
      decimals: {mean: 1, sd: 2}   # fixed decimals; otherwise data precision +1/+2
      pct_decimals: 0
      blocks:                      # see cdiscflow.tlf.shells.Block
        - {var: AGE, label: "Age (y)", test: anova}
        - {var: SEX, label: Sex, type: categorical, n_row: true, levels: {M: Male, F: Female}, test: chisq}
        - {var: BMIBL, stat_rows: [[BMI, "{mean} ({sd})"]], decimals: {mean: 2}}   # a block's own decimals
      header_pattern: "{label}\n(n = {n})"   # column headers (default "{label}\n(N={n})")
      blank_between: false                 # no blank row between blocks

``incidence`` — subjects and events by two-level terms with Fisher's exact p-values::

    options: {dataset: ADAE, where: 'TRTEMFL == "Y"', group: {var: TRTA, levels: [...]},
              denominator_var: TRT01A, terms: [AEBODSYS, AEDECOD], any_label: ANY BODY SYSTEM,
              reference: Placebo, pct_decimals: 1, p: {decimals: 3, above: 0.99, above_text: ">.99",
              flag_below: 0.15}}

  Frequent events (e.g. terms in more than 15% of any group, most frequent first, no "any" row, percentages
  only): ``pct_above: 15`` (or ``pct_at_least: 5``: kept are the lowest-level terms reaching it in any
  column, and their parents; the ARD keeps every term), ``term_order: frequency`` (first-level terms by
  ``order_by`` counts too), ``any_row: false``, ``events_pattern: null``, ``count_pattern: "{pct}"``,
  ``zero_pattern``, ``count_header``, ``stub_header``, ``header_pattern``, ``blank_between: false``.

  Records without the column-group variable (an SDTM domain such as CM, named in the entry's ``sdtm:``)
  take it from the population dataset: ``population_vars: [TRT01A]``. ``count_header: null`` with
  ``events_pattern: null`` and no ``reference``: one header row, ``stub_header`` beside the group headers.
  Concomitant medications by class (CMCLAS) and name (CMDECOD), most frequent in placebo first::

    sdtm: [CM]
    options: {dataset: CM, population_vars: [TRT01A], group: {var: TRT01A, levels: [...]},
              terms: [CMCLAS, CMDECOD], any_label: Patients receiving at least one concomitant medication,
              order_by: Placebo, pct_decimals: 0, events_pattern: null, count_header: null,
              stub_header: "Therapeutic class, n (%)"}

``listing`` — one row per record; ``dates`` prints ADaM numeric dates (SAS day numbers) as ISO 8601 text,
``numbers`` prints numeric variables with fixed decimals (the output's rounding rule)::

    options: {dataset: ADAE, where: ..., sort: [USUBJID, ASTDT], group_by: [USUBJID],
              columns: [[USUBJID, Subject], [AEDECOD, Preferred Term], [ASTDT, Start]], widths: [1, 2, 1],
              dates: [ASTDT], numbers: {AVAL: 2}, rows_per_page: 25}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.registry import register
from cdiscflow.tlf.analyses import (
    Groups,
    PFormat,
    incidence,
    summarize_categorical,
    summarize_continuous,
    test_across_groups,
)
from cdiscflow.tlf.ard import concat_ard
from cdiscflow.tlf.layout import listing_table
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.rounding import format_values
from cdiscflow.tlf.shells import Block, incidence_table, summary_table
from cdiscflow.tlf.stats import Precision

if TYPE_CHECKING:
    from cdiscflow.tlf.engine import TlfContext


def groups_from(options: dict, file: str | None = None) -> Groups:
    raw = options.get("group")
    if not isinstance(raw, dict) or "var" not in raw or not raw.get("levels"):
        raise SpecError("options.group needs 'var' and 'levels'", file=file,
                        expected="group: {var: TRT01P, levels: [...], total: Total}")
    return Groups(str(raw["var"]), tuple(str(v) for v in raw["levels"]), raw.get("total"))


def summary_result(ctx: TlfContext, data: pd.DataFrame) -> ProgramResult:
    """Summary table of ``data`` (one row per subject) as configured in ``ctx.options``."""
    opts = ctx.options
    groups = groups_from(opts, ctx.spec.file)
    decimals = dict(opts.get("decimals") or {})
    raw_blocks = [dict(b) for b in opts.get("blocks", [])]
    precisions = [Precision(fixed={**decimals, **dict(b.pop("decimals", None) or {})}) for b in raw_blocks]
    blocks = [Block.from_dict(b) for b in raw_blocks]
    pct_dec = int(opts.get("pct_decimals", 1))
    parts = []
    for b, precision in zip(blocks, precisions, strict=True):
        if b.type == "continuous":
            parts.append(summarize_continuous(data, b.var, groups, rule=ctx.rule, precision=precision))
        else:
            parts.append(summarize_categorical(data, b.var, groups, levels=list(b.levels) or None, rule=ctx.rule,
                                               pct_decimals=pct_dec))
        if b.test:
            parts.append(test_across_groups(data, b.var, groups, b.test, p_decimals=int(opts.get("p_decimals", 4)),
                                            rule=ctx.rule, levels=list(b.levels) or None))
    ard = concat_ard(parts, ctx.spec.id)
    sizes = groups.sizes(data)
    table = summary_table(ctx.frame(), ard, groups, sizes, blocks, stub=opts.get("stub", "two_columns"),
                          p_header=opts.get("p_header", "p-value"), labels=opts.get("labels"),
                          blank_between=bool(opts.get("blank_between", True)),
                          header_pattern=str(opts.get("header_pattern", "{label}\n(N={n})")))
    return ProgramResult(ard, table)


@register("tlf", "summary")
def summary_program(ctx: TlfContext) -> ProgramResult:
    return summary_result(ctx, ctx.population)


@register("tlf", "incidence")
def incidence_program(ctx: TlfContext) -> ProgramResult:
    opts = ctx.options
    groups = groups_from(opts, ctx.spec.file)
    events = ctx.analysis_data(opts.get("dataset", "ADAE"), opts.get("where"))
    pop = ctx.population
    if "population_vars" in opts:
        if not isinstance(opts["population_vars"], list):
            raise SpecError(f"output {ctx.spec.id}: options.population_vars is {opts['population_vars']!r}",
                            file=ctx.spec.file, variable="options.population_vars", expected="a list of variables")
        events = ctx.with_population_vars(events, [str(v) for v in opts["population_vars"]],
                                          "options.population_vars")
    denom_groups = Groups(opts.get("denominator_var", groups.var), groups.levels, groups.total)
    sizes = denom_groups.sizes(pop)
    p_format = PFormat(**(opts.get("p") or {}))
    terms = list(opts.get("terms", ["AEBODSYS", "AEDECOD"]))
    ard = incidence(events, groups, terms, sizes,
                    any_label=opts.get("any_label", "ANY"), rule=ctx.rule, pct_decimals=int(opts.get("pct_decimals", 1)),
                    reference=opts.get("reference"), p_format=p_format)
    for name, allowed in (("term_order", ("name", "frequency")), ("any_row", (True, False))):
        if name in opts and opts[name] not in allowed:
            raise SpecError(f"output {ctx.spec.id}: options.{name} is {opts[name]!r}", file=ctx.spec.file,
                            variable=f"options.{name}", expected=" or ".join(map(str, allowed)))
    if "pct_above" in opts and "pct_at_least" in opts:
        raise SpecError(f"output {ctx.spec.id}: options.pct_above and options.pct_at_least exclude each other",
                        file=ctx.spec.file, variable="options.pct_above", expected="one threshold")
    shown = frequent_terms(ard, terms, opts.get("pct_above"), opts.get("pct_at_least"))
    if opts.get("any_row") is False:
        shown = shown[shown["analysis"] != "incidence_any"]
    layout = {k: opts[k] for k in ("count_pattern", "zero_pattern", "events_pattern", "stub_header", "p_header",
                                   "blank_between", "term_order", "header_pattern", "count_header") if k in opts}
    table = incidence_table(ctx.frame(), shown, groups, sizes, reference=opts.get("reference"),
                            order_by=opts.get("order_by"), labels=opts.get("labels"),
                            p_labels=opts.get("p_labels"), **layout)
    return ProgramResult(ard, table)


def frequent_terms(ard: pd.DataFrame, terms: list[str], above: float | None = None,
                   at_least: float | None = None) -> pd.DataFrame:
    """The incidence ARD restricted to the lowest-level terms whose percentage is above ``above`` (or at
    least ``at_least``) in any column, and to their parents; unchanged without a threshold."""
    if above is None and at_least is None:
        return ard
    inc = (ard["analysis"] == "incidence").to_numpy()
    low = inc & (ard["variable"] == terms[-1]).to_numpy()
    key = ard["by"].astype(str) + "\x1f" + ard["category"].astype(str)
    pct = ard["value"].where(ard["statistic"] == "pct")
    hit = low & ((pct > float(above)) if above is not None else (pct >= float(at_least))).to_numpy()
    keep = low & key.isin(key[hit]).to_numpy()
    if len(terms) > 1:
        keep |= inc & (ard["variable"] == terms[0]).to_numpy() & ard["category"].isin(ard.loc[hit, "by"]).to_numpy()
    return ard[~inc | keep]


SAS_EPOCH = pd.Timestamp("1960-01-01")


def sas_date_text(values: pd.Series) -> pd.Series:
    """ISO 8601 text (YYYY-MM-DD) of ADaM numeric dates (days since 1960-01-01); missing prints ""."""
    days = pd.to_numeric(values, errors="coerce")
    return (SAS_EPOCH + pd.to_timedelta(days, unit="D")).dt.strftime("%Y-%m-%d").fillna("").astype(str)


@register("tlf", "listing")
def listing_program(ctx: TlfContext) -> ProgramResult:
    opts = ctx.options
    df = ctx.analysis_data(opts["dataset"], opts.get("where"))
    if opts.get("sort"):
        unknown = [c for c in opts["sort"] if c not in df.columns]
        if unknown:
            raise SpecError(f"output {ctx.spec.id}: options.sort names {', '.join(map(str, unknown))}, not columns of "
                            f"{opts['dataset']}", file=ctx.spec.file, variable="options.sort",
                            expected=", ".join(map(str, df.columns)))
        df = df.sort_values(list(opts["sort"]), kind="stable")
    df = df.assign(**{c: sas_date_text(df[c]) for c in opts.get("dates", [])},
                   **{c: format_values(pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float), int(d), ctx.rule)
                      for c, d in (opts.get("numbers") or {}).items()})
    columns = [(str(c[0]), str(c[1])) for c in opts.get("columns", [])]
    table = listing_table(ctx.frame(), df, columns, group_by=opts.get("group_by", []), widths=opts.get("widths"),
                          rows_per_page=opts.get("rows_per_page"))
    ard = pd.DataFrame([{"analysis": "listing", "statistic": "records", "value": float(len(df)),
                         "formatted": str(len(df))}])
    return ProgramResult(ard, table)
