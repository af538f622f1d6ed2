"""The published design of the MSC-NTF ALS phase 2 trial and the paper's targets, as data.

Only the simulator's subject-level generation reads the targets below; no later stage may.
Source: Berry et al., Neurology 2019;93:e2294 (NCT02017912), Tables 1-3, Figures 2-3 and the text.

Rules the simulator assumes (the downstream stages should derive the same numbers with them):

* **Months** = days / 30.4375.
* **Months since diagnosis / since first symptom** (Table 1) = (informed consent date - diagnosis date,
  resp. symptom onset date) / 30.4375. The screening visit is on the informed-consent date; both ALS dates
  are complete dates.
* **ALSFRS-R baseline** is the pre-dose assessment at the *Transplant* visit (day 0). The **pre-treatment
  slope** = (baseline total - screening total) / months(screening -> transplant), screening being 12-16 weeks
  before transplant (the paper's "12- to 16-week baseline period"). The **post-treatment slope at week w**
  = (total at week w - baseline total) / months(transplant -> week-w visit date); **slope change** =
  post - pre; **responder** (>= 1.5 points/month) if slope change >= 1.5. No subject lies within 1e-6 of
  the threshold.
* **Rapid progressor**: pre-treatment total change (baseline - screening) < -2 (the SAP's "<-2 points").
  Nobody has a change of exactly -2, so the paper's other readings (<= -2, "decline of >2 points") give the
  same 15 + 6 split.
* **Missing data**: one placebo rapid progressor missed the Week 4 visit (not done): the paper's week-4
  denominators are 36/11 overall (47% vs 9%, p = 0.033) and 15/5 in rapid progressors (80% vs 0%,
  p = 0.004), while week 12 has 15/6 (53% vs 0%, p = 0.046). "Slopes assumed at later time points for
  missing data" is read as carrying the last slope forward only *after* a participant's last ALSFRS-R
  (three participants stop after Week 16); an intermediate missed visit stays missing.
* **CSF**: every +/- is a SEM ("mean +/- SEM", the paper says), over the paired samples (26 treated, 9
  placebo): baseline SD = SEM * sqrt(n), change SD = SEM * sqrt(n); paired t-tests of the change then give
  the published p-values, and the pooled two-sample t-test of the changes the between-arm ones (MCP-1
  p < 0.0001, SDF-1a p = 0.04). Where a printed SEM leaves room (its last digit), it is set so that the
  p-value displays as published (SDF-1a treated 12.94, caspase-3 placebo 0.92, VEGF placebo 0.94: the
  paper's p = 0.45 is out of reach of -0.78 +/- 0.9 at n = 9, at most 0.44). CHIT-1 placebo: the paper prints
  +6,411 +/- 2,137 and calls it nonsignificant, but a paired t-test of those values gives p = 0.017; the
  printed mean and SEM are kept (the word "nonsignificant" is not). Values below the assay's LLOQ are
  reported as ``<LLOQ`` with the LLOQ in its own column. Baselines the paper does not print (CHIT-1,
  caspase-3, miRNAs) are plausible values, not targets.
* **Treatment-emergent AE**: start date/time on or after the transplant date/time. A few AEs start before
  transplant (two of them serious, one on transplant day before the procedure time) and are not TEAEs.
* The paper's text also mentions injection-site bruising in 30.6% / 25%, which would contradict Table 3
  (>15% in either group); Table 3 wins: no other preferred term exceeds 15% in either arm.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

DAYS_PER_MONTH = 30.4375
SEED = 20190101

# -- disposition ---------------------------------------------------------------------------------------
N_RANDOMIZED = 48
N_SCREEN_FAIL = 8
N_RUNIN_DISC = 3            # discontinued during the run-in, before randomization
ARMS = ("MSC-NTF", "Placebo")
ARM_LABEL = {"MSC-NTF": "MSC-NTF cells", "Placebo": "Placebo"}
BLOCK = (1, 1, 1, 0)        # permuted blocks of 4, 3:1 (1 = MSC-NTF), stratified by site
SITES = pd.DataFrame({
    "SITEID": ["01", "02", "03"],
    "SITENAME": ["Massachusetts General Hospital, Boston", "Mayo Clinic, Rochester MN",
                 "University of Massachusetts, Worcester"],
    "BLOCKS": [5, 4, 3],   # blocks of 4 randomized per site at N = 48
})
# per arm (MSC-NTF, Placebo) at N = 48; scaled with the arm size otherwise
DROPOUTS = (2, 1)                 # stopped all follow-up after Week 16 (not for an AE)
TELEPHONE_CONTINUERS = (1, 1)     # stopped in-person visits after Week 8, completed by telephone
MISSED_WEEK4 = (0, 1)             # rapid progressors who missed the Week 4 visit
CSF_FIRST = 9                     # CSF collected from the 9th participant (randomization order) on
CSF_PAIRS = (26, 9)
STUDY_START = "2014-03-03"
ENROLMENT_DAYS = 560

# -- visit schedule (planned day relative to transplant = day 0; SDTM VISITDY has no day 0) ------------
VISITS = pd.DataFrame([
    # VISITNUM, VISIT, day, window (+/- days), mode, ALSFRS-R done, in-person assessments (SVC, HHD, VS, LB)
    (1, "Screening", -98, 14, "In person", True, True),
    (2, "Run-in", -56, 7, "In person", True, True),
    (3, "Randomization", -31, 3, "In person", True, True),
    (4, "Aspiration", -27, 3, "In person", False, False),
    (5, "Transplant", 0, 0, "In person", True, True),
    (6, "Week 2", 14, 3, "In person", True, True),
    (7, "Week 4", 28, 3, "In person", True, True),
    (8, "Week 8", 56, 5, "In person", True, True),
    (9, "Week 12", 84, 5, "Telephone", True, False),
    (10, "Week 16", 112, 5, "In person", True, True),
    (11, "Week 20", 140, 5, "Telephone", True, False),
    (12, "Week 24", 168, 7, "In person", True, True),
], columns=["VISITNUM", "VISIT", "DAY", "WINDOW", "MODE", "ALSFRS", "ASSESS"])
VISITS["VISITDY"] = VISITS["DAY"].where(VISITS["DAY"] < 0, VISITS["DAY"] + 1)
FOLLOW_UP_WEEKS = (2, 4, 8, 12, 16, 20, 24)
LAST_VISIT_DROPOUT = "Week 16"
LAST_INPERSON_TELEPHONE = "Week 8"

# -- Table 1 -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    """A published mean (SD) per arm and overall, and the decimals it is displayed with."""

    mean: tuple[float, float]
    sd: tuple[float, float]
    decimals: tuple[int, int]           # decimals of the mean and of the SD
    overall: tuple[float, float] | None = None


SEX = {"MSC-NTF": {"M": 25, "F": 11}, "Placebo": {"M": 10, "F": 2}}
EL_ESCORIAL = {
    "MSC-NTF": {"Possible": 3, "Laboratory-supported probable": 5, "Probable": 16, "Definite": 12},
    "Placebo": {"Possible": 1, "Laboratory-supported probable": 1, "Probable": 7, "Definite": 3},
}
AGE = Summary((50.3, 53.5), (11.90, 9.11), (1, 2), overall=(51.1, 11.27))
AGE_RANGE = (26, 71)
MONTHS_DIAGNOSIS = Summary((9.00, 9.01), (5.57, 4.63), (2, 2), overall=(9.00, 5.31))
MONTHS_SYMPTOM = Summary((17.62, 16.75), (3.79, 3.10), (2, 2), overall=(17.40, 3.62))
SCREEN_ALSFRS = Summary((38.1, 38.6), (3.6, 3.85), (1, 2))
SCREEN_SVC = Summary((90.6, 88.7), (18.1, 8.91), (1, 2))

# -- ALSFRS-R slopes (Figure 2 and text) ---------------------------------------------------------------
RAPID = (15, 6)                             # rapid progressors per arm
RAPID_CHANGE_MAX = -3                       # rapid: change <= -3 (i.e. < -2); slow: change in {-1, 0, 1}
PRE_SLOPE = {("MSC-NTF", True): -1.5, ("Placebo", True): -1.2, ("MSC-NTF", False): -0.13,
             ("Placebo", False): 0.0}
# responders (slope change >= 1.5) per week 2..24, by (arm, rapid)
RESPONDERS = {
    ("MSC-NTF", True): (10, 12, 7, 8, 6, 5, 5),
    ("MSC-NTF", False): (6, 5, 4, 3, 3, 3, 2),
    ("Placebo", True): (1, 0, 0, 0, 0, 0, 0),
    ("Placebo", False): (1, 1, 1, 1, 1, 1, 1),
}
# approximate mean slope change per week 2..24 (LS means in the text: overall 1.7/-0.4, 0.6/-0.03;
# rapid 3.3/-1.3, 2.0/-0.1; similar arms after week 8)
SLOPE_CHANGE = {
    ("MSC-NTF", True): (3.3, 2.0, 1.0, 0.8, 0.6, 0.5, 0.4),
    ("MSC-NTF", False): (0.56, -0.4, -0.2, -0.1, -0.1, -0.1, -0.1),
    ("Placebo", True): (-1.3, -0.1, -0.2, -0.1, -0.1, 0.0, 0.0),
    ("Placebo", False): (0.5, 0.03, -0.1, -0.1, -0.1, -0.1, -0.1),
}

# LS means of the slope change (ANCOVA: change ~ arm + pre-treatment slope, LS means at the mean
# pre-slope; Figure 2A/B and text): (subset, week, MSC-NTF, placebo, p of the difference)
LSMEANS = pd.DataFrame([
    ("all", 2, 1.7, -0.4, 0.110), ("all", 4, 0.6, -0.03, 0.368),
    ("rapid", 2, 3.3, -1.3, 0.021), ("rapid", 4, 2.0, -0.1, 0.033),
], columns=["SUBSET", "WEEK", "TRT", "PBO", "P"])
LSMEAN_LATER_RAPID_LEAD = 0.2     # later weeks, rapid: MSC-NTF ahead by at least this (the "trend")
LSMEAN_LATER_ALL_GAP = 0.5        # later weeks, all: arms "similar" (|difference| at most this)

# -- adverse events (Tables 2 and 3) -------------------------------------------------------------------
TEAE_EVENTS = (585, 109)
RELATED_EVENTS = (197, 32)
RELATED_SUBJECTS = (35, 9)
MODERATE_SUBJECTS = (34, 10)
OTHER_PT_MAX_PCT = 15.0                    # every PT not in Table 3 stays at <= 15% in both arms
# Table 3 participants per preferred term; the headache row is two PTs (participants with either)
TABLE3 = pd.DataFrame([
    ("Headache", 22, 6), ("Procedural headache", 14, 4), ("Back pain", 26, 1), ("Pyrexia", 12, 0),
    ("Arthralgia", 12, 0), ("Injection site pain", 10, 1), ("Constipation", 9, 1),
    ("Pain in extremity", 8, 0), ("Neck pain", 7, 0), ("Myalgia", 6, 0), ("Cough", 6, 0), ("Nausea", 6, 0),
], columns=["PT", "N_TRT", "N_PBO"])
HEADACHE_EITHER = (29, 8)                  # participants with Headache or Procedural headache
# serious AEs: (arm, subject key, PT, severity, life-threatening, treatment-emergent); 14 + 2 events
SAES = pd.DataFrame([
    ("MSC-NTF", "A", "Dysphagia", "Moderate", False, True),
    ("MSC-NTF", "A", "Respiratory failure", "Life-threatening", True, True),
    ("MSC-NTF", "B", "Dysphagia", "Moderate", False, True),
    ("MSC-NTF", "B", "Respiratory failure", "Severe", False, True),
    ("MSC-NTF", "B", "Pneumonia aspiration", "Moderate", False, True),
    ("MSC-NTF", "C", "Pneumonia aspiration", "Severe", False, True),
    ("MSC-NTF", "D", "Fall", "Moderate", False, True),
    ("MSC-NTF", "D", "Femur fracture", "Severe", False, True),
    ("MSC-NTF", "E", "Dysphagia", "Moderate", False, True),
    ("MSC-NTF", "F", "Dehydration", "Moderate", False, True),
    ("MSC-NTF", "F", "Urinary tract infection", "Moderate", False, True),
    ("MSC-NTF", "G", "Deep vein thrombosis", "Moderate", False, True),
    ("MSC-NTF", "H", "Dyspnoea", "Moderate", False, True),
    ("MSC-NTF", "I", "Syncope", "Moderate", False, False),
    ("Placebo", "A", "Pneumonia", "Severe", False, True),
    ("Placebo", "B", "Nephrolithiasis", "Moderate", False, False),
], columns=["ARM", "KEY", "PT", "SEV", "LIFE", "TE"])

# -- CSF biomarkers (Figure 3 and text): baseline mean/SEM, change mean/SEM per arm (paired samples) ----------------------
CSF = pd.DataFrame([
    # code, name, unit, method, LLOQ, trt base mean, sem, chg mean, sem, pbo base mean, sem, chg mean, sem
    ("VEGF", "Vascular endothelial growth factor", "pg/mL", "Luminex multiplex", 2.0,
     37.1, 15.8, 629.8, 243.3, 30.6, 14.4, -0.78, 0.94),
    ("HGF", "Hepatocyte growth factor", "pg/mL", "Luminex multiplex", 20.0,
     391.1, 115.9, 107.18, 34.4, 448.4, 146.3, 18.8, 22.2),
    ("LIF", "Leukemia inhibitory factor", "pg/mL", "Luminex multiplex", 0.9,
     None, None, 12.33, 3.23, None, None, None, None),
    ("MCP1", "Monocyte chemoattractant protein-1", "pg/mL", "Luminex multiplex", 3.0,
     42.2, 9.4, -17.3, 1.8, 40.5, 9.5, -0.89, 2.3),
    ("SDF1A", "Stromal cell-derived factor-1a", "pg/mL", "Luminex multiplex", 10.0,
     195.6, 31.1, -46.6, 12.94, 200.8, 14.9, 0.27, 5.05),
    ("CHIT1", "Chitotriosidase-1", "pg/mL", "ELISA", 100.0,
     14500.0, 1600.0, -1413.0, 601.0, 13800.0, 2300.0, 6411.0, 2137.0),
    ("CASP3", "Caspase-3", "ng/mL", "Luminex multiplex", 0.1,
     8.0, 0.5, -2.09, 0.4, 7.8, 0.8, -0.91, 0.92),
    ("MIR34A", "miR-34a", "RQ", "RT-qPCR", 0.01, 1.0, 0.08, 1.2, 0.25, 1.0, 0.13, 0.05, 0.12),
    ("MIR132", "miR-132-3p", "RQ", "RT-qPCR", 0.01, 1.0, 0.08, 1.1, 0.25, 1.0, 0.13, 0.04, 0.12),
    ("MIR19B", "miR-19b", "RQ", "RT-qPCR", 0.01, 1.0, 0.08, 0.9, 0.22, 1.0, 0.13, 0.02, 0.12),
    ("MIR376A", "miR-376a", "RQ", "RT-qPCR", 0.01, 1.0, 0.08, 1.0, 0.24, 1.0, 0.13, 0.03, 0.12),
    ("MIR146A", "miR-146a-5p", "RQ", "RT-qPCR", 0.01, 1.0, 0.08, 1.3, 0.26, 1.0, 0.13, 0.05, 0.12),
    ("MIR9", "miR-9", "RQ", "RT-qPCR", 0.01, 1.0, 0.08, 0.02, 0.1, 1.0, 0.13, 0.01, 0.12),
    ("MIR155", "miR-155", "RQ", "RT-qPCR", 0.01, None, None, None, None, None, None, None, None),
    ("MIR577", "miR-577", "RQ", "RT-qPCR", 0.01, None, None, None, None, None, None, None, None),
], columns=["CODE", "NAME", "UNIT", "METHOD", "LLOQ", "T_BASE", "T_BASE_SEM", "T_CHG", "T_CHG_SEM",
            "P_BASE", "P_BASE_SEM", "P_CHG", "P_CHG_SEM"])
# Figure 4 and text: rank (Spearman) correlations of Week-2 levels in the treated arm, built in this order
# (each analyte against analytes already placed; "SLOPE<w>" = week-w ALSFRS-R slope change, paper: p < 0.01
# at week 12, p < 0.05 at week 4, no r given).
CSF_CORRELATIONS = pd.DataFrame([
    ("MCP1", "SLOPE12", -0.60), ("MCP1", "SLOPE4", -0.50), ("VEGF", "MCP1", -0.56), ("SDF1A", "VEGF", -0.77), ("HGF", "SDF1A", -0.41),
    ("LIF", "SDF1A", -0.53), ("LIF", "MCP1", -0.42),
], columns=["CODE", "WITH", "R"])
# treated-arm changes drawn left-skewed (-exp(sigma * z)): with normal changes SDF-1a cannot mirror the
# right-skewed VEGF closely enough for r = -0.77 (at most -0.71)
CSF_LEFT_SKEW = {"SDF1A": 0.5}

TRIAL_SUMMARY = pd.DataFrame([
    ("STUDYID", "Study identifier", "MSCNTF-ALS-P2"),
    ("TITLE", "Trial title", "Phase 2 randomized, double-blind, placebo-controlled trial of MSC-NTF cells "
     "(NurOwn) in ALS"),
    ("REGID", "Registry identifier", "NCT02017912"),
    ("SIMULATED", "Data are simulated", "Y"),
    ("SIMNOTE", "Simulation note", "SIMULATED data generated by cdiscflow to reproduce the published "
     "summaries (Berry et al., Neurology 2019;93:e2294); not the trial's data"),
    ("RANDOM", "Randomization", "Permuted blocks of 4 (3:1), stratified by site"),
    ("TRT", "Investigational product", "MSC-NTF cells: intrathecal 125 x 10^6 cells + 24 intramuscular "
     "injections totalling 48 x 10^6 cells, single occasion"),
    ("COMPTRT", "Comparator", "Placebo (Dulbecco Modified Eagle Medium)"),
    ("MONTHS", "Month length used", "30.4375 days"),
], columns=["PARAM", "LABEL", "VALUE"])


def scaled(counts: tuple[int, int], n_arm: tuple[int, int]) -> tuple[int, int]:
    """A per-arm count of the N = 48 design scaled to arm sizes ``n_arm`` (exact at the default size)."""
    return tuple(int(round(c * n / d)) for c, n, d in zip(counts, n_arm, (36, 12), strict=True))
