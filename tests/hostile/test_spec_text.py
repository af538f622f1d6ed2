"""Hostile spec text: YAML duplicate keys and alias bombs, control characters in labels, regexes that would
backtrack, parameters that do not fit the function, malformed recode tables and sort keys."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from cdiscflow.registry import register
from hostile.conftest import assert_clean_error, files_under, run_cli, run_cli_bounded
from hostile.spec_fixtures import DM, LISTING, dm_spec, output, sdtm_study, tlf_study, with_map

DM_YAML = yaml.safe_dump(DM, sort_keys=False)
BOMB = """lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@register("derive", "hostile_scaled")
def _scaled(work: pd.DataFrame, out: pd.DataFrame, ctx: Any, var: Any, *, factor: float, column: str = "AGE"
            ) -> pd.Series:
    """A derive function for the parameter checks: ``column`` times ``factor``."""
    return pd.to_numeric(work[column]) * factor


def _sdtm_fails(tmp: Path, spec: dict[str, Any] | str, *names: str, study_yaml: str | None = None,
                bounded: bool = False) -> str:
    args = sdtm_study(tmp, spec, **({"study_yaml": study_yaml} if study_yaml else {}))
    line = assert_clean_error(run_cli_bounded(args) if bounded else run_cli(args), *names)
    assert files_under(tmp / "out") == []
    return line


# -- YAML ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "row"), [
    (DM_YAML.replace("label: Demographics\n", "label: Demographics\nlabel: Vital Signs\n", 1), "row 3"),
    (DM_YAML.replace("source: dm_raw\n", "source: dm_raw\nsource: ae_raw\n", 1), "row"),
    (DM_YAML + "dataset: AE\n", "row"),
    (DM_YAML.replace("settings:\n  subject: PAT\n", "settings:\n  subject: PAT\n  subject: SUBJ\n", 1), "row"),
])
def test_duplicate_key_in_a_dataset_spec(tmp_path: Path, text: str, row: str) -> None:
    assert text != DM_YAML
    _sdtm_fails(tmp_path, text, "dm.yaml", row, "given twice")


def test_duplicate_key_in_a_flow_mapping(tmp_path: Path) -> None:
    text = DM_YAML + "comment: {a: 1, a: 2}\n"
    _sdtm_fails(tmp_path, text, "dm.yaml", "'a' is given twice")


def test_duplicate_key_in_study_yaml(tmp_path: Path) -> None:
    _sdtm_fails(tmp_path, DM, "study.yaml", "row 2", "'studyid' is given twice",
                study_yaml="studyid: S1\nstudyid: S2\nname: tiny\n")


def test_duplicate_key_in_a_catalog(tmp_path: Path) -> None:
    text = yaml.safe_dump({"outputs": [LISTING]}) + "outputs: []\n"
    assert_clean_error(run_cli(tlf_study(tmp_path, catalog=text)), "catalog.yaml", "'outputs' is given twice")
    assert files_under(tmp_path / "out") == []


@pytest.mark.parametrize("where", ["dm", "catalog", "study"])
def test_alias_bomb_fails_fast(tmp_path: Path, where: str) -> None:
    start = time.monotonic()
    if where == "dm":   # the bomb reaches a where: through an alias
        text = BOMB + DM_YAML.replace("settings:\n  subject: PAT\n", "settings:\n  subject: PAT\n  where: *i\n")
        _sdtm_fails(tmp_path, text, "dm.yaml", "expands to more than", bounded=True)
    elif where == "catalog":
        assert_clean_error(run_cli_bounded(tlf_study(tmp_path, catalog=BOMB + "outputs: *i\n")), "catalog.yaml",
                           "expands to more than")
    else:
        _sdtm_fails(tmp_path, DM, "study.yaml", "expands to more than", bounded=True,
                    study_yaml=BOMB + "studyid: S1\nname: tiny\n")
    assert time.monotonic() - start < 30


def test_deeply_nested_yaml_is_refused_without_crashing(tmp_path: Path) -> None:
    text = DM_YAML + "comment: " + "[" * 50_000 + "]" * 50_000 + "\n"
    _sdtm_fails(tmp_path, text, "dm.yaml", "nested more than")


def test_shared_aliases_within_bounds_still_load(tmp_path: Path) -> None:
    text = DM_YAML.replace("label: Demographics", "label: &lbl Demographics", 1) + "comment: *lbl\n"
    rc, _, err = run_cli(sdtm_study(tmp_path, text))
    assert rc == 0, err


# -- labels ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["Sex\tCode", "Sex\nCode", "Sex\x1b[31m", "Sex\x07", "Sex\x7f", "\rSex"])
def test_control_character_in_a_variable_label(tmp_path: Path, label: str) -> None:
    spec = dm_spec()
    spec["variables"][3]["label"] = label
    _sdtm_fails(tmp_path, spec, "dm.yaml", "(SEX)", "variable label", "control character")


def test_control_character_in_a_dataset_label(tmp_path: Path) -> None:
    _sdtm_fails(tmp_path, dm_spec(label="Demo\x00graphics"), "dm.yaml", "dataset DM", "control character")


def test_control_character_in_a_value_level_label(tmp_path: Path) -> None:
    spec = dm_spec(value_level=[{"variable": "AGE", "where": {"SEX": "F"}, "label": "Age\x08"}])
    _sdtm_fails(tmp_path, spec, "dm.yaml", "value_level 1", "control character")


# -- regexes ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("pattern", "expected"), [
    (r"^(a)\1", "cannot run in linear time"),          # backreference
    (r"^(?=a)(a)", "cannot run in linear time"),       # look-ahead
    (r"^(?<!b)(a)", "cannot run in linear time"),      # look-behind
    (r"^(a", "cannot run in linear time"),             # malformed
    (r"^a+$", "has no group"),
    ("(a)" * 400, "characters long"),
    (["^(a)"], "is not a regular expression"),
])
def test_assign_pattern_refused(tmp_path: Path, pattern: object, expected: str) -> None:
    _sdtm_fails(tmp_path, with_map("COUNTRY", {"assign": {"from": "COUNTRY", "pattern": pattern}}),
                "dm.yaml", "variable COUNTRY", expected)


def test_catastrophic_backtracking_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    evil = "a" * 40 + "!"   # (a+)+$ takes 2**40 steps on a backtracking engine
    csv = f"PAT,SEX,AGE,COUNTRY\n1,F,54,{evil}\n2,M,61,aaa\n"
    args = sdtm_study(tmp_path, with_map("COUNTRY", {"assign": {"from": "COUNTRY", "pattern": r"^((a+)+)$"}}),
                      dm_csv=csv)
    start = time.monotonic()
    rc, _, err = run_cli_bounded(args)
    assert rc == 0, err
    assert time.monotonic() - start < 30
    from cdiscflow.io.datasets import read_dataset
    dm = read_dataset(tmp_path / "out" / "tiny" / "sdtm" / "dm.json")[0]
    assert dm["COUNTRY"].tolist() == ["", "aaa"]


# -- parameters, recode tables, sort keys --------------------------------------------------------------------
@pytest.mark.parametrize(("derive", "expected"), [
    ({"name": "hostile_scaled", "params": {"factor": 2, "colour": "red"}}, "unexpected keyword argument 'colour'"),
    ({"name": "hostile_scaled", "params": {"column": "AGE"}}, "missing a required argument: 'factor'"),
    ({"name": "hostile_scaled", "params": ["factor", 2]}, "must be a mapping"),
    ({"name": "hostile_scaled", "params": {"work": 1, "factor": 2}}, "multiple values for argument 'work'"),
    ({"name": "hostile_scaled"}, "missing a required argument: 'factor'"),
    (["hostile_scaled"], "derive ['hostile_scaled']"),
    ({"name": ["x"]}, "derive {'name': ['x']}"),
])
def test_derive_params_checked_against_the_signature(tmp_path: Path, derive: Any, expected: str) -> None:
    _sdtm_fails(tmp_path, with_map("AGE", {"derive": derive}), "dm.yaml", "variable AGE", expected)


def test_derive_params_that_fit_run(tmp_path: Path) -> None:
    args = sdtm_study(tmp_path, with_map("AGE", {"derive": {"name": "hostile_scaled", "params": {"factor": 2}}}))
    rc, _, err = run_cli(args)
    assert rc == 0, err


@pytest.mark.parametrize("values", [["M", "F"], "M=1", 5])
def test_recode_values_not_a_mapping(tmp_path: Path, values: object) -> None:
    _sdtm_fails(tmp_path, with_map("SEX", {"recode": {"from": "SEX", "values": values}}), "dm.yaml", "variable SEX",
                "recode values must be a non-empty mapping")


@pytest.mark.parametrize(("sort", "expected"), [
    (["STUDYID", "NOSUCH"], "names NOSUCH"),
    ("USUBJID", "settings.sort 'USUBJID'"),
    ([["USUBJID"]], "a list of variable names"),
])
def test_dataset_sort_keys(tmp_path: Path, sort: object, expected: str) -> None:
    _sdtm_fails(tmp_path, dm_spec(settings={"subject": "PAT", "sort": sort}), "dm.yaml", "settings.sort", expected)


def test_listing_sort_on_a_missing_column(tmp_path: Path) -> None:
    bad = output(LISTING, options={**LISTING["options"], "sort": ["USUBJID", "NOSUCH"]})
    assert_clean_error(run_cli(tlf_study(tmp_path, bad)), "catalog.yaml", "output l-dm", "options.sort", "NOSUCH")
    assert files_under(tmp_path / "out") == []
