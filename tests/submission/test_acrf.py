"""The annotated CRF: forms from the data dictionary, annotations from the SDTM mapping rules, page numbers for
define.xml, bookmarks, searchable text, reproducible bytes, and a study's own aCRF."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from cdiscflow.errors import CdiscflowError, SpecError
from cdiscflow.study import Study
from cdiscflow.submission import acrf
from cdiscflow.submission.acrf import ACRF_NAME, acrf_pages, annotate, read_forms, write_acrf

DICTIONARY = """FORM,FORMLABEL,COLUMN,ORDER,LABEL,TYPE,FORMAT,VALUES
adverse,Adverse events,SUBJID,1,Subject number,text,,
adverse,Adverse events,AETERM,2,Adverse event,text,,
adverse,Adverse events,AESTDAT,3,Start date,date,DD-MON-YYYY,
adverse,Adverse events,AESER,4,Serious,text,,Yes|No
adverse,Adverse events,AEDISC,5,Led to discontinuation,checkbox,X = checked,
adverse,Adverse events,AECOMM,6,Comment,text,,
vitals,Vital signs,SUBJID,1,Subject number,text,,
vitals,Vital signs,VSDAT,2,Date,date,DD-MON-YYYY,
vitals,Vital signs,SYSBP,3,Systolic blood pressure,integer,,
notes,Site notes,NOTE,1,Note,text,,
"""
SPECS = {
    "ae.yaml": """dataset: AE
label: Adverse Events
class: EVENTS
source: adverse
variables:
  - {name: USUBJID, label: Unique Subject Identifier, map: {template: 'S-{SUBJID}'}}
  - {name: AETERM, label: Reported Term, map: {assign: AETERM}}
  - {name: AESTDTC, label: Start Date, map: {datetime: [AESTDAT]}}
  - {name: AESDTH, label: Results in Death, map: {condition: [{where: "AESER == 'Yes'", hardcode: 'N'}]}}
""",
    "suppae.yaml": """dataset: SUPPAE
label: Supplemental Qualifiers for AE
source: AE
settings:
  supp:
    idvar: AESEQ
    qualifiers:
      - {qnam: AEDISC, qlabel: Led to Discontinuation, map: {assign: AEDISC}}
variables:
  - {name: QNAM, label: Qualifier Variable Name}
""",
    "vs.yaml": """dataset: VS
label: Vital Signs
source: vitals
settings:
  transpose:
    result: ORRES
    tests:
      - {column: SYSBP, TESTCD: SYSBP, UNIT: mmHg}
variables:
  - {name: VSTESTCD, label: Test Short Name, map: {assign: TESTCD}}
  - {name: VSORRES, label: Result, map: {assign: ORRES}}
  - {name: VSDTC, label: Date, map: {datetime: [VSDAT]}}
""",
}


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Study:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = tmp_path / "crfstudy"
    (root / "specs" / "sdtm").mkdir(parents=True)
    (root / "study.yaml").write_text("name: crfstudy\nstudyid: CRF-1\n")
    for name, text in SPECS.items():
        (root / "specs" / "sdtm" / name).write_text(text)
    raw = tmp_path / "out" / "crfstudy" / "raw"
    raw.mkdir(parents=True)
    (raw / "data_dictionary.csv").write_text(DICTIONARY)
    return Study.load(str(root), out=tmp_path / "out")


def test_annotations_follow_the_mapping_rules(study: Study) -> None:
    forms = annotate(study, read_forms(study.stage_dir("raw")))
    notes = {(form.name, f.column): [text for _, text, _ in f.notes] for form in forms for f in form.fields}
    assert notes == {
        ("adverse", "SUBJID"): ["USUBJID"], ("adverse", "AETERM"): ["AETERM"],
        ("adverse", "AESTDAT"): ["AESTDTC"],
        ("adverse", "AESER"): ["AESDTH"],  # a flag whose only column is in its condition
        ("adverse", "AEDISC"): ["AEDISC in SUPPAE"], ("adverse", "AECOMM"): [],
        ("vitals", "SUBJID"): [], ("vitals", "VSDAT"): ["VSDTC"],
        ("vitals", "SYSBP"): ["VSORRES where VSTESTCD = SYSBP", "VSTESTCD = SYSBP"],
        ("notes", "NOTE"): [],
    }
    assert [form.domains for form in forms] == [["AE", "SUPPAE"], ["VS"], []]


def test_pages_per_variable_for_define(study: Study, monkeypatch: pytest.MonkeyPatch) -> None:
    assert acrf_pages(study) == {
        ("AE", "AESDTH"): [1], ("AE", "AESTDTC"): [1], ("AE", "AETERM"): [1], ("AE", "USUBJID"): [1],
        ("SUPPAE", "AEDISC"): [1], ("VS", "VSDTC"): [2], ("VS", "VSORRES"): [2], ("VS", "VSTESTCD"): [2]}
    monkeypatch.setattr(acrf, "FIELDS_PER_PAGE", 2)  # adverse: 3 pages, vitals: 2, notes: 1
    pages = acrf_pages(study)
    assert pages[("AE", "AETERM")] == [1] and pages[("SUPPAE", "AEDISC")] == [3]
    assert pages[("VS", "VSDTC")] == [4] and pages[("VS", "VSORRES")] == [5]


def test_pdf_has_the_forms_annotations_and_bookmarks(study: Study, tmp_path: Path) -> None:
    path = write_acrf(study, study.stage_dir("raw"), tmp_path / "a")
    assert path.name == ACRF_NAME
    reader = PdfReader(path)
    assert len(reader.pages) == 3
    first = reader.pages[0].extract_text()
    for text in ("Adverse events", "AE (Adverse Events)", "AETERM", "AEDISC in SUPPAE", "NOT SUBMITTED",
                 "Page 1 of 3", "Yes", "CRF-1"):
        assert text in first, text
    assert "VSORRES where VSTESTCD = SYSBP" in reader.pages[1].extract_text()
    outline = reader.outline
    assert [o.title for o in outline if not isinstance(o, list)] == ["Forms", "Domains"]
    assert [o.title for o in outline[1]] == ["Adverse events", "Vital signs", "Site notes"]
    domains = [o.title for o in outline[3] if not isinstance(o, list)]
    assert domains == ["AE", "SUPPAE", "VS"]
    assert reader.get_destination_page_number(outline[3][-2]) == 1  # VS → the vitals page (0-based)
    assert [o.title for o in outline[3][-1]] == ["Vital signs"]
    again = write_acrf(study, study.stage_dir("raw"), tmp_path / "b")
    assert again.read_bytes() == path.read_bytes()


def test_a_study_brings_its_own_acrf(study: Study, tmp_path: Path) -> None:
    own = study.root / "docs" / "blank.pdf"
    own.parent.mkdir()
    buf = io.BytesIO()
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.write(buf)
    own.write_bytes(buf.getvalue())
    (study.root / "study.yaml").write_text("name: crfstudy\nstudyid: CRF-1\nacrf: docs/blank.pdf\n")
    mine = Study.load(str(study.root), out=study.out_root)
    assert write_acrf(mine, tmp_path / "no-raw", tmp_path / "o").read_bytes() == own.read_bytes()
    assert acrf_pages(mine) == {}
    (study.root / "study.yaml").write_text("name: crfstudy\nstudyid: CRF-1\nacrf: ../elsewhere.pdf\n")
    with pytest.raises(SpecError, match="leaves the study folder"):
        write_acrf(Study.load(str(study.root), out=study.out_root), tmp_path, tmp_path / "o")


def test_missing_or_bad_dictionary_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CdiscflowError, match="no CRF data dictionary"):
        read_forms(tmp_path)
    (tmp_path / "data_dictionary.csv").write_text("FORM,COLUMN\nae,AETERM\n")
    with pytest.raises(SpecError, match="FORMLABEL, LABEL, ORDER, TYPE"):
        read_forms(tmp_path)
