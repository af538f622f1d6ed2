"""The ``settings`` the oncology programs (``adam_onco_*.py``) read, checked before use: a missing or mistyped
setting is a :class:`~cdiscflow.errors.SpecError` naming the spec file and the setting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cdiscflow.adam.engine import AdamContext
from cdiscflow.errors import SpecError

KINDS = {str: "a text", dict: "a mapping", list: "a list"}


def checked(ctx: AdamContext, required: Mapping[str, type], *, each: Mapping[str, Iterable[str]] = ()) -> dict:
    """``ctx.settings`` with every ``required`` name of its type; ``each``: for a mapping setting, the keys it
    must have, each holding a mapping (e.g. ``{"parameters": ["OVR", "PD"]}``)."""
    settings = ctx.settings
    for name, kind in required.items():
        if not isinstance(settings.get(name), kind):
            raise SpecError(f"settings.{name} is missing or not {KINDS[kind]}", file=ctx.spec.file,
                            variable=f"settings.{name}", expected=f"{KINDS[kind]} (see the program's docstring)")
    for name, keys in dict(each).items():
        absent = [k for k in keys if not isinstance(settings[name].get(k), dict)]
        if absent:
            raise SpecError(f"settings.{name} has no mapping for {', '.join(absent)}", file=ctx.spec.file,
                            variable=f"settings.{name}", expected=f"a mapping for each of {', '.join(keys)}")
    return settings
