"""Record-level flags: first/last/worst records within by-groups, treatment emergence.

* :func:`derive_var_extreme_flag` — admiral ``derive_var_extreme_flag``: within each ``by`` group the
  first (or last) record in ``order`` among the records meeting ``filter`` is flagged. ADaM occurrence flags
  (AOCCFL, AOCCSFL, AOCCPFL, AOCCzzFL; ADaM OCCDS IG §4.3) and baseline flags (ABLFL) are this rule.
* :func:`derive_var_worst_flag` — the worst record per group where "worst" is the highest/lowest value or
  a ranking of categories (e.g. MILD < MODERATE < SEVERE), ties broken by ``order``.
* :func:`derive_var_trtemfl` — the ADaM treatment-emergent flag (ADaM OCCDS IG §4.4; admiral
  ``derive_var_trtemfl``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, condition, flag, ordered, require
from cdiscflow.errors import DerivationError


def derive_var_extreme_flag(df: pd.DataFrame, by: str | Sequence[str], order: Sequence[str], new_var: str, *,
                            mode: str = "first", filter: str | None = None, true_value: str = "Y",
                            false_value: str = "", check_unique: bool = False) -> pd.DataFrame:
    """Flag the ``mode`` (first|last) record per ``by`` group in ``order`` among records meeting ``filter``.

    ``order`` lists sort columns (``-COL`` for descending); missing values sort last. Records not meeting
    ``filter`` get ``false_value``. With ``check_unique`` a tie on ``by`` + ``order`` is an error.
    """
    by = as_list(by)
    if mode not in ("first", "last"):
        raise DerivationError(f"mode {mode!r}", variable=new_var, expected="first or last")
    cols = [o.lstrip("-") for o in order]
    require(df, [*by, *cols], f"derive_var_extreme_flag({new_var})")
    cand = df[condition(df, filter)]
    if check_unique and cand.duplicated(by + cols).any():
        rows = cand.index[cand.duplicated(by + cols, keep=False)][:5].tolist()
        raise DerivationError(f"{new_var}: records tie on {', '.join(by + cols)}", variable=new_var,
                              row=", ".join(map(str, rows)), expected="a unique order within each group")
    chosen = ordered(cand, by, order).drop_duplicates(by, keep=mode).index
    return df.assign(**{new_var: flag(df.index.isin(chosen), df.index, true_value, false_value)})


def derive_var_worst_flag(df: pd.DataFrame, by: str | Sequence[str], source: str, new_var: str, *,
                          worst: str | Sequence[str] = "high", order: Sequence[str] = (),
                          filter: str | None = None, true_value: str = "Y", false_value: str = "") -> pd.DataFrame:
    """Flag the worst record per ``by`` group (e.g. worst severity per subject, AOCCIFL-style).

    ``worst``: ``"high"`` (largest ``source``), ``"low"`` (smallest) or a list of categories from best to
    worst (``["MILD", "MODERATE", "SEVERE"]``); values outside the list never count as worst. Ties are
    broken by ``order`` (first record wins).
    """
    by = as_list(by)
    require(df, [*by, source], f"derive_var_worst_flag({new_var})")
    if isinstance(worst, str):
        if worst not in ("high", "low"):
            raise DerivationError(f"worst {worst!r}", variable=new_var, expected="high, low or a list of categories")
        rank = pd.to_numeric(df[source], errors="coerce")
        rank = -rank if worst == "high" else rank
    else:
        rank = -df[source].map({v: i for i, v in enumerate(worst)}).astype("float64")
    work = df.assign(__rank__=rank)
    cand = work[condition(df, filter) & rank.notna()]
    chosen = ordered(cand, by, ["__rank__", *order]).drop_duplicates(by, keep="first").index
    return df.assign(**{new_var: flag(df.index.isin(chosen), df.index, true_value, false_value)})


def derive_var_trtemfl(df: pd.DataFrame, new_var: str = "TRTEMFL", *, start_date: str = "ASTDT",
                       end_date: str | None = "AENDT", trt_start_date: str = "TRTSDT",
                       trt_end_date: str | None = "TRTEDT", end_window: float | None = None,
                       initial_intensity: str | None = None, intensity: str | None = None,
                       intensity_order: Sequence[str] = ("MILD", "MODERATE", "SEVERE"),
                       missing_start_emergent: bool = True, true_value: str = "Y",
                       false_value: str = "") -> pd.DataFrame:
    """Treatment-emergent flag (ADaM OCCDS: an event starting, or worsening, on or after first dose).

    ``Y`` when the treatment start is known and

    * the event starts on/after treatment start and, if ``end_window`` (days) is given, no later than
      ``trt_end_date + end_window``; or
    * ``missing_start_emergent`` and the start is missing while the end is missing or on/after treatment
      start (admiral's conservative rule); or
    * worsening rule: with ``initial_intensity``/``intensity`` columns, a pre-existing event (start before
      treatment) whose intensity is worse than its initial intensity (ranked by ``intensity_order``),
      within the end window.

    Otherwise ``false_value``. Works on dates (days) or datetimes alike as long as all columns share the unit;
    ``end_window`` is in days for dates (use seconds × 86400 for datetimes).
    """
    cols = [start_date, trt_start_date] + [c for c in (end_date, trt_end_date, initial_intensity, intensity) if c]
    require(df, cols, f"derive_var_trtemfl({new_var})")
    start, trt_start = df[start_date], df[trt_start_date]
    if end_window is not None and trt_end_date is None:
        raise DerivationError("end_window needs trt_end_date", variable=new_var, expected="trt_end_date")
    if (initial_intensity is None) != (intensity is None):
        raise DerivationError("the worsening rule needs both initial_intensity and intensity", variable=new_var,
                              expected="both or neither")
    in_window = pd.Series(True, index=df.index)
    if end_window is not None:  # an unknown treatment end does not close the window
        in_window = (start <= df[trt_end_date] + end_window) | df[trt_end_date].isna()
    emergent = trt_start.notna() & (start >= trt_start) & in_window
    if missing_start_emergent:
        end = df[end_date] if end_date else pd.Series(np.nan, index=df.index)
        emergent |= trt_start.notna() & start.isna() & (end.isna() | (end >= trt_start))
    if intensity and initial_intensity:
        ranks = {v: i for i, v in enumerate(intensity_order)}
        worse = df[intensity].map(ranks) > df[initial_intensity].map(ranks)
        emergent |= trt_start.notna() & (start < trt_start) & worse.fillna(False).astype(bool) & in_window
    return df.assign(**{new_var: flag(emergent, df.index, true_value, false_value)})


def derive_var_flag_condition(df: pd.DataFrame, new_var: str, condition_text: str, *, true_value: str = "Y",
                              false_value: str = "") -> pd.DataFrame:
    """A flag from a spec condition (e.g. ``AREL``-type groupings, ``ANL02FL``, ``DSRAEFL``)."""
    return df.assign(**{new_var: flag(condition(df, condition_text), df.index, true_value, false_value)})
