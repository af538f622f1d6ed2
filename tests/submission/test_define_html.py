"""The reviewer's HTML view of define.xml: contents, working internal links, every value escaped."""

from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
import pytest
import yaml

from cdiscflow.study import Study
from cdiscflow.submission.define import build_define
from cdiscflow.submission.define_html import render_html

FIXTURE = Path(__file__).parent / "fixtures" / "defstudy"


@pytest.fixture(autouse=True)
def _needs_shared(shared_data: Path) -> None:
    """CT and Define-XML CT come from the shared data folder."""


def _page(study_dir: Path = FIXTURE, standard: str = "sdtm") -> lxml.html.HtmlElement:
    return lxml.html.fromstring(render_html(build_define(Study.load(str(study_dir)), standard)))


def _rows(table: lxml.html.HtmlElement) -> list[list[str]]:
    return [[" ".join(c.text_content().split()) for c in tr.xpath("./td")] for tr in table.xpath(".//tr")[1:]]


def test_contents_and_links_resolve() -> None:
    page = _page()
    toc = [a.get("href") for a in page.xpath("//nav//a")]
    assert toc == ["#study", "#datasets", "#IG.DM", "#IG.XA", "#IG.VS", "#IG.SUPPDM", "#valuelevel", "#codelists", "#methods",
                   "#comments"]
    ids = set(page.xpath("//@id"))
    internal = {a.get("href")[1:] for a in page.xpath("//a[starts-with(@href, '#')]")}
    assert internal <= ids, internal - ids
    assert {a.get("href") for a in page.xpath("//a[not(starts-with(@href, '#'))]")} >= {
        "dm.xpt", "vs.xpt", "xa.xpt", "acrf.pdf", "csdrg.pdf", "acrf.pdf#page=5"}


def test_variable_table_of_a_dataset() -> None:
    page = _page()
    table = page.xpath("//h3[@id='IG.DM']/following-sibling::table[1]")[0]
    rows = _rows(table)
    assert [r[0] for r in rows] == ["STUDYID (key 1) req", "DOMAIN req", "USUBJID (key 2) req", "RFSTDTC",
                                    "BRTHDTC", "AGE", "SEX req", "RACE", "ARMCD req"]
    assert rows[6] == ["SEX req", "Sex", "text", "1", "", "Sex", "Collected CRF pages 5, 6", ""]
    assert rows[5][2:5] == ["integer", "8", "3."]
    assert rows[5][7] == "Computation: Integer years between BRTHDTC and RFICDTC"
    assert rows[7][7] == "Multiple races are reported as OTHER."


def test_value_level_and_codelist_tables() -> None:
    page = _page()
    vl = page.xpath("//table[@id='VL.VS.VSORRES']")[0]
    assert [r[:4] for r in _rows(vl)] == [["VSTESTCD = SYSBP", "Systolic Blood Pressure (mmHg)", "text", "3"],
                                         ["VSTESTCD = DIABP", "Diastolic Blood Pressure (mmHg)", "text", "3"],
                                         ["VSTESTCD = WEIGHT", "Weight (kg)", "text", "5"]]
    assert _rows(page.xpath("//table[@id='VL.VS.VSSTRESN']")[0])[0][0] == "VSTESTCD in (SYSBP, DIABP)"
    assert _rows(page.xpath("//table[@id='CL.VSRESU']")[0]) == [
        ["mmHg", "Millimeter of Mercury", "C49670"], ["kg", "Kilogram", "C28252"], ["mm[Hg]", "mm[Hg]", "(sponsor extension)"]]
    assert _rows(page.xpath("//table[@id='CL.RACE_STUDY']")[0]) == [["WHITE", ""], ["ASIAN", ""], ["OTHER", ""]]
    captions = {t.get("id"): " ".join(t.xpath("./caption")[0].text_content().split())
                for t in page.xpath("//table[starts-with(@id, 'CL.')]")}
    assert captions["CL.NY"] == "No Yes Response (NY), NCI C66742 used by VS.VSBLFL, SUPPDM.QVAL"
    assert captions["CL.RACE_STUDY"] == "Race (study) (RACE_STUDY), study-defined used by DM.RACE"


def test_every_value_is_escaped(tmp_path: Path) -> None:
    study_dir = tmp_path / "defstudy"
    shutil.copytree(FIXTURE, study_dir)
    path = study_dir / "specs" / "sdtm" / "dm.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["label"] = "<script>alert('label')</script>"
    spec["variables"][0]["comment"] = "<img src=x onerror=alert(1)>"
    path.write_text(yaml.safe_dump(spec))
    html = render_html(build_define(Study.load(str(study_dir)), "sdtm"))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;" in html
    page = lxml.html.fromstring(html)
    assert page.xpath("//script") == [] and page.xpath("//img") == []
    assert "MSC-NTF <cells>" in page.text_content()  # a codelist decode with markup, shown as text
