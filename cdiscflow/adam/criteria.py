"""Criterion flags (ADaM BDS: CRITy / CRITyFL / CRITyFN and MCRITy / MCRITyML / MCRITyMN).

ADaM IG §3.3.8: CRITy holds the text of a criterion and CRITyFL whether the record meets it ("Y"/"N" or
"Y"/blank); MCRITy is a multi-category criterion whose response MCRITyML is one of several ordered levels.
Conditions are spec text in the safe expression language (:mod:`cdiscflow.expr`). Records where the
condition cannot be evaluated (a compared value is missing) do not meet it; with ``values_yn`` they are
"N" only if every variable used is present, else blank (admiral ``derive_vars_crit_flag``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdiscflow.adam._util import char, condition
from cdiscflow.errors import DerivationError
from cdiscflow.expr import parse


def derive_vars_crit_flag(df: pd.DataFrame, crit_nr: int, condition_text: str, description: str, *,
                          values_yn: bool = False, create_numeric_flag: bool = False,
                          prefix: str = "CRIT") -> pd.DataFrame:
    """Add CRITy (``description``), CRITyFL (and CRITyFN) for criterion number ``crit_nr``."""
    names = parse(condition_text).names
    missing_cols = [n for n in names if n not in df.columns]
    if missing_cols:
        raise DerivationError(f"{prefix}{crit_nr}: the condition uses unknown column(s) {', '.join(missing_cols)}",
                              variable=missing_cols[0], expected="columns of the dataset")
    met = condition(df, condition_text)
    known = pd.Series(True, index=df.index)
    for n in names:
        col = df[n]
        known &= col.notna() & ~(col.astype("str").str.strip() == "")
    fl = np.where(met, "Y", np.where(known & values_yn, "N", ""))
    out = df.assign(**{f"{prefix}{crit_nr}": char(np.full(len(df), description), df.index),
                       f"{prefix}{crit_nr}FL": char(fl, df.index)})
    if create_numeric_flag:
        out[f"{prefix}{crit_nr}FN"] = pd.Series(np.where(fl == "Y", 1.0, np.where(fl == "N", 0.0, np.nan)),
                                                index=df.index)
    return out


def derive_vars_mcrit(df: pd.DataFrame, crit_nr: int, description: str, levels: Sequence[dict]) -> pd.DataFrame:
    """Add MCRITy, MCRITyML and MCRITyMN: the first level whose ``condition`` holds.

    ``levels``: ``[{"condition": "AVAL < 0.5", "value": "<0.5", "n": 1}, ...]`` in priority order.
    Records meeting no level get blank MCRITyML/MCRITyMN; MCRITy is set on every record.
    """
    if not levels:
        raise DerivationError(f"MCRIT{crit_nr}: no levels given", expected="a list of {condition, value, n}")
    masks = [condition(df, lv["condition"]).to_numpy() for lv in levels]
    ml = np.select(masks, [str(lv["value"]) for lv in levels], default="")
    mn = np.select(masks, [float(lv.get("n", i + 1)) for i, lv in enumerate(levels)], default=np.nan)
    return df.assign(**{f"MCRIT{crit_nr}": char(np.full(len(df), description), df.index),
                        f"MCRIT{crit_nr}ML": char(ml, df.index),
                        f"MCRIT{crit_nr}MN": pd.Series(mn, index=df.index, dtype="float64")})
