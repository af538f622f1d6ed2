"""Record-level flags: first/last/worst records within by-groups, treatment emergence.

* :func:`derive_var_extreme_flag` — admiral ``derive_var_extreme_flag``: within each ``by`` group the
  first (or last) record in ``order`` among the records meeting ``filter`` is flagged. ADaM occurrence flags
  (AOCCFL, AOCCSFL, AOCCPFL, AOCCzzFL; ADaM OCCDS IG §4.3) and baseline flags (ABLFL) are this rule.
* :func:`derive_var_worst_flag` — the worst record per group where "worst" is the highest/lowest value or
  a ranking of categories (e.g. MILD < MODERATE < SEVERE), ties broken by ``order``.
* :func:`derive_var_trtemfl` — the ADaM treatment-emergent flag (ADaM OCCDS IG §4.4; admiral
  ``derive_var_trtemfl``).
* :func:`derive_var_ontrtfl` — the on-treatment flag ONTRTFL (ADaM IG §3.3.8; admiral ``derive_var_ontrtfl``).
* :func:`derive_var_relative_flag` — every record before/after the first/last record meeting a condition
  (admiral ``derive_var_relative_flag``), e.g. records up to the first PD.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, condition, extreme_records, flag, ordered, require
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
    cand = df.loc[condition(df, filter), list(dict.fromkeys([*by, *cols]))]  # only the key columns are sorted
    if check_unique and cand.duplicated(by + cols).any():
        rows = cand.index[cand.duplicated(by + cols, keep=False)][:5].tolist()
        raise DerivationError(f"{new_var}: records tie on {', '.join(by + cols)}", variable=new_var,
                              row=", ".join(map(str, rows)), expected="a unique order within each group")
    chosen = extreme_records(cand, by, order, mode).index
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
    keys = list(dict.fromkeys([*by, *[o.lstrip("-") for o in order]]))
    cand = df.loc[condition(df, filter) & rank.notna(), keys].assign(__rank__=rank)
    chosen = extreme_records(cand, by, ["__rank__", *order], "first").index
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


def derive_var_ontrtfl(df: pd.DataFrame, new_var: str = "ONTRTFL", *, start_date: str,
                       ref_start_date: str, end_date: str | None = None, ref_end_date: str | None = None,
                       ref_end_window: int = 0, ignore_time_for_ref_end_date: bool = True,
                       filter_pre_timepoint: str | None = None, span_period: bool = False) -> pd.DataFrame:
    """On-treatment flag (``Y`` or blank) for a dated record or an event with start and end (admiral's rules).

    ``Y`` when the start is missing but the reference start is known, or the start equals the reference start
    (unless ``filter_pre_timepoint`` holds, e.g. ``"VSTPT == 'PRE'"``), or the start is after the reference
    start and — with ``ref_end_date`` — on/before ``ref_end_date + ref_end_window`` days (dates compared when
    ``ignore_time_for_ref_end_date``; an unknown reference end does not close the window). With ``end_date``,
    a record that ended before the reference start is blank. With ``span_period`` (needs both end dates), a
    record that started before the reference start and is ongoing or ends on/after it is ``Y``.

    >>> vs = pd.DataFrame({"ADT": [10.0, 0.0, -1.0, 90.0], "TRTSDT": 0.0, "TRTEDT": 60.0})
    >>> derive_var_ontrtfl(vs, start_date="ADT", ref_start_date="TRTSDT", ref_end_date="TRTEDT",
    ...                    ref_end_window=30)["ONTRTFL"].tolist()
    ['Y', 'Y', '', 'Y']
    """
    if isinstance(ref_end_window, bool) or not isinstance(ref_end_window, (int, np.integer)) or ref_end_window < 0:
        raise DerivationError(f"ref_end_window {ref_end_window!r}", variable=new_var,
                              expected="a non-negative whole number of days")
    if span_period and (end_date is None or ref_end_date is None):
        raise DerivationError("span_period needs end_date and ref_end_date", variable=new_var,
                              expected="end_date and ref_end_date")
    require(df, [c for c in (start_date, ref_start_date, end_date, ref_end_date) if c],
            f"derive_var_ontrtfl({new_var})")
    start, ref = df[start_date], df[ref_start_date]

    def known(mask: pd.Series) -> pd.Series:
        return mask.fillna(False).astype(bool)

    on = known(start.isna() & ref.notna()) | known(ref == start)
    if filter_pre_timepoint is not None:
        on &= ~condition(df, filter_pre_timepoint)
    if ref_end_date is None:
        on |= known(ref < start)
    else:
        ref_end = df[ref_end_date]
        if ignore_time_for_ref_end_date:
            limit = _on_day(start, start_date) <= _on_day(ref_end, ref_end_date) + ref_end_window
        else:
            limit = start <= ref_end + ref_end_window * (86400.0 if start_date.endswith("DTM") else 1.0)
        in_window = known(limit) | known(ref.notna() & ref_end.isna())
        on |= known(ref < start) & in_window
    if end_date is not None:
        on &= ~known(df[end_date] < ref)
    if span_period:
        on |= in_window & (df[end_date].isna() | known(df[end_date] >= ref))
    return df.assign(**{new_var: flag(on, df.index)})


def derive_var_relative_flag(df: pd.DataFrame, by: str | Sequence[str], order: Sequence[str], new_var: str,
                             condition_text: str, *, mode: str, selection: str, inclusive: bool,
                             flag_no_ref_groups: bool = True) -> pd.DataFrame:
    """Flag (``Y``/blank) the records before or after the ``mode`` (first|last) record meeting
    ``condition_text`` within each ``by`` group in ``order`` (``inclusive``: the reference record too).
    Groups without such a record are flagged whole when ``flag_no_ref_groups``. ``by`` + ``order`` must
    identify records (an error otherwise, admiral's ``check_type = "error"``).

    >>> rs = pd.DataFrame({"USUBJID": "1", "ADY": [1.0, 2.0, 3.0, 4.0], "AVALC": ["SD", "PD", "SD", "PD"]})
    >>> derive_var_relative_flag(rs, "USUBJID", ["ADY"], "ANL02FL", "AVALC == 'PD'", mode="first",
    ...                          selection="before", inclusive=True)["ANL02FL"].tolist()
    ['Y', 'Y', '', '']
    """
    by = as_list(by)
    if mode not in ("first", "last") or selection not in ("before", "after"):
        raise DerivationError(f"mode {mode!r} / selection {selection!r}", variable=new_var,
                              expected="mode first|last and selection before|after")
    cols = [o.lstrip("-") for o in order]
    require(df, [*by, *cols], f"derive_var_relative_flag({new_var})")
    if df.duplicated(by + cols).any():
        rows = df.index[df.duplicated(by + cols, keep=False)][:5].tolist()
        raise DerivationError(f"{new_var}: records tie on {', '.join(by + cols)}", variable=new_var,
                              row=", ".join(map(str, rows)), expected="a unique order within each group")
    work = ordered(df, by, order)
    position = work.groupby(by, sort=False, dropna=False).cumcount()
    hits = condition(work, condition_text)
    reference = position.where(hits).groupby([work[b] for b in by], sort=False, dropna=False).transform(
        "min" if mode == "first" else "max")
    compare = {("before", True): position <= reference, ("before", False): position < reference,
               ("after", True): position >= reference, ("after", False): position > reference}[(selection, inclusive)]
    chosen = compare | (reference.isna() & flag_no_ref_groups)
    return df.assign(**{new_var: flag(chosen.reindex(df.index), df.index)})


def derive_var_flag_condition(df: pd.DataFrame, new_var: str, condition_text: str, *, true_value: str = "Y",
                              false_value: str = "") -> pd.DataFrame:
    """A flag from a spec condition (e.g. ``AREL``-type groupings, ``ANL02FL``, ``DSRAEFL``)."""
    return df.assign(**{new_var: flag(condition(df, condition_text), df.index, true_value, false_value)})
