"""Time-to-event parameters (ADaM BDS for TTE, ADaM IG §3.3.8), with admiral's ``derive_param_tte`` rules.

A parameter is made from *event sources* and *censoring sources* (:func:`event_source`,
:func:`censor_source`): each names a source dataset, the records that count (a safe-expression ``filter``),
the date, tie-breaking ``order`` and the values the record carries (``EVNTDESC``, ``SRCDOM``, ``SRCVAR``,
``SRCSEQ`` …; :class:`Var` copies a source column, e.g. ``SRCSEQ=Var("AESEQ")``).

Per subject (and ``by_vars`` group) the earliest event is taken — first per source by date then ``order``,
then across sources by date, an earlier-listed source winning a tie; failing an event, the latest censoring
record in the same way (the later-listed source winning a tie). ``CNSR`` is 0 for events and the source's
``censor`` value (default 1) otherwise. Subjects must be in ``dataset_adsl``, which gives ``STARTDT`` (or
``STARTDTM``); ``ADT`` (``ADTM``) is never before it. As in admiral, a per-source record with a missing date
is dropped *after* the per-source choice: for censoring (the last record, missing dates sorting last) a
subject whose chosen record has no date gets no censoring record from that source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, condition, extreme_records, ordered, require
from cdiscflow.errors import DerivationError


@dataclass(frozen=True)
class Var:
    """A column of the source record, as a value in ``set_values_to`` (admiral: an unquoted name)."""

    name: str


@dataclass(frozen=True)
class TteSource:
    """One event or censoring source of a time-to-event parameter."""

    dataset_name: str
    date: str
    filter: str | None = None
    order: tuple[str, ...] = ()
    censor: int = 0
    set_values_to: Mapping[str, Any] = field(default_factory=dict)


def event_source(dataset_name: str, date: str, *, filter: str | None = None, order: Sequence[str] = (),
                 set_values_to: Mapping[str, Any] | None = None) -> TteSource:
    """An event source (``CNSR = 0``), as admiral's ``event_source()``."""
    return TteSource(dataset_name, date, filter, tuple(order), 0, dict(set_values_to or {}))


def censor_source(dataset_name: str, date: str, *, filter: str | None = None, order: Sequence[str] = (),
                  censor: int = 1, set_values_to: Mapping[str, Any] | None = None) -> TteSource:
    """A censoring source (``CNSR = censor``, default 1), as admiral's ``censor_source()``."""
    if isinstance(censor, bool) or not isinstance(censor, (int, np.integer)) or censor < 1:
        raise DerivationError(f"censor {censor!r}", variable="CNSR", expected="a whole number of at least 1")
    return TteSource(dataset_name, date, filter, tuple(order), int(censor), dict(set_values_to or {}))


def _values(frame: pd.DataFrame, values: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``set_values_to`` evaluated on ``frame``: literals as they are, :class:`Var` as the named column."""
    refs = [v.name for v in values.values() if isinstance(v, Var)]
    require(frame, refs, what)
    return {k: frame[v.name].to_numpy() if isinstance(v, Var) else v for k, v in values.items()}


def _with_by_groups(data: pd.DataFrame, by_vars: list[str], groups: pd.DataFrame) -> pd.DataFrame:
    """A source lacking the ``by_vars`` applies to every by group (admiral's ``extend_source_datasets``)."""
    if not by_vars or all(v in data.columns for v in by_vars):
        return data
    if any(v in data.columns for v in by_vars):
        raise DerivationError("a source dataset has some but not all by variables", variable=", ".join(by_vars),
                              expected="all or none of the by variables in each source dataset")
    return data.merge(groups, how="cross")


def _select(sources: Sequence[TteSource], datasets: Mapping[str, pd.DataFrame], keys: list[str], mode: str,
            date_var: str, create_datetime: bool) -> pd.DataFrame:
    """The first (events) or last (censoring) dated record per ``keys`` over ``sources``."""
    parts = []
    for number, src in enumerate(sources):
        data = datasets[src.dataset_name]
        what = f"derive_param_tte source {src.dataset_name}.{src.date}"
        require(data, [*keys, src.date, *[o.lstrip("-") for o in src.order]], what)
        chosen = ordered(data[condition(data, src.filter)], keys, [src.date, *src.order])
        chosen = chosen.drop_duplicates(keys, keep=mode)
        date = chosen[src.date].astype("float64")
        is_datetime = src.date.endswith("DTM")
        if create_datetime:
            date = date if is_datetime else date * 86400.0
        elif is_datetime:
            date = np.floor(date / 86400.0)
        part = pd.DataFrame({k: chosen[k].to_numpy() for k in keys})
        for name, value in _values(chosen, src.set_values_to, what).items():
            part[name] = value
        part["CNSR"] = src.censor
        part[date_var] = date.to_numpy()
        part["__source__"] = number
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*keys, "CNSR", date_var, "__source__"])
    combined = pd.concat(parts, ignore_index=True)
    combined = combined[combined[date_var].notna()]
    combined = extreme_records(combined, keys, [date_var, "__source__"], mode)
    return combined.drop(columns="__source__")


def derive_param_tte(dataset: pd.DataFrame | None, dataset_adsl: pd.DataFrame,
                     source_datasets: Mapping[str, pd.DataFrame], *, event_conditions: Sequence[TteSource],
                     censor_conditions: Sequence[TteSource] = (), start_date: str = "TRTSDT",
                     by_vars: str | Sequence[str] | None = None, create_datetime: bool = False,
                     set_values_to: Mapping[str, Any] | None = None,
                     subject_keys: Sequence[str] = ("STUDYID", "USUBJID")) -> pd.DataFrame:
    """Add a time-to-event parameter (one record per subject and by group) to ``dataset``.

    Adds ``ADT`` (``ADTM`` with ``create_datetime``), ``STARTDT`` (``STARTDTM``; ``STARTDTF``/``STARTTMF``
    when ADSL has the start date's imputation flags), ``CNSR`` and the sources' and ``set_values_to`` values;
    ``AVAL`` is left to a duration derivation (``ADT − STARTDT + 1``). The ``by_vars`` are used for grouping
    and dropped from the result, as in admiral. A ``PARAMCD`` already in ``dataset`` is an error.

    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2"], "TRTSDT": [0.0, 0.0],
    ...                      "DTHDT": [30.0, np.nan], "LSTALVDT": [30.0, 50.0]})
    >>> death = event_source("adsl", "DTHDT", filter="DTHDT > 0", set_values_to={"EVNTDESC": "DEATH"})
    >>> alive = censor_source("adsl", "LSTALVDT", set_values_to={"EVNTDESC": "LAST KNOWN ALIVE"})
    >>> tte = derive_param_tte(None, adsl, {"adsl": adsl}, event_conditions=[death], censor_conditions=[alive],
    ...                        set_values_to={"PARAMCD": "OS"})
    >>> tte[["USUBJID", "ADT", "CNSR", "EVNTDESC"]].values.tolist()
    [['1', 30.0, 0, 'DEATH'], ['2', 50.0, 1, 'LAST KNOWN ALIVE']]
    """
    keys = list(subject_keys)
    by = as_list(by_vars)
    set_values_to = dict(set_values_to or {})
    if not keys:
        raise DerivationError("subject_keys is empty", variable="subject_keys", expected="e.g. STUDYID, USUBJID")
    if not event_conditions:
        raise DerivationError("no event source", variable="event_conditions", expected="at least one event_source")
    for src in [*event_conditions, *censor_conditions]:
        if src.dataset_name not in source_datasets:
            raise DerivationError(f"source dataset {src.dataset_name!r} is not among the source datasets",
                                  variable=src.date, expected=f"one of {', '.join(source_datasets)}")
    require(dataset_adsl, [*keys, start_date], "derive_param_tte ADSL")
    if by:
        with_by = [d for d in source_datasets.values() if all(v in d.columns for v in by)]
        if not with_by:
            raise DerivationError("no source dataset has the by variables", variable=", ".join(by),
                                  expected="the by variables in at least one source dataset")
        groups = pd.concat([d[by] for d in with_by]).drop_duplicates().reset_index(drop=True)
        source_datasets = {n: _with_by_groups(d, by, groups) for n, d in source_datasets.items()}
    date_var, start_var = ("ADTM", "STARTDTM") if create_datetime else ("ADT", "STARTDT")
    events = _select(event_conditions, source_datasets, keys + by, "first", date_var, create_datetime)
    censors = _select(censor_conditions, source_datasets, keys + by, "last", date_var, create_datetime)
    both = pd.concat([events.assign(__event__=1), censors.assign(__event__=0)], ignore_index=True)
    new = ordered(both, keys + by, ["__event__"]).drop_duplicates(keys + by, keep="last").drop(columns="__event__")

    adsl_cols = {**{k: k for k in keys}, start_date: start_var}
    imputation_flags = {re.sub(r"(DT|DTM)$", "DTF", start_date): "STARTDTF",
                        re.sub(r"DTM$", "TMF", start_date): "STARTTMF"}
    for flag_name, new_name in imputation_flags.items():
        if flag_name != start_date and flag_name in dataset_adsl.columns:
            adsl_cols[flag_name] = new_name
    adsl = dataset_adsl[list(adsl_cols)].rename(columns=adsl_cols)
    new = new.merge(adsl, on=keys, how="inner", validate="many_to_one")
    for name, value in _values(new, set_values_to, "derive_param_tte set_values_to").items():
        new[name] = value
    new[date_var] = np.fmax(new[date_var].astype("float64"), new[start_var].astype("float64"))
    new["CNSR"] = new["CNSR"].astype("int64")
    new = new.drop(columns=by).reset_index(drop=True)

    if dataset is None:
        return new
    if "PARAMCD" in set_values_to and "PARAMCD" in dataset.columns:
        clash = sorted(set(pd.unique(new["PARAMCD"])) & set(dataset["PARAMCD"]))
        if clash:
            raise DerivationError(f"parameter(s) {', '.join(map(str, clash))} already in the input dataset",
                                  variable="PARAMCD", expected="a new PARAMCD")
    return pd.concat([dataset, new], ignore_index=True)
