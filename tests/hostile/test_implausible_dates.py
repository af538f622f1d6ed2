"""Implausible dates planted in the raw extracts of the simulated built-in study (an AE ending in 2099, a
subject born in 1857) are findings of the validation report, and ``cdiscflow run --fail-on error`` fails."""

from __future__ import annotations

import json
import shutil

import pandas as pd
from hostile_data import STUDY, cli, set_cell

AE, DM = "adverse_events.csv", "demographics.csv"
STUDYID = "MSCNTF-ALS-P2"


def test_dates_in_2099_and_before_1900_fail_the_run(faulty_raw, tmp_path):
    raw = faulty_raw(AE, set_cell(2, "AEENDAT", b"09-OCT-2099"), DM, set_cell(3, "BRTHDAT", b"05-MAR-1857"))
    out = tmp_path / "out"
    code, text, err = cli("run", "--raw", str(raw), "--out", str(out), "--only", "validate", "--fail-on", "error")
    assert "Traceback" not in err
    assert code == 1, text + err
    report = json.loads((out / STUDY / "validation" / "report.json").read_text())
    found = {(f["rule"], f["dataset"], f["variable"]): [(r["keys"]["USUBJID"], r["value"]) for r in f["rows"]]
             for f in report["findings"] if f["rule"].endswith("DATE_RANGE")}
    ae_row, dm_row = (pd.read_csv(raw / name, dtype=str, keep_default_na=False).iloc[row - 1]
                      for name, row in ((AE, 2), (DM, 3)))
    ae_subject, dm_subject = (f"{STUDYID}-{r['SUBJID']}" for r in (ae_row, dm_row))
    assert found[("SDTM.DATE_RANGE", "AE", "AEENDTC")] == [(ae_subject, f"2099-10-09T{ae_row['AEENTIM']}")]
    assert found[("SDTM.DATE_RANGE", "DM", "BRTHDTC")] == [(dm_subject, "1857-03-05")]
    assert [u for u, _ in found[("ADAM.DATE_RANGE", "ADAE", "AENDT")]] == [ae_subject]
    assert report["rules"]["SDTM.DATE_RANGE"]["findings"] == 2
    assert report["summary"]["by_severity"]["error"] >= 3
    assert "FAILS --fail-on error" in text


def test_dates_after_the_study_data_cutoff(sim_out, tmp_path):
    """A copy of the built-in study whose study.yaml sets a data cut-off before its last visits: every date
    after it is a finding (ISO text compares as dates do: "2016-07" is after 2016-06-30, "2016-06" is not)."""
    from cdiscflow.study import BUILTIN_DIR
    from cdiscflow.validation.load import read_folder

    cutoff = "2016-06-30"
    study = tmp_path / STUDY
    shutil.copytree(BUILTIN_DIR / STUDY, study, ignore=shutil.ignore_patterns("__pycache__"))
    with (study / "study.yaml").open("a") as fh:
        fh.write(f"data_cutoff: {cutoff}\n")
    sdtm, adam = (sim_out / STUDY / stage for stage in ("sdtm", "adam"))
    out = tmp_path / "out"
    code, text, err = cli("validate", "--study", str(study), "--out", str(out), "--sdtm", str(sdtm), "--adam",
                          str(adam), "--no-suites")
    assert "Traceback" not in err and code == 1, text + err
    report = json.loads((out / STUDY / "validation" / "report.json").read_text())
    got = {(f["dataset"], f["variable"]): f["count"] for f in report["findings"] if f["rule"] == "SDTM.DATE_RANGE"}
    expected = {}
    for name, (df, _) in read_folder(sdtm).items():
        for var in (c for c in df.columns if c.endswith("DTC")):
            late = int((df[var].astype(str).str.split("T").str[0] > cutoff).sum())
            if late:
                expected[(name, var)] = late
    assert expected and got == expected
    assert all(f"after the data cut-off {cutoff}" in f["message"] for f in report["findings"]
               if f["rule"].endswith("DATE_RANGE"))
