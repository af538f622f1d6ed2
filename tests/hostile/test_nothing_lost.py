"""Nothing in the raw folder goes unmentioned: extracts nothing reads, non-CSV files and look-up rows that match
no subject appear in the reconciliation with their counts."""

from __future__ import annotations

import pandas as pd
from hostile_data import STUDY, cli


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
