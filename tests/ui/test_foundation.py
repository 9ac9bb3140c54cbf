"""The app's shared machinery: tasks, settings, table models, opening, the launcher, charts."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

import pytest
from PySide6.QtCore import Qt

from ui.frame import tasks

# ----------------------------------------------------------------------------- tasks

def test_task_result_reaches_the_gui_thread(qtbot):
    seen = []
    main_thread = threading.get_ident()

    def work(progress, cancel):
        for i in range(5):
            progress(i / 5, f"step {i}")
        return threading.get_ident()

    task = tasks.run_task(None, "work", work, on_done=seen.append)
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    assert seen and seen[0] != main_thread


def test_cancel_stops_the_task_and_calls_on_cancelled(qtbot):
    started = threading.Event()
    cancelled = []

    def work(progress, cancel):
        started.set()
        while True:
            progress(None, "waiting")
            if cancel.wait(0.01):
                return "too late"

    task = tasks.run_task(None, "long", work, on_done=lambda r: pytest.fail("should not finish"),
                          on_cancelled=lambda: cancelled.append(True))
    assert started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    assert cancelled == [True]


def test_progress_dialog_appears_only_for_long_work(qtbot):
    gate = threading.Event()

    def work(progress, cancel):
        gate.wait(5)
        return 1

    task = tasks.run_task(None, "slow", work)
    dialog = task._dialog
    assert dialog is not None and not dialog.isVisible()
    qtbot.waitUntil(lambda: task._dialog is not None and task._dialog.isVisible(), timeout=3000)
    assert tasks.SHOW_AFTER_MS <= 1000
    gate.set()
    qtbot.waitUntil(lambda: task.done, timeout=5000)


def test_errors_go_to_on_error_as_the_exception(qtbot):
    from chapter_manager.errors import NotFound

    errors = []

    def work(progress, cancel):
        raise NotFound("There is no such event.")

    task = tasks.run_task(None, "x", work, on_error=errors.append)
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    assert isinstance(errors[0], NotFound)


def test_progress_is_throttled(qtbot):
    received = []

    def work(progress, cancel):
        for i in range(20000):
            progress(i / 20000, "")
        return True

    task = tasks.Task(work, title="chatty")
    task._signals.progressed.connect(lambda f, m: received.append(f))
    task.start()
    qtbot.waitUntil(lambda: task.done, timeout=10000)
    assert len(received) < 200


def test_unexpected_errors_are_described_without_a_traceback(tmp_path):
    from ui.frame.errors import describe

    text = describe(RuntimeError("boom\nTraceback (most recent call last)"))
    assert "RuntimeError" in text and "Traceback" not in text
    assert "chapter-manager.log" in text


# ----------------------------------------------------------------------------- settings

def test_recent_files_are_remembered_newest_first_without_duplicates(tmp_path):
    from ui.frame.settings import MAX_RECENT, Settings

    s = Settings()
    for i in range(MAX_RECENT + 3):
        s.add_recent_file(tmp_path / f"{i}.db")
    s.add_recent_file(tmp_path / "3.db")
    files = Settings().recent_files()
    assert files[0].endswith("3.db") and len(files) == MAX_RECENT
    assert len(set(files)) == len(files)


def test_settings_are_isolated_per_test(_isolated_settings):
    from ui.frame.settings import Settings

    assert Settings().recent_files() == []
    assert str(_isolated_settings) in Settings()._q.fileName()


def test_backup_preferences_round_trip():
    from ui.frame.settings import Settings

    s = Settings()
    assert s.backup_on_open is True and s.backup_every_hours == 12
    s.backup_on_open = False
    s.backup_every_hours = 0  # clamped
    assert Settings().backup_on_open is False and Settings().backup_every_hours == 1


# ----------------------------------------------------------------------------- models

class _Numbers:
    def __init__(self, n):
        from ui.widgets.tablemodel import Column, IdTableModel

        class Model(IdTableModel):
            fetches = 0

            def query_ids(self):
                ids = list(range(1, n + 1))
                return ids[::-1] if self.descending else ids

            def fetch_rows(self, ids):
                Model.fetches += 1
                return {i: (i, f"row {i}") for i in ids}

        self.model = Model([
            Column("n", "Number", lambda r: str(r[0]), order="n", align=Qt.AlignmentFlag.AlignRight),
            Column("t", "Text", lambda r: r[1]),
        ])
        self.cls = Model


def test_id_table_model_passes_the_model_tester(qtmodeltester):
    numbers = _Numbers(1000)
    numbers.model.reload()
    qtmodeltester.check(numbers.model)


def test_id_table_model_fetches_pages_lazily_and_sorts_by_query():
    numbers = _Numbers(100_000)
    model = numbers.model
    model.reload()
    assert model.rowCount() == 100_000 and numbers.cls.fetches == 0
    assert model.index(99_999, 1).data() == "row 100000"
    assert numbers.cls.fetches == 1
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data() == "100000"
    model.sort(1, Qt.SortOrder.AscendingOrder)  # not sortable: unchanged
    assert model.index(0, 0).data() == "100000"


def test_rows_table_model_sorts_and_passes_the_model_tester(qtmodeltester):
    from ui.widgets.tablemodel import Column, RowsTableModel

    model = RowsTableModel([Column("name", "Name", lambda r: r[1]), Column("n", "N", lambda r: str(r[0]),
                            sort_value=lambda r: r[0])], id_of=lambda r: r[0])
    model.set_rows([(3, "Łukasz"), (1, "ana"), (2, "Zoë")])
    qtmodeltester.check(model)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert [model.id_at(i) for i in range(3)] == [1, 2, 3]
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data() == "Łukasz"


# ----------------------------------------------------------------------------- opening

def test_a_damaged_database_offers_the_newest_good_backup(tmp_path, monkeypatch, qapp):
    from chapter_manager.storage import open_database
    from ui.frame import opening

    path = tmp_path / "c.db"
    db = open_database(path)
    db.backup(reason="manual")
    db.close()
    data = bytearray(path.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * (4096 * 2)  # smash the first table pages
    path.write_bytes(bytes(data))
    asked = []

    def fake_ask(parent, title, text, buttons, icon=None):
        asked.append((title, text, [k for k, _ in buttons]))
        return "restore" if len(asked) == 1 else "ok"

    monkeypatch.setattr(opening, "_ask", fake_ask)
    db = opening.open_interactively(None, path, create=False)
    assert db is not None and db.integrity_problems() == []
    assert "restore" in asked[0][2] and "Traceback" not in asked[0][1]
    db.close()


def test_a_foreign_file_is_explained_and_nothing_opens(tmp_path, monkeypatch, qapp):
    from ui.frame import opening

    path = tmp_path / "notes.db"
    path.write_text("just some text, not a database" * 100)
    asked = []
    monkeypatch.setattr(opening, "_ask", lambda p, title, text, buttons, icon=None: asked.append(text) or "cancel")
    assert opening.open_interactively(None, path, create=False) is None
    assert "not a Chapter Manager database" in asked[0]
    assert path.read_text().startswith("just some text")


def test_a_database_in_a_synced_folder_is_warned_about(tmp_path, monkeypatch, qapp):
    from ui.frame import opening

    folder = tmp_path / "Dropbox"
    folder.mkdir()
    asked = []
    monkeypatch.setattr(opening, "_ask", lambda p, title, text, buttons, icon=None: asked.append(title) or "open")
    db = opening.open_interactively(None, folder / "c.db", create=True)
    assert db is not None and asked == ["A risky place for a database"]
    db.close()


def test_new_chapter_dialog_validates_next_to_the_fields(db, qtbot):
    from chapter_manager.services.chapters import list_chapters
    from chapter_manager.services.goals import list_goals
    from ui.frame.opening import ChapterDialog

    dialog = ChapterDialog(db)
    qtbot.addWidget(dialog)
    dialog.country.setText("Q1")
    dialog.save()
    assert dialog.form.error_text("name") and dialog.form.error_text("country")
    assert list_chapters(db) == []
    dialog.name.setText("HeForShe UNAM")
    dialog.country.setText("MX")
    dialog.timezone.setCurrentText("America/Mexico_City")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    (chapter,) = list_chapters(db)
    assert chapter.timezone == "America/Mexico_City"
    (goal,) = list_goals(db, chapter.id)
    assert goal.target == 500


# ----------------------------------------------------------------------------- launcher

def test_launcher_sends_commands_to_the_cli_without_importing_qt_widgets(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; from ui.launcher import main; rc = main(['--db', sys.argv[1], 'stats', '--json']); "
        "assert 'PySide6.QtWidgets' not in sys.modules, 'Qt imported for a command'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.db")], capture_output=True, text=True)
    # --db with a missing file: stats refuses to create it (exit 1) and says why
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_launcher_help_lists_the_commands(capsys):
    from ui.launcher import main

    assert main(["--help"]) == 0
    assert "stats" in capsys.readouterr().out


# ----------------------------------------------------------------------------- charts

def test_charts_draw_something_and_describe_themselves(qtbot):
    from ui.widgets.charts import BarChart, LineChart, nice_step

    chart = LineChart()
    qtbot.addWidget(chart)
    chart.resize(500, 260)
    days = [dt.date(2026, 9, 1) + dt.timedelta(days=i) for i in range(30)]
    chart.set_data(days, list(range(0, 300, 10)), goal=500)
    image = chart.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, 500, 7) for y in range(0, 260, 7)}
    assert len(colours) > 3
    assert "goal" in chart.accessibleDescription()
    empty = LineChart()
    qtbot.addWidget(empty)
    empty.set_data([], [])
    assert empty.accessibleDescription() == empty.empty_text
    bars = BarChart()
    qtbot.addWidget(bars)
    bars.set_data([("Active", 10), ("Alumni", 2)])
    assert "Active: 10" in bars.accessibleDescription()
    assert [nice_step(v) for v in (10, 95, 800_000)] == [2, 20, 200_000]


def test_opening_the_app_on_a_new_path_creates_the_database(tmp_path, qtbot, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from ui.frame.app import open_main_window

    asked = []
    monkeypatch.setattr(QDialog, "exec", lambda dialog: asked.append(type(dialog).__name__) or 0)
    window = open_main_window(tmp_path / "new.db")
    qtbot.addWidget(window)
    assert (tmp_path / "new.db").exists()
    assert asked == ["ChapterDialog"]  # a new database starts by asking for its chapter
    assert window.pages["dashboard"].pages.currentWidget() is window.pages["dashboard"].welcome
    window.close()


def test_a_read_only_database_opens_read_only_and_says_so(tmp_path, monkeypatch, qtbot):
    import os
    from pathlib import Path

    from chapter_manager.errors import StorageError
    from chapter_manager.services.chapters import ChapterData, create_chapter, list_chapters
    from chapter_manager.storage import open_database
    from ui.frame import opening
    from ui.frame.context import AppContext
    from ui.frame.main_window import MainWindow
    from ui.frame.settings import Settings

    path = tmp_path / "chapter.db"
    with open_database(path) as db:
        chapter = create_chapter(db, ChapterData(name="HeForShe UNAM", country="MX"))
    before = path.read_bytes()
    # The file cannot be written (as on a read-only disk; root passes by chmod).
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **kw: False if Path(p) == path and m & os.W_OK
                        else real_access(p, m, **kw))
    asked = []
    monkeypatch.setattr(opening, "_ask", lambda *a, **k: asked.append(a) or "cancel")
    db = opening.open_interactively(None, path, create=False)
    assert db is not None and not asked
    try:
        assert db.read_only and db.read_only_reason
        assert [c.name for c in list_chapters(db)] == ["HeForShe UNAM"]
        ctx = AppContext(db, Settings(), chapter.id)
        window = MainWindow(ctx, ctx.settings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        assert window.windowTitle().endswith("(read-only)")
        assert "read-only" in window.file_label.text()
        with pytest.raises(StorageError, match="read-only"):
            create_chapter(db, ChapterData(name="Another", country="MX"))
        window.close()
        tasks.shutdown()
    finally:
        db.close()
    assert path.read_bytes() == before


class _CountingIds(Sequence):
    """Ids that count how many of them are read."""

    def __init__(self, ids):
        self._ids = ids
        self.reads = 0

    def __len__(self):
        return len(self._ids)

    def __getitem__(self, i):
        item = self._ids[i]
        self.reads += len(item) if isinstance(i, slice) else 1
        return item

    def __iter__(self):
        for item in self._ids:
            self.reads += 1
            yield item


def test_row_of_reads_the_ids_a_bounded_number_of_times_however_many_are_looked_up():
    n = 5_000
    ids = _CountingIds([7 * i for i in range(n)])
    numbers = _Numbers(0)
    numbers.cls.query_ids = lambda self: ids
    model = numbers.model
    model.reload()
    wanted = list(range(0, n, 5))  # selecting 1,000 rows
    assert [model.row_of(7 * row) for row in wanted] == wanted
    assert model.row_of(3) is None and model.row_of(7 * n) is None
    # A copy or a scan per look-up would read about 1,000 × n ids.
    assert ids.reads <= (model.SCANS_BEFORE_MAP + 2) * n
    # New ids: the rows follow them, not the old map.
    numbers.cls.query_ids = lambda self: list(reversed(ids._ids))
    model.reload()
    assert [model.row_of(7 * row) for row in wanted] == [n - 1 - row for row in wanted]


def test_row_of_finds_rows_in_more_than_a_million_ids():
    numbers = _Numbers(1_000_001)
    model = numbers.model
    model.reload()
    assert model.row_of(1_000_001) == 1_000_000
    assert [model.row_of(i) for i in range(1, 1_000_001, 50_000)] == list(range(0, 1_000_000, 50_000))
