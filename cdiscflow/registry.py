"""Registered functions that specs may name (``derive: <name>``, ``program: <name>``).

A spec never holds code; it names a function registered here by a study module. Looking up an unknown name
is a :class:`SpecError` listing what is registered.
"""

from __future__ import annotations

import importlib
import inspect
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


def call_with_params(fn: Callable[..., Any], args: tuple[Any, ...], params: Any, *, what: str,
                     file: str | None = None, variable: str | None = None) -> Any:
    """``fn(*args, **params)`` after checking ``params`` (spec text) against ``fn``'s signature: an unknown,
    missing or doubled parameter is a :class:`SpecError` naming the spec file and variable, raised before the
    call (a ``TypeError`` from inside ``fn`` is not mistaken for a bad parameter)."""
    if params is None:
        params = {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise SpecError(f"{what}: params {params!r} must be a mapping of names to values", file=file,
                        variable=variable, expected="params: {name: value, ...}")
    signature = inspect.signature(fn)
    try:
        signature.bind(*args, **params)
    except TypeError as exc:
        accepted = [p.name for p in list(signature.parameters.values())[len(args):]
                    if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        raise SpecError(f"{what}: params {sorted(params)} do not fit: {exc}", file=file, variable=variable,
                        expected=f"params among {', '.join(accepted) or '(none)'}") from None
    return fn(*args, **params)


def load_study_modules(package: str, modules: list[str]) -> None:
    """Import a study's modules (e.g. ``cdiscflow.studies.msc_ntf_als.derivations``) so they register."""
    for mod in modules:
        try:
            importlib.import_module(f"{package}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{mod}":
                raise
