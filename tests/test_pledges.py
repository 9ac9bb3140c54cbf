import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from chapter_manager.errors import NotFound, ValidationError
from chapter_manager.models import Attendance, Pledge, RecordSource
from chapter_manager.services import events, people, pledges
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData


@pytest.fixture
def event(db, chapter):
    return events.create_event(
        db, chapter.id,
        events.EventData(title="Feria HeForShe", starts_at=dt.datetime(2026, 3, 8, 16, tzinfo=dt.UTC),
                         timezone="America/Mexico_City"),
    )


def _counts(db):
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Pledge)),
                s.scalar(select(func.count()).select_from(Attendance)))


def test_sign_up_creates_person_pledge_and_attendance(db, chapter, event):
    local = dt.datetime(2026, 3, 8, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
    out = pledges.sign_up(
        db, chapter.id,
        PersonData(given_names="Nguyễn Thị", family_names="Lan", email="lan@example.org"),
        PledgeData(event_id=event.id, signed_at=local, may_contact=True, source=RecordSource.KIOSK,
                   personal_commitment="Hablaré cuando vea acoso."),
    )
    assert out.new_person and out.new_pledge and out.attendance_recorded
    view = pledges.get_pledge(db, out.pledge_id)
    assert view.signed_at == local  # same instant, stored in UTC
    assert view.signed_at.tzinfo == dt.UTC
    assert view.utc_offset_minutes == -360
    assert view.may_contact and not view.may_publish_name
    assert view.commitment_version == pledges.COMMITMENT_VERSION
    assert isinstance(view.uuid, uuid.UUID)
    assert people.get_person(db, out.person_id).display_name == "Nguyễn Thị Lan"
    assert _counts(db) == (1, 1)


def test_signing_again_is_attendance_not_a_second_pledge(db, chapter, event):
    first = pledges.sign_up(db, chapter.id, PersonData(given_names="Ana", email="ana@x.org"), PledgeData())
    other = events.create_event(
        db, chapter.id, events.EventData(title="Cine", starts_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)))
    again = pledges.sign_up(
        db, chapter.id, PersonData(given_names="Ana María", email="ANA@X.ORG"), PledgeData(event_id=other.id))
    assert again.person_id == first.person_id and again.pledge_id == first.pledge_id
    assert not again.new_person and not again.new_pledge and again.attendance_recorded
    assert people.get_person(db, first.person_id).given_names == "Ana"  # details untouched
    # The same person at the same event again: nothing new at all.
    third = pledges.sign_up(db, chapter.id, PersonData(given_names="Ana", student_id=None, email="ana@x.org"),
                            PledgeData(event_id=other.id))
    assert not (third.new_person or third.new_pledge or third.attendance_recorded)
    assert _counts(db) == (1, 1)


def test_matched_by_student_id_too(db, chapter):
    a = pledges.sign_up(db, chapter.id, PersonData(given_names="Łukasz", student_id="031234567"), PledgeData())
    b = pledges.sign_up(db, chapter.id, PersonData(given_names="Lukasz", student_id=" 0312 34567"), PledgeData())
    assert a.person_id == b.person_id and not b.new_pledge


def test_record_pledge_for_existing_person(db, chapter, event):
    p = people.create_person(db, chapter.id, PersonData(given_names="王芳"))
    out = pledges.record_pledge(db, p.id, PledgeData(event_id=event.id))
    assert out.new_pledge and out.attendance_recorded
    again = pledges.record_pledge(db, p.id, PledgeData())
    assert again.pledge_id == out.pledge_id and not again.new_pledge
    assert pledges.count_pledges(db, chapter.id) == 1
    assert pledges.count_pledges(db, chapter.id, event_id=event.id) == 1


def test_bad_input_is_refused_with_field_messages(db, chapter, event):
    with pytest.raises(ValidationError) as err:
        pledges.sign_up(db, chapter.id, PersonData(given_names="", email="nope"), PledgeData())
    assert {"given_names", "email"} <= set(err.value.fields)
    with pytest.raises(ValidationError):
        pledges.sign_up(db, chapter.id, PersonData(given_names="A"),
                        PledgeData(signed_at=dt.datetime(2026, 1, 1)))  # naive
    with pytest.raises(NotFound):
        pledges.sign_up(db, 999, PersonData(given_names="A"), PledgeData())
    from chapter_manager.services.chapters import ChapterData, create_chapter

    other = create_chapter(db, ChapterData(name="Other"))
    with pytest.raises(ValidationError) as err:
        pledges.sign_up(db, other.id, PersonData(given_names="A"), PledgeData(event_id=event.id))
    assert "event_id" in err.value.fields
    assert _counts(db) == (0, 0)


def test_rows_carry_device_and_increasing_sequence(db, chapter):
    for i in range(3):
        pledges.sign_up(db, chapter.id, PersonData(given_names=f"P{i}", email=f"p{i}@x.org"), PledgeData())
    with db.read() as s:
        rows = s.execute(select(Pledge.device_id, Pledge.device_seq).order_by(Pledge.id)).all()
    assert {r.device_id for r in rows} == {db.device.id}
    seqs = [r.device_seq for r in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_list_pledges_filters(db, chapter, event):
    for i in range(5):
        pledges.sign_up(db, chapter.id, PersonData(given_names=f"Persona {i}", family_names="Núñez" if i == 2 else "X"),
                        PledgeData(event_id=event.id if i % 2 else None))
    assert len(pledges.list_pledges(db, chapter.id)) == 5
    assert len(pledges.list_pledges(db, chapter.id, event_id=event.id)) == 2
    assert [r.display_name for r in pledges.list_pledges(db, chapter.id, search="nunez")] == ["Persona 2 Núñez"]
    at = pledges.list_pledges(db, chapter.id, event_id=event.id)[0]
    assert at.event_title == "Feria HeForShe"


def test_signing_again_unticked_changes_no_consent_and_ticked_gives_it(db, chapter):
    first = pledges.sign_up(db, chapter.id, PersonData(given_names="Ana", email="ana@x.org"),
                            PledgeData(may_contact=True, may_publish_name=False))
    assert first.consents_given == 1
    # Boxes left unticked are no statement: her consent to be contacted stands.
    again = pledges.sign_up(db, chapter.id, PersonData(given_names="Ana", email="ana@x.org"),
                            PledgeData(may_contact=False, may_publish_name=False))
    assert again.consents_given == 0 and not again.new_pledge
    view = pledges.get_pledge(db, first.pledge_id)
    assert view.may_contact and not view.may_publish_name
    # Ticking a box at a later signing is a statement: it gives that consent.
    third = pledges.sign_up(db, chapter.id, PersonData(given_names="Ana", email="ana@x.org"),
                            PledgeData(may_publish_name=True))
    assert third.consents_given == 1
    view = pledges.get_pledge(db, first.pledge_id)
    assert view.may_contact and view.may_publish_name
