"""Descriptive statistics by group: n, mean, SD, SEM, median, Q1/Q3, min/max, and counts with percentages.

Quartiles follow SAS's default definition (PROC UNIVARIATE/MEANS ``QNTLDEF=5``: empirical distribution
function with averaging), which is numpy's ``averaged_inverted_cdf`` method.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cdiscflow.tlf.rounding import data_decimals

STATISTICS: tuple[str, ...] = ("n", "mean", "sd", "sem", "median", "q1", "q3", "min", "max")
_DEFAULT_OFFSETS = {"n": None, "mean": 1, "median": 1, "q1": 1, "q3": 1, "sd": 2, "sem": 2, "min": 0, "max": 0}


@dataclass(frozen=True)
class Precision:
    """Decimals per statistic: data precision plus an offset (mean/median +1, SD/SEM +2, min/max +0),
    or a fixed number given in ``fixed`` (e.g. ``{"mean": 1, "sd": 2}``); ``n`` is always an integer."""

    offsets: dict[str, int | None] = field(default_factory=lambda: dict(_DEFAULT_OFFSETS))
    fixed: dict[str, int] = field(default_factory=dict)
    cap: int = 4

    def decimals(self, statistic: str, values: np.ndarray | pd.Series) -> int:
        if statistic == "n":
            return 0
        if statistic in self.fixed:
            return int(self.fixed[statistic])
        offset = self.offsets.get(statistic) or 0
        return min(data_decimals(np.asarray(values, dtype=float)) + offset, self.cap)


def _quartiles(work: pd.DataFrame, keys: list[str], var: str) -> pd.DataFrame:
    """Q1 and Q3 of ``var`` per ``keys`` group, SAS ``QNTLDEF=5`` (numpy ``averaged_inverted_cdf``), vectorised:
    with the group's ``n`` non-missing values sorted, ``j = n p``; the quantile is the mean of the ``j``-th and
    ``j+1``-th values when ``j`` is whole, else the ``ceil(j)``-th."""
    valid = work.dropna(subset=[var, *keys]).sort_values([*keys, var], kind="stable")
    if valid.empty:
        return valid[keys].assign(q1=np.nan, q3=np.nan)
    gid = valid.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    n = np.diff(np.r_[starts, len(gid)])
    x = valid[var].to_numpy(dtype=float)
    out = valid.iloc[starts][keys].reset_index(drop=True)
    for name, quarter in (("q1", 1), ("q3", 3)):
        num = n * quarter  # j = num / 4, in whole numbers
        j, whole = num // 4, num % 4 == 0
        lower = np.where(whole, j - 1, j)  # 0-based: the j-th value when whole, else the ceil(j)-th
        out[name] = (x[starts + lower] + x[starts + j]) / 2.0
    return out


def describe(df: pd.DataFrame, var: str, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Summary statistics of ``var`` per ``by`` group (all rows if ``by`` is None), one row per group.

    Columns: the by-variables, then ``n mean sd sem median q1 q3 min max``. SD uses n-1; groups with one
    value get SD/SEM NaN; empty groups are not listed.
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    work = df[keys + [var]].copy()
    work[var] = pd.to_numeric(work[var], errors="coerce")
    if not keys:
        work["_all"] = 1
    group_keys = keys or ["_all"]
    out = work.groupby(group_keys, sort=False, observed=True)[var].agg(
        n="count", mean="mean", sd="std", median="median", min="min", max="max").reset_index()
    out = out.merge(_quartiles(work, group_keys, var), on=group_keys, how="left", validate="one_to_one")
    out["sem"] = out["sd"] / np.sqrt(out["n"])
    out["n"] = out["n"].astype(float)
    if not keys:
        out = out.drop(columns="_all")
    return out[keys + list(STATISTICS)]


def count_by_group(df: pd.DataFrame, var: str, by: str, *, subject: str | None = None,
                   levels: Sequence[str] | None = None, groups: Sequence[str] | None = None,
                   denominators: pd.Series | None = None) -> pd.DataFrame:
    """Counts of ``var`` levels per ``by`` group with percentages of the group's denominator.

    ``subject`` counts distinct subjects instead of records. ``levels``/``groups`` give the full grid
    (zero counts included) and its order; ``denominators`` (indexed by group) default to the number of
    rows (or distinct subjects) per group. Columns: by, var, n, denom, pct.
    """
    if subject:
        counts = df.drop_duplicates([by, var, subject]).groupby([by, var], observed=True).size()
        base = df.drop_duplicates([by, subject]).groupby(by, observed=True).size()
    else:
        counts = df.groupby([by, var], observed=True).size()
        base = df.groupby(by, observed=True).size()
    denom = denominators if denominators is not None else base
    g = list(groups) if groups is not None else list(denom.index)
    lv = list(levels) if levels is not None else sorted(df[var].dropna().unique().tolist())
    grid = pd.MultiIndex.from_product([g, lv], names=[by, var])
    out = counts.reindex(grid, fill_value=0).rename("n").reset_index()
    out["n"] = out["n"].astype(float)
    out["denom"] = out[by].map(denom).astype(float)
    out["pct"] = np.where(out["denom"] > 0, 100.0 * out["n"] / out["denom"], np.nan)
    return out
