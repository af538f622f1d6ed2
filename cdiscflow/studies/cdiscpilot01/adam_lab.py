"""CDISC pilot (CDISCPILOT01) laboratory ADaM programs: ADLBC, ADLBH and ADLBHY from the pilot's SDTM LB.

ADLBC (chemistry) and ADLBH (hematology) are one program with each spec's ``settings`` (category, parameters,
visits, range factors): per the define, each LB record gives a parameter with AVAL = LBSTRESN and, for every
parameter, a second one (``_`` + LBTESTCD, PARAMN + 100) holding the change from the previous scheduled visit
relative to the normal range, (LBSTRESN − previous LBSTRESN) / (½ (LBSTNRHI − LBSTNRLO)). ANRIND compares with
0.5 × LLN and 1.5 × ULN (±1 for the change parameters), ALBTRVAL is the distance to the nearer of those limits,
ANL01FL flags the largest ALBTRVAL (|AVAL| for the change parameters) of visits 4–12, AENTMTFL the last
on-treatment value, which is copied as the End of Treatment visit. ADLBHY takes ALT, AST and BILI from ADLBC
and adds the Hy's law parameters of each visit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam._util import condition
from cdiscflow.adam.baseline import (
    derive_var_analysis_ratio,
    derive_var_base,
    derive_var_chg,
    derive_var_shift,
)
from cdiscflow.adam.categorize import derive_var_decode
from cdiscflow.adam.criteria import derive_vars_crit_flag
from cdiscflow.adam.dates import derive_vars_dt
from cdiscflow.adam.duration import sas_round
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_flag_condition
from cdiscflow.adam.joined import derive_vars_joined
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.adam.params import derive_param_computed
from cdiscflow.adam.ranges import derive_var_anrind
from cdiscflow.adam.records import derive_extreme_records
from cdiscflow.registry import register

ADSL_VARS = {"SUBJID": "SUBJID", "TRTP": "TRT01P", "TRTPN": "TRT01PN", "TRTA": "TRT01A", "TRTAN": "TRT01AN",
             "TRTSDT": "TRTSDT", "TRTEDT": "TRTEDT", "AGE": "AGE", "AGEGR1": "AGEGR1", "AGEGR1N": "AGEGR1N",
             "RACE": "RACE", "RACEN": "RACEN", "SEX": "SEX", "COMP24FL": "COMP24FL", "DSRAEFL": "DSRAEFL",
             "SAFFL": "SAFFL"}
BY = ["USUBJID", "PARAMCD"]


def _indicator(df: pd.DataFrame, decode: dict, missing: str = "", **ranges: object) -> pd.Series:
    """ANRIND in the spec's terms (``decode``: LOW/NORMAL/HIGH → the codelist's L/N/H; ``missing`` where the
    library gives none, e.g. no value)."""
    ind = derive_var_anrind(df, **ranges)  # type: ignore[arg-type]
    return derive_var_decode(ind, "ANRIND", "__IND", decode)["__IND"].replace("", missing)


def param_decodes(df: pd.DataFrame, params: dict) -> pd.DataFrame:
    """PARAM and PARAMN of each PARAMCD (settings ``parameters``: ``{PARAMCD: [PARAM, PARAMN]}``)."""
    df = derive_var_decode(df, "PARAMCD", "PARAM", {k: v[0] for k, v in params.items()})
    return derive_var_decode(df, "PARAMCD", "PARAMN", {k: v[1] for k, v in params.items()})


def _values(df: pd.DataFrame, st: dict) -> pd.DataFrame:
    """The parameters of the LB values: AVAL, ranges, ratios, BASE/CHG, ANRIND/BNRIND, ALBTRVAL."""
    rng = st["notable_range"]
    lln = df["LBSTNRLO"]
    df = df.assign(AVAL=df["LBSTRESN"], A1LO=lln.where(lln != 0) if st["zero_lln_missing"] else lln,
                   A1HI=df["LBSTNRHI"])
    df = derive_var_flag_condition(df, "ABLFL", st["baseline"])
    df = derive_var_base(df, BY)
    df = derive_var_chg(df, filter="ABLFL != 'Y'")
    df = derive_var_analysis_ratio(df, "AVAL", "A1LO")
    df = derive_var_analysis_ratio(df, "AVAL", "A1HI")
    df = derive_var_base(df, BY, source="R2A1LO", new_var="BR2A1LO")
    df = derive_var_base(df, BY, source="R2A1HI", new_var="BR2A1HI")
    ind = _indicator(df, st["anrind"], rng["otherwise"], low="A1LO", high="A1HI", low_factor=rng["low_factor"],
                     high_factor=rng["high_factor"])
    df["ANRIND"] = ind.mask(df["AVAL"].notna() & df["A1HI"].isna(), rng["no_upper_limit"])
    df = derive_var_base(df, BY, source="ANRIND", new_var="BNRIND")
    # ALBTRVAL: how far the value is inside the notable range, from the nearer limit (the pilot's values)
    df["ALBTRVAL"] = np.fmax(rng["high_factor"] * df["LBSTNRHI"] - df["LBSTRESN"],
                             df["LBSTRESN"] - rng["low_factor"] * df["LBSTNRLO"])
    return df


def _changes(df: pd.DataFrame, st: dict) -> pd.DataFrame:
    """The change-from-previous-visit parameters: one per value record, AVAL from the previous scheduled visit."""
    ch = st["change_parameters"]
    prev = derive_vars_joined(df, df, by=BY, order=["VISITNUM"], mode="last", join_type="before",
                              filter_add="present(AVISITN)", new_vars={"__PREV": "LBSTRESN"})
    aval = (prev["LBSTRESN"] - prev["__PREV"]) / (0.5 * (prev["LBSTNRHI"] - prev["LBSTNRLO"]))
    aval = sas_round(aval, ch["digits"]).where(df["AVISITN"].notna() & (df["ABLFL"] != "Y"))
    out = param_decodes(df.assign(PARAMCD=ch["prefix"] + df["PARAMCD"], AVAL=aval), st["parameters"])
    cleared = ["BASE", "CHG", "A1LO", "A1HI", "R2A1LO", "R2A1HI", "BR2A1LO", "BR2A1HI"]
    out = out.assign(**{c: np.nan for c in cleared}, ABLFL="", BNRIND="")
    limits = out.assign(__LO=-ch["normal_limit"], __HI=ch["normal_limit"])
    out["ANRIND"] = _indicator(limits, st["anrind"], low="__LO", high="__HI")
    return out


@register("adam", "cdiscpilot01_adlb")
def adlb(ctx: AdamContext) -> pd.DataFrame:
    """ADLBC / ADLBH (module docstring): the spec's ``settings`` name the LB category and its parameters."""
    st = ctx.settings
    df = derive_vars_merged(ctx.source_records(), ctx.needs("ADSL"), "USUBJID", new_vars=ADSL_VARS,
                            exist_flag="__INADSL")
    df = df[df["__INADSL"] == "Y"]
    visits = st["visits"]
    df = df.assign(PARAMCD=df["LBTESTCD"], PARCAT1=st["parcat1"], ADY=df["LBDY"])
    df = param_decodes(df, st["parameters"])
    df = derive_var_decode(df, "VISIT", "AVISIT", {k: v[0] for k, v in visits.items()}, strict=False)
    df = derive_var_decode(df, "VISIT", "AVISITN", {k: v[1] for k, v in visits.items()}, strict=False)
    df = derive_vars_dt(df, "A", "LBDTC")
    df = _values(df, st)
    anl = st["analysis_flag"]
    changes = _changes(df, st)
    changes = derive_var_extreme_flag(changes.assign(__ABS=changes["AVAL"].abs()), BY, ["-__ABS", "VISITNUM"],
                                      "ANL01FL", filter=anl["changes"])
    df = derive_var_extreme_flag(df, BY, ["-ALBTRVAL", "VISITNUM"], "ANL01FL", filter=anl["values"])
    df = pd.concat([df, changes], ignore_index=True)
    eot = st["end_of_treatment"]
    df = derive_var_extreme_flag(df, BY, ["VISITNUM"], "AENTMTFL", mode="last", filter=eot["from"])
    df = derive_extreme_records(df, BY, ["VISITNUM"], mode="last", filter="AENTMTFL == 'Y'",
                                set_values={"AVISIT": eot["avisit"], "AVISITN": eot["avisitn"]})
    return df.sort_values(["USUBJID", "PARAMN", "AVISITN", "VISITNUM"], kind="mergesort", na_position="last")


@register("adam", "cdiscpilot01_adlbhy")
def adlbhy(ctx: AdamContext) -> pd.DataFrame:
    """ADLBHY (define, data guide): the Hy's law source parameters of ADLBC with CRIT1 (R2A1HI > 1.5), and per
    visit the 0/1 parameters computed from their CRIT1FN (settings ``hy_parameters``, in order), with BASE and
    SHIFT1 (baseline → visit category)."""
    st = ctx.settings
    adsl = ctx.needs("ADSL")
    src = ctx.needs("ADLBC")
    src = src[condition(src, st["records"])].drop(columns=[*ADSL_VARS, "STUDYID"], errors="ignore")
    crit = st["criterion"]
    src = derive_vars_crit_flag(src, 1, crit["condition"], crit["description"], values_yn=True,
                                create_numeric_flag=True)
    visit = ["USUBJID", "AVISIT", "AVISITN", "ABLFL"]  # a derived record is a baseline one when its sources are
    work = src.assign(__FLAG=src["CRIT1FN"])
    for paramcd, hy in st["hy_parameters"].items():
        work = derive_param_computed(work, visit, hy["parameters"], hy["formula"], paramcd, analysis_var="__FLAG",
                                     keep_missing=True, set_values=st["derived_values"])
    derived = work[work["PARAMCD"].isin(list(st["hy_parameters"]))]
    derived = derive_var_base(derived.assign(AVAL=derived["__FLAG"]), BY, filter="present(AVAL)")
    levels, shifts = st["shift_levels"], st["shifts"]
    derived = derived.assign(__FROM=derived["BASE"].map(levels).fillna(""),
                             __TO=derived["AVAL"].map(levels).fillna(""))
    derived = derive_var_shift(derived, "SHIFT1", "__FROM", "__TO")
    derived["SHIFT1"] = derived["SHIFT1"].where(derived["SHIFT1"].isin(list(shifts)), "")
    derived = derive_var_decode(derived, "SHIFT1", "SHIFT1N", shifts)
    df = pd.concat([src, derived], ignore_index=True)
    df = param_decodes(df, st["parameters"])
    df = derive_vars_merged(df, adsl, "USUBJID", new_vars={"STUDYID": "STUDYID", **ADSL_VARS})
    return df.sort_values(["USUBJID", "AVISITN", "PARAMN"], kind="mergesort")
