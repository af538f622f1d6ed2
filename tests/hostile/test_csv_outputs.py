"""CSV outputs are safe to open in a spreadsheet: text cells starting with = + - @ tab or CR get a leading
quote (OWASP), numeric columns and plain numbers stay numbers, and XPT / Dataset-JSON keep the data verbatim."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cdiscflow.io.csvsafe import neutralise, restore
from cdiscflow.io.datasets import read_dataset
from cdiscflow.tlf.ard import read_ard
from hostile.conftest import run_cli
from hostile.spec_fixtures import OUTPUT, output, sdtm_study, tlf_study, with_map

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


def _raw_csv_cells(path: Path) -> list[str]:
    return pd.read_csv(path, dtype=str, keep_default_na=False).to_numpy().ravel().tolist()


@pytest.mark.parametrize("formula", FORMULAS, ids=["eq", "plus", "minus", "at", "tab", "cr"])
def test_ard_csv_neutralises_formulas_from_the_data(tmp_path: Path, formula: str) -> None:
    adsl = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(6)], "ARM": ["Placebo", "Active"] * 3,
                         "SAFFL": ["Y"] * 6, "AGE": [-1.5, -2.5, 3.0, 4.0, 5.0, 6.0],
                         "SEX": [formula, "M", formula, "M", "M", formula]})
    opts = dict(OUTPUT["options"])
    opts["blocks"] = [{"var": "AGE", "label": "Change"},
                      {"var": "SEX", "label": "Sex", "type": "categorical", "levels": {formula: "Odd", "M": "M"}}]
    rc, _, err = run_cli(tlf_study(tmp_path, output(options=opts), adsl=adsl))
    assert rc == 0, err
    tlf = tmp_path / "out" / "mini" / "tlf"
    cells = _raw_csv_cells(tlf / "t-dm.ard.csv")
    assert formula not in cells and "'" + formula in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    minus = [c for c in cells if c.startswith("-")]
    assert minus and all(pd.notna(pd.to_numeric(c, errors="coerce")) for c in minus)   # plain numbers only
    ard = read_ard(tlf / "t-dm.ard.csv")
    assert (ard["value"] < 0).any() and ard["value"].dtype == float                    # numbers stay numbers
    verbatim = [r["category"] for r in json.loads((tlf / "t-dm.ard.json").read_text())["results"]]
    assert formula in verbatim                                                          # JSON keeps the data
    assert formula in ard["category"].tolist()                                          # read_ard restores it


@pytest.mark.parametrize("formula", FORMULAS[:4], ids=["eq", "plus", "minus", "at"])
def test_rejections_csv_neutralises_the_rejected_value(tmp_path: Path, formula: str) -> None:
    quoted = formula.replace('"', '""')
    csv = f'PAT,SEX,AGE,COUNTRY\n1,F,"{quoted}",USA\n2,M,61,USA\n'
    args = sdtm_study(tmp_path, with_map("AGE", {"assign": "AGE", "on_invalid": "reject"}), dm_csv=csv)
    rc, _, err = run_cli(args)
    assert rc == 0, err
    sdtm = tmp_path / "out" / "tiny" / "sdtm"
    rejections = pd.read_csv(sdtm / "rejections.csv", dtype=str, keep_default_na=False)
    assert rejections["value"].tolist() == ["'" + formula] and rejections["row"].tolist() == ["1"]
    assert restore(rejections)["value"].tolist() == [formula]


def test_xpt_and_dataset_json_keep_the_text_verbatim(tmp_path: Path) -> None:
    formula = "=HYPERLINK(1)"
    args = sdtm_study(tmp_path, dm_csv=f"PAT,SEX,AGE,COUNTRY\n1,F,54,{formula}\n")
    rc, _, err = run_cli(args)
    assert rc == 0, err
    sdtm = tmp_path / "out" / "tiny" / "sdtm"
    for name in ("dm.xpt", "dm.json"):
        assert read_dataset(sdtm / name)[0]["COUNTRY"].tolist() == [formula]


def test_neutralise_round_trip_keeps_quoted_text_apart() -> None:
    frame = pd.DataFrame({"t": ["=1", "'=1", "''@x", "-0.25", "plain", None], "v": [-1.0, 2.0, -3.0, 4.0, 5.0, 6.0]})
    safe = neutralise(frame)
    assert safe["t"].tolist()[:5] == ["'=1", "''=1", "'''@x", "-0.25", "plain"] and safe["t"].isna().iloc[5]
    assert safe["v"].tolist() == frame["v"].tolist()
    pd.testing.assert_frame_equal(restore(safe), frame)
