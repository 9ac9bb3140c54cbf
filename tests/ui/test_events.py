"""The Events screen: the list by term, the editor, and an event's page (check-in, walk-ins,
headcount, pledges and progress), driven as a user would, on a real SQLite file."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from chapter_manager.services import events as ev
from chapter_manager.services.chapters import add_term
from chapter_manager.services.people import PersonData, count_people, create_person
from chapter_manager.services.pledges import count_pledges, list_pledges

MX = ZoneInfo("America/Mexico_City")


def _event(ctx, title, start, **kw):
    data = ev.EventData(title=title, starts_at=start, **kw)
    return ev.create_event(ctx.db, ctx.chapter_id, data)


def _person(ctx, given, family, email=None):
    return create_person(ctx.db, ctx.chapter_id, PersonData(given_names=given, family_names=family, email=email))


@pytest.fixture
def page(ctx, qtbot):
    from ui.events.page import EventsPage

    widget = EventsPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activated()
    return widget


def _texts(page, column):
    model = page.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def _titles(page):
    return _texts(page, 1)


def _open(page, qtbot, title):
    row = _titles(page).index(title)
    page.table.setFocus()
    page.table.selectRow(row)
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    assert page.stack.currentWidget() is page.detail
    return page.detail


# ----------------------------------------------------------------------------- models


def test_models_pass_the_model_tester(demo_ctx, qtbot, qtmodeltester):
    from ui.events.page import EventsPage

    page = EventsPage(demo_ctx)
    qtbot.addWidget(page)
    page.show()
    page.activated()
    page.term.setCurrentIndex(page.term.findData("all"))
    assert page.model.rowCount() == 12
    qtmodeltester.check(page.model)
    page.model.sort(6, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(page.model)
    busiest = max(page.model.rows(), key=lambda r: r.attendance_count)
    page.open_event(busiest.id)
    assert page.detail.attendees_model.rowCount() == busiest.attendance_count > 0
    assert page.detail.pledges_model.rowCount() == busiest.pledge_count > 0
    qtmodeltester.check(page.detail.attendees_model)
    qtmodeltester.check(page.detail.pledges_model)


# ----------------------------------------------------------------------------- list


def test_an_empty_chapter_says_how_to_add_an_event(page):
    assert page.body.currentWidget() is page.empty
    assert "New event" in page.empty.text() and "Ctrl+N" in page.empty.text()
    assert page.supports("new") and page.supports("find") and page.supports("delete")
    assert set(page.watches) == {"events", "people", "pledges"}


def test_create_an_event_through_the_dialog(page, ctx, qtbot):
    from ui.events.editor import EventDialog

    opened = []

    def fill_and_save(dialog):
        opened.append(dialog)
        assert isinstance(dialog, EventDialog)
        assert dialog.timezone.currentText() == "America/Mexico_City"  # the chapter's zone
        qtbot.keyClicks(dialog.title_edit, "Why equality needs everyone")
        dialog.set_starts(dt.datetime(2025, 3, 6, 18, 0))
        dialog.set_ends(dt.datetime(2025, 3, 6, 17, 0))  # before the start
        assert dialog.save() is False
        assert "cannot end before it starts" in dialog.error_text("ends_at")
        assert dialog.right.error_text("venue") == ""
        dialog.set_ends(dt.datetime(2025, 3, 6, 20, 0))
        dialog.pledge_goal.setValue(200)
        dialog.venue.setText("Auditorio Che Guevara")
        return dialog.save()

    page.run_dialog = fill_and_save
    page.new_item()
    assert opened and opened[0].saved is not None
    saved = ev.get_event(ctx.db, opened[0].saved.id)
    assert saved.starts_at == dt.datetime(2025, 3, 7, 0, 0, tzinfo=dt.UTC)  # 18:00 CST = 00:00 UTC
    assert saved.ends_at == dt.datetime(2025, 3, 7, 2, 0, tzinfo=dt.UTC)
    assert saved.timezone == "America/Mexico_City" and saved.pledge_goal == 200
    # In the list, selected, at the local time with the zone named.
    assert _titles(page) == ["Why equality needs everyone"]
    assert page.selected_ids() == [saved.id]
    date_text = _texts(page, 0)[0]
    assert "18:00" in date_text or "6:00" in date_text
    assert date_text.endswith("CST")
    assert _texts(page, 6) == ["0 / 200"]
    assert page.body.currentWidget() is page.table


def test_an_event_in_another_zone_keeps_its_wall_clock(page, ctx):
    from ui.events.editor import EventDialog

    dialog = EventDialog(ctx, None, page)
    dialog.title_edit.setText("Conversatorio en Bogotá")
    dialog.timezone.setCurrentText("America/Bogota")
    dialog.set_starts(dt.datetime(2025, 3, 6, 18, 0))
    assert "17:00" in dialog.zone_hint.text() or "5:00" in dialog.zone_hint.text()  # in Mexico City
    assert dialog.save()
    saved = ev.get_event(ctx.db, dialog.saved.id)
    assert saved.starts_at == dt.datetime(2025, 3, 6, 23, 0, tzinfo=dt.UTC)
    assert saved.local_starts_at.hour == 18
    page.term.setCurrentIndex(page.term.findData("all"))
    assert _texts(page, 0)[0].endswith("UTC-05")
    # an unknown zone is refused next to the field
    bad = EventDialog(ctx, None, page)
    bad.title_edit.setText("Somewhere")
    bad.timezone.setCurrentText("Mars/Olympus_Mons")
    assert bad.save() is False
    assert "time zone" in bad.error_text("timezone")


def test_term_status_and_search_filters(page, ctx):
    today = dt.datetime.now(MX).date()
    spring = add_term(ctx.db, ctx.chapter_id, "Spring 2025", dt.date(2025, 1, 20), dt.date(2025, 5, 30))
    current = add_term(ctx.db, ctx.chapter_id, "This term", today - dt.timedelta(days=30), today + dt.timedelta(days=60))
    _event(ctx, "Taller de testigos", dt.datetime(2025, 2, 10, 17, 0, tzinfo=MX))
    _event(ctx, "Cine-debate", dt.datetime(2025, 4, 2, 17, 0, tzinfo=MX), status="cancelled")
    # 23:30 local on the term's last day is in the term even though it is the next day in UTC
    _event(ctx, "Late talk", dt.datetime(2025, 5, 30, 23, 30, tzinfo=MX))
    soon = dt.datetime.combine(today + dt.timedelta(days=3), dt.time(18, 0), tzinfo=MX)
    _event(ctx, "Jornada de firmas", soon)
    ctx.changed("events")

    # the term holding today is chosen first
    assert page.term.currentData() == current.id
    assert _titles(page) == ["Jornada de firmas"]
    page.term.setCurrentIndex(page.term.findData(spring.id))
    assert _titles(page) == ["Taller de testigos", "Cine-debate", "Late talk"]
    page.status.set_value("cancelled")
    assert _titles(page) == ["Cine-debate"]
    page.status.set_value(None)
    page.term.setCurrentIndex(page.term.findData("upcoming"))
    assert _titles(page) == ["Jornada de firmas"]
    page.term.setCurrentIndex(page.term.findData("all"))
    assert len(_titles(page)) == 4
    page.search.setText("TALLER")  # case-insensitive
    assert _titles(page) == ["Taller de testigos"]
    page.search.setText("jornada firmas")
    assert _titles(page) == ["Jornada de firmas"]
    assert "1 of 4" in page.count.text()
    page.search.setText("nothing like it")
    assert page.body.currentWidget() is page.empty and "Clear the search" in page.empty.text()


# ----------------------------------------------------------------------------- event page


@pytest.fixture
def talk(ctx):
    event = _event(ctx, "Talk: allyship", dt.datetime(2025, 3, 6, 18, 0, tzinfo=MX),
                   ends_at=dt.datetime(2025, 3, 6, 20, 0, tzinfo=MX), venue="Aula Magna", pledge_goal=2)
    ctx.changed("events")
    return event


def test_enter_opens_the_event_page_and_esc_goes_back(page, ctx, talk, qtbot):
    page.term.setCurrentIndex(page.term.findData("all"))
    detail = _open(page, qtbot, "Talk: allyship")
    assert detail.title.text() == "Talk: allyship"
    assert "America/Mexico_City" in detail.when.text() and "CST" in detail.when.text()
    assert "Aula Magna" in detail.where.text()
    assert detail.status_chip.text() == "Planned"
    assert "0 of 2 pledges (0 %)" in detail.progress_label.text()
    QTest.keyClick(detail.attendees, Qt.Key.Key_Escape)
    assert page.stack.currentWidget() is page.list_page
    assert page.selected_ids() == [talk.id]
    detail = _open(page, qtbot, "Talk: allyship")
    QTest.keyClick(detail.attendees, Qt.Key.Key_Backspace)
    assert page.stack.currentWidget() is page.list_page
    detail = _open(page, qtbot, "Talk: allyship")
    detail.back_button.click()
    assert page.stack.currentWidget() is page.list_page


def test_check_in_by_typing_a_few_letters_and_enter(page, ctx, talk, qtbot):
    jose = _person(ctx, "José", "Núñez", "jose@example.org")
    _person(ctx, "Ana", "López")
    page.term.setCurrentIndex(page.term.findData("all"))
    detail = _open(page, qtbot, "Talk: allyship")
    picker = detail.picker
    assert page.window().focusWidget() is picker

    qtbot.keyClicks(picker, "nun")
    QTest.keyClick(picker, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picker.text() == "")
    assert [a.person_id for a in ev.list_attendance(ctx.db, talk.id)] == [jose.id]
    assert detail.attendees_model.rowCount() == 1
    assert "1 checked in" in detail.attendance_count.text()
    assert "José Núñez" in detail.feedback.text()
    assert page.window().focusWidget() is picker

    # the same person again: still one row
    qtbot.keyClicks(picker, "NUNEZ")  # accents and case do not matter
    QTest.keyClick(picker, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picker.text() == "")
    assert len(ev.list_attendance(ctx.db, talk.id)) == 1
    assert detail.attendees_model.rowCount() == 1
    assert "already checked in" in detail.feedback.text()

    # nobody matching: a hint, nothing recorded
    qtbot.keyClicks(picker, "zzz")
    QTest.keyClick(picker, Qt.Key.Key_Return)
    assert "walk-in" in detail.feedback.text()
    assert len(ev.list_attendance(ctx.db, talk.id)) == 1

    # Esc goes back to the list, which counts them now
    page.activateWindow()  # the suggestions popup took the offscreen window's activation
    qtbot.waitUntil(picker.hasFocus)
    QTest.keyClick(picker, Qt.Key.Key_Escape)
    assert page.stack.currentWidget() is page.list_page
    assert _texts(page, 5) == ["1"]
    detail = _open(page, qtbot, "Talk: allyship")

    # the app's undo (Ctrl+Z) takes the check-in back
    assert ctx.undo() is not None
    assert ev.list_attendance(ctx.db, talk.id) == []
    assert detail.attendees_model.rowCount() == 0


def test_remove_an_attendee_and_undo(page, ctx, talk, qtbot):
    ana = _person(ctx, "Ana", "López")
    ev.check_in(ctx.db, talk.id, ana.id)
    page.term.setCurrentIndex(page.term.findData("all"))
    detail = _open(page, qtbot, "Talk: allyship")
    assert detail.attendees_model.rowCount() == 1
    detail.attendees.setFocus()
    detail.attendees.selectRow(0)
    assert detail.remove_button.isEnabled()
    QTest.keyClick(detail.attendees, Qt.Key.Key_Delete)
    assert ev.list_attendance(ctx.db, talk.id) == []
    assert detail.attendees_model.rowCount() == 0
    ctx.undo()
    assert [a.person_id for a in ev.list_attendance(ctx.db, talk.id)] == [ana.id]
    assert detail.attendees_model.rowCount() == 1


def test_walk_in_is_added_and_checked_in_with_enter(page, ctx, talk, qtbot):
    page.term.setCurrentIndex(page.term.findData("all"))
    detail = _open(page, qtbot, "Talk: allyship")
    before = count_people(ctx.db, ctx.chapter_id)

    qtbot.keyClicks(detail.walk_given.edit, "Wanjiru")
    qtbot.keyClicks(detail.walk_family.edit, "Kamau")
    qtbot.keyClicks(detail.walk_email.edit, "not an email")
    QTest.keyClick(detail.walk_email.edit, Qt.Key.Key_Return)
    assert detail.walk_email.message.isVisibleTo(detail) and detail.walk_email.message.text()
    assert count_people(ctx.db, ctx.chapter_id) == before

    detail.walk_email.edit.setText("wanjiru@example.org")
    qtbot.keyClicks(detail.walk_student_id.edit, "A0012")
    QTest.keyClick(detail.walk_student_id.edit, Qt.Key.Key_Return)
    assert count_people(ctx.db, ctx.chapter_id) == before + 1
    attendance = ev.list_attendance(ctx.db, talk.id)
    assert [a.display_name for a in attendance] == ["Wanjiru Kamau"]
    assert detail.attendees_model.rowCount() == 1
    assert detail.walk_given.edit.text() == "" and detail.walk_email.edit.text() == ""
    assert not detail.walk_email.message.isVisibleTo(detail)

    # the same email again: the person already there is checked in, nobody new is made
    qtbot.keyClicks(detail.walk_given.edit, "W.")
    qtbot.keyClicks(detail.walk_email.edit, "WANJIRU@example.org")
    QTest.keyClick(detail.walk_email.edit, Qt.Key.Key_Return)
    assert count_people(ctx.db, ctx.chapter_id) == before + 1
    assert len(ev.list_attendance(ctx.db, talk.id)) == 1

    # no name at all
    QTest.keyClick(detail.walk_given.edit, Qt.Key.Key_Return)
    assert detail.walk_given.message.text()


def test_headcount_is_saved(page, ctx, talk, qtbot):
    page.term.setCurrentIndex(page.term.findData("all"))
    detail = _open(page, qtbot, "Talk: allyship")
    assert detail.headcount.value() == 0 and detail.headcount.text() == "Not counted"
    detail.headcount.setFocus()
    detail.headcount.lineEdit().selectAll()
    qtbot.keyClicks(detail.headcount, "57")
    QTest.keyClick(detail.headcount, Qt.Key.Key_Return)
    assert ev.get_event(ctx.db, talk.id).headcount == 57
    assert "57 counted" in detail.attendance_count.text()
    page.show_list()
    assert _texts(page, 5) == ["0 (57)"]
    detail = _open(page, qtbot, "Talk: allyship")
    assert detail.headcount.value() == 57
    detail.headcount.setValue(0)
    detail.headcount_button.click()
    assert ev.get_event(ctx.db, talk.id).headcount is None


def test_record_a_pledge_moves_the_progress(page, ctx, talk, qtbot):
    ana = _person(ctx, "Ana", "López")
    ben = _person(ctx, "Benjamín", "Ortiz")
    page.term.setCurrentIndex(page.term.findData("all"))
    detail = _open(page, qtbot, "Talk: allyship")
    assert not detail.record_button.isEnabled()  # nobody checked in yet
    for person in (ana, ben):
        detail.check_in_person(person.id, "")
    assert detail.record_button.isEnabled()
    assert detail.progress_bar.value() == 0

    def save(dialog):
        dialog.may_contact.setChecked(True)
        return dialog.save()

    detail.run_dialog = save
    detail.attendees.selectRow(detail.attendees_model.row_of(ana.id))
    detail.record_button.click()
    assert [p.person_id for p in list_pledges(ctx.db, ctx.chapter_id, event_id=talk.id)] == [ana.id]
    assert detail.progress_label.text() == "1 of 2 pledges (50 %)"
    assert detail.progress_bar.value() == 1 and detail.progress_bar.maximum() == 2
    assert detail.pledges_model.rowCount() == 1

    # Ana again: a person pledges once
    detail.attendees.selectRow(detail.attendees_model.row_of(ana.id))
    assert detail.record_pledge() is False
    assert "already pledged" in detail.pledge_feedback.text()
    assert count_pledges(ctx.db, ctx.chapter_id) == 1

    detail.attendees.selectRow(detail.attendees_model.row_of(ben.id))
    detail.record_button.click()
    assert detail.progress_label.text() == "2 of 2 pledges (100 %)"
    assert ev.event_progress(ctx.db, talk.id).reached
    page.show_list()
    assert _texts(page, 6) == ["2 / 2"]


def test_cancelled_event_refuses_check_in(page, ctx, qtbot):
    _event(ctx, "Called off", dt.datetime(2025, 3, 6, 18, 0, tzinfo=MX), status="cancelled")
    ctx.changed("events")
    page.term.setCurrentIndex(page.term.findData("all"))
    detail = _open(page, qtbot, "Called off")
    assert not detail.picker.isEnabled() and not detail.walk_in_box.isEnabled()
    assert detail.cancelled_note.isVisibleTo(detail)


def test_edit_from_the_event_page_keeps_the_headcount(page, ctx, talk, qtbot):
    ev.set_headcount(ctx.db, talk.id, 40)
    page.term.setCurrentIndex(page.term.findData("all"))
    detail = _open(page, qtbot, "Talk: allyship")

    def rename(dialog):
        assert dialog.title_edit.text() == "Talk: allyship"
        dialog.title_edit.setText("Talk: allyship in engineering")
        return dialog.save()

    page.run_dialog = rename
    detail.edit_button.click()
    assert detail.title.text() == "Talk: allyship in engineering"
    saved = ev.get_event(ctx.db, talk.id)
    assert saved.headcount == 40 and saved.starts_at == talk.starts_at


# ----------------------------------------------------------------------------- delete


def test_delete_with_confirmation_and_undo(page, ctx, talk, qtbot):
    from chapter_manager.services.pledges import PledgeData, record_pledge

    ana = _person(ctx, "Ana", "López")
    record_pledge(ctx.db, ana.id, PledgeData(event_id=talk.id))  # checks her in too
    ctx.changed("pledges")
    page.term.setCurrentIndex(page.term.findData("all"))
    asked = []
    page.confirm = lambda title, text: asked.append(text) or False
    page.table.setFocus()
    page.table.selectRow(0)
    QTest.keyClick(page.table, Qt.Key.Key_Delete)
    assert asked and "Talk: allyship" in asked[0]
    assert len(ev.list_events(ctx.db, ctx.chapter_id)) == 1  # cancelled: nothing happened

    page.confirm = lambda title, text: True
    QTest.keyClick(page.table, Qt.Key.Key_Delete)  # a job on the worker pool
    qtbot.waitUntil(lambda: ctx.undo_text() is not None, timeout=10_000)
    assert ev.list_events(ctx.db, ctx.chapter_id) == []
    assert page.model.rowCount() == 0 and page.body.currentWidget() is page.empty
    assert count_pledges(ctx.db, ctx.chapter_id) == 1  # the pledge signed there is kept
    assert "Talk: allyship" in ctx.undo_text()

    ctx.undo()
    assert [e.title for e in ev.list_events(ctx.db, ctx.chapter_id)] == ["Talk: allyship"]
    assert _titles(page) == ["Talk: allyship"]
    restored = page.model.id_at(0)
    assert len(ev.list_attendance(ctx.db, restored)) == 1
    assert len(list_pledges(ctx.db, ctx.chapter_id, event_id=restored)) == 1
    assert _texts(page, 6) == ["1 / 2"]


def test_delete_from_the_event_page_goes_back_to_the_list(page, ctx, talk, qtbot):
    page.term.setCurrentIndex(page.term.findData("all"))
    detail = _open(page, qtbot, "Talk: allyship")
    page.confirm = lambda title, text: True
    detail.delete_button.click()  # a job on the worker pool
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.list_page, timeout=10_000)
    assert ev.list_events(ctx.db, ctx.chapter_id) == []


# ----------------------------------------------------------------------------- in the window


def test_keyboard_in_the_main_window(window, ctx, talk, qtbot, monkeypatch):
    from ui.events.page import EventsPage

    seen = []
    monkeypatch.setattr(EventsPage, "run_dialog", lambda self, dialog: seen.append(dialog) or False)
    monkeypatch.setattr(EventsPage, "confirm", lambda self, title, text: seen.append(text) or False)
    page = window.show_page("events")
    window.activateWindow()
    qtbot.waitActive(window)
    assert window.new_action.isEnabled() and window.find_action.isEnabled() and window.delete_action.isEnabled()
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(seen) == 1 and seen[0].event_id is None
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is page.search
    page.term.setCurrentIndex(page.term.findData("all"))
    page.table.setFocus()
    page.table.selectRow(0)
    QTest.keyClick(page.table, Qt.Key.Key_Delete)  # through Edit ▸ Delete: asks first
    assert len(seen) == 2 and "Talk: allyship" in seen[-1]  # asked once
    assert len(ev.list_events(ctx.db, ctx.chapter_id)) == 1
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    assert page.stack.currentWidget() is page.detail
    assert QApplication.focusWidget() is page.detail.picker  # ready to check people in
    QTest.keyClick(page.detail.picker, Qt.Key.Key_Escape)
    assert page.stack.currentWidget() is page.list_page
    assert QApplication.focusWidget() is page.table
