"""Planted errors: every rule catches a dataset that breaks it (with the right rows) and passes the clean study."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from cdiscflow.specs.loader import load_codelists
from cdiscflow.specs.model import Codelist, Term
from cdiscflow.study import Study
from cdiscflow.validation import validate
from cdiscflow.validation.context import DatasetMeta
from cdiscflow.validation.engine import load_rules
from cdiscflow.validation.model import Report
from tests.validation.conftest import standards

RULES = {r.id: r for r in load_rules()}


def run(study: dict[str, Any], rule_ids: list[str] | None = None) -> Report:
    rules = list(RULES.values()) if rule_ids is None else [RULES[r] for r in rule_ids]
    return validate(study["datasets"], standards(study["datasets"]), specs=study["specs"], meta=study["meta"],
                    codelists=study.get("codelists"), studyid=study["studyid"], rules=rules, suites=False,
                    define_sources=study["define_sources"])


def rows_by_variable(report: Report, rule_id: str) -> dict[tuple[str, str | None], list[int]]:
    """(dataset, variable) → the 1-based rows of the rule's findings (empty for dataset-level findings)."""
    out: dict[tuple[str, str | None], list[int]] = {}
    for f in report.findings:
        if f.rule_id == rule_id:
            out.setdefault((f.dataset, f.variable), [])
            out[(f.dataset, f.variable)] = sorted({*out[(f.dataset, f.variable)], *(r["row"] for r in f.rows)})
    return out


def setv(ds: str, var: str, row: int, value: Any) -> Callable[[dict], None]:
    """Set ``var`` on 1-based ``row`` of ``ds``."""
    def mutate(study: dict) -> None:
        df = study["datasets"][ds].copy()
        if isinstance(value, str) and df[var].dtype != object and pd.api.types.is_numeric_dtype(df[var]):
            df[var] = df[var].astype(object)
        df.loc[row - 1, var] = value
        study["datasets"][ds] = df
    return mutate


def frame(ds: str, fn: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[dict], None]:
    def mutate(study: dict) -> None:
        study["datasets"][ds] = fn(study["datasets"][ds].copy())
    return mutate


def meta(ds: str, label: str | None = None, **labels: str) -> Callable[[dict], None]:
    def mutate(study: dict) -> None:
        old = study["meta"].get(ds) or DatasetMeta()
        study["meta"][ds] = DatasetMeta(label=label if label is not None else old.label,
                                        labels={**old.labels, **labels})
    return mutate


def add(ds: str, columns: dict[str, list]) -> Callable[[dict], None]:
    def mutate(study: dict) -> None:
        study["datasets"][ds] = pd.DataFrame(columns)
    return mutate


def drop(ds: str) -> Callable[[dict], None]:
    def mutate(study: dict) -> None:
        del study["datasets"][ds]
    return mutate


def lengths(ds: str, **by_variable: int) -> Callable[[dict], None]:
    def mutate(study: dict) -> None:
        old = study["meta"].get(ds) or DatasetMeta()
        study["meta"][ds] = DatasetMeta(label=old.label, labels=old.labels, lengths={**old.lengths, **by_variable})
    return mutate


def spec_codelist(ds: str, var: str, codelist: str) -> Callable[[dict], None]:
    def mutate(study: dict) -> None:
        study["specs"][ds].variable(var).codelist = codelist
    return mutate


def swap(a: str, b: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def fn(df: pd.DataFrame) -> pd.DataFrame:
        cols = list(df.columns)
        i, j = cols.index(a), cols.index(b)
        cols[i], cols[j] = cols[j], cols[i]
        return df[cols]
    return fn


CASES: list[tuple[str, Callable[[dict], None], dict[tuple[str, str | None], list[int]]]] = [
    ("SPEC.REQ_MISSING", frame("AE", lambda df: df.drop(columns="AETERM")), {("AE", "AETERM"): []}),
    ("SPEC.EXP_MISSING", frame("AE", lambda df: df.drop(columns="AESER")), {("AE", "AESER"): []}),
    ("SPEC.REQ_NULL", setv("AE", "AETERM", 2, ""), {("AE", "AETERM"): [2]}),
    ("SPEC.NOT_IN_SPEC", frame("AE", lambda df: df.assign(AEXTRA="x")), {("AE", "AEXTRA"): []}),
    ("SPEC.ORDER", frame("AE", swap("AETERM", "AEDECOD")), {("AE", "AEDECOD"): []}),
    ("SPEC.TYPE", frame("AE", lambda df: df.assign(AESEQ=df["AESEQ"].astype(str))), {("AE", "AESEQ"): []}),
    ("SPEC.LENGTH", setv("AE", "AETERM", 3, "A VERY LONG REPORTED TERM"), {("AE", "AETERM"): [3]}),
    ("SPEC.LABEL", meta("AE", AETERM="Reported Term"), {("AE", "AETERM"): []}),
    ("SPEC.DSLABEL", meta("AE", label="Adverse Event"), {("AE", None): []}),
    ("SPEC.KEYS", setv("AE", "AESEQ", 2, 1.0), {("AE", "USUBJID, AESEQ"): [1, 2]}),
    ("SPEC.CODELIST", spec_codelist("AE", "AESEV", "SEVERITYX"), {("AE", "AESEV"): []}),
    ("CT.NONEXT", setv("DM", "SEX", 2, "X"), {("DM", "SEX"): [2]}),
    ("CT.EXT", setv("VS", "VSPOS", 2, "LYING"), {("VS", "VSPOS"): [2]}),
    ("CT.CASE", setv("DM", "SEX", 1, "m"), {("DM", "SEX"): [1]}),
    ("CT.TESTCD_TEST", setv("VS", "VSTEST", 2, "Systolic BP"), {("VS", "VSTESTCD"): [1, 2]}),
    ("CT.UNIT", setv("VS", "VSORRESU", 1, "mm Hg"), {("VS", "VSORRESU"): [1]}),
    ("SDTM.ISO8601", lambda s: (setv("AE", "AESTDTC", 1, "2024-02-30")(s),
                                setv("AE", "AESTDTC", 3, "2024-01-20 10:30")(s)), {("AE", "AESTDTC"): [1, 3]}),
    ("SDTM.DATE_RANGE", lambda s: (setv("AE", "AESTDTC", 2, "2099")(s), setv("DM", "DMDTC", 3, "1899-12-31")(s)),
     {("AE", "AESTDTC"): [2], ("DM", "DMDTC"): [3]}),
    ("ADAM.DATE_RANGE", frame("ADSL", lambda df: df.assign(TRTSDT=[-30000.0, 0.0])), {("ADSL", "TRTSDT"): [1]}),
    ("SDTM.DY", setv("AE", "AESTDY", 1, 7.0), {("AE", "AESTDY"): [1]}),
    ("SDTM.DY_ZERO", setv("VS", "VSDY", 1, 0.0), {("VS", "VSDY"): [1]}),
    ("SDTM.SEQ_UNIQUE", setv("AE", "AESEQ", 2, 1.0), {("AE", "AESEQ"): [1, 2]}),
    ("SDTM.USUBJID_IN_DM", setv("AE", "USUBJID", 3, "S1-009"), {("AE", "USUBJID"): [3]}),
    ("SDTM.STUDYID", setv("VS", "STUDYID", 2, "S2"), {("VS", "STUDYID"): [2]}),
    ("SDTM.START_END", setv("AE", "AEENDTC", 3, "2024-01-19"), {("AE", "AESTDTC"): [3]}),
    ("SDTM.RFSTDTC_TREATED", setv("DM", "RFSTDTC", 2, ""), {("DM", "RFSTDTC"): [2]}),
    ("SDTM.AESER", lambda s: (setv("AE", "AESHOSP", 1, "Y")(s), setv("AE", "AESHOSP", 2, "N")(s)),
     {("AE", "AESER"): [1, 2]}),
    ("SDTM.VISIT_TV", lambda s: (setv("EX", "VISIT", 1, "BASELINE VISIT")(s), setv("EX", "VISITNUM", 2, 3.0)(s)),
     {("EX", "VISITNUM"): [1, 2]}),
    ("SDTM.EPOCH", setv("AE", "EPOCH", 1, "FOLLOW-UP"), {("AE", "EPOCH"): [1]}),
    ("SDTM.SUPP_PARENT", setv("SUPPAE", "IDVARVAL", 1, "7"), {("SUPPAE", "IDVARVAL"): [1]}),
    ("SDTM.SUPP_PARENT", add("RELREC", {
        "STUDYID": ["S1"] * 4, "RDOMAIN": ["AE", "AE", "EX", "AE"], "USUBJID": ["S1-001", "S1-001", "S1-002", ""],
        "IDVAR": ["AESEQ", "AESEQ", "EXSEQ", "AESEQ"], "IDVARVAL": ["2", "9", "  1", ""],
        "RELID": ["1", "2", "2", "3"]}), {("RELREC", "IDVARVAL"): [2]}),
    ("ADAM.ADSL_ONE", frame("ADSL", lambda df: pd.concat([df, df.iloc[[0]]], ignore_index=True)),
     {("ADSL", "USUBJID"): [1, 3]}),
    ("ADAM.USUBJID_IN_ADSL", setv("ADVS", "USUBJID", 5, "S1-009"), {("ADVS", "USUBJID"): [5]}),
    ("ADAM.BASE_CONST", setv("ADVS", "BASE", 2, 121.0), {("ADVS", "BASE"): [1, 2, 3]}),
    ("ADAM.CHG", setv("ADVS", "CHG", 2, 11.0), {("ADVS", "CHG"): [2]}),
    ("ADAM.ABLFL_ONE", setv("ADVS", "ABLFL", 2, "Y"), {("ADVS", "ABLFL"): [1, 2]}),
    ("ADAM.POPFL_YN", setv("ADSL", "ITTFL", 2, ""), {("ADSL", "ITTFL"): [2]}),
    ("ADAM.FLAG_Y", setv("ADVS", "ANL01FL", 3, "N"), {("ADVS", "ANL01FL"): [3]}),
    ("ADAM.ADSL_FLAG", setv("ADSL", "DISCONFL", 2, "X"), {("ADSL", "DISCONFL"): [2]}),
    ("ADAM.ADSL_COPY", setv("ADVS", "AGE", 4, 61.0), {("ADVS", "AGE"): [4]}),
    ("ADAM.PARAM", setv("ADVS", "PARAM", 5, "Systolic Blood Pressure"), {("ADVS", "PARAMCD"): [1, 2, 3, 4, 5]}),
    ("XPT.NAME", frame("VS", lambda df: df.assign(TOOLONGNAME=1.0)), {("VS", "TOOLONGNAME"): []}),
    ("XPT.LABEL", meta("VS", VSTEST="Vital Signs Test Name, a label past forty chars"), {("VS", "VSTEST"): []}),
    ("XPT.VALUE_LENGTH", setv("VS", "VSORRES", 2, "9" * 201), {("VS", "VSORRES"): [2]}),
    ("XPT.ASCII", setv("AE", "AETERM", 1, "NAUS\u00c9E"), {("AE", "AETERM"): [1]}),
    ("FDA.TS_SSTDTC", drop("TS"), {("TS", None): []}),
    ("FDA.TS_SSTDTC", setv("TS", "TSPARMCD", 1, "SSTDT"), {("TS", "TSPARMCD"): []}),
    ("FDA.TS_SSTDTC", setv("TS", "TSVAL", 1, "2024-01"), {("TS", "TSVAL"): [1]}),
    ("FDA.DM_PRESENT", drop("DM"), {("DM", None): []}),
    ("FDA.ADSL_PRESENT", drop("ADSL"), {("ADSL", None): []}),
    ("FDA.SDTM_DEFINE", lambda s: s["define_sources"].pop("SDTM"), {("DEFINE", None): []}),
    ("FDA.ADAM_DEFINE", lambda s: s["define_sources"].pop("ADAM"), {("DEFINE", None): []}),
    # two rows of a 3 GB character column (as a file's lengths would declare it) are 6 GB as XPT
    ("FDA.DATASET_SIZE", lengths("VS", VSORRES=3 * 1024**3), {("VS", None): []}),
]


def test_every_rule_has_a_planted_error() -> None:
    assert set(RULES) == {c[0] for c in CASES}


def test_clean_study_has_no_findings(study: dict) -> None:
    report = run(study)
    assert [(f.rule_id, f.dataset, f.variable, f.message) for f in report.findings] == []
    # only the spec rules skip, for the datasets that have no spec (AE has one)
    assert sorted(report.skipped) == sorted(r for r in RULES if r.startswith("SPEC."))
    assert report.skipped["SPEC.KEYS"] == "no spec for ADSL, ADVS, DM, EX, SUPPAE, SUPPDM, TA, TS, TV, VS"


@pytest.mark.parametrize(("rule_id", "mutate", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_planted_error_is_caught(study: dict, rule_id: str, mutate: Callable, expected: dict) -> None:
    assert rows_by_variable(run(study, [rule_id]), rule_id) == {}
    mutate(study)
    assert rows_by_variable(run(study, [rule_id]), rule_id) == expected


# A study's codelists: extensions of the extensible UNIT, VSTESTCD and TSPARMCD lists (with their names).
STUDY_CODELISTS = """codelists:
  - {id: UNIT, nci: UNIT, subset: [mmHg], extend: [{value: lbf, decode: Pound-force}]}
  - {id: VSTESTCD, nci: VSTESTCD, subset: [SYSBP], extend: [{value: HHDSTR, decode: Hand-held Dynamometry Strength}]}
  - {id: TSPARMCD, nci: TSPARMCD, subset: [TITLE], extend: [{value: SIMDATA, decode: Simulated Data Indicator}]}
"""
TS = {"STUDYID": ["S1"] * 2, "DOMAIN": ["TS"] * 2, "TSSEQ": [1.0, 1.0], "TSPARMCD": ["TITLE", "SIMDATA"],
      "TSPARM": ["Trial Title", "Simulated Data Indicator"], "TSVAL": ["A trial", "Y"]}
HHD = (setv("VS", "VSTESTCD", 1, "HHDSTR"), setv("VS", "VSTEST", 1, "Hand-held Dynamometry Strength"))


@pytest.mark.parametrize(("rule_id", "mutations", "extended", "expected"), [
    # a unit the study declares as its extension of UNIT is not a finding; without the declaration it is
    ("CT.UNIT", [setv("VS", "VSORRESU", 1, "lbf")], True, {}),
    ("CT.UNIT", [setv("VS", "VSORRESU", 1, "lbf")], False, {("VS", "VSORRESU"): [1]}),
    # a unit outside NCI CT and outside the study's extension still is
    ("CT.UNIT", [setv("VS", "VSORRESU", 1, "lbs"), setv("VS", "VSSTRESU", 2, "lbf")], True,
     {("VS", "VSORRESU"): [1]}),
    # a test code declared as an extension, and its decode as the test name
    ("CT.EXT", HHD, True, {}),
    ("CT.EXT", HHD, False, {("VS", "VSTESTCD"): [1], ("VS", "VSTEST"): [1]}),
    ("CT.EXT", [*HHD, setv("VS", "VSTEST", 2, "Handheld Dynamometry")], True, {("VS", "VSTEST"): [2]}),
    ("CT.CASE", [*HHD, setv("VS", "VSTEST", 2, "HAND-HELD DYNAMOMETRY STRENGTH")], True, {("VS", "VSTEST"): [2]}),
    # sponsor-defined trial summary parameters: TSPARMCD extended, TSPARM its decode (TSPARMCD has no spec)
    ("CT.EXT", [add("TS", TS)], True, {}),
    ("CT.EXT", [add("TS", TS)], False, {("TS", "TSPARMCD"): [2], ("TS", "TSPARM"): [2]}),
    ("CT.EXT", [add("TS", TS), setv("TS", "TSPARM", 2, "Simulated Data Flag")], True, {("TS", "TSPARM"): [2]}),
])
def test_study_codelist_extensions(study: dict, tmp_path, rule_id: str, mutations: list, extended: bool,
                                   expected: dict) -> None:
    path = tmp_path / "codelists.yaml"
    path.write_text(STUDY_CODELISTS)
    study["codelists"] = load_codelists(path) if extended else {}
    for mutate in mutations:
        mutate(study)
    assert rows_by_variable(run(study, [rule_id]), rule_id) == expected


def test_extensions_of_non_extensible_lists_are_ignored(study: dict) -> None:
    """A codelist claiming to extend the non-extensible SEX (C66731) does not widen it."""
    study["codelists"] = {"SEXX": Codelist("SEXX", "Sex", code="C66731", extend=[Term("X")], terms=[Term("X")])}
    setv("DM", "SEX", 2, "X")(study)
    assert rows_by_variable(run(study, ["CT.NONEXT"]), "CT.NONEXT") == {("DM", "SEX"): [2]}


def test_built_in_study_unit_extension(study: dict) -> None:
    """The ALS study's hand-held dynamometry unit lbf (an extension of UNIT in its codelists.yaml) passes."""
    study["codelists"] = Study.load("msc_ntf_als").codelists
    setv("VS", "VSORRESU", 1, "lbf")(study)
    setv("VS", "VSSTRESU", 2, "lbs")(study)
    assert rows_by_variable(run(study, ["CT.UNIT"]), "CT.UNIT") == {("VS", "VSSTRESU"): [2]}


def test_required_means_populated_in_sdtm_but_included_in_adam(study: dict) -> None:
    """SDTMIG: a Req variable cannot be null; ADaMIG: Req means the variable is included (may be blank,
    e.g. TRT01P of a screen failure kept in ADSL)."""
    setv("AE", "AETERM", 2, "")(study)
    study["specs"]["AE"].standard = "ADaM"
    assert rows_by_variable(run(study, ["SPEC.REQ_NULL"]), "SPEC.REQ_NULL") == {}
    study["specs"]["AE"].standard = "SDTM"
    assert rows_by_variable(run(study, ["SPEC.REQ_NULL"]), "SPEC.REQ_NULL") == {("AE", "AETERM"): [2]}
