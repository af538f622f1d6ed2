"""MMRM (unstructured covariance, REML, Kenward–Roger): closed-form cases on small frames, and the CDISC pilot's
published SAS PROC MIXED output (CSR Supporting Table 14-3.11, pages 484–487 of
../shared/data/ars/examples/csr-cdiscpilot01.pdf) reproduced from the pilot ADaM."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdiscflow.errors import TlfError
from cdiscflow.tlf.stats.mmrm import fit_mmrm


def _complete(seed: int = 3, n: int = 8) -> pd.DataFrame:
    """Two arms × three visits, every subject at every visit (correlated within subject)."""
    rng = np.random.default_rng(seed)
    rows = []
    for arm in ("A", "B"):
        for i in range(n):
            subject_effect = rng.normal(0, 2)
            for v, mean in zip(("V1", "V2", "V3"), (0.0, 1.0, 2.5), strict=True):
                rows.append({"USUBJID": f"{arm}{i}", "ARM": arm, "VIS": v,
                             "Y": mean + (arm == "B") + subject_effect + rng.normal(0, 1 + 0.3 * len(rows) % 2)})
    return pd.DataFrame(rows)


def test_complete_data_cell_means_are_sample_means_with_exact_df() -> None:
    """With complete data and ARM×VIS cell means, GLS is OLS per visit: the LS mean at a visit is the sample
    mean, its SE the pooled within-arm SD over sqrt(n), and Kenward–Roger's df the exact n − 2."""
    df = _complete()
    fit = fit_mmrm(df, "Y", subject="USUBJID", visit="VIS", terms=["ARM", "VIS", "ARM*VIS"], classes=["ARM", "VIS"])
    for visit in ("V1", "V3"):
        at = df[df["VIS"] == visit]
        L = fit.lsmean_vectors("ARM", {"VIS": visit})
        got = fit.contrast(L["B"])
        pooled = at.groupby("ARM")["Y"].var(ddof=1).mean()
        assert got["estimate"] == pytest.approx(at.loc[at["ARM"] == "B", "Y"].mean(), abs=1e-8)
        assert got["se"] == pytest.approx(np.sqrt(pooled / 8), rel=1e-6)
        assert got["df"] == pytest.approx(14, rel=1e-6)
    # the unstructured covariance is the pooled within-arm covariance of the visits
    wide = df.pivot(index="USUBJID", columns="VIS", values="Y")
    arm = df.drop_duplicates("USUBJID").set_index("USUBJID")["ARM"]
    centred = wide - wide.groupby(arm).transform("mean")
    assert fit.sigma == pytest.approx((centred.T @ centred).to_numpy() / 14, rel=1e-6)


def test_a_missing_visit_is_used_and_a_duplicate_refused() -> None:
    df = _complete()
    dropped = df.drop(index=df.index[(df["USUBJID"] == "A0") & (df["VIS"] == "V3")])
    fit = fit_mmrm(dropped, "Y", subject="USUBJID", visit="VIS", terms=["ARM", "VIS", "ARM*VIS"],
                   classes=["ARM", "VIS"])
    assert (fit.nobs, fit.nsubjects) == (47, 16)
    with pytest.raises(TlfError, match="more than one Y per USUBJID"):
        fit_mmrm(pd.concat([df, df.head(1)]), "Y", subject="USUBJID", visit="VIS", terms=["ARM"],
                 classes=["ARM", "VIS"])


# SAS PROC MIXED, CSR pp. 485-487: -2 Res Log Likelihood, UN(j,k), LS means (estimate, SE, DF), differences
# (Placebo minus Low, Placebo minus High, Low minus High) and Type 3 tests (num DF, den DF, F, p).
SAS_MINUS2 = 3087.84303515
SAS_UN = [16.8209, 11.2056, 28.2581, 11.8853, 14.4451, 31.3944]
SAS_LSMEANS = [(1.5535, 0.4930, 180), (1.5136, 0.5236, 211), (1.1270, 0.5552, 215)]
SAS_DIFFS = [(0.03993, 0.7002, 195, 0.9546), (0.4266, 0.7237, 196, 0.5562), (0.3867, 0.7481, 212, 0.6058)]
SAS_TYPE3 = {"TRTP": (2, 200, 0.20, 0.8184), "SITEGR1": (10, 218, 2.32, 0.0129), "AVISIT": (2, 159, 0.71, 0.4918),
             "TRTP*AVISIT": (4, 187, 1.25, 0.2926), "BASE": (1, 213, 0.00, 0.9510),
             "BASE*AVISIT": (2, 158, 0.34, 0.7137)}
ARMS = ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]


def test_pilot_adas_cog_mmrm_reproduces_the_published_sas_output(shared_data: Path) -> None:
    adas, _ = pyreadstat.read_xport(shared_data / "cdiscpilot01" / "adam" / "adqsadas.xpt")
    data = adas[(adas["PARAMCD"] == "ACTOT") & (adas["EFFFL"] == "Y") & (adas["ANL01FL"] == "Y")
                & (adas["DTYPE"] == "") & (adas["AVISITN"] > 0)]
    fit = fit_mmrm(data, "CHG", subject="USUBJID", visit="AVISIT",
                   terms=["TRTP", "SITEGR1", "AVISIT", "TRTP*AVISIT", "BASE", "BASE*AVISIT"],
                   classes=["TRTP", "SITEGR1", "AVISIT"], levels={"TRTP": ARMS, "AVISIT": ["Week 8", "Week 16", "Week 24"]})
    assert (fit.nobs, fit.nsubjects) == (539, 234)
    assert fit.minus2_reml == pytest.approx(SAS_MINUS2, abs=1e-5)
    # SAS stopped at its convergence criterion slightly short of the optimum (its -2RLL is 3e-7 higher)
    assert fit.covariance_parameters()["estimate"].tolist() == pytest.approx(SAS_UN, rel=5e-5)
    L = fit.lsmean_vectors("TRTP")
    for arm, (est, se, dfree) in zip(ARMS, SAS_LSMEANS, strict=True):
        got = fit.contrast(L[arm])
        assert (round(got["estimate"], 4), round(got["se"], 4), round(got["df"])) == (est, se, dfree)
    for (a, b), (est, se, dfree, p) in zip([(0, 1), (0, 2), (1, 2)], SAS_DIFFS, strict=True):
        got = fit.contrast(L[ARMS[a]] - L[ARMS[b]])
        assert got["estimate"] == pytest.approx(est, abs=5e-5)
        assert (round(got["se"], 4), round(got["df"])) == (se, dfree)
        assert got["p"] == pytest.approx(p, abs=1e-4)  # 0.55625 here: SAS's last digit follows its stopping point
    for term, (num, den, f, p) in SAS_TYPE3.items():
        got = fit.term_test(term)
        assert (got["df_num"], round(got["df_den"]), round(got["f"], 2), round(got["p"], 4)) == (num, den, f, p)


def test_satterthwaite_keeps_the_model_based_standard_errors(shared_data: Path) -> None:
    df = _complete()
    dropped = df.drop(index=df.index[(df["VIS"] == "V3") & df["USUBJID"].isin(["A0", "A1", "B2"])])
    kw = {"subject": "USUBJID", "visit": "VIS", "terms": ["ARM", "VIS", "ARM*VIS"], "classes": ["ARM", "VIS"]}
    kr = fit_mmrm(dropped, "Y", **kw)
    sat = fit_mmrm(dropped, "Y", df_method="satterthwaite", **kw)
    L = kr.lsmean_vectors("ARM", {"VIS": "V3"})["A"]
    assert sat.contrast(L)["se"] == pytest.approx(np.sqrt(L @ kr.vcov_model @ L))
    assert kr.contrast(L)["se"] > sat.contrast(L)["se"]  # the Kenward–Roger inflation
    assert kr.contrast(L)["df"] == pytest.approx(sat.contrast(L)["df"])
    with pytest.raises(TlfError, match="unknown MMRM degrees-of-freedom"):
        fit_mmrm(dropped, "Y", df_method="containment", **kw)
