"""The ADaM engine: dependency order, running registered programs, conforming to the spec."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.engine import AdamContext, derivation_order, derive_dataset, derive_study
from cdiscflow.adam.recordcount import summary
from cdiscflow.errors import DataError, DerivationError, SpecError
from cdiscflow.registry import register
from cdiscflow.specs.model import Dataset
from cdiscflow.study import Study


def spec(name: str, depends: list[str] | None = None, program: str = "_test_adam_simple",
         keys: list[str] | None = None) -> Dataset:
    settings: dict = {"program": program}
    if depends is not None:
        settings["depends"] = depends
    return Dataset.from_dict({"dataset": name, "label": name, "standard": "ADaM", "keys": keys or ["USUBJID"],
                              "settings": settings,
                              "variables": [{"name": "USUBJID", "label": "Subject", "length": 4},
                                            {"name": "AVAL", "label": "Value", "type": "Num"}]})


@register("adam", "_test_adam_simple")
def _simple(ctx: AdamContext) -> pd.DataFrame:
    return pd.DataFrame({"AVAL": [2, 1], "USUBJID": ["S2", "S1"], "WORK": ["x", "y"]})


@register("adam", "_test_adam_bad_type")
def _bad_type(ctx: AdamContext) -> pd.DataFrame:
    return "not a frame"  # type: ignore[return-value]


@register("adam", "_test_adam_missing_var")
def _missing_var(ctx: AdamContext) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S1"]})


@register("adam", "_test_adam_raises")
def _raises(ctx: AdamContext) -> pd.DataFrame:
    raise DerivationError("bad date", variable="AESTDTC", row="3")


@register("adam", "_test_adam_setting")
def _setting(ctx: AdamContext) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S1"], "AVAL": [ctx.settings["table"]["missing"]]})


@register("adam", "_test_adam_dup")
def _dup(ctx: AdamContext) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S1", "S1"], "AVAL": [1.0, 2.0]})


def context(ds: Dataset, tmp_path: Path) -> AdamContext:
    return AdamContext(study=Study.load("cdiscpilot01"), sdtm_dir=tmp_path, spec=ds)


def test_order_adsl_first_then_dependencies() -> None:
    specs = {"ADTTE": spec("ADTTE", ["ADAE"]), "ADAE": spec("ADAE"), "ADSL": spec("ADSL"), "ADLB": spec("ADLB")}
    assert derivation_order(specs) == ["ADSL", "ADAE", "ADLB", "ADTTE"]
    assert derivation_order(specs, ["adtte"]) == ["ADSL", "ADAE", "ADTTE"]


def test_order_errors() -> None:
    with pytest.raises(SpecError, match="cycle"):
        derivation_order({"A": spec("A", ["B"]), "B": spec("B", ["A"])})
    with pytest.raises(SpecError, match="no spec"):
        derivation_order({"A": spec("A", ["ADXX"])})
    with pytest.raises(SpecError, match="no ADaM spec"):
        derivation_order({"A": spec("A")}, ["B"])


def test_derive_dataset_conforms(tmp_path: Path) -> None:
    ds = spec("ADX")
    got = derive_dataset(ds, context(ds, tmp_path))
    expected = pd.DataFrame({"USUBJID": pd.Series(["S2", "S1"], dtype=object), "AVAL": [2.0, 1.0]})
    assert_frame_equal(got, expected)


@pytest.mark.parametrize("program, error, text", [
    ("_test_adam_bad_type", DerivationError, "returned str"),
    ("_test_adam_missing_var", DataError, "AVAL"),
    ("_test_adam_dup", DerivationError, "not unique"),
    ("_test_adam_unknown", SpecError, "not a registered"),
    ("_test_adam_raises", DerivationError, r"row 3, variable AESTDTC: ADX \(program _test_adam_raises\): bad date"),
    ("_test_adam_setting", SpecError, r"ADX \(program _test_adam_setting\): settings.table is missing"),
])
def test_derive_dataset_errors(tmp_path: Path, program: str, error: type, text: str) -> None:
    ds = spec("ADX", program=program)
    with pytest.raises(error, match=text):
        derive_dataset(ds, context(ds, tmp_path))


def test_settings_name_a_missing_nested_key(tmp_path: Path) -> None:
    ds = spec("ADX")
    ds.settings["table"] = {"present": 1}
    st = context(ds, tmp_path).settings
    assert st["table"]["present"] == 1 and st.get("absent") is None
    with pytest.raises(SpecError, match=r"settings.table.missing is missing") as err:
        st["table"]["missing"]
    assert err.value.expected == "settings.table: {missing: ...} in the spec"


def test_context_names_missing_inputs(tmp_path: Path) -> None:
    pd.DataFrame({"A": ["x"]}).to_csv(tmp_path / "dm.csv", index=False)
    ctx = context(spec("ADX"), tmp_path)
    assert ctx.sdtm("dm")["A"].tolist() == ["x"]
    with pytest.raises(DerivationError, match="needs SDTM AE"):
        ctx.sdtm("AE")
    with pytest.raises(DerivationError, match="needs ADaM ADSL"):
        ctx.needs("ADSL")


# -- record log and the SDTM → ADaM subject check (cdiscflow.adam.recordcount) ---------------------------------
AE = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S3"], "AETERM": ["a", "b", "c", "d"]})
ADSL = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "RANDFL": ["Y", "Y", "N"]})


def ae_spec(program: str = "_test_adam_ae", **settings: object) -> Dataset:
    return Dataset.from_dict({"dataset": "ADAE", "label": "AE", "standard": "ADaM", "settings": {
        "program": program, "depends": ["ADSL"], **settings}, "variables": [
        {"name": "USUBJID", "label": "Subject"}, {"name": "AETERM", "label": "Term"}]})


@register("adam", "_test_adam_ae")
def _ae(ctx: AdamContext) -> pd.DataFrame:
    """AEs of the ADSL subjects the spec's selection keeps (an inner merge, as ADAE programs do)."""
    return ctx.sdtm("AE").merge(ctx.select(ctx.needs("ADSL"))[["USUBJID"]], on="USUBJID")


@register("adam", "_test_adam_ae_randomized")
def _ae_randomized(ctx: AdamContext) -> pd.DataFrame:
    """AEs of randomized subjects, selected by the program itself (no declared selection)."""
    adsl = ctx.needs("ADSL")
    return ctx.sdtm("AE").merge(adsl.loc[adsl["RANDFL"] == "Y", ["USUBJID"]], on="USUBJID")


def ae_context(ds: Dataset, tmp_path: Path, ae: pd.DataFrame = AE) -> AdamContext:
    ae.to_csv(tmp_path / "ae.csv", index=False)
    return AdamContext(study=Study.load("cdiscpilot01"), sdtm_dir=tmp_path, spec=ds, adam={"ADSL": ADSL})


def test_record_log_counts_inputs_selection_and_output(tmp_path: Path) -> None:
    ds = ae_spec(source={"domain": "AE"}, selection=[{"dataset": "ADSL", "where": "RANDFL == 'Y'",
                                                      "reason": "randomized only"}])
    ctx = ae_context(ds, tmp_path)
    out = derive_dataset(ds, ctx)
    assert out["USUBJID"].tolist() == ["S1", "S1", "S2"]
    expected = pd.DataFrame({
        "dataset": ["ADAE"] * 5, "kind": ["input", "input", "source", "selection", "output"],
        "name": ["AE", "ADSL", "AE", "ADSL", "ADAE"], "records": [4, 3, 4, 1, 3],
        "subjects": pd.array([3, 3, 3, 1, 2], dtype="Int64"),
        "detail": ["SDTM", "ADaM", "", "kept where RANDFL == 'Y': randomized only", ""]})
    assert_frame_equal(ctx.record_log, expected)


def test_undeclared_drop_is_an_error_naming_dataset_source_count_and_subjects(tmp_path: Path) -> None:
    ds = ae_spec(source="AE", selection={"dataset": "ADSL", "where": "RANDFL == 'Y'", "reason": "randomized"})
    ae = pd.concat([AE, pd.DataFrame({"USUBJID": ["S9", "S9"], "AETERM": ["x", "y"]})])  # S9 is not in ADSL
    with pytest.raises(DerivationError, match=r"ADAE: 1 subject\(s\) of SDTM AE \(2 record\(s\)\) are not in ADAE "
                                              r"and no declared selection leaves them out: S9"):
        derive_dataset(ds, ae_context(ds, tmp_path, ae))
    undeclared = ae_spec("_test_adam_ae_randomized", source="AE")  # the program drops S3; no selection says so
    with pytest.raises(DerivationError, match=r"1 subject\(s\) of SDTM AE \(1 record\(s\)\) .*: S3 "):
        derive_dataset(undeclared, ae_context(undeclared, tmp_path))


def test_source_filter_limits_the_checked_records(tmp_path: Path) -> None:
    ds = ae_spec(source={"domain": "AE", "filter": "AETERM != 'd'"})  # S3's only AE is not carried: not a drop
    ctx = ae_context(ds, tmp_path)
    derive_dataset(ds, ctx)
    source = ctx.record_log[ctx.record_log["kind"] == "source"]
    assert source[["records", "subjects", "detail"]].values.tolist() == [[3, 2, "AETERM != 'd'"]]


def test_without_source_only_counts_are_logged(tmp_path: Path) -> None:
    ds = ae_spec()
    ctx = ae_context(ds, tmp_path)
    derive_dataset(ds, ctx)
    assert ctx.record_log["kind"].tolist() == ["input", "input", "output"]
    n, subjects = len(AE), AE["USUBJID"].nunique()  # no selection: every AE of an ADSL subject is kept
    assert summary(ctx.record_log) == (f"ADAE: {n} records, {subjects} subjects <- AE {n}, ADSL {len(ADSL)}; "
                                       "subjects not checked (no settings.source)")


@pytest.mark.parametrize("settings, text", [
    ({"source": 5}, "settings.source is 5"),
    ({"source": {"domain": "AE", "filter": "AETERM =="}}, "settings.source.filter: cannot parse expression"),
    ({"source": "AE", "selection": {"dataset": "ADSL", "where": "RANDFL = 'Y'", "reason": "r"}},
     "settings.selection 1: cannot parse"),
    ({"source": "AE", "selection": [{"dataset": "ADSL", "where": "RANDFL == 'Y'"}]}, "settings.selection 1"),
    ({"source": "AE", "selection": "RANDFL == 'Y'"}, "settings.selection is"),
    ({"selection": {"dataset": "ADSL", "where": "RANDFL == 'Y'", "reason": "r"}}, "without settings.source"),
    ({"source": "TS"}, "settings.source TS has no USUBJID"),
    ({"source": "AE", "selection": {"dataset": "AE", "where": "AETERM == 'a'", "reason": ""}}, "non-empty"),
])
def test_bad_source_or_selection_is_a_spec_error(tmp_path: Path, settings: dict, text: str) -> None:
    ds = ae_spec(**settings)
    pd.DataFrame({"TSPARMCD": ["TITLE"]}).to_csv(tmp_path / "ts.csv", index=False)
    with pytest.raises(SpecError, match=re.escape(text)):
        derive_dataset(ds, ae_context(ds, tmp_path))


def test_derive_study_writes_the_record_log(tmp_path: Path) -> None:
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir()
    pd.DataFrame({"USUBJID": ["S2", "S1"], "X": [1, 2]}).to_csv(sdtm / "dm.csv", index=False)
    study = Study.load("cdiscpilot01", out=tmp_path)
    study.adam_specs.clear()
    study.adam_specs["ADSL"] = Dataset.from_dict({**spec("ADSL").to_dict(), "settings": {
        "program": "_test_adam_dm", "source": "DM"}})
    results = derive_study(study, sdtm, tmp_path / "out")
    written = pd.read_csv(tmp_path / "out" / study.name / "adam" / "record_counts" / "adsl.csv", dtype=str,
                          keep_default_na=False)
    assert_frame_equal(written, results.record_log.astype(str).replace("<NA>", ""))
    assert written["kind"].tolist() == ["input", "source", "output"]
    assert written["records"].tolist() == ["2", "2", "2"]


@register("adam", "_test_adam_dm")
def _dm(ctx: AdamContext) -> pd.DataFrame:
    return ctx.sdtm("DM").assign(AVAL=1.0)
