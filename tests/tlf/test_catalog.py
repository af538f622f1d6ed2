from __future__ import annotations

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.tlf.catalog import parse_catalog


def _base(**extra: object) -> dict:
    out = {"id": "t-1", "program": "summary", "title": "Demo", "number": "Table 1"}
    out.update(extra)
    return {"defaults": {"rounding": "half_even", "page": {"font_size": 8}}, "outputs": [out]}


def test_parse_applies_defaults() -> None:
    spec = parse_catalog(_base(page={"orientation": "portrait"}, datasets=["adsl"])).outputs[0]
    assert spec.titles == ["Table 1", "Demo"]
    assert spec.rounding == "half_even" and spec.datasets == ["ADSL"]
    assert (spec.page.font_size, spec.page.orientation) == (8, "portrait")
    assert spec.formats == ["rtf", "docx", "html", "pdf"]


@pytest.mark.parametrize(("data", "message"), [
    ({"outputs": "x"}, "outputs"),
    (_base(color="red"), "unknown key"),
    (_base(formats=["rtf", "xls"]), "unknown format"),
    (_base(rounding="up"), "rounding rule"),
    (_base(page={"font": 1, "paper": "a4", "bogus": 1}), "page settings"),
    ({"outputs": [{"id": "a", "program": "p"}, {"id": "a", "program": "p"}]}, "twice"),
    ({"outputs": [{"id": "a"}]}, "program"),
])
def test_bad_catalogs_are_spec_errors(data: dict, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_catalog(data, "catalog.yaml")


def test_select_unknown_id() -> None:
    cat = parse_catalog(_base())
    assert [o.id for o in cat.select(["t-1"])] == ["t-1"]
    with pytest.raises(SpecError, match="unknown output"):
        cat.select(["t-9"])
