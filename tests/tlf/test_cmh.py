"""CMH statistics: the 2 × 2 × K case against statsmodels' Mantel–Haenszel test, an unstratified row-mean-scores
case against its closed form (the Kruskal–Wallis-like ANOVA of scores, (n − 1)·R²), and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

from cdiscflow.errors import TlfError
from cdiscflow.tlf.stats.cmh import cmh_test

TABLES = [np.array([[12, 5], [7, 9]]), np.array([[4, 8], [2, 11]]), np.array([[9, 3], [6, 6]])]


def _records(tables: list[np.ndarray]) -> pd.DataFrame:
    rows = [{"g": ["A", "B"][i], "y": [1.0, 0.0][j], "h": k}
            for k, t in enumerate(tables) for i in range(2) for j in range(2) for _ in range(int(t[i, j]))]
    return pd.DataFrame(rows)


def test_two_by_two_strata_equal_the_mantel_haenszel_test() -> None:
    d = _records(TABLES)
    mh = StratifiedTable(TABLES).test_null_odds(correction=False)
    for statistic in ("general", "row_mean_scores", "correlation"):  # one df: all three coincide
        got = cmh_test(d["g"], d["y"], d["h"], statistic=statistic)
        assert (got["statistic"], got["df"]) == (pytest.approx(mh.statistic), 1.0)
        assert got["p"] == pytest.approx(mh.pvalue)


def test_row_mean_scores_without_strata_is_n_minus_1_times_r_squared() -> None:
    d = pd.DataFrame({"g": list("AAAABBBBCCCC"), "y": [1, 2, 2, 3, 2, 3, 4, 4, 1, 1, 2, 5]})
    y = d["y"].astype(float)
    between = d.groupby("g")["y"].transform("mean")
    r2 = ((between - y.mean()) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    got = cmh_test(d["g"], y)
    assert (got["statistic"], got["df"]) == (pytest.approx((len(d) - 1) * r2), 2.0)


def test_one_group_gives_no_test_and_text_scores_are_refused() -> None:
    assert np.isnan(cmh_test(["A", "A"], [1.0, 2.0])["p"])
    with pytest.raises(TlfError, match="numeric"):
        cmh_test(["A", "B", "A", "B"], ["x", "y", "y", "x"])
