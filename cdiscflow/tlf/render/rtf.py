"""RTF renderer (jinja2 template ``templates/output.rtf.j2``).

Letter landscape by default; titles, the protocol/population lines, "Page x of y" (``PAGE`` and
``NUMPAGES`` fields) and the table's column-header rows (marked ``\\trhdr``, with the body's cell edges) sit
in the page header; footnotes and the source line with the run stamp in the page footer. So all of them repeat
on every page in Word *and* LibreOffice (LibreOffice's RTF import ignores ``\\trhdr`` on body rows; this is
also how the CDISC pilot's own RTF displays are built). Text is escaped: ``\\ { }`` are backslashed, line
breaks become ``\\line``, and every non-ASCII character is written as ``\\uN?`` (UTF-16 code units, signed), so the file is plain ASCII.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from cdiscflow.io.atomic import write_text
from cdiscflow.tlf.layout import Figure, Output, Table

TWIPS = 1440
_Q = {"left": "l", "center": "c", "right": "r"}


class _RtfTable(dict):
    """``str.translate`` table: ``\\ { }`` backslashed, line breaks and tabs as control words, other control
    characters dropped, printable ASCII as is; any other character's ``\\uN?`` escape is made on first use."""

    def __missing__(self, code: int) -> str:
        if code < 0x10000:
            text = f"\\u{code - 65536 if code > 32767 else code}?"
        else:
            v = code - 0x10000
            text = "".join(f"\\u{unit - 65536}?" for unit in (0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)))
        self[code] = text
        return text


_RTF = _RtfTable({**{c: None for c in range(32)}, **{c: chr(c) for c in range(32, 128)},
                  ord("\\"): "\\\\", ord("{"): "\\{", ord("}"): "\\}", ord("\n"): "\\line ", ord("\t"): "\\tab "})


def rtf_escape(text: object) -> str:
    return str(text).translate(_RTF)


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("cdiscflow.tlf", "templates"), autoescape=False,
                             keep_trailing_newline=True, trim_blocks=False, lstrip_blocks=False)
    env.filters["rtf"] = rtf_escape
    return env.get_template("output.rtf.j2")


def rtf_text(output: Output) -> str:
    frame = output.frame
    page = frame.page
    w_in, h_in = page.size_in
    tw = {"paper_w": round(w_in * TWIPS), "paper_h": round(h_in * TWIPS), "margin": round(page.margin_in * TWIPS),
          "body": round(page.body_width_in * TWIPS)}
    lines = frame.top_left or [""]
    ctx = {"frame": frame, "page": page, "tw": tw, "fs": round(page.font_size * 2), "kind": output.kind,
           "header_lines": [(line,) for line in lines]}
    if isinstance(output, Figure):
        ctx["pic"] = {"w": round(output.width_in * TWIPS), "h": round(output.height_in * TWIPS),
                      "hex": "\n".join(output.png[i:i + 64].hex() for i in range(0, len(output.png), 64))}
    else:
        ctx.update(_table_ctx(output))
    return _template().render(**ctx)


def _table_ctx(table: Table) -> dict:
    edges, x = [], 0.0
    for w in table.widths_in():
        x += w
        edges.append(round(x * TWIPS))
    header = []
    for i, hrow in enumerate(table.header):
        cells, col = [], 0
        for c in hrow:
            col += c.span
            cells.append({"text": c.text, "q": _Q[c.align], "x": edges[col - 1]})
        header.append({"cells": cells, "top": i == 0, "bottom": i == len(table.header) - 1})
    pages = [[{"cells": r.cells, "indent": r.indent, "bold": r.bold, "last": j == len(chunk) - 1}
              for j, r in enumerate(chunk)] for chunk in table.pages()]
    return {"header": header, "cellx": edges, "pages": pages,
            "align": [_Q[c.align] for c in table.columns], "indent_tw": 180}


def render_rtf(output: Output, path: Path) -> Path:
    return write_text(path, rtf_text(output), encoding="ascii")
