"""ADPP (pharmacokinetic parameters) from PP, in the order of admiral's ``ad_adpp.R`` template.

One record per PP record: the analysis date from the reference date PPRFDTC and its study day, PARAMCD from
the spec's parameter table (``settings.parameters``: PPTESTCD → PARAMCD; a test code not in it has no
PARAMCD, as the template's left join leaves it), AVAL/AVALU from the standard result, the source record
(SRCDOM/SRCVAR/SRCSEQ), the day as visit, the planned and actual treatment, the categories of
``settings.categories`` (AVALCAT1/AVALCA1N, first matching condition) and the ADSL variables.
"""

from __future__ import annotations

import pandas as pd

from cdiscflow.adam.categorize import derive_vars_cat
from cdiscflow.adam.dates import derive_vars_dt, derive_vars_dy
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.merge import derive_vars_merged
from cdiscflow.registry import register

ADSL_VARS = ["TRTSDT", "TRTEDT", "DTHDT", "EOSDT", "TRT01P", "TRT01A"]
KEYS = ["STUDYID", "USUBJID"]


def derive_adpp(pp: pd.DataFrame, adsl: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """ADPP from SDTM PP and ADSL; ``settings``: ``parameters`` (PPTESTCD → PARAMCD), ``categories``
    (a :func:`~cdiscflow.adam.categorize.derive_vars_cat` table for AVALCAT1/AVALCA1N)."""
    out = derive_vars_merged(pp, adsl, KEYS, new_vars=ADSL_VARS)
    out = derive_vars_dy(derive_vars_dt(out, "A", "PPRFDTC"), "TRTSDT", ["ADT"])
    codes = pd.DataFrame({"PPTESTCD": list(settings["parameters"]), "PARAMCD": list(settings["parameters"].values())})
    out = derive_vars_merged(out, codes, "PPTESTCD", new_vars=["PARAMCD"])
    out = out.assign(PARCAT1=out["PPCAT"], AVAL=out["PPSTRESN"], AVALU=out["PPSTRESU"], SRCDOM=out["DOMAIN"],
                     SRCVAR="SEQ", SRCSEQ=out["PPSEQ"]).drop(columns=["PPSTRESN", "PPSTRESC", "DOMAIN", "PPSEQ"])
    day = out["ADY"].astype("Int64").astype(str).replace("<NA>", "NA")  # R's paste("Day", NA) is "Day NA"
    out = out.assign(AVISITN=out["ADY"], AVISIT="Day " + day, VISITNUM=out["ADY"], VISIT="Day " + day,
                     TRTP=out["TRT01P"], TRTA=out["TRT01A"])
    out = derive_vars_cat(out, "AVAL", settings["categories"], "AVALCAT1", "AVALCA1N")
    rest = [c for c in adsl.columns if c not in ADSL_VARS and c not in KEYS and c not in out.columns]
    return derive_vars_merged(out, adsl, KEYS, new_vars=rest)


@register("adam", "pharmaverse_adpp")
def pharmaverse_adpp(ctx: AdamContext) -> pd.DataFrame:
    """ADPP of the pharmaverse study."""
    return derive_adpp(ctx.sdtm("PP"), ctx.needs("ADSL"), ctx.settings)
