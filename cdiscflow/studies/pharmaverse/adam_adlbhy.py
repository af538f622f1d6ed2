"""pharmaverse ADLBHY (Hy's law) from ADLB, in the order of admiral's ``ad_adlbhy.R``.

The ALT, AST and bilirubin lab records (not derived ones) of the subjects the template reads, each flagged
when elevated (CRIT1/CRIT1FL: ALT or AST at least 3 × ULN, bilirubin at least 2 × ULN); then one HYSLAW
record per subject: "Y" when an elevated ALT/AST record has an elevated bilirubin record within the window
after it. Study constants (criteria, window, the parameter) are the spec's ``settings``.
"""

from __future__ import annotations

import pandas as pd

from cdiscflow.adam.criteria import derive_vars_crit_flag
from cdiscflow.adam.engine import AdamContext
from cdiscflow.adam.joined import derive_vars_joined
from cdiscflow.adam.params import derive_param_exist_flag
from cdiscflow.registry import register
from cdiscflow.studies.pharmaverse.adam_adae import BY

KEEP = ["STUDYID", "USUBJID", "TRT01A", "PARAMCD", "PARAM", "LBSEQ", "ADT", "AVISIT", "ADY", "AVAL", "ANRHI",
        "CRIT1", "CRIT1FL"]


def _flagged(adlb: pd.DataFrame, criteria: list[dict]) -> pd.DataFrame:
    """The criteria's parameters (lab records only) with CRIT1/CRIT1FL (Y/N) per slice."""
    parts = []
    for crit in criteria:
        for code in crit["paramcds"]:
            part = adlb[(adlb["PARAMCD"] == code) & (adlb["DTYPE"].fillna("") == "")].copy()
            parts.append(derive_vars_crit_flag(part, 1, crit["condition"],
                                               crit["description"].replace("{PARAMCD}", code), values_yn=True))
    return pd.concat(parts).sort_index()[KEEP]


@register("adam", "pharmaverse_adlbhy")
def adlbhy(ctx: AdamContext) -> pd.DataFrame:
    """ADLBHY: flagged ALT/AST/BILI records and a HYSLAW parameter per subject (``ad_adlbhy.R``)."""
    st = ctx.settings
    annotated = _flagged(ctx.select(ctx.needs("ADLB")), st["criteria"])
    liver = annotated[annotated["PARAMCD"] != "BILI"]
    bili = annotated[annotated["PARAMCD"] == "BILI"]
    low, high = st["bili_window"]
    hylaw = derive_vars_joined(
        liver, bili, by=BY, order=["ADY"], mode="first", join_type="all", join_vars=["ADT", "CRIT1FL"],
        new_vars={"BILI_LBSEQ": "LBSEQ", "BILI_DT": "ADT", "BILI_CRITFL": "CRIT1FL"},
        filter_join=f"ADT_join - ADT >= {low} and ADT_join - ADT <= {high} and CRIT1FL == 'Y' and CRIT1FL_join == 'Y'")
    subjects = hylaw[[*BY, "TRT01A"]].drop_duplicates()
    flags = hylaw[[*BY, "TRT01A", "CRIT1FL", "BILI_CRITFL"]].drop_duplicates()
    params = derive_param_exist_flag(None, subjects, flags, "CRIT1FL == 'Y' and BILI_CRITFL == 'Y'",
                                     paramcd=st["hyslaw"]["PARAMCD"], by=[*BY, "TRT01A"], false_value="N",
                                     missing_value="N", set_values={"PARAM": st["hyslaw"]["PARAM"]})
    return pd.concat([annotated, params], ignore_index=True)
