"""Recompute the paper's published numbers straight from the simulated raw CSV files (plain pandas only;
no cdiscflow code apart from running the simulator) and compare them with the publication."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy.stats import fisher_exact, spearmanr, ttest_1samp, ttest_ind

from cdiscflow.studies.msc_ntf_als.simulator.command import simulate

MONTH = 30.4375
RELATED = ["Possible", "Probable", "Definite"]


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulate(tmp_path_factory.mktemp("sim"))


def read(raw: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(raw / f"{name}.csv", dtype=str, keep_default_na=False)


def day(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, format="%d-%b-%Y")


def show(x: float, decimals: int) -> str:
    """Half-up rounding as a published table shows it."""
    return f"{np.floor(x * 10 ** decimals + 0.5) / 10 ** decimals:.{decimals}f}"


@pytest.fixture(scope="module")
def adsl(raw: Path) -> pd.DataFrame:
    rnd = read(raw, "randomization").set_index("SUBJID")
    dm = read(raw, "demographics").set_index("SUBJID").loc[rnd.index]
    hx = read(raw, "als_history").set_index("SUBJID").loc[rnd.index]
    ic = read(raw, "enrollment").set_index("SUBJID").loc[rnd.index]
    out = pd.DataFrame({"ARM": rnd["TRTASSN"], "SEX": dm["SEX"], "AGE": dm["AGE"].astype(int),
                        "WHITE": dm["RACEWHT"] == "X", "ELESC": hx["ELESCRL"]})
    out["MDIAG"] = (day(ic["ICDAT"]) - day(hx["DIAGDAT"])).dt.days / MONTH
    out["MSYMP"] = (day(ic["ICDAT"]) - day(hx["ONSETDAT"])).dt.days / MONTH
    return out


def test_disposition(raw: Path) -> None:
    enr, ie, ds = read(raw, "enrollment"), read(raw, "eligibility"), read(raw, "disposition")
    rnd = read(raw, "randomization")
    assert len(enr) == 59
    assert ie.loc[ie["IEYN"] == "No", "SUBJID"].nunique() == 8
    assert (ds["EOSSTAT"] == "Screen failure").sum() == 8
    not_randomized = ds[~ds["SUBJID"].isin(rnd["SUBJID"]) & (ds["EOSSTAT"] == "Discontinued")]
    assert len(not_randomized) == 3
    assert rnd["TRTASSN"].value_counts().to_dict() == {"MSC-NTF cells": 36, "Placebo": 12}
    arm = rnd.set_index("SUBJID")["TRTASSN"]
    done = ds[ds["SUBJID"].isin(rnd["SUBJID"])].set_index("SUBJID")
    assert (done["EOSSTAT"] == "Completed").groupby(arm).sum().to_dict() == {"MSC-NTF cells": 33,
                                                                             "Placebo": 10}
    assert (done["TELFU"] == "X").groupby(arm).sum().to_dict() == {"MSC-NTF cells": 1, "Placebo": 1}
    # permuted blocks of 4 within site: 3:1 in every site
    per_site = rnd.groupby("SITEID")["TRTASSN"].value_counts().unstack()
    assert (per_site["MSC-NTF cells"] == 3 * per_site["Placebo"]).all()


def test_table1(adsl: pd.DataFrame) -> None:
    trt = adsl["ARM"] == "MSC-NTF cells"
    assert adsl[trt]["SEX"].value_counts().to_dict() == {"Male": 25, "Female": 11}
    assert adsl[~trt]["SEX"].value_counts().to_dict() == {"Male": 10, "Female": 2}
    assert adsl["WHITE"].all()
    assert adsl[trt]["ELESC"].value_counts().to_dict() == {
        "Probable": 16, "Definite": 12, "Laboratory-supported probable": 5, "Possible": 3}
    assert adsl[~trt]["ELESC"].value_counts().to_dict() == {
        "Probable": 7, "Definite": 3, "Laboratory-supported probable": 1, "Possible": 1}
    published = {  # variable: (MSC-NTF mean, SD, placebo mean, SD, all mean, SD, mean decimals, SD decimals)
        "AGE": ("50.3", "11.90", "53.5", "9.11", "51.1", "11.27", 1, 2),
        "MDIAG": ("9.00", "5.57", "9.01", "4.63", "9.00", "5.31", 2, 2),
        "MSYMP": ("17.62", "3.79", "16.75", "3.10", "17.40", "3.62", 2, 2),
    }
    for var, (m1, s1, m0, s0, ma, sa, dm, ds) in published.items():
        got = []
        for part in (adsl[trt], adsl[~trt], adsl):
            got += [show(part[var].mean(), dm), show(part[var].std(), ds)]
        assert got == [m1, s1, m0, s0, ma, sa], var
    assert (adsl["AGE"].min(), adsl["AGE"].max()) == (26, 71)


@pytest.fixture(scope="module")
def ae(raw: Path) -> pd.DataFrame:
    ae = read(raw, "adverse_events").merge(read(raw, "ae_coding"), on=["SUBJID", "AESPID", "AETERM"],
                                           validate="one_to_one")
    rnd = read(raw, "randomization").set_index("SUBJID")
    ex = read(raw, "transplant").groupby("SUBJID").first()
    ae["ARM"] = rnd.loc[ae["SUBJID"], "TRTASSN"].to_numpy()
    start_date = ae["AESTDAT"].str.replace(r"^UN-", "01-", regex=True)
    start = pd.to_datetime(start_date + " " + ae["AESTTIM"].replace("", "23:59"), format="%d-%b-%Y %H:%M")
    dose = pd.to_datetime(ex.loc[ae["SUBJID"], "EXDAT"] + " " + ex.loc[ae["SUBJID"], "EXSTTIM"],
                          format="%d-%b-%Y %H:%M").to_numpy()
    ae["TE"] = start.to_numpy() >= dose
    return ae


def test_table2(ae: pd.DataFrame) -> None:
    te = ae[ae["TE"]]
    arms = ["MSC-NTF cells", "Placebo"]

    def per_arm(frame: pd.DataFrame, subjects: bool) -> list[int]:
        g = frame.groupby("ARM")["SUBJID"]
        counts = g.nunique() if subjects else g.size()
        return [int(counts.get(a, 0)) for a in arms]

    assert per_arm(te, False) == [585, 109]
    assert per_arm(te, True) == [36, 12]
    rel = te[te["AEREL"].isin(RELATED)]
    assert per_arm(rel, False) == [197, 32]
    assert per_arm(rel, True) == [35, 9]
    assert per_arm(rel[rel["AESER"] == "Yes"], True) == [0, 0]
    for sev, want in {"Mild": [36, 12], "Moderate": [34, 10], "Severe": [3, 1],
                      "Life-threatening": [1, 0]}.items():
        assert per_arm(te[te["AESEV"] == sev], True) == want, sev
    sae = ae[ae["AESER"] == "Yes"]
    assert per_arm(sae, False) == [14, 2]
    assert per_arm(sae, True) == [9, 2]
    assert per_arm(sae[sae["TE"]], True) == [8, 1]
    assert len(sae[~sae["TE"]]) == 2
    assert (ae["AEDISCON"] == "No").all() and (ae["AESDTH"] == "").all()
    assert (ae["AEOUT"] != "Fatal").all()
    assert (~ae["TE"]).sum() > 2          # some non-serious pre-treatment AEs too


def test_table3(ae: pd.DataFrame) -> None:
    te = ae[ae["TE"]]
    n = {"MSC-NTF cells": 36, "Placebo": 12}
    pct = (te.groupby(["AEDECOD", "ARM"])["SUBJID"].nunique().unstack(fill_value=0)
           .reindex(columns=list(n), fill_value=0) / pd.Series(n) * 100)
    headache = te[te["AEDECOD"].isin(["Headache", "Procedural headache"])].groupby("ARM")["SUBJID"].nunique()
    published = {"Back pain": (72.2, 8.3), "Pyrexia": (33.3, 0), "Arthralgia": (33.3, 0),
                 "Injection site pain": (27.8, 8.3), "Constipation": (25, 8.3), "Pain in extremity": (22.2, 0),
                 "Neck pain": (19.4, 0), "Myalgia": (16.7, 0), "Cough": (16.7, 0), "Nausea": (16.7, 0)}
    assert [round(headache[a] / n[a] * 100, 1) for a in n] == [80.6, 66.7]
    for pt, (t, p) in published.items():
        assert (round(pct.loc[pt, "MSC-NTF cells"], 1), round(pct.loc[pt, "Placebo"], 1)) == (t, p), pt
    others = pct.drop(index=[*published, "Headache", "Procedural headache"])
    assert (others <= 15).all().all()
    coding = te.drop_duplicates("AEDECOD").set_index("AEDECOD")["AESOC"]
    assert coding["Headache"] == "Nervous system disorders"
    assert coding["Procedural headache"] == "Injury, poisoning and procedural complications"
    assert coding["Back pain"] == "Musculoskeletal and connective tissue disorders"


@pytest.fixture(scope="module")
def slopes(raw: Path) -> pd.DataFrame:
    qs = read(raw, "alsfrs_r")
    items = [f"ALSQ{i:02d}" for i in range(1, 13)]
    qs["TOTAL"] = qs[items].astype(int).sum(axis=1)
    qs["DATE"] = day(qs["QSDAT"])
    tot = qs.pivot(index="SUBJID", columns="VISIT", values="TOTAL")
    dt = qs.pivot(index="SUBJID", columns="VISIT", values="DATE")
    rnd = read(raw, "randomization").set_index("SUBJID")
    out = pd.DataFrame({"ARM": rnd["TRTASSN"]})
    out["SCREEN"] = tot["Screening"]
    out["CHANGE"] = (tot["Transplant"] - tot["Screening"]).loc[out.index]
    pre = out["CHANGE"] / ((dt["Transplant"] - dt["Screening"]).dt.days / MONTH).loc[out.index]
    out["PRE"] = pre
    for w in (2, 4, 8, 12, 16, 20, 24):
        months = (dt[f"Week {w}"] - dt["Transplant"]).dt.days / MONTH
        out[f"W{w}"] = ((tot[f"Week {w}"] - tot["Transplant"]) / months - pre).loc[out.index]
    return out


def test_alsfrs_subgroups_and_responders(slopes: pd.DataFrame) -> None:
    trt = slopes["ARM"] == "MSC-NTF cells"
    assert [show(slopes.loc[m, "SCREEN"].mean(), 1) for m in (trt, ~trt)] == ["38.1", "38.6"]
    assert [show(slopes.loc[m, "SCREEN"].std(), d) for m, d in ((trt, 1), (~trt, 2))] == ["3.6", "3.85"]
    assert (slopes["CHANGE"] != -2).all()             # nobody on the rapid/slow boundary
    rapid = slopes["CHANGE"] < -2
    assert (int((rapid & trt).sum()), int((rapid & ~trt).sum())) == (15, 6)
    assert [show(slopes.loc[m, "PRE"].mean(), 1) for m in (trt, ~trt)] == ["-0.7", "-0.6"]

    def responders(week: int, subset: pd.Series) -> tuple[int, int, int, int]:
        s = slopes[subset & slopes[f"W{week}"].notna()]
        resp = s[f"W{week}"] >= 1.5
        t = s["ARM"] == "MSC-NTF cells"
        return int(resp[t].sum()), int(t.sum()), int(resp[~t].sum()), int((~t).sum())

    everyone = pd.Series(True, index=slopes.index)
    assert responders(4, everyone) == (17, 36, 1, 11)          # 47% vs 9%
    assert responders(4, rapid) == (12, 15, 0, 5)              # 80% vs 0%
    assert responders(12, rapid) == (8, 15, 0, 6)              # 53% vs 0%
    for week, subset, p in ((4, everyone, 0.033), (4, rapid, 0.004), (12, rapid, 0.046)):
        a, n1, b, n0 = responders(week, subset)
        assert round(fisher_exact([[a, n1 - a], [b, n0 - b]]).pvalue, 3) == p
    for week in (2, 8, 16):                                    # not significant elsewhere, treated ahead
        for subset in (everyone, rapid):
            a, n1, b, n0 = responders(week, subset)
            assert a / n1 > b / n0
            assert fisher_exact([[a, n1 - a], [b, n0 - b]]).pvalue >= 0.05


def test_csf_pairs_and_direction(raw: Path) -> None:
    csf = read(raw, "csf_biomarkers")
    arm = read(raw, "randomization").set_index("SUBJID")["TRTASSN"]
    done = csf[csf["CSFSTAT"] == "Done"]
    wide = done.pivot_table(index=["SUBJID", "CSFTESTCD"], columns="VISIT", values="CSFORRES", aggfunc="first")
    pairs = wide.dropna().reset_index()
    n_pairs = pairs.drop_duplicates("SUBJID")["SUBJID"].map(arm).value_counts().to_dict()
    assert n_pairs == {"MSC-NTF cells": 26, "Placebo": 9}
    lif = done[done["CSFTESTCD"] == "LIF"]
    assert (lif.loc[lif["VISIT"] == "Transplant", "CSFORRES"] == "<LLOQ").all()
    assert (lif.loc[lif["SUBJID"].map(arm) == "Placebo", "CSFORRES"] == "<LLOQ").all()
    num = pairs[pairs["CSFTESTCD"].isin(["VEGF", "HGF", "MCP1", "SDF1A"])].copy()
    num["CHG"] = num["Week 2"].astype(float) - num["Transplant"].astype(float)
    mean = num.groupby(["CSFTESTCD", num["SUBJID"].map(arm)])["CHG"].mean().unstack()
    assert mean.loc["VEGF", "MSC-NTF cells"] == pytest.approx(629.8, abs=0.05)
    assert mean.loc["MCP1", "MSC-NTF cells"] == pytest.approx(-17.3, abs=0.05)
    assert mean.loc["SDF1A", "MSC-NTF cells"] == pytest.approx(-46.6, abs=0.05)
    assert mean.loc["HGF", "Placebo"] == pytest.approx(18.8, abs=0.05)


#: The text's CSF results as printed (mean +/- SEM over the pairs; p of the paired t-test): analyte, arm,
#: baseline (mean, SEM) or None, change (mean, SEM), p (None: not reproduced, see the README).
CSF_TEXT = [
    ("VEGF", "MSC-NTF cells", ("37.1", "15.8"), ("629.8", "243.3"), "0.016"),
    ("VEGF", "Placebo", ("30.6", "14.4"), ("-0.78", "0.9"), None),          # paper p = 0.45
    ("HGF", "MSC-NTF cells", ("391.1", "115.9"), ("107.18", "34.4"), None),  # paper p = 0.004
    ("HGF", "Placebo", ("448.4", "146.3"), ("18.8", "22.2"), "0.42"),
    ("LIF", "MSC-NTF cells", None, ("12.33", "3.23"), "0.0008"),
    ("MCP1", "MSC-NTF cells", ("42.2", "9.4"), ("-17.3", "1.8"), "<0.0001"),
    ("MCP1", "Placebo", ("40.5", "9.5"), ("-0.89", "2.3"), "0.7"),
    ("SDF1A", "MSC-NTF cells", ("195.6", "31.1"), ("-46.6", "12.9"), "0.0014"),
    ("SDF1A", "Placebo", ("200.8", "14.9"), ("0.27", "5.05"), "0.96"),
    ("CHIT1", "MSC-NTF cells", None, ("-1413", "601"), "0.027"),
    ("CHIT1", "Placebo", None, ("6411", "2137"), None),                    # "nonsignificant"
    ("CASP3", "MSC-NTF cells", None, ("-2.09", "0.4"), "<0.0001"),
    ("CASP3", "Placebo", None, ("-0.91", "0.9"), "0.35"),
]


def decimals(printed: str) -> int:
    return len(printed.partition(".")[2])


def test_csf_mean_sem_and_p(raw: Path) -> None:
    """The text's CSF figures (mean +/- SEM, n = 26 and 9 pairs; "<LLOQ" = 0) and paired t-test p-values; the
    between-arm pooled t-test of the changes (MCP-1 p < 0.0001, SDF-1a p = 0.04)."""
    csf = read(raw, "csf_biomarkers")
    arm = read(raw, "randomization").set_index("SUBJID")["TRTASSN"]
    done = csf[csf["CSFSTAT"] == "Done"].assign(V=lambda d: pd.to_numeric(d["CSFORRES"].replace("<LLOQ", "0")))
    wide = done.pivot_table(index=["SUBJID", "CSFTESTCD"], columns="VISIT", values="V", aggfunc="first").dropna()
    wide = wide.reset_index().assign(ARM=lambda d: d["SUBJID"].map(arm),
                                     CHG=lambda d: d["Week 2"] - d["Transplant"])

    def mean_sem(x: pd.Series, printed: tuple[str, str]) -> tuple[str, str]:
        return show(x.mean(), decimals(printed[0])), show(x.std() / np.sqrt(len(x)), decimals(printed[1]))

    for code, group, base, chg, p in CSF_TEXT:
        d = wide[(wide["CSFTESTCD"] == code) & (wide["ARM"] == group)]
        assert len(d) == (26 if group == "MSC-NTF cells" else 9), (code, group)
        if base is not None:
            assert mean_sem(d["Transplant"], base) == base, (code, group)
        assert mean_sem(d["CHG"], chg) == chg, (code, group)
        pval = ttest_1samp(d["CHG"], 0.0).pvalue
        if p is not None:
            shown = "<0.0001" if pval < 0.0001 else show(pval, decimals(p))
            assert shown == p, (code, group, pval)
    vegf = wide[(wide["CSFTESTCD"] == "VEGF") & (wide["ARM"] == "MSC-NTF cells")]
    assert show(vegf["Transplant"].std(), 0) == show(15.8 * np.sqrt(26), 0)      # SD 81: the SEM reading
    for code, p in (("MCP1", "<0.0001"), ("SDF1A", "0.04")):
        d = wide[wide["CSFTESTCD"] == code]
        pval = ttest_ind(d.loc[d["ARM"] == "MSC-NTF cells", "CHG"], d.loc[d["ARM"] == "Placebo", "CHG"]).pvalue
        assert ("<0.0001" if pval < 0.0001 else show(pval, 2)) == p, code


def carried(slopes: pd.DataFrame) -> pd.DataFrame:
    """Slope changes with the last one carried forward after a participant's last ALSFRS-R only."""
    cols = [f"W{w}" for w in (2, 4, 8, 12, 16, 20, 24)]
    seen = slopes[cols].notna().to_numpy()
    last = np.where(seen, np.arange(len(cols)), -1).max(axis=1)
    after = np.arange(len(cols))[None, :] > last[:, None]
    out = slopes.copy()
    out[cols] = slopes[cols].where(~after, slopes[cols].ffill(axis=1))
    return out


def lsmeans(slopes: pd.DataFrame, week: int) -> tuple[float, float, float]:
    """ANCOVA slope change ~ arm + pre-slope: LS means (MSC-NTF, placebo) at the mean pre-slope, p."""
    d = slopes[["ARM", "PRE", f"W{week}"]].dropna().rename(columns={f"W{week}": "Y"})
    d["TRT"] = (d["ARM"] == "MSC-NTF cells").astype(float)
    fit = smf.ols("Y ~ TRT + PRE", d).fit()
    pbo = fit.params["Intercept"] + fit.params["PRE"] * d["PRE"].mean()
    return pbo + fit.params["TRT"], pbo, fit.pvalues["TRT"]


def test_alsfrs_lsmeans(slopes: pd.DataFrame) -> None:
    """Figure 2A/B and text: overall 1.7 vs -0.4 (p = 0.110) at week 2 and 0.6 vs -0.03 (p = 0.368) at
    week 4; rapid progressors 3.3 vs -1.3 (p = 0.021) and 2.0 vs -0.1 (p = 0.033); afterwards similar arms
    overall and MSC-NTF ahead (nonsignificantly) in rapid progressors."""
    s = carried(slopes)
    rapid = s[s["CHANGE"] < -2]
    published = {(True, 2): (1.7, -0.4, 0.110), (True, 4): (0.6, -0.03, 0.368),
                 (False, 2): (3.3, -1.3, 0.021), (False, 4): (2.0, -0.1, 0.033)}
    for (overall, week), (trt, pbo, p) in published.items():
        t, c, pval = lsmeans(s if overall else rapid, week)
        assert (round(t, 1), round(c, 1)) == (round(trt, 1), round(pbo, 1)), (overall, week)   # -0.0 == 0.0
        assert (pval < 0.05) == (p < 0.05)
        assert show(pval, 3) == f"{p:.3f}", (overall, week, pval)
    for week in (8, 12, 16, 20, 24):
        t, c, pval = lsmeans(s, week)
        assert abs(t - c) <= 0.5 and pval >= 0.05
        t, c, pval = lsmeans(rapid, week)
        assert t > c and pval >= 0.05


def test_csf_correlations(raw: Path, slopes: pd.DataFrame) -> None:
    """Figure 4 and text: Week-2 CSF levels of treated participants correlate (VEGF with MCP-1 r = -0.56,
    p = 0.003; VEGF, HGF and LIF with SDF-1a, LIF with MCP-1), not in placebo; MCP-1 at Week 2 correlates with
    the slope change at weeks 4, 12 (p < 0.01), 16 and 24. Rank (Spearman) correlations: the README says why."""
    csf = read(raw, "csf_biomarkers")
    arm = read(raw, "randomization").set_index("SUBJID")["TRTASSN"]
    done = csf[(csf["CSFSTAT"] == "Done") & (csf["VISIT"] == "Week 2")]
    wide = done.pivot(index="SUBJID", columns="CSFTESTCD", values="CSFORRES").apply(pd.to_numeric,
                                                                                     errors="coerce")
    trt = wide[wide.index.map(arm) == "MSC-NTF cells"]
    pbo = wide[wide.index.map(arm) == "Placebo"]
    r, p = spearmanr(trt["VEGF"], trt["MCP1"])
    assert (round(r, 2), round(p, 3)) == (-0.56, 0.003)
    for a, b, want in (("VEGF", "SDF1A", -0.77), ("HGF", "SDF1A", -0.41), ("LIF", "SDF1A", -0.53),
                       ("LIF", "MCP1", -0.42)):
        r, p = spearmanr(trt[a], trt[b])
        assert round(r, 2) == want and p < 0.05, (a, b)
    for a, b in (("VEGF", "MCP1"), ("VEGF", "SDF1A"), ("HGF", "SDF1A")):
        assert spearmanr(pbo[a], pbo[b])[1] >= 0.05, (a, b)
    s = carried(slopes)
    for week in (4, 12, 16, 24):
        x = pd.concat([trt["MCP1"], s[f"W{week}"]], axis=1, join="inner").dropna()
        r, p = spearmanr(x.iloc[:, 0], x.iloc[:, 1])
        assert r < 0 and p < (0.01 if week == 12 else 0.05), week
