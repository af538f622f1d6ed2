"""derive_vars_query: SMQ/CQ/SDG variables from a query dataset (admiral's rules)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.query import derive_vars_query
from cdiscflow.errors import DerivationError

QUERIES = pd.DataFrame({
    "PREFIX": ["CQ01", "SMQ02", "SMQ02", "SMQ02", "SMQ01"],
    "GRPNAME": ["DERMATOLOGIC EVENTS", "Asthma/bronchospasm", "Asthma/bronchospasm", "Asthma/bronchospasm",
                "Pregnancy"],
    "SRCVAR": ["AEDECOD", "AEDECOD", "AELLTCD", "AEDECOD", "AEDECOD"],
    "TERMCHAR": ["Rash", "WHEEZING", "", "ASTHMA", "ABORTION"],
    "TERMNUM": [np.nan, np.nan, 10003553.0, np.nan, np.nan],
    "GRPID": [np.nan, 20000025.0, 20000025.0, 20000025.0, 20000185.0],
    "SCOPE": ["", "NARROW", "BROAD", "NARROW", "BROAD"],
    "SCOPEN": [np.nan, 2.0, 1.0, 2.0, 1.0],
})


def test_query_variables_and_their_order() -> None:
    ae = pd.DataFrame({"AEDECOD": ["RASH", "Wheezing", "OTHER", "ASTHMA"],
                       "AELLTCD": [1.0, 2.0, 10003553.0, 10003553.0]})
    got = derive_vars_query(ae, QUERIES)
    expected = ae.assign(
        SMQ01NAM=["", "", "", ""], SMQ01CD=[np.nan] * 4, SMQ01SC=["", "", "", ""], SMQ01SCN=[np.nan] * 4,
        SMQ02NAM=["", "Asthma/bronchospasm", "Asthma/bronchospasm", "Asthma/bronchospasm"],
        SMQ02CD=[np.nan, 20000025.0, 20000025.0, 20000025.0], SMQ02SC=["", "NARROW", "BROAD", "BROAD"],
        SMQ02SCN=[np.nan, 2.0, 1.0, 1.0], CQ01NAM=["DERMATOLOGIC EVENTS", "", "", ""])
    # ASTHMA matches both the AEDECOD term (row 4) and the AELLTCD code (row 3): the earlier row wins
    assert_frame_equal(got, expected[list(ae.columns) + ["SMQ01NAM", "SMQ01CD", "SMQ01SC", "SMQ01SCN", "SMQ02NAM",
                                                          "SMQ02CD", "SMQ02SC", "SMQ02SCN", "CQ01NAM"]])


def test_query_errors() -> None:
    ae = pd.DataFrame({"AEDECOD": ["RASH"], "AELLTCD": [1.0]})
    with pytest.raises(DerivationError, match="already in"):
        derive_vars_query(ae.assign(CQ01NAM="x"), QUERIES)
    with pytest.raises(DerivationError, match="neither TERMCHAR nor TERMNUM"):
        derive_vars_query(ae, QUERIES.assign(TERMCHAR="", TERMNUM=np.nan))
    with pytest.raises(DerivationError):
        derive_vars_query(ae.drop(columns="AELLTCD"), QUERIES)
