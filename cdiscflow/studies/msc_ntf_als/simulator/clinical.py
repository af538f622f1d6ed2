"""Other assessments: slow vital capacity, hand-held dynamometry, vital signs, safety labs, medical history
and concomitant medications. Only screening SVC is calibrated (text: 90.6 +/- 18.1 vs 88.7 +/- 8.91)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdiscflow.studies.msc_ntf_als.simulator import design as D
from cdiscflow.studies.msc_ntf_als.simulator.calibrate import Target, calibrate_integers, rescale

MUSCLES = ("Elbow flexors", "Elbow extensors", "Shoulder abductors", "Wrist extensors", "First dorsal interosseous")
# muscle and side measured (muscle by muscle, right then left) with a typical force (lbf); the
# intramuscular injections went into the right elbow flexors and extensors
HHD_SITES = pd.DataFrame({"MUSCLE": np.repeat(MUSCLES, 2), "SIDE": np.tile(["Right", "Left"], len(MUSCLES)),
                          "BASE": np.repeat([28.0, 22.0, 20.0, 15.0, 9.0], 2)})
HHD_SITES["INJECTED"] = np.where((HHD_SITES["SIDE"] == "Right") & HHD_SITES["MUSCLE"].isin(MUSCLES[:2]), "Yes", "No")
# code, name, category, unit, low, high, mean, sd, decimals
LABS = pd.DataFrame([
    ("HGB", "Hemoglobin", "HEMATOLOGY", "g/dL", 12.0, 17.5, 14.2, 1.2, 1),
    ("HCT", "Hematocrit", "HEMATOLOGY", "%", 36.0, 50.0, 42.0, 3.5, 1),
    ("WBC", "Leukocytes", "HEMATOLOGY", "10^9/L", 3.5, 10.5, 6.8, 1.6, 1),
    ("PLAT", "Platelets", "HEMATOLOGY", "10^9/L", 150.0, 450.0, 250.0, 55.0, 0),
    ("RBC", "Erythrocytes", "HEMATOLOGY", "10^12/L", 4.0, 5.9, 4.8, 0.4, 2),
    ("NEUT", "Neutrophils", "HEMATOLOGY", "10^9/L", 1.7, 7.0, 4.1, 1.2, 1),
    ("LYM", "Lymphocytes", "HEMATOLOGY", "10^9/L", 0.9, 2.9, 1.9, 0.5, 1),
    ("SODIUM", "Sodium", "CHEMISTRY", "mmol/L", 135.0, 145.0, 140.0, 2.2, 0),
    ("K", "Potassium", "CHEMISTRY", "mmol/L", 3.5, 5.1, 4.2, 0.35, 1),
    ("CL", "Chloride", "CHEMISTRY", "mmol/L", 98.0, 107.0, 102.0, 2.5, 0),
    ("BUN", "Blood Urea Nitrogen", "CHEMISTRY", "mg/dL", 7.0, 20.0, 14.0, 3.5, 0),
    ("CREAT", "Creatinine", "CHEMISTRY", "mg/dL", 0.6, 1.2, 0.75, 0.15, 2),
    ("GLUC", "Glucose", "CHEMISTRY", "mg/dL", 70.0, 99.0, 92.0, 11.0, 0),
    ("ALT", "Alanine Aminotransferase", "CHEMISTRY", "U/L", 7.0, 55.0, 28.0, 10.0, 0),
    ("AST", "Aspartate Aminotransferase", "CHEMISTRY", "U/L", 8.0, 48.0, 25.0, 8.0, 0),
    ("ALP", "Alkaline Phosphatase", "CHEMISTRY", "U/L", 40.0, 129.0, 75.0, 18.0, 0),
    ("BILI", "Bilirubin", "CHEMISTRY", "mg/dL", 0.1, 1.2, 0.6, 0.2, 1),
    ("ALB", "Albumin", "CHEMISTRY", "g/dL", 3.5, 5.0, 4.3, 0.3, 1),
    ("CK", "Creatine Kinase", "CHEMISTRY", "U/L", 39.0, 308.0, 260.0, 140.0, 0),
    ("PH", "pH", "URINALYSIS", "", 5.0, 8.0, 6.0, 0.6, 1),
    ("SPGRAV", "Specific Gravity", "URINALYSIS", "", 1.005, 1.030, 1.018, 0.006, 3),
], columns=["CODE", "NAME", "CAT", "UNIT", "LOW", "HIGH", "MEAN", "SD", "DEC"])
URINE_QUAL = (("PROT", "Protein"), ("GLUCU", "Glucose"), ("BLOODU", "Occult Blood"))


def _assessed(visits: pd.DataFrame) -> pd.DataFrame:
    return visits[visits["ASSESS"] & visits["DONE"]].reset_index(drop=True)


def simulate_svc(subj: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """SVC % predicted at in-person visits; screening calibrated per arm, then ~-1.5 %/month decline."""
    rnd = subj[subj["STATUS"] == "RANDOMIZED"]
    arm = rnd["ARM"].to_numpy()
    x = rng.gamma(4.0, 1.0, len(rnd))
    targets = []
    for k, name in enumerate(D.ARMS):
        m = arm == name
        x[m] = rescale(x[m], D.SCREEN_SVC.mean[k], D.SCREEN_SVC.sd[k])
        targets.append(Target(m, D.SCREEN_SVC.mean[k], D.SCREEN_SVC.sd[k], *D.SCREEN_SVC.decimals))
    screen = pd.Series(calibrate_integers(x, targets, 65, 150, rng=rng), index=rnd["SUBJID"])
    others = subj.loc[subj["STATUS"] != "RANDOMIZED", "SUBJID"]
    screen = pd.concat([screen, pd.Series(rng.integers(55, 120, len(others)), index=others)])
    rec = _assessed(visits)
    rec = rec[rec["VISIT"] != "Aspiration"].reset_index(drop=True)
    first = rec.groupby("SUBJID")["DATE"].transform("min")
    months = (rec["DATE"] - first).dt.days / D.DAYS_PER_MONTH
    slope = pd.Series(rng.normal(-1.5, 1.0, len(subj)), index=subj["SUBJID"])
    value = screen.loc[rec["SUBJID"]].to_numpy() + slope.loc[rec["SUBJID"]].to_numpy() * months \
        + rng.normal(0, 3.0, len(rec))
    rec["SVC"] = np.where(rec["VISIT"] == "Screening", screen.loc[rec["SUBJID"]].to_numpy(),
                          np.clip(np.rint(value), 20, 150)).astype(int)
    rec["TRIALS"] = rng.integers(3, 6, len(rec))
    return rec


@dataclass(frozen=True)
class Dynamometry:
    """Hand-held dynamometry, wide: one row of ``assessments`` (SUBJID, VISIT, VISITNUM, DATE) per visit and
    ``force`` (lbf) of shape (assessments, ``HHD_SITES``, 2 trials)."""

    assessments: pd.DataFrame
    force: np.ndarray


def simulate_hhd(subj: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> Dynamometry:
    """Hand-held dynamometry (lbf, two trials) of arm muscles on both sides at in-person visits from
    Screening on; the right arm received the intramuscular injections."""
    rec = _assessed(visits)
    rec = rec[rec["VISIT"] != "Aspiration"].merge(subj[["SUBJID", "SEX", "STATUS"]], on="SUBJID")
    rec = rec[rec["STATUS"] == "RANDOMIZED"].reset_index(drop=True)
    subj_level = pd.Series(rng.lognormal(0, 0.25, len(subj)), index=subj["SUBJID"])
    months = (rec["DATE"] - rec.groupby("SUBJID")["DATE"].transform("min")).dt.days.to_numpy() / D.DAYS_PER_MONTH
    strength = (HHD_SITES["BASE"].to_numpy() * np.where(rec["SEX"] == "M", 1.3, 0.9)[:, None]
                * subj_level.loc[rec["SUBJID"]].to_numpy()[:, None]) * np.exp(-0.03 * months)[:, None]
    force = [np.clip(strength * rng.normal(1.0, 0.07, strength.shape), 1.0, None).round(1) for _ in range(2)]
    return Dynamometry(rec[["SUBJID", "VISIT", "VISITNUM", "DATE"]], np.stack(force, axis=-1))


def simulate_vitals(subj: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Vital signs at in-person visits (site 03 records weight in lb and temperature in F)."""
    rec = _assessed(visits).merge(subj[["SUBJID", "SITEID", "SEX"]], on="SUBJID")
    n = len(rec)
    weight = pd.Series(rng.normal(80, 14, len(subj)), index=subj["SUBJID"]).loc[rec["SUBJID"]].to_numpy()
    weight = weight - 0.15 * (rec["DAY"].clip(lower=0) / 7).to_numpy() + rng.normal(0, 0.8, n)
    lb = (rec["SITEID"] == "03").to_numpy()
    temp = rng.normal(36.7, 0.3, n)
    rec["SYSBP"] = np.rint(rng.normal(126, 12, n)).astype(int)
    rec["DIABP"] = np.rint(rng.normal(78, 8, n)).astype(int)
    rec["PULSE"] = np.rint(rng.normal(74, 9, n)).astype(int)
    rec["RESP"] = np.rint(rng.normal(16, 2, n)).astype(int)
    rec["TEMP"] = np.where(lb, temp * 9 / 5 + 32, temp).round(1)
    rec["TEMPU"] = np.where(lb, "F", "C")
    rec["WEIGHT"] = np.where(lb, weight * 2.20462, weight).round(1)
    rec["WEIGHTU"] = np.where(lb, "lb", "kg")
    height = pd.Series(np.where(subj["SEX"] == "M", rng.normal(178, 7, len(subj)), rng.normal(164, 6, len(subj))),
                       index=subj["SUBJID"]).loc[rec["SUBJID"]].to_numpy()
    rec["HEIGHT"] = np.where(rec["VISIT"] == "Screening", height.round(0), np.nan)
    rec["TIME"] = rng.integers(8 * 60, 16 * 60, n) // 5 * 5
    return rec


@dataclass(frozen=True)
class LabResults:
    """Central laboratory results, wide: one row of ``samples`` (SUBJID, VISIT, VISITNUM, DATE, TIME) per
    sample; per sample, ``values`` holds a numeric result for each ``LABS`` test (in the lab's units) and
    ``urine`` a qualitative result for each ``URINE_QUAL`` test."""

    samples: pd.DataFrame
    values: np.ndarray
    urine: np.ndarray


def simulate_labs(subj: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> LabResults:
    """Central safety laboratory at in-person visits: numeric results around each test's mean (a participant
    level plus sample noise), qualitative urinalysis mostly negative."""
    rec = _assessed(visits)
    rec = rec.loc[rec["VISIT"] != "Aspiration", ["SUBJID", "VISIT", "VISITNUM", "DATE"]].reset_index(drop=True)
    rec["TIME"] = rng.integers(7 * 60, 12 * 60, len(rec)) // 5 * 5
    level = rng.normal(0, 0.7, (len(subj), len(LABS)))
    z = level[pd.Index(subj["SUBJID"]).get_indexer(rec["SUBJID"])] + rng.normal(0, 0.7, (len(rec), len(LABS)))
    mean, sd = LABS["MEAN"].to_numpy(), LABS["SD"].to_numpy()
    values = np.maximum(mean + sd * z, mean * 0.1)
    urine = rng.choice(["Negative", "Negative", "Negative", "Trace", "1+"], (len(rec), len(URINE_QUAL)))
    return LabResults(rec, values, urine)


MH_TERMS = ("Hypertension", "Hyperlipidemia", "Gastroesophageal reflux disease", "Depression",
            "Hypothyroidism", "Osteoarthritis", "Seasonal allergies", "Appendectomy", "Migraine",
            "Type 2 diabetes mellitus", "Anxiety", "Lumbar disc herniation", "Kidney stones", "Asthma",
            "Benign prostatic hyperplasia", "Cholecystectomy", "Sleep apnea", "Muscle cramps")
CM_TERMS = (  # verbatim, indication, dose, unit, frequency, route
    ("Riluzole", "ALS", "50", "mg", "BID", "Oral"),
    ("Acetaminophen", "Headache", "650", "mg", "PRN", "Oral"),
    ("Tylenol", "Back pain", "500", "mg", "PRN", "Oral"),
    ("Ibuprofen", "Pain", "400", "mg", "PRN", "Oral"),
    ("Baclofen", "Spasticity", "10", "mg", "TID", "Oral"),
    ("Vitamin D3", "Supplement", "2000", "IU", "QD", "Oral"),
    ("Lisinopril", "Hypertension", "10", "mg", "QD", "Oral"),
    ("Atorvastatin", "Hyperlipidemia", "20", "mg", "QD", "Oral"),
    ("Omeprazole", "GERD", "20", "mg", "QD", "Oral"),
    ("Sertraline", "Depression", "50", "mg", "QD", "Oral"),
    ("Levothyroxine", "Hypothyroidism", "75", "ug", "QD", "Oral"),
    ("Docusate sodium", "Constipation", "100", "mg", "BID", "Oral"),
    ("Glycopyrrolate", "Sialorrhea", "1", "mg", "TID", "Oral"),
    ("Lorazepam", "Anxiety", "0.5", "mg", "PRN", "Oral"),
)


def simulate_mh(subj: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Medical history: 0-5 conditions per participant, start dates often partial."""
    n = rng.integers(0, 6, len(subj))
    mh = pd.DataFrame({"SUBJID": np.repeat(subj["SUBJID"].to_numpy(), n),
                       "ICDT": np.repeat(subj["ICDT"].to_numpy(), n)})
    mh["TERM"] = rng.choice(MH_TERMS, len(mh))
    mh = mh.drop_duplicates(["SUBJID", "TERM"]).reset_index(drop=True)
    mh["STDT"] = mh["ICDT"] - pd.to_timedelta(rng.integers(200, 9000, len(mh)), unit="D")
    mh["PRECISION"] = rng.choice(["D", "M", "Y"], len(mh), p=[0.3, 0.4, 0.3])
    mh["ONGOING"] = rng.random(len(mh)) < 0.75
    mh["ENDT"] = np.where(mh["ONGOING"], np.datetime64("NaT"),
                          mh["STDT"] + pd.to_timedelta(rng.integers(10, 150, len(mh)), unit="D"))
    return mh


def simulate_cm(subj: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Concomitant medications of randomized participants (about 60% on riluzole)."""
    rnd = subj[subj["STATUS"] == "RANDOMIZED"]
    n = rng.integers(1, 6, len(rnd))
    cm = pd.DataFrame({"SUBJID": np.repeat(rnd["SUBJID"].to_numpy(), n),
                       "TXDT": np.repeat(rnd["TXDT"].to_numpy(), n)})
    cm["K"] = rng.integers(1, len(CM_TERMS), len(cm))
    cm.loc[cm.groupby("SUBJID").cumcount() == 0, "K"] = np.where(
        rng.random((cm.groupby("SUBJID").cumcount() == 0).sum()) < 0.6, 0, 5)
    cm = cm.drop_duplicates(["SUBJID", "K"]).reset_index(drop=True)
    terms = pd.DataFrame(CM_TERMS, columns=["TRT", "INDC", "DOSE", "DOSU", "FREQ", "ROUTE"])
    cm = pd.concat([cm, terms.iloc[cm["K"]].reset_index(drop=True)], axis=1)
    cm["STDT"] = cm["TXDT"] + pd.to_timedelta(rng.integers(-900, 120, len(cm)), unit="D")
    cm["PRECISION"] = np.where(cm["STDT"] < cm["TXDT"] - pd.Timedelta(days=365),
                               rng.choice(["M", "Y"], len(cm)), "D")
    cm["ONGOING"] = rng.random(len(cm)) < 0.7
    cm["ENDT"] = np.where(cm["ONGOING"], np.datetime64("NaT"),
                          cm["STDT"] + pd.to_timedelta(rng.integers(3, 60, len(cm)), unit="D"))
    return cm
