"""Helpers for mapping tests: small raw extracts and a context around them."""

from __future__ import annotations

import pandas as pd
import pytest

from cdiscflow.mapping.context import MapContext
from cdiscflow.specs.model import Codelist, Dataset, Term, Variable


def raw_frame(data: dict[str, list[str]]) -> pd.DataFrame:
    df = pd.DataFrame(data, dtype=object)
    df["__row__"] = range(1, len(df) + 1)
    return df


@pytest.fixture
def make_ctx():
    def make(raw: dict[str, pd.DataFrame] | None = None, *, settings: dict | None = None,
             codelists: dict[str, Codelist] | None = None, sdtm: dict[str, pd.DataFrame] | None = None) -> MapContext:
        raw = raw or {}
        spec = Dataset(name="XX", label="Test", variables=[Variable(name="USUBJID", label="U")],
                       settings=settings or {}, file="xx.yaml")
        ctx = MapContext(raw=raw, codelists=codelists or {}, sdtm=sdtm or {}, spec=spec,
                         files={k: f"{k}.csv" for k in raw})
        ctx.extract = next(iter(raw), None)
        return ctx
    return make


SEV = Codelist(id="AESEV", name="Severity", terms=[
    Term("MILD", decode="Mild Adverse Event", synonyms=["1"]), Term("MODERATE", decode="Moderate Adverse Event"),
    Term("SEVERE", decode="Severe Adverse Event")])
