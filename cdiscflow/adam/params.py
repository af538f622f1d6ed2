"""New parameters from existing ones (ADaM BDS: a derived PARAMCD is a new set of rows, ADaM IG §3.3.3).

* :func:`derive_param_computed` — admiral ``derive_param_computed``: the parameters named in ``parameters``
  are put side by side per ``by`` group and ``formula`` (safe expression language, names are PARAMCDs) gives
  AVAL of the new parameter: totals, ratios, BMI, means ….
* :func:`derive_param_bmi`, :func:`derive_param_bsa`, :func:`derive_param_map`, :func:`derive_param_qtc`,
  :func:`derive_param_rr` — admiral's computed vital-sign/ECG parameters: :func:`derive_param_computed` with
  the :mod:`cdiscflow.adam.compute` formula, after checking each source parameter's unit.
* :func:`derive_param_doseint`, :func:`derive_param_exposure`, :func:`derive_param_exist_flag` — admiral's
  dose-intensity, exposure-summary and existence-flag parameters.
* :func:`derive_param_slope` — slope of AVAL over time per group (ordinary least squares or between the
  first and last point), scaled per time unit; e.g. ALSFRS-R points per month.
* :func:`derive_param_rate_from_base` — a "slope from baseline" parameter with one record per post-baseline
  record: (AVAL − baseline AVAL) / time since the baseline record, e.g. the post-treatment ALSFRS-R slope
  from baseline to each follow-up visit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, condition, require
from cdiscflow.adam.compute import compute_bmi, compute_bsa, compute_map, compute_qtc, compute_rr
from cdiscflow.adam.merge import derive_var_merged_exist_flag
from cdiscflow.adam.records import _concat
from cdiscflow.errors import DerivationError
from cdiscflow.expr import parse


def derive_param_computed(df: pd.DataFrame, by: str | Sequence[str], parameters: Sequence[str],
                          formula: str | Callable[[pd.DataFrame], pd.Series], paramcd: str, *, param: str | None = None, analysis_var: str = "AVAL",
                          filter: str | None = None, keep_missing: bool = False,
                          set_values: dict[str, Any] | None = None,
                          constant_by: str | Sequence[str] | None = None,
                          constant_parameters: Sequence[str] = ()) -> pd.DataFrame:
    """Append parameter ``paramcd`` computed from ``parameters`` by ``formula`` within each ``by`` group.

    ``formula`` names the source PARAMCDs (e.g. ``"ACITM01 + ACITM02"``, ``"WEIGHT / (HEIGHT / 100) / (HEIGHT
    / 100)"``), or is a function of the table with one column per PARAMCD (as the ``derive_param_*`` wrappers
    pass a ``compute_*`` formula); a condition (``"A == 1 and B == 1"``) gives 1 or 0. Only groups with every
    parameter present (non-missing) get a record unless ``keep_missing``.
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
    if not len(table):
        value = pd.Series(dtype="float64")
    elif callable(formula):
        value = pd.Series(np.asarray(formula(table), dtype="float64"), index=table.index)
    else:
        value = parse(formula).value(table)
    value = value.astype("float64") if pd.api.types.is_bool_dtype(value.dtype) else pd.to_numeric(value, errors="coerce")
    new = table[by].assign(PARAMCD=paramcd, **{analysis_var: value})
    if param is not None:
        new["PARAM"] = param
    return _concat(df, new.assign(**(set_values or {})))


def _check_units(df: pd.DataFrame, units: dict[str, tuple[str, ...]], unit_var: str | None, paramcd: str) -> None:
    """Every record of each source PARAMCD has one of its required units (admiral's ``assert_unit``)."""
    if unit_var is None:
        return
    require(df, [unit_var], f"derive_param_computed({paramcd}) units")
    for code, allowed in units.items():
        found = set(df.loc[df["PARAMCD"] == code, unit_var].dropna().astype(str)) - {""}
        wrong = sorted(found - set(allowed))
        if wrong:
            raise DerivationError(f"{paramcd}: {code} is in {', '.join(wrong)}", variable=unit_var,
                                  expected=f"{code} in {' or '.join(allowed)}")


def derive_param_bmi(df: pd.DataFrame, by: str | Sequence[str], *, paramcd: str = "BMI", weight_code: str = "WEIGHT",
                     height_code: str = "HEIGHT", unit_var: str | None = None, filter: str | None = None,
                     constant_by: str | Sequence[str] | None = None, **kwargs: Any) -> pd.DataFrame:
    """BMI (kg/m²) records from WEIGHT (kg) and HEIGHT (cm); with ``constant_by`` (e.g. USUBJID) one height
    serves every visit (admiral ``derive_param_bmi``).

    >>> vs = pd.DataFrame({"USUBJID": "1", "AVISIT": ["BL", "BL", "W4"], "PARAMCD": ["HEIGHT", "WEIGHT", "WEIGHT"],
    ...                    "AVAL": [170.0, 70.0, 68.0]})
    >>> out = derive_param_bmi(vs, ["USUBJID", "AVISIT"], constant_by="USUBJID")
    >>> out.loc[out["PARAMCD"] == "BMI", "AVAL"].round(2).tolist()
    [24.22, 23.53]
    """
    _check_units(df, {weight_code: ("kg",), height_code: ("cm",)}, unit_var, paramcd)
    return derive_param_computed(df, by, [weight_code, height_code],
                                 lambda t: compute_bmi(t[height_code], t[weight_code]), paramcd, filter=filter,
                                 constant_by=constant_by, constant_parameters=[height_code] if constant_by else (),
                                 **kwargs)


def derive_param_bsa(df: pd.DataFrame, by: str | Sequence[str], *, method: str, paramcd: str = "BSA",
                     weight_code: str = "WEIGHT", height_code: str = "HEIGHT", unit_var: str | None = None,
                     filter: str | None = None, constant_by: str | Sequence[str] | None = None,
                     **kwargs: Any) -> pd.DataFrame:
    """Body surface area (m²) records by ``method`` (admiral ``derive_param_bsa``; see ``compute_bsa``).

    >>> vs = pd.DataFrame({"USUBJID": "1", "PARAMCD": ["HEIGHT", "WEIGHT"], "AVAL": [170.0, 70.0]})
    >>> derive_param_bsa(vs, "USUBJID", method="Mosteller")["AVAL"].round(4).tolist()
    [170.0, 70.0, 1.8181]
    """
    _check_units(df, {weight_code: ("kg",), height_code: ("cm",)}, unit_var, paramcd)
    return derive_param_computed(df, by, [weight_code, height_code],
                                 lambda t: compute_bsa(t[height_code], t[weight_code], method), paramcd,
                                 filter=filter, constant_by=constant_by,
                                 constant_parameters=[height_code] if constant_by else (), **kwargs)


def derive_param_map(df: pd.DataFrame, by: str | Sequence[str], *, paramcd: str = "MAP", sysbp_code: str = "SYSBP",
                     diabp_code: str = "DIABP", hr_code: str | None = None, unit_var: str | None = None,
                     filter: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Mean arterial pressure records (admiral ``derive_param_map``; with ``hr_code`` the heart-rate formula).

    >>> vs = pd.DataFrame({"USUBJID": "1", "PARAMCD": ["SYSBP", "DIABP"], "AVAL": [120.0, 80.0]})
    >>> derive_param_map(vs, "USUBJID")["AVAL"].round(2).tolist()
    [120.0, 80.0, 93.33]
    """
    units = {sysbp_code: ("mmHg",), diabp_code: ("mmHg",), **({hr_code: ("beats/min",)} if hr_code else {})}
    _check_units(df, units, unit_var, paramcd)
    codes = [sysbp_code, diabp_code, *([hr_code] if hr_code else [])]
    return derive_param_computed(df, by, codes, lambda t: compute_map(
        t[diabp_code], t[sysbp_code], t[hr_code] if hr_code else None), paramcd, filter=filter, **kwargs)


QTC_PARAMCD = {"Bazett": "QTCBR", "Fridericia": "QTCFR", "Sagie": "QTLCR"}


def derive_param_qtc(df: pd.DataFrame, by: str | Sequence[str], *, method: str, paramcd: str | None = None,
                     qt_code: str = "QT", rr_code: str = "RR", unit_var: str | None = None,
                     filter: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Corrected QT records (admiral ``derive_param_qtc``; PARAMCD QTCBR/QTCFR/QTLCR by default).

    >>> eg = pd.DataFrame({"USUBJID": "1", "PARAMCD": ["QT", "RR"], "AVAL": [400.0, 1000.0]})
    >>> derive_param_qtc(eg, "USUBJID", method="Bazett")[["PARAMCD", "AVAL"]].values.tolist()[-1]
    ['QTCBR', 400.0]
    """
    _check_units(df, {qt_code: ("msec", "ms"), rr_code: ("msec", "ms")}, unit_var, paramcd or "QTc")
    code = paramcd or QTC_PARAMCD.get(method, "")
    return derive_param_computed(df, by, [qt_code, rr_code],
                                 lambda t: compute_qtc(t[qt_code], t[rr_code], method), code, filter=filter, **kwargs)


def derive_param_rr(df: pd.DataFrame, by: str | Sequence[str], *, paramcd: str = "RRR", hr_code: str = "HR",
                    unit_var: str | None = None, filter: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """RR interval records (msec) from heart rate (admiral ``derive_param_rr``).

    >>> eg = pd.DataFrame({"USUBJID": "1", "PARAMCD": ["HR"], "AVAL": [75.0]})
    >>> derive_param_rr(eg, "USUBJID")["AVAL"].tolist()
    [75.0, 800.0]
    """
    _check_units(df, {hr_code: ("beats/min",)}, unit_var, paramcd)
    return derive_param_computed(df, by, [hr_code], lambda t: compute_rr(t[hr_code]), paramcd, filter=filter,
                                 **kwargs)


def derive_param_doseint(df: pd.DataFrame, by: str | Sequence[str], *, paramcd: str = "TNDOSINT",
                         tadm_code: str = "TNDOSE", tpadm_code: str = "TSNDOSE", zero_doses: str = "Inf",
                         filter: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Dose intensity (%) = administered / planned × 100 per ``by`` group (admiral ``derive_param_doseint``).

    A planned dose of 0 gives ∞ (or NaN for 0/0) with ``zero_doses="Inf"``; with ``"100"``, 100 when some
    dose was given and 0 when none.

    >>> ex = pd.DataFrame({"USUBJID": ["1", "1", "2", "2"], "PARAMCD": ["TNDOSE", "TSNDOSE"] * 2,
    ...                    "AVAL": [90.0, 100.0, 5.0, 0.0]})
    >>> derive_param_doseint(ex, "USUBJID", zero_doses="100")["AVAL"].tolist()[-2:]
    [90.0, 100.0]
    """
    if zero_doses not in ("Inf", "100"):
        raise DerivationError(f"zero_doses {zero_doses!r}", variable=paramcd, expected='"Inf" or "100"')

    def intensity(t: pd.DataFrame) -> pd.Series:
        given, planned = t[tadm_code], t[tpadm_code]
        with np.errstate(divide="ignore", invalid="ignore"):
            value = given / planned * 100.0
        if zero_doses == "100":
            value = value.mask((planned == 0) & (given > 0), 100.0).mask((planned == 0) & (given == 0), 0.0)
        return value

    return derive_param_computed(df, by, [tadm_code, tpadm_code], intensity, paramcd, filter=filter, **kwargs)


def derive_param_exposure(df: pd.DataFrame | None, add: pd.DataFrame, by: str | Sequence[str], input_code: str, *,
                          paramcd: str, summaries: dict[str, str], filter: str | None = None,
                          set_values: dict[str, Any] | None = None) -> pd.DataFrame:
    """An exposure-summary parameter from the ``input_code`` records of ``add`` per ``by`` group (admiral
    ``derive_param_exposure``): ``summaries`` (``{"AVAL": "sum"}``; any pandas aggregation name) and the
    period ASTDT = first start, AENDT = last known end, or the first start when no end is known (admiral's
    ``max(coalesce(AENDT, ASTDT))`` is evaluated in ``summarise`` after ASTDT became the first start), likewise
    ASTDTM/AENDTM.

    >>> adex = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": "DOSE", "AVAL": [10.0, 20.0, 5.0],
    ...                      "ASTDT": [1.0, 8.0, 3.0], "AENDT": [7.0, np.nan, np.nan]})
    >>> derive_param_exposure(None, adex, "USUBJID", "DOSE", paramcd="TDOSE", summaries={"AVAL": "sum"}
    ...                       )[["USUBJID", "AVAL", "ASTDT", "AENDT"]].values.tolist()
    [['1', 30.0, 1.0, 7.0], ['2', 5.0, 3.0, 3.0]]
    """
    by = as_list(by)
    require(add, [*by, "PARAMCD", *summaries], f"derive_param_exposure({paramcd})")
    sel = add[(add["PARAMCD"] == input_code) & condition(add, filter)]
    target = add if df is None else df
    periods = [(s, e) for s, e in (("ASTDTM", "AENDTM"), ("ASTDT", "AENDT"))
               if s in target.columns and e in target.columns and s in sel.columns and e in sel.columns]
    if not periods:
        raise DerivationError(f"derive_param_exposure({paramcd}) needs ASTDT/AENDT or ASTDTM/AENDTM",
                              variable="ASTDT", expected="start and end dates of the exposure records")
    first = {s: sel.groupby(by, sort=False, dropna=False)[s].transform("min") for s, _ in periods}
    work = sel.assign(**{f"__end_{e}": sel[e].fillna(first[s]) for s, e in periods})
    aggregations = {**{k: (k, fun) for k, fun in summaries.items()},
                    **{s: (s, "min") for s, _ in periods}, **{e: (f"__end_{e}", "max") for _, e in periods}}
    try:
        new = work.groupby(by, sort=True, dropna=False).agg(**aggregations).reset_index()
    except (AttributeError, TypeError) as exc:
        raise DerivationError(f"derive_param_exposure({paramcd}): summaries {summaries}: {exc}",
                              variable=", ".join(summaries), expected="aggregation names such as sum, mean, max") from None
    new = new.assign(PARAMCD=paramcd, **(set_values or {}))
    return new if df is None else _concat(df, new)


def derive_param_exist_flag(df: pd.DataFrame | None, ref: pd.DataFrame, add: pd.DataFrame, condition_text: str, *,
                            paramcd: str, by: str | Sequence[str] = ("STUDYID", "USUBJID"), true_value: str = "Y",
                            false_value: str = "", missing_value: str = "", filter: str | None = None,
                            set_values: dict[str, Any] | None = None) -> pd.DataFrame:
    """One record per subject of ``ref`` with AVALC telling whether ``add`` has a record meeting
    ``condition_text`` (admiral ``derive_param_exist_flag``; e.g. a "measurable disease at baseline" flag).

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    >>> tu = pd.DataFrame({"USUBJID": ["1", "2"], "TUSTRESC": ["TARGET", "NON-TARGET"]})
    >>> derive_param_exist_flag(None, adsl, tu, "TUSTRESC == 'TARGET'", paramcd="MDIS", by="USUBJID",
    ...                         false_value="N")["AVALC"].tolist()
    ['Y', 'N', '']
    """
    by = as_list(by)
    require(ref, by, f"derive_param_exist_flag({paramcd})")
    new = derive_var_merged_exist_flag(ref[by].drop_duplicates(), add, by, "AVALC", condition_text=condition_text,
                                       filter=filter, true_value=true_value, false_value=false_value,
                                       missing_value=missing_value)
    new = new.assign(PARAMCD=paramcd, **(set_values or {}))
    if df is not None and "PARAMCD" in df.columns and paramcd in set(df["PARAMCD"]):
        raise DerivationError(f"parameter {paramcd} already in the input dataset", variable="PARAMCD",
                              expected="a new PARAMCD")
    return new if df is None else _concat(df, new)


def derive_param_wbc_abs(df: pd.DataFrame, by: str | Sequence[str], *, paramcd: str, diff_code: str,
                         wbc_code: str = "WBC", wbc_unit: str = "10^9/L", diff_type: str = "fraction",
                         unit_var: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Absolute differential counts (e.g. LYMPH from WBC × LYMLE) for the ``by`` groups that have no
    ``paramcd`` record yet (admiral ``derive_param_wbc_abs``); ``diff_type`` ``"fraction"`` or ``"percent"``.

    >>> lb = pd.DataFrame({"USUBJID": "1", "AVISIT": ["W1", "W1", "W2", "W2", "W2"],
    ...                    "PARAMCD": ["WBC", "LYMLE", "WBC", "LYMLE", "LYMPH"], "AVAL": [5.0, 0.3, 6.0, 0.2, 1.0]})
    >>> out = derive_param_wbc_abs(lb, ["USUBJID", "AVISIT"], paramcd="LYMPH", diff_code="LYMLE")
    >>> out.loc[out["PARAMCD"] == "LYMPH", ["AVISIT", "AVAL"]].values.tolist()
    [['W2', 1.0], ['W1', 1.5]]
    """
    if diff_type not in ("fraction", "percent"):
        raise DerivationError(f"diff_type {diff_type!r}", variable=paramcd, expected="fraction or percent")
    by = as_list(by)
    _check_units(df, {wbc_code: (wbc_unit,)}, unit_var, paramcd)
    require(df, [*by, "PARAMCD", "AVAL"], f"derive_param_wbc_abs({paramcd})")
    existing = df.loc[df["PARAMCD"] == paramcd, by].drop_duplicates().assign(__has__=True)
    inputs = df[df["PARAMCD"].isin([wbc_code, diff_code])]
    inputs = inputs.merge(existing, on=by, how="left")
    inputs = inputs[inputs["__has__"].isna()].drop(columns="__has__")
    scale = 1.0 if diff_type == "fraction" else 100.0
    new = derive_param_computed(inputs, by, [wbc_code, diff_code],
                                lambda t: t[wbc_code] * t[diff_code] / scale, paramcd, **kwargs)
    return _concat(df, new[new["PARAMCD"] == paramcd])


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
