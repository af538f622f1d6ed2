"""Unit tests of the study derivations in cdiscflow/studies/msc_ntf_als/adam_derive.py (small explicit frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.dates import derive_vars_dtm
from cdiscflow.errors import DerivationError
from cdiscflow.studies.msc_ntf_als.adam_derive import (
    derive_var_best_of,
    derive_vars_avisit,
    derive_vars_criteria,
)

VISITS = [{"VISITNUM": 1, "AVISIT": "Screening", "AVISITN": -14}, {"VISITNUM": 5, "AVISIT": "Baseline", "AVISITN": 0}]


def test_avisit_from_visit_table_and_unknown_visit_blank() -> None:
    df = pd.DataFrame({"VISITNUM": [5.0, 1.0, 99.0]})
    out = derive_vars_avisit(df, VISITS)
    expected = df.assign(AVISIT=pd.Series(["Baseline", "Screening", ""], dtype="str"),
                         AVISITN=[0.0, -14.0, np.nan])
    assert_frame_equal(out, expected)


def test_avisit_table_without_avisitn_is_an_error() -> None:
    with pytest.raises(DerivationError, match="AVISITN"):
        derive_vars_avisit(pd.DataFrame({"VISITNUM": [1.0]}), [{"VISITNUM": 1, "AVISIT": "Screening"}])


def test_criteria_applies_and_not_evaluable_blank() -> None:
    df = pd.DataFrame({"PARAMCD": ["S", "S", "S", "T"], "BASE": [-1.0, 0.0, 2.0, -1.0],
                       "CHG": [0.6, 3.0, 0.2, 5.0]})
    crit = [{"nr": 1, "description": ">= 50%", "condition": "(BASE < 0 and CHG >= (0 - BASE) * 0.5) or "
             "(BASE > 0 and CHG >= BASE * 0.5)", "evaluable": "BASE != 0"}]
    out = derive_vars_criteria(df, crit, applies="PARAMCD == 'S'")
    assert out["CRIT1FL"].tolist() == ["Y", "", "N", ""]
    assert out["CRIT1"].tolist() == [">= 50%", "", ">= 50%", ""]


def test_best_of_trials() -> None:
    df = pd.DataFrame({"USUBJID": ["A", "A", "A"], "LOC": ["X", "X", "Y"], "RES": [10.0, 12.5, 7.0]})
    out = derive_var_best_of(df, ["USUBJID", "LOC"], "RES", "BEST")
    expected = pd.DataFrame({"USUBJID": ["A", "A"], "LOC": ["X", "Y"], "RES": [10.0, 7.0], "BEST": [12.5, 7.0]})
    assert_frame_equal(out, expected)


def test_ae_start_is_imputed_to_treatment_start_within_the_partial_range() -> None:
    """The study's ADAE rule (an AE "on the transplant day, time unknown" starts at the transplant, not at 00:00
    before it) is the library's ``derive_vars_dtm(min_dates=)`` at datetime precision."""
    day = 20000.0 * 86400
    trt = day + 10 * 3600                       # treatment start 10:00 on day 20000 (2014-10-04)
    df = pd.DataFrame({"DTC": ["2014-10-04", "2014-10-04T09:00", "2014-10", "2014-09-30"],
                       "TRTSDTM": [trt] * 4})
    out = derive_vars_dtm(df, "AST", "DTC", highest_imputation="M", flag_imputation="both", min_dates=["TRTSDTM"])
    assert out["ASTDTM"].tolist() == [trt, day + 9 * 3600, trt, (20000.0 - 4) * 86400]
    assert out["ASTDTF"].tolist() == ["", "", "D", ""]
    assert out["ASTTMF"].tolist() == ["H", "S", "H", "H"]
