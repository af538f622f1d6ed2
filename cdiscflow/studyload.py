"""The one study loader: imports a study's own Python modules from its folder, for every stage and worker.

A study folder is code you choose to run (like a SAS program). Its modules are declared in ``study.yaml``::

    code:
      sdtm: [sdtm_derivations]     # @register("derive") functions named by SDTM specs (derive: NAME)
      adam: [adam_program]         # @register("adam") programs named by ADaM specs (settings.program)
      tlf: [tlf_programs]          # @register("tlf") programs named by the TLF catalog (program: NAME)
      validation: [checks]         # @check(...) functions named by the study's extra rules
      simulate: [command]          # a module with simulate(out, seed=..., subjects=...) → raw folder

A slot left out takes the default module names of :data:`DEFAULTS` that exist in the folder. A module name is
a plain (optionally dotted) identifier naming ``<name>.py`` or ``<name>/__init__.py`` inside the folder; nothing
can name a module or path outside it (a :class:`SpecError` naming ``study.yaml`` and the field).

The folder is imported as a package under a synthetic name, ``cdiscflow_study_<hash of its path>``, so two
studies never collide and a study's modules import each other relatively (``from .adam_derive import x``).
Functions its modules register go to the study's own :class:`~cdiscflow.registry.Registry`, whose parent is
the cdiscflow library. The built-in studies load the same way. Loading is per process and lazy per slot: a
worker process (``run -j N``, Dask) loads what its step needs by itself, from the folder.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from cdiscflow.errors import CdiscflowError, SpecError
from cdiscflow.registry import LIBRARY, STUDY_REGISTRIES, Registry, import_library

SLOTS = ("sdtm", "adam", "tlf", "validation", "simulate")
DEFAULTS: dict[str, tuple[str, ...]] = {
    "sdtm": ("sdtm_derivations", "derivations"),
    "adam": ("adam_program",),
    "tlf": ("tlf_programs",),
    "validation": ("validation_checks",),
    "simulate": (),
}
#: the slot whose modules register each kind of function
SLOT_OF_KIND = {"derive": "sdtm", "adam": "adam", "tlf": "tlf", "check": "validation"}
MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def package_name(root: Path) -> str:
    """The synthetic package name of the study folder ``root`` (stable for a path, distinct between paths)."""
    return "cdiscflow_study_" + hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]


def module_file(root: Path, name: str) -> Path | None:
    """``<root>/<name>.py`` or ``<root>/<name>/__init__.py`` if it exists (``a.b`` → ``a/b.py``)."""
    base = root.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def declared_modules(root: Path, meta: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Module names per slot from ``study.yaml``'s ``code:`` (defaults for slots left out), each checked."""
    yaml_file = str(root / "study.yaml")
    code = meta.get("code", {}) or {}
    if not isinstance(code, dict):
        raise SpecError("'code' must be a mapping of slot → module names", file=yaml_file, variable="code",
                        expected=f"code: {{{', '.join(f'{s}: [...]' for s in SLOTS[:2])}}}")
    unknown = sorted(set(code) - set(SLOTS))
    if unknown:
        raise SpecError(f"unknown code slot(s) {', '.join(map(str, unknown))}", file=yaml_file, variable="code",
                        expected=f"one of {', '.join(SLOTS)}")
    out: dict[str, tuple[str, ...]] = {}
    for slot in SLOTS:
        if slot not in code:
            out[slot] = tuple(n for n in DEFAULTS[slot] if module_file(root, n) is not None)
            continue
        names = code[slot] if isinstance(code[slot], list) else [code[slot]]
        for name in names:
            _check_module(root, name, f"code.{slot}", yaml_file)
        out[slot] = tuple(names)
    return out


def _check_module(root: Path, name: Any, field_name: str, yaml_file: str) -> None:
    if not isinstance(name, str) or not MODULE_NAME.fullmatch(name):
        raise SpecError(f"{name!r} is not a module name", file=yaml_file, variable=field_name,
                        expected="a module of the study folder: a plain identifier (a.b for a/b.py)")
    path = module_file(root, name)
    if path is None:
        raise SpecError(f"module {name!r} not found in the study folder", file=yaml_file, variable=field_name,
                        expected=f"{root / name.replace('.', '/')}.py")
    real, top = path.resolve(), root.resolve()
    if top not in real.parents:
        raise SpecError(f"module {name!r} leads outside the study folder ({real})", file=yaml_file,
                        variable=field_name, expected="a file inside the study folder")


@dataclass
class StudyCode:
    """A study's modules and registry; modules of a slot are imported on first use."""

    root: Path
    modules: dict[str, tuple[str, ...]]
    package: str = ""
    registry: Registry = field(init=False)
    loaded: dict[str, list[ModuleType]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.package = self.package or package_name(self.root)
        self.registry = STUDY_REGISTRIES.setdefault(self.package, Registry(f"study {self.root}", LIBRARY))
        if self.package not in sys.modules:
            init = self.root / "__init__.py"
            if init.is_file():
                spec = importlib.util.spec_from_file_location(self.package, init,
                                                              submodule_search_locations=[str(self.root)])
            else:  # a folder without __init__.py: a package with no code of its own
                spec = importlib.machinery.ModuleSpec(self.package, None, is_package=True)
                spec.submodule_search_locations = [str(self.root)]
            if spec is None:
                raise SpecError("cannot import the study folder", file=str(init))
            package = importlib.util.module_from_spec(spec)
            sys.modules[self.package] = package
            if spec.loader is not None:
                spec.loader.exec_module(package)

    def load(self, slot: str) -> list[ModuleType]:
        """Import the modules of ``slot`` (``sdtm``, ``adam``, ``tlf``, ``validation``, ``simulate``)."""
        if slot not in self.loaded:
            self.loaded[slot] = [self._import(name, slot) for name in self.modules[slot]]
        return self.loaded[slot]

    def _import(self, name: str, slot: str) -> ModuleType:
        try:
            return importlib.import_module(f"{self.package}.{name}")
        except CdiscflowError:
            raise
        except Exception as exc:  # the study's own code failed to import: say which module, in one line
            where = getattr(exc, "filename", None) or module_file(self.root, name)
            line = f" line {exc.lineno}" if isinstance(exc, SyntaxError) else ""
            raise SpecError(f"study module {name!r} (code.{slot}) cannot be imported{line}: "
                            f"{type(exc).__name__}: {exc}", file=str(where)) from exc

    def lookup(self, kind: str, name: Any, *, file: str | None = None, variable: str | None = None
               ) -> Callable[..., Any]:
        """The function registered as ``kind: name`` by the study (its slot loaded first) or by the library."""
        import_library(kind)
        if kind in SLOT_OF_KIND:
            self.load(SLOT_OF_KIND[kind])
        return self.registry.lookup(kind, name, file=file, variable=variable)

    def function(self, slot: str, name: str) -> Callable[..., Any] | None:
        """A module-level function ``name`` of the slot's modules (e.g. ``simulate``), or ``None``."""
        for module in self.load(slot):
            fn = getattr(module, name, None)
            if callable(fn):
                return fn
        return None


_CODE: dict[Path, StudyCode] = {}


def study_code(root: Path, meta: dict[str, Any]) -> StudyCode:
    """The (per-process) loader of the study folder ``root``; its modules are checked against ``study.yaml``."""
    root = root.resolve()
    modules = declared_modules(root, meta)
    code = _CODE.get(root)
    if code is None or code.modules != modules:
        code = _CODE[root] = StudyCode(root, modules)
    return code
