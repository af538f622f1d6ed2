"""Subject-level simulation: sites, randomization, timeline, demographics and ALS history.

One row per screened participant. Dates are ``datetime64[D]``; the transplant time is in minutes after
midnight. Published Table 1 marginals are met by construction (exact counts) and by calibration
(means and SDs at display precision) for the randomized participants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.studies.msc_ntf_als.simulator import design as D
from cdiscflow.studies.msc_ntf_als.simulator.calibrate import Target, calibrate_integers, rescale


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer parts proportional to ``weights`` (largest-remainder method)."""
    raw = total * np.asarray(weights, float) / np.sum(weights)
    base = np.floor(raw).astype(int)
    extra = total - base.sum()
    base[np.argsort(-(raw - base), kind="stable")[:extra]] += 1
    return base


def exact_labels(labels: dict[str, int], n: int, default_n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` labels in the published proportions (exact counts at the default size), shuffled."""
    counts = largest_remainder(n, np.array(list(labels.values()))) if n != default_n else \
        np.array(list(labels.values()))
    return rng.permutation(np.repeat(np.array(list(labels.keys()), dtype=object), counts))


def _assign_arms(site: np.ndarray, order: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Permuted blocks of 4 (3:1) within each site, following the randomization order."""
    treated = np.zeros(len(site), bool)
    for s in np.unique(site):
        members = np.flatnonzero(site == s)
        members = members[np.argsort(order[members], kind="stable")]
        nb = -(-len(members) // len(D.BLOCK))
        blocks = rng.permuted(np.tile(np.array(D.BLOCK, bool), (nb, 1)), axis=1).ravel()
        treated[members] = blocks[:len(members)]
    return treated


def _timeline(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    start = np.datetime64(D.STUDY_START)
    transplant = start + 120 + np.sort(rng.integers(0, D.ENROLMENT_DAYS, n))
    aspiration = transplant - rng.integers(21, 29, n)
    randomization = aspiration - rng.integers(0, 4, n)
    screening = transplant - rng.integers(84, 113, n)
    runin = screening + ((randomization - screening).astype(int) // 2 + rng.integers(-3, 4, n))
    return {"SCRDT": screening, "RUNDT": runin, "RANDDT": randomization, "ASPDT": aspiration,
            "TXDT": transplant}


def _calibrated_ints(draw: np.ndarray, arm: np.ndarray, summary: D.Summary, lo: int, hi: int,
                     rng: np.random.Generator, scale: float = 1.0,
                     frozen: np.ndarray | None = None) -> np.ndarray:
    """Integers rescaled per arm to the published mean/SD, then moved until they display as published."""
    x = draw.astype(float).copy()
    targets = []
    for k, name in enumerate(D.ARMS):
        m = arm == name
        x[m] = rescale(draw[m], summary.mean[k] * scale, summary.sd[k] * scale)
        targets.append(Target(m, summary.mean[k], summary.sd[k], *summary.decimals, scale=scale))
    if summary.overall is not None:
        targets.append(Target(np.ones(len(x), bool), *summary.overall, *summary.decimals, scale=scale))
    return calibrate_integers(x, targets, lo, hi, frozen=frozen, rng=rng)


def _ages(arm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    draw = rng.normal(0, 1, len(arm))
    frozen = np.zeros(len(arm), bool)
    if len(arm) >= 2:                      # the published range: youngest 26, oldest 71
        lo_i, hi_i = np.argmin(draw), np.argmax(draw)
        frozen[[lo_i, hi_i]] = True
    x = draw.copy()
    for k, name in enumerate(D.ARMS):
        m = arm == name
        x[m] = rescale(draw[m], D.AGE.mean[k], D.AGE.sd[k])
    if len(arm) >= 2:
        x[lo_i], x[hi_i] = D.AGE_RANGE
    targets = [Target(arm == name, D.AGE.mean[k], D.AGE.sd[k], *D.AGE.decimals)
               for k, name in enumerate(D.ARMS)]
    targets.append(Target(np.ones(len(arm), bool), *D.AGE.overall, *D.AGE.decimals))
    return calibrate_integers(x, targets, *D.AGE_RANGE, frozen=frozen, rng=rng)


def _als_history(arm: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Days from diagnosis and from symptom onset to informed consent (onset at least 60 days earlier)."""
    n = len(arm)
    diag = _calibrated_ints(rng.gamma(2.6, 1.0, n), arm, D.MONTHS_DIAGNOSIS, 20, 700, rng, D.DAYS_PER_MONTH)
    onset = _calibrated_ints(rng.normal(0, 1, n), arm, D.MONTHS_SYMPTOM, 340, 760, rng, D.DAYS_PER_MONTH)
    # pair within arm by rank (largest diagnosis delay with longest symptom duration), then shuffle
    for name in D.ARMS:
        idx = np.flatnonzero(arm == name)
        d_sorted, o_sorted = np.sort(diag[idx]), np.sort(onset[idx])
        perm = rng.permutation(len(idx))
        diag[idx], onset[idx] = d_sorted[perm], o_sorted[perm]
    return diag, onset


def simulate_subjects(n_rand: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per screened participant (randomized first in randomization order, then the others)."""
    n_sf = int(round(D.N_SCREEN_FAIL * n_rand / D.N_RANDOMIZED))
    n_ri = int(round(D.N_RUNIN_DISC * n_rand / D.N_RANDOMIZED))
    sites = D.SITES["SITEID"].to_numpy()
    site_n = largest_remainder(n_rand, D.SITES["BLOCKS"].to_numpy())

    # -- randomized participants ------------------------------------------------------------------
    t = _timeline(n_rand, rng)
    site = rng.permutation(np.repeat(sites, site_n))
    order = np.lexsort((rng.random(n_rand), t["RANDDT"]))
    rank = np.empty(n_rand, int)
    rank[order] = np.arange(1, n_rand + 1)
    arm = np.where(_assign_arms(site, rank, rng), D.ARMS[0], D.ARMS[1]).astype(object)
    rnd = pd.DataFrame({"SITEID": site, "ARM": arm, "RANDORD": rank, **t})
    rnd["STATUS"] = "RANDOMIZED"
    n_arm = tuple(int((arm == a).sum()) for a in D.ARMS)
    rnd["SEX"] = ""
    rnd["ELESC"] = ""
    for k, name in enumerate(D.ARMS):
        m = (arm == name)
        rnd.loc[m, "SEX"] = exact_labels(D.SEX[name], n_arm[k], (36, 12)[k], rng)
        rnd.loc[m, "ELESC"] = exact_labels(D.EL_ESCORIAL[name], n_arm[k], (36, 12)[k], rng)
    rnd["AGE"] = _ages(arm, rng)
    rnd["DIAGDAYS"], rnd["ONSETDAYS"] = _als_history(arm, rng)

    # -- screen failures and run-in discontinuations -----------------------------------------------
    n_other = n_sf + n_ri
    start = np.datetime64(D.STUDY_START)
    scr = start + rng.integers(0, D.ENROLMENT_DAYS + 60, n_other)
    other = pd.DataFrame({
        "SITEID": rng.choice(sites, n_other, p=site_n / site_n.sum()),
        "ARM": "", "RANDORD": 0, "SCRDT": scr,
        "STATUS": np.repeat(["SCREEN FAILURE", "RUN-IN DISCONTINUED"], [n_sf, n_ri]),
        "SEX": rng.choice(["M", "F"], n_other, p=[0.65, 0.35]),
        "ELESC": rng.choice(list(D.EL_ESCORIAL["MSC-NTF"]), n_other),
        "AGE": rng.integers(28, 75, n_other),
        "DIAGDAYS": rng.integers(30, 500, n_other), "ONSETDAYS": rng.integers(380, 740, n_other),
    })
    other["RUNDT"] = np.where(other["STATUS"] == "RUN-IN DISCONTINUED",
                              scr + rng.integers(35, 50, n_other), np.datetime64("NaT"))
    subj = pd.concat([rnd.sort_values("RANDORD"), other], ignore_index=True)

    # -- identifiers: site-subject number in screening order within site ---------------------------
    seq = subj.sort_values(["SITEID", "SCRDT"], kind="stable").groupby("SITEID").cumcount() + 1
    subj["SUBJID"] = subj["SITEID"] + "-" + seq.reindex(subj.index).astype(str).str.zfill(3)
    subj["RANDNUM"] = np.where(subj["RANDORD"] > 0, "R" + subj["RANDORD"].astype(str).str.zfill(4), "")
    subj["ICDT"] = subj["SCRDT"]
    subj["DIAGDT"] = subj["ICDT"] - subj["DIAGDAYS"].to_numpy().astype("timedelta64[D]")
    subj["ONSETDT"] = subj["ICDT"] - subj["ONSETDAYS"].to_numpy().astype("timedelta64[D]")
    subj["RACE"] = "White"
    subj["ETHNIC"] = np.where(rng.random(len(subj)) < 0.04, "Hispanic or Latino", "Not Hispanic or Latino")
    subj["BRTHDT"] = _birth_dates(subj["ICDT"].to_numpy(), subj["AGE"].to_numpy(), rng)
    subj["TXTIM"] = rng.integers(8 * 60, 13 * 60, len(subj)) // 5 * 5
    _roles(subj, n_arm, rng)
    return subj


def _birth_dates(ref: np.ndarray, age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Birth dates giving completed years ``age`` on ``ref`` (kept 10+ days from a birthday)."""
    ref = pd.DatetimeIndex(ref)
    anniversary = pd.to_datetime(pd.DataFrame({"year": ref.year - age, "month": ref.month,
                                               "day": np.minimum(ref.day, 28)}))
    return (anniversary - pd.to_timedelta(rng.integers(10, 355, len(ref)), unit="D")).to_numpy()


def _pick(pool: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(pool, size=min(k, len(pool)), replace=False) if k > 0 else pool[:0]


def _roles(subj: pd.DataFrame, n_arm: tuple[int, int], rng: np.random.Generator) -> None:
    """Rapid progressors, drop-outs, telephone continuers, the missed Week 4 visit and CSF sampling."""
    for col in ("RAPID", "DROPOUT", "TELCONT", "MISSW4", "CSFPAIR", "CSFPRE"):
        subj[col] = False
    rapid_n = D.scaled(D.RAPID, n_arm)
    drop_n = D.scaled(D.DROPOUTS, n_arm)
    tel_n = D.scaled(D.TELEPHONE_CONTINUERS, n_arm)
    miss_n = D.scaled(D.MISSED_WEEK4, n_arm)
    csf_first = subj["RANDORD"] >= D.CSF_FIRST
    for k, name in enumerate(D.ARMS):
        idx = np.flatnonzero(subj["ARM"].to_numpy() == name)
        rapid = _pick(idx, rapid_n[k], rng)
        subj.loc[rapid, "RAPID"] = True
        slow = np.setdiff1d(idx, rapid)
        drop = _pick(slow, drop_n[k], rng)
        subj.loc[drop, "DROPOUT"] = True
        tel = _pick(np.setdiff1d(idx, drop), tel_n[k], rng)
        subj.loc[tel, "TELCONT"] = True
        subj.loc[_pick(np.setdiff1d(rapid, tel), miss_n[k], rng), "MISSW4"] = True
        eligible = idx[csf_first.to_numpy()[idx]]
        pairs = D.CSF_PAIRS[k] if n_arm == (36, 12) else int(round(len(eligible) * 35 / 40))
        subj.loc[eligible, "CSFPRE"] = True
        subj.loc[_pick(eligible, pairs, rng), "CSFPAIR"] = True
