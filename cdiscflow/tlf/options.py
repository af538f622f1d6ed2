"""Checked program options: a catalog entry's ``options`` (and mappings inside them) with known keys only.

:func:`checked` refuses an unknown key, a missing required one or a value of the wrong shape with a
:class:`SpecError` naming the output and the option (``output t-14-3-02: options.respnse is unknown``), so
a typo is never silently ignored. :func:`require_columns` does the same for variables a program is told to
read. Programs read options only through these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from cdiscflow.errors import SpecError

if TYPE_CHECKING:
    from cdiscflow.tlf.engine import TlfContext


def checked(ctx: TlfContext, raw: Any, *, required: Iterable[str] = (), optional: Iterable[str] = (),
            where: str = "options") -> dict[str, Any]:
    """``raw`` as a dict after checking its keys: every ``required`` key present, none outside
    ``required`` ∪ ``optional``. ``where`` names the mapping in messages (``options.model``)."""
    required, optional = list(required), list(optional)
    if not isinstance(raw, Mapping):
        raise SpecError(f"output {ctx.spec.id}: {where} must be a mapping", file=ctx.spec.file, variable=where,
                        expected=f"keys among {', '.join(required + optional)}")
    known = set(required) | set(optional)
    unknown = sorted(str(k) for k in raw if k not in known)
    if unknown:
        raise SpecError(f"output {ctx.spec.id}: {where}.{unknown[0]} is unknown"
                        + (f" (and {', '.join(unknown[1:])})" if unknown[1:] else ""), file=ctx.spec.file,
                        variable=f"{where}.{unknown[0]}", expected=f"keys among {', '.join(sorted(known))}")
    missing = [k for k in required if k not in raw]
    if missing:
        raise SpecError(f"output {ctx.spec.id}: {where}.{missing[0]} is missing", file=ctx.spec.file,
                        variable=f"{where}.{missing[0]}", expected=f"required keys {', '.join(required)}")
    return dict(raw)


def str_list(ctx: TlfContext, value: Any, where: str) -> list[str]:
    """A list of texts (a single text is a one-item list); anything else is an error naming ``where``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    raise SpecError(f"output {ctx.spec.id}: {where} must be a list of texts", file=ctx.spec.file, variable=where)


def pairs(ctx: TlfContext, value: Any, where: str) -> list[tuple[str, str]]:
    """``[[label, pattern], ...]`` as tuples; anything else is an error naming ``where``."""
    if not isinstance(value, list) or not all(isinstance(p, list | tuple) and len(p) == 2 for p in value):
        raise SpecError(f"output {ctx.spec.id}: {where} must be a list of [label, pattern] pairs",
                        file=ctx.spec.file, variable=where, expected='[[n, "{n}"], [Mean (SD), "{mean} ({sd})"]]')
    return [(str(a), str(b)) for a, b in value]


def require_columns(ctx: TlfContext, df: pd.DataFrame, columns: Iterable[str], dataset: str, where: str) -> None:
    """Every variable of ``columns`` is a column of ``df`` (the data of ``dataset``)."""
    missing = [c for c in dict.fromkeys(columns) if c and c not in df.columns]
    if missing:
        raise SpecError(f"output {ctx.spec.id}: {where} names {', '.join(missing)}, not a variable of {dataset}",
                        file=ctx.spec.file, variable=where, expected=f"variables of {dataset}")
