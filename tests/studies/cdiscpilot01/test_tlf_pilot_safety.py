"""The CDISC pilot CSR's section-14 disposition, exposure, safety, laboratory and vital-sign tables, compared
cell for cell with the published displays.

The expected cells are the published values, transcribed from the CSR
(``../shared/data/ars/examples/csr-cdiscpilot01.pdf``) into ``reference/t-*.txt``; each file's header names
its PDF pages. The outputs are derived from the pilot ADaM by the generic shapes of
:mod:`cdiscflow.tlf.shapes`. Cells are compared ignoring spaces (the displays pad numbers for alignment,
``79 ( 92%)``). A cell in which the published display is itself wrong is listed in :data:`PUBLISHED_ERRORS`
with the value we print; the evidence is in ``docs/parity/pilot-tlf.md``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.studies.cdiscpilot01.published import norm, pilot_outputs, reference

#: (output id, body row, column) → what we print where the published display is wrong (1-based row/column)
PUBLISHED_ERRORS: dict[tuple[str, int, int], str] = {
    ("t-14-5-02", 5, 1): "PARTIAL SEIZURES WITH SECONDARY GENERALISATION",  # the display cut the term at 40 characters
}

SAFETY_IDS = ["t-14-1-01", "t-14-1-02", "t-14-1-03", "t-14-4-01", "t-14-5-02", "t-14-6-01", "t-14-6-02", "t-14-6-03", "t-14-7-01", "t-14-7-02", "t-14-7-03"]


def _strip_trailing_blanks(rows: list[list[str]]) -> list[list[str]]:
    while rows and not any(rows[-1]):
        rows = rows[:-1]
    return rows


@pytest.fixture(scope="module")
def outputs(shared_data: Path):  # noqa: ANN201
    return pilot_outputs(shared_data, SAFETY_IDS)


@pytest.mark.parametrize("output_id", SAFETY_IDS)
def test_table_matches_published_display(outputs, output_id: str) -> None:  # noqa: ANN001
    result = outputs[output_id]
    ref_header, ref_body = reference(output_id)
    got = _strip_trailing_blanks([[norm(c) for c in row] for row in result.output.grid()])
    ref_body = _strip_trailing_blanks(ref_body)
    assert len(got) == len(ref_body), f"{len(got)} body rows, published {len(ref_body)}"
    diffs = []
    for i, (grow, rrow) in enumerate(zip(got, ref_body, strict=True), start=1):
        assert len(grow) == len(rrow), f"row {i}: {len(grow)} cells, published {len(rrow)}"
        for j, (g, r) in enumerate(zip(grow, rrow, strict=True), start=1):
            expected = norm(PUBLISHED_ERRORS.get((output_id, i, j), r))
            if g != expected:
                diffs.append(f"row {i} col {j}: got {g!r}, published {r!r}")
    assert not diffs, "\n".join(diffs[:40])
    if ref_header:
        assert [norm(c.text) for c in result.output.header[-1]] == ref_header


def test_published_errors_differ_from_the_published_value() -> None:
    """Every listed published error is a real difference (no stale entries)."""
    for (output_id, row, col), ours in PUBLISHED_ERRORS.items():
        assert norm(reference(output_id)[1][row - 1][col - 1]) != norm(ours)
