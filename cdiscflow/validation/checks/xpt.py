"""SAS XPORT v5 limits (FDA Study Data Technical Conformance Guide): names ≤ 8, labels ≤ 40, character values
≤ 200 bytes, ASCII text."""

from __future__ import annotations

import re

import pandas as pd

from cdiscflow.validation.checks.base import check, dataset_hit, hit
from cdiscflow.validation.context import Target
from cdiscflow.validation.model import Hit

NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")


def _char_columns(t: Target) -> list[str]:
    return [c for c in t.df.columns if not pd.api.types.is_numeric_dtype(t.df[c])]


def _labels(t: Target) -> tuple[str | None, dict[str, str]]:
    """Dataset and variable labels: from the file, else from the spec."""
    if t.meta is not None and (t.meta.labels or t.meta.label):
        return t.meta.label, dict(t.meta.labels)
    if t.spec is not None:
        return t.spec.label, {v.name: v.label for v in t.spec.variables if v.name in t.df.columns}
    return None, {}


@check("xpt_names")
def xpt_names(t: Target, max_length: int = 8) -> list[Hit]:
    """Dataset and variable names: letters, digits, underscore, starting with a letter, at most 8 long."""
    out = [dataset_hit(None, f"dataset name {t.name!r} is not a valid XPT v5 name")] \
        if not NAME.match(t.name) or len(t.name) > max_length else []
    return out + [dataset_hit(c, f"variable name {c!r} is not a valid XPT v5 name")
                  for c in t.df.columns if not NAME.match(str(c)) or len(str(c)) > max_length]


@check("xpt_labels")
def xpt_labels(t: Target, max_length: int = 40) -> list[Hit]:
    """Dataset and variable labels at most 40 characters, ASCII."""
    ds_label, labels = _labels(t)
    out = []
    if ds_label and (len(ds_label) > max_length or not ds_label.isascii()):
        out.append(dataset_hit(None, f"dataset label {ds_label!r} is longer than {max_length} or not ASCII"))
    out += [dataset_hit(n, f"label {lab!r} is longer than {max_length} or not ASCII")
            for n, lab in labels.items() if lab and (len(lab) > max_length or not lab.isascii())]
    return out


@check("xpt_value_length")
def xpt_value_length(t: Target, max_bytes: int = 200) -> list[Hit]:
    """Character values at most 200 bytes."""
    out: list[Hit] = []
    for name in _char_columns(t):
        values = t.text(name)
        chars = values.str.len()
        if not len(chars) or chars.max() * 4 <= max_bytes:
            continue
        # a UTF-8 character takes 1 to 4 bytes: only values that may cross the limit are encoded
        size = chars.copy()
        maybe = (chars * 4 > max_bytes) & (chars <= max_bytes) & ~values.str.isascii()
        size[maybe] = values[maybe].str.encode("utf-8").str.len()
        out += hit(name, size > max_bytes, f"longer than {max_bytes} bytes", values.str.slice(0, 60))
    return out


@check("xpt_ascii")
def xpt_ascii(t: Target) -> list[Hit]:
    """Character values hold ASCII only (XPT v5 has no encoding; submissions use ASCII)."""
    out: list[Hit] = []
    for name in _char_columns(t):
        values = t.text(name)
        out += hit(name, ~values.str.isascii(), None, values)
    return out
