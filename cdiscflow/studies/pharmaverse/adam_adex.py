"""ADEX (exposure) from pharmaversesdtm EX, in the order of admiral's template ``inst/templates/ad_adex.R``.

Part 1 dates and durations per EX record; part 2 one record per EX record and parameter (duration, dose,
planned dose, adjustment flags); part 3 summary parameters per period (``derive_param_exposure``), dose
intensity (``derive_param_doseint``) and average daily dose (``derive_param_computed``); part 4 PARAM, AVALCAT1,
ASEQ and ADSL. The template's made-up dose adjustments and planned doses, the parameter lists and the lookups
are the spec's ``settings``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam._util import condition
from cdiscflow.adam.categorize import derive_vars_cat
from cdiscflow.adam.dates import derive_vars_dtm, derive_vars_dtm_to_dt, derive_vars_dy
from cdiscflow.adam.duration import derive_vars_duration
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.adam.params import derive_param_computed, derive_param_doseint, derive_param_exposure
from cdiscflow.adam.records import derive_var_obs_number
from cdiscflow.registry import register
from cdiscflow.studies.pharmaverse.adam_advs import blanks, merge_adsl_rest

ADSL_VARS = ["TRTSDT", "TRTSDTM", "TRTEDTM"]
SUBJECT = ["STUDYID", "USUBJID", *ADSL_VARS]
PERIOD = [*SUBJECT, "PARCAT1", "ASTDTM", "ASTDT", "AENDTM", "AENDT"]


def _with_adjustments(ex: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """EXADJ/EXDOSE of ``settings.dose_adjustments`` (first matching condition) and EXPLDOS."""
    adjustments = settings["dose_adjustments"]
    masks = [condition(ex, a["condition"]).to_numpy() for a in adjustments]
    exadj = np.select(masks, [a["EXADJ"] for a in adjustments], default="")
    exdose = np.select(masks, [float(a["EXDOSE"]) for a in adjustments], default=np.nan)
    planned = settings["planned_dose"]
    return ex.assign(EXADJ=exadj, EXDOSE=ex["EXDOSE"].where(np.isnan(exdose), exdose),
                     EXPLDOS=np.where(condition(ex, planned["condition"]), float(planned["true"]),
                                      float(planned["false"])))


def _individual(adex0: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """One record per EX record and parameter: AVAL from a variable or AVALC "Y" where a condition holds."""
    parts = [adex0.assign(PARAMCD=code, AVAL=adex0[var], AVALC="") for code, var in spec["aval"].items()]
    parts += [adex0.assign(PARAMCD=code, AVAL=np.nan, AVALC=np.where(condition(adex0, cond), "Y", ""))
              for code, cond in spec["avalc"].items()]
    return pd.concat(parts, ignore_index=True).assign(PARCAT1=spec["parcat1"])


@register("adam", "pharmaverse_adex")
def adex(ctx: AdamContext) -> pd.DataFrame:
    """ADEX: per-EX-record parameters (INDIVIDUAL) and per-period summaries, dose intensity and average dose."""
    st = ctx.settings
    adsl = ctx.needs("ADSL")
    df = _with_adjustments(blanks(ctx.sdtm("EX")), st)
    df = derive_vars_merged(df, adsl, ["STUDYID", "USUBJID"], new_vars=ADSL_VARS)
    df = derive_vars_dtm(df, "AST", "EXSTDTC", highest_imputation="M")
    df = derive_vars_dtm(df, "AEN", "EXENDTC", highest_imputation="M", date_imputation="last")
    df = derive_vars_dy(df, "TRTSDTM", {"ASTDY": "ASTDTM", "AENDY": "AENDTM"})
    df = derive_vars_dtm_to_dt(df, ["ASTDTM", "AENDTM"])
    df = derive_vars_duration(df, "EXDURD", "ASTDT", "AENDT")  # floor_in: the days of ASTDTM/AENDTM
    df = df.assign(DOSEO=df["EXDOSE"] * df["EXDURD"], PDOSEO=df["EXPLDOS"] * df["EXDURD"])
    individual = _individual(df, st["individual"])
    out = individual
    for period in st["periods"]:
        for code, source in period["parameters"].items():
            summary = {"AVAL": "sum"} if source in st["individual"]["aval"] else {"AVALC": "max"}  # any "Y"
            out = derive_param_exposure(out, individual, SUBJECT, source, paramcd=code, summaries=summary,
                                        filter=period.get("filter"), set_values={"PARCAT1": period["parcat1"]})
    for code, (given, planned) in st["dose_intensity"].items():
        out = derive_param_doseint(out, PERIOD, paramcd=code, tadm_code=given, tpadm_code=planned)
    for code, (dose, days) in st["average_daily_dose"].items():
        out = derive_param_computed(out, PERIOD, [dose, days], f"{dose} / {days}", code)
    params = pd.DataFrame([[c, p, float(n)] for c, (p, n) in st["parameters"].items()],
                          columns=["PARAMCD", "PARAM", "PARAMN"])
    out = derive_vars_merged(out, params, "PARAMCD")
    out = derive_vars_cat(out, "AVAL", st["avalcat1"], "AVALCAT1")
    out = derive_var_obs_number(out, ["STUDYID", "USUBJID"], ["PARCAT1", "ASTDT", "VISIT", "VISITNUM", "EXSEQ",
                                                               "PARAMN"], check_unique=True)
    return merge_adsl_rest(out, adsl, ADSL_VARS)
