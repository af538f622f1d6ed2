"""Accepted findings: loading ``validation/accepted.yaml``, marking warnings/notices, never errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.validation.accepted import Acceptance, apply_accepted, load_accepted
from cdiscflow.validation.model import Finding


def test_load_accepted(tmp_path: Path) -> None:
    path = tmp_path / "accepted.yaml"
    path.write_text("accepted:\n"
                    "  - {rule: CT.EXT, dataset: ts, variable: tsparm, reason: '  Sponsor-defined\n    parameters'}\n"
                    "  - {rule: SPEC.ORDER, dataset: AE, reason: Order kept from the legacy study}\n")
    assert load_accepted(path) == [
        Acceptance("CT.EXT", "TS", "Sponsor-defined parameters", "TSPARM"),
        Acceptance("SPEC.ORDER", "AE", "Order kept from the legacy study")]
    assert load_accepted(tmp_path / "absent.yaml") == []
    path.write_text("accepted:\n")
    assert load_accepted(path) == []


@pytest.mark.parametrize(("text", "message", "row"), [
    ("accepted: [{rule: CT.EXT, dataset: TS}]", "'reason' is missing", 1),
    ("accepted: [{rule: CT.EXT, dataset: TS, reason: ok}, {rule: X, dataset: TS, reason: ' '}]",
     "'reason' is missing", 2),
    ("accepted: [{rule: CT.EXT, dataset: TS, reason: ok, severity: notice}]", "unknown key", 1),
    ("accepted: [{rule: CT.EXT, dataset: TS, reason: ok, variable: [A, B]}]", "variable", 1),
    ("accepted: [CT.EXT]", "must be a mapping", 1),
    ("- {rule: CT.EXT, dataset: TS, reason: ok}", "'accepted' list is missing", None),
])
def test_bad_accepted_files(tmp_path: Path, text: str, message: str, row: int | None) -> None:
    path = tmp_path / "accepted.yaml"
    path.write_text(text)
    with pytest.raises(SpecError, match=message) as err:
        load_accepted(path)
    assert (err.value.file, err.value.row) == (str(path), row)


def finding(rule: str, severity: str, dataset: str, variable: str | None) -> Finding:
    return Finding(rule, severity, dataset, variable, "m", 1)


def test_apply_accepted_marks_warnings_and_notices_only() -> None:
    findings = [finding("CT.EXT", "warning", "TS", "TSPARM"), finding("CT.EXT", "warning", "TS", "TSVAL"),
                finding("CT.EXT", "warning", "LB", "LBTEST"), finding("SPEC.ORDER", "notice", "AE", "AETERM"),
                finding("SPEC.REQ_NULL", "error", "ADSL", "TRT01P")]
    by_var = Acceptance("CT.EXT", "TS", "named parameters", "TSPARM")
    any_var = Acceptance("CT.EXT", "TS", "whole dataset")
    notice = Acceptance("SPEC.ORDER", "AE", "legacy order")
    error = Acceptance("SPEC.REQ_NULL", "ADSL", "errors cannot be accepted", "TRT01P")
    unused = Acceptance("CT.EXT", "DM", "nothing matches")
    used = apply_accepted(findings, [by_var, any_var, notice, error, unused])
    assert [f.accepted for f in findings] == ["named parameters", "whole dataset", None, "legacy order", None]
    assert used == {by_var: 1, any_var: 1, notice: 1, error: 0, unused: 0}
