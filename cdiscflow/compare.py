"""PROC COMPARE-style comparison of two datasets by key variables (``cdiscflow compare BASE COMPARE --id K...``).

:func:`compare_frames` reports variables only in one side, attribute differences (dataset label; variable
label, type, length, format), records only in one side, duplicate keys, every differing value with its keys
and per-variable match counts. Records with the same key are matched by occurrence (the n-th duplicate in
BASE with the n-th in COMPARE); duplicates are reported but are not by themselves a difference.

Values: Char values compare after dropping trailing blanks, with ``""`` and missing equal; numbers compare
with a relative tolerance (``|b - c| <= criterion * max(|b|, |c|)``; two missing values are equal). When the
sides' types differ (a CSV read as text against an XPT), the COMPARE value is coerced to the BASE variable's
type: ``"1"`` equals ``1.0``; text that is not a number differs from every number. A COMPARE timestamp (R's
``Date``/``POSIXct`` in a Parquet file) against a numeric BASE is compared as a SAS date, datetime or time by the
BASE variable's format (else its name: ``*DT``, ``*DTM``, ``*TM``). ``--missing-text NA`` reads that text in
COMPARE as missing.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment

from cdiscflow.errors import DataError
from cdiscflow.io.atomic import write_text
from cdiscflow.io.datasets import read_dataset
from cdiscflow.io.xpt import XptMeta
from cdiscflow.specs.conform import SAS_EPOCH, as_char, format_kind, numbers_to_text

OCC = "__occurrence__"
OBS = "_OBS_"


@dataclass
class CompareResult:
    """Outcome of a comparison. ``only_in_base`` / ``only_in_compare`` are the records (their keys) present
    on one side; ``variables_only_in_*`` the variables. ``value_diffs`` has one row per differing value:
    ``variable``, the keys, ``base``, ``compare``."""

    base_name: str
    compare_name: str
    keys: list[str]
    n_base: int
    n_compare: int
    variables_only_in_base: list[str]
    variables_only_in_compare: list[str]
    attribute_diffs: pd.DataFrame
    only_in_base: pd.DataFrame
    only_in_compare: pd.DataFrame
    duplicate_keys: pd.DataFrame
    value_diffs: pd.DataFrame
    per_variable: pd.DataFrame
    n_matched: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not (self.variables_only_in_base or self.variables_only_in_compare or len(self.attribute_diffs)
                    or len(self.only_in_base) or len(self.only_in_compare) or len(self.value_diffs))

    def summary(self) -> dict[str, int | bool]:
        return {
            "base_records": self.n_base, "compare_records": self.n_compare, "matched_records": self.n_matched,
            "variables_only_in_base": len(self.variables_only_in_base),
            "variables_only_in_compare": len(self.variables_only_in_compare),
            "attribute_differences": len(self.attribute_diffs),
            "records_only_in_base": len(self.only_in_base), "records_only_in_compare": len(self.only_in_compare),
            "duplicate_keys": len(self.duplicate_keys),
            "variables_with_differences": int((self.per_variable["n_equal"] < self.per_variable["n_compared"]).sum()),
            "differing_values": len(self.value_diffs), "equal": self.equal,
        }

    def to_text(self, max_diffs: int = 50) -> str:
        return _render(TEXT_TEMPLATE, self, max_diffs)

    def to_html(self, max_diffs: int = 50) -> str:
        return _render(HTML_TEMPLATE, self, max_diffs, autoescape=True)


def _is_num(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)


def sas_number(values: pd.Series, kind: str | None) -> pd.Series:
    """Dates/datetimes as SAS numbers: days since 1960-01-01 for a ``"date"`` variable, seconds since then for a
    ``"datetime"``, seconds since midnight for a ``"time"``; ``kind`` None takes days when every value is at
    midnight, else seconds."""
    stamps = pd.to_datetime(values)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    since = (stamps - SAS_EPOCH).dt.total_seconds()
    day = since / 86400.0
    if kind is None:
        kind = "date" if bool((day.dropna() % 1 == 0).all()) else "datetime"
    if kind == "time":
        return (since % 86400.0).astype("float64")
    return (np.floor(day) if kind == "date" else since).astype("float64")


def _kind(name: str, meta: XptMeta | None) -> str | None:
    """The date/time kind of a BASE variable: its display format, else its name (``*DTM``, ``*DT``, ``*TM``)."""
    kind = format_kind((meta.formats if meta else {}).get(name))
    if kind is None and name.endswith("DTM"):
        return "datetime"
    if kind is None and name.endswith("DT"):
        return "date"
    if kind is None and name.endswith("TM"):
        return "time"
    return kind


def _coerce(base: pd.Series, comp: pd.Series, kind: str | None = None
            ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Both sides in the BASE type, and a mask of COMPARE values that could not be coerced. A COMPARE date or
    datetime (e.g. a Parquet timestamp, or Python dates as pyarrow reads a Parquet ``date32`` column) against a
    numeric BASE becomes a SAS number of the BASE's ``kind``."""
    if _is_num(base):
        if pd.api.types.is_datetime64_any_dtype(comp.dtype) or (
                comp.dtype == object and pd.api.types.infer_dtype(comp, skipna=True) in ("date", "datetime")):
            return base.astype("float64"), sas_number(comp, kind), pd.Series(False, index=comp.index)
        if _is_num(comp):
            return base.astype("float64"), comp.astype("float64"), pd.Series(False, index=comp.index)
        text = as_char(comp).str.strip()
        num = pd.to_numeric(text.where(text != "", np.nan), errors="coerce").astype("float64")
        return base.astype("float64"), num, num.isna() & (text != "")
    b = as_char(base).str.rstrip()
    c = numbers_to_text(comp) if _is_num(comp) else as_char(comp).str.rstrip()
    return b, c, pd.Series(False, index=comp.index)


def _equal(b: pd.Series, c: pd.Series, bad: pd.Series, criterion: float) -> np.ndarray:
    if b.dtype == "float64":
        bv, cv = b.to_numpy(), c.to_numpy()
        both_missing = np.isnan(bv) & np.isnan(cv)
        with np.errstate(invalid="ignore"):
            close = np.abs(bv - cv) <= criterion * np.maximum(np.abs(bv), np.abs(cv))
        return (both_missing | close | (bv == cv)) & ~bad.to_numpy()
    return (b.to_numpy() == c.to_numpy()) & ~bad.to_numpy()


def _types(df: pd.DataFrame, meta: XptMeta | None) -> dict[str, str]:
    if meta is None:
        return {str(c): "Num" if _is_num(df[c]) else "Char" for c in df.columns}
    return dict(meta.types)


def _attribute_diffs(common: list[str], base: pd.DataFrame, comp: pd.DataFrame, bm: XptMeta | None,
                     cm: XptMeta | None) -> pd.DataFrame:
    rows = []
    if bm and cm and bm.label and cm.label and bm.label != cm.label:
        rows.append(("(dataset)", "label", bm.label, cm.label))
    bt, ct = _types(base, bm), _types(comp, cm)
    typed = bool(bt) and bool(ct)
    for v in common:
        if bm and cm and bm.labels and cm.labels and bm.labels.get(v, "") != cm.labels.get(v, ""):
            rows.append((v, "label", bm.labels.get(v, ""), cm.labels.get(v, "")))
        if typed and bt.get(v) != ct.get(v):
            rows.append((v, "type", bt.get(v, ""), ct.get(v, "")))
        elif typed and bm and cm and bm.lengths and cm.lengths and bm.lengths.get(v) != cm.lengths.get(v):
            rows.append((v, "length", str(bm.lengths.get(v, "")), str(cm.lengths.get(v, ""))))
        if typed and bm and cm and bm.formats.get(v, "") != cm.formats.get(v, ""):
            rows.append((v, "format", bm.formats.get(v, ""), cm.formats.get(v, "")))
    return pd.DataFrame(rows, columns=["variable", "attribute", "base", "compare"], dtype=object)


def _duplicates(df: pd.DataFrame, keys: list[str], side: str) -> pd.DataFrame:
    counts = df.groupby(keys, dropna=False, sort=True).size().rename("count").reset_index()
    dup = counts[counts["count"] > 1]
    return dup.assign(side=side)[["side", *keys, "count"]]


def compare_frames(base: pd.DataFrame, comp: pd.DataFrame, keys: list[str] | None, *,
                   base_meta: XptMeta | None = None, comp_meta: XptMeta | None = None, criterion: float = 1e-9,
                   base_name: str = "BASE", compare_name: str = "COMPARE", missing_text: tuple[str, ...] = (),
                   text_values: tuple[str, ...] = ()) -> CompareResult:
    """Compare ``comp`` against ``base`` matching records by ``keys`` (by row number when no keys).

    ``missing_text``: Char values of COMPARE that stand for a missing value (e.g. R's ``"NA"``), except in the
    columns ``text_values``, where they are values (e.g. ``"NA"``, North America, in REGION1)."""
    base = base.reset_index(drop=True)
    comp = comp.reset_index(drop=True)
    if missing_text:
        text = comp.select_dtypes(exclude=["number", "bool", "datetime", "datetimetz"]).columns.difference(
            list(text_values), sort=False)
        comp[text] = comp[text].mask(comp[text].isin(missing_text))
    if not keys:
        keys = [OBS]
        base = base.assign(**{OBS: np.arange(1, len(base) + 1, dtype="float64")})
        comp = comp.assign(**{OBS: np.arange(1, len(comp) + 1, dtype="float64")})
    for side, df, name in (("BASE", base, base_name), ("COMPARE", comp, compare_name)):
        absent = [k for k in keys if k not in df.columns]
        if absent:
            raise DataError(f"{side} has no key variable(s) {', '.join(absent)}", file=name, variable=absent[0],
                            expected=f"variables of {side}: {', '.join(map(str, df.columns))}")
    common = [c for c in base.columns if c in comp.columns]
    only_b = [c for c in base.columns if c not in comp.columns]
    only_c = [c for c in comp.columns if c not in base.columns]
    attrs = _attribute_diffs([c for c in common if c != OBS], base, comp, base_meta, comp_meta)

    b_cols, c_cols, bad_cols = {}, {}, {}
    for v in common:
        b_cols[v], c_cols[v], bad_cols[v] = _coerce(base[v], comp[v], _kind(str(v), base_meta))
    bk = pd.DataFrame({k: b_cols[k] for k in keys})
    ck = pd.DataFrame({k: c_cols[k] for k in keys})
    dups = pd.concat([_duplicates(bk, keys, "BASE"), _duplicates(ck, keys, "COMPARE")], ignore_index=True)
    bk[OCC] = bk.groupby(keys, dropna=False).cumcount()
    ck[OCC] = ck.groupby(keys, dropna=False).cumcount()
    bk["__b__"] = np.arange(len(bk))
    ck["__c__"] = np.arange(len(ck))
    merged = bk.merge(ck, on=[*keys, OCC], how="outer", indicator=True, sort=True)
    side = merged["_merge"]
    only_in_base = merged.loc[side == "left_only", keys].reset_index(drop=True)
    only_in_compare = merged.loc[side == "right_only", keys].reset_index(drop=True)
    both = merged[side == "both"]
    bi, ci = both["__b__"].astype(int).to_numpy(), both["__c__"].astype(int).to_numpy()
    key_frame = both[keys].reset_index(drop=True)

    stats, diffs = [], []
    for v in (c for c in common if c not in keys):
        b = b_cols[v].iloc[bi].reset_index(drop=True)
        c = c_cols[v].iloc[ci].reset_index(drop=True)
        bad = bad_cols[v].iloc[ci].reset_index(drop=True)
        eq = _equal(b, c, bad, criterion)
        stats.append((v, len(eq), int(eq.sum())))
        if not eq.all():
            shown = c.astype(object).where(~bad, comp[v].iloc[ci].reset_index(drop=True))
            diffs.append(key_frame[~eq].assign(variable=v, base=b[~eq].astype(object), compare=shown[~eq]))
    per_var = pd.DataFrame(stats, columns=["variable", "n_compared", "n_equal"])
    per_var["n_equal"] = per_var["n_equal"].astype("int64")
    per_var["n_compared"] = per_var["n_compared"].astype("int64")
    per_var["n_diff"] = per_var["n_compared"] - per_var["n_equal"]
    per_var["match_rate"] = (per_var["n_equal"] / per_var["n_compared"].where(per_var["n_compared"] > 0)).fillna(1.0)
    value_diffs = (pd.concat(diffs, ignore_index=True) if diffs
                   else pd.DataFrame(columns=[*keys, "variable", "base", "compare"], dtype=object))
    value_diffs = value_diffs[["variable", *keys, "base", "compare"]]
    return CompareResult(base_name=base_name, compare_name=compare_name, keys=[k for k in keys if k != OBS] or [],
                         n_base=len(base), n_compare=len(comp), variables_only_in_base=[str(c) for c in only_b],
                         variables_only_in_compare=[str(c) for c in only_c], attribute_diffs=attrs,
                         only_in_base=only_in_base, only_in_compare=only_in_compare, duplicate_keys=dups,
                         value_diffs=value_diffs, per_variable=per_var, n_matched=len(both))


def _show(value: object) -> str:
    if isinstance(value, float):
        return "." if np.isnan(value) else f"{value:.15g}"
    return "" if value is None else str(value)


def _table(df: pd.DataFrame, limit: int | None = None) -> dict[str, list]:
    """A report table: header, cell texts and, for the text report, lines aligned in columns."""
    shown = df if limit is None else df.head(limit)
    columns = [str(c) for c in shown.columns]
    rows = [[_show(v) for v in row] for row in shown.itertuples(index=False, name=None)]
    widths = [max(len(x) for x in col) for col in zip(columns, *rows, strict=True)] if columns else []
    lines = ["  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)).rstrip() for r in [columns, *rows]]
    return {"columns": columns, "rows": rows, "lines": lines}


def _render(template: str, r: CompareResult, max_diffs: int, autoescape: bool = False) -> str:
    by_var = {v: _table(g.drop(columns="variable"), max_diffs) | {"n": len(g)}
              for v, g in r.value_diffs.groupby("variable", sort=False)}
    per_var = r.per_variable.assign(match_rate=(r.per_variable["match_rate"] * 100).round(2))
    env = Environment(autoescape=autoescape, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    text = env.from_string(template).render(
        r=r, s=r.summary(), keys=", ".join(r.keys) or "(row number)", attrs=_table(r.attribute_diffs),
        only_b=_table(r.only_in_base, max_diffs), only_c=_table(r.only_in_compare, max_diffs),
        dups=_table(r.duplicate_keys, max_diffs), per_var=_table(per_var), by_var=by_var, max_diffs=max_diffs)
    return re.sub(r"\n{3,}", "\n\n", text)


TEXT_TEMPLATE = """\
COMPARE  base: {{ r.base_name }} ({{ r.n_base }} records)   compare: {{ r.compare_name }} ({{ r.n_compare }} records)
Keys: {{ keys }}
Result: {{ "EQUAL" if r.equal else "DIFFERENT" }}

Summary
{% for k, v in s.items() %}
  {{ "%-28s"|format(k) }} {{ v }}
{% endfor %}
{% macro table(t) %}
{% for line in t.lines %}
  {{ line }}
{% endfor %}
{% endmacro %}
{% if r.variables_only_in_base %}

Variables only in BASE: {{ r.variables_only_in_base|join(", ") }}
{% endif %}
{% if r.variables_only_in_compare %}

Variables only in COMPARE: {{ r.variables_only_in_compare|join(", ") }}
{% endif %}
{% if attrs.rows %}

Attribute differences
{{ table(attrs) }}
{% endif %}
{% if only_b.rows %}

Records only in BASE ({{ r.only_in_base|length }})
{{ table(only_b) }}
{% endif %}
{% if only_c.rows %}

Records only in COMPARE ({{ r.only_in_compare|length }})
{{ table(only_c) }}
{% endif %}
{% if dups.rows %}

Duplicate keys
{{ table(dups) }}
{% endif %}

Per-variable match (match_rate in %)
{{ table(per_var) }}
{% for v, t in by_var.items() %}

Values of {{ v }} that differ ({{ t.n }}{% if t.n > max_diffs %}, first {{ max_diffs }} shown{% endif %})
{{ table(t) }}
{% endfor %}
"""

HTML_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Compare {{ r.base_name }} / {{ r.compare_name }}</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse;margin:0.5em 0}
td,th{border:1px solid #999;padding:2px 6px;font-size:90%}th{background:#eee}
.equal{color:#070}.different{color:#a00}</style></head><body>
{% macro table(t) %}
<table><tr>{% for c in t.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in t.rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% endmacro %}
<h1>Compare</h1>
<p>Base: {{ r.base_name }} ({{ r.n_base }} records). Compare: {{ r.compare_name }} ({{ r.n_compare }} records).
Keys: {{ keys }}.</p>
<p class="{{ 'equal' if r.equal else 'different' }}">Result: {{ "EQUAL" if r.equal else "DIFFERENT" }}</p>
<h2>Summary</h2>
<table>{% for k, v in s.items() %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
{% if r.variables_only_in_base %}<p>Variables only in BASE: {{ r.variables_only_in_base|join(", ") }}</p>{% endif %}
{% if r.variables_only_in_compare %}<p>Variables only in COMPARE: {{ r.variables_only_in_compare|join(", ") }}</p>{% endif %}
{% if attrs.rows %}<h2>Attribute differences</h2>{{ table(attrs) }}{% endif %}
{% if only_b.rows %}<h2>Records only in BASE ({{ r.only_in_base|length }})</h2>{{ table(only_b) }}{% endif %}
{% if only_c.rows %}<h2>Records only in COMPARE ({{ r.only_in_compare|length }})</h2>{{ table(only_c) }}{% endif %}
{% if dups.rows %}<h2>Duplicate keys</h2>{{ table(dups) }}{% endif %}
<h2>Per-variable match (match rate in %)</h2>{{ table(per_var) }}
{% for v, t in by_var.items() %}
<h2>Values of {{ v }} that differ ({{ t.n }}{% if t.n > max_diffs %}, first {{ max_diffs }} shown{% endif %})</h2>
{{ table(t) }}
{% endfor %}
</body></html>
"""


def run(args: argparse.Namespace) -> int:
    """``cdiscflow compare``: print the text report; exit 0 when equal, 1 when different."""
    base, bm = read_dataset(args.base)
    comp, cm = read_dataset(args.compare)
    result = compare_frames(base, comp, args.keys, base_meta=bm, comp_meta=cm, criterion=args.criterion,
                            base_name=str(args.base), compare_name=str(args.compare),
                            missing_text=tuple(getattr(args, "missing_text", None) or ()),
                            text_values=tuple(getattr(args, "text_values", None) or ()))
    text = result.to_text(args.max_diffs)
    print(text, end="")
    if args.text:
        write_text(Path(args.text), text)
    if args.html:
        write_text(Path(args.html), result.to_html(args.max_diffs))
    return 0 if result.equal else 1
