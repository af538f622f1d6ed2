"""CDISC pilot TLF programs: what the generic programs cannot say for the pilot's displays.

``pilot_demographics`` (14-2.01) adds the pilot's "Race (Origin)" grouping, defined in the catalog as
ordered conditions on RACE/ETHNIC (first match wins), then runs the generic summary.
The efficacy tables (14-3.x) use the generic programs of :mod:`cdiscflow.tlf.programs_efficacy`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.expr import evaluate
from cdiscflow.registry import register
from cdiscflow.tlf.engine import TlfContext
from cdiscflow.tlf.programs import summary_result
from cdiscflow.tlf.result import ProgramResult


def derive_racegr(adsl: pd.DataFrame, rules: list[dict[str, str]]) -> pd.Series:
    """Display race group: the label of the first rule whose ``where`` holds ("" if none)."""
    conditions = [evaluate(r["where"], adsl).to_numpy() for r in rules]
    return pd.Series(np.select(conditions, [r["label"] for r in rules], default=""), index=adsl.index)


@register("tlf", "pilot_demographics")
def pilot_demographics(ctx: TlfContext) -> ProgramResult:
    rules = ctx.options.get("race_groups")
    if not rules:
        raise SpecError(f"output {ctx.spec.id}: options.race_groups is missing", file=ctx.spec.file)
    adsl = ctx.population.assign(RACEGR=lambda d: derive_racegr(d, rules))
    return summary_result(ctx, adsl)
