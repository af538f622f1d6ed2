"""Loading rules from YAML: the shipped rules are valid, malformed rule files are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.validation.engine import load_rules


def test_shipped_rules_load_with_unique_ids() -> None:
    rules = load_rules()
    assert len({r.id for r in rules}) == len(rules) >= 40
    assert {r.severity for r in rules} <= {"error", "warning", "notice"}


@pytest.mark.parametrize(("text", "message"), [
    ("rules: [{id: X, severity: fatal, message: m, check: iso8601}]", "severity 'fatal'"),
    ("rules: [{id: X, severity: error, message: m, check: no_such_check}]", "'check: no_such_check' is not"),
    ("rules: [{id: X, severity: error, message: m, check: iso8601, scope: {domain: AE}}]", "unknown scope key"),
    ("rules: [{id: X, severity: error, message: m, check: iso8601, colour: red}]", "unknown key"),
    ("rules: [{id: X, severity: error, message: m, check: iso8601}, {id: X, severity: error, message: m, "
     "check: iso8601}]", "defined twice"),
    ("nothing: here", "'rules' list is missing"),
])
def test_bad_rule_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(SpecError, match=message) as err:
        load_rules([path])
    assert err.value.file == str(path)
