"""Study functions for the built-in study's SDTM specs (``derive: <name>``), for what the mapping vocabulary
cannot say: a value looked up in another extract by key (arm, MedDRA coding, randomization number) and the
start/end dates of each subject element (SE).

Both are vectorised and return a Series aligned with the raw rows being mapped (``work``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cdiscflow.errors import MappingError, SpecError
from cdiscflow.expr import evaluate
from cdiscflow.mapping.context import MapContext, column, expr_frame
from cdiscflow.mapping.dates import iso_dates
from cdiscflow.registry import register
from cdiscflow.specs.model import Variable

LOOKUP_KEYS = {"source", "column", "by", "where", "codelist", "decode", "on_unknown"}


@register("derive")
def lookup_value(work: pd.DataFrame, out: pd.DataFrame, ctx: MapContext, var: Variable,
                 **params: Any) -> pd.Series:
    """The value of ``column`` in the first row of extract ``source`` whose key columns ``by`` (default: the
    dataset's ``settings.subject``) equal the row's; blank when there is none. When the variable (or
    ``codelist:``) has a codelist the value goes through it like ``assign_ct`` (``decode: true`` gives the
    term's decode): an unknown value is an error or a rejection (``on_unknown``), never passed through.

    SDTMIG 3.4: a collected value may come from another CRF page linked by subject and record keys (e.g. the
    MedDRA coding of AETERM by AESPID; DM.ARM from the randomization page)."""
    unknown_keys = sorted(set(params) - LOOKUP_KEYS)
    source, col = params.get("source"), params.get("column")
    if unknown_keys or not isinstance(source, str) or not isinstance(col, str):
        raise SpecError(f"{var.name}: lookup_value params {unknown_keys or sorted(params)}", variable=var.name,
                        file=ctx.spec.file if ctx.spec else None,
                        expected="{source: EXTRACT, column: COL, by: [KEYS], where: COND, codelist: ID, "
                                 "decode: true, on_unknown: reject}")
    by, where, codelist = params.get("by"), params.get("where"), params.get("codelist")
    keys = by or [ctx.spec.settings.get("subject", "SUBJID")]
    other = ctx.extract_frame(source, var.name)
    missing = [c for c in [*keys, col] if c not in other.columns]
    if missing:
        raise MappingError(f"raw column(s) {', '.join(missing)} missing", file=ctx.file_of(source),
                           variable=var.name, expected=f"columns {', '.join([*keys, col])} in {source}")
    if where:
        other = other[evaluate(where, expr_frame(other))]
    table = other.drop_duplicates(keys).set_index(keys)[col].astype(str).str.strip()
    mine = pd.MultiIndex.from_frame(pd.DataFrame({k: column(work, k, ctx, var.name) for k in keys}))
    values = pd.Series(table.reindex(mine).to_numpy(), index=work.index).fillna("").astype(object)
    ref = codelist or var.codelist
    if not ref:
        return values
    cl = ctx.codelist(ref, var.name)
    mapped = values.str.upper().map(cl.lookup())
    unknown = mapped.isna() & (values != "")
    ctx.bad_values(work, unknown, var.name, values, f"value of {source}.{col} not in codelist {ref}:",
                   ctx.policy(params), expected=f"a term of {ref} or a study synonym")
    if params.get("decode"):
        names = {t.value: t.decode or t.value for t in cl.terms}
        mapped = mapped.map(names)
    return mapped.where(mapped.notna(), "").astype(object)


def _subject_date(ctx: MapContext, var: Variable, subjects: pd.Series, source: str, date: str,
                  where: str | None = None, agg: str = "min") -> pd.Series:
    """Per row, the first/last complete ISO date of ``source.date`` for the row's subject (blank if none)."""
    raw = ctx.extract_frame(source, var.name)
    subject = ctx.spec.settings.get("subject", "SUBJID")
    if where:
        raw = raw[evaluate(where, expr_frame(raw))]
    iso, _bad = iso_dates(column(raw, date, ctx, var.name))
    by_subject = pd.Series(iso.to_numpy(), index=raw[subject].to_numpy())
    by_subject = by_subject[by_subject.str.len() == 10].groupby(level=0).agg(agg)
    return subjects.map(by_subject).fillna("").astype(object)


def _next_day(iso: pd.Series) -> pd.Series:
    day = pd.to_datetime(iso.str[:10].where(iso.str.len() >= 10), format="%Y-%m-%d", errors="coerce")
    return (day + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d").fillna("").astype(object)


@register("derive")
def element_dates(work: pd.DataFrame, out: pd.DataFrame, ctx: MapContext, var: Variable, *, edge: str,
                  visit: str = "VISIT") -> pd.Series:
    """SESTDTC (``edge: start``) / SEENDTC (``edge: end``) of the element that starts at each visit row:

    * Screening → SCRN: screening visit date → run-in visit date (screen failures: end-of-study date);
    * Run-in → RUNIN: run-in visit date → RFSTDTC (run-in discontinuations: end-of-study date);
    * Transplant → MSCNTF/PBO: RFSTDTC (start of the intrathecal administration) → the following day;
    * Week 2 → FU: the day after transplant → RFPENDTC.

    SDTMIG 3.4 SE: elements are contiguous (SEENDTC of one = SESTDTC of the next); the last one ends at the end
    of participation."""
    if edge not in ("start", "end"):
        raise SpecError(f"{var.name}: element_dates edge {edge!r}", variable=var.name, expected="start or end")
    name = column(work, visit, ctx, var.name).str.upper()
    subj = column(work, ctx.spec.settings.get("subject", "SUBJID"), ctx, var.name)
    dm = ctx.domain("DM", var.name).drop_duplicates("USUBJID").set_index("USUBJID")
    usubjid = out["USUBJID"].astype(str)
    rfst = usubjid.map(dm["RFSTDTC"]).fillna("").astype(str)
    rfpen = usubjid.map(dm["RFPENDTC"]).fillna("").astype(str)
    eos = _subject_date(ctx, var, subj, "disposition", "DSSTDAT")
    runin = _subject_date(ctx, var, subj, "visit_dates", "VISDAT", "VISIT == 'Run-in'")
    screening = _subject_date(ctx, var, subj, "visit_dates", "VISDAT", "VISIT == 'Screening'")
    rfst_or_eos = rfst.where(rfst != "", eos)
    rules = {  # element start visit → (start, end)
        "SCREENING": (screening, runin.where(runin != "", eos)),
        "RUN-IN": (runin, rfst_or_eos),
        "TRANSPLANT": (rfst, _next_day(rfst)),
        "WEEK 2": (_next_day(rfst), rfpen),
    }
    result = pd.Series("", index=work.index, dtype=object)
    for visit_name, (start, end) in rules.items():
        hit = name == visit_name
        result[hit] = (start if edge == "start" else end)[hit]
    return result


def _constant(work: pd.DataFrame, value: str) -> pd.Series:
    return pd.Series(value, index=work.index, dtype=object)


@register("derive")
def study_date(work: pd.DataFrame, out: pd.DataFrame, ctx: MapContext, var: Variable, *, column: str,
               stat: str) -> pd.Series:
    """The earliest (``stat: min``) or latest (``max``) complete date of ``DM.<column>`` over all subjects, on
    every row: TS SSTDTC = first informed consent (RFICDTC), SENDTC = last end of participation (RFPENDTC)
    (SDTMIG 3.4 TS; FDA Technical Conformance Guide: study start date)."""
    if stat not in ("min", "max"):
        raise SpecError(f"{var.name}: study_date stat {stat!r}", variable=var.name, expected="min or max")
    dm = ctx.domain("DM", var.name)
    if column not in dm.columns:
        raise SpecError(f"{var.name}: study_date column DM.{column} missing", variable=var.name,
                        expected="a DM date variable such as RFICDTC")
    dates = dm[column].astype(str).str[:10]
    dates = dates[dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}")]
    if dates.empty:
        raise MappingError(f"{var.name}: DM.{column} has no complete date", variable=var.name,
                           expected="at least one complete ISO 8601 date")
    return _constant(work, str(getattr(dates, stat)()))


@register("derive")
def extract_constant(work: pd.DataFrame, out: pd.DataFrame, ctx: MapContext, var: Variable, *, source: str,
                     column: str) -> pd.Series:
    """The one value of ``source.column`` on every row (e.g. the MedDRA version of the coding extract for TS
    TSVCDVER); an error when the extract holds more than one value (a study codes with one version)."""
    values = ctx.extract_frame(source, var.name)
    if column not in values.columns:
        raise MappingError(f"raw column {column} missing", file=ctx.file_of(source), variable=var.name,
                           expected=f"column {column} in {source}")
    distinct = sorted(set(values[column].astype(str).str.strip()) - {""})
    if len(distinct) != 1:
        raise MappingError(f"{source}.{column} holds {len(distinct)} distinct values ({', '.join(distinct)})",
                           file=ctx.file_of(source), variable=var.name, expected="exactly one value")
    return _constant(work, distinct[0])


@register("derive")
def study_metadata(work: pd.DataFrame, out: pd.DataFrame, ctx: MapContext, var: Variable, *, key: str,
                   word: str | None = None) -> pd.Series:
    """A value of study.yaml on every row: ``key`` is a dotted path (``standards.sdtm``); ``word: last``
    keeps its last word (``SDTMIG 3.4`` → ``3.4``)."""
    value: Any = ctx.meta
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or isinstance(value, (dict, list)):
        raise SpecError(f"{var.name}: study.yaml has no value {key}", variable=var.name, file="study.yaml",
                        expected=f"{key} in study.yaml")
    text = str(value).strip()
    if word not in (None, "last"):
        raise SpecError(f"{var.name}: study_metadata word {word!r}", variable=var.name, expected="last")
    return _constant(work, text.split()[-1] if word == "last" and text else text)
