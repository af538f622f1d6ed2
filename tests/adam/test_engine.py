"""The ADaM engine: dependency order, running registered programs, conforming to the spec."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.engine import AdamContext, derivation_order, derive_dataset
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
])
def test_derive_dataset_errors(tmp_path: Path, program: str, error: type, text: str) -> None:
    ds = spec("ADX", program=program)
    with pytest.raises(error, match=text):
        derive_dataset(ds, context(ds, tmp_path))


def test_context_names_missing_inputs(tmp_path: Path) -> None:
    pd.DataFrame({"A": ["x"]}).to_csv(tmp_path / "dm.csv", index=False)
    ctx = context(spec("ADX"), tmp_path)
    assert ctx.sdtm("dm")["A"].tolist() == ["x"]
    with pytest.raises(DerivationError, match="needs SDTM AE"):
        ctx.sdtm("AE")
    with pytest.raises(DerivationError, match="needs ADaM ADSL"):
        ctx.needs("ADSL")
