"""Reference ranges and range indicators (ADaM BDS: ANRLO, ANRHI, ANRIND, BNRIND).

ADaM IG: ANRIND classifies AVAL against the analysis range: ``LOW`` when AVAL < ANRLO, ``HIGH`` when
AVAL > ANRHI, ``NORMAL`` otherwise (a missing bound never triggers); with ``low_low``/``high_high`` columns
(e.g. A1LO/A1HI or panic limits) the extreme classes ``LOW LOW``/``HIGH HIGH`` are added (admiral
``derive_var_anrind``). Missing AVAL gives a blank. BNRIND is ANRIND of the baseline record
(:func:`cdiscflow.adam.baseline.derive_var_base` with ``source="ANRIND"``); shifts use
:func:`cdiscflow.adam.baseline.derive_var_shift`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam._util import char, require


def derive_var_anrind(df: pd.DataFrame, *, source: str = "AVAL", low: str = "ANRLO", high: str = "ANRHI",
                      low_low: str | None = None, high_high: str | None = None,
                      new_var: str = "ANRIND") -> pd.DataFrame:
    """ANRIND from AVAL and the analysis range (see module docstring)."""
    require(df, [c for c in (source, low, high, low_low, high_high) if c], f"derive_var_anrind({new_var})")
    v = df[source]
    conds = []
    values = []
    if low_low:
        conds.append(v < df[low_low])
        values.append("LOW LOW")
    if high_high:
        conds.append(v > df[high_high])
        values.append("HIGH HIGH")
    conds += [v < df[low], v > df[high], v.notna()]
    values += ["LOW", "HIGH", "NORMAL"]
    ind = np.select([c.fillna(False).to_numpy(dtype=bool) for c in conds], values, default="")
    return df.assign(**{new_var: char(ind, df.index)})
