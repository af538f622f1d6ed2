"""Text patterns in catalogs and programs (``"{n} ({pct}%)"``, ``"Protocol: {studyid}"``): named fields only.

:func:`check_pattern` refuses what ``str.format`` would turn into attribute or index access, conversions,
nested fields or huge widths (``{studyid:>300000000}``); :func:`fill` formats a checked pattern and reports an
unknown field as a :class:`SpecError` rather than a ``KeyError``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from cdiscflow.errors import SpecError

MAX_WIDTH = 50  # the largest width or precision a pattern field may ask for
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PATTERN_HELP = "named fields such as {n} or {pct:>5}; no attribute/index access, conversion or width above 50"


def check_pattern(pattern: str, *, file: str | None, where: str, allowed: set[str] | None = None) -> list[str]:
    """The field names of a cell/title pattern (``"{n} ({pct}%)"``) after checking that it uses named fields
    only: no ``{x.attr}``/``{x[0]}``, no ``!r`` conversion, no nested fields, no width or precision above
    :data:`MAX_WIDTH`; with ``allowed``, a field outside it is an error. Errors name ``where`` (the entry)."""
    def bad(why: str) -> SpecError:
        return SpecError(f"{where}: pattern {pattern[:200]!r} {why}", file=file, variable="pattern",
                         expected=_PATTERN_HELP if allowed is None else f"fields among {', '.join(sorted(allowed))}")

    if not isinstance(pattern, str):
        raise bad("is not text")
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise bad(f"is malformed ({exc})") from None
    names = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if not _FIELD.fullmatch(name):
            raise bad(f"has the field {{{name}}}, not a plain name")
        if conversion is not None:
            raise bad(f"converts {{{name}!{conversion}}}")
        if spec and ("{" in spec or "}" in spec):
            raise bad(f"nests a field in the format of {{{name}}}")
        if any(int(d) > MAX_WIDTH for d in re.findall(r"\d+", spec or "")):
            raise bad(f"asks for a width or precision above {MAX_WIDTH} in {{{name}:{spec}}}")
        if allowed is not None and name not in allowed:
            raise bad(f"names the unknown field {{{name}}}")
        names.append(name)
    return names


def fill(pattern: str, values: Mapping[str, Any], *, file: str | None = None, where: str = "pattern") -> str:
    """``pattern.format(**values)`` after :func:`check_pattern` with the fields ``values`` offers."""
    check_pattern(pattern, file=file, where=where, allowed=set(values))
    return pattern.format(**values)
