"""Build every raw EDC extract (a text DataFrame per form, in ``forms.FORMS`` order) from the simulation."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from cdiscflow.studies.msc_ntf_als.simulator import design as D
from cdiscflow.studies.msc_ntf_als.simulator.adverse import simulate_aes
from cdiscflow.studies.msc_ntf_als.simulator.alsfrs import simulate_alsfrs
from cdiscflow.studies.msc_ntf_als.simulator.clinical import (
    HHD_SITES,
    LABS,
    URINE_QUAL,
    Dynamometry,
    LabResults,
    simulate_cm,
    simulate_hhd,
    simulate_labs,
    simulate_mh,
    simulate_svc,
    simulate_vitals,
)
from cdiscflow.studies.msc_ntf_als.simulator.csf import simulate_csf
from cdiscflow.studies.msc_ntf_als.simulator.forms import (
    as_text,
    checkbox,
    cross_text,
    finish,
    fmt_date,
    fmt_num,
    fmt_time,
    row_major,
    text_column,
)
from cdiscflow.studies.msc_ntf_als.simulator.meddra import MEDDRA_VERSION, TERMS
from cdiscflow.studies.msc_ntf_als.simulator.subjects import simulate_subjects
from cdiscflow.studies.msc_ntf_als.simulator.visits import simulate_visits

CRITERIA = pd.DataFrame([
    ("IN01", "Inclusion", "Age 18-75 years"),
    ("IN02", "Inclusion", "Possible, laboratory-supported probable, probable or definite ALS (El Escorial)"),
    ("IN03", "Inclusion", "ALSFRS-R >= 30 at screening"),
    ("IN04", "Inclusion", "Vital capacity >= 65% of predicted"),
    ("IN05", "Inclusion", "Symptom duration between 1 and 2 years"),
    ("EX01", "Exclusion", "Feeding tube or mechanical ventilation"),
    ("EX02", "Exclusion", "Investigational agent or immunosuppressive therapy within 4 weeks"),
    ("EX03", "Exclusion", "Clinically significant abnormal safety laboratory values"),
], columns=["IETESTCD", "IECAT", "IETEST"])


def build_extracts(n_subjects: int, seed: int) -> Iterator[tuple[str, pd.DataFrame]]:
    """Simulate the study and yield ``(form name, extract)`` for every form in ``forms.FORMS``.

    Extracts are yielded one at a time so that a writer can release each before the next is built.
    """
    rng = np.random.default_rng(seed)
    subj = simulate_subjects(n_subjects, rng)
    visits = simulate_visits(subj, rng)
    qs = simulate_alsfrs(subj, visits, rng)
    site = subj.set_index("SUBJID")["SITEID"]
    rnd = subj[subj["STATUS"] == "RANDOMIZED"]
    yield "enrollment", _enrollment(subj)
    yield "eligibility", _eligibility(subj, rng)
    yield "demographics", _demographics(subj)
    yield "als_history", _als_history(subj, rng)
    yield "medical_history", _medical_history(simulate_mh(subj, rng), site)
    yield "randomization", _randomization(rnd, rng)
    yield "visit_dates", _visit_dates(visits, site)
    yield "bone_marrow_aspiration", _aspiration(rnd, rng)
    yield "transplant", _transplant(rnd)
    yield "alsfrs_r", _alsfrs(qs, site)
    yield "svc", _svc(simulate_svc(subj, visits, rng), site, rng)
    yield "hhd", _hhd(simulate_hhd(subj, visits, rng), site)
    yield "vital_signs", _vitals(simulate_vitals(subj, visits, rng))
    yield "safety_lab", _labs(simulate_labs(subj, visits, rng), site)
    yield "csf_biomarkers", _csf(simulate_csf(rnd, _slope_changes(qs), rng), rnd, visits, site)
    ae = simulate_aes(subj, visits, rng)
    yield "adverse_events", _adverse_events(ae, site)
    yield "ae_coding", _ae_coding(ae)
    yield "concomitant_medications", _cm(simulate_cm(subj, rng), site)
    yield "disposition", _disposition(subj, visits, rng)
    yield "trial_summary", finish("trial_summary", D.TRIAL_SUMMARY)


def _keys(df: pd.DataFrame, site: pd.Series) -> pd.DataFrame:
    """``df`` with each participant's SITEID (``site`` is indexed by SUBJID)."""
    return df.assign(SITEID=site.array.take(site.index.get_indexer(df["SUBJID"])))


def _enrollment(subj: pd.DataFrame) -> pd.DataFrame:
    df = subj.copy()
    df["ICDAT"] = fmt_date(df["ICDT"])
    df["ICTIM"] = fmt_time((df["TXTIM"] * 7 + 13) % 480 // 5 * 5 + 8 * 60)
    df["ICVERS"] = np.where(df["CSFPRE"], "Version 2.0 (CSF amendment)", "Version 1.0")
    df["CSFCONS"] = checkbox(df["CSFPRE"])
    return finish("enrollment", df)


def _eligibility(subj: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    df = subj.copy()
    df["IEDAT"] = fmt_date(df["SCRDT"])
    fail = (df["STATUS"] == "SCREEN FAILURE").to_numpy()
    df["IEYN"] = np.where(fail, "No", "Yes")
    crit = CRITERIA.iloc[rng.integers(2, len(CRITERIA), len(df))].reset_index(drop=True)
    for col in ("IETESTCD", "IECAT", "IETEST"):
        df[col] = np.where(fail, crit[col], "")
    df["IEORRES"] = np.where(fail, np.where(crit["IECAT"] == "Inclusion", "No", "Yes"), "")
    return finish("eligibility", df)


def _demographics(subj: pd.DataFrame) -> pd.DataFrame:
    df = subj.copy()
    df["BRTHDAT"] = fmt_date(df["BRTHDT"])
    df["SEX"] = df["SEX"].map({"M": "Male", "F": "Female"})
    df["RACEWHT"] = checkbox(df["RACE"] == "White")
    df["RACEBLK"] = df["RACEASN"] = df["RACEOTH"] = df["RACEOTHS"] = ""
    return finish("demographics", df)


def _als_history(subj: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    df = subj.copy()
    df["ONSETDAT"] = fmt_date(df["ONSETDT"])
    df["DIAGDAT"] = fmt_date(df["DIAGDT"])
    df["ELESCRL"] = df["ELESC"]
    df["FAMHX"] = rng.choice(["No", "No", "No", "No", "No", "No", "Yes", "Unknown"], len(df))
    return finish("als_history", df)


def _medical_history(mh: pd.DataFrame, site: pd.Series) -> pd.DataFrame:
    df = _keys(mh, site)
    df["MHSPID"] = df.groupby("SUBJID").cumcount() + 1
    df["MHTERM"] = df["TERM"]
    df["MHSTDAT"] = fmt_date(df["STDT"], df["PRECISION"])
    df["MHENDAT"] = fmt_date(df["ENDT"])
    df["MHONGO"] = checkbox(df["ONGOING"])
    return finish("medical_history", df)


def _randomization(rnd: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    df = rnd.copy()
    df["RANDDAT"] = fmt_date(df["RANDDT"])
    df["RANDTIM"] = fmt_time(rng.integers(9 * 60, 17 * 60, len(df)) // 5 * 5)
    df["STRATUM"] = "Site " + df["SITEID"]
    df["TRTASSN"] = df["ARM"].map(D.ARM_LABEL)
    return finish("randomization", df)


def _visit_dates(visits: pd.DataFrame, site: pd.Series) -> pd.DataFrame:
    df = _keys(visits, site)
    df["VISDAT"] = fmt_date(df["DATE"].where(df["DONE"]))
    df["VISSTAT"] = np.where(df["DONE"], "Done", "Not done")
    df["VISMODE"] = np.where(df["DONE"], df["MODE"], "")
    df["VISNDRSN"] = np.where(df["DONE"], "", "Subject unable to attend (travel)")
    return finish("visit_dates", df)


def _aspiration(rnd: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    df = rnd.copy()
    df["VISIT"], df["VISITNUM"] = "Aspiration", 4
    df["BMADAT"] = fmt_date(df["ASPDT"])
    df["BMATIM"] = fmt_time(rng.integers(8 * 60, 14 * 60, len(df)) // 5 * 5)
    df["BMALOC"] = rng.choice(["Left posterior iliac crest", "Right posterior iliac crest"], len(df))
    df["BMAVOL"] = rng.integers(50, 71, len(df))
    df["BMAVOLU"] = "mL"
    return finish("bone_marrow_aspiration", df)


def _transplant(rnd: pd.DataFrame) -> pd.DataFrame:
    """Two rows per participant: the intrathecal and the intramuscular administration."""
    it, im = rnd.copy(), rnd.copy()
    active = rnd["ARM"].eq(D.ARMS[0]).to_numpy()
    it["EXROUTE"], im["EXROUTE"] = "Intrathecal", "Intramuscular"
    it["EXDOSE"], im["EXDOSE"] = np.where(active, 125, 0), np.where(active, 48, 0)
    it["EXVOL"], im["EXVOL"] = 5.0, 24.0
    it["EXNINJ"], im["EXNINJ"] = 1, 24
    it["EXLOC"] = "Lumbar spine"
    im["EXLOC"] = "Right upper arm (biceps and triceps)"
    it["START"], it["END"] = rnd["TXTIM"], rnd["TXTIM"] + 15
    im["START"], im["END"] = rnd["TXTIM"] + 25, rnd["TXTIM"] + 55
    df = pd.concat([it, im]).sort_values(["RANDORD", "START"], kind="stable")
    df["VISIT"], df["VISITNUM"] = "Transplant", 5
    df["EXDAT"] = fmt_date(df["TXDT"])
    df["EXSTTIM"], df["EXENTIM"] = fmt_time(df["START"]), fmt_time(df["END"])
    df["EXTRT"] = np.where(df["ARM"] == D.ARMS[0], "MSC-NTF cells", "Placebo (DMEM)")
    df["EXDOSU"], df["EXVOLU"] = "10^6 cells", "mL"
    df["EXVOL"] = fmt_num(df["EXVOL"], 1)
    return finish("transplant", df)


def _alsfrs(qs: pd.DataFrame, site: pd.Series) -> pd.DataFrame:
    df = _keys(qs, site)
    df["QSDAT"] = fmt_date(df["DATE"])
    df["QSMODE"] = df["MODE"]
    for i in range(1, 13):
        df[f"ALSQ{i:02d}"] = df[f"ITEM{i}"]
    df["ALSTOT"] = df["TOTAL"]
    return finish("alsfrs_r", df)


def _slope_changes(qs: pd.DataFrame, weeks: tuple[int, ...] = (4, 12)) -> pd.DataFrame:
    """ALSFRS-R slope change per participant (rows) at ``weeks`` (columns ``SLOPE<w>``; used to correlate CSF
    MCP-1, Figure 4B and text)."""
    wide = qs.pivot(index="SUBJID", columns="VISIT", values="TOTAL")
    dates = qs.pivot(index="SUBJID", columns="VISIT", values="DATE")
    if not {"Screening", "Transplant", *(f"Week {w}" for w in weeks)} <= set(wide.columns):
        return pd.DataFrame(columns=[f"SLOPE{w}" for w in weeks], dtype=float)
    m = lambda a, b: (dates[b] - dates[a]).dt.days / D.DAYS_PER_MONTH  # noqa: E731
    pre = (wide["Transplant"] - wide["Screening"]) / m("Screening", "Transplant")
    return pd.DataFrame({f"SLOPE{w}": (wide[f"Week {w}"] - wide["Transplant"]) / m("Transplant", f"Week {w}") - pre
                         for w in weeks})


def _svc(svc: pd.DataFrame, site: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    df = _keys(svc, site)
    df["SVCDAT"] = fmt_date(df["DATE"])
    df["SVCTIM"] = fmt_time(rng.integers(8 * 60, 16 * 60, len(df)) // 5 * 5)
    df["SVCPP"], df["SVCNTRL"] = df["SVC"], df["TRIALS"]
    return finish("svc", df)


def _hhd(hhd: Dynamometry, site: pd.Series) -> pd.DataFrame:
    """One row per assessment, muscle and side, as measured."""
    rec = _keys(hhd.assessments, site)
    rec["HHDDAT"] = fmt_date(rec["DATE"])
    sites = HHD_SITES.rename(columns={"MUSCLE": "HHDMUSC", "SIDE": "HHDSIDE", "INJECTED": "HHDINJ"})
    df = cross_text(rec[["SITEID", "SUBJID", "VISIT", "VISITNUM", "HHDDAT"]], sites[["HHDMUSC", "HHDSIDE", "HHDINJ"]])
    df["HHDTRL1"], df["HHDTRL2"] = fmt_num(hhd.force[..., 0].ravel(), 1), fmt_num(hhd.force[..., 1].ravel(), 1)
    df["HHDUNIT"] = "lbf"
    return finish("hhd", df)


def _vitals(vs: pd.DataFrame) -> pd.DataFrame:
    df = vs.copy()
    df["VSDAT"], df["VSTIM"] = fmt_date(df["DATE"]), fmt_time(df["TIME"])
    df["TEMP"], df["WEIGHT"] = fmt_num(df["TEMP"], 1), fmt_num(df["WEIGHT"], 1)
    df["HEIGHTU"] = np.where(df["HEIGHT"].notna(), "cm", "")
    df["HEIGHT"] = fmt_num(df["HEIGHT"], 0)
    return finish("vital_signs", df)


def _lab_tests() -> pd.DataFrame:
    """The laboratory's test list as the extract shows it: numeric tests (ranges at each test's decimals),
    then the qualitative urinalysis tests."""
    tests = pd.DataFrame({
        "LBCAT": LABS["CAT"], "LBTESTCD": LABS["CODE"], "LBTEST": LABS["NAME"], "LBORRESU": LABS["UNIT"],
        "LBORNRLO": [fmt_num([lo], d)[0] for lo, d in zip(LABS["LOW"], LABS["DEC"], strict=True)],
        "LBORNRHI": [fmt_num([hi], d)[0] for hi, d in zip(LABS["HIGH"], LABS["DEC"], strict=True)]})
    urine = pd.DataFrame({"LBCAT": "URINALYSIS", "LBTESTCD": [c for c, _ in URINE_QUAL],
                          "LBTEST": [t for _, t in URINE_QUAL], "LBORRESU": "", "LBORNRLO": "", "LBORNRHI": ""})
    tests = pd.concat([tests, urine], ignore_index=True)
    tests["LBSPEC"] = np.where(tests["LBCAT"] == "URINALYSIS", "Urine", "Blood")
    return tests


def _labs(labs: LabResults, site: pd.Series) -> pd.DataFrame:
    """One row per sample and test: samples by participant and visit, tests by panel and code. The reference
    range flag compares the result as reported (at the test's decimals) with the range."""
    samples = _keys(labs.samples, site).sort_values(["SUBJID", "VISITNUM"], kind="stable")
    order = samples.index.to_numpy()
    samples["LBDAT"], samples["LBTIM"] = fmt_date(samples["DATE"]), fmt_time(samples["TIME"])
    numeric = [fmt_num(labs.values[order, j], int(d)) for j, d in enumerate(LABS["DEC"])]
    reported = np.column_stack([pd.to_numeric(r.categories, errors="coerce").to_numpy()[r.codes] for r in numeric])
    urine = labs.urine[order]
    flag = np.hstack([np.where(reported < LABS["LOW"].to_numpy(), 1,
                               np.where(reported > LABS["HIGH"].to_numpy(), 2, 0)),
                      np.where(urine == "Negative", 0, 2)])                      # "", L, H
    results = numeric + [as_text(urine[:, j]) for j in range(urine.shape[1])]
    tests = _lab_tests()
    by = tests.sort_values(["LBCAT", "LBTESTCD"], kind="stable").index.to_numpy()
    df = cross_text(samples[["SITEID", "SUBJID", "VISIT", "VISITNUM", "LBDAT", "LBTIM"]], tests.iloc[by])
    df["LBORRES"] = row_major([results[j] for j in by])
    df["LBNRIND"] = text_column(flag[:, by].ravel(), ["", "L", "H"])
    return finish("safety_lab", df)


def _csf(csf: pd.DataFrame, rnd: pd.DataFrame, visits: pd.DataFrame, site: pd.Series) -> pd.DataFrame:
    """Long CSF results: Transplant (pre-dose) and Week 2; ``<LLOQ`` below the limit; Week 2 not done for
    participants without a second sample."""
    pre = csf.assign(VISIT="Transplant", VISITNUM=5, VALUE=csf["PRE"], DONE=True)
    post = csf.assign(VISIT="Week 2", VISITNUM=6, VALUE=csf["POST"], DONE=csf["PAIRED"])
    df = pd.concat([pre, post], ignore_index=True).sort_values(["SUBJID", "VISITNUM"], kind="stable")
    df = _keys(df[["SUBJID", "CODE", "VISIT", "VISITNUM", "VALUE", "DONE"]], site)
    done, value = df["DONE"].to_numpy(), df["VALUE"].to_numpy()
    vdate = visits.set_index(["SUBJID", "VISIT"])["DATE"]
    date = vdate.reindex(pd.MultiIndex.from_frame(df[["SUBJID", "VISIT"]])).to_numpy()
    txtim = rnd.set_index("SUBJID")["TXTIM"].loc[df["SUBJID"]].to_numpy()
    test = D.CSF.set_index("CODE").index.get_indexer(df["CODE"])            # row of D.CSF
    lloq = D.CSF["LLOQ"].to_numpy()[test]
    below = np.isnan(value) | (value < lloq)
    minutes = np.where(df["VISIT"] == "Transplant", txtim - 10, txtim)
    return finish("csf_biomarkers", df.assign(
        LPDAT=fmt_date(np.where(done, date, np.datetime64("NaT"))), LPTIM=fmt_time(np.where(done, minutes, -1)),
        CSFTESTCD=df["CODE"], CSFTEST=text_column(test, D.CSF["NAME"]),
        CSFORRES=np.where(~done, "", np.where(below, "<LLOQ", fmt_num(value, 2))),
        CSFORRESU=text_column(test, D.CSF["UNIT"]), CSFLLOQ=fmt_num(lloq, 2),
        CSFMETH=text_column(test, D.CSF["METHOD"]), CSFSTAT=np.where(done, "Done", "Not done"),
        CSFREASND=np.where(done, "", "Week 2 lumbar puncture not performed")))


def _adverse_events(ae: pd.DataFrame, site: pd.Series) -> pd.DataFrame:
    df = _keys(ae, site)
    ser = df["SERIOUS"].to_numpy()
    df["AETERM"] = df["VERBATIM"]
    df["AESTDAT"] = fmt_date(df["STDT"], np.where(df["PARTIAL"], "M", "D"))
    df["AESTTIM"], df["AEENDAT"], df["AEENTIM"] = fmt_time(df["STTIM"]), fmt_date(df["ENDT"]), \
        fmt_time(df["ENTIM"])
    df["AEONGO"] = checkbox(df["ENDT"].isna())
    df["AESEV"] = df["SEV"]
    df["AESER"] = np.where(ser, "Yes", "No")
    df["AESDTH"] = ""
    df["AESLIFE"] = checkbox(df["LIFE"])
    df["AESHOSP"] = checkbox(ser)
    df["AESDISAB"] = df["AESCONG"] = ""
    df["AESMIE"] = checkbox(ser & df["PT"].eq("Respiratory failure").to_numpy())
    df["AEREL"], df["AEACN"], df["AECONTRT"], df["AEDISCON"], df["AEOUT"] = \
        df["REL"], "Not applicable", df["CONTRT"], "No", df["OUT"]
    return finish("adverse_events", df)


def _ae_coding(ae: pd.DataFrame) -> pd.DataFrame:
    df = ae.copy()
    df["AETERM"], df["AELLT"], df["AEDECOD"] = df["VERBATIM"], df["LLT"], df["PT"]
    df["AESOC"] = TERMS.set_index("PT").loc[df["PT"], "SOC"].to_numpy()
    df["MEDDRAV"] = MEDDRA_VERSION
    return finish("ae_coding", df)


def _cm(cm: pd.DataFrame, site: pd.Series) -> pd.DataFrame:
    df = _keys(cm, site).sort_values(["SUBJID", "STDT"], kind="stable")
    df["CMSPID"] = df.groupby("SUBJID").cumcount() + 1
    df["CMTRT"], df["CMINDC"], df["CMDOSE"], df["CMDOSU"], df["CMDOSFRQ"], df["CMROUTE"] = \
        df["TRT"], df["INDC"], df["DOSE"], df["DOSU"], df["FREQ"], df["ROUTE"]
    df["CMSTDAT"] = fmt_date(df["STDT"], df["PRECISION"])
    df["CMENDAT"] = fmt_date(df["ENDT"])
    df["CMONGO"] = checkbox(df["ONGOING"])
    return finish("concomitant_medications", df)


def _disposition(subj: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    df = subj.copy()
    last = visits[visits["DONE"]].groupby("SUBJID")["DATE"].max().reindex(df["SUBJID"]).to_numpy()
    status = df["STATUS"].to_numpy()
    drop, tel = df["DROPOUT"].to_numpy(), df["TELCONT"].to_numpy()
    df["EOSSTAT"] = np.select([status == "SCREEN FAILURE", status == "RUN-IN DISCONTINUED", drop | tel],
                              ["Screen failure", "Discontinued", "Discontinued"], "Completed")
    reason = np.select(
        [status == "SCREEN FAILURE", status == "RUN-IN DISCONTINUED", drop, tel],
        ["Did not meet eligibility criteria", "Withdrawal by subject (run-in)",
         rng.choice(["Withdrawal by subject", "Lost to follow-up"], len(df)),
         "Stopped in-person visits (travel burden)"], "")
    df["DSREAS"] = reason
    df["TELFU"] = checkbox(tel)
    df["DSCOMM"] = np.where(tel, "Completed follow-up through Week 24 by telephone", "")
    offset = np.where(drop | (status == "RUN-IN DISCONTINUED"), rng.integers(3, 20, len(df)), 0)
    df["DSSTDAT"] = fmt_date(last + offset.astype("timedelta64[D]"))
    return finish("disposition", df)

