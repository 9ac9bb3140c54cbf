"""Pledges: one HeForShe commitment per person per chapter.

Signing again is attendance, not a second pledge.  :func:`sign_up` is the kiosk's hot
path: one short write transaction that finds or creates the person, records the pledge
(or, for someone who already pledged, the attendance) and commits to disk before it
returns.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, insert, or_, select

from ..errors import NotFound, ValidationError
from ..i18n import _
from ..models import (
    Attendance,
    Chapter,
    Event,
    Person,
    Pledge,
    RecordSource,
)
from ..storage import Database
from ..text import email_key
from ..types import utcnow
from ..validation import check_text
from .common import get_or_fail, to_view
from .derived import person_search_text
from .people import PersonData, _validated, display_name

COMMITMENT_VERSION = "2024-1"
CONSENT_VERSION = "2024-1"

_people = Person.__table__
_pledges = Pledge.__table__
_attendance = Attendance.__table__


@dataclass
class PledgeData:
    signed_at: dt.datetime | None = None  # aware; now when None
    event_id: int | None = None
    commitment_version: str = COMMITMENT_VERSION
    personal_commitment: str = ""
    may_contact: bool = False
    may_publish_name: bool = False
    consent_version: str = CONSENT_VERSION
    source: RecordSource = RecordSource.MANUAL


@dataclass(frozen=True)
class PledgeView:
    id: int
    uuid: uuid.UUID
    chapter_id: int
    person_id: int
    event_id: int | None
    signed_at: dt.datetime
    utc_offset_minutes: int
    commitment_version: str
    personal_commitment: str
    may_contact: bool
    may_publish_name: bool
    consent_version: str
    source: RecordSource


@dataclass(frozen=True)
class PledgeRow:
    id: int
    person_id: int
    display_name: str
    event_id: int | None
    event_title: str | None
    signed_at: dt.datetime
    source: RecordSource


@dataclass(frozen=True)
class SignUpOutcome:
    person_id: int
    pledge_id: int
    new_person: bool
    new_pledge: bool
    attendance_recorded: bool
    extra: dict[str, object] = field(default_factory=dict)


def _pledge_values(data: PledgeData) -> dict[str, object]:
    signed_at = data.signed_at or dt.datetime.now().astimezone()
    if signed_at.tzinfo is None:
        raise ValidationError({"signed_at": _("The signing time needs a time zone.")})
    offset = signed_at.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return {
        "signed_at": signed_at,
        "utc_offset_minutes": minutes,
        "commitment_version": check_text(
            data.commitment_version, "commitment_version", _("Commitment text version"),
            limit=32, required=True,
        ),
        "personal_commitment": check_text(
            data.personal_commitment, "personal_commitment", _("Personal commitment"),
            limit=2000, multiline=True,
        ),
        "may_contact": bool(data.may_contact),
        "may_publish_name": bool(data.may_publish_name),
        "consent_version": check_text(
            data.consent_version, "consent_version", _("Consent text version"),
            limit=32, required=True,
        ),
        "source": RecordSource(data.source),
    }


def _check_event(conn, chapter_id: int, event_id: int | None) -> None:  # type: ignore[no-untyped-def]
    if event_id is None:
        return
    found = conn.execute(
        select(Event.chapter_id).where(Event.id == event_id)
    ).scalar()
    if found != chapter_id:
        raise ValidationError({"event_id": _("That event does not belong to this chapter.")})


def sign_up(db: Database, chapter_id: int, person: PersonData, pledge: PledgeData) -> SignUpOutcome:
    """Record a pledge from a sign-up form, committed to disk before returning.

    The person is matched by normalised email or student id; someone who signs again gets
    an attendance at the event (if any), never a second pledge, and their stored details
    are left as they were.
    """
    values = _pledge_values(pledge)
    now = utcnow()
    with db.connect(write=True) as conn:
        country = conn.execute(select(Chapter.country).where(Chapter.id == chapter_id)).scalar()
        if country is None:
            raise NotFound(_("There is no chapter with id {id}.").format(id=chapter_id))
        person_values = _validated(person, country)
        _check_event(conn, chapter_id, pledge.event_id)
        key = email_key(person_values["email"])  # type: ignore[arg-type]
        conditions = []
        if key:
            conditions.append(_people.c.email_key == key)
        if person_values["student_id"]:
            conditions.append(_people.c.student_id == person_values["student_id"])
        person_id = None
        if conditions:
            person_id = conn.execute(
                select(_people.c.id).where(_people.c.chapter_id == chapter_id, or_(*conditions)).limit(1)
            ).scalar()
        pledge_id = None
        if person_id is not None:
            pledge_id = conn.execute(
                select(_pledges.c.id).where(
                    _pledges.c.chapter_id == chapter_id, _pledges.c.person_id == person_id
                )
            ).scalar()
        want_attendance = pledge.event_id is not None
        attendance_exists = False
        if want_attendance and person_id is not None:
            attendance_exists = conn.execute(
                select(_attendance.c.id).where(
                    _attendance.c.event_id == pledge.event_id,
                    _attendance.c.person_id == person_id,
                )
            ).scalar() is not None
        rows_needed = (person_id is None) + (pledge_id is None) + (
            want_attendance and not attendance_exists
        )
        seq = db.allocate_sequence(conn, rows_needed) if rows_needed else 0
        device = db.device.id
        new_person = person_id is None
        if new_person:
            person_id = conn.execute(
                insert(_people).values(
                    chapter_id=chapter_id,
                    uuid=uuid.uuid4(),
                    device_id=device,
                    device_seq=seq,
                    created_at=now,
                    updated_at=now,
                    email_key=key,
                    search_text=person_search_text(
                        person_values["given_names"],  # type: ignore[arg-type]
                        person_values["family_names"],  # type: ignore[arg-type]
                        person_values["preferred_name"],  # type: ignore[arg-type]
                        person_values["email"],  # type: ignore[arg-type]
                        person_values["student_id"],  # type: ignore[arg-type]
                    ),
                    **person_values,
                )
            ).inserted_primary_key[0]
            seq += 1
        new_pledge = pledge_id is None
        if new_pledge:
            pledge_id = conn.execute(
                insert(_pledges).values(
                    chapter_id=chapter_id,
                    person_id=person_id,
                    event_id=pledge.event_id,
                    uuid=uuid.uuid4(),
                    device_id=device,
                    device_seq=seq,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            ).inserted_primary_key[0]
            seq += 1
        attendance_recorded = False
        if want_attendance and not attendance_exists:
            conn.execute(
                insert(_attendance).values(
                    event_id=pledge.event_id,
                    person_id=person_id,
                    checked_in_at=values["signed_at"],
                    source=values["source"],
                    uuid=uuid.uuid4(),
                    device_id=device,
                    device_seq=seq,
                    created_at=now,
                    updated_at=now,
                )
            )
            attendance_recorded = True
    return SignUpOutcome(
        person_id=int(person_id),  # type: ignore[arg-type]
        pledge_id=int(pledge_id),  # type: ignore[arg-type]
        new_person=new_person,
        new_pledge=new_pledge,
        attendance_recorded=attendance_recorded,
    )


def record_pledge(db: Database, person_id: int, data: PledgeData) -> SignUpOutcome:
    """Record the pledge of a person already in the chapter (typed from a paper sheet)."""
    values = _pledge_values(data)
    with db.write() as s:
        person = get_or_fail(s, Person, person_id, _("person"))
        _check_event(s.connection(), person.chapter_id, data.event_id)
        existing = s.scalars(
            select(Pledge).where(Pledge.chapter_id == person.chapter_id, Pledge.person_id == person_id)
        ).first()
        attendance = False
        if data.event_id is not None:
            seen = s.scalar(
                select(Attendance.id).where(
                    Attendance.event_id == data.event_id, Attendance.person_id == person_id
                )
            )
            if seen is None:
                s.add(
                    Attendance(
                        event_id=data.event_id,
                        person_id=person_id,
                        checked_in_at=values["signed_at"],
                        source=values["source"],
                    )
                )
                attendance = True
        if existing is None:
            existing = Pledge(chapter_id=person.chapter_id, person_id=person_id, event_id=data.event_id, **values)
            s.add(existing)
            created = True
        else:
            created = False
        s.flush()
        return SignUpOutcome(person_id, existing.id, False, created, attendance)


def get_pledge(db: Database, pledge_id: int) -> PledgeView:
    with db.read() as s:
        return to_view(PledgeView, get_or_fail(s, Pledge, pledge_id, _("pledge")))


def delete_pledge(db: Database, pledge_id: int) -> None:
    with db.write() as s:
        s.delete(get_or_fail(s, Pledge, pledge_id, _("pledge")))


def list_pledges(
    db: Database,
    chapter_id: int,
    *,
    event_id: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    search: str | None = None,
    limit: int | None = 100,
    offset: int = 0,
    descending: bool = True,
) -> list[PledgeRow]:
    """Pledges of a chapter, newest first, filtered in SQL."""
    with db.read() as s:
        stmt = (
            select(
                Pledge.id,
                Pledge.person_id,
                Person.given_names,
                Person.family_names,
                Person.preferred_name,
                Person.family_name_first,
                Pledge.event_id,
                Event.title,
                Pledge.signed_at,
                Pledge.source,
            )
            .join(Person, Person.id == Pledge.person_id)
            .outerjoin(Event, Event.id == Pledge.event_id)
            .where(Pledge.chapter_id == chapter_id)
        )
        if event_id is not None:
            stmt = stmt.where(Pledge.event_id == event_id)
        if start is not None:
            stmt = stmt.where(Pledge.signed_at >= start)
        if end is not None:
            stmt = stmt.where(Pledge.signed_at < end)
        if search and search.strip():
            from ..storage.search import matching_people

            ids = matching_people(s, chapter_id, search)
            if ids is None:
                return []
            stmt = stmt.where(Pledge.person_id.in_(ids.order_by(None)))
        order = Pledge.signed_at.desc() if descending else Pledge.signed_at
        stmt = stmt.order_by(order, Pledge.id.desc() if descending else Pledge.id)
        if limit is not None:
            stmt = stmt.limit(limit).offset(offset)
        return [
            PledgeRow(
                id=r.id,
                person_id=r.person_id,
                display_name=display_name(
                    r.given_names, r.family_names, r.preferred_name, r.family_name_first
                ),
                event_id=r.event_id,
                event_title=r.title,
                signed_at=r.signed_at,
                source=r.source,
            )
            for r in s.execute(stmt)
        ]


def count_pledges(db: Database, chapter_id: int, *, event_id: int | None = None) -> int:
    with db.read() as s:
        stmt = select(func.count(Pledge.id)).where(Pledge.chapter_id == chapter_id)
        if event_id is not None:
            stmt = stmt.where(Pledge.event_id == event_id)
        return int(s.scalar(stmt) or 0)
