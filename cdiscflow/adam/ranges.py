"""Reference ranges and range indicators (ADaM BDS: ANRLO, ANRHI, ANRIND, BNRIND).

:func:`derive_var_anrind` is admiral's ``derive_var_anrind``: values are compared after rounding to
``signif_dig`` significant digits (admiral's default 15, so that 0.1 + 0.2 equals 0.3), and the first case
that applies decides — ``NORMAL`` when ANRLO ≤ AVAL ≤ ANRHI or one bound is missing and the other holds;
``LOW`` when AVAL < ANRLO; ``HIGH`` when AVAL > ANRHI; with ``use_a1hia1lo`` the A1LO/A1HI limits make
``LOW LOW``/``HIGH HIGH`` beyond them (and LOW/HIGH only within them). Otherwise — missing AVAL, or both
bounds missing — blank. ``low_factor``/``high_factor`` (default 1, admiral's rule) multiply ANRLO/ANRHI first: a
"clinically notable" indicator such as LOW below 0.5 × LLN and HIGH above 1.5 × ULN. BNRIND is ANRIND of the baseline record
(:func:`cdiscflow.adam.baseline.derive_var_base` with ``source="ANRIND"``); shifts use
:func:`cdiscflow.adam.baseline.derive_var_shift`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam._util import char, require
from cdiscflow.errors import DerivationError
from cdiscflow.expr import signif


def derive_var_anrind(df: pd.DataFrame, *, signif_dig: int = 15, use_a1hia1lo: bool = False, source: str = "AVAL",
                      low: str = "ANRLO", high: str = "ANRHI", a1lo: str = "A1LO", a1hi: str = "A1HI",
                      new_var: str = "ANRIND", low_factor: float = 1.0, high_factor: float = 1.0) -> pd.DataFrame:
    """ANRIND from AVAL and the analysis range, optionally widened by factors (see module docstring).

    >>> lb = pd.DataFrame({"AVAL": [1.0, 5.0, 0.1 + 0.2, 12.0, 5.0], "ANRLO": [3.0, 3.0, 0.3, 3.0, np.nan],
    ...                    "ANRHI": [10.0, 10.0, 1.0, 10.0, np.nan]})
    >>> derive_var_anrind(lb)["ANRIND"].tolist()
    ['LOW', 'NORMAL', 'NORMAL', 'HIGH', '']
    >>> derive_var_anrind(lb, low_factor=0.5, high_factor=1.5)["ANRIND"].tolist()
    ['LOW', 'NORMAL', 'NORMAL', 'NORMAL', '']
    """
    if isinstance(signif_dig, bool) or not isinstance(signif_dig, (int, np.integer)) or signif_dig < 1:
        raise DerivationError(f"signif_dig {signif_dig!r}", variable=new_var, expected="a positive whole number")
    for name, factor in (("low_factor", low_factor), ("high_factor", high_factor)):
        if isinstance(factor, bool) or not isinstance(factor, (int, float, np.number)) or not factor > 0:
            raise DerivationError(f"{name} {factor!r}", variable=new_var, expected="a positive number")
    cols = [source, low, high, *([a1lo, a1hi] if use_a1hia1lo else [])]
    require(df, cols, f"derive_var_anrind({new_var})")
    v = signif(df[source], signif_dig)
    lo, hi = signif(df[low] * low_factor, signif_dig), signif(df[high] * high_factor, signif_dig)
    normal = ((v >= lo) & hi.isna()) | ((v <= hi) & lo.isna()) | ((v >= lo) & (v <= hi))
    if use_a1hia1lo:
        lo1, hi1 = signif(df[a1lo], signif_dig), signif(df[a1hi], signif_dig)
        conds = [normal, (v < lo) & (lo1.isna() | (v >= lo1)), (v > hi) & (hi1.isna() | (v <= hi1)), v < lo1, v > hi1]
        values = ["NORMAL", "LOW", "HIGH", "LOW LOW", "HIGH HIGH"]
    else:
        conds, values = [normal, v < lo, v > hi], ["NORMAL", "LOW", "HIGH"]
    ind = np.select([c.fillna(False).to_numpy(dtype=bool) for c in conds], values, default="")
    return df.assign(**{new_var: char(ind, df.index)})
