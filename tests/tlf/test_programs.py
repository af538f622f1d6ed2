"""Generic programs: the listing's ``dates`` and ``numbers`` options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cdiscflow.study import Study
from cdiscflow.tlf.catalog import parse_catalog
from cdiscflow.tlf.engine import AdamFolder, run_output
from cdiscflow.tlf.programs import sas_date_text

CATALOG = {"outputs": [{
    "id": "l-ae", "title": "AEs", "population": {"label": "All", "dataset": "ADSL"}, "datasets": ["ADAE"],
    "program": "listing", "rounding": "half_up",
    "options": {"dataset": "ADAE", "sort": ["USUBJID"], "dates": ["ASTDT"], "numbers": {"DOSE": 1},
                "columns": [["USUBJID", "Subject"], ["ASTDT", "Start"], ["DOSE", "Dose"]]}}]}


def test_sas_date_text() -> None:
    got = sas_date_text(pd.Series([0.0, 20058.0, np.nan, -1.0]))
    pd.testing.assert_series_equal(got, pd.Series(["1960-01-01", "2014-12-01", "", "1959-12-31"]))


def test_listing_prints_dates_and_fixed_decimals(tmp_path: Path) -> None:
    (tmp_path / "study.yaml").write_text("name: mini\nstudyid: MINI01\n")
    adam = tmp_path / "adam"
    adam.mkdir()
    pd.DataFrame({"USUBJID": ["S1", "S2"]}).to_csv(adam / "adsl.csv", index=False)
    pd.DataFrame({"USUBJID": ["S2", "S1"], "ASTDT": [20058.0, np.nan], "DOSE": [2.25, 10.0]}).to_csv(
        adam / "adae.csv", index=False)
    spec = parse_catalog(CATALOG).outputs[0]
    result, _ = run_output(spec, Study.load(str(tmp_path), tmp_path / "out"), AdamFolder(adam), "stamp")
    assert result.output.grid() == [["S1", "", "10.0"], ["S2", "2014-12-01", "2.3"]]
