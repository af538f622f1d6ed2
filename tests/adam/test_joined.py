"""derive_vars_joined: the cases of admiral's documentation (windows, nadir before, last dose before an
event), the tie rule of before/after, and that small batches give the same answer as one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.joined import Joined, derive_vars_joined, filter_joined
from cdiscflow.errors import DerivationError

NAN = np.nan


def test_visit_windows_with_join_type_all() -> None:
    adbds = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "ADY": [-3.0, 14.0, 30.0, 70.0]})
    windows = pd.DataFrame({"AVISIT": ["BASELINE", "WEEK 1", "WEEK 4"], "AWLO": [-30.0, 1.0, 15.0],
                            "AWHI": [1.0, 14.0, 42.0]})
    got = derive_vars_joined(adbds, windows, by=None, join_type="all", new_vars=["AVISIT", "AWLO", "AWHI"],
                             filter_join="AWLO <= ADY and ADY <= AWHI")
    assert got["AVISIT"].tolist() == ["BASELINE", "WEEK 1", "WEEK 4", ""]
    assert np.isnan(got["AWLO"].iloc[3])


def test_nadir_before_and_exist_flag() -> None:
    lb = pd.DataFrame({"USUBJID": ["1", "1", "1", "1", "2"], "ADY": [1.0, 8.0, 15.0, 22.0, 1.0],
                       "AVAL": [5.0, 3.0, 4.0, 2.0, 9.0]})
    got = derive_vars_joined(lb, lb, by="USUBJID", order=["AVAL"], mode="first", join_type="all",
                             join_vars=["ADY"], filter_join="ADY_join < ADY", new_vars={"NADIR": "AVAL"},
                             exist_flag="HASPRE", false_value="N")
    assert_frame_equal(got, lb.assign(NADIR=[NAN, 5.0, 3.0, 3.0, NAN], HASPRE=["N", "Y", "Y", "Y", "N"]))


def test_last_dose_before_event_and_ties() -> None:
    ae = pd.DataFrame({"USUBJID": ["1", "1", "1"], "ASTDT": [5.0, 10.0, 0.0]})
    ex = pd.DataFrame({"USUBJID": ["1", "1", "1"], "ASTDT": [1.0, 5.0, 9.0], "EXDOSE": [10.0, 20.0, 30.0]})
    got = derive_vars_joined(ae, ex, by="USUBJID", order=["ASTDT"], mode="last", join_type="before",
                             new_vars={"LDOSE": "EXDOSE", "LDOSEDT": "ASTDT"}, missing_values={"LDOSE": 0.0})
    # the dose on the AE's own day (5) is neither before nor after it
    assert got["LDOSE"].tolist() == [10.0, 30.0, 0.0]
    assert got["LDOSEDT"].tolist()[:2] == [1.0, 9.0]
    after = derive_vars_joined(ae, ex, by="USUBJID", order=["ASTDT"], mode="first", join_type="after",
                               new_vars={"NDOSE": "EXDOSE"})
    assert_frame_equal(after, ae.assign(NDOSE=[30.0, NAN, 10.0]))


def test_batches_do_not_change_the_answer() -> None:
    rng = np.random.default_rng(7)
    n = 400
    lb = pd.DataFrame({"USUBJID": rng.integers(0, 30, n).astype(str), "ADY": rng.integers(-10, 100, n).astype(float),
                       "AVAL": rng.normal(size=n).round(3)})
    kwargs = {"by": "USUBJID", "order": ["AVAL", "ADY"], "mode": "last", "join_type": "all", "join_vars": ["ADY"],
              "filter_join": "ADY_join <= ADY", "new_vars": {"MAXSOFAR": "AVAL"}}
    assert_frame_equal(derive_vars_joined(lb, lb, **kwargs), derive_vars_joined(lb, lb, **kwargs, max_pairs=50))


def test_joined_errors() -> None:
    df = pd.DataFrame({"USUBJID": ["1", "1"], "ADY": [1.0, 2.0], "AVAL": [1.0, 2.0]})
    with pytest.raises(DerivationError, match="several joined records"):
        derive_vars_joined(df, df, by="USUBJID", join_type="all", new_vars={"X": "AVAL"})
    with pytest.raises(DerivationError, match="already in the dataset"):
        derive_vars_joined(df, df, by="USUBJID", join_type="all", new_vars=["AVAL"])
    with pytest.raises(DerivationError, match="needs order"):
        derive_vars_joined(df, df, by="USUBJID", join_type="before", new_vars={"X": "AVAL"})


def test_before_after_follow_a_descending_order() -> None:
    df = pd.DataFrame({"USUBJID": "1", "AVAL": [1.0, 3.0, 2.0]})
    got = derive_vars_joined(df, df, by="USUBJID", order=["-AVAL"], mode="last", join_type="before",
                             new_vars={"PREV": "AVAL"})
    np.testing.assert_array_equal(got["PREV"].to_numpy(), [2.0, NAN, 3.0])  # previous in 3, 2, 1 order


OVR = pd.DataFrame({"USUBJID": ["1", "1", "1", "2", "2"], "ADT": [0.0, 10.0, 40.0, 0.0, 30.0],
                    "AVALC": ["PR", "NE", "PR", "CR", "SD"]})


def test_filter_joined_first_cond_upper_and_summaries() -> None:
    got = filter_joined(OVR, OVR, by="USUBJID", join_vars=["AVALC", "ADT"], join_type="after", order=["ADT"],
                        first_cond_upper="AVALC_join == 'PR' and ADT_join >= ADT + 28",
                        filter_join=lambda j: j.all(j["AVALC_join"].isin(["PR", "NE"]))
                        & (j.count_vals("AVALC_join", "NE") == 1) & (j.max_cond("ADT_join", j["AVALC_join"] == "NE")
                                                                     == 10.0))
    assert_frame_equal(got, OVR.iloc[[0]])


def test_filter_joined_first_cond_lower_text_condition_and_all() -> None:
    before_pr = filter_joined(OVR, OVR, by="USUBJID", join_vars=["AVALC"], join_type="before", order=["ADT"],
                              first_cond_lower="AVALC_join == 'PR'", filter_join="AVALC_join == 'PR'")
    assert before_pr.index.tolist() == [1, 2]  # the records after a PR (from the last PR before them)
    some_sd = filter_joined(OVR, OVR, by="USUBJID", join_vars=["AVALC", "ADT"], join_type="all",
                            filter_join=lambda j: j.any(j["AVALC_join"] == "SD")
                            & j.min_cond("ADT_join", j["AVALC_join"] == "SD").notna())
    assert some_sd.index.tolist() == [3, 4]
    with pytest.raises(DerivationError, match="need order"):
        filter_joined(OVR, OVR, by="USUBJID", join_vars=["AVALC"], join_type="after", filter_join="True")


# admiral's tests/testthat/test-filter_joined.R, Tests 1-4 (filter_joined) and 7-8 (min_cond, max_cond)
RESPONSES = pd.DataFrame({"USUBJID": list("11111222344444"), "AVISITN": [1.0, 2, 3, 4, 5, 1, 2, 3, 1, 1, 2, 3, 4, 5],
                          "AVALC": ["PR", "CR", "CR", "SD", "NE", "SD", "PR", "PD", "SD", "PR", "PD", "SD", "SD", "PR"]})


def kept(got: pd.DataFrame) -> list[tuple[str, float]]:
    return list(zip(got["USUBJID"], got["AVISITN"], strict=True))


def test_admiral_filter_joined_1_without_first_cond() -> None:
    got = filter_joined(RESPONSES, RESPONSES, by="USUBJID", join_vars=["AVISITN", "AVALC"], join_type="after",
                        order=["AVISITN"],
                        filter_join="AVALC == 'PR' and AVALC_join in ['CR', 'PR'] and AVISITN < AVISITN_join")
    assert kept(got) == [("1", 1.0), ("4", 1.0)]


def test_admiral_filter_joined_2_first_cond_upper() -> None:
    got = filter_joined(RESPONSES, RESPONSES, by="USUBJID", join_vars=["AVALC"], join_type="after",
                        order=["AVISITN"], first_cond_upper="AVALC == 'CR' and AVALC_join == 'CR'", filter_join="True")
    assert kept(got) == [("1", 2.0)]


def test_admiral_filter_joined_3_first_cond_upper_and_summary() -> None:
    got = filter_joined(RESPONSES, RESPONSES, by="USUBJID", join_vars=["AVALC"], join_type="after",
                        order=["AVISITN"], first_cond_upper="AVALC == 'PR' and AVALC_join in ['CR', 'PR']",
                        filter_join=lambda j: j.count_vals("AVALC_join", "SD") <= 1)
    assert kept(got) == [("1", 1.0)]


def test_admiral_filter_joined_4_join_type_all() -> None:
    adae = pd.DataFrame({"USUBJID": list("1111122344"), "ADY": [10.0, 21, 23, 32, 42, 11, 23, 13, 14, 21],
                         "ACOVFL": list("NNYNNYNYNN"), "ADURN": [1.0, 50, 14, 31, 20, 13, 2, 12, 32, 41]})
    got = filter_joined(adae, adae, by="USUBJID", join_vars=["ACOVFL", "ADY"], join_type="all",
                        filter_join="ADURN > 30 and ACOVFL_join == 'Y' and ADY >= ADY_join - 7")
    assert list(zip(got["USUBJID"], got["ADY"], strict=True)) == [("1", 21.0), ("1", 32.0)]


def test_admiral_min_cond_7_and_max_cond_8() -> None:
    data = pd.DataFrame({"USUBJID": list("11111222"), "AVISITN": [1.0, 2, 3, 4, 5, 1, 2, 3],
                         "AVALC": ["PR", "CR", "NE", "CR", "NE", "CR", "PR", "CR"]})
    joined = Joined(data.assign(__obs__=data["USUBJID"]))  # grouped by subject, as group_by(USUBJID)
    assert joined.min_cond("AVISITN", data["AVALC"] == "CR").tolist() == [2.0] * 5 + [1.0] * 3
    assert joined.max_cond("AVISITN", data["AVALC"] == "PR").tolist() == [1.0] * 5 + [2.0] * 3
