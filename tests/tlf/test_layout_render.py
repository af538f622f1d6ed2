from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from cdiscflow.errors import TlfError
from cdiscflow.tlf.figures import figure_output, new_figure
from cdiscflow.tlf.layout import Column, Frame, HeaderCell, Row, Table, listing_table, paginate
from cdiscflow.tlf.render import (
    convert_to_pdf,
    render_docx,
    render_html,
    render_rtf,
    rtf_escape,
    soffice_path,
)
from cdiscflow.tlf.render.html import html_text
from cdiscflow.tlf.render.rtf import rtf_text


def _table(rows: list[Row] | None = None) -> Table:
    frame = Frame("t-x", ["Table 1", "Demo {braces} & <b>"], ["Protocol: X"], ["Footnote é"], "Source: test", "2026-01-01")
    head = [[HeaderCell(""), HeaderCell("Group\n(N=2)", span=2)], [HeaderCell(""), HeaderCell("n"), HeaderCell("%")]]
    return Table(frame, [Column(2), Column(1, "center"), Column(1, "center")], head,
                 rows or [Row(["Age <script>alert(1)</script>", "1", "50"]), Row(["  sub", "2", "x"], indent=1)])


def test_table_shape_is_checked() -> None:
    with pytest.raises(TlfError, match="spans"):
        Table(_table().frame, [Column()] * 3, [[HeaderCell("a")]], [])
    with pytest.raises(TlfError, match="cells"):
        _table([Row(["only one"])])


def test_rtf_escape() -> None:
    assert rtf_escape("a{b}\\c\nd é € 😀") == "a\\{b\\}\\\\c\\line d \\u233? \\u8364? \\u-10179?\\u-8704?"


def test_rtf_escape_controls_tabs_and_repeats() -> None:
    assert rtf_escape("x\ty\x01\x1f\x7f~ é é\u7fff\u8000") == "x\\tab y\x7f~ \\u233? \\u233?\\u32767?\\u-32768?"
    assert rtf_escape(12.5) == "12.5" and rtf_escape("") == ""


def test_rtf_has_landscape_repeating_header_and_page_fields() -> None:
    text = rtf_text(_table())
    assert text.startswith("{\\rtf1") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}") - text.count("\\}") + text.count("\\{")
    assert "\\landscape" in text and "\\lndscpsxn" in text
    assert text.count("\\trhdr") == 2
    assert "\\fldinst PAGE" in text and "\\fldinst NUMPAGES" in text
    assert "Demo \\{braces\\} & <b>" in text and "Footnote \\u233?" in text
    text.encode("ascii")


def test_column_headers_sit_in_the_page_header_so_every_page_repeats_them() -> None:
    rows = [Row([f"r{i}", "1", "2"]) for i in range(5)]
    rows[3].page_break = True
    text = rtf_text(_table(rows))
    header = text[text.index("{\\header"):text.index("{\\footer")]
    assert text.count("\\page\\par\n") == 1 and header.count("\\trhdr") == 2 and "Group\\line (N=2)" in header
    assert text.count("\\trhdr") == 2


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")
def test_explicit_page_breaks_survive_libreoffice(tmp_path: Path) -> None:
    """LibreOffice ignores a bare ``\\page`` paragraph between table rows; each break must start a page."""
    rows = paginate([Row([f"r{i}", "1", "2"]) for i in range(6)], 2)
    src = render_rtf(_table(rows), tmp_path / "t.rtf")
    pdf = convert_to_pdf([src], tmp_path)[src]
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes())) == 3


def test_html_escapes_every_value_and_is_accessible() -> None:
    html = html_text(_table())
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<caption>" in html and 'scope="col"' in html and 'scope="row"' in html and 'colspan="2"' in html
    assert 'name="viewport"' in html


def test_docx_landscape_repeating_header(tmp_path: Path) -> None:
    path = render_docx(_table(), tmp_path / "t.docx")
    doc = Document(str(path))
    sec = doc.sections[0]
    assert sec.page_width > sec.page_height
    xml = doc.tables[0]._tbl.xml
    assert xml.count("w:tblHeader") == 2
    header_xml = sec.header._element.xml
    assert "PAGE" in header_xml and "NUMPAGES" in header_xml
    with zipfile.ZipFile(path) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 1, 1, 0, 0, 0)} or len({i.date_time for i in z.infolist()}) == 1


def test_outputs_are_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for render, ext in ((render_rtf, "rtf"), (render_docx, "docx"), (render_html, "html")):
        a = render(_table(), tmp_path / f"a.{ext}").read_bytes()
        b = render(_table(), tmp_path / f"b.{ext}").read_bytes()
        assert a == b, ext


def test_listing_blanks_repeated_groups_and_paginates() -> None:
    df = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "AETERM": ["a", "b", "c", "d"]})
    frame = Frame("l-1", ["Listing"])
    t = listing_table(frame, df, [("USUBJID", "Subject"), ("AETERM", "Term")], group_by=["USUBJID"], rows_per_page=2)
    assert t.grid() == [["1", "a"], ["", "b"], ["1", "c"], ["2", "d"]]
    assert [r.page_break for r in t.rows] == [False, False, True, False]
    with pytest.raises(TlfError, match="not in the data"):
        listing_table(frame, df, [("NOPE", "x")])


def test_figure_is_deterministic_and_embeds(tmp_path: Path) -> None:
    def make() -> object:
        fig, ax = new_figure(6, 3)
        ax.plot([0, 1, 2], [1, 3, 2], marker="o")
        ax.set_title("Mean change")
        return figure_output(Frame("f-1", ["Figure 1"]), fig, alt="line chart")

    a, b = make(), make()
    assert a.png == b.png and a.svg == b.svg and a.png.startswith(b"\x89PNG")
    assert b"Date" not in a.svg and b"Software" not in a.png[:2000]
    assert "\\pngblip" in rtf_text(a)
    assert 'alt="line chart"' in html_text(a)
    render_docx(a, tmp_path / "f.docx")
    assert any(n.startswith("word/media/") for n in zipfile.ZipFile(tmp_path / "f.docx").namelist())
