"""The CDISC pilot's ADSL, ADAE, ADQSADAS, ADTTE and ADVS re-derived from its SDTM match the published ADaM datasets.

Runs ``cdiscflow adam --study cdiscpilot01 --sdtm <pilot sdtm> --out DIR`` and compares the written XPT files
by key with the pilot's XPT files. Expected per-variable match counts are exact so that a regression fails;
the only difference is explained in ``EXPECTED_DIFFS``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.cli import main
from cdiscflow.compare import compare_frames
from cdiscflow.io.datasets import read_dataset

KEYS = {"adsl": ["USUBJID"], "adae": ["USUBJID", "AESEQ"],
        "adqsadas": ["USUBJID", "PARAMCD", "AVISITN", "ADT", "DTYPE"], "adtte": ["USUBJID", "PARAMCD"],
        "advs": ["USUBJID", "PARAMCD", "ATPT", "AVISITN", "VSSEQ"]}
RECORDS = {"adsl": 254, "adae": 1191, "adqsadas": 12463, "adtte": 254, "advs": 32139}
# variable -> number of differing values. ADSL.BMIBLGR1 of 01-702-1082 (BMIBL missing, no weight at visit 3):
# the define says "BMIBLGR1=Normal if . < BMIBL < 25", i.e. blank when BMIBL is missing; the pilot file has
# "<25" (SAS treats missing as smaller than any number when the ". <" guard is left out). We follow the define.
EXPECTED_DIFFS = {"adsl": {"BMIBLGR1": 1}, "adae": {}, "adqsadas": {}, "adtte": {}, "advs": {}}


@pytest.fixture(scope="module")
def derived(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("adam")
    assert main(["adam", "--study", "cdiscpilot01", "--sdtm", str(shared_data / "cdiscpilot01" / "sdtm"),
                 "--out", str(out)]) == 0
    return out / "cdiscpilot01" / "adam"


@pytest.mark.parametrize("name", list(KEYS))
def test_pilot_match(derived: Path, shared_data: Path, name: str) -> None:
    assert (derived / f"{name}.json").is_file()
    comp, _ = read_dataset(derived / f"{name}.xpt")
    base, _ = read_dataset(shared_data / "cdiscpilot01" / "adam" / f"{name}.xpt")
    result = compare_frames(base, comp, KEYS[name], base_name="pilot", compare_name="cdiscflow")
    assert list(comp.columns) == list(base.columns)  # every variable, in define order
    assert (result.n_base, result.n_compare, result.n_matched) == (RECORDS[name],) * 3
    assert len(result.only_in_base) == len(result.only_in_compare) == len(result.duplicate_keys) == 0
    diffs = {row.variable: int(row.n_diff) for row in result.per_variable.itertuples() if row.n_diff}
    assert diffs == EXPECTED_DIFFS[name]
    assert len(result.per_variable) == len(base.columns) - len(KEYS[name])
