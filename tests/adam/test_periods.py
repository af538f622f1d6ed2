"""create_period_dataset / derive_vars_period: ADSL's wide period, phase and subperiod variables and the
long period reference dataset, both ways."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.periods import create_period_dataset, derive_vars_period
from cdiscflow.errors import DerivationError

ADSL = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2"],
                     "AP01SDT": [1.0, 3.0], "AP01EDT": [9.0, 11.0], "AP02SDT": [10.0, np.nan],
                     "AP02EDT": [20.0, np.nan], "TRT01A": ["A", "B"], "TRT02A": ["B", ""]})


def test_periods_round_trip() -> None:
    ref = create_period_dataset(ADSL, {"APERSDT": "APxxSDT", "APEREDT": "APxxEDT"})
    assert_frame_equal(ref, pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1", "2"], "APERIOD": [1, 2, 1],
                                          "APERSDT": [1.0, 10.0, 3.0], "APEREDT": [9.0, 20.0, 11.0]}), check_dtype=False)
    back = derive_vars_period(ADSL[["STUDYID", "USUBJID"]], ref, {"APxxSDT": "APERSDT", "APxxEDT": "APEREDT"})
    assert_frame_equal(back, ADSL[["STUDYID", "USUBJID", "AP01EDT", "AP01SDT", "AP02EDT", "AP02SDT"]])
    treatments = create_period_dataset(ADSL, {"TRTA": "TRTxxA"})
    assert treatments["TRTA"].tolist() == ["A", "B", "B"]


def test_phases_and_subperiods() -> None:
    ref = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1", "1"], "APERIOD": [1, 1, 2], "ASPER": [1, 2, 1],
                        "ASPRSDT": [1.0, 5.0, 10.0]})
    wide = derive_vars_period(ADSL[["STUDYID", "USUBJID"]], ref, {"PxxSwSDT": "ASPRSDT"})
    assert wide.loc[0, ["P01S1SDT", "P01S2SDT", "P02S1SDT"]].tolist() == [1.0, 5.0, 10.0]
    assert wide.loc[1, ["P01S1SDT"]].isna().all()
    phases = create_period_dataset(pd.DataFrame({"STUDYID": "S", "USUBJID": ["1"], "PH1SDT": [0.0], "PH2SDT": [7.0]}),
                                   {"PHSDT": "PHwSDT"})
    assert phases[["APHASEN", "PHSDT"]].values.tolist() == [[1, 0.0], [2, 7.0]]


def test_period_errors() -> None:
    with pytest.raises(DerivationError, match="one kind"):
        create_period_dataset(ADSL, {"APERSDT": "APxxSDT", "PHSDT": "PHwSDT"})
    with pytest.raises(DerivationError, match="no variables of the form"):
        create_period_dataset(ADSL, {"X": "ZZxxQ"})
    ref = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1"], "APERIOD": [1, 1], "APERSDT": [1.0, 2.0]})
    with pytest.raises(DerivationError, match="several records"):
        derive_vars_period(ADSL[["STUDYID", "USUBJID"]], ref, {"APxxSDT": "APERSDT"})
