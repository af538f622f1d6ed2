"""The report: JSON is deterministic, HTML groups findings and escapes every value, --fail-on policy."""

from __future__ import annotations

import json

import pytest

from cdiscflow.validation.model import Finding, Report, Rule
from cdiscflow.validation.report import summary, to_html, to_json

EVIL = "<script>alert('x')</script>"


def make_report(order: list[int]) -> Report:
    findings = [
        Finding("CT.EXT", "warning", "AE", "AEOUT", "Value not in its extensible codelist", 1,
                [{"row": 2, "keys": {"USUBJID": "S1-001", "AESEQ": 2.0}, "value": "GONE"}]),
        Finding("SDTM.ISO8601", "error", "AE", "AESTDTC", "AESTDTC is not an ISO 8601 date/time", 2,
                [{"row": 1, "keys": {"USUBJID": "S1-001", "AESEQ": 1.0}, "value": EVIL},
                 {"row": 3, "keys": {"USUBJID": EVIL, "AESEQ": 3.0}, "value": None}]),
        Finding("SPEC.ORDER", "notice", "DM", "SEX", "Variable order differs", 1, []),
    ]
    rules = {"CT.EXT": Rule("CT.EXT", "warning", "m", "codelist"),
             "SDTM.ISO8601": Rule("SDTM.ISO8601", "error", "m", "iso8601", cg_id=None),
             "SPEC.ORDER": Rule("SPEC.ORDER", "notice", "m", "spec_order")}
    return Report(study="demo", findings=[findings[i] for i in order], rules=rules, created="2026-01-01T00:00:00",
                  datasets={"AE": 3, "DM": 2})


def test_json_is_deterministic_and_complete() -> None:
    a, b = to_json(make_report([0, 1, 2])), to_json(make_report([2, 1, 0]))
    assert a == b
    data = json.loads(a)
    assert [f["rule"] for f in data["findings"]] == ["SDTM.ISO8601", "CT.EXT", "SPEC.ORDER"]
    assert data["summary"] == {"by_severity": {"error": 2, "warning": 1, "notice": 1},
                               "by_rule": {"CT.EXT": 1, "SDTM.ISO8601": 2, "SPEC.ORDER": 1}}
    assert data["findings"][0]["rows"][0] == {"row": 1, "keys": {"USUBJID": "S1-001", "AESEQ": 1.0}, "value": EVIL}


def test_html_escapes_values_and_groups_by_severity() -> None:
    html = to_html(make_report([0, 1, 2]))
    assert EVIL not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # only the filter script
    assert html.index(">Errors<") < html.index(">Warnings<") < html.index(">Notices<")
    assert 'data-text="sdtm.iso8601 error ae aestdtc aestdtc is not an iso 8601 date/time"' in html


@pytest.mark.parametrize(("fail_on", "fails"), [("error", True), ("warning", True), ("notice", True),
                                                ("never", False)])
def test_fail_on_with_an_error(fail_on: str, fails: bool) -> None:
    assert make_report([0, 1, 2]).fails(fail_on) is fails


@pytest.mark.parametrize(("fail_on", "fails"), [("error", False), ("warning", True), ("notice", True)])
def test_fail_on_with_a_warning_only(fail_on: str, fails: bool) -> None:
    assert make_report([0]).fails(fail_on) is fails


def test_summary_lists_rules() -> None:
    text = summary(make_report([0, 1, 2]))
    assert text.splitlines()[0] == "validation of demo: 2 error, 1 warning, 1 notice"
    assert "SDTM.ISO8601" in text
