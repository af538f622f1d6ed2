"""``assign_ct`` and ``hardcode_ct``: controlled terminology through the study codelists.

Collected text is matched case-insensitively against each term's submission value, decode and synonyms
(NCI synonyms plus the study's). An unmatched value is never passed through: it is an error, or the raw row is
rejected, as the spec's ``on_unknown`` says.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.mapping.assign import source_of
from cdiscflow.mapping.context import MapContext, by_unique, text_column
from cdiscflow.specs.model import Variable


def codelist_ref(opts: dict[str, Any], var: Variable) -> str:
    ref = opts.get("codelist") or var.codelist
    if not ref:
        raise SpecError(f"{var.name}: assign_ct/hardcode_ct needs a codelist", variable=var.name,
                        expected="codelist: on the variable or in the map entry")
    return ref


def assign_ct(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """Map collected values to the codelist's submission values; blanks stay blank."""
    col, opts = source_of(arg)
    ref = codelist_ref(opts, var)
    table = ctx.codelist(ref, var.name).lookup()
    raw = text_column(work, col, ctx, var.name)
    mapped = by_unique(raw, lambda values: values.str.upper().map(table))
    unknown = mapped.isna() & (raw != "")
    sample = ", ".join(sorted(set(table.values()))[:12])
    ctx.bad_values(work, unknown, var.name, raw, f"value not in codelist {ref}:", ctx.policy(opts),
                   expected=f"a term of {ref} ({sample}) or a study synonym")
    return mapped.where(mapped.notna(), "").astype(object)


def hardcode_ct(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """A constant that must be a term of the codelist (given as value, decode or synonym)."""
    value, opts = (arg, {}) if not isinstance(arg, dict) else (arg.get("value"), arg)
    ref = codelist_ref(opts, var)
    table = ctx.codelist(ref, var.name).lookup()
    key = str(value).strip().upper()
    if key not in table:
        raise SpecError(f"hardcode_ct {value!r} is not in codelist {ref}", variable=var.name,
                        file=ctx.spec.file if ctx.spec else None, expected=f"a term of {ref}")
    return pd.Series(table[key], index=work.index, dtype=object)
