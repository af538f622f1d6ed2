"""CSF biomarkers before transplant and at Week 2, calibrated to Figure 3 and the text.

Per analyte and arm the paired participants' baseline values and their changes get the published mean and
SEM (SD = SEM * sqrt(n pairs); exact before rounding). Baselines and changes are paired so that every
post value stays above the LLOQ, and assigned to participants so that, in the treated arm, the Week-2 levels have the published
correlations (MCP-1 with a worse week-12 ALSFRS-R slope change, VEGF with lower MCP-1, ...; Figure 4),
read as Spearman (rank) correlations: with the SEM reading the Week-2 levels are so right-skewed (MCP-1: mean
25, SD about 40, all above the LLOQ) that a Pearson r of -0.56 between two of them is out of reach.
Unpaired participants (a pre-transplant sample only) get draws from the same distributions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from cdiscflow.studies.msc_ntf_als.simulator import design as D
from cdiscflow.studies.msc_ntf_als.simulator.calibrate import rescale

CORR_TOL = 0.004       # correlations within this of the published value (shown with 2 decimals)


def _skewed(n: int, mean: float, sd: float, floor: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` values with exact sample mean/SD, all above ``floor`` (more right skew until they are)."""
    if n < 2:
        return np.full(n, mean)
    for sigma in (0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.2, 2.6):
        x = rescale(rng.lognormal(0.0, sigma, n), mean, sd)
        if x.min() > floor:
            return x
    return np.maximum(x, floor * 1.01)


def _pair(base: np.ndarray, change: np.ndarray, floor: float) -> np.ndarray:
    """Order ``change`` against ``base`` (largest decrease with the largest baseline) when needed."""
    if (base + change).min() > floor:
        return change
    paired = np.empty_like(change)
    paired[np.argsort(-base)] = np.sort(change)
    return paired


def _changes(base: np.ndarray, mean: float, sd: float, floor: float, rng: np.random.Generator,
             left: float = 0.0) -> np.ndarray:
    """Changes with exact mean/SD such that every ``base + change`` stays above ``floor``: normal first
    (left-skewed, ``-exp(left * z)``, when ``left`` > 0), then increasingly right-skewed (a long tail of
    large increases keeps the smallest change small)."""
    n = len(base)
    if n < 2:
        return np.full(n, mean)
    for sigma in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        draw = rng.normal(0, 1, n) if sigma == 0.0 else rng.lognormal(0.0, sigma, n)
        if sigma == 0.0 and left > 0.0:
            draw = -np.exp(left * draw)
        change = _pair(base, rescale(draw, mean, sd), floor)
        if (base + change).min() > floor:
            return change
    return change


def _placed(values: np.ndarray, anchors: list[np.ndarray], targets: list[float], noise: np.ndarray) -> np.ndarray:
    """Order of ``values`` whose Pearson correlations with ``anchors`` come closest to ``targets``.

    Values are first assigned by the rank of ``w * z(first anchor) + sqrt(1 - w^2) * noise`` (``w`` on a
    fine grid), then two participants' values are swapped while that reduces the summed distance of the
    correlations to their targets (exact: a swap changes each cross-product by a closed-form amount).
    """
    ys = np.array([(a - a.mean()) / (a.std() or 1.0) for a in anchors])        # (k, n)
    goal = np.asarray(targets)
    w = np.linspace(-1.0, 1.0, 401)[:, None]
    ranks = np.argsort(np.argsort(w * ys[0] + np.sqrt(1.0 - w ** 2) * noise, axis=1, kind="stable"), axis=1)
    trial = np.sort(values)[ranks]                                    # (grid, n) candidate assignments
    r = np.array([np.corrcoef(t, ys[0])[0, 1] for t in trial])
    order = np.argsort(values, kind="stable")[ranks[int(np.argmin(np.abs(r - goal[0])))]]
    x = values[order]
    scale = np.sqrt(((x - x.mean()) ** 2).sum()) * np.sqrt((ys ** 2).sum(axis=1))          # (k,)
    dx = lambda v: np.subtract.outer(v, v)  # noqa: E731
    for _ in range(len(x) ** 2):
        cur = ys @ x / scale
        err = np.abs(cur - goal)
        if (err < CORR_TOL).all():
            break
        new = cur[:, None, None] - dx(x)[None] * np.array([dx(y) for y in ys]) / scale[:, None, None]
        gain = np.abs(new - goal[:, None, None]).sum(axis=0)
        i, j = np.unravel_index(int(np.argmin(gain)), gain.shape)
        if not gain[i, j] < err.sum() - 1e-12:
            break
        order[[i, j]] = order[[j, i]]
        x = values[order]
    return order


def _correlate(values: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], slope: pd.DataFrame,
               noise: dict[str, np.ndarray]) -> None:
    """Reassign paired (baseline, Week 2) values among the treated participants, in place, so that the
    Week-2 levels have the published (rank) correlations (``D.CSF_CORRELATIONS``, in order; an analyte with
    two rows is placed against both); an analyte without its own noise uses the (random) order it was drawn in."""
    for code, rows in D.CSF_CORRELATIONS.groupby("CODE", sort=False):
        base, post, extra = values[code]
        anchors = [rankdata(slope[w] if w in slope else values[w][1]) for w in rows["WITH"]]
        own = noise.get(code)
        if own is None:
            own = (post - post.mean()) / (post.std() or 1.0)
        order = _placed(rankdata(post), anchors, rows["R"].tolist(), own)
        values[code] = (base[order], post[order], extra)


def simulate_csf(subj: pd.DataFrame, slope_changes: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per participant with a pre-transplant sample and analyte: SUBJID, CODE, PRE, POST (NaN when
    no Week 2 sample), PRE_BLQ/POST_BLQ (below the LLOQ). ``slope_changes``: ALSFRS-R slope change per
    participant (index SUBJID), columns ``SLOPE<week>`` as named in ``design.CSF_CORRELATIONS``."""
    rows = []
    for k, arm in enumerate(D.ARMS):
        p = "TP"[k]
        pre_ids = subj.loc[(subj["ARM"] == arm) & subj["CSFPRE"], "SUBJID"].to_numpy()
        paired = subj.loc[(subj["ARM"] == arm) & subj["CSFPAIR"], "SUBJID"].to_numpy()
        single = np.setdiff1d(pre_ids, paired)
        slope = slope_changes.reindex(paired).fillna(0.0)
        noise = {code: rng.normal(0, 1, len(paired)) for code in ("MCP1", "VEGF", "SDF1A", "LIF")}
        values = {}
        for a in D.CSF.itertuples(index=False):
            n = len(paired)
            base_mean, base_sd = getattr(a, f"{p}_BASE"), getattr(a, f"{p}_BASE_SEM") * np.sqrt(n)
            chg_mean, chg_sem = getattr(a, f"{p}_CHG"), getattr(a, f"{p}_CHG_SEM")
            floor = a.LLOQ * 1.5
            if pd.isna(base_mean):                 # undetectable before transplant
                base = np.full(n, np.nan)
                post = (_skewed(n, chg_mean, chg_sem * np.sqrt(n), floor, rng)
                        if pd.notna(chg_mean) else np.full(n, np.nan))
            else:
                base = _skewed(n, base_mean, base_sd, floor, rng)
                change = _changes(base, chg_mean, chg_sem * np.sqrt(n), floor, rng,
                                  left=D.CSF_LEFT_SKEW.get(a.CODE, 0.0) if k == 0 else 0.0)
                post = base + change
            extra = (_skewed(len(single), base_mean, base_sd, floor, rng) if pd.notna(base_mean)
                     else np.full(len(single), np.nan))
            values[a.CODE] = (base, post, extra)
        if k == 0 and len(paired) > 2:
            _correlate(values, slope, noise)
        for a in D.CSF.itertuples(index=False):
            base, post, extra = values[a.CODE]
            rows.append(pd.DataFrame({
                "SUBJID": np.concatenate([paired, single]), "CODE": a.CODE,
                "PRE": np.concatenate([base, extra]),
                "POST": np.concatenate([post, np.full(len(single), np.nan)]),
                "PAIRED": np.repeat([True, False], [len(paired), len(single)]),
            }))
    return pd.concat(rows, ignore_index=True)
