"""The layout model: what a table, listing or figure looks like, independent of the file format.

A :class:`Table` is a grid. ``columns`` give widths (relative weights) and alignment; ``header`` holds one
or more header rows of :class:`HeaderCell` (``span`` > 1 makes a spanning header, ``\\n`` breaks a line,
e.g. ``"Placebo\\n(N=86)"``); ``rows`` hold the body, each :class:`Row` a list of texts with an
indentation level for the stub (first) column. Titles, the top-left header lines (protocol, population),
footnotes, the source/program line and the run stamp frame every page; renderers add "Page x of y".
``Row.page_break`` starts a new page (header rows repeat); :func:`paginate` sets them for listings.

A listing is a table built by :func:`listing_table` (repeated values of the grouping columns blanked,
fixed rows per page). A :class:`Figure` carries PNG (and SVG) bytes made by :mod:`cdiscflow.tlf.figures`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from cdiscflow.errors import TlfError
from cdiscflow.tlf.patterns import fill

Align = Literal["left", "center", "right"]


@dataclass
class Column:
    width: float = 1.0
    align: Align = "left"


@dataclass
class HeaderCell:
    text: str
    span: int = 1
    align: Align = "center"


@dataclass
class Row:
    cells: list[str]
    indent: int = 0
    bold: bool = False
    page_break: bool = False


@dataclass
class PageSetup:
    orientation: Literal["landscape", "portrait"] = "landscape"
    paper: Literal["letter", "a4"] = "letter"
    margin_in: float = 1.0
    font: str = "Courier New"
    font_size: float = 9.0
    rows_per_page: int | None = None

    @property
    def size_in(self) -> tuple[float, float]:
        w, h = (8.5, 11.0) if self.paper == "letter" else (8.27, 11.69)
        return (h, w) if self.orientation == "landscape" else (w, h)

    @property
    def body_width_in(self) -> float:
        return self.size_in[0] - 2 * self.margin_in


@dataclass
class Frame:
    """What surrounds the body on every page."""

    output_id: str
    titles: list[str]
    top_left: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    source: str = ""
    stamp: str = ""
    page: PageSetup = field(default_factory=PageSetup)


@dataclass
class Table:
    frame: Frame
    columns: list[Column]
    header: list[list[HeaderCell]]
    rows: list[Row]
    kind: str = "table"

    def __post_init__(self) -> None:
        n = len(self.columns)
        for i, hrow in enumerate(self.header):
            if sum(c.span for c in hrow) != n:
                raise TlfError(f"{self.frame.output_id}: header row {i + 1} spans {sum(c.span for c in hrow)} "
                               f"columns", expected=f"{n} columns")
        for i, row in enumerate(self.rows):
            if len(row.cells) != n:
                raise TlfError(f"{self.frame.output_id}: body row {i + 1} has {len(row.cells)} cells",
                               expected=f"{n} cells")

    def pages(self) -> list[list[Row]]:
        """Body rows split at explicit page breaks."""
        chunks: list[list[Row]] = [[]]
        for row in self.rows:
            if row.page_break and chunks[-1]:
                chunks.append([])
            chunks[-1].append(row)
        return chunks

    def grid(self) -> list[list[str]]:
        """Body as text (stub indentation as two spaces per level) — what tests compare cell by cell."""
        return [["  " * r.indent + r.cells[0], *r.cells[1:]] for r in self.rows]

    def widths_in(self) -> list[float]:
        total = sum(c.width for c in self.columns)
        return [self.frame.page.body_width_in * c.width / total for c in self.columns]


@dataclass
class Figure:
    frame: Frame
    png: bytes
    svg: bytes | None = None
    alt: str = ""
    width_in: float = 9.0
    height_in: float = 5.0
    kind: str = "figure"


Output = Table | Figure


def blank_row(ncols: int) -> Row:
    return Row([""] * ncols)


def group_header(label: str, n: int | float | None = None, pattern: str = "{label}\n(N={n})") -> str:
    """Column header with the group size, e.g. ``Placebo\\n(N=86)``."""
    return label if n is None else fill(pattern, {"label": label, "n": int(n)}, where="group header")


def paginate(rows: list[Row], rows_per_page: int) -> list[Row]:
    """Mark a page break every ``rows_per_page`` body rows (header rows repeat on each page)."""
    for i, row in enumerate(rows):
        row.page_break = i > 0 and i % rows_per_page == 0
    return rows


def listing_table(frame: Frame, df: pd.DataFrame, columns: Sequence[tuple[str, str]], *,
                  group_by: Sequence[str] = (), widths: Sequence[float] | None = None,
                  rows_per_page: int | None = None) -> Table:
    """A listing: one body row per record of ``df`` (already sorted), columns ``(variable, header)``.

    Repeated values of the ``group_by`` columns are printed only on a group's first row and again at the
    top of each page, so every page reads on its own.
    """
    names = [c for c, _ in columns]
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise TlfError(f"{frame.output_id}: listing columns not in the data: {', '.join(missing)}")
    text = df[names].astype("string").fillna("").astype(str)
    shown = text.copy()
    if group_by:
        keys = text[group_by[0]]
        for col in group_by[1:]:
            keys = keys + "\x1f" + text[col]
        first = keys.ne(keys.shift())
        rpp = rows_per_page or frame.page.rows_per_page
        if rpp:
            first |= pd.Series(range(len(text)), index=text.index) % rpp == 0
        for col in group_by:
            shown[col] = text[col].where(first, "")
    rows = [Row(list(r)) for r in shown.itertuples(index=False, name=None)]
    rpp = rows_per_page or frame.page.rows_per_page
    if rpp:
        paginate(rows, rpp)
    cols = [Column(width=w) for w in (widths or [1.0] * len(names))]
    return Table(frame, cols, [[HeaderCell(h, align="left") for _, h in columns]], rows, kind="listing")
