"""docs/first-study.md, followed word for word: its files are written and its commands run in an empty folder."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from cdiscflow.io.datasets import read_dataset
from cdiscflow.specs.workbook import read_workbook
from tests.conftest import REPO

TUTORIAL = REPO / "docs" / "first-study.md"
BLOCK = re.compile(r"^```(\w+)(?: title=\"([^\"]+)\")?\n(.*?)^```$", re.S | re.M)
#: what main said before external studies' code was loaded (the loader helper's #11 item 1)
NOT_LOADED = "study programs outside the built-in studies are not loaded"


def steps() -> list[tuple[str, str]]:
    """("file", path + text) and ("command", line) in the tutorial's order."""
    out: list[tuple[str, str]] = []
    for lang, title, body in BLOCK.findall(TUTORIAL.read_text(encoding="utf-8")):
        if title:
            out.append(("file", f"{title}\n{body}"))
        elif lang == "console":
            out += [("command", line[2:]) for line in body.splitlines() if line.startswith("$ ")]
    return out


def test_tutorial_uses_only_its_files_and_cdiscflow_commands() -> None:
    kinds = [k for k, _ in steps()]
    assert kinds.count("file") == 7 and kinds.count("command") == 4
    assert all(shlex.split(c)[0] == "cdiscflow" for k, c in steps() if k == "command")


@pytest.fixture(scope="module")
def followed(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    folder = tmp_path_factory.mktemp("first-study")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for kind, text in steps():
        if kind == "file":
            name, _, body = text.partition("\n")
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(body, encoding="utf-8")
            continue
        proc = subprocess.run([sys.executable, "-m", *shlex.split(text)], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=600)
        if proc.returncode != 0 and NOT_LOADED in proc.stderr:
            pytest.skip(f"`{text}` needs the study loader (#11 item 1) that loads a study folder's own programs; "
                        f"this branch says: {proc.stderr.strip()}")
        assert proc.returncode == 0, f"{text}\n{proc.stdout}\n{proc.stderr}"
    return folder


def _raw() -> pd.DataFrame:
    text = next(t for k, t in steps() if k == "file" and t.startswith("raw/dm_raw.csv\n"))
    return pd.read_csv(StringIO(text.partition("\n")[2]), dtype=str)


def test_tutorial_dm_holds_every_raw_subject_mapped(followed: Path) -> None:
    raw = _raw()
    dm, _ = read_dataset(followed / "out" / "first-study" / "sdtm" / "dm.xpt")
    expected = pd.DataFrame({"USUBJID": "FIRST01-" + raw["SUBJECT"], "AGE": raw["AGE"].astype(float),
                             "SEX": raw["SEX"].str[0].str.upper(), "ARM": raw["ARM"]})
    pd.testing.assert_frame_equal(dm[expected.columns.tolist()].reset_index(drop=True), expected,
                                  check_dtype=False)
    assert (dm["STUDYID"] == "FIRST01").all() and (dm["DOMAIN"] == "DM").all()
    recon = pd.read_csv(followed / "out" / "first-study" / "sdtm" / "reconciliation.csv")
    assert recon[["raw_rows", "mapped", "rejected"]].values.tolist() == [[len(raw), len(raw), 0]]


def test_tutorial_adsl_derived_by_the_study_program(followed: Path) -> None:
    raw = _raw()
    adsl, _ = read_dataset(followed / "out" / "first-study" / "adam" / "adsl.xpt")
    assert adsl.columns.tolist() == ["STUDYID", "USUBJID", "AGE", "AGEGR1", "SEX", "TRT01P", "SAFFL"]
    age = raw["AGE"].astype(float)
    assert adsl["AGEGR1"].tolist() == ["<60" if a < 60 else ">=60" for a in age]
    assert adsl["TRT01P"].tolist() == raw["ARM"].tolist() and (adsl["SAFFL"] == "Y").all()


def test_tutorial_table_counts_and_means_match_the_raw_data(followed: Path) -> None:
    raw = _raw().assign(AGE=lambda d: d["AGE"].astype(float), SEX=lambda d: d["SEX"].str[0].str.upper())
    tlf = followed / "out" / "first-study" / "tlf"
    assert (tlf / "t-dm.html").is_file() and (tlf / "t-dm.rtf").is_file()
    assert "Demographic Characteristics" in (tlf / "t-dm.html").read_text(encoding="utf-8")
    ard = pd.read_csv(tlf / "t-dm.ard.csv", dtype={"group": str, "category": str})
    groups = {**{arm: raw[raw["ARM"] == arm] for arm in raw["ARM"].unique()}, "Total": raw}
    age = ard[ard["variable"] == "AGE"].set_index(["group", "statistic"])["value"].astype(float)
    for group, rows in groups.items():
        assert age[group, "n"] == len(rows)
        assert age[group, "mean"] == pytest.approx(rows["AGE"].mean())
    sex = ard[(ard["variable"] == "SEX") & (ard["statistic"] == "n") & ard["category"].notna()]
    counts = {(g, c): float(v) for g, c, v in zip(sex["group"], sex["category"], sex["value"], strict=True)}
    for group, rows in groups.items():
        for code, n in rows["SEX"].value_counts().items():
            label = {"F": "Female", "M": "Male"}[code]
            assert counts.get((group, code), counts.get((group, label))) == n, (group, code, counts)


def test_tutorial_workbook_holds_the_specs(followed: Path) -> None:
    specs = read_workbook(followed / "first-study-specs.xlsx")
    assert sorted(specs.datasets) == ["ADSL", "DM"]
    assert specs.datasets["DM"].variables[-2].map == {"assign_ct": "SEX"}
    assert specs.codelists["SEX"].subset == ["F", "M"]
