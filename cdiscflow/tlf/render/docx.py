"""DOCX renderer (python-docx): landscape section, titles and "Page x of y" fields in the page header,
footnotes and the source line in the footer, header rows marked to repeat on every page (``w:tblHeader``)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches, Pt

from cdiscflow.io.atomic import atomic_path
from cdiscflow.provenance import run_datetime
from cdiscflow.tlf.layout import Figure, Output, Table

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}


def _field(paragraph, instr: str) -> None:  # noqa: ANN001 - python-docx paragraph
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _border(cell, side: str) -> None:  # noqa: ANN001
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    el = OxmlElement(f"w:{side}")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0"), ("w:color", "000000")):
        el.set(qn(k), v)
    borders.append(el)


def _text(paragraph, text: str, bold: bool = False) -> None:  # noqa: ANN001
    for i, line in enumerate(text.split("\n")):
        run = paragraph.add_run(line)
        run.bold = bold or None
        if i < len(text.split("\n")) - 1:
            run.add_break(WD_BREAK.LINE)


def _setup(doc, output: Output) -> None:  # noqa: ANN001
    frame, page = output.frame, output.frame.page
    style = doc.styles["Normal"]
    style.font.name = page.font
    style.element.rPr.rFonts.set(qn("w:eastAsia"), page.font)
    style.font.size = Pt(page.font_size)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)
    sec = doc.sections[0]
    w, h = page.size_in
    sec.orientation = WD_ORIENT.LANDSCAPE if page.orientation == "landscape" else WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Inches(w), Inches(h)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Inches(page.margin_in))
    sec.header_distance = sec.footer_distance = Inches(0.5)
    head = sec.header
    p = head.paragraphs[0]
    p.style = doc.styles["Normal"]  # the built-in Header style has portrait centre/right tab stops
    p.paragraph_format.tab_stops.add_tab_stop(Inches(page.body_width_in), WD_TAB_ALIGNMENT.RIGHT)
    lines = frame.top_left or [""]
    p.add_run(lines[0] + "\tPage ")
    _field(p, "PAGE")
    p.add_run(" of ")
    _field(p, "NUMPAGES")
    for line in lines[1:]:
        head.add_paragraph(line, style=doc.styles["Normal"])
    for title in frame.titles:
        tp = head.add_paragraph(style=doc.styles["Normal"])
        tp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        tp.add_run(title).bold = True
    head.add_paragraph("", style=doc.styles["Normal"])
    foot = sec.footer
    fp = foot.paragraphs[0]
    fp.style = doc.styles["Normal"]
    for i, note in enumerate(frame.footnotes):
        (fp if i == 0 else foot.add_paragraph(style=doc.styles["Normal"])).add_run(note)
    sp = foot.add_paragraph(style=doc.styles["Normal"]) if frame.footnotes else fp
    sp.paragraph_format.tab_stops.add_tab_stop(Inches(page.body_width_in), WD_TAB_ALIGNMENT.RIGHT)
    sp.add_run(f"{frame.source}\t{frame.stamp}")


def _table(doc, table: Table, rows) -> None:  # noqa: ANN001
    ncol = len(table.columns)
    t = doc.add_table(rows=len(table.header), cols=ncol)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    margins = parse_xml(f'<w:tblCellMar {nsdecls("w")}><w:left w:w="58" w:type="dxa"/>'
                        '<w:right w:w="58" w:type="dxa"/></w:tblCellMar>')
    t._tbl.tblPr.append(margins)
    widths = [Inches(w) for w in table.widths_in()]
    for i, hrow in enumerate(table.header):
        row = t.rows[i]
        tr_pr = row._tr.get_or_add_trPr()
        mark = OxmlElement("w:tblHeader")
        mark.set(qn("w:val"), "true")
        tr_pr.append(mark)
        col = 0
        for hc in hrow:
            cell = row.cells[col]
            if hc.span > 1:
                cell = cell.merge(row.cells[col + hc.span - 1])
            cell.paragraphs[0].alignment = _ALIGN[hc.align]
            _text(cell.paragraphs[0], hc.text)
            col += hc.span
        for cell in row.cells:
            if i == 0:
                _border(cell, "top")
            if i == len(table.header) - 1:
                _border(cell, "bottom")
    for k, column in enumerate(t.columns):  # the grid (LibreOffice) and every cell (Word)
        column.width = widths[k]
    for row in t.rows:
        for k, cell in enumerate(row.cells):
            cell.width = widths[k]
    body = "".join(_row_xml(r, [round(w.inches * 1440) for w in widths], table, j == len(rows) - 1)
                   for j, r in enumerate(rows))
    for tr in list(parse_xml(f"<w:tbl {nsdecls('w')}>{body}</w:tbl>")):
        t._tbl.append(tr)


def _row_xml(row, widths: list[int], table: Table, last: bool) -> str:  # noqa: ANN001
    """One body row as WordprocessingML (built as text: python-docx's cell API is slow for long tables)."""
    border = ('<w:tcBorders><w:bottom w:val="single" w:sz="6" w:space="0" w:color="000000"/></w:tcBorders>'
              if last else "")
    bold = "<w:rPr><w:b/></w:rPr>" if row.bold else ""
    cells = []
    for k, text in enumerate(row.cells):
        ind = f'<w:ind w:left="{180 * row.indent}"/>' if k == 0 and row.indent else ""
        runs = '<w:r><w:br/></w:r>'.join(f'<w:r>{bold}<w:t xml:space="preserve">{escape(_CONTROL.sub("", line))}</w:t></w:r>'
                                         for line in text.split("\n")) if text else ""
        cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{widths[k]}" w:type="dxa"/>{border}</w:tcPr>'
                     f'<w:p><w:pPr><w:jc w:val="{table.columns[k].align}"/>{ind}</w:pPr>{runs}</w:p></w:tc>')
    return "<w:tr>" + "".join(cells) + "</w:tr>"


def docx_bytes(output: Output) -> bytes:
    doc = Document()
    _setup(doc, output)
    body = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    if isinstance(output, Figure):
        body.alignment = WD_ALIGN_PARAGRAPH.CENTER
        body.add_run().add_picture(io.BytesIO(output.png), width=Inches(output.width_in))
    else:
        for i, chunk in enumerate(output.pages()):
            if i:
                doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            _table(doc, output, chunk)
    stamp = run_datetime().replace(tzinfo=None)
    doc.core_properties.created = doc.core_properties.modified = stamp
    doc.core_properties.title = output.frame.output_id
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue(), stamp.timetuple()[:6])


def _fixed_zip(data: bytes, date_time: tuple[int, ...]) -> bytes:
    """Re-pack the package with every entry dated ``date_time`` so equal inputs give equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)  # type: ignore[arg-type]
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def render_docx(output: Output, path: Path) -> Path:
    data = docx_bytes(output)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path
