"""The TLF book: every output in catalog order as one PDF with a table of contents and a bookmark per
output (pypdf), and one combined RTF (one section per output, page numbers restarting per output).

:func:`write_book` makes ``tlf/book.pdf`` and ``tlf/book.rtf`` of a study from the files in its TLF folder
(the runner's ``tlf-book`` step and ``cdiscflow tlf``).

The contents pages are drawn with matplotlib's PDF backend in a monospaced font; each line names the output,
its title and the book page where it starts, and links there. Bytes are reproducible under
``SOURCE_DATE_EPOCH`` (dates pinned, /ID from the content).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import Fit

from cdiscflow.errors import TlfError
from cdiscflow.io.atomic import write_bytes, write_text
from cdiscflow.provenance import run_datetime
from cdiscflow.tlf.catalog import load_catalog
from cdiscflow.tlf.render.pdf import pin_pdf

LINES_PER_PAGE = 32
_PAGE = (11.0, 8.5)  # US letter, landscape, inches


@dataclass(frozen=True)
class BookEntry:
    """One output of the book: its id, title and rendered files."""

    output_id: str
    title: str
    pdf: Path | None = None
    rtf: Path | None = None


def _contents_pdf(title: str, lines: Sequence[tuple[str, str, int]]) -> tuple[bytes, int]:
    """The contents pages; returns the PDF bytes and the number of pages."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    chunks = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Creator": "cdiscflow", "Producer": "cdiscflow", "CreationDate": None}) as pdf:
        for number, chunk in enumerate(chunks, start=1):
            fig = plt.figure(figsize=_PAGE)
            fig.text(0.5, 0.93, title, ha="center", family="monospace", fontsize=12, weight="bold")
            fig.text(0.5, 0.89, "Table of Contents" + (f" ({number}/{len(chunks)})" if len(chunks) > 1 else ""),
                     ha="center", family="monospace", fontsize=10)
            for row, (oid, text, page) in enumerate(chunk):
                y = 0.84 - row * 0.024
                label = f"{oid}  {text}"
                label = label if len(label) <= 100 else label[:97] + "..."
                fig.text(0.06, y, label, family="monospace", fontsize=8)
                fig.text(0.94, y, str(page), ha="right", family="monospace", fontsize=8)
            pdf.savefig(fig)
            plt.close(fig)
    return buffer.getvalue(), len(chunks)


def write_book_pdf(entries: Sequence[BookEntry], out: Path, *, title: str) -> Path:
    """``out``: contents, then each entry's PDF, with one bookmark per output (entries without a PDF are
    listed in the contents as "not rendered")."""
    readers = {e.output_id: PdfReader(str(e.pdf)) for e in entries if e.pdf is not None and Path(e.pdf).is_file()}
    missing = [e.output_id for e in entries if e.pdf is not None and e.output_id not in readers]
    if missing:
        raise TlfError(f"book: PDF of {', '.join(missing)} not found", expected="every listed output rendered")
    toc_pages = 1 + max(0, len(entries) - 1) // LINES_PER_PAGE
    starts, page = {}, toc_pages + 1
    for e in entries:
        if e.output_id in readers:
            starts[e.output_id] = page
            page += len(readers[e.output_id].pages)
    lines = [(e.output_id, e.title if e.output_id in readers else f"{e.title} (not rendered)",
              starts.get(e.output_id, 0)) for e in entries]
    contents, counted = _contents_pdf(title, lines)
    if counted != toc_pages:
        raise TlfError("book: contents page count changed while laying out")
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(contents)))
    writer.add_outline_item(title="Table of Contents", page_number=0)
    for e in entries:
        if e.output_id not in readers:
            continue
        first = len(writer.pages)
        writer.append(readers[e.output_id])
        writer.add_outline_item(title=f"{e.output_id}  {e.title}", page_number=first)
    for row, (_, _, start) in enumerate(lines):  # each contents line links to its output
        if not start:
            continue
        toc_page, slot = divmod(row, LINES_PER_PAGE)
        top = (0.84 - slot * 0.024) * _PAGE[1] * 72
        writer.add_annotation(toc_page, _link(start - 1, (0.05 * 792, top - 3, 0.95 * 792, top + 9)))
    writer.add_metadata({"/Title": title, "/Producer": "cdiscflow",
                         "/CreationDate": run_datetime().strftime("D:%Y%m%d%H%M%S")})
    buffer = io.BytesIO()
    writer.write(buffer)
    return write_bytes(out, pin_pdf(buffer.getvalue()))


def _link(target_page: int, rect: tuple[float, float, float, float]) -> Link:
    return Link(rect=rect, target_page_index=target_page, fit=Fit.fit())


_SECTION = re.compile(r"\\sectd")


def write_book_rtf(entries: Sequence[BookEntry], out: Path) -> Path:
    """One RTF with each entry's document as a section (page numbers restart; "of N" counts the section)."""
    texts = [(e.output_id, Path(e.rtf).read_text(encoding="ascii", errors="strict"))
             for e in entries if e.rtf is not None]
    if not texts:
        raise TlfError("book: no RTF outputs to combine")
    bodies = []
    for oid, text in texts:
        match = _SECTION.search(text)
        if match is None or not text.rstrip().endswith("}"):
            raise TlfError(f"book: the RTF of {oid} has no section to combine", expected="a cdiscflow RTF output")
        body = text[match.end():text.rstrip().rfind("}")]
        bodies.append("\\sectd\\pgnrestart" + body.replace("NUMPAGES", "SECTIONPAGES"))
    head = texts[0][1][:_SECTION.search(texts[0][1]).start()]
    return write_text(out, head + "\n\\sect\n".join(bodies) + "}\n", encoding="ascii")


def write_book(study: Any, tlf_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """``book.pdf`` (when any output has a PDF) and ``book.rtf`` (when any has an RTF) of the catalog's outputs,
    in catalog order, from the files in ``tlf_dir``; written to ``out_dir`` (default ``tlf_dir``)."""
    tlf_dir = Path(tlf_dir)
    out = Path(out_dir) if out_dir is not None else tlf_dir
    catalog = load_catalog(study.root / "tlf" / "catalog.yaml")
    entries = [BookEntry(o.id, " ".join(o.titles),
                         pdf=tlf_dir / f"{o.id}.pdf" if (tlf_dir / f"{o.id}.pdf").is_file() else None,
                         rtf=tlf_dir / f"{o.id}.rtf" if (tlf_dir / f"{o.id}.rtf").is_file() else None)
               for o in catalog.outputs]
    written = []
    if any(e.pdf for e in entries):
        written.append(write_book_pdf(entries, out / "book.pdf",
                                      title=f"{study.studyid}: Tables, Listings and Figures"))
    if any(e.rtf for e in entries):
        written.append(write_book_rtf(entries, out / "book.rtf"))
    return written
