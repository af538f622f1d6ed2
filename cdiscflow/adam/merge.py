"""Variables merged from other datasets: ADSL onto BDS/OCCDS, SDTM values onto ADSL, existence flags.

These follow admiral's ``derive_vars_merged`` (and ``derive_vars_merged_lookup``, which also reports the
values a lookup does not map), ``derive_var_merged_exist_flag`` and ``derive_var_merged_summary``: the additional dataset is restricted by ``filter`` (a condition in the safe
expression language), optionally reduced to the ``first``/``last`` record per ``by`` group in ``order``, and
left-joined on ``by``; a merge that would duplicate records of ``df`` is an error naming the keys.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, condition, duplicated_keys, flag, ordered, require
from cdiscflow.adam.dates import derive_vars_dtm, derive_vars_dtm_to_dt
from cdiscflow.errors import DerivationError

_SUMMARY = ("sum", "mean", "min", "max", "count", "first", "last", "median", "nunique", "sorted_text")


def select_records(add: pd.DataFrame, by: Sequence[str], *, filter: str | None = None,
                   order: Sequence[str] | None = None, mode: str | None = None) -> pd.DataFrame:
    """Restrict ``add`` by ``filter`` and keep the ``first``/``last`` record per ``by`` in ``order``."""
    sel = add[condition(add, filter)]
    if mode is None:
        return sel
    if mode not in ("first", "last"):
        raise DerivationError(f"mode {mode!r}", expected="first or last")
    sel = ordered(sel, by, order or [])
    return sel.drop_duplicates(list(by), keep=mode)


def derive_vars_merged(df: pd.DataFrame, add: pd.DataFrame, by: str | Sequence[str], *,
                       new_vars: dict[str, str] | Sequence[str] | None = None, filter: str | None = None,
                       order: Sequence[str] | None = None, mode: str | None = None,
                       exist_flag: str | None = None, missing_values: dict[str, object] | None = None,
                       by_add: Sequence[str] | None = None) -> pd.DataFrame:
    """Add ``new_vars`` from ``add`` to ``df`` by ``by`` (ADaM: variables "merged from" a source dataset).

    ``new_vars``: list of columns, or ``{new_name: add_column}`` to rename (e.g. ``{"TRTA": "TRT01A"}``);
    default all columns of ``add`` not already in ``df``. ``by_add`` names the keys in ``add`` when they
    differ. ``exist_flag`` adds a Y/blank column telling whether a record matched; ``missing_values``
    sets values for rows without a match. Records of ``df`` are kept in order; ``add`` must have at most one
    record per key after ``filter``/``mode`` (else :class:`DerivationError`).
    """
    by = as_list(by)
    by_add = as_list(by_add) or by
    require(df, by, "derive_vars_merged")
    require(add, by_add, "derive_vars_merged (additional dataset)")
    sel = select_records(add, by_add, filter=filter, order=order, mode=mode)
    if new_vars is None:
        mapping = {c: c for c in add.columns if c not in df.columns and c not in by_add}
    elif isinstance(new_vars, dict):
        mapping = dict(new_vars)
    else:
        mapping = {c: c for c in new_vars}
    require(sel, mapping.values(), "derive_vars_merged (additional dataset)")
    right = sel[by_add + list(mapping.values())].copy()
    right.columns = by + list(mapping.keys())
    duplicated_keys(right, by, "derive_vars_merged: the additional dataset")
    # a left join as positions: the keys of both sides numbered together (missing keys match each other, as in
    # a merge), so that only the new columns are taken and df's columns stay as they are
    code = pd.concat([right[by], df[by]], ignore_index=True).groupby(by, sort=False, dropna=False).ngroup()
    code = code.to_numpy()
    position = np.full(int(code.max()) + 1 if len(code) else 0, -1)
    position[code[:len(right)]] = np.arange(len(right))
    pos = position[code[len(right):]]
    matched = pd.Series(pos >= 0, index=df.index)
    out = df.drop(columns=[c for c in mapping if c in df.columns])
    for name in mapping:
        values = right[name]
        if pd.api.types.is_string_dtype(values) or values.dtype == object:  # missing text is "", matched or not
            taken = pd.api.extensions.take(values.fillna("").array, pos, allow_fill=True, fill_value="")
            out[name] = pd.Series(taken, index=df.index, dtype=values.dtype)
        else:  # position -1: missing
            out[name] = values.reset_index(drop=True).reindex(pos).set_axis(df.index)
    for name, value in (missing_values or {}).items():
        out.loc[~matched, name] = value
    if exist_flag:
        out[exist_flag] = flag(matched, out.index)
    return out


class NotMappedWarning(UserWarning):
    """Records of a dataset whose ``by`` values a lookup table does not map (``derive_vars_merged_lookup``)."""


def derive_vars_merged_lookup(df: pd.DataFrame, add: pd.DataFrame, by: str | Sequence[str], *,
                              new_vars: dict[str, str] | Sequence[str] | None = None, filter: str | None = None,
                              order: Sequence[str] | None = None, mode: str | None = None,
                              by_add: Sequence[str] | None = None, print_not_mapped: bool = True) -> pd.DataFrame:
    """:func:`derive_vars_merged` from a lookup table (admiral ``derive_vars_merged_lookup``), e.g. PARAMCD from
    VSTESTCD; with ``print_not_mapped`` the distinct ``by`` values without a match are reported as a
    :class:`NotMappedWarning` (admiral prints them); their records keep missing new variables.

    >>> vs = pd.DataFrame({"VSTESTCD": ["SYSBP", "DIABP"]})
    >>> lookup = pd.DataFrame({"VSTESTCD": ["SYSBP", "DIABP"], "PARAMCD": ["SYSBP", "DIABP"], "PARAMN": [1.0, 2.0]})
    >>> derive_vars_merged_lookup(vs, lookup, "VSTESTCD", new_vars=["PARAMCD"])["PARAMCD"].tolist()
    ['SYSBP', 'DIABP']
    """
    out = derive_vars_merged(df, add, by, new_vars=new_vars, filter=filter, order=order, mode=mode,
                             exist_flag="__mapped__", by_add=by_add)
    by = as_list(by)
    not_mapped = out.loc[out["__mapped__"].ne("Y"), by].drop_duplicates()
    if print_not_mapped and len(not_mapped):
        shown = "; ".join(not_mapped.astype("str").agg(", ".join, axis=1))
        warnings.warn(f"List of {', '.join(by)} not mapped: {shown}", NotMappedWarning, stacklevel=2)
    return out.drop(columns="__mapped__")


def derive_var_merged_exist_flag(df: pd.DataFrame, add: pd.DataFrame, by: str | Sequence[str], new_var: str, *,
                                 condition_text: str | None = None, filter: str | None = None,
                                 true_value: str = "Y", false_value: str = "",
                                 missing_value: str = "") -> pd.DataFrame:
    """Flag whether ``add`` has a record per ``by`` (after ``filter``) meeting ``condition_text``.

    Population flags such as "Y if the subject has at least one QS record with VISITNUM > 3". Subjects
    with records none of which meet the condition get ``false_value``; subjects without any record in
    ``add`` (after ``filter``) get ``missing_value``. Both default to blank, admiral's ``NA`` (pass
    ``false_value="N", missing_value="N"`` for Y/N flags).
    """
    by = as_list(by)
    require(df, by, "derive_var_merged_exist_flag")
    require(add, by, "derive_var_merged_exist_flag (additional dataset)")
    sel = add[condition(add, filter)]
    hit = condition(sel, condition_text)
    summary = sel[by].assign(__hit__=hit.to_numpy()).groupby(by, sort=False)["__hit__"].any().reset_index()
    merged = df[by].merge(summary, on=by, how="left")
    values = np.where(merged["__hit__"].isna(), missing_value,
                      np.where(merged["__hit__"].fillna(False).astype(bool), true_value, false_value))
    return df.assign(**{new_var: pd.Series(values, index=df.index, dtype="str")})


def derive_vars_transposed(df: pd.DataFrame, merge: pd.DataFrame, by: str | Sequence[str], key_var: str,
                           value_var: str, *, id_vars: Sequence[str] = (), filter: str | None = None) -> pd.DataFrame:
    """Columns named by ``key_var``'s values holding ``value_var``, from ``merge`` transposed per ``by`` (+
    ``id_vars``), merged to ``df`` (admiral ``derive_vars_transposed``; e.g. SUPPxx QNAMs, or the FACM
    dose-form fields). A duplicate ``by`` + ``id_vars`` + ``key_var`` in ``merge`` is an error.

    >>> dm = pd.DataFrame({"USUBJID": ["1", "2"]})
    >>> supp = pd.DataFrame({"USUBJID": ["1", "1", "2"], "QNAM": ["RACE1", "RACE2", "RACE1"],
    ...                      "QVAL": ["WHITE", "ASIAN", "BLACK"]})
    >>> derive_vars_transposed(dm, supp, "USUBJID", "QNAM", "QVAL").values.tolist()
    [['1', 'WHITE', 'ASIAN'], ['2', 'BLACK', '']]
    """
    by = as_list(by)
    keys = [*by, *id_vars, key_var]
    require(merge, [*keys, value_var], "derive_vars_transposed (dataset to merge)")
    require(df, by, "derive_vars_transposed")
    sel = merge[condition(merge, filter)]
    dup = sel.duplicated(keys, keep=False)
    if dup.any():
        raise DerivationError(f"derive_vars_transposed: several records per {', '.join(keys)}", variable=key_var,
                              row=", ".join(str(i + 1) for i in sel.index[dup][:5]), expected="one value per key")
    wide = sel.pivot(index=[*by, *id_vars], columns=key_var, values=value_var).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    clash = [c for c in wide.columns if c in df.columns and c not in by]
    if clash:
        raise DerivationError(f"transposed variable(s) {', '.join(clash)} already in the dataset", variable=clash[0],
                              expected="new variable names")
    out = df.merge(wide, on=by, how="left")
    out.index = df.index if len(out) == len(df) else out.index
    for col in wide.columns:
        if col not in by and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].fillna("").astype("str")
    return out


def derive_var_merged_summary(df: pd.DataFrame, add: pd.DataFrame, by: str | Sequence[str], new_var: str,
                              source: str, fun: str, *, filter: str | None = None,
                              order: Sequence[str] | None = None, sep: str = ", ") -> pd.DataFrame:
    """Add a per-``by`` summary (``fun`` of ``source`` over ``add`` records meeting ``filter``).

    ``fun``: sum, mean, min, max, median, count, nunique, first, last (first/last in ``order``), sorted_text
    (the values as text, sorted and joined by ``sep``: R's ``paste(sort(x), collapse = sep)``). Groups
    without records get NaN ("" for sorted_text; ``count``/``nunique``: 0). Text sources are converted to
    numbers for numeric summaries (non-numeric text is a :class:`DerivationError`).

    >>> tr = pd.DataFrame({"USUBJID": ["1", "1", "2"], "TRLNKID": ["T02", "T01", "T01"]})
    >>> derive_var_merged_summary(pd.DataFrame({"USUBJID": ["1", "2", "3"]}), tr, "USUBJID", "LSEXP", "TRLNKID",
    ...                           "sorted_text")["LSEXP"].tolist()
    ['T01, T02', 'T01', '']
    """
    by = as_list(by)
    if fun not in _SUMMARY:
        raise DerivationError(f"summary function {fun!r}", variable=new_var, expected=" / ".join(_SUMMARY))
    require(add, [*by, source], f"derive_var_merged_summary({new_var})")
    sel = add[condition(add, filter)]
    if order:
        sel = ordered(sel, by, order)
    values = sel[source]
    if fun == "sorted_text":
        text = values.astype("str").where(values.notna(), "NA")  # R's paste() writes a missing value as NA
        summary = text.groupby([sel[b] for b in by], sort=False).agg(lambda v: sep.join(sorted(v)))
        out = df.drop(columns=[new_var], errors="ignore").merge(summary.rename(new_var).reset_index(), on=by,
                                                                 how="left")
        out.index = df.index
        out[new_var] = out[new_var].fillna("")
        return out
    if fun not in ("first", "last", "count", "nunique") and not pd.api.types.is_numeric_dtype(values):
        num = pd.to_numeric(values.where(values.astype("str").str.strip() != ""), errors="coerce")
        bad = num.isna() & values.notna() & (values.astype("str").str.strip() != "")
        if bad.any():
            raise DerivationError(f"non-numeric value {values[bad].iloc[0]!r} summarised as {fun}",
                                  variable=source, row=", ".join(map(str, values.index[bad][:5])),
                                  expected="numbers")
        values = num
    grouped = values.groupby([sel[b] for b in by], sort=False)
    summary = getattr(grouped, fun)().rename(new_var).reset_index()
    out = df.drop(columns=[new_var], errors="ignore").merge(summary, on=by, how="left")
    out.index = df.index
    if fun in ("count", "nunique"):
        out[new_var] = out[new_var].fillna(0)
    return out


def derive_vars_trt_dates(adsl: pd.DataFrame, ex: pd.DataFrame, *, by: str | Sequence[str] = "USUBJID",
                          start: str = "EXSTDTC", end: str = "EXENDTC", filter: str | None = None,
                          prefix: tuple[str, str] = ("TRTS", "TRTE"), end_fallback_to_start: bool = True,
                          highest_imputation: str = "h") -> pd.DataFrame:
    """TRTSDTM/TRTSTMF/TRTSDT and TRTEDTM/TRTETMF/TRTEDT from EX (ADaM IG ADSL; admiral ADSL template).

    Exposure records are restricted by ``filter`` (e.g. a valid dose: ``EXDOSE > 0 or (EXDOSE == 0 and
    contains(EXTRT, "PLACEBO"))``). Start datetimes impute missing time parts as 00:00:00, end datetimes as
    23:59:59, up to ``highest_imputation`` (default ``"h"``: only the time; ``"M"``/``"D"`` also impute dates,
    first/last of the period). The first exposure start and the last exposure end (falling back to the start of
    a record without an end when ``end_fallback_to_start``) are merged with their time imputation flags;
    ``…DT`` are the date parts.
    """
    by = as_list(by)
    require(ex, [*by, start, end], "derive_vars_trt_dates (EX)")
    s_pre, e_pre = prefix
    sel = ex[condition(ex, filter)]
    sel = derive_vars_dtm(sel, "__S", start, highest_imputation=highest_imputation, flag_imputation="time")
    sel = derive_vars_dtm(sel, "__E", end, highest_imputation=highest_imputation, date_imputation="last",
                          time_imputation="last", flag_imputation="time")
    if end_fallback_to_start:
        fallback = sel["__EDTM"].isna() & sel["__SDTM"].notna()
        sel = sel.assign(__EDTM=sel["__EDTM"].where(~fallback, sel["__SDTM"]),
                         __ETMF=sel["__ETMF"].where(~fallback, sel["__STMF"]))
    out = derive_vars_merged(adsl, sel, by, new_vars={f"{s_pre}DTM": "__SDTM", f"{s_pre}TMF": "__STMF"},
                             filter="present(__SDTM)", order=["__SDTM"], mode="first")
    out = derive_vars_merged(out, sel, by, new_vars={f"{e_pre}DTM": "__EDTM", f"{e_pre}TMF": "__ETMF"},
                             filter="present(__EDTM)", order=["__EDTM"], mode="last")
    return derive_vars_dtm_to_dt(out, [f"{s_pre}DTM", f"{e_pre}DTM"])
