"""Dependency order with the standard library's :mod:`graphlib`, deterministic among independent nodes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from graphlib import CycleError, TopologicalSorter
from typing import Any


def toposort(deps: Mapping[str, Iterable[str]], key: Callable[[str], Any] | None = None) -> list[str]:
    """Every node of ``deps`` (node → what it needs) after what it needs; the nodes that become ready together
    are taken in ``key`` order. A cycle raises :class:`graphlib.CycleError` (``args[1]``: the cycle)."""
    sorter = TopologicalSorter(deps)
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=key)
        order += ready
        sorter.done(*ready)
    return order


__all__ = ["CycleError", "toposort"]
