"""The Members screen and the person editor, driven as a user would (real SQLite, no mocks)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMenu

from chapter_manager.models import Affiliation, MembershipStatus, OfficerRole
from chapter_manager.services import browse, members, people
from chapter_manager.services.people import PersonData

# ----------------------------------------------------------------------------- helpers


def add_person(ctx, given, family, *, status=MembershipStatus.ACTIVE, email=None, student_id=None,
               affiliation=Affiliation.STUDENT, programme="", joined=None):
    view = people.create_person(ctx.db, ctx.chapter_id, PersonData(
        given_names=given, family_names=family, email=email, student_id=student_id,
        affiliation=affiliation, programme=programme))
    if status is not None:
        members.set_membership(ctx.db, view.id, status, joined)
    return view.id


@pytest.fixture
def crowd(ctx):
    """A few people with accents, statuses, affiliations, an officer and a non-member."""
    ids = {
        "nunez": add_person(ctx, "José", "Núñez", email="jose@example.org", programme="Derecho",
                            joined=dt.date(2024, 2, 1)),
        "lopez": add_person(ctx, "Ana", "López", email="ana@example.org", programme="Biología",
                            status=MembershipStatus.INACTIVE, joined=dt.date(2023, 9, 1)),
        "zed": add_person(ctx, "Zoë", "Adams", email="zoe@example.org", affiliation=Affiliation.STAFF,
                          programme="", joined=dt.date(2025, 1, 15)),
        "wang": add_person(ctx, "Fang", "Wang", email="b.wang@example.org", programme="Física",
                           status=MembershipStatus.PROSPECTIVE),
        "pledger": add_person(ctx, "Pedro", "Nunes", email="pedro@example.org", status=None),
    }
    members.add_officer_term(ctx.db, ids["lopez"], OfficerRole.TREASURER, dt.date(2024, 1, 1))
    return ids


def make_page(ctx, qtbot):
    from ui.members.page import MembersPage

    page = MembersPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activated()
    wait_loaded(qtbot, page)
    # and the search warm-up started on first showing, so no test leaves it running
    from ui.frame import tasks

    qtbot.waitUntil(lambda: not tasks.running_tasks(), timeout=10_000)
    return page


def wait_loaded(qtbot, page):
    qtbot.waitUntil(lambda: not page._refresh_pending and not page.model.loading, timeout=10_000)


def names(page):
    return [page.model.data(page.model.index(r, 0)) for r in range(page.model.rowCount())]


def column_texts(page, key):
    col = [c.key for c in page.model.columns].index(key)
    return [page.model.data(page.model.index(r, col)) for r in range(page.model.rowCount())]


def select_rows(page, rows):
    model = page.model
    selection = QItemSelection()
    for row in rows:
        selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
    chosen = page.table.selectionModel()
    chosen.setCurrentIndex(model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    chosen.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def row_of_name(page, name):
    return names(page).index(name)


# ----------------------------------------------------------------------------- the model


def test_people_model_passes_the_model_tester(demo_ctx, qtmodeltester):
    from ui.members.page import PeopleModel

    model = PeopleModel(demo_ctx)
    model.members_only = False
    model.reload()
    assert model.rowCount() >= 200
    qtmodeltester.check(model)
    model.search = "mar"
    model.reload()
    qtmodeltester.check(model)


def test_the_model_pages_rows_by_id(demo_ctx):
    from ui.members.page import PeopleModel

    model = PeopleModel(demo_ctx)
    model.reload()
    ids = list(model.ids())
    row = model.row_at(5)
    assert row is not None and row.id == ids[5]
    rows = browse.person_rows(demo_ctx.db, ids[:3])
    assert model.data(model.index(0, 0)) == rows[ids[0]].display_name


# ----------------------------------------------------------------------------- the screen


def test_lists_members_by_name_with_a_count(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    # Members only by default: the pledger who is not a member is not listed.
    assert names(page) == ["Zoë Adams", "Ana López", "José Núñez", "Fang Wang"]
    assert page.count_label.text() == "4 people"
    assert column_texts(page, "status")[1] == MembershipStatus.INACTIVE.label
    assert column_texts(page, "role")[1] == OfficerRole.TREASURER.label
    assert column_texts(page, "affiliation")[0] == Affiliation.STAFF.label
    page.members_only.setChecked(False)
    wait_loaded(qtbot, page)
    assert "Pedro Nunes" in names(page)
    assert page.count_label.text() == "5 people"


def test_typing_in_search_narrows_accent_and_case_insensitively(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    qtbot.keyClicks(page.search, "nunez")
    wait_loaded(qtbot, page)
    assert names(page) == ["José Núñez"]
    assert page.count_label.text() == "1 person"
    assert page.model.query().order == "relevance"
    # Everyone the chapter knows: the pledger Nunes matches "nune" too.
    page.members_only.setChecked(False)
    wait_loaded(qtbot, page)
    QTest.keyClick(page.search, Qt.Key.Key_Backspace)  # "nune"
    wait_loaded(qtbot, page)
    assert set(names(page)) == {"José Núñez", "Pedro Nunes"}
    page.search.clear()
    wait_loaded(qtbot, page)
    assert page.model.query().order == "name"
    assert len(names(page)) == 5


def test_a_search_that_may_leave_matches_out_says_so(ctx, crowd, qtbot, monkeypatch):
    monkeypatch.setattr(browse, "SEARCH_LIMIT", 3)
    page = make_page(ctx, qtbot)
    page.members_only.setChecked(False)
    wait_loaded(qtbot, page)
    qtbot.keyClicks(page.search, "e")  # José, Zoë, Pedro Nunes, b.wang@example.org...
    wait_loaded(qtbot, page)
    assert page.model.rowCount() == 3
    assert page.count_label.text() == "3 best matches — type more to narrow"
    # With "Members only" the best 3 among everyone are filtered: maybe not all the members.
    page.members_only.setChecked(True)
    wait_loaded(qtbot, page)
    assert "best match" in page.count_label.text()
    page.search.setText("zoe")
    wait_loaded(qtbot, page)
    assert names(page) == ["Zoë Adams"] and page.count_label.text() == "1 person"


def test_a_filtered_search_among_many_matches_says_it_shows_the_best(ctx, crowd, qtbot, monkeypatch):
    # The ranking looks at CANDIDATES full-text matches; with more matches than that, a
    # filtered list ("Members only") may miss some members: the count must not claim a total.
    from chapter_manager.storage import search

    monkeypatch.setattr(search, "CANDIDATES", 2)
    monkeypatch.setattr(browse, "CANDIDATES", 2)
    page = make_page(ctx, qtbot)
    qtbot.keyClicks(page.search, "example")  # every email
    wait_loaded(qtbot, page)
    assert 0 < page.model.rowCount() <= 2
    assert "best match" in page.count_label.text()
    page.search.setText("zoe")
    wait_loaded(qtbot, page)
    assert page.count_label.text() == "1 person"


def test_nobody_matches_says_so_in_the_table_area(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    qtbot.keyClicks(page.search, "qqqq")
    wait_loaded(qtbot, page)
    assert page.stack.currentWidget() is page.empty_page
    assert "qqqq" in page.empty.text()
    page.search.clear()
    wait_loaded(qtbot, page)
    assert page.stack.currentWidget() is page.table


def click_header(page, qtbot, key):
    header = page.table.horizontalHeader()
    col = [c.key for c in page.model.columns].index(key)
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    wait_loaded(qtbot, page)


def test_clicking_a_header_sorts_in_sql(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    click_header(page, qtbot, "email")
    assert column_texts(page, "email")[0] == "ana@example.org"
    assert page.model.order == "email" and not page.model.descending
    click_header(page, qtbot, "email")
    assert column_texts(page, "email")[0] == "zoe@example.org"
    click_header(page, qtbot, "joined")
    assert names(page)[0] == "Ana López"  # joined 2023, the earliest
    click_header(page, qtbot, "role")  # not sortable: nothing changes
    assert page.model.order == "joined"
    joined = [c.key for c in page.model.columns].index("joined")
    qtbot.waitUntil(lambda: page.table.horizontalHeader().sortIndicatorSection() == joined)
    # A clicked order wins over relevance while searching, and stays when the search is cleared.
    qtbot.keyClicks(page.search, "a")
    wait_loaded(qtbot, page)
    assert page.model.query().order == "joined"
    page.search.clear()
    wait_loaded(qtbot, page)
    assert page.model.order == "joined"


def test_sorting_from_the_keyboard(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    owner = QMenu(page)
    titles = [a.text() for a in page._sort_menu(owner).actions()]
    assert "Role" not in titles and titles[0] == "Name"
    page.sort_by([c.key for c in page.model.columns].index("programme"))
    wait_loaded(qtbot, page)
    assert column_texts(page, "programme")[:3] == ["Biología", "Derecho", "Física"]
    page.sort_by([c.key for c in page.model.columns].index("programme"))  # again: reversed
    wait_loaded(qtbot, page)
    assert column_texts(page, "programme")[0] == "Física"
    assert column_texts(page, "programme")[-1] == ""  # empty ones last either way


def test_search_without_a_clicked_header_shows_best_matches_first(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    qtbot.keyClicks(page.search, "wa")
    wait_loaded(qtbot, page)
    assert names(page)[0] == "Fang Wang"
    assert page.table.horizontalHeader().sortIndicatorSection() == -1
    page.search.clear()
    wait_loaded(qtbot, page)
    assert page.table.horizontalHeader().sortIndicatorSection() == 0


def test_filters(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    page.status_filter.setCurrentIndex(page.status_filter.findData(MembershipStatus.INACTIVE.value))
    wait_loaded(qtbot, page)
    assert names(page) == ["Ana López"]
    assert not page.members_only.isEnabled()
    page.status_filter.setCurrentIndex(page.status_filter.findData("-"))
    wait_loaded(qtbot, page)
    assert names(page) == ["Pedro Nunes"]
    page.status_filter.setCurrentIndex(0)
    wait_loaded(qtbot, page)
    assert page.members_only.isEnabled()
    assert len(names(page)) == 4
    page.affiliation_filter.set_value(Affiliation.STAFF)
    wait_loaded(qtbot, page)
    assert names(page) == ["Zoë Adams"]
    page.affiliation_filter.set_value(None)
    page.officers_only.setChecked(True)
    wait_loaded(qtbot, page)
    assert names(page) == ["Ana López"]


def test_empty_chapter_says_how_to_add_someone(ctx, qtbot):
    page = make_page(ctx, qtbot)
    assert page.stack.currentWidget() is page.empty_page
    assert "Ctrl+N" in page.empty.text()
    assert page.empty_button.isVisible()
    page.empty_button.click()
    assert page.editor is not None and page.editor.person_id is None
    page.editor.reject()


# ----------------------------------------------------------------------------- the editor


def test_create_a_person_bad_email_shown_next_to_the_field_then_fixed(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    page.new_item()
    dialog = page.editor
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.given_names, "Maria")  # QTest types ASCII only
    dialog.family_names.setText("Ñandú")
    qtbot.keyClicks(dialog.email, "maria@")
    dialog.gender.setEditText(dialog.tr("Prefer not to say"))
    assert dialog.save() is False
    assert dialog.isVisible()
    assert "not a valid email" in dialog.error_text("email")
    assert dialog.right.messages["email"].isVisible()
    assert dialog.error_text("given_names") == ""
    dialog.email.setText("maria@example.org")
    QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.editor is None)
    assert dialog.result() == QDialog.DialogCode.Accepted
    wait_loaded(qtbot, page)
    assert "Maria Ñandú" in names(page)
    assert page.current_id() == dialog.person_id
    saved = people.get_person(ctx.db, dialog.person_id)
    assert saved.gender == "prefer not to say"
    assert members.get_membership(ctx.db, saved.id).status is MembershipStatus.ACTIVE


def test_duplicate_student_id_is_shown_under_the_student_id(ctx, crowd, qtbot):
    people.create_person(ctx.db, ctx.chapter_id, PersonData(given_names="Beatriz", family_names="Ruiz",
                                                            email="beatriz.ruiz@example.org", student_id="4242"))
    page = make_page(ctx, qtbot)
    page.new_item()
    dialog = page.editor
    dialog.given_names.setText("Otra")
    dialog.email.setText("otra@example.org")
    dialog.student_id.setText("4242")
    assert dialog.save() is False
    assert "Beatriz Ruiz" in dialog.error_text("student_id")
    assert dialog.error_text("email") == ""
    assert "Beatriz Ruiz" in dialog.open_existing_button.text()
    dialog.reject()


def test_a_name_is_required(ctx, qtbot):
    from ui.members.person_editor import PersonDialog

    dialog = PersonDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.save() is False
    assert "given name" in dialog.error_text("given_names").lower()


def test_duplicate_email_says_who_has_it_and_offers_to_open_them(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    page.new_item()
    dialog = page.editor
    dialog.given_names.setText("Otro")
    dialog.email.setText("JOSE@example.org")
    assert dialog.save() is False
    assert "José Núñez" in dialog.error_text("email")
    assert dialog.open_existing_button.isVisible()
    assert "José Núñez" in dialog.open_existing_button.text()
    dialog.open_existing_button.click()
    qtbot.waitUntil(lambda: page.editor is not None and page.editor is not dialog, timeout=5000)
    assert page.editor.person_id == crowd["nunez"]
    assert page.editor.given_names.text() == "José"
    page.editor.reject()


def test_editing_keeps_the_membership_and_changes_the_status(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    select_rows(page, [row_of_name(page, "Fang Wang")])
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.editor
    assert dialog is not None and dialog.person_id == crowd["wang"]
    assert dialog.email.text() == "b.wang@example.org"
    dialog.status.set_value(MembershipStatus.ACTIVE)
    dialog.programme.setText("Física Médica")
    assert dialog.save()
    wait_loaded(qtbot, page)
    row = names(page).index("Fang Wang")
    assert column_texts(page, "status")[row] == MembershipStatus.ACTIVE.label
    assert column_texts(page, "programme")[row] == "Física Médica"


def test_clearing_the_joining_date_in_the_editor(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    row = row_of_name(page, "José Núñez")
    assert column_texts(page, "joined")[row]
    dialog = page.open_person(crowd["nunez"])
    assert dialog.joined_on.value() == dt.date(2024, 2, 1)
    dialog.joined_on.check.click()  # untick "Known"
    assert dialog.joined_on.value() is None
    assert dialog.save()
    membership = members.get_membership(ctx.db, crowd["nunez"])
    assert (membership.status, membership.joined_on) == (MembershipStatus.ACTIVE, None)
    wait_loaded(qtbot, page)
    assert column_texts(page, "joined")[row_of_name(page, "José Núñez")] in ("", None)
    again = page.open_person(crowd["nunez"])
    assert not again.joined_on.check.isChecked() and again.joined_on.value() is None
    again.reject()


def test_officer_terms_add_and_end_stay_in_the_history(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    dialog = page.open_person(crowd["nunez"])
    dialog.tabs.setCurrentIndex(1)
    panel = dialog.terms
    assert panel.terms() == []
    term_dialog = panel.add_term()
    term_dialog.role.set_value(OfficerRole.CUSTOM)
    term_dialog.starts_on.setDate(term_dialog.starts_on.date().addDays(-30))
    assert term_dialog.save() is False  # an "other" role needs a title
    assert term_dialog.form.error_text("custom_title")
    term_dialog.custom_title.setText("Outreach coordinator")
    assert term_dialog.save()
    assert [t.title for t in panel.terms()] == ["Outreach coordinator"]
    assert panel.model.data(panel.model.index(0, 2)) == panel.tr("still in office")
    panel.select_term(panel.terms()[0].id)
    panel.end_today()
    term = panel.terms()[0]
    assert term.ends_on == dt.date.today()
    # A new term of another role: both show, the ended one too.
    second = panel.add_term()
    second.role.set_value(OfficerRole.PRESIDENT)
    assert second.save()
    assert sorted(t.title for t in panel.terms()) == ["Outreach coordinator", OfficerRole.PRESIDENT.label]
    dialog.reject()
    wait_loaded(qtbot, page)
    row = names(page).index("José Núñez")
    # A term ended today was still held today.
    assert column_texts(page, "role")[row] == OfficerRole.PRESIDENT.label + ", Outreach coordinator"


def test_officer_term_edit_and_remove(ctx, crowd, qtbot, monkeypatch):
    page = make_page(ctx, qtbot)
    dialog = page.open_person(crowd["lopez"])
    panel = dialog.terms
    (term,) = panel.terms()
    panel.select_term(term.id)
    editing = panel.edit_term()
    editing.ends_on.set_value(dt.date(2024, 12, 31))
    assert editing.save()
    assert panel.terms()[0].ends_on == dt.date(2024, 12, 31)
    panel.select_term(term.id)
    assert not panel.end_button.isEnabled()  # already ended
    asked = []
    monkeypatch.setattr(panel, "confirm", lambda title, text: asked.append(text) or True)
    panel.remove_term()
    assert asked and OfficerRole.TREASURER.label in asked[0]
    assert panel.terms() == []
    dialog.reject()


def test_add_term_on_a_new_person_saves_them_first_then_opens_the_term(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    dialog = page.open_person(None)
    qtbot.waitExposed(dialog)
    dialog.given_names.setText("Itzel")
    dialog.family_names.setText("Xóchitl Ramírez")
    dialog.email.setText("itzel@example.org")
    dialog.tabs.setCurrentWidget(dialog.terms)
    panel = dialog.terms
    assert panel.add_button.isEnabled() and "saves the person first" in panel.note.text()
    QTest.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    term_dialog = panel.term_dialog
    assert term_dialog is not None and term_dialog.isVisible()
    saved = people.get_person(ctx.db, dialog.person_id)  # the person exists now
    assert saved.display_name == "Itzel Xóchitl Ramírez" and saved.email == "itzel@example.org"
    assert members.get_membership(ctx.db, saved.id).status is MembershipStatus.ACTIVE
    assert dialog.windowTitle() == "Itzel Xóchitl Ramírez"
    assert dialog.tabs.currentWidget() is panel and dialog.isVisible()
    term_dialog.role.set_value(OfficerRole.SECRETARY)
    assert term_dialog.save()
    assert [t.title for t in panel.terms()] == [OfficerRole.SECRETARY.label]
    # A change after that and Save: the same person changed, not a second one.
    dialog.programme.setText("Antropología")
    assert dialog.save()
    wait_loaded(qtbot, page)
    assert names(page).count("Itzel Xóchitl Ramírez") == 1
    assert people.get_person(ctx.db, saved.id).programme == "Antropología"
    assert column_texts(page, "role")[row_of_name(page, "Itzel Xóchitl Ramírez")] == OfficerRole.SECRETARY.label


def test_add_term_on_a_new_person_with_problems_shows_them_and_opens_nothing(ctx, crowd, qtbot):
    from ui.members.person_editor import PersonDialog

    dialog = PersonDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.email.setText("itzel@")
    dialog.tabs.setCurrentWidget(dialog.terms)
    QTest.mouseClick(dialog.terms.add_button, Qt.MouseButton.LeftButton)
    assert dialog.terms.term_dialog is None and dialog.person_id is None
    assert dialog.tabs.currentIndex() == 0  # the Details tab, with its messages
    assert "given name" in dialog.error_text("given_names").lower()
    assert "not a valid email" in dialog.error_text("email")
    assert dialog.email.text() == "itzel@"  # what was typed stays
    # A duplicate email: told who has it, still nothing opened or created.
    dialog.given_names.setText("Otro")
    dialog.email.setText("jose@example.org")
    assert dialog.terms.add_term() is None
    assert "José Núñez" in dialog.error_text("email") and dialog.person_id is None
    assert len(people.list_people(ctx.db, ctx.chapter_id)) == len(crowd)


def test_cancel_after_add_term_keeps_the_saved_person_and_shows_them(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    dialog = page.open_person(None)
    dialog.given_names.setText("Itzel")
    term_dialog = dialog.terms.add_term()
    term_dialog.reject()
    person_id = dialog.person_id
    dialog.reject()
    qtbot.waitUntil(lambda: page.editor is None)
    wait_loaded(qtbot, page)
    assert "Itzel" in names(page) and page.current_id() == person_id
    assert dialog.terms.terms() == []


# ----------------------------------------------------------------------------- bulk and delete


def test_bulk_status_change_and_its_undo(ctx, crowd, qtbot, monkeypatch):
    page = make_page(ctx, qtbot)
    messages = []
    ctx.status_message.connect(messages.append)
    select_rows(page, [0, 1, 2])
    assert page.status_button.isEnabled()
    chosen = set(page.selected_ids())
    outsider = people.create_person(ctx.db, ctx.chapter_id, PersonData(given_names="Łukasz", family_names="Nowak")).id
    chosen.add(outsider)  # not a member: becomes one, and is not one again after undo
    before = {i: (m.status if (m := members.get_membership(ctx.db, i)) else None) for i in chosen}
    assert before[outsider] is None
    monkeypatch.setattr(page, "selected_ids", lambda: sorted(chosen))
    task = page.set_status(MembershipStatus.ALUMNI)
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    wait_loaded(qtbot, page)
    for person_id in chosen:
        assert members.get_membership(ctx.db, person_id).status is MembershipStatus.ALUMNI
    assert messages[-1] == f"4 people set to {MembershipStatus.ALUMNI.label}. Edit ▸ Undo takes it back."
    assert ctx.undo_text() == "status change of 4 people"
    ctx.undo()
    after = {i: (m.status if (m := members.get_membership(ctx.db, i)) else None) for i in chosen}
    assert after == before


def test_bulk_status_menu_lists_every_status(ctx, crowd, qtbot):
    page = make_page(ctx, qtbot)
    labels = [a.text() for a in page.status_menu.actions()]
    assert labels == [s.label for s in MembershipStatus]


def test_delete_asks_then_undo_brings_the_person_back_with_the_same_id(ctx, crowd, qtbot, monkeypatch):
    page = make_page(ctx, qtbot)
    asked = []
    monkeypatch.setattr(page, "confirm", lambda title, text: asked.append(text) or True)
    select_rows(page, [row_of_name(page, "Ana López")])
    task = page.delete_selected()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    wait_loaded(qtbot, page)
    assert "Ana López" in asked[0] and "pledges" in asked[0]
    assert "Ana López" not in names(page)
    assert ctx.undo_text() == "delete of Ana López"
    ctx.undo()
    qtbot.waitUntil(lambda: "Ana López" in names(page), timeout=10_000)
    assert crowd["lopez"] in list(page.model.ids())
    assert people.get_person(ctx.db, crowd["lopez"]).display_name == "Ana López"


def test_delete_of_several_names_the_count_and_cancel_keeps_them(ctx, crowd, qtbot, monkeypatch):
    page = make_page(ctx, qtbot)
    asked = []
    monkeypatch.setattr(page, "confirm", lambda title, text: asked.append(text) or False)
    select_rows(page, [0, 1, 2])
    assert page.delete_selected() is None
    assert asked[0].startswith("Delete 3 people?")
    assert len(names(page)) == 4


# ----------------------------------------------------------------------------- keyboard, window


def show_members(window, qtbot):
    page = window.show_page("members")
    wait_loaded(qtbot, page)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return page


def test_ctrl_f_focuses_search_and_enter_goes_to_the_table(ctx, crowd, window, qtbot):
    page = show_members(window, qtbot)
    assert window.find_action.isEnabled() and window.new_action.isEnabled() and window.delete_action.isEnabled()
    page.table.setFocus()
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.search.hasFocus())
    qtbot.keyClicks(page.search, "wang")
    wait_loaded(qtbot, page)
    QTest.keyClick(page.search, Qt.Key.Key_Return)
    assert page.table.hasFocus()
    assert page.current_id() == crowd["wang"]
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    assert page.editor is not None and page.editor.person_id == crowd["wang"]
    QTest.keyClick(page.editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.editor is None)


def test_ctrl_n_opens_a_new_person(ctx, crowd, window, qtbot):
    page = show_members(window, qtbot)
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.editor is not None)
    assert page.editor.person_id is None
    page.editor.reject()


def test_delete_key_and_edit_undo(ctx, crowd, window, qtbot, monkeypatch):
    page = show_members(window, qtbot)
    monkeypatch.setattr(page, "confirm", lambda title, text: True)
    select_rows(page, [row_of_name(page, "Zoë Adams")])
    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "Zoë Adams" not in names(page), timeout=10_000)
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: "Zoë Adams" in names(page), timeout=10_000)
    assert crowd["zed"] in list(page.model.ids())


def test_every_control_has_an_accessible_name(ctx, crowd, qtbot):
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QTableView

    page = make_page(ctx, qtbot)
    dialog = page.open_person(crowd["nunez"])
    for root in (page, dialog):
        for kind in (QLineEdit, QComboBox, QTableView, QAbstractButton):
            for widget in root.findChildren(kind):
                if widget.parent() is not None and isinstance(widget.parent(), QComboBox):
                    continue  # a combo box's own line edit
                if widget.objectName().startswith("qt_"):
                    continue  # Qt's own parts (a table's corner button, a spin box's line edit)
                name = widget.accessibleName() or (widget.text() if hasattr(widget, "text") else "")
                assert name, f"{type(widget).__name__} {widget.objectName()} in {type(widget.parent()).__name__} {widget.parent().objectName()} has no accessible name"
    dialog.reject()
