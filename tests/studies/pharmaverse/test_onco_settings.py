"""The oncology programs' settings check: a missing, mistyped or incomplete setting is a SpecError naming the
spec file and the setting."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.studies.pharmaverse.onco_settings import checked


def ctx(settings: dict) -> SimpleNamespace:
    return SimpleNamespace(settings=settings, spec=SimpleNamespace(name="ADRS_O", file="specs/adam/adrs_o.yaml"))


def test_settings_pass_when_complete() -> None:
    settings = {"measurable": "TUSTRESC == 'TARGET'", "parameters": {"OVR": {}, "PD": {}}}
    assert checked(ctx(settings), {"measurable": str, "parameters": dict}, each={"parameters": ["OVR"]}) is settings


@pytest.mark.parametrize(("settings", "variable", "message"), [
    ({"parameters": {}}, "settings.measurable", "missing or not a text"),
    ({"measurable": ["x"], "parameters": {}}, "settings.measurable", "missing or not a text"),
    ({"measurable": "x", "parameters": {"OVR": {}}}, "settings.parameters", "has no mapping for PD"),
    ({"measurable": "x", "parameters": {"OVR": {}, "PD": "Progression"}}, "settings.parameters", "for PD"),
])
def test_bad_settings_name_the_setting(settings: dict, variable: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as err:
        checked(ctx(settings), {"measurable": str, "parameters": dict}, each={"parameters": ["OVR", "PD"]})
    assert err.value.variable == variable and err.value.file == "specs/adam/adrs_o.yaml"
