"""The pilot CSR's displays as transcribed in ``reference/<output id>.txt`` and the pilot catalog's outputs to compare
with them (shared by the pilot TLF tests).

A reference file holds one body row per line, cells separated by ``|``; a line starting ``H|`` is the header row
(its N counts); ``#`` lines are comments naming the CSR page. Spaces are ignored in every comparison.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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


def _strip_trailing_blanks(rows: list[list[str]]) -> list[list[str]]:
    while rows and not any(rows[-1]):
        rows = rows[:-1]
    return rows


def differences(result, output_id: str, published_errors: Mapping[tuple[str, int, int], str]) -> list[str]:  # noqa: ANN001
    """Every cell of ``result``'s table (an OutputResult) that differs from ``reference/<output_id>.txt``,
    the last header row included; ``published_errors`` maps (output id, 1-based body row, column) where the
    published display is wrong to what we print there. Differing row or cell counts fail at once."""
    known = {(row, col): ours for (oid, row, col), ours in published_errors.items() if oid == output_id}
    ref_header, ref_body = reference(output_id)
    got = _strip_trailing_blanks([[norm(c) for c in row] for row in result.output.grid()])
    ref_body = _strip_trailing_blanks(ref_body)
    assert len(got) == len(ref_body), f"{output_id}: {len(got)} body rows, published {len(ref_body)}"
    diffs = []
    for i, (grow, rrow) in enumerate(zip(got, ref_body, strict=True), start=1):
        assert len(grow) == len(rrow), f"{output_id} row {i}: {len(grow)} cells, published {len(rrow)}"
        for j, (g, r) in enumerate(zip(grow, rrow, strict=True), start=1):
            if g != norm(known.get((i, j), r)):
                diffs.append(f"row {i} col {j}: got {g!r}, published {r!r}")
    header = [norm(c.text) for c in result.output.header[-1]]
    if ref_header and header != ref_header:
        diffs.append(f"header: got {header}, published {ref_header}")
    return diffs


def stale_errors(published_errors: Mapping[tuple[str, int, int], str]) -> list[tuple[str, int, int]]:
    """Listed published errors whose value is the published one (no longer a difference)."""
    return [key for key, ours in published_errors.items()
            if norm(reference(key[0])[1][key[1] - 1][key[2] - 1]) == norm(ours)]
