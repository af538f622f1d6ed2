"""Study derivations of the MSC-NTF ALS ADaM that the library (:mod:`cdiscflow.adam`) does not (yet) offer.

Each is written generally (no study constants: those come from the spec ``settings``) so that it can move
into the library:

* :func:`derive_vars_avisit` — AVISIT/AVISITN from the nominal visit through a visit table.
* :func:`derive_vars_criteria` — CRITy/CRITyFL for a list of criteria restricted to the records they apply
  to, with "not evaluable" records left blank.
* :func:`derive_var_best_of` — the best (max/min) of repeated measurements as one analysis value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from cdiscflow.adam._util import as_list, char, condition, require
from cdiscflow.adam.criteria import derive_vars_crit_flag
from cdiscflow.errors import DerivationError


def derive_vars_avisit(df: pd.DataFrame, visits: Sequence[Mapping[str, Any]], *, source: str = "VISITNUM",
                       by: str = "VISITNUM") -> pd.DataFrame:
    """AVISIT/AVISITN from the nominal visit (ADaM IG: AVISIT may equal VISIT or a renamed visit).

    ``visits`` is the spec table ``[{VISITNUM: 5, AVISIT: Baseline, AVISITN: 0}, ...]``; a record whose
    ``source`` value is not in the table gets a blank AVISIT (it is not an analysis visit, e.g. unscheduled).
    """
    require(df, [source], "derive_vars_avisit")
    table = pd.DataFrame(list(visits))
    missing = [c for c in (by, "AVISIT", "AVISITN") if c not in table.columns]
    if missing:
        raise DerivationError(f"visit table lacks {', '.join(missing)}", variable=missing[0],
                              expected=f"columns {by}, AVISIT, AVISITN")
    key = pd.to_numeric(df[source], errors="coerce").astype("float64")
    lookup = table.assign(**{by: pd.to_numeric(table[by]).astype("float64")}).set_index(by)
    return df.assign(AVISIT=char(key.map(lookup["AVISIT"]), df.index),
                     AVISITN=key.map(lookup["AVISITN"].astype("float64")))


def derive_vars_criteria(df: pd.DataFrame, criteria: Sequence[Mapping[str, Any]], *,
                         applies: str | None = None) -> pd.DataFrame:
    """CRITy/CRITyFL for each ``{nr, description, condition, evaluable}`` (ADaM IG §3.3.8).

    On records meeting ``applies`` CRITy holds the description and CRITyFL ``Y``/``N``; records where the
    criterion is not evaluable (``evaluable`` false, e.g. a percent improvement of a zero baseline slope) and
    records the criterion does not apply to get blank CRITy and CRITyFL.
    """
    out = df
    scope = condition(df, applies)
    for crit in criteria:
        nr = int(crit["nr"])
        out = derive_vars_crit_flag(out, nr, crit["condition"], crit["description"], values_yn=True)
        ok = scope & condition(df, crit.get("evaluable"))
        out[f"CRIT{nr}"] = out[f"CRIT{nr}"].where(ok, "")
        out[f"CRIT{nr}FL"] = out[f"CRIT{nr}FL"].where(ok, "")
    return out


def derive_var_best_of(df: pd.DataFrame, by: str | Sequence[str], source: str, new_var: str = "AVAL", *,
                       fun: str = "max") -> pd.DataFrame:
    """One record per ``by`` group with ``new_var`` = ``fun`` (max/min/mean) of ``source`` over the group.

    Repeated trials of one measurement (e.g. two dynamometry trials) become one analysis value; the first
    record of the group supplies the other variables.
    """
    by = as_list(by)
    if fun not in ("max", "min", "mean"):
        raise DerivationError(f"summary {fun!r}", variable=new_var, expected="max, min or mean")
    require(df, [*by, source], f"derive_var_best_of({new_var})")
    value = pd.to_numeric(df[source], errors="coerce").groupby([df[b] for b in by], sort=False).transform(fun)
    return df.assign(**{new_var: value.astype("float64")}).drop_duplicates(by, keep="first").reset_index(drop=True)

