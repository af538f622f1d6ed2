"""The TLF book: contents with page numbers and links, one bookmark per output, reproducible bytes; the
combined RTF keeps one section per output."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from cdiscflow.errors import TlfError  # noqa: E402
from cdiscflow.tlf.book import LINES_PER_PAGE, BookEntry, write_book_pdf, write_book_rtf  # noqa: E402

RTF = ("{\\rtf1\\ansi\\deff0\n{\\fonttbl{\\f0\\fmodern Courier New;}}\n\\paperw15840\\paperh12240\n"
       "\\widowctrl\\sectd\\pgwsxn15840\n{\\header Page {\\field{\\*\\fldinst PAGE}} of "
       "{\\field{\\*\\fldinst NUMPAGES}}\\par}\n{name} body\\par\n}\n")


def _pdf(path: Path, pages: int, label: str) -> Path:
    with PdfPages(path, metadata={"CreationDate": None}) as pdf:
        for i in range(pages):
            fig = plt.figure(figsize=(11, 8.5))
            fig.text(0.5, 0.5, f"{label} page {i + 1}")
            pdf.savefig(fig)
            plt.close(fig)
    return path


def test_book_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    entries = [BookEntry("t-1", "Demographics", _pdf(tmp_path / "t1.pdf", 2, "t-1")),
               BookEntry("l-1", "Listing of deaths", None),
               BookEntry("t-2", "Adverse events", _pdf(tmp_path / "t2.pdf", 3, "t-2"))]
    book = write_book_pdf(entries, tmp_path / "book.pdf", title="Study X")
    reader = PdfReader(str(book))
    assert len(reader.pages) == 1 + 2 + 3
    marks = {m.title: reader.get_destination_page_number(m) for m in reader.outline}
    assert marks == {"Table of Contents": 0, "t-1  Demographics": 1, "t-2  Adverse events": 3}
    contents = reader.pages[0].extract_text()
    assert "t-1  Demographics" in contents and "(not rendered)" in contents
    assert [a.get_object()["/Subtype"] for a in reader.pages[0]["/Annots"]] == ["/Link", "/Link"]
    again = write_book_pdf(entries, tmp_path / "book2.pdf", title="Study X")
    assert book.read_bytes() == again.read_bytes()


def test_book_with_many_outputs_has_several_contents_pages(tmp_path: Path) -> None:
    one = _pdf(tmp_path / "one.pdf", 1, "x")
    entries = [BookEntry(f"t-{i}", f"Table {i}", one) for i in range(LINES_PER_PAGE + 3)]
    reader = PdfReader(str(write_book_pdf(entries, tmp_path / "b.pdf", title="S")))
    assert len(reader.pages) == 2 + len(entries)
    assert reader.get_destination_page_number(reader.outline[-1]) == 2 + len(entries) - 1
    with pytest.raises(TlfError):
        write_book_pdf([BookEntry("t", "T", tmp_path / "absent.pdf")], tmp_path / "c.pdf", title="S")


def test_book_rtf(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.rtf").write_text(RTF.replace("{name}", name), encoding="ascii")
    out = write_book_rtf([BookEntry("a", "A", rtf=tmp_path / "a.rtf"), BookEntry("b", "B", rtf=tmp_path / "b.rtf")],
                         tmp_path / "book.rtf")
    text = out.read_text(encoding="ascii")
    assert text.count("\\sectd\\pgnrestart") == 2 and text.count("\\sect\n") == 1
    assert "NUMPAGES" not in text and text.count("SECTIONPAGES") == 2
    assert text.startswith("{\\rtf1") and text.count("{\\fonttbl") == 1 and "a body" in text and "b body" in text
    assert text.count("{") == text.count("}")
