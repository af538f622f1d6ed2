"""ADaM programs of the built-in MSC-NTF ALS study: ADSL, ADAE, ADQSFRS, ADSVC, ADHHD, ADLB, ADCSF.

Every study constant (visit table, thresholds, category tables, decodes, criteria, SDTM selections) lives in the
spec's ``settings`` (``specs/adam/<name>.yaml``) with the method text that define.xml shows; the programs
only chain derivations of :mod:`cdiscflow.adam` and the study derivations of
:mod:`cdiscflow.studies.msc_ntf_als.adam_derive`. The rules are the paper's (Berry et al., Neurology 2019):
months = days / 30.4375; ALSFRS-R baseline = the pre-dose Transplant-visit assessment; pre-treatment slope
screening → baseline; post-treatment slope baseline → each follow-up week; slope change = post − pre;
slopes carried forward only after a participant's last assessment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.adam.baseline import (
    derive_var_ablfl,
    derive_var_base,
    derive_var_chg,
    derive_var_pchg,
    derive_var_shift,
)
from cdiscflow.adam.categorize import derive_var_decode, derive_vars_cat
from cdiscflow.adam.dates import derive_vars_dt, derive_vars_dtm, derive_vars_dtm_to_dt, derive_vars_dy
from cdiscflow.adam.duration import derive_var_count, derive_var_duration
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import (
    derive_var_extreme_flag,
    derive_var_flag_condition,
    derive_var_trtemfl,
    derive_var_worst_flag,
)
from cdiscflow.adam.merge import derive_vars_merged, derive_vars_trt_dates
from cdiscflow.adam.params import derive_param_computed, derive_param_rate_from_base, derive_param_slope
from cdiscflow.adam.ranges import derive_var_anrind
from cdiscflow.adam.recordcount import Source, source_records
from cdiscflow.adam.records import derive_locf_records
from cdiscflow.adam.visits import derive_var_anl_flag
from cdiscflow.errors import DerivationError
from cdiscflow.registry import register

from .adam_derive import (
    derive_var_best_of,
    derive_vars_avisit,
    derive_vars_criteria,
)

SUBJ = "USUBJID"


# -- shared steps ----------------------------------------------------------------------------------------
def _sdtm(ctx: AdamContext, source: Mapping[str, Any]) -> pd.DataFrame:
    """The SDTM records a spec's ``source`` selects (``{domain: QS, filter: "QSCAT == 'ALSFRS-R'"}``)."""
    return source_records(Source(source["domain"], source.get("filter")), ctx.sdtm).copy()


def _adsl_vars(ctx: AdamContext, df: pd.DataFrame) -> pd.DataFrame:
    """ADSL variables named in ``settings.adsl_vars`` (``{new: ADSL name}``); only records of the ADSL subjects
    the spec's ``settings.selection`` keeps (e.g. ``{on: ADSL, where: "RANDFL == 'Y'"}``) are kept."""
    adsl = ctx.select(ctx.needs("ADSL"))
    merged = derive_vars_merged(df, adsl, SUBJ, new_vars=ctx.settings["adsl_vars"], exist_flag="__IN")
    return merged[merged["__IN"] == "Y"].drop(columns="__IN")


def _with_trt_start(df: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """TRTSDT (the reference date of ADY and baseline) merged from ADSL."""
    return derive_vars_merged(df, adsl[[SUBJ, "TRTSDT"]], SUBJ, new_vars=["TRTSDT"])


def _source_records(ctx: AdamContext, src: Mapping[str, Any]) -> pd.DataFrame:
    """USUBJID, PARAMCD, AVAL, VISITNUM, the ISO date (``__DTC``) and SRCDOM/SRCSEQ of the SDTM records."""
    raw = _sdtm(ctx, src)
    return pd.DataFrame({SUBJ: raw[SUBJ], "PARAMCD": raw[src["testcd"]], "AVAL": pd.to_numeric(raw[src["result"]]),
                         "VISITNUM": raw["VISITNUM"], "__DTC": raw[src["dtc"]], "SRCDOM": src["domain"],
                         "SRCSEQ": raw[f"{src['domain']}SEQ"]})


def findings_bds(ctx: AdamContext, settings: Mapping[str, Any], adsl: pd.DataFrame,
                 records: pd.DataFrame | None = None) -> pd.DataFrame:
    """A BDS of one SDTM findings source with visits, baseline, change, slope parameters and responders.

    Steps (each a library/study derivation, constants from ``settings``): parameters from the source
    (``source``: domain, filter, testcd/result/dtc columns, ``params`` PARAM/PARAMN per PARAMCD; or
    ``records`` already in that shape: USUBJID, PARAMCD, AVAL, VISITNUM, ``__DTC``); computed
    parameters (``computed``: sums of items); ADT/ADY against TRTSDT; AVISIT/AVISITN from the nominal visit;
    ABLFL = last non-missing value on or before TRTSDT; ``slope``: the pre-treatment slope (``pre_visit`` →
    baseline, endpoints, per month) as the baseline record of the slope parameter and the post-treatment
    slope (baseline → each post-baseline visit) as its post-baseline records; BASE/CHG (CHG of the slope
    parameter = slope change post − pre); trailing LOCF of the slope (DTYPE = LOCF); ``criteria`` on the
    post-baseline slope records; ANL01FL.
    """
    df = _source_records(ctx, settings["source"]) if records is None else records
    df = df[df["PARAMCD"].isin(list(settings["params"]))]
    for comp in settings.get("computed", []):
        df = derive_param_computed(df, [SUBJ, "VISITNUM", "__DTC"], comp["parameters"], comp["formula"],
                                   comp["paramcd"])
    df = _with_trt_start(df, adsl)
    df = derive_vars_dt(df, "A", "__DTC").drop(columns="__DTC")
    df = derive_vars_dy(df, "TRTSDT", {"ADY": "ADT"})
    df = derive_vars_avisit(df, settings["visits"])
    df = df[df["AVISIT"] != ""]
    df = derive_var_ablfl(df, [SUBJ, "PARAMCD"], ["ADT"])
    slope = settings.get("slope")
    if slope:
        df = _slope_params(df, slope)
    df = derive_var_base(df, [SUBJ, "PARAMCD"])
    df = derive_var_chg(df, filter="AVISITN > 0")
    df = df.assign(DTYPE="")
    if slope:
        df = _trailing_locf(df, settings)
        df = derive_vars_criteria(df, settings.get("criteria", []),
                                  applies=f"PARAMCD == {slope['paramcd']!r} and AVISITN > 0")
    df = derive_var_decode(df, "PARAMCD", "PARAM", {k: v["param"] for k, v in _all_params(settings).items()})
    df = derive_var_decode(df, "PARAMCD", "PARAMN", {k: v["n"] for k, v in _all_params(settings).items()})
    df = derive_var_anl_flag(df, [SUBJ, "PARAMCD", "AVISITN"], rule="last", order=["ADT"],
                             filter="AVISIT != '' and present(AVAL)")
    return df.sort_values([SUBJ, "PARAMN", "AVISITN", "DTYPE"], kind="mergesort").reset_index(drop=True)


def _all_params(settings: Mapping[str, Any]) -> dict[str, dict]:
    """PARAMCD → ``{param, n}`` of the collected, computed and slope parameters of a BDS spec."""
    out = dict(settings["params"])
    for comp in settings.get("computed", []):
        out[comp["paramcd"]] = comp
    if settings.get("slope"):
        out[settings["slope"]["paramcd"]] = settings["slope"]
    return out


def _slope_params(df: pd.DataFrame, slope: Mapping[str, Any]) -> pd.DataFrame:
    """Pre-treatment slope (baseline record) and post-treatment slopes of ``slope['source']``."""
    src, code, per = slope["source"], slope["paramcd"], float(slope["days_per_month"])
    pre_filter = f"PARAMCD == {src!r} and (AVISIT == {slope['pre_visit']!r} or ABLFL == 'Y')"
    df = derive_param_slope(df, SUBJ, code, x="ADT", method="endpoints", per=per, filter=pre_filter,
                            set_values={"ABLFL": "Y"})
    pre = (df["PARAMCD"] == code) & (df["ABLFL"] == "Y")
    base_rec = df.loc[(df["PARAMCD"] == src) & (df["ABLFL"] == "Y")].set_index(SUBJ)
    for col in ("ADT", "ADY", "AVISIT", "AVISITN", "VISITNUM", "TRTSDT"):
        df.loc[pre, col] = df.loc[pre, SUBJ].map(base_rec[col]).to_numpy()
    # a pre-treatment slope needs both the pre-treatment visit and a baseline on/before treatment start
    df = df[~pre | df["ADT"].notna()]
    return derive_param_rate_from_base(df, SUBJ, src, code, per=per, filter="AVISITN > 0",
                                       clear=("BASE", "CHG", "ABLFL", "SRCDOM", "SRCSEQ"))


def _trailing_locf(df: pd.DataFrame, settings: Mapping[str, Any]) -> pd.DataFrame:
    """Slopes carried forward to the expected follow-up visits after a participant's last assessment."""
    code = settings["slope"]["paramcd"]
    visits = pd.DataFrame(settings["visits"])
    expected = visits.loc[visits["AVISITN"] > 0, ["AVISIT", "AVISITN", "VISITNUM"]].assign(PARAMCD=code)
    expected = expected.astype({"AVISITN": "float64", "VISITNUM": "float64"})
    return derive_locf_records(df, expected, [SUBJ, "PARAMCD"], "AVISITN", tie_order=["ADT"],
                               filter=f"PARAMCD == {code!r} and AVISITN > 0", after_last_only=True)


def _als_history(ctx: AdamContext, df: pd.DataFrame, hist: Mapping[str, Any]) -> pd.DataFrame:
    """Variables of the primary-diagnosis record (``{var: MHxxx}``) and its SUPP qualifiers (``{qnam: X}``)."""
    rec = _sdtm(ctx, hist)
    supp = ctx.sdtm(f"SUPP{hist['domain']}")
    seq = f"{hist['domain']}SEQ"
    ids = rec[[SUBJ, seq]].assign(IDVARVAL=rec[seq].map("{:.0f}".format))
    for new, rule in hist["vars"].items():
        if "var" in rule:
            df = derive_vars_merged(df, rec, SUBJ, new_vars={new: rule["var"]})
        else:
            quals = supp[supp["QNAM"] == rule["qnam"]].merge(ids, on=[SUBJ, "IDVARVAL"], how="inner")
            df = derive_vars_merged(df, quals, SUBJ, new_vars={new: "QVAL"})
    return df


def _bds_settings(ctx: AdamContext, name: str) -> Mapping[str, Any]:
    """The settings of another ADaM spec (ADSL derives its baseline values with the BDS settings)."""
    spec = ctx.study.adam_specs.get(name) or ctx.study.adam_specs.get(name.lower())
    if spec is None:
        raise DerivationError(f"{ctx.spec.name} needs the settings of {name}, which has no spec",
                              file=ctx.spec.file, expected=f"specs/adam/{name.lower()}.yaml")
    return spec.settings


# -- ADSL ------------------------------------------------------------------------------------------------
@register("adam", "msc_ntf_als_adsl")
def adsl(ctx: AdamContext) -> pd.DataFrame:
    """ADSL: one record per participant in DM (screened), population flags, subgroups, baseline values."""
    st = ctx.settings
    dm = ctx.sdtm("DM")
    df = dm.assign(TRT01P=dm["ARM"], TRT01A=dm["ACTARM"])
    df = derive_var_decode(df, "TRT01P", "TRT01PN", st["decodes"]["TRT01PN"])
    df = derive_var_decode(df, "TRT01A", "TRT01AN", st["decodes"]["TRT01PN"])
    df = derive_vars_trt_dates(df, ctx.sdtm("EX"), start="EXSTDTC", end="EXENDTC")
    df = derive_vars_dt(df, "RFIC", "RFICDTC")
    rand = _sdtm(ctx, st["randomization"])
    df = derive_vars_merged(df, derive_vars_dt(rand, "RAND", st["randomization"]["dtc"]), SUBJ, new_vars=["RANDDT"])
    # disposition
    ds = _sdtm(ctx, st["disposition"])
    ds = derive_vars_dt(ds, "EOS", "DSSTDTC")
    df = derive_vars_merged(df, ds, SUBJ, new_vars={"EOSDT": "EOSDT", "__DSDECOD": "DSDECOD", "__DSTERM": "DSTERM"})
    df = derive_vars_cat(df, "__DSDECOD", st["categories"]["EOSSTT"], "EOSSTT")
    df["DCSREAS"] = df["__DSDECOD"].where(df["EOSSTT"] == "DISCONTINUED", "")
    df["DCSREASP"] = df["__DSTERM"].where(df["EOSSTT"] == "DISCONTINUED", "")
    # ALS history (primary diagnosis record and its supplemental qualifiers)
    df = _als_history(ctx, df, st["als_history"])
    df = derive_vars_dt(df, "DIAG", "DIAGDTC")
    df = derive_vars_dt(df, "SYMP", "SYMPDTC")
    df = derive_var_decode(df, "ELESCRL", "ELESCRLN", st["decodes"]["ELESCRLN"])
    df = derive_var_duration(df, "DURDIAG", "DIAGDT", "RFICDT", unit="months", add_one=False)
    df = derive_var_duration(df, "DURSYMP", "SYMPDT", "RFICDT", unit="months", add_one=False)
    # baseline ALSFRS-R and SVC, pre-treatment change and slope (same derivation as ADQSFRS/ADSVC)
    for name, targets in st["from_bds"].items():
        bds = findings_bds(ctx, _bds_settings(ctx, name), df)
        for new, rule in targets.items():
            df = derive_vars_merged(df, bds, SUBJ, new_vars={new: rule["var"]}, filter=rule["filter"])
    df["FRSPRECH"] = df["FRSBL"] - df["FRSSCR"]
    df["MOTPRECH"] = df["MOTBL"] - df["MOTSCR"]
    for var, table in st["subgroups"].items():
        df = derive_vars_cat(df, table["source"], table["categories"], var, f"{var}N")
    # populations (spec conditions, in order)
    for flag, cond in st["populations"].items():
        df = derive_var_flag_condition(df, flag, cond, false_value="N")
    return df.sort_values(SUBJ, kind="mergesort")


# -- ADAE ------------------------------------------------------------------------------------------------
@register("adam", "msc_ntf_als_adae")
def adae(ctx: AdamContext) -> pd.DataFrame:
    """ADAE: one record per AE; analysis dates, TRTEMFL, AREL, ASEV, grouping, occurrence flags."""
    st = ctx.settings
    df = _adsl_vars(ctx, ctx.sdtm("AE"))
    df = derive_vars_dtm(df, "AST", "AESTDTC", highest_imputation="M", flag_imputation="both", min_dates=["TRTSDTM"])
    df = derive_vars_dtm(df, "AEN", "AEENDTC", highest_imputation="M", date_imputation="last",
                         time_imputation="last", flag_imputation="both")
    df = derive_vars_dtm_to_dt(df, ["ASTDTM", "AENDTM"])
    df = derive_vars_dy(df, "TRTSDT", ["ASTDT", "AENDT"])
    df = derive_var_duration(df, "ADURN", "ASTDT", "AENDT", unit_var="ADURU", unit_text="DAYS")
    df = derive_var_trtemfl(df, start_date="ASTDTM", end_date="AENDTM", trt_start_date="TRTSDTM",
                            trt_end_date=None, missing_start_emergent=True)
    df = derive_var_decode(df, "AEREL", "AREL", st["decodes"]["AREL"])
    df = derive_var_decode(df, "AREL", "ARELN", st["decodes"]["ARELN"])
    df = derive_var_decode(df, "AETOXGR", "ASEV", st["decodes"]["ASEV"])
    df = derive_var_decode(df, "ASEV", "ASEVN", st["decodes"]["ASEVN"])
    df = derive_vars_cat(df, "AEDECOD", st["categories"]["AEGRP1"], "AEGRP1")
    df["AEGRP1"] = df["AEGRP1"].where(df["AEGRP1"] != "", df["AEDECOD"])
    order = ["ASTDTM", "AESEQ"]
    for item in st["occurrence_flags"]:
        df = derive_var_extreme_flag(df, [SUBJ, *item.get("by", [])], order, item["name"], filter=item["filter"])
    for item in st["worst_flags"]:
        df = derive_var_worst_flag(df, [SUBJ, *item.get("by", [])], item["source"], item["name"], worst="high",
                                   order=order, filter=item["filter"])
    return df.sort_values([SUBJ, "AESEQ"], kind="mergesort")


# -- BDS of findings with slopes: ADQSFRS, ADSVC --------------------------------------------------------
def _slopes_program(ctx: AdamContext) -> pd.DataFrame:
    """A findings BDS (see :func:`findings_bds`) with the ADSL variables of the spec merged on."""
    return _adsl_vars(ctx, findings_bds(ctx, ctx.settings, ctx.needs("ADSL")))


@register("adam", "msc_ntf_als_adqsfrs")
def adqsfrs(ctx: AdamContext) -> pd.DataFrame:
    """ADQSFRS: ALSFRS-R items, total, motor subscore and slopes with responder criteria."""
    return _slopes_program(ctx)


@register("adam", "msc_ntf_als_adsvc")
def adsvc(ctx: AdamContext) -> pd.DataFrame:
    """ADSVC: slow vital capacity (% predicted) and its pre-/post-treatment slopes."""
    return _slopes_program(ctx)


# -- ADHHD -----------------------------------------------------------------------------------------------
@register("adam", "msc_ntf_als_adhhd")
def adhhd(ctx: AdamContext) -> pd.DataFrame:
    """ADHHD: injected vs non-injected arm strength (hand-held dynamometry) by visit and their slopes."""
    st = ctx.settings
    src = st["source"]
    mk = _sdtm(ctx, src)
    supp = ctx.sdtm(f"SUPP{src['domain']}")
    supp = supp[supp["QNAM"] == src["injected_qnam"]].assign(__SEQ=lambda d: pd.to_numeric(d["IDVARVAL"]))
    mk = derive_vars_merged(mk, supp, [SUBJ, src["seq"]], by_add=[SUBJ, "__SEQ"], new_vars={"__INJ": "QVAL"})
    # best trial per muscle, side and visit; injected = the muscles given the IM injections (SUPPMK = Y),
    # non-injected = the same muscles on the other arm
    mk = derive_var_best_of(mk, [SUBJ, "VISITNUM", src["loc"], src["lat"]], src["result"], "__BEST", fun=src["trials"])
    inj_loc = mk.loc[mk["__INJ"] == "Y", [SUBJ, src["loc"]]].drop_duplicates().assign(__ARM=True)
    mk = mk.merge(inj_loc, on=[SUBJ, src["loc"]], how="inner")
    mk["PARAMCD"] = np.where(mk["__INJ"] == "Y", st["arm_params"]["injected"], st["arm_params"]["non_injected"])
    records = (mk.groupby([SUBJ, "PARAMCD", "VISITNUM", src["dtc"]], as_index=False)["__BEST"].sum()
               .rename(columns={"__BEST": "AVAL", src["dtc"]: "__DTC"}))
    df = findings_bds(ctx, st, ctx.needs("ADSL"), records)
    sl = st["slopes"]
    for code, source in sl["params"].items():
        df = derive_param_slope(df, SUBJ, code, x="ADT", method="ols", per=float(sl["days_per_month"]),
                                filter=f"PARAMCD == {source!r} and AVISITN >= 0 and ANL01FL == 'Y'",
                                set_values=sl["visit"])
    diff = sl["difference"]
    df = derive_param_computed(df, SUBJ, diff["parameters"], diff["formula"], diff["paramcd"], set_values=sl["visit"])
    names = {**st["params"], **sl["names"]}
    df = derive_var_decode(df, "PARAMCD", "PARAM", {k: v["param"] for k, v in names.items()})
    df = derive_var_decode(df, "PARAMCD", "PARAMN", {k: v["n"] for k, v in names.items()})
    df["ANL01FL"] = df["ANL01FL"].where(df["PARAMCD"].isin(list(st["params"])), "Y")
    df = df.sort_values([SUBJ, "PARAMN", "AVISITN"], kind="mergesort")
    return _adsl_vars(ctx, df)


# -- ADLB, ADCSF -----------------------------------------------------------------------------------------
def _lab_records(ctx: AdamContext, st: Mapping[str, Any]) -> pd.DataFrame:
    """LB records of the spec's source with PARAMCD/PARAM/PARCAT1, AVAL/AVALC, ADT(M), ADY, AVISIT."""
    lb = _adsl_vars(ctx, _sdtm(ctx, st["source"]))
    df = lb.assign(PARCAT1=lb["LBCAT"], AVAL=pd.to_numeric(lb["LBSTRESN"]), AVALC=lb["LBSTRESC"], SRCDOM="LB",
                   SRCSEQ=lb["LBSEQ"])
    # PARAMCD = LBTESTCD unless the spec renames a test measured in several specimens (e.g. urine glucose)
    df["PARAMCD"] = df["LBTESTCD"]
    if st.get("paramcd_overrides"):
        df = derive_vars_cat(df, "LBTESTCD", st["paramcd_overrides"], "__PARAMCD")
        df["PARAMCD"] = df["__PARAMCD"].where(df["__PARAMCD"] != "", df["LBTESTCD"])
    specimen = df["LBSPEC"].str.title().where(df["LBSPEC"].isin(st.get("specimen_in_param", [])), "")
    unit = df["LBSTRESU"].where(df["LBSTRESU"] == "", " (" + df["LBSTRESU"] + ")")
    df["PARAM"] = df["LBTEST"] + specimen.where(specimen == "", ", " + specimen) + unit
    df = derive_vars_dtm(df, "A", "LBDTC", highest_imputation="h", flag_imputation="none")
    df = derive_vars_dtm_to_dt(df, ["ADTM"])
    df = derive_vars_dy(df, "TRTSDT", {"ADY": "ADT"})
    df = derive_vars_avisit(df, st["visits"])
    return df[df["AVISIT"] != ""]


@register("adam", "msc_ntf_als_adlb")
def adlb(ctx: AdamContext) -> pd.DataFrame:
    """ADLB: safety laboratory (hematology, chemistry, urinalysis) with ranges, baseline, shifts."""
    st = ctx.settings
    df = _lab_records(ctx, st)
    df = df.assign(A1LO=pd.to_numeric(df["LBSTNRLO"]), A1HI=pd.to_numeric(df["LBSTNRHI"]))
    df = derive_var_anrind(df, low="A1LO", high="A1HI")
    # qualitative results (urinalysis) carry the laboratory's flag: positive = ABNORMAL
    df = derive_vars_cat(df, "LBNRIND", st["categories"]["ANRIND_QUAL"], "__QUAL")
    df["ANRIND"] = df["ANRIND"].where(df["AVAL"].notna(), df["__QUAL"])
    df = derive_var_ablfl(df, [SUBJ, "PARAMCD"], ["ADTM", "LBSEQ"],
                          filter="(present(AVAL) or present(AVALC)) and ADT <= TRTSDT")
    df = derive_var_base(df, [SUBJ, "PARAMCD"])
    df = derive_var_base(df, [SUBJ, "PARAMCD"], source="AVALC", new_var="BASEC")
    df = derive_var_base(df, [SUBJ, "PARAMCD"], source="ANRIND", new_var="BNRIND")
    df = derive_var_chg(df, filter="AVISITN > 0")
    df = derive_var_pchg(df, filter="AVISITN > 0")
    df = derive_var_shift(df, "SHIFT1", "BNRIND", "ANRIND", filter="AVISITN > 0 and present(ANRIND)")
    df = derive_var_anl_flag(df, [SUBJ, "PARAMCD", "AVISITN"], rule="last", order=["ADTM", "LBSEQ"],
                             filter="present(AVAL) or present(AVALC)")
    return df.sort_values([SUBJ, "PARCAT1", "PARAMCD", "AVISITN", "ADTM"], kind="mergesort")


@register("adam", "msc_ntf_als_adcsf")
def adcsf(ctx: AdamContext) -> pd.DataFrame:
    """ADCSF: CSF biomarkers before transplant (baseline) and at Week 2, below-LLOQ rule, paired analysis flag."""
    st = ctx.settings
    df = _lab_records(ctx, st)
    blq = st["below_lloq"]
    df = df.assign(ALLOQ=pd.to_numeric(df[blq["lloq"]]))
    below = df["AVAL"].isna() & df["AVALC"].str.startswith("<")
    df["AVAL"] = df["AVAL"].where(~below, df["ALLOQ"] * float(blq["factor"]))
    df["DTYPE"] = np.where(below, blq["dtype"], "")
    df = derive_var_ablfl(df, [SUBJ, "PARAMCD"], ["ADTM"], filter="present(AVAL) and ADTM < TRTSDTM")
    df = derive_var_base(df, [SUBJ, "PARAMCD"])
    df = derive_var_chg(df, filter="AVISITN > 0")
    df = derive_var_pchg(df, filter="AVISITN > 0")
    # paired samples only (paper): a baseline and a post-transplant result of the same analyte
    df = derive_var_count(df, [SUBJ, "PARAMCD"], "__NPOST", filter="AVISITN > 0 and present(AVAL)")
    df = derive_var_flag_condition(df, "ANL01FL", "present(BASE) and __NPOST > 0 and (ABLFL == 'Y' or present(CHG))")
    return df.sort_values([SUBJ, "PARAMCD", "AVISITN"], kind="mergesort")
