"""Oncology response and time-to-event building blocks (admiralonco's exported objects).

admiralonco derives response parameters (best overall response, confirmed response, clinical benefit …) with
admiral's ``derive_extreme_event`` and a set of predefined events; its older ``derive_param_bor``-style
functions are deprecated in their favour. The same events are here, to pass to
:func:`~cdiscflow.adam.events.derive_extreme_event` with source datasets named ``ovr`` (the overall-response
records to use, with ``AVALC``, ``ADT`` and ``RANDDT``) and ``adsl``:

* unconfirmed: :data:`rsp_y`, :data:`cb_y`, :data:`bor_cr`, :data:`bor_pr`, :data:`bor_sd`,
  :data:`bor_non_crpd`, :data:`bor_pd`, :data:`bor_ne`; fall-backs :data:`no_data_n`, :data:`no_data_missing`;
* confirmed (a later CR/PR at least 28 days on, at most one NE between; :func:`event_joined`):
  :data:`crsp_y_cr`, :data:`crsp_y_pr`, :data:`cbor_cr`, :data:`cbor_pr`.

Stable disease and NON-CR/NON-PD count from 42 days after randomisation. The time-to-event sources
(:func:`~cdiscflow.adam.tte.derive_param_tte`, source datasets ``adsl`` and ``adrs``): events
:data:`death_event`, :data:`pd_event`; censoring :data:`lastalive_censor`, :data:`lasta_censor`,
:data:`rand_censor`, :data:`trts_censor`. :func:`aval_resp` and :func:`yn_to_numeric` give AVAL from AVALC.
"""

from __future__ import annotations

import pandas as pd

from cdiscflow.adam.events import event, event_joined
from cdiscflow.adam.joined import Joined
from cdiscflow.adam.tte import Var, censor_source, event_source

RESPONSE_ORDER = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6, "MISSING": 7}


def aval_resp(avalc: pd.Series) -> pd.Series:
    """AVAL of a response AVALC (admiralonco ``aval_resp``): CR 1, PR 2, SD 3, NON-CR/NON-PD 4, PD 5, NE 6,
    MISSING 7, anything else missing.

    >>> aval_resp(pd.Series(["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING", "ND", None])).tolist()
    [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, nan, nan]
    """
    return avalc.map(RESPONSE_ORDER).astype("float64")


def yn_to_numeric(values: pd.Series) -> pd.Series:
    """``"Y"`` → 1, ``"N"`` → 0, anything else missing (admiral ``yn_to_numeric``).

    >>> yn_to_numeric(pd.Series(["Y", "N", "", None])).tolist()
    [1.0, 0.0, nan, nan]
    """
    return values.map({"Y": 1.0, "N": 0.0}).astype("float64")


_ANY_RESPONSE = ["CR", "PR", "SD", "NON-CR/NON-PD"]
_AFTER_42 = "ADT >= RANDDT + 42"

rsp_y = event("ovr", condition="AVALC in ['CR', 'PR']", set_values_to={"AVALC": "Y"})
no_data_n = event("adsl", set_values_to={"AVALC": "N"}, keep_source_vars=["RANDDT"])
no_data_missing = event("adsl", set_values_to={"AVALC": "MISSING"}, keep_source_vars=["RANDDT"])
cb_y = event("ovr", condition=f"AVALC in {_ANY_RESPONSE} and {_AFTER_42}", set_values_to={"AVALC": "Y"})
bor_cr = event("ovr", condition="AVALC == 'CR'", set_values_to={"AVALC": "CR"})
bor_pr = event("ovr", condition="AVALC == 'PR'", set_values_to={"AVALC": "PR"})
bor_sd = event("ovr", condition=f"AVALC in ['CR', 'PR', 'SD'] and {_AFTER_42}", set_values_to={"AVALC": "SD"})
bor_non_crpd = event("ovr", condition=f"AVALC == 'NON-CR/NON-PD' and {_AFTER_42}",
                     set_values_to={"AVALC": "NON-CR/NON-PD"})
bor_pd = event("ovr", condition="AVALC == 'PD'", set_values_to={"AVALC": "PD"})
bor_ne = event("ovr", condition=f"AVALC in {[*_ANY_RESPONSE, 'NE']}", set_values_to={"AVALC": "NE"})


def _confirmed_cr(j: Joined) -> pd.Series:
    """A CR whose joined records (up to the confirming CR) are CR or NE, at most one NE."""
    return ((j["AVALC"] == "CR") & j.all(j["AVALC_join"].isin(["CR", "NE"]))
            & (j.count_vals("AVALC_join", "NE") <= 1))


def _confirmed_pr(j: Joined) -> pd.Series:
    """A PR whose joined records (up to the confirming CR/PR) are CR, PR or NE, at most one NE, no PR after a CR."""
    cr, pr = j["AVALC_join"] == "CR", j["AVALC_join"] == "PR"
    no_pr_after_cr = ((j.min_cond("ADT_join", cr) > j.max_cond("ADT_join", pr))
                      | (j.count_vals("AVALC_join", "CR") == 0) | (j.count_vals("AVALC_join", "PR") == 0))
    return ((j["AVALC"] == "PR") & j.all(j["AVALC_join"].isin(["CR", "PR", "NE"]))
            & (j.count_vals("AVALC_join", "NE") <= 1) & no_pr_after_cr)


_CR_LATER = "AVALC_join == 'CR' and ADT_join >= ADT + 28"
_CRPR_LATER = "AVALC_join in ['CR', 'PR'] and ADT_join >= ADT + 28"
crsp_y_cr = event_joined("ovr", join_vars=["AVALC", "ADT"], join_type="after", order=["ADT"],
                         first_cond_upper=_CR_LATER, condition=_confirmed_cr, set_values_to={"AVALC": "Y"})
crsp_y_pr = event_joined("ovr", join_vars=["AVALC", "ADT"], join_type="after", order=["ADT"],
                         first_cond_upper=_CRPR_LATER, condition=_confirmed_pr, set_values_to={"AVALC": "Y"})
cbor_cr = event_joined("ovr", join_vars=["AVALC", "ADT"], join_type="after", first_cond_upper=_CR_LATER,
                       condition=_confirmed_cr, set_values_to={"AVALC": "CR"})
cbor_pr = event_joined("ovr", join_vars=["AVALC", "ADT"], join_type="after", first_cond_upper=_CRPR_LATER,
                       condition=_confirmed_pr, set_values_to={"AVALC": "PR"})

death_event = event_source("adrs", "ADT", filter="PARAMCD == 'DEATH' and AVALC == 'Y' and ANL01FL == 'Y'",
                           set_values_to={"EVNTDESC": "Death", "SRCDOM": "ADRS", "SRCVAR": "ADT",
                                          "SRCSEQ": Var("ASEQ")})
pd_event = event_source("adrs", "ADT", filter="PARAMCD == 'PD' and AVALC == 'Y' and ANL01FL == 'Y'",
                        set_values_to={"EVNTDESC": "Disease Progression", "SRCDOM": "ADRS", "SRCVAR": "ADT",
                                       "SRCSEQ": Var("ASEQ")})
lastalive_censor = censor_source("adsl", "LSTALVDT",
                                 set_values_to={"EVNTDESC": "Alive", "CNSDTDSC": "Alive During Study",
                                                "SRCDOM": "ADSL", "SRCVAR": "LSTALVDT"})
lasta_censor = censor_source("adrs", "ADT", filter="PARAMCD == 'LSTA' and ANL01FL == 'Y'",
                             set_values_to={"EVNTDESC": "Last Tumor Assessment", "CNSDTDSC": "Last Tumor Assessment",
                                            "SRCDOM": "ADRS", "SRCVAR": "ADT", "SRCSEQ": Var("ASEQ")})
rand_censor = censor_source("adsl", "RANDDT", set_values_to={"EVNTDESC": "Randomization",
                                                             "CNSDTDSC": "Randomization", "SRCDOM": "ADSL",
                                                             "SRCVAR": "RANDDT"})
trts_censor = censor_source("adsl", "TRTSDT", set_values_to={"EVNTDESC": "Treatment Start",
                                                             "CNSDTDSC": "Treatment Start", "SRCDOM": "ADSL",
                                                             "SRCVAR": "TRTSDT"})
