"""HTML renderer (jinja2, autoescape on: every value is escaped, so an AE verbatim holding ``<script>``
prints as text). Accessible markup — ``<caption>`` titles, ``<th scope>`` for column and row headers —
and a small stylesheet that keeps wide tables readable on a phone (the table scrolls inside its region)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from cdiscflow.io.atomic import write_text
from cdiscflow.tlf.layout import Figure, Output

_Q = {"left": "l", "center": "c", "right": "r"}


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("cdiscflow.tlf", "templates"),
                              autoescape=True, keep_trailing_newline=True)


def html_text(output: Output) -> str:
    frame = output.frame
    ctx: dict[str, Any] = {"frame": frame, "page": frame.page, "kind": output.kind}
    if isinstance(output, Figure):
        ctx.update(png_b64=base64.b64encode(output.png).decode("ascii"), alt=output.alt or " ".join(frame.titles))
    else:
        ctx.update(header=[[{"text": c.text, "span": c.span, "q": _Q[c.align]} for c in hrow] for hrow in output.header],
                   rows=output.rows, align=[_Q[c.align] for c in output.columns])
    return _env().get_template("output.html.j2").render(**ctx)


def render_html(output: Output, path: Path) -> Path:
    return write_text(path, html_text(output))


def render_index(path: Path, study: str, stamp: str, outputs: Sequence[Mapping[str, Any]]) -> Path:
    """``tlf/index.html``: one row per output with links to its files and any notes (e.g. PDF skipped)."""
    text = _env().get_template("index.html.j2").render(study=study, stamp=stamp, outputs=outputs)
    return write_text(path, text)
