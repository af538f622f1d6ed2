from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from cdiscflow.tlf.analyses import Groups, PFormat, incidence, summarize_categorical, summarize_continuous
from cdiscflow.tlf.ard import ARD_COLUMNS, ard_frame, cell, read_ard, write_ard


def test_ard_frame_normalises_columns() -> None:
    ard = ard_frame([{"analysis": "summary", "statistic": "n", "value": 3, "formatted": "3"}], "t-1")
    assert list(ard.columns) == ARD_COLUMNS
    assert ard.loc[0, "output_id"] == "t-1" and ard.loc[0, "group"] == "" and ard.loc[0, "value"] == 3.0


def test_write_and_read_back(tmp_path: Path) -> None:
    ard = ard_frame([{"analysis": "a", "statistic": "p", "value": 0.123456789012345, "formatted": "0.123"},
                     {"analysis": "a", "statistic": "x", "value": np.nan, "formatted": ""}], "t-1")
    csv_path, json_path = write_ard(ard, tmp_path / "t-1", {"rounding": "half_up"})
    assert_frame_equal(read_ard(csv_path), ard)
    assert_frame_equal(read_ard(json_path), ard)
    assert json.loads(json_path.read_text())["metadata"]["rounding"] == "half_up"


def test_summaries_and_counts_into_ard() -> None:
    adsl = pd.DataFrame({"USUBJID": list("abcde"), "ARM": ["P", "P", "A", "A", "A"], "AGE": [60.0, 70, 65, 75, 80],
                         "SEX": ["F", "M", "F", "F", ""]})
    groups = Groups("ARM", ("P", "A"), total="Total")
    cont = summarize_continuous(adsl, "AGE", groups, statistics=("n", "mean"))
    assert cell(cont, group="A", statistic="mean") == "73.3"
    assert cell(cont, group="Total", statistic="n") == "5"
    cat = summarize_categorical(adsl, "SEX", groups, levels=["F", "M"], pct_decimals=0)
    assert cell(cat, group="A", category="F", statistic="pct") == "67"   # 2 of the 3 subjects in A (denominator: group size)
    assert cell(cat, group="P", category="M", statistic="n") == "1"
    assert cell(cat, group="A", category="M", statistic="pct") == ""      # zero count: count only
    assert cell(cat, group="A", category="", statistic="n") == "2"        # non-missing


def test_incidence_counts_subjects_events_and_fisher() -> None:
    adae = pd.DataFrame({"USUBJID": ["1", "1", "2", "3"], "TRTA": ["A", "A", "A", "P"],
                         "SOC": ["S1", "S1", "S2", "S1"], "PT": ["x", "x", "y", "x"]})
    groups = Groups("TRTA", ("P", "A"))
    sizes = pd.Series({"P": 2, "A": 3})
    ard = incidence(adae, groups, ["SOC", "PT"], sizes, any_label="ANY", reference="P", p_format=PFormat(decimals=3))
    assert cell(ard, analysis="incidence_any", group="A", category="ANY", statistic="n") == "2"
    assert cell(ard, analysis="incidence_any", group="A", category="ANY", statistic="events") == "3"
    assert cell(ard, analysis="incidence", group="A", variable="PT", by="S1", category="x", statistic="pct") == "33.3"
    assert cell(ard, analysis="incidence", group="P", variable="PT", by="S2", category="y", statistic="n") == "0"
    assert cell(ard, analysis="incidence", group="A vs P", variable="SOC", category="S1", statistic="p") == "1.000"
