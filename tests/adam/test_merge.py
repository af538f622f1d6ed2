"""Variables and flags merged from other datasets."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cdiscflow.adam.merge import (
    NotMappedWarning,
    derive_var_merged_exist_flag,
    derive_var_merged_summary,
    derive_vars_merged,
    derive_vars_merged_lookup,
    derive_vars_transposed,
    derive_vars_trt_dates,
)
from cdiscflow.errors import DerivationError

NAN = np.nan
ADSL = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "TRT01A": ["A", "B", "A"], "AGE": [50.0, 60.0, 70.0]})


def test_merge_adsl_onto_records_with_rename() -> None:
    ae = pd.DataFrame({"USUBJID": ["S2", "S1", "S2", "S9"], "AESEQ": [1.0, 1.0, 2.0, 1.0]})
    got = derive_vars_merged(ae, ADSL, "USUBJID", new_vars={"TRTA": "TRT01A", "AGE": "AGE"})
    expected = ae.assign(TRTA=["B", "A", "B", ""], AGE=[60.0, 50.0, 60.0, NAN])
    assert_frame_equal(got, expected)


def test_merged_lookup_reports_values_not_mapped() -> None:
    vs = pd.DataFrame({"VSTESTCD": ["SYSBP", "PULSE", "TEMP", "PULSE"], "VSSEQ": [1.0, 2.0, 3.0, 4.0]})
    lookup = pd.DataFrame({"VSTESTCD": ["SYSBP", "TEMP"], "PARAMCD": ["SYSBP", "TEMP"], "PARAMN": [1.0, 6.0]})
    with pytest.warns(NotMappedWarning, match="List of VSTESTCD not mapped: PULSE$"):
        got = derive_vars_merged_lookup(vs, lookup, "VSTESTCD", new_vars=["PARAMCD"])
    assert_frame_equal(got, vs.assign(PARAMCD=["SYSBP", "", "TEMP", ""]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = derive_vars_merged_lookup(vs, lookup, "VSTESTCD", new_vars=["PARAMCD"], print_not_mapped=False)
    assert_frame_equal(quiet, got)


def test_merge_first_last_with_filter_and_order() -> None:
    vs = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2"], "VSTESTCD": ["WEIGHT", "WEIGHT", "HEIGHT", "WEIGHT"],
                       "VISITNUM": [1.0, 2.0, 1.0, 3.0], "VSSTRESN": [70.0, 72.0, 180.0, 80.0]})
    got = derive_vars_merged(ADSL, vs, "USUBJID", new_vars={"WEIGHTL": "VSSTRESN"}, filter="VSTESTCD == 'WEIGHT'",
                             order=["VISITNUM"], mode="last", exist_flag="HASWT",
                             missing_values={"WEIGHTL": -1.0})
    assert_frame_equal(got, ADSL.assign(WEIGHTL=[72.0, 80.0, -1.0], HASWT=["Y", "Y", ""]))
    got = derive_vars_merged(ADSL, vs, "USUBJID", new_vars={"W": "VSSTRESN"}, filter="VSTESTCD == 'WEIGHT'",
                             order=["-VISITNUM"], mode="first")
    assert got["W"].tolist()[:2] == [72.0, 80.0]


def test_merge_refuses_duplicates() -> None:
    add = pd.DataFrame({"USUBJID": ["S1", "S1"], "X": [1.0, 2.0]})
    with pytest.raises(DerivationError) as err:
        derive_vars_merged(ADSL, add, "USUBJID", new_vars=["X"])
    assert err.value.variable == "USUBJID" and err.value.row == "0, 1"


def test_exist_flag_population() -> None:
    qs = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "VISITNUM": [3.0, 4.0, 3.0]})
    got = derive_var_merged_exist_flag(ADSL, qs, "USUBJID", "EFF", condition_text="VISITNUM > 3", false_value="N")
    assert_frame_equal(got, ADSL.assign(EFF=["Y", "N", ""]))
    assert derive_var_merged_exist_flag(ADSL, qs, "USUBJID", "EFF", condition_text="VISITNUM > 3")["EFF"].tolist() == [
        "Y", "", ""]  # admiral's defaults: NA for both "no matching record" and "no record"
    got = derive_var_merged_exist_flag(ADSL, qs, "USUBJID", "EFF", condition_text="VISITNUM > 3", false_value="N",
                                       missing_value="N")
    assert got["EFF"].tolist() == ["Y", "N", "N"]


def test_merged_summary() -> None:
    qs = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S2"], "QSCAT": ["MMSE", "MMSE", "MMSE", "OTHER"],
                       "QSORRES": ["4", "3", "5", "9"]})
    got = derive_var_merged_summary(ADSL, qs, "USUBJID", "MMSETOT", "QSORRES", "sum", filter="QSCAT == 'MMSE'")
    assert_frame_equal(got, ADSL.assign(MMSETOT=[7.0, 5.0, NAN]))
    got = derive_var_merged_summary(ADSL, qs, "USUBJID", "N", "QSORRES", "count")
    assert got["N"].tolist() == [2.0, 2.0, 0.0]
    with pytest.raises(DerivationError, match="non-numeric"):
        derive_var_merged_summary(ADSL, qs.assign(QSORRES=["4", "x", "1", "1"]), "USUBJID", "T", "QSORRES", "sum")


def test_treatment_dates_from_ex() -> None:
    ex = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S2"], "EXDOSE": [10.0, 10.0, 0.0, 5.0],
                       "EXSTDTC": ["2019-07-18T08:30", "2019-07-20", "2019-07-01", "2019-07-05"],
                       "EXENDTC": ["2019-07-19", "", "2019-07-02", "2019-07-10T20:00:00"]})
    got = derive_vars_trt_dates(ADSL, ex, filter="EXDOSE > 0")
    day = 86400.0
    expected = ADSL.assign(
        TRTSDTM=[21748 * day + 8.5 * 3600, 21735 * day, NAN], TRTSTMF=["S", "H", ""],
        TRTEDTM=[21750 * day, 21740 * day + 20 * 3600, NAN], TRTETMF=["H", "", ""],  # S1 ends at its last start
        TRTSDT=[21748.0, 21735.0, NAN], TRTEDT=[21750.0, 21740.0, NAN])
    assert_frame_equal(got, expected)


def test_transposed_variables() -> None:

    adcm = pd.DataFrame({"USUBJID": ["1", "1", "2"], "CMSEQ": [1.0, 2.0, 1.0]})
    facm = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "FASPID": [1.0, 1.0, 2.0, 1.0],
                         "FATESTCD": ["CMATC1CD", "CMATC2CD", "CMATC1CD", "CMATC1CD"],
                         "FASTRESC": ["A", "A01", "B", "C"]})
    got = derive_vars_transposed(adcm.assign(FASPID=adcm["CMSEQ"]), facm, ["USUBJID", "FASPID"], "FATESTCD",
                                 "FASTRESC")
    assert got[["CMATC1CD", "CMATC2CD"]].values.tolist() == [["A", "A01"], ["B", ""], ["C", ""]]
    with pytest.raises(DerivationError, match="several records"):
        derive_vars_transposed(adcm, pd.concat([facm, facm]), "USUBJID", "FATESTCD", "FASTRESC", id_vars=["FASPID"])


def test_merged_summary_sorted_text() -> None:
    tr = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2"], "TRLNKID": ["T03", "T01", "T02", "T01"],
                       "VISIT": ["B", "B", "W3", "B"]})
    got = derive_var_merged_summary(ADSL, tr, "USUBJID", "LSEXP", "TRLNKID", "sorted_text", filter="VISIT == 'B'",
                                    sep="|")
    assert got["LSEXP"].tolist() == ["T01|T03", "T01", ""]
