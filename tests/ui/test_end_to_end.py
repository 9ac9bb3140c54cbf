"""A new organiser's first session, driven through the main window as a user would:
create a chapter, add a member, create an event, check the member in, record their
pledge, and see the dashboard's count change."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog


def _visible(cls):
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, cls) and widget.isVisible():
            return widget
    return None


def test_first_semester_session(db, qtbot, monkeypatch):
    from chapter_manager.services.stats import chapter_stats
    from ui.events.detail import RecordPledgeDialog
    from ui.events.editor import EventDialog
    from ui.frame.context import AppContext
    from ui.frame.main_window import MainWindow
    from ui.frame.opening import ChapterDialog
    from ui.frame.settings import Settings
    from ui.members.person_editor import PersonDialog

    # Modal dialogs opened with exec() are filled in and saved by these hands.
    def fill_chapter(dialog):
        dialog.name.setText("HeForShe UNAM")
        dialog.university.setText("Universidad Nacional Autónoma de México")
        dialog.timezone.setCurrentText("America/Mexico_City")
        dialog.goal_target.setValue(500)

    def fill_event(dialog):
        dialog.title_edit.setText("Conversatorio: masculinidades")
        dialog.set_starts(dt.datetime.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1))

    def fill_pledge(dialog):
        dialog.may_contact.setChecked(True)

    fillers = {ChapterDialog: fill_chapter, EventDialog: fill_event, RecordPledgeDialog: fill_pledge}

    def exec_(dialog):
        filler = next((f for cls, f in fillers.items() if isinstance(dialog, cls)), None)
        assert filler is not None, f"unexpected dialog {type(dialog).__name__}"
        dialog.show()
        filler(dialog)
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(QDialog, "exec", exec_)

    ctx = AppContext(db, Settings())
    window = MainWindow(ctx, ctx.settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    def shortcut(key):
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=3000)
        QTest.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)

    assert ctx.chapter_id is None

    # 1. File ▸ New chapter
    window.new_chapter()
    assert ctx.chapter_id is not None
    assert "HeForShe UNAM" in window.title_label.text()

    # 2. Members: Ctrl+N, type a person, save
    shortcut(Qt.Key.Key_2)
    members = window.pages["members"]
    assert window.stack.currentWidget() is members
    shortcut(Qt.Key.Key_N)
    qtbot.waitUntil(lambda: _visible(PersonDialog) is not None, timeout=3000)
    person = _visible(PersonDialog)
    # (QTest can only type ASCII: accented names are pasted in)
    person.given_names.setText("José")
    person.family_names.setText("Núñez")
    qtbot.keyClicks(person.email, "jose.nunez@example.org")
    assert person.save()
    qtbot.waitUntil(lambda: members.model.rowCount() == 1, timeout=3000)
    assert members.model.index(0, 0).data() == "José Núñez"

    # 3. Events: Ctrl+N, an event that started an hour ago
    shortcut(Qt.Key.Key_3)
    events = window.pages["events"]
    shortcut(Qt.Key.Key_N)
    events.term.setCurrentIndex(events.term.findData("all"))
    qtbot.waitUntil(lambda: events.model.rowCount() == 1, timeout=3000)

    # 4. Enter opens it; type a few letters of the member's name and Enter checks them in
    events.table.setFocus()
    events.table.selectRow(0)
    QTest.keyClick(events.table, Qt.Key.Key_Return)
    detail = events.detail
    qtbot.waitUntil(lambda: events.stack.currentWidget() is detail, timeout=3000)
    detail.picker.setFocus()
    qtbot.keyClicks(detail.picker, "nunez")
    QTest.keyClick(detail.picker, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: detail.attendees_model.rowCount() == 1, timeout=3000)

    # 5. Record their pledge
    detail.attendees.selectRow(0)
    detail.record_button.click()
    qtbot.waitUntil(lambda: detail.pledges_model.rowCount() == 1, timeout=3000)

    # 6. The dashboard counts it
    shortcut(Qt.Key.Key_1)
    dashboard = window.pages["dashboard"]
    qtbot.waitUntil(lambda: dashboard.data is not None and dashboard.data.pledges_total == 1, timeout=5000)
    assert dashboard.goal_count.text() == "1 of 500"
    stats = chapter_stats(db, ctx.chapter_id)
    assert (stats["people"], stats["members"], stats["events"], stats["attendance"], stats["pledges"]) == (1, 1, 1, 1, 1)
    window.close()
