"""Tiny studies for hostile spec cases: a DM/AE study for ``cdiscflow sdtm`` and an ADaM folder + catalog for
``cdiscflow tlf``. Each builder takes the pieces a test wants to spoil."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cdiscflow.io.xpt import write_xpt

DM: dict[str, Any] = {
    "dataset": "DM", "label": "Demographics", "keys": ["STUDYID", "USUBJID"], "source": "dm_raw",
    "settings": {"subject": "PAT"}, "variables": [
        {"name": "STUDYID", "label": "Study Identifier", "length": 4, "map": {"hardcode": "S1"}},
        {"name": "DOMAIN", "label": "Domain Abbreviation", "length": 2, "map": {"hardcode": "DM"}},
        {"name": "USUBJID", "label": "Unique Subject Identifier", "length": 10, "map": {"template": "S1-{PAT}"}},
        {"name": "SEX", "label": "Sex", "length": 1, "map": {"assign": "SEX"}},
        {"name": "AGE", "label": "Age", "type": "Num", "map": {"assign": "AGE"}},
        {"name": "COUNTRY", "label": "Country", "length": 20, "map": {"assign": "COUNTRY"}}]}
DM_CSV = "PAT,SEX,AGE,COUNTRY\n1,F,54,USA\n2,M,61,USA\n3,F,47,CAN\n"


def dm_spec(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`DM` with top-level keys replaced (``settings=...``)."""
    spec = copy.deepcopy(DM)
    spec.update(changes)
    return spec


def with_map(variable: str, entry: Any) -> dict[str, Any]:
    """:data:`DM` with ``variable``'s ``map:`` replaced by ``entry``."""
    spec = copy.deepcopy(DM)
    for var in spec["variables"]:
        if var["name"] == variable:
            var["map"] = entry
    return spec


def sdtm_study(tmp: Path, dm: dict[str, Any] | str | None = None, *, study_yaml: str = "studyid: S1\nname: tiny\n",
               dm_csv: str = DM_CSV) -> list[str]:
    """Write the study (``dm``: a spec dict, or raw YAML text) and return the ``cdiscflow sdtm`` arguments."""
    root = tmp / "study"
    (root / "specs" / "sdtm").mkdir(parents=True, exist_ok=True)
    (root / "study.yaml").write_text(study_yaml, encoding="utf-8")
    text = dm if isinstance(dm, str) else yaml.safe_dump(dm or DM, sort_keys=False)
    (root / "specs" / "sdtm" / "dm.yaml").write_text(text, encoding="utf-8")
    raw = tmp / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "dm_raw.csv").write_text(dm_csv, encoding="utf-8")
    return ["sdtm", "--study", root, "--raw", raw, "--out", tmp / "out"]


OUTPUT: dict[str, Any] = {
    "id": "t-dm", "title": "Demographics", "datasets": ["ADSL"], "program": "summary",
    "population": {"label": "Safety", "dataset": "ADSL", "where": 'SAFFL == "Y"'},
    "options": {"group": {"var": "ARM", "levels": ["Placebo", "Active"]},
                "blocks": [{"var": "AGE", "label": "Age"},
                           {"var": "SEX", "label": "Sex", "type": "categorical", "levels": {"F": "F", "M": "M"}}]}}
LISTING: dict[str, Any] = {
    "id": "l-dm", "title": "Listing", "datasets": ["ADSL"], "program": "listing",
    "population": {"label": "Safety", "dataset": "ADSL", "where": 'SAFFL == "Y"'},
    "options": {"dataset": "ADSL", "sort": ["USUBJID"], "columns": [["USUBJID", "Subject"], ["AGE", "Age"]]}}


def output(base: dict[str, Any] = OUTPUT, **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def tlf_study(tmp: Path, *outputs: dict[str, Any], catalog: str | None = None,
              defaults: dict[str, Any] | None = None, adsl: pd.DataFrame | None = None) -> list[str]:
    """Write a study whose catalog holds ``outputs`` (or the raw ``catalog`` text) and an ADSL; return the
    ``cdiscflow tlf`` arguments (HTML only)."""
    root = tmp / "study"
    (root / "tlf").mkdir(parents=True, exist_ok=True)
    (root / "study.yaml").write_text("name: mini\nstudyid: MINI01\n")
    data = {"defaults": defaults or {"top_left": ["Protocol: {studyid}"], "source": "Program: {program}"},
            "outputs": list(outputs or [OUTPUT])}
    (root / "tlf" / "catalog.yaml").write_text(catalog if catalog is not None else yaml.safe_dump(data),
                                                encoding="utf-8")
    adam = tmp / "adam"
    adam.mkdir(exist_ok=True)
    frame = adsl if adsl is not None else pd.DataFrame({
        "USUBJID": [f"S{i}" for i in range(8)], "ARM": ["Placebo", "Active"] * 4, "SAFFL": ["Y"] * 7 + ["N"],
        "AGE": [60, 61, 70, 72, 65, 66, 80, 90], "SEX": ["F", "M", "F", "F", "M", "M", "F", "F"]})
    write_xpt(frame, adam / "adsl.xpt")  # typed: AGE is a number, SEX text
    return ["tlf", "--study", root, "--adam", adam, "--out", tmp / "out", "--formats", "html"]
