"""Long work never freezes the window: real files, another connection holding the write lock.

Another program is played by a plain ``sqlite3`` connection in ``BEGIN IMMEDIATE``.  While
it holds the lock, a 10 ms ``QTimer`` keeps counting: the longest gap between its ticks is
how long the GUI thread was stuck.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog

from chapter_manager import jobs
from chapter_manager.services import forums, people
from chapter_manager.services.forums import ForumData
from chapter_manager.services.people import PersonData

SHOTS = Path("/tmp")


class Probe:
    """A 10 ms timer on the GUI thread; ``longest`` is the longest gap between two ticks."""

    def __init__(self) -> None:
        self.ticks = 0
        self.longest = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now
        self.ticks += 1

    def stop(self) -> None:
        self.timer.stop()


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(str(path), isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


def _progress_dialogs() -> list[QProgressDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]


def _fill(dialog, given: str, family: str) -> None:  # type: ignore[no-untyped-def]
    dialog.given_names.setText(given)
    dialog.family_names.setText(family)


def test_saving_a_person_waits_for_another_programs_write_lock_and_then_saves(ctx, qtbot):
    from ui.members.person_editor import PersonDialog

    dialog = PersonDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(dialog, "Ana", "López")
    other = _hold_write_lock(ctx.db.path)
    seen: dict[str, object] = {}

    def look() -> None:
        shown = _progress_dialogs()
        seen["labels"] = [d.labelText() for d in shown]
        if shown:
            shown[0].grab().save(str(SHOTS / "waiting-for-write-lock.png"))

    def release() -> None:
        other.execute("COMMIT")
        other.close()

    QTimer.singleShot(1200, look)
    QTimer.singleShot(1600, release)
    probe = Probe()
    started = time.perf_counter()
    assert dialog.save() is True  # returns once saved, the GUI running meanwhile
    waited = time.perf_counter() - started
    probe.stop()
    assert waited >= 1.5
    assert seen["labels"] == ["Waiting for another program to finish writing…"]
    assert probe.ticks > 40 and probe.longest < 0.5  # responsive, not stuck for busy_timeout
    assert [p.display_name for p in people.list_people(ctx.db, ctx.chapter_id)] == ["Ana López"]


def test_stopping_the_wait_keeps_what_was_typed_and_says_it_was_not_saved(ctx, qtbot, monkeypatch):
    import ui.members.person_editor as editor

    told: list[str] = []
    monkeypatch.setattr(editor, "show_error", lambda _parent, error, _context="": told.append(str(error)))
    dialog = editor.PersonDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(dialog, "Ana", "López")
    other = _hold_write_lock(ctx.db.path)

    def stop_waiting() -> None:
        shown = _progress_dialogs()
        assert shown and shown[0].labelText() == jobs.waiting_message()
        from PySide6.QtWidgets import QPushButton

        buttons = [b for b in shown[0].findChildren(QPushButton) if b.isVisible()]
        assert [b.text() for b in buttons] == ["Stop waiting"]
        buttons[0].click()

    QTimer.singleShot(1000, stop_waiting)
    try:
        assert dialog.save() is False
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert told and told[0].startswith("Not saved")
    assert dialog.isVisible()
    assert dialog.given_names.text() == "Ana"
    assert dialog.family_names.text() == "López"
    assert people.list_people(ctx.db, ctx.chapter_id) == []
    assert dialog.save() is True  # the lock is free now: the same form saves
    assert [p.display_name for p in people.list_people(ctx.db, ctx.chapter_id)] == ["Ana López"]


def test_deleting_while_another_program_writes_keeps_the_window_responsive(ctx, qtbot):
    import datetime as dt

    from ui.forums.page import ForumsPage

    forum = forums.create_forum(ctx.db, ctx.chapter_id, ForumData(topic="Masculinidades", held_on=dt.date(2026, 3, 1)))
    page = ForumsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activated()
    page.confirm = lambda _title, _text: True
    other = _hold_write_lock(ctx.db.path)
    probe = Probe()
    task = page.delete_forums([forum.id])
    assert task is not None
    qtbot.waitUntil(lambda: bool(_progress_dialogs()), timeout=5_000)
    assert _progress_dialogs()[0].labelText() == jobs.waiting_message()
    qtbot.wait(500)
    assert not task.done and task.waiting
    assert forums.list_forums(ctx.db, ctx.chapter_id)  # not deleted yet
    other.execute("COMMIT")
    other.close()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    probe.stop()
    assert probe.longest < 0.5
    assert forums.list_forums(ctx.db, ctx.chapter_id) == []
    assert page.model.rowCount() == 0
    assert ctx.undo_text() and "Masculinidades" in ctx.undo_text()


def test_close_waits_for_running_work_with_a_visible_dialog(window, qtbot):
    from ui.frame import tasks

    release = threading.Event()
    finished: list[str] = []

    def work(_progress, _cancel):  # type: ignore[no-untyped-def]
        # a write past its last cancel check: it runs to its end
        release.wait(10)
        finished.append("done")

    task = tasks.run_task(window, "Importing members", work)
    asked: list[str] = []
    window.ask_stop_work = lambda question: asked.append(question) or True
    seen: list[str] = []

    def look() -> None:
        shown = _progress_dialogs()
        seen.extend(d.windowTitle() + " | " + d.labelText() for d in shown)
        for d in shown:
            if d.windowTitle() == "Finishing…":
                d.grab().save(str(SHOTS / "finishing-before-close.png"))
        release.set()

    QTimer.singleShot(700, look)
    probe = Probe()
    window.close()
    probe.stop()
    assert asked == ["“Importing members” is still running. Stop it and quit?"]
    assert finished == ["done"] and task.done
    assert "Finishing… | Finishing “Importing members” before going on…" in seen
    assert probe.longest < 0.5
    assert not window.isVisible()


def test_declining_to_stop_keeps_the_window_and_the_work(window, qtbot):
    from ui.frame import tasks

    release = threading.Event()
    task = tasks.run_task(window, "Importing members", lambda _p, _c: release.wait(10))
    window.ask_stop_work = lambda _question: False
    window.close()
    assert window.isVisible() and not task.done and not task.cancel_event.is_set()
    release.set()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)


def test_a_cancelled_task_is_recognised_by_type_not_by_name(qtbot):
    from ui.frame import tasks

    class Cancelled(Exception):  # the old way: a class with the right name
        pass

    outcomes: list[str] = []

    def named_alike(_progress, cancel):  # type: ignore[no-untyped-def]
        cancel.set()
        raise Cancelled()

    task = tasks.run_task(None, "", named_alike, show_progress=False,
                          on_error=lambda e: outcomes.append("error"), on_cancelled=lambda: outcomes.append("cancelled"))
    qtbot.waitUntil(lambda: task.done, timeout=5_000)

    def real(_progress, _cancel):  # type: ignore[no-untyped-def]
        raise jobs.Cancelled()

    task = tasks.run_task(None, "", real, show_progress=False,
                          on_error=lambda e: outcomes.append("error"), on_cancelled=lambda: outcomes.append("cancelled"))
    qtbot.waitUntil(lambda: task.done, timeout=5_000)
    assert outcomes == ["error", "cancelled"]


@pytest.mark.parametrize("create", [True])
def test_opening_runs_as_a_job(tmp_path, qtbot, create):
    from ui.frame.opening import open_interactively

    probe = Probe()
    db = open_interactively(None, tmp_path / "new.db", create=create, check_location=False)
    probe.stop()
    assert db is not None and db.schema_version() > 0
    db.close()


def test_full_collections_wait_while_work_runs(qtbot):
    """A full cyclic collection holds the GIL for as long as it scans every live object (the
    stalls of a 100,000-row import); while a task runs only young collections happen."""
    import gc

    from ui.frame import tasks

    before = gc.get_threshold()
    release = threading.Event()
    task = tasks.run_task(None, "", lambda _p, _c: release.wait(10), show_progress=False)
    assert gc.get_threshold()[:2] == before[:2] and gc.get_threshold()[2] >= 1_000_000
    release.set()
    qtbot.waitUntil(lambda: task.done, timeout=5_000)
    qtbot.waitUntil(lambda: gc.get_threshold() == before, timeout=5_000)


def test_an_event_editor_stopped_while_waiting_keeps_its_form_and_says_not_saved(ctx, qtbot, monkeypatch):
    import datetime as dt

    from PySide6.QtWidgets import QPushButton

    from chapter_manager.services import events
    from ui.events.editor import EventDialog

    dialog = EventDialog(ctx, None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.title_edit.setText("Conversatorio")
    dialog.set_starts(dt.datetime(2026, 3, 6, 18, 0))
    told: list[str] = []
    monkeypatch.setattr(dialog, "show_problem", lambda error: told.append(str(error)))
    other = _hold_write_lock(ctx.db.path)

    def stop_waiting() -> None:
        shown = _progress_dialogs()
        assert shown and shown[0].labelText() == jobs.waiting_message()
        next(b for b in shown[0].findChildren(QPushButton) if b.isVisible()).click()

    QTimer.singleShot(800, stop_waiting)
    try:
        assert dialog.save() is False
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert told and told[0].startswith("Not saved") and dialog.isVisible()
    assert dialog.title_edit.text() == "Conversatorio"
    assert events.list_events(ctx.db, ctx.chapter_id) == []
    assert dialog.save() is True
    assert [e.title for e in events.list_events(ctx.db, ctx.chapter_id)] == ["Conversatorio"]


def test_restore_runs_as_a_job(ctx, qtbot):
    from ui.frame.opening import restore_in_background

    backup = ctx.db.backup(reason="manual")
    people.create_person(ctx.db, ctx.chapter_id, PersonData(given_names="Ana", family_names="López"))
    path = ctx.db.path
    ctx.db.close()
    probe = Probe()
    result = restore_in_background(None, path, backup)
    probe.stop()
    assert result.restored_from == backup and result.previous_kept_at is not None
    from chapter_manager.storage import open_database

    with open_database(path) as db:
        assert people.list_people(db, ctx.chapter_id) == []
