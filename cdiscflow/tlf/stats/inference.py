"""Hypothesis tests and confidence intervals (scipy), each returning a small dict of unformatted numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from cdiscflow.errors import TlfError


def fisher_exact(table: Sequence[Sequence[float]] | np.ndarray, alternative: str = "two-sided") -> dict[str, float]:
    """Fisher's exact test of a 2×2 table ``[[a, b], [c, d]]`` (rows: groups; columns: event yes/no)."""
    arr = np.asarray(table, dtype=float)
    if arr.shape != (2, 2):
        raise TlfError(f"Fisher's exact test needs a 2x2 table, got shape {arr.shape}")
    res = sps.fisher_exact(arr.astype(int), alternative=alternative)
    return {"odds_ratio": float(res.statistic), "p": float(res.pvalue)}


def chisq_test(table: np.ndarray | pd.DataFrame, correction: bool = False) -> dict[str, float]:
    """Pearson chi-square test of independence (no continuity correction by default, as SAS's
    ``Chi-Square`` row of PROC FREQ). Rows/columns that are all zero are dropped first."""
    arr = np.asarray(table, dtype=float)
    arr = arr[arr.sum(axis=1) > 0][:, arr.sum(axis=0) > 0]
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        return {"statistic": np.nan, "df": np.nan, "p": np.nan}
    stat, p, dof, _ = sps.chi2_contingency(arr, correction=correction)
    return {"statistic": float(stat), "df": float(dof), "p": float(p)}


def anova_oneway(values: pd.Series, groups: pd.Series) -> dict[str, float]:
    """One-way ANOVA F test of ``values`` across ``groups`` (missing values dropped)."""
    y = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    g = pd.Series(groups).to_numpy()
    keep = ~np.isnan(y) & pd.notna(g)
    codes, uniques = pd.factorize(g[keep])
    samples = [y[keep][codes == k] for k in range(len(uniques))]
    if len(samples) < 2:
        return {"statistic": np.nan, "df_num": np.nan, "df_den": np.nan, "p": np.nan}
    res = sps.f_oneway(*samples)
    return {"statistic": float(res.statistic), "df_num": float(len(samples) - 1),
            "df_den": float(keep.sum() - len(samples)), "p": float(res.pvalue)}


def ttest_two_sample(x: Sequence[float], y: Sequence[float], equal_var: bool = True,
                     alpha: float = 0.05) -> dict[str, float]:
    """Two-sample t-test of mean(x) − mean(y) (pooled variance unless ``equal_var=False``: Welch)."""
    a = np.asarray(x, dtype=float)[~np.isnan(np.asarray(x, dtype=float))]
    b = np.asarray(y, dtype=float)[~np.isnan(np.asarray(y, dtype=float))]
    res = sps.ttest_ind(a, b, equal_var=equal_var)
    ci = res.confidence_interval(1 - alpha)
    return {"estimate": float(a.mean() - b.mean()), "statistic": float(res.statistic), "df": float(res.df),
            "p": float(res.pvalue), "lower": float(ci.low), "upper": float(ci.high)}


def ttest_paired(after: Sequence[float], before: Sequence[float], alpha: float = 0.05) -> dict[str, float]:
    """Paired t-test of mean(after − before); pairs with a missing value are dropped."""
    a, b = np.asarray(after, dtype=float), np.asarray(before, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    res = sps.ttest_rel(a[keep], b[keep])
    ci = res.confidence_interval(1 - alpha)
    return {"estimate": float((a[keep] - b[keep]).mean()), "n": float(keep.sum()),
            "statistic": float(res.statistic), "df": float(res.df), "p": float(res.pvalue),
            "lower": float(ci.low), "upper": float(ci.high)}


def correlation(x: Sequence[float], y: Sequence[float],
                method: Literal["pearson", "spearman"] = "pearson") -> dict[str, float]:
    """Pearson or Spearman correlation with its two-sided p-value; incomplete pairs dropped."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    res = (sps.pearsonr if method == "pearson" else sps.spearmanr)(a[keep], b[keep])
    return {"r": float(res.statistic), "p": float(res.pvalue), "n": float(keep.sum())}


def wilcoxon_rank_sum(x: Sequence[float], y: Sequence[float]) -> dict[str, float]:
    """Wilcoxon rank-sum (Mann–Whitney U) test, two-sided, normal approximation with continuity correction
    as SAS PROC NPAR1WAY reports by default (ties corrected)."""
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    res = sps.mannwhitneyu(a[~np.isnan(a)], b[~np.isnan(b)], alternative="two-sided",
                           method="asymptotic", use_continuity=True)
    return {"statistic": float(res.statistic), "p": float(res.pvalue)}


def wilcoxon_signed_rank(after: Sequence[float], before: Sequence[float]) -> dict[str, float]:
    """Wilcoxon signed-rank test of after − before (zero differences dropped, scipy's default)."""
    a, b = np.asarray(after, dtype=float), np.asarray(before, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    res = sps.wilcoxon(a[keep], b[keep])
    return {"statistic": float(res.statistic), "p": float(res.pvalue)}


def diff_proportions_ci(x1: int, n1: int, x2: int, n2: int, alpha: float = 0.05,
                        method: Literal["wald", "newcombe"] = "wald") -> dict[str, float | str]:
    """Confidence interval of p1 − p2.

    ``wald``: p1 − p2 ± z·sqrt(p1(1−p1)/n1 + p2(1−p2)/n2) (SAS PROC FREQ RISKDIFF default).
    ``newcombe``: Newcombe's hybrid score interval (method 10 of Newcombe 1998), built from the Wilson
    score intervals of each proportion; it stays inside [−1, 1] and behaves at 0 or n events.
    """
    if n1 <= 0 or n2 <= 0:
        raise TlfError("difference of proportions needs positive denominators")
    p1, p2 = x1 / n1, x2 / n2
    z = float(sps.norm.ppf(1 - alpha / 2))
    d = p1 - p2
    if method == "wald":
        se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        lo, hi = d - z * se, d + z * se
    elif method == "newcombe":
        l1, u1 = _wilson(x1, n1, z)
        l2, u2 = _wilson(x2, n2, z)
        lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    else:
        raise TlfError(f"unknown CI method {method!r}", expected="wald or newcombe")
    return {"estimate": float(d), "lower": float(lo), "upper": float(hi), "method": method}


def _wilson(x: int, n: int, z: float) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)
