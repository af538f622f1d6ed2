"""Actual visit dates and modes per participant, from the planned schedule in ``design.VISITS``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.studies.msc_ntf_als.simulator import design as D

_FIXED = {"Screening": "SCRDT", "Run-in": "RUNDT", "Randomization": "RANDDT", "Aspiration": "ASPDT",
          "Transplant": "TXDT"}


def simulate_visits(subj: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per participant and scheduled visit reached: SUBJID, VISITNUM, VISIT, DAY, DATE, DONE, MODE,
    ALSFRS (ALSFRS-R scheduled), ASSESS (in-person assessments: SVC, HHD, vital signs, labs).

    Screen failures have only Screening, run-in discontinuations Screening and Run-in. Drop-outs stop after
    Week 16; telephone continuers are seen by telephone after Week 8; a missed visit has ``DONE`` False.
    """
    sched = D.VISITS
    grid = subj[["SUBJID", "STATUS", "DROPOUT", "TELCONT", "MISSW4", *_FIXED.values()]].merge(
        sched[["VISITNUM", "VISIT", "DAY", "WINDOW", "MODE", "ALSFRS", "ASSESS"]], how="cross")
    jitter = rng.integers(-3, 4, len(grid))
    date = grid["TXDT"] + pd.to_timedelta(grid["DAY"] + jitter, unit="D")
    for visit, col in _FIXED.items():
        date = date.where(grid["VISIT"] != visit, grid[col])
    grid["DATE"] = date
    randomized = grid["STATUS"] == "RANDOMIZED"
    keep = randomized | (grid["VISIT"] == "Screening") | (
        (grid["STATUS"] == "RUN-IN DISCONTINUED") & (grid["VISIT"] == "Run-in"))
    last_num = sched.set_index("VISIT").loc[D.LAST_VISIT_DROPOUT, "VISITNUM"]
    keep &= ~(grid["DROPOUT"] & (grid["VISITNUM"] > last_num))
    grid = grid[keep].copy()
    tel_from = sched.set_index("VISIT").loc[D.LAST_INPERSON_TELEPHONE, "VISITNUM"]
    phone = grid["TELCONT"] & (grid["VISITNUM"] > tel_from)
    grid["MODE"] = grid["MODE"].where(~phone, "Telephone")
    grid["ASSESS"] = grid["ASSESS"] & (grid["MODE"] == "In person")
    grid["DONE"] = ~(grid["MISSW4"] & (grid["VISIT"] == "Week 4"))
    return grid[["SUBJID", "VISITNUM", "VISIT", "DAY", "DATE", "DONE", "MODE", "ALSFRS", "ASSESS"]].reset_index(
        drop=True)
