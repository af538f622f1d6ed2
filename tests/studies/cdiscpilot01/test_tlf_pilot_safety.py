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

from tests.studies.cdiscpilot01.published import differences, pilot_outputs, stale_errors

#: (output id, body row, column) → what we print where the published display is wrong (1-based row/column)
PUBLISHED_ERRORS: dict[tuple[str, int, int], str] = {
    ("t-14-5-02", 5, 1): "PARTIAL SEIZURES WITH SECONDARY GENERALISATION",  # the display cut the term at 40 characters
}

SAFETY_IDS = ["t-14-1-01", "t-14-1-02", "t-14-1-03", "t-14-4-01", "t-14-5-02", "t-14-6-01", "t-14-6-02", "t-14-6-03", "t-14-7-01", "t-14-7-02", "t-14-7-03"]


@pytest.fixture(scope="module")
def outputs(shared_data: Path):  # noqa: ANN201
    return pilot_outputs(shared_data, SAFETY_IDS)


@pytest.mark.parametrize("output_id", SAFETY_IDS)
def test_table_matches_published_display(outputs, output_id: str) -> None:  # noqa: ANN001
    diffs = differences(outputs[output_id], output_id, PUBLISHED_ERRORS)
    assert not diffs, "\n".join(diffs[:40])


def test_published_errors_differ_from_the_published_value() -> None:
    """Every listed published error is a real difference (no stale entries)."""
    assert not stale_errors(PUBLISHED_ERRORS)
