"""Option schemas of the generic table shapes: a catalog entry's ``options`` checked before a program runs.

A schema is a mapping of option name → :class:`Opt`. :func:`validate` fills defaults and refuses, with a
:class:`~cdiscflow.errors.SpecError` naming the catalog entry and the option's path (``options.rows[2].where``):
an unknown or missing option, a value of the wrong type, a choice outside its list (sort keys, layouts), a
cell pattern whose fields are not the statistics the shape offers (``"{n} ({pcnt}%)"``), a negative number
of decimals. Programs read the validated copy, never the raw text.

>>> from cdiscflow.tlf.shapes.options import Opt, validate
>>> schema = {"pct_decimals": Opt(int, default=0), "cell": Opt(str, default="{n} ({pct}%)", fields={"n", "pct"})}
>>> validate({"pct_decimals": 1}, schema, entry="t-1")
{'pct_decimals': 1, 'cell': '{n} ({pct}%)'}
>>> validate({"cell": "{n} ({pcnt}%)"}, schema, entry="t-1")
Traceback (most recent call last):
...
cdiscflow.errors.SpecError: variable options.cell: output t-1: pattern '{n} ({pcnt}%)' names the unknown field {pcnt} (expected fields among n, pct)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdiscflow.errors import SpecError
from cdiscflow.tlf.patterns import check_pattern

_MISSING = object()
_TYPE_NAMES = {str: "text", int: "an integer", float: "a number", bool: "true/false", list: "a list",
               dict: "a mapping"}


@dataclass(frozen=True)
class Opt:
    """One option: its type (``str``, ``int``, ``float``, ``bool``, ``list``, ``dict`` or a tuple of them),
    whether it is required, its default, allowed ``choices``, the allowed ``fields`` of a cell pattern, the
    schema of each list item (``items``) or of a mapping's keys (``keys``; ``None`` = free keys whose values
    follow ``values``)."""

    type: type | tuple[type, ...] = object
    required: bool = False
    default: Any = None
    choices: tuple[Any, ...] | None = None
    fields: frozenset[str] | set[str] | None = None
    items: Opt | Mapping[str, Opt] | None = None
    keys: Mapping[str, Opt] | None = None
    values: Opt | None = None


def _type_text(t: type | tuple[type, ...]) -> str:
    types = t if isinstance(t, tuple) else (t,)
    return " or ".join(_TYPE_NAMES.get(x, x.__name__) for x in types)


def check_value(value: Any, opt: Opt | Mapping[str, Opt], path: str, entry: str, file: str | None) -> Any:
    """``value`` checked against ``opt`` (an :class:`Opt` or a nested schema); ``path`` names it in errors."""
    def bad(msg: str, expected: str | None = None) -> SpecError:
        return SpecError(f"output {entry}: {path} {msg}", file=file, variable=path, expected=expected)

    if not isinstance(opt, Opt):  # a nested schema
        if not isinstance(value, Mapping):
            raise bad("must be a mapping", ", ".join(opt))
        return validate(value, opt, entry=entry, file=file, prefix=path)
    types = opt.type if isinstance(opt.type, tuple) else (opt.type,)
    if object not in types:
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok and float in types and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise bad(f"is {value!r}", _type_text(opt.type))
    if opt.choices is not None and value not in opt.choices:
        raise bad(f"is {value!r}", "one of " + ", ".join(map(str, opt.choices)))
    if isinstance(value, int) and not isinstance(value, bool) and int in types and value < 0:
        raise bad(f"is {value}", "a number >= 0")
    if opt.fields is not None:
        for text in ([value] if isinstance(value, str) else list(value.values()) if isinstance(value, Mapping)
                     else []):
            try:
                check_pattern(text, file=file, where=f"output {entry}", allowed=set(opt.fields))
            except SpecError as exc:
                raise SpecError(exc.message, file=file, variable=path, expected=exc.expected) from None
    if isinstance(value, list) and opt.items is not None:
        return [check_value(v, opt.items, f"{path}[{i + 1}]", entry, file) for i, v in enumerate(value)]
    if isinstance(value, Mapping) and (opt.keys is not None or opt.values is not None):
        if opt.keys is not None:
            return validate(value, opt.keys, entry=entry, file=file, prefix=path)
        return {str(k): check_value(v, opt.values, f"{path}.{k}", entry, file) for k, v in value.items()}
    return value


def validate(options: Mapping[str, Any], schema: Mapping[str, Opt | Mapping[str, Opt]], *, entry: str,
             file: str | None = None, prefix: str = "options") -> dict[str, Any]:
    """``options`` checked against ``schema`` with defaults filled in (see the module docstring)."""
    unknown = sorted(set(map(str, options)) - set(schema))
    if unknown:
        raise SpecError(f"output {entry}: unknown option(s) {', '.join(f'{prefix}.{u}' for u in unknown)}",
                        file=file, variable=f"{prefix}.{unknown[0]}", expected=", ".join(schema))
    out: dict[str, Any] = {}
    for name, opt in schema.items():
        path = f"{prefix}.{name}"
        value = options.get(name, _MISSING)
        if value is _MISSING or value is None:
            if isinstance(opt, Opt) and opt.required:
                raise SpecError(f"output {entry}: {path} is missing", file=file, variable=path,
                                expected=_type_text(opt.type))
            if not isinstance(opt, Opt):
                out[name] = None
                continue
            out[name] = opt.default
            continue
        out[name] = check_value(value, opt, path, entry, file)
    return out


def ctx_options(ctx: Any, schema: Mapping[str, Opt | Mapping[str, Opt]]) -> dict[str, Any]:
    """A program's validated options (``ctx`` is a :class:`~cdiscflow.tlf.engine.TlfContext`)."""
    return validate(ctx.options, schema, entry=ctx.spec.id, file=ctx.spec.file)


#: ``group: {var, levels, total}`` — the column groups every shape takes
GROUP: dict[str, Opt] = {"var": Opt(str, required=True), "levels": Opt(list, required=True, items=Opt(str)),
                         "total": Opt(str)}
#: ``{label, where}`` — a labelled condition (rows, column sets)
CONDITION: dict[str, Opt] = {"label": Opt(str, required=True), "where": Opt(str)}
DECIMALS = Opt(dict, values=Opt(int), default={})
#: the analysis records of a by-parameter shape: dataset, condition, column groups and their N, parameter variable
RECORDS: dict[str, Opt | dict[str, Opt]] = {
    "dataset": Opt(str, required=True), "where": Opt(str), "group": GROUP, "group_n_var": Opt(str),
    "param_var": Opt(str, default="PARAMCD")}
