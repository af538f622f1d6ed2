"""The mapping engine: one dataset spec + raw extracts → SDTM dataset, lineage and rejections.

Each variable's ``map:`` entry names one algorithm of the vocabulary (see ``VOCABULARY.md``); the engine
calls it once per spec row. Row-level algorithms (assign, template, hardcode, assign_ct, hardcode_ct,
datetime, ref_date, flag_exists, recode, condition, derive) run first in spec order; algorithms that need
other mapped variables run after them in this order: visit, study_day, epoch, standardize, baseline_flag,
seq. A raw row that any algorithm rejects is dropped from the dataset as a whole and logged.

Speed: everything is vectorised; element-wise work (stripping, date and time parsing, codelist and TV look-ups,
numbers, units, conditions, epochs) runs once per distinct value or row of the columns it reads
(:func:`cdiscflow.mapping.context.by_unique`), and conditions share their row subsets (``MapContext.rows``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.errors import ExpressionError, MappingError, SpecError, located
from cdiscflow.expr import evaluate, parse
from cdiscflow.mapping import assign as _assign
from cdiscflow.mapping import ct as _ct
from cdiscflow.mapping import dates as _dates
from cdiscflow.mapping import derived as _derived
from cdiscflow.mapping import findings as _findings
from cdiscflow.mapping.condition import condition as _condition
from cdiscflow.mapping.context import ROW, SRC, MapContext, expr_frame
from cdiscflow.mapping.supp import supp as _supp
from cdiscflow.mapping.supp import supp_settings
from cdiscflow.registry import call_with_params
from cdiscflow.specs.conform import conform
from cdiscflow.specs.model import Dataset, Variable

REC = _findings.REC
LINEAGE_COLUMNS = ["record", "USUBJID", "SEQ", "extract", "row"]
EXCLUDED = "excluded by settings.where"

ROW_LEVEL: dict[str, Callable[..., pd.Series]] = {
    "assign": _assign.assign, "template": _assign.template, "hardcode": _assign.hardcode,
    "assign_ct": _ct.assign_ct, "hardcode_ct": _ct.hardcode_ct, "datetime": _dates.datetime,
    "ref_date": _dates.ref_date, "flag_exists": _derived.flag_exists, "recode": _derived.recode,
}
DERIVED: dict[str, Callable[..., pd.Series]] = {
    "visit": _derived.visit, "study_day": _derived.study_day, "epoch": _derived.epoch,
    "standardize": _findings.standardize, "baseline_flag": _derived.baseline_flag, "seq": _derived.seq,
}
PHASES = ["row", "visit", "study_day", "epoch", "standardize", "baseline_flag", "seq"]
OPTION_KEYS = {"on_unknown", "on_invalid"}
SPEC_ERRORS = (SpecError, ExpressionError)  # errors from spec text; raised without a file, located here
VOCABULARY = sorted([*ROW_LEVEL, *DERIVED, "condition", "derive"])


@dataclass
class MappingResult:
    """The mapped dataset (spec order and types), its lineage and the rows rejected while mapping it."""

    data: pd.DataFrame
    lineage: pd.DataFrame
    rejections: pd.DataFrame
    supp: dict[str, MappingResult] = field(default_factory=dict)


def algorithm_of(entry: Any, var: Variable, spec: Dataset) -> tuple[str, Any]:
    """The vocabulary word of a map entry and its argument."""
    if not isinstance(entry, dict):
        raise SpecError(f"{var.name}: map {entry!r}", file=spec.file, variable=var.name,
                        expected=f"a mapping {{WORD: ARG}} with WORD one of {', '.join(VOCABULARY)}")
    words = [k for k in entry if k not in OPTION_KEYS]
    if len(words) != 1 or words[0] not in VOCABULARY:
        raise SpecError(f"{var.name}: map {entry!r} names {words or 'no algorithm'}", file=spec.file,
                        variable=var.name, expected=f"exactly one of {', '.join(VOCABULARY)}")
    arg = entry[words[0]]
    options = {k: entry[k] for k in entry if k in OPTION_KEYS}
    if options and isinstance(arg, dict):
        arg = {**options, **arg}
    elif options and isinstance(arg, str) and words[0] in ("assign", "assign_ct", "datetime", "recode"):
        arg = {**options, ("date" if words[0] == "datetime" else "from"): arg}
    return words[0], arg


def phase_of(word: str, arg: Any, phases: dict[str, str]) -> str:
    """When a map entry runs: derived words in their phase; a condition after every algorithm it uses and
    every variable its conditions name (``phases``: variable → phase of its own entry)."""
    if word != "condition":
        return word if word in DERIVED else "row"
    cases = arg if isinstance(arg, list) else [arg]
    inner = [phase_of(w, None, phases) for c in cases if isinstance(c, dict) for w in c if w in DERIVED]
    named = [phases.get(n, "row") for c in cases if isinstance(c, dict) and isinstance(c.get("where"), str)
             for n in parse(c["where"]).names]
    return max([*inner, *named], key=PHASES.index, default="row")


def spec_rows(spec: Dataset, ctx: MapContext) -> pd.DataFrame:
    """The records written in the spec (``settings.rows``), as raw text rows of extract ``spec:<NAME>``."""
    rows = spec.settings.get("rows")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise SpecError(f"dataset {spec.name}: source none needs settings.rows", file=spec.file,
                        expected="rows: [{VAR: value, ...}, ...]")
    name = f"spec:{spec.name}"
    frame = pd.DataFrame(rows).astype(object)
    frame = frame.where(frame.notna(), "").astype(str).astype(object)
    frame[ROW] = np.arange(1, len(frame) + 1)
    ctx.files.setdefault(name, spec.file or name)
    return frame.assign(**{SRC: name})


def source_frame(spec: Dataset, ctx: MapContext) -> tuple[pd.DataFrame, str]:
    """The raw rows a dataset is mapped from, with ``__src__`` (extract) and ``__row__`` (raw row): one extract,
    several stacked (``source: [a, b]``: columns united, absent ones blank), or the spec's own ``rows:``
    (``source: none``, also allowed in a list)."""
    src = spec.source
    names = ["none"] if src is None else [src] if isinstance(src, str) else src
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise SpecError(f"dataset {spec.name}: source {src!r}", file=spec.file,
                        expected="an extract name, a list of extract names, or none")
    parts = [spec_rows(spec, ctx) if n == "none" else ctx.extract_frame(n).assign(**{SRC: n}) for n in names]
    label = ", ".join(f"spec:{spec.name}" if n == "none" else n for n in names)
    if len(parts) == 1:
        return parts[0], label
    frame = pd.concat(parts, ignore_index=True)
    text = [c for c in frame.columns if c not in (ROW, SRC)]
    frame[text] = frame[text].astype(object).where(frame[text].notna(), "")
    return frame, label


def map_dataset(spec: Dataset, ctx: MapContext, supp_specs: list[Dataset] | None = None) -> MappingResult:
    """Map one dataset (and the SUPP-- datasets whose parent it is)."""
    ctx.spec = spec
    raw, extract = source_frame(spec, ctx)
    ctx.extract = extract
    first_rejection = len(ctx.rejected)
    work = raw
    if spec.settings.get("where"):
        with located(file=spec.file, where=f"dataset {spec.name}", kinds=SPEC_ERRORS, variable="settings.where"):
            keep = evaluate(spec.settings["where"], expr_frame(work))
        ctx.bad_values(work, ~keep, "", pd.Series("", index=work.index),
                       f"{EXCLUDED} ({spec.settings['where']})", "reject")
        work = work[keep]
    if spec.settings.get("transpose"):
        wide = work
        work, empty = _findings.transpose(wide, spec.settings["transpose"], ctx)
        ctx.bad_values(wide, empty, "", pd.Series("", index=wide.index), "no result collected in any test column",
                       "reject")
    else:
        work = work.assign(**{REC: 0})
    work = work.reset_index(drop=True)
    out = pd.DataFrame({ROW: work[ROW], REC: work[REC], SRC: work[SRC]}, index=work.index)

    entries = [(var, *algorithm_of(var.map, var, spec)) for var in spec.variables if var.map is not None]
    supp_entries = []
    for sspec in supp_specs or []:
        for q in supp_settings(sspec)["qualifiers"]:
            qvar = Variable(name=q["qnam"], label=q["qlabel"], type="Char")
            supp_entries.append((qvar, *algorithm_of(q["map"], qvar, sspec)))
    phases: dict[str, str] = {}
    for var, word, arg in entries:
        if word != "condition":
            with located(file=spec.file, where=f"dataset {spec.name}", kinds=SPEC_ERRORS, variable=var.name):
                phases[var.name] = phase_of(word, arg, phases)
    values: dict[str, pd.Series] = {}
    ordered = sorted([*entries, *supp_entries], key=lambda e: e[1] == "condition")  # stable
    for phase in PHASES:
        keep = ~rejected_mask(out, ctx, first_rejection)
        if not keep.all():  # later phases (seq, baseline) must not see rejected rows
            work, out = work[keep], out[keep]
            values = {k: v[keep] for k, v in values.items()}
        for var, word, arg in ordered:
            with located(file=spec.file, where=f"dataset {spec.name}", kinds=SPEC_ERRORS, variable=var.name):
                if phase_of(word, arg, phases) != phase:
                    continue
                result = _run(word, arg, work, out, ctx, var)
            if any(var is v for v, _, _ in supp_entries):
                values[var.name] = result
            else:
                out[var.name] = result

    ctx.forget_rows()
    rejected = ctx.rejected_rows().iloc[0:0] if len(ctx.rejected) == first_rejection else \
        pd.concat(ctx.rejected[first_rejection:], ignore_index=True)
    drop = rejected_mask(out, ctx, first_rejection)
    out = out[~drop]
    sort = [k for k in sort_keys(spec) if k in out.columns]
    order = out.sort_values([*sort, ROW, REC], kind="stable").index if sort else out.index
    out = out.loc[order]
    data = conform(out.drop(columns=[ROW, REC, SRC]), spec, drop_extra=True).reset_index(drop=True)
    result = MappingResult(data=data, lineage=lineage(out.reset_index(drop=True), data, spec),
                           rejections=rejected.reset_index(drop=True))
    for sspec in supp_specs or []:
        parent = out.assign(STUDYID=data["STUDYID"].to_numpy(), USUBJID=data["USUBJID"].to_numpy())
        sup = _supp(parent, {k: v.reindex(out.index) for k, v in values.items()}, sspec, spec.name)
        sdata = conform(sup.drop(columns=[SRC, ROW]), sspec, drop_extra=True).reset_index(drop=True)
        result.supp[sspec.name] = MappingResult(
            data=sdata, lineage=lineage(sup.reset_index(drop=True), sdata, sspec), rejections=rejected.iloc[0:0])
    return result


def sort_keys(spec: Dataset) -> list[str]:
    """``settings.sort`` (default: the keys); each must be a variable of the dataset."""
    sort = spec.settings.get("sort", spec.keys)
    if not isinstance(sort, list) or not all(isinstance(k, str) for k in sort):
        raise SpecError(f"dataset {spec.name}: settings.sort {sort!r}", file=spec.file, variable="settings.sort",
                        expected="a list of variable names")
    unknown = [k for k in sort if not spec.has(k)]
    if unknown:
        raise SpecError(f"dataset {spec.name}: settings.sort names {', '.join(unknown)}, not variables of the "
                        "dataset", file=spec.file, variable="settings.sort", expected=", ".join(spec.names))
    return sort


def rejected_mask(out: pd.DataFrame, ctx: MapContext, first: int) -> pd.Series:
    """Records whose raw row has been rejected since ``first`` (a rejected raw row is dropped as a whole)."""
    mask = np.zeros(len(out), dtype=bool)
    if len(ctx.rejected) > first:
        rej = pd.concat(ctx.rejected[first:], ignore_index=True)
        src = out[SRC].astype(str).to_numpy()
        rows = out[ROW].to_numpy(dtype="int64")
        for extract, grp in rej.groupby("extract"):
            mask |= (src == extract) & np.isin(rows, grp["row"].to_numpy(dtype="int64"))
    return pd.Series(mask, index=out.index)


def _run(word: str, arg: Any, work: pd.DataFrame, out: pd.DataFrame, ctx: MapContext, var: Variable) -> pd.Series:
    """One spec row ↔ one call."""
    if word == "condition":
        cases = arg if isinstance(arg, list) else [arg]
        names = {n for c in cases if isinstance(c, dict) and isinstance(c.get("where"), str)
                 for n in parse(c["where"]).names}
        frame = expr_frame(work, out.drop(columns=[ROW, REC, SRC]), names)

        def run(sub: pd.DataFrame, entry: dict[str, Any], v: Variable) -> pd.Series:
            w, a = algorithm_of(entry, v, ctx.spec)
            return _run(w, a, sub, out if w in ROW_LEVEL else out.loc[sub.index], ctx, v)  # row-level: no out

        return _condition(work, arg, ctx, var, frame=frame, run=run)
    if word == "derive":
        name, params = (arg, {}) if isinstance(arg, str) else (arg.get("name"), arg.get("params", {})) \
            if isinstance(arg, dict) else (None, {})
        if not isinstance(name, str):
            raise SpecError(f"{var.name}: derive {arg!r}", file=ctx.spec.file, variable=var.name,
                            expected="derive: NAME or {name: NAME, params: {...}}")
        fn = ctx.functions("derive", name, file=ctx.spec.file, variable=var.name)
        result = call_with_params(fn, (work, out, ctx, var), params, what=f"derive {name}", file=ctx.spec.file,
                                  variable=var.name)
    elif word == "visit":
        result = _derived.visit(out, arg, ctx, var, work)
    elif word in DERIVED:
        result = DERIVED[word](out, arg, ctx, var)
    else:
        result = ROW_LEVEL[word](work, arg, ctx, var)
    if not isinstance(result, pd.Series) or len(result) != len(work):
        raise MappingError(f"{word} for {var.name} returned {type(result).__name__} of wrong length",
                           file=ctx.spec.file, variable=var.name, expected=f"a Series of {len(work)} values")
    return result.set_axis(work.index)


def lineage(out: pd.DataFrame, data: pd.DataFrame, spec: Dataset) -> pd.DataFrame:
    """Per SDTM record (1-based, in dataset order): USUBJID, --SEQ, raw extract and raw row."""
    seq = next((n for n in spec.names if n.endswith("SEQ")), None)
    return pd.DataFrame({
        "record": np.arange(1, len(data) + 1),
        "USUBJID": data["USUBJID"].to_numpy() if "USUBJID" in data else "",
        "SEQ": data[seq].to_numpy() if seq else np.nan,
        "extract": out[SRC].astype(str).to_numpy(),
        "row": out[ROW].astype("int64").to_numpy(),
    })[LINEAGE_COLUMNS]
