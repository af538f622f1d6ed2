"""The best or worst of several kinds of events per group (admiral ``derive_extreme_event`` and
``derive_vars_extreme_event``): e.g. best overall response (CR before PR before SD …), worst severity, the
last date known alive over several sources (ADSL.LSTALVDT).

Each :func:`event` names its source (the input dataset when ``dataset_name`` is None), the records that
count (``condition``, a safe expression), optionally one record per group from them (``mode`` with the
event's ``order`` or the overall one) and the values it sets (``set_values_to``; :class:`~cdiscflow.adam.tte.Var`
copies a source column, a function of the selected records computes one). The selected records of all events
are stacked (``tmp_event_nr_var`` numbers them 1, 2, … in event order, for use in ``order``), and per ``by``
group the ``mode`` (first|last) record in ``order`` is the result. An :func:`event_joined` (admiral ``event_joined``) selects its records with
:func:`~cdiscflow.adam.joined.filter_joined` over the source joined with itself, positioned by the event's
``order`` or else the overall one: e.g. a response confirmed by a later assessment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.adam._util import as_list, condition, extreme_records, require
from cdiscflow.adam.joined import JoinCondition, filter_joined
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.adam.records import _concat
from cdiscflow.adam.tte import Var
from cdiscflow.errors import DerivationError


@dataclass(frozen=True)
class Event:
    """One kind of event for :func:`derive_extreme_event`."""

    dataset_name: str | None = None
    condition: str | None = None
    mode: str | None = None
    order: tuple[str, ...] | None = None
    set_values_to: Mapping[str, Any] = field(default_factory=dict)
    keep_source_vars: tuple[str, ...] | None = None


@dataclass(frozen=True)
class EventJoined:
    """An event whose records are chosen by a condition over joined records (:func:`event_joined`)."""

    dataset_name: str | None
    condition: JoinCondition
    join_vars: tuple[str, ...]
    join_type: str
    order: tuple[str, ...] | None = None
    first_cond_lower: JoinCondition | None = None
    first_cond_upper: JoinCondition | None = None
    set_values_to: Mapping[str, Any] = field(default_factory=dict)
    keep_source_vars: tuple[str, ...] | None = None
    by_vars: tuple[str, ...] | None = None
    filter_source: str | None = None
    tmp_obs_nr_var: str | None = None


def event_joined(dataset_name: str | None = None, *, condition: JoinCondition, join_vars: Sequence[str],
                 join_type: str, order: Sequence[str] | None = None,
                 first_cond_lower: JoinCondition | None = None, first_cond_upper: JoinCondition | None = None,
                 set_values_to: Mapping[str, Any] | None = None, keep_source_vars: Sequence[str] | None = None,
                 by_vars: Sequence[str] | None = None, filter_source: str | None = None,
                 tmp_obs_nr_var: str | None = None) -> EventJoined:
    """An event over joined records (admiral ``event_joined()``); ``condition``, the ``first_cond_*`` and
    ``tmp_obs_nr_var`` are those of :func:`~cdiscflow.adam.joined.filter_joined` (joined columns end in
    ``_join``). The source's records meeting ``filter_source`` are joined within ``by_vars`` (default: the
    groups of :func:`derive_extreme_event`).

    >>> ovr = pd.DataFrame({"USUBJID": ["1", "1", "2"], "ADT": [0.0, 30.0, 0.0], "AVALC": ["CR", "CR", "CR"]})
    >>> confirmed_cr = event_joined("ovr", join_vars=["AVALC", "ADT"], join_type="after", order=["ADT"],
    ...     first_cond_upper="AVALC_join == 'CR' and ADT_join >= ADT + 28", condition="AVALC == 'CR'",
    ...     set_values_to={"AVALC": "Y"})
    >>> derive_extreme_event(None, "USUBJID", [confirmed_cr], order=["ADT"], mode="first",
    ...                      source_datasets={"ovr": ovr})[["USUBJID", "ADT", "AVALC"]].values.tolist()
    [['1', 0.0, 'Y']]
    """
    if join_type not in ("before", "after", "all"):
        raise DerivationError(f"event_joined join_type {join_type!r}", variable="join_type",
                              expected="before, after or all")
    return EventJoined(dataset_name, condition, tuple(join_vars), join_type, None if order is None else tuple(order),
                       first_cond_lower, first_cond_upper, dict(set_values_to or {}),
                       None if keep_source_vars is None else tuple(keep_source_vars),
                       None if by_vars is None else tuple(by_vars), filter_source, tmp_obs_nr_var)


def event(dataset_name: str | None = None, *, condition: str | None = None, mode: str | None = None,
          order: Sequence[str] | None = None, set_values_to: Mapping[str, Any] | None = None,
          keep_source_vars: Sequence[str] | None = None) -> Event:
    """An event (admiral ``event()``); ``mode`` selects one record per group from it."""
    if mode not in (None, "first", "last"):
        raise DerivationError(f"event mode {mode!r}", variable="mode", expected="first, last or none")
    return Event(dataset_name, condition, mode, None if order is None else tuple(order), dict(set_values_to or {}),
                 None if keep_source_vars is None else tuple(keep_source_vars))


def _event_records(ev: Event | EventJoined, number: int, data: pd.DataFrame, by: list[str], order: Sequence[str],
                   tmp_event_nr_var: str | None, keep_source_vars: Sequence[str] | None) -> pd.DataFrame:
    event_order = list(ev.order if ev.order is not None else order)
    if tmp_event_nr_var:
        data = data.assign(**{tmp_event_nr_var: number})
    if isinstance(ev, EventJoined):
        data = data[condition(data, ev.filter_source)]
        chosen = filter_joined(data, data, by=list(ev.by_vars) if ev.by_vars is not None else by,
                               join_vars=ev.join_vars, join_type=ev.join_type, filter_join=ev.condition,
                               order=event_order, first_cond_lower=ev.first_cond_lower,
                               first_cond_upper=ev.first_cond_upper, tmp_obs_nr_var=ev.tmp_obs_nr_var)
    else:
        chosen = data[condition(data, ev.condition)]
    if isinstance(ev, Event) and ev.mode is not None:
        require(chosen, [*by, *[o.lstrip("-") for o in event_order]], f"event {number} ({ev.dataset_name})")
        chosen = extreme_records(chosen, by, event_order, ev.mode)
    refs = [v.name for v in ev.set_values_to.values() if isinstance(v, Var)]
    require(chosen, [*by, *refs], f"event {number} ({ev.dataset_name})")
    keep = ev.keep_source_vars if ev.keep_source_vars is not None else keep_source_vars
    number_var = [tmp_event_nr_var] if tmp_event_nr_var else []
    columns = list(chosen.columns) if keep is None else list(dict.fromkeys([*by, *keep, *number_var]))
    out = chosen[columns].copy()
    for name, value in ev.set_values_to.items():
        if isinstance(value, Var):
            value = chosen[value.name].to_numpy()
        elif callable(value):
            value = np.asarray(value(chosen))
        out[name] = value
    return out


def derive_extreme_event(df: pd.DataFrame | None, by: str | Sequence[str], events: Sequence[Event | EventJoined], *,
                         order: Sequence[str], mode: str, source_datasets: Mapping[str, pd.DataFrame] | None = None,
                         tmp_event_nr_var: str | None = None, set_values: Mapping[str, Any] | None = None,
                         keep_source_vars: Sequence[str] | None = None) -> pd.DataFrame:
    """Append the ``mode`` record per ``by`` group over all ``events`` (see module docstring) to ``df``.

    >>> rs = pd.DataFrame({"USUBJID": ["1", "1", "2"], "ADT": [1.0, 2.0, 1.0], "AVALC": ["PR", "CR", "SD"]})
    >>> best = derive_extreme_event(None, "USUBJID", [event("rs", condition="AVALC == 'CR'"),
    ...     event("rs", condition="AVALC == 'PR'"), event("rs", condition="AVALC == 'SD'")],
    ...     order=["__ev", "ADT"], mode="first", tmp_event_nr_var="__ev", set_values={"PARAMCD": "BOR"},
    ...     source_datasets={"rs": rs})
    >>> best[["USUBJID", "AVALC", "PARAMCD"]].values.tolist()
    [['1', 'CR', 'BOR'], ['2', 'SD', 'BOR']]
    """
    by = as_list(by)
    if mode not in ("first", "last"):
        raise DerivationError(f"mode {mode!r}", variable="mode", expected="first or last")
    if not events:
        raise DerivationError("no events", variable="events", expected="at least one event()")
    sources = dict(source_datasets or {})
    parts = []
    for number, ev in enumerate(events, start=1):
        if ev.dataset_name is None:
            if df is None:
                raise DerivationError(f"event {number} reads the input dataset, which is None", variable="events",
                                      expected="dataset_name of a source dataset")
            data = df
        elif ev.dataset_name in sources:
            data = sources[ev.dataset_name]
        else:
            raise DerivationError(f"event {number}: source dataset {ev.dataset_name!r} not given",
                                  variable="source_datasets", expected=f"one of {', '.join(sources) or '(none)'}")
        part = _event_records(ev, number, data, by, order, tmp_event_nr_var, keep_source_vars)
        if all(o.lstrip("-") in part.columns for o in order):
            # an event's own extreme record per group is the only one of it that can win overall (the sort is
            # stable and the events are stacked in order, so ties resolve as they would over all records)
            part = extreme_records(part, by, order, mode)
        parts.append(part)
    stacked = pd.concat(parts, ignore_index=True)
    require(stacked, [o.lstrip("-") for o in order], "derive_extreme_event order")
    new = extreme_records(stacked, by, order, mode)
    if tmp_event_nr_var:
        new = new.drop(columns=tmp_event_nr_var)
    new = new.assign(**dict(set_values or {})).reset_index(drop=True)
    return new if df is None else _concat(df, new)


def derive_vars_extreme_event(df: pd.DataFrame, by: str | Sequence[str], events: Sequence[Event | EventJoined], *,
                              order: Sequence[str], mode: str, new_vars: Mapping[str, str] | Sequence[str],
                              source_datasets: Mapping[str, pd.DataFrame] | None = None,
                              tmp_event_nr_var: str | None = None) -> pd.DataFrame:
    """Add ``new_vars`` of the extreme event per ``by`` group to ``df`` (admiral
    ``derive_vars_extreme_event``), e.g. LSTALVDT as the last of several dated sources.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"]})
    >>> ae = pd.DataFrame({"USUBJID": ["1"], "AENDT": [40.0]})
    >>> vs = pd.DataFrame({"USUBJID": ["1", "2"], "ADT": [30.0, 12.0]})
    >>> derive_vars_extreme_event(adsl, "USUBJID", [
    ...     event("ae", condition="present(AENDT)", set_values_to={"LSTALVDT": Var("AENDT")}),
    ...     event("vs", condition="present(ADT)", set_values_to={"LSTALVDT": Var("ADT")})],
    ...     order=["LSTALVDT"], mode="last", new_vars=["LSTALVDT"],
    ...     source_datasets={"ae": ae, "vs": vs})["LSTALVDT"].tolist()
    [40.0, 12.0]
    """
    new = derive_extreme_event(None, by, events, order=order, mode=mode, source_datasets=source_datasets,
                               tmp_event_nr_var=tmp_event_nr_var)
    return derive_vars_merged(df, new, by, new_vars=new_vars)
