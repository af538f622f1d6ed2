"""Raw EDC extracts (CSV): every column as text, nothing guessed, every row numbered for lineage.

``read_raw_csv`` keeps values exactly as collected: every value is text and nothing is guessed as missing
(``"NA"`` stays text, an empty cell is ``""``). Files are parsed by pyarrow's CSV reader (all columns as
strings) and checked as strictly as RFC 4180 asks; each fault is a :class:`DataError` naming the file and the
data row (the first record after the header is row 1), plus the column where there is one:

- not UTF-8 (a BOM is tolerated): line and byte offset;
- a row with more or fewer values than the header (pandas would silently pad or shift it);
- an unbalanced quote, or text after a closing quote: the row (and line) where the quoted value starts;
- a header name given twice, an empty header name, or the reserved ``__row__``;
- NUL or another C0 control character (tab, CR and LF are allowed; CR/LF end a line or sit in a quoted value).

Files with nothing unusual take the fast path (pyarrow only). A file pyarrow rejects, or one with a quote
pattern pyarrow would accept leniently (``"ab"c``), is parsed again by Python's strict ``csv`` module to name
the row: errors are found the slow way, good files are read the fast way.
Column ``__row__`` is the 1-based data row number, kept so every SDTM record can point back to its raw row.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from cdiscflow.errors import DataError

ROW = "__row__"
BOM = b"\xef\xbb\xbf"
CONTROL_TEXT = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
CONTROL = np.zeros(256, dtype=bool)
CONTROL[[*range(0x09), 0x0b, 0x0c, *range(0x0e, 0x20)]] = True
ENDS = np.zeros(256, dtype=bool)
ENDS[list(b",\r\n")] = True


def has_control(arr: np.ndarray) -> bool:
    """Any C0 control byte other than tab, CR, LF (a lookup over the bytes, no per-character Python)."""
    return bool(CONTROL[arr].any())


def suspect_quote(arr: np.ndarray) -> bool:
    """True unless every quote sits where RFC 4180 allows it; then pyarrow reads the file as strictly as the
    ``csv`` module. Quotes pair up in file order: an even-numbered quote (0, 2 ...) opens a value (after a
    delimiter or line start) or is the second of a doubled ``""``; an odd-numbered one is the first of a
    doubled ``""`` or closes the value (before a delimiter, line end or the end of the file). Text after a
    closing quote (``"ab"c``, which pyarrow reads as ``abc``), a quote left open at the end (which pyarrow
    takes as closed) and a literal quote inside an unquoted value all break that pattern, and such a file
    goes to the strict reader, which decides."""
    q = np.flatnonzero(arr == 0x22)
    if len(q) % 2:
        return True
    if not len(q):
        return False
    last = len(arr) - 1
    before = np.where(q > 0, ENDS[arr[np.maximum(q - 1, 0)]], True)
    after = np.where(q < last, ENDS[arr[np.minimum(q + 1, last)]], True)
    odd = np.arange(len(q)) % 2 == 1
    pair_first = odd & np.append(q[1:] == q[:-1] + 1, False)
    pair_second = np.insert(pair_first[:-1], 0, False)
    bad_close = odd & ~pair_first & ~after
    bad_open = ~odd & ~pair_second & ~before
    return bool(bad_close.any() or bad_open.any())


def read_raw_csv(path: Path | str) -> pd.DataFrame:
    """One raw extract as text columns plus ``__row__``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError("raw extract not found", file=str(path), expected="an existing CSV file") from None
    except IsADirectoryError:
        raise DataError("raw extract is a folder", file=str(path), expected="a CSV file") from None
    body = data[len(BOM):] if data.startswith(BOM) else data
    check_utf8(body, path, len(data) - len(body))
    if not body.strip():
        raise DataError("empty file", file=str(path), expected="a header line and data rows")
    arr = np.frombuffer(body, dtype=np.uint8)
    frame = None if suspect_quote(arr) or body.startswith(BOM) else fast_read(body)  # pyarrow skips a 2nd BOM
    if frame is None:
        frame = strict_read(body.decode("utf-8"), path)
    header = list(frame.columns)
    check_header(header, path)
    frame.columns = header
    if has_control(arr):
        report_control(frame, path)
    frame[ROW] = np.arange(1, len(frame) + 1)
    return frame


def check_utf8(body: bytes, path: Path, skipped: int) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skipped
        line = body[:exc.start].count(b"\n") + 1
        raise DataError(f"line {line}, byte offset {offset}: byte 0x{body[exc.start]:02x} is not UTF-8",
                        file=str(path), expected="UTF-8 text") from None


def fast_read(body: bytes) -> pd.DataFrame | None:
    """pyarrow's reader with every column as text; ``None`` when it rejects the file (the strict reader then
    names the row)."""
    first = next(csv.reader(io.StringIO(body[:body.find(b"\n") + 1 or None].decode("utf-8"), newline="")), None)
    if not first:
        return None
    names = [f"c{i}" for i in range(len(first))]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    header = [c[0].as_py() if len(c) else "" for c in table.columns]
    if header != first:  # the header holds a quoted line break: let the strict reader decide
        return None
    frame = table.slice(1).to_pandas()
    frame.columns = header
    return frame.reset_index(drop=True)


def strict_read(text: str, path: Path) -> pd.DataFrame:
    """Python's strict ``csv`` reader, tracking the row and line of every record (the error path)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    start = 1
    try:
        for rec in reader:
            if rec:
                records.append(rec)
            start = reader.line_num + 1
    except csv.Error as exc:
        what = "unbalanced quote" if "end of data" in str(exc) else str(exc)
        raise DataError(f"malformed CSV: {what} in the row starting on line {start}", file=str(path),
                        row=len(records) if records else "header", expected="well-formed CSV "
                        "(a quoted value ends with a quote followed by a comma or line end)") from None
    if not records:
        raise DataError("empty file", file=str(path), expected="a header line and data rows")
    header, rows = records[0], records[1:]
    check_header(header, path)
    widths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    ragged = np.flatnonzero(widths != len(header))
    if ragged.size:
        pos = int(ragged[0])
        raise DataError(f"malformed CSV: {widths[pos]} values in a row of {len(header)} columns", file=str(path),
                        row=pos + 1, expected=f"{len(header)} values per row")
    return pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)


def check_header(header: list[str], path: Path) -> None:
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups or ROW in header:
        raise DataError(f"column(s) {', '.join(dups or [ROW])} appear twice or are reserved", file=str(path),
                        variable=(dups or [ROW])[0], expected="unique column names")
    blank = [i + 1 for i, h in enumerate(header) if not h.strip()]
    if blank:
        raise DataError(f"header column {blank[0]} has no name", file=str(path), row="header",
                        expected="a name for every column")


def report_control(frame: pd.DataFrame, path: Path) -> None:
    """Name the first value (or header) holding a control character other than tab/CR/LF."""
    for name in frame.columns:
        if re.search(CONTROL_TEXT, name):
            raise DataError(f"control character in header name {name!r}", file=str(path), row="header",
                            expected="printable text")
    for name in frame.columns:
        hit = frame[name].str.contains(CONTROL_TEXT, regex=True).to_numpy()
        if hit.any():
            pos = int(hit.nonzero()[0][0])
            char = re.search(CONTROL_TEXT, frame[name].iloc[pos]).group()
            raise DataError(f"control character 0x{ord(char):02x} in {frame[name].iloc[pos][:40]!r}",
                            file=str(path), row=pos + 1, variable=name,
                            expected="printable text (tab, CR and LF only inside quoted values)")
    raise DataError("control character outside any value", file=str(path), expected="printable text")


def raw_files(folder: Path | str) -> list[Path]:
    """Every regular file directly in the raw folder (hidden files excepted), sorted: the reconciliation
    accounts for each, CSV extract or not."""
    return sorted(p for p in Path(folder).iterdir() if not p.name.startswith(".") and p.is_file())


def read_raw_folder(folder: Path | str) -> dict[str, pd.DataFrame]:
    """Every ``*.csv`` in ``folder`` keyed by file stem (sorted)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("raw folder not found", file=str(folder), expected="a folder of CSV extracts")
    return {p.stem: read_raw_csv(p) for p in sorted(folder.glob("*.csv"))}
