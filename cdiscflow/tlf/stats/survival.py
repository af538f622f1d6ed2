"""Time-to-event statistics on statsmodels: Kaplan–Meier estimates with Greenwood standard errors, medians
and other quartiles with Brookmeyer–Crowley intervals, the log-rank test and the Cox hazard ratio.

Defaults follow SAS PROC LIFETEST / PROC PHREG, the reference of regulatory displays: pointwise and
quantile intervals on the log(−log S) scale (``CONFTYPE=LOGLOG``), Breslow ties in the Cox model
(``TIES=BRESLOW``), Wald confidence limits for the hazard ratio. Each function returns unformatted numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from cdiscflow.errors import TlfError


def _inputs(time: Sequence[float] | pd.Series, event: Sequence[float] | pd.Series,
            group: Sequence[object] | pd.Series | None = None) -> pd.DataFrame:
    """Complete cases of time (≥ 0), event (1 = event, 0 = censored) and group."""
    data = pd.DataFrame({"time": pd.to_numeric(pd.Series(np.asarray(time)), errors="coerce"),
                         "event": pd.to_numeric(pd.Series(np.asarray(event)), errors="coerce")})
    if group is not None:
        data["group"] = pd.Series(np.asarray(group, dtype=object))
    data = data.dropna()
    if (data["time"] < 0).any():
        raise TlfError("survival times must not be negative")
    if not data["event"].isin([0, 1]).all():
        raise TlfError("the event indicator must be 0 (censored) or 1 (event); for CNSR use 1 - CNSR")
    return data


def kaplan_meier(time: Sequence[float] | pd.Series, event: Sequence[float] | pd.Series, *,
                 alpha: float = 0.05) -> pd.DataFrame:
    """The Kaplan–Meier curve at each distinct event time: at risk, events, survival, Greenwood SE and a
    ``1 − alpha`` log(−log) pointwise interval."""
    data = _inputs(time, event)
    if data.empty:
        return pd.DataFrame(columns=["time", "n_risk", "n_events", "survival", "se", "lower", "upper"])
    sf = SurvfuncRight(data["time"].to_numpy(), data["event"].to_numpy())
    s, se = np.asarray(sf.surv_prob), np.asarray(sf.surv_prob_se)
    z = sps.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = se / (s * np.log(s))
        lower = np.where((s > 0) & (s < 1), s ** np.exp(-z * theta), np.nan)
        upper = np.where((s > 0) & (s < 1), s ** np.exp(z * theta), np.nan)
    return pd.DataFrame({"time": sf.surv_times, "n_risk": sf.n_risk, "n_events": sf.n_events, "survival": s,
                         "se": se, "lower": lower, "upper": upper})


#: SAS PROC LIFETEST ``CONFTYPE=`` names → statsmodels' transforms of the Brookmeyer–Crowley interval
CONFTYPES: dict[str, str] = {"loglog": "cloglog", "linear": "linear", "log": "log", "logit": "logit",
                             "asinsqrt": "asinsqrt"}


def survival_quantile(time: Sequence[float] | pd.Series, event: Sequence[float] | pd.Series, *,
                      p: float = 0.5, alpha: float = 0.05, conftype: str = "loglog") -> dict[str, float]:
    """The ``p`` quantile of survival time (0.5: the median) with its Brookmeyer–Crowley ``1 − alpha``
    interval; NaN where the curve does not reach it (SAS prints "."). ``conftype`` is SAS's: ``loglog`` (the
    default since SAS 9.2), ``linear`` (SAS 9.1 and earlier, untransformed), ``log``, ``logit``, ``asinsqrt``."""
    if conftype not in CONFTYPES:
        raise TlfError(f"unknown confidence interval transform {conftype!r}", expected=", ".join(CONFTYPES))
    data = _inputs(time, event)
    if data.empty or data["event"].sum() == 0:
        return {"estimate": np.nan, "lower": np.nan, "upper": np.nan}
    sf = SurvfuncRight(data["time"].to_numpy(), data["event"].to_numpy())
    estimate = float(sf.quantile(p))
    with np.errstate(divide="ignore", invalid="ignore"):  # S = 1 at the start of the curve
        lower, upper = sf.quantile_ci(p, alpha=alpha, method=CONFTYPES[conftype])
    return {"estimate": estimate, "lower": float(lower), "upper": float(upper)}


def logrank(time: Sequence[float] | pd.Series, event: Sequence[float] | pd.Series,
            group: Sequence[object] | pd.Series, *, strata: Sequence[object] | pd.Series | None = None
            ) -> dict[str, float]:
    """Log-rank test of equal survival across groups (optionally stratified): chi-square, df, p."""
    data = _inputs(time, event, group)
    if strata is not None:
        data = data.join(pd.Series(np.asarray(strata, dtype=object), name="strata"), how="inner")
    levels = data["group"].nunique()
    if levels < 2:
        return {"statistic": np.nan, "df": np.nan, "p": np.nan}
    stat, p = survdiff(data["time"].to_numpy(), data["event"].to_numpy(), data["group"].to_numpy(),
                       strata=None if strata is None else data["strata"].to_numpy())
    return {"statistic": float(stat), "df": float(levels - 1), "p": float(p)}


def cox_hazard_ratio(time: Sequence[float] | pd.Series, event: Sequence[float] | pd.Series,
                     group: Sequence[object] | pd.Series, *, reference: object, alpha: float = 0.05,
                     ties: str = "breslow") -> pd.DataFrame:
    """Hazard ratio of each group against ``reference`` from a Cox model with the group as the only
    covariate: HR, Wald ``1 − alpha`` limits and Wald p, one row per non-reference group."""
    data = _inputs(time, event, group)
    others = [g for g in pd.unique(data["group"]) if g != reference]
    if reference not in set(data["group"]) or not others:
        raise TlfError(f"Cox model: reference group {reference!r} and at least one other group are needed")
    design = np.column_stack([(data["group"] == g).to_numpy(dtype=float) for g in others])
    fit = PHReg(data["time"].to_numpy(), design, status=data["event"].to_numpy(), ties=ties).fit()
    z = sps.norm.ppf(1 - alpha / 2)
    coef, se = np.asarray(fit.params), np.asarray(fit.bse)
    return pd.DataFrame({"group": others, "hr": np.exp(coef), "lower": np.exp(coef - z * se),
                         "upper": np.exp(coef + z * se), "p": 2 * sps.norm.sf(np.abs(coef / se))})
