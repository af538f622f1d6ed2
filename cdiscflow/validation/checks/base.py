"""What every check module uses: the ``@check`` decorator (registration, needs, study level) and hit builders."""

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
