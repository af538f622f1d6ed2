"""Spec conformance: the dataset against its spec (variables, order, types, lengths, labels, keys)."""

from __future__ import annotations

import pandas as pd

from cdiscflow.validation.checks.base import check, dataset_hit, hit
from cdiscflow.validation.context import Target, is_blank, params_list
from cdiscflow.validation.model import Hit


@check("spec_variables_present", needs=("spec",))
def spec_variables_present(t: Target, core: str | list[str] = "Req") -> list[Hit]:
    """Spec variables of the given core (Req / Exp) that the dataset lacks."""
    cores = params_list(core)
    return [dataset_hit(v.name, f"{v.name} ({v.core}) is not in the dataset")
            for v in t.spec.variables if v.core in cores and v.name not in t.df.columns]


@check("spec_required_values", needs=("spec",))
def spec_required_values(t: Target) -> list[Hit]:
    """Required (core Req) SDTM variables must be populated on every record (SDTMIG 4.1.5: "Required ... cannot
    be null"). In ADaM, Req means the variable must be *included* (ADaMIG 1.3 §3: "Req = the variable must be
    included in the dataset"), so ADaM datasets are checked for presence only (SPEC.REQ_MISSING)."""
    out: list[Hit] = []
    if t.spec.standard.upper() != "SDTM":
        return out
    for v in t.spec.variables:
        if v.core == "Req" and v.name in t.df.columns:
            out += hit(v.name, is_blank(t.df[v.name]))
    return out


@check("spec_unknown_variables", needs=("spec",))
def spec_unknown_variables(t: Target) -> list[Hit]:
    """Dataset variables that the spec does not describe."""
    known = set(t.spec.names)
    return [dataset_hit(c, f"{c} is not in the spec") for c in t.df.columns if c not in known]


@check("spec_order", needs=("spec",))
def spec_order(t: Target) -> list[Hit]:
    """Variables present in both must come in spec order."""
    spec_order_ = [n for n in t.spec.names if n in t.df.columns]
    data_order = [c for c in t.df.columns if c in set(spec_order_)]
    for pos, (want, got) in enumerate(zip(spec_order_, data_order, strict=True)):
        if want != got:
            return [dataset_hit(got, f"position {pos + 1} holds {got}, the spec puts {want} there")]
    return []


@check("spec_type", needs=("spec",))
def spec_type(t: Target) -> list[Hit]:
    """Num variables must be numeric, Char variables text."""
    out: list[Hit] = []
    for v in t.spec.variables:
        if v.name not in t.df.columns:
            continue
        numeric = pd.api.types.is_numeric_dtype(t.df[v.name]) and not pd.api.types.is_bool_dtype(t.df[v.name])
        if numeric != (v.type == "Num"):
            out.append(dataset_hit(v.name, f"{v.name} is {t.df[v.name].dtype}, the spec says {v.type}"))
    return out


@check("spec_length", needs=("spec",))
def spec_length(t: Target) -> list[Hit]:
    """Char values longer than the spec length."""
    out: list[Hit] = []
    for v in t.spec.variables:
        if v.is_char and v.length and v.name in t.df.columns:
            values = t.text(v.name)
            out += hit(v.name, values.str.len() > v.length, f"longer than {v.length}", values)
    return out


@check("spec_label", needs=("spec", "meta"))
def spec_label(t: Target) -> list[Hit]:
    """Variable labels in the file must equal the spec labels."""
    return [dataset_hit(v.name, f"label {t.meta.labels[v.name]!r}, the spec says {v.label!r}")
            for v in t.spec.variables
            if v.name in t.meta.labels and (t.meta.labels[v.name] or "") != v.label]


@check("spec_dataset_label", needs=("spec", "meta"))
def spec_dataset_label(t: Target) -> list[Hit]:
    """The dataset label in the file must equal the spec label."""
    if t.meta.label is None or t.meta.label == t.spec.label:
        return []
    return [dataset_hit(None, f"label {t.meta.label!r}, the spec says {t.spec.label!r}")]


@check("spec_keys_unique", needs=("spec",))
def spec_keys_unique(t: Target) -> list[Hit]:
    """The spec keys must identify each record."""
    keys = [k for k in t.spec.keys if k in t.df.columns]
    if not keys or len(keys) < len(t.spec.keys):
        return []
    return hit(", ".join(keys), t.df.duplicated(keys, keep=False))


@check("spec_codelists", needs=("spec",))
def spec_codelists(t: Target) -> list[Hit]:
    """Every codelist a spec variable names exists (a study codelist or an NCI codelist)."""
    return [dataset_hit(v.name, f"codelist {v.codelist!r} is neither a study nor an NCI codelist")
            for v in t.spec.variables if v.codelist and v.name in t.df.columns and t.study.codelist(v.codelist) is None]
