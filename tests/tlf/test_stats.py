"""Statistics checked against scipy/statsmodels directly or against published values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from scipy import stats as sps

from cdiscflow.errors import TlfError
from cdiscflow.tlf.stats import (
    Precision,
    ancova,
    anova_oneway,
    chisq_test,
    correlation,
    count_by_group,
    describe,
    diff_proportions_ci,
    dose_response,
    fisher_exact,
    ttest_paired,
    ttest_two_sample,
    wilcoxon_rank_sum,
    wilcoxon_signed_rank,
)


def test_describe_by_group() -> None:
    df = pd.DataFrame({"g": ["A"] * 4 + ["B"] * 3, "x": [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, np.nan]})
    got = describe(df, "x", "g")
    sd_a = np.std([1, 2, 3, 4], ddof=1)
    expected = pd.DataFrame({"g": ["A", "B"], "n": [4.0, 2.0], "mean": [2.5, 15.0], "sd": [sd_a, np.std([10, 20], ddof=1)],
                             "sem": [sd_a / 2, np.std([10, 20], ddof=1) / np.sqrt(2)], "median": [2.5, 15.0],
                             "q1": [1.5, 10.0], "q3": [3.5, 20.0], "min": [1.0, 10.0], "max": [4.0, 20.0]})
    assert_frame_equal(got, expected)


def test_quartiles_follow_sas_definition_5() -> None:
    x = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]})
    got = describe(x, "x")
    # SAS QNTLDEF=5 for n=7: Q1 = x(2) = 2, Q3 = x(6) = 6 (numpy's default 'linear' would give 2.5 / 5.5)
    assert (got["q1"].iloc[0], got["q3"].iloc[0]) == (2.0, 6.0)


def test_precision_rules() -> None:
    p = Precision()
    values = pd.Series([60.5, 70.2])
    assert [p.decimals(s, values) for s in ("n", "mean", "sd", "min")] == [0, 2, 3, 1]
    assert Precision(fixed={"mean": 1}).decimals("mean", values) == 1


def test_count_by_group_fills_zero_levels() -> None:
    df = pd.DataFrame({"g": ["A", "A", "B"], "v": ["x", "y", "x"], "USUBJID": ["1", "2", "3"]})
    got = count_by_group(df, "v", "g", levels=["x", "y", "z"], groups=["A", "B"])
    expected = pd.DataFrame({"g": ["A", "A", "A", "B", "B", "B"], "v": ["x", "y", "z"] * 2,
                             "n": [1.0, 1.0, 0.0, 1.0, 0.0, 0.0], "denom": [2.0] * 3 + [1.0] * 3,
                             "pct": [50.0, 50.0, 0.0, 100.0, 0.0, 0.0]})
    assert_frame_equal(got, expected)


def test_fisher_and_chisq_match_scipy() -> None:
    table = [[2, 84], [8, 76]]
    assert fisher_exact(table)["p"] == pytest.approx(sps.fisher_exact(table).pvalue)
    t = np.array([[14, 8, 11], [42, 47, 55], [30, 29, 18]])
    assert chisq_test(t)["p"] == pytest.approx(sps.chi2_contingency(t, correction=False)[1])
    assert chisq_test(np.array([[1, 0], [0, 0]]))["p"] != chisq_test(np.array([[1, 0], [0, 0]]))["p"]  # NaN
    with pytest.raises(TlfError):
        fisher_exact([[1, 2, 3], [4, 5, 6]])


def test_anova_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    y = pd.Series(rng.normal(size=30))
    g = pd.Series(np.repeat(["a", "b", "c"], 10))
    res = anova_oneway(y, g)
    ref = sps.f_oneway(y[:10], y[10:20], y[20:])
    assert (res["statistic"], res["p"], res["df_num"], res["df_den"]) == pytest.approx((ref.statistic, ref.pvalue, 2, 27))


def test_ttests_correlation_wilcoxon_match_scipy() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(1, 1, 20), rng.normal(0, 1, 20)
    assert ttest_two_sample(a, b)["p"] == pytest.approx(sps.ttest_ind(a, b).pvalue)
    assert ttest_two_sample(a, b, equal_var=False)["p"] == pytest.approx(sps.ttest_ind(a, b, equal_var=False).pvalue)
    assert ttest_paired(a, b)["p"] == pytest.approx(sps.ttest_rel(a, b).pvalue)
    assert correlation(a, b)["r"] == pytest.approx(sps.pearsonr(a, b).statistic)
    assert correlation(a, b, "spearman")["p"] == pytest.approx(sps.spearmanr(a, b).pvalue)
    assert wilcoxon_rank_sum(a, b)["p"] == pytest.approx(sps.mannwhitneyu(a, b, method="asymptotic").pvalue)
    assert wilcoxon_signed_rank(a, b)["p"] == pytest.approx(sps.wilcoxon(a, b).pvalue)


def test_difference_of_proportions_ci_published_values() -> None:
    """Newcombe (1998) Stat Med 17:873, Table II example (56/70 vs 48/80): method 10 gives
    0.0524 to 0.3339; the Wald interval 0.0575 to 0.3425."""
    w = diff_proportions_ci(56, 70, 48, 80, method="wald")
    n = diff_proportions_ci(56, 70, 48, 80, method="newcombe")
    assert (round(w["lower"], 4), round(w["upper"], 4)) == (0.0575, 0.3425)
    assert (round(n["lower"], 4), round(n["upper"], 4)) == (0.0524, 0.3339)
    assert n["method"] == "newcombe"


def _ancova_data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 90
    df = pd.DataFrame({"trt": np.repeat(["P", "L", "H"], 30), "site": rng.choice(["s1", "s2", "s3"], n, p=[.6, .3, .1]),
                       "base": rng.normal(20, 5, n)})
    df["dose"] = df["trt"].map({"P": 0.0, "L": 54.0, "H": 81.0})
    df["y"] = 0.3 * df["base"] - 0.02 * df["dose"] + df["site"].map({"s1": 0, "s2": 1, "s3": 3}) + rng.normal(0, 2, n)
    return df


def test_ancova_differences_match_statsmodels_and_lsmeans_weight_sites_equally() -> None:
    df = _ancova_data()
    res = ancova(df, "y", "trt", levels=["P", "L", "H"], factors=["site"], covariates=["base"])
    fit = smf.ols("y ~ C(trt, Treatment('P')) + C(site) + base", df).fit()
    diff_h = res.diffs[(res.diffs["group"] == "H") & (res.diffs["reference"] == "P")].iloc[0]
    assert diff_h["estimate"] == pytest.approx(fit.params["C(trt, Treatment('P'))[T.H]"])
    assert diff_h["se"] == pytest.approx(fit.bse["C(trt, Treatment('P'))[T.H]"])
    assert diff_h["p"] == pytest.approx(fit.pvalues["C(trt, Treatment('P'))[T.H]"])
    # LS mean of P: predictions averaged over the 3 sites with equal weight, at mean baseline
    grid = pd.DataFrame({"trt": "P", "site": ["s1", "s2", "s3"], "base": df["base"].mean()})
    expected = fit.predict(grid).mean()
    assert res.lsmeans.set_index("group").loc["P", "estimate"] == pytest.approx(expected)
    assert len(res.diffs) == 3 and res.nobs == 90


def test_dose_response_matches_statsmodels() -> None:
    df = _ancova_data()
    res = dose_response(df, "y", "dose", factors=["site"], covariates=["base"])
    fit = smf.ols("y ~ dose + C(site) + base", df).fit()
    assert (res["slope"], res["p"]) == pytest.approx((fit.params["dose"], fit.pvalues["dose"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.one_of(st.none(), st.integers(-5, 5))),
                min_size=1, max_size=30))
def test_describe_quartiles_are_sas_qntldef5_per_group(rows: list) -> None:
    """The vectorised quartiles equal numpy's ``averaged_inverted_cdf`` (SAS QNTLDEF=5) group by group."""
    df = pd.DataFrame(rows, columns=["g", "x"]).astype({"x": float})
    got = describe(df, "x", "g").set_index("g")
    for g, sub in df.groupby("g"):
        v = sub["x"].dropna().to_numpy()
        for q, pct in (("q1", 25), ("q3", 75)):
            want = np.percentile(v, pct, method="averaged_inverted_cdf") if v.size else np.nan
            assert np.isclose(got.loc[g, q], want, equal_nan=True), (g, q, v)
