"""Registered check functions. Each is ``fn(target, **params) -> list[Hit]``, vectorised over the dataset.

``@check(name, needs=...)`` registers a function under ``cdiscflow.registry`` kind ``"check"`` and records what it
needs: ``"spec"`` (a dataset spec), ``"meta"`` (transport-file metadata) or a dataset name (``"DM"``, ``"TV"``,
``"ADSL"``); the engine skips a rule, saying why, when something it needs is absent. A ``study_level`` check
runs once per study, on the first dataset its rule's scope names — present or not (an empty frame then): it
is how a rule says that a dataset is missing (FDA technical rejection criteria).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.registry import register
from cdiscflow.validation.model import Hit

NEEDS: dict[str, tuple[str, ...]] = {}
STUDY_LEVEL: set[str] = set()


def check(name: str, needs: tuple[str, ...] = (), study_level: bool = False
          ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        NEEDS[name] = needs
        if study_level:
            STUDY_LEVEL.add(name)
        return register("check", name)(fn)

    return deco


def hit(variable: str | None, mask: pd.Series | np.ndarray, detail: str | None = None,
        values: pd.Series | None = None) -> list[Hit]:
    """A one-element list with the rows where ``mask`` holds, or an empty list when it never does."""
    arr = np.asarray(mask, dtype=bool)
    if not arr.any():
        return []
    rows = np.flatnonzero(arr)
    vals = None if values is None else list(np.asarray(values.to_numpy(dtype=object))[rows])
    return [Hit(variable, rows, detail, vals)]


def dataset_hit(variable: str | None, detail: str) -> Hit:
    return Hit(variable, np.array([], dtype=int), detail)


from cdiscflow.validation.checks import adam, ct, fda, sdtm, spec, xpt  # noqa: E402,F401  (register the checks)
