"""End to end: simulate → SDTM → ADaM for the built-in study, then independent checks of the key figures.

The checks recompute populations, the rapid-progressor split, TEAE counts and the week-4 responders straight
from the SDTM XPT files with plain pandas (no cdiscflow derivation code), compare them with the ADaM datasets,
and with the paper (Berry et al., Neurology 2019: Table 2, Figure 2 and the text).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdiscflow.study import Study

ARMS = ["MSC-NTF cells", "Placebo"]
ADAM = ["ADSL", "ADAE", "ADQSFRS", "ADSVC", "ADHHD", "ADLB", "ADCSF"]


def _read(folder: Path, name: str) -> pd.DataFrame:
    df, _ = pyreadstat.read_xport(str(folder / f"{name.lower()}.xpt"), encoding="utf-8")
    return df


@pytest.fixture(scope="module")
def run(als_chain: Path) -> Path:
    """The shared simulate → sdtm → adam chain (tests/studies/msc_ntf_als/conftest.py)."""
    return als_chain


@pytest.fixture(scope="module")
def sdtm(run: Path):
    return lambda name: _read(run / "sdtm", name)


@pytest.fixture(scope="module")
def adam(run: Path):
    return lambda name: _read(run / "adam", name)


def _sas_date(iso: pd.Series) -> pd.Series:
    return (pd.to_datetime(iso.str[:10], format="%Y-%m-%d") - pd.Timestamp("1960-01-01")).dt.days.astype(float)


@pytest.mark.parametrize("name", ADAM)
def test_every_dataset_written_with_spec_attributes(run: Path, name: str) -> None:
    spec = Study.load("msc_ntf_als").adam_specs[name]
    df, meta = pyreadstat.read_xport(str(run / "adam" / f"{name.lower()}.xpt"), encoding="utf-8")
    assert list(df.columns) == spec.names
    assert meta.column_names_to_labels == {v.name: v.label for v in spec.variables}
    assert len(df) > 0
    assert (run / "adam" / f"{name.lower()}.json").is_file()


def test_populations_against_sdtm(sdtm, adam) -> None:
    dm, ds, ex = sdtm("DM"), sdtm("DS"), sdtm("EX")
    rand = ds.loc[(ds["DSCAT"] == "PROTOCOL MILESTONE") & (ds["DSDECOD"] == "RANDOMIZED"), "USUBJID"]
    arm = dm.set_index("USUBJID").loc[rand, "ARM"].value_counts().reindex(ARMS)
    treated = dm[dm["USUBJID"].isin(ex["USUBJID"]) & dm["USUBJID"].isin(rand)]["ARM"].value_counts().reindex(ARMS)
    adsl = adam("ADSL")
    assert len(adsl) == dm["USUBJID"].nunique()
    assert adsl[adsl["RANDFL"] == "Y"]["TRT01P"].value_counts().reindex(ARMS).tolist() == arm.tolist()
    assert adsl[adsl["ITTFL"] == "Y"]["TRT01P"].value_counts().reindex(ARMS).tolist() == arm.tolist()
    assert adsl[adsl["SAFFL"] == "Y"]["TRT01A"].value_counts().reindex(ARMS).tolist() == treated.tolist()
    assert arm.tolist() == [36, 12]                      # paper: 48 randomized 3:1
    completed = ds.loc[(ds["DSCAT"] == "DISPOSITION EVENT") & (ds["DSDECOD"] == "COMPLETED"), "USUBJID"]
    comp = dm[dm["USUBJID"].isin(completed) & dm["USUBJID"].isin(rand)]["ARM"].value_counts().reindex(ARMS)
    assert adsl[adsl["COMPLFL"] == "Y"]["TRT01P"].value_counts().reindex(ARMS).tolist() == comp.tolist() == [33, 10]


def _alsfrs_slopes(sdtm) -> pd.DataFrame:
    """Per participant: screening/baseline/week-4/week-12 totals and dates, pre slope, slope changes (plain pandas)."""
    qs, ex, dm = sdtm("QS"), sdtm("EX"), sdtm("DM")
    tot = qs[(qs["QSCAT"] == "ALSFRS-R") & (qs["QSTESTCD"] == "ALSFRSTO")].copy()
    tot["DT"] = _sas_date(tot["QSDTC"])
    trt = ex.assign(DT=_sas_date(ex["EXSTDTC"])).groupby("USUBJID")["DT"].min().rename("TRTDT")
    tot = tot.join(trt, on="USUBJID")
    base = tot[tot["DT"] <= tot["TRTDT"]].sort_values("DT").groupby("USUBJID").last()
    wide = pd.DataFrame({"SCR": tot[tot["VISITNUM"] == 1].set_index("USUBJID")["QSSTRESN"],
                         "SCRDT": tot[tot["VISITNUM"] == 1].set_index("USUBJID")["DT"],
                         "BL": base["QSSTRESN"], "BLDT": base["DT"]}).dropna()
    month = 30.4375
    wide["PRE"] = (wide["BL"] - wide["SCR"]) / ((wide["BLDT"] - wide["SCRDT"]) / month)
    for visitnum, week in ((7, 4), (9, 12)):
        w = tot[tot["VISITNUM"] == visitnum].set_index("USUBJID")
        post = (w["QSSTRESN"] - wide["BL"]) / ((w["DT"] - wide["BLDT"]) / month)
        wide[f"CHG{week}"] = post - wide["PRE"]
    wide["RAPID"] = (wide["BL"] - wide["SCR"]) < -2
    wide["ARM"] = dm.set_index("USUBJID")["ARM"]
    return wide[wide["ARM"].isin(ARMS)]


def test_rapid_progressor_split(sdtm, adam) -> None:
    wide = _alsfrs_slopes(sdtm)
    rapid = wide[wide["RAPID"]]["ARM"].value_counts().reindex(ARMS).tolist()
    assert rapid == [15, 6]                                              # paper: 15 + 6 rapid progressors
    # "< -2" and "<= -2" give the same split (no participant has a change of exactly -2)
    assert ((wide["BL"] - wide["SCR"]) == -2).sum() == 0
    adsl = adam("ADSL")
    itt = adsl[adsl["ITTFL"] == "Y"]
    got = itt[itt["PROGGR1"] == "Rapid progressor"]["TRT01P"].value_counts().reindex(ARMS).tolist()
    assert got == rapid
    merged = itt.set_index("USUBJID").join(wide[["PRE"]])
    np.testing.assert_allclose(merged["FRSPRESL"], merged["PRE"], rtol=1e-12)


def test_teae_counts_per_arm(sdtm, adam) -> None:
    ae, ex, dm = sdtm("AE"), sdtm("EX"), sdtm("DM")
    start = ex.groupby("USUBJID")["EXSTDTC"].min()
    ae = ae.join(start, on="USUBJID")
    s, t = ae["AESTDTC"], ae["EXSTDTC"]
    # compare at the precision the AE start was collected: datetime, date or month
    n = s.str.len()
    emergent = np.where(n >= 16, s >= t.str[:16], np.where(n == 10, s >= t.str[:10], s >= t.str[:7]))
    ae["TE"] = emergent & t.notna() & (t != "")
    ae["ARM"] = ae["USUBJID"].map(dm.set_index("USUBJID")["ACTARM"])
    te = ae[ae["TE"]]
    events = te["ARM"].value_counts().reindex(ARMS).tolist()
    subjects = te.groupby("ARM")["USUBJID"].nunique().reindex(ARMS).tolist()
    assert events == [585, 109]                                          # paper Table 2
    assert subjects == [36, 12]
    adae = adam("ADAE")
    tead = adae[(adae["TRTEMFL"] == "Y") & (adae["SAFFL"] == "Y")]
    assert tead["TRTA"].value_counts().reindex(ARMS).tolist() == events
    assert tead.groupby("TRTA")["USUBJID"].nunique().reindex(ARMS).tolist() == subjects
    related = te["AEREL"].isin(["POSSIBLY RELATED", "PROBABLY RELATED", "DEFINITELY RELATED"])
    assert te[related]["ARM"].value_counts().reindex(ARMS).tolist() == [197, 32]
    assert tead[tead["AREL"] == "RELATED"]["TRTA"].value_counts().reindex(ARMS).tolist() == [197, 32]
    # the headache grouping of Table 3 never rewrites AEDECOD
    head = tead[tead["AEGRP1"] == "Headache and procedural headache"]
    assert set(head["AEDECOD"]) == {"Headache", "Procedural headache"}
    assert head.groupby("TRTA")["USUBJID"].nunique().reindex(ARMS).tolist() == [29, 8]


def _responders(frame: pd.DataFrame, col: str) -> list[str]:
    have = frame[frame[col].notna()]
    return [f"{(have[have['ARM'] == a][col] >= 1.5).sum()}/{(have['ARM'] == a).sum()}" for a in ARMS]


def test_week4_responders(sdtm, adam) -> None:
    wide = _alsfrs_slopes(sdtm)
    overall = _responders(wide, "CHG4")
    rapid = _responders(wide[wide["RAPID"]], "CHG4")
    assert overall == ["17/36", "1/11"]              # paper: 47% vs 9% (p = 0.033)
    assert rapid == ["12/15", "0/5"]                 # paper: 80% vs 0% (p = 0.004)
    assert _responders(wide[wide["RAPID"]], "CHG12") == ["8/15", "0/6"]   # paper: 53% vs 0%
    q = adam("ADQSFRS")
    w4 = q[(q["PARAMCD"] == "FRSSLOPE") & (q["AVISITN"] == 4) & (q["ITTFL"] == "Y") & (q["ANL01FL"] == "Y")]
    got = [f"{(w4[w4['TRTP'] == a]['CRIT3FL'] == 'Y').sum()}/{w4[w4['TRTP'] == a]['CRIT3FL'].isin(['Y', 'N']).sum()}"
           for a in ARMS]
    assert got == overall
    assert set(w4["CRIT3"]) == {"Slope improvement >= 1.5 points/month"}
    w4r = w4[w4["PROGGR1"] == "Rapid progressor"]
    got_r = [f"{(w4r[w4r['TRTP'] == a]['CRIT3FL'] == 'Y').sum()}/{(w4r['TRTP'] == a).sum()}" for a in ARMS]
    assert got_r == rapid


def test_slopes_carried_forward_only_after_the_last_assessment(adam) -> None:
    q = adam("ADQSFRS")
    s = q[q["PARAMCD"] == "FRSSLOPE"]
    locf = s[s["DTYPE"] == "LOCF"]
    observed = s[(s["DTYPE"] == "") & (s["AVISITN"] > 0)].groupby("USUBJID")["AVISITN"].max()
    assert len(locf) > 0
    assert (locf["AVISITN"].to_numpy() > observed.reindex(locf["USUBJID"]).to_numpy()).all()
    # the participant who missed Week 4 has no Week 4 slope (an intermediate gap stays missing)
    per_subject = s[s["AVISITN"] > 0].groupby("USUBJID")["AVISITN"].apply(set)
    assert any(4.0 not in v and 8.0 in v for v in per_subject)


@pytest.mark.parametrize("name", ["ADQSFRS", "ADSVC", "ADHHD", "ADCSF"])
def test_every_parameter_has_value_level_metadata_and_a_codelist_term(adam, name: str) -> None:
    study = Study.load("msc_ntf_als")
    spec = study.adam_specs[name]
    described = {vl.where["PARAMCD"] for vl in spec.value_level if vl.variable == "AVAL"}
    terms = {t.value for t in study.codelists[spec.variable("PARAMCD").codelist].terms}
    present = set(adam(name)["PARAMCD"])
    assert present == described
    assert present <= terms


def test_serious_and_worst_severity_flags(adam) -> None:
    adae = adam("ADAE")
    te = adae[(adae["TRTEMFL"] == "Y") & (adae["SAFFL"] == "Y")]
    # one worst-severity record per participant with a TEAE, and it carries the participant's maximum
    worst = te[te["AOCCIFL"] == "Y"]
    assert worst["USUBJID"].is_unique and set(worst["USUBJID"]) == set(te["USUBJID"])
    assert (worst.set_index("USUBJID")["ASEVN"] == te.groupby("USUBJID")["ASEVN"].max()).all()
    tesae = te[te["AOCC02FL"] == "Y"].groupby("TRTA")["USUBJID"].nunique().reindex(ARMS).tolist()
    assert tesae == [8, 1]                           # paper Table 2: treatment-emergent SAE 8 vs 1
