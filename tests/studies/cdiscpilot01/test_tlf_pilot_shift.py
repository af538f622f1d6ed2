"""The CDISC pilot CSR's laboratory shift tables 14-6.04 (by visit), 14-6.05 (at any visit, CMH p) and 14-6.06
(Hy's law), from the pilot ADaM through the generic ``shift`` program, compared cell for cell with the
published displays (``reference/t-14-6-0[456].txt``, transcribed by ``tools/transcribe_shift.py``).

A cell where the published display is itself wrong is listed in :data:`PUBLISHED_ERRORS` with the value we
print and the evidence.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.studies.cdiscpilot01.published import REF, differences, pilot_outputs, stale_errors
from tools.transcribe_shift import transcribe

#: (output id, body row, column) → what we print where the published display is wrong (1-based row/column).
#: 14-6.06, Xanomeline Low Dose, Normal at Baseline (column 5) and the p-values (column 9): subjects
#: 01-703-1119 and 01-708-1348 have no baseline in the pilot ADaM (ADLBHY BASE missing on every record, no
#: ABLFL record; ADLBC BNRIND blank), yet the display counts them as "Normal at Baseline", against its own
#: note "Only subjects with baseline results are included" (14-6.05, from the same subjects' ADLBC records,
#: excludes them: ALT Xan. Low n = 79 + 1). Counting a missing baseline as normal gives the published n 80 and 82,
#: Normal 79(99%) and 82(100%) and, with cmh_test, exactly the published p-values 0.392 and 0.381.
PUBLISHED_ERRORS: dict[tuple[str, int, int], str] = {
    ("t-14-6-06", 1, 5): "78", ("t-14-6-06", 2, 5): "77(99%)", ("t-14-6-06", 1, 9): "0.405",
    ("t-14-6-06", 5, 5): "80", ("t-14-6-06", 6, 5): "80(100%)", ("t-14-6-06", 5, 9): "0.386",
}

SHIFT_IDS = ["t-14-6-04", "t-14-6-05", "t-14-6-06"]


@pytest.fixture(scope="module")
def outputs(shared_data: Path):  # noqa: ANN201
    return pilot_outputs(shared_data, SHIFT_IDS)


@pytest.mark.parametrize("output_id", SHIFT_IDS)
def test_table_matches_published_display(outputs, output_id: str) -> None:  # noqa: ANN001
    diffs = differences(outputs[output_id], output_id, PUBLISHED_ERRORS)
    assert not diffs, "\n".join(diffs[:40])


def test_published_errors_differ_from_the_published_value() -> None:
    """Every listed published error is a real difference (no stale entries)."""
    assert not stale_errors(PUBLISHED_ERRORS)


def test_cmh_p_values_are_in_the_ard(outputs) -> None:  # noqa: ANN001
    """The p-value column is the ARD's CMH general-association result (2 df: 3 groups × 2 categories)."""
    ard = outputs["t-14-6-05"].ard
    cmh = ard[(ard["analysis"] == "cmh") & (ard["by"] == "ALT/Weeks 2-24")]
    assert cmh.set_index("statistic")["value"]["df"] == 2.0
    assert cmh.set_index("statistic")["formatted"]["p"] == "0.828"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed")
def test_references_are_the_transcription_of_the_csr(shared_data: Path, tmp_path: Path) -> None:
    """The committed references are exactly what ``tools/transcribe_shift.py`` reads from the CSR's PDF."""
    text = tmp_path / "csr.txt"
    subprocess.run(["pdftotext", "-layout", str(shared_data / "ars" / "examples" / "csr-cdiscpilot01.pdf"),
                    str(text)], check=True, timeout=120)
    for output_id in SHIFT_IDS:
        assert transcribe(text.read_text(encoding="utf-8"), output_id) == \
            (REF / f"{output_id}.txt").read_text(encoding="utf-8"), output_id
