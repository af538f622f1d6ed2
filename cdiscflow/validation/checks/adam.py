"""ADaM rules (ADaMIG): ADSL one record per subject, BASE/CHG/ABLFL consistency, flag values, ADSL copies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.validation.checks.base import check, hit
from cdiscflow.validation.context import Target, match_names, text
from cdiscflow.validation.model import Hit


def _by(t: Target, by: list[str]) -> list[str]:
    """The grouping variables present in the dataset (BASETYPE is optional in BDS)."""
    return [b for b in by if b in t.df.columns]


@check("one_record_per")
def one_record_per(t: Target, by: list[str]) -> list[Hit]:
    """One record per ``by`` (ADSL: per USUBJID)."""
    keys = _by(t, by)
    if len(keys) < len(by):
        return []
    return hit(", ".join(keys), t.df.duplicated(keys, keep=False), None, t.text(keys[0]))


@check("constant_within")
def constant_within(t: Target, by: list[str]) -> list[Hit]:
    """Each variable holds one value within a ``by`` group (BASE per subject, parameter, BASETYPE)."""
    keys = _by(t, by)
    out: list[Hit] = []
    for name in t.variables:
        n = t.df.groupby(keys, dropna=False, sort=False)[name].transform("nunique")
        out += hit(name, n > 1, f"more than one value per {'/'.join(keys)}", t.df[name])
    return out


@check("change")
def change(t: Target, tolerance: float = 1e-6) -> list[Hit]:
    """CHG = AVAL − BASE where all three are present."""
    need = ("CHG", "AVAL", "BASE")
    if not set(need) <= set(t.df.columns):
        return []
    chg, aval, base = (pd.to_numeric(t.df[c], errors="coerce") for c in need)
    diff = (chg - (aval - base)).abs()
    bad = diff.notna() & (diff > tolerance * np.maximum(1.0, (aval - base).abs()))
    shown = "CHG=" + chg.astype("str") + ", AVAL-BASE=" + (aval - base).astype("str")
    return hit("CHG", bad, None, shown)


@check("at_most_one_flag")
def at_most_one_flag(t: Target, by: list[str], value: str = "Y") -> list[Hit]:
    """At most one record flagged ``value`` per ``by`` group (ABLFL per subject, parameter, BASETYPE)."""
    keys = _by(t, by)
    out: list[Hit] = []
    for name in t.variables:
        flagged = t.text(name).eq(value)
        n = flagged.groupby([t.df[k] for k in keys], dropna=False, sort=False).transform("sum")
        out += hit(name, flagged & (n > 1), f"more than one {value} per {'/'.join(keys)}")
    return out


@check("flag_values")
def flag_values(t: Target, allowed: list[str], exclude: list[str] | None = None,
                exclude_adsl: bool = False) -> list[Hit]:
    """Flag variables hold only the allowed values ("" = blank); ``exclude`` names (globs) are left out, and
    with ``exclude_adsl`` so are variables copied from ADSL (they keep ADSL's Y/N)."""
    skip = tuple(e.upper() for e in exclude or [])
    adsl = t.study.datasets.get("ADSL")
    adsl_vars = set(adsl.columns) if exclude_adsl and adsl is not None and t.name != "ADSL" else set()
    out: list[Hit] = []
    for name in t.variables:
        if match_names(name, skip) or name in adsl_vars or pd.api.types.is_numeric_dtype(t.df[name]):
            continue
        values = t.text(name)
        out += hit(name, ~values.isin(set(allowed)), f"allowed: {', '.join(v or 'blank' for v in allowed)}",
                   values)
    return out


@check("adsl_copy", needs=("ADSL",))
def adsl_copy(t: Target, exclude: list[str]) -> list[Hit]:
    """ADSL variables carried into another dataset keep the subject's ADSL value."""
    adsl = t.study.datasets["ADSL"]
    if t.name == "ADSL" or "USUBJID" not in t.df.columns or "USUBJID" not in adsl.columns:
        return []
    shared = [c for c in t.df.columns if c in adsl.columns and c not in set(exclude)]
    if not shared:
        return []
    ref = adsl.drop_duplicates("USUBJID")
    # each record's row in ADSL (-1: subject not in ADSL, reported by ADAM.USUBJID_IN_ADSL)
    pos = t.text("USUBJID").map(pd.Series(np.arange(len(ref)), index=text(ref["USUBJID"]))).fillna(-1)
    pos = pos.astype(int).to_numpy()
    known = pos >= 0
    out: list[Hit] = []
    at = np.where(known, pos, 0)
    for name in shared:
        mine = t.df[name]
        if pd.api.types.is_numeric_dtype(mine) and pd.api.types.is_numeric_dtype(ref[name]):
            a = pd.to_numeric(mine, errors="coerce").to_numpy(dtype=float)
            b = pd.to_numeric(ref[name], errors="coerce").to_numpy(dtype=float)[at]
            same = (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= 1e-9 * np.maximum(1, np.abs(b)))
            theirs = pd.Series(b)
        else:
            theirs = pd.Series(text(ref[name]).to_numpy()[at])
            same = (t.text(name).to_numpy() == theirs.to_numpy())
        rows = np.flatnonzero(known & ~same)
        if len(rows):  # the values are formatted for the offending rows only
            shown = text(mine.iloc[rows]).to_numpy(dtype=object) + " vs ADSL " + text(theirs.iloc[rows]).to_numpy(
                dtype=object)
            out.append(Hit(name, rows, "differs from ADSL", list(shown)))
    return out


