"""Values XPT v5 cannot hold (a number beyond the IBM float, text over 200 bytes) planted in the simulated
built-in study: ``cdiscflow sdtm`` exits 2 with one line naming the raw extract and raw row (through the
mapping's lineage), the variable, the SDTM record and the XPT v5 bound, never the staging file or the sorted
position, and publishes nothing; ``cdiscflow adam`` (no lineage) names the ADaM record by its keys and keeps
the previous ``adam/``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from hostile_data import STUDY, assert_nothing_published, assert_one_line_error, cli, set_cell

from cdiscflow.io.datasets import read_dataset
from cdiscflow.io.raw import read_raw_csv
from hostile.conftest import files_under

IBM_RANGE = "0 or 5.4e-79 <= |x| < 7.2e+75, the range of the XPT v5 IBM float"


def nth_row(raw: Path, extract: str, column: str, value: str, nth: int) -> int:
    """The 1-based raw row of the ``nth`` row of ``extract`` whose ``column`` is ``value``."""
    df = read_raw_csv(raw / f"{extract}.csv")
    return int(df.loc[df[column] == value, "__row__"].iloc[nth - 1])


def sdtm_record(sim_out: Path, domain: str, extract: str, row: int, **match: str) -> pd.Series:
    """The clean run's record of ``domain`` mapped from ``extract`` raw ``row`` (and ``match``ing values):
    its USUBJID and --SEQ, read back from the published dataset and its lineage."""
    sdtm = sim_out / STUDY / "sdtm"
    data = read_dataset(sdtm / f"{domain.lower()}.xpt")[0]
    lineage = pd.read_csv(sdtm / "lineage" / f"{domain.lower()}.csv", keep_default_na=False)
    hit = (lineage["extract"] == extract) & (lineage["row"] == row)
    for column, value in match.items():
        hit &= data[column] == value
    assert hit.sum() == 1, (extract, row, match)
    return data[hit.to_numpy()].iloc[0]


@pytest.mark.parametrize("extract, column, value, nth, variable, domain, match, bound", [
    ("safety_lab", "LBORRES", b"1e300", ("LBCAT", "CHEMISTRY", 97), "LBSTRESN", "LB", {}, IBM_RANGE),
    ("safety_lab", "LBORRES", b"-1e-300", ("LBCAT", "HEMATOLOGY", 40), "LBSTRESN", "LB", {}, IBM_RANGE),
    ("vital_signs", "WEIGHT", b"1e300", ("VISIT", "Week 4", 3), "VSSTRESN", "VS", {"VSTESTCD": "WEIGHT"},
     IBM_RANGE),
    ("adverse_events", "AETERM", b"Headache " + b"x" * 200, ("AESER", "Yes", 2), "AETERM", "AE", {},
     "at most 200 bytes"),
], ids=["lb-too-large", "lb-too-small", "vs-too-large", "ae-text-over-200"])
def test_value_beyond_xpt_names_the_raw_extract_and_row(faulty_raw, sim_out, tmp_path, extract, column, value, nth,
                                                       variable, domain, match, bound):
    pristine = faulty_raw()
    row = nth_row(pristine, extract, *nth)
    raw = faulty_raw(f"{extract}.csv", set_cell(row, column, value))
    record = sdtm_record(sim_out, domain, extract, row, **match)
    out = tmp_path / "out"
    code, _, err = cli("sdtm", "--raw", str(raw), "--out", str(out))
    line = assert_one_line_error(
        code, err, f"{extract}.csv, row {row}, variable {variable}: dataset {domain} record "
                   f"USUBJID={record['USUBJID']}, {domain}SEQ={int(record[f'{domain}SEQ'])}: ", f"(expected {bound})")
    assert ".staging" not in line and ".sdtm" not in line and f"{domain.lower()}.xpt" not in line
    assert_nothing_published(out, "sdtm")


def test_adam_value_beyond_xpt_names_the_record_by_its_keys(out_copy):
    """An SDTM LB delivered as Dataset-JSON holding 1e300 (which JSON can hold): ADLB's AVAL cannot be written;
    the error names ADLB, AVAL and the record's USUBJID and PARAMCD, and ``adam/`` is left as it was."""
    sdtm, adam = out_copy / STUDY / "sdtm", out_copy / STUDY / "adam"
    before = {p: hashlib.sha256((adam / p).read_bytes()).hexdigest() for p in files_under(adam)}
    assert before
    doc = json.loads((sdtm / "lb.json").read_text())
    names = [c["name"] for c in doc["columns"]]
    at = {n: names.index(n) for n in ("USUBJID", "LBCAT", "LBTESTCD", "LBSTRESN")}
    planted = next(r for r in doc["rows"] if r[at["LBCAT"]] == "CHEMISTRY" and r[at["LBSTRESN"]] is not None)
    planted[at["LBSTRESN"]] = 1e300
    (sdtm / "lb.json").write_text(json.dumps(doc))
    (sdtm / "lb.xpt").unlink()
    code, _, err = cli("adam", "--out", str(out_copy))
    line = assert_one_line_error(code, err, "variable AVAL: dataset ADLB record ",
                                 f"USUBJID={planted[at['USUBJID']]}, PARAMCD={planted[at['LBTESTCD']]}, ",
                                 "number 1e+300", f"(expected {IBM_RANGE})")
    assert ".staging" not in line and "adlb.xpt" not in line
    assert {p: hashlib.sha256((adam / p).read_bytes()).hexdigest() for p in files_under(adam)} == before
