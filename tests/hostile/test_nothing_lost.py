"""Nothing in the raw folder goes unmentioned: extracts nothing reads, non-CSV files and look-up rows that match
no subject appear in the reconciliation with their counts; nothing is dropped between SDTM and ADaM without a
declared, logged selection."""

from __future__ import annotations

import pandas as pd
from hostile_data import STUDY, assert_nothing_published, assert_one_line_error, cli

from cdiscflow.io.datasets import read_dataset


def test_unused_files_and_unmatched_lookup_rows_are_reconciled(faulty_raw, tmp_path):
    raw = faulty_raw("ae_coding.csv", lambda data: data + b"99-999,1,HEADACHE,Headache,Headache,Nervous,17.1\n"
                                                        b"99-998,2,RASH,Rash,Rash,Skin,17.1\n",
                     "extra_extract.csv", lambda data: b"SUBJID,X\n01-001,1\n01-002,2\n01-003,3\n",
                     "notes.txt", lambda data: b"site notes\n")
    out = tmp_path / "out"
    code, text, err = cli("sdtm", "--raw", str(raw), "--out", str(out))
    assert code == 0, err
    recon = pd.read_csv(out / STUDY / "sdtm" / "reconciliation.csv", dtype=str, keep_default_na=False)
    rows = recon.set_index("extract")
    coding = pd.read_csv(raw / "ae_coding.csv", dtype=str)
    assert rows.loc["ae_coding", ["use", "raw_rows", "matched", "unmatched"]].tolist() == [
        "look-up", str(len(coding)), str(len(coding) - 2), "2"]
    assert rows.loc["extra_extract", ["use", "raw_rows"]].tolist() == ["not used", "3"]
    assert rows.loc["notes.txt", "use"] == "not used (not a CSV extract)"
    assert set(recon["extract"]) == {p.stem if p.suffix == ".csv" else p.name for p in raw.iterdir()}
    assert "2 of" in text and "extra_extract: not used" in text


def orphan_ae(faulty_raw):
    """A raw folder with one AE (and its coding) of subject 99-999, whom the demographics extract lacks."""
    return faulty_raw("adverse_events.csv", lambda data: data + b"01,99-999,1,Headache,07-SEP-2014,13:40,,,Yes,Mild,"
                                                                 b"No,,,,,,,Not related,Not applicable,No,No,"
                                                                 b"Not recovered/Not resolved\n",
                      "ae_coding.csv", lambda data: data + b"99-999,1,Headache,Headache,Headache,Nervous,17.1\n")


def test_ae_of_a_subject_missing_from_dm_fails_adam_and_publishes_nothing(faulty_raw, tmp_path):
    """An AE of a subject DM does not have is kept in SDTM AE; ADAE (ADSL subjects only) would lose it: exit 2,
    the error names ADAE, AE and the subject, and no adam/ folder is published."""
    raw = orphan_ae(faulty_raw)
    out = tmp_path / "out"
    code, _text, err = cli("sdtm", "--raw", str(raw), "--out", str(out))
    assert code == 0, err
    ae = read_dataset(out / STUDY / "sdtm" / "ae.xpt")[0]
    dm = read_dataset(out / STUDY / "sdtm" / "dm.xpt")[0]
    orphans = sorted(set(ae["USUBJID"]) - set(dm["USUBJID"]))
    assert len(orphans) == 1 and orphans[0].endswith("99-999")  # the planted AE reached SDTM
    code, _text, err = cli("adam", "--out", str(out))
    assert_one_line_error(code, err, "ADAE", "subject(s) of SDTM AE", orphans[0], "adae.yaml")
    assert_nothing_published(out, "adam")


def test_declared_selections_are_logged_with_their_counts(sim_out):
    """Every ADaM dataset has a record log; a dataset's declared selection (ADLB: randomized participants) is
    logged with the subjects and source records it leaves out, derived here from SDTM LB and ADSL."""
    adam = sim_out / STUDY / "adam"
    assert {p.stem for p in (adam / "record_counts").glob("*.csv")} == {p.stem for p in adam.glob("*.xpt")}
    log = pd.read_csv(adam / "record_counts" / "adlb.csv", keep_default_na=False)
    lb = read_dataset(sim_out / STUDY / "sdtm" / "lb.xpt")[0]
    lb = lb[lb["LBCAT"] != "CSF BIOMARKERS"]  # settings.source.filter of ADLB
    adsl = read_dataset(adam / "adsl.xpt")[0]
    left_out = lb["USUBJID"].isin(adsl.loc[adsl["RANDFL"] != "Y", "USUBJID"])
    assert left_out.any()
    selection = log[log["kind"] == "selection"]
    assert selection[["name", "records", "subjects"]].values.tolist() == [
        ["ADSL", int(left_out.sum()), lb.loc[left_out, "USUBJID"].nunique()]]
    output = log[log["kind"] == "output"].iloc[0]
    assert output["records"] == len(read_dataset(adam / "adlb.xpt")[0])
    assert log.loc[log["kind"] == "input", "name"].tolist() == ["LB", "ADSL"]


def test_run_fails_the_adae_step_on_an_undeclared_drop(faulty_raw, tmp_path):
    """``cdiscflow run``: the ADAE step fails naming the subject (exit 1), ADAE is not published, and the counts
    of the steps that ran are in their step logs."""
    out = tmp_path / "out"
    code, text, err = cli("run", "--raw", str(orphan_ae(faulty_raw)), "--out", str(out), "--only", "adam:ADAE")
    assert code == 1, err
    failed = [line for line in text.splitlines() if "FAILED" in line and "adam:ADAE" in line]
    assert failed and all("subject(s) of SDTM AE" in line and "99-999" in line for line in failed), text
    study = out / STUDY
    assert not (study / "adam" / "adae.xpt").exists() and not (study / "adam" / "record_counts" / "adae.csv").exists()
    adsl = read_dataset(study / "adam" / "adsl.xpt")[0]
    assert f"ADSL: {len(adsl)} records" in (study / "logs" / "adam_ADSL.log").read_text()
    assert "99-999" in (study / "logs" / "adam_ADAE.log").read_text()
