"""The pilot RTFs convert to PDF in LibreOffice with the expected number of pages (skipped without soffice)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cdiscflow.study import Study
from cdiscflow.tlf.engine import run_catalog
from cdiscflow.tlf.render import soffice_path

EXPECTED_PAGES = {"t-14-2-01": 2, "t-14-3-01": 1, "t-14-5-01": 9,
                  # the efficacy tables and Figure 14-1 fit one page each, as in the CSR
                  **{f"t-14-3-{i:02d}": 1 for i in range(2, 14)}, "f-14-1": 1}


def _pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


@pytest.mark.slow
@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")
def test_pilot_pdfs_have_expected_page_counts(shared_data: Path, tmp_path: Path) -> None:
    study = Study.load("cdiscpilot01", tmp_path)
    summaries = run_catalog(study, shared_data / "cdiscpilot01" / "adam", formats=["rtf", "pdf"])
    out = study.stage_dir("tlf")
    made = {s["id"]: f"{s['id']}.pdf" in s["files"] for s in summaries}
    assert made == dict.fromkeys(made, True) and set(EXPECTED_PAGES) <= set(made)
    assert {oid: _pages(out / f"{oid}.pdf") for oid in EXPECTED_PAGES} == EXPECTED_PAGES
