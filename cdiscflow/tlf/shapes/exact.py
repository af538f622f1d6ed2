"""The exact test the table shapes need that scipy does not give (CMH tests: :mod:`cdiscflow.tlf.stats.cmh`).

* :func:`fisher_rxc` — Fisher's exact test of an r×c table (SAS ``PROC FREQ / EXACT FISHER``, R
  ``fisher.test``). scipy's ``fisher_exact`` is exact only for 2×2; for larger tables it draws a Monte Carlo
  sample, which is not reproducible to the published digit. The exact p is the total hypergeometric
  probability of every table with the observed margins that is no more probable than the observed one
  (relative tolerance 1e-7, as R's FEXACT). Tables are enumerated row by row (the largest row last, as the
  remainder), which is fast for the few-hundred-subject tables of a clinical study.

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
    caps = np.asarray(caps, dtype=np.int64)
    rest = np.concatenate([np.cumsum(caps[::-1])[::-1][1:], [0]])  # capacity of the parts after j
    rows = np.zeros((1, 0), dtype=np.int64)
    used = np.zeros(1, dtype=np.int64)
    for j in range(len(caps) - 1):
        k = np.arange(int(min(caps[j], total)) + 1, dtype=np.int64)
        new_used = (used[:, None] + k[None, :]).ravel()
        keep = (new_used <= total) & (total - new_used <= rest[j])
        rows = np.column_stack([np.repeat(rows, len(k), axis=0), np.tile(k, len(used))])[keep]
        used = new_used[keep]
    last = total - used
    keep = last <= caps[-1]
    return np.column_stack([rows[keep], last[keep]])


def _tables(row_totals: Sequence[int], col_totals: np.ndarray) -> Iterator[np.ndarray]:
    """Blocks of tables (n_tables × r × c) with the given margins; the last row is the remainder, the
    row before it is enumerated as one block."""
    def rec(i: int, caps: np.ndarray, prefix: list[np.ndarray]) -> Iterator[np.ndarray]:
        comps = _compositions(int(row_totals[i]), caps)
        if i == len(row_totals) - 2:
            if len(comps):
                fixed = [np.broadcast_to(p, comps.shape) for p in prefix]
                yield np.stack([*fixed, comps, caps - comps], axis=1)
            return
        for comp in comps:
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
    for block in _tables(rows.tolist(), cols):
        count += len(block)
        if count > MAX_TABLES:
            raise TlfError(f"Fisher's exact test of a {arr.shape[0]}x{arr.shape[1]} table with {n} subjects "
                           f"needs more than {MAX_TABLES} tables", expected="a smaller table")
        lp = _log_prob(block, log_const)
        p += float(np.exp(lp[lp <= observed + np.log1p(1e-7)]).sum())
    return min(p, 1.0)

