"""Calibration of simulated subject values to published summaries (mean and SD at display precision).

Continuous values are rescaled exactly; integer values (ages, scores, day counts) are moved one unit at a
time by a greedy search until every group's mean and SD round to the published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_KICKS = 200     # random restarts from local minima before giving up
EXACT_MAX_N = 100   # larger samples are only rescaled and rounded (the paper's targets are for N = 48)


@dataclass(frozen=True)
class Target:
    """The members of one group (boolean mask) and the published mean and SD with their decimals."""

    mask: np.ndarray
    mean: float
    sd: float
    mean_decimals: int
    sd_decimals: int
    scale: float = 1.0          # published figure = value / scale (e.g. days -> months)


def _interval(value: float, decimals: int, scale: float) -> tuple[float, float]:
    """Values (in data units) that display as ``value``; the inner 90% keeps clear of rounding edges."""
    half = 0.5 * 10.0 ** -decimals
    return ((value - 0.9 * half) * scale, (value + 0.9 * half) * scale)


def rescale(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """Linear transform of ``x`` with sample mean ``mean`` and sample SD (ddof=1) ``sd``."""
    s = x.std(ddof=1)
    z = (x - x.mean()) / s if s > 0 else np.zeros_like(x)
    return mean + sd * z


def _stats(total: np.ndarray, sq: np.ndarray, n: float) -> tuple[np.ndarray, np.ndarray]:
    mean = total / n
    var = np.maximum(sq - n * mean ** 2, 0.0) / max(n - 1.0, 1.0)
    return mean, np.sqrt(var)


def _distance(value: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.maximum(lo - value, 0.0) + np.maximum(value - hi, 0.0)


def calibrate_integers(x: np.ndarray, targets: list[Target], lo: int, hi: int,
                       frozen: np.ndarray | None = None, max_iter: int = 3000,
                       rng: np.random.Generator | None = None) -> np.ndarray:
    """Move integer values by +/-1 (singly or in +1/-1 pairs) until every target displays as published.

    Greedy: each step applies the move that most reduces the summed distance of every group's mean and SD
    to its display interval; values stay within ``[lo, hi]`` and ``frozen`` entries never move.
    Pair moves are searched among a bounded candidate set; samples above ``EXACT_MAX_N`` are only rounded.
    When no move helps (a local minimum), a few random values are kicked by one unit and the search goes
    on (deterministic for a given ``rng``).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    x = np.clip(np.rint(x), lo, hi).astype(np.int64)
    if len(x) > EXACT_MAX_N:
        return x
    movable = np.ones(len(x), bool) if frozen is None else ~frozen
    members = np.array([t.mask for t in targets], dtype=float)          # (T, n)
    n_t = members.sum(axis=1)
    bounds = [(_interval(t.mean, t.mean_decimals, t.scale), _interval(t.sd, t.sd_decimals, t.scale))
              for t in targets]

    def loss(total: np.ndarray, sq: np.ndarray) -> np.ndarray:
        out = np.zeros(total.shape[1:])
        for k, ((mlo, mhi), (slo, shi)) in enumerate(bounds):
            mean, sd = _stats(total[k], sq[k], n_t[k])
            out = out + _distance(mean, mlo, mhi) / (mhi - mlo) + _distance(sd, slo, shi) / (shi - slo)
        return out

    idx_all = np.flatnonzero(movable)
    kicks = 0
    for _ in range(max_iter):
        xf = x.astype(float)
        total = members @ xf
        sq = members @ (xf ** 2)
        current = loss(total[:, None], sq[:, None])[0]
        if current == 0.0:
            break
        # candidates: single moves on every movable value, pair moves among the extremes and the middle
        order = idx_all[np.argsort(xf[idx_all], kind="stable")]
        pick = np.unique(np.concatenate([order[:40], order[-40:], order[len(order) // 2 - 20:
                                                                     len(order) // 2 + 20]]))
        i, j = np.meshgrid(pick, pick, indexing="ij")
        i, j = i.ravel(), j.ravel()
        keep = i != j
        i, j = i[keep], j[keep]
        single_i = np.concatenate([idx_all, idx_all])
        single_d = np.concatenate([np.ones(len(idx_all)), -np.ones(len(idx_all))])
        cand_i = np.concatenate([single_i, i])
        cand_di = np.concatenate([single_d, np.ones(len(i))])
        cand_j = np.concatenate([single_i, j])
        cand_dj = np.concatenate([np.zeros(len(single_i)), -np.ones(len(j))])
        new_i = xf[cand_i] + cand_di
        new_j = xf[cand_j] + cand_dj
        ok = (new_i >= lo) & (new_i <= hi) & (new_j >= lo) & (new_j <= hi)
        d_total = members[:, cand_i] * cand_di + members[:, cand_j] * cand_dj
        d_sq = (members[:, cand_i] * (2 * xf[cand_i] * cand_di + cand_di ** 2)
                + members[:, cand_j] * (2 * xf[cand_j] * cand_dj + cand_dj ** 2))
        cand_loss = loss(total[:, None] + d_total, sq[:, None] + d_sq)
        cand_loss[~ok] = np.inf
        best = int(np.argmin(cand_loss))
        if not cand_loss[best] < current:
            kicks += 1
            if kicks > MAX_KICKS:           # targets out of reach (other sample sizes): stop close to them
                break
            kick = rng.choice(idx_all, size=min(3, len(idx_all)), replace=False)
            x[kick] = np.clip(x[kick] + rng.choice([-1, 1], len(kick)), lo, hi)
            continue
        x[cand_i[best]] += int(cand_di[best])
        x[cand_j[best]] += int(cand_dj[best])
    return x


def targets_met(x: np.ndarray, targets: list[Target]) -> bool:
    """Whether every target's mean and SD display as published (half-up rounding)."""
    for t in targets:
        v = x[t.mask] / t.scale
        for stat, want, dec in ((v.mean(), t.mean, t.mean_decimals), (v.std(ddof=1), t.sd, t.sd_decimals)):
            if abs(stat - want) >= 0.5 * 10.0 ** -dec:
                return False
    return True
