"""SAS XPORT **version 5** (the format FDA and PMDA accept), with the spec applied.

The bytes are made and parsed by :mod:`cdiscflow.io.xport` (numpy, whole columns at a time; the files are
those pyreadstat writes, and read to the frames pyreadstat reads — see that module for the exceptions).

:func:`write_xpt` writes the dataset name and label, variable order, labels, character lengths (the spec's
length, not the longest value; SAS ignores trailing blanks) and display formats. It refuses with
:class:`XptError` — and writes nothing — anything v5 cannot hold without loss:

* dataset or variable names that are not SAS names of at most 8 characters;
* dataset or variable labels longer than 40 bytes;
* character values longer than 200 bytes or longer than the spec's length; spec lengths over 200;
* non-ASCII text (the first offending row, 1-based, and variable are named) unless ``transliterate=True``,
  which maps typographic punctuation (’ “ – …) and then Unicode NFKD decompositions to ASCII, returns and
  logs every change it made, and still refuses what has no ASCII form (€, °);
* numbers the IBM hexadecimal float cannot hold: infinities, ``|x| >= 7.2e75``, and ``0 < |x| < 5.4e-79``;
* a last record that is entirely blank in a dataset without numeric variables (v5 readers cannot tell it
  from the blank padding at the end of the file).

A refused value (text, number, blank last record, or text in a Num variable) is an :class:`XptValueError`
naming the first offending row (``row`` 1-based in the file, ``position`` 0-based in the frame, so that
:func:`cdiscflow.io.datasets.write_datasets` can name the record and where it came from instead) and how
many more rows fail the same check; the rows are found with whole-column masks.

The file is written atomically. The header's creation/modification stamps are the run's time
(:func:`cdiscflow.provenance.run_datetime`, which follows ``SOURCE_DATE_EPOCH``), so two writes of the same
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

from cdiscflow.errors import DataError, XptError, XptValueError
from cdiscflow.io.atomic import atomic_path
from cdiscflow.io.xport import (
    Column,
    Member,
    XportFormatError,
    blank_padded,
    data_rows,
    decode_column,
    encode_rows,
    encode_text,
    file_bytes,
    ibm_from_ieee,
    parse_header,
    parse_stamp,
    sas_stamp,
)
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


def _sas_stamp() -> str:
    return sas_stamp(run_datetime())


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


def _first(mask: pd.Series | np.ndarray) -> int:
    """0-based position of the first True."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def _more(mask: pd.Series | np.ndarray) -> str:
    """`` (and N more)`` when more than one row fails a check (only the first is named)."""
    count = int(np.count_nonzero(np.asarray(mask)))
    return f" (and {count - 1} more)" if count > 1 else ""


def _check_char(col: pd.Series, name: str, length: int | None, file: str, transliterate: bool,
                changes: list[Transliteration]) -> tuple[np.ndarray, int]:
    """The column encoded as ``S<k>`` bytes and its storage length; refusals raised.

    Encoding the whole column with numpy is the ASCII check (C speed); element-wise work is done only for
    columns that fail it (to name the row, or to transliterate) or that are longer than allowed."""
    try:
        encoded = encode_text(col.to_numpy(dtype=object))
    except UnicodeEncodeError:
        non_ascii = ~col.str.isascii().astype(bool)
        if not transliterate:
            pos = _first(non_ascii)
            raise XptValueError(f"non-ASCII text {col.iloc[pos]!r}{_more(non_ascii)}", file=file, row=pos + 1,
                                position=pos, variable=name,
                                expected="ASCII text (XPT v5; or write with transliterate=True)") from None
        before = col[non_ascii]
        after = _transliterate(before)
        left = ~after.str.isascii().astype(bool)
        if left.any():
            pos = int(np.flatnonzero(non_ascii.to_numpy())[_first(left)])
            raise XptValueError(f"text {col.iloc[pos]!r} has characters without an ASCII equivalent{_more(left)}",
                                file=file, row=pos + 1, position=pos, variable=name, expected="ASCII text") from None
        positions = np.flatnonzero(non_ascii.to_numpy()) + 1
        changes.extend(Transliteration(int(r), name, b, a) for r, b, a in zip(positions, before, after, strict=True))
        col = col.copy()
        col[non_ascii] = after
        encoded = encode_text(col.to_numpy(dtype=object))
    limit = min(length or MAX_CHAR, MAX_CHAR)
    if encoded.dtype.itemsize > limit or length is None:  # trailing blanks are padding: measure without them
        encoded = np.strings.rstrip(encoded, b" ")
        sizes = np.strings.str_len(encoded)
        if len(sizes) and sizes.max() > limit:
            long = sizes > limit
            pos = _first(long)
            bound = "XPT v5 maximum" if limit == MAX_CHAR else "spec length"
            raise XptValueError(f"text {col.iloc[pos][:60]!r} of {int(sizes[pos])} bytes is longer than the {bound}"
                                f"{_more(long)}", file=file, row=pos + 1, position=pos, variable=name,
                                expected=f"at most {limit} bytes")
        encoded = blank_padded(encoded.astype(f"S{max(int(sizes.max(initial=0)), 1)}"))
    if length is not None and length > MAX_CHAR:
        raise XptError(f"spec length {length} exceeds the XPT v5 maximum", file=file, variable=name,
                       expected=f"a length of at most {MAX_CHAR}")
    return encoded, max(length or encoded.dtype.itemsize, 1)


def _check_num(col: pd.Series, name: str, file: str) -> None:
    size = col.abs()
    bad = np.isinf(col) | (size >= IBM_MAX) | ((size > 0) & (size < IBM_MIN))
    if bad.any():
        pos = _first(bad)
        raise XptValueError(f"number {float(col.iloc[pos])!r} cannot be stored as an IBM float{_more(bad)}",
                            file=file, row=pos + 1, position=pos, variable=name,
                            expected=f"0 or {IBM_MIN:.1e} <= |x| < {IBM_MAX:.1e}, the range of the XPT v5 IBM float")


def _check_format(fmt: str, name: str, file: str) -> tuple[str, int, int]:
    """A display format as namestr fields: (name, width, decimals)."""
    match = SAS_FORMAT.match(fmt)
    if not match or len(match.group(1)) > MAX_NAME or (match.group(1).startswith("$") and match.group(3)):
        raise XptError(f"display format {fmt!r} cannot be stored in XPT v5", file=file, variable=name,
                       expected="a SAS format such as DATE9., 8.2 or $CHAR20. (name at most 8 characters)")
    return match.group(1).upper(), int(match.group(2) or 0), int(match.group(3) or 0)


def conform_for_xpt(df: pd.DataFrame, spec: Dataset, file: str) -> pd.DataFrame:
    """:func:`conform`, its refusals raised as :class:`XptError` naming the file (a value's row also as its
    :class:`XptValueError` position)."""
    try:
        return conform(df, spec)
    except DataError as exc:
        kind, extra = (XptValueError, {"position": exc.row - 1}) if isinstance(exc.row, int) else (XptError, {})
        raise kind(exc.message, file=file, row=exc.row, variable=exc.variable, expected=exc.expected,
                   **extra) from None


def write_xpt(df: pd.DataFrame, path: Path | str, spec: Dataset | None = None, *, transliterate: bool = False,
              dataset_name: str | None = None, label: str | None = None,
              conformed: bool = False) -> list[Transliteration]:
    """Write ``df`` as an XPT v5 file shaped by ``spec`` (see the module docstring); return transliterations.

    Without a spec the frame is written as it is (numeric columns Num, the rest Char sized to the longest
    value). ``dataset_name`` defaults to the spec's name, else the file name's stem; it is upper-cased.
    ``conformed`` says ``df`` is already ``conform(df, spec)`` (as :func:`write_datasets` passes it).
    """
    path = Path(path)
    file = str(path)
    name = (dataset_name or (spec.name if spec else path.stem)).upper()
    _check_name(name, "dataset name", file)
    if spec is None:
        spec = spec_from_frame(df, name, label or "")
    data = df if conformed else conform_for_xpt(df, spec, file)
    changes: list[Transliteration] = []
    file_label = _ascii_text(spec.label if label is None else label, "dataset label", file, None, transliterate,
                             changes)
    cols, arrays = [], []
    for var in spec.variables:
        _check_name(var.name, "variable name", file)
        col = Column(var.name, var.type, 8, _ascii_text(var.label, "label", file, var.name, transliterate, changes))
        if var.format:
            col.format_name, col.format_length, col.format_decimals = _check_format(var.format, var.name, file)
        if var.is_char:
            encoded, col.length = _check_char(data[var.name], var.name, var.length, file, transliterate, changes)
            arrays.append(encoded)
        else:
            _check_num(data[var.name], var.name, file)
            arrays.append(ibm_from_ieee(data[var.name].to_numpy(dtype="float64")))
        cols.append(col)
    if not any(not v.is_char for v in spec.variables) and len(data) and data.iloc[-1].str.strip().eq("").all():
        raise XptValueError("the last record is entirely blank; XPT v5 readers would drop it", file=file,
                            row=len(data), position=len(data) - 1,
                            expected="a non-blank last record (or a numeric variable)")
    member = Member(name, file_label, _sas_stamp(), cols)
    rows = encode_rows(member, arrays)
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        for piece in file_bytes(member, rows):
            out.write(piece)
    for ch in changes:
        log.warning("%s: transliterated %s row %d: %r -> %r", file, ch.variable, ch.row, ch.before, ch.after)
    return changes


def read_xpt(path: Path | str, columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, XptMeta]:
    """Read an XPT v5 file: Char as object ``str`` with ``""`` for missing, Num as float64 (dates stay SAS
    numbers, special missings are NaN). Text is decoded as UTF-8, else cp1252 (older SAS files);
    ``meta.encoding`` says which. The values, labels, lengths and formats are those pyreadstat reads.

    ``columns`` decodes only those variables (in that order) from the fixed-width rows; the meta then
    describes only them. A name the file does not hold raises :class:`XptError`.
    """
    path = Path(path)
    if not path.is_file():
        raise XptError("file not found", file=str(path), expected="an existing .xpt file")
    buf = np.fromfile(path, dtype=np.uint8)
    errors = []
    for enc in ENCODINGS:
        try:
            member, start = parse_header(buf, enc)
            found = {c.name: c for c in member.columns}
            wanted = list(dict.fromkeys(columns)) if columns else list(found)
            missing = [c for c in wanted if c not in found]
            if missing:
                raise XptError(f"variable(s) {', '.join(missing)} not in the dataset", file=str(path),
                               variable=missing[0], expected="names of variables the file holds (case-sensitive)")
            rows = data_rows(buf, start, member.row_length)
            arrays = {name: decode_column(rows, found[name], enc) for name in wanted}
            break
        except (XportFormatError, ValueError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                errors.append(f"{enc}: {exc}")
                continue
            raise XptError(f"cannot read as XPT v5 ({exc})", file=str(path), expected="a SAS XPORT v5 file") from None
    else:
        raise XptError(f"cannot read as XPT ({'; '.join(errors)})", file=str(path), expected="a SAS XPORT file")
    df = pd.DataFrame({c: pd.Series(a, dtype=a.dtype, copy=False) for c, a in arrays.items()}, copy=False)
    cols = [found[name] for name in wanted]
    created = parse_stamp(member.stamp)
    meta = XptMeta(name=member.name or path.stem.upper(), label=member.label,
                   labels={c.name: c.label for c in cols}, types={c.name: c.type for c in cols},
                   lengths={c.name: c.length for c in cols},
                   formats={c.name: c.format if "." in c.format else c.format + "." for c in cols if c.format},
                   encoding=enc, source_format="xpt", created=str(created) if created else None)
    return df, meta


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
