"""Cochran–Mantel–Haenszel statistics for s × r tables stratified by a third variable (SAS ``PROC FREQ`` ``CMH``).

``cmh_test(..., statistic="row_mean_scores")`` is SAS's "Row Mean Scores Differ" (rows = groups, column
scores = the response values, SAS ``SCORES=TABLE``): do the mean scores differ across the groups, controlling
for the strata? ``"general"`` is the "General Association" statistic and ``"correlation"`` the "Nonzero
Correlation" one (row and column scores). Formulas of Landis, Heyman & Koch (1978): in each stratum
``h`` the statistic contrasts ``B_h (n_h − m_h)`` with its variance under independence,
``n_h² / (n_h − 1) · B_h (V_rows ⊗ V_cols) B_h'``; sums over strata give ``Q = G' V⁻¹ G`` (chi-square). Strata
with fewer than two observations carry no information and are left out, as SAS does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from cdiscflow.errors import TlfError

Statistic = Literal["row_mean_scores", "general", "correlation"]


def cmh_test(rows: Sequence[object] | pd.Series, cols: Sequence[float] | pd.Series,
             strata: Sequence[object] | pd.Series | None = None, *,
             statistic: Statistic = "row_mean_scores") -> dict[str, float]:
    """CMH ``statistic`` of the ``rows`` × ``cols`` association within ``strata``: chi-square, df and p.
    ``cols`` must be numeric for the score statistics (its values are the scores)."""
    data = pd.DataFrame({"r": np.asarray(rows, dtype=object), "c": np.asarray(cols, dtype=object),
                         "h": np.zeros(len(rows)) if strata is None else np.asarray(strata, dtype=object)})
    data = data[data["r"].notna() & data["c"].notna() & data["h"].notna()]
    if statistic not in ("row_mean_scores", "general", "correlation"):
        raise TlfError(f"unknown CMH statistic {statistic!r}", expected="row_mean_scores, general or correlation")
    if statistic != "general":
        numeric = pd.to_numeric(data["c"], errors="coerce")
        if numeric.isna().any():
            raise TlfError("CMH score statistics need numeric response values", expected="numbers")
        data["c"] = numeric
    row_levels = sorted(data["r"].unique(), key=str)
    col_levels = sorted(data["c"].unique(), key=lambda v: (0, v, "") if statistic != "general" else (0, 0, str(v)))
    s, r = len(row_levels), len(col_levels)
    if s < 2 or r < 2:
        return {"statistic": np.nan, "df": np.nan, "p": np.nan}
    counts = (data.groupby(["h", "r", "c"]).size().unstack("c", fill_value=0)
              .reindex(columns=col_levels, fill_value=0))
    strata_levels = counts.index.get_level_values("h").unique()
    table = np.stack([counts.xs(h, level="h").reindex(row_levels, fill_value=0).to_numpy(dtype=float)
                      for h in strata_levels])  # strata × s × r
    n = table.sum(axis=(1, 2))
    table, n = table[n > 1], n[n > 1]
    if statistic == "general":
        a = np.eye(r)[:-1]
        c = np.eye(s)[:-1]
    else:
        a = np.array([col_levels], dtype=float)
        c = np.eye(s)[:-1] if statistic == "row_mean_scores" else np.arange(s, dtype=float)[None, :]
    p_row = table.sum(axis=2) / n[:, None]
    p_col = table.sum(axis=1) / n[:, None]
    expected = n[:, None, None] * p_row[:, :, None] * p_col[:, None, :]
    g = np.einsum("ai,hij,bj->ab", c, table - expected, a).reshape(-1)
    v_row = np.einsum("hi,ij->hij", p_row, np.eye(s)) - np.einsum("hi,hj->hij", p_row, p_row)
    v_col = np.einsum("hi,ij->hij", p_col, np.eye(r)) - np.einsum("hi,hj->hij", p_col, p_col)
    factor = n ** 2 / (n - 1)
    v_c = np.einsum("ai,hij,bj->hab", c, v_row, c)
    v_a = np.einsum("ai,hij,bj->hab", a, v_col, a)
    var = np.einsum("h,hab,hcd->acbd", factor, v_c, v_a).reshape(len(g), len(g))
    q = float(g @ np.linalg.solve(var, g))
    dof = float(len(g))
    return {"statistic": q, "df": dof, "p": float(sps.chi2.sf(q, dof))}
