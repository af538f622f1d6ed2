"""SDTM rules: ISO 8601 dates, study days, --SEQ, subjects, STUDYID, start/end, RFSTDTC, AESER, visits,
EPOCH and SUPP-- parent records (SDTMIG sections 4 and 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.validation.checks.base import check, hit
from cdiscflow.validation.context import Target, is_blank, text
from cdiscflow.validation.model import Hit

_YEAR, _2 = r"(?:[0-9]{4}|-)", r"(?:[0-9]{2}|-)"
# ISO 8601 extended format, right-truncated partials and "-" for a missing middle component (SDTMIG 4.4.2).
# ASCII digits only (``\d`` matches any script's digits); ``\Z``, not ``$``, so that a trailing newline is no match.
ISO8601 = (rf"^{_YEAR}(?:-{_2}(?:-{_2}(?:T{_2}(?::{_2}(?::[0-9]{{2}}(?:\.[0-9]+)?)?)?)?)?)?"
           r"(?:Z|[+-][0-9]{2}(?::[0-9]{2})?)?\Z")


def _valid_iso(values: pd.Series) -> pd.Series:
    """True for a valid ISO 8601 date/time (partial allowed); complete dates must exist in the calendar."""
    ok = values.str.match(ISO8601)
    # every component known is in range, also when one before it is not ("--00" has month 00)
    parts = values.str.extract(rf"^{_YEAR}-({_2})(?:-({_2}))?(?:T({_2})(?::({_2}))?(?::([0-9]{{2}}))?)?")
    num = parts.apply(pd.to_numeric, errors="coerce")
    ranges = ((0, 1, 12), (1, 1, 31), (2, 0, 23), (3, 0, 59), (4, 0, 59))
    for col, lo, hi in ranges:
        ok &= num[col].isna() | num[col].between(lo, hi)
    full = values.str.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
    real = pd.to_datetime(values.str.slice(0, 10).where(full), format="%Y-%m-%d", errors="coerce")
    return ok & ~(full & real.isna())


@check("iso8601")
def iso8601(t: Target) -> list[Hit]:
    """--DTC values must be ISO 8601 (SDTMIG 4.4.1)."""
    out: list[Hit] = []
    for name in t.variables:
        values = t.text(name)
        distinct = pd.Series(values.unique())  # dates repeat: judge each distinct value once
        invalid = distinct[distinct.ne("") & ~_valid_iso(distinct)]
        out += hit(name, values.isin(set(invalid)), None, values)
    return out


def _complete_date(values: pd.Series) -> pd.Series:
    """The date part of complete dates as datetime64, NaT otherwise."""
    full = values.str.match(r"^\d{4}-\d{2}-\d{2}")
    return pd.to_datetime(values.str.slice(0, 10).where(full), format="%Y-%m-%d", errors="coerce")


def _rfstdtc(t: Target, reference: str = "DM") -> pd.Series:
    dm = t.study.datasets[reference]
    ref = pd.Series(_complete_date(text(dm["RFSTDTC"])).to_numpy(), index=text(dm["USUBJID"]))
    ref = ref[~ref.index.duplicated()]
    return t.text("USUBJID").map(ref)


@check("study_day", needs=("DM",))
def study_day(t: Target, pairs: list[list[str]]) -> list[Hit]:
    """--DY = date − RFSTDTC (+1 on or after RFSTDTC), where both dates are complete (SDTMIG 4.4.4)."""
    if "USUBJID" not in t.df.columns or "RFSTDTC" not in t.study.datasets["DM"].columns:
        return []
    out: list[Hit] = []
    ref = None
    for dtc_pat, dy_pat in pairs:
        dtc, dy = t.resolve(dtc_pat), t.resolve(dy_pat)
        if not dtc or not dy:
            continue
        ref = _rfstdtc(t) if ref is None else ref
        days = (_complete_date(t.text(dtc[0])) - ref).dt.days
        expected = days + (days >= 0)
        got = pd.to_numeric(t.df[dy[0]], errors="coerce")
        bad = got.notna() & expected.notna() & (got != expected)
        shown = dtc[0] + "=" + t.text(dtc[0]) + ", " + dy[0] + "=" + t.text(dy[0]) + ", expected " + \
            expected.astype("Int64").astype("str")
        out += hit(dy[0], bad, None, shown)
    return out


@check("not_zero")
def not_zero(t: Target) -> list[Hit]:
    """Study days are never 0 (SDTMIG 4.4.4)."""
    return [h for name in t.variables for h in hit(name, pd.to_numeric(t.df[name], errors="coerce").eq(0))]


@check("unique_within")
def unique_within(t: Target, by: list[str]) -> list[Hit]:
    """A variable (--SEQ) must not repeat within ``by`` (the subject)."""
    keys = t.resolve_all(by)
    if len(keys) < len(by):
        return []
    out: list[Hit] = []
    for name in t.variables:
        filled = ~is_blank(t.df[name])
        out += hit(name, filled & t.df.duplicated([*keys, name], keep=False), None, t.df[name])
    return out


@check("in_reference")
def in_reference(t: Target, reference: str, variable: str = "USUBJID") -> list[Hit]:
    """Every ``variable`` value must appear in the reference dataset (USUBJID in DM, in ADSL)."""
    ref = t.study.datasets.get(reference)
    if ref is None or variable not in t.df.columns or variable not in ref.columns or t.name == reference:
        return []
    values = t.text(variable)
    return hit(variable, values.ne("") & ~values.isin(set(text(ref[variable]))), f"not in {reference}", values)


@check("constant")
def constant(t: Target) -> list[Hit]:
    """The variable holds one value across every dataset (STUDYID): the study's, or else the commonest."""
    out: list[Hit] = []
    for name in t.variables:
        expected = t.study.studyid
        if expected is None:
            pooled = pd.concat([text(df[name]) for df in t.study.datasets.values() if name in df.columns])
            expected = pooled.mode().iloc[0] if len(pooled) else ""
        values = t.text(name)
        out += hit(name, values.ne(expected), f"expected {expected}", values)
    return out


@check("start_before_end")
def start_before_end(t: Target, pairs: list[list[str]]) -> list[Hit]:
    """Start must not be after end, compared at the precision both share (at least a complete date)."""
    out: list[Hit] = []
    for st_pat, en_pat in pairs:
        st, en = t.resolve(st_pat), t.resolve(en_pat)
        if not st or not en:
            continue
        a, b = t.text(st[0]), t.text(en[0])
        width = np.minimum(a.str.len(), b.str.len())
        comparable = a.str.match(r"^\d{4}-\d{2}-\d{2}") & b.str.match(r"^\d{4}-\d{2}-\d{2}")
        # ISO 8601 text sorts as time does when cut to a common precision (both in the same time zone)
        after = pd.Series(False, index=a.index)
        for w in sorted(set(width[comparable])):
            at = comparable & (width == w)
            after |= at & (a.str.slice(0, w) > b.str.slice(0, w))
        out += hit(st[0], after, f"after {en[0]}", a + " > " + b)
    return out


@check("reference_start_present")
def reference_start_present(t: Target, untreated_arms: list[str], exposure: str = "EX") -> list[Hit]:
    """RFSTDTC is populated for treated subjects: those with exposure records, or (no EX) assigned to an arm."""
    if "RFSTDTC" not in t.df.columns:
        return []
    ex = t.study.datasets.get(exposure)
    if ex is not None and "USUBJID" in ex.columns:
        treated = t.text("USUBJID").isin(set(text(ex["USUBJID"])))
    else:
        arm = next((c for c in ("ACTARMCD", "ARMCD") if c in t.df.columns), None)
        if arm is None:
            return []
        codes = t.text(arm).str.upper()
        treated = codes.ne("") & ~codes.isin({a.upper() for a in untreated_arms})
    return hit("RFSTDTC", treated & is_blank(t.df["RFSTDTC"]), None, t.df["USUBJID"])


@check("seriousness")
def seriousness(t: Target, criteria: list[str], flag: str = "AESER") -> list[Hit]:
    """A serious event has at least one seriousness criterion "Y"; a criterion "Y" makes the event serious."""
    crit = [c for c in criteria if c in t.df.columns]
    if flag not in t.df.columns or not crit:
        return []
    ser = t.text(flag).eq("Y")
    anyc = pd.concat([t.text(c).eq("Y") for c in crit], axis=1).any(axis=1)
    return [*hit(flag, ser & ~anyc, f"{flag}=Y but no criterion ({', '.join(crit)}) is Y", t.df[flag]),
            *hit(flag, ~ser & anyc, f"a criterion is Y but {flag} is not Y", t.df[flag])]


@check("visit_in_tv", needs=("TV",))
def visit_in_tv(t: Target) -> list[Hit]:
    """Scheduled visits (integer VISITNUM) must be planned in TV with the same VISIT name."""
    if "VISITNUM" not in t.df.columns:
        return []
    tv = t.study.datasets["TV"]
    num = pd.to_numeric(t.df["VISITNUM"], errors="coerce")
    scheduled = num.notna() & (num == num.round())
    tv_num = pd.to_numeric(tv["VISITNUM"], errors="coerce")
    if "VISIT" in t.df.columns:
        names = t.text("VISIT")
        planned = pd.MultiIndex.from_arrays([tv_num, text(tv["VISIT"])])
        known = pd.Series(pd.MultiIndex.from_arrays([num, names]).isin(planned), index=t.df.index)
        shown = num.astype("str") + " / " + names
    else:
        known = num.isin(set(tv_num))
        shown = num.astype("str")
    return hit("VISITNUM", scheduled & ~known, "not in TV", shown)


@check("epoch")
def epoch(t: Target, codelist: str = "EPOCH", design: str = "TA") -> list[Hit]:
    """EPOCH values come from the trial design (TA) or, without TA, from the EPOCH codelist."""
    if "EPOCH" not in t.df.columns or t.name == design:
        return []
    ta = t.study.datasets.get(design)
    if ta is not None and "EPOCH" in ta.columns:
        allowed, where = set(text(ta["EPOCH"])), design
    else:
        cl = t.study.codelist(codelist)
        if cl is None:
            return []
        allowed, where = set(cl.values), f"codelist {codelist}"
    values = t.text("EPOCH")
    return hit("EPOCH", values.ne("") & ~values.isin(allowed), f"not in {where}", values)


def _idtext(s: pd.Series) -> pd.Series:
    """Identifier values as SUPP-- IDVARVAL holds them: numbers without a trailing ".0"."""
    if pd.api.types.is_numeric_dtype(s):
        whole = s.notna() & (s == s.round())
        as_int = s.where(whole).astype("Int64").astype("str")
        return as_int.where(whole, s.astype("str")).where(s.notna(), "")
    return text(s)


@check("supp_parent")
def supp_parent(t: Target) -> list[Hit]:
    """SUPP--, CO and RELREC records point at parent records: RDOMAIN's record with IDVAR = IDVARVAL for the
    subject, or (IDVAR empty) the subject in RDOMAIN (SDTMIG 8.4; CDISC CORE-000206)."""
    need = {"RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL"}
    if not need <= set(t.df.columns):
        return []
    # identifiers compare without padding (SAS put() leaves leading blanks in IDVARVAL)
    df = pd.DataFrame({c: t.text(c).str.strip() for c in need}, index=t.df.index)
    record = df["IDVAR"].ne("") & df["IDVARVAL"].ne("")
    subject = df["IDVAR"].eq("") & df["USUBJID"].ne("")
    found = ~(record | subject)  # dataset-level relationships (RELREC without USUBJID) are not checked here
    for (rdomain, idvar), grp in df[record | subject].groupby(["RDOMAIN", "IDVAR"], sort=False):
        parent = t.study.datasets.get(rdomain)
        if parent is None or "USUBJID" not in parent.columns or (idvar and idvar not in parent.columns):
            continue
        if idvar:
            keys = pd.MultiIndex.from_arrays([text(parent["USUBJID"]).str.strip(), _idtext(parent[idvar]).str.strip()])
            ok = pd.MultiIndex.from_arrays([grp["USUBJID"], grp["IDVARVAL"]]).isin(keys)
        else:
            ok = grp["USUBJID"].isin(set(text(parent["USUBJID"]).str.strip())).to_numpy()
        found.loc[grp.index] = ok
    shown = df["RDOMAIN"] + " " + df["USUBJID"] + " " + df["IDVAR"] + "=" + df["IDVARVAL"]
    return hit("IDVARVAL", ~found, "no parent record", shown)
