"""The pilot CSR's whole section 14 is in the ``cdiscpilot01`` catalog, compared with the published displays, and
one ``cdiscflow tlf`` command on the pilot ADaM writes all of it.

The list of displays is not typed in here: it is read from the CSR's own bookmarks (the entries under
"14. SUMMARY TABLES AND FIGURES"), so a display the catalog lacks fails the test by name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from cdiscflow.cli import main
from cdiscflow.study import Study
from cdiscflow.tlf.catalog import load_catalog
from tests.studies.cdiscpilot01.published import REF

HERE = Path(__file__).parent


def _catalog_id(title: str) -> str:
    """``Table 14-3.01 Primary ...`` → ``t-14-3-01``; ``Figure 14-1 Time to ...`` → ``f-14-1``."""
    kind, number = re.match(r"(Table|Figure) (14-[\d.]+)", title).groups()
    return f"{kind[0].lower()}-{number.replace('.', '-')}"


@pytest.fixture(scope="module")
def section14(shared_data: Path) -> list[str]:
    reader = pypdf.PdfReader(shared_data / "ars" / "examples" / "csr-cdiscpilot01.pdf")
    outline = reader.outline
    at = next(i for i, item in enumerate(outline) if not isinstance(item, list)
              and item.title.startswith("14. SUMMARY TABLES AND FIGURES"))
    return [_catalog_id(item.title) for item in outline[at + 1]]


def test_the_csr_bookmarks_name_thirty_tables_and_the_km_figure(section14: list[str]) -> None:
    assert len(section14) == 31 and len(set(section14)) == 31
    assert sum(i.startswith("t-") for i in section14) == 30 and section14[-1] == "f-14-1"


def test_every_section_14_display_is_a_catalog_entry_compared_with_the_published_one(section14: list[str]) -> None:
    catalog = {spec.id for spec in load_catalog(Study.load("cdiscpilot01").root / "tlf" / "catalog.yaml").outputs}
    assert [i for i in section14 if i not in catalog] == []
    tests = "\n".join(p.read_text(encoding="utf-8") for p in HERE.glob("test_tlf_pilot*.py")
                      if p.name != Path(__file__).name)
    tables = [i for i in section14 if i.startswith("t-")]
    assert [i for i in tables if not (REF / f"{i}.txt").is_file()] == []  # the published cells, transcribed
    assert [i for i in section14 if f'"{i}"' not in tests] == []  # and a test that compares them


@pytest.mark.slow
def test_one_tlf_command_writes_the_whole_section(section14: list[str], shared_data: Path, tmp_path: Path) -> None:
    code = main(["tlf", "--study", "cdiscpilot01", "--adam", str(shared_data / "cdiscpilot01" / "adam"),
                 "--out", str(tmp_path), "--formats", "rtf", "--only", *section14])
    assert code == 0
    folder = tmp_path / "cdiscpilot01" / "tlf"
    assert [i for i in section14 if not (folder / f"{i}.rtf").is_file()] == []
    assert [i for i in section14 if not (folder / f"{i}.ard.csv").is_file()] == []
