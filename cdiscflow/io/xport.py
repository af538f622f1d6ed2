"""SAS XPORT **version 5** records at numpy speed: the byte layer under :mod:`cdiscflow.io.xpt`.

Layout (SAS TS-140): 80-byte records; a library header (3 records), a member header (2 header records + 2
descriptor records holding the dataset name, label and stamps), a NAMESTR header and one 140-byte namestr
per variable (padded with blanks to a record boundary), an OBS header, then the observations as fixed-width
rows laid end to end, the last record padded with blanks. Numbers are IBM System/370 hexadecimal doubles
(big-endian: sign, 7-bit excess-64 base-16 exponent, 56-bit fraction); a missing number is its code byte
(``.``, ``A``-``Z``, ``_``) followed by seven zero bytes. Text is blank-padded.

Every column is converted as a whole: rows are a ``(n, row_length)`` ``uint8`` array; a numeric column is
eight of its byte columns viewed as ``>u8`` and converted with integer shifts; a text column is encoded with
``astype("S<n>")`` (which is also the C-speed ASCII check) and decoded once per distinct value (rows are
hashed, factorised and verified byte for byte, then the distinct values decoded and taken back).

Compatibility with ReadStat (pyreadstat), which the tests use as the reference:

* **Reading** follows ReadStat's rules exactly: trailing blanks and NULs of text are dropped; numeric storage
  lengths 3-7 are zero-extended; a number whose last seven bytes are zero and first byte is not zero is
  missing (``.``, ``.A``-``.Z``, ``._`` are the SAS codes; any other such byte, e.g. an IBM negative zero
  ``0x80``, is also missing in ReadStat); IBM fractions are truncated to IEEE's 53 bits as ReadStat does
  (SAS-written files are normalised, so at most the 3 lowest bits are dropped); trailing all-blank rows are
  padding (the v5 rule), blank rows before a non-blank one are data.
* **Writing** produces ReadStat's bytes (the header text ``SASLIB 6.06 bsd4.2``, namestrs with numeric
  variables right-justified, informats left blank, blanks after the namestrs and at the end of the data)
  with three deliberate differences: the four header stamps are the run's time
  (``SOURCE_DATE_EPOCH``) where ReadStat stamps the local wall clock; numbers with ``2**249 <= |x| <
  2**252`` are written exactly where ReadStat writes its overflow pattern ``7F FF..`` (read back as
  infinity), and a text value containing NUL bytes is written whole where ReadStat truncates it at the
  first NUL. -0.0 is written as 0 (as ReadStat and SAS do).

A file holds one member (dataset), as FDA's rules for v5 transport files require; a second member's header
records after the first member's rows are not looked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

RECORD = 80
NAMESTR_LEN = 140
BLANK = 0x20
MISSING_CODES = b"._ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
NAMESTR = np.dtype([("ntype", ">u2"), ("nhfun", ">u2"), ("nlng", ">u2"), ("nvar0", ">u2"), ("nname", "S8"),
                    ("nlabel", "S40"), ("nform", "S8"), ("nfl", ">u2"), ("nfd", ">u2"), ("nfj", ">u2"),
                    ("nfill", "V2"), ("niform", "S8"), ("nifl", ">u2"), ("nifd", ">u2"), ("npos", ">u4"),
                    ("rest", "V52")])
HEADER = "HEADER RECORD*******{:<8}HEADER RECORD!!!!!!!{:0>30}  "
LOW56 = np.uint64((1 << 56) - 1)
LOW52 = np.uint64((1 << 52) - 1)
SIGN = np.uint64(1 << 63)
MISSING_BITS = np.uint64(ord(".") << 56)
SAMPLE = 4096
HASH_PRIME = np.uint64(0x100000001B3)  # FNV-1 64-bit prime


class XportFormatError(ValueError):
    """The bytes are not an XPORT v5 file (the message says where)."""


@dataclass
class Column:
    """One variable as written to / read from a namestr."""

    name: str
    type: str  # "Char" or "Num"
    length: int
    label: str = ""
    format_name: str = ""
    format_length: int = 0
    format_decimals: int = 0
    position: int = 0

    @property
    def format(self) -> str:
        """ReadStat's spelling of the display format: name, width, ``.decimals`` (``""`` when none)."""
        text = self.format_name + (str(self.format_length) if self.format_length else "")
        return text + (f".{self.format_decimals}" if self.format_decimals else "")


@dataclass
class Member:
    """A dataset's header: name, label, modification stamp text and its columns."""

    name: str
    label: str = ""
    stamp: str = ""
    columns: list[Column] = field(default_factory=list)

    @property
    def row_length(self) -> int:
        return sum(c.length for c in self.columns)


def sas_stamp(t: dt.datetime) -> str:
    """``ddMMMyy:hh:mm:ss``, the 16-byte v5 header stamp."""
    return f"{t.day:02d}{MONTHS[t.month - 1]}{t.year % 100:02d}:{t:%H:%M:%S}"


def parse_stamp(text: str) -> dt.datetime | None:
    """A header stamp as a datetime (years < 60 are 20yy, as ReadStat reads them); None when unreadable."""
    try:
        day, mon, year = int(text[0:2]), MONTHS.index(text[2:5]) + 1, int(text[5:7])
        return dt.datetime(year + (2000 if year < 60 else 1900), mon, day, int(text[8:10]), int(text[11:13]),
                           int(text[14:16]))
    except (ValueError, IndexError):
        return None


# ---- numbers ----------------------------------------------------------------------------------------------

def ibm_from_ieee(values: np.ndarray, tags: np.ndarray | None = None) -> np.ndarray:
    """IEEE doubles → IBM doubles as native ``uint64`` (byte-swap to big-endian to store).

    NaN is ``.``; ``tags`` (``uint8`` codes, 0 = none) gives special missings ``.A``-``.Z``/``._`` to NaN
    positions. Exact for ``2**-260 <= |x| < 2**252``; smaller magnitudes and -0.0 become 0, larger ones the
    maximum magnitude (callers refuse both first)."""
    x = np.ascontiguousarray(values, dtype="float64")
    bits = x.view(np.uint64)
    exp = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1023
    mant = (bits & LOW52) | np.uint64(1 << 52)
    frac = mant << (exp & 3).astype(np.uint64)
    ibm_exp = np.clip((exp >> 2) + 65, 0, 127).astype(np.uint64)
    out = (bits & SIGN) | (ibm_exp << np.uint64(56)) | frac
    out[exp < -260] = 0
    big = exp > 251
    out[big] = (bits[big] & SIGN) | np.uint64(0x7FFFFFFFFFFFFFFF)
    nan = np.isnan(x)
    if nan.any():
        code = np.full(len(x), ord("."), dtype=np.uint64)
        if tags is not None:
            code = np.where(np.asarray(tags) > 0, np.asarray(tags, dtype=np.uint64), code)
        out[nan] = code[nan] << np.uint64(56)
    return out


def ieee_from_ibm(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IBM doubles (native ``uint64``) → (float64 values, ``uint8`` missing codes: 0 for a value,
    ``ord('.')`` / ``ord('A')``.. for SAS missings), following ReadStat bit for bit (see the docstring)."""
    values, missing = _ieee_from_ibm(np.asarray(raw, dtype=np.uint64))
    codes = np.where(missing, np.asarray(raw, dtype=np.uint64) >> np.uint64(56), 0).astype(np.uint8)
    codes[missing & ~np.isin(codes, np.frombuffer(MISSING_CODES, np.uint8))] = ord(".")
    return values, codes


SHIFT = np.array([0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3], dtype=np.uint64)  # by leading nibble


def _ieee_from_ibm(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values, missing mask) of native ``uint64`` IBM doubles."""
    first = raw >> np.uint64(56)
    rest = raw & LOW56
    shift = SHIFT.take((rest >> np.uint64(52)).astype(np.intp))
    exp = ((first & np.uint64(0x7F)) << np.uint64(2)) + shift + np.uint64(1023 - 260)  # (e - 65) * 4 + shift + 1023
    bits = ((first & np.uint64(0x80)) << np.uint64(56)) | (exp << np.uint64(52)) | ((rest >> shift) & LOW52)
    bits[raw == 0] = 0
    inf = (raw & np.uint64(0x7FFFFFFFFFFFFFFF)) == np.uint64(0x7FFFFFFFFFFFFFFF)
    if inf.any():
        bits[inf] = (raw[inf] & SIGN) | np.uint64(0x7FF0000000000000)
    missing = (rest == 0) & (first != 0)
    values = bits.view(np.float64)
    values[missing] = np.nan
    return values, missing


# ---- text -------------------------------------------------------------------------------------------------

def blank_padded(text: np.ndarray) -> np.ndarray:
    """An ``S<n>`` array with its NUL padding (and any NUL byte) made blanks, in place."""
    raw = text.view(np.uint8)
    np.putmask(raw, raw == 0, BLANK)
    return text


def encode_text(values: np.ndarray) -> np.ndarray:
    """Object array of ``str`` → blank-padded ``S<longest>`` bytes; raises ``UnicodeEncodeError`` on
    non-ASCII text.

    A column that repeats its values (judged on its first 4,096) is encoded once per distinct value and taken
    back to the rows; one that does not is encoded value by value."""
    if not len(values):
        return np.empty(0, dtype="S1")
    if len(pd.unique(values[:SAMPLE])) * 4 <= min(len(values), SAMPLE):
        codes, distinct = pd.factorize(values)
        return blank_padded(np.asarray(distinct, dtype=object).astype("S"))[codes]
    return blank_padded(values.astype("S"))


def decode_text(block: np.ndarray, encoding: str) -> np.ndarray:
    """A ``(n, width)`` ``uint8`` block of blank-padded text → object array of ``str`` (trailing blanks and
    NULs dropped), one ``str`` object per distinct value. Raises ``UnicodeDecodeError``.

    Rows are keyed by their bytes as 64-bit words (exact up to 8 bytes; wider rows by an FNV-style hash of
    the words, every row then checked against its value's first row), factorised, and only the distinct
    values decoded."""
    n, width = block.shape
    if n == 0:
        return np.empty(0, dtype=object)
    padded = np.zeros((n, -(-width // 8) * 8), dtype=np.uint8)
    padded[:, :width] = block
    words = padded.view(np.uint64)
    key = words[:, 0].copy()
    for i in range(1, words.shape[1]):
        key *= HASH_PRIME
        key ^= words[:, i]
    codes = pd.factorize(key)[0]
    seen = np.maximum.accumulate(codes)  # codes number values in order of first appearance
    first = np.flatnonzero(np.r_[True, seen[1:] > seen[:-1]])
    if words.shape[1] > 1 and not (words == words[first[codes]]).all():  # a hash collision
        first, codes = np.arange(n), np.arange(n)
    distinct = padded[first, :width]
    stripped = np.strings.rstrip(np.ascontiguousarray(distinct).view(f"S{width}").ravel(), b" \x00")
    if (distinct < 128).all():
        text = stripped.astype("U").astype(object)
    else:
        text = np.array([v.decode(encoding) for v in stripped.tolist()], dtype=object)
    return text.take(codes)


# ---- headers ----------------------------------------------------------------------------------------------

def _record(text: str | bytes) -> bytes:
    data = text.encode("ascii") if isinstance(text, str) else text
    return data.ljust(-(-len(data) // RECORD) * RECORD, b" ")


def header_bytes(member: Member) -> bytes:
    """Everything before the first observation, as ReadStat writes it for v5."""
    stamp = member.stamp
    parts = [
        HEADER.format("LIBRARY", 0),
        f"{'SAS':<8}{'SAS':<8}{'SASLIB':<8}{'6.06':<8}{'bsd4.2':<8}{'':<24}{stamp:>16}",
        stamp,
        HEADER.format("MEMBER", "000000000000000001600000000140"),
        HEADER.format("DSCRPTR", 0),
        f"{'SAS':<8}{member.name:<8}{'SASDATA':<8}{'6.06':<8}{'bsd4.2':<8}{'':<24}{stamp:>16}",
        f"{stamp:>16}{'':16}{member.label:<40}{'':8}",
        HEADER.format("NAMESTR", f"{len(member.columns):05d}" + "0" * 20),
    ]
    names = np.zeros(len(member.columns), dtype=NAMESTR)
    pos = 0
    for i, c in enumerate(member.columns):
        names[i] = (1 if c.type == "Num" else 2, 0, c.length, i + 1, c.name.ljust(8).encode("ascii"),
                    c.label.ljust(40).encode("ascii"), c.format_name.ljust(8).encode("ascii"), c.format_length,
                    c.format_decimals, 1 if c.type == "Num" else 0, b"\x00\x00", b" " * 8, 0, 0, pos, b"\x00" * 52)
        pos += c.length
    head = b"".join(_record(p) for p in parts)
    return head + _record(names.tobytes()) + _record(HEADER.format("OBS", 0))


def _field(buf: bytes, start: int, end: int, encoding: str) -> str:
    return buf[start:end].rstrip(b" \x00").decode(encoding)


def parse_header(buf: bytes | memoryview, encoding: str = "utf-8") -> tuple[Member, int]:
    """The member a v5 file's header describes (with its columns) and the offset of its first observation."""
    head = bytes(buf[:RECORD * 8])
    for off, name in ((0, "LIBRARY"), (240, "MEMBER"), (320, "DSCRPTR"), (560, "NAMESTR")):
        if head[off:off + 48] != HEADER.format(name, 0)[:48].encode("ascii"):
            raise XportFormatError(f"no {name} header record at byte {off}")
    if head[315:318] != b"140":
        raise XportFormatError(f"namestr length {head[315:318]!r} (XPORT v5 namestrs are 140 bytes)")
    count = int(head[613:618])
    member = Member(name=_field(head, 408, 416, encoding), label=_field(head, 512, 552, encoding),
                    stamp=head[160:176].decode("ascii", "replace"))
    end = 640 + count * NAMESTR_LEN
    obs = -(-end // RECORD) * RECORD
    if bytes(buf[obs:obs + 48]) != HEADER.format("OBS", 0)[:48].encode("ascii"):
        raise XportFormatError(f"no OBS header record at byte {obs}")
    for n in np.frombuffer(buf, dtype=NAMESTR, count=count, offset=640):
        member.columns.append(Column(
            name=n["nname"].rstrip(b" \x00").decode(encoding), type="Num" if n["ntype"] == 1 else "Char",
            length=int(n["nlng"]), label=n["nlabel"].rstrip(b" \x00").decode(encoding),
            format_name=n["nform"].rstrip(b" \x00").decode(encoding), format_length=int(n["nfl"]),
            format_decimals=int(n["nfd"]), position=int(n["npos"])))
    return member, obs + RECORD


# ---- whole files ------------------------------------------------------------------------------------------

def encode_rows(member: Member, arrays: Sequence[np.ndarray]) -> np.ndarray:
    """The observations as one ``(n, row_length)`` ``uint8`` array. ``arrays`` are, per column, native
    ``uint64`` IBM numbers (:func:`ibm_from_ieee`) or blank-padded ``S<k>`` text (:func:`encode_text`)
    with ``k <= length``."""
    n = len(arrays[0]) if arrays else 0
    rows = np.full((n, member.row_length), BLANK, dtype=np.uint8)
    if not n:
        return rows
    # one structured view of the rows, a field per column at its offset: each column is copied in one pass
    # (numbers byte-swapped to big-endian on the way); text shorter than its length keeps the blanks after it
    offsets = np.cumsum([0, *(c.length for c in member.columns)])[:-1]
    layout = np.dtype({"names": [f"c{i}" for i in range(len(arrays))],
                       "formats": [">u8" if c.type == "Num" else a.dtype for c, a in zip(member.columns, arrays,
                                                                                        strict=True)],
                       "offsets": offsets.tolist(), "itemsize": member.row_length})
    record = rows.view(layout).reshape(n)
    for i, arr in enumerate(arrays):
        record[f"c{i}"] = arr
    return rows


def file_bytes(member: Member, rows: np.ndarray) -> list[bytes | memoryview]:
    """The pieces of the file in order (header, rows, blank padding to the record boundary)."""
    size = rows.size
    pieces: list[bytes | memoryview] = [header_bytes(member)]
    if size:
        pieces.append(memoryview(np.ascontiguousarray(rows)).cast("B"))
    pad = -size % RECORD
    if pad:
        pieces.append(b" " * pad)
    return pieces


def data_rows(buf: np.ndarray, start: int, row_length: int) -> np.ndarray:
    """The observations as a ``(n, row_length)`` view, trailing all-blank rows (padding) dropped."""
    if row_length == 0:
        return np.empty((0, 0), dtype=np.uint8)
    n = (len(buf) - start) // row_length
    rows = buf[start:start + n * row_length].reshape(n, row_length)
    chunk = 1024
    while n:
        lo = max(n - chunk, 0)
        blank = (rows[lo:n] == BLANK).all(axis=1)
        if not blank.all():
            n = lo + int(np.flatnonzero(~blank)[-1]) + 1
            break
        n = lo
    return rows[:n]


def decode_column(rows: np.ndarray, col: Column, encoding: str) -> np.ndarray:
    """One column from the rows: float64 for Num (SAS missings as NaN), object ``str`` for Char."""
    block = rows[:, col.position:col.position + col.length]
    if col.type == "Char":
        return decode_text(block, encoding)
    if not 3 <= col.length <= 8:  # ReadStat reads such numbers as missing
        return np.full(len(rows), np.nan)
    full = np.zeros((len(rows), 8), dtype=np.uint8)
    full[:, :col.length] = block
    return _ieee_from_ibm(full.view(">u8").ravel().astype(np.uint64))[0]
