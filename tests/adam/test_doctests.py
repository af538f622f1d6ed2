"""The docstring examples of the ADaM library run (doctest), so that they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cdiscflow.adam

MODULES = sorted(m.name for m in pkgutil.iter_modules(cdiscflow.adam.__path__, "cdiscflow.adam.")
                 if not m.name.rsplit(".", 1)[1].startswith("_") and not m.name.endswith(".command"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_examples_exist_for_the_new_library() -> None:
    """Modules written with examples keep one per public function."""
    for name in ("cdiscflow.adam.compute", "cdiscflow.adam.tte", "cdiscflow.adam.toxgrade"):
        module = importlib.import_module(name)
        finder = doctest.DocTestFinder()
        with_examples = {t.name.rsplit(".", 1)[1] for t in finder.find(module) if t.examples}
        public = {n for n in dir(module) if n.startswith(("compute_", "derive_"))
                  and getattr(module, n).__module__ == name}
        assert public <= with_examples, f"{name}: no example for {sorted(public - with_examples)}"
