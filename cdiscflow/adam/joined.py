"""Variables from records of another (or the same) dataset chosen by a condition across both records
(admiral ``derive_vars_joined``): e.g. the nadir before each assessment, the last dose before each AE, the
first confirmation of a response.

Each record of ``df`` is joined with the records of ``add`` in the same ``by`` group (after ``filter_add``),
restricted by ``join_type`` — ``"before"``/``"after"`` compare the position in ``order`` of the two records
(positions are numbered over both datasets together, so ties are neither before nor after), ``"all"`` keeps
every pair — and by ``filter_join``, a condition in which the ``add`` record's columns that ``df`` also has
are named with the suffix ``_join`` (admiral's ``.join``; ``AVAL_join < AVAL``). Among the pairs left, the
``mode`` (first|last) in ``order`` is taken, or, without ``order``, there must be at most one. Its
``new_vars`` are added; records without a pair get ``missing_values`` (else missing) and ``exist_flag``
tells which had one.

:func:`filter_joined` (admiral ``filter_joined``) keeps the records of ``df`` for which the joined records
meet a condition taken over all of them: e.g. a response confirmed by a later assessment. Its pairs can be
cut at the first joined record meeting ``first_cond_upper`` (or from the last meeting ``first_cond_lower``),
and ``filter_join`` may be a function of a :class:`Joined` view whose summaries (``all``, ``count_vals``,
``min_cond``, ``max_cond``) are taken per record over its joined records, as admiral's are on grouped data.

Memory stays linear: the pairs are built for batches of by groups holding at most ``max_pairs`` pairs at a
time, so a long group costs time (its pairs) but not memory beyond one batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, char, condition, ordered, require, sort_keys
from cdiscflow.errors import DerivationError

SUFFIX = "_join"


def _positions(left: pd.DataFrame, right: pd.DataFrame, by: list[str], order_left: list[str],
               order_right: list[str], ascending: Sequence[bool] | None = None) -> tuple[pd.Series, pd.Series]:
    """Dense ranks of the ``order`` values (``ascending`` per column, default all) within ``by`` over both
    datasets together; missing values rank last."""
    both = pd.concat([left[by + order_left].set_axis(by + order_left, axis=1),
                      right[by + order_right].set_axis(by + order_left, axis=1)], ignore_index=True)
    asc = [True] * len(by) + list(ascending if ascending is not None else [True] * len(order_left))
    keys = both.drop_duplicates().sort_values(by + order_left, ascending=asc, kind="mergesort", na_position="last")
    keys = keys.assign(__pos__=keys.groupby(by, sort=False, dropna=False).cumcount() if by else np.arange(len(keys)))
    lookup = keys.set_index(by + order_left)["__pos__"]
    index_left = pd.MultiIndex.from_frame(left[by + order_left]) if len(by + order_left) > 1 else left[order_left[0]]
    index_right = (pd.MultiIndex.from_frame(right[by + order_right].set_axis(by + order_left, axis=1))
                   if len(by + order_left) > 1 else right[order_right[0]])
    return (pd.Series(lookup.reindex(index_left).to_numpy(), index=left.index),
            pd.Series(lookup.reindex(index_right).to_numpy(), index=right.index))


def _batches(left: pd.DataFrame, right: pd.DataFrame, by: list[str], max_pairs: int) -> list[np.ndarray]:
    """Row positions of ``left`` in batches whose pairs with ``right`` stay under ``max_pairs``."""
    if not by:
        step = max(1, max_pairs // max(1, len(right)))
        return [np.arange(i, min(i + step, len(left))) for i in range(0, len(left), step)]
    group = left.groupby(by, sort=False, dropna=False).ngroup().to_numpy()
    sizes = right.groupby(by, dropna=False).size()
    keys = left[by].drop_duplicates()
    per_group = keys.merge(sizes.rename("__n__").reset_index(), on=by, how="left")["__n__"].fillna(0).to_numpy()
    left_counts = np.bincount(group, minlength=len(per_group))
    cost = left_counts * per_group
    batches, start, total = [], 0, 0
    bounds = []
    for g, c in enumerate(cost):
        if total and total + c > max_pairs:
            bounds.append((start, g))
            start, total = g, 0
        total += c
    bounds.append((start, len(cost)))
    order = np.argsort(group, kind="stable")
    sorted_groups = group[order]
    for lo, hi in bounds:
        first, last = np.searchsorted(sorted_groups, [lo, hi])
        if last > first:
            batches.append(order[first:last])
    return batches


def _by_code(left: pd.DataFrame, right: pd.DataFrame, by: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``left`` and ``right`` with one integer column ``__by__`` numbering their ``by`` groups jointly (``right``
    without the ``by`` columns): pairs are then built on one integer instead of several text columns."""
    code = pd.concat([left[by], right[by]], ignore_index=True).groupby(by, sort=False, dropna=False).ngroup()
    code = code.to_numpy()
    return left.assign(__by__=code[:len(left)]), right.drop(columns=by).assign(__by__=code[len(left):])


def _pairs(part: pd.DataFrame, right: pd.DataFrame, by: list[str], join_type: str, how: str) -> pd.DataFrame:
    """Each record of ``part`` with the ``right`` records of its by group, restricted by ``join_type``."""
    pairs = part.merge(right, on=by, how=how) if by else part.merge(right, how="cross")
    if join_type == "before":
        return pairs[pairs["__pos_join__"] < pairs["__pos__"]]
    if join_type == "after":
        return pairs[pairs["__pos_join__"] > pairs["__pos__"]]
    return pairs


def derive_vars_joined(df: pd.DataFrame, add: pd.DataFrame, *, by: str | Sequence[str] | None,
                       new_vars: Mapping[str, str] | Sequence[str], join_type: str, order: Sequence[str] = (),
                       join_vars: Sequence[str] = (), filter_add: str | None = None, filter_join: str | None = None,
                       mode: str | None = None, exist_flag: str | None = None, true_value: str = "Y",
                       false_value: str = "", missing_values: Mapping[str, Any] | None = None,
                       max_pairs: int = 2_000_000) -> pd.DataFrame:
    """Add ``new_vars`` (``{new: add_column}`` or a list) from the joined record (see module docstring).

    >>> lb = pd.DataFrame({"USUBJID": "1", "ADY": [1.0, 8.0, 15.0], "AVAL": [5.0, 3.0, 4.0]})
    >>> nadir = derive_vars_joined(lb, lb, by="USUBJID", order=["AVAL"], mode="first", join_type="all",
    ...                            new_vars={"NADIR": "AVAL"}, join_vars=["ADY"], filter_join="ADY_join < ADY")
    >>> nadir["NADIR"].tolist()
    [nan, 5.0, 3.0]
    """
    by = as_list(by)
    if join_type not in ("before", "after", "all"):
        raise DerivationError(f"join_type {join_type!r}", variable="join_type", expected="before, after or all")
    if order and mode not in ("first", "last"):
        raise DerivationError(f"mode {mode!r}", variable="mode", expected="first or last with order")
    if join_type != "all" and not order:
        raise DerivationError(f"join_type {join_type!r} needs order", variable="order", expected="order columns")
    mapping = dict(new_vars) if isinstance(new_vars, Mapping) else {v: v for v in new_vars}
    clash = [n for n in mapping if n in df.columns and n not in by]
    if clash:
        raise DerivationError(f"new variable(s) {', '.join(clash)} already in the dataset", variable=clash[0],
                              expected="new names (rename them in new_vars)")
    order_cols = [o.lstrip("-") for o in order]
    right_cols = list(dict.fromkeys([*order_cols, *join_vars, *mapping.values()]))
    require(add, [*by, *right_cols], "derive_vars_joined (additional dataset)")
    require(df, by + (order_cols if join_type != "all" else []), "derive_vars_joined")

    right = add[condition(add, filter_add)][by + [c for c in right_cols if c not in by]].reset_index(drop=True)
    renamed = {c: f"{c}{SUFFIX}" for c in right.columns if c not in by and c in df.columns}
    right = right.rename(columns=renamed)
    tokens = set(re.findall(r"[A-Za-z_]\w*", filter_join or ""))
    left_cols = list(dict.fromkeys([*by, *(order_cols if join_type != "all" else []),
                                    *[c for c in df.columns if c in tokens and c not in by]]))
    left = df[left_cols].reset_index(drop=True).assign(__obs__=np.arange(len(df)))
    if join_type != "all":
        left["__pos__"], right["__pos_join__"] = _positions(left, right, by, order_cols,
                                                            [renamed.get(c, c) for c in order_cols],
                                                            sort_keys(order)[1])
    sort_order = [("-" if o.startswith("-") else "") + renamed.get(o.lstrip("-"), o.lstrip("-")) for o in order]
    key = ["__by__"] if by else []
    if by:
        left, right = _by_code(left, right, by)

    chosen = []
    for rows in _batches(left, right, key, max_pairs):
        pairs = _pairs(left.iloc[rows], right, key, join_type, "inner")
        pairs = pairs[condition(pairs, filter_join)]
        if order:
            pairs = ordered(pairs, ["__obs__"], sort_order).drop_duplicates("__obs__", keep=mode)
        elif pairs["__obs__"].duplicated().any():
            raise DerivationError("several joined records per record and no order to choose",
                                  row=str(int(pairs.loc[pairs["__obs__"].duplicated(), "__obs__"].iloc[0]) + 1),
                                  variable=", ".join(mapping), expected="order and mode, or a stricter filter_join")
        chosen.append(pairs[["__obs__", *[renamed.get(c, c) for c in mapping.values()]]])
    picked = (pd.concat(chosen, ignore_index=True) if chosen
              else pd.DataFrame(columns=["__obs__", *[renamed.get(c, c) for c in mapping.values()]]))
    has = np.isin(np.arange(len(df)), picked["__obs__"].to_numpy())
    picked = picked.set_index("__obs__").reindex(np.arange(len(df)))
    out = df.copy()
    for new, source in mapping.items():
        values = picked[renamed.get(source, source)]
        if pd.api.types.is_numeric_dtype(add[source]):
            column = pd.Series(values.to_numpy(dtype="float64"), index=df.index)
        else:
            column = char(values.to_numpy(), df.index)
        if missing_values and new in missing_values:
            column = column.where(has, missing_values[new])
        out[new] = column
    if exist_flag:
        out[exist_flag] = char(np.where(has, true_value, false_value), df.index)
    return out


class Joined:
    """The pairs of :func:`filter_joined` (one row per record and joined record; joined columns that the record
    also has end in ``_join``), with admiral's summary functions taken per record over its joined records."""

    def __init__(self, pairs: pd.DataFrame) -> None:
        self.pairs = pairs
        self._record = pairs["__obs__"]

    def __getitem__(self, name: str) -> pd.Series:
        return self.pairs[name]

    def _per_record(self, values: pd.Series, how: str) -> pd.Series:
        return values.groupby(self._record, sort=False).transform(how)

    def all(self, cond: pd.Series) -> pd.Series:
        """True on every pair of a record whose joined records all meet ``cond`` (R ``all()``)."""
        return self._per_record(cond.fillna(False).astype(bool), "all").astype(bool)

    def any(self, cond: pd.Series) -> pd.Series:
        """True on every pair of a record of which some joined record meets ``cond`` (R ``any()``)."""
        return self._per_record(cond.fillna(False).astype(bool), "any").astype(bool)

    def count_vals(self, var: str, val: Any) -> pd.Series:
        """Number of the record's joined records whose ``var`` equals ``val`` (admiral ``count_vals``)."""
        return self._per_record(self.pairs[var].eq(val).fillna(False).astype("int64"), "sum")

    def min_cond(self, var: str, cond: pd.Series) -> pd.Series:
        """Smallest ``var`` over the record's joined records meeting ``cond``, missing if none (``min_cond``)."""
        return self._per_record(self.pairs[var].where(cond.fillna(False).astype(bool)), "min")

    def max_cond(self, var: str, cond: pd.Series) -> pd.Series:
        """Largest ``var`` over the record's joined records meeting ``cond``, missing if none (``max_cond``)."""
        return self._per_record(self.pairs[var].where(cond.fillna(False).astype(bool)), "max")


JoinCondition = str | Callable[[Joined], pd.Series]


def _join_condition(pairs: pd.DataFrame, cond: JoinCondition) -> pd.Series:
    if callable(cond):
        return pd.Series(np.asarray(cond(Joined(pairs)), dtype=bool), index=pairs.index)
    return condition(pairs, cond)


def _cut(pairs: pd.DataFrame, cond: JoinCondition, upper: bool) -> pd.DataFrame:
    """Per record, the joined records up to the first (``upper``) or from the last meeting ``cond``, inclusive;
    records with none are dropped (admiral's ``first_cond_upper`` / ``first_cond_lower``)."""
    hit = pairs["__pos_join__"].where(_join_condition(pairs, cond))
    bound = hit.groupby(pairs["__obs__"], sort=False).transform("min" if upper else "max")
    keep = pairs["__pos_join__"] <= bound if upper else pairs["__pos_join__"] >= bound
    return pairs[keep.fillna(False).astype(bool)]


def filter_joined(df: pd.DataFrame, add: pd.DataFrame, *, by: str | Sequence[str] | None,
                  join_vars: Sequence[str], join_type: str, filter_join: JoinCondition,
                  order: Sequence[str] = (), first_cond_lower: JoinCondition | None = None,
                  first_cond_upper: JoinCondition | None = None, filter_add: str | None = None,
                  tmp_obs_nr_var: str | None = None, max_pairs: int = 2_000_000) -> pd.DataFrame:
    """The records of ``df`` whose joined records of ``add`` meet ``filter_join`` (see module docstring).

    ``join_vars`` are the ``add`` columns the conditions use; ``order`` positions the records for
    ``join_type`` before/after and the ``first_cond_*`` cuts; ``tmp_obs_nr_var`` names the position (1, 2, …
    within the by group) for the conditions, ``<name>_join`` that of the joined record. A text ``filter_join``
    keeps a record when one of its pairs meets it; a function gets a :class:`Joined` view for conditions over
    all of them.

    >>> ovr = pd.DataFrame({"USUBJID": "1", "ADT": [0.0, 21.0, 42.0, 63.0], "AVALC": ["PR", "NE", "PR", "PD"]})
    >>> confirmed = filter_joined(ovr, ovr, by="USUBJID", join_vars=["AVALC", "ADT"], join_type="after",
    ...     order=["ADT"], first_cond_upper="AVALC_join in ['CR', 'PR'] and ADT_join >= ADT + 28",
    ...     filter_join=lambda j: (j["AVALC"] == "PR") & j.all(j["AVALC_join"].isin(["CR", "PR", "NE"]))
    ...                           & (j.count_vals("AVALC_join", "NE") <= 1))
    >>> confirmed[["ADT", "AVALC"]].values.tolist()
    [[0.0, 'PR']]
    """
    by = as_list(by)
    if join_type not in ("before", "after", "all"):
        raise DerivationError(f"join_type {join_type!r}", variable="join_type", expected="before, after or all")
    positioned = (join_type != "all" or first_cond_lower is not None or first_cond_upper is not None
                  or tmp_obs_nr_var is not None)
    if positioned and not order:
        raise DerivationError(f"join_type {join_type!r} / first_cond_* / tmp_obs_nr_var need order", variable="order",
                              expected="order columns")
    order_cols, ascending = sort_keys(order)
    require(df, by + (order_cols if positioned else []), "filter_joined")
    right_cols = list(dict.fromkeys([*order_cols, *join_vars]))
    require(add, [*by, *right_cols], "filter_joined (additional dataset)")
    right = add[condition(add, filter_add)][by + [c for c in right_cols if c not in by]].reset_index(drop=True)
    renamed = {c: f"{c}{SUFFIX}" for c in right.columns if c not in by and c in df.columns}
    right = right.rename(columns=renamed)
    left = df.reset_index(drop=True).assign(__obs__=np.arange(len(df)))
    if positioned:
        left["__pos__"], right["__pos_join__"] = _positions(left, right, by, order_cols,
                                                            [renamed.get(c, c) for c in order_cols], ascending)
        if tmp_obs_nr_var:
            left[tmp_obs_nr_var], right[f"{tmp_obs_nr_var}{SUFFIX}"] = left["__pos__"] + 1, right["__pos_join__"] + 1
    kept = []
    for rows in _batches(left, right, by, max_pairs):
        pairs = _pairs(left.iloc[rows], right, by, join_type, "left")
        if first_cond_upper is not None:
            pairs = _cut(pairs, first_cond_upper, upper=True)
        if first_cond_lower is not None:
            pairs = _cut(pairs, first_cond_lower, upper=False)
        pairs = pairs.reset_index(drop=True)
        kept.append(pairs.loc[_join_condition(pairs, filter_join), "__obs__"].to_numpy())
    keep = np.isin(np.arange(len(df)), np.concatenate(kept) if kept else np.array([], dtype="int64"))
    return df[keep]
