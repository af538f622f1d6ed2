"""Derived records in BDS datasets, with DTYPE (ADaM IG §3.3.5: derived rows are new records).

* :func:`derive_locf_records` — last observation carried forward (DTYPE = "LOCF"), as admiral
  ``derive_locf_records``: for every expected (subject, parameter, visit) without an analysable value a record
  is added from the last earlier analysable record.
* :func:`derive_summary_records` — a record summarising several records (DTYPE = "AVERAGE", "MAXIMUM" …),
  as admiral ``derive_summary_records``.
* :func:`derive_extreme_records` — a copy of the first/last record per group (e.g. an End-of-Treatment
  visit, AVISITN 99), as admiral ``derive_extreme_records``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, condition, extreme_records, ordered, require
from cdiscflow.errors import DerivationError


def _set(frame: pd.DataFrame, values: dict[str, Any] | None) -> pd.DataFrame:
    return frame.assign(**values) if values else frame


def derive_locf_records(df: pd.DataFrame, expected: pd.DataFrame, by: str | Sequence[str], order: str, *,
                        analysis_var: str = "AVAL", filter: str | None = None, dtype: str = "LOCF",
                        subjects: pd.DataFrame | None = None, tie_order: Sequence[str] = (),
                        set_values: dict[str, Any] | None = None, after_last_only: bool = False) -> pd.DataFrame:
    """Append LOCF records for expected visits without an analysable value.

    ``expected``: one row per expected visit with the visit variables to set on the new record (e.g.
    ``AVISIT``, ``AVISITN``, ``AWTARGET``…) and optionally columns of ``by`` (e.g. PARAMCD). ``order`` is the
    visit order column present in both (e.g. AVISITN). The expected grid is ``expected`` × the ``by`` groups
    present in ``df`` (or in ``subjects``). Candidates to carry forward are records meeting ``filter``
    (e.g. ``ANL01FL == "Y"``) with a non-missing ``analysis_var``; the last one with ``order`` below the
    missing visit is copied (among several with the same ``order``, the last in ``tie_order``, e.g. ADY),
    its visit variables replaced by the expected ones, ``set_values`` applied (e.g. ``{"ABLFL": ""}``: a
    carried baseline is not a baseline record) and ``DTYPE`` set. Groups with no earlier value get no record.
    With ``after_last_only`` only visits after the group's last analysable record are imputed (monotone
    missingness: a participant's values are carried forward after drop-out, an intermediate missed visit
    stays missing). Output: input records then new records, sorted by ``by`` and ``order``.
    """
    by = as_list(by)
    require(df, [*by, order, analysis_var], "derive_locf_records")
    require(expected, [order], "derive_locf_records (expected visits)")
    visit_cols = [c for c in expected.columns if c not in by]
    shared_by = [b for b in by if b in expected.columns]
    groups = (subjects if subjects is not None else df)[by].drop_duplicates()
    grid = groups.merge(expected, on=shared_by, how="inner") if shared_by else groups.merge(expected, how="cross")
    cand = df[condition(df, filter) & df[analysis_var].notna()]
    present = cand[[*by, order]].drop_duplicates().assign(__have__=True)
    need = grid.merge(present, on=[*by, order], how="left")
    need = need[need["__have__"].isna()].drop(columns="__have__")
    if after_last_only:
        last = present.groupby(by)[order].max().rename("__last__").reset_index()
        need = need.merge(last, on=by, how="inner")
        need = need[need[order] > need["__last__"]].drop(columns="__last__")
    if need.empty:
        return df.copy()
    src = cand.rename(columns={order: "__src_order__"})
    src = src.assign(**{order: src["__src_order__"].astype("float64")})
    src = src.sort_values([order, *tie_order], kind="mergesort", na_position="first")
    need = need.assign(**{order: need[order].astype("float64")}).sort_values(order, kind="mergesort")
    carried = pd.merge_asof(need[[*by, *visit_cols]], src.drop(columns=[c for c in visit_cols if c != order]),
                            on=order, by=by, direction="backward", allow_exact_matches=False)
    carried = carried[carried["__src_order__"].notna()].drop(columns="__src_order__")
    carried = _set(carried, set_values)
    carried["DTYPE"] = dtype
    out = pd.concat([df, carried[[c for c in df.columns if c in carried.columns] + (["DTYPE"] if "DTYPE" not in
                                                                                   df.columns else [])]],
                    ignore_index=True)
    out["DTYPE"] = out["DTYPE"].fillna("").astype("str")
    return ordered(out, by, [order]).reset_index(drop=True)


def derive_var_locf(df: pd.DataFrame, by: str | Sequence[str], order: Sequence[str], *, candidates: str,
                    target: str, analysis_var: str = "AVAL", dtype: str = "LOCF",
                    flag_unchanged: bool = True) -> pd.DataFrame:
    """LOCF within existing records: ``analysis_var`` of records meeting ``target`` is replaced by the last
    earlier value (in ``order`` within ``by``) of a record meeting ``candidates``, and DTYPE set.

    Used when only analysis records may be carried forward (e.g. a value outside the chosen record of its
    window counts as missing and is imputed); target records without an earlier candidate are unchanged.
    With ``flag_unchanged=False`` a record whose value equals the carried one keeps its DTYPE (nothing was
    imputed in effect).
    """
    by = as_list(by)
    require(df, [*by, *[o.lstrip("-") for o in order], analysis_var], "derive_var_locf")
    work = ordered(df, by, order)
    cand = condition(work, candidates) & work[analysis_var].notna()
    carried = work[analysis_var].where(cand).groupby([work[b] for b in by], sort=False).ffill()
    hit = condition(work, target) & ~cand & carried.notna()
    out = df.copy()
    out.loc[work.index[hit], analysis_var] = carried[hit].to_numpy()
    if not flag_unchanged:
        hit &= work[analysis_var].ne(carried)
    idx = work.index[hit]
    dtypes = out["DTYPE"] if "DTYPE" in out.columns else pd.Series("", index=out.index)
    out["DTYPE"] = dtypes.fillna("").astype("str").where(~out.index.isin(idx), dtype)
    return out


def derive_summary_records(df: pd.DataFrame | None, by: str | Sequence[str], *, analysis_var: str = "AVAL",
                           fun: str = "mean", filter: str | None = None,
                           set_values: dict[str, Any] | None = None, add: pd.DataFrame | None = None,
                           summaries: dict[str, str] | None = None) -> pd.DataFrame:
    """Append one record per ``by`` group summarising ``analysis_var`` (``fun``: mean, sum, min, max, median)
    over the records of ``add`` (default ``df``) meeting ``filter`` (admiral ``derive_summary_records``).

    The new record has the ``by`` columns, the summary in ``analysis_var``, the further ``summaries``
    (``{column: fun}``, e.g. ``{"ADY": "min"}``; missing values are skipped, as ``na.rm = TRUE``) and
    ``set_values`` (e.g. ``{"DTYPE": "AVERAGE", "AVISIT": "Weeks 4-24", "AVISITN": 98}``); other columns are
    missing. With ``df`` None only the new records are returned. Groups with a missing ``by`` value (e.g. an
    unscheduled visit without AVISITN) are summarised too, as by dplyr's ``group_by``.

    >>> vs = pd.DataFrame({"USUBJID": "1", "AVISITN": [0.0, 0.0, np.nan, np.nan], "AVAL": [1.0, 3.0, 5.0, 6.0]})
    >>> derive_summary_records(vs, ["USUBJID", "AVISITN"], set_values={"DTYPE": "AVERAGE"}).iloc[4:].values.tolist()
    [['1', 0.0, 2.0, 'AVERAGE'], ['1', nan, 5.5, 'AVERAGE']]

    >>> tr = pd.DataFrame({"USUBJID": "1", "AVISIT": "W3", "AVAL": [10.0, 5.0], "ADY": [22.0, 21.0]})
    >>> derive_summary_records(None, ["USUBJID", "AVISIT"], fun="sum", add=tr, summaries={"ADY": "min"},
    ...                        set_values={"PARAMCD": "SDIAM"}).values.tolist()
    [['1', 'W3', 15.0, 21.0, 'SDIAM']]
    """
    by = as_list(by)
    wanted = {analysis_var: fun, **(summaries or {})}
    bad = {c: f for c, f in wanted.items() if f not in ("mean", "sum", "min", "max", "median")}
    if bad:
        column, name = next(iter(bad.items()))
        raise DerivationError(f"summary function {name!r}", variable=column, expected="mean, sum, min, max or median")
    source = df if add is None else add
    if source is None:
        raise DerivationError("derive_summary_records: no records to summarise", variable="add",
                              expected="an input dataset or add")
    require(source, [*by, *wanted], "derive_summary_records")
    sel = source[condition(source, filter)]
    new = sel.groupby(by, sort=False, dropna=False)[list(wanted)].agg(wanted).reset_index()
    new = _set(new, set_values)
    return new if df is None else _concat(df, new)


def derive_extreme_records(df: pd.DataFrame | None, by: str | Sequence[str], order: Sequence[str] = (), *,
                           mode: str = "last", filter: str | None = None, set_values: dict[str, Any] | None = None,
                           add: pd.DataFrame | None = None, ref: pd.DataFrame | None = None,
                           exist_flag: str | None = None, true_value: Any = "Y", false_value: Any = "",
                           missing_values: dict[str, Any] | None = None,
                           keep_source_vars: Sequence[str] | None = None) -> pd.DataFrame:
    """Append new records made from ``add`` (default ``df``) to ``df`` (admiral ``derive_extreme_records``).

    The records of ``add`` meeting ``filter`` — with ``order``, only the first/last (``mode``) per ``by`` group —
    and, given ``ref``, one record per ``by`` group of ``ref`` that has none of them, carrying the columns
    ``ref`` shares with ``add`` and ``missing_values``; ``exist_flag`` is ``true_value`` on the first kind and
    ``false_value`` on the second. ``set_values`` (a value, or a function of the new records as in
    ``DataFrame.assign``) is applied to all new records; ``keep_source_vars`` limits the columns kept.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "RANDDT": [10.0, 20.0]})
    >>> ovr = pd.DataFrame({"USUBJID": ["1", "1"], "RANDDT": [10.0, 10.0], "ADT": [30.0, 50.0],
    ...                     "AVALC": ["PD", "PD"]})
    >>> pd_ = derive_extreme_records(None, "USUBJID", ["ADT"], mode="first", add=ovr, ref=adsl,
    ...     filter="AVALC == 'PD'", exist_flag="AVALC", false_value="N", set_values={"PARAMCD": "PD"})
    >>> pd_[["USUBJID", "ADT", "AVALC", "PARAMCD"]].values.tolist()
    [['1', 30.0, 'Y', 'PD'], ['2', nan, 'N', 'PD']]
    """
    by = as_list(by)
    if mode not in ("first", "last"):
        raise DerivationError(f"mode {mode!r}", expected="first or last")
    source = df if add is None else add
    if source is None:
        raise DerivationError("derive_extreme_records: no records to take", variable="add",
                              expected="an input dataset or add")
    require(source, [*by, *[o.lstrip("-") for o in order]], "derive_extreme_records")
    sel = source[condition(source, filter)]
    if order:
        sel = extreme_records(sel, by, order, mode)
    if ref is not None:
        require(ref, by, "derive_extreme_records (reference dataset)")
        shared = [c for c in ref.columns if c in source.columns]
        absent = ~pd.MultiIndex.from_frame(ref[by]).isin(pd.MultiIndex.from_frame(sel[by]))
        extra = ref.loc[absent, list(dict.fromkeys([*by, *shared]))].assign(**dict(missing_values or {}))
        if exist_flag:
            sel, extra = sel.assign(**{exist_flag: true_value}), extra.assign(**{exist_flag: false_value})
        sel = pd.concat([sel, extra], ignore_index=True)
    new = _set(sel.reset_index(drop=True), set_values)
    if keep_source_vars is not None:
        new = new[list(dict.fromkeys([*by, *(set_values or {}), *keep_source_vars]))]
    return new if df is None else _concat(df, new)


def derive_var_obs_number(df: pd.DataFrame, by: str | Sequence[str] | None = None, order: Sequence[str] = (),
                          new_var: str = "ASEQ", *, check_unique: bool = False) -> pd.DataFrame:
    """``new_var`` = 1, 2, … within each ``by`` group in ``order`` (admiral ``derive_var_obs_number``); the
    result is sorted by ``by`` and ``order`` as admiral's is. ``check_unique``: a tie is an error.

    >>> ae = pd.DataFrame({"USUBJID": ["1", "2", "1"], "ASTDT": [5.0, 1.0, 2.0]})
    >>> derive_var_obs_number(ae, "USUBJID", ["ASTDT"])[["USUBJID", "ASTDT", "ASEQ"]].values.tolist()
    [['1', 2.0, 1], ['1', 5.0, 2], ['2', 1.0, 1]]
    """
    by = as_list(by)
    cols = [o.lstrip("-") for o in order]
    require(df, [*by, *cols], f"derive_var_obs_number({new_var})")
    if check_unique and df.duplicated(by + cols).any():
        raise DerivationError(f"{new_var}: records tie on {', '.join(by + cols)}", variable=new_var,
                              expected="a unique order within each group")
    out = ordered(df, by, order) if (by or cols) else df.copy()
    number = out.groupby(by, sort=False, dropna=False).cumcount() + 1 if by else pd.Series(
        np.arange(1, len(out) + 1), index=out.index)
    return out.assign(**{new_var: number.astype("int64")}).reset_index(drop=True)


def _concat(df: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Append new records; text columns get "" (never NaN) where the other side had no value."""
    out = pd.concat([df, new], ignore_index=True)
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object:
            out[col] = out[col].fillna("").astype("str")
    return out
