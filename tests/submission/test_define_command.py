"""``cdiscflow define``: both define.xml files (+ HTML) written atomically, schema-valid and reproducible."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
from lxml import etree

from cdiscflow.cli import main
from cdiscflow.errors import SpecError
from cdiscflow.submission import define_command
from cdiscflow.submission.define import schema_errors

FIXTURE = Path(__file__).parent / "fixtures" / "defstudy"


@pytest.fixture(autouse=True)
def _needs_shared(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def _args(out: Path, standard: str = "both", study: Path = FIXTURE) -> argparse.Namespace:
    return argparse.Namespace(study=str(study), out=str(out), standard=standard)


def test_writes_both_valid_defines_and_html(tmp_path: Path) -> None:
    assert define_command.run(_args(tmp_path / "a")) == 0
    folder = tmp_path / "a" / "defstudy" / "define"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        "adam", "adam/define.html", "adam/define.xml", "adam/define2-1.xsl",
        "sdtm", "sdtm/define.html", "sdtm/define.xml", "sdtm/define2-1.xsl"]
    for standard in ("sdtm", "adam"):
        tree = etree.parse(str(folder / standard / "define.xml"))
        assert schema_errors(tree) == []
        assert "<h1" in (folder / standard / "define.html").read_text()
        # the shipped stylesheet renders it (what a browser does with <?xml-stylesheet?>)
        xsl = etree.XSLT(etree.parse(str(folder / standard / "define2-1.xsl")),
                         access_control=etree.XSLTAccessControl.DENY_ALL)
        html = str(xsl(tree))
        names = [g.get("Name") for g in tree.iterfind(".//{*}ItemGroupDef")]
        assert names and all(f'href="#IG.{n}">{n}</a>' in html for n in names)
        assert "Controlled terms and dictionaries" in html
    # same specs and SOURCE_DATE_EPOCH → byte-identical files
    assert main(["define", "--study", str(FIXTURE), "--out", str(tmp_path / "b")]) == 0
    for name in ("sdtm/define.xml", "adam/define.xml", "sdtm/define.html", "adam/define.html"):
        assert (folder / name).read_bytes() == (tmp_path / "b" / "defstudy" / "define" / name).read_bytes()


def test_data_decide_types_and_dictionary_versions(tmp_path: Path) -> None:
    """With out/<study>/sdtm data: integer vs float from the values, MedDRA's version from SUPP--."""
    import pandas as pd

    from cdiscflow.io.xpt import write_xpt
    from cdiscflow.study import Study

    study = Study.load(str(FIXTURE), out=tmp_path)
    vs = pd.DataFrame({"VSSTRESN": [70.0, 71.0], "VISITNUM": [1.0, 2.0]})
    data = define_command.define_data(study, "sdtm")
    assert data == {}
    (tmp_path / "defstudy" / "sdtm").mkdir(parents=True)
    write_xpt(vs, tmp_path / "defstudy" / "sdtm" / "vs.xpt")
    data = define_command.define_data(study, "sdtm")
    assert sorted(data) == ["VS"]
    define_command.write_define(study, "sdtm")
    items = {i.get("OID"): i.get("DataType") for i in
             etree.parse(str(tmp_path / "defstudy" / "define" / "sdtm" / "define.xml")).iterfind(".//{*}ItemDef")}
    assert (items["IT.VS.VSSTRESN"], items["IT.VS.VISITNUM"]) == ("integer", "integer")  # whole numbers only


def test_every_leaf_resolves_once_its_files_are_beside_it(tmp_path: Path) -> None:
    import shutil as sh

    from cdiscflow.submission.define import leaf_errors

    define_command.run(_args(tmp_path / "out", "sdtm"))
    folder = tmp_path / "pkg"
    folder.mkdir()
    sh.copy(tmp_path / "out" / "defstudy" / "define" / "sdtm" / "define.xml", folder)
    missing = leaf_errors(folder / "define.xml")
    assert "def:leaf LF.acrf links to acrf.pdf, which is not a file beside define.xml" in missing
    assert len(missing) == 4 + 2  # dm, suppdm, vs, xa + the aCRF and the cSDRG
    for err in missing:
        (folder / err.split(" links to ")[1].split(",")[0]).write_bytes(b"x")
    assert leaf_errors(folder / "define.xml") == []


def test_one_standard(tmp_path: Path) -> None:
    define_command.run(_args(tmp_path, "adam"))
    folder = tmp_path / "defstudy" / "define"
    assert [p.name for p in folder.iterdir()] == ["adam"]


def test_invalid_document_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(define_command, "schema_errors", lambda tree: ["line 7: bad element"])
    with pytest.raises(SpecError, match="SDTM define.xml is not valid Define-XML 2.1: line 7: bad element"):
        define_command.run(_args(tmp_path, "sdtm"))
    assert [p.name for p in (tmp_path / "defstudy").iterdir()] == [".lock"]  # the run lock only, no staging


def test_study_without_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study = tmp_path / "empty"
    study.mkdir()
    shutil.copy(FIXTURE / "study.yaml", study / "study.yaml")
    assert main(["define", "--study", str(study), "--out", str(tmp_path / "out")]) == 2
    assert "no SDTM or ADaM specs to describe" in capsys.readouterr().err
    with pytest.raises(SpecError, match="no SDTM specs"):
        define_command.run(_args(tmp_path / "out", "sdtm", study))
