"""`cdiscflow validate` end to end on a tiny study folder: reports written, exit code by --fail-on."""

from __future__ import annotations

import json
from pathlib import Path

import pyreadstat
import pytest

from cdiscflow.cli import main
from tests.validation.conftest import base_datasets


def write_study(tmp_path: Path, sex: str) -> tuple[Path, Path]:
    study = tmp_path / "study"
    (study / "specs" / "sdtm").mkdir(parents=True)
    # a spec, so that a define.xml can be built for the SDTM datasets (FDA TRC 1736)
    (study / "specs" / "sdtm" / "tv.yaml").write_text(
        "dataset: TV\nlabel: Trial Visits\nkeys: [STUDYID, VISITNUM]\nvariables:\n"
        "  - {name: STUDYID, label: Study Identifier, type: Char, length: 2, core: Req}\n"
        "  - {name: DOMAIN, label: Domain Abbreviation, type: Char, length: 2, core: Req}\n"
        "  - {name: VISITNUM, label: Visit Number, type: Num, length: 8, core: Req}\n"
        "  - {name: VISIT, label: Visit Name, type: Char, length: 8, core: Perm}\n")
    (study / "study.yaml").write_text("name: tiny\nstudyid: S1\n")
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir()
    data = base_datasets()
    data["DM"].loc[0, "SEX"] = sex
    labels = {"TV": ["Study Identifier", "Domain Abbreviation", "Visit Number", "Visit Name"]}
    for name in ("DM", "AE", "EX", "TA", "TS", "TV"):
        pyreadstat.write_xport(data[name], str(sdtm / f"{name.lower()}.xpt"), table_name=name,
                               file_format_version=5, column_labels=labels.get(name), file_label="Trial Visits"
                               if name == "TV" else "")
    return study, sdtm


@pytest.mark.parametrize(("sex", "fail_on", "rc"), [
    ("M", "error", 0), ("X", "error", 1), ("X", "never", 0), ("m", "warning", 1), ("M", "notice", 0)])
def test_validate_command(shared_data, tmp_path: Path, capsys, sex: str, fail_on: str, rc: int) -> None:
    study, sdtm = write_study(tmp_path, sex)
    out = tmp_path / "out"
    assert main(["validate", "--study", str(study), "--out", str(out), "--sdtm", str(sdtm), "--no-suites",
                 "--fail-on", fail_on]) == rc
    report = json.loads((out / "tiny" / "validation" / "report.json").read_text())
    assert (out / "tiny" / "validation" / "report.html").is_file()
    by_rule = report["summary"]["by_rule"]
    assert by_rule == ({} if sex == "M" else {"CT.NONEXT" if sex == "X" else "CT.CASE": 1})
    assert "validation of tiny" in capsys.readouterr().out


def test_validate_without_datasets_is_a_clear_error(tmp_path: Path, capsys) -> None:
    study, _ = write_study(tmp_path, "M")
    assert main(["validate", "--study", str(study), "--out", str(tmp_path / "out"), "--no-suites"]) == 2
    assert "no datasets to validate" in capsys.readouterr().err


@pytest.mark.parametrize(("accepted", "rc", "by_rule", "accepted_by_rule"), [
    (None, 1, {"SDTM.VISIT_TV": 1}, {}),
    ("{rule: SDTM.VISIT_TV, dataset: EX, variable: VISITNUM, reason: Visit renamed by amendment 2}", 0, {},
     {"SDTM.VISIT_TV": 1}),
    ("{rule: SDTM.VISIT_TV, dataset: EX, variable: VISIT, reason: wrong variable}", 1, {"SDTM.VISIT_TV": 1}, {}),
])
def test_validate_command_with_accepted_findings(shared_data, tmp_path: Path, accepted: str | None, rc: int,
                                                 by_rule: dict, accepted_by_rule: dict) -> None:
    study, sdtm = write_study(tmp_path, "M")
    ex = base_datasets()["EX"]
    ex.loc[0, "VISIT"] = "BASELINE VISIT"
    pyreadstat.write_xport(ex, str(sdtm / "ex.xpt"), table_name="EX", file_format_version=5)
    if accepted is not None:
        (study / "validation").mkdir()
        (study / "validation" / "accepted.yaml").write_text(f"accepted:\n  - {accepted}\n")
    out = tmp_path / "out"
    assert main(["validate", "--study", str(study), "--out", str(out), "--sdtm", str(sdtm), "--no-suites",
                 "--fail-on", "warning"]) == rc
    report = json.loads((out / "tiny" / "validation" / "report.json").read_text())
    assert (report["summary"]["by_rule"], report["summary"]["accepted_by_rule"]) == (by_rule, accepted_by_rule)
    assert [a["findings"] for a in report["acceptances"]] == ([] if accepted is None else [len(accepted_by_rule)])
