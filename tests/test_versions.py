"""The version rule (services/versions.py): a form opened before someone else's save
never overwrites it silently, for every record kind a person edits."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from chapter_manager.cli import main
from chapter_manager.errors import ChapterError, ConflictError
from chapter_manager.models import ForumSession, Person, Pledge
from chapter_manager.services import chapters, events, forums, goals, members, people, pledges
from chapter_manager.services.versions import Expected, resolve, same
from chapter_manager.storage import open_database

UTC = dt.UTC


@pytest.fixture
def person(db, chapter):
    return people.create_person(
        db, chapter.id,
        people.PersonData(given_names="Ana", family_names="Pérez", student_id="001",
                          email="ana@example.org"),
    )


def opened(view, data):
    """What a form holds when it opens: its data, and the Expected to save with."""
    return data, Expected.of(view.version, data)


# --------------------------------------------------------------------------- the rule


def test_same_treats_typed_forms_alike():
    assert same("", None) and same(" x ", "x") and not same("x", "y")
    assert same(dt.datetime(2026, 1, 1, 12, tzinfo=UTC),
                dt.datetime(2026, 1, 1, 6, tzinfo=dt.timezone(dt.timedelta(hours=-6))))
    assert same([forums.ActionItemData("a", None)], [forums.ActionItemData("a", None)])
    assert not same([1, 2], [2, 1])


def test_each_save_adds_one_to_the_version(db, person):
    assert person.version == 1
    data = people.person_data(person)
    data.notes = "first"
    assert people.update_person(db, person.id, data).version == 2
    data.notes = "second"
    assert people.update_person(db, person.id, data).version == 3
    assert people.get_person(db, person.id).version == 3


def test_person_conflict_names_the_fields_both_changed(db, person):
    mine, expected = opened(person, people.person_data(person))
    theirs = people.person_data(person)
    theirs.family_names, theirs.student_id = "Pérez López", "002"
    people.update_person(db, person.id, theirs, Expected.of(person.version, people.person_data(person)))

    mine.family_names, mine.student_id, mine.notes = "Perez", "003", "met at the fair"
    with pytest.raises(ConflictError) as caught:
        people.update_person(db, person.id, mine, expected)
    error = caught.value
    assert isinstance(error, ChapterError)
    assert error.names == ["family_names", "student_id"]
    assert "Family name(s) and Student id" in str(error)
    family = error.fields[0]
    assert (family.base, family.theirs, family.mine) == ("Pérez", "Pérez López", "Perez")
    assert error.version == 2
    # Nothing was saved.
    now = people.get_person(db, person.id)
    assert (now.family_names, now.student_id, now.notes, now.version) == ("Pérez López", "002", "", 2)


def test_person_changes_on_different_fields_merge_silently(db, person):
    mine, expected = opened(person, people.person_data(person))
    theirs = people.person_data(person)
    theirs.family_names, theirs.student_id = "Pérez López", "002"
    people.update_person(db, person.id, theirs)

    mine.notes, mine.phone = "met at the fair", "+52 55 1234 5678"
    saved = people.update_person(db, person.id, mine, expected)
    assert (saved.family_names, saved.student_id) == ("Pérez López", "002")  # theirs kept
    assert saved.notes == "met at the fair" and saved.phone  # mine kept
    assert saved.version == 3


def test_the_same_change_on_both_sides_is_no_conflict(db, person):
    mine, expected = opened(person, people.person_data(person))
    theirs = people.person_data(person)
    theirs.family_names = "Pérez López"
    people.update_person(db, person.id, theirs)
    mine.family_names = "Pérez López"
    assert people.update_person(db, person.id, mine, expected).family_names == "Pérez López"


def test_resolving_keeps_mine_or_takes_theirs_per_field(db, person):
    mine, expected = opened(person, people.person_data(person))
    theirs = people.person_data(person)
    theirs.family_names, theirs.student_id, theirs.department = "Pérez López", "002", "Física"
    people.update_person(db, person.id, theirs)
    mine.family_names, mine.student_id, mine.notes = "Perez", "003", "mine only"
    with pytest.raises(ConflictError) as caught:
        people.update_person(db, person.id, mine, expected)

    values, again = resolve(caught.value, keep_mine=["student_id"])
    assert again.version == 2
    saved = people.update_person(db, person.id, dataclasses.replace(mine, **values), again)
    assert saved.family_names == "Pérez López"  # theirs taken
    assert saved.student_id == "003"  # mine kept
    assert saved.notes == "mine only"  # only I changed it: kept without asking
    assert saved.department == "Física"  # only they changed it: kept


def test_resolving_against_a_third_save_conflicts_again(db, person):
    mine, expected = opened(person, people.person_data(person))
    theirs = people.person_data(person)
    theirs.family_names = "B"
    people.update_person(db, person.id, theirs)
    mine.family_names = "C"
    with pytest.raises(ConflictError) as caught:
        people.update_person(db, person.id, mine, expected)
    values, again = resolve(caught.value, keep_mine=["family_names"])
    third = people.person_data(people.get_person(db, person.id))
    third.family_names = "D"
    people.update_person(db, person.id, third)
    with pytest.raises(ConflictError) as second:
        people.update_person(db, person.id, dataclasses.replace(mine, **values), again)
    assert second.value.fields[0].theirs == "D" and second.value.fields[0].base == "B"


def test_membership_and_officer_terms(db, person):
    view = members.set_membership(db, person.id, "active", joined_on=dt.date(2025, 9, 1))
    assert view.version == 1
    expected = Expected.of(view.version, members.membership_data(view))
    members.set_membership(db, person.id, "inactive")  # someone else
    # The form changed only the date: the status set elsewhere stays.
    saved = members.set_membership(db, person.id, "active", joined_on=dt.date(2025, 8, 1),
                                   expected=expected)
    assert (saved.status, saved.joined_on, saved.version) == ("inactive", dt.date(2025, 8, 1), 3)
    with pytest.raises(ConflictError) as caught:
        members.set_membership(db, person.id, "alumni", expected=expected)
    assert caught.value.names == ["status"] and "Membership status" in str(caught.value)

    term = members.add_officer_term(db, person.id, "president", dt.date(2025, 1, 1))
    data, expected = opened(term, members.term_data(term))
    members.end_officer_term(db, term.id, dt.date(2025, 12, 31))
    data.role, data.custom_title = "custom", "Coordinator"
    saved = members.update_officer_term(db, term.id, data, expected)
    assert (saved.role, saved.ends_on, saved.version) == ("custom", dt.date(2025, 12, 31), 3)
    data2, expected2 = opened(saved, members.term_data(saved))
    members.update_officer_term(db, term.id, dataclasses.replace(data2, ends_on=dt.date(2026, 6, 30)))
    with pytest.raises(ConflictError) as caught:
        members.update_officer_term(db, term.id, dataclasses.replace(data2, ends_on=None), expected2)
    assert caught.value.names == ["ends_on"]


def test_events(db, chapter):
    view = events.create_event(db, chapter.id, events.EventData(
        title="Talk", starts_at=dt.datetime(2026, 3, 8, 18, tzinfo=UTC), venue="Aula 1"))
    mine, expected = opened(view, events.event_data(view))
    theirs = events.event_data(view)
    theirs.venue, theirs.capacity = "Aula Magna", 200
    events.update_event(db, view.id, theirs)
    mine.title, mine.partners = "Talk on care work", ["ONU Mujeres"]
    saved = events.update_event(db, view.id, mine, expected)
    assert (saved.title, saved.partners, saved.venue, saved.capacity) == (
        "Talk on care work", ["ONU Mujeres"], "Aula Magna", 200)
    assert saved.version == 3
    mine.venue = "Online"
    with pytest.raises(ConflictError) as caught:
        events.update_event(db, view.id, mine, expected)
    assert caught.value.names == ["venue"] and "Venue" in str(caught.value)
    assert events.set_headcount(db, view.id, 40).version == 4


def test_forums_with_their_lists(db, chapter, person):
    view = forums.create_forum(db, chapter.id, forums.ForumData(
        topic="Care", held_on=dt.date(2026, 3, 1), takeaways=["Share chores"],
        action_items=[forums.ActionItemData("Book room")]))
    mine, expected = opened(view, forums.forum_data(view))
    theirs = forums.forum_data(view)
    theirs.takeaways = ["Share chores", "Speak up"]  # only a list changed elsewhere
    after = forums.update_forum(db, view.id, theirs)
    assert after.version == view.version + 1
    mine.summary = "Good turnout"
    saved = forums.update_forum(db, view.id, mine, expected)
    assert saved.takeaways == ["Share chores", "Speak up"] and saved.summary == "Good turnout"

    data, expected = opened(saved, forums.forum_data(saved))
    item = saved.action_items[0]
    forums.set_action_item_done(db, item.id, True)  # ticked on the forums page
    assert forums.get_forum(db, view.id).version == saved.version + 1
    data.action_items = [dataclasses.replace(data.action_items[0], description="Book the big room")]
    with pytest.raises(ConflictError) as caught:
        forums.update_forum(db, view.id, data, expected)
    assert caught.value.names == ["action_items"] and "Action items" in str(caught.value)
    with db.read() as s:
        assert s.scalar(select(ForumSession.version).where(ForumSession.id == view.id)) == saved.version + 1


def test_goals_and_chapter_details(db, chapter):
    goal = goals.create_goal(db, chapter.id, goals.GoalData(
        "pledges", 100, dt.date(2026, 1, 1), dt.date(2026, 6, 30)))
    mine, expected = opened(goal, goals.goal_data(goal))
    goals.update_goal(db, goal.id, dataclasses.replace(goals.goal_data(goal), target=150))
    saved = goals.update_goal(db, goal.id, dataclasses.replace(mine, label="Spring"), expected)
    assert (saved.target, saved.label, saved.version) == (150, "Spring", 3)
    with pytest.raises(ConflictError) as caught:
        goals.update_goal(db, goal.id, dataclasses.replace(mine, target=120), expected)
    assert caught.value.names == ["target"]

    mine, expected = opened(chapter, chapters.chapter_data(chapter))
    chapters.update_chapter(db, chapter.id, dataclasses.replace(mine, campus="CU"))
    saved = chapters.update_chapter(db, chapter.id, dataclasses.replace(mine, city="CDMX"), expected)
    assert (saved.campus, saved.city, saved.version) == ("CU", "CDMX", 3)
    with pytest.raises(ConflictError) as caught:
        chapters.update_chapter(db, chapter.id, dataclasses.replace(mine, campus="Juriquilla"),
                                expected)
    assert caught.value.names == ["campus"] and "Campus" in str(caught.value)


def test_core_paths_add_to_the_version_too(db, chapter):
    """A consent given at a second signing updates the pledge's cached consent with a Core
    UPDATE: it bumps the pledge's version."""
    person = people.PersonData(given_names="Luis", family_names="Soto", email="luis@example.org")
    first = pledges.sign_up(db, chapter.id, person, pledges.PledgeData(may_contact=True))
    with db.read() as s:
        assert s.get(Pledge, first.pledge_id).version == 1
    again = pledges.sign_up(db, chapter.id, person, pledges.PledgeData(may_publish_name=True))
    assert again.consents_given == 1
    with db.read() as s:
        assert s.get(Pledge, first.pledge_id).version == 2


# --------------------------------------------------------------------------- interleaved


def test_two_windows_and_the_command_line_lose_nothing(tmp_path, chapter, person, db):
    """The trial's story: window 2's form was opened before window 1 saved and before an
    import on the command line; saving it overwrites nothing silently."""
    path = db.path
    window1, window2 = open_database(path), open_database(path)
    try:
        # Window 2 opens the person's form.
        form2 = people.get_person(window2, person.id)
        mine, expected2 = opened(form2, people.person_data(form2))
        # Window 1 edits and saves.
        form1 = people.get_person(window1, person.id)
        data1 = people.person_data(form1)
        data1.family_names, data1.student_id = "Pérez López", "002"
        people.update_person(window1, person.id, data1, Expected.of(form1.version, people.person_data(form1)))
        # The command line imports members: Ana's department comes from the file.
        csv = tmp_path / "members.csv"
        csv.write_text("Given name,Family name,Email,Department\n"
                       "Ana,Pérez López,ana@example.org,Sociología\n", encoding="utf-8")
        assert main(["--db", str(path), "import", "members", str(csv), "--duplicates", "update",
                     "--chapter", str(chapter.id)]) == 0
        with window2.read() as s:
            assert s.get(Person, person.id).version == 3

        # Window 2 saves its old form with a different family name: refused, named.
        mine.family_names, mine.notes = "Perez", "called her"
        with pytest.raises(ConflictError) as caught:
            people.update_person(window2, person.id, mine, expected2)
        assert caught.value.names == ["family_names"]
        # Window 2 takes theirs for the name: nothing of window 1 or the import is lost.
        values, again = resolve(caught.value)
        saved = people.update_person(window2, person.id, dataclasses.replace(mine, **values), again)
        assert (saved.family_names, saved.student_id, saved.department, saved.notes) == (
            "Pérez López", "002", "Sociología", "called her")
        assert people.get_person(window1, person.id) == saved
    finally:
        window1.close()
        window2.close()


def test_a_merge_and_its_undo_add_to_the_versions_they_change(tmp_path):
    """Merges write with Core UPDATEs: a pledge replaced and the undo putting it back each
    count as a save, so an open form sees them.  The person here is never written by a
    sign-up (the student id offered waits for review), so their version stays."""
    from merging import FAIR_DAY, copy_db, laptop, make_main, pack_of, signup

    from chapter_manager.services import kiosk_database, merge, merge_undo

    main_db = make_main(tmp_path / "main.db")
    kiosk = None
    try:
        here = signup(main_db, given="Li", family="Wei", email="li@x.org", event_id=2,
                      when=FAIR_DAY + dt.timedelta(days=7), contact=True)
        form = people.get_person(main_db, here.person_id)
        data, expected = opened(form, people.person_data(form))
        kiosk_database.export_for_kiosk(main_db, tmp_path / "template.db", 1)
        kiosk = copy_db(tmp_path / "template.db", tmp_path / "kiosk.db", laptop(1))
        signup(kiosk, given="Li", family="Wei", email="li@x.org", student_id="2026-7")  # earlier
        summary = merge.merge_packs(main_db, [pack_of(kiosk, tmp_path / "k.cmpack")])
        assert summary.pledges_replaced == 1
        with main_db.read() as s:
            person = s.get(Person, here.person_id)
            assert (person.student_id, person.version) == (None, 1)
            assert s.get(Pledge, here.pledge_id).version == 2
        # The form opened before the merge adds its own change; the merge's stays.
        data.notes = "volunteer"
        saved = people.update_person(main_db, here.person_id, data, expected)
        assert (saved.student_id, saved.notes, saved.version) == (None, "volunteer", 2)

        merge_undo.undo_merge(main_db, summary.batch_id)
        with main_db.read() as s:
            assert s.get(Person, here.person_id).version == 2
            assert s.get(Pledge, here.pledge_id).version == 3
    finally:
        if kiosk is not None:
            kiosk.close()
        main_db.close()
