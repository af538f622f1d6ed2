"""Mixed model for repeated measures (MMRM): SAS ``PROC MIXED`` with ``REPEATED visit / SUBJECT=id TYPE=UN``.

Model: ``y_i = X_i β + ε_i``, ``ε_i ~ N(0, Σ_i)``, where ``Σ_i`` is the unstructured visit × visit covariance
``Σ`` restricted to the visits subject ``i`` has. Fitted by REML (scipy's BFGS over the Cholesky factor of
``Σ``; subjects are grouped by their pattern of visits, so every step is a few batched numpy products).

Inference follows SAS:

* ``df="kenward_roger"`` (``DDFM=KR``): the Kackar–Harville/Prasad–Rao covariance of β̂ inflated as in
  Kenward & Roger (1997), and their F approximation (for one contrast, Satterthwaite's df). The covariance
  parameters are the elements ``σ_jk`` of ``Σ`` (as in SAS ``UN(j,k)``), in which ``Σ`` is linear, so the
  second-derivative terms vanish and the result matches SAS (R's ``mmrm`` calls this "Kenward-Roger-Linear");
  ``W`` is the inverse of the observed REML information, SAS's default.
* ``df="satterthwaite"`` (``DDFM=SATTERTH``): the model-based covariance of β̂ and Satterthwaite's df.

Fixed effects are given as terms (``"TRTP"``, ``"BASE"``, ``"TRTP*AVISIT"``: SAS's ``A*B`` is the interaction
alone) over class and continuous variables. Class variables are sum-coded, so the F test of a term's columns
is SAS's Type III test. LS means (``lsmeans``) are SAS's: predictions on the grid of all class levels with
continuous covariates at their mean, averaged with equal weights over the classes not held fixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
from scipy import stats as sps

from cdiscflow.errors import TlfError

DfMethod = str  # "kenward_roger" | "satterthwaite"
DF_METHODS = ("kenward_roger", "satterthwaite")


@dataclass
class Design:
    """Fixed-effects design (class variables sum-coded by default): class levels, the terms and the column
    slice of each."""

    classes: dict[str, list[str]]
    terms: list[tuple[str, ...]]
    coding: str = "sum"  # or "dummy": 0/1 with the last level left out (SAS's GLM coding made full rank)
    slices: dict[str, slice] = field(default_factory=dict)

    def matrix(self, df: pd.DataFrame) -> np.ndarray:
        cols = [np.ones((len(df), 1))]
        start = 1
        for term in self.terms:
            block = np.ones((len(df), 1))
            for var in term:
                block = np.einsum("ni,nj->nij", block, self._coding(df, var)).reshape(len(df), -1)
            self.slices[_name(term)] = slice(start, start + block.shape[1])
            start += block.shape[1]
            cols.append(block)
        return np.hstack(cols)

    def _coding(self, df: pd.DataFrame, var: str) -> np.ndarray:
        if var not in self.classes:
            return df[var].to_numpy(dtype=float)[:, None]
        levels = self.classes[var]
        codes = pd.Categorical(df[var].astype(str), categories=levels).codes
        out = (codes[:, None] == np.arange(len(levels) - 1)[None, :]).astype(float)
        if self.coding == "sum":
            out[codes == len(levels) - 1] = -1.0
        return out


def _name(term: Sequence[str]) -> str:
    return "*".join(term)


@dataclass
class MmrmFit:
    """A fitted MMRM: estimates, the covariance matrix of β̂ (``vcov``, adjusted under Kenward–Roger) and what
    :meth:`contrast`/:meth:`test` need."""

    design: Design
    beta: np.ndarray
    sigma: np.ndarray
    visits: list[str]
    vcov_model: np.ndarray
    vcov: np.ndarray
    w: np.ndarray
    p_k: np.ndarray
    df_method: str
    minus2_reml: float
    nobs: int
    nsubjects: int
    data: pd.DataFrame
    covariate_means: dict[str, float]

    def covariance_parameters(self) -> pd.DataFrame:
        """``UN(j,k)`` estimates in SAS's order (j ≥ k, by row)."""
        rows = [{"parameter": f"UN({j + 1},{k + 1})", "estimate": float(self.sigma[j, k])}
                for j in range(len(self.visits)) for k in range(j + 1)]
        return pd.DataFrame(rows)

    def contrast(self, L: np.ndarray, alpha: float = 0.05) -> dict[str, float]:
        """Estimate, SE, df, t, p and the ``1 − alpha`` interval of one linear combination ``L @ β``."""
        L = np.asarray(L, dtype=float)
        est = float(L @ self.beta)
        var_model = float(L @ self.vcov_model @ L)
        g = np.einsum("i,kij,j->k", L @ self.vcov_model, self.p_k, self.vcov_model @ L)
        dfree = float(2 * var_model ** 2 / (g @ self.w @ g))
        se = float(np.sqrt(L @ self.vcov @ L))
        t = est / se
        half = float(sps.t.ppf(1 - alpha / 2, dfree)) * se
        return {"estimate": est, "se": se, "df": dfree, "t": t, "p": float(2 * sps.t.sf(abs(t), dfree)),
                "lower": est - half, "upper": est + half}

    def test(self, L: np.ndarray) -> dict[str, float]:
        """F test of ``L @ β = 0`` (rows of ``L``): Kenward–Roger's scaled F and denominator df, or under
        Satterthwaite the Wald F with the df of Fai & Cornelius (as SAS ``DDFM=SATTERTH``)."""
        L = np.atleast_2d(np.asarray(L, dtype=float))
        q = np.linalg.matrix_rank(L)
        phi, phi_a = self.vcov_model, self.vcov
        b = L @ self.beta
        theta = L.T @ np.linalg.solve(L @ phi @ L.T, L)
        if self.df_method == "kenward_roger":
            f = float(b @ np.linalg.solve(L @ phi_a @ L.T, b)) / q
            m_k = np.einsum("ij,jk,akl,lm->aim", theta, phi, self.p_k, phi)  # ΘΦP_kΦ
            tr = np.einsum("aii->a", m_k)
            a1 = float(tr @ self.w @ tr)
            a2 = float(np.einsum("kl,kij,lji->", self.w, m_k, m_k))
            big_b = (a1 + 6 * a2) / (2 * q)
            g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2)
            den = 3 * q + 2 * (1 - g)
            c1, c2, c3 = g / den, (q - g) / den, (q + 2 - g) / den
            e_star = 1 / (1 - a2 / q)
            v_star = (2 / q) * (1 + c1 * big_b) / ((1 - c2 * big_b) ** 2 * (1 - c3 * big_b))
            rho = v_star / (2 * e_star ** 2)
            m = 4 + (q + 2) / (q * rho - 1)
            lam = m / (e_star * (m - 2))
            f, ddf = lam * f, m
        else:
            f = float(b @ np.linalg.solve(L @ phi @ L.T, b)) / q
            vals, vecs = np.linalg.eigh(L @ phi @ L.T)
            nus = []
            for j in range(len(vals)):
                lj = vecs[:, j] @ L
                g = np.einsum("i,kij,j->k", lj @ phi, self.p_k, phi @ lj)
                nus.append(2 * vals[j] ** 2 / (g @ self.w @ g))
            ev = sum(n / (n - 2) for n in nus if n > 2)
            ddf = 2 * ev / (ev - q) if ev > q else np.nan
        return {"f": float(f), "df_num": float(q), "df_den": float(ddf), "p": float(sps.f.sf(f, q, ddf))}

    def term_test(self, term: str) -> dict[str, float]:
        """SAS's Type III test of one model term (e.g. ``"TRTP"``, ``"TRTP*AVISIT"``)."""
        cols = self.design.slices[term]
        L = np.zeros((cols.stop - cols.start, len(self.beta)))
        L[np.arange(cols.stop - cols.start), np.arange(cols.start, cols.stop)] = 1.0
        return self.test(L)

    def lsmean_vectors(self, var: str, at: Mapping[str, str] | None = None) -> dict[str, np.ndarray]:
        """The L vector of each level of ``var``: the reference grid (all class levels, ``at`` held fixed,
        covariates at their mean) averaged with equal weights."""
        at = dict(at or {})
        grid_levels = {c: ([at[c]] if c in at else lv) for c, lv in self.design.classes.items()}
        names = list(grid_levels)
        grid = pd.DataFrame(list(product(*grid_levels.values())), columns=names)
        for cov, mean in self.covariate_means.items():
            grid[cov] = mean
        X = self.design.matrix(grid)
        return {lvl: X[(grid[var] == lvl).to_numpy()].mean(axis=0) for lvl in self.design.classes[var]}


def _terms(terms: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(p.strip() for p in str(t).split("*")) for t in terms]


def fit_mmrm(df: pd.DataFrame, response: str, *, subject: str, visit: str, terms: Sequence[str],
             classes: Sequence[str], levels: Mapping[str, Sequence[str]] | None = None,
             df_method: DfMethod = "kenward_roger") -> MmrmFit:
    """Fit the MMRM of ``response`` with fixed ``terms`` and an unstructured covariance over the levels of
    ``visit`` within ``subject`` (REML). ``levels`` fixes the order of class levels (default: sorted); the
    last level of each class is the one sum coding expresses through the others. Incomplete records are
    dropped; a subject may miss visits (missing at random)."""
    if df_method not in DF_METHODS:
        raise TlfError(f"unknown MMRM degrees-of-freedom method {df_method!r}", expected=" or ".join(DF_METHODS))
    parsed = _terms(terms)
    variables = list(dict.fromkeys(v for t in parsed for v in t))
    if visit not in classes:
        raise TlfError(f"the repeated-measures visit variable {visit} must be a class variable", variable=visit)
    use = df[list(dict.fromkeys([subject, visit, response, *variables, *classes]))].dropna().copy()
    for c in classes:
        use[c] = use[c].astype(str)
    use = use[use[response].astype(str) != ""]
    if use.empty:
        raise TlfError(f"no complete observations for the MMRM of {response}", variable=response)
    if use.duplicated([subject, visit]).any():
        raise TlfError(f"more than one {response} per {subject} and {visit} in the MMRM data", variable=visit)
    levels = dict(levels or {})
    cls = {c: [str(v) for v in levels[c]] if c in levels else sorted(use[c].unique()) for c in classes}
    use = use[np.logical_and.reduce([use[c].isin(cls[c]).to_numpy() for c in classes])]
    design = Design(cls, parsed)
    X = design.matrix(use)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise TlfError("the MMRM design is not of full rank (a class level without data, or aliased terms)")
    y = use[response].to_numpy(dtype=float)
    visits = cls[visit]
    vidx = pd.Categorical(use[visit], categories=visits).codes
    subj = use[subject].astype(str).to_numpy()
    patterns = _patterns(subj, vidx, len(visits), X, y)
    sigma, _ = _newton(_start(y, X, subj, vidx, len(visits)), patterns)
    parts = _pieces(sigma, patterns, full=True)
    dummy = Design(cls, parsed, coding="dummy").matrix(use)  # SAS's GLM coding, for its -2 log likelihood
    ld_dummy = _logdet_xtvx(sigma, _patterns(subj, vidx, len(visits), dummy, y))
    minus2 = parts.minus2 - parts.logdet_xtvx + ld_dummy + (len(y) - X.shape[1]) * np.log(2 * np.pi)
    w = np.linalg.inv(parts.info)
    inner = np.einsum("kl,klij->ij", w, parts.q_kl) - np.einsum("kl,kij,jm,lmn->in", w, parts.p_k, parts.phi,
                                                                 parts.p_k)
    phi_a = parts.phi + 2 * parts.phi @ inner @ parts.phi
    covariates = [v for v in variables if v not in cls]
    return MmrmFit(design, parts.beta, sigma, visits, parts.phi,
                   phi_a if df_method == "kenward_roger" else parts.phi, w, parts.p_k, df_method, float(minus2),
                   len(y), len(set(subj)), use, {c: float(use[c].astype(float).mean()) for c in covariates})


@dataclass
class _Pattern:
    visits: np.ndarray  # visit indices observed
    X: np.ndarray  # subjects × visits × p
    y: np.ndarray  # subjects × visits


def _patterns(subj: np.ndarray, vidx: np.ndarray, t: int, X: np.ndarray, y: np.ndarray) -> list[_Pattern]:
    """Subjects grouped by the set of visits they have, as dense (subject, visit) arrays per pattern."""
    ids, sidx = np.unique(subj, return_inverse=True)
    present = np.zeros((len(ids), t), dtype=bool)
    present[sidx, vidx] = True
    Xs = np.zeros((len(ids), t, X.shape[1]))
    ys = np.zeros((len(ids), t))
    Xs[sidx, vidx] = X
    ys[sidx, vidx] = y
    keys = present @ (1 << np.arange(t))
    out = []
    for key in np.unique(keys):
        rows = keys == key
        cols = np.flatnonzero(present[rows][0])
        out.append(_Pattern(cols, Xs[rows][:, cols], ys[rows][:, cols]))
    return out


@dataclass
class _Pieces:
    """REML quantities at one Σ; covariance parameters θ are the σ_jk of Σ (j ≥ k)."""

    minus2: float  # −2 REML log-likelihood without the 2π constant
    logdet_xtvx: float
    beta: np.ndarray
    phi: np.ndarray  # (X'V⁻¹X)⁻¹
    grad: np.ndarray  # ∂(−2 l_R)/∂θ
    info: np.ndarray  # observed information of θ (Hessian of −l_R)
    p_k: np.ndarray  # X'V⁻¹V_kV⁻¹X
    q_kl: np.ndarray  # X'V⁻¹V_kV⁻¹V_lV⁻¹X (only with full=True)
    expected: np.ndarray  # expected information ½ tr(PV_kPV_l)


def _derivatives(t: int) -> np.ndarray:
    """∂Σ/∂σ_jk for j ≥ k (row order, as SAS's UN(j,k)): E_jk + E_kj."""
    tril = np.tril_indices(t)
    dsig = np.zeros((len(tril[0]), t, t))
    for k, (a, b) in enumerate(zip(*tril, strict=True)):
        dsig[k, a, b] = dsig[k, b, a] = 1.0
    return dsig


def _logdet_xtvx(sigma: np.ndarray, patterns: list[_Pattern]) -> float:
    p = patterns[0].X.shape[2]
    xtvx = np.zeros((p, p))
    for pat in patterns:
        xtvx += np.einsum("nvi,vw,nwj->ij", pat.X, np.linalg.inv(sigma[np.ix_(pat.visits, pat.visits)]), pat.X)
    return float(np.linalg.slogdet(xtvx)[1])


def _pieces(sigma: np.ndarray, patterns: list[_Pattern], *, full: bool = False) -> _Pieces | None:
    """What Newton–Raphson needs at ``sigma`` (and with ``full`` the ``Q_kl`` of Kenward–Roger); None if
    ``sigma`` is not positive definite. With Σ linear in θ, Hessian of −2 l_R = −tr(PV_kPV_l) + 2y'PV_kPV_lPy."""
    if np.any(np.linalg.eigvalsh(sigma) <= 0):
        return None
    dsig = _derivatives(sigma.shape[0])
    r, p = len(dsig), patterns[0].X.shape[2]
    xtvx, xtvy = np.zeros((p, p)), np.zeros(p)
    p_k = np.zeros((r, p, p))
    logdet, tr_k, tr_kl = 0.0, np.zeros(r), np.zeros((r, r))
    per = []
    for pat in patterns:
        v = pat.visits
        sub = sigma[np.ix_(v, v)]
        inv = np.linalg.inv(sub)
        dk = dsig[:, v][:, :, v]
        n, m = pat.y.shape
        xv = np.matmul(inv, pat.X)  # V⁻¹X per subject (n, m, p)
        d = np.matmul(dk[:, None], xv[None])  # V_k V⁻¹ X  (r, n, m, p)
        flat = xv.reshape(n * m, p)
        logdet += n * float(np.linalg.slogdet(sub)[1])
        xtvx += pat.X.reshape(n * m, p).T @ flat
        xtvy += flat.T @ pat.y.reshape(-1)
        p_k += flat.T @ d.reshape(r, n * m, p)
        tr_k += n * np.einsum("ab,kba->k", inv, dk)
        tr_kl += n * np.einsum("ab,kbc,cd,lda->kl", inv, dk, inv, dk, optimize=True)
        per.append((pat, inv, dk, xv, d))
    phi = np.linalg.inv(xtvx)
    beta = phi @ xtvy
    quad, yk, uvu, a_k = 0.0, np.zeros(r), np.zeros((r, r)), np.zeros((r, p))
    tr_phi_q = np.zeros((r, r))
    q_kl = np.zeros((r, r, p, p)) if full else None
    for pat, inv, dk, xv, d in per:
        n, m = pat.y.shape
        res = pat.y - pat.X @ beta
        e = res @ inv  # V⁻¹ r (inv symmetric)
        u = np.einsum("kvw,nw->knv", dk, e)  # V_k V⁻¹ r
        quad += float(np.sum(res * e))
        yk += np.einsum("nv,knv->k", e, u)
        uvu += np.einsum("knv,vw,lnw->kl", u, inv, u, optimize=True)
        a_k += np.einsum("nvi,knv->ki", xv, u)
        s_p = np.einsum("nvi,ij,nwj->vw", xv, phi, xv, optimize=True)  # Σ_n V⁻¹X_nΦX_n'V⁻¹
        tr_phi_q += np.einsum("kab,bc,lcd,da->kl", dk, inv, dk, s_p, optimize=True)
        if q_kl is not None:
            e_k = np.matmul(inv, d)  # V⁻¹V_kV⁻¹X
            q_kl += np.einsum("knvi,lnvj->klij", d, e_k, optimize=True)
    grad = tr_k - np.einsum("ij,kji->k", phi, p_k) - yk
    tr_p = tr_kl - 2 * tr_phi_q + np.einsum("ij,kjm,mn,lni->kl", phi, p_k, phi, p_k, optimize=True)
    info = 0.5 * (2 * (uvu - a_k @ phi @ a_k.T) - tr_p)
    ld_x = float(np.linalg.slogdet(xtvx)[1])
    return _Pieces(logdet + ld_x + quad, ld_x, beta, phi, grad, info, p_k,
                   q_kl if q_kl is not None else np.zeros((r, r, p, p)), 0.5 * tr_p)


def _start(y: np.ndarray, X: np.ndarray, subj: np.ndarray, vidx: np.ndarray, t: int) -> np.ndarray:
    """Starting Σ: the available-case covariance of the OLS residuals by visit (made positive definite)."""
    resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    wide = pd.DataFrame({"s": subj, "v": vidx, "r": resid}).pivot_table(index="s", columns="v", values="r")
    start = wide.reindex(columns=range(t)).cov(min_periods=2).to_numpy()
    start = np.where(np.isfinite(start), start, 0.0)
    vals, vecs = np.linalg.eigh(start)
    floor = max(float(resid.var()) * 1e-3, 1e-8)
    return (vecs * np.maximum(vals, floor)) @ vecs.T


def _newton(sigma: np.ndarray, patterns: list[_Pattern], tol: float = 1e-10,
            max_iter: int = 100) -> tuple[np.ndarray, _Pieces]:
    """Newton–Raphson on θ = σ_jk (SAS's algorithm) with step halving that keeps Σ positive definite and the
    REML criterion decreasing; converged when the relative change of the criterion is below ``tol``."""
    tril = np.tril_indices(sigma.shape[0])
    cur = _pieces(sigma, patterns)
    if cur is None:
        raise TlfError("MMRM: the starting covariance is not positive definite")
    for _ in range(max_iter):
        # Newton with the observed information where it is positive definite, else Fisher scoring
        hess = cur.info if np.linalg.eigvalsh(cur.info).min() > 0 else cur.expected
        step = np.linalg.solve(2 * hess, -cur.grad)
        for _half in range(40):
            theta = sigma[tril] + step
            cand = np.zeros_like(sigma)
            cand[tril] = theta
            cand = cand + np.tril(cand, -1).T
            new = _pieces(cand, patterns)
            if new is not None and new.minus2 <= cur.minus2 + 1e-12 * abs(cur.minus2):
                break
            step = step / 2
        else:
            break
        change = abs(cur.minus2 - new.minus2) / max(abs(new.minus2), 1.0)
        sigma, cur = cand, new
        if change < tol and np.max(np.abs(step)) < 1e-8 * max(1.0, float(np.abs(theta).max())):
            return sigma, cur
    if np.max(np.abs(cur.grad)) > 1e-4 * max(1.0, abs(cur.minus2)):
        raise TlfError("the MMRM did not converge (REML Newton-Raphson)")
    return sigma, cur
