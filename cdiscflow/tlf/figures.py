"""Figures with matplotlib (Agg): a house style consistent with the tables and deterministic files.

:func:`new_figure` opens a figure in the house style (the table font, 9 pt); :func:`figure_output` turns a
drawn figure into a :class:`~cdiscflow.tlf.layout.Figure` holding PNG and SVG bytes. Files carry no dates
or software stamps (``metadata``), SVG ids come from a fixed ``svg.hashsalt``, so the same data give the
same bytes.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402

from cdiscflow.tlf.layout import Figure, Frame  # noqa: E402

FONTS = ["Courier New", "Liberation Mono", "DejaVu Sans Mono"]
STYLE = {
    "font.family": "monospace",
    "font.monospace": FONTS,
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "svg.hashsalt": "cdiscflow",
    "svg.fonttype": "none",
    "path.simplify": True,
}


def new_figure(width_in: float = 9.0, height_in: float = 5.0, **subplots: object) -> tuple[MplFigure, object]:
    """``(figure, axes)`` in the house style; pass ``nrows``/``ncols`` for panels."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(figsize=(width_in, height_in), **subplots)  # type: ignore[arg-type]
    return fig, axes


def figure_bytes(fig: MplFigure, fmt: str = "png", dpi: int = 200) -> bytes:
    buf = io.BytesIO()
    meta = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    with plt.rc_context(STYLE):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta, bbox_inches=None)
    return buf.getvalue()


def figure_output(frame: Frame, fig: MplFigure, alt: str, dpi: int = 200) -> Figure:
    """Close ``fig`` and return the layout Figure with its PNG and SVG."""
    w, h = fig.get_size_inches()
    out = Figure(frame, png=figure_bytes(fig, "png", dpi), svg=figure_bytes(fig, "svg"), alt=alt,
                 width_in=float(w), height_in=float(h))
    plt.close(fig)
    return out
