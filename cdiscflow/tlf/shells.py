"""Table shells: lay out an ARD as a :class:`~cdiscflow.tlf.layout.Table`.

Shells only place the ARD's ``formatted`` texts (composed with patterns such as ``"{n} ({pct}%)"``); they
compute nothing. :class:`Cells` indexes an ARD for fast lookup; :func:`summary_table` lays out
demographic-style summaries (continuous and categorical blocks with a p-value column);
:func:`incidence_table` lays out event incidence by two-level terms (e.g. SOC / preferred term).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.tlf.analyses import Groups
from cdiscflow.tlf.layout import Column, Frame, HeaderCell, Row, Table, blank_row, group_header
from cdiscflow.tlf.patterns import check_pattern


class Cells:
    """``formatted`` texts of an ARD keyed by (analysis, group, by, variable, category, statistic)."""

    def __init__(self, ard: pd.DataFrame) -> None:
        keys = zip(ard["analysis"], ard["group"], ard["by"], ard["variable"], ard["category"], ard["statistic"],
                   strict=True)
        self._text = dict(zip(keys, ard["formatted"], strict=True))
        self._statistics = set(ard["statistic"])

    def get(self, statistic: str, *, analysis: str, group: str = "", by: str = "", variable: str = "",
            category: str = "") -> str:
        return self._text.get((analysis, group, by, variable, category, statistic), "")

    def fill(self, pattern: str, *, fallback: str | None = None, **keys: str) -> str:
        """Compose ``pattern`` (fields are statistic names) from the results matching ``keys``; if a field
        is empty and ``fallback`` is given, use the fallback pattern instead (e.g. ``"{n}"`` for zeros)."""
        names = check_pattern(pattern, file=None, where="cell pattern")
        unknown = sorted(set(names) - self._statistics)
        if unknown and self._statistics:
            raise SpecError(f"cell pattern {pattern!r} names {', '.join(unknown)}, which no result of this output has",
                            variable="pattern", expected=f"statistics among {', '.join(sorted(self._statistics))}")
        values = {name: self.get(name, **keys) for name in names}
        if fallback is not None and any(v == "" for v in values.values()):
            return self.fill(fallback, **keys)
        if all(v == "" for v in values.values()):
            return ""
        return pattern.format(**values)


def group_columns(groups: Groups, sizes: pd.Series, labels: Mapping[str, str] | None = None,
                  pattern: str = "{label}\n(N={n})") -> list[HeaderCell]:
    """One header cell per column group with its N."""
    labels = labels or {}
    return [HeaderCell(group_header(labels.get(g, g), sizes.get(g), pattern)) for g in groups.columns]


DEFAULT_STAT_ROWS: list[tuple[str, str]] = [("n", "{n}"), ("Mean", "{mean}"), ("SD", "{sd}"),
                                            ("Median", "{median}"), ("Min", "{min}"), ("Max", "{max}")]


@dataclass
class Block:
    """One block of a summary table: a continuous variable (stat rows) or a categorical one (level rows).

    ``levels`` maps data values to row labels, in display order; ``n_row`` adds a leading "n" row;
    ``test`` names the ARD analysis holding the block's p-value (``anova``/``chisq``), printed on the
    block's first row."""

    var: str
    label: str = ""
    type: str = "continuous"
    stat_rows: list[tuple[str, str]] = field(default_factory=lambda: list(DEFAULT_STAT_ROWS))
    levels: dict[str, str] = field(default_factory=dict)
    n_row: bool = False
    test: str | None = None
    count_pattern: str = "{n} ({pct}%)"
    zero_pattern: str = "{n}"

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Block:
        if "var" not in raw:
            raise SpecError(f"summary block without 'var': {dict(raw)}", expected="var: NAME")
        data = dict(raw)
        if "stat_rows" in data:
            data["stat_rows"] = [tuple(x) for x in data["stat_rows"]]
        if isinstance(data.get("levels"), list):
            data["levels"] = {str(v): str(v) for v in data["levels"]}
        try:
            return cls(**data)
        except TypeError as exc:
            raise SpecError(f"bad summary block {data}: {exc}") from None


def summary_table(frame: Frame, ard: pd.DataFrame, groups: Groups, sizes: pd.Series, blocks: Sequence[Block], *,
                  stub: str = "two_columns", p_header: str | None = "p-value", labels: Mapping[str, str] | None = None,
                  widths: Sequence[float] | None = None, blank_between: bool = True,
                  header_pattern: str = "{label}\n(N={n})") -> Table:
    """Demographic-style summary. ``stub="two_columns"``: variable label and statistic label in two stub
    columns (the CDISC pilot layout); ``"indented"``: the label on its own row, statistics indented."""
    cells = Cells(ard)
    two = stub == "two_columns"
    has_p = p_header is not None
    ncol = (2 if two else 1) + len(groups.columns) + (1 if has_p else 0)
    rows: list[Row] = []
    for block in blocks:
        analysis = "summary" if block.type == "continuous" else "frequency"
        p_text = cells.get("p", analysis=block.test, variable=block.var) if block.test else ""
        body: list[tuple[str, list[str]]] = []
        if block.type == "continuous":
            for label, pattern in block.stat_rows:
                body.append((label, [cells.fill(pattern, analysis=analysis, group=g, variable=block.var)
                                     for g in groups.columns]))
        else:
            if block.n_row:
                body.append(("n", [cells.get("n", analysis=analysis, group=g, variable=block.var)
                                   for g in groups.columns]))
            for value, label in block.levels.items():
                body.append((label, [cells.fill(block.count_pattern, fallback=block.zero_pattern, analysis=analysis,
                                                group=g, variable=block.var, category=value) for g in groups.columns]))
        if not two and block.label:
            rows.append(Row([block.label] + [""] * (ncol - 1)))
        for i, (label, values) in enumerate(body):
            p = [p_text if i == 0 else ""] if has_p else []
            if two:
                rows.append(Row([block.label if i == 0 else "", label, *values, *p]))
            else:
                rows.append(Row([label, *values, *p], indent=1 if block.label else 0))
        if blank_between:
            rows.append(blank_row(ncol))
    head = ([HeaderCell(""), HeaderCell("")] if two else [HeaderCell("")]) + group_columns(groups, sizes, labels,
                                                                                           header_pattern)
    if has_p:
        head.append(HeaderCell(p_header))
    stub_cols = [Column(2.0), Column(1.4)] if two else [Column(3.0)]
    cols = stub_cols + [Column(1.2, "center") for _ in groups.columns] + ([Column(1.0, "center")] if has_p else [])
    if widths:
        cols = [Column(w, c.align) for w, c in zip(widths, cols, strict=True)]
    return Table(frame, cols, [head], rows)


def incidence_table(frame: Frame, ard: pd.DataFrame, groups: Groups, sizes: pd.Series, *, reference: str | None,
                    order_by: str | Sequence[str] | None = None, count_pattern: str = "{n} ({pct}%)", zero_pattern: str = "{n}",
                    events_pattern: str | None = "[{events}]", labels: Mapping[str, str] | None = None,
                    p_labels: Mapping[str, str] | None = None, stub_header: str = "System Organ Class/\nPreferred Term",
                    p_header: str = "Fisher's Exact\np-values", blank_between: bool = True,
                    term_order: str = "name", header_pattern: str = "{label}\n(N={n})",
                    count_header: str | None = "n(%)") -> Table:
    """Incidence by term: the "any event" row, then each first-level term (alphabetical, or with
    ``term_order="frequency"`` like the second level) followed by its second-level terms (by descending count
    in ``order_by``, default the last group, then name), indented. ``order_by`` may list several groups:
    descending counts in the first, ties by the next, …, then name.

    Columns per group: subjects "n (pct%)" and, with ``events_pattern``, the number of events; then one
    p-value column per comparison against ``reference``. ``count_header=None`` (no events column, no
    p-values): one header row, ``stub_header`` beside the group headers."""
    cells = Cells(ard)
    labels = labels or {}
    comps = [g for g in groups.levels if g != reference] if reference else []
    order_keys = [order_by] if isinstance(order_by, str) else list(order_by or [groups.levels[-1]])
    per_group = 2 if events_pattern else 1
    ncol = 1 + per_group * len(groups.columns) + len(comps)

    def values(analysis: str, by_: str, var: str, cat: str) -> list[str]:
        keys = {"analysis": analysis, "by": by_, "variable": var, "category": cat}
        out = []
        for g in groups.columns:
            n_text = cells.fill(count_pattern, fallback=zero_pattern, group=g, **keys)
            out.append(n_text)
            if events_pattern:
                has = cells.get("n", group=g, **keys) not in ("", "0")
                out.append(cells.fill(events_pattern, group=g, **keys) if has else "")
        out += [cells.get("p", group=f"{c} vs {reference}", **keys) for c in comps]
        return out

    rows: list[Row] = []
    any_rows = ard[ard["analysis"] == "incidence_any"]
    if len(any_rows):
        cat = any_rows["category"].iloc[0]
        rows.append(Row([cat, *values("incidence_any", "", "", cat)]))
        if blank_between:
            rows.append(blank_row(ncol))
    inc = ard[(ard["analysis"] == "incidence") & (ard["statistic"] == "n")]
    top = inc[inc["by_var"] == ""]
    low = inc[inc["by_var"] != ""]

    def by_frequency(n: pd.DataFrame, index: list[str]) -> pd.DataFrame:
        wide = n[n["group"].isin(order_keys)].pivot_table(index=index, columns="group", values="value",
                                                          fill_value=0).reset_index()
        return wide.reindex(columns=[*index, *order_keys], fill_value=0).sort_values(
            [*order_keys, "category"], ascending=[*[False] * len(order_keys), True])

    counts = by_frequency(low, ["by", "category"])
    socs = (list(by_frequency(top, ["category"])["category"]) if term_order == "frequency"
            else sorted(top["category"].unique()))
    for soc in socs:
        var = top.loc[top["category"] == soc, "variable"].iloc[0]
        rows.append(Row([soc, *values("incidence", "", var, soc)]))
        for pt in counts.loc[counts["by"] == soc, "category"]:
            pvar = low.loc[(low["by"] == soc) & (low["category"] == pt), "variable"].iloc[0]
            rows.append(Row([pt, *values("incidence", soc, pvar, pt)], indent=1))
        if blank_between:
            rows.append(blank_row(ncol))
    single = count_header is None
    if single and (events_pattern or comps):
        raise SpecError("count_header: null (one header row) needs events_pattern: null and no reference",
                        variable="options.count_header", expected="a count header such as n(%)")
    top_head = [HeaderCell(stub_header, align="left") if single else HeaderCell("")]
    top_head += [HeaderCell(group_header(labels.get(g, g), sizes.get(g), header_pattern), span=per_group)
                 for g in groups.columns]
    if comps:
        top_head.append(HeaderCell(p_header, span=len(comps)))
    header = [top_head]
    if not single:
        sub = [HeaderCell(stub_header, align="left")]
        for _ in groups.columns:
            sub.append(HeaderCell(count_header))
            if events_pattern:
                sub.append(HeaderCell("[AEs]"))
        p_labels = p_labels or {}
        sub += [HeaderCell(p_labels.get(c, f"{reference}\nvs.\n{c}")) for c in comps]
        header.append(sub)
    cols = [Column(3.8)] + [Column(1.1, "center") if i % per_group == 0 else Column(0.7, "center")
                            for i in range(per_group * len(groups.columns))]
    cols += [Column(1.0, "center") for _ in comps]
    return Table(frame, cols, header, rows)
