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


def _is_missing(values: pd.Series) -> pd.Series:
    """Missing in the ADaM sense: NaN for numeric, ``""`` (or NaN) for character."""
    return values.isna() | values.astype("object").eq("")


def _worse(after: pd.Series, before: pd.Series, order: Sequence[str] | None) -> pd.Series:
    """``before < after`` per record (False where either is missing).

    Without ``order`` the values are compared as they are, as admiral does (``"1" < "3"``, and
    ``"MILD" < "MODERATE" < "SEVERE"`` happen to sort alphabetically); with ``order`` (best to worst) by rank,
    values outside the list counting as missing.
    """
    if order is not None:
        ranks = {v: float(i) for i, v in enumerate(order)}
        return after.map(ranks).gt(before.map(ranks)).fillna(False).astype(bool)
    known = ~(_is_missing(after) | _is_missing(before))
    result = pd.Series(False, index=after.index)
    if known.any():
        result[known] = after[known].to_numpy(dtype=object) > before[known].to_numpy(dtype=object)
    return result


def _on_day(values: pd.Series, column: str) -> pd.Series:
    """SAS datetimes (``--DTM``, seconds) as SAS day numbers; dates unchanged."""
    return np.floor(values / 86400.0) if column.endswith("DTM") else values


def derive_var_trtemfl(df: pd.DataFrame, new_var: str = "TRTEMFL", *, start_date: str = "ASTDT",
                       end_date: str | None = "AENDT", trt_start_date: str = "TRTSDT",
                       trt_end_date: str | None = None, end_window: int | None = None,
                       ignore_time_for_trt_end: bool = True, initial_intensity: str | None = None,
                       intensity: str | None = None, intensity_order: Sequence[str] | None = None,
                       group_var: str | None = None, subject_keys: Sequence[str] = ("USUBJID",),
                       missing_start_emergent: bool = True, true_value: str = "Y",
                       false_value: str = "") -> pd.DataFrame:
    """Treatment-emergent flag (ADaM OCCDS IG §4.4), with admiral's ``derive_var_trtemfl`` cases.

    The first case that applies decides (``false_value`` is admiral's ``NA``):

    1. not treated (``trt_start_date`` missing) → ``false_value``;
    2. the event ended before treatment start → ``false_value``;
    3. no start date → ``true_value`` (the conservative reading; ``missing_start_emergent=False`` gives
       ``false_value`` instead — a cdiscflow extension for sponsors such as the CDISC pilot);
    4. a new event: it started on/after treatment start and, with ``end_window`` (days), on/before
       ``trt_end_date + end_window`` (compared on dates when ``ignore_time_for_trt_end``);
    5. worsening: without ``group_var``, it started before treatment and ``initial_intensity < intensity``
       or either is missing; with ``group_var`` (one episode recorded over several records), a record on
       treatment whose intensity is above the previous record's, and every later record of the episode;
       a new event in case 4 needs an episode without records before treatment. The end window does not
       apply to worsening (as in admiral);
    6. otherwise ``false_value``.

    Dates are SAS day numbers or, for columns named ``--DTM``, SAS datetimes (seconds).

    >>> ae = pd.DataFrame({"ASTDT": [9.0, 10.0, np.nan, 8.0], "AENDT": [9.0, 12.0, np.nan, np.nan],
    ...                    "TRTSDT": 10.0, "AEITOXGR": ["1", "1", "1", "1"], "AETOXGR": ["2", "1", "1", "3"]})
    >>> derive_var_trtemfl(ae, initial_intensity="AEITOXGR", intensity="AETOXGR")["TRTEMFL"].tolist()
    ['', 'Y', 'Y', 'Y']
    """
    if group_var is None and (initial_intensity is None) != (intensity is None):
        given = "initial_intensity" if initial_intensity else "intensity"
        raise DerivationError(f"{given} was given without its partner", variable=new_var,
                              expected="both initial_intensity and intensity, or neither")
    if group_var is not None and not subject_keys:
        raise DerivationError("group_var needs subject_keys", variable=new_var, expected="subject_keys")
    if end_window is not None:
        if trt_end_date is None:
            raise DerivationError("end_window needs trt_end_date", variable=new_var, expected="trt_end_date")
        if isinstance(end_window, bool) or not isinstance(end_window, (int, np.integer)) or end_window < 0:
            raise DerivationError(f"end_window {end_window!r}", variable=new_var,
                                  expected="a non-negative whole number of days")
    worsening_cols = [intensity] + ([] if group_var else [initial_intensity])
    cols = [start_date, trt_start_date, *[c for c in (end_date, trt_end_date, *worsening_cols, group_var) if c],
            *(subject_keys if group_var else [])]
    require(df, cols, f"derive_var_trtemfl({new_var})")
    start, trt_start = df[start_date], df[trt_start_date]
    end = df[end_date] if end_date else pd.Series(np.nan, index=df.index)

    in_window = pd.Series(True, index=df.index)
    if end_window is not None:
        trt_end = df[trt_end_date]
        if ignore_time_for_trt_end:
            limit_ok = _on_day(start, start_date) <= _on_day(trt_end, trt_end_date) + end_window
        else:
            limit_ok = start <= trt_end + end_window * (86400.0 if start_date.endswith("DTM") else 1.0)
        in_window = trt_end.isna() | limit_ok

    before = (start < trt_start).fillna(False).astype(bool)
    if group_var is None:
        new_event = (start >= trt_start).fillna(False).astype(bool)
        worsened = pd.Series(False, index=df.index)
        if intensity is not None:
            missing = _is_missing(df[initial_intensity]) | _is_missing(df[intensity])
            worsened = before & (_worse(df[intensity], df[initial_intensity], intensity_order) | missing)
    else:
        keys = [*subject_keys, group_var]
        new_event = ~before.groupby([df[k] for k in keys], dropna=False).transform("any").astype(bool)
        worsened = pd.Series(False, index=df.index)
        if intensity is not None:
            work = ordered(df[[*keys, start_date, trt_start_date, intensity]], keys, [start_date])
            episode = work.groupby(keys, dropna=False, sort=False)
            previous = episode[intensity].shift(1)
            step_up = (work[start_date].notna() & work[trt_start_date].notna() & ~_is_missing(previous)
                       & (work[start_date] >= work[trt_start_date]).fillna(False).astype(bool)
                       & _worse(work[intensity], previous, intensity_order))
            worsened = step_up.astype(int).groupby([work[k] for k in keys], dropna=False).cummax().astype(bool)
            worsened = worsened.reindex(df.index)

    cases = [
        (trt_start.isna(), False),
        ((end < trt_start).fillna(False).astype(bool), False),
        (start.isna(), missing_start_emergent),
        (new_event & in_window, True),
        (worsened, True),
    ]
    decided = pd.Series(False, index=df.index)
    emergent = pd.Series(False, index=df.index)
    for mask, value in cases:
        take = mask.to_numpy(dtype=bool) & ~decided.to_numpy()
        emergent[take] = value
        decided |= take
    return df.assign(**{new_var: flag(emergent, df.index, true_value, false_value)})


def derive_var_flag_condition(df: pd.DataFrame, new_var: str, condition_text: str, *, true_value: str = "Y",
                              false_value: str = "") -> pd.DataFrame:
    """A flag from a spec condition (e.g. ``AREL``-type groupings, ``ANL02FL``, ``DSRAEFL``)."""
    return df.assign(**{new_var: flag(condition(df, condition_text), df.index, true_value, false_value)})
