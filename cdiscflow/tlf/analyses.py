"""Analyses that produce ARD rows: the building blocks of study TLF programs.

Each function takes analysis data and returns an ARD fragment (:func:`cdiscflow.tlf.ard.ard_frame`) whose
``formatted`` column follows the given rounding rule and decimals. Treatment (column) groups are described
by :class:`Groups`; a ``total`` label adds an all-groups column computed over the union.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdiscflow.errors import TlfError
from cdiscflow.tlf.ard import ard_frame
from cdiscflow.tlf.rounding import Rule, format_pvalue, format_values, round_values
from cdiscflow.tlf.stats import Precision, anova_oneway, chisq_test, count_by_group, describe, fisher_exact
from cdiscflow.tlf.stats.descriptive import STATISTICS
from cdiscflow.tlf.stats.models import ancova, dose_response


@dataclass(frozen=True)
class Groups:
    """Column groups: ``var`` (e.g. ``TRT01P``), its ``levels`` in display order and an optional ``total``."""

    var: str
    levels: tuple[str, ...]
    total: str | None = None

    @property
    def columns(self) -> list[str]:
        return [*self.levels, *([self.total] if self.total else [])]

    def with_total(self, df: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """``df`` (only ``columns`` if given) restricted to the levels, plus a copy labelled ``total`` when a
        total column is wanted."""
        if self.var not in df.columns:
            raise TlfError(f"group variable {self.var} is not in the data", variable=self.var)
        missing = [c for c in (columns or []) if c not in df.columns]
        if missing:
            raise TlfError(f"variable(s) {', '.join(missing)} not in the data", variable=missing[0])
        keep = df[self.var].astype(str).isin(self.levels).to_numpy()
        d = (df.loc[keep, list(dict.fromkeys([self.var, *columns]))] if columns is not None else df[keep]).copy()
        d[self.var] = d[self.var].astype(str)
        if self.total:
            d = pd.concat([d, d.assign(**{self.var: self.total})], ignore_index=True)
        return d

    def sizes(self, pop: pd.DataFrame, subject: str = "USUBJID") -> pd.Series:
        """Number of subjects per column (the "N = xx" of the headers and the usual denominators)."""
        d = self.with_total(pop, [subject])
        return d.drop_duplicates([self.var, subject]).groupby(self.var).size().reindex(self.columns, fill_value=0)


def _pct_text(pct: np.ndarray, n: np.ndarray, decimals: int, rule: Rule, zero: str) -> list[str]:
    text = format_values(pct, decimals, rule)
    tiny = "<" + (f"{10.0 ** -decimals:.{decimals}f}" if decimals else "1")
    rounded = round_values(pct, decimals, rule)
    return [zero if k == 0 else (tiny if (r == 0 and p > 0) else t)
            for t, k, r, p in zip(text, n, rounded, pct, strict=True)]


def summarize_continuous(df: pd.DataFrame, var: str, groups: Groups, *, rule: Rule = "half_up",
                         precision: Precision | None = None, statistics: Sequence[str] = STATISTICS,
                         by_var: str = "", by: str = "") -> pd.DataFrame:
    """n, mean, SD, SEM, median, Q1, Q3, min, max of ``var`` per column group; decimals from ``precision``."""
    precision = precision or Precision()
    d = groups.with_total(df, [var])
    desc = describe(d, var, groups.var).set_index(groups.var).reindex(groups.columns)
    desc["n"] = desc["n"].fillna(0.0)
    values = pd.to_numeric(df[var], errors="coerce")
    parts = []
    for stat in statistics:
        dec = precision.decimals(stat, values)
        parts.append(pd.DataFrame({"group": desc.index, "statistic": stat, "value": desc[stat].to_numpy(),
                                   "formatted": format_values(desc[stat].to_numpy(), dec, rule)}))
    out = pd.concat(parts, ignore_index=True)
    return ard_frame(out.assign(analysis="summary", group_var=groups.var, variable=var, by_var=by_var, by=by))


def summarize_categorical(df: pd.DataFrame, var: str, groups: Groups, *, levels: Sequence[str] | None = None,
                          rule: Rule = "half_up", pct_decimals: int = 1, subject: str | None = None,
                          denominators: pd.Series | None = None, zero_pct: str = "",
                          by_var: str = "", by: str = "") -> pd.DataFrame:
    """Count and percentage of each level of ``var`` per column group (statistics ``n`` and ``pct``; the
    denominator is each group's number of rows, or subjects, in ``df`` unless ``denominators`` is given), plus
    ``n`` with ``category == ""``: the number of non-missing values. A zero count's percentage prints as
    ``zero_pct``; a positive one that rounds to 0 prints as ``<1`` (``<0.1`` …)."""
    d = groups.with_total(df, [var, *([subject] if subject else [])])
    present = d[d[var].astype("string").fillna("").str.strip() != ""]
    if denominators is None:
        denominators = (d.drop_duplicates([groups.var, subject]) if subject else d).groupby(groups.var).size()
    counts = count_by_group(present, var, groups.var, subject=subject, levels=levels, groups=groups.columns,
                            denominators=denominators)
    cnt = counts["n"].to_numpy()
    n_rows = pd.DataFrame({"group": counts[groups.var], "category": counts[var].astype(str), "statistic": "n",
                           "value": cnt, "formatted": format_values(cnt, 0)})
    pct_rows = n_rows.assign(statistic="pct", value=counts["pct"].to_numpy(),
                             formatted=_pct_text(counts["pct"].to_numpy(), cnt, pct_decimals, rule, zero_pct))
    nonmissing = (present.drop_duplicates([groups.var, subject]) if subject else present).groupby(groups.var).size()
    nonmissing = nonmissing.reindex(groups.columns, fill_value=0).astype(float)
    total_rows = pd.DataFrame({"group": nonmissing.index, "category": "", "statistic": "n",
                               "value": nonmissing.to_numpy(), "formatted": format_values(nonmissing.to_numpy(), 0)})
    out = pd.concat([total_rows, n_rows, pct_rows], ignore_index=True)
    return ard_frame(out.assign(analysis="frequency", group_var=groups.var, variable=var, by_var=by_var, by=by))


def test_across_groups(df: pd.DataFrame, var: str, groups: Groups, test: str, *, p_decimals: int = 4,
                       rule: Rule = "half_up", levels: Sequence[str] | None = None) -> pd.DataFrame:
    """p-value comparing the column groups (total excluded): ``anova`` (one-way ANOVA, continuous) or
    ``chisq`` (Pearson chi-square on the levels × groups table, categorical)."""
    d = df.loc[df[groups.var].astype(str).isin(groups.levels).to_numpy(), [groups.var, var]]
    if test == "anova":
        res = anova_oneway(d[var], d[groups.var].astype(str))
    elif test == "chisq":
        present = d[d[var].astype("string").fillna("").str.strip() != ""]
        table = present.astype({var: str}).groupby([var, groups.var]).size().unstack(fill_value=0)
        if levels is not None:
            table = table.reindex(index=list(levels), fill_value=0)
        res = chisq_test(table.reindex(columns=list(groups.levels), fill_value=0).to_numpy())
    else:
        raise TlfError(f"unknown test {test!r}", variable=var, expected="anova or chisq")
    text = format_pvalue(res["p"], p_decimals, rule=rule)
    return ard_frame([{"analysis": test, "group_var": groups.var, "variable": var, "statistic": "p",
                       "value": res["p"], "formatted": text}])


@dataclass(frozen=True)
class PFormat:
    """How p-values print: decimals, the text when p rounds to zero (``below``, default ``<0.001``), a
    ceiling (``>.99``), a flag for small values (``0.007*``)."""

    decimals: int = 3
    below: str | None = None
    above: float | None = None
    above_text: str | None = None
    flag_below: float | None = None
    flag: str = "*"

    def __call__(self, p: float, rule: Rule) -> str:
        return format_pvalue(p, self.decimals, below=self.below, above=self.above, above_text=self.above_text,
                             flag_below=self.flag_below, flag=self.flag, rule=rule)


def incidence(events: pd.DataFrame, groups: Groups, terms: Sequence[str], denominators: pd.Series, *,
              subject: str = "USUBJID", any_label: str = "ANY", rule: Rule = "half_up", pct_decimals: int = 1,
              reference: str | None = None, p_format: PFormat | None = None) -> pd.DataFrame:
    """Subjects with at least one event (``n``, ``pct`` of ``denominators``) and number of events
    (``events``) overall (``analysis == "incidence_any"``), per ``terms[0]`` (e.g. SOC) and per
    ``terms[1]`` within ``terms[0]`` (``by_var``/``by`` hold the parent), per column group. With
    ``reference``, Fisher's exact p (2×2: subjects with/without, group vs reference) for each other group,
    in rows with ``group == "<group> vs <reference>"``."""
    d = groups.with_total(events, [*terms, subject])
    g = groups.var
    levels: list[tuple[str, list[str]]] = [("incidence_any", [])]
    for i in range(len(terms)):
        levels.append(("incidence", list(terms[: i + 1])))
    parts = []
    for analysis, keys in levels:
        subj = d.drop_duplicates([g, *keys, subject]).groupby([g, *keys], observed=True).size().rename("n")
        evts = d.groupby([g, *keys], observed=True).size().rename("events")
        res = pd.concat([subj, evts], axis=1).reset_index()
        if keys:
            wide = res.pivot_table(index=keys, columns=g, values=["n", "events"], fill_value=0, observed=True)
            wide = wide.reindex(columns=pd.MultiIndex.from_product([["n", "events"], groups.columns]), fill_value=0)
            res = wide.stack(level=1, future_stack=True).reset_index().rename(columns={"level_" + str(len(keys)): g})
        else:
            res = res.set_index(g).reindex(groups.columns, fill_value=0).reset_index()
        res["variable"] = keys[-1] if keys else ""
        res["category"] = res[keys[-1]].astype(str) if keys else any_label
        res["by_var"] = keys[-2] if len(keys) > 1 else ""
        res["by"] = res[keys[-2]].astype(str) if len(keys) > 1 else ""
        res["analysis"] = analysis
        parts.append(res[[g, "analysis", "by_var", "by", "variable", "category", "n", "events"]])
    wide = pd.concat(parts, ignore_index=True)
    wide["denom"] = wide[g].map(denominators).astype(float)
    wide["pct"] = 100.0 * wide["n"] / wide["denom"]
    n = wide["n"].to_numpy(dtype=float)
    base = wide.rename(columns={g: "group"})[["analysis", "group", "by_var", "by", "variable", "category"]]
    rows = [
        base.assign(statistic="n", value=n, formatted=format_values(n, 0)),
        base.assign(statistic="pct", value=wide["pct"].to_numpy(),
                    formatted=_pct_text(wide["pct"].to_numpy(), n, pct_decimals, rule, "")),
        base.assign(statistic="events", value=wide["events"].to_numpy(dtype=float),
                    formatted=format_values(wide["events"].to_numpy(dtype=float), 0)),
    ]
    if reference is not None:
        rows.append(_fisher_rows(wide, g, groups, reference, denominators, p_format or PFormat(), rule))
    return ard_frame(pd.concat(rows, ignore_index=True).assign(group_var=g))


def _fisher_rows(wide: pd.DataFrame, g: str, groups: Groups, reference: str, denominators: pd.Series,
                 p_format: PFormat, rule: Rule) -> pd.DataFrame:
    keys = ["analysis", "by_var", "by", "variable", "category"]
    counts = wide.pivot_table(index=keys, columns=g, values="n", fill_value=0, observed=True)
    out = []
    for other in [lvl for lvl in groups.levels if lvl != reference]:
        a, b = counts[reference].to_numpy(), counts[other].to_numpy()
        na, nb = float(denominators[reference]), float(denominators[other])
        # one exact test per result row (a few hundred at most), not per record
        p = np.array([fisher_exact([[x, na - x], [y, nb - y]])["p"] if x + y > 0 else np.nan
                      for x, y in zip(a, b, strict=True)])
        frame = counts.index.to_frame(index=False)
        out.append(frame.assign(group=f"{other} vs {reference}", statistic="p", value=p,
                                formatted=[p_format(v, rule) if np.isfinite(v) else "" for v in p]))
    return pd.concat(out, ignore_index=True)


def ancova_analysis(df: pd.DataFrame, response: str, groups: Groups, *, factors: Sequence[str] = (),
                    covariates: Sequence[str] = (), reference: str | None = None, dose: str | None = None,
                    rule: Rule = "half_up", decimals: Mapping[str, int] | None = None,
                    p_format: PFormat | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """ANCOVA of ``response`` on the column groups with ``factors`` and ``covariates``: LS means
    (``analysis == "lsmean"``, group = level) and differences (``"lsmean_diff"``, group = ``"A - B"``) with
    estimate, se, lower, upper, p; with ``dose``, the dose-response test (dose as continuous) in
    ``"dose_response"`` rows (slope, se, p). ``decimals``: estimate/se/ci (defaults 1/2/1)."""
    dec = {"estimate": 1, "se": 2, "ci": 1, **(decimals or {})}
    p_format = p_format or PFormat()
    res = ancova(df, response, groups.var, levels=list(groups.levels), factors=factors, covariates=covariates,
                 reference=reference, alpha=alpha)
    rows = []

    def add(analysis: str, group: str, stats: Mapping[str, float]) -> None:
        for stat, value in stats.items():
            if stat == "p":
                text = p_format(value, rule)
            else:
                text = format_values([value], dec["ci" if stat in ("lower", "upper") else stat], rule)[0]
            rows.append({"analysis": analysis, "group_var": groups.var, "group": group, "variable": response,
                         "statistic": stat, "value": value, "formatted": text})

    for r in res.lsmeans.itertuples():
        add("lsmean", r.group, {"estimate": r.estimate, "se": r.se, "lower": r.lower, "upper": r.upper})
    for r in res.diffs.itertuples():
        add("lsmean_diff", f"{r.group} - {r.reference}",
            {"estimate": r.estimate, "se": r.se, "lower": r.lower, "upper": r.upper, "p": r.p})
    if dose is not None:
        dr = dose_response(df[df[groups.var].astype(str).isin(groups.levels)], response, dose,
                           factors=factors, covariates=covariates)
        rows.append({"analysis": "dose_response", "group_var": groups.var, "variable": response,
                     "statistic": "p", "value": dr["p"], "formatted": p_format(dr["p"], rule)})
        rows.append({"analysis": "dose_response", "group_var": groups.var, "variable": response,
                     "statistic": "slope", "value": dr["slope"], "formatted": ""})
    return ard_frame(rows)
