"""An open window follows changes made elsewhere (another handle on the file, the command
line), keeping the selection, the scroll position and what was typed; real files."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QItemSelectionModel

from chapter_manager.models import MembershipStatus
from chapter_manager.services import members, people
from chapter_manager.services.people import PersonData
from chapter_manager.storage import open_database

NOTICE_MS = 2000  # the promise: a change made elsewhere shows within about two seconds


@pytest.fixture
def other(db):
    """Someone else on the same file."""
    handle = open_database(db.path)
    yield handle
    handle.close()


def add_member(db, chapter_id, given, family):
    view = people.create_person(db, chapter_id, PersonData(given_names=given, family_names=family))
    members.set_membership(db, view.id, MembershipStatus.ACTIVE)
    return view.id


@pytest.fixture
def demo_window(demo_ctx, qtbot):
    from ui.frame.main_window import MainWindow

    win = MainWindow(demo_ctx, demo_ctx.settings)
    qtbot.addWidget(win)
    win.resize(1180, 760)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def members_page(win, qtbot):
    page = win.show_page("members")
    qtbot.waitUntil(lambda: not page.model.loading and page.model.rowCount() > 0)
    return page


def select_rows(page, rows):
    selection = page.table.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(page.model.index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    selection.setCurrentIndex(page.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)


def test_members_page_shows_a_person_added_elsewhere_keeping_selection_and_scroll(demo_window, other, qtbot):
    page = members_page(demo_window, qtbot)
    table = page.table
    table.verticalScrollBar().setValue(60)
    select_rows(page, [64, 65, 70])
    chosen = page.selected_ids()
    top = page.model.id_at(table.rowAt(0))
    current = page.current_id()
    before = page.model.rowCount()

    began = time.monotonic()
    # "Aaron Aardvark" sorts first: the rows shown move down one unless the view follows them
    new_id = add_member(other, demo_window.ctx.chapter_id, "Aaron", "Aardvark")
    qtbot.waitUntil(lambda: new_id in page.model.ids() and not page.model.loading, timeout=NOTICE_MS)
    assert time.monotonic() - began < NOTICE_MS / 1000

    assert page.model.rowCount() == before + 1
    assert page.model.row_of(new_id) == 0
    assert page.selected_ids() == chosen
    assert page.current_id() == current
    assert page.model.id_at(table.rowAt(0)) == top  # the same person at the top of the view


def test_a_change_by_the_command_line_shows(demo_window, qtbot, tmp_path, capsys):
    from chapter_manager import cli

    page = members_page(demo_window, qtbot)
    page.search.setText("Quetzal")  # a half-typed search stays as it is
    qtbot.waitUntil(lambda: not page.model.loading)
    assert page.model.rowCount() == 0
    sheet = tmp_path / "members.csv"
    sheet.write_text("Given names,Family names,Email,Status\nLuz,Quetzal,luz@example.org,active\n",
                     encoding="utf-8")
    assert cli.main(["--db", str(demo_window.ctx.db.path), "import", "members", str(sheet)]) == 0
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=NOTICE_MS)
    assert page.search.text() == "Quetzal"


def test_own_changes_are_not_reloaded_again(demo_window, qtbot):
    page = members_page(demo_window, qtbot)
    ctx = demo_window.ctx
    reloads = []
    page.model.modelReset.connect(lambda: reloads.append(1))
    seen = []
    ctx.data_changed.connect(lambda kind: seen.append((kind, ctx.from_elsewhere)))
    add_member(ctx.db, ctx.chapter_id, "Aaron", "Aardvark")
    ctx.changed("people")
    qtbot.waitUntil(lambda: len(reloads) == 1)
    qtbot.wait(3 * ctx.POLL_MS)
    assert ctx.check_elsewhere() == frozenset()
    assert reloads == [1]
    assert seen == [("people", False)]


def test_a_hidden_page_reloads_when_shown(demo_window, other, qtbot):
    page = members_page(demo_window, qtbot)
    demo_window.show_page("forums")
    reloads = []
    page.model.modelReset.connect(lambda: reloads.append(1))
    new_id = add_member(other, demo_window.ctx.chapter_id, "Aaron", "Aardvark")
    assert "people" in demo_window.ctx.check_elsewhere()
    qtbot.wait(50)
    assert reloads == []  # hidden: costs nothing
    demo_window.show_page("members")
    qtbot.waitUntil(lambda: new_id in page.model.ids(), timeout=NOTICE_MS)


def test_the_chapter_list_follows_a_chapter_added_elsewhere(window, other, qtbot):
    from chapter_manager.services.chapters import ChapterData, create_chapter

    create_chapter(other, ChapterData(name="HeForShe Sciences Po", university="Sciences Po", city="Paris",
                                      country="FR", timezone="Europe/Paris"))
    qtbot.waitUntil(lambda: window.chapter_combo.count() == 2, timeout=NOTICE_MS)


def test_an_event_page_follows_a_check_in_elsewhere_keeping_what_is_typed(demo_window, other, qtbot):
    from chapter_manager.services import events
    from chapter_manager.services.browse import PeopleQuery, person_ids

    ctx = demo_window.ctx
    page = demo_window.show_page("events")
    event = events.list_events(ctx.db, ctx.chapter_id)[0]
    page.open_event(event.id)
    detail = page.detail
    came = {a.person_id for a in events.list_attendance(ctx.db, event.id)}
    newcomer = next(i for i in person_ids(ctx.db, ctx.chapter_id, PeopleQuery()) if i not in came)
    detail.walk_given.edit.setText("Half")  # a walk-in being typed
    detail.headcount.setValue(321)  # a headcount typed, not saved
    if detail.attendees_model.rowCount():
        detail.attendees.selectRow(0)
    selected = [detail.attendees_model.id_at(i.row()) for i in detail.attendees.selectionModel().selectedRows()]
    before = detail.attendees_model.rowCount()

    events.check_in(other, event.id, newcomer)
    qtbot.waitUntil(lambda: detail.attendees_model.rowCount() == before + 1, timeout=NOTICE_MS)
    assert detail.walk_given.edit.text() == "Half"
    assert detail.headcount.value() == 321
    assert [detail.attendees_model.id_at(i.row())
            for i in detail.attendees.selectionModel().selectedRows()] == selected


def test_pledges_page_keeps_its_selection_and_filters(demo_window, other, qtbot):
    from chapter_manager.services.pledges import PledgeData, sign_up

    ctx = demo_window.ctx
    page = demo_window.show_page("pledges")
    qtbot.waitUntil(lambda: not page.loading and page.model.rowCount() > 100)
    page.table.verticalScrollBar().setValue(40)
    selection = page.table.selectionModel()
    for row in (45, 47):
        selection.select(page.model.index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    chosen = page.selected_ids()
    top = page.model.id_at(page.table.rowAt(0))
    before = page.model.rowCount()

    sign_up(other, ctx.chapter_id, PersonData(given_names="Nadia", family_names="Okafor",
                                              email="nadia@example.org"), PledgeData())
    qtbot.waitUntil(lambda: not page.loading and page.model.rowCount() == before + 1, timeout=NOTICE_MS)
    assert page.selected_ids() == chosen
    assert page.model.id_at(page.table.rowAt(0)) == top


def test_the_dashboard_follows_a_pledge_made_elsewhere_in_place(demo_window, other, qtbot):
    from chapter_manager.services.pledges import PledgeData, sign_up

    page = demo_window.show_page("dashboard")
    qtbot.waitUntil(lambda: page.data is not None and not page.status.isVisible())
    before = page.data.pledges_total
    shown = []
    original = page.status.show
    page.status.show = lambda: (shown.append(1), original())  # type: ignore[method-assign]
    sign_up(other, demo_window.ctx.chapter_id, PersonData(given_names="Nadia", family_names="Okafor",
                                                          email="nadia@example.org"), PledgeData())
    qtbot.waitUntil(lambda: page.data.pledges_total == before + 1, timeout=NOTICE_MS)
    assert shown == []  # no "Loading…" flashing while the numbers change in place
