"""Hostile TLF catalogs: patterns allow named fields only (no attribute/index access, conversions, nested fields
or huge widths) and an unknown field is an error naming the output, never a silently empty cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.conftest import assert_clean_error, files_under, run_cli
from hostile.spec_fixtures import OUTPUT, output, tlf_study

TOP_LEFT = [
    ("Protocol: {studyid.__class__}", "not a plain name"),
    ("Protocol: {studyid.__class__.__init__.__globals__}", "not a plain name"),
    ("Protocol: {studyid[0]}", "not a plain name"),
    ("Protocol: {studyid:>300000000}", "width or precision above 50"),
    ("Protocol: {studyid:.999999999}", "width or precision above 50"),
    ("Protocol: {studyid!r}", "converts"),
    ("Protocol: {studyid:{population}}", "nests a field"),
    ("Protocol: {0}", "not a plain name"),
    ("Protocol: {}", "not a plain name"),
    ("Protocol: {studyid", "malformed"),
    ("Protocol: studyid}", "malformed"),
    ("Protocol: {nosuch}", "unknown field {nosuch}"),
]


@pytest.mark.parametrize(("pattern", "expected"), TOP_LEFT, ids=[p for p, _ in TOP_LEFT])
def test_top_left_pattern(tmp_path: Path, pattern: str, expected: str) -> None:
    args = tlf_study(tmp_path, output(top_left=[pattern]))
    assert_clean_error(run_cli(args), "catalog.yaml", "output t-dm", expected)
    assert files_under(tmp_path / "out") == []


def test_source_pattern_from_defaults(tmp_path: Path) -> None:
    args = tlf_study(tmp_path, OUTPUT, defaults={"source": "Program: {program.__doc__}"})
    assert_clean_error(run_cli(args), "catalog.yaml", "output t-dm", "not a plain name")
    assert files_under(tmp_path / "out") == []


def _with_block(**block: object) -> dict:
    opts = dict(OUTPUT["options"])
    opts["blocks"] = [{"var": "SEX", "label": "Sex", "type": "categorical", "levels": {"F": "F", "M": "M"}, **block}]
    return output(options=opts)


@pytest.mark.parametrize(("block", "expected"), [
    ({"count_pattern": "{n.real} ({pct}%)"}, "not a plain name"),
    ({"count_pattern": "{n:>99999999}"}, "width or precision above 50"),
    ({"zero_pattern": "{n[0]}"}, "not a plain name"),
    ({"count_pattern": "{n} ({pct!a}%)"}, "converts"),
])
def test_cell_pattern_syntax(tmp_path: Path, block: dict, expected: str) -> None:
    assert_clean_error(run_cli(tlf_study(tmp_path, _with_block(**block))), "catalog.yaml", "output t-dm options",
                       expected)
    assert files_under(tmp_path / "out") == []


@pytest.mark.parametrize("block", [{"count_pattern": "{count} ({percent}%)"}, {"zero_pattern": "{zero}",
                                                                               "count_pattern": "{nn}"}])
def test_unknown_cell_field_is_an_error_not_an_empty_cell(tmp_path: Path, block: dict) -> None:
    line = assert_clean_error(run_cli(tlf_study(tmp_path, _with_block(**block))), "catalog.yaml", "output t-dm",
                              "which no result of this output has")
    assert "pct" in line  # the statistics that do exist are listed
    assert files_under(tmp_path / "out") == []


def test_stat_rows_pattern_with_attribute_access(tmp_path: Path) -> None:
    opts = dict(OUTPUT["options"])
    opts["blocks"] = [{"var": "AGE", "label": "Age", "stat_rows": [["Mean", "{mean.__class__}"]]}]
    assert_clean_error(run_cli(tlf_study(tmp_path, output(options=opts))), "catalog.yaml", "not a plain name")
    assert files_under(tmp_path / "out") == []


def test_options_not_a_mapping(tmp_path: Path) -> None:
    assert_clean_error(run_cli(tlf_study(tmp_path, output(options=["group", "ARM"]))), "catalog.yaml",
                       "'options' must be a mapping")
    assert files_under(tmp_path / "out") == []


def test_plain_patterns_still_render(tmp_path: Path) -> None:
    args = tlf_study(tmp_path, _with_block(count_pattern="{n:>3} ({pct:>5}%)"))
    rc, _, err = run_cli(args)
    assert rc == 0, err
    assert "Protocol: MINI01" in (tmp_path / "out" / "mini" / "tlf" / "t-dm.html").read_text()
