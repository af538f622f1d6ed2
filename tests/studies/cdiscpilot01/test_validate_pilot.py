"""Validation of the CDISC pilot SDTM and ADaM (with specs from its define.xml files).

The pilot predates the current IGs and CT, so it has findings; these are the counts observed (and sampled by
hand) when the rules were written, so that any change in what a rule reports is noticed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.validation import validate_study
from cdiscflow.validation.model import Report

pytestmark = pytest.mark.slow

EXPECTED = {
    ("ADAM.ABLFL_ONE", "ADVS", "ABLFL"): 2277,     # baseline per ATPT without BASETYPE
    ("ADAM.BASE_CONST", "ADVS", "BASE"): 24994,    # idem
    ("ADAM.FLAG_Y", "ADAE", "TRTEMFL"): 65,        # TRTEMFL = "N"
    ("CT.CASE", "CM", "CMDOSU"): 47,               # "IN" for UNIT "in"
    ("CT.EXT", "CM", "CMDOSU"): 16,
    ("CT.EXT", "LB", "LBTEST"): 3616,
    ("CT.EXT", "LB", "LBTESTCD"): 1828,            # BUN (now UREAN)
    ("CT.EXT", "SC", "SCTESTCD"): 254,
    ("CT.EXT", "TS", "TSPARM"): 4,
    ("CT.EXT", "TS", "TSPARMCD"): 2,
    ("CT.EXT", "VS", "VSORRESU"): 8446,            # define UNIT list lacks BEATS/MIN, IN
    ("CT.EXT", "VS", "VSSTRESU"): 8201,
    ("CT.NONEXT", "ADLBC", "AVISIT"): 65408,       # AVISIT padded with leading blanks ("  Week 2")
    ("CT.NONEXT", "ADLBH", "AVISIT"): 43742,
    ("CT.NONEXT", "ADLBH", "LBNRIND"): 854,        # ABNORMAL not in the define's list
    ("CT.NONEXT", "ADLBHY", "AVISIT"): 9954,
    ("CT.NONEXT", "ADQSNPIX", "AVISIT"): 31140,
    ("CT.NONEXT", "ADQSNPIX", "PARAM"): 2360,
    ("CT.NONEXT", "ADSL", "BMIBLGR1"): 28,         # ">=30" vs the define's BMICAT terms
    ("CT.UNIT", "LB", "LBORRESU"): 17844,
    ("CT.UNIT", "LB", "LBSTRESU"): 16245,
    ("CT.UNIT", "QS", "QSORRESU"): 810,
    ("CT.UNIT", "QS", "QSSTRESU"): 810,
    ("SDTM.AESER", "AE", "AESER"): 33,             # a criterion Y, AESER N
    ("SDTM.DY", "AE", "AESTDY"): 1,                # 01-716-1063 AESEQ 1: 366 for day 1
    ("SPEC.KEYS", "CM", "STUDYID, USUBJID, CMTRT, CMSTDTC"): 7341,
    ("SPEC.KEYS", "MH", "STUDYID, USUBJID, MHTERM, MHSTDTC"): 2,
    ("SPEC.KEYS", "SV", "STUDYID, USUBJID, VISITNUM"): 2,
    ("XPT.ASCII", "TS", "TSVAL"): 3,               # curly apostrophe in Alzheimer's
    ("FDA.TS_SSTDTC", "TS", "TSPARMCD"): 1,        # TRC 1734: the pilot's TS (2013) has no SSTDTC parameter
}


@pytest.fixture(scope="module")
def report(shared_data: Path) -> Report:
    pilot = shared_data / "cdiscpilot01"
    return validate_study("cdiscpilot01", pilot / "sdtm", pilot / "adam", suites=False,
                          defines=[pilot / "sdtm" / "define.xml", pilot / "adam" / "define.xml"])


def test_pilot_counts_by_rule(report: Report) -> None:
    counts: dict[tuple, int] = {}
    for f in report.findings:
        key = (f.rule_id, f.dataset, f.variable)
        counts[key] = counts.get(key, 0) + f.count
    assert counts == EXPECTED
    assert report.skipped == {}
    assert len(report.datasets) == 32


def test_pilot_hand_checked_findings(report: Report) -> None:
    by_rule = {(f.rule_id, f.dataset): f for f in report.findings}
    dy = by_rule[("SDTM.DY", "AE")]
    assert dy.rows == [{"row": 971, "keys": {"STUDYID": "CDISCPILOT01", "USUBJID": "01-716-1063", "AETERM":
                        "HYPERHIDROSIS", "AESTDTC": "2013-05-09", "AESEQ": 1.0},
                        "value": "AESTDTC=2013-05-09, AESTDY=366.0, expected 1"}]
    aeser = [f for f in report.findings if f.rule_id == "SDTM.AESER"]
    assert ("01-701-1192", 7.0) in {(r["keys"]["USUBJID"], r["keys"]["AESEQ"]) for f in aeser for r in f.rows}
    ascii_values = {r["value"] for r in by_rule[("XPT.ASCII", "TS")].rows}
    assert all("\u2019" in v for v in ascii_values)
