"""The reviewer's guides: PHUSE section structure, numbers from the data, accepted findings, reproducible DOCX."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from cdiscflow.io.xpt import write_xpt
from cdiscflow.study import Study
from cdiscflow.submission.guides import guide_docx

DM = """dataset: DM
label: Demographics
class: SPECIAL PURPOSE
structure: One record per subject
keys: [STUDYID, USUBJID]
comment: All screened subjects.
variables:
  - {name: STUDYID, label: Study Identifier, length: 4}
  - {name: USUBJID, label: Unique Subject Identifier, length: 8}
"""
ADSL = """dataset: ADSL
label: Subject-Level Analysis Dataset
standard: ADaM
class: SUBJECT LEVEL ANALYSIS DATASET
structure: One record per subject
keys: [USUBJID]
variables:
  - {name: USUBJID, label: Unique Subject Identifier, length: 8}
  - {name: SAFFL, label: Safety Population Flag, length: 1, method: Y when the subject was treated}
"""
REPORT = {"created": "2026-01-01T00:00:00", "rules": {"R1": {"datasets": ["DM"]}, "R2": {"datasets": ["ADSL"]}},
          "findings": [
              {"rule": "R1", "severity": "warning", "dataset": "DM", "variable": "USUBJID", "count": 2,
               "message": "odd id", "accepted": "Legacy ids, agreed with the agency."},
              {"rule": "R2", "severity": "error", "dataset": "ADSL", "variable": "SAFFL", "count": 1,
               "message": "bad flag", "accepted": None}]}


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Study:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = tmp_path / "g"
    for rel, text in {"study.yaml": "name: g\nstudyid: G-1\nprotocol: P-9\ntitle: A guide study\n"
                                    "standards: {sdtm: SDTMIG 3.4}\n",
                      "specs/sdtm/dm.yaml": DM, "specs/adam/adsl.yaml": ADSL, "adam_program.py": "X = 1\n",
                      "simulator/sim.py": "Y = 1\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    study = Study.load(str(root), out=tmp_path / "out")
    (study.out_dir / "sdtm").mkdir(parents=True)
    (study.out_dir / "adam").mkdir()
    (study.out_dir / "validation").mkdir()
    ids = [f"G-1-{i:03d}" for i in range(1, 4)]
    write_xpt(pd.DataFrame({"STUDYID": ["G-1"] * 3, "USUBJID": ids}), study.out_dir / "sdtm" / "dm.xpt",
              study.sdtm_specs["DM"])
    write_xpt(pd.DataFrame({"USUBJID": ids, "SAFFL": ["Y", "Y", "N"]}), study.out_dir / "adam" / "adsl.xpt",
              study.adam_specs["ADSL"])
    (study.out_dir / "validation" / "report.json").write_text(json.dumps(REPORT))
    return study


def _doc(data: bytes) -> tuple[list[str], list[list[list[str]]]]:
    doc = Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return headings, tables


def test_csdrg_sections_and_numbers(study: Study) -> None:
    data = guide_docx(study, study.out_dir, "csdrg")
    headings, tables = _doc(data)
    assert [h.split(" ", 1)[0] for h in headings if h[0].isdigit() and "." not in h.split(" ", 1)[0]] == \
        ["1", "2", "3", "4", "5"]
    assert "3.2 Annotated CRF" in headings and "4.2 Issues Summary" in headings
    datasets = next(t for t in tables if t[0][0] == "Dataset")
    assert datasets[1] == ["DM", "Demographics", "SPECIAL PURPOSE", "One record per subject",
                           "STUDYID, USUBJID", "3", "2"]
    issues = next(t for t in tables if t[0][0] == "Rule")
    assert issues[1:] == [["R1", "warning", "DM", "USUBJID", "2", "odd id", "Legacy ids, agreed with the agency."]]
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "DM holds 3 subjects" in text
    assert "1 rules ran; 1 findings on these datasets, 1 of them accepted" in text
    assert guide_docx(study, study.out_dir, "csdrg") == data  # reproducible under SOURCE_DATE_EPOCH


def test_adrg_sections_derivations_and_programs(study: Study) -> None:
    headings, tables = _doc(guide_docx(study, study.out_dir, "adrg"))
    top = [h.split(" ", 1)[0] for h in headings if h[0].isdigit() and "." not in h.split(" ", 1)[0]]
    assert top == ["1", "2", "3", "4", "5", "6"] and "Appendix" in headings
    assert ["SAFFL", "Safety Population Flag", "Y when the subject was treated"] in \
        next(t for t in tables if t[0][0] == "Variable")
    assert next(t for t in tables if t[0] == ["Program"])[1:] == [["adam_program.py"]]  # not the simulator
    issues = next(t for t in tables if t[0][0] == "Rule")
    assert [row[0] for row in issues[1:]] == ["R2"] and issues[1][-1] == "open"
    text = "\n".join(p.text for p in Document(io.BytesIO(guide_docx(study, study.out_dir, "adrg"))).paragraphs)
    assert "SAFFL = Y: 2" in text
