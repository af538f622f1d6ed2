"""Baseline and change from baseline (ADaM BDS: ABLFL, BASE, BASEC, BNRIND, BASETYPE, CHG, PCHG, SHIFTy).

ADaM IG §3.3.4: the baseline record of a subject/parameter(/BASETYPE) carries ``ABLFL = "Y"``; BASE is the
AVAL of that record copied to every record of the group; CHG = AVAL − BASE; PCHG = 100 × CHG / BASE
(missing when BASE is 0 or missing). ABLFL is chosen with :func:`derive_var_extreme_flag` rules
(e.g. the last non-missing value on or before the first dose).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, char, condition, duplicated_keys, require
from cdiscflow.adam.flags import derive_var_extreme_flag
from cdiscflow.errors import DerivationError


def derive_var_ablfl(df: pd.DataFrame, by: str | Sequence[str], order: Sequence[str], *,
                     filter: str = "present(AVAL) and ADT <= TRTSDT", mode: str = "last",
                     new_var: str = "ABLFL") -> pd.DataFrame:
    """ABLFL: the ``mode`` record in ``order`` per ``by`` among candidates meeting ``filter``.

    Default: the last non-missing value on or before the treatment start date.
    """
    return derive_var_extreme_flag(df, by, order, new_var, mode=mode, filter=filter)


def derive_var_base(df: pd.DataFrame, by: str | Sequence[str], *, source: str = "AVAL", new_var: str = "BASE",
                    flag: str = "ABLFL", filter: str | None = None) -> pd.DataFrame:
    """BASE-type variables: ``source`` of the baseline record (``flag == "Y"``) copied within ``by``.

    Also used for BASEC (from AVALC), BNRIND (from ANRIND), BTOXGR … More than one baseline record per group
    is a :class:`DerivationError`. ``filter`` restricts which records receive the value.
    """
    by = as_list(by)
    require(df, [*by, source, flag], f"derive_var_base({new_var})")
    base = df.loc[df[flag].eq("Y"), [*by, source]].rename(columns={source: "__base__"})
    duplicated_keys(base, by, f"derive_var_base({new_var}): baseline records")
    merged = df[by].merge(base, on=by, how="left")["__base__"].to_numpy()
    keep = condition(df, filter).to_numpy()
    values = pd.Series(merged, index=df.index)
    if pd.api.types.is_numeric_dtype(df[source]):
        values = values.astype("float64").where(keep, np.nan)
    else:
        values = char(values.where(keep, ""), df.index)
    return df.assign(**{new_var: values})


def derive_var_chg(df: pd.DataFrame, *, source: str = "AVAL", base: str = "BASE", new_var: str = "CHG",
                   filter: str | None = None) -> pd.DataFrame:
    """CHG = AVAL − BASE (only where ``filter`` holds, e.g. post-baseline records; else missing)."""
    require(df, [source, base], f"derive_var_chg({new_var})")
    chg = (df[source] - df[base]).where(condition(df, filter), np.nan)
    return df.assign(**{new_var: chg.astype("float64")})


def derive_var_pchg(df: pd.DataFrame, *, source: str = "AVAL", base: str = "BASE", new_var: str = "PCHG",
                    filter: str | None = None) -> pd.DataFrame:
    """PCHG = 100 × (AVAL − BASE) / BASE; missing when BASE is 0 or missing (ADaM IG)."""
    require(df, [source, base], f"derive_var_pchg({new_var})")
    b = df[base].where(df[base] != 0)
    pchg = (100 * (df[source] - b) / b).where(condition(df, filter), np.nan)
    return df.assign(**{new_var: pchg.astype("float64")})


def derive_basetype_records(df: pd.DataFrame, basetypes: dict[str, str]) -> pd.DataFrame:
    """BASETYPE records (admiral ``derive_basetype_records``; ADaM IG §4.2.1).

    For each ``{BASETYPE: condition}`` the records meeting the condition are copied with that BASETYPE;
    records meeting none of the conditions are kept once with BASETYPE blank, first. E.g.
    ``{"LAST": "AVISITN <= 0 or AVISITN >= 1", "FIRST": "AVISITN != -1"}``.

    >>> df = pd.DataFrame({"AVISITN": [-1.0, 0.0, 1.0]})
    >>> derive_basetype_records(df, {"RUN-IN": "AVISITN <= 0", "DOUBLE-BLIND": "AVISITN >= 0"}).values.tolist()
    [[-1.0, 'RUN-IN'], [0.0, 'RUN-IN'], [0.0, 'DOUBLE-BLIND'], [1.0, 'DOUBLE-BLIND']]
    """
    if not basetypes:
        raise DerivationError("no BASETYPE given", variable="BASETYPE", expected="{BASETYPE: condition, ...}")
    masks = {name: condition(df, cond) for name, cond in basetypes.items()}
    covered = np.logical_or.reduce([m.to_numpy() for m in masks.values()])
    parts = [df[~covered].assign(BASETYPE="")] + [df[m].assign(BASETYPE=name) for name, m in masks.items()]
    out = pd.concat(parts, ignore_index=True)
    out["BASETYPE"] = out["BASETYPE"].astype("str")
    return out


def derive_var_shift(df: pd.DataFrame, new_var: str, from_var: str, to_var: str, *, sep: str = " to ",
                     missing: str = "NULL", filter: str | None = None) -> pd.DataFrame:
    """SHIFTy text such as ``"NORMAL to HIGH"`` from a baseline and a post-baseline category.

    Missing categories show as ``missing``; records not meeting ``filter`` get a blank.
    """
    require(df, [from_var, to_var], f"derive_var_shift({new_var})")

    def text(col: str) -> pd.Series:
        s = df[col].astype("str").fillna("")
        return s.where(s.str.strip() != "", missing)

    shift = (text(from_var) + sep + text(to_var)).where(condition(df, filter), "")
    return df.assign(**{new_var: char(shift, df.index)})


def derive_var_analysis_ratio(df: pd.DataFrame, numer_var: str, denom_var: str,
                              new_var: str | None = None) -> pd.DataFrame:
    """Ratio ``numer_var / denom_var`` (admiral ``derive_var_analysis_ratio``), e.g. R2BASE = AVAL / BASE or
    R2A1LO = AVAL / A1LO; named ``R2<denom_var>`` unless ``new_var``; a zero denominator gives NaN.

    >>> derive_var_analysis_ratio(pd.DataFrame({"AVAL": [10.0, 3.0], "BASE": [5.0, 0.0]}), "AVAL", "BASE")["R2BASE"].tolist()
    [2.0, nan]
    """
    require(df, [numer_var, denom_var], "derive_var_analysis_ratio")
    name = new_var or f"R2{denom_var}"
    return df.assign(**{name: (df[numer_var] / df[denom_var]).where(df[denom_var] != 0)})
