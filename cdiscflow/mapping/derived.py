"""Algorithms that read SDTM variables already mapped (``out``) and other SDTM domains: ``study_day``,
``seq``, ``visit``, ``epoch``, ``baseline_flag``, plus the per-subject ``flag_exists`` and the value table
``recode``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.errors import MappingError, SpecError
from cdiscflow.expr import evaluate
from cdiscflow.mapping.assign import source_of
from cdiscflow.mapping.context import ROW, MapContext, by_unique, column, expr_frame, text_column
from cdiscflow.mapping.dates import study_day as day_number
from cdiscflow.mapping.dates import subject_column
from cdiscflow.specregex import compile_pattern, matches
from cdiscflow.specregex import extract as extract_groups
from cdiscflow.specs.model import Variable


def _opts(arg: Any, key: str) -> dict[str, Any]:
    return {key: arg} if isinstance(arg, str | list) else dict(arg or {})


def _subject_ref(out: pd.DataFrame, ctx: MapContext, var: Variable, ref: str) -> pd.Series:
    """A DM variable (e.g. RFSTDTC) for each record, by USUBJID (DM's own column when mapping DM)."""
    if ref in out.columns:
        return out[ref].astype(str)
    dm = ctx.domain("DM", var.name)
    table = dm.drop_duplicates("USUBJID").set_index("USUBJID")[ref]
    return out["USUBJID"].map(table).fillna("").astype(str)


def study_day(out: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """--DY = date − RFSTDTC (+1 on or after it; no day 0); blank for partial dates.
    ``{study_day: AESTDTC}`` or ``{study_day: {dtc: AESTDTC, ref: RFSTDTC}}``."""
    opts = _opts(arg, "dtc")
    return day_number(out[opts["dtc"]].astype(str), _subject_ref(out, ctx, var, opts.get("ref", "RFSTDTC")))


def seq(out: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """--SEQ: 1, 2, ... within USUBJID, ordered by the given variables (then raw row order).
    ``{seq: [AESTDTC, AETERM]}``; ``{seq: []}`` keeps raw order."""
    keys = list(arg or []) if isinstance(arg, list) else list((arg or {}).get("by", []))
    missing = [k for k in keys if k not in out.columns]
    if missing:
        raise SpecError(f"{var.name}: seq keys {missing} are not mapped variables", variable=var.name,
                        file=ctx.spec.file if ctx.spec else None, expected="variables of this dataset")
    order = out.sort_values(["USUBJID", *keys, ROW, "__rec__"], kind="stable").index
    numbers = out.loc[order].groupby("USUBJID", sort=False).cumcount() + 1
    return numbers.reindex(out.index).astype("float64")


def _tv(ctx: MapContext, var: Variable) -> pd.DataFrame:
    tv = ctx.domain("TV", var.name)
    tv = tv.assign(VISITDY=pd.to_numeric(tv.get("VISITDY"), errors="coerce"))
    return tv.drop_duplicates("VISIT")[["VISIT", "VISITNUM", "VISITDY"]]


def visit(out: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable, work: pd.DataFrame) -> pd.Series:
    """VISIT / VISITNUM / VISITDY (chosen by the variable name or ``get:``) from TV by the collected visit
    name (case-insensitive; ``names:`` maps collected names to TV visits).

    An unplanned visit is *unscheduled*: when ``unscheduled.pattern`` has a ``num`` group the number comes
    from the collected text (``Unscheduled 4.1`` → 4.1); otherwise it is numbered after the subject's last
    planned visit on or before its date (``dtc:``) as previous VISITNUM + 0.01, + 0.02 ... VISITDY is blank for
    unscheduled visits. A collected name that is neither planned nor unscheduled is an error or rejection.
    """
    opts = _opts(arg, "from")
    col = opts.get("from")
    if not isinstance(col, str):
        raise SpecError(f"{var.name}: visit {arg!r}", variable=var.name, expected="{visit: RAWCOL} or {visit: {from: RAWCOL}}")
    get = opts.get("get", var.name if var.name in ("VISIT", "VISITNUM", "VISITDY") else None)
    if get not in ("VISIT", "VISITNUM", "VISITDY"):
        raise SpecError(f"{var.name}: visit needs get: VISIT|VISITNUM|VISITDY", variable=var.name)
    tv = _tv(ctx, var)
    raw = text_column(work, col, ctx, var.name).reindex(out.index)
    names = {str(k).upper(): str(v).upper() for k, v in (opts.get("names") or {}).items()}
    planned = tv.assign(KEY=tv["VISIT"].str.upper()).set_index("KEY")
    unsched = (opts.get("unscheduled") or {})
    pattern = compile_pattern(unsched.get("pattern", r"(?i)^unsch\w*(?:\s+(?P<num>\d+(?:\.\d+)?))?$"),
                              file=ctx.spec.file if ctx.spec else None, variable=var.name, field="unscheduled.pattern")

    def lookup(collected: pd.Series) -> pd.DataFrame:
        """TV's VISITNUM/VISIT/VISITDY, whether the name is unscheduled and the number it carries."""
        key = collected.str.upper().map(lambda v: names.get(v, v)) if names else collected.str.upper()
        got = extract_groups(collected, pattern)
        found = pd.DataFrame({"VISITNUM": key.map(planned["VISITNUM"]).astype("float64"),
                              "VISIT": key.map(planned["VISIT"]), "VISITDY": key.map(planned["VISITDY"]).astype("float64"),
                              "NAME": collected.str.upper()})
        no_plan = found["VISITNUM"].isna()
        found["unscheduled"] = (no_plan & got.notna().any(axis=1) | no_plan & matches(collected, pattern)
                                ) & (collected != "")
        found["num"] = pd.to_numeric(got["num"], errors="coerce") if "num" in got else np.nan
        return found

    found = by_unique(raw, lookup)
    visitnum, visitname, visitdy, is_unsched = (found[c] for c in ("VISITNUM", "VISIT", "VISITDY", "unscheduled"))
    if is_unsched.any():
        num = found["num"]
        need_date = is_unsched & num.isna()
        if need_date.any():
            num[need_date] = _unscheduled_numbers(out, visitnum, need_date, opts, ctx, var)
        visitnum[is_unsched] = num[is_unsched]
        visitname[is_unsched] = found["NAME"][is_unsched]
    unknown = visitnum.isna() & (raw != "")
    ctx.bad_values(out, unknown, var.name, raw, f"visit not in TV and not unscheduled ({col}):",
                   ctx.policy(opts), expected=f"a visit of TV: {', '.join(tv['VISIT'].astype(str))}")
    if get == "VISITNUM":
        return visitnum
    if get == "VISITDY":
        return visitdy
    return visitname.where(visitname.notna(), "").astype(object)


def _unscheduled_numbers(out: pd.DataFrame, visitnum: pd.Series, need: pd.Series, opts: dict[str, Any],
                         ctx: MapContext, var: Variable) -> pd.Series:
    dtc = opts.get("dtc")
    if dtc not in out.columns:
        raise SpecError(f"{var.name}: unscheduled visits without a number need dtc: (a mapped --DTC)",
                        variable=var.name, expected="visit: {from: RAWCOL, dtc: --DTC}")
    frame = pd.DataFrame({"USUBJID": out["USUBJID"], "d": out[dtc].astype(str).str[:10], "n": visitnum,
                          "u": need})
    frame = frame[need | visitnum.notna()]  # planned visits are the anchors
    frame = frame.sort_values(["USUBJID", "d", "n"], kind="stable", na_position="last")
    frame["prev"] = frame["n"].where(~frame["u"]).groupby(frame["USUBJID"]).ffill().fillna(0.0)
    block = (~frame["u"]).groupby(frame["USUBJID"]).cumsum()
    sub = frame[frame["u"]]
    group = sub["USUBJID"].astype(str) + "|" + block[frame["u"]].astype(str)
    first = (sub["d"] != sub["d"].shift()) | (group != group.shift())
    newdate = first.astype(int).groupby(group).cumsum()
    frame["num"] = (sub["prev"] + 0.01 * newdate).round(2)
    return frame["num"].reindex(out.index)[need]


def epoch(out: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """EPOCH of the subject element (SE) whose [SESTDTC, SEENDTC) holds the date; EPOCH from SE, else from TA
    by ARMCD and ETCD. ``{epoch: AESTDTC}``. Blank when the date is partial or outside every element."""
    dtc = _opts(arg, "dtc")["dtc"]
    se = ctx.domain("SE", var.name)
    if "EPOCH" not in se.columns:
        ta = ctx.domain("TA", var.name)[["ETCD", "EPOCH"]].drop_duplicates("ETCD")
        se = se.merge(ta, on="ETCD", how="left")
    se = se[["USUBJID", "SESTDTC", "SEENDTC", "EPOCH"]]

    def lookup(subject_dates: pd.DataFrame) -> pd.Series:
        """EPOCH per (USUBJID, date) row."""
        rec = pd.DataFrame({"USUBJID": subject_dates["USUBJID"], "d": subject_dates["d"].astype(str).str[:10],
                            "pos": np.arange(len(subject_dates))})
        rec = rec[rec["d"].str.len() == 10]
        m = rec.merge(se, on="USUBJID", how="inner")
        start, end = m["SESTDTC"].astype(str).str[:10], m["SEENDTC"].astype(str).str[:10]
        last = m.groupby("USUBJID")["SESTDTC"].transform("max").astype(str).str[:10] == start
        inside = (m["d"] >= start) & ((m["d"] < end) | (last & ((m["d"] <= end) | (end == ""))))
        hit = m[inside].sort_values(["pos", "SESTDTC"]).drop_duplicates("pos", keep="last")
        result = pd.Series("", index=subject_dates.index, dtype=object)
        result.iloc[hit["pos"].to_numpy()] = hit["EPOCH"].astype(str).to_numpy()
        return result

    return by_unique(pd.DataFrame({"USUBJID": out["USUBJID"], "d": out[dtc]}), lookup)


def baseline_flag(out: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """--BLFL / --LOBXFL = "Y" on the last record with a non-missing result on or before the reference date
    (RFSTDTC by default), per subject and ``by`` (e.g. [VSTESTCD, VSTPTNUM]).
    ``{baseline_flag: {by: [VSTESTCD], dtc: VSDTC, result: VSORRES, ref: RFSTDTC, where: CONDITION}}``."""
    opts = dict(arg or {})
    for key in ("by", "dtc", "result"):
        if key not in opts:
            raise SpecError(f"{var.name}: baseline_flag needs {key}:", variable=var.name,
                            expected="{by: [TESTCD], dtc: --DTC, result: --ORRES}")
    ref = _subject_ref(out, ctx, var, opts.get("ref", "RFSTDTC")).str[:10]
    dtc = out[opts["dtc"]].astype(str)
    ok = (out[opts["result"]].astype(str).str.strip() != "") & (dtc.str.len() >= 10) & (ref.str.len() == 10)
    ok &= dtc.str[:10] <= ref
    if opts.get("where"):
        ok &= evaluate(opts["where"], out)
    by = ["USUBJID", *opts["by"]]
    cand = out.loc[ok, by].assign(_d=dtc[ok], _r=out.loc[ok, ROW], _k=out.loc[ok, "__rec__"])
    cand = cand.sort_values([*by, "_d", "_r", "_k"], kind="stable")
    last = cand.drop_duplicates(by, keep="last").index
    flag = pd.Series("", index=out.index, dtype=object)
    flag[last] = "Y"
    return flag


def flag_exists(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """"Y" when the subject has a row meeting a condition in another extract (or in any of several), else
    blank. ``{flag_exists: {source: ds_raw, where: "IT_DSDECOD == 'Randomized'"}}`` or
    ``{flag_exists: {sources: [{source: vs_raw, where: ...}, {source: ds_raw, where: ...}]}}``."""
    sources = arg.get("sources", [arg]) if isinstance(arg, dict) else None
    if not sources or not all(isinstance(s, dict) and isinstance(s.get("source"), str) for s in sources):
        raise SpecError(f"{var.name}: flag_exists {arg!r}", variable=var.name,
                        expected="{source: EXTRACT, where: CONDITION} or {sources: [{source:, where:}, ...]}")
    subject = subject_column(ctx, var)
    having: set[str] = set()
    for src in sources:
        raw = ctx.extract_frame(src["source"], var.name)
        if subject not in raw.columns:
            raise MappingError(f"raw column {subject!r} is missing", file=ctx.file_of(src["source"]),
                               variable=var.name, expected="the subject column named in settings.subject")
        keep = evaluate(src.get("where"), expr_frame(raw))
        having |= set(raw.loc[keep, subject].astype(str).str.strip())
    return column(work, subject, ctx, var.name).isin(having).map({True: "Y", False: ""}).astype(object)


def recode(work: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """Values through a table in the spec (case-insensitive), e.g. a time-point name → its number.
    ``{recode: {from: VSTPT, values: {"AFTER LYING DOWN FOR 5 MINUTES": 815}}}``; blanks stay blank; an
    unlisted value is an error or rejection (``on_unknown``)."""
    col, opts = source_of(arg)
    values = opts.get("values")
    file = ctx.spec.file if ctx.spec else None
    if not isinstance(values, dict) or not values:
        raise SpecError(f"{var.name}: recode values must be a non-empty mapping, not {type(values).__name__}",
                        file=file, variable=var.name, expected='{from: COL, values: {"RAW TEXT": VALUE, ...}}')
    table = {str(k).strip().upper(): v for k, v in values.items()}
    raw = text_column(work, col, ctx, var.name)
    mapped = by_unique(raw, lambda values: values.str.upper().map(table))
    unknown = mapped.isna() & (raw != "")
    ctx.bad_values(work, unknown, var.name, raw, f"value not in the recode table of {var.name}:",
                   ctx.policy(opts), expected=", ".join(map(str, table)))
    if var.is_char:
        return mapped.where(mapped.notna(), "").astype(str).astype(object)
    return pd.to_numeric(mapped, errors="coerce").astype("float64")
