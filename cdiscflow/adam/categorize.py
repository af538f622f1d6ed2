"""Categorisation and decoding from spec tables (AGEGR1/AGEGR1N, BMIBLGR1, RACEN, TRT01PN …).

ADaM IG: grouping variables (*GRy) and their numeric versions (*GRyN) are derived from a continuous or
coded variable by rules stated in the spec. A category table is a list of ``{value, n, lower, upper,
condition}``: ``lower`` is inclusive (``>=``), ``upper`` exclusive (``<``), ``condition`` a safe expression;
the first matching row wins. Decoding maps one variable's values to another through a dictionary
(e.g. a codelist's decodes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.adam._util import char, condition, require
from cdiscflow.errors import DerivationError


def derive_vars_cat(df: pd.DataFrame, source: str, table: Sequence[Mapping[str, Any]], new_var: str,
                    new_var_n: str | None = None) -> pd.DataFrame:
    """Add ``new_var`` (and ``new_var_n``) from ``source`` by the first matching category of ``table``.

    Missing ``source`` values match no bound-based category (they stay blank/NaN).
    """
    require(df, [source], f"derive_vars_cat({new_var})")
    if not table:
        raise DerivationError(f"{new_var}: empty category table", variable=new_var,
                              expected="a list of {value, n, lower, upper, condition}")
    v = pd.to_numeric(df[source], errors="coerce") if any("lower" in c or "upper" in c for c in table) else df[source]
    masks = []
    for cat in table:
        m = pd.Series(True, index=df.index)
        if "lower" in cat:
            m &= v >= cat["lower"]
        if "upper" in cat:
            m &= v < cat["upper"]
        if "condition" in cat:
            m &= condition(df, cat["condition"])
        if "lower" in cat or "upper" in cat:
            m &= v.notna()
        masks.append(m.fillna(False).to_numpy(dtype=bool))
    out = df.assign(**{new_var: char(np.select(masks, [str(c["value"]) for c in table], default=""), df.index)})
    if new_var_n:
        nums = [float(c.get("n", i + 1)) for i, c in enumerate(table)]
        out[new_var_n] = pd.Series(np.select(masks, nums, default=np.nan), index=df.index, dtype="float64")
    return out


def derive_var_decode(df: pd.DataFrame, source: str, new_var: str, mapping: Mapping[Any, Any], *,
                      strict: bool = True) -> pd.DataFrame:
    """``new_var`` = ``mapping[source]`` (e.g. RACEN from RACE, TRT01PN from TRT01P).

    With ``strict`` a non-missing value absent from ``mapping`` is a :class:`DerivationError` naming it.
    Numeric results become float64, text results text ("" for missing).
    """
    require(df, [source], f"derive_var_decode({new_var})")
    src = df[source]
    res = src.map(dict(mapping))
    present = src.notna() & (src.astype("str").str.strip() != "")
    unknown = present & res.isna()
    if strict and unknown.any():
        raise DerivationError(f"{new_var}: no decode for {source} = {src[unknown].iloc[0]!r}", variable=source,
                              row=", ".join(map(str, df.index[unknown][:5])),
                              expected=f"one of {', '.join(map(str, list(mapping)[:10]))}")
    numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for x in mapping.values())
    res = res.astype("float64") if numeric else char(res, df.index)
    return df.assign(**{new_var: res})
