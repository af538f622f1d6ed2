"""Implausible dates (SDTM.DATE_RANGE, ADAM.DATE_RANGE): before 1900-01-01 or after the data cut-off (today
without one), partial dates judged on their known part, at the boundary days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from cdiscflow.errors import SpecError
from cdiscflow.validation import validate
from cdiscflow.validation.engine import load_rules
from cdiscflow.validation.model import Report

RULES = [r for r in load_rules() if r.check == "date_range"]
CUTOFF = "2026-03-31"
SAS_EPOCH = date(1960, 1, 1)


def run(datasets: dict[str, pd.DataFrame], cutoff: str | None = CUTOFF) -> Report:
    standards = {name: "ADAM" if name.startswith("AD") else "SDTM" for name in datasets}
    return validate(datasets, standards, rules=RULES, suites=False, data_cutoff=cutoff)


def flagged(report: Report) -> dict[tuple[str, str, str], list[tuple[int, str, object]]]:
    """(rule, dataset, variable and detail) → [(row, USUBJID, value)] of every finding."""
    return {(f.rule_id, f.dataset, f.message): [(r["row"], r["keys"]["USUBJID"], r["value"]) for r in f.rows]
            for f in report.findings}


def ae(values: list[str]) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({"STUDYID": ["S1"] * n, "DOMAIN": ["AE"] * n,
                         "USUBJID": [f"S1-{i:03d}" for i in range(1, n + 1)], "AESEQ": [1.0] * n, "AESTDTC": values})


def test_text_dates_partial_and_boundaries() -> None:
    values = ["2026-03-31", "2026-03-31T23:59:59", "2026-04-01", "2026-04", "2026-03", "2026", "2027", "2099",
              "1900-01-01", "1900-01", "1900", "1899-12-31", "1899-12", "1899", "1899-12-31T10:00+01:00",
              "", "2099-13-01", "UNK", "--2099", "2026---01", "2099---01"]
    report = run({"AE": ae(values)})
    after = f"AESTDTC is an implausible date (after the data cut-off {CUTOFF})"
    before = "AESTDTC is an implausible date (before 1900-01-01)"
    assert flagged(report) == {
        ("SDTM.DATE_RANGE", "AE", after): [(3, "S1-003", "2026-04-01"), (4, "S1-004", "2026-04"),
                                          (7, "S1-007", "2027"), (8, "S1-008", "2099"), (21, "S1-021", "2099---01")],
        ("SDTM.DATE_RANGE", "AE", before): [(12, "S1-012", "1899-12-31"), (13, "S1-013", "1899-12"),
                                           (14, "S1-014", "1899"), (15, "S1-015", "1899-12-31T10:00+01:00")],
    }
    assert {f.severity for f in report.findings} == {"error"}
    assert report.checked == {"SDTM.DATE_RANGE": ["AE"]}


def test_without_a_cutoff_today_bounds_the_dates() -> None:
    today = datetime.now(tz=UTC).date()
    values = [today.isoformat(), (today + timedelta(days=1)).isoformat(), f"{today.year + 1}", f"{today.year}"]
    report = run({"AE": ae(values)}, cutoff=None)
    detail = f"after the run date {today.isoformat()} (study.yaml has no data_cutoff)"
    assert flagged(report) == {("SDTM.DATE_RANGE", "AE", f"AESTDTC is an implausible date ({detail})"):
                               [(2, "S1-002", values[1]), (3, "S1-003", values[2])]}


def sas(iso: str) -> float:
    return float((date.fromisoformat(iso) - SAS_EPOCH).days)


def test_numeric_adam_dates_and_datetimes() -> None:
    dt = [sas("2026-03-31"), sas("2026-04-01"), sas("1900-01-01"), sas("1899-12-31"), np.nan]
    # seconds: the last second of the cut-off day, the first of the next day
    dtm = [sas("2026-03-31") * 86400 + 86399, sas("2026-04-01") * 86400, sas("1900-01-01") * 86400,
           sas("1900-01-01") * 86400 - 1, 1e300]
    adsl = pd.DataFrame({"USUBJID": [f"S1-{i}" for i in range(1, 6)], "TRTSDT": dt, "TRTSDTM": dtm,
                         "AGE": [1e9] * 5, "RANDDT": pd.to_datetime(["2026-03-31", "2026-04-01T10:00", None,
                                                                     "1899-12-31", "2000-01-01"], format="ISO8601"),
                         "AESTDTC": ["2026-04", "", "", "", ""]})
    after = f"after the data cut-off {CUTOFF}"
    assert flagged(run({"ADSL": adsl})) == {
        ("ADAM.DATE_RANGE", "ADSL", f"TRTSDT is an implausible date ({after})"): [(2, "S1-2", f"{dt[1]} (2026-04-01)")],
        ("ADAM.DATE_RANGE", "ADSL", "TRTSDT is an implausible date (before 1900-01-01)"):
            [(4, "S1-4", f"{dt[3]} (1899-12-31)")],
        ("ADAM.DATE_RANGE", "ADSL", f"TRTSDTM is an implausible date ({after})"):
            [(2, "S1-2", f"{dtm[1]} (2026-04-01)"), (5, "S1-5", "1e+300")],
        ("ADAM.DATE_RANGE", "ADSL", "TRTSDTM is an implausible date (before 1900-01-01)"):
            [(4, "S1-4", f"{dtm[3]} (1899-12-31)")],
        ("ADAM.DATE_RANGE", "ADSL", f"RANDDT is an implausible date ({after})"): [(2, "S1-2", "2026-04-01 10:00:00")],
        ("ADAM.DATE_RANGE", "ADSL", "RANDDT is an implausible date (before 1900-01-01)"):
            [(4, "S1-4", "1899-12-31 00:00:00")],
        ("ADAM.DATE_RANGE", "ADSL", f"AESTDTC is an implausible date ({after})"): [(1, "S1-1", "2026-04")],
    }


def test_clean_dates_have_no_findings() -> None:
    adsl = pd.DataFrame({"USUBJID": ["S1-1"], "TRTSDT": [sas("2020-02-29")], "ADTM": [np.nan]})
    report = run({"AE": ae(["2020-02-29T10:00", "1900", "2026-03"]), "ADSL": adsl})
    assert report.findings == []
    assert report.checked == {"SDTM.DATE_RANGE": ["AE"], "ADAM.DATE_RANGE": ["ADSL"]}


@pytest.mark.parametrize("earliest", ["1950-06-15", date(1950, 6, 15)])
def test_earliest_is_a_rule_parameter(earliest: object) -> None:
    rules = [replace(RULES[0], params={"earliest": earliest})]
    report = validate({"AE": ae(["1950-06-14", "1950-06", "1950-05", "1949"])}, {"AE": "SDTM"}, rules=rules,
                      suites=False, data_cutoff=CUTOFF)
    assert sorted(r["row"] for f in report.findings for r in f.rows) == [1, 3, 4]


def test_earliest_must_be_a_date() -> None:
    with pytest.raises(SpecError, match="earliest"):
        validate({"AE": ae(["2020"])}, {"AE": "SDTM"}, rules=[replace(RULES[0], params={"earliest": "1900"})],
                 suites=False)
