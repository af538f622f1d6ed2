"""End to end on a small made-up study: catalog + generic programs → ARD + every format + index."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cdiscflow.errors import DataError, SpecError
from cdiscflow.study import Study
from cdiscflow.tlf import command
from cdiscflow.tlf.engine import run_catalog

CATALOG = """
defaults:
  formats: [rtf, docx, html]
  top_left: ["Protocol: {studyid}", "Population: {population}"]
  source: "Program: {program}"
outputs:
  - id: t-dm
    number: Table 1
    title: Demographics
    population: {label: Safety, dataset: ADSL, where: 'SAFFL == "Y"'}
    datasets: [ADSL]
    program: summary
    options:
      group: {var: ARM, levels: [Placebo, Active], total: Total}
      stub: indented
      blocks:
        - {var: AGE, label: Age, test: anova}
        - {var: SEX, label: Sex, type: categorical, levels: {F: Female, M: Male}, test: chisq}
  - id: t-ae
    title: AEs
    population: {label: Safety, dataset: ADSL, where: 'SAFFL == "Y"'}
    datasets: [ADSL, ADAE]
    program: incidence
    options: {dataset: ADAE, group: {var: ARM, levels: [Placebo, Active]}, terms: [AESOC, AEDECOD],
              reference: Placebo, any_label: Any event}
  - id: l-ae
    title: Listing of AEs
    population: {label: Safety, dataset: ADSL, where: 'SAFFL == "Y"'}
    datasets: [ADSL, ADAE]
    program: listing
    options: {dataset: ADAE, sort: [USUBJID], group_by: [USUBJID],
              columns: [[USUBJID, Subject], [AEDECOD, Term]], rows_per_page: 2}
"""


@pytest.fixture()
def mini(tmp_path: Path) -> tuple[Study, Path]:
    root = tmp_path / "mini"
    (root / "tlf").mkdir(parents=True)
    (root / "study.yaml").write_text("name: mini\nstudyid: MINI01\n")
    (root / "tlf" / "catalog.yaml").write_text(CATALOG)
    adam = tmp_path / "adam"
    adam.mkdir()
    pd.DataFrame({"USUBJID": [f"S{i}" for i in range(8)], "ARM": ["Placebo", "Active"] * 4,
                  "SAFFL": ["Y"] * 7 + ["N"], "AGE": [60, 61, 70, 72, 65, 66, 80, 90],
                  "SEX": ["F", "M", "F", "F", "M", "M", "F", "F"]}).to_csv(adam / "adsl.csv", index=False)
    pd.DataFrame({"USUBJID": ["S0", "S1", "S1", "S3", "S7"], "ARM": ["Placebo", "Active", "Active", "Active", "Placebo"],
                  "AESOC": ["Skin", "Skin", "Nerv", "Skin", "Skin"],
                  "AEDECOD": ["Rash <b>", "Rash <b>", "Headache", "Itch", "Rash <b>"]}).to_csv(adam / "adae.csv", index=False)
    return Study.load(str(root), tmp_path / "out"), adam


def test_run_catalog_writes_every_output(mini: tuple[Study, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    study, adam = mini
    out = study.stage_dir("tlf")
    summaries = run_catalog(study, adam, out)
    assert [s["id"] for s in summaries] == ["t-dm", "t-ae", "l-ae"]
    for oid in ("t-dm", "t-ae", "l-ae"):
        for ext in ("rtf", "docx", "html", "ard.csv", "ard.json"):
            assert (out / f"{oid}.{ext}").is_file(), (oid, ext)
    meta = json.loads((out / "t-dm.ard.json").read_text())["metadata"]
    assert meta["rounding"] == "half_up" and meta["population"]["where"] == 'SAFFL == "Y"'
    assert meta["inputs"]["ADSL"][0]["sha256"]
    ard = pd.read_csv(out / "t-ae.ard.csv", keep_default_na=False)
    any_active = ard[(ard.analysis == "incidence_any") & (ard.group == "Active") & (ard.statistic == "n")]
    assert any_active["formatted"].tolist() == ["2"]           # S7 (not in safety population) excluded
    html = (out / "t-ae.html").read_text()
    assert "Rash &lt;b&gt;" in html and "Rash <b>" not in html
    assert "t-dm.rtf" in (out / "index.html").read_text()
    first = (out / "t-dm.rtf").read_bytes()
    run_catalog(study, adam, out, only=["t-dm"], formats=["rtf"])
    assert (out / "t-dm.rtf").read_bytes() == first


def test_command_and_errors(mini: tuple[Study, Path], capsys: pytest.CaptureFixture[str]) -> None:
    study, adam = mini
    args = argparse.Namespace(study=str(study.root), out=str(study.out_root), adam=str(adam), only=["l-ae"],
                              formats=["html"])
    assert command.run(args) == 0
    assert "1 output(s)" in capsys.readouterr().out
    with pytest.raises(SpecError, match="unknown output"):
        run_catalog(study, adam, only=["nope"])
    shutil.rmtree(study.root / "tlf")
    with pytest.raises(SpecError, match="catalog not found"):
        run_catalog(study, adam)


def test_footers_carry_the_run_date_and_the_data_cutoff(mini: tuple[Study, Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    study, adam = mini
    (study.root / "study.yaml").write_text("name: mini\nstudyid: MINI01\ndata_cutoff: 2025-06-30\n")
    study = Study.load(str(study.root), study.out_root)
    out = study.stage_dir("tlf")
    run_catalog(study, adam, out, only=["t-dm"], formats=["rtf", "html"])
    from datetime import UTC, datetime

    today = datetime.now(tz=UTC).date().isoformat()
    for ext in ("rtf", "html"):
        text = (out / f"t-dm.{ext}").read_text()
        assert f"Run {today}T" in text and "Data cut-off 2025-06-30" in text, ext
    meta = json.loads((out / "t-dm.ard.json").read_text())["metadata"]
    assert meta["data_cutoff"] == "2025-06-30" and meta["run_stamp"].startswith(today)


CM_ENTRY = """
outputs:
  - id: t-cm
    title: Concomitant medications
    population: {label: Safety, dataset: ADSL, where: 'SAFFL == "Y"'}
    datasets: [ADSL]
    sdtm: [CM]
    formats: [html]
    program: incidence
    options: {dataset: CM, population_vars: [ARM], group: {var: ARM, levels: [Placebo, Active]},
              terms: [CMCLAS, CMDECOD], any_label: Any medication, order_by: Placebo, pct_decimals: 0,
              events_pattern: null, count_header: null, stub_header: "Class, n (%)"}
"""


def test_an_entry_reads_sdtm_with_treatment_from_the_population(mini: tuple[Study, Path], tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    study, adam = mini
    (study.root / "tlf" / "catalog.yaml").write_text(CM_ENTRY)
    sdtm = tmp_path / "sdtm"  # beside the ADaM folder: the default
    sdtm.mkdir()
    pd.DataFrame({"USUBJID": ["S0", "S0", "S2", "S1", "S7"], "CMCLAS": ["C1", "C1", "C1", "C2", "C1"],
                  "CMDECOD": ["B", "B", "A", "X", "A"]}).to_csv(sdtm / "cm.csv", index=False)
    out = study.stage_dir("tlf")
    run_catalog(study, adam, out)
    ard = pd.read_csv(out / "t-cm.ard.csv", keep_default_na=False)
    n = ard[(ard.statistic == "n") & (ard.analysis != "incidence_any")].pivot_table(
        index=["variable", "category"], columns="group", values="value").reset_index()
    expected = pd.DataFrame({"variable": ["CMCLAS", "CMCLAS", "CMDECOD", "CMDECOD", "CMDECOD"],
                             "category": ["C1", "C2", "A", "B", "X"], "Active": [0.0, 1.0, 0.0, 0.0, 1.0],
                             "Placebo": [2.0, 0.0, 1.0, 1.0, 0.0]})  # S7 (not safety) excluded
    pd.testing.assert_frame_equal(n.rename_axis(columns=None), expected, check_like=True)
    meta = json.loads((out / "t-cm.ard.json").read_text())["metadata"]
    assert meta["inputs"]["SDTM CM"][0]["file"] == "cm.csv"
    html = (out / "t-cm.html").read_text()
    assert "Class, n (%)" in html and "Any medication" in html
    other = tmp_path / "elsewhere"
    other.mkdir()
    with pytest.raises(DataError, match="output t-cm reads SDTM CM but the SDTM folder has no such dataset"):
        run_catalog(study, adam, out, sdtm_dir=other)
    args = argparse.Namespace(study=str(study.root), out=str(study.out_root), adam=str(adam), only=None,
                              formats=None, sdtm=str(sdtm))
    assert command.run(args) == 0
    assert "1 output(s)" in capsys.readouterr().out


def test_a_dataset_not_listed_in_datasets_or_sdtm_is_refused(mini: tuple[Study, Path]) -> None:
    study, adam = mini
    (study.root / "tlf" / "catalog.yaml").write_text(CM_ENTRY.replace("    sdtm: [CM]\n", ""))
    with pytest.raises(SpecError, match="reads CM but does not list it in 'datasets' or 'sdtm'"):
        run_catalog(study, adam, study.stage_dir("tlf"))
