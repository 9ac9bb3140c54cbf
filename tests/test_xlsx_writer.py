"""The safe xlsx writer on its own: every value of every batch comes out as the rules say.

Rows are checked a batch at a time (plain batches go to openpyxl as they are); these tests
shrink the batch so that a few rows make several batches, and compare what is read back
with the rules applied value by value.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import UserList
from pathlib import Path

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chapter_manager.exports import xlsx
from chapter_manager.exports.xlsx import CELL_LIMIT, CUT_MARKER, ILLEGAL, Column, SafeWorkbook

COLUMNS = [Column("Name"), Column("Phone", "id"), Column("Count", "number"), Column("When", "datetime")]


def _expected(value: str | None) -> tuple[str | None, bool]:
    """(the text read back, whether it is quote-prefixed) for a value of a text column."""
    if not value:
        return None, False
    value = ILLEGAL.sub("", value)
    if len(value) > CELL_LIMIT:
        value = value[: CELL_LIMIT - len(CUT_MARKER)] + CUT_MARKER
    phone = xlsx._PHONE.match(value) is not None
    if not value:  # nothing left once the characters XML cannot hold are dropped
        return None, False
    prefixed = (value[0] in "=+-@\t\r" and not phone) or value in xlsx._ERRORS
    return value, prefixed


def _write(rows, path: Path, batch: int = 3) -> tuple[SafeWorkbook, list[tuple]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(xlsx, "BATCH", batch)
        book = SafeWorkbook(title="t")
        n = book.add_sheet("Sheet", COLUMNS, rows)
        book.save(path)
    assert n == len(rows)
    ws = openpyxl.load_workbook(path)["Sheet"]
    return book, [tuple(ws.iter_rows(min_row=2, max_row=len(rows) + 1))]


PIECES = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "#N/A", "#", "+52 55 1234", "\x00", "\x01",
                          "\x1f", "\ufffe", "\n", " ", "a", "é", "王", "1", "(", "SUM(A1)"])
TEXT = st.one_of(st.none(), st.just(""), st.lists(PIECES, max_size=5).map("".join))
WHEN = st.one_of(st.none(), st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1),
                                         timezones=st.sampled_from([None, dt.UTC])))
ROW = st.tuples(TEXT, TEXT, st.one_of(st.none(), st.integers(0, 10**6)), WHEN)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.one_of(ROW, ROW.map(list)), min_size=1, max_size=10))
def test_every_value_of_every_batch_is_written_by_the_rules(rows):
    with tempfile.TemporaryDirectory() as folder:
        _book, [cells] = _write(rows, Path(folder) / "w.xlsx")
        for row, written in zip(rows, cells, strict=True):
            for value, cell in zip(row[:2], written[:2], strict=True):
                text, prefixed = _expected(value)
                assert cell.value == text, (value, cell.value)
                if text is not None:
                    assert cell.data_type == "s"  # never a formula, never an error value
                    assert bool(cell.quotePrefix) == prefixed, value
            assert written[2].value == row[2]
            when = row[3]
            if when is None:
                assert written[3].value is None
            else:  # a real date, its zone dropped (Excel has none), to the millisecond
                assert abs(written[3].value - when.replace(tzinfo=None)) < dt.timedelta(milliseconds=1)


def test_a_value_needing_care_in_a_later_batch_is_found(tmp_path):
    rows = [(f"Name {i}", f"+52 55 {i:04d}", i, None) for i in range(10)]
    rows[7] = ("=cmd|' /C calc'!A0", "+52 55\nnot a phone", 7, None)
    _book, [cells] = _write(rows, tmp_path / "late.xlsx")
    assert cells[7][0].value == "=cmd|' /C calc'!A0" and cells[7][0].quotePrefix
    assert cells[7][1].value == "+52 55\nnot a phone" and cells[7][1].quotePrefix
    assert cells[6][1].value == "+52 55 0006" and not cells[6][1].quotePrefix  # a phone: plain text


def test_long_text_in_a_later_batch_is_cut_with_a_warning_naming_its_row(tmp_path):
    rows = [(f"Name {i}", None, i, None) for i in range(8)]
    rows[5] = ("x" * (CELL_LIMIT + 1), None, 5, None)
    rows[6] = ("y" * CELL_LIMIT, None, 6, None)  # exactly a cell's worth: kept whole
    book, [cells] = _write(rows, tmp_path / "long.xlsx")
    assert len(cells[5][0].value) == CELL_LIMIT and cells[5][0].value.endswith(CUT_MARKER)
    assert cells[6][0].value == "y" * CELL_LIMIT
    assert book.cut_cells == 1
    assert len(book.warnings) == 1 and "row 7" in book.warnings[0]


def test_numbers_in_a_text_column_and_rows_of_any_kind_of_sequence(tmp_path):
    # a sequence openpyxl itself would refuse, a number in a text column, an empty text
    rows = [UserList(["Ana", "0012", 1, None]), ("Bea", 42, 2, None), ["Carl", None, 3, None],
            ("Dan", "", 4, None)]
    _book, [cells] = _write(rows, tmp_path / "kinds.xlsx", batch=2)
    assert [c.value for c in cells[0][:2]] == ["Ana", "0012"]
    assert cells[1][1].value == 42
    assert [c.value for c in cells[3][:2]] == ["Dan", None]


HOSTILE = st.lists(PIECES, min_size=1, max_size=4).map("".join).filter(lambda v: _expected(v) != (v, False))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 9), where=st.integers(0, 8), column=st.integers(0, 1), value=HOSTILE)
@example(n=5, where=3, column=0, value="Ana\x00")  # NUL: the character that joins a batch's texts
@example(n=5, where=4, column=1, value="+52 55\n=1+2")  # a phone on its first line only
def test_one_value_needing_care_among_plain_rows_is_found(n, where, column, value):
    rows = [[f"Name {i}", f"+52 55 {i:04d}", i, None] for i in range(n)]
    where %= n
    rows[where][column] = value
    with tempfile.TemporaryDirectory() as folder:
        _book, [cells] = _write(rows, Path(folder) / "one.xlsx")
    text, prefixed = _expected(value)
    cell = cells[where][column]
    assert cell.value == text
    assert bool(cell.quotePrefix) == prefixed
