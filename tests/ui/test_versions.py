"""Editors and the version rule: the conflict dialog (keep mine, take theirs, per field)
and the banner a form shows as soon as its record is saved elsewhere.

"Elsewhere" is a second ``Database`` on the same file, as a second window or the
command line would be.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from chapter_manager.services import chapters, events, forums, goals, members, people
from chapter_manager.storage import open_database
from ui.widgets.conflict_dialog import ConflictDialog


@pytest.fixture
def other(db):
    """Another window's handle on the same database file."""
    second = open_database(db.path)
    yield second
    second.close()


@pytest.fixture
def ana(ctx):
    view = people.create_person(ctx.db, ctx.chapter_id, people.PersonData(
        given_names="Ana", family_names="Pérez", student_id="001", email="ana@example.org"))
    members.set_membership(ctx.db, view.id, "active", joined_on=dt.date(2025, 9, 1))
    return view


def save_elsewhere(db, person_id, **changes):
    data = dataclasses.replace(people.person_data(people.get_person(db, person_id)), **changes)
    return people.update_person(db, person_id, data)


def answer(qtbot, button, theirs=(), guard=None):
    """An ``ask`` for the guard: the real dialog, answered by clicking like a person."""
    seen = []

    def ask(error):
        dialog = guard.dialog(error) if guard is not None else ConflictDialog(error)
        if guard is None:
            qtbot.addWidget(dialog)
        seen.append(dialog)
        for name in theirs:
            dialog.theirs_buttons[name].click()
        getattr(dialog, button).click()
        return dialog.keep_mine_fields() if dialog.result() == QDialog.DialogCode.Accepted else None

    ask.seen = seen  # type: ignore[attr-defined]
    return ask


def open_person(ctx, qtbot, person_id):
    from ui.members.person_editor import PersonDialog

    dialog = PersonDialog(ctx, person_id)
    qtbot.addWidget(dialog)
    return dialog


def test_keep_mine(ctx, qtbot, ana, other):
    dialog = open_person(ctx, qtbot, ana.id)
    save_elsewhere(other, ana.id, family_names="Pérez López", student_id="002", department="Física")
    dialog.family_names.setText("Perez")
    dialog.student_id.setText("003")
    dialog.notes.setPlainText("called her")
    dialog.guard.ask = ask = answer(qtbot, "keep_mine_button")
    assert dialog.save()
    shown = ask.seen[0]
    assert [f.name for f in shown.error.fields] == ["family_names", "student_id"]
    assert "Faculty or department" in shown.others.text() and "Notes" in shown.others.text()
    saved = people.get_person(other, ana.id)
    assert (saved.family_names, saved.student_id, saved.department, saved.notes) == (
        "Perez", "003", "Física", "called her")


def test_take_theirs(ctx, qtbot, ana, other):
    dialog = open_person(ctx, qtbot, ana.id)
    save_elsewhere(other, ana.id, family_names="Pérez López", student_id="002")
    dialog.family_names.setText("Perez")
    dialog.notes.setPlainText("called her")
    dialog.guard.ask = answer(qtbot, "take_theirs_button")
    assert dialog.save()
    saved = people.get_person(other, ana.id)
    assert (saved.family_names, saved.student_id, saved.notes) == ("Pérez López", "002", "called her")


def test_choose_per_field(ctx, qtbot, ana, other):
    dialog = open_person(ctx, qtbot, ana.id)
    save_elsewhere(other, ana.id, family_names="Pérez López", student_id="002")
    dialog.family_names.setText("Perez")
    dialog.student_id.setText("003")
    dialog.guard.ask = answer(qtbot, "save_choices_button", theirs=["family_names"])
    assert dialog.save()
    saved = people.get_person(other, ana.id)
    assert (saved.family_names, saved.student_id) == ("Pérez López", "003")


def test_cancelling_the_comparison_saves_nothing_and_keeps_the_form(ctx, qtbot, ana, other):
    dialog = open_person(ctx, qtbot, ana.id)
    save_elsewhere(other, ana.id, family_names="Pérez López")
    dialog.family_names.setText("Perez")
    dialog.guard.ask = answer(qtbot, "cancel_button")
    assert not dialog.save()
    assert people.get_person(other, ana.id).family_names == "Pérez López"
    assert dialog.family_names.text() == "Perez"


def test_a_field_only_i_changed_is_saved_without_asking(ctx, qtbot, ana, other):
    dialog = open_person(ctx, qtbot, ana.id)
    save_elsewhere(other, ana.id, family_names="Pérez López", student_id="002")
    dialog.notes.setPlainText("called her")
    dialog.guard.ask = ask = answer(qtbot, "cancel_button")
    assert dialog.save()
    assert not ask.seen  # nothing to ask
    saved = people.get_person(other, ana.id)
    assert (saved.family_names, saved.student_id, saved.notes) == ("Pérez López", "002", "called her")


def test_the_real_dialog_is_modal_and_answers(ctx, qtbot, ana, other):
    dialog = open_person(ctx, qtbot, ana.id)
    save_elsewhere(other, ana.id, family_names="Pérez López")
    dialog.family_names.setText("Perez")
    clicked = []

    def click_take_theirs():
        modal = QApplication.activeModalWidget()
        if isinstance(modal, ConflictDialog):
            clicked.append(modal)
            modal.take_theirs_button.click()
        else:
            QTimer.singleShot(20, click_take_theirs)

    QTimer.singleShot(0, click_take_theirs)
    assert dialog.save()
    assert clicked and people.get_person(other, ana.id).family_names == "Pérez López"


def test_membership_in_the_person_form(ctx, qtbot, ana, other):
    from chapter_manager.models import MembershipStatus

    dialog = open_person(ctx, qtbot, ana.id)
    members.set_membership(other, ana.id, "inactive")
    dialog.status.set_value(MembershipStatus.ALUMNI)
    dialog.guard.ask = ask = answer(qtbot, "keep_mine_button")
    assert dialog.save()
    assert [f.name for f in ask.seen[0].error.fields] == ["status"]
    assert members.get_membership(other, ana.id).status is MembershipStatus.ALUMNI


def test_banner_appears_when_the_record_changes_elsewhere(ctx, qtbot, ana, other):
    dialog = open_person(ctx, qtbot, ana.id)
    dialog.show()
    dialog.given_names.setText("Ana María")
    ctx.changed("people")  # a change that is not this person's
    assert not dialog.guard.banner.isVisible()
    save_elsewhere(other, ana.id, department="Física")
    ctx.changed("people")
    assert dialog.guard.banner.isVisible()
    assert "changed elsewhere" in dialog.guard.banner.text()
    assert dialog.given_names.text() == "Ana María"  # what was typed stays
    dialog.guard.ask = answer(qtbot, "cancel_button")
    assert dialog.save()  # no overlap: saved, both changes kept
    saved = people.get_person(other, ana.id)
    assert (saved.given_names, saved.department) == ("Ana María", "Física")


def test_event_goal_chapter_and_forum_editors_follow_the_rule(ctx, qtbot, other):
    from ui.dashboard.goal_dialog import GoalDialog
    from ui.events.editor import EventDialog
    from ui.forums.editor import ForumDialog
    from ui.frame.opening import ChapterDialog

    event = events.create_event(ctx.db, ctx.chapter_id, events.EventData(
        title="Talk", starts_at=dt.datetime(2026, 3, 8, 18, tzinfo=dt.UTC), venue="Aula 1"))
    dialog = EventDialog(ctx, event.id)
    qtbot.addWidget(dialog)
    events.update_event(other, event.id, dataclasses.replace(events.event_data(event), venue="Aula Magna"))
    ctx.changed("events")
    assert not dialog.guard.banner.isHidden()
    dialog.venue.setText("Online")
    dialog.guard.ask = ask = answer(qtbot, "take_theirs_button")
    assert dialog.save()
    assert [f.name for f in ask.seen[0].error.fields] == ["venue"]
    assert events.get_event(other, event.id).venue == "Aula Magna"

    goal = goals.create_goal(ctx.db, ctx.chapter_id, goals.GoalData(
        "pledges", 100, dt.date(2026, 1, 1), dt.date(2026, 6, 30)))
    dialog = GoalDialog(ctx, goal.id)
    qtbot.addWidget(dialog)
    goals.update_goal(other, goal.id, dataclasses.replace(goals.goal_data(goal), target=150))
    dialog.target.setValue(120)
    dialog.guard.ask = answer(qtbot, "keep_mine_button")
    assert dialog.save()
    assert goals.get_goal(other, goal.id).target == 120

    chapter = chapters.get_chapter(ctx.db, ctx.chapter_id)
    dialog = ChapterDialog(ctx.db, chapter.id, ctx=ctx)
    qtbot.addWidget(dialog)
    chapters.update_chapter(other, chapter.id, dataclasses.replace(
        chapters.chapter_data(chapter), campus="CU", founded_on=dt.date(2016, 3, 8)))
    dialog.city.setText("CDMX")
    dialog.guard.ask = ask = answer(qtbot, "cancel_button")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted and not ask.seen
    saved = chapters.get_chapter(other, chapter.id)
    assert (saved.campus, saved.city, saved.founded_on) == ("CU", "CDMX", dt.date(2016, 3, 8))

    forum = forums.create_forum(ctx.db, ctx.chapter_id, forums.ForumData(
        topic="Care", held_on=dt.date(2026, 3, 1), takeaways=["Share chores"]))
    dialog = ForumDialog(ctx, forum.id)
    qtbot.addWidget(dialog)
    forums.update_forum(other, forum.id, dataclasses.replace(forums.forum_data(forum), topic="Care work"))
    dialog.topic.setText("Care at home")
    dialog.guard.ask = ask = answer(qtbot, "save_choices_button")
    assert dialog.save()
    assert [f.name for f in ask.seen[0].error.fields] == ["topic"]
    saved = forums.get_forum(other, forum.id)
    assert (saved.topic, saved.takeaways) == ("Care at home", ["Share chores"])


def test_officer_term_dialog(ctx, qtbot, ana, other):
    from ui.members.person_editor import TermDialog

    term = members.add_officer_term(ctx.db, ana.id, "president", dt.date(2025, 1, 1))
    dialog = TermDialog(ctx, ana.id, term)
    qtbot.addWidget(dialog)
    members.end_officer_term(other, term.id, dt.date(2025, 12, 31))
    ctx.changed("people")
    assert not dialog.guard.banner.isHidden()
    dialog.custom_title.setText("ignored: not a custom role")
    assert dialog.save()  # only they changed the end: kept
    assert members.get_officer_term(other, term.id).ends_on == dt.date(2025, 12, 31)


def test_screenshot_of_the_conflict_dialog(ctx, qtbot, ana, other, tmp_path):
    from chapter_manager.errors import ConflictError

    form = people.person_data(ana)
    save_elsewhere(other, ana.id, family_names="Pérez López", student_id="002", department="Física")
    mine = dataclasses.replace(form, family_names="Perez", student_id="003", notes="called her")
    from chapter_manager.services.versions import Expected

    with pytest.raises(ConflictError) as caught:
        people.update_person(ctx.db, ana.id, mine, Expected.of(ana.version, form))
    dialog = ConflictDialog(caught.value)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(tmp_path / "conflict.png"))


def test_screenshot_of_the_banner(ctx, qtbot, ana, other, tmp_path):
    dialog = open_person(ctx, qtbot, ana.id)
    dialog.show()
    qtbot.waitExposed(dialog)
    save_elsewhere(other, ana.id, department="Física")
    ctx.changed("people")
    assert dialog.guard.banner.isVisible()
    assert dialog.grab().save(str(tmp_path / "banner.png"))


def test_the_forum_comparison_names_people_and_items(ctx, qtbot, ana, other):
    from ui.forums.editor import ForumDialog

    forum = forums.create_forum(ctx.db, ctx.chapter_id, forums.ForumData(
        topic="Care", held_on=dt.date(2026, 3, 1), facilitator_ids=[ana.id],
        action_items=[forums.ActionItemData("Book room", owner_id=ana.id)]))
    dialog = ForumDialog(ctx, forum.id)
    qtbot.addWidget(dialog)
    forums.set_action_item_done(other, forum.action_items[0].id, True)
    dialog.actions_tab.rows[0].description.setText("Book the big room")
    dialog.guard.ask = ask = answer(qtbot, "take_theirs_button", guard=dialog.guard)
    assert dialog.save()
    shown = ask.seen[0]
    assert shown.theirs_buttons["action_items"].text() == "Book room · Ana Pérez · done"
    assert shown.mine_buttons["action_items"].text() == "Book the big room · Ana Pérez · open"
    assert dialog._show_value("facilitator_ids", [ana.id]) == "Ana Pérez"
    assert forums.get_forum(other, forum.id).action_items[0].done


def test_two_windows_and_the_command_line_interleaved(ctx, qtbot, ana, tmp_path):
    """Window 2's form is opened first; window 1 saves, the command line imports, then
    window 2 saves: nothing is lost, and what both changed is asked about."""
    from chapter_manager.cli import main
    from ui.frame.context import AppContext
    from ui.frame.settings import Settings

    second_db = open_database(ctx.db.path)
    try:
        ctx2 = AppContext(second_db, Settings(), ctx.chapter_id)
        window2 = open_person(ctx2, qtbot, ana.id)
        window1 = open_person(ctx, qtbot, ana.id)
        window1.family_names.setText("Pérez López")
        window1.student_id.setText("002")
        assert window1.save()
        csv = tmp_path / "members.csv"
        csv.write_text("Given name,Family name,Email,Department\n"
                       "Ana,Pérez López,ana@example.org,Sociología\n", encoding="utf-8")
        assert main(["--db", str(ctx.db.path), "import", "members", str(csv),
                     "--duplicates", "update"]) == 0
        ctx2.changed("people")  # what reaches window 2 when another process writes
        assert not window2.guard.banner.isHidden()

        window2.family_names.setText("Perez")
        window2.phone.setText("+52 55 1234 5678")
        window2.guard.ask = ask = answer(qtbot, "keep_mine_button", guard=window2.guard)
        assert window2.save()
        assert [f.name for f in ask.seen[0].error.fields] == ["family_names"]
        saved = people.get_person(ctx.db, ana.id)
        assert (saved.family_names, saved.student_id, saved.department) == ("Perez", "002", "Sociología")
        assert saved.phone
    finally:
        second_db.close()


def test_a_closed_editor_stops_looking(ctx, qtbot, ana, other):
    dialog = open_person(ctx, qtbot, ana.id)
    dialog.show()
    dialog.reject()
    save_elsewhere(other, ana.id, department="Física")
    ctx.changed("people")
    assert dialog.guard.banner.isHidden()
    assert dialog.guard.changed_elsewhere() == []  # it remembers nothing any more
