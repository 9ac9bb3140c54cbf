"""Every control of every screen and editor has a name a screen reader can say."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDateTimeEdit,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

CONTROLS = (QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit, QTextEdit, QAbstractButton)


def _unnamed(root: QWidget) -> list[str]:
    buddies = {label.buddy() for label in root.findChildren(QLabel) if label.buddy() is not None}
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QComboBox | QDateTimeEdit | QAbstractSpinBox):
            continue  # the editor inside a combo box or spin box: the box has the name
        if isinstance(widget, QHeaderView):
            continue  # a table's header: its sections' titles are what is read
        if widget.accessibleName() or widget in buddies:
            continue
        if isinstance(widget, QAbstractButton) and widget.text().replace("&", "").strip():
            continue
        if widget.objectName().startswith("qt_"):  # Qt's own parts (scroll bar buttons, tab arrows)
            continue
        missing.append(f"{type(widget).__name__} {widget.objectName()!r} in {type(widget.parent()).__name__}")
    return missing


@pytest.mark.parametrize("key", ["dashboard", "members", "events", "forums", "pledges", "reports"])
def test_every_control_of_each_screen_is_named(demo_ctx, qtbot, key):
    from ui.frame.main_window import MainWindow

    window = MainWindow(demo_ctx, demo_ctx.settings)
    qtbot.addWidget(window)
    window.show()
    page = window.show_page(key)
    qtbot.wait(50)
    assert _unnamed(page) == []


def test_every_control_of_the_editors_is_named(demo_ctx, qtbot):
    from chapter_manager.services.browse import PeopleQuery, person_ids
    from chapter_manager.services.events import list_events
    from chapter_manager.services.forums import list_forums
    from ui.dashboard.goal_dialog import GoalDialog
    from ui.events.editor import EventDialog
    from ui.forums.editor import ForumDialog
    from ui.frame.opening import ChapterDialog
    from ui.members.person_editor import PersonDialog
    from ui.merge.dialog import MergeDialog, ReviewDialog
    from ui.pledges.dialog import PledgeDialog
    from ui.reports.report_dialog import ImpactReportDialog

    person = person_ids(demo_ctx.db, demo_ctx.chapter_id, PeopleQuery(officers_only=True))[0]
    event = list_events(demo_ctx.db, demo_ctx.chapter_id)[0].id
    forum = list_forums(demo_ctx.db, demo_ctx.chapter_id)[0].id
    dialogs = [
        PersonDialog(demo_ctx, person_id=person),
        EventDialog(demo_ctx, event_id=event),
        ForumDialog(demo_ctx, forum_id=forum),
        PledgeDialog(demo_ctx),
        GoalDialog(demo_ctx),
        ChapterDialog(demo_ctx.db),
        MergeDialog(demo_ctx),
        ReviewDialog(demo_ctx),
        ImpactReportDialog(demo_ctx),
    ]
    problems = []
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        problems += _unnamed(dialog)
    assert problems == []


def test_every_control_of_every_kiosk_page_is_named(db, chapter, qtbot, tmp_path):
    import datetime as dt

    from chapter_manager.services.events import EventData, create_event
    from chapter_manager.storage import open_database
    from ui.kiosk import KioskWindow

    event = create_event(db, chapter.id, EventData(title="Feria", starts_at=dt.datetime.now(dt.UTC), pledge_goal=9))
    kiosk = KioskWindow(db, event.id, language="en")
    qtbot.addWidget(kiosk)
    kiosk.show()
    problems = _unnamed(kiosk.pin_page)
    kiosk.pin_page.pin.setText("246813")
    kiosk.pin_page.again.setText("246813")
    assert kiosk.pin_page.confirm()
    problems += _unnamed(kiosk.form)
    kiosk.form.given.setText("Ana")
    assert kiosk.submit()
    problems += _unnamed(kiosk.thanks)
    kiosk.show_form()
    kiosk.ask_to_leave()
    problems += _unnamed(kiosk.leave_page)
    kiosk.armed = False
    kiosk.close()
    blank = open_database(tmp_path / "blank.db")
    try:
        start = KioskWindow(blank, None, language="en")
        qtbot.addWidget(start)
        start.show()
        problems += _unnamed(start.start_page)
        start.close()
    finally:
        blank.close()
    assert problems == []


def test_every_control_of_the_roster_dialog_and_import_wizard_is_named(demo_ctx, qtbot, tmp_path):
    from ui.frame.main_window import MainWindow
    from ui.reports.import_wizard import ImportWizard
    from ui.reports.roster_dialog import RosterDialog

    window = MainWindow(demo_ctx, demo_ctx.settings)
    qtbot.addWidget(window)
    page = window.page("reports")
    dialog = RosterDialog(page)
    qtbot.addWidget(dialog)
    dialog.show()
    problems = _unnamed(dialog)
    csv = tmp_path / "m.csv"
    csv.write_text("Nombre,Apellidos,Correo\nAna,Ruiz,ana@x.org\nBea,Soto,nope\n", encoding="utf-8")
    wizard = ImportWizard(page)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.set_path(str(csv))
    qtbot.waitUntil(lambda: wizard.table is not None)
    problems += _unnamed(wizard.currentPage())
    wizard.next()
    problems += _unnamed(wizard.currentPage())
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None)
    problems += _unnamed(wizard.currentPage())
    assert problems == []
