"""The pilot CSR's displays as transcribed in ``reference/<output id>.txt`` and the pilot catalog's outputs to compare
with them (shared by the pilot TLF tests).

A reference file holds one body row per line, cells separated by ``|``; a line starting ``H|`` is the header row
(its N counts); ``#`` lines are comments naming the CSR page. Spaces are ignored in every comparison.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from cdiscflow.study import Study
from cdiscflow.tlf.catalog import load_catalog
from cdiscflow.tlf.engine import AdamFolder, run_output

REF = Path(__file__).parent / "reference"


def norm(text: str) -> str:
    """``text`` without white space."""
    return re.sub(r"\s+", "", text)


def reference(output_id: str) -> tuple[list[str], list[list[str]]]:
    """(header cells, body rows) of ``reference/<output_id>.txt``, normalised with :func:`norm`."""
    header: list[str] = []
    body: list[list[str]] = []
    for line in (REF / f"{output_id}.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cells = [norm(c) for c in line.split("|")]
        if cells[0] == "H":
            header = cells[1:]
        else:
            body.append(cells)
    return header, body


def body_rows(grid: Sequence[Sequence[str]]) -> list[list[str]]:
    """An output's (or a reference's) body rows normalised with :func:`norm`, trailing blank rows dropped."""
    rows = [[norm(c) for c in row] for row in grid]
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def pilot_outputs(shared_data: Path, ids: Sequence[str]) -> dict:
    """The pilot catalog's outputs ``ids`` run on the pilot ADaM: ``{id: OutputResult}``."""
    study = Study.load("cdiscpilot01")
    catalog = load_catalog(study.root / "tlf" / "catalog.yaml")
    adam = AdamFolder(shared_data / "cdiscpilot01" / "adam")
    return {spec.id: run_output(spec, study, adam, "2026-01-01T00:00:00")[0] for spec in catalog.select(ids)}
