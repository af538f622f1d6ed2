"""pharmaverse raw → SDTM for the CDISC pilot, compared cell for cell with the expected SDTM.

Runs the user's command (``cdiscflow sdtm --study cdiscpilot01 --raw <pharmaverseraw> --out DIR``), reads the
XPT files back and compares them with AE/EX/VS of the pilot and DM/SUPPDM/DS of pharmaversesdtm. The match
rate of a variable is the share of *expected* records (matched by the keys below, duplicates by occurrence)
whose value is equal — a record missing on our side counts as a miss for every variable. The exact rates are
asserted so that any regression fails; each shortfall is explained in the report of issue 3.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cdiscflow.cli import main
from cdiscflow.compare import compare_frames
from cdiscflow.io.datasets import read_dataset
from cdiscflow.io.xpt import read_xpt
from cdiscflow.study import Study

EXPECTED = {
    "AE": "cdiscpilot01/sdtm/ae.xpt", "EX": "cdiscpilot01/sdtm/ex.xpt", "VS": "cdiscpilot01/sdtm/vs.xpt",
    "DM": "pharmaverseraw/expected_sdtm_pharmaversesdtm/dm.csv",
    "SUPPDM": "pharmaverseraw/expected_sdtm_pharmaversesdtm/suppdm.csv",
    "DS": "pharmaverseraw/expected_sdtm_pharmaversesdtm/ds.csv",
}
KEYS = {
    "AE": ["USUBJID", "AEDECOD", "AEDTC", "AEENDTC"], "DM": ["USUBJID"], "SUPPDM": ["USUBJID", "QNAM"],
    "DS": ["USUBJID", "DSTERM", "DSDTC"], "EX": ["USUBJID", "EXSTDTC"],
    "VS": ["USUBJID", "VSTESTCD", "VISIT", "VSTPT", "VSDTC"],
}
# Variables below 100 % (every other variable of the six datasets matches every expected cell).
RATES = {
    ("AE", "AESEQ"): 967 / 1191, ("AE", "AESPID"): 0 / 1191, ("AE", "AELLTCD"): 9 / 1191,
    ("AE", "AESOCCD"): 9 / 1191, ("AE", "AESTDTC"): 1176 / 1191, ("AE", "AESTDY"): 1190 / 1191,
    ("DM", "RFICDTC"): 52 / 306, ("DM", "RFPENDTC"): 239 / 306,
    ("DM", "BRTHDTC"): 0 / 306,
    ("DS", "DSSPID"): 755 / 850,
    ("VS", "VSSEQ"): 29579 / 29643, ("VS", "VSORRESU"): 29626 / 29643, ("VS", "VSSTRESC"): 29626 / 29643,
    ("VS", "VSSTRESN"): 29626 / 29643,
}
SUPPDM_RATE = 963 / 1197   # the 234 EFFICACY records need QS data, which the raw extracts lack
EXTRA_RECORDS = {"VS": 1}  # records we map that the expected data lacks


def match_table(sdtm: Path, shared: Path, study: Study) -> tuple[pd.DataFrame, dict[str, int]]:
    rows, extra = [], {}
    for name, rel in EXPECTED.items():
        exp, _ = read_dataset(shared / rel)
        ours, _ = read_dataset(sdtm / f"{name.lower()}.xpt")
        for var in study.sdtm_specs[name].variables:
            if not var.is_char and var.name in exp.columns:
                exp[var.name] = pd.to_numeric(exp[var.name])
        res = compare_frames(exp, ours, KEYS[name])
        assert res.variables_only_in_base == [] and res.variables_only_in_compare == []
        extra[name] = len(res.only_in_compare)
        per = res.per_variable.set_index("variable")["n_equal"]
        for var in exp.columns:
            equal = res.n_matched if var in KEYS[name] else int(per[var])
            rows.append((name, var, equal, len(exp), equal / len(exp)))
    return pd.DataFrame(rows, columns=["dataset", "variable", "equal", "expected", "rate"]), extra


@pytest.mark.slow
def test_pilot_sdtm_matches_expected(shared_data, tmp_path, capsys):
    code = main(["sdtm", "--study", "cdiscpilot01", "--raw", str(shared_data / "pharmaverseraw"),
                 "--out", str(tmp_path)])
    assert code == 0
    sdtm = tmp_path / "cdiscpilot01" / "sdtm"
    assert {p.name for p in sdtm.glob("*.xpt")} >= {"ae.xpt", "dm.xpt", "suppdm.xpt", "ds.xpt", "ex.xpt", "vs.xpt"}
    study = Study.load("cdiscpilot01")
    for name in EXPECTED:  # read back with the spec's labels and lengths
        _, meta = read_xpt(sdtm / f"{name.lower()}.xpt")
        spec = study.sdtm_specs[name]
        assert meta.labels == {v.name: v.label for v in spec.variables}
        assert {k: meta.lengths[k] for k in spec.names if spec.variable(k).is_char} == {
            v.name: v.length for v in spec.variables if v.is_char}
    recon = pd.read_csv(sdtm / "reconciliation.csv")
    assert (recon["raw_rows"] == recon["mapped"]).all() and (recon["unaccounted"] == 0).all()
    table, extra = match_table(sdtm, shared_data, study)
    with capsys.disabled():
        print("\n" + table[table["rate"] < 1].to_string(index=False))
        print(table.groupby("dataset")[["equal", "expected"]].sum().assign(
            rate=lambda t: (t["equal"] / t["expected"]).round(4)).to_string())
    got = {(d, v): r for d, v, r in table[["dataset", "variable", "rate"]].itertuples(index=False)
           if d != "SUPPDM" and r < 1}
    assert got == pytest.approx(RATES)
    assert table.loc[table["dataset"] == "SUPPDM", "rate"].tolist() == pytest.approx([SUPPDM_RATE] * 10)
    assert {k: v for k, v in extra.items() if v} == EXTRA_RECORDS
