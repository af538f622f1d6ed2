"""docs/admiral-parity.md: every cdiscflow function it names exists, is exercised by a test, and every
admiral export has a row."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| `(?P<admiral>\w+)` \| (?:`(?P<ours>[\w.]+)`|—) \| (?P<status>.+) \|$")


def rows() -> list[re.Match[str]]:
    text = (REPO / "docs" / "admiral-parity.md").read_text(encoding="utf-8")
    return [m for line in text.splitlines() if (m := ROW.match(line))]


def test_every_named_function_exists_and_is_tested() -> None:
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").rglob("test_*.py")
                      if p.name != "test_parity.py")
    named = [m for m in rows() if m["ours"]]
    assert len(named) >= 40
    for m in named:
        module, _, name = m["ours"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), m["ours"]
        assert re.search(rf"\b{name}\b", tests), f"{m['ours']} has no test"
        assert not m["status"].startswith("not yet"), m["admiral"]


def test_one_row_per_admiral_export_and_ported_claims_name_a_test() -> None:
    found = rows()
    names = [m["admiral"] for m in found]
    assert len(names) == len(set(names)) >= 76  # admiral 1.5 exports 76 derive_*/compute_* functions
    for m in found:
        if m["status"].startswith("ported"):
            path = re.search(r"`(tests/[\w/]+\.py)`", m["status"])
            assert path and (REPO / path.group(1)).is_file(), m["admiral"]
        if not m["ours"]:
            assert m["status"].startswith(("not yet", "deprecated in admiral")), m["admiral"]
