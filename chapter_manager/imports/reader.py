"""Reading a spreadsheet someone hands the chapter: .csv or .xlsx, refusing hostile files.

:func:`read_table` returns a :class:`Table`: the header row, what was detected (encoding,
delimiter, sheet, which row held the headers) and :attr:`Table.rows`, the rows under the
headers (every column: cells past the last header get a made-up one).  Memory stays
small whatever the file: a first streaming pass finds the header row, counts the rows
and checks the limits; afterwards the rows are streamed from the file each time they
are walked (the first rows are kept for previews; a workbook's rows are kept whole while
they fit :data:`ROW_CACHE_BYTES`, so its XML is parsed once), and the file's size and
modification time are checked again on every walk, so a file changed since it was read
is refused rather than half-read.  ``progress`` and ``cancel`` work as in every task.

* CSV: UTF-16 (with a mark, or recognised by its zero bytes) is read as such; otherwise
  each line is decoded on its own, as UTF-8 when it is valid UTF-8 and as Windows-1252
  when it is not, so a UTF-8 file with a line pasted from a Windows program is read
  right (:attr:`Table.cp1252_rows` names the rows read as Windows-1252).  Comma,
  semicolon or tab.
* XLSX: the zip is read with :mod:`zipfile`; the shared strings with lxml's ``iterparse``
  (entities not resolved, no network, no huge text nodes) once into a list, the sheet
  row by row with expat's handlers (no elements built; parameter entities never
  parsed).  Dates come as dates, from 1900- or 1904-based workbooks.
* Refused with a sentence, before the work it would cost: a file over
  :data:`MAX_FILE_BYTES`; a workbook whose parts would unpack to more than
  :data:`MAX_UNPACKED_BYTES` or compress suspiciously well (from the zip directory,
  before anything is unpacked); shared strings over :data:`MAX_SHARED_STRINGS_BYTES`
  (also from the directory), or over :data:`MAX_SHARED_STRINGS` texts or
  :data:`MAX_SHARED_CHARS` characters (counted while reading); a sheet that declares
  more rows or columns than the limits (its ``dimension``), or has more rows (counted in
  the unpacked bytes before any XML is parsed), or reaches a limit while read;
  an XML part with a document type declaration (entity tricks); an old binary .xls;
  anything that is neither text nor a workbook.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import jobs
from ..errors import ChapterError
from ..i18n import _

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
# Worksheet XML compresses well (20-50x is usual); far more than this is a bomb.
MAX_RATIO = 200
# What an import reads at most (a chapter's list of people, with room to spare).  Past
# these the file is refused with a sentence: the budget is an import under 500 MB.
MAX_ROWS = 200_000
MAX_COLUMNS = 16_384  # Excel's own limit: every column a workbook can have is read
MAX_CELLS = 4_000_000  # rows × columns actually read
MAX_SHARED_STRINGS = 2_000_000
MAX_SHARED_CHARS = 32_000_000
MAX_SHARED_STRINGS_BYTES = 96 * 1024 * 1024
_PROLOGUE_LIMIT = 64 * 1024
_HEADER_SCAN = 10
_SAMPLE = 50
ROW_CACHE_BYTES = 96 * 1024 * 1024  # a workbook's rows kept from the first reading, at most
_STEP = 2000

Progress = Callable[[float | None, str], None]


class ImportRefused(ChapterError):
    """A file that cannot be imported; ``str()`` says why.  Nothing was imported."""


class ImportCancelled(jobs.Cancelled):
    def __init__(self) -> None:
        super().__init__(_("Cancelled; nothing was imported."))


class Rows:
    """The rows under the headers, read from the file each time they are walked.

    ``len()``, iteration, indexing and slicing work as on a list; the first rows are
    kept, so previews never read the file again.
    """

    def __init__(self, table: Table, count: int, sample: list[tuple[Any, ...]]) -> None:
        self._table = table
        self._count = count
        self._sample = sample

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self.iterate()

    def iterate(self, cancel: threading.Event | None = None) -> Iterator[tuple[Any, ...]]:
        if self._count <= len(self._sample):
            width = self._table._width
            pad = (None,) * width
            for k, row in enumerate(self._sample[:self._count]):
                if cancel is not None and k % _STEP == 0 and cancel.is_set():
                    raise ImportCancelled()
                yield row if len(row) == width else (row + pad[len(row):])[:width]
            return
        yield from self._table._walk(cancel)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if stop <= len(self._sample):  # previews: from the rows kept, never the file
                return [self._padded(r) for r in self._sample[start:stop:step]]
            return [list(r) for r in itertools.islice(self, start, stop, step)]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        if index < len(self._sample):
            return self._padded(self._sample[index])
        for k, row in enumerate(self):
            if k == index:
                return list(row)
        raise IndexError(index)

    def _padded(self, row: tuple[Any, ...]) -> list[Any]:
        width = self._table._width
        return (list(row) + [None] * (width - len(row)))[:width]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            other = list(other)
        if not isinstance(other, list):
            return NotImplemented
        return [list(r) for r in self] == [list(r) for r in other]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Rows {self._count}>"


@dataclass(eq=False)
class Table:
    kind: str  # "csv" or "xlsx"
    headers: list[str]
    header_row: int  # 1-based row of the headers in the file
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    # CSV: the rows (numbered as in the file) read as Windows-1252 in a file otherwise UTF-8.
    cp1252_rows: list[int] = field(default_factory=list)
    rows: Rows = field(init=False)
    _source: Callable[[], Iterator[list[Any]]] | None = field(default=None, repr=False)
    _stamp: tuple[int, int] | None = field(default=None, repr=False)
    _path: Path | None = field(default=None, repr=False)
    _width: int = 0
    _first: int = 0  # 0-based index of the first data row among the file's rows

    def row_number(self, index: int) -> int:
        """The file's row number (1-based, as a spreadsheet shows it) of ``rows[index]``."""
        return self.header_row + 1 + index

    def _walk(self, cancel: threading.Event | None) -> Iterator[tuple[Any, ...]]:
        assert self._source is not None and self._path is not None
        if _stamp(self._path) != self._stamp:
            raise ImportRefused(_("{name} changed since it was read; read it again.").format(
                name=self._path.name))
        width, left = self._width, len(self.rows)
        pad = (None,) * width
        for k, row in enumerate(self._source()):
            if k < self._first:
                continue
            if left <= 0:
                return
            if cancel is not None and k % _STEP == 0 and cancel.is_set():
                raise ImportCancelled()
            left -= 1
            yield tuple(row[:width]) + pad[len(row):] if len(row) < width else tuple(row[:width])


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns)


# --------------------------------------------------------------------------- entry point


def read_table(path: str | Path, *, sheet: str | None = None, header_row: int | None = None,
               max_bytes: int = MAX_FILE_BYTES, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> Table:
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
        source, info = _open_xlsx(path, sheet, cancel)
        kind = "xlsx"
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(_("{name} is an old Excel (.xls) file. Open it in Excel or LibreOffice "
                              "and save it as .xlsx or CSV, then import that.").format(name=path.name))
    else:
        source, info = _open_csv(path)
        kind = "csv"
    return _scan(path, kind, source, header_row, info, progress, cancel)


def _scan(path: Path, kind: str, source: Callable[[], Iterator[list[Any]]], header_row: int | None,
          info: dict[str, Any], progress: Progress | None, cancel: threading.Event | None) -> Table:
    """One streaming pass: find the header row, count the rows, keep the first ones."""
    stamp = _stamp(path)
    report = progress or (lambda _f, _m: None)
    fraction = info.pop("_fraction", None)
    counted = info.pop("_rows", None)
    head: list[list[Any]] = []
    rows_iter = source()
    for row in rows_iter:
        head.append(row)
        if len(head) >= _HEADER_SCAN and header_row is None:
            break
        if header_row is not None and len(head) >= header_row:
            break
    index = _header_index(head, header_row)
    headers = [_text(c) for c in head[index]]
    width = len(headers)
    while width and not headers[width - 1]:
        width -= 1
    sample: list[tuple[Any, ...]] = []
    count = 0  # data rows up to the last one with anything in it
    seen = 0
    widest = width
    cells = 0
    limit_rows = MAX_ROWS
    # A workbook's rows are kept from this first reading while they fit the budget, so
    # checking them does not parse the XML again; CSV is cheap to read again.
    kept: list[tuple[Any, ...]] | None = [] if kind == "xlsx" else None
    kept_bytes = 0

    def take(row: list[Any]) -> None:
        nonlocal count, seen, widest, cells, kept, kept_bytes
        seen += 1
        if seen > limit_rows:
            raise ImportRefused(_("{name} has more than {n:,} rows; split it into smaller files "
                                  "and import them one after the other.").format(name=path.name, n=MAX_ROWS))
        last = len(row)
        while last and not _filled(row[last - 1]):
            last -= 1
        if last:
            count = seen
            if last > widest:
                widest = last
            cells += last
            if cells > MAX_CELLS:
                raise ImportRefused(_("{name} has more than {n:,} filled cells; split it into smaller "
                                      "files or remove the columns that are not needed.").format(
                    name=path.name, n=MAX_CELLS))
        if kept is not None:
            kept.append(tuple(row))
            kept_bytes += 64 + 8 * len(row) + sum(len(c) + 56 if isinstance(c, str) else 32 for c in row)
            if kept_bytes > ROW_CACHE_BYTES:
                del kept[_SAMPLE:]
                sample.extend(kept)
                kept = None
        elif len(sample) < _SAMPLE:
            sample.append(tuple(row))

    for row in head[index + 1:]:
        take(row)
    for row in rows_iter:
        take(row)
        if seen % _STEP == 0:
            if cancel is not None and cancel.is_set():
                raise ImportCancelled()
            report(min(1.0, seen / counted) if counted else fraction() if fraction else None,
                   _("Reading row {n:,}").format(n=seen))
    # Cells beyond the headers are read too, under a made-up header: nothing is dropped.
    headers = headers[:width] + [""] * (widest - width)
    for i, h in enumerate(headers):
        if not h:
            headers[i] = _("Column {n}").format(n=i + 1)
    if not headers:
        raise ImportRefused(_("The file has no header row with column names."))
    if kept is not None:
        sample = kept
    del sample[count:]
    table = Table(kind=kind, headers=headers, header_row=index + 1, _source=source, _stamp=stamp,
                  _path=path, _width=widest, _first=index + 1, **info)
    table.rows = Rows(table, count, sample)
    return table


def _filled(value: Any) -> bool:
    """Anything in the cell but spaces (a row of blanks at the end is no row)."""
    return value is not None and (not isinstance(value, str) or not value.isspace() and value != "")


def _header_index(rows: list[list[Any]], header_row: int | None) -> int:
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
    return index


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    return str(value).strip()


# --------------------------------------------------------------------------- csv


def detect_encoding(data: bytes) -> str:
    """The text encoding of a CSV file's first bytes (a Python codec name).

    ``"utf-8"`` means "UTF-8 line by line": :func:`decode` reads a line that is not valid
    UTF-8 as Windows-1252, so a file never becomes Windows-1252 as a whole for one line.
    """
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
    except UnicodeDecodeError as error:
        # Valid up to a cut in the middle of a character at the very end: still UTF-8.
        if error.start >= len(data) - 3 and error.reason == "unexpected end of data":
            return "utf-8"
    for line in data.splitlines():
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if any(b >= 0x80 for b in line):
            return "utf-8"  # some lines are UTF-8, others not: mixed, read line by line
    return "cp1252"


_LABELS = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16 LE",
           "utf-16-be": "UTF-16 BE", "cp1252": "Windows-1252"}


def encoding_label(codec: str | None) -> str:
    return _LABELS.get(codec or "", codec or "")


def describe_encoding(table: Table) -> str:
    """The encoding as a person reads it, naming the rows read as Windows-1252 in a UTF-8 file."""
    label = encoding_label(table.encoding)
    rows = table.cp1252_rows
    if table.encoding == "cp1252" or not rows:
        return label
    shown = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
    return _("{label}, {n:,} row(s) in Windows-1252 (row {rows})").format(label=label, n=len(rows), rows=shown)


def decode_line(line: bytes) -> tuple[str, bool]:
    """One line of a UTF-8 or Windows-1252 file; True when it was read as Windows-1252."""
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        return _cp1252(line), True


def decode(data: bytes, encoding: str) -> str:
    if encoding in ("utf-8", "utf-8-sig", "cp1252"):
        text = "".join(decode_line(line)[0] for line in data.splitlines(keepends=True))
        return text[1:] if encoding == "utf-8-sig" and text.startswith("\ufeff") else text
    return data.decode(encoding, errors="replace")


_UNDEFINED_1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _cp1252(data: bytes) -> str:
    if not _UNDEFINED_1252.intersection(data):
        return data.decode("cp1252")
    # Five bytes have no character in Windows-1252; read them as Latin-1 does.
    out = []
    for chunk in re.split(rb"([\x81\x8d\x8f\x90\x9d])", data):
        if len(chunk) == 1 and chunk[0] in _UNDEFINED_1252:
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


_HEAD_BYTES = 64 * 1024


def _lines(fh: io.BufferedReader, split_cr: bool) -> Iterator[bytes]:
    if not split_cr:
        yield from fh
        return
    # Old Mac files end lines with CR alone.
    rest = b""
    while chunk := fh.read(1 << 20):
        parts = (rest + chunk).split(b"\r")
        rest = parts.pop()
        for part in parts:
            yield part + b"\r"
    if rest:
        yield rest


def _open_csv(path: Path) -> tuple[Callable[[], Iterator[list[Any]]], dict[str, Any]]:
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    encoding = detect_encoding(head)
    if encoding in ("utf-8", "cp1252"):
        text = "".join(decode_line(line)[0] for line in head.splitlines(keepends=True))
    else:
        text = head.decode(encoding, errors="replace")
    text = text.lstrip("\ufeff")
    if _looks_binary(text):
        raise ImportRefused(_("{name} is not a spreadsheet (neither a CSV text file nor an .xlsx "
                              "workbook).").format(name=path.name))
    delimiter = detect_delimiter(text if len(head) < _HEAD_BYTES else text.rsplit("\n", 1)[0])
    split_cr = b"\n" not in head and b"\r" in head
    csv.field_size_limit(10 * 1024 * 1024)
    found: list[int] = []  # rows read as Windows-1252, gathered by the first walk
    walks = [0]
    size = max(1, path.stat().st_size)
    current: list[Any] = [None]  # the open file of the walk under way

    def fraction() -> float | None:
        fh = current[0]
        try:
            return min(1.0, fh.tell() / size) if fh is not None else None
        except (OSError, ValueError):
            return None

    def rows() -> Iterator[list[Any]]:
        walks[0] += 1
        record = found if walks[0] == 1 else None
        try:
            with path.open("rb") as fh:
                current[0] = fh
                if encoding.startswith("utf-16"):
                    stream = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
                    first = True
                    for row in csv.reader(stream, delimiter=delimiter):
                        if first and row:
                            row[0] = row[0].lstrip("\ufeff")
                        first = False
                        yield row
                    return
                flagged: list[int] = []  # physical lines read as Windows-1252, not yet placed

                def lines() -> Iterator[str]:
                    for number, raw in enumerate(_lines(fh, split_cr), start=1):
                        text, other = decode_line(raw)
                        if number == 1:
                            text = text.lstrip("\ufeff")
                        if other:
                            flagged.append(number)
                        yield text

                reader = csv.reader(lines(), delimiter=delimiter)
                for n, row in enumerate(reader, start=1):
                    if flagged and record is not None:
                        record.append(n)
                        flagged.clear()
                    yield row
        except csv.Error as error:
            raise ImportRefused(_("{name} could not be read as CSV ({reason}).").format(
                name=path.name, reason=error)) from None
        except OSError as error:
            raise ImportRefused(_("Cannot read {path}: {reason}.").format(
                path=path, reason=error.strerror or error)) from None

    info = {"encoding": encoding, "delimiter": delimiter, "cp1252_rows": found, "_fraction": fraction}
    return rows, info


# --------------------------------------------------------------------------- xlsx

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"


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


def _iterparse(fh: Any, tag: Any, events: tuple[str, ...] = ("end",)) -> Any:
    from lxml import etree

    # No entities resolved, no DTD, no network, and lxml's limits on a single text node
    # and on depth kept (huge_tree off).
    return etree.iterparse(fh, events=events, tag=tag, resolve_entities=False, load_dtd=False,
                           no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _small_xml(zf: zipfile.ZipFile, name: str) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    with zf.open(name) as fh:
        return etree.parse(fh, parser).getroot()


@dataclass
class _Workbook:
    sheets: list[tuple[str, str]]  # (name, part)
    shared: str | None
    styles: str | None
    epoch_1904: bool


def _workbook(path: Path, zf: zipfile.ZipFile) -> _Workbook:
    root = _small_xml(zf, "xl/workbook.xml")
    rels: dict[str, tuple[str, str]] = {}
    names = set(zf.namelist())
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in _small_xml(zf, "xl/_rels/workbook.xml.rels"):
            if _local(rel.tag) == "Relationship":
                rels[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1],
                                           _resolve("xl/workbook.xml", rel.get("Target", "")))
    sheets = []
    epoch_1904 = False
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = _local(el.tag)
        if local == "workbookPr":
            epoch_1904 = el.get("date1904", "0").lower() in ("1", "true")
        elif local == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            kind, target = rels.get(rid, ("", ""))
            if kind == "worksheet" and target in names:
                sheets.append((el.get("name", target), target))
    if not sheets:
        raise ImportRefused(_("{name} has no worksheet to import.").format(name=path.name))
    shared = next((t for k, t in rels.values() if k == "sharedStrings" and t in names), None)
    styles = next((t for k, t in rels.values() if k == "styles" and t in names), None)
    return _Workbook(sheets, shared, styles, epoch_1904)


def _date_styles(zf: zipfile.ZipFile, part: str | None) -> frozenset[int]:
    """Indexes of the cell formats (``s`` on a cell) that show a date or a time."""
    if part is None:
        return frozenset()
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    root = _small_xml(zf, part)
    custom: dict[int, str] = {}
    out = set()
    for el in root.iter():
        if isinstance(el.tag, str) and _local(el.tag) == "numFmt":
            try:
                custom[int(el.get("numFmtId", ""))] = el.get("formatCode", "")
            except ValueError:
                continue
    for el in root:
        if isinstance(el.tag, str) and _local(el.tag) == "cellXfs":
            for k, xf in enumerate(x for x in el if isinstance(x.tag, str)):
                try:
                    fmt_id = int(xf.get("numFmtId", "0"))
                except ValueError:
                    continue
                code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, "General"))
                if 14 <= fmt_id <= 22 or 27 <= fmt_id <= 36 or 45 <= fmt_id <= 47 or 50 <= fmt_id <= 58 \
                        or (fmt_id in custom and is_date_format(code)):
                    out.add(k)
    return frozenset(out)


def _shared_strings(path: Path, zf: zipfile.ZipFile, part: str | None,
                    cancel: threading.Event | None) -> list[str]:
    if part is None:
        return []
    info = zf.getinfo(part)
    if info.file_size > MAX_SHARED_STRINGS_BYTES:
        raise ImportRefused(_("{name} holds more text than an import reads ({size:,} MB of shared "
                              "texts; at most {limit:,} MB). Split it into smaller files.").format(
            name=path.name, size=info.file_size // 2**20, limit=MAX_SHARED_STRINGS_BYTES // 2**20))
    out: list[str] = []
    chars = 0
    main_t = f"{{{_MAIN}}}t"
    strict_t = f"{{{_STRICT_MAIN}}}t"
    with zf.open(part) as fh:
        for _event, si in _iterparse(fh, (f"{{{_MAIN}}}si", f"{{{_STRICT_MAIN}}}si")):
            # Rich text: the runs' texts; phonetic guides (rPh) are not part of the value.
            if len(si) == 1 and si[0].tag in (main_t, strict_t):
                text = si[0].text or ""
            else:
                text = "".join(t.text or "" for t in si.iter(main_t, strict_t)
                               if _local(t.getparent().tag) != "rPh")
            if "_x" in text:
                text = _unescape(text)
            out.append(text.strip())
            chars += len(text)
            si.clear()
            while si.getprevious() is not None:
                del si.getparent()[0]
            if len(out) > MAX_SHARED_STRINGS or chars > MAX_SHARED_CHARS:
                raise ImportRefused(_("{name} holds more text than an import reads (more than {n:,} "
                                      "different texts or {c:,} characters). Split it into smaller "
                                      "files.").format(name=path.name, n=MAX_SHARED_STRINGS, c=MAX_SHARED_CHARS))
            if cancel is not None and len(out) % 10_000 == 0 and cancel.is_set():
                raise ImportCancelled()
    return out


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Excel writes characters XML cannot hold as ``_xHHHH_`` (a tab as ``_x0009_``)."""
    return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), text)


# Excel holds at most 32,767 characters in a cell; far more is a crafted file.
_CELL_TEXT_LIMIT = 1_000_000

_CELL_REF = re.compile(r"([A-Z]{1,3})(\d*)")


def _column(ref: str) -> int:
    """0-based column of a cell reference such as ``AB12``; -1 when there is none."""
    m = _CELL_REF.match(ref)
    if not m:
        return -1
    n = 0
    for ch in m[1]:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _dimension(ref: str) -> tuple[int, int]:
    """(rows, columns) a ``dimension`` reference such as ``A1:Z1000`` declares."""
    last = ref.split(":")[-1]
    m = _CELL_REF.match(last)
    if not m or not m[2]:
        return 0, 0
    return int(m[2]), _column(last) + 1


def _open_xlsx(path: Path, sheet: str | None, cancel: threading.Event | None = None) -> tuple[Callable[[], Iterator[list[Any]]], dict[str, Any]]:
    try:
        with zipfile.ZipFile(path) as zf:
            _check_zip(path, zf)
            book = _workbook(path, zf)
            if book.shared is not None:
                info = zf.getinfo(book.shared)
                if info.file_size > MAX_SHARED_STRINGS_BYTES:
                    _shared_strings(path, zf, book.shared, None)  # refuses with the sentence
            dates = _date_styles(zf, book.styles)
    except ImportRefused:
        raise
    except zipfile.BadZipFile:
        raise ImportRefused(_("{name} is damaged or not an Excel workbook.").format(name=path.name)) from None
    except Exception as error:  # any parse failure is "cannot read this file"
        raise ImportRefused(_("{name} could not be read as an Excel workbook ({kind}).").format(
            name=path.name, kind=type(error).__name__)) from None
    names = [n for n, _p in book.sheets]
    if sheet is None:
        chosen = _default_sheet(names)
    elif sheet in names:
        chosen = sheet
    else:
        raise ImportRefused(_("{name} has no sheet called “{sheet}” (it has: {sheets}).").format(
            name=path.name, sheet=sheet, sheets=", ".join(names)))
    part = dict(book.sheets)[chosen]
    try:
        with zipfile.ZipFile(path) as zf:
            counted = _count_rows(path, zf, part, cancel)
    except (ImportRefused, ImportCancelled):
        raise
    except Exception as error:  # a damaged zip: "cannot read this file"
        raise ImportRefused(_("{name} could not be read as an Excel workbook ({kind}).").format(
            name=path.name, kind=type(error).__name__)) from None
    epoch = dt.datetime(1904, 1, 1) if book.epoch_1904 else dt.datetime(1899, 12, 30)

    def rows() -> Iterator[list[Any]]:
        try:
            with zipfile.ZipFile(path) as zf:
                shared = _shared_strings(path, zf, book.shared, None)
                yield from _sheet_rows(path, zf, part, shared, dates, epoch)
        except (ImportRefused, ImportCancelled):
            raise
        except zipfile.BadZipFile:
            raise ImportRefused(_("{name} is damaged or not an Excel workbook.").format(
                name=path.name)) from None
        except Exception as error:
            raise ImportRefused(_("{name} could not be read as an Excel workbook ({kind}).").format(
                name=path.name, kind=type(error).__name__)) from None

    return rows, {"sheet": chosen, "sheets": names, "_rows": max(1, counted)}


_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def _count_rows(path: Path, zf: zipfile.ZipFile, part: str, cancel: threading.Event | None) -> int:
    """How many rows the sheet has, counted in the unpacked bytes before any XML is parsed
    (a tenth of the time of parsing): a sheet over the limit is refused at once."""
    count = 0
    tail = b""
    with zf.open(part) as fh:
        while chunk := fh.read(1 << 20):
            data = tail + chunk
            count += len(_ROW_START.findall(data, 0, max(0, len(data) - 64)))
            tail = data[max(0, len(data) - 64):]
            if count > MAX_ROWS + _HEADER_SCAN + 1:
                raise ImportRefused(_("{name} has more than {n:,} rows; split it into smaller files "
                                      "and import them one after the other.").format(name=path.name, n=MAX_ROWS))
            if cancel is not None and cancel.is_set():
                raise ImportCancelled()
    return count + len(_ROW_START.findall(tail))


def _sheet_rows(path: Path, zf: zipfile.ZipFile, part: str, shared: list[str], dates: frozenset[int],
                      epoch: dt.datetime) -> Iterator[list[Any]]:
    """The sheet's rows as lists of values, parsed by expat with a handler per event.

    Three times faster than building lxml elements for every cell.  Entities: the part's
    prologue was checked for a document type declaration (:func:`_check_prologue`), and
    parameter entities are never parsed.
    """
    import xml.parsers.expat as expat

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.ordered_attributes = False
    done: list[list[Any]] = []
    local: dict[str, str] = {}
    state: dict[str, Any] = {"expected": 1, "cells": [], "t": None, "s": None, "capture": False,
                             "rph": 0, "text": []}
    columns: dict[str, int] = {}
    digits = "0123456789"

    def name_of(name: str) -> str:
        short = local.get(name)
        if short is None:
            short = local[name] = name.rsplit(" ", 1)[-1]
        return short

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name_of(name)
        if tag == "c":
            cells = state["cells"]
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip(digits)
                col = columns.get(letters)
                if col is None:
                    col = columns[letters] = _column(letters)
                    if col >= MAX_COLUMNS:
                        raise ImportRefused(_("{name} has more than {max:,} columns.").format(
                            name=path.name, max=MAX_COLUMNS))
                if col > len(cells):
                    cells.extend([None] * (col - len(cells)))
            state["t"] = attrs.get("t")
            state["s"] = attrs.get("s")
            state["text"] = []
        elif tag == "v" or (tag == "t" and not state["rph"]):
            state["capture"] = True
        elif tag == "row":
            number = attrs.get("r")
            if number is not None and number.isdigit():
                n = int(number)
                while state["expected"] < n:
                    done.append([])
                    state["expected"] += 1
            state["expected"] += 1
            state["cells"] = []
        elif tag == "rPh":
            state["rph"] += 1
        elif tag == "dimension":
            declared_rows, declared_cols = _dimension(attrs.get("ref", ""))
            if declared_rows > MAX_ROWS + _HEADER_SCAN + 1:
                raise ImportRefused(_("{name} has {n:,} rows; an import reads at most {max:,}. Split "
                                      "it into smaller files and import them one after the other.").format(
                    name=path.name, n=declared_rows, max=MAX_ROWS))
            if declared_cols > MAX_COLUMNS:
                raise ImportRefused(_("{name} has {n:,} columns; an import reads at most {max:,}.").format(
                    name=path.name, n=declared_cols, max=MAX_COLUMNS))

    def end(name: str) -> None:
        tag = name_of(name)
        if tag == "c":
            t = state["t"]
            text = "".join(state["text"])
            if t == "s":
                try:
                    value: Any = shared[int(text)]
                except (ValueError, IndexError):
                    value = None
            elif t == "inlineStr":
                value = (_unescape(text) if "_x" in text else text).strip()
            else:
                value = _value(text if state["text"] else None, t, state["s"], dates, epoch)
            state["cells"].append(value)
        elif tag in ("v", "t"):
            state["capture"] = False
        elif tag == "row":
            done.append(state["cells"])
            state["cells"] = []
        elif tag == "rPh":
            state["rph"] -= 1

    def data(text: str) -> None:
        if state["capture"]:
            state["text"].append(text)
            if len(text) > _CELL_TEXT_LIMIT or sum(map(len, state["text"])) > _CELL_TEXT_LIMIT:
                raise ImportRefused(_("{name} has a cell holding more text than a workbook can "
                                      "(over {n:,} characters); it is refused as unsafe.").format(
                    name=path.name, n=_CELL_TEXT_LIMIT))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        with zf.open(part) as fh:
            while chunk := fh.read(1 << 14):
                parser.Parse(chunk, False)
                if done:
                    yield from done
                    done.clear()
            parser.Parse(b"", True)
            yield from done
    except expat.ExpatError as error:
        raise ImportRefused(_("{name} could not be read as an Excel workbook ({kind}).").format(
            name=path.name, kind=expat.ErrorString(error.code))) from None


def _value(v: str | None, t: str | None, s: str | None, dates: frozenset[int], epoch: dt.datetime) -> Any:
    if v is None:
        return None
    if t in ("str", "e"):
        return v.strip()
    if t == "b":
        return v.strip() in ("1", "true")
    if t == "d":
        try:
            value = dt.datetime.fromisoformat(v.strip().rstrip("Z"))
        except ValueError:
            return v.strip()
        return value.date() if value.time() == dt.time(0) else value
    try:
        number = float(v) if any(ch in v for ch in ".eE") else int(v)
    except ValueError:
        return v.strip()
    if s is not None and dates and s.isdigit() and int(s) in dates:
        try:
            moment = epoch + dt.timedelta(days=float(number))
        except OverflowError:
            return number
        if epoch.year == 1899 and number < 60:
            moment += dt.timedelta(days=1)  # Excel's 1900 leap-year bug
        moment = moment.replace(microsecond=0) if moment.microsecond < 500_000 else \
            (moment + dt.timedelta(seconds=1)).replace(microsecond=0)
        return moment.date() if moment.time() == dt.time(0) else moment
    return number


def _default_sheet(names: list[str]) -> str:
    from ..text import fold

    for name in names:
        if fold(name) in ("members", "miembros", "integrantes", "socios"):
            return name
    return names[0]
