"""derive_extreme_event / derive_vars_extreme_event: best overall response by event priority, last known
alive date over sources, per-event selection and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.events import derive_extreme_event, derive_vars_extreme_event, event, event_joined
from cdiscflow.adam.tte import Var
from cdiscflow.errors import DerivationError

NAN = np.nan

OVR = pd.DataFrame({"USUBJID": ["1", "1", "1", "2", "2", "3"], "ADT": [10.0, 20.0, 30.0, 10.0, 20.0, 10.0],
                    "AVALC": ["SD", "PR", "PD", "NE", "SD", "NE"], "PARAMCD": "OVR"})
PRIORITY = [event(condition=f"AVALC == '{r}'", set_values_to={"AVAL": n}) for r, n in
            (("CR", 1), ("PR", 2), ("SD", 3), ("PD", 4), ("NE", 5))]


def test_best_overall_response_by_priority_then_date() -> None:
    got = derive_extreme_event(OVR, "USUBJID", PRIORITY, order=["__nr", "ADT"], mode="first",
                               tmp_event_nr_var="__nr", set_values={"PARAMCD": "BOR"},
                               keep_source_vars=["ADT", "AVALC"])
    new = got[got["PARAMCD"] == "BOR"].reset_index(drop=True)
    assert_frame_equal(new, pd.DataFrame({"USUBJID": ["1", "2", "3"], "ADT": [20.0, 20.0, 10.0],
                                          "AVALC": ["PR", "SD", "NE"], "PARAMCD": "BOR", "AVAL": [2.0, 3.0, 5.0]})
                       [["USUBJID", "ADT", "AVALC", "PARAMCD", "AVAL"]], check_dtype=False)
    assert len(got) == len(OVR) + 3


def test_last_known_alive_over_sources_and_event_modes() -> None:
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    ae = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AENDT": [40.0, np.nan, 5.0], "AESEQ": [1.0, 2.0, 1.0]})
    lb = pd.DataFrame({"USUBJID": ["1", "2", "2"], "ADT": [30.0, 12.0, 14.0]})
    events = [event("ae", condition="present(AENDT)", set_values_to={"LSTALVDT": Var("AENDT"), "SRC": "AE"}),
              event("lb", condition="present(ADT)", mode="last", order=["ADT"],
                    set_values_to={"LSTALVDT": Var("ADT"), "SRC": "LB"})]
    got = derive_vars_extreme_event(adsl, "USUBJID", events, order=["LSTALVDT"], mode="last",
                                    new_vars=["LSTALVDT", "SRC"], source_datasets={"ae": ae, "lb": lb})
    assert got["LSTALVDT"].tolist()[:2] == [40.0, 14.0] and np.isnan(got["LSTALVDT"].iloc[2])
    assert got["SRC"].tolist() == ["AE", "LB", ""]


def test_event_errors() -> None:
    with pytest.raises(DerivationError):
        event(mode="best")
    with pytest.raises(DerivationError, match="not given"):
        derive_extreme_event(OVR, "USUBJID", [event("adrs")], order=["ADT"], mode="first")
    with pytest.raises(DerivationError):
        derive_extreme_event(OVR, "USUBJID", [], order=["ADT"], mode="first")


def test_event_joined_keeps_records_confirmed_later_and_checks_join_type() -> None:
    confirmed = event_joined(join_vars=["AVALC", "ADT"], join_type="after", order=["ADT"],
                             first_cond_upper="AVALC_join in ['SD', 'PR'] and ADT_join >= ADT + 5",
                             condition="AVALC in ['SD', 'PR']", set_values_to={"AVALC": "Y"})
    got = derive_extreme_event(OVR, "USUBJID", [confirmed, event(set_values_to={"AVALC": "N"})],
                               order=["__nr", "ADT"], mode="first", tmp_event_nr_var="__nr",
                               keep_source_vars=["ADT"])
    new = got.iloc[len(OVR):][["USUBJID", "ADT", "AVALC"]].reset_index(drop=True)
    assert new.values.tolist() == [["1", 10.0, "Y"], ["2", 10.0, "N"], ["3", 10.0, "N"]]
    with pytest.raises(DerivationError, match="join_type"):
        event_joined(condition="True", join_vars=["ADT"], join_type="later")


def _days(dates: list) -> list[float]:
    return [float((pd.Timestamp(d) - pd.Timestamp("1960-01-01")).days) if d else np.nan for d in dates]


def test_admiral_derive_extreme_event_5_event_joined() -> None:
    """admiral tests/testthat/test-derive_extreme_event.R Test 5: confirmed best overall response."""
    from cdiscflow.adam.response import cbor_cr, cbor_pr

    adsl = pd.DataFrame({"STUDYID": "XX1234", "USUBJID": list("123456789"), "TRTSDT": _days(
        ["2020-01-01", "2019-12-12", "2019-11-11", "2019-12-30", "2020-01-01", "2020-02-02", "2020-02-02",
         "2020-04-01", "2020-02-01"])})
    rows = [("1", "2020-01-01", "PR"), ("1", "2020-02-01", "CR"), ("1", "2020-02-16", "NE"), ("1", "2020-03-01", "CR"),
            ("1", "2020-04-01", "SD"), ("2", "2020-01-01", "SD"), ("2", "2020-02-01", "PR"), ("2", "2020-03-01", "SD"),
            ("2", "2020-03-13", "CR"), ("3", "2019-11-12", "CR"), ("3", "2019-12-02", "CR"), ("3", "2020-01-01", "SD"),
            ("4", "2020-01-01", "PR"), ("4", "2020-03-01", "SD"), ("4", "2020-04-01", "SD"), ("4", "2020-05-01", "PR"),
            ("4", "2020-05-15", "NON-CR/NON-PD"), ("5", "2020-01-01", "PR"), ("5", "2020-01-10", "SD"),
            ("5", "2020-01-20", "PR"), ("5", "2020-05-15", "NON-CR/NON-PD"), ("6", "2020-02-06", "PR"),
            ("6", "2020-02-16", "CR"), ("6", "2020-03-30", "PR"), ("7", "2020-02-06", "PR"), ("7", "2020-02-16", "CR"),
            ("7", "2020-04-01", "NE"), ("9", "2020-02-16", "PD")]
    adrs = pd.DataFrame({"STUDYID": "XX1234", "USUBJID": [r[0] for r in rows], "ADT": _days([r[1] for r in rows]),
                         "AVALC": [r[2] for r in rows], "PARAMCD": "OVR"}).merge(adsl, on=["STUDYID", "USUBJID"])
    after_28 = "ADT >= TRTSDT + 28"
    events = [cbor_cr, cbor_pr,
              event(condition=f"AVALC in ['CR', 'PR', 'SD'] and {after_28}", set_values_to={"AVALC": "SD"}),
              event(condition=f"AVALC == 'NON-CR/NON-PD' and {after_28}", set_values_to={"AVALC": "NON-CR/NON-PD"}),
              event(condition="AVALC == 'PD'", set_values_to={"AVALC": "PD"}),
              event(condition="AVALC in ['CR', 'PR', 'SD', 'NON-CR/NON-PD', 'NE']", set_values_to={"AVALC": "NE"}),
              event("adsl", set_values_to={"AVALC": "MISSING"}, keep_source_vars=["TRTSDT"])]
    got = derive_extreme_event(adrs, ["STUDYID", "USUBJID"], events, order=["event_nr", "ADT"], mode="first",
                               tmp_event_nr_var="event_nr", source_datasets={"adsl": adsl, "ovr": adrs},
                               set_values={"PARAMCD": "CBOR"})
    new = got[got["PARAMCD"] == "CBOR"].sort_values("USUBJID")
    assert new["AVALC"].tolist() == ["CR", "SD", "SD", "SD", "NON-CR/NON-PD", "SD", "NE", "MISSING", "PD"]
    np.testing.assert_array_equal(new["ADT"].to_numpy(), _days(
        ["2020-02-01", "2020-02-01", "2020-01-01", "2020-03-01", "2020-05-15", "2020-03-30", "2020-02-06", None,
         "2020-02-16"]))
    assert len(got) == len(adrs) + 9


ADBDS = pd.DataFrame({"USUBJID": list("11111222"), "AVISITN": [1.0, 2, 3, 4, 5, 1, NAN, 3],
                      "AVALC": list("YNYYYYYY"), "PARAMCD": "RESP"})


def confirmed_next(**kwargs: object) -> list:
    """The event_joined of admiral's Tests 8-9: Y confirmed by a Y at the next position."""
    return [event_joined("adbds", by_vars=["USUBJID"], order=["AVISITN"], join_vars=["AVALC"], join_type="after",
                         tmp_obs_nr_var="tmp_obs_nr", set_values_to={"AVALC": "Y"},
                         condition="AVALC == 'Y' and AVALC_join == 'Y' and tmp_obs_nr_join == tmp_obs_nr + 1",
                         **kwargs)]


def test_admiral_derive_extreme_event_8_by_vars_in_event_joined() -> None:
    adbds = ADBDS.drop(index=6).reset_index(drop=True)
    got = derive_extreme_event(adbds, ["USUBJID", "AVISITN"], [*confirmed_next(), event("adbds", set_values_to={
        "AVALC": "N"})], order=["event_nr"], mode="first", tmp_event_nr_var="event_nr",
        source_datasets={"adbds": adbds}, set_values={"PARAMCD": "CONFRESP"})
    new = got[got["PARAMCD"] == "CONFRESP"].sort_values(["USUBJID", "AVISITN"])
    assert new["AVALC"].tolist() == ["N", "N", "Y", "Y", "N", "Y", "N"]


def test_admiral_derive_extreme_event_9_filter_source_in_event_joined() -> None:
    def n_if_known(d: pd.DataFrame) -> pd.Series:
        return d["AVISITN"].notna().map({True: "N", False: ""})

    got = derive_extreme_event(ADBDS, ["USUBJID", "AVISITN"], [
        *confirmed_next(filter_source="present(AVISITN)"), event("adbds", set_values_to={"AVALC": n_if_known})],
        order=["event_nr"], mode="first", tmp_event_nr_var="event_nr", source_datasets={"adbds": ADBDS},
        set_values={"PARAMCD": "CONFRESP"})
    new = got[got["PARAMCD"] == "CONFRESP"].sort_values(["USUBJID", "AVISITN"])
    assert list(zip(new["AVISITN"].fillna(-1), new["AVALC"], strict=True)) == [
        (1.0, "N"), (2.0, "N"), (3.0, "Y"), (4.0, "Y"), (5.0, "N"), (1.0, "Y"), (3.0, "N"), (-1.0, "")]
