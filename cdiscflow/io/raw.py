"""Raw EDC extracts (CSV): every column as text, nothing guessed, every row numbered for lineage.

``read_raw_csv`` keeps values exactly as collected: every value is text and nothing is guessed as missing
(``"NA"`` stays text, an empty cell is ``""``); a row with more or fewer values than the header is an error
naming the row (pandas would silently pad or shift it). The file must be UTF-8 (a BOM is tolerated); anything else is a :class:`DataError`
naming the file, line and byte offset. Column ``__row__`` is the 1-based data row number in the file (the
first record after the header is 1), kept so every SDTM record can point back to its raw row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from cdiscflow.errors import DataError

ROW = "__row__"


def read_raw_csv(path: Path | str) -> pd.DataFrame:
    """One raw extract as text columns plus ``__row__``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError("raw extract not found", file=str(path), expected="an existing CSV file") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data[:offset].count(b"\n") + 1
        raise DataError(f"line {line}, byte offset {offset}: byte 0x{data[offset]:02x} is not UTF-8",
                        file=str(path), expected="UTF-8 text") from None
    if not text.strip():
        raise DataError("empty file", file=str(path), expected="a header line and data rows")
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except csv.Error as exc:
        raise DataError(f"malformed CSV: {exc}", file=str(path), expected="well-formed CSV") from None
    header, rows = records[0], records[1:]
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups or ROW in header:
        raise DataError(f"column(s) {', '.join(dups or [ROW])} appear twice or are reserved", file=str(path),
                        variable=(dups or [ROW])[0], expected="unique column names")
    widths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    ragged = np.flatnonzero(widths != len(header))
    if ragged.size:
        pos = int(ragged[0])
        raise DataError(f"malformed CSV: {widths[pos]} values in a row of {len(header)} columns", file=str(path),
                        row=pos + 1, expected=f"{len(header)} values per row")
    df = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    df[ROW] = np.arange(1, len(df) + 1)
    return df


def read_raw_folder(folder: Path | str) -> dict[str, pd.DataFrame]:
    """Every ``*.csv`` in ``folder`` keyed by file stem (sorted)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("raw folder not found", file=str(folder), expected="a folder of CSV extracts")
    return {p.stem: read_raw_csv(p) for p in sorted(folder.glob("*.csv"))}
