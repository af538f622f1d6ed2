"""Query flags from a query dataset (admiral ``derive_vars_query``; ADaM OCCDS IG §4.5: SMQs, SDGs,
customised queries).

The query dataset has one row per term: ``PREFIX`` (e.g. ``SMQ01``, ``CQ01``, ``SDG01``), ``GRPNAME``, ``SRCVAR``
(the variable of the analysis dataset the term is matched against, e.g. AEDECOD or AELLTCD), ``TERMCHAR``
(character terms, matched without regard to case) or ``TERMNUM`` (numeric codes), and optionally ``GRPID``,
``SCOPE`` and ``SCOPEN``. For each prefix the analysis dataset gains ``<PREFIX>NAM`` (the group name where a
record's source variable holds one of the terms), and ``<PREFIX>CD``/``SC``/``SCN`` where the query dataset gives
GRPID/SCOPE/SCOPEN for that prefix. A record matching several rows of one prefix takes the first in query order.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cdiscflow.adam._util import char, require
from cdiscflow.errors import DerivationError

_PARTS = (("NAM", "GRPNAME"), ("CD", "GRPID"), ("SC", "SCOPE"), ("SCN", "SCOPEN"))


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype("object").eq("")


def _new_columns(queries: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(prefix, suffix, query column) in admiral's order: prefixes by letters descending, then number, then
    NAM, CD, SC, SCN."""
    found = []
    for prefix, rows in queries.groupby("PREFIX", sort=False):
        for suffix, column in _PARTS:
            if column == "GRPNAME" or (column in rows.columns and not _blank(rows[column]).all()):
                found.append((str(prefix), suffix, column))
    letters = {p: re.match(r"[A-Za-z]*", p).group(0) for p, _, _ in found}
    digits = {p: re.search(r"\d+", p).group(0) if re.search(r"\d+", p) else "" for p, _, _ in found}
    order = {s: i for i, (s, _) in enumerate(_PARTS)}
    by_letters = sorted(set(letters.values()), reverse=True)
    return sorted(found, key=lambda f: (by_letters.index(letters[f[0]]), digits[f[0]], order[f[1]]))


def derive_vars_query(df: pd.DataFrame, queries: pd.DataFrame) -> pd.DataFrame:
    """Add the query variables of ``queries`` to ``df`` (see module docstring).

    >>> ae = pd.DataFrame({"AEDECOD": ["Rash", "HEADACHE", "PRURITUS"]})
    >>> q = pd.DataFrame({"PREFIX": "CQ01", "GRPNAME": "DERMATOLOGIC EVENTS", "SRCVAR": "AEDECOD",
    ...                   "TERMCHAR": ["RASH", "PRURITUS"]})
    >>> derive_vars_query(ae, q)["CQ01NAM"].tolist()
    ['DERMATOLOGIC EVENTS', '', 'DERMATOLOGIC EVENTS']
    """
    require(queries, ["PREFIX", "GRPNAME", "SRCVAR"], "derive_vars_query (query dataset)")
    if "TERMCHAR" not in queries.columns and "TERMNUM" not in queries.columns:
        raise DerivationError("the query dataset has neither TERMCHAR nor TERMNUM", variable="TERMCHAR",
                              expected="TERMCHAR (character terms) or TERMNUM (numeric codes)")
    queries = queries.reset_index(drop=True)
    sources = list(dict.fromkeys(queries["SRCVAR"]))
    require(df, sources, "derive_vars_query")
    term_char = queries["TERMCHAR"] if "TERMCHAR" in queries.columns else pd.Series("", index=queries.index)
    term_num = queries["TERMNUM"] if "TERMNUM" in queries.columns else pd.Series(np.nan, index=queries.index)
    no_term = _blank(term_char) & pd.to_numeric(term_num, errors="coerce").isna()
    if no_term.any():
        raise DerivationError("a query term has neither TERMCHAR nor TERMNUM", row=str(int(no_term.idxmax()) + 1),
                              variable="TERMCHAR", expected="TERMCHAR or TERMNUM on every row")
    new_columns = _new_columns(queries)
    clash = [f"{p}{s}" for p, s, _ in new_columns if f"{p}{s}" in df.columns]
    if clash:
        raise DerivationError(f"query variable(s) {', '.join(clash)} already in the dataset", variable=clash[0],
                              expected="new variable names")
    # the first matching query row (in query order) per record and prefix
    match = {p: pd.Series(-1, index=df.index) for p in dict.fromkeys(queries["PREFIX"])}
    for (prefix, source), rows in queries.groupby(["PREFIX", "SRCVAR"], sort=False):
        values = df[source]
        if pd.api.types.is_numeric_dtype(values):
            keys, lookup = values, pd.to_numeric(term_num[rows.index], errors="coerce")
        else:
            keys, lookup = values.astype("string").str.upper(), term_char[rows.index].astype("string").str.upper()
        first = pd.Series(rows.index, index=lookup.to_numpy())
        first = first[~first.index.duplicated()]
        hit = keys.map(first).fillna(-1).astype(int)
        current = match[prefix]
        both = (current >= 0) & (hit >= 0)
        match[prefix] = current.where(hit < 0, hit.where(~both, np.minimum(current, hit)))
    out = df.copy()
    for prefix, suffix, column in new_columns:
        rows = match[prefix]
        values = pd.Series(queries[column].reindex(rows.where(rows >= 0)).to_numpy(), index=df.index)
        if pd.api.types.is_numeric_dtype(queries[column]):
            out[f"{prefix}{suffix}"] = values.astype("float64")
        else:
            out[f"{prefix}{suffix}"] = char(values, df.index)
    return out
