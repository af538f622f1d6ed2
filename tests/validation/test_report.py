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
                               "by_rule": {"CT.EXT": 1, "SDTM.ISO8601": 2, "SPEC.ORDER": 1}, "accepted_by_rule": {}}
    assert data["findings"][0]["rows"][0] == {"row": 1, "keys": {"USUBJID": "S1-001", "AESEQ": 1.0}, "value": EVIL}


def test_html_escapes_values_and_groups_by_severity() -> None:
    html = to_html(make_report([0, 1, 2]))
    assert EVIL not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # only the filter script
    assert html.index(">Errors<") < html.index(">Warnings<") < html.index(">Notices<")
    assert 'data-text="sdtm.iso8601 error ae aestdtc aestdtc is not an iso 8601 date/time open"' in html


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


def accepted_report() -> Report:
    """The report with its CT.EXT warning accepted (and an entry that accepted nothing)."""
    report = make_report([0, 1, 2])
    report.findings[0].accepted = "Sponsor extension <declared> in the define"
    report.acceptances = [
        {"rule": "CT.EXT", "dataset": "AE", "variable": None, "reason": "Sponsor extension <declared> in the define",
         "findings": 1},
        {"rule": "SPEC.LABEL", "dataset": "DM", "variable": "SEX", "reason": "old", "findings": 0}]
    return report


def test_accepted_findings_are_shown_but_not_counted() -> None:
    report = accepted_report()
    data = json.loads(to_json(report))
    assert data["summary"] == {"by_severity": {"error": 2, "warning": 0, "notice": 1},
                               "by_rule": {"SDTM.ISO8601": 2, "SPEC.ORDER": 1}, "accepted_by_rule": {"CT.EXT": 1}}
    assert [(f["rule"], f["accepted"]) for f in data["findings"]] == [
        ("SDTM.ISO8601", None), ("CT.EXT", "Sponsor extension <declared> in the define"), ("SPEC.ORDER", None)]
    assert data["acceptances"] == report.acceptances
    text = summary(report)
    assert text.splitlines()[0] == "validation of demo: 2 error, 0 warning, 1 notice; 1 accepted"
    assert any(line.split() == ["CT.EXT", "warning", "0", "(+1", "accepted)"] for line in text.splitlines())
    assert text.splitlines()[-1] == "  unused acceptance: SPEC.LABEL DM SEX"
    html = to_html(report)
    assert "accepted: Sponsor extension &lt;declared&gt; in the define" in html
    assert 'data-text="ct.ext warning ae aeout value not in its extensible codelist accepted"' in html
    assert "none: unused" in html


@pytest.mark.parametrize(("fail_on", "fails"), [("error", False), ("warning", False), ("notice", False)])
def test_fail_on_ignores_accepted_findings(fail_on: str, fails: bool) -> None:
    report = accepted_report()
    report.findings = [report.findings[0]]
    assert report.fails(fail_on) is fails
    assert report.worst() is None
    report.findings[0].accepted = None
    assert report.fails(fail_on) is (fail_on != "error")


def _validate(study: dict) -> Report:
    from cdiscflow.validation import validate
    from cdiscflow.validation.engine import load_rules
    from tests.validation.conftest import standards

    return validate(study["datasets"], standards(study["datasets"]), specs=study["specs"], meta=study["meta"],
                    studyid=study["studyid"], rules=load_rules(), suites=False,
                    define_sources=study["define_sources"])


def test_a_clean_run_lists_every_rule_with_zero_findings(study: dict) -> None:
    from cdiscflow.validation.engine import load_rules

    report = _validate(study)
    data = json.loads(to_json(report))
    ids = [r.id for r in load_rules()]
    assert sorted(data["rules"]) == sorted(ids)
    assert {rid: r["findings"] for rid, r in data["rules"].items()} == dict.fromkeys(ids, 0)
    assert data["rules"]["FDA.TS_SSTDTC"]["source"] == "FDA TRC 1734"
    assert data["rules"]["FDA.TS_SSTDTC"]["datasets"] == ["TS"]
    with_dates = sorted(n for n, df in study["datasets"].items() if n not in ("ADSL", "ADVS")
                        and any(c.endswith("DTC") for c in df.columns))
    assert data["rules"]["SDTM.ISO8601"]["datasets"] == with_dates == ["AE", "DM", "EX", "VS"]
    assert data["by_rule"] == []
    html = to_html(report)
    assert all(f"<td>{rid}</td>" in html for rid in ids)  # a rule without findings is a row, not a link
    assert html.count("<td>0</td>") >= len(ids)


def test_a_planted_error_shows_its_group_with_first_rows_and_total(study: dict) -> None:
    ae = study["datasets"]["AE"]
    study["datasets"]["AE"] = ae.iloc[[0, 1, 2] * 5].reset_index(drop=True).assign(AESTDTC="2024-02-30",
                                                                                    AESEQ=range(1, 16))
    data = json.loads(to_json(_validate(study)))
    group = next(g for g in data["by_rule"] if g["rule"] == "SDTM.ISO8601")
    assert (group["total"], group["datasets"]) == (15, {"AE": 15})
    assert [r["row"] for r in group["rows"]] == list(range(1, 11))  # the first 10 of 15
    assert data["rules"]["SDTM.ISO8601"]["findings"] == 15
    html = to_html(_validate(study))
    assert "First 10 records of 15" in html and "5 more not shown." in html
