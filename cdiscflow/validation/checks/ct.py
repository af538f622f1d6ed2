"""Controlled terminology: codelist membership (extensible or not, case), test code/name pairs."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from cdiscflow.specs.model import Codelist, Term
from cdiscflow.validation.checks.base import check, hit
from cdiscflow.validation.context import Target
from cdiscflow.validation.model import Hit


def variable_codelists(t: Target, defaults: dict[str, str] | None, use_spec: bool,
                       decodes_of: dict[str, str] | None = None) -> list[tuple[str, Codelist]]:
    """(variable, codelist) pairs: the spec's codelists (study codelists first), then for variables it leaves
    open the standard NCI codelists of ``defaults`` with the study's extensions (see ``StudyData.extended``).

    ``decodes_of`` maps a name variable to its code variable (``TSPARM: TSPARMCD``): the decodes of the terms the
    study adds to the code's codelist are terms of the name's codelist too (NCI pairs such lists, TSPARM being
    the names of TSPARMCD), so a declared sponsor parameter is declared once, with its name.
    """
    pairs: dict[str, tuple[str, bool]] = {}
    if use_spec and t.spec is not None:
        pairs = {v.name: (v.codelist, False) for v in t.spec.variables if v.codelist and v.name in t.df.columns}
    for pattern, ref in (defaults or {}).items():
        for name in t.resolve(pattern):
            pairs.setdefault(name, (ref, True))
    found = {name: cl for name, (ref, nci) in pairs.items() if (cl := t.study.codelist(ref, nci=nci)) is not None}
    for name_pattern, code_pattern in (decodes_of or {}).items():
        code = t.resolve(code_pattern)
        for name in t.resolve(name_pattern):
            if name in found and code and code[0] in found:
                found[name] = with_decodes(found[name], found[code[0]])
    return [(name, cl) for name, cl in found.items()
            if cl.terms and cl.data_type == "text" and not _numeric(t, name)]


def with_decodes(names: Codelist, codes: Codelist) -> Codelist:
    """``names`` plus the decodes of the terms added to ``codes`` (extensible lists only)."""
    known = set(names.values)
    added = [Term(value=t.decode) for t in codes.extend if names.extensible and t.decode and t.decode not in known]
    return replace(names, terms=[*names.terms, *added], extend=[*names.extend, *added]) if added else names


def _numeric(t: Target, name: str) -> bool:
    return pd.api.types.is_numeric_dtype(t.df[name])


@check("codelist")
def codelist(t: Target, extensible: bool | None = None, case: bool = False,
             defaults: dict[str, str] | None = None, use_spec: bool = True,
             decodes_of: dict[str, str] | None = None) -> list[Hit]:
    """Values outside their codelist (an NCI list with the study's extensions, see :func:`variable_codelists`).

    ``extensible`` picks non-extensible (False) or extensible (True) codelists; ``case=True`` reports instead the
    values that match a term only when case is ignored (``Mild`` for ``MILD``), which the others leave out.
    """
    out: list[Hit] = []
    for name, cl in variable_codelists(t, defaults, use_spec, decodes_of):
        if extensible is not None and cl.extensible != extensible:
            continue
        values = t.text(name)
        terms = set(cl.values)
        exact = values.isin(terms) | values.eq("")
        folded = values.str.upper().isin({v.upper() for v in terms})
        mask = (~exact & folded) if case else (~exact & ~folded)
        label = f"codelist {cl.id}" + (f" ({cl.code})" if cl.code else "")
        out += hit(name, mask, label, values)
    return out


@check("one_to_one")
def one_to_one(t: Target, pairs: list[list[str]]) -> list[Hit]:
    """Each code maps to one name and each name to one code (--TESTCD/--TEST, PARAMCD/PARAM)."""
    out: list[Hit] = []
    for code_pat, name_pat in pairs:
        code, name = t.resolve(code_pat), t.resolve(name_pat)
        if not code or not name:
            continue
        frame = t.df[[code[0], name[0]]].astype("str")
        for a, b in ((code[0], name[0]), (name[0], code[0])):
            many = frame.groupby(a, sort=False)[b].transform("nunique") > 1
            out += hit(a, many, f"{a} with more than one {b}", frame[a] + " / " + frame[b])
    return out
