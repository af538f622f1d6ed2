"""Registered functions that specs may name (``derive: <name>``, ``program: <name>``, ``check: <name>``).

A spec never holds code; it names a function registered with ``@register(kind, name)``. There is no single
global table: every study gets its own :class:`Registry` (filled when :mod:`cdiscflow.studyload` imports the
study's modules), and the generic functions of cdiscflow itself (and of test modules) are in :data:`LIBRARY`,
which every study sees. Where a function lands is decided by the module that defines it: a module of a loaded
study (its synthetic package ``cdiscflow_study_<hash>``) → that study's registry; anything else → the library.
Registering a name twice, or a study name that the library already has, is a :class:`SpecError` naming both
places (``module:function``). Looking up an unknown name is a :class:`SpecError` listing what is registered.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from cdiscflow.errors import SpecError

F = TypeVar("F", bound=Callable[..., Any])

#: Library modules that register functions of a kind; imported before a lookup of that kind.
LIBRARY_MODULES: dict[str, tuple[str, ...]] = {
    "tlf": ("cdiscflow.tlf.programs", "cdiscflow.tlf.programs_efficacy", "cdiscflow.tlf.shapes"),
    "check": ("cdiscflow.validation.checks",),
}


def import_library(kind: str) -> None:
    """Import the library modules registering ``kind`` (before any study module, so a study name that the
    library has is always seen as registered twice)."""
    for module in LIBRARY_MODULES.get(kind, ()):
        importlib.import_module(module)


def where(fn: Callable[..., Any]) -> str:
    """``module:function`` of a registered function (for error messages)."""
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"


class Registry:
    """Functions by kind and name; ``parent`` (the library) is searched after this registry."""

    def __init__(self, label: str, parent: Registry | None = None) -> None:
        self.label = label
        self.parent = parent
        self.table: dict[str, dict[str, Callable[..., Any]]] = {}

    def add(self, kind: str, name: str, fn: Callable[..., Any]) -> None:
        """Register ``fn`` as ``kind: name``; a name already taken here or in the parent is an error."""
        for reg in (self, self.parent):
            old = reg.table.get(kind, {}).get(name) if reg is not None else None
            if old is not None and where(old) != where(fn):
                raise SpecError(f"'{kind}: {name}' is registered twice: {where(old)} and {where(fn)}",
                                expected="one function per registered name")
        self.table.setdefault(kind, {})[name] = fn

    def names(self, kind: str) -> list[str]:
        """Every name of ``kind`` visible here (this registry and its parent)."""
        own = set(self.table.get(kind, {}))
        return sorted(own | set(self.parent.names(kind) if self.parent else ()))

    def lookup(self, kind: str, name: Any, *, file: str | None = None, variable: str | None = None
               ) -> Callable[..., Any]:
        """The function registered as ``kind: name`` (here first, then the library)."""
        import_library(kind)
        for reg in (self, self.parent):
            fn = reg.table.get(kind, {}).get(name) if reg is not None and isinstance(name, str) else None
            if fn is not None:
                return fn
        raise SpecError(f"'{kind}: {name}' is not a registered function", file=file, variable=variable,
                        expected=f"one of {', '.join(self.names(kind)) or '(none registered)'} ({self.label})")


LIBRARY = Registry("cdiscflow library")
#: synthetic package name of a loaded study → its registry (filled by :mod:`cdiscflow.studyload`)
STUDY_REGISTRIES: dict[str, Registry] = {}
#: modules whose registrations are not kept: the built-in study folders imported as ordinary package modules
#: (e.g. by a unit test); a run loads them through :mod:`cdiscflow.studyload` like any other study
DETACHED = "cdiscflow.studies."


def registry_of(module: str) -> Registry | None:
    """The registry a function defined in ``module`` belongs to (``None``: not kept)."""
    top = module.split(".", 1)[0]
    if top in STUDY_REGISTRIES:
        return STUDY_REGISTRIES[top]
    return None if module.startswith(DETACHED) else LIBRARY


def register(kind: str, name: str | None = None) -> Callable[[F], F]:
    """Decorator: ``@register("derive")`` makes the function available to specs as ``derive: <name>``."""

    def deco(fn: F) -> F:
        reg = registry_of(getattr(fn, "__module__", "") or "")
        if reg is not None:
            reg.add(kind, name or fn.__name__, fn)
        return fn

    return deco


def lookup(kind: str, name: str, *, file: str | None = None, variable: str | None = None) -> Callable[..., Any]:
    """A library function (no study code); stages look up through ``Study.lookup`` instead."""
    return LIBRARY.lookup(kind, name, file=file, variable=variable)


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

