"""SAS XPORT **version 5** (the format FDA and PMDA accept) through pyreadstat, with the spec applied.

:func:`write_xpt` writes the dataset name and label, variable order, labels, character lengths (the spec's
length wins over pyreadstat's "longest value" sizing: the first value of each character column is padded to
the spec length; SAS ignores trailing blanks) and display formats. It refuses with :class:`XptError` — and
writes nothing — anything v5 cannot hold without loss:

* dataset or variable names that are not SAS names of at most 8 characters;
* dataset or variable labels longer than 40 bytes (pyreadstat would truncate them silently);
* character values longer than 200 bytes or longer than the spec's length; spec lengths over 200;
* non-ASCII text (the first offending row, 1-based, and variable are named) unless ``transliterate=True``,
  which maps typographic punctuation (’ “ – …) and then Unicode NFKD decompositions to ASCII, returns and
  logs every change it made, and still refuses what has no ASCII form (€, °);
* numbers the IBM hexadecimal float cannot hold: infinities, ``|x| >= 7.2e75``, and ``0 < |x| < 5.4e-79``;
* a last record that is entirely blank in a dataset without numeric variables (v5 readers cannot tell it
  from the blank padding at the end of the file).

The file is written atomically. The header's creation/modification stamps follow ``SOURCE_DATE_EPOCH``
(:func:`cdiscflow.provenance.run_datetime`): pyreadstat stamps the wall clock, so the four 16-byte
``ddMMMyy:hh:mm:ss`` fields at their fixed v5 offsets are patched after writing, and two writes of the same
data are byte-identical.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from cdiscflow.errors import DataError, XptError
from cdiscflow.io.atomic import atomic_path
from cdiscflow.provenance import run_datetime
from cdiscflow.specs.conform import conform, spec_from_frame
from cdiscflow.specs.model import Dataset

log = logging.getLogger(__name__)

MAX_NAME = 8
MAX_LABEL = 40
MAX_CHAR = 200
IBM_MAX = 7.2370055773322621e75  # (1 - 16**-14) * 16**63
IBM_MIN = 5.397605346934028e-79  # 16**-65, smallest normalised value
SAS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
SAS_FORMAT = re.compile(r"(\$?(?:[A-Za-z_][A-Za-z0-9_]*?)?)(\d*)\.(\d*)\Z")
STAMP = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")
STAMP_OFFSETS = (144, 160, 464, 480)  # library header created/modified, member header created/modified
OBS_HEADER = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  "
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
ENCODINGS = ("utf-8", "cp1252")
TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"',
                             "\u201e": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...",
                             "\u00a0": " ", "\u00b5": "u", "\u03bc": "u"})


@dataclass
class XptMeta:
    """What a dataset file says about itself (XPT, and by extension Dataset-JSON, CSV, SAS7BDAT).

    ``types`` are ``"Char"``/``"Num"`` (empty when the source is untyped, e.g. CSV); ``lengths`` are storage
    lengths in bytes (Char) or 8 (Num); ``formats`` are display formats such as ``DATE9.``.
    """

    name: str
    label: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    source_format: str = "xpt"
    created: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Transliteration:
    """One value changed by ``transliterate=True`` (row is 1-based; 0 means a label)."""

    row: int
    variable: str
    before: str
    after: str


def _sas_stamp() -> bytes:
    t = run_datetime()
    return f"{t.day:02d}{MONTHS[t.month - 1]}{t.year % 100:02d}:{t:%H:%M:%S}".encode("ascii")


def _check_name(name: str, what: str, file: str) -> None:
    if not SAS_NAME.match(name) or len(name) > MAX_NAME:
        raise XptError(f"{what} {name!r} cannot be stored in XPT v5", file=file, variable=name,
                       expected="a SAS name: a letter or _, then letters, digits or _, at most 8 characters")


def _transliterate(values: pd.Series) -> pd.Series:
    """Typographic punctuation to ASCII, then NFKD decomposition without its combining marks:
    "’" → "'", "é" → "e", "ﬁ" → "fi", "µ" → "u"; what stays non-ASCII ("€", "°") is refused by the caller."""
    return (values.str.translate(TYPOGRAPHIC).str.normalize("NFKD")
            .str.replace(r"[\u0300-\u036f]", "", regex=True))


def _ascii_text(text: str, what: str, file: str, variable: str | None, transliterate: bool,
                changes: list[Transliteration]) -> str:
    """A label (or name) as ASCII of at most 40 bytes."""
    if not text.isascii():
        if not transliterate:
            raise XptError(f"{what} {text!r} is not ASCII", file=file, variable=variable,
                           expected="ASCII text (or transliterate=True)")
        after = _transliterate(pd.Series([text]))[0]
        if not after.isascii():
            raise XptError(f"{what} {text!r} has characters without an ASCII equivalent", file=file,
                           variable=variable, expected="ASCII text")
        changes.append(Transliteration(0, variable or "", text, after))
        text = after
    if len(text.encode("ascii")) > MAX_LABEL:
        raise XptError(f"{what} {text!r} is {len(text)} bytes", file=file, variable=variable,
                       expected=f"at most {MAX_LABEL} bytes")
    return text


def _first(mask: pd.Series) -> int:
    """0-based position of the first True."""
    return int(np.flatnonzero(mask.to_numpy())[0])


def _check_char(col: pd.Series, name: str, length: int | None, file: str, transliterate: bool,
                changes: list[Transliteration]) -> tuple[pd.Series, int]:
    """The column ready to write (trailing blanks dropped) and its storage length; refusals raised.

    Whole-column checks run on the values joined into one string (C speed); element-wise work is done only
    for the columns that need it."""
    joined = "\x00".join(col.to_numpy(dtype=object))
    if " \x00" in joined or joined.endswith(" "):
        col = col.str.rstrip(" ")
    if not joined.isascii():
        non_ascii = ~col.map(str.isascii).astype(bool)
        if not transliterate:
            pos = _first(non_ascii)
            raise XptError(f"non-ASCII text {col.iloc[pos]!r}", file=file, row=pos + 1, variable=name,
                           expected="ASCII text (XPT v5; or write with transliterate=True)")
        before = col[non_ascii]
        after = _transliterate(before)
        left = ~after.map(str.isascii).astype(bool)
        if left.any():
            pos = int(np.flatnonzero(non_ascii.to_numpy())[_first(left)])
            raise XptError(f"text {col.iloc[pos]!r} has characters without an ASCII equivalent", file=file,
                           row=pos + 1, variable=name, expected="ASCII text")
        positions = np.flatnonzero(non_ascii.to_numpy()) + 1
        changes.extend(Transliteration(int(r), name, b, a) for r, b, a in zip(positions, before, after, strict=True))
        col = col.copy()
        col[non_ascii] = after
    longest = max(map(len, col.to_numpy(dtype=object)), default=0)
    limit = min(length or MAX_CHAR, MAX_CHAR)
    if longest > limit:
        sizes = col.str.len()
        pos = _first(sizes > limit)
        raise XptError(f"value of {int(sizes.iloc[pos])} bytes is too long: {col.iloc[pos][:60]!r}",
                       file=file, row=pos + 1, variable=name,
                       expected=f"at most {limit} bytes ({'XPT v5 maximum' if limit == MAX_CHAR else 'spec length'})")
    if length is not None and length > MAX_CHAR:
        raise XptError(f"spec length {length} exceeds the XPT v5 maximum", file=file, variable=name,
                       expected=f"a length of at most {MAX_CHAR}")
    return col, max(length or longest, 1)


def _check_num(col: pd.Series, name: str, file: str) -> None:
    size = col.abs()
    bad = np.isinf(col) | (size >= IBM_MAX) | ((size > 0) & (size < IBM_MIN))
    if bad.any():
        pos = _first(bad)
        raise XptError(f"number {col.iloc[pos]!r} cannot be stored as an IBM float", file=file, row=pos + 1,
                       variable=name, expected=f"a finite number with {IBM_MIN:.1e} <= |x| < {IBM_MAX:.1e}, or 0")


def _check_format(fmt: str, name: str, file: str) -> str:
    match = SAS_FORMAT.match(fmt)
    if not match or len(match.group(1)) > MAX_NAME:
        raise XptError(f"display format {fmt!r} cannot be stored in XPT v5", file=file, variable=name,
                       expected="a SAS format such as DATE9., 8.2 or $CHAR20. (name at most 8 characters)")
    return fmt.upper()


def _finish_header(data: bytes, empty: bool, file: str) -> bytes:
    """Set the header stamps to the run's time; drop the placeholder record of an empty dataset."""
    buf = bytearray(data)
    stamp = _sas_stamp()
    for off in STAMP_OFFSETS:
        if not STAMP.fullmatch(bytes(buf[off:off + 16])):
            raise XptError(f"unexpected XPT header at byte {off}", file=file, expected="a v5 header stamp")
        buf[off:off + 16] = stamp
    if empty:
        end = buf.find(OBS_HEADER)
        if end < 0:
            raise XptError("no OBS header record written", file=file, expected="an XPT v5 file")
        del buf[end + len(OBS_HEADER):]
    return bytes(buf)


def write_xpt(df: pd.DataFrame, path: Path | str, spec: Dataset | None = None, *, transliterate: bool = False,
              dataset_name: str | None = None, label: str | None = None) -> list[Transliteration]:
    """Write ``df`` as an XPT v5 file shaped by ``spec`` (see the module docstring); return transliterations.

    Without a spec the frame is written as it is (numeric columns Num, the rest Char sized to the longest
    value). ``dataset_name`` defaults to the spec's name, else the file name's stem; it is upper-cased.
    """
    path = Path(path)
    file = str(path)
    name = (dataset_name or (spec.name if spec else path.stem)).upper()
    _check_name(name, "dataset name", file)
    if spec is None:
        spec = spec_from_frame(df, name, label or "")
    try:
        data = conform(df, spec)
    except DataError as exc:
        raise XptError(exc.message, file=file, row=exc.row, variable=exc.variable, expected=exc.expected) from None
    changes: list[Transliteration] = []
    file_label = _ascii_text(spec.label if label is None else label, "dataset label", file, None, transliterate,
                             changes)
    labels, formats, columns = [], {}, {}
    for var in spec.variables:
        _check_name(var.name, "variable name", file)
        labels.append(_ascii_text(var.label, "label", file, var.name, transliterate, changes) or None)
        if var.format:
            formats[var.name] = _check_format(var.format, var.name, file)
        if var.is_char:
            columns[var.name] = _check_char(data[var.name], var.name, var.length, file, transliterate, changes)
        else:
            _check_num(data[var.name], var.name, file)
    if not any(not v.is_char for v in spec.variables) and len(data) and data.iloc[-1].str.strip().eq("").all():
        raise XptError("the last record is entirely blank; XPT v5 readers would drop it", file=file,
                       row=len(data), expected="a non-blank last record (or a numeric variable)")
    empty = len(data) == 0
    if empty:  # pyreadstat cannot size an empty column: write one placeholder record, removed afterwards
        data = pd.DataFrame({v.name: pd.Series(["" if v.is_char else np.nan], dtype=object if v.is_char else "float64")
                             for v in spec.variables})
        columns = {n: (data[n], width) for n, (_, width) in columns.items()}
    out = data.reset_index(drop=True)
    for var_name, (col, width) in columns.items():
        values = col.to_numpy(dtype=object, copy=True)
        values[0] = values[0].ljust(width)
        out[var_name] = pd.Series(values, dtype=object)
    with atomic_path(path) as tmp:
        try:
            pyreadstat.write_xport(out, str(tmp), file_label=file_label, column_labels=labels, table_name=name,
                                   file_format_version=5, variable_format=formats or None)
        except (pyreadstat.PyreadstatError, pyreadstat.ReadstatError) as exc:
            raise XptError(f"pyreadstat could not write the file: {exc}", file=file) from None
        tmp.write_bytes(_finish_header(tmp.read_bytes(), empty, file))
    for ch in changes:
        log.warning("%s: transliterated %s row %d: %r -> %r", file, ch.variable, ch.row, ch.before, ch.after)
    return changes


def read_xpt(path: Path | str, columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, XptMeta]:
    """Read an XPT file: Char as object ``str`` with ``""`` for missing, Num as float64 (dates stay SAS
    numbers). Text is decoded as UTF-8, else cp1252 (older SAS files); ``meta.encoding`` says which.

    ``columns`` reads only those variables (in that order; pyreadstat skips the others while parsing, which
    saves time and most of the memory); a name the file does not hold raises :class:`XptError`.
    """
    path = Path(path)
    if not path.is_file():
        raise XptError("file not found", file=str(path), expected="an existing .xpt file")
    errors = []
    for enc in ENCODINGS:
        try:
            data, m = pyreadstat.read_xport(str(path), encoding=enc, disable_datetime_conversion=True,
                                            output_format="dict", usecols=list(columns) if columns else None)
            break
        except (pyreadstat.PyreadstatError, pyreadstat.ReadstatError, UnicodeDecodeError) as exc:
            errors.append(f"{enc}: {exc}")
    else:
        raise XptError(f"cannot read as XPT ({'; '.join(errors)})", file=str(path), expected="a SAS XPORT file")
    return from_readstat(data, m, path, "xpt", enc, columns)


def _text_column(values: list[str | None]) -> np.ndarray:
    """Object array of ``str`` with ``""`` for missing; equal values share one object.

    pyreadstat makes a new ``str`` for every cell; a dataset repeats few distinct values per column (STUDYID,
    --TESTCD, VISIT), so factorising and taking back from the uniques keeps one object per distinct value:
    8 bytes a cell instead of about 60."""
    codes, uniques = pd.factorize(np.array(values, dtype=object))
    uniques = np.append(np.asarray(uniques, dtype=object), "")  # code -1 (missing) takes the last: ""
    return uniques.take(codes)


def from_readstat(data: dict[str, list], m: Any, path: Path, source_format: str, encoding: str | None,
                  columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, XptMeta]:
    """pyreadstat's ``output_format="dict"`` data (XPT or SAS7BDAT) as a frame in the conform convention, with
    its :class:`XptMeta`. Each column list is released as soon as its array is built (lower peak memory)."""
    types = {c: "Char" if t == "string" else "Num" for c, t in m.readstat_variable_types.items()}
    columns = list(dict.fromkeys(columns)) if columns else list(data)
    missing = [c for c in columns if c not in data]
    if missing:
        raise XptError(f"variable(s) {', '.join(missing)} not in the dataset", file=str(path),
                       variable=missing[0], expected="names of variables the file holds (case-sensitive)")
    arrays = {}
    for name in columns:
        values = data.pop(name)
        arrays[name] = _text_column(values) if types[name] == "Char" else np.array(values, dtype="float64")
    df = pd.DataFrame({c: pd.Series(a, dtype=a.dtype, copy=False) for c, a in arrays.items()}, copy=False)
    formats = {c: f if "." in f else f + "." for c, f in (m.original_variable_types or {}).items() if f}
    meta = XptMeta(name=m.table_name or path.stem.upper(), label=m.file_label or "",
                   labels={c: lab or "" for c, lab in m.column_names_to_labels.items()}, types=types,
                   lengths=dict(m.variable_storage_width or {}), formats=formats, encoding=encoding,
                   source_format=source_format, created=str(m.creation_time) if m.creation_time else None)
    return df, meta
