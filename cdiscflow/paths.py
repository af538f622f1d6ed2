"""The one containment rule: every file or folder name built from text goes through :func:`safe_component`.

Text from specs, catalogs, imported define.xml files and the like (a study ``name:``, a dataset name, an
output ``id:``, an ItemGroupDef ``Name``, a package entry) may name *one* path component, never a path: no
absolute paths, no ``..``, no separators, no NUL or control characters, no empty names, no leading dot and none
of the names Windows reserves for devices (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``–``COM9``,
``LPT1``–``LPT9``, with or without an extension). :func:`inside` joins such components under a base folder and
checks the result stays there.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from cdiscflow.errors import SpecError

MAX_COMPONENT = 128
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$")
_EXPECTED = "a plain name (letters, digits, '-', '_', '.'; no path, no '..', no leading dot)"


def safe_component(text: object, *, source: str | None, field: str) -> str:
    """``text`` if it is a safe single file-name component, else a :class:`SpecError` naming ``source``
    (the spec file) and ``field`` (the spec key that held the text)."""
    def refuse(why: str) -> SpecError:
        return SpecError(f"{field} {text!r} {why}", file=source, variable=field, expected=_EXPECTED)

    if not isinstance(text, str):
        raise refuse("is not text")
    if not text.strip():
        raise refuse("is empty")
    if _CONTROL.search(text):
        raise refuse("contains a control character")
    if "/" in text or "\\" in text or ":" in text:
        raise refuse("contains a path separator")
    if text in (".", "..") or text.startswith("."):
        raise refuse("starts with a dot")
    if text != text.strip() or text.endswith("."):
        raise refuse("has leading/trailing blanks or a trailing dot")
    if _RESERVED.match(text):
        raise refuse("is a reserved device name")
    if len(text) > MAX_COMPONENT:
        raise refuse(f"is longer than {MAX_COMPONENT} characters")
    return text


def safe_relpath(text: str, *, source: str | None, field: str) -> str:
    """A relative POSIX path whose every component passes :func:`safe_component` (e.g. a package entry)."""
    if not isinstance(text, str) or not text or PurePosixPath(text).is_absolute() or "\\" in text:
        raise SpecError(f"{field} {text!r} is not a relative path", file=source, variable=field,
                        expected="a relative POSIX path of plain names")
    for part in text.split("/"):
        safe_component(part, source=source, field=field)
    return text


def inside(base: Path | str, *parts: str, source: str | None = None, field: str = "name") -> Path:
    """``base / part / ...`` after checking each part with :func:`safe_component`; the resolved result must
    lie inside ``base`` (a symlinked component pointing elsewhere is refused)."""
    base = Path(base)
    path = base.joinpath(*(safe_component(p, source=source, field=field) for p in parts))
    root = base.resolve()
    real = path.resolve()
    if real != root and root not in real.parents:
        raise SpecError(f"{field} {'/'.join(parts)!r} leaves {base}", file=source, variable=field,
                        expected="a path inside its folder")
    return path
