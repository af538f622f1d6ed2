"""Reference lookup tables admiral ships as data (``country_code_lookup``), read from ``cdiscflow/adam/data``."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def _countries() -> pd.DataFrame:
    rows = json.loads((DATA / "country_codes.json").read_text(encoding="utf-8"))["countries"]
    table = pd.DataFrame(rows, columns=["country_code", "country_name"]).sort_values("country_code", ignore_index=True)
    return table.assign(country_number=pd.Series(range(1, len(table) + 1), dtype="float64"))


def country_code_lookup() -> pd.DataFrame:
    """admiral's ``country_code_lookup``: ISO 3166-1 alpha-3 ``country_code``, ``country_name`` and
    ``country_number`` (1..249, the code's rank in alphabetical order, as admiral numbers them), e.g. for
    COUNTRYN/COUNTRYL.

    >>> t = country_code_lookup()
    >>> t[t["country_code"].isin(["ABW", "USA"])].values.tolist()
    [['ABW', 'Aruba', 1.0], ['USA', 'United States of America', 235.0]]
    """
    return _countries().copy()
