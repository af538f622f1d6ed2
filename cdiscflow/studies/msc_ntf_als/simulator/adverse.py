"""Adverse events calibrated to the paper's Tables 2 and 3.

Participant counts per preferred term, event totals, related events, maximum-severity rows and serious
events are set exactly per arm (``design``); at other sizes they are scaled with the arm size.
Returns one row per event with the event's attributes; ``forms`` formats them as the AE and coding extracts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.errors import CdiscflowError
from cdiscflow.studies.msc_ntf_als.simulator import design as D
from cdiscflow.studies.msc_ntf_als.simulator.meddra import PRE_TREATMENT_PTS, TERMS

_TERMS = TERMS.set_index("PT")


def _scale(count: int, n: int, default: int) -> int:
    return count if n == default else int(round(count * n / default))


def _table3_pairs(ids: np.ndarray, k: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """(SUBJID, PT) pairs of the Table 3 terms for one arm (``k`` = arm index)."""
    n, default = len(ids), (36, 12)[k]
    pairs = []
    col = ("N_TRT", "N_PBO")[k]
    h = _scale(int(D.TABLE3.loc[0, col]), n, default)
    p = _scale(int(D.TABLE3.loc[1, col]), n, default)
    union = min(max(_scale(D.HEADACHE_EITHER[k], n, default), h, p), h + p, n)
    order = rng.permutation(ids)[:union]
    pairs += [(s, "Headache") for s in order[:h]] + [(s, "Procedural headache") for s in order[union - p:]]
    for pt, count in zip(D.TABLE3["PT"][2:], D.TABLE3[col][2:], strict=True):
        pairs += [(s, pt) for s in rng.permutation(ids)[:_scale(int(count), n, default)]]
    return pairs


def _other_pairs(ids: np.ndarray, rng: np.random.Generator) -> list[tuple[str, str]]:
    """Other TE terms: each PT in at most 15% of the arm's participants (keys pick who)."""
    pts = TERMS.loc[TERMS["POOL"] == "O", "PT"].to_numpy()
    cap = int(np.floor(len(ids) * D.OTHER_PT_MAX_PCT / 100 + 1e-9))
    k = rng.integers(0, cap + 1, len(pts)) if cap > 1 else (rng.random(len(pts)) < 0.65).astype(int) * cap
    keys = rng.random((len(ids), len(pts)))
    rank = keys.argsort(axis=0).argsort(axis=0)
    chosen = rank < k[None, :]
    # every participant gets at least one other term where a term has room left
    room = k < cap
    for i in np.flatnonzero(~chosen.any(axis=1)):
        j = int(np.flatnonzero(room)[0]) if room.any() else int(rng.integers(len(pts)))
        chosen[i, j], room[j] = True, (chosen[:, j].sum() < cap)
    si, pj = np.nonzero(chosen)
    return list(zip(ids[si], pts[pj], strict=True))


def _sae_events(subj: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The serious events of ``design.SAES`` on distinct participants (repeated at larger sizes)."""
    out = []
    for k, arm in enumerate(D.ARMS):
        pool = subj.loc[(subj["ARM"] == arm) & ~subj["DROPOUT"], "SUBJID"].to_numpy()
        spec = D.SAES[D.SAES["ARM"] == arm]
        copies = max(1, _scale(1, int((subj["ARM"] == arm).sum()), (36, 12)[k]))
        keys = spec["KEY"].unique()
        if len(pool) < copies * len(keys):
            raise CdiscflowError(f"--subjects {len(subj)} is too small for the published serious AEs",
                                 variable="--subjects", expected=f"at least {copies * len(keys)} {arm} "
                                 f"participants without drop-out (there are {len(pool)})")
        who = rng.permutation(pool)[:copies * len(keys)].reshape(copies, len(keys))
        rows = spec.iloc[np.tile(np.arange(len(spec)), copies)]          # copy after copy of the list
        out.append(rows.assign(SUBJID=who[:, pd.Index(keys).get_indexer(spec["KEY"])].ravel()))
    sae = pd.concat(out, ignore_index=True)
    sae["SERIOUS"] = True
    return sae


def simulate_aes(subj: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """All adverse events of randomized participants (TE and pre-treatment), one row per event."""
    rnd = subj[subj["STATUS"] == "RANDOMIZED"].set_index("SUBJID")
    sae = _sae_events(rnd.reset_index(), rng)
    events = []
    for k, arm in enumerate(D.ARMS):
        ids = rnd.index[rnd["ARM"] == arm].to_numpy()
        pairs = pd.DataFrame(_table3_pairs(ids, k, rng) + _other_pairs(ids, rng), columns=["SUBJID", "PT"])
        te_sae = sae[(sae["ARM"] == arm) & sae["TE"]]
        n_events = _scale(D.TEAE_EVENTS[k], len(ids), (36, 12)[k]) - len(te_sae)
        weight = np.where(pairs["PT"].map(_TERMS["PROC"]), 2.5, 1.0)
        extra = rng.multinomial(max(n_events - len(pairs), 0), weight / weight.sum())
        ev = pairs.loc[pairs.index.repeat(1 + extra)].reset_index(drop=True)
        ev["SEV"], ev["LIFE"], ev["TE"], ev["SERIOUS"] = "Mild", False, True, False
        ev = pd.concat([ev, sae.loc[sae["ARM"] == arm, ev.columns]], ignore_index=True)
        ev["ARM"] = arm
        _severity(ev, k, len(ids), rng)
        _relationship(ev, k, len(ids), rng)
        events.append(ev)
    ev = pd.concat(events + [_pre_treatment(rnd, rng)], ignore_index=True)
    return _timing(ev, rnd, visits, rng)


def _severity(ev: pd.DataFrame, k: int, n: int, rng: np.random.Generator) -> None:
    """Moderate in exactly the published number of participants; each participant keeps a mild event."""
    plain = ~ev["SERIOUS"]
    anchor = plain & ~ev.loc[plain].duplicated("SUBJID").reindex(ev.index, fill_value=True)
    mandatory = set(ev.loc[ev["TE"] & (ev["SEV"] == "Moderate"), "SUBJID"])
    quota = _scale(D.MODERATE_SUBJECTS[k], n, (36, 12)[k]) - len(mandatory)
    counts = ev[plain].groupby("SUBJID").size()
    pool = np.array(sorted(set(counts.index[counts >= 2]) - mandatory), dtype=object)
    chosen = set(rng.permutation(pool)[:max(quota, 0)])
    cand = plain & ~anchor & ev["SUBJID"].isin(chosen)
    first = cand & ~ev.loc[cand].duplicated("SUBJID").reindex(ev.index, fill_value=True)
    more = cand & (rng.random(len(ev)) < 0.12)
    ev.loc[first | more, "SEV"] = "Moderate"


def _relationship(ev: pd.DataFrame, k: int, n: int, rng: np.random.Generator) -> None:
    """Related (possible/probable/definite) events and participants exactly as published."""
    eligible = ev["TE"] & ~ev["SERIOUS"] & ev["PT"].map(_TERMS["REL"]).astype(bool)
    subjects = np.array(sorted(ev.loc[eligible, "SUBJID"].unique()), dtype=object)
    chosen = rng.permutation(subjects)[:_scale(D.RELATED_SUBJECTS[k], n, (36, 12)[k])]
    pool = ev.index[eligible & ev["SUBJID"].isin(chosen)].to_numpy()
    pool = rng.permutation(pool)
    firsts = pd.Series(pool, index=ev.loc[pool, "SUBJID"].to_numpy()).groupby(level=0).first().to_numpy()
    rest = np.setdiff1d(pool, firsts)
    n_rel = _scale(D.RELATED_EVENTS[k], n, (36, 12)[k]) - len(firsts)
    related = np.concatenate([firsts, rng.permutation(rest)[:max(n_rel, 0)]])
    rel = np.where(rng.random(len(ev)) < 0.6, "Not related", "Unlikely").astype(object)
    rel[related] = rng.choice(["Possible", "Probable", "Definite"], len(related), p=[0.55, 0.35, 0.10])
    ev["REL"] = rel


def _pre_treatment(rnd: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """AEs starting before the transplant: random ones, the pre-treatment SAEs come from ``design.SAES``,
    one placebo back pain (a placebo participant without a TE back pain would otherwise count) and one
    event on transplant day before the procedure time (``PREDOSE``)."""
    n = rng.poisson(0.7, len(rnd))
    ev = pd.DataFrame({"SUBJID": np.repeat(rnd.index.to_numpy(), n)})
    ev["PT"] = rng.choice(PRE_TREATMENT_PTS, len(ev))
    placebo = rnd.index[rnd["ARM"] == "Placebo"].to_numpy()
    extra = pd.DataFrame({"SUBJID": rng.permutation(placebo)[:2], "PT": ["Back pain", "Anxiety"]})
    extra["PREDOSE"] = [False, True]
    ev = pd.concat([ev, extra.iloc[:len(placebo)]], ignore_index=True)
    ev["PREDOSE"] = ev["PREDOSE"].fillna(False).astype(bool)
    ev["ARM"] = rnd.loc[ev["SUBJID"], "ARM"].to_numpy()
    ev["SEV"] = np.where(rng.random(len(ev)) < 0.8, "Mild", "Moderate")
    ev["LIFE"], ev["TE"], ev["SERIOUS"], ev["REL"] = False, False, False, "Not related"
    return ev


def _timing(ev: pd.DataFrame, rnd: pd.DataFrame, visits: pd.DataFrame,
            rng: np.random.Generator) -> pd.DataFrame:
    """Start/end dates and times, outcome and action; AESPID in order of start within participant."""
    at = rnd.index.get_indexer(ev["SUBJID"])
    tx, txtim, scr = (rnd[col].to_numpy()[at] for col in ("TXDT", "TXTIM", "SCRDT"))
    last = visits[visits["DONE"]].groupby("SUBJID")["DATE"].max().reindex(ev["SUBJID"]).to_numpy()
    span = ((last - tx) / np.timedelta64(1, "D")).astype(int)
    n = len(ev)
    proc = ev["PT"].map(_TERMS["PROC"]).astype(bool).to_numpy()
    early = rng.choice([0, 1, 2, 3], n, p=[0.45, 0.3, 0.15, 0.1])
    late = np.floor(rng.random(n) * (span + 1)).astype(int)
    day = np.where(proc & (rng.random(n) < 0.85), early, late)
    sae = ev["SERIOUS"].to_numpy()
    day = np.where(sae, np.clip(90 + rng.integers(0, 40, n), 14, span), day)
    pre_days = ((tx - scr) / np.timedelta64(1, "D")).astype(int)
    te = ev["TE"].to_numpy()
    predose = ev.get("PREDOSE", pd.Series(False, index=ev.index)).fillna(False).astype(bool).to_numpy()
    day = np.where(te, day, -1 - np.floor(rng.random(n) * (pre_days - 1)).astype(int))
    day = np.where(predose, 0, day)
    minute = rng.integers(6 * 60, 22 * 60, n) // 5 * 5
    minute = np.where(te & (day == 0), np.minimum(txtim + 30 + rng.integers(0, 600, n) // 5 * 5, 23 * 60 + 55),
                      minute)
    minute = np.where(predose, txtim - 60 - rng.integers(0, 60, n) // 5 * 5, minute)
    has_time = (day == 0) | (rng.random(n) < 0.6)
    ev["STDT"] = tx + day.astype("timedelta64[D]")
    ev["STTIM"] = np.where(has_time, minute, -1)
    dur = np.where(proc, rng.integers(0, 6, n), rng.integers(1, 46, n))
    ongoing = (rng.random(n) < 0.06) & ~sae
    ev["ENDT"] = np.where(ongoing, np.datetime64("NaT"), ev["STDT"].to_numpy() + dur.astype("timedelta64[D]"))
    end_min = np.where(dur == 0, np.minimum(minute + 60 + rng.integers(0, 300, n), 23 * 60 + 55),
                       rng.integers(6 * 60, 22 * 60, n))
    ev["ENTIM"] = np.where(has_time & ~ongoing, end_min // 5 * 5, -1)
    out = np.where(rng.random(n) < 0.03, "Recovering/Resolving", "Recovered/Resolved").astype(object)
    out[ongoing] = "Not Recovered/Not Resolved"
    out[ev["PT"].eq("Respiratory failure").to_numpy()] = "Recovered/Resolved with Sequelae"
    ev["OUT"] = out
    ev["CONTRT"] = np.where(proc | sae | (rng.random(n) < 0.3), "Yes", "No")
    ev["PARTIAL"] = (~has_time) & (day > 60) & (rng.random(n) < 0.15) & ~sae
    ev = ev.sort_values(["SUBJID", "STDT", "STTIM", "PT"], kind="stable").reset_index(drop=True)
    ev["AESPID"] = ev.groupby("SUBJID").cumcount() + 1
    ev["LLT"], ev["VERBATIM"] = _verbatims(ev["PT"], rng)
    return ev


def _verbatims(pt: pd.Series, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A lowest-level term per event and the investigator's verbatim for it (case and wording vary)."""
    term = _TERMS.index.get_indexer(pt)
    llts = _TERMS["LLTS"].str.split("|").to_numpy()                  # per dictionary term
    count = np.array([len(x) for x in llts])
    pick = (rng.random(len(pt)) * count[term]).astype(int)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])               # of each term's LLTs in ``flat``
    flat = np.array([x for terms in llts for x in terms], dtype=object)
    llt = flat[first[term] + pick]
    style = rng.choice(4, len(pt), p=[0.5, 0.2, 0.2, 0.1])
    verb = pd.Series(llt)
    verb = verb.where(style != 1, verb.str.upper())
    verb = verb.where(style != 2, verb.str.lower())
    qualifier = np.where(pt.isin(["Back pain", "Procedural headache"]).to_numpy(),
                         " after LP <lumbar puncture site> & transplant", " - intermittent")
    verb = verb.where(style != 3, verb + qualifier)
    return llt, verb.to_numpy(dtype=object)
