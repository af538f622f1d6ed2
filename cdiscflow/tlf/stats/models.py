"""Linear models: ANCOVA with LS means (SAS ``PROC GLM`` + ``LSMEANS``) and a dose-response test.

LS means follow SAS's definition: the model's prediction for each treatment with every other
classification factor weighted *equally* across its levels (not by their frequencies) and each continuous
covariate at its mean over the analysis data. They are computed as ``L @ beta`` from the fitted OLS
coefficients with SE ``sqrt(L V L')``; differences use ``L_i - L_ref`` and t with the residual df.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps

from cdiscflow.errors import TlfError


@dataclass
class AncovaResult:
    """``lsmeans``: group, estimate, se, lower, upper. ``diffs``: group, reference, estimate, se, lower,
    upper, t, p. ``df_resid``: residual degrees of freedom; ``nobs``: observations used."""

    lsmeans: pd.DataFrame
    diffs: pd.DataFrame
    df_resid: float
    nobs: int


def _design(df: pd.DataFrame, treatment: str, levels: Sequence[str], factors: Sequence[str],
            covariates: Sequence[str]) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Reference-coded design matrix (first level of each factor dropped) and the dummy columns per factor."""
    cols: list[pd.DataFrame] = [pd.DataFrame({"Intercept": np.ones(len(df))}, index=df.index)]
    dummies: dict[str, list[str]] = {}
    for name in [treatment, *factors]:
        cat = pd.Categorical(df[name].astype(str),
                             categories=list(levels) if name == treatment else sorted(df[name].astype(str).unique()))
        d = pd.get_dummies(cat, prefix=name, prefix_sep="=", dtype=float).iloc[:, 1:]
        d.index = df.index
        dummies[name] = list(d.columns)
        cols.append(d)
    for cov in covariates:
        cols.append(df[[cov]].astype(float))
    return pd.concat(cols, axis=1), dummies


def ancova(df: pd.DataFrame, response: str, treatment: str, *, levels: Sequence[str] | None = None,
           factors: Sequence[str] = (), covariates: Sequence[str] = (), reference: str | None = None,
           alpha: float = 0.05) -> AncovaResult:
    """Fit ``response ~ treatment + factors + covariates`` by OLS and return LS means and their differences
    against ``reference`` (default: the first level) plus all pairwise differences between other levels."""
    use = df[[response, treatment, *factors, *covariates]].dropna()
    if use.empty:
        raise TlfError(f"no complete observations for the ANCOVA of {response}", variable=response)
    levels = list(levels) if levels is not None else sorted(use[treatment].astype(str).unique())
    use = use[use[treatment].astype(str).isin(levels)]
    X, dummies = _design(use, treatment, levels, factors, covariates)
    fit = sm.OLS(use[response].astype(float).to_numpy(), X.to_numpy()).fit()
    beta, cov, dfr = fit.params, fit.cov_params(), float(fit.df_resid)
    base = np.zeros(X.shape[1])
    base[0] = 1.0
    names = list(X.columns)
    for factor in factors:
        k = len(dummies[factor]) + 1
        for col in dummies[factor]:
            base[names.index(col)] = 1.0 / k
    for cov_name in covariates:
        base[names.index(cov_name)] = float(use[cov_name].astype(float).mean())
    L = {}
    for lvl in levels:
        vec = base.copy()
        col = f"{treatment}={lvl}"
        if col in names:
            vec[names.index(col)] = 1.0
        L[lvl] = vec
    tcrit = float(sps.t.ppf(1 - alpha / 2, dfr))

    def estimate(vec: np.ndarray) -> tuple[float, float]:
        return float(vec @ beta), float(np.sqrt(vec @ cov @ vec))

    rows = []
    for lvl in levels:
        est, se = estimate(L[lvl])
        rows.append({"group": lvl, "estimate": est, "se": se, "lower": est - tcrit * se, "upper": est + tcrit * se})
    ref = reference if reference is not None else levels[0]
    pairs = [(lvl, ref) for lvl in levels if lvl != ref]
    others = [lvl for lvl in levels if lvl != ref]
    pairs += [(b, a) for i, a in enumerate(others) for b in others[i + 1:]]
    diffs = []
    for lvl, against in pairs:
        est, se = estimate(L[lvl] - L[against])
        t = est / se
        diffs.append({"group": lvl, "reference": against, "estimate": est, "se": se,
                      "lower": est - tcrit * se, "upper": est + tcrit * se, "t": t,
                      "p": float(2 * sps.t.sf(abs(t), dfr))})
    return AncovaResult(pd.DataFrame(rows), pd.DataFrame(diffs), dfr, int(fit.nobs))


def dose_response(df: pd.DataFrame, response: str, dose: str, *, factors: Sequence[str] = (),
                  covariates: Sequence[str] = ()) -> dict[str, float]:
    """Test of a non-zero slope for ``dose`` entered as a continuous variable in
    ``response ~ dose + factors + covariates`` (OLS); returns slope, se, t, df and p."""
    use = df[[response, dose, *factors, *covariates]].dropna()
    X, _ = _design(use.assign(_none="x"), "_none", ["x"], factors, [dose, *covariates])
    fit = sm.OLS(use[response].astype(float).to_numpy(), X.to_numpy()).fit()
    i = list(X.columns).index(dose)
    return {"slope": float(fit.params[i]), "se": float(fit.bse[i]), "t": float(fit.tvalues[i]),
            "df": float(fit.df_resid), "p": float(fit.pvalues[i])}
