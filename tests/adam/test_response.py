"""admiralonco's response events and helpers: best, confirmed best and confirmed response on small
overall-response series (confirmation ≥ 28 days later, at most one NE between, no PR after CR; SD from day
42), and the time-to-event sources."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from cdiscflow.adam import response as r
from cdiscflow.adam.events import derive_extreme_event
from cdiscflow.adam.tte import derive_param_tte

KEYS = ["STUDYID", "USUBJID"]
SERIES = {  # subject: (day, response) … with randomisation on day 0
    "A": [(0, "PR"), (21, "NE"), (42, "PR")],        # PR confirmed across one NE
    "B": [(0, "PR"), (14, "CR"), (35, "CR")],        # CR not confirmed (21 days), PR confirmed by the CR on 35
    "C": [(0, "CR"), (10, "NE"), (20, "NE"), (40, "CR")],  # two NEs: not confirmed; nothing from day 42 → NE
    "D": [(0, "PR"), (10, "CR"), (30, "PR")],        # PR after CR: not confirmed
    "E": [(0, "SD"), (50, "SD"), (70, "PD")],        # SD from day 42
}
ADSL = pd.DataFrame({"STUDYID": "S", "USUBJID": [*SERIES, "F"], "RANDDT": 0.0})
OVR = pd.DataFrame([{"STUDYID": "S", "USUBJID": s, "ADT": float(d), "AVALC": v, "RANDDT": 0.0}
                    for s, rows in SERIES.items() for d, v in rows])
SOURCES = {"ovr": OVR, "adsl": ADSL}


def best(events: list, order: list[str]) -> pd.DataFrame:
    got = derive_extreme_event(None, KEYS, events, order=order, mode="first", tmp_event_nr_var="__ev",
                               source_datasets=SOURCES)
    return got.sort_values("USUBJID")[["USUBJID", "AVALC", "ADT"]].reset_index(drop=True)


def expect(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["USUBJID", "AVALC", "ADT"])


def test_best_overall_response_unconfirmed() -> None:
    got = best([r.bor_cr, r.bor_pr, r.bor_sd, r.bor_non_crpd, r.bor_pd, r.bor_ne, r.no_data_missing],
               ["__ev", "ADT"])
    assert_frame_equal(got, expect([("A", "PR", 0.0), ("B", "CR", 14.0), ("C", "CR", 0.0), ("D", "CR", 10.0),
                                    ("E", "SD", 50.0), ("F", "MISSING", np.nan)]))


def test_confirmed_best_overall_response() -> None:
    got = best([r.cbor_cr, r.cbor_pr, r.bor_sd, r.bor_non_crpd, r.bor_pd, r.bor_ne, r.no_data_missing],
               ["__ev", "ADT"])
    assert_frame_equal(got, expect([("A", "PR", 0.0), ("B", "PR", 0.0), ("C", "NE", 0.0), ("D", "NE", 0.0),
                                    ("E", "SD", 50.0), ("F", "MISSING", np.nan)]))


def test_confirmed_response_and_clinical_benefit() -> None:
    rsp = best([r.crsp_y_cr, r.crsp_y_pr, r.no_data_n], ["-AVALC", "ADT", "__ev"])
    assert rsp["AVALC"].tolist() == ["Y", "Y", "N", "N", "N", "N"]
    cb = best([r.rsp_y, r.cb_y, r.no_data_n], ["-AVALC", "ADT", "__ev"])
    assert cb["AVALC"].tolist() == ["Y", "Y", "Y", "Y", "Y", "N"]
    assert cb["ADT"].tolist()[:5] == [0.0, 0.0, 0.0, 0.0, 50.0]


def test_aval_from_avalc() -> None:
    assert r.aval_resp(pd.Series(["PD", "MISSING", "X"])).tolist()[:2] == [5.0, 7.0]
    assert r.yn_to_numeric(pd.Series(["N", "Y"])).tolist() == [0.0, 1.0]


def test_progression_free_survival_from_the_sources() -> None:
    adsl = ADSL.assign(LSTALVDT=[80.0, 60.0, 40.0, 30.0, 70.0, np.nan])
    adrs = pd.DataFrame({"STUDYID": "S", "USUBJID": ["A", "E", "A"], "PARAMCD": ["LSTA", "PD", "DEATH"],
                         "AVALC": ["PR", "Y", "N"], "ANL01FL": "Y", "ADT": [42.0, 70.0, np.nan],
                         "ASEQ": [1.0, 2.0, 3.0]})
    got = derive_param_tte(None, adsl, {"adsl": adsl, "adrs": adrs}, start_date="RANDDT",
                           event_conditions=[r.pd_event, r.death_event],
                           censor_conditions=[r.lasta_censor, r.rand_censor], set_values_to={"PARAMCD": "PFS"})
    got = got.sort_values("USUBJID").set_index("USUBJID")
    assert got.loc["A", ["ADT", "CNSR", "EVNTDESC", "SRCSEQ"]].tolist() == [42.0, 1, "Last Tumor Assessment", 1.0]
    assert got.loc["E", ["ADT", "CNSR", "EVNTDESC"]].tolist() == [70.0, 0, "Disease Progression"]
    assert got.loc["F", ["ADT", "CNSR", "SRCVAR"]].tolist() == [0.0, 1, "RANDDT"]
