"""ALSFRS-R totals and item scores, calibrated to the paper's slopes, subgroups and responder counts.

Rules (``design`` module docstring): baseline = Transplant visit, pre-slope = (baseline - screening) /
months, post-slope at week w = (week w - baseline) / months, responder if post - pre >= 1.5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.studies.msc_ntf_als import design as D
from cdiscflow.studies.msc_ntf_als.calibrate import Target, calibrate_integers, rescale

ITEMS = ("Speech", "Salivation", "Swallowing", "Handwriting", "Cutting food and handling utensils",
         "Dressing and hygiene", "Turning in bed and adjusting bed clothes", "Walking", "Climbing stairs",
         "Dyspnea", "Orthopnea", "Respiratory insufficiency")
MARGIN = 1e-6          # no slope change lies within this distance of the responder threshold
THRESHOLD = 1.5


def _screening_totals(subj: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    arm = subj["ARM"].to_numpy()
    draw = rng.normal(0, 1, len(subj))
    x = draw.copy()
    targets = []
    for k, name in enumerate(D.ARMS):
        m = arm == name
        x[m] = rescale(draw[m], D.SCREEN_ALSFRS.mean[k], D.SCREEN_ALSFRS.sd[k])
        targets.append(Target(m, D.SCREEN_ALSFRS.mean[k], D.SCREEN_ALSFRS.sd[k], *D.SCREEN_ALSFRS.decimals))
    return calibrate_integers(x, targets, 30, 45, rng=rng)


def _pre_change(subj: pd.DataFrame, m_pre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Screening -> baseline change: <= -3 for rapid progressors, -1..1 for slow ones (never -2)."""
    target = np.array([D.PRE_SLOPE[(a, r)] for a, r in zip(subj["ARM"], subj["RAPID"], strict=True)])
    rapid = subj["RAPID"].to_numpy()
    lo = np.where(rapid, -20, -1)
    hi = np.where(rapid, D.RAPID_CHANGE_MAX, 1)
    change = np.clip(np.rint(target * m_pre + rng.normal(0, 0.8, len(subj))), lo, hi)
    # one-shot correction of each group's mean slope: move the needed number of members by one point
    for key in D.PRE_SLOPE:
        g = np.flatnonzero((subj["ARM"].to_numpy() == key[0]) & (rapid == key[1]))
        if not len(g):
            continue
        k = int(round((D.PRE_SLOPE[key] - np.mean(change[g] / m_pre[g])) * len(g) * np.mean(m_pre[g])))
        step = np.sign(k)
        movable = g[(change[g] + step >= lo[g]) & (change[g] + step <= hi[g])]
        change[rng.permutation(movable)[:abs(k)]] += step
    return change.astype(int)


def _responder_flags(subj: pd.DataFrame, eligible: np.ndarray, base: np.ndarray, pre: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """(n, weeks) responder flags with the published counts per arm, subgroup and week.

    Within each group the participants most able to improve (lowest total needed at week 24) respond
    first, so responses persist from week to week; drop-outs never respond.
    """
    n_arm = tuple(int((subj["ARM"] == a).sum()) for a in D.ARMS)
    need24 = base + (pre + THRESHOLD) * (168 / D.DAYS_PER_MONTH)
    score = -need24 + rng.normal(0, 2.0, len(subj))
    flags = np.zeros(eligible.shape, bool)
    for (arm, rapid), counts in D.RESPONDERS.items():
        group = (subj["ARM"].to_numpy() == arm) & (subj["RAPID"].to_numpy() == rapid) & ~subj["DROPOUT"]
        size = int(group.sum())
        full = D.RAPID[D.ARMS.index(arm)] if rapid else (36, 12)[D.ARMS.index(arm)] - D.RAPID[
            D.ARMS.index(arm)]
        for w, count in enumerate(counts):
            k = count if n_arm == (36, 12) else int(round(count * size / max(full, 1)))
            cand = np.flatnonzero(group & eligible[:, w])
            top = cand[np.argsort(-score[cand], kind="stable")[:k]]
            flags[top, w] = True
    return flags


def _slope_targets(subj: pd.DataFrame, flags: np.ndarray, eligible: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """Target slope change per participant and week: group means as published, responders >= 1.5."""
    delta = np.zeros(flags.shape)
    for (arm, rapid), means in D.SLOPE_CHANGE.items():
        group = (subj["ARM"].to_numpy() == arm) & (subj["RAPID"].to_numpy() == rapid)
        for w, mean in enumerate(means):
            g = group & eligible[:, w]
            resp, non = g & flags[:, w], g & ~flags[:, w]
            delta[resp, w] = THRESHOLD + 0.2 + rng.exponential(1.2 if w < 2 else 0.6, resp.sum())
            total = mean * g.sum()
            mu = (total - delta[resp, w].sum()) / max(non.sum(), 1)
            mu = min(mu, THRESHOLD - 0.9)
            if resp.any():   # what the capped non-responders cannot carry goes to the responders
                delta[resp, w] += max(total - mu * non.sum() - delta[resp, w].sum(), 0.0) / resp.sum()
            delta[non, w] = np.minimum(mu + rng.normal(0, 0.8, non.sum()), THRESHOLD - 0.3)
    return delta


def item_scores(totals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split totals (0-48) into 12 items (0-4): the deficit 48 - total goes to items in proportion to each
    participant's weights (D'Hondt allocation), never more than 4 points per item."""
    deficit = 48 - totals
    alloc = np.zeros(weights.shape, int)
    for step in range(int(deficit.max(initial=0))):
        rows = np.flatnonzero(deficit > step)            # participants still owed a point
        taken = alloc[rows]
        quota = np.where(taken < 4, weights[rows] / (taken + 1.0), -1.0)
        alloc[rows, np.argmax(quota, axis=1)] += 1
    return 4 - alloc


def simulate_alsfrs(subj: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """ALSFRS-R records (one per participant and visit with ALSFRS-R): visit keys, TOTAL and ITEM1..12."""
    rnd = subj[subj["STATUS"] == "RANDOMIZED"].reset_index(drop=True)
    n = len(rnd)
    v = visits[visits["ALSFRS"] & visits["DONE"]]
    dates = v.pivot(index="SUBJID", columns="VISIT", values="DATE").reindex(rnd["SUBJID"])
    days = lambda a, b: (dates[b] - dates[a]).dt.days.to_numpy(dtype=float)  # noqa: E731
    m_pre = days("Screening", "Transplant") / D.DAYS_PER_MONTH
    weeks = [f"Week {w}" for w in D.FOLLOW_UP_WEEKS]
    m_post = np.column_stack([days("Transplant", w) for w in weeks]) / D.DAYS_PER_MONTH
    eligible = ~np.isnan(m_post)

    screen = _screening_totals(rnd, rng)
    change = _pre_change(rnd, m_pre, rng)
    base = screen + change
    pre = change / m_pre
    flags = _responder_flags(rnd, eligible, base, pre, rng)
    delta = _slope_targets(rnd, flags, eligible, rng)
    with np.errstate(invalid="ignore"):
        thr = base[:, None] + (pre[:, None] + THRESHOLD) * m_post
        guess = np.rint(base[:, None] + (pre[:, None] + delta) * m_post)
        lo_resp = np.ceil(thr + MARGIN * m_post)
        hi_non = np.ceil(thr - MARGIN * m_post) - 1
        post = np.where(flags, np.maximum(guess, lo_resp), np.minimum(guess, hi_non))
    post = np.clip(post, 0, 48)

    totals = {"Screening": screen, "Transplant": base}
    for name, frac in (("Run-in", 0.35), ("Randomization", 0.7)):
        totals[name] = np.clip(np.rint(screen + change * frac + rng.normal(0, 0.6, n)), 0, 48).astype(int)
    for w, name in enumerate(weeks):
        totals[name] = post[:, w]
    wide = pd.DataFrame(totals, index=rnd["SUBJID"])
    # screened but not randomized: screening (and run-in) totals only
    others = subj.loc[subj["STATUS"] != "RANDOMIZED", "SUBJID"]
    other_tot = np.clip(np.rint(rng.normal(36, 5, len(others))), 22, 47)
    other_wide = pd.DataFrame({"Screening": other_tot, "Run-in": other_tot - rng.integers(0, 3, len(others))},
                              index=others)
    long = pd.concat([wide, other_wide]).rename_axis("SUBJID").reset_index().melt(
        id_vars="SUBJID", var_name="VISIT", value_name="TOTAL")
    rec = visits[visits["ALSFRS"]].merge(long, on=["SUBJID", "VISIT"], how="inner")
    rec = rec[rec["TOTAL"].notna() & rec["DONE"]].reset_index(drop=True)
    rec["TOTAL"] = rec["TOTAL"].astype(int)
    weights = rng.dirichlet(np.full(len(ITEMS), 6.0), len(subj))
    w_by_subj = pd.DataFrame(weights, index=subj["SUBJID"]).loc[rec["SUBJID"]].to_numpy()
    items = item_scores(rec["TOTAL"].to_numpy(), w_by_subj)
    for i in range(len(ITEMS)):
        rec[f"ITEM{i + 1}"] = items[:, i]
    return rec
