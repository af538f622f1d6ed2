"""Transcribe the pilot CSR's shift tables (14-6.04, 14-6.05, 14-6.06) from ``pdftotext -layout`` text into the
reference format of ``tests/studies/cdiscpilot01/reference`` (see ``tests/studies/cdiscpilot01/published.py``).

    pdftotext -layout ../shared/data/ars/examples/csr-cdiscpilot01.pdf /tmp/csr.txt
    python -m tools.transcribe_shift /tmp/csr.txt t-14-6-04 > tests/studies/cdiscpilot01/reference/t-14-6-04.txt

Each page of the table is read between its column header (its line naming ``Baseline`` six times) and its ``NOTES:``
line. A body line is ``[label] [week] n|Normal|High|Low cells [p]``; a line of text alone is a section
heading (``CHEMISTRY``) or the continued label of the parameter above (or, before an ``n`` line, the start of
the label below); ruler lines (``-----``) are typography and skipped. One reference row per printed row,
a blank row after each parameter × week block (the layout of ``cdiscflow.tlf.shapes.shift``).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Display:
    number: str
    title: str
    header: str
    week: bool
    p: bool


DISPLAYS = {
    "t-14-6-04": Display("Table 14-6.04", "Shifts of Laboratory Values During Treatment, Categorized Based on "
                         "Threshold Ranges, by Visit",
                         "H||Week|Shift to|" + "|".join(["Normal at Baseline", "High at Baseline"] * 3),
                         week=True, p=False),
    "t-14-6-05": Display("Table 14-6.05", "Shifts of Laboratory Values During Treatment, Categorized Based on "
                         "Threshold Ranges",
                         "H||Shift [1]|" + "|".join(["Normal at Baseline", "High at Baseline"] * 3) + "|p- value [2]",
                         week=False, p=True),
    "t-14-6-06": Display("Table 14-6.06", "Shifts of Hy's Law Values During Treatment",
                         "H||Shift [1]|" + "|".join(["Normal at Baseline", "High at Baseline"] * 3) + "|p- value [2]",
                         week=False, p=True),
}

_CELL = r"\d+\(\s*\d+%\)|\d+"
_BODY = re.compile(r"^\s*(?P<label>.*?)\s*(?P<week>\b\d+)?\s+(?P<shift>n|Normal|High|Low)\s+"
                   rf"(?P<cells>(?:(?:{_CELL})\s*){{6}})(?P<p>\s+[<>]?\d*\.\d+)?\s*$")
_SECTIONS = {"CHEMISTRY", "HEMATOLOGY"}


def pages(text: str, display: Display) -> list[tuple[int, list[str]]]:
    """(PDF page number, body lines) of each page of ``display``."""
    out = []
    for number, page in enumerate(text.split("\f"), start=1):
        lines = page.splitlines()
        if not any(line.strip() == display.number for line in lines[:6]):
            continue
        start = next(i for i, line in enumerate(lines) if line.count("Baseline") == 6)
        end = next(i for i, line in enumerate(lines) if line.startswith("NOTES:"))
        out.append((number, lines[start + 1:end]))
    return out


def transcribe(text: str, output_id: str) -> str:
    display = DISPLAYS[output_id]
    found = pages(text, display)
    width = 2 + int(display.week) + 6 + int(display.p)
    rows: list[list[str]] = []
    pending = ""          # label text printed above its n line
    open_block = False
    last_label_row: int | None = None  # the row whose label a following text line continues
    for _, lines in found:
        for line in lines:
            if not line.strip() or set(line.strip()) == {"-"}:
                continue
            m = _BODY.match(line)
            if m is None:
                text_line = line.strip()
                if text_line in _SECTIONS:
                    if open_block:
                        rows.append([""] * width)
                        open_block = False
                    rows.append([text_line] + [""] * (width - 1))
                    last_label_row = None
                elif last_label_row is not None:
                    rows[last_label_row][0] += " " + text_line
                else:
                    pending = (pending + " " + text_line).strip()
                continue
            cells = re.findall(_CELL, m["cells"])
            label = (pending + " " + m["label"]).strip()
            pending = ""
            if m["shift"] == "n":
                if open_block:
                    rows.append([""] * width)
                open_block = True
            row = [label, *([m["week"] or ""] if display.week else []), m["shift"], *cells,
                   *([(m["p"] or "").strip()] if display.p else [])]
            rows.append(row)
            last_label_row = len(rows) - 1 if label else None
    first, last = found[0][0], found[-1][0]
    where = f"pages {first}-{last}" if last > first else f"page {first}"
    head = [f'# Reference: {display.number} "{display.title}" of the CDISC pilot CSR',
            f"# (../shared/data/ars/examples/csr-cdiscpilot01.pdf, PDF {where}), transcribed by "
            f"tools/transcribe_shift.py from pdftotext -layout and checked by hand.",
            "# Columns: parameter | " + ("week | " if display.week else "") + "shift | Placebo, Xan. Low, Xan. High "
            "(Normal at Baseline, High at Baseline each)" + (" | p-value [2]" if display.p else "") + ".",
            "# The display's ruler lines under the section headings are typography, not rows.",
            display.header]
    return "\n".join([*head, *("|".join(r) for r in rows)]) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in DISPLAYS:
        print(f"usage: python -m tools.transcribe_shift CSR.txt {{{','.join(DISPLAYS)}}}", file=sys.stderr)
        return 2
    sys.stdout.write(transcribe(Path(argv[0]).read_text(encoding="utf-8"), argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
