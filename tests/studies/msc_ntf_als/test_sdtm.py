"""The built-in study's SDTM: simulate once per session, map every spec, and check the result against the raw
extracts with plain pandas (independently of the mapping engine), plus planted faults in copies of the raw data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdiscflow.errors import CdiscflowError
from cdiscflow.io.datasetjson import read_dataset_json
from cdiscflow.io.datasets import read_folder
from cdiscflow.io.xpt import read_xpt
from cdiscflow.mapping.study import map_study
from cdiscflow.studies.msc_ntf_als.simulator.command import simulate
from cdiscflow.study import Study

# raw files read only through look-ups (ae_coding: MedDRA coding of AE by SUBJID/AESPID) or not data (the
# data dictionary): listed in the reconciliation with their use, not as mapped
NOT_MAPPED = {"ae_coding": "look-up", "data_dictionary": "not used"}
ALSFRS_ITEMS = [f"ALSQ{i:02d}" for i in range(1, 13)]

pytestmark = pytest.mark.slow  # simulates the study and maps every domain (about a minute)


@pytest.fixture(scope="session")
def study(tmp_path_factory) -> Study:
    return Study.load("msc_ntf_als", tmp_path_factory.mktemp("study_out"))


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory) -> Path:
    return simulate(tmp_path_factory.mktemp("sim"))


@pytest.fixture(scope="session")
def raw(raw_dir) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in raw_dir.glob("*.csv")}


@pytest.fixture(scope="session")
def mapped(study, raw_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("sdtm_out") / "sdtm"
    result = map_study(study, raw_dir, out)
    return result, out


@pytest.fixture(scope="session")
def sdtm(mapped) -> dict[str, pd.DataFrame]:
    return read_folder(mapped[1])


def test_every_spec_is_written_as_xpt_and_dataset_json(study, mapped):
    _, out = mapped
    names = set(study.sdtm_specs)
    assert {"DM", "SUPPDM", "AE", "SUPPAE", "QS", "LB", "EX", "PR", "DS", "SV", "VS", "RE", "MH", "CM", "TS", "TA",
            "TE", "TV", "TI", "SE"} <= names
    assert {p.stem.upper() for p in out.glob("*.xpt")} == names
    assert {p.stem.upper() for p in out.glob("*.json")} == names
    assert (out / "reconciliation.csv").is_file() and (out / "rejections.csv").is_file()


def test_reconciliation_accounts_for_every_raw_row(mapped, raw):
    """Every raw row is mapped; the only row left out is the trial summary's STUDYID row (not a TS parameter)."""
    result, out = mapped
    recon = pd.read_csv(out / "reconciliation.csv")
    assert set(recon["extract"]) == set(raw)
    expected_rows = recon["extract"].map({k: len(v) for k, v in raw.items()})
    assert (recon["raw_rows"] == expected_rows).all()
    uses = recon.set_index("extract")["use"]
    assert uses[list(NOT_MAPPED)].to_dict() == NOT_MAPPED and (uses.drop(list(NOT_MAPPED)) == "mapped").all()
    recon = recon[recon["use"] == "mapped"]
    assert (recon["raw_rows"] == recon["mapped"] + recon["rejected"]).all()
    assert (recon["unaccounted"] == 0).all()
    rejections = pd.read_csv(out / "rejections.csv", dtype=str, keep_default_na=False)
    assert rejections[["extract", "dataset"]].values.tolist() == [["trial_summary", "TS"]]
    assert raw["trial_summary"].loc[int(rejections["row"].iloc[0]) - 1, "PARAM"] == "STUDYID"
    assert len(result.rejections) == 1


def test_xpt_and_json_read_back_with_spec_labels_and_lengths(study, mapped):
    _, out = mapped
    for name, spec in study.sdtm_specs.items():
        data, meta = read_xpt(out / f"{name.lower()}.xpt")
        assert meta.label == spec.label, name
        assert list(data.columns) == spec.names, name
        assert meta.labels == {v.name: v.label for v in spec.variables}, name
        char = {v.name: v.length for v in spec.variables if v.is_char}
        assert {k: meta.lengths[k] for k in char} == char, name
        jdata, _ = read_dataset_json(out / f"{name.lower()}.json")
        assert len(jdata) == len(data), name


def test_dm_subjects_arms_and_reference_dates(raw, sdtm):
    dm = sdtm["DM"].set_index("SUBJID")
    demo = raw["demographics"]
    assert len(dm) == demo["SUBJID"].nunique() == len(demo)
    rnd = raw["randomization"].set_index("SUBJID")
    arms = rnd["TRTASSN"].map({"MSC-NTF cells": "MSCNTF", "Placebo": "PBO"})
    assert dm.loc[arms.index, "ARMCD"].tolist() == arms.tolist()
    never = dm.index.difference(rnd.index)
    assert (dm.loc[never, "ARMCD"] == "").all() and (dm.loc[never, "ARMNRS"] != "").all()
    eos = raw["disposition"].set_index("SUBJID")["EOSSTAT"]
    assert (dm.loc[eos.index[eos == "Screen failure"], "ARMNRS"] == "SCREEN FAILURE").all()
    first = raw["transplant"].groupby("SUBJID").first()
    iso = pd.to_datetime(first["EXDAT"], format="%d-%b-%Y").dt.strftime("%Y-%m-%d") + "T" + first["EXSTTIM"]
    assert dm.loc[iso.index, "RFSTDTC"].tolist() == iso.tolist()
    sex = demo.set_index("SUBJID")["SEX"]
    assert dm.loc[sex.index, "SEX"].map({"M": "Male", "F": "Female"}).tolist() == sex.tolist()


def test_record_counts_match_the_raw_extracts(raw, sdtm):
    nonblank = lambda df, cols: int((df[cols] != "").to_numpy().sum())  # noqa: E731
    assert len(sdtm["AE"]) == len(raw["adverse_events"])
    assert len(sdtm["QS"]) == nonblank(raw["alsfrs_r"], ALSFRS_ITEMS + ["ALSTOT"]) == 13 * len(raw["alsfrs_r"])
    vs_cols = ["SYSBP", "DIABP", "PULSE", "RESP", "TEMP", "WEIGHT", "HEIGHT"]
    assert len(sdtm["VS"]) == nonblank(raw["vital_signs"], vs_cols)
    assert len(sdtm["LB"]) == len(raw["safety_lab"]) + len(raw["csf_biomarkers"])
    assert len(sdtm["RE"]) == (raw["svc"]["SVCPP"] != "").sum()
    assert len(sdtm["MK"]) == nonblank(raw["hhd"], ["HHDTRL1", "HHDTRL2"])
    assert len(sdtm["EX"]) == len(raw["transplant"])
    assert len(sdtm["SV"]) == len(raw["visit_dates"])
    assert len(sdtm["CM"]) == len(raw["concomitant_medications"])
    assert len(sdtm["MH"]) == len(raw["medical_history"]) + len(raw["als_history"])
    assert len(sdtm["DS"]) == sum(len(raw[k]) for k in ("enrollment", "eligibility", "randomization", "disposition"))
    csf = raw["csf_biomarkers"]
    punctures = csf.loc[csf["CSFSTAT"] == "Done", ["SUBJID", "VISIT"]].drop_duplicates()
    assert len(sdtm["PR"]) == len(raw["bone_marrow_aspiration"]) + len(punctures)
    assert len(sdtm["IE"]) == (raw["eligibility"]["IEYN"] == "No").sum()
    assert len(sdtm["TV"]) == 12 and set(sdtm["TA"]["ARMCD"]) == {"MSCNTF", "PBO"}
    assert (sdtm["TS"]["TSPARMCD"] == "SIMDATA").sum() == 1


def test_ts_has_study_dates_standards_and_dictionary_versions(study, raw, sdtm):
    """FDA technical rejection criteria / TCG: TS has SSTDTC; the study dates come from the data (first informed
    consent, last end of participation), the standards from study.yaml, dictionary versions on coded terms."""
    ts = sdtm["TS"].set_index("TSPARMCD")
    assert not ts.index.duplicated().any() or set(ts.index[ts.index.duplicated()]) <= {"TTYPE", "ROUTE", "DOSE"}
    consent = pd.to_datetime(raw["enrollment"]["ICDAT"], format="%d-%b-%Y")
    assert ts.loc["SSTDTC", "TSVAL"] == consent.min().strftime("%Y-%m-%d")
    assert ts.loc["SENDTC", "TSVAL"] == sdtm["DM"]["RFPENDTC"].str[:10].max() > ts.loc["SSTDTC", "TSVAL"]
    assert ts.loc["SDTIGVER", "TSVAL"] == study.meta["standards"]["sdtm"].split()[-1] == "3.4"
    assert ts.loc["ADAMIGV", "TSVAL"] == study.meta["standards"]["adam"].split()[-1]
    assert {"SDTMVER", "ADAMVER", "REGID", "TPHASE", "STYPE", "TBLIND", "TCNTRL", "INTMODEL", "RANDOM", "PLANSUB",
            "ADDON", "AGEMIN", "AGEMAX", "SEXPOP", "TDIGRP", "INDIC", "OBJPRIM", "PCLAS"} <= set(ts.index)
    coded = sdtm["TS"][sdtm["TS"]["TSVCDREF"] == "CDISC CT"]
    assert len(coded) > 10 and (coded["TSVCDVER"] == study.ct_version).all() and (coded["TSVALCD"] != "").all()
    meddra = sdtm["TS"][sdtm["TS"]["TSVCDREF"] == "MedDRA"]
    assert set(meddra["TSPARMCD"]) == {"INDIC", "TDIGRP"}
    assert set(meddra["TSVCDVER"]) == set(raw["ae_coding"]["MEDDRAV"]) == set(sdtm["SUPPAE"].loc[
        sdtm["SUPPAE"]["QNAM"] == "MEDDRAV", "QVAL"])
    assert ts.loc["REGID", "TSVAL"] == study.meta["registry"]


def test_ae_coding_comes_from_the_coding_extract(raw, sdtm):
    ae = sdtm["AE"].assign(SUBJID=sdtm["AE"]["USUBJID"].str.replace("MSCNTF-ALS-P2-", "", regex=False))
    coding = raw["ae_coding"].rename(columns={"AEDECOD": "PT", "AESOC": "SOC"})
    both = ae.merge(coding, on=["SUBJID", "AESPID"], how="left", validate="one_to_one")
    assert (both["AEDECOD"] == both["PT"]).all() and (both["AEBODSYS"] == both["SOC"]).all()
    assert (ae.groupby("USUBJID")["AESEQ"].apply(lambda s: sorted(s) == list(range(1, len(s) + 1)))).all()


def test_qs_total_and_telephone_assessments(raw, sdtm):
    qs = sdtm["QS"]
    total = qs[qs["QSTESTCD"] == "ALSFRSTO"]
    items = qs[qs["QSTESTCD"] != "ALSFRSTO"].groupby(["USUBJID", "VISITNUM"])["QSSTRESN"].sum()
    assert total.set_index(["USUBJID", "VISITNUM"])["QSSTRESN"].to_dict() == items.to_dict()
    assert set(qs["QSCAT"]) == {"ALSFRS-R"}
    supp = sdtm["SUPPQS"]
    assert (supp["QVAL"] == "TELEPHONE CALL").sum() == 13 * (raw["alsfrs_r"]["QSMODE"] == "Telephone").sum()
    base = qs[qs["QSLOBXFL"] == "Y"]
    assert set(base["VISIT"]) == {"TRANSPLANT"} and len(base) == 13 * len(raw["transplant"]) // 2


def test_csf_results_below_the_limit_keep_orres_and_set_lloq(raw, sdtm):
    lb = sdtm["LB"]
    csf = lb[lb["LBSPEC"] == "CEREBROSPINAL FLUID"]
    below = csf[csf["LBORRES"] == "<LLOQ"]
    assert len(below) == (raw["csf_biomarkers"]["CSFORRES"] == "<LLOQ").sum() > 0
    assert below["LBSTRESN"].isna().all() and (below["LBSTRESC"] == "<LLOQ").all() and below["LBLLOQ"].notna().all()
    done = csf[csf["LBSTAT"] == ""]
    assert np.allclose(done.loc[done["LBORRES"] != "<LLOQ", "LBSTRESN"],
                       pd.to_numeric(done.loc[done["LBORRES"] != "<LLOQ", "LBORRES"]))
    assert (csf["LBSTAT"] == "NOT DONE").sum() == (raw["csf_biomarkers"]["CSFSTAT"] == "Not done").sum()
    safety = lb[lb["LBSPEC"] != "CEREBROSPINAL FLUID"]
    assert set(safety["LBCAT"]) == {"HEMATOLOGY", "CHEMISTRY", "URINALYSIS"}


def test_subject_elements_are_contiguous_and_give_epochs(sdtm):
    se = sdtm["SE"].sort_values(["USUBJID", "TAETORD"])
    nxt = se.groupby("USUBJID")["SESTDTC"].shift(-1)
    assert (se["SEENDTC"].where(nxt.notna()).str[:10] == nxt.str[:10]).where(nxt.notna(), True).all()
    dm = sdtm["DM"]
    treated = se[se["ETCD"].isin(["MSCNTF", "PBO"])].merge(dm[["USUBJID", "ACTARMCD", "RFSTDTC"]], on="USUBJID")
    assert (treated["ETCD"] == treated["ACTARMCD"]).all() and (treated["SESTDTC"] == treated["RFSTDTC"]).all()
    assert (sdtm["EX"]["EPOCH"] == "TREATMENT").all()


def test_vital_signs_in_standard_units(raw, sdtm):
    vs = sdtm["VS"]
    weight = vs[vs["VSTESTCD"] == "WEIGHT"]
    raw_vs = raw["vital_signs"]
    lb_rows = weight["VSORRESU"] == "LB"
    assert lb_rows.sum() == (raw_vs["WEIGHTU"] == "lb").sum() > 0
    expected = (pd.to_numeric(weight.loc[lb_rows, "VSORRES"]) * 0.45359237).round(1)
    assert np.allclose(weight.loc[lb_rows, "VSSTRESN"], expected)
    temp = vs[(vs["VSTESTCD"] == "TEMP") & (vs["VSORRESU"] == "F")]
    assert np.allclose(temp["VSSTRESN"], ((pd.to_numeric(temp["VSORRES"]) - 32) * 5 / 9).round(1))
    assert set(vs["VSSTRESU"]) == {"mmHg", "beats/min", "breaths/min", "C", "kg", "cm"}


def test_disposition_and_als_history_match_the_crf(raw, sdtm):
    ds = sdtm["DS"]
    events = ds[ds["DSCAT"] == "DISPOSITION EVENT"]
    eos = raw["disposition"]["EOSSTAT"]
    assert (events["DSDECOD"] == "COMPLETED").sum() == (eos == "Completed").sum()
    assert (events["DSDECOD"] == "SCREEN FAILURE").sum() == (eos == "Screen failure").sum()
    assert (ds["DSDECOD"] == "RANDOMIZED").sum() == len(raw["randomization"])
    supp = sdtm["SUPPMH"]
    elesc = supp.loc[supp["QNAM"] == "MHELESC", "QVAL"].value_counts().sort_index()
    crf = raw["als_history"]["ELESCRL"].map({"Possible": "CLINICALLY POSSIBLE ALS", "Probable": "CLINICALLY PROBABLE ALS",
                                             "Laboratory-supported probable":
                                                 "CLINICALLY PROBABLE ALS - LABORATORY SUPPORTED",
                                             "Definite": "CLINICALLY DEFINITE ALS"})
    assert elesc.to_dict() == crf.value_counts().sort_index().to_dict()
    mh = sdtm["MH"]
    als = mh[mh["MHCAT"] == "PRIMARY DIAGNOSIS"]
    onset = pd.to_datetime(raw["als_history"]["ONSETDAT"], format="%d-%b-%Y").dt.strftime("%Y-%m-%d")
    assert sorted(als["MHSTDTC"]) == sorted(onset)


# -- planted faults ---------------------------------------------------------------------------------------


def _plant(raw_dir: Path, tmp_path: Path, extract: str, change) -> Path:
    """A copy of the raw folder with one extract changed by ``change(df) -> df``."""
    folder = tmp_path / "raw"
    shutil.copytree(raw_dir, folder)
    path = folder / f"{extract}.csv"
    df = change(pd.read_csv(path, dtype=str, keep_default_na=False))
    df.to_csv(path, index=False, encoding="utf-8")
    return folder


def _set(row: int, column: str, value: str):
    def change(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[row - 1, column] = value
        return df
    return change


def test_unscheduled_visit_is_numbered_between_planned_ones(study, raw_dir, tmp_path):
    """An unplanned vital-signs visit between Week 4 (7) and Week 8 (8) gets VISITNUM 7.01 and no VISITDY."""
    def unscheduled(df: pd.DataFrame) -> pd.DataFrame:
        week4 = df.index[df["VISIT"] == "Week 4"][0]
        extra = df.loc[[week4]].assign(VISIT="Unscheduled", VISITNUM="")
        day = pd.to_datetime(extra["VSDAT"], format="%d-%b-%Y") + pd.Timedelta(days=3)
        extra["VSDAT"] = day.dt.strftime("%d-%b-%Y").str.upper()
        return pd.concat([df, extra], ignore_index=True)
    folder = _plant(raw_dir, tmp_path, "vital_signs", unscheduled)
    res = map_study(study, folder, tmp_path / "out" / "sdtm", domains=["VS"])
    vs = res.results["VS"].data
    unsched = vs[vs["VISIT"] == "UNSCHEDULED"]
    assert len(unsched) > 0 and set(unsched["VISITNUM"]) == {7.01} and unsched["VISITDY"].isna().all()
    assert res.reconciliation.set_index("extract").loc["vital_signs", "unaccounted"] == 0


FAULTS = [
    # (extract, change, domains, error text, raw row, variable)
    ("adverse_events", lambda df: df.drop(columns="AESEV"), ["AE"], "AESEV", None, "AESEV"),
    ("adverse_events", _set(5, "AESTDAT", "31-FEB-2015"), ["AE"], "31-FEB-2015", 5, "AESTDTC"),
    ("demographics", _set(3, "SEX", "Unknown-X"), ["DM"], "Unknown-X", 3, "SEX"),
    ("demographics", lambda df: pd.concat([df, df.iloc[[6]]], ignore_index=True), ["DM"], "duplicate", 7, "USUBJID"),
    ("adverse_events", _set(2, "AETERM", "C\u00e9phal\u00e9e"), ["AE"], "non-ASCII", 2, "AETERM"),
]


@pytest.mark.parametrize("extract, change, domains, text, row, variable", FAULTS,
                         ids=["missing-column", "impossible-date", "unknown-code", "duplicate-subject", "non-ascii"])
def test_planted_fault_names_file_row_variable_and_writes_nothing(study, raw_dir, tmp_path, extract, change, domains,
                                                                  text, row, variable):
    folder = _plant(raw_dir, tmp_path, extract, change)
    out = tmp_path / "out" / "sdtm"
    with pytest.raises(CdiscflowError) as err:
        map_study(study, folder, out, domains=domains)
    exc = err.value
    assert text in str(exc)
    assert exc.file is not None and Path(exc.file).name == f"{extract}.csv"
    assert exc.variable == variable
    if row is not None:
        assert exc.row == row
    assert not out.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
