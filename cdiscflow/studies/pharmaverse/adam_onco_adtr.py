"""ADTR_O (pharmaverseadam's ``adtr_onco``): target-lesion diameters by the investigator and their sum, with
baseline, nadir, changes and the analysis flags, in the order of admiralonco's ``ad_adtr.R`` template.

Inputs (``settings``): the target-lesion measurements (``source``: the template's ``tr_onco_recist`` records
by the investigator), the TU and RS domains and the evaluator whose records are read from them, the tumour
location that makes a lesion nodal, the visit that is baseline, and the PARCATy. The sum of diameters (SDIAM) adds the
longest diameter of non-nodal lesions and the short axis of nodal ones per visit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdiscflow.adam._util import flag
from cdiscflow.adam.baseline import derive_var_base, derive_var_chg, derive_var_pchg
from cdiscflow.adam.dates import derive_vars_dt, derive_vars_dy
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.flags import derive_var_extreme_flag, derive_var_relative_flag
from cdiscflow.adam.joined import derive_vars_joined
from cdiscflow.adam.merge import derive_var_merged_exist_flag, derive_var_merged_summary, derive_vars_merged
from cdiscflow.adam.records import derive_summary_records, derive_var_obs_number
from cdiscflow.registry import register

from .onco_settings import checked

KEYS = ["STUDYID", "USUBJID"]
# the measurement a lesion contributes to the sum: the longest diameter if non-nodal, the short axis if nodal
IN_SUM = ("(startswith(PARAMCD, 'LDIAM') and TULOCGR1 == 'NON-NODAL') or "
          "(startswith(PARAMCD, 'NLDIAM') and TULOCGR1 == 'NODAL')")


def _lesions(ctx: AdamContext, adsl: pd.DataFrame) -> pd.DataFrame:
    """One record per target-lesion measurement (LDIAMn / NLDIAMn) with location, dates and visits."""
    s = ctx.settings
    tu = ctx.sdtm(s["tumor_domain"])
    tu = tu[tu["TUEVAL"] == s["evaluator"]]
    tr = derive_vars_merged(ctx.source_records(), adsl, KEYS, new_vars=["RANDDT"])
    tr = derive_vars_merged(tr, tu, [*KEYS, "TRLNKID"], by_add=[*KEYS, "TULNKID"], new_vars=["TULOC"])
    nodal = tr["TULOC"] == s["nodal_location"]
    tr = tr.assign(TULOCGR1=np.where(tr["TULOC"] == "", "", np.where(nodal, "NODAL", "NON-NODAL")),
                   LSEXP=tr["TRLNKID"], LSASS=tr["TRLNKID"].where(tr["TRSTRESN"].notna(), ""))
    tr = derive_vars_dt(tr, "A", "TRDTC", highest_imputation="D", date_imputation="first")
    tr = derive_vars_dy(tr, "RANDDT", ["ADT"])
    baseline = tr["VISIT"] == s["baseline_visit"]
    tr = tr.assign(AVISIT=tr["VISIT"].where(~baseline, "BASELINE"), AVISITN=tr["VISITNUM"].where(~baseline, 0.0))
    number = tr["TRLNKID"].str.slice(2)  # the template's str_sub(TRLNKID, 3): "T01" → "1"
    is_ldiam = tr["TRTESTCD"] == "LDIAM"
    adtr = tr.assign(PARAMCD=np.where(is_ldiam, "LDIAM", "NLDIAM") + number,
                     PARAM="Target Lesion " + number + np.where(is_ldiam, " Analysis Diameter",
                                                                 " Analysis Perpendicular"),
                     **s["parcat"], AVAL=tr["TRSTRESN"], ANL01FL=flag(tr["TRSTRESN"].notna(), tr.index))
    return pd.concat([adtr[is_ldiam], adtr[~is_ldiam]], ignore_index=True)


def _restricted_relative_flag(df: pd.DataFrame, where: pd.Series, new_var: str, condition_text: str,
                              order: list[str], **kwargs: object) -> pd.DataFrame:
    """``derive_var_relative_flag`` on the records meeting ``where`` (admiral's ``restrict_derivation``)."""
    part = derive_var_relative_flag(df[where], KEYS, order, new_var, condition_text, **kwargs)
    return df.assign(**{new_var: part[new_var].reindex(df.index).fillna("")})


def _sum_of_diameters(adtr: pd.DataFrame, rs: pd.DataFrame, s: dict) -> pd.DataFrame:
    """SDIAM per visit with its analysis flags, baseline, nadir and changes."""
    total = derive_summary_records(None, [*KEYS, "RANDDT", "AVISIT", "AVISITN"], fun="sum", add=adtr,
                                   filter=IN_SUM, summaries={"ADY": "min", "ADT": "min"},
                                   set_values={"PARAMCD": "SDIAM", "PARAM": s["sum_param"], **s["parcat"]})
    total = derive_var_merged_summary(total, adtr, KEYS, "LSEXP", "TRLNKID", "sorted_text",
                                      filter=f"AVISIT == 'BASELINE' and ({IN_SUM})")
    total = derive_var_merged_summary(total, adtr, [*KEYS, "AVISIT"], "LSASS", "TRLNKID", "sorted_text",
                                      filter=f"({IN_SUM}) and ANL01FL == 'Y'")
    total["ANL01FL"] = flag((total["LSEXP"] == total["LSASS"]) & (total["LSEXP"] != ""), total.index)
    total = derive_var_extreme_flag(total, KEYS, ["ADY"], "ABLFL", mode="last", filter="ADY <= 1")
    total = derive_var_base(total, KEYS)
    total = derive_vars_joined(total, total, by=KEYS, order=["AVAL"], new_vars={"NADIR": "AVAL"}, join_vars=["ADY"],
                               join_type="all", filter_add="ANL01FL == 'Y'", filter_join="ADY_join < ADY",
                               mode="first")
    total = derive_var_pchg(derive_var_chg(total))
    chgnad = total["AVAL"] - total["NADIR"]
    total = total.assign(CHGNAD=chgnad, PCHGNAD=(100 * chgnad / total["NADIR"]).where(total["NADIR"] != 0))

    responses = derive_vars_dt(rs, "A", "RSDTC", highest_imputation="D", flag_imputation="none")
    total = derive_var_merged_exist_flag(total, responses, [*KEYS, "ADT"], "PDFL", condition_text="RSSTRESC == 'PD'",
                                         filter=f"RSTESTCD == 'OVRLRESP' and RSEVAL == '{s['evaluator']}'")
    total = derive_var_relative_flag(total, KEYS, ["ADT"], "__postrand__", "ADT > RANDDT", mode="first",
                                     selection="after", inclusive=True, flag_no_ref_groups=False)
    total = derive_var_extreme_flag(total, KEYS, ["PCHG"], "ANL02FL", mode="first",
                                    filter="ANL01FL == 'Y' and __postrand__ == 'Y'").drop(columns="__postrand__")
    analysed = (total["ANL01FL"] == "Y") | (total["PDFL"] == "Y")
    total = _restricted_relative_flag(total, analysed, "ANL03FL", "PDFL == 'Y'", ["ADY"], mode="first",
                                      selection="before", inclusive=False)
    return total.assign(ANL04FL=flag(analysed, total.index))


@register("adam", "pharmaverse_adtr_o")
def adtr_o(ctx: AdamContext) -> pd.DataFrame:
    s = checked(ctx, {"tumor_domain": str, "response_domain": str, "evaluator": str, "nodal_location": str,
                      "baseline_visit": str, "parcat": dict, "sum_param": str})
    adsl = ctx.needs("ADSL")
    adtr = _lesions(ctx, adsl)
    total = _sum_of_diameters(adtr, ctx.sdtm(s["response_domain"]), s)
    adtr = derive_var_obs_number(pd.concat([adtr, total], ignore_index=True), KEYS, ["PARAMCD", "AVISITN", "TRSEQ"], check_unique=True)
    return derive_vars_merged(adtr, adsl.drop(columns="RANDDT"), KEYS)
