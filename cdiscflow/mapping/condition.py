"""``condition``: apply mappings only where a raw condition holds.

``{condition: [{where: "present(OTHERSP)", assign: {from: OTHERSP, case: upper}},
               {where: "IT_DSDECOD == 'Randomized'", hardcode: PROTOCOL MILESTONE},
               {otherwise: true, assign_ct: IT.DSDECOD}]}`` — the first case whose ``where`` holds wins;
rows no case covers stay missing. Conditions use :mod:`cdiscflow.expr` (raw column names with non-identifier
characters as ``_``, and the SDTM variables mapped so far).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.mapping.context import MapContext, evaluate_distinct
from cdiscflow.specs.model import Variable


def condition(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable, *, frame: pd.DataFrame,
              run: Callable[[pd.DataFrame, dict[str, Any], Variable], pd.Series]) -> pd.Series:
    """Evaluate each case's mapping on the rows where its condition holds (first match wins)."""
    cases = arg if isinstance(arg, list) else [arg]
    out = np.full(len(work), "" if var.is_char else np.nan, dtype=object if var.is_char else "float64")
    taken = pd.Series(False, index=work.index)
    for i, case in enumerate(cases):
        if not isinstance(case, dict) or ("where" not in case and not case.get("otherwise")):
            raise SpecError(f"{var.name}: condition case {i + 1} {case!r}", variable=var.name,
                            file=ctx.spec.file if ctx.spec else None,
                            expected="{where: CONDITION, <mapping>: ...} or {otherwise: true, <mapping>: ...}")
        mask = ~taken if case.get("otherwise") else evaluate_distinct(case["where"], frame) & ~taken
        entry = {k: v for k, v in case.items() if k not in ("where", "otherwise")}
        if mask.any():
            out[mask.to_numpy()] = run(ctx.rows(work, mask), entry, var).to_numpy()  # in work's row order
        taken |= mask
    return pd.Series(out, index=work.index, dtype=out.dtype)  # object stays object (not str)
