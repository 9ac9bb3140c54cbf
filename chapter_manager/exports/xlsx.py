"""A safe, streaming xlsx writer over openpyxl's write-only mode.

What it guarantees, whatever the data holds:

* a text that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) or read as an error (``#N/A``) is written as a text
  cell with Excel's "quote prefix", so it shows exactly as typed and stays text when the
  cell is edited (a phone number such as ``+52 55 1234 5678`` is a text cell without the
  prefix: never a formula in the file, and cheaper for a big roster);
* control characters that the xlsx format cannot hold are dropped, never raised;
* a text longer than a cell holds (32,767 characters) is cut with a visible marker and a
  warning naming the sheet, row and column;
* the workbook is written to a temporary file beside the target, flushed to disk and
  renamed over it, so a failure (or a cancel) never leaves a half-written workbook.

Rows stream through in batches: memory stays flat however many rows a sheet has.  Column
widths are fitted to the header and the first rows (write-only sheets need them before any
row).

Speed: openpyxl's own work per cell is most of the time, so ours is kept to a few passes in
C per batch of :data:`BATCH` rows: the batch's texts are joined with NUL (which no value may
hold) and two searches tell whether any value starts like a formula or an error, holds a
character XML cannot, or is empty or too long.  Almost every batch is plain and is handed to
openpyxl as it is; one that is not is written value by value, exactly as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .. import jobs
from ..errors import ChapterError
from ..i18n import _

# The most characters one cell holds (Excel's limit; openpyxl cuts silently beyond it).
CELL_LIMIT = 32_767
# What a cut value ends with, so a reader sees it was cut.
CUT_MARKER = " […]"
FORMULA_START = frozenset("=+-@\t\r")
# XML 1.0 cannot hold these (openpyxl raises IllegalCharacterError on them).
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ERRORS = frozenset(ERROR_CODES)
# A batch's texts joined by NUL (the separator, also put in front): a value that may need
# care starts with a formula start or "#" (an error value such as "#N/A"), or with "+"
# unless the whole value is a phone number in international form ("+52 55 1234 5678": a
# plain text cell: it is text in the file all the same, and it is written for hundreds of
# thousands of people), or holds a character XML cannot (NUL is counted apart).
_SEP = "\x00"
_STARTS = re.compile(r"\x00(?:[=\-@\t\r#]|\+(?![\d ()./-]+(?:\x00|\Z)))")
_ILLEGAL_BUT_NUL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The same phone numbers, value by value.
_PHONE = re.compile(r"\+[\d ()./-]+\Z")
# Rows checked (and handed to openpyxl) together; the cancel flag is looked at and progress
# reported after each batch.
BATCH = 2_000
_TZINFO = attrgetter("tzinfo")
_ROW_TYPES = frozenset((list, tuple))
# Rows read ahead to fit the column widths, and the widest a column gets.
SAMPLE_ROWS = 300
MAX_WIDTH = 60

Progress = Callable[[float | None, str], None]


class Cancelled(jobs.Cancelled):
    """The user stopped the work; nothing was written or saved."""

    def __init__(self) -> None:
        super().__init__(_("Cancelled; nothing was saved."))


class FileProblem(ChapterError):
    """A file could not be written or read; the message says which and why."""


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header (translated), kind and minimum width.

    ``kind`` is ``text`` (checked for formulas, controls and length), ``id`` (text that
    looks like a number, such as a phone or student id: kept as text), ``date``,
    ``datetime``, ``number``, ``flag`` (Yes/No) or ``any`` (texts checked, others as they are).
    """

    header: str
    kind: str = "text"
    width: int = 10


_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "id": "@"}
_KIND_WIDTH = {"date": 12, "datetime": 17, "flag": 6, "number": 8}


def _texts_getter(checked: Sequence[int]) -> Callable[[list[Sequence[Any]]], list[Any]]:
    """A batch's values in the checked columns, as one list."""
    if not checked:
        return lambda batch: []
    if len(checked) == 1:
        one = itemgetter(checked[0])
        return lambda batch: list(map(one, batch))
    some = itemgetter(*checked)
    return lambda batch: list(chain.from_iterable(map(some, batch)))


def _plain(texts: list[Any], batch: list[Sequence[Any]], dates: Sequence[Callable[[Any], Any]]) -> bool:
    """Whether a batch can go to openpyxl as it is: every text plain, every date naive.

    A text is plain when it is not empty, holds no character XML cannot, is no longer than a
    cell holds, and does not start like a formula or an error value (a phone number in
    international form excepted).  Anything else (a number in a text column too) says no,
    and the batch is written value by value.
    """
    if texts:
        if "" in texts:
            return False
        present = list(filter(None, texts))
        try:
            joined = _SEP + _SEP.join(present)  # every value starts after a separator
        except TypeError:  # something other than text in a text column
            return False
        if (joined.count(_SEP) != len(present) or _STARTS.search(joined) is not None
                or _ILLEGAL_BUT_NUL.search(joined) is not None):
            return False
        if len(joined) > CELL_LIMIT and max(map(len, present)) > CELL_LIMIT:
            return False
    return not any(any(map(_TZINFO, filter(None, map(get, batch)))) for get in dates)


class SafeWorkbook:
    """A write-only workbook whose sheets are written with :meth:`add_sheet`."""

    def __init__(self, *, title: str = "", subject: str = "", creator: str = "",
                 cancel: threading.Event | None = None):
        self.wb = Workbook(write_only=True)
        props = self.wb.properties
        props.title = title
        props.subject = subject
        props.creator = creator
        props.created = props.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        self.cancel = cancel
        self.warnings: list[str] = []
        self.cut_cells = 0
        self.dropped_controls = 0
        self._header_font = Font(bold=True)
        self._header_fill = PatternFill("solid", fgColor="FFE8E4F0")
        self._wrap = Alignment(vertical="top", wrap_text=True)

    # ------------------------------------------------------------------ cells
    def _text_cell(self, ws: Any, value: str, sheet: str, row: int, header: str) -> Any:
        """The cell for a text that needs care (formula-like, controls, too long)."""
        if ILLEGAL.search(value):
            value = ILLEGAL.sub("", value)
            self.dropped_controls += 1
        if len(value) > CELL_LIMIT:
            value = value[: CELL_LIMIT - len(CUT_MARKER)] + CUT_MARKER
            self.cut_cells += 1
            if len(self.warnings) < 50:
                self.warnings.append(
                    _("{sheet}, row {row}, column “{column}”: the text was longer than a cell "
                      "holds and was cut to {limit:,} characters.").format(
                        sheet=sheet, row=row, column=header, limit=CELL_LIMIT)
                )
        if (value[:1] in FORMULA_START and not _PHONE.match(value)) or value in _ERRORS:
            cell = WriteOnlyCell(ws)
            cell.value = value
            cell.data_type = "s"  # text, never a formula or an error value
            cell.quotePrefix = True  # shown as typed; stays text when edited
            return cell
        return value

    # ------------------------------------------------------------------ sheets
    def add_sheet(
        self,
        title: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Any]],
        *,
        on_rows: Callable[[int], None] | None = None,
        wrap: Sequence[int] = (),
    ) -> int:
        """Write a sheet; returns how many data rows it holds.

        ``on_rows(n)`` is called after every batch of :data:`BATCH` rows (at least once)
        with the rows written so far; cancelling raises :class:`Cancelled`.
        """
        ws = self.wb.create_sheet(title=title[:31])
        it: Iterator[Sequence[Any]] = iter(rows)
        sample = list(islice(it, SAMPLE_ROWS))
        width = len(columns)
        for index, column in enumerate(columns):
            letter = get_column_letter(index + 1)
            fitted = max(len(column.header) + 3, _KIND_WIDTH.get(column.kind, column.width), column.width)
            if column.kind in ("text", "id"):
                for row in sample:
                    value = row[index]
                    if value:
                        longest = max(len(line) for line in str(value).split("\n"))
                        if longest + 2 > fitted:
                            fitted = min(longest + 2, MAX_WIDTH)
            dim = ws.column_dimensions[letter]
            dim.width = fitted
            fmt = _FORMATS.get(column.kind)
            if fmt:
                dim.number_format = fmt
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        # Printed: landscape, as wide as the page, as many pages long as it takes.
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        header = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=self._header_text(column.header))
            cell.font = self._header_font
            cell.fill = self._header_fill
            header.append(cell)
        ws.append(header)

        checked = [i for i, c in enumerate(columns) if c.kind in ("text", "id", "any")]
        dated = [i for i, c in enumerate(columns) if c.kind == "datetime"]
        wrapped = list(wrap)
        # Batches are checked as a whole when every checked column holds text (an "any"
        # column may hold numbers; wrapped texts need a styled cell each).
        whole = not wrapped and all(columns[i].kind in ("text", "id") for i in checked)
        texts_of = _texts_getter(checked)
        dates = [itemgetter(i) for i in dated]
        headers = [c.header for c in columns]
        count = 0
        append = ws.append
        source = chain(sample, it)
        while batch := list(islice(source, BATCH)):
            if not set(map(type, batch)) <= _ROW_TYPES:
                batch = [list(row) for row in batch]
            if whole and _plain(texts_of(batch), batch, dates):
                for row in batch:
                    append(row)
                count += len(batch)
            else:
                for row in batch:
                    count += 1
                    append(self._row(ws, list(row), title, count + 1, headers, checked, dated, wrapped))
            if self.cancel is not None and self.cancel.is_set():
                raise Cancelled()
            if on_rows is not None:
                on_rows(count)
        if on_rows is not None and not count:
            on_rows(count)
        last = get_column_letter(max(width, 1))
        ws.auto_filter.ref = f"A1:{last}{count + 1}"
        return count

    def _row(self, ws: Any, values: list[Any], sheet: str, row: int, headers: Sequence[str],
             checked: Sequence[int], dated: Sequence[int], wrapped: Sequence[int]) -> list[Any]:
        """One row made safe value by value (a batch that is not plain, a small sheet)."""
        for i in checked:
            v = values[i]
            if v.__class__ is str:
                if not v:
                    values[i] = None  # an empty text is no cell at all
                elif (v[0] in FORMULA_START or len(v) > CELL_LIMIT or v in _ERRORS
                      or ILLEGAL.search(v)):
                    values[i] = self._text_cell(ws, v, sheet, row, headers[i])
        for i in dated:
            v = values[i]
            if v is not None and v.tzinfo is not None:
                values[i] = v.replace(tzinfo=None)
        for i in wrapped:
            v = values[i]
            if isinstance(v, str) and "\n" in v:
                cell = WriteOnlyCell(ws, value=v)
                cell.alignment = self._wrap
                values[i] = cell
        return values

    def _header_text(self, text: str) -> str:
        return ILLEGAL.sub("", text)[:255]

    # ------------------------------------------------------------------ saving
    def save(self, target: Path) -> None:
        """Write the workbook to a temporary file beside ``target``, then rename it."""
        target = Path(target)
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise FileProblem(
                _("Cannot save {path}: the folder {folder} does not exist.").format(
                    path=target, folder=folder)
            )
        if target.is_dir():
            raise FileProblem(_("Cannot save {path}: it is a folder.").format(path=target))
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem[:40]}-", suffix=".xlsx.part",
                                            dir=folder)
        except OSError as error:
            raise FileProblem(_("Cannot save in {folder}: {reason}.").format(
                folder=folder, reason=error.strerror or error)) from error
        tmp = Path(tmp_name)
        try:
            os.close(fd)
            if self.cancel is not None and self.cancel.is_set():
                raise Cancelled()
            self.wb.save(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as error:
            raise FileProblem(_("Cannot save {path}: {reason}.").format(
                path=target, reason=error.strerror or error)) from error
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def discard(self) -> None:
        """Drop the sheets' temporary files after a failure or a cancel."""
        for ws in self.wb.worksheets:
            writer = getattr(ws, "_writer", None)
            if writer is not None:
                with contextlib.suppress(Exception):
                    ws.close()  # ends the sheet's stream so nothing is left open
                with contextlib.suppress(OSError):
                    os.unlink(writer.out)
