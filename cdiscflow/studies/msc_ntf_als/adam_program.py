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

from cdiscflow.adam.baseline import derive_var_ablfl, derive_var_base, derive_var_chg, derive_var_pchg, derive_var_shift
from cdiscflow.adam.categorize import derive_var_decode, derive_vars_cat
from cdiscflow.adam.dates import derive_vars_dt, derive_vars_dtm, derive_vars_dtm_to_dt, derive_vars_dy
from cdiscflow.adam.duration import derive_var_duration
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import (derive_var_extreme_flag, derive_var_flag_condition, derive_var_trtemfl,
                                  derive_var_worst_flag)
from cdiscflow.adam.merge import derive_vars_merged, derive_vars_trt_dates
from cdiscflow.adam.params import derive_param_computed, derive_param_slope
from cdiscflow.adam.ranges import derive_var_anrind
from cdiscflow.adam.records import derive_locf_records
from cdiscflow.adam.visits import derive_var_anl_flag
from cdiscflow.errors import DerivationError
from cdiscflow.registry import register
from cdiscflow.studies.msc_ntf_als.adam_derive import (derive_param_rate_from_base, derive_var_best_of,
                                                       derive_vars_avisit, derive_vars_criteria, drop_inner_locf)

SUBJ = "USUBJID"


# -- shared steps ----------------------------------------------------------------------------------------
def _sdtm(ctx: AdamContext, source: Mapping[str, Any]) -> pd.DataFrame:
    """The SDTM records a spec's ``source`` selects (``{domain: QS, filter: "QSCAT == 'ALSFRS-R'"}``)."""
    df = ctx.sdtm(source["domain"])
    if source.get("filter"):
        from cdiscflow.adam._util import condition
        df = df[condition(df, source["filter"])]
    return df.copy()


def _adsl_vars(ctx: AdamContext, df: pd.DataFrame) -> pd.DataFrame:
    """ADSL variables named in ``settings.adsl_vars`` (``{new: ADSL name}``), records of ADSL subjects only."""
    merged = derive_vars_merged(df, ctx.needs("ADSL"), SUBJ, new_vars=ctx.settings["adsl_vars"], exist_flag="__IN")
    return merged[merged["__IN"] == "Y"].drop(columns="__IN")


def _with_trt_start(df: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    return derive_vars_merged(df, adsl[[SUBJ, "TRTSDT"]], SUBJ, new_vars=["TRTSDT"])


def findings_bds(ctx: AdamContext, settings: Mapping[str, Any], adsl: pd.DataFrame) -> pd.DataFrame:
    """A BDS of one SDTM findings source with visits, baseline, change, slope parameters and responders.

    Steps (each a library/study derivation, constants from ``settings``): parameters from the source
    (``source``: domain, filter, testcd/result/dtc columns, ``params`` PARAM/PARAMN per PARAMCD); computed
    parameters (``computed``: sums of items); ADT/ADY against TRTSDT; AVISIT/AVISITN from the nominal visit;
    ABLFL = last non-missing value on or before TRTSDT; ``slope``: the pre-treatment slope (``pre_visit`` →
    baseline, endpoints, per month) as the baseline record of the slope parameter and the post-treatment
    slope (baseline → each post-baseline visit) as its post-baseline records; BASE/CHG (CHG of the slope
    parameter = slope change post − pre); trailing LOCF of the slope (DTYPE = LOCF); ``criteria`` on the
    post-baseline slope records; ANL01FL.
    """
    src = settings["source"]
    raw = _sdtm(ctx, src)
    df = pd.DataFrame({SUBJ: raw[SUBJ], "PARAMCD": raw[src["testcd"]], "AVAL": pd.to_numeric(raw[src["result"]]),
                       "VISITNUM": raw["VISITNUM"], "__DTC": raw[src["dtc"]]})
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
    return derive_param_rate_from_base(df, SUBJ, src, code, per=per, filter="AVISITN > 0")


def _trailing_locf(df: pd.DataFrame, settings: Mapping[str, Any]) -> pd.DataFrame:
    """Slopes carried forward to the expected follow-up visits after a participant's last assessment."""
    code = settings["slope"]["paramcd"]
    visits = pd.DataFrame(settings["visits"])
    expected = visits.loc[visits["AVISITN"] > 0, ["AVISIT", "AVISITN", "VISITNUM"]].assign(PARAMCD=code)
    expected = expected.astype({"AVISITN": "float64", "VISITNUM": "float64"})
    df = df.assign(DTYPE="")
    out = derive_locf_records(df, expected, [SUBJ, "PARAMCD"], "AVISITN",
                              filter=f"PARAMCD == {code!r} and AVISITN > 0", tie_order=["ADT"])
    return drop_inner_locf(out, [SUBJ, "PARAMCD"])


def _bds_settings(ctx: AdamContext, name: str) -> Mapping[str, Any]:
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
    # ALS history
    hist = st["als_history"]
    mh = _sdtm(ctx, hist["source"])
    mh = derive_vars_dt(mh, "DIAG", "MHSTDTC")
    df = derive_vars_merged(df, mh, SUBJ, new_vars={"DIAGDT": "DIAGDT"})
    for new, (qnam_source, qnam) in hist["supp"].items():
        supp = ctx.sdtm(qnam_source)
        df = derive_vars_merged(df, supp, SUBJ, new_vars={new: "QVAL"}, filter=f"QNAM == {qnam!r}")
    df = derive_vars_dt(df, "SYMP", "__SYMPDTC") if "__SYMPDTC" in df.columns else df
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
