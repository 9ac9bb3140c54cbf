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

Rows stream through: memory stays flat however many rows a sheet has.  Column widths are
fitted to the header and the first rows (write-only sheets need them before any row).
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
from operator import itemgetter
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

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
# One search over a row's texts joined by newlines finds every value that may need care
# (a formula start or "#" at the start of a value or line, an illegal control character);
# only such rows are looked at value by value.
_CARE = re.compile(r"(?:^|\n)(?:[=\-@\t\r#]|\+(?![\d ()./-]+(?:\n|$)))"
                   r"|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A phone number in international form ("+52 55 1234 5678") is a plain text cell: it is
# text in the file all the same, and it is written for hundreds of thousands of people.
_PHONE = re.compile(r"\+[\d ()./-]+\Z")
# Rows read ahead to fit the column widths, and the widest a column gets.
SAMPLE_ROWS = 300
MAX_WIDTH = 60
# Check for a cancel (and report progress) every so many rows.
STEP = 2_000

Progress = Callable[[float | None, str], None]


class Cancelled(ChapterError):
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

        ``on_rows(n)`` is called every :data:`STEP` rows (and at the end) with the rows
        written so far; cancelling raises :class:`Cancelled`.
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
        fast = bool(checked) and all(columns[i].kind in ("text", "id") for i in checked)
        texts = itemgetter(*checked) if len(checked) > 1 else (lambda r: (r[checked[0]],))
        dated = [i for i, c in enumerate(columns) if c.kind == "datetime"]
        wrapped = set(wrap)
        count = 0
        append = ws.append
        text_cell = self._text_cell
        care = _CARE.search
        for row in chain(sample, it):
            count += 1
            values = row if row.__class__ is list else list(row)
            if fast:
                try:
                    joined = "\n".join(filter(None, texts(values)))
                    needs = care(joined) is not None or len(joined) > CELL_LIMIT or "" in values
                except TypeError:  # something other than text in a text column
                    needs = True
            else:
                needs = bool(checked)
            if needs:
                for i in checked:
                    v = values[i]
                    if v.__class__ is str:
                        if not v:
                            values[i] = None  # an empty text is no cell at all
                        elif (v[0] in FORMULA_START or len(v) > CELL_LIMIT or v in _ERRORS
                              or ILLEGAL.search(v)):
                            values[i] = text_cell(ws, v, title, count + 1, columns[i].header)
            for i in dated:
                v = values[i]
                if v is not None and v.tzinfo is not None:
                    values[i] = v.replace(tzinfo=None)
            if wrapped:
                for i in wrapped:
                    v = values[i]
                    if isinstance(v, str) and "\n" in v:
                        cell = WriteOnlyCell(ws, value=v)
                        cell.alignment = self._wrap
                        values[i] = cell
            append(values)
            if count % STEP == 0:
                if self.cancel is not None and self.cancel.is_set():
                    raise Cancelled()
                if on_rows is not None:
                    on_rows(count)
        if on_rows is not None:
            on_rows(count)
        last = get_column_letter(max(width, 1))
        ws.auto_filter.ref = f"A1:{last}{count + 1}"
        return count

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
