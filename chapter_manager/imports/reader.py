"""Reading a spreadsheet someone hands the chapter: .csv or .xlsx, refusing hostile files.

:func:`read_table` returns a :class:`Table`: the header row and the rows under it, with
what was detected (encoding, delimiter, sheet, which row held the headers).

* CSV: UTF-8 with or without a byte-order mark, UTF-16 (with a mark, or recognised by
  its zero bytes), otherwise Windows-1252; comma, semicolon or tab.
* XLSX: read with openpyxl in read-only mode, values only; dates come as dates, from
  1900- or 1904-based workbooks alike (openpyxl reads the workbook's epoch).
* Refused with a sentence and nothing read: a file over :data:`MAX_FILE_BYTES`; a
  workbook whose parts would unpack to more than :data:`MAX_UNPACKED_BYTES` or that
  compress suspiciously well (a zip bomb: checked from the zip directory, before
  anything is unpacked); an XML part with a document type declaration (entity tricks:
  "billion laughs", external entities); an old binary .xls; anything that is not text
  or a workbook.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ChapterError
from ..i18n import _

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
# Worksheet XML compresses well (20-50x is usual); far more than this is a bomb.
MAX_RATIO = 200
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
_PROLOGUE_LIMIT = 64 * 1024
_HEADER_SCAN = 10


class ImportRefused(ChapterError):
    """A file that cannot be imported; ``str()`` says why.  Nothing was imported."""


@dataclass
class Table:
    kind: str  # "csv" or "xlsx"
    headers: list[str]
    rows: list[list[Any]]
    header_row: int  # 1-based row of the headers in the file
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        """The file's row number (1-based, as a spreadsheet shows it) of ``rows[index]``."""
        return self.header_row + 1 + index


# --------------------------------------------------------------------------- entry point


def read_table(path: str | Path, *, sheet: str | None = None, header_row: int | None = None,
               max_bytes: int = MAX_FILE_BYTES) -> Table:
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportRefused(_("{path} does not exist.").format(path=path)) from None
    except OSError as error:
        raise ImportRefused(_("Cannot read {path}: {reason}.").format(
            path=path, reason=error.strerror or error)) from None
    if path.is_dir():
        raise ImportRefused(_("{path} is a folder, not a spreadsheet.").format(path=path))
    if size > max_bytes:
        raise ImportRefused(
            _("{name} is too big to import ({size:.1f} MB; at most {limit:.0f} MB). Split it "
              "into smaller files.").format(name=path.name, size=size / 2**20, limit=max_bytes / 2**20))
    if size == 0:
        raise ImportRefused(_("{name} is empty.").format(name=path.name))
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as error:
        raise ImportRefused(_("Cannot read {path}: {reason}.").format(
            path=path, reason=error.strerror or error)) from None
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, sheet, header_row)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(_("{name} is an old Excel (.xls) file. Open it in Excel or LibreOffice "
                              "and save it as .xlsx or CSV, then import that.").format(name=path.name))
    data = path.read_bytes()
    return _read_csv(path.name, data, header_row)


# --------------------------------------------------------------------------- csv


def detect_encoding(data: bytes) -> str:
    """The text encoding of a CSV file's bytes (a Python codec name)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4096]
    if len(sample) >= 4:
        even_zeros = sample[0::2].count(0)
        odd_zeros = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_zeros > half * 0.3 and even_zeros < half * 0.05:
            return "utf-16-le"
        if even_zeros > half * 0.3 and odd_zeros < half * 0.05:
            return "utf-16-be"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


_LABELS = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16 LE",
           "utf-16-be": "UTF-16 BE", "cp1252": "Windows-1252"}


def encoding_label(codec: str | None) -> str:
    return _LABELS.get(codec or "", codec or "")


def decode(data: bytes, encoding: str) -> str:
    if encoding == "cp1252":
        # Five bytes have no character in Windows-1252; read them as Latin-1 does.
        return _cp1252(data)
    return data.decode(encoding, errors="replace")


def _cp1252(data: bytes) -> str:
    out = []
    for chunk in re.split(rb"([\x81\x8d\x8f\x90\x9d])", data):
        if len(chunk) == 1 and chunk in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"):
            out.append(chunk.decode("latin-1"))
        elif chunk:
            out.append(chunk.decode("cp1252"))
    return "".join(out)


def detect_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one that splits the first lines most consistently."""
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", -1.0
    for delim in (",", ";", "\t"):
        counts = []
        for row in csv.reader(lines, delimiter=delim):
            counts.append(len(row) - 1)
        if not counts or max(counts) == 0:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) / len(counts) * 10 + min(common, 50) / 10
        if common > 0 and score > best_score:
            best, best_score = delim, score
    return best


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    if not sample:
        return False
    bad = sum(1 for ch in sample if ch == "\x00" or ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t"))
    return bad > max(8, len(sample) // 100)


def _read_csv(name: str, data: bytes, header_row: int | None) -> Table:
    encoding = detect_encoding(data)
    text = decode(data, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    if _looks_binary(text):
        raise ImportRefused(_("{name} is not a spreadsheet (neither a CSV text file nor an .xlsx "
                              "workbook).").format(name=name))
    delimiter = detect_delimiter(text)
    csv.field_size_limit(10 * 1024 * 1024)
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row[:MAX_COLUMNS])
            if len(rows) > MAX_ROWS + _HEADER_SCAN:
                raise ImportRefused(_("{name} has more than {n:,} rows; split it into smaller "
                                      "files.").format(name=name, n=MAX_ROWS))
    except csv.Error as error:
        raise ImportRefused(_("{name} could not be read as CSV ({reason}).").format(
            name=name, reason=error)) from None
    return _table("csv", rows, header_row, encoding=encoding, delimiter=delimiter)


# --------------------------------------------------------------------------- header row


def _table(kind: str, rows: list[list[Any]], header_row: int | None, **info: Any) -> Table:
    from .mapping import header_score

    if header_row is None:
        best, best_score = 0, -1
        for i, row in enumerate(rows[:_HEADER_SCAN]):
            texts = [c for c in row if isinstance(c, str) and c.strip()]
            if not texts:
                continue
            score = header_score(texts) * 10 + len(texts)
            if best_score < 0 or score > best_score:
                best, best_score = i, score
        index = best
    else:
        index = max(0, header_row - 1)
    if not rows or index >= len(rows) or not any(_text(c) for c in rows[index]):
        raise ImportRefused(_("The file has no header row with column names."))
    headers = [_text(c) for c in rows[index]]
    width = len(headers)
    while width and not headers[width - 1]:
        width -= 1
    headers = headers[:width]
    for i, h in enumerate(headers):
        if not h:
            headers[i] = _("Column {n}").format(n=i + 1)
    body = []
    for row in rows[index + 1:]:
        cells = list(row[:width]) + [None] * (width - len(row))
        body.append(cells)
    while body and not any(_text(c) for c in body[-1]):
        body.pop()
    return Table(kind=kind, headers=headers, rows=body, header_row=index + 1, **info)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    return str(value).strip()


# --------------------------------------------------------------------------- xlsx


def _check_zip(path: Path, zf: zipfile.ZipFile) -> None:
    total = 0
    names = set()
    for info in zf.infolist():
        names.add(info.filename)
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise ImportRefused(_("{name} would unpack to more than {limit} MB; it is refused as "
                                  "unsafe.").format(name=path.name, limit=MAX_UNPACKED_BYTES // 2**20))
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportRefused(_("{name} is compressed suspiciously well (a “zip bomb”); it is "
                                  "refused as unsafe.").format(name=path.name))
    if "xl/workbook.xml" not in names:
        raise ImportRefused(_("{name} is a zip file but not an Excel workbook.").format(name=path.name))
    for info in zf.infolist():
        if info.filename.endswith((".xml", ".rels", ".vml")):
            _check_prologue(path, zf, info)


def _check_prologue(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an XML part that declares a document type (where entities are defined)."""
    with zf.open(info) as fh:
        head = fh.read(_PROLOGUE_LIMIT)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (b"<\x00", b"\x00<"):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    text = head.lstrip(codecs.BOM_UTF8)
    upper = text.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise ImportRefused(_("{name} contains XML entity declarations, which a workbook never needs; "
                              "it is refused as unsafe.").format(name=path.name))
    # Anything before the root element must fit in what was read.
    stripped = re.sub(rb"<\?.*?\?>|<!--.*?-->|\s+", b"", text, flags=re.S)
    if len(head) == _PROLOGUE_LIMIT and not re.match(rb"<[A-Za-z_]", stripped):
        raise ImportRefused(_("{name} has a malformed XML part; it is refused as unsafe.").format(
            name=path.name))


def _read_xlsx(path: Path, sheet: str | None, header_row: int | None) -> Table:
    try:
        with zipfile.ZipFile(path) as zf:
            _check_zip(path, zf)
    except zipfile.BadZipFile:
        raise ImportRefused(_("{name} is damaged or not an Excel workbook.").format(name=path.name)) from None
    import warnings

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except ImportRefused:
        raise
    except Exception as error:  # noqa: BLE001 - any parse failure is "cannot read this file"
        raise ImportRefused(_("{name} could not be read as an Excel workbook ({kind}).").format(
            name=path.name, kind=type(error).__name__)) from None
    try:
        names = list(wb.sheetnames)
        if sheet is None:
            chosen = _default_sheet(names)
        elif sheet in names:
            chosen = sheet
        else:
            raise ImportRefused(_("{name} has no sheet called “{sheet}” (it has: {sheets}).").format(
                name=path.name, sheet=sheet, sheets=", ".join(names)))
        ws = wb[chosen]
        rows: list[list[Any]] = []
        for row in ws.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + _HEADER_SCAN:
                raise ImportRefused(_("{name} has more than {n:,} rows; split it into smaller "
                                      "files.").format(name=path.name, n=MAX_ROWS))
    except ImportRefused:
        raise
    except Exception as error:  # noqa: BLE001
        raise ImportRefused(_("{name} could not be read as an Excel workbook ({kind}).").format(
            name=path.name, kind=type(error).__name__)) from None
    finally:
        wb.close()
    return _table("xlsx", rows, header_row, sheet=chosen, sheets=names)


def _default_sheet(names: list[str]) -> str:
    from ..text import fold

    for name in names:
        if fold(name) in ("members", "miembros", "integrantes", "socios"):
            return name
    return names[0]


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value
