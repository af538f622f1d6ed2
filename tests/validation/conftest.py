"""A small, clean SDTM + ADaM study that every rule accepts; tests plant one error at a time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from cdiscflow.specs.model import Dataset
from cdiscflow.validation.context import DatasetMeta

NAN = np.nan


def base_datasets() -> dict[str, pd.DataFrame]:
    s = "S1"
    return {
        "DM": pd.DataFrame({
            "STUDYID": [s] * 3, "DOMAIN": ["DM"] * 3, "USUBJID": ["S1-001", "S1-002", "S1-003"],
            "RFSTDTC": ["2024-01-10", "2024-01-12", ""], "RFENDTC": ["2024-03-01", "2024-03-02", ""],
            "SEX": ["M", "F", "F"], "AGE": [50.0, 60.0, 70.0], "AGEU": ["YEARS"] * 3, "RACE": ["WHITE"] * 3,
            "ARMCD": ["A", "B", "SCRNFAIL"], "DMDTC": ["2024-01-05", "2024-01-12", "2024-01-03"],
            "DMDY": [-5.0, 1.0, NAN]}),
        "AE": pd.DataFrame({
            "STUDYID": [s] * 3, "DOMAIN": ["AE"] * 3, "USUBJID": ["S1-001", "S1-001", "S1-002"],
            "AESEQ": [1.0, 2.0, 1.0], "AETERM": ["HEADACHE", "NAUSEA", "RASH"],
            "AEDECOD": ["Headache", "Nausea", "Rash"], "AESEV": ["MILD", "SEVERE", "MODERATE"],
            "AESER": ["N", "Y", "N"], "AESHOSP": ["N", "Y", "N"], "AESDTH": ["N", "N", "N"],
            "EPOCH": ["TREATMENT"] * 3, "AESTDTC": ["2024-01-15", "2024-02", "2024-01-20T10:30"],
            "AEENDTC": ["2024-01-20", "", "2024-01-21"], "AESTDY": [6.0, NAN, 9.0], "AEENDY": [11.0, NAN, 10.0]}),
        "EX": pd.DataFrame({
            "STUDYID": [s] * 2, "DOMAIN": ["EX"] * 2, "USUBJID": ["S1-001", "S1-002"], "EXSEQ": [1.0, 1.0],
            "EXTRT": ["DRUG", "DRUG"], "EPOCH": ["TREATMENT"] * 2, "VISITNUM": [1.0, 1.0],
            "VISIT": ["BASELINE", "BASELINE"], "EXSTDTC": ["2024-01-10", "2024-01-12"],
            "EXENDTC": ["2024-03-01", "2024-03-02"], "EXSTDY": [1.0, 1.0], "EXENDY": [52.0, 51.0]}),
        "VS": pd.DataFrame({
            "STUDYID": [s] * 2, "DOMAIN": ["VS"] * 2, "USUBJID": ["S1-001", "S1-001"], "VSSEQ": [1.0, 2.0],
            "VSTESTCD": ["SYSBP", "SYSBP"], "VSTEST": ["Systolic Blood Pressure"] * 2,
            "VSPOS": ["SITTING", "SITTING"], "VSORRES": ["120", "130"], "VSORRESU": ["mmHg", "mmHg"],
            "VSSTRESN": [120.0, 130.0], "VSSTRESU": ["mmHg", "mmHg"], "VISITNUM": [1.0, 2.1],
            "VISIT": ["BASELINE", "UNSCHEDULED 2.1"], "EPOCH": ["TREATMENT"] * 2,
            "VSDTC": ["2024-01-10", "2024-02-07"], "VSDY": [1.0, 29.0]}),
        "TS": pd.DataFrame({"STUDYID": [s] * 2, "DOMAIN": ["TS"] * 2, "TSSEQ": [1.0, 1.0],
                            "TSPARMCD": ["SSTDTC", "SENDTC"], "TSPARM": ["Study Start Date", "Study End Date"],
                            "TSVAL": ["2024-01-05", "2024-03-02"]}),
        "TV": pd.DataFrame({"STUDYID": [s] * 2, "DOMAIN": ["TV"] * 2, "VISITNUM": [1.0, 2.0],
                            "VISIT": ["BASELINE", "WEEK 4"]}),
        "TA": pd.DataFrame({"STUDYID": [s] * 4, "DOMAIN": ["TA"] * 4, "ARMCD": ["A", "A", "B", "B"],
                            "TAETORD": [1.0, 2.0, 1.0, 2.0], "ETCD": ["SCRN", "A", "SCRN", "B"],
                            "EPOCH": ["SCREENING", "TREATMENT", "SCREENING", "TREATMENT"]}),
        "SUPPAE": pd.DataFrame({"STUDYID": [s], "RDOMAIN": ["AE"], "USUBJID": ["S1-001"], "IDVAR": ["AESEQ"],
                                "IDVARVAL": ["1"], "QNAM": ["AETRTEM"], "QLABEL": ["Treatment Emergent Flag"],
                                "QVAL": ["Y"]}),
        "SUPPDM": pd.DataFrame({"STUDYID": [s], "RDOMAIN": ["DM"], "USUBJID": ["S1-002"], "IDVAR": [""],
                                "IDVARVAL": [""], "QNAM": ["RANDDT"], "QLABEL": ["Randomization Date"],
                                "QVAL": ["2024-01-11"]}),
        "ADSL": pd.DataFrame({
            "STUDYID": [s] * 2, "USUBJID": ["S1-001", "S1-002"], "AGE": [50.0, 60.0], "TRT01A": ["A", "B"],
            "SAFFL": ["Y", "Y"], "ITTFL": ["Y", "N"], "DISCONFL": ["Y", ""]}),
        "ADVS": pd.DataFrame({
            "STUDYID": [s] * 5, "USUBJID": ["S1-001"] * 3 + ["S1-002"] * 2, "AGE": [50.0] * 3 + [60.0] * 2,
            "SAFFL": ["Y"] * 5, "PARAMCD": ["SYSBP"] * 5, "PARAM": ["Systolic BP (mmHg)"] * 5,
            "AVISITN": [0.0, 4.0, 8.0, 0.0, 4.0], "AVAL": [120.0, 130.0, 125.0, 110.0, 115.0],
            "BASE": [120.0, 120.0, 120.0, 110.0, 110.0], "CHG": [NAN, 10.0, 5.0, NAN, 5.0],
            "ABLFL": ["Y", "", "", "Y", ""], "ANL01FL": ["Y"] * 5}),
    }


STANDARDS = {"ADSL": "ADAM", "ADVS": "ADAM"}


def standards(datasets: dict[str, Any]) -> dict[str, str]:
    return {name: STANDARDS.get(name, "SDTM") for name in datasets}


AE_SPEC = {
    "dataset": "AE", "label": "Adverse Events", "class": "EVENTS", "keys": ["USUBJID", "AESEQ"],
    "variables": [
        {"name": "STUDYID", "label": "Study Identifier", "core": "Req", "length": 8},
        {"name": "DOMAIN", "label": "Domain Abbreviation", "core": "Req", "length": 2},
        {"name": "USUBJID", "label": "Unique Subject Identifier", "core": "Req", "length": 20},
        {"name": "AESEQ", "label": "Sequence Number", "type": "Num", "core": "Req"},
        {"name": "AETERM", "label": "Reported Term for the Adverse Event", "core": "Req", "length": 20},
        {"name": "AEDECOD", "label": "Dictionary-Derived Term", "core": "Req", "length": 20},
        {"name": "AESEV", "label": "Severity/Intensity", "codelist": "AESEV", "core": "Perm", "length": 8},
        {"name": "AESER", "label": "Serious Event", "codelist": "NY", "core": "Exp", "length": 1},
        {"name": "AESHOSP", "label": "Requires or Prolongs Hospitalization", "codelist": "NY", "length": 1},
        {"name": "AESDTH", "label": "Results in Death", "codelist": "NY", "length": 1},
        {"name": "EPOCH", "label": "Epoch", "core": "Perm", "length": 20},
        {"name": "AESTDTC", "label": "Start Date/Time of Adverse Event", "core": "Exp", "length": 19},
        {"name": "AEENDTC", "label": "End Date/Time of Adverse Event", "core": "Exp", "length": 19},
        {"name": "AESTDY", "label": "Study Day of Start of Adverse Event", "type": "Num", "core": "Perm"},
        {"name": "AEENDY", "label": "Study Day of End of Adverse Event", "type": "Num", "core": "Perm"},
    ],
}


def base_specs() -> dict[str, Dataset]:
    return {"AE": Dataset.from_dict(AE_SPEC)}


def base_meta() -> dict[str, DatasetMeta]:
    spec = base_specs()["AE"]
    return {"AE": DatasetMeta(label=spec.label, labels={v.name: v.label for v in spec.variables})}


@pytest.fixture
def study(shared_data) -> dict[str, Any]:
    """Inputs of ``cdiscflow.validation.validate`` for the clean study (needs the NCI CT in shared data)."""
    datasets = base_datasets()
    return {"datasets": datasets, "specs": base_specs(), "meta": base_meta(), "studyid": "S1",
            "define_sources": {"SDTM": "specs", "ADAM": "specs"}}
