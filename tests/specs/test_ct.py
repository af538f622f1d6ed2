"""Where the NCI CT files are found: ``CDISCFLOW_DATA`` wins over ``../shared/data``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.specs.ct import CT_FILES, data_dir, load_terminology

HEADER = ("Code\tCodelist Code\tCodelist Extensible (Yes/No)\tCodelist Name\tCDISC Submission Value\t"
          "CDISC Synonym(s)\tCDISC Definition\tNCI Preferred Term\n")


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    load_terminology.cache_clear()
    yield
    load_terminology.cache_clear()


def test_cdiscflow_data_points_at_another_ct_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     fresh_cache: None) -> None:
    path = tmp_path / CT_FILES["sdtm"].format(version="2099-01-01")
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + "C1\t\tNo\tMini Yes No\tNY\t\tYes or no\tYes No\n"
                    "C2\tC1\t\t\tY\tYes;Ja\tYes\tYes\nC3\tC1\t\t\tN\tNo\tNo\tNo\n", encoding="utf-8")
    monkeypatch.setenv("CDISCFLOW_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    cl = load_terminology("sdtm", "2099-01-01").codelist("NY")
    assert (cl.code, cl.values, cl.terms[0].synonyms, cl.extensible) == ("C1", ["Y", "N"], ["Yes", "Ja"], False)


def test_cdiscflow_data_without_ct_names_the_file_and_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   fresh_cache: None) -> None:
    monkeypatch.setenv("CDISCFLOW_DATA", str(tmp_path))
    with pytest.raises(SpecError) as info:
        load_terminology("sdtm", "2025-03-28")
    assert str(tmp_path / "ct" / "sdtm" / "SDTM_Terminology_2025-03-28.txt") in str(info.value)
    assert "CDISCFLOW_DATA" in str(info.value)


def test_without_the_variable_the_shared_folder_is_found(monkeypatch: pytest.MonkeyPatch, shared_data: Path) -> None:
    monkeypatch.delenv("CDISCFLOW_DATA", raising=False)
    assert data_dir() == shared_data
