"""First/last/worst flags and the treatment-emergent flag."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.flags import (
    derive_var_extreme_flag,
    derive_var_flag_condition,
    derive_var_trtemfl,
    derive_var_worst_flag,
)
from cdiscflow.errors import DerivationError

NAN = np.nan
AE = pd.DataFrame({
    "USUBJID": ["S1", "S1", "S1", "S2", "S2"],
    "AEBODSYS": ["GI", "SKIN", "GI", "GI", "GI"],
    "ASTDT": [5.0, 3.0, 3.0, NAN, 1.0],
    "AESEQ": [1.0, 2.0, 3.0, 1.0, 2.0],
    "AESEV": ["MILD", "SEVERE", "MODERATE", "SEVERE", "MILD"],
    "TRTEMFL": ["Y", "Y", "Y", "Y", "N"],
})


def test_first_occurrence_per_subject_and_soc() -> None:
    got = derive_var_extreme_flag(AE, "USUBJID", ["ASTDT", "AESEQ"], "AOCCFL", filter="TRTEMFL == 'Y'")
    got = derive_var_extreme_flag(got, ["USUBJID", "AEBODSYS"], ["ASTDT", "AESEQ"], "AOCCSFL",
                                  filter="TRTEMFL == 'Y'")
    # S1: records on day 3 tie, AESEQ 2 first; S2: the day-1 record is not emergent, missing dates sort last
    expected = AE.assign(AOCCFL=["", "Y", "", "Y", ""], AOCCSFL=["", "Y", "Y", "Y", ""])
    assert_frame_equal(got, expected)


def test_last_flag_descending_and_yn() -> None:
    got = derive_var_extreme_flag(AE, "USUBJID", ["-AESEQ"], "LASTFL", mode="last", false_value="N")
    assert got["LASTFL"].tolist() == ["Y", "N", "N", "Y", "N"]


def test_empty_text_sorts_last_like_a_missing_value() -> None:
    """admiral's order puts R's NA last; cdiscflow's missing text is "" (ad_admh.R orders by AHIST, often NA)."""
    mh = pd.DataFrame({"USUBJID": "S1", "AHIST": ["", "Past", "Current", ""], "MHSEQ": [1.0, 2.0, 3.0, 4.0]})
    first = derive_var_extreme_flag(mh, "USUBJID", ["AHIST", "MHSEQ"], "AOCPFL")
    assert first["AOCPFL"].tolist() == ["", "", "Y", ""]
    desc = derive_var_extreme_flag(mh, "USUBJID", ["-AHIST", "MHSEQ"], "F")
    assert desc["F"].tolist() == ["", "Y", "", ""]
    last = derive_var_extreme_flag(mh, "USUBJID", ["AHIST", "MHSEQ"], "L", mode="last")
    assert last["L"].tolist() == ["", "", "", "Y"]


def test_extreme_flag_unique_check() -> None:
    with pytest.raises(DerivationError, match="tie"):
        derive_var_extreme_flag(AE, "USUBJID", ["ASTDT"], "X", check_unique=True)
    with pytest.raises(DerivationError, match="mode"):
        derive_var_extreme_flag(AE, "USUBJID", ["ASTDT"], "X", mode="middle")


def test_worst_severity() -> None:
    got = derive_var_worst_flag(AE, "USUBJID", "AESEV", "AOCCIFL", worst=["MILD", "MODERATE", "SEVERE"],
                                order=["ASTDT", "AESEQ"], filter="TRTEMFL == 'Y'")
    assert_frame_equal(got, AE.assign(AOCCIFL=["", "Y", "", "Y", ""]))
    lab = pd.DataFrame({"USUBJID": ["S1", "S1", "S1"], "AVAL": [3.0, 9.0, 9.0], "ADY": [1.0, 2.0, 3.0]})
    assert derive_var_worst_flag(lab, "USUBJID", "AVAL", "W", worst="high", order=["ADY"])["W"].tolist() == ["", "Y", ""]
    assert derive_var_worst_flag(lab, "USUBJID", "AVAL", "W", worst="low")["W"].tolist() == ["Y", "", ""]


def test_trtemfl_window_missing_start_and_worsening() -> None:
    df = pd.DataFrame({
        "ASTDT": [10.0, 5.0, 40.0, NAN, NAN, 5.0, 5.0, 12.0],
        "AENDT": [NAN, NAN, NAN, NAN, 8.0, NAN, NAN, NAN],
        "TRTSDT": [10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, NAN],
        "TRTEDT": [20.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0, NAN],
        "AEITOXGR": ["1", "1", "1", "1", "1", "1", "2", "1"],
        "AETOXGR": ["1", "1", "1", "1", "1", "3", "2", "1"],
    })
    got = derive_var_trtemfl(df, trt_end_date="TRTEDT", end_window=14, initial_intensity="AEITOXGR",
                             intensity="AETOXGR", intensity_order=["1", "2", "3"])
    # on first dose; before; after window (20 + 14 < 40); missing start & end; missing start but ended
    # before dose; pre-existing but worsened; pre-existing not worsened; no treatment
    assert_frame_equal(got, df.assign(TRTEMFL=["Y", "", "", "Y", "", "Y", "", ""]))


def test_trtemfl_pilot_style_rule() -> None:
    df = pd.DataFrame({"ASTDT": [10.0, NAN, 9.0], "TRTSDT": [10.0, 10.0, 10.0]})
    got = derive_var_trtemfl(df, end_date=None, trt_end_date=None, missing_start_emergent=False, false_value="N")
    assert_frame_equal(got, df.assign(TRTEMFL=["Y", "N", "N"]))


def test_flag_from_condition() -> None:
    got = derive_var_flag_condition(AE, "SEVFL", "AESEV == 'SEVERE'", false_value="N")
    assert got["SEVFL"].tolist() == ["N", "Y", "N", "Y", "N"]
