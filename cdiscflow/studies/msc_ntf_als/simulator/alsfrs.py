"""ALSFRS-R totals and item scores, calibrated to the paper's slopes, subgroups and responder counts.

Rules (``design`` module docstring): baseline = Transplant visit, pre-slope = (baseline - screening) /
months, post-slope at week w = (week w - baseline) / months, responder if post - pre >= 1.5. At the
design's N, week totals are then nudged (a few points at most, responder flags kept) until the ANCOVA LS
means of the slope change and their p-values display as published (``design.LSMEANS``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cdiscflow.studies.msc_ntf_als.simulator import design as D
from cdiscflow.studies.msc_ntf_als.simulator.calibrate import Target, calibrate_integers, rescale

ITEMS = ("Speech", "Salivation", "Swallowing", "Handwriting", "Cutting food and handling utensils",
         "Dressing and hygiene", "Turning in bed and adjusting bed clothes", "Walking", "Climbing stairs",
         "Dyspnea", "Orthopnea", "Respiratory insufficiency")
MARGIN = 1e-6          # no slope change lies within this distance of the responder threshold
THRESHOLD = 1.5
MEAN_TOL, LOGP_TOL = 0.04, 0.1     # LS means within 0.04 of the published value, p within ~10% (log) first
P_TOL = 0.0004                     # published p-values (3 decimals) within 0.0004: they display as printed
HARD = 100.0                       # weight of the LS means and the later weeks' pattern against the p-values
LATER_P_MIN = 0.06                 # no later-week difference is significant
LSMEAN_KICKS, KICK_MOVES, KICK_SEED = 15, 8, 7   # random restarts of the LS-mean search from local minima
MAX_SHIFT = 3                      # the LS-mean calibration moves a week total by at most this many points


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


def _carried_source(post: np.ndarray) -> np.ndarray:
    """Column whose slope each (participant, week) uses: itself, or the last assessed week after a
    participant's last ALSFRS-R (carried forward); -1 when missing."""
    seen = ~np.isnan(post)
    idx = np.where(seen, np.arange(post.shape[1]), -1)
    last = np.maximum.accumulate(idx, axis=1)
    after = np.arange(post.shape[1]) > np.where(seen.any(axis=1), idx.max(axis=1), -1)[:, None]
    return np.where(seen, idx, np.where(after, last, -1))


def _lsmean_loss(ls_t: np.ndarray, ls_p: np.ndarray, p: np.ndarray, target: tuple | None, rapid: bool) -> np.ndarray:
    """Distance of LS means and p from the published ones (or from the later weeks' pattern). The LS means
    and the later weeks' pattern weigh ``HARD`` times more, so that the p-values are fitted within them."""
    hinge = lambda v: np.maximum(v, 0.0)  # noqa: E731
    logp = np.log(np.maximum(p, 1e-12))
    if target is not None:
        t_trt, t_pbo, t_p = target
        return HARD * (hinge(np.abs(ls_t - t_trt) - MEAN_TOL) + hinge(np.abs(ls_p - t_pbo) - MEAN_TOL)) / MEAN_TOL \
            + hinge(np.abs(logp - np.log(t_p)) - LOGP_TOL) / LOGP_TOL + hinge(np.abs(p - t_p) - P_TOL) / P_TOL
    gap = hinge(D.LSMEAN_LATER_RAPID_LEAD - (ls_t - ls_p)) if rapid else \
        hinge(np.abs(ls_t - ls_p) - D.LSMEAN_LATER_ALL_GAP)
    return HARD * (gap / MEAN_TOL + hinge(np.log(LATER_P_MIN) - logp) / LOGP_TOL)


def _calibrate_lsmeans(post: np.ndarray, lo: np.ndarray, hi: np.ndarray, base: np.ndarray, pre: np.ndarray,
                       m_post: np.ndarray, trt: np.ndarray, rapid: np.ndarray, max_iter: int = 3000) -> np.ndarray:
    """Move week totals by one point (singly, or +1/-1 pairs within a week; always within ``[lo, hi]``, which
    keeps every responder flag) until the ANCOVA LS means of the slope change (change ~ arm + pre-slope,
    carried-forward slopes included) and their p-values display as published (``D.LSMEANS``), with the
    later weeks' pattern.

    Greedy and deterministic: the design matrix of each (week, subset) model is fixed, so the effect of
    every candidate move on the LS means and the residual sum of squares is exact and vectorised.
    """
    post = post.copy()
    src = _carried_source(post)
    n, n_w = post.shape
    targets = {(r.SUBSET == "rapid", D.FOLLOW_UP_WEEKS.index(r.WEEK)): (r.TRT, r.PBO, r.P)
               for r in D.LSMEANS.itertuples(index=False)}
    models = []
    for c in range(n_w):
        for sub in (False, True):
            rows = np.flatnonzero((src[:, c] >= 0) & (rapid if sub else True))
            if len(rows) < 4 or trt[rows].all() or not trt[rows].any():
                continue
            x = np.column_stack([np.ones(len(rows)), trt[rows], pre[rows] - pre[rows].mean()])
            a = np.linalg.pinv(x)
            models.append((rows, src[rows, c], a, np.linalg.inv(x.T @ x)[1, 1], np.eye(len(rows)) - x @ a,
                           targets.get((sub, c)), sub))
    # candidates: single +/-1 moves, and +1/-1 pairs of two participants in the same week
    cells = np.argwhere(~np.isnan(post))
    i1, w1, d1 = np.repeat(cells[:, 0], 2), np.repeat(cells[:, 1], 2), np.tile([1.0, -1.0], len(cells))
    p, q = np.meshgrid(np.arange(len(cells)), np.arange(len(cells)), indexing="ij")
    keep = (cells[p.ravel(), 1] == cells[q.ravel(), 1]) & (p.ravel() != q.ravel())
    p, q = p.ravel()[keep], q.ravel()[keep]
    ci = np.concatenate([i1, cells[p, 0]])
    cw = np.concatenate([w1, cells[p, 1]])
    cd = np.concatenate([d1, np.ones(len(p))])
    cj = np.concatenate([i1, cells[q, 0]])
    cv = np.concatenate([w1, cells[q, 1]])
    ce = np.concatenate([np.zeros(len(i1)), -np.ones(len(p))])
    step_i, step_j = cd / m_post[ci, cw], ce / m_post[cj, cv]

    def losses(sel: slice) -> tuple[float, np.ndarray]:
        """Current loss and the loss after each candidate move in ``sel`` (infinite when out of bounds)."""
        slope = (post - base[:, None]) / m_post - pre[:, None]
        mi, mw, md, mj, mv, me = ci[sel], cw[sel], cd[sel], cj[sel], cv[sel], ce[sel]
        total = np.zeros(len(mi))
        current = 0.0
        for rows, col, a, v11, m_res, target, sub in models:
            y = slope[rows, col]
            b, resid = a @ y, m_res @ y
            pos = np.full(n, -1)
            pos[rows] = np.arange(len(rows))
            ki, kj = pos[mi], pos[mj]
            dy_i = np.where((ki >= 0) & (col[np.maximum(ki, 0)] == mw), step_i[sel], 0.0)
            dy_j = np.where((kj >= 0) & (col[np.maximum(kj, 0)] == mv), step_j[sel], 0.0)
            ki, kj = np.maximum(ki, 0), np.maximum(kj, 0)
            db = a[:, ki] * dy_i + a[:, kj] * dy_j
            rss = resid @ resid + 2 * (dy_i * resid[ki] + dy_j * resid[kj]) + dy_i ** 2 * m_res[ki, ki] \
                + dy_j ** 2 * m_res[kj, kj] + 2 * dy_i * dy_j * m_res[ki, kj]
            b0, b1 = np.append(b[0], b[0] + db[0]), np.append(b[1], b[1] + db[1])
            rss = np.append(resid @ resid, rss)
            df = len(rows) - 3
            tval = b1 / np.sqrt(np.maximum(rss, 1e-12) / df * v11)
            loss = _lsmean_loss(b0 + b1, b0, 2 * stats.t.sf(np.abs(tval), df), target, sub)
            current += loss[0]
            total += loss[1:]
        new_i, new_j = post[mi, mw] + md, post[mj, mv] + me
        total[(new_i < lo[mi, mw]) | (new_i > hi[mi, mw]) | (new_j < lo[mj, mv]) | (new_j > hi[mj, mv])] = np.inf
        return current, total

    singles, pairs = slice(0, len(i1)), slice(len(i1), len(ci))
    kick = np.random.default_rng(KICK_SEED)          # own stream: the study's draws stay as they were
    best_post, best_loss, kicks = post.copy(), np.inf, 0
    for _ in range(max_iter):
        current, total = losses(singles)
        if current < best_loss:
            best_post, best_loss = post.copy(), current
        if current == 0.0:
            break
        best = int(np.argmin(total))
        if not total[best] < current - 1e-12:          # no single move helps: try the pairs
            total = losses(pairs)[1]
            best = int(np.argmin(total))
            if not total[best] < current - 1e-12:      # a local minimum: kick a few totals, go on
                if kicks == LSMEAN_KICKS:
                    break
                kicks += 1
                single = losses(singles)[1]
                for m in kick.choice(np.flatnonzero(np.isfinite(single)), KICK_MOVES, replace=False):
                    post[ci[m], cw[m]] += cd[m]
                continue
            best += len(i1)
        post[ci[best], cw[best]] += cd[best]
        post[cj[best], cv[best]] += ce[best]
    return best_post


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
        lo = np.maximum(np.where(flags, lo_resp, 0), post - MAX_SHIFT)
        hi = np.minimum(np.where(flags, 48, hi_non), post + MAX_SHIFT)
    trt = (rnd["ARM"] == D.ARMS[0]).to_numpy(dtype=float)
    if n == D.N_RANDOMIZED:             # the published LS means are for the design's N only
        post = _calibrate_lsmeans(post, lo, hi, base.astype(float), pre, m_post, trt, rnd["RAPID"].to_numpy())

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
