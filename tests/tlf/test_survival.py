"""Survival statistics on the Freireich et al. (1963) leukaemia remission data (the "gehan" data), whose
Kaplan–Meier estimates, log-rank test and Cox fits are textbook results (Kleinbaum & Klein, *Survival
Analysis*, ch. 2–4; R ``survival``: ``survdiff`` chi-square 16.8, ``coxph`` coef 1.572 (Efron), se 0.412)."""

from __future__ import annotations

import numpy as np
import pytest

from cdiscflow.errors import TlfError
from cdiscflow.tlf.stats.survival import cox_hazard_ratio, kaplan_meier, logrank, survival_quantile

MP6 = [(6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0), (13, 1), (16, 1), (17, 0),
       (19, 0), (20, 0), (22, 1), (23, 1), (25, 0), (32, 0), (32, 0), (34, 0), (35, 0)]
PLACEBO = [(t, 1) for t in (1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23)]
TIME = np.array([t for t, _ in MP6 + PLACEBO], dtype=float)
EVENT = np.array([e for _, e in MP6 + PLACEBO], dtype=float)
GROUP = np.array(["6-MP"] * 21 + ["Placebo"] * 21)


def test_kaplan_meier_6mp() -> None:
    km = kaplan_meier(TIME[:21], EVENT[:21])
    assert km["time"].tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert km["n_risk"].tolist() == [21, 17, 15, 12, 11, 7, 6]
    assert km["survival"].round(3).tolist() == [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448]
    assert km["se"].iloc[0] == pytest.approx(0.0764, abs=5e-4)  # Greenwood
    assert (km["lower"] < km["survival"]).all() and (km["survival"] < km["upper"]).all()


def test_medians() -> None:
    assert survival_quantile(TIME[:21], EVENT[:21])["estimate"] == 23
    placebo = survival_quantile(TIME[21:], EVENT[21:])
    assert placebo["estimate"] == 8
    assert placebo["lower"] <= 8 <= placebo["upper"]
    assert np.isnan(survival_quantile([1.0, 2.0], [0.0, 0.0])["estimate"])


def test_logrank() -> None:
    got = logrank(TIME, EVENT, GROUP)
    assert got["statistic"] == pytest.approx(16.79, abs=0.01)
    assert got["p"] == pytest.approx(4.17e-5, rel=0.01)
    assert got["df"] == 1


def test_cox_hazard_ratio() -> None:
    efron = cox_hazard_ratio(TIME, EVENT, GROUP, reference="6-MP", ties="efron").iloc[0]
    assert np.log(efron["hr"]) == pytest.approx(1.572, abs=5e-4)
    assert (efron["lower"], efron["upper"]) == pytest.approx((2.147, 10.81), abs=0.01)
    breslow = cox_hazard_ratio(TIME, EVENT, GROUP, reference="6-MP").iloc[0]
    assert breslow["hr"] == pytest.approx(4.523, abs=0.005)
    with pytest.raises(TlfError):
        cox_hazard_ratio(TIME, EVENT, GROUP, reference="Nothing")
    with pytest.raises(TlfError):
        kaplan_meier([1.0], [2.0])


def test_median_interval_transform_follows_sas_conftype() -> None:
    """SAS 9.1 (untransformed) and SAS 9.2+ (log-log) limits of the placebo median both contain 8 (they
    differ on the pilot's Figure 14-1: 24.0 vs 23.0, checked in the pilot test)."""
    linear = survival_quantile(TIME[21:], EVENT[21:], conftype="linear")
    loglog = survival_quantile(TIME[21:], EVENT[21:])
    assert linear["estimate"] == loglog["estimate"] == 8
    assert linear["lower"] <= 8 <= linear["upper"]
    with pytest.raises(TlfError, match="confidence interval transform"):
        survival_quantile(TIME, EVENT, conftype="wide")
