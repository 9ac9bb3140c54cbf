"""Moving a pledge to a person already in the chapter (services.pledges.relink_pledge)."""

import datetime as dt

import pytest
from sqlalchemy import select

from chapter_manager.errors import NotFound, ValidationError
from chapter_manager.models import Attendance, AuditEntry, Pledge, RecordSource, Tombstone
from chapter_manager.services import events, members, people, pledges
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData


@pytest.fixture
def event(db, chapter):
    return events.create_event(
        db, chapter.id,
        events.EventData(title="Feria HeForShe", starts_at=dt.datetime(2026, 3, 8, 16, tzinfo=dt.UTC),
                         timezone="America/Mexico_City"),
    )


def _paper(db, chapter, event=None, **person):
    return pledges.sign_up(
        db, chapter.id, PersonData(**person),
        PledgeData(event_id=event.id if event else None, source=RecordSource.MANUAL,
                   personal_commitment="Escucharé."),
    )


def _attendance(db, person_id):
    with db.read() as s:
        return list(s.scalars(select(Attendance.event_id).where(Attendance.person_id == person_id)))


def test_the_pledge_moves_and_the_placeholder_goes(db, chapter, event):
    jose = people.create_person(db, chapter.id, PersonData(given_names="José", family_names="Núñez",
                                                           email="jose.nunez@unam.mx"))
    sheet = _paper(db, chapter, event, given_names="Jose", family_names="Nunez", email="jnunez@gmail.com")
    assert sheet.new_person and sheet.attendance_recorded

    out = pledges.relink_pledge(db, sheet.pledge_id, jose.id)

    assert out.person_id == jose.id and out.previous_person_id == sheet.person_id
    assert out.previous_person_removed and out.attendance_moved
    view = pledges.get_pledge(db, sheet.pledge_id)
    assert view.person_id == jose.id and view.personal_commitment == "Escucharé."
    assert _attendance(db, jose.id) == [event.id]
    with pytest.raises(NotFound):
        people.get_person(db, sheet.person_id)
    with db.read() as s:
        stone = s.scalars(select(Tombstone)).one()
        assert stone.uuid is not None and stone.email_hash is None and stone.student_id_hash is None
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "pledge")).one()
        assert entry.details == {"placeholder_removed": True, "attendance_moved": True}
        assert "nunez" not in (entry.summary + str(entry.details)).lower()


def test_a_person_with_a_pledge_is_refused(db, chapter):
    first = _paper(db, chapter, given_names="Ana", email="ana@x.org")
    second = _paper(db, chapter, given_names="Ana", family_names="López", email="ana.lopez@x.org")
    with pytest.raises(ValidationError) as caught:
        pledges.relink_pledge(db, second.pledge_id, first.person_id)
    assert "already pledged" in caught.value.fields["person_id"]
    assert pledges.get_pledge(db, second.pledge_id).person_id == second.person_id


def test_a_previous_person_with_more_is_kept(db, chapter, event):
    target = people.create_person(db, chapter.id, PersonData(given_names="Lan", email="lan@x.org"))
    sheet = _paper(db, chapter, given_names="Lan N.", email="lan.n@x.org")
    members.set_membership(db, sheet.person_id, "prospective")
    other = events.create_event(db, chapter.id, events.EventData(
        title="Cine", starts_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)))
    events.check_in(db, other.id, sheet.person_id)

    out = pledges.relink_pledge(db, sheet.pledge_id, target.id)

    assert not out.previous_person_removed and not out.attendance_moved
    assert people.get_person(db, sheet.person_id).display_name == "Lan N."
    assert _attendance(db, sheet.person_id) == [other.id]


def test_attendance_already_there_is_not_doubled(db, chapter, event):
    target = people.create_person(db, chapter.id, PersonData(given_names="Kwame", email="k@x.org"))
    events.check_in(db, event.id, target.id)
    sheet = _paper(db, chapter, event, given_names="Kwame A.", email="kwame@x.org")
    out = pledges.relink_pledge(db, sheet.pledge_id, target.id)
    assert out.previous_person_removed and not out.attendance_moved
    assert _attendance(db, target.id) == [event.id]
    with db.read() as s:
        assert len(s.scalars(select(Pledge)).all()) == 1


def test_same_person_and_other_chapter(db, chapter):
    from chapter_manager.services.chapters import ChapterData, create_chapter

    sheet = _paper(db, chapter, given_names="Ana", email="ana@x.org")
    same = pledges.relink_pledge(db, sheet.pledge_id, sheet.person_id)
    assert not same.previous_person_removed and same.person_id == sheet.person_id
    elsewhere = create_chapter(db, ChapterData(name="HeForShe Lagos", timezone="Africa/Lagos"))
    stranger = people.create_person(db, elsewhere.id, PersonData(given_names="Chidi"))
    with pytest.raises(ValidationError) as caught:
        pledges.relink_pledge(db, sheet.pledge_id, stranger.id)
    assert "another chapter" in caught.value.fields["person_id"]
    with pytest.raises(NotFound):
        pledges.relink_pledge(db, 999_999, sheet.person_id)
