"""One answer to "what type is this variable?" for every writer of metadata: define.xml and Dataset-JSON.

Both ask :func:`numeric_type` whether a numeric variable holds integers or floats, so they cannot disagree:
from the data when given (every present value a whole number below 2**53 → integer), else from the spec
(``w.`` formats, ``--SEQ``/``--DY``/``--xxCD``, ADaM ``xxxN`` beside ``xxx`` → integer; decimals or
significant digits → float). A numeric SAS date, datetime or time (``DATE9.``, ``DATETIME20.``, ``TIME8.``) is
an integer in define.xml — Define-XML 2.1 keeps ``date``/``datetime``/``time`` for ISO 8601 text — with its
format as ``def:DisplayFormat``; Dataset-JSON writes it as ISO text with ``targetDataType: integer``.
Character: ``--DTC`` is an ISO 8601 date (length ≤ 10) or datetime, ``--DUR``/``--ELTM`` a duration, else text.
"""

from __future__ import annotations

import re

import pandas as pd

from cdiscflow.specs.conform import format_kind
from cdiscflow.specs.model import Dataset, Variable

MAX_EXACT_INT = 2**53


def whole_numbers(values: pd.Series) -> bool:
    """True when every present value is a whole number that a double holds exactly."""
    present = values[values.notna()]
    return bool(((present % 1) == 0).all() and (present.abs() < MAX_EXACT_INT).all())


def numeric_type(var: Variable, ds: Dataset | None = None, values: pd.Series | None = None) -> str:
    """``integer`` or ``float`` for a numeric variable: from ``values`` when given, else from the spec."""
    if values is not None:
        return "integer" if whole_numbers(values) else "float"
    fmt = (var.format or "").upper()
    decimals = re.match(r"^\d*\.(\d+)$", fmt)
    if var.significant_digits or (decimals and int(decimals.group(1)) > 0):
        return "float"
    adam_code = ds is not None and ds.standard.upper() == "ADAM" and var.name.endswith("N") and ds.has(var.name[:-1])
    if format_kind(fmt) or re.match(r"^\d+\.0?$", fmt) or var.name.endswith(("SEQ", "DY", "CD")) or adam_code:
        return "integer"
    return "float"


def define_type(var: Variable, ds: Dataset | None = None, values: pd.Series | None = None) -> str:
    """Define-XML 2.1 ``DataType`` of a variable (no spec override; see ``define.item_data_type``)."""
    if not var.is_char:
        return numeric_type(var, ds, values)
    if var.name.endswith("DTC"):
        return "date" if var.length is not None and var.length <= 10 else "datetime"
    if var.name.endswith(("DUR", "ELTM")):
        return "durationDatetime"
    return "text"


def json_type(var: Variable, values: pd.Series) -> tuple[str, str | None]:
    """Dataset-JSON 1.1 ``dataType`` and ``targetDataType`` of a column (``string``, ``integer``, ``double``, or
    ``date``/``datetime``/``time`` with target ``integer`` for whole-number SAS dates and times)."""
    if var.is_char:
        return "string", None
    kind = "integer" if numeric_type(var, values=values) == "integer" else "double"
    date_kind = format_kind(var.format)
    if date_kind and kind == "integer":
        return date_kind, "integer"
    return kind, None
