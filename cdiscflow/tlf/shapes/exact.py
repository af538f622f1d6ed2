"""Tests the table shapes need that scipy/statsmodels do not give exactly.

* :func:`fisher_rxc` — Fisher's exact test of an r×c table (SAS ``PROC FREQ / EXACT FISHER``, R
  ``fisher.test``). scipy's ``fisher_exact`` is exact only for 2×2; for larger tables it draws a Monte Carlo
  sample, which is not reproducible to the published digit. The exact p is the total hypergeometric
  probability of every table with the observed margins that is no more probable than the observed one
  (relative tolerance 1e-7, as R's FEXACT). Tables are enumerated row by row (the largest row last, as the
  remainder), which is fast for the few-hundred-subject tables of a clinical study.
* :func:`cmh_general` — the Cochran–Mantel–Haenszel "general association" statistic over strata (SAS
  ``PROC FREQ / CMH``, first row of the CMH table): Q = (n − m)ᵀ V⁻¹ (n − m) over the (r−1)(c−1) free cells,
  summed over strata, chi-square with (r−1)(c−1) df. statsmodels' ``StratifiedTable`` handles 2×2×K only.

>>> round(fisher_rxc([[3, 1, 0], [83, 83, 84]]), 4)
0.3281
>>> round(fisher_rxc([[6, 2], [1, 4]]), 4)
0.1026
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from scipy import stats as sps
from scipy.special import gammaln

from cdiscflow.errors import TlfError

MAX_TABLES = 5_000_000  # enumeration bound; beyond it the exact test is refused rather than run for hours


def _compositions(total: int, caps: np.ndarray) -> np.ndarray:
    """Every way to split ``total`` into ``len(caps)`` non-negative parts, part j at most ``caps[j]``."""
    rows = np.zeros((1, 0), dtype=np.int64)
    left = np.array([total], dtype=np.int64)
    for j, cap in enumerate(caps):
        if j == len(caps) - 1:
            keep = left <= cap
            return np.column_stack([rows[keep], left[keep]])
        rest = int(caps[j + 1:].sum())
        new_rows, new_left = [], []
        for k in range(int(min(cap, total)) + 1):
            ok = (left >= k) & (left - k <= rest)
            if ok.any():
                new_rows.append(np.column_stack([rows[ok], np.full(int(ok.sum()), k)]))
                new_left.append(left[ok] - k)
        if not new_rows:
            return np.zeros((0, len(caps)), dtype=np.int64)
        rows, left = np.vstack(new_rows), np.concatenate(new_left)
    return rows


def _tables(row_totals: Sequence[int], col_totals: np.ndarray) -> Iterator[np.ndarray]:
    """Blocks of tables (n_tables × r × c) with the given margins; the last row is the remainder."""
    def rec(i: int, caps: np.ndarray, prefix: list[np.ndarray]) -> Iterator[np.ndarray]:
        if i == len(row_totals) - 1:
            yield np.stack([*prefix, caps], axis=0)[None]
            return
        for comp in _compositions(int(row_totals[i]), caps):
            yield from rec(i + 1, caps - comp, [*prefix, comp])

    yield from rec(0, np.asarray(col_totals, dtype=np.int64), [])


def _log_prob(tables: np.ndarray, log_const: float) -> np.ndarray:
    return log_const - gammaln(tables + 1.0).sum(axis=(-2, -1))


def fisher_rxc(table: Sequence[Sequence[float]] | np.ndarray) -> float:
    """Two-sided exact p of Fisher's test for an r×c table of counts (empty rows/columns dropped)."""
    arr = np.rint(np.asarray(table, dtype=float)).astype(np.int64)
    arr = arr[arr.sum(axis=1) > 0][:, arr.sum(axis=0) > 0]
    if arr.ndim != 2 or min(arr.shape) < 2:
        return float("nan")
    if arr.shape == (2, 2):
        return float(sps.fisher_exact(arr).pvalue)
    order = np.argsort(arr.sum(axis=1), kind="stable")  # small rows enumerated, the largest one is the remainder
    arr = arr[order]
    rows, cols = arr.sum(axis=1), arr.sum(axis=0)
    n = int(arr.sum())
    log_const = float(gammaln(rows + 1.0).sum() + gammaln(cols + 1.0).sum() - gammaln(n + 1.0))
    observed = float(_log_prob(arr[None], log_const)[0])
    p, count = 0.0, 0
    for block in _batched(_tables(rows.tolist(), cols), 4096):
        count += len(block)
        if count > MAX_TABLES:
            raise TlfError(f"Fisher's exact test of a {arr.shape[0]}x{arr.shape[1]} table with {n} subjects "
                           f"needs more than {MAX_TABLES} tables", expected="a smaller table")
        lp = _log_prob(block, log_const)
        p += float(np.exp(lp[lp <= observed + np.log1p(1e-7)]).sum())
    return min(p, 1.0)


def _batched(blocks: Iterator[np.ndarray], size: int) -> Iterator[np.ndarray]:
    buf: list[np.ndarray] = []
    for b in blocks:
        buf.append(b)
        if len(buf) >= size:
            yield np.concatenate(buf)
            buf = []
    if buf:
        yield np.concatenate(buf)


def cmh_general(tables: Sequence[np.ndarray] | np.ndarray) -> dict[str, float]:
    """CMH general association test over strata (each an r×c table of counts; rows and columns are the
    same levels in every stratum). Strata with fewer than two subjects add nothing. Returns statistic, df, p
    (NaN when the covariance is singular in every direction, e.g. a single non-empty row)."""
    arr = np.asarray(tables, dtype=float)
    if arr.ndim != 3:
        raise TlfError(f"CMH test needs strata of r x c tables, got shape {arr.shape}")
    _, r, c = arr.shape
    dim = (r - 1) * (c - 1)
    diff, cov = np.zeros(dim), np.zeros((dim, dim))
    for t in arr:
        n = t.sum()
        if n < 2:
            continue
        rows, cols = t.sum(axis=1), t.sum(axis=0)
        expected = np.outer(rows, cols) / n
        diff += (t - expected)[:-1, :-1].ravel()
        pr, pc = rows[:-1] / n, cols[:-1] / n
        vr = np.diag(pr) - np.outer(pr, pr)
        vc = np.diag(pc) - np.outer(pc, pc)
        cov += n * n / (n - 1) * np.kron(vr, vc)
    rank = np.linalg.matrix_rank(cov)
    if rank == 0:
        return {"statistic": float("nan"), "df": float("nan"), "p": float("nan")}
    stat = float(diff @ np.linalg.pinv(cov) @ diff)
    return {"statistic": stat, "df": float(rank), "p": float(sps.chi2.sf(stat, rank))}
