"""Analysis visits and windows (ADaM BDS: AVISIT, AVISITN, AWRANGE, AWTARGET, AWTDIFF, AWLO, AWHI, AWU).

Windows come from a spec table (one row per window): ``AVISIT``, ``AVISITN``, ``AWLO``, ``AWHI``
(missing = open bound), ``AWTARGET`` and optionally ``AWRANGE`` and any ``by`` columns (e.g. PARAMCD for
parameter-specific windows). A record whose analysis day lies in ``[AWLO, AWHI]`` is placed in that window;
when windows overlap the record appears once per window (ADaM IG allows a record in several windows).
Records outside every window get a blank AVISIT. :func:`derive_var_anl_flag` then picks one record per
subject/parameter/window by a choice rule (closest to target, first, last).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, char, condition, flag, ordered, require
from cdiscflow.errors import DerivationError

WINDOW_COLUMNS = ("AVISIT", "AVISITN", "AWLO", "AWHI", "AWTARGET")


def window_range(lo: pd.Series, hi: pd.Series) -> pd.Series:
    """AWRANGE text: ``"2-84"``, ``"<=1"`` (no lower bound) or ``">140"`` (no upper bound)."""
    def fmt(s: pd.Series) -> pd.Series:
        return s.map(lambda v: "" if pd.isna(v) else f"{v:g}")

    text = np.where(lo.isna(), "<=" + fmt(hi), np.where(hi.isna(), ">" + fmt(lo - 1), fmt(lo) + "-" + fmt(hi)))
    return char(text, lo.index)


def windows_frame(windows: pd.DataFrame | Sequence[dict]) -> pd.DataFrame:
    """Validate a window table (from a spec's settings) and fill AWRANGE when absent."""
    table = pd.DataFrame(list(windows)) if not isinstance(windows, pd.DataFrame) else windows.copy()
    missing = [c for c in WINDOW_COLUMNS if c not in table.columns]
    if missing:
        raise DerivationError(f"window table lacks {', '.join(missing)}", variable=missing[0],
                              expected=f"columns {', '.join(WINDOW_COLUMNS)}")
    for col in ("AVISITN", "AWLO", "AWHI", "AWTARGET"):
        table[col] = pd.to_numeric(table[col], errors="coerce").astype("float64")
    if "AWRANGE" not in table.columns:
        table["AWRANGE"] = window_range(table["AWLO"], table["AWHI"])
    return table


def derive_vars_window(df: pd.DataFrame, windows: pd.DataFrame | Sequence[dict], *, day: str = "ADY",
                       by: str | Sequence[str] | None = None, unit: str = "DAYS",
                       filter: str | None = None) -> pd.DataFrame:
    """Assign analysis windows by ``day`` (BDS: AVISIT/AVISITN/AWRANGE/AWTARGET/AWTDIFF/AWLO/AWHI/AWU).

    ``AWTDIFF = |day − AWTARGET|``. Only records meeting ``filter`` are windowed; the others keep blank
    window variables. The result keeps the input order (a record in overlapping windows is repeated).
    """
    by = as_list(by)
    table = windows_frame(windows)
    require(df, [day, *by], "derive_vars_window")
    require(table, by, "derive_vars_window (window table)")
    keep = [*by, *WINDOW_COLUMNS, "AWRANGE"]
    base = df.drop(columns=[c for c in [*keep[len(by):], "AWTDIFF", "AWU"] if c in df.columns])
    base = base.assign(__row__=np.arange(len(df)), __sel__=condition(df, filter).to_numpy())
    cand = base[base["__sel__"]]
    joined = cand.merge(table[keep], on=by, how="inner") if by else cand.merge(table[keep], how="cross")
    d = joined[day]
    inside = d.notna() & (joined["AWLO"].isna() | (d >= joined["AWLO"])) & (joined["AWHI"].isna() | (d <= joined["AWHI"]))
    joined = joined[inside]
    rest = base[~base["__row__"].isin(joined["__row__"])]
    out = pd.concat([joined, rest], ignore_index=True).sort_values("__row__", kind="mergesort")
    out["AVISIT"] = out["AVISIT"].fillna("").astype("str")
    out["AWRANGE"] = out["AWRANGE"].fillna("").astype("str")
    out["AWTDIFF"] = (out[day] - out["AWTARGET"]).abs()
    out["AWU"] = char(np.where(out["AVISIT"].ne(""), unit, ""), out.index)
    return out.drop(columns=["__row__", "__sel__"]).reset_index(drop=True)


def derive_var_anl_flag(df: pd.DataFrame, by: str | Sequence[str], new_var: str = "ANL01FL", *,
                        rule: str = "closest", day: str = "ADY", target: str = "AWTARGET",
                        order: Sequence[str] = (), filter: str | None = None) -> pd.DataFrame:
    """Analysis record flag: one record per ``by`` group (e.g. USUBJID, PARAMCD, AVISIT) is flagged ``Y``.

    ``rule``: ``"closest"`` — smallest ``|day − target|``, ties broken by ``order`` (default: the earlier
    day first, the SAP convention); ``"first"``/``"last"`` — first/last in ``order`` (default ``day``).
    Only records meeting ``filter`` (e.g. ``AVISIT != "" and present(AVAL)``) are candidates.
    """
    by = as_list(by)
    if rule not in ("closest", "first", "last"):
        raise DerivationError(f"rule {rule!r}", variable=new_var, expected="closest, first or last")
    require(df, [*by, day], f"derive_var_anl_flag({new_var})")
    work = df.assign(__dist__=(df[day] - df[target]).abs() if rule == "closest" else 0.0)
    cand = work[condition(df, filter)]
    tie = list(order) or [day]
    keys = ["__dist__", *tie] if rule == "closest" else tie
    keep = "last" if rule == "last" else "first"
    chosen = ordered(cand, by, keys).drop_duplicates(by, keep=keep).index
    return df.assign(**{new_var: flag(df.index.isin(chosen), df.index)})
