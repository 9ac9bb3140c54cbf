"""The Pledges screen, the paper-sheet dialog, details and linking, driven as a user would.

``QTest.keyClicks`` only types ASCII; accented names are set with ``setText``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from chapter_manager.models import Affiliation, RecordSource
from chapter_manager.services import browse, events, people, pledges
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData


def _page(ctx, qtbot):
    from ui.pledges.page import PledgesPage

    page = PledgesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1180, 760)
    page.show()
    page.activated()
    _wait(qtbot, page)
    return page


def _wait(qtbot, page):
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)


def _rows(page):
    return [page.model.row_at(i) for i in range(page.model.rowCount())]


@pytest.fixture
def page(demo_ctx, qtbot):
    return _page(demo_ctx, qtbot)


@pytest.fixture
def empty_page(ctx, qtbot):
    return _page(ctx, qtbot)


def _sign(ctx, given, family, email, **pledge):
    return pledges.sign_up(ctx.db, ctx.chapter_id, PersonData(given_names=given, family_names=family, email=email),
                           PledgeData(**pledge))


def test_the_model_passes_the_model_tester_and_shows_every_pledge(page, qtmodeltester):
    assert page.model.rowCount() == 600
    assert page.count.text() == "600 pledge(s)"
    qtmodeltester.check(page.model)
    first = page.model.row_at(0)
    assert first.signed_at == max(r.signed_at for r in _rows(page))  # newest first
    texts = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert "UTC" in texts[0] and texts[1] == first.display_name and texts[2] == first.affiliation.label
    assert texts[4] == first.source.label


def test_event_filter(page, demo_ctx, qtbot):
    rows = [e for e in events.list_events(demo_ctx.db, demo_ctx.chapter_id) if e.pledge_count]
    assert rows
    target = max(rows, key=lambda e: e.pledge_count)
    qtbot.waitUntil(lambda: page.event_combo.findData(target.id) >= 0, timeout=5000)
    # newest first in the list
    ids = [page.event_combo.itemData(i) for i in range(page.event_combo.count())]
    listed = [i for i in ids if i is not None and i > 0]
    starts = {e.id: e.starts_at for e in events.list_events(demo_ctx.db, demo_ctx.chapter_id)}
    assert [starts[i] for i in listed] == sorted((starts[i] for i in listed), reverse=True)
    page.event_combo.setCurrentIndex(page.event_combo.findData(target.id))
    page.event_combo.activated.emit(page.event_combo.currentIndex())
    _wait(qtbot, page)
    assert page.model.rowCount() == target.pledge_count
    assert {r.event_id for r in _rows(page)} == {target.id}
    assert page.model.index(0, 3).data() == target.title


def test_no_event_filter(page, demo_ctx, qtbot):
    from ui.pledges import page as module

    qtbot.waitUntil(lambda: page.event_combo.findData(module.NO_EVENT) >= 0, timeout=5000)
    page.event_combo.setCurrentIndex(page.event_combo.findData(module.NO_EVENT))
    page.event_combo.activated.emit(page.event_combo.currentIndex())
    _wait(qtbot, page)
    assert page.model.rowCount() > 0
    assert all(r.event_id is None for r in _rows(page))


def test_period_filter_and_quick_choices(page, demo_ctx, qtbot):
    zone = ZoneInfo(demo_ctx.timezone)
    today = dt.datetime.now(zone).date()
    page.period.setCurrentIndex(page.period.findData("month"))
    page.period.activated.emit(page.period.currentIndex())
    _wait(qtbot, page)
    first = today.replace(day=1)
    assert page.date_from.value() == first and page.date_to.value() >= today
    assert all(r.signed_at.astimezone(zone).date() >= first for r in _rows(page))
    expected = browse.pledge_ids(demo_ctx.db, demo_ctx.chapter_id, browse.PledgeQuery(
        start=first, end=page.date_to.value()))
    assert list(page.model.ids()) == list(expected)

    if page.period.findData("term") >= 0:  # the demo chapter has a current term
        page.period.setCurrentIndex(page.period.findData("term"))
        page.period.activated.emit(page.period.currentIndex())
        _wait(qtbot, page)
        assert page.date_from.value() is not None and page.date_from.value() <= today

    start, end = today - dt.timedelta(days=40), today - dt.timedelta(days=10)
    page.set_period(start, end)
    assert page.period.currentData() == "custom"
    _wait(qtbot, page)
    assert page.model.rowCount() > 0
    assert all(start <= r.signed_at.astimezone(zone).date() <= end for r in _rows(page))

    page.period.setCurrentIndex(page.period.findData("all"))
    page.period.activated.emit(page.period.currentIndex())
    _wait(qtbot, page)
    assert page.date_from.value() is None and page.model.rowCount() == 600


def test_affiliation_filter(page, qtbot):
    page.affiliation.set_value(Affiliation.STAFF)
    page.affiliation.activated.emit(page.affiliation.currentIndex())
    _wait(qtbot, page)
    assert 0 < page.model.rowCount() < 600
    assert {r.affiliation for r in _rows(page)} == {Affiliation.STAFF}


def test_search_finds_accented_names(page, demo_ctx, qtbot):
    out = _sign(demo_ctx, "José", "Núñez Ávila", "jose.nunez.avila@example.org")
    demo_ctx.changed("pledges")
    _wait(qtbot, page)
    qtbot.keyClicks(page.search, "nunez avi")
    assert page.model.rowCount() > 1  # nothing read yet: the search waits for a pause in typing
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and not page.loading, timeout=5000)
    assert [r.id for r in _rows(page)] == [out.pledge_id]
    assert page.model.index(0, 1).data() == "José Núñez Ávila"
    page.search.clear()
    qtbot.keyClicks(page.search, "zzzqqq")
    QTest.keyClick(page.search, Qt.Key.Key_Return)  # Enter searches at once
    _wait(qtbot, page)
    assert page.model.rowCount() == 0
    assert page.body.currentWidget() is page.empty and "No pledge matches" in page.empty.text()


def test_header_click_sorts_in_sql(page, demo_ctx, qtbot):
    page.table.horizontalHeader().sectionClicked.emit(1)  # as a click on "Name"
    page.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    _wait(qtbot, page)
    expected = browse.pledge_ids(demo_ctx.db, demo_ctx.chapter_id, browse.PledgeQuery(order="name", descending=False))
    assert list(page.model.ids()) == list(expected)
    page.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    _wait(qtbot, page)
    expected = browse.pledge_ids(demo_ctx.db, demo_ctx.chapter_id,
                                 browse.PledgeQuery(order="affiliation", descending=True))
    assert list(page.model.ids()) == list(expected)
    before = list(page.model.ids())
    page.table.sortByColumn(5, Qt.SortOrder.AscendingOrder)  # commitment: not sortable
    _wait(qtbot, page)
    assert list(page.model.ids()) == before


def test_add_a_paper_pledge_then_the_same_email_again(empty_page, ctx, qtbot):
    page = empty_page
    assert page.body.currentWidget() is page.empty and "No pledges yet" in page.empty.text()
    event = events.create_event(ctx.db, ctx.chapter_id, events.EventData(
        title="Feria HeForShe", starts_at=dt.datetime(2026, 3, 8, 16, tzinfo=dt.UTC), timezone="America/Bogota"))
    ctx.changed("events")
    shown = []

    def type_sheet(dialog):
        dialog.show()
        dialog.given.setText("José")
        dialog.family.setText("Núñez")
        qtbot.keyClicks(dialog.email, "jose.nunez@unam.mx")
        qtbot.keyClicks(dialog.student_id, "314159")
        dialog.affiliation.set_value(Affiliation.FACULTY)
        dialog.event_combo.setCurrentIndex(dialog.event_combo.findData(event.id))
        assert "America/Bogota" in dialog.zone_label.text()
        dialog.signed_at.setDateTime(dialog.signed_at.dateTime().addDays(-3))
        qtbot.keyClicks(dialog.commitment, "I will speak up.")
        assert not dialog.may_contact.isChecked() and not dialog.may_publish.isChecked()
        dialog.may_contact.setChecked(True)
        dialog.may_publish.setFocus()
        QTest.keyClick(dialog.may_publish, Qt.Key.Key_Return)  # Enter in the last field saves
        shown.append(dialog)
        return dialog.result() == dialog.DialogCode.Accepted

    page.run_dialog = type_sheet
    informed = []
    page.inform = lambda title, text: informed.append(text)
    page.new_item()
    dialog = shown[0]
    [outcome] = dialog.outcomes
    assert outcome.new_person and outcome.new_pledge and outcome.attendance_recorded
    assert dialog.messages[0].startswith("Recorded the pledge of José Núñez.")
    assert not informed
    view = pledges.get_pledge(ctx.db, outcome.pledge_id)
    assert view.source is RecordSource.MANUAL and view.may_contact and not view.may_publish_name
    assert view.personal_commitment == "I will speak up." and view.event_id == event.id
    assert view.utc_offset_minutes == -300  # typed as Bogotá time
    assert (dt.datetime.now(dt.UTC) - view.signed_at) > dt.timedelta(days=2)
    person = people.get_person(ctx.db, outcome.person_id)
    assert person.affiliation is Affiliation.FACULTY and person.student_id == "314159"
    _wait(qtbot, page)
    assert page.model.rowCount() == 1 and page.selected_ids() == [outcome.pledge_id]

    # The same email again (other capitals, the name without accents): matched, not a
    # second pledge, and said so.  (Another name would be kept apart for review.)
    def again(dialog):
        dialog.given.setText("JOSE")
        dialog.family.setText("Nunez")
        qtbot.keyClicks(dialog.email, "JOSE.NUNEZ@unam.mx")
        dialog.may_publish.setChecked(True)
        outcome = dialog.save()
        assert outcome is not None
        dialog.accept()
        return True

    page.run_dialog = again
    page.new_item()
    assert len(informed) == 1
    assert informed[0].startswith("José Núñez already pledged on ")
    assert "recorded the consents ticked on this sheet" in informed[0]
    assert len(browse.pledge_ids(ctx.db, ctx.chapter_id, browse.PledgeQuery())) == 1
    # A ticked box is the person's statement: consent to publish is given now; the
    # earlier consent to be contacted stands although its box was left unticked.
    again_view = pledges.get_pledge(ctx.db, outcome.pledge_id)
    assert again_view.may_publish_name and again_view.may_contact
    assert people.get_person(ctx.db, outcome.person_id).given_names == "José"


def test_a_second_sheet_at_another_event_is_attendance(ctx, qtbot):
    from ui.pledges.dialog import PledgeDialog

    first = _sign(ctx, "Lan", "Nguyễn", "lan@x.org")
    event = events.create_event(ctx.db, ctx.chapter_id, events.EventData(
        title="Cine debate", starts_at=dt.datetime(2026, 4, 1, 18, tzinfo=dt.UTC)))
    dialog = PledgeDialog(ctx, event_id=event.id)
    qtbot.addWidget(dialog)
    assert dialog.event_combo.currentData() == event.id
    dialog.given.setText("Lan")
    qtbot.keyClicks(dialog.email, "lan@x.org")
    outcome = dialog.save()
    assert outcome.pledge_id == first.pledge_id and outcome.attendance_recorded and not outcome.new_pledge
    assert "already pledged on" in dialog.messages[0]
    assert "recorded their attendance at “Cine debate” instead" in dialog.messages[0]


def test_validation_keeps_the_dialog_open(ctx, qtbot):
    from ui.pledges.dialog import PledgeDialog

    dialog = PledgeDialog(ctx)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.email, "not-an-email")
    assert dialog.save() is None
    assert dialog.form.error_text("given_names")
    assert dialog.form.error_text("email")
    dialog.given.setText("Ana")
    dialog.email.clear()
    dialog.signed_at.setDateTime(dialog.signed_at.dateTime().addDays(5))
    assert dialog.save() is None
    assert "future" in dialog.form.error_text("signed_at")
    assert not dialog.outcomes


def test_save_and_add_another_clears_the_form(ctx, qtbot):
    from ui.pledges.dialog import PledgeDialog

    event = events.create_event(ctx.db, ctx.chapter_id, events.EventData(
        title="Feria", starts_at=dt.datetime(2026, 3, 8, 16, tzinfo=dt.UTC)))
    dialog = PledgeDialog(ctx, event_id=event.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    when = dialog.signed_at.dateTime().addDays(-1)
    dialog.signed_at.setDateTime(when)
    for given, email in (("Ana", "ana@x.org"), ("Kwame", "kwame@x.org")):
        qtbot.keyClicks(dialog.given, given)
        qtbot.keyClicks(dialog.family, "Mensah")
        qtbot.keyClicks(dialog.email, email)
        qtbot.keyClicks(dialog.student_id, "42" + given)
        qtbot.keyClicks(dialog.commitment, "Listen more.")
        dialog.may_contact.setChecked(True)
        QTest.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Save and add another
        assert dialog.isVisible()
        for edit in (dialog.given, dialog.family, dialog.email, dialog.student_id):
            assert edit.text() == ""
        assert dialog.commitment.toPlainText() == ""
        assert not dialog.may_contact.isChecked() and not dialog.may_publish.isChecked()
        assert dialog.given.hasFocus() or not dialog.isActiveWindow()
        assert dialog.event_combo.currentData() == event.id and dialog.signed_at.dateTime() == when
    assert len(dialog.outcomes) == 2 and all(o.new_pledge for o in dialog.outcomes)
    assert "Saved sheet 2: Recorded the pledge of Kwame Mensah." in dialog.last.text()
    assert len(browse.pledge_ids(ctx.db, ctx.chapter_id, browse.PledgeQuery(event_id=event.id))) == 2


def test_link_a_pledge_to_an_existing_person(empty_page, ctx, qtbot):
    page = empty_page
    jose = people.create_person(ctx.db, ctx.chapter_id, PersonData(given_names="José", family_names="Núñez",
                                                                   email="jose@unam.mx"))
    sheet = _sign(ctx, "Jose", "Nunes", "jnunes@gmail.com")
    ctx.changed("pledges")
    _wait(qtbot, page)
    page.table.selectRow(0)
    assert page.link_button.isEnabled()

    def choose(dialog):
        assert "Jose Nunes" in dialog.current_name
        assert not dialog.move_button.isEnabled()
        qtbot.keyClicks(dialog.picker, "jose@un")
        assert dialog.picker.choose_first()
        assert dialog.move_button.isEnabled()
        return dialog.save()

    page.run_dialog = choose
    page.link_button.click()
    assert pledges.get_pledge(ctx.db, sheet.pledge_id).person_id == jose.id
    with pytest.raises(Exception, match="no person"):
        people.get_person(ctx.db, sheet.person_id)
    _wait(qtbot, page)
    assert page.model.index(0, 1).data() == "José Núñez"
    assert page.selected_ids() == [sheet.pledge_id]


def test_linking_to_someone_who_pledged_is_refused(ctx, qtbot):
    from ui.pledges.dialog import LinkPersonDialog

    ana = _sign(ctx, "Ana", "Pérez", "ana@x.org")
    other = _sign(ctx, "Ana", "Perez", "ana.perez@x.org")
    dialog = LinkPersonDialog(ctx, other.pledge_id)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.picker, "ana@x")
    assert dialog.picker.choose_first()
    assert dialog.save() is False
    assert not dialog.error.isHidden() and "already pledged" in dialog.error.text()
    assert pledges.get_pledge(ctx.db, other.pledge_id).person_id == other.person_id
    assert ana.person_id != other.person_id


def test_enter_shows_the_details(page, demo_ctx, qtbot):
    page.table.setFocus()
    page.table.selectRow(0)
    shown = []
    page.run_dialog = lambda dialog: shown.append(dialog) or False
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    [dialog] = shown
    view = pledges.get_pledge(demo_ctx.db, page.model.id_at(0))
    assert dialog.view == view
    assert dialog.values["consent_version"].text() == f"version {view.consent_version}"
    assert dialog.values["may_contact"].text() == ("Yes" if view.may_contact else "No")
    assert "where it was signed" in dialog.values["signed_at"].text()


def test_delete_with_confirmation_and_undo(page, demo_ctx, qtbot):
    page.table.selectRow(0)
    gone = page.model.id_at(0)
    name = page.model.row_at(0).display_name
    asked = []
    page.confirm = lambda title, text: asked.append(text) or True
    QTest.keyClick(page.table, Qt.Key.Key_Delete)  # a job on the worker pool
    assert name in asked[0]
    qtbot.waitUntil(lambda: demo_ctx.undo_text() is not None, timeout=10_000)
    _wait(qtbot, page)
    assert page.model.rowCount() == 599 and gone not in page.model.ids()
    with pytest.raises(Exception, match="no pledge"):
        pledges.get_pledge(demo_ctx.db, gone)
    assert demo_ctx.undo()
    _wait(qtbot, page)
    assert page.model.rowCount() == 600 and page.model.id_at(0) == gone


def test_ctrl_n_in_the_window_opens_the_sheet_dialog(window, qtbot):
    page = window.show_page("pledges")
    _wait(qtbot, page)
    opened = []
    page.run_dialog = lambda dialog: opened.append(dialog) or False
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(opened) == 1 and opened[0].windowTitle() == "Add a pledge from a paper sheet"
    assert page.supports("new") and page.supports("find") and page.supports("delete")
    assert set(page.watches) == {"pledges", "people", "events"}


def test_enter_in_the_link_dialog_picks_then_moves(ctx, qtbot):
    from ui.pledges.dialog import LinkPersonDialog

    target = people.create_person(ctx.db, ctx.chapter_id, PersonData(given_names="Kwame", family_names="Mensah",
                                                                     email="kwame@x.org"))
    sheet = _sign(ctx, "Kwame", "A.", "kwame.a@x.org")
    dialog = LinkPersonDialog(ctx, sheet.pledge_id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.picker.setFocus()
    qtbot.keyClicks(dialog.picker, "mensah")
    QTest.keyClick(dialog.picker, Qt.Key.Key_Return)  # takes the only suggestion…
    assert dialog.picker.chosen_id == target.id and dialog.outcome is None  # …and moves nothing yet
    assert dialog.move_button.hasFocus() or not dialog.isActiveWindow()
    dialog.move_button.setFocus()
    QTest.keyClick(dialog.move_button, Qt.Key.Key_Return)
    assert dialog.outcome is not None and dialog.outcome.previous_person_removed
    assert "now belongs to Kwame" in dialog.message


def test_a_sheet_with_someones_email_under_another_name_says_it_was_kept_apart(ctx, qtbot):
    from ui.pledges.dialog import PledgeDialog

    first = _sign(ctx, "Lan", "Nguyễn", "lan@x.org")
    dialog = PledgeDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.given.setText("Pepe")
    dialog.family.setText("Grillo")
    qtbot.keyClicks(dialog.email, "LAN@x.org")
    outcome = dialog.save()
    assert outcome is not None and outcome.kept_apart and outcome.person_id != first.person_id
    assert "kept apart" in dialog.messages[-1] and "Review likely matches" in dialog.messages[-1]
    assert people.get_person(ctx.db, first.person_id).given_names == "Lan"
    # Lan herself, with a student id she had not given: hers, and the id waits for review.
    dialog.given.setText("Lan")
    dialog.family.setText("Nguyen")
    dialog.email.setText("lan@x.org")
    dialog.student_id.setText("2026")
    outcome = dialog.save()
    assert outcome is not None and outcome.person_id == first.person_id and outcome.details_offered
    assert "wait in File" in dialog.messages[-1]
    assert people.get_person(ctx.db, first.person_id).student_id is None


def test_this_term_is_the_latest_started_of_overlapping_terms(empty_page, ctx, qtbot):
    from chapter_manager.services.chapters import add_term

    today = dt.datetime.now(ZoneInfo(empty_page._zone)).date()
    add_term(ctx.db, ctx.chapter_id, "Academic year", today - dt.timedelta(days=200), today + dt.timedelta(days=100))
    add_term(ctx.db, ctx.chapter_id, "Spring", today - dt.timedelta(days=20), today + dt.timedelta(days=40))
    empty_page.refresh()
    _wait(qtbot, empty_page)
    index = empty_page.period.findData("term")
    assert index >= 0 and "Spring" in empty_page.period.itemText(index)
