"""Registered functions that specs may name (``derive: <name>``, ``program: <name>``).

A spec never holds code; it names a function registered here by a study module. Looking up an unknown name
is a :class:`SpecError` listing what is registered.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from cdiscflow.errors import SpecError

F = TypeVar("F", bound=Callable[..., Any])
_REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {}


def register(kind: str, name: str | None = None) -> Callable[[F], F]:
    """Decorator: ``@register("derive")`` makes the function available to specs as ``derive: <name>``."""

    def deco(fn: F) -> F:
        _REGISTRY.setdefault(kind, {})[name or fn.__name__] = fn
        return fn

    return deco


def lookup(kind: str, name: str, *, file: str | None = None, variable: str | None = None) -> Callable[..., Any]:
    table = _REGISTRY.get(kind, {})
    if name not in table:
        raise SpecError(f"'{kind}: {name}' is not a registered function", file=file, variable=variable,
                        expected=f"one of {', '.join(sorted(table)) or '(none registered)'}")
    return table[name]


def load_study_modules(package: str, modules: list[str]) -> None:
    """Import a study's modules (e.g. ``cdiscflow.studies.msc_ntf_als.derivations``) so they register."""
    for mod in modules:
        try:
            importlib.import_module(f"{package}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{mod}":
                raise
