"""CSF biomarkers before transplant and at Week 2, calibrated to Figure 3 and the text.

Per analyte and arm the paired participants' baseline values get the published mean/SD and their changes
the published mean and SEM (exact before rounding). Baselines and changes are paired so that every
post value stays above the LLOQ, and assigned to participants so that, in the treated arm, MCP-1 at
Week 2 goes with a worse week-12 ALSFRS-R slope change and VEGF with lower MCP-1 (Figure 4).
Unpaired participants (a pre-transplant sample only) get draws from the same distributions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.studies.msc_ntf_als import design as D
from cdiscflow.studies.msc_ntf_als.calibrate import rescale


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


def _changes(base: np.ndarray, mean: float, sd: float, floor: float, rng: np.random.Generator) -> np.ndarray:
    """Changes with exact mean/SD such that every ``base + change`` stays above ``floor``: normal first,
    then increasingly right-skewed (a long tail of large increases keeps the smallest change small)."""
    n = len(base)
    if n < 2:
        return np.full(n, mean)
    for sigma in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        draw = rng.normal(0, 1, n) if sigma == 0.0 else rng.lognormal(0.0, sigma, n)
        change = _pair(base, rescale(draw, mean, sd), floor)
        if (base + change).min() > floor:
            return change
    return change


def simulate_csf(subj: pd.DataFrame, week12_change: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """One row per participant with a pre-transplant sample and analyte: SUBJID, CODE, PRE, POST (NaN when
    no Week 2 sample), PRE_BLQ/POST_BLQ (below the LLOQ)."""
    rows = []
    for k, arm in enumerate(D.ARMS):
        p = "TP"[k]
        pre_ids = subj.loc[(subj["ARM"] == arm) & subj["CSFPRE"], "SUBJID"].to_numpy()
        paired = subj.loc[(subj["ARM"] == arm) & subj["CSFPAIR"], "SUBJID"].to_numpy()
        single = np.setdiff1d(pre_ids, paired)
        slope = week12_change.reindex(paired).fillna(0.0).to_numpy()
        z_slope = (slope - slope.mean()) / (slope.std() or 1.0)
        latent_mcp = -0.7 * z_slope + 0.7 * rng.normal(0, 1, len(paired))
        latent = {"MCP1": latent_mcp, "VEGF": -0.7 * latent_mcp + 0.7 * rng.normal(0, 1, len(paired))}
        latent["SDF1A"] = -0.8 * latent["VEGF"] + 0.6 * rng.normal(0, 1, len(paired))
        latent["LIF"] = -0.6 * latent["MCP1"] + 0.8 * rng.normal(0, 1, len(paired))
        for a in D.CSF.itertuples(index=False):
            n = len(paired)
            base_mean, base_sd = getattr(a, f"{p}_BASE"), getattr(a, f"{p}_BASE_SD")
            chg_mean, chg_sem = getattr(a, f"{p}_CHG"), getattr(a, f"{p}_CHG_SEM")
            floor = a.LLOQ * 1.5
            if pd.isna(base_mean):                 # undetectable before transplant
                base = np.full(n, np.nan)
                post = (_skewed(n, chg_mean, chg_sem * np.sqrt(n), floor, rng)
                        if pd.notna(chg_mean) else np.full(n, np.nan))
            else:
                base = _skewed(n, base_mean, base_sd, floor, rng)
                change = _changes(base, chg_mean, chg_sem * np.sqrt(n), floor, rng)
                post = base + change
            if k == 0 and a.CODE in latent and n > 1:
                order = np.argsort(np.nan_to_num(post, nan=0.0))
                target = np.argsort(np.argsort(latent[a.CODE]))
                base, post = base[order][target], post[order][target]
            extra = (_skewed(len(single), base_mean, base_sd, floor, rng) if pd.notna(base_mean)
                     else np.full(len(single), np.nan))
            rows.append(pd.DataFrame({
                "SUBJID": np.concatenate([paired, single]), "CODE": a.CODE,
                "PRE": np.concatenate([base, extra]),
                "POST": np.concatenate([post, np.full(len(single), np.nan)]),
                "PAIRED": np.repeat([True, False], [len(paired), len(single)]),
            }))
    return pd.concat(rows, ignore_index=True)
