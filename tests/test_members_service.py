"""Memberships and officer terms (chapter_manager.services.members)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from chapter_manager.errors import NotFound, ValidationError
from chapter_manager.models import Membership, MembershipStatus, OfficerRole, OfficerTerm
from chapter_manager.services import members
from chapter_manager.services.chapters import ChapterData, create_chapter
from chapter_manager.services.members import OfficerTermData
from chapter_manager.services.people import PersonData, create_person, delete_person, get_person

D = dt.date


# The db and chapter fixtures come from conftest.py.


def make_person(db, chapter_id, given, family="", **extra):
    return create_person(db, chapter_id, PersonData(given_names=given, family_names=family, **extra))


def membership_rows(db, person_id):
    with db.read() as s:
        return s.scalar(select(func.count(Membership.id)).where(Membership.person_id == person_id))


# --------------------------------------------------------------------------- membership


def test_set_membership_creates_then_updates_the_one_row(db, chapter):
    ana = make_person(db, chapter.id, "Ana", "López")
    first = members.set_membership(db, ana.id, MembershipStatus.ACTIVE, joined_on=D(2024, 8, 12))
    assert first.status is MembershipStatus.ACTIVE
    assert first.display_name == "Ana López"
    assert first.chapter_id == chapter.id

    second = members.set_membership(db, ana.id, "alumni", left_on=D(2025, 6, 30))
    assert second.id == first.id
    assert second.status is MembershipStatus.ALUMNI
    assert second.joined_on == D(2024, 8, 12)  # kept: a date not given stays
    assert second.left_on == D(2025, 6, 30)
    assert membership_rows(db, ana.id) == 1
    assert get_person(db, ana.id).membership_status is MembershipStatus.ALUMNI
    assert members.get_membership(db, ana.id) == second


def test_set_membership_clears_a_date_given_as_none(db, chapter):
    ana = make_person(db, chapter.id, "Ana")
    members.set_membership(db, ana.id, "alumni", joined_on=D(2024, 8, 12), left_on=D(2025, 6, 30))
    cleared = members.set_membership(db, ana.id, "alumni", joined_on=None)
    assert (cleared.joined_on, cleared.left_on) == (None, D(2025, 6, 30))
    assert members.get_membership(db, ana.id).joined_on is None
    # With no joining date any leaving date is in order; then the leaving date is cleared too.
    earlier = members.set_membership(db, ana.id, "alumni", left_on=D(2020, 1, 1))
    assert earlier.left_on == D(2020, 1, 1)
    assert members.set_membership(db, ana.id, "active", left_on=None).left_on is None
    assert members.set_membership(db, ana.id, "active", members.KEEP, members.KEEP).joined_on is None
    with pytest.raises(ValidationError) as err:
        members.set_membership(db, ana.id, "active", joined_on="2024-01-01")  # type: ignore[arg-type]
    assert "joined_on" in err.value.fields


def test_set_membership_validation(db, chapter):
    ana = make_person(db, chapter.id, "Ana")
    with pytest.raises(ValidationError) as err:
        members.set_membership(db, ana.id, "honorary")
    assert set(err.value.fields) == {"status"}
    assert "prospective" in err.value.fields["status"]

    with pytest.raises(ValidationError) as err:
        members.set_membership(db, ana.id, "active", joined_on=D(2025, 3, 1), left_on=D(2025, 2, 1))
    assert "before they joined" in err.value.fields["left_on"]

    members.set_membership(db, ana.id, "active", joined_on=D(2025, 3, 1))
    with pytest.raises(ValidationError) as err:  # checked against the stored joining date
        members.set_membership(db, ana.id, "inactive", left_on=D(2025, 1, 1))
    assert "left_on" in err.value.fields
    assert members.get_membership(db, ana.id).status is MembershipStatus.ACTIVE

    with pytest.raises(NotFound):
        members.set_membership(db, 999, "active")


def test_clear_membership_keeps_the_person(db, chapter):
    ana = make_person(db, chapter.id, "Ana")
    members.set_membership(db, ana.id, "active")
    assert members.clear_membership(db, ana.id) is True
    assert members.clear_membership(db, ana.id) is False
    assert members.get_membership(db, ana.id) is None
    assert get_person(db, ana.id).membership_status is None


def test_bulk_set_status_is_all_or_nothing(db, chapter):
    people = [make_person(db, chapter.id, name) for name in ("Ana", "Luis", "Wang")]
    members.set_membership(db, people[0].id, "active", joined_on=D(2024, 1, 1))

    assert members.bulk_set_status(db, [p.id for p in people], MembershipStatus.INACTIVE) == 3
    for p in people:
        assert members.get_membership(db, p.id).status is MembershipStatus.INACTIVE
    assert members.get_membership(db, people[0].id).joined_on == D(2024, 1, 1)

    with pytest.raises(NotFound):
        members.bulk_set_status(db, [people[0].id, 12345], "active")
    assert members.get_membership(db, people[0].id).status is MembershipStatus.INACTIVE

    with pytest.raises(ValidationError) as err:
        members.bulk_set_status(db, [people[0].id], "bogus")
    assert "status" in err.value.fields
    assert members.bulk_set_status(db, [], "active") == 0


def test_a_status_change_is_taken_back_with_dates_kept_and_deleted_people_passed_over(db, chapter):
    people = [make_person(db, chapter.id, name) for name in ("Ana", "Luis", "Wang", "Priya")]
    members.set_membership(db, people[0].id, "active", joined_on=D(2024, 1, 1))
    members.set_membership(db, people[1].id, "alumni")
    before = members.set_statuses(db, [p.id for p in people], MembershipStatus.INACTIVE)
    assert before == {people[0].id: MembershipStatus.ACTIVE, people[1].id: MembershipStatus.ALUMNI,
                      people[2].id: None, people[3].id: None}
    delete_person(db, people[3].id)

    assert members.restore_statuses(db, before) == 3
    assert members.get_membership(db, people[0].id).status is MembershipStatus.ACTIVE
    assert members.get_membership(db, people[0].id).joined_on == D(2024, 1, 1)
    assert members.get_membership(db, people[1].id).status is MembershipStatus.ALUMNI
    assert members.get_membership(db, people[2].id) is None
    assert membership_rows(db, people[2].id) == 0


# --------------------------------------------------------------------------- officer terms


def test_officer_term_history_and_current_officers(db, chapter):
    ana = make_person(db, chapter.id, "Ana", "López")
    luis = make_person(db, chapter.id, "Luis", "Pérez", preferred_name="Lucho")
    old = members.add_officer_term(db, ana.id, "president", D(2023, 8, 1), D(2024, 7, 31))
    new = members.add_officer_term(db, luis.id, OfficerRole.PRESIDENT, D(2024, 8, 1))
    treasurer = members.add_officer_term(db, ana.id, OfficerRole.TREASURER, D(2024, 8, 1))
    outreach = members.add_officer_term(
        db, ana.id, "custom", D(2024, 9, 1), custom_title="  Outreach   lead "
    )
    assert outreach.custom_title == "Outreach lead"
    assert outreach.title == "Outreach lead"
    assert new.title == "President"
    assert new.display_name == "Lucho"

    history = members.list_officer_terms(db, chapter.id)
    assert [t.id for t in history] == [new.id, old.id, treasurer.id, outreach.id]
    assert [t.display_name for t in history] == ["Lucho", "Ana López", "Ana López", "Ana López"]

    current = members.current_officers(db, chapter.id, D(2024, 8, 15))
    assert [(t.role, t.person_id) for t in current] == [
        (OfficerRole.PRESIDENT, luis.id),
        (OfficerRole.TREASURER, ana.id),
    ]
    in_2023 = members.list_officer_terms(db, chapter.id, on=D(2024, 7, 31))
    assert [t.id for t in in_2023] == [old.id]
    assert old.holds_on(D(2024, 7, 31)) and not old.holds_on(D(2024, 8, 1))

    ended = members.end_officer_term(db, new.id, D(2025, 7, 31))
    assert ended.ends_on == D(2025, 7, 31)
    assert members.current_officers(db, chapter.id, D(2025, 8, 1)) == [
        members.get_officer_term(db, treasurer.id),
        members.get_officer_term(db, outreach.id),
    ]


def test_a_person_holds_a_role_only_once_at_a_time(db, chapter):
    ana = make_person(db, chapter.id, "Ana", "López")
    luis = make_person(db, chapter.id, "Luis")
    members.add_officer_term(db, ana.id, "president", D(2024, 8, 1))

    with pytest.raises(ValidationError) as err:
        members.add_officer_term(db, ana.id, "president", D(2025, 1, 1), D(2025, 6, 1))
    message = err.value.fields["starts_on"]
    assert "Ana López is already President since 2024-08-01" in message
    assert "only once at a time" in message

    # Another role, or another person in the same role, is fine.
    members.add_officer_term(db, ana.id, "secretary", D(2025, 1, 1))
    members.add_officer_term(db, luis.id, "president", D(2025, 1, 1))

    # A closed term before the open one does not overlap it.
    members.add_officer_term(db, ana.id, "president", D(2023, 1, 1), D(2024, 7, 31))
    with pytest.raises(ValidationError) as err:
        members.add_officer_term(db, ana.id, "president", D(2022, 6, 1), D(2023, 1, 1))
    assert "from 2023-01-01 to 2024-07-31" in err.value.fields["starts_on"]

    # Custom roles are told apart by their title (ignoring case).
    members.add_officer_term(db, ana.id, "custom", D(2025, 1, 1), custom_title="Outreach lead")
    members.add_officer_term(db, ana.id, "custom", D(2025, 1, 1), custom_title="Web editor")
    with pytest.raises(ValidationError) as err:
        members.add_officer_term(db, ana.id, "custom", D(2025, 2, 1), custom_title="outreach LEAD")
    assert "Outreach lead" in err.value.fields["starts_on"]


def test_officer_term_validation(db, chapter):
    ana = make_person(db, chapter.id, "Ana")
    with pytest.raises(ValidationError) as err:
        members.add_officer_term(db, ana.id, OfficerRole.CUSTOM, D(2025, 1, 1))
    assert set(err.value.fields) == {"custom_title"}

    with pytest.raises(ValidationError) as err:
        members.add_officer_term(db, ana.id, "captain", None, D(2024, 1, 1))
    assert set(err.value.fields) == {"role", "starts_on"}

    with pytest.raises(ValidationError) as err:
        members.add_officer_term(db, ana.id, "treasurer", D(2025, 1, 1), D(2024, 12, 31))
    assert err.value.fields["ends_on"] == "An officer term cannot end before it starts."

    term = members.add_officer_term(db, ana.id, "treasurer", D(2025, 1, 1), custom_title="ignored")
    assert term.custom_title == ""
    with pytest.raises(ValidationError) as err:
        members.end_officer_term(db, term.id, D(2024, 12, 1))
    assert "2025-01-01" in err.value.fields["ends_on"]
    with pytest.raises(NotFound):
        members.add_officer_term(db, 999, "treasurer", D(2025, 1, 1))


def test_update_and_delete_officer_terms(db, chapter):
    ana = make_person(db, chapter.id, "Ana")
    luis = make_person(db, chapter.id, "Luis")
    first = members.add_officer_term(db, ana.id, "secretary", D(2024, 1, 1), D(2024, 12, 31))
    second = members.add_officer_term(db, ana.id, "treasurer", D(2024, 6, 1))

    with pytest.raises(ValidationError) as err:  # becoming treasurer too would overlap
        members.update_officer_term(
            db, first.id, OfficerTermData(ana.id, "treasurer", D(2024, 1, 1), D(2024, 12, 31))
        )
    assert "only once at a time" in err.value.fields["starts_on"]

    moved = members.update_officer_term(
        db, first.id, OfficerTermData(luis.id, "treasurer", D(2024, 1, 1), D(2024, 12, 31))
    )
    assert (moved.id, moved.person_id, moved.role) == (first.id, luis.id, OfficerRole.TREASURER)
    assert moved.display_name == "Luis"

    other = create_chapter(db, ChapterData(name="Other chapter", country="ES"))
    stranger = make_person(db, other.id, "Marta")
    with pytest.raises(ValidationError) as err:
        members.update_officer_term(
            db, first.id, OfficerTermData(stranger.id, "treasurer", D(2024, 1, 1))
        )
    assert "person_id" in err.value.fields

    members.delete_officer_term(db, second.id)
    assert [t.id for t in members.list_officer_terms(db, chapter.id)] == [first.id]
    with pytest.raises(NotFound):
        members.get_officer_term(db, second.id)


def test_chapters_are_isolated_and_deleting_a_person_cascades(db, chapter):
    other = create_chapter(db, ChapterData(name="Other chapter", country="ES"))
    ana = make_person(db, chapter.id, "Ana")
    marta = make_person(db, other.id, "Marta")
    members.add_officer_term(db, ana.id, "president", D(2024, 1, 1))
    members.add_officer_term(db, marta.id, "president", D(2024, 1, 1))
    members.set_membership(db, marta.id, "active")
    assert [t.display_name for t in members.list_officer_terms(db, other.id)] == ["Marta"]
    assert members.get_membership(db, marta.id).chapter_id == other.id

    delete_person(db, marta.id)
    assert members.list_officer_terms(db, other.id) == []
    with db.read() as s:
        assert s.scalar(select(func.count(OfficerTerm.id))) == 1
        assert s.scalar(select(func.count(Membership.id))) == 0
