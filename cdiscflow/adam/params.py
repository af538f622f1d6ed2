"""New parameters from existing ones (ADaM BDS: a derived PARAMCD is a new set of rows, ADaM IG §3.3.3).

* :func:`derive_param_computed` — admiral ``derive_param_computed``: the parameters named in ``parameters``
  are put side by side per ``by`` group and ``formula`` (safe expression language, names are PARAMCDs) gives
  AVAL of the new parameter: totals, ratios, BMI, means ….
* :func:`derive_param_slope` — slope of AVAL over time per group (ordinary least squares or between the
  first and last point), scaled per time unit; e.g. ALSFRS-R points per month.
* :func:`derive_param_rate_from_base` — a "slope from baseline" parameter with one record per post-baseline
  record: (AVAL − baseline AVAL) / time since the baseline record, e.g. the post-treatment ALSFRS-R slope
  from baseline to each follow-up visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, condition, require
from cdiscflow.adam.records import _concat
from cdiscflow.errors import DerivationError
from cdiscflow.expr import parse


def derive_param_computed(df: pd.DataFrame, by: str | Sequence[str], parameters: Sequence[str], formula: str,
                          paramcd: str, *, param: str | None = None, analysis_var: str = "AVAL",
                          filter: str | None = None, keep_missing: bool = False,
                          set_values: dict[str, Any] | None = None,
                          constant_by: str | Sequence[str] | None = None,
                          constant_parameters: Sequence[str] = ()) -> pd.DataFrame:
    """Append parameter ``paramcd`` computed from ``parameters`` by ``formula`` within each ``by`` group.

    ``formula`` names the source PARAMCDs (e.g. ``"ACITM01 + ACITM02"``, ``"WEIGHT / (HEIGHT / 100) / (HEIGHT
    / 100)"``). Only groups with every parameter present (non-missing) get a record unless ``keep_missing``.
    ``constant_parameters`` (e.g. HEIGHT) are taken once per ``constant_by`` group (e.g. USUBJID) instead of
    per ``by`` group. The new records carry ``by``, PARAMCD, PARAM (if given), the result in ``analysis_var``
    and ``set_values``.
    """
    by = as_list(by)
    require(df, [*by, "PARAMCD", analysis_var], f"derive_param_computed({paramcd})")
    sel = df[condition(df, filter)]
    varying = [p for p in parameters if p not in constant_parameters]

    def wide(params: Sequence[str], keys: list[str]) -> pd.DataFrame:
        part = sel[sel["PARAMCD"].isin(params)]
        dup = part.duplicated([*keys, "PARAMCD"], keep=False)
        if dup.any():
            raise DerivationError(f"derive_param_computed({paramcd}): several {part.loc[dup, 'PARAMCD'].iloc[0]} "
                                  f"records for one {', '.join(keys)} group", row=", ".join(
                                      map(str, part.index[dup][:5])), expected="one record per group and parameter")
        return part.pivot(index=keys, columns="PARAMCD", values=analysis_var).reset_index()

    table = wide(varying, by)
    if constant_parameters:
        cby = as_list(constant_by)
        table = table.merge(wide(constant_parameters, cby), on=cby, how="left")
    for p in parameters:
        if p not in table.columns:
            table[p] = np.nan
    table[parameters] = table[parameters].astype("float64")
    if not keep_missing:
        table = table[table[list(parameters)].notna().all(axis=1)]
    value = parse(formula).value(table) if len(table) else pd.Series(dtype="float64")
    new = table[by].assign(PARAMCD=paramcd, **{analysis_var: pd.to_numeric(value, errors="coerce")})
    if param is not None:
        new["PARAM"] = param
    return _concat(df, new.assign(**(set_values or {})))


def derive_param_slope(df: pd.DataFrame, by: str | Sequence[str], paramcd: str, *, param: str | None = None,
                       x: str = "ADY", y: str = "AVAL", filter: str | None = None, method: str = "ols",
                       per: float = 1.0, min_points: int = 2, set_values: dict[str, Any] | None = None) -> pd.DataFrame:
    """Append one record per ``by`` group with the slope of ``y`` over ``x`` (× ``per``) in AVAL.

    ``method``: ``"ols"`` (least squares through all points meeting ``filter``) or ``"endpoints"``
    ((y_last − y_first) / (x_last − x_first)). ``per`` rescales the unit, e.g. ``30.4375`` for per-month
    slopes from day-based ``x``. Groups with fewer than ``min_points`` points (or zero x-spread) get no record.
    """
    by = as_list(by)
    if method not in ("ols", "endpoints"):
        raise DerivationError(f"slope method {method!r}", expected="ols or endpoints")
    require(df, [*by, x, y], f"derive_param_slope({paramcd})")
    pts = df[condition(df, filter) & df[x].notna() & df[y].notna()]
    g = pts.groupby(by, sort=False)
    n = g[y].size()
    if method == "ols":
        xm, ym = g[x].transform("mean"), g[y].transform("mean")
        dx = pts[x] - xm
        sxy = (dx * (pts[y] - ym)).groupby([pts[b] for b in by], sort=False).sum()
        sxx = (dx * dx).groupby([pts[b] for b in by], sort=False).sum()
    else:
        s = pts.sort_values([*by, x], kind="mergesort").groupby(by, sort=False)
        sxy = s[y].last() - s[y].first()
        sxx = s[x].last() - s[x].first()
    slope = (sxy / sxx.where(sxx != 0)) * per
    result = slope[(n >= min_points) & slope.notna()].rename("AVAL").reset_index()
    new = result.assign(PARAMCD=paramcd, **({"PARAM": param} if param is not None else {}))
    return _concat(df, new.assign(**(set_values or {})))


def derive_param_rate_from_base(df: pd.DataFrame, by: str | Sequence[str], source_paramcd: str, paramcd: str, *,
                                param: str | None = None, date: str = "ADT", per: float = 1.0,
                                flag: str = "ABLFL", filter: str | None = None,
                                clear: Sequence[str] = ("BASE", "CHG", "PCHG", "ABLFL", "DTYPE")) -> pd.DataFrame:
    """Append a rate-of-change record per post-baseline record of ``source_paramcd`` (ADaM IG §3.3.3).

    For every record of ``source_paramcd`` meeting ``filter`` whose ``date`` is after the date of the
    baseline record (``flag == "Y"`` within ``by`` and the parameter) a copy is appended with PARAMCD
    ``paramcd`` (and PARAM) and ``AVAL = (AVAL − AVAL_baseline) / ((date − date_baseline) / per)`` — points
    per month with ``per = 30.4375`` and ``date`` in days. The copy keeps the visit and date variables of its
    source record; ``clear`` variables are emptied (they are derived again for the new parameter). More than
    one baseline record per group is a :class:`DerivationError`.
    """
    by = as_list(by)
    require(df, [*by, "PARAMCD", "AVAL", date, flag], f"derive_param_rate_from_base({paramcd})")
    src = df[df["PARAMCD"].eq(source_paramcd)]
    base = src.loc[src[flag].eq("Y"), [*by, "AVAL", date]].rename(columns={"AVAL": "__b_aval", date: "__b_date"})
    if base.duplicated(by).any():
        raise DerivationError(f"{source_paramcd}: more than one baseline record per {', '.join(by)}",
                              variable=flag, expected="one baseline record per group")
    post = src[condition(src, filter)].merge(base, on=by, how="inner")
    post = post[post[date] > post["__b_date"]]
    rate = (post["AVAL"] - post["__b_aval"]) / ((post[date] - post["__b_date"]) / per)
    new = post.drop(columns=["__b_aval", "__b_date"]).assign(PARAMCD=paramcd, AVAL=rate.astype("float64"))
    if param is not None:
        new["PARAM"] = param
    for col in clear:
        if col in new.columns:
            text = new[col].dtype == object or pd.api.types.is_string_dtype(new[col])
            new[col] = "" if text else np.nan
    return _concat(df, new)
