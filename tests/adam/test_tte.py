"""derive_param_tte on admiral's own cases (tests/testthat/test-derive_param_tte.R Tests 1 and 2) and on
by-group, tie and start-date rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.tte import Var, censor_source, derive_param_tte, event_source
from cdiscflow.errors import DerivationError

NAN = np.nan
EPOCH = pd.Timestamp("1960-01-01")


def day(text: str) -> float:
    return float((pd.Timestamp(text) - EPOCH).days) if text else NAN


def dtm(text: str) -> float:
    return (pd.Timestamp(text) - EPOCH).total_seconds() if text else NAN


def test_admiral_overall_survival() -> None:
    """admiral Test 1: death as event, last known alive as censoring; STARTDTF comes along."""
    adsl = pd.DataFrame({"USUBJID": ["03", "04"], "DTHFL": ["Y", "N"],
                         "DTHDT": [day("2021-08-21"), NAN], "LSTALVDT": [day("2021-08-21"), day("2021-05-24")],
                         "TRTSDT": [day("2021-08-10"), day("2021-02-03")], "TRTSDTF": ["", ""], "STUDYID": "AB42"})
    death = event_source("adsl", "DTHDT", filter="DTHFL == 'Y'",
                         set_values_to={"EVENTDESC": "DEATH", "SRCDOM": "ADSL", "SRCVAR": "DTHDT"})
    alive = censor_source("adsl", "LSTALVDT", censor=1, set_values_to={
        "EVENTDESC": "LAST KNOWN ALIVE DATE", "SRCDOM": "ADSL", "SRCVAR": "LSTALVDT"})
    got = derive_param_tte(None, adsl, {"adsl": adsl}, event_conditions=[death], censor_conditions=[alive],
                           set_values_to={"PARAMCD": "OS", "PARAM": "Overall Survival"})
    expected = pd.DataFrame({
        "STUDYID": ["AB42", "AB42"], "USUBJID": ["03", "04"], "EVENTDESC": ["DEATH", "LAST KNOWN ALIVE DATE"],
        "SRCDOM": ["ADSL", "ADSL"], "SRCVAR": ["DTHDT", "LSTALVDT"], "CNSR": [0, 1],
        "ADT": [day("2021-08-21"), day("2021-05-24")], "STARTDT": [day("2021-08-10"), day("2021-02-03")],
        "STARTDTF": ["", ""], "PARAMCD": ["OS", "OS"], "PARAM": ["Overall Survival", "Overall Survival"]})
    assert_frame_equal(got, expected, check_dtype=False)


def test_admiral_pfs_with_datetimes() -> None:
    """admiral Test 2: PD or death as events, last assessment or treatment start as censoring, ADTM."""
    adsl = pd.DataFrame({
        "USUBJID": ["01", "02", "03", "04", "05"], "DTHFL": ["Y", "N", "Y", "N", "N"],
        "DTHDT": [day("2021-06-12"), NAN, day("2021-08-21"), NAN, NAN],
        "TRTSDTM": [dtm("2021-01-01 00:00:00"), dtm("2021-02-03 10:24:00"), dtm("2021-08-10 00:00:00"),
                    dtm("2021-02-03 10:24:00"), dtm("2021-04-05 11:22:33")],
        "TRTSDTF": ["M", "", "", "", ""], "TRTSTMF": ["H", "", "H", "", ""], "STUDYID": "AB42"})
    adrs = pd.DataFrame({
        "USUBJID": ["01", "01", "01", "02", "04", "04", "04"], "AVALC": ["SD", "PR", "PD", "PD", "SD", "PR", "CR"],
        "ADTM": [dtm("2021-01-03 10:56"), dtm("2021-03-04 11:13"), dtm("2021-05-05 12:02"), dtm("2021-02-03 10:56"),
                 dtm("2021-02-13 10:56"), dtm("2021-04-14 11:13"), dtm("2021-05-15 12:02")],
        "ASEQ": [1.0, 2, 3, 1, 1, 2, 3], "STUDYID": "AB42"})
    pd_event = event_source("adrs", "ADTM", filter="AVALC == 'PD'", set_values_to={
        "EVENTDESC": "PD", "SRCDOM": "ADRS", "SRCVAR": "ADTM", "SRCSEQ": Var("ASEQ")})
    death = event_source("adsl", "DTHDT", filter="DTHFL == 'Y'",
                         set_values_to={"EVENTDESC": "DEATH", "SRCDOM": "ADSL", "SRCVAR": "DTHDT"})
    last = censor_source("adrs", "ADTM", set_values_to={
        "EVENTDESC": "LAST TUMOR ASSESSMENT", "SRCDOM": "ADRS", "SRCVAR": "ADTM"})
    start = censor_source("adsl", "TRTSDTM", set_values_to={
        "EVENTDESC": "TREATMENT START", "SRCDOM": "ADSL", "SRCVAR": "TRTSDTM"})
    got = derive_param_tte(None, adsl, {"adsl": adsl, "adrs": adrs}, start_date="TRTSDTM",
                           event_conditions=[pd_event, death], censor_conditions=[last, start],
                           create_datetime=True, set_values_to={"PARAMCD": "PFS"})
    got = got.set_index("USUBJID")
    assert got["ADTM"].tolist() == [dtm("2021-05-05 12:02"), dtm("2021-02-03 10:56"), day("2021-08-21") * 86400,
                                    dtm("2021-05-15 12:02"), dtm("2021-04-05 11:22:33")]
    assert got["CNSR"].tolist() == [0, 0, 0, 1, 1]
    assert got["EVENTDESC"].tolist() == ["PD", "PD", "DEATH", "LAST TUMOR ASSESSMENT", "TREATMENT START"]
    assert got["SRCSEQ"].tolist()[:2] == [3.0, 1.0] and got["SRCSEQ"].iloc[2:].isna().all()
    assert got["STARTDTF"].tolist() == ["M", "", "", "", ""]
    assert got["STARTTMF"].tolist() == ["H", "", "H", "", ""]


def test_by_groups_ties_and_start_date() -> None:
    """Time to first AE per term: censoring (from ADSL, which has no term) applies to every term; a tie on
    date is broken by the source ``order``; ADT is never before STARTDT; subjects outside ADSL are dropped."""
    adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2"], "TRTSDT": [10.0, 10.0], "EOSDT": [100.0, 5.0]})
    adae = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1", "1", "3"], "AEDECOD": ["HEADACHE", "HEADACHE",
                         "NAUSEA", "NAUSEA"], "ASTDT": [20.0, 20.0, 30.0, 15.0], "AESEQ": [2.0, 1.0, 3.0, 1.0]})
    first_ae = event_source("adae", "ASTDT", order=["AESEQ"], set_values_to={"SRCSEQ": Var("AESEQ")})
    eos = censor_source("adsl", "EOSDT")
    got = derive_param_tte(None, adsl, {"adae": adae, "adsl": adsl}, by_vars="AEDECOD",
                           event_conditions=[first_ae], censor_conditions=[eos])
    got = got.sort_values(["USUBJID", "ADT"]).reset_index(drop=True)
    assert got[["USUBJID", "ADT", "CNSR"]].values.tolist() == [["1", 20.0, 0], ["1", 30.0, 0], ["2", 10.0, 1],
                                                                ["2", 10.0, 1]]
    assert got["SRCSEQ"].tolist()[:2] == [1.0, 3.0]
    assert "AEDECOD" not in got.columns


def test_existing_parameter_and_unknown_source_are_errors() -> None:
    adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1"], "TRTSDT": [0.0], "DTHDT": [5.0]})
    death = event_source("adsl", "DTHDT")
    with pytest.raises(DerivationError, match="already in the input"):
        derive_param_tte(pd.DataFrame({"PARAMCD": ["OS"]}), adsl, {"adsl": adsl}, event_conditions=[death],
                         set_values_to={"PARAMCD": "OS"})
    with pytest.raises(DerivationError, match="not among the source datasets"):
        derive_param_tte(None, adsl, {"adsl": adsl}, event_conditions=[event_source("adae", "ASTDT")])
    with pytest.raises(DerivationError):
        censor_source("adsl", "DTHDT", censor=0)
