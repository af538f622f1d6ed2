"""Shift tables: subjects by baseline category × post-baseline category, per parameter, visit and column group.

``shift`` reads BDS records (one or more datasets, ``measures`` as in ``lab_abnormal``) and, per measure and
*visit* (a labelled condition: ``AVISITN == 2`` for each visit, or a window ``AVISITN > 0 and AVISITN <= 24``
for "at any visit during treatment"), each subject's post-baseline category: the worst among the subject's
records meeting the condition (``worst`` lists the categories from worst to best; without it a subject with
two different categories in one visit is an error). The baseline category is ``baseline.var`` (e.g.
``BNRIND``, ``BTOXGR``, ``BASE``) of the same records. Only subjects whose baseline and post-baseline
categories are among the listed levels count ("only subjects with baseline results"). Percentages are of the
subjects with that baseline category in that group, measure and visit.

Optional ``p``: the CMH general-association test of group × post-baseline category, stratified by the
baseline category (:func:`cdiscflow.tlf.stats.cmh.cmh_test`), per measure and visit (blank when the table
has a single post-baseline category). Categories given as numbers in the data (``AVAL`` 0/1) are matched as
text (``"0"``, ``"1"``)::

    options:
      dataset: ADLBC
      where: 'SAFFL == "Y"'
      group: {var: TRTP, levels: [Placebo, Xanomeline Low Dose, Xanomeline High Dose]}
      group_n_var: TRT01P
      baseline: {var: BNRIND, levels: {N: Normal at Baseline, H: High at Baseline}}
      post: {var: ANRIND, levels: {N: Normal, H: High, L: Low}, show_zero: [N]}
      worst: [H, L, N]
      visits: [{label: Weeks 2-24, where: 'AVISITN > 0 and AVISITN <= 24'}]
      measures:
        - {section: CHEMISTRY, param: ALT, label: ALANINE AMINOTRANSFERASE}
      p: {decimals: 3}

The ARD has, per group, ``by`` = ``<param>/<visit label>/<baseline level>``, the subjects ``n`` (``category``
empty) and each post-baseline level's ``n`` and ``pct``; the ``cmh`` rows (``by`` = ``<param>/<visit label>``)
hold ``statistic``, ``df`` and ``p``. Layout, per measure × visit with subjects: an ``n_label`` row (subjects
per baseline category, the p-value), then one row per post-baseline level (``show_zero`` levels always, the
others only when some cell of the block is not zero: ``count_pattern``, ``zero_pattern`` for zero counts),
then a blank row; a measure's ``section`` prints a heading when it changes. ``visit_header`` adds a visit
column (by-visit tables); ``shift_header``, ``p_header``, ``header_pattern`` and ``labels`` name the
columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.registry import register
from cdiscflow.specs.conform import as_char
from cdiscflow.tlf.analyses import Groups, PFormat, _pct_text
from cdiscflow.tlf.ard import ard_frame, concat_ard
from cdiscflow.tlf.layout import Column, HeaderCell, Row, Table, blank_row
from cdiscflow.tlf.result import ProgramResult
from cdiscflow.tlf.rounding import format_values
from cdiscflow.tlf.shapes.abnormal import MEASURE
from cdiscflow.tlf.shapes.bds import group_sizes, measure_records
from cdiscflow.tlf.shapes.disposition import COUNT_FIELDS, P_FORMAT, condition_mask, groups_of
from cdiscflow.tlf.shapes.options import CONDITION, RECORDS, Opt, ctx_options
from cdiscflow.tlf.shells import Cells, group_columns
from cdiscflow.tlf.stats.cmh import cmh_test

if TYPE_CHECKING:
    from cdiscflow.tlf.engine import TlfContext

#: a category variable and its levels (code → label, in display order)
CATEGORY: dict = {"var": Opt(str, required=True), "levels": Opt(dict, required=True, values=Opt(str))}
#: the post-baseline category; ``show_zero`` levels print even when every count of a block is zero
POST: dict = {**CATEGORY, "show_zero": Opt(list, items=Opt(str), default=[])}

SHIFT_SCHEMA: dict = {
    **RECORDS,
    "baseline": CATEGORY,
    "post": POST,
    "worst": Opt(list, items=Opt(str)),
    "visits": Opt(list, required=True, items=CONDITION),
    "measures": Opt(list, required=True, items=MEASURE),
    "count_pattern": Opt(str, default="{n} ({pct}%)", fields=COUNT_FIELDS),
    "zero_pattern": Opt(str, default="{n}", fields=COUNT_FIELDS),
    "pct_decimals": Opt(int, default=0),
    "p": Opt(dict, keys=P_FORMAT),
    "p_header": Opt(str, default="p-\nvalue"),
    "n_label": Opt(str, default="n"),
    "shift_header": Opt(str, default="Shift"),
    "visit_header": Opt(str),
    "header_pattern": Opt(str, default="{label} (N={n})", fields={"label", "n"}),
    "labels": Opt(dict, values=Opt(str), default={}),
}

_KEYS = ["_m", "_v"]


def _measure_key(m: dict) -> str:
    """The measure's key in the ARD's ``by`` (its parameter code; the label is for the layout)."""
    return m["param"]


def _check_levels(ctx: TlfContext, opts: dict) -> None:
    """``worst`` and ``post.show_zero`` name only levels of ``post``."""
    for name, listed in (("worst", opts["worst"] or []), ("post.show_zero", opts["post"]["show_zero"])):
        levels = opts["post"]["levels"]
        unknown = [v for v in listed if v not in levels]
        if unknown:
            raise SpecError(f"output {ctx.spec.id}: options.{name} names {', '.join(unknown)}, not a level",
                            file=ctx.spec.file, variable=f"options.{name}", expected=", ".join(levels))


def shift_records(records: pd.DataFrame, group_var: str, base_var: str, post_var: str, base_levels: list[str],
                  post_levels: list[str], worst: list[str] | None) -> pd.DataFrame:
    """One row per ``_m``, ``_v`` and subject: group, baseline category ``_b`` and worst post-baseline
    category ``_p`` of ``records`` (columns ``_m``, ``_v``, ``USUBJID``, group, baseline and post variables),
    keeping subjects whose categories are among the levels. Without ``worst``, a subject with two different
    post-baseline categories in one ``_m``/``_v`` is a :class:`ValueError`."""
    d = pd.DataFrame({"_m": records["_m"].to_numpy(), "_v": records["_v"].to_numpy(),
                      "USUBJID": records["USUBJID"].astype(str).to_numpy(),
                      group_var: records[group_var].astype(str).to_numpy(),
                      "_b": as_char(records[base_var]).to_numpy(), "_p": as_char(records[post_var]).to_numpy()})
    d = d[d["_b"].isin(base_levels).to_numpy() & d["_p"].isin(post_levels).to_numpy()]
    keys = [*_KEYS, "USUBJID"]
    if worst is None:
        clash = d.drop_duplicates([*keys, "_p"]).duplicated(keys, keep=False)
        if clash.any():
            first = d.drop_duplicates([*keys, "_p"])[clash.to_numpy()].iloc[0]
            raise ValueError(f"subject {first['USUBJID']} has several post-baseline categories at visit "
                             f"{first['_v']!r} of measure {first['_m'] + 1}")
    rank = {lv: i for i, lv in enumerate(worst or post_levels)}
    d = d.assign(_r=d["_p"].map(rank).fillna(len(rank))).sort_values([*keys, "_r"], kind="stable")
    return d.drop_duplicates(keys).drop(columns="_r").reset_index(drop=True)


def shift_counts(subjects: pd.DataFrame, groups: Groups, base_levels: list[str], post_levels: list[str],
                 n_measures: int, visit_labels: list[str]) -> pd.DataFrame:
    """Counts per measure × visit × group × baseline × post level (zeros included; ``_p == ""`` is the
    baseline total ``n``) with the percentage of the baseline total."""
    subjects = groups.with_total(subjects, [*_KEYS, "USUBJID", "_b", "_p"])
    dims = [range(n_measures), visit_labels, groups.columns, base_levels]
    grid = pd.MultiIndex.from_product(dims, names=["_m", "_v", groups.var, "_b"])
    totals = subjects.groupby(["_m", "_v", groups.var, "_b"]).size().reindex(grid, fill_value=0)
    cells = subjects.groupby(["_m", "_v", groups.var, "_b", "_p"]).size()
    cells = cells.reindex(pd.MultiIndex.from_product([*dims, post_levels], names=[*grid.names, "_p"]),
                          fill_value=0)
    out = cells.rename("n").reset_index()
    out["denom"] = totals.reindex(pd.MultiIndex.from_frame(out[grid.names])).to_numpy()
    out = pd.concat([totals.rename("n").reset_index().assign(_p="", denom=np.nan), out], ignore_index=True)
    out["n"] = out["n"].astype(float)
    out["pct"] = np.where(out["denom"] > 0, 100.0 * out["n"] / out["denom"], np.nan)
    return out


@register("tlf", "shift")
def shift_program(ctx: TlfContext) -> ProgramResult:
    opts = ctx_options(ctx, SHIFT_SCHEMA)
    _check_levels(ctx, opts)
    groups = groups_of(opts)
    base, post = opts["baseline"], opts["post"]
    base_levels, post_levels = list(base["levels"]), list(post["levels"])
    visit_labels = [v["label"] for v in opts["visits"]]
    if len(set(visit_labels)) != len(visit_labels):
        raise SpecError(f"output {ctx.spec.id}: options.visits labels repeat", file=ctx.spec.file,
                        variable="options.visits", expected="one label per visit")
    params = [m["param"] for m in opts["measures"]]
    if len(set(params)) != len(params):
        raise SpecError(f"output {ctx.spec.id}: options.measures name a parameter twice", file=ctx.spec.file,
                        variable="options.measures", expected="one measure per parameter")
    records = _visit_records(ctx, opts, [groups.var, base["var"], post["var"]])
    try:
        subjects = shift_records(records, groups.var, base["var"], post["var"], base_levels, post_levels,
                                 opts["worst"])
    except ValueError as exc:
        raise SpecError(f"output {ctx.spec.id}: {exc}", file=ctx.spec.file, variable="options.worst",
                        expected="options.worst: the post-baseline levels from worst to best") from None
    counts = shift_counts(subjects, groups, base_levels, post_levels, len(opts["measures"]), visit_labels)
    ard = concat_ard([_count_ard(ctx, opts, counts, groups), _p_ard(ctx, opts, subjects, groups)], ctx.spec.id)
    return ProgramResult(ard, _layout(ctx, opts, ard, groups, group_sizes(ctx, opts, groups)))


def _visit_records(ctx: TlfContext, opts: dict, needs: list[str]) -> pd.DataFrame:
    """``USUBJID`` and ``needs`` of every measure's records meeting each visit condition, labelled ``_m``
    (measure number) and ``_v`` (visit label); a record meeting several conditions appears once per visit.
    Each visit condition is evaluated once per dataset."""
    cache: dict[str, pd.DataFrame] = {}
    masks: dict[str, np.ndarray] = {}
    pieces = []
    for i, m in enumerate(opts["measures"]):
        data = measure_records(ctx, opts, i, m, needs, cache)
        name = m["dataset"] or opts["dataset"]
        if name not in masks:  # visits × records of the whole dataset
            masks[name] = np.stack([condition_mask(cache[name], v["where"]) for v in opts["visits"]])
        hit = masks[name][:, data.index.to_numpy()]  # visits × the measure's records
        visit, row = np.nonzero(hit)
        pieces.append(data[list(dict.fromkeys(["USUBJID", *needs]))].iloc[row].assign(
            _m=i, _v=np.array([v["label"] for v in opts["visits"]], dtype=object)[visit]))
    return pd.concat(pieces, ignore_index=True)


def _by(opts: dict, measure: pd.Series, visit: pd.Series) -> pd.Series:
    names = pd.Series([_measure_key(m) for m in opts["measures"]])
    return names.iloc[measure.to_numpy()].reset_index(drop=True) + "/" + visit.astype(str).reset_index(drop=True)


def _count_ard(ctx: TlfContext, opts: dict, counts: pd.DataFrame, groups: Groups) -> pd.DataFrame:
    n, pct = counts["n"].to_numpy(), counts["pct"].to_numpy()
    by = _by(opts, counts["_m"], counts["_v"]) + "/" + counts["_b"].reset_index(drop=True)
    common = {"analysis": "shift", "group_var": groups.var, "group": counts[groups.var].to_numpy(),
              "by_var": f"{opts['param_var']}/visit/{opts['baseline']['var']}", "by": by.to_numpy(),
              "variable": opts["post"]["var"], "category": counts["_p"].to_numpy()}
    rows = pd.DataFrame({**common, "statistic": "n", "value": n, "formatted": format_values(n, 0)})
    has_pct = (counts["_p"] != "").to_numpy()
    pct_rows = pd.DataFrame({**common, "statistic": "pct", "value": pct,
                             "formatted": _pct_text(np.nan_to_num(pct), n, opts["pct_decimals"], ctx.rule, "0")})
    return ard_frame(pd.concat([rows, pct_rows[has_pct]], ignore_index=True))


def _p_ard(ctx: TlfContext, opts: dict, subjects: pd.DataFrame, groups: Groups) -> pd.DataFrame:
    """CMH general association (group × post category | baseline category) per measure and visit."""
    if opts["p"] is None:
        return ard_frame([])
    p_format = PFormat(**{k: v for k, v in opts["p"].items() if v is not None})
    d = subjects[subjects[groups.var].isin(groups.levels).to_numpy()]
    records = []
    for (mi, visit), block in d.groupby(_KEYS, sort=False):
        res = cmh_test(block[groups.var], block["_p"], block["_b"], statistic="general")
        by = f"{_measure_key(opts['measures'][mi])}/{visit}"
        for stat in ("statistic", "df", "p"):
            value = res[stat]
            text = p_format(value, ctx.rule) if stat == "p" and np.isfinite(value) else ""
            records.append({"analysis": "cmh", "group_var": groups.var, "by_var": f"{opts['param_var']}/visit",
                            "by": by, "variable": opts["post"]["var"], "statistic": stat, "value": value,
                            "formatted": text})
    return ard_frame(records)


def _block_rows(cells: Cells, opts: dict, groups: Groups, by: str, lead: list[str], with_p: bool) -> list[Row]:
    """The rows of one measure × visit block: ``n``, then each post-baseline level shown, then a blank row."""
    base, post = opts["baseline"], opts["post"]
    keys = [{"analysis": "shift", "group": g, "by": f"{by}/{b}", "variable": post["var"]}
            for g in groups.columns for b in base["levels"]]
    p_cell = [cells.get("p", analysis="cmh", by=by, variable=post["var"])] if with_p else []
    rows = [Row([*lead, opts["n_label"], *[cells.get("n", **k) for k in keys], *p_cell])]
    pad = [""] * (len(lead) - 1)
    for lv, label in post["levels"].items():
        counts = [cells.get("n", **k, category=lv) for k in keys]
        if lv not in post["show_zero"] and all(c == "0" for c in counts):
            continue
        values = [cells.fill(opts["zero_pattern"] if c == "0" else opts["count_pattern"], **k, category=lv)
                  for c, k in zip(counts, keys, strict=True)]
        rows.append(Row(["", *pad, label, *values, *([""] if with_p else [])]))
    return [*rows, blank_row(len(rows[0].cells))]


def _layout(ctx: TlfContext, opts: dict, ard: pd.DataFrame, groups: Groups, sizes: pd.Series) -> Table:
    cells = Cells(ard)
    base, post = opts["baseline"], opts["post"]
    with_visit = opts["visit_header"] is not None
    with_p = opts["p"] is not None
    ncol = 2 + int(with_visit) + len(groups.columns) * len(base["levels"]) + int(with_p)
    rows: list[Row] = []
    section = None
    for m in opts["measures"]:
        key = _measure_key(m)
        blocks = [v["label"] for v in opts["visits"]
                  if any(cells.get("n", analysis="shift", group=g, by=f"{key}/{v['label']}/{b}",
                                   variable=post["var"]) not in ("", "0")
                         for g in groups.columns for b in base["levels"])]
        if blocks and m["section"] and m["section"] != section:
            section = m["section"]
            rows.append(Row([section] + [""] * (ncol - 1)))
        for vi, visit in enumerate(blocks):
            lead = [(m["label"] or m["param"]) if vi == 0 else "", *([visit] if with_visit else [])]
            rows += _block_rows(cells, opts, groups, f"{key}/{visit}", lead, with_p)
    nlead = 2 + int(with_visit)
    top = [HeaderCell("", span=nlead)] + [
        HeaderCell(h.text, span=len(base["levels"]))
        for h in group_columns(groups, sizes, opts["labels"], pattern=opts["header_pattern"])]
    top += [HeaderCell("")] if with_p else []
    sub = [HeaderCell("", align="left"), *([HeaderCell(opts["visit_header"])] if with_visit else []),
           HeaderCell(opts["shift_header"]), *[HeaderCell(lb) for _ in groups.columns for lb in base["levels"].values()],
           *([HeaderCell(opts["p_header"])] if with_p else [])]
    cols = [Column(2.2), *([Column(0.5, "right")] if with_visit else []), Column(0.7),
            *[Column(0.9, "right") for _ in range(len(groups.columns) * len(base["levels"]))],
            *([Column(0.6, "right")] if with_p else [])]
    return Table(ctx.frame(), cols, [top, sub], rows)
