"""Hostile and huge spreadsheets: refused early with a sentence, or read in little memory.

The files are generated here (xlsx written straight into a zip by ``tests/xlsxgen.py``):
a shared-strings bomb within the zip ratio limit, a million-row sheet, a 1,000-column
sheet.  Peak memory and times at 100,000 rows are measured in ``bench/`` (``python
bench/run.py --only import``), not asserted here; what is asserted is that the limits
are checked while reading, before the cost is paid.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxgen import column_letters, write_xlsx

from chapter_manager.imports import (
    ImportRefused,
    commit_import,
    guess_mapping,
    plan_import,
    read_table,
    reader,
)
from chapter_manager.imports.reader import MAX_FILE_BYTES, MAX_RATIO, MAX_ROWS, ImportCancelled
from chapter_manager.services.people import list_people


def _ratio(path: Path, part: str) -> float:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
        return info.file_size / info.compress_size


def test_shared_strings_bomb_within_the_ratio_limit_is_refused_before_it_is_read(tmp_path):
    # 110 MB of shared texts in a file of a few MB: each text has a random tail, so the
    # part compresses ~25x, well inside the ratio a zip-bomb check lets through.
    tails = os.urandom(15 * 260_000).hex()
    shared = (f"{'Valentina Gómez ' * 25}{tails[i * 30:(i + 1) * 30]}" for i in range(260_000))
    path = write_xlsx(tmp_path / "bomb.xlsx", [["Nombre", "Correo"], ["\x00s:0", "\x00s:1"]], shared=shared)
    assert path.stat().st_size < MAX_FILE_BYTES
    assert _ratio(path, "xl/sharedStrings.xml") < MAX_RATIO
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ImportRefused, match="more text than an import reads"):
            read_table(path)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2
    assert peak < 20 * 2**20


def test_shared_strings_are_counted_while_they_are_read(tmp_path, monkeypatch):
    # Under the part's size limit, over the characters an import reads: refused as the
    # texts are read, before the sheet is.
    monkeypatch.setattr(reader, "MAX_SHARED_CHARS", 200_000)
    shared = (f"texto número {i} " * 10 for i in range(5_000))
    path = write_xlsx(tmp_path / "many.xlsx", [["Nombre"], ["\x00s:0"]], shared=shared)
    with pytest.raises(ImportRefused, match="200,000 characters"):
        read_table(path)
    monkeypatch.setattr(reader, "MAX_SHARED_CHARS", 32_000_000)
    monkeypatch.setattr(reader, "MAX_SHARED_STRINGS", 1_000)
    with pytest.raises(ImportRefused, match="1,000 different texts"):
        read_table(path)


def _million_rows():
    yield ["Nombre completo", "Correo"]
    for i in range(2, 1_000_002):
        yield (f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>P{i}</t></is></c>'
               f'<c r="B{i}" t="inlineStr"><is><t>p{i}@x.mx</t></is></c></row>')


def test_a_million_row_sheet_is_refused_early(tmp_path):
    path = write_xlsx(tmp_path / "million.xlsx", _million_rows())
    assert path.stat().st_size < MAX_FILE_BYTES
    started = time.perf_counter()
    with pytest.raises(ImportRefused, match=f"more than {MAX_ROWS:,} rows"):
        read_table(path)
    assert time.perf_counter() - started < 3  # counted in the unpacked bytes, not parsed


def test_a_declared_size_over_the_limits_is_refused_before_any_row(tmp_path):
    path = write_xlsx(tmp_path / "declared.xlsx", [["Nombre"], ["Ana"]], dimension="A1:B1000001")
    with pytest.raises(ImportRefused, match="1,000,001 rows"):
        read_table(path)
    path = write_xlsx(tmp_path / "wide.xlsx", [["Nombre"], ["Ana"]], dimension="A1:ZZZ10")
    with pytest.raises(ImportRefused, match="columns"):
        read_table(path)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_thousand_columns_are_all_read(db, chapter, tmp_path, kind):
    headers = [f"Pregunta {k}" for k in range(1_000)]
    headers[600], headers[950], headers[999] = "Nombre completo", "Correo electrónico", "Matrícula"
    rows = [headers]
    for i in range(30):
        row = [f"r{i}c{k}" for k in range(1_000)]
        row[600], row[950], row[999] = f"Persona {i} Núñez", f"p{i}@unam.mx", f"{i:06d}"
        rows.append(row)
    if kind == "xlsx":
        path = write_xlsx(tmp_path / "wide.xlsx", rows)
    else:
        path = tmp_path / "wide.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    table = read_table(path)
    assert len(table.headers) == 1_000
    assert table.headers[999] == "Matrícula"
    mapping = guess_mapping(table.headers)
    assert (mapping[600], mapping[950], mapping[999]) == ("full_name", "email", "student_id")
    plan = plan_import(db, chapter.id, table, mapping)
    assert plan.new == 30 and not plan.problems
    commit_import(db, plan)
    people = {p.email: p for p in list_people(db, chapter.id)}
    assert people["p29@unam.mx"].student_id == "000029"


def test_cells_beyond_the_headers_are_kept_under_a_made_up_header(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("Nombre,Correo\nAna Ruiz,a@x.mx,nota suelta\n", encoding="utf-8")
    table = read_table(path)
    assert table.headers == ["Nombre", "Correo", "Column 3"]
    assert table.rows[0] == ["Ana Ruiz", "a@x.mx", "nota suelta"]


def _big_csv(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Nombre", "Apellidos", "Correo"])
        for i in range(n):
            w.writerow([f"Nombre{i}", "Núñez García", f"p{i}@unam.mx"])
    return path


def _streamed_and_held(path: Path) -> tuple[int, int, int]:
    """(rows, peak bytes while walking the rows, bytes the rows take when held)."""
    table = read_table(path)
    tracemalloc.start()
    try:
        count = sum(1 for _row in table.rows)
        _current, streamed = tracemalloc.get_traced_memory()
        before, _peak = tracemalloc.get_traced_memory()
        held = list(table.rows)
        after, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(held) == count == len(table.rows)
    return count, streamed, after - before


def test_reading_streams_rows_instead_of_holding_them(tmp_path):
    count, streamed, held = _streamed_and_held(_big_csv(tmp_path / "big.csv", 20_000))
    assert count == 20_000
    assert streamed < held / 3


def test_xlsx_rows_stream_past_the_budget_for_keeping_them(tmp_path, monkeypatch):
    rows = [["Nombre", "Correo"]] + [[f"Persona {i}", f"p{i}@x.mx"] for i in range(5_000)]
    path = write_xlsx(tmp_path / "rows.xlsx", rows)
    # Within the budget, the rows read first are kept: checking them parses nothing again.
    table = read_table(path)
    path.write_bytes(b"gone")
    assert sum(1 for _row in table.rows) == 5_000
    path = write_xlsx(tmp_path / "rows.xlsx", rows)
    monkeypatch.setattr(reader, "ROW_CACHE_BYTES", 100_000)
    table = read_table(path)
    assert table.rows[4_999] == ["Persona 4999", "p4999@x.mx"]
    count, streamed, held = _streamed_and_held(path)
    assert count == 5_000
    assert streamed < held / 3


def test_reading_shows_progress_and_can_be_cancelled(db, chapter, tmp_path):
    path = _big_csv(tmp_path / "big.csv", 20_000)
    seen: list[tuple[float | None, str]] = []
    read_table(path, progress=lambda fraction, message: seen.append((fraction, message)))
    assert seen and "Reading row" in seen[-1][1]
    fractions = [f for f, _m in seen]
    assert all(f is not None and 0 < f <= 1 for f in fractions) and fractions == sorted(fractions)
    rows = [["Nombre"]] + [[f"P{i}"] for i in range(5_000)]
    seen.clear()
    read_table(write_xlsx(tmp_path / "p.xlsx", rows), progress=lambda f, m: seen.append((f, m)))
    assert [round(f, 1) for f, _m in seen] == [0.4, 0.8]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ImportCancelled) as caught:
        read_table(path, cancel=cancel)
    assert type(caught.value).__name__ == "Cancelled"  # what ui.frame.tasks treats as a cancel
    table = read_table(path)
    with pytest.raises(ImportCancelled):
        plan_import(db, chapter.id, table, guess_mapping(table.headers), cancel=cancel)


def test_a_file_changed_after_it_was_read_is_refused(db, chapter, tmp_path):
    path = _big_csv(tmp_path / "big.csv", 100)
    table = read_table(path)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("Otra,Persona,otra@unam.mx\n")
    with pytest.raises(ImportRefused, match="changed since it was read"):
        plan_import(db, chapter.id, table, guess_mapping(table.headers))


def test_column_letters():
    assert [column_letters(k) for k in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_a_csv_over_the_row_limit_is_refused_as_it_is_read(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(b"Nombre,Correo\n" + b"Ana Ruiz,ana@unam.mx\n" * (MAX_ROWS + 100))
    started = time.perf_counter()
    with pytest.raises(ImportRefused, match=f"more than {MAX_ROWS:,} rows"):
        read_table(path)
    assert time.perf_counter() - started < 5


# --------------------------------------------------------------------------- the xlsx reader

_cell = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda f: abs(f) < 1e15),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 12, 31)).map(
        lambda d: d.replace(microsecond=0)),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_cell, min_size=1, max_size=5), min_size=1, max_size=6))
def test_xlsx_values_read_as_openpyxl_reads_them(rows):
    """What openpyxl writes, the streaming reader reads as openpyxl's own reader does."""
    import tempfile

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Nombre", "Correo", "Notas", "Extra", "Más"])
    for row in rows:
        ws.append(row)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "v.xlsx"
        wb.save(path)
        theirs = openpyxl.load_workbook(path, read_only=True, data_only=True)
        expected = [list(r) for r in theirs.active.iter_rows(min_row=2, values_only=True)]
        theirs.close()
        table = read_table(path, header_row=1)
        ours = [list(r) for r in table.rows]

    def plain(value):
        if isinstance(value, str):
            return value.strip() or None
        if isinstance(value, dt.datetime) and value.time() == dt.time(0):
            return value.date()
        return value

    expected = [[plain(v) for v in r] for r in expected]
    while expected and not any(v is not None for v in expected[-1]):
        expected.pop()
    ours = [[plain(v) for v in r] for r in ours]
    width = 5
    assert ours == [(r + [None] * width)[:width] for r in expected]


def test_previews_come_from_the_rows_kept_not_the_file(tmp_path):
    path = _big_csv(tmp_path / "big.csv", 1_000)
    table = read_table(path)
    path.write_bytes(b"gone")  # a preview never reads the file again
    assert table.rows[:3] == [["Nombre0", "Núñez García", "p0@unam.mx"], ["Nombre1", "Núñez García", "p1@unam.mx"],
                              ["Nombre2", "Núñez García", "p2@unam.mx"]]
    assert table.rows[10][0] == "Nombre10"
    with pytest.raises(ImportRefused, match="changed since it was read"):
        list(table.rows)


def test_a_cell_with_a_huge_text_is_refused(tmp_path):
    row = f'<row r="2"><c r="A2" t="inlineStr"><is><t>{os.urandom(600_000).hex()}</t></is></c></row>'
    path = write_xlsx(tmp_path / "huge.xlsx", [["Nombre"], row])
    with pytest.raises(ImportRefused, match="more text than a workbook can"):
        read_table(path)
