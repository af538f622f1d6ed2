"""LOCF, summary and extreme records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.records import (
    derive_extreme_records,
    derive_locf_records,
    derive_summary_records,
    derive_var_locf,
    derive_var_obs_number,
)
from cdiscflow.errors import DerivationError

NAN = np.nan


def bds() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": ["S1", "S1", "S1", "S2"],
        "PARAMCD": ["T", "T", "T", "T"],
        "AVISIT": ["Baseline", "Week 8", "Week 8", "Baseline"],
        "AVISITN": [0.0, 8.0, 8.0, 0.0],
        "ADY": [1.0, 50.0, 70.0, 1.0],
        "AVAL": [10.0, 12.0, 13.0, 20.0],
        "ABLFL": ["Y", "", "", "Y"],
        "ANL01FL": ["Y", "Y", "", "Y"],
    })


EXPECTED = pd.DataFrame({"PARAMCD": ["T", "T"], "AVISIT": ["Week 8", "Week 16"], "AVISITN": [8.0, 16.0]})


def test_locf_records_for_missing_visits() -> None:
    got = derive_locf_records(bds(), EXPECTED, ["USUBJID", "PARAMCD"], "AVISITN", tie_order=["ADY"],
                              set_values={"ABLFL": ""})
    expected = pd.DataFrame({
        "USUBJID": ["S1", "S1", "S1", "S1", "S2", "S2", "S2"],
        "PARAMCD": ["T"] * 7,
        "AVISIT": ["Baseline", "Week 8", "Week 8", "Week 16", "Baseline", "Week 8", "Week 16"],
        "AVISITN": [0.0, 8.0, 8.0, 16.0, 0.0, 8.0, 16.0],
        "ADY": [1.0, 50.0, 70.0, 70.0, 1.0, 1.0, 1.0],
        "AVAL": [10.0, 12.0, 13.0, 13.0, 20.0, 20.0, 20.0],
        "ABLFL": ["Y", "", "", "", "Y", "", ""],
        "ANL01FL": ["Y", "Y", "", "", "Y", "Y", "Y"],
        "DTYPE": ["", "", "", "LOCF", "", "LOCF", "LOCF"],
    })
    assert_frame_equal(got, expected)


def test_locf_only_from_analysis_records() -> None:
    got = derive_locf_records(bds(), EXPECTED, ["USUBJID", "PARAMCD"], "AVISITN", filter="ANL01FL == 'Y'")
    s1_week16 = got[(got["USUBJID"] == "S1") & (got["AVISITN"] == 16)]
    assert s1_week16[["ADY", "AVAL"]].values.tolist() == [[50.0, 12.0]]


def test_locf_nothing_to_add() -> None:
    df = bds()
    got = derive_locf_records(df, EXPECTED.iloc[:1], ["USUBJID", "PARAMCD"], "AVISITN",
                              subjects=df[df["USUBJID"] == "S1"])
    assert_frame_equal(got, df)


def test_locf_within_records() -> None:
    df = bds().assign(AVAL=[10.0, 12.0, 12.5, 20.0])
    got = derive_var_locf(df, ["USUBJID", "PARAMCD"], ["ADY"], candidates="ANL01FL == 'Y'",
                          target="ANL01FL != 'Y'")
    assert_frame_equal(got, df.assign(AVAL=[10.0, 12.0, 12.0, 20.0], DTYPE=["", "", "LOCF", ""]))
    same = df.assign(AVAL=[10.0, 12.0, 12.0, 20.0])
    got = derive_var_locf(same, ["USUBJID", "PARAMCD"], ["ADY"], candidates="ANL01FL == 'Y'",
                          target="ANL01FL != 'Y'", flag_unchanged=False)
    assert got["DTYPE"].tolist() == ["", "", "", ""]


def test_summary_records() -> None:
    got = derive_summary_records(bds(), ["USUBJID", "PARAMCD"], filter="AVISITN > 0",
                                 set_values={"AVISIT": "Average", "DTYPE": "AVERAGE"})
    new = got.iloc[4:].reset_index(drop=True)
    expected = pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": ["T"], "AVISIT": ["Average"], "AVISITN": [NAN],
                             "ADY": [NAN], "AVAL": [12.5], "ABLFL": [""], "ANL01FL": [""], "DTYPE": ["AVERAGE"]})
    assert_frame_equal(new, expected)
    assert got["DTYPE"].tolist()[:4] == ["", "", "", ""]


def test_summary_records_of_groups_with_a_missing_key() -> None:
    df = bds().assign(AVISITN=[0.0, NAN, NAN, 0.0])
    got = derive_summary_records(df, ["USUBJID", "AVISITN"], set_values={"DTYPE": "AVERAGE"})
    new = got.iloc[4:][["USUBJID", "AVISITN", "AVAL", "DTYPE"]].reset_index(drop=True)
    expected = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "AVISITN": [0.0, NAN, 0.0], "AVAL": [10.0, 12.5, 20.0],
                             "DTYPE": ["AVERAGE"] * 3})
    assert_frame_equal(new, expected)


def test_extreme_records_end_of_treatment() -> None:
    got = derive_extreme_records(bds(), ["USUBJID", "PARAMCD"], ["ADY"], filter="AVISITN > 0",
                                 set_values={"AVISIT": "End of Treatment", "AVISITN": 99.0})
    assert got.iloc[4:][["USUBJID", "AVISIT", "AVISITN", "AVAL"]].values.tolist() == [
        ["S1", "End of Treatment", 99.0, 13.0]]


def test_extreme_records_chosen_from_dataset_add() -> None:
    """admiral's dataset_add: a maximum chosen among the records before the minimum was appended."""
    base = bds()
    low = derive_extreme_records(base, ["USUBJID", "PARAMCD"], ["AVAL"], mode="first", set_values={"DTYPE": "MIN"})
    high = derive_extreme_records(low, ["USUBJID", "PARAMCD"], ["-AVAL"], mode="first", set_values={"DTYPE": "MAX"},
                                  add=base)
    pd.testing.assert_frame_equal(high.iloc[:len(low)], low)
    assert high.iloc[len(low):][["USUBJID", "AVAL", "DTYPE"]].values.tolist() == [["S1", 13.0, "MAX"],
                                                                                 ["S2", 20.0, "MAX"]]


def test_locf_after_last_only_leaves_intermediate_gaps() -> None:
    df = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "PARAMCD": ["T"] * 3, "AVISITN": [0.0, 8.0, 0.0],
                       "AVAL": [10.0, 12.0, 20.0]})
    visits = pd.DataFrame({"AVISITN": [0.0, 4.0, 8.0, 16.0]})
    got = derive_locf_records(df, visits, ["USUBJID", "PARAMCD"], "AVISITN", after_last_only=True)
    expected = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2", "S2", "S2", "S2"], "PARAMCD": ["T"] * 7,
                             "AVISITN": [0.0, 8.0, 16.0, 0.0, 4.0, 8.0, 16.0],
                             "AVAL": [10.0, 12.0, 12.0, 20.0, 20.0, 20.0, 20.0],
                             "DTYPE": ["", "", "LOCF", "", "LOCF", "LOCF", "LOCF"]})
    assert_frame_equal(got, expected)
    every = derive_locf_records(df, visits, ["USUBJID", "PARAMCD"], "AVISITN")
    assert every[every["USUBJID"] == "S1"]["AVISITN"].tolist() == [0.0, 4.0, 8.0, 16.0]


def test_obs_number_with_and_without_groups() -> None:
    df = pd.DataFrame({"USUBJID": ["2", "1", "1"], "ADT": [3.0, 9.0, 1.0]})
    assert_frame_equal(derive_var_obs_number(df, "USUBJID", ["-ADT"]),
                       pd.DataFrame({"USUBJID": ["1", "1", "2"], "ADT": [9.0, 1.0, 3.0], "ASEQ": [1, 2, 1]}))
    assert derive_var_obs_number(df, None, ["ADT"], "N")["N"].tolist() == [1, 2, 3]
    with pytest.raises(DerivationError):
        derive_var_obs_number(df.assign(ADT=1.0), "USUBJID", ["ADT"], check_unique=True)


def test_extreme_records_from_another_dataset_with_reference_and_exist_flag() -> None:
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "RANDDT": [1.0, 2.0, 3.0], "AGE": [50.0, 60.0, 70.0]})
    ovr = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "RANDDT": [1.0, 1.0, 2.0], "ADT": [9.0, 5.0, 7.0],
                        "AVALC": ["PD", "PD", "SD"], "RSSEQ": [2.0, 1.0, 1.0]})
    got = derive_extreme_records(bds(), "USUBJID", ["ADT"], mode="first", add=ovr, ref=adsl,
                                 filter="AVALC == 'PD'", exist_flag="AVALC", false_value="N",
                                 missing_values={"RSSEQ": -1.0},
                                 set_values={"PARAMCD": "PD", "AVAL": lambda d: (d["AVALC"] == "Y") * 1.0})
    new = got.iloc[len(bds()):].reset_index(drop=True)
    assert_frame_equal(new[["USUBJID", "ADT", "AVALC", "AVAL", "RSSEQ", "RANDDT"]], pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3"], "ADT": [5.0, NAN, NAN], "AVALC": ["Y", "N", "N"], "AVAL": [1.0, 0.0, 0.0],
        "RSSEQ": [1.0, -1.0, -1.0], "RANDDT": [1.0, 2.0, 3.0]}), check_dtype=False)
    assert "AGE" not in new.columns  # only the columns ref shares with add
    only = derive_extreme_records(None, "USUBJID", add=ovr, filter="AVALC == 'PD'", keep_source_vars=["ADT"],
                                  set_values={"PARAMCD": "X"})
    assert_frame_equal(only, pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": "X", "ADT": [9.0, 5.0]}))


def test_summary_records_from_another_dataset_with_several_summaries_and_missing_keys() -> None:
    tr = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2"], "AVISITN": [0.0, 0.0, NAN, 0.0],
                       "AVAL": [10.0, NAN, 4.0, 7.0], "ADY": [-3.0, -5.0, 30.0, NAN]})
    got = derive_summary_records(None, ["USUBJID", "AVISITN"], fun="sum", add=tr, summaries={"ADY": "min"},
                                 set_values={"PARAMCD": "SDIAM"})
    assert_frame_equal(got, pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "AVISITN": [0.0, NAN, 0.0],
                                          "AVAL": [10.0, 4.0, 7.0], "ADY": [-5.0, 30.0, NAN], "PARAMCD": "SDIAM"}))
    with pytest.raises(DerivationError, match="summary function"):
        derive_summary_records(None, "USUBJID", add=tr, summaries={"ADY": "first"})


def _days(dates: list) -> list[float]:
    return [float((pd.Timestamp(d) - pd.Timestamp("1960-01-01")).days) if d else NAN for d in dates]


def test_admiral_derive_extreme_records_2_first_pd_date() -> None:
    """admiral tests/testthat/test-derive_extreme_records.R Test 2."""
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "STUDYID": "XX1234"})
    rows = [("1", "2020-01-02", "PR"), ("1", "2020-02-01", "CR"), ("1", "2020-03-01", "CR"), ("1", "2020-04-01", "SD"),
            ("2", "2021-06-15", "SD"), ("2", "2021-07-16", "PD"), ("2", "2021-09-14", "PD")]
    ovr = pd.DataFrame({"USUBJID": [r[0] for r in rows], "ADT": _days([r[1] for r in rows]),
                        "AVALC": [r[2] for r in rows], "PARAMCD": "OVR"})
    ovrf = ovr.assign(PARAMCD="OVRF", AVALC=["PR", "CR", "CR", "PD", "SD", "PD", "PD"])
    adrs = pd.concat([ovr, ovrf], ignore_index=True).assign(STUDYID="XX1234")
    got = derive_extreme_records(adrs, ["STUDYID", "USUBJID"], ["ADT"], mode="first", add=adrs, ref=adsl,
                                 filter="PARAMCD == 'OVR' and AVALC == 'PD'", exist_flag="AVALC",
                                 set_values={"PARAMCD": "PD", "ANL01FL": "Y"})
    new = got.iloc[len(adrs):].sort_values("USUBJID")
    assert new["AVALC"].tolist() == ["", "Y", ""] and new["ANL01FL"].tolist() == ["Y"] * 3
    np.testing.assert_array_equal(new["ADT"].to_numpy(), _days([None, "2021-07-16", None]))


def test_admiral_derive_extreme_records_3_death_date_parameter() -> None:
    """admiral tests/testthat/test-derive_extreme_records.R Test 3 (numeric exist flag)."""
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "DTHDT": _days(["2022-05-13", None, None]), "STUDYID": "XX1234"})
    got = derive_extreme_records(None, ["STUDYID", "USUBJID"], add=adsl, ref=adsl, filter="present(DTHDT)",
                                 exist_flag="AVAL", true_value=1.0, false_value=0.0,
                                 set_values={"PARAMCD": "DEATH", "ANL01FL": "Y", "ADT": lambda d: d["DTHDT"]})
    got = got.sort_values("USUBJID")
    assert got["AVAL"].tolist() == [1.0, 0.0, 0.0] and got["PARAMCD"].tolist() == ["DEATH"] * 3
    np.testing.assert_array_equal(got["ADT"].to_numpy(), got["DTHDT"].to_numpy())
