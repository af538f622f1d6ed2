"""Reference range indicator ANRIND."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from cdiscflow.adam.ranges import derive_var_anrind

NAN = np.nan


def test_anrind_with_extremes() -> None:
    df = pd.DataFrame({"AVAL": [1.0, 4.0, 6.0, 12.0, 25.0, NAN, 5.0],
                       "ANRLO": [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, NAN],
                       "ANRHI": [10.0, 10.0, 10.0, 10.0, 10.0, 10.0, NAN],
                       "A1LO": [2.0] * 7, "A1HI": [20.0] * 7})
    got = derive_var_anrind(df)
    assert_frame_equal(got, df.assign(ANRIND=["LOW", "NORMAL", "NORMAL", "HIGH", "HIGH", "", "NORMAL"]))
    got = derive_var_anrind(df, low_low="A1LO", high_high="A1HI")
    assert got["ANRIND"].tolist() == ["LOW LOW", "NORMAL", "NORMAL", "HIGH", "HIGH HIGH", "", "NORMAL"]
