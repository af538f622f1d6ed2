"""Record counts of each ADaM program and the SDTM → ADaM subject check: nothing is dropped silently.

Every derived dataset gets a record log (:data:`COLUMNS`): one ``input`` row per dataset its program read
(SDTM or ADaM, with records and subjects), one ``output`` row, and, when its spec names the SDTM domain it
carries, a ``source`` row and one ``selection`` row per declared selection. Two ``settings`` say so::

    settings:
      source: {domain: AE}                 # or "AE"; optional filter: "LBCAT != 'CSF BIOMARKERS'"
      selection:                           # subjects of the source deliberately left out, and why
        - dataset: ADSL                    # a dataset with USUBJID (ADaM derived before, or SDTM)
          where: "RANDFL == 'Y'"           # kept: subjects with a record there meeting it (cdiscflow.expr)
          reason: AEs of randomized participants only

The check: a subject with a record of the source (meeting ``source.filter``) and none in the output must be
explained by a selection — it is in that selection's ``dataset`` and none of its records there meets
``where``. Anything else is a :class:`DerivationError` naming the dataset, the source domain, the count and the
first USUBJIDs. So a subject missing from ADSL (an AE of a subject missing from DM, say) is always an error:
no selection on ADSL can explain a subject ADSL does not have. Programs apply the same selections with
:meth:`cdiscflow.adam.engine.AdamContext.select`, so the condition is written once. Record counts of the source
and output are logged, not compared: an ADaM program may add records (parameters, LOCF) or leave some out
(visit windows) within the subjects it carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cdiscflow.errors import DerivationError, ExpressionError, SpecError
from cdiscflow.expr import evaluate, parse
from cdiscflow.specs.model import Dataset

COLUMNS = ["dataset", "kind", "name", "records", "subjects", "detail"]
SUBJ = "USUBJID"
SHOWN = 5  # USUBJIDs named in an error


@dataclass(frozen=True)
class Source:
    """The SDTM domain an ADaM dataset carries (``settings.source``) and its record filter."""

    domain: str
    filter: str | None = None


@dataclass(frozen=True)
class Selection:
    """A declared selection (``settings.selection``): subjects of ``dataset`` with no record meeting ``where``."""

    dataset: str
    where: str
    reason: str


def _condition(text: str, spec: Dataset, field: str) -> str:
    """``text`` if it parses as a condition of :mod:`cdiscflow.expr`, else a SpecError naming the spec field."""
    try:
        parse(text)
    except ExpressionError as exc:
        raise SpecError(f"{spec.name}: {field}: {exc.message}", file=spec.file, variable=field,
                        expected=exc.expected) from None
    return text


def source_of(spec: Dataset) -> Source | None:
    """``settings.source`` as a :class:`Source` (``None`` when the spec names none)."""
    raw = spec.settings.get("source")
    if raw is None:
        return None
    domain, filt = (raw, None) if isinstance(raw, str) else (
        (raw.get("domain"), raw.get("filter")) if isinstance(raw, dict) else (None, None))
    if not isinstance(domain, str) or not domain or not isinstance(filt, str | None):
        raise SpecError(f"{spec.name}: settings.source is {raw!r}", file=spec.file, variable="settings.source",
                        expected="an SDTM domain name or {domain: NAME, filter: condition}")
    return Source(domain.upper(), _condition(filt, spec, "settings.source.filter") if filt else None)


def source_records(source: Source, read: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """The records of ``source.domain`` (``read(name)`` gives a dataset) that meet ``source.filter``."""
    df = read(source.domain)
    return df if source.filter is None else df[evaluate(source.filter, df).fillna(False).astype(bool).to_numpy()]


def selections_of(spec: Dataset) -> list[Selection]:
    """``settings.selection`` (one mapping or a list) as :class:`Selection` objects, checked strictly."""
    raw = spec.settings.get("selection", [])
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise SpecError(f"{spec.name}: settings.selection is {raw!r}", file=spec.file, variable="settings.selection",
                        expected="a list of {dataset: NAME, where: condition, reason: text}")
    out = []
    for i, item in enumerate(items, 1):
        where = f"{spec.name}: settings.selection {i}"
        if not isinstance(item, dict) or set(item) != {"dataset", "where", "reason"} or not all(
                isinstance(item[k], str) and item[k].strip() for k in item):
            raise SpecError(f"{where} is {item!r}", file=spec.file, variable="settings.selection",
                            expected="{dataset: NAME, where: condition, reason: text}, each a non-empty text")
        out.append(Selection(item["dataset"].upper(), _condition(item["where"], spec, f"settings.selection {i}"),
                             item["reason"]))
    return out


def kept_subjects(frame: pd.DataFrame, sel: Selection, spec: Dataset) -> tuple[set[str], set[str]]:
    """(subjects of ``frame``, those with a record meeting ``sel.where``)."""
    if SUBJ not in frame.columns:
        raise SpecError(f"{spec.name}: settings.selection on {sel.dataset}, which has no {SUBJ}", file=spec.file,
                        variable="settings.selection", expected=f"a dataset with {SUBJ}")
    hit = evaluate(sel.where, frame).fillna(False).astype(bool).to_numpy()
    return set(frame[SUBJ].astype(str).unique()), set(frame.loc[hit, SUBJ].astype(str).unique())


def count_row(dataset: str, kind: str, name: str, frame: pd.DataFrame, detail: str = "") -> list[Any]:
    """One record-log row: records and (when it has USUBJID) subjects of ``frame``."""
    subjects = frame[SUBJ].nunique() if SUBJ in frame.columns else pd.NA
    return [dataset, kind, name, len(frame), subjects, detail]


def check_subjects(spec: Dataset, out: pd.DataFrame, read: Callable[[str], pd.DataFrame]) -> list[list[Any]]:
    """The ``source`` and ``selection`` rows of ``spec``'s record log; unexplained dropped subjects are an error.

    ``read(name)`` gives a dataset by name (the source domain, a selection's ``dataset``)."""
    source = source_of(spec)
    selections = selections_of(spec)
    if source is None:
        if selections:
            raise SpecError(f"{spec.name}: settings.selection without settings.source", file=spec.file,
                            variable="settings.selection", expected="settings.source naming the SDTM domain")
        return []
    src = source_records(source, read)
    if SUBJ not in src.columns:
        raise SpecError(f"{spec.name}: settings.source {source.domain} has no {SUBJ}", file=spec.file,
                        variable="settings.source", expected=f"an SDTM domain with {SUBJ}")
    ids = src[SUBJ].astype(str)
    dropped = set(ids.unique()) - (set(out[SUBJ].astype(str).unique()) if SUBJ in out.columns else set())
    rows = [count_row(spec.name, "source", source.domain, src, source.filter or "")]
    for sel in selections:
        present, kept = kept_subjects(read(sel.dataset), sel, spec)
        explained = (dropped & present) - kept
        dropped -= explained
        rows.append([spec.name, "selection", sel.dataset, int(ids.isin(explained).sum()), len(explained),
                     f"kept where {sel.where}: {sel.reason}"])
    if dropped:
        lost = ids[ids.isin(dropped)]
        first = ", ".join(sorted(dropped)[:SHOWN]) + (", ..." if len(dropped) > SHOWN else "")
        raise DerivationError(
            f"{spec.name}: {len(dropped)} subject(s) of SDTM {source.domain} ({len(lost)} record(s)) are not in "
            f"{spec.name} and no declared selection leaves them out: {first}", file=spec.file, variable=SUBJ,
            expected=f"every subject of {source.domain} in {spec.name}, or a settings.selection saying why not; "
                     "no selection leaves out a subject its dataset lacks, such as one missing from DM and ADSL")
    return rows


def record_log(rows: list[list[Any]]) -> pd.DataFrame:
    """The record-log frame of ``rows`` (:data:`COLUMNS`)."""
    log = pd.DataFrame(rows, columns=COLUMNS)
    return log.astype({"records": "int64", "subjects": "Int64"})


def summary(log: pd.DataFrame) -> str:
    """One line per dataset: output records and subjects, inputs read, the source and its selections' counts."""
    lines = []
    for name, part in log.groupby("dataset", sort=False):
        rows = {kind: list(group.itertuples()) for kind, group in part.groupby("kind", sort=False)}
        out = rows["output"][0]
        inputs = ", ".join(f"{r.name} {r.records}" for r in rows.get("input", [])) or "no input"
        text = f"{name}: {out.records} records, {out.subjects} subjects <- {inputs}"
        if "source" not in rows:
            text += "; subjects not checked (no settings.source)"
        for src in rows.get("source", []):
            text += f"; source {src.name}" + (f" where {src.detail}" if src.detail else "") + \
                    f": {src.records} records, {src.subjects} subjects"
            for r in rows.get("selection", []):
                text += f"; left out by selection on {r.name}: {r.subjects} subject(s), {r.records} {src.name} " \
                        f"record(s) ({r.detail})"
        lines.append(text)
    return "\n".join(lines)
