"""A small spec set using every part of the workbook layout (shared by the workbook tests)."""

from __future__ import annotations

from cdiscflow.specs.model import Codelist, Dataset, Document, Term, ValueLevel, Variable
from cdiscflow.specs.workbook import SpecSet


def small_specs() -> SpecSet:
    adsl = Dataset(
        name="ADSL", label="Subject-Level Analysis Dataset", standard="ADaM", cls="SUBJECT LEVEL ANALYSIS DATASET",
        structure="One record per subject", keys=["STUDYID", "USUBJID"], comment="Screen failures excluded",
        settings={"program": "adsl", "decodes": {"TRT01PN": {"Placebo": 0, "Drug": 1}}},
        variables=[
            Variable(name="STUDYID", label="Study Identifier", length=12, core="Req", origin="Predecessor",
                     predecessor="DM.STUDYID"),
            Variable(name="USUBJID", label="Unique Subject Identifier", length=20, core="Req"),
            Variable(name="SEX", label="Sex", length=1, codelist="SEX", core="Exp", origin="Predecessor",
                     pages=[3, 4, 5]),
            Variable(name="AGE", label="Age", type="Num", length=8, origin="Derived",
                     method="Integer years between BRTHDTC and RFSTDTC", comment="See SAP 7.1", role="Record"),
            Variable(name="TRT01PN", label="Planned Treatment for Period 01 (N)", type="Num", length=8,
                     significant_digits=2, format="8.2", core="Perm", codelist="TRTN",
                     method="Integer years between BRTHDTC and RFSTDTC"),
        ])
    advs = Dataset(
        name="ADVS", label="Vital Signs Analysis", standard="ADaM", cls="BASIC DATA STRUCTURE",
        keys=["USUBJID", "PARAMCD"],
        variables=[
            Variable(name="USUBJID", label="Unique Subject Identifier", length=20),
            Variable(name="PARAMCD", label="Parameter Code", length=8),
            Variable(name="AVAL", label="Analysis Value", type="Num", length=8),
            Variable(name="AEDECOD", label="Dictionary-Derived Term", length=200, codelist="MEDDRA"),
        ],
        value_level=[
            ValueLevel(variable="AVAL", where={"PARAMCD": "SYSBP"}, label="Systolic BP", type="Num", length=8,
                       origin="Derived", method="VS.VSSTRESN", unit="mmHg"),
            ValueLevel(variable="AVAL", where={"PARAMCD": ["PULSE", "HR RATE"]}, type="Num", significant_digits=1,
                       comment="See SAP 7.1"),
        ])
    dm = Dataset(name="DM", label="Demographics", cls="SPECIAL PURPOSE", keys=["USUBJID"],
                 source={"raw": "dm.csv"},
                 variables=[Variable(name="USUBJID", label="Unique Subject Identifier", length=20,
                                     map={"concat": ["STUDYID", "-", "SUBJID"]}),
                            Variable(name="BRTHDTC", label="Date/Time of Birth", length=10, derive="birth_date")])
    codelists = {
        "SEX": Codelist(id="SEX", name="Sex", nci="C66731", subset=["F", "M"],
                        terms=[Term(value="F", synonyms=["Female", "W"]), Term(value="M", code="C20197")]),
        "TRTN": Codelist(id="TRTN", name="Treatment (N)", data_type="integer",
                         terms=[Term(value="0", decode="Placebo", order=1), Term(value="1", decode="Drug", order=2)]),
        "AESEV": Codelist(id="AESEV", name="Severity", nci="AESEV", extensible=True, source="SDTM CT",
                          extend=[Term(value="FATAL", decode="Fatal")]),
        "MEDDRA": Codelist(id="MEDDRA", name="Adverse Event Dictionary", source="MedDRA 26.0"),
    }
    documents = [Document(id="BLANKCRF", title="Annotated CRF", href="acrf.pdf"), Document(id="SAP", title="SAP")]
    return SpecSet(datasets={"ADSL": adsl, "ADVS": advs, "DM": dm}, codelists=codelists, documents=documents,
                   study={"StudyName": "XYZ-01", "StudyDescription": "A small study"})
