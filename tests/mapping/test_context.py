"""Tests of the per-distinct-value helpers and the shared row subsets of cdiscflow.mapping.context."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal, assert_series_equal

from cdiscflow.mapping.context import by_unique, column, distinct_codes, evaluate_distinct, expr_frame

from .conftest import raw_frame


def test_distinct_codes_number_values_and_rows_in_order_of_first_appearance():
    assert distinct_codes(pd.Series(["b", "a", "b", np.nan, "a", np.nan])).tolist() == [0, 1, 0, 2, 1, 2]
    frame = pd.DataFrame({"x": ["a", "a", "b", "a"], "y": [1, 2, 1, 1]})
    assert distinct_codes(frame).tolist() == [0, 1, 2, 0]


def test_by_unique_calls_fn_once_per_distinct_value_and_spreads_back():
    seen = []

    def fn(values: pd.Series) -> tuple[pd.Series, pd.Series]:
        seen.append(values.tolist())
        return values.str.upper(), values.str.len()

    values = pd.Series(["ab", "c", "ab", "c", "ab"], index=[10, 11, 12, 13, 14], dtype=object)
    upper, length = by_unique(values, fn)
    assert seen == [["ab", "c"]]
    assert_series_equal(upper, pd.Series(["AB", "C", "AB", "C", "AB"], index=values.index, dtype=object))
    assert_series_equal(length, pd.Series([2, 1, 2, 1, 2], index=values.index))


def test_by_unique_on_frame_rows_returns_frames_indexed_like_the_input():
    rows = pd.DataFrame({"u": ["S1", "S1", "S2", "S1"], "d": ["x", "y", "x", "x"]}, index=[3, 4, 5, 6])
    got = by_unique(rows, lambda r: pd.DataFrame({"key": r["u"] + "/" + r["d"]}))
    assert_frame_equal(got, pd.DataFrame({"key": ["S1/x", "S1/y", "S2/x", "S1/x"]}, index=rows.index))


def test_column_strips_text_per_value_and_keeps_object_dtype(make_ctx):
    raw = raw_frame({"A": [" x", "y ", " x", ""]}).astype({"A": "str"})
    got = column(raw, "A", make_ctx({"r": raw}), "V")
    assert_series_equal(got, pd.Series(["x", "y", "x", ""], index=raw.index, name="A", dtype=object))


def test_evaluate_distinct_equals_evaluate_row_by_row():
    raw = raw_frame({"IT.SRC": ["lab", "csf", "lab", "csf"], "RES": ["1", "", "2", "3"]})
    frame = expr_frame(raw, names={"IT_SRC", "RES"})
    assert list(frame.columns) == ["IT_SRC", "RES"]
    got = evaluate_distinct("IT_SRC == 'csf' and present(RES)", frame)
    assert_series_equal(got, pd.Series([False, False, False, True], index=raw.index))


def test_rows_shares_one_subset_per_mask_and_frame(make_ctx):
    raw = raw_frame({"A": ["1", "2", "3"]})
    ctx = make_ctx({"r": raw})
    mask = pd.Series([True, False, True])
    first = ctx.rows(raw, mask)
    assert ctx.rows(raw, mask.copy()) is first
    assert_frame_equal(first, raw[mask])
    assert ctx.rows(raw, ~mask) is not first
    ctx.forget_rows()
    assert ctx.rows(raw, mask) is not first


def test_rows_keeps_only_the_latest_subsets(make_ctx):
    raw = raw_frame({"A": ["1", "2", "3"]})
    ctx = make_ctx({"r": raw})
    masks = [pd.Series(m) for m in ([True, False, False], [False, True, False], [False, False, True])]
    first = ctx.rows(raw, masks[0])
    ctx.rows(raw, masks[1])
    ctx.rows(raw, masks[2])
    assert ctx.rows(raw, masks[0]) is not first
