"""Pledges: one HeForShe commitment per person per chapter.

Signing again is attendance, not a second pledge.  A ticked consent box is a "given"
statement (``services.consent``); an unticked one says nothing and changes nothing.  :func:`sign_up` is the kiosk's hot
path: one short write transaction that finds or creates the person, records the pledge
(or, for someone who already pledged, the attendance) and commits to disk before it
returns.

:func:`relink_pledge` moves a pledge to a person already in the chapter when a sheet made
a second entry for them (a different email, a typo); the placeholder entry goes when
nothing else refers to it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..derived import person_keys
from ..errors import NotFound, ValidationError
from ..i18n import _
from ..models import (
    ActionItem,
    Attendance,
    AuditAction,
    Chapter,
    ConsentPurpose,
    ConsentStatement,
    Event,
    ForumFacilitator,
    Membership,
    MergeReview,
    OfficerTerm,
    Person,
    Pledge,
    RecordSource,
    Testimony,
    Tombstone,
)
from ..storage import Database
from ..storage.bulk import RowEncoder, insert_sql
from ..storage.prepared import Prepared
from ..text import email_key
from ..types import utcnow
from ..validation import Problems, check_aware, check_text, shorten
from .common import audit, get_or_fail, to_view
from .consent import record_statements, refresh_pledges, ticked_statements
from .identity import IDENTIFIER, offer_details, offered_values, person_agrees
from .import_undo import forget_people
from .people import PersonData, _validated, display_name

COMMITMENT_VERSION = "2024-1"
CONSENT_VERSION = "2024-1"

_people = Person.__table__
_pledges = Pledge.__table__
_attendance = Attendance.__table__
_statements = ConsentStatement.__table__


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
    consents_given: int = 0  # "given" statements recorded (one per ticked box)
    # Someone here has this email or student id under another name: the sign-up was kept
    # on a person of its own, without it, and the pair waits for review.  (The kiosk
    # never says so: its thanks are the same for everyone.)
    kept_apart: bool = False
    details_offered: bool = False  # values for empty fields of the person: queued for review


def _pledge_values(data: PledgeData) -> dict[str, object]:
    p = Problems()
    out: dict[str, object] = {}
    with p.field("signed_at"):
        signed_at = check_aware(
            data.signed_at or dt.datetime.now().astimezone(), "signed_at", _("Signing time")
        )
        assert signed_at is not None
        offset = signed_at.utcoffset() or dt.timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        if abs(minutes) > 18 * 60:
            p.add("signed_at", _("The signing time's UTC offset must be within ±18 hours."))
        out["signed_at"], out["utc_offset_minutes"] = signed_at, minutes
    for name, label, limit, multiline, required in (
        ("commitment_version", _("Commitment text version"), 32, False, True),
        ("personal_commitment", _("Personal commitment"), 2000, True, False),
        ("consent_version", _("Consent text version"), 32, False, True),
    ):
        with p.field(name):
            out[name] = check_text(
                getattr(data, name), name, label, limit=limit, required=required, multiline=multiline
            )
    out["may_contact"] = bool(data.may_contact)
    out["may_publish_name"] = bool(data.may_publish_name)
    try:
        out["source"] = RecordSource(data.source)
    except ValueError:
        p.add("source", _("Unknown source “{v}”.").format(v=shorten(str(data.source))))
    p.raise_if_any()
    return out


def _check_event(conn, chapter_id: int, event_id: int | None) -> None:
    if event_id is None:
        return
    found = conn.execute(
        select(Event.chapter_id).where(Event.id == event_id)
    ).scalar()
    if found != chapter_id:
        raise ValidationError({"event_id": _("That event does not belong to this chapter.")})


_PERSON_COLUMNS = (
    "chapter_id", "uuid", "device_id", "device_seq", "created_at", "updated_at",
    "given_names", "family_names", "family_name_first", "preferred_name", "email", "email_key",
    "phone", "student_id", "affiliation", "department", "programme", "year_of_study", "gender",
    "pronouns", "do_not_disclose", "notes", "search_text", "name_key", "sort_key",
)
_PLEDGE_COLUMNS = (
    "chapter_id", "person_id", "event_id", "uuid", "device_id", "device_seq", "created_at",
    "updated_at", "signed_at", "utc_offset_minutes", "commitment_version", "personal_commitment",
    "may_contact", "may_publish_name", "consent_version", "source",
)
_ATTENDANCE_COLUMNS = (
    "event_id", "person_id", "checked_in_at", "source", "uuid", "device_id", "device_seq",
    "created_at", "updated_at",
)

_CHAPTER_COUNTRY = Prepared(select(Chapter.country).where(Chapter.id == bindparam("chapter")))
_EVENT_CHAPTER = Prepared(select(Event.chapter_id).where(Event.id == bindparam("event")))
_PERSON_BY_EMAIL = Prepared(
    select(_people.c.id).where(_people.c.chapter_id == bindparam("chapter"),
                               _people.c.email_key == bindparam("key")).limit(1)
)
_PERSON_BY_STUDENT_ID = Prepared(
    select(_people.c.id).where(_people.c.chapter_id == bindparam("chapter"),
                               _people.c.student_id == bindparam("sid")).limit(1)
)
_PLEDGE_OF = Prepared(
    select(_pledges.c.id).where(_pledges.c.chapter_id == bindparam("chapter"),
                                _pledges.c.person_id == bindparam("person"))
)
_ATTENDANCE_OF = Prepared(
    select(_attendance.c.id).where(_attendance.c.event_id == bindparam("event"),
                                   _attendance.c.person_id == bindparam("person"))
)
_STATEMENT_COLUMNS = (
    "chapter_id", "person_id", "purpose", "given", "stated_at", "event_id", "notice_version",
    "source", "uuid", "device_id", "device_seq", "created_at", "updated_at",
)


class _Inserts:
    """INSERT statements and row encoders for one dialect, built once."""

    _by_dialect: dict[str, _Inserts] = {}

    def __init__(self, conn: Connection):
        d = conn.dialect
        self.person_sql = insert_sql(d, _people, _PERSON_COLUMNS)
        self.pledge_sql = insert_sql(d, _pledges, _PLEDGE_COLUMNS)
        self.attendance_sql = insert_sql(d, _attendance, _ATTENDANCE_COLUMNS)
        self.statement_sql = insert_sql(d, _statements, _STATEMENT_COLUMNS)
        self.statement = RowEncoder(d, _statements, _STATEMENT_COLUMNS).encode
        self.person = RowEncoder(d, _people, _PERSON_COLUMNS).encode
        self.pledge = RowEncoder(d, _pledges, _PLEDGE_COLUMNS).encode
        self.attendance = RowEncoder(d, _attendance, _ATTENDANCE_COLUMNS).encode
        self.returns_ids = d.name == "sqlite"
        self.now = RowEncoder(d, _pledges, ("updated_at",)).converters[0] or (lambda v: v)

    @classmethod
    def get(cls, conn: Connection) -> _Inserts:
        found = cls._by_dialect.get(conn.dialect.name)
        if found is None:
            found = cls._by_dialect[conn.dialect.name] = cls(conn)
        return found

    def insert(self, conn: Connection, sql: str, row: tuple[object, ...], table: object) -> int:
        cursor = conn.exec_driver_sql(sql, row)
        if self.returns_ids and cursor.lastrowid:
            return int(cursor.lastrowid)
        # Other databases: read the id back by the row's unique uuid.
        uuid_value = row[_PERSON_COLUMNS.index("uuid")] if table is _people else None
        raise NotImplementedError(f"id read-back for {table} ({uuid_value}) is SQLite-only")


def sign_up(db: Database, chapter_id: int, person: PersonData, pledge: PledgeData) -> SignUpOutcome:
    """Record a pledge from a sign-up form, committed to disk before returning.

    The person is matched by normalised email or student id *and* a name that agrees
    (``identity.names_agree``); someone who signs again gets an attendance at the event
    (if any), never a second pledge, and their stored details are left as they were:
    values offered for their empty fields wait in the review queue ("details").  An email
    or student id of someone here with another name is kept on a new person without that
    identifier, queued with them for review ("identifier"); nothing of theirs changes.  This is the kiosk's hot path: statements are compiled once
    and values go to the driver already encoded (see ``storage.prepared``).
    """
    values = _pledge_values(pledge)
    event_id = pledge.event_id
    # Validate before taking the write lock: nothing slow happens while others wait.
    with db.connect() as conn:
        country = _CHAPTER_COUNTRY.run(conn, chapter=chapter_id).scalar()
    if country is None:
        raise NotFound(_("There is no chapter with id {id}.").format(id=chapter_id))
    pv = _validated(person, country)
    with db.connect(write=True) as conn:
        if event_id is not None and _EVENT_CHAPTER.run(conn, event=event_id).scalar() != chapter_id:
            raise ValidationError({"event_id": _("That event does not belong to this chapter.")})
        key = email_key(pv["email"])  # type: ignore[arg-type]
        by_email = _PERSON_BY_EMAIL.run(conn, chapter=chapter_id, key=key).scalar() if key else None
        by_sid = (_PERSON_BY_STUDENT_ID.run(conn, chapter=chapter_id, sid=pv["student_id"]).scalar()
                  if pv["student_id"] else None)
        person_id, clash = _identify(conn, pv, by_email, by_sid)
        if clash is not None:
            # Someone else's email or student id with another name: the sign-up is kept
            # on a person of its own, without what clashes, and the pair waits for the
            # organiser.  Nothing of the person here changes.
            if by_email is not None:
                pv["email"], key = None, None
            if by_sid is not None:
                pv["student_id"] = None
            person_id = _earlier_claimant(conn, chapter_id, clash, pv)
        new_person = person_id is None
        pledge_id = None
        if not new_person:
            pledge_id = _PLEDGE_OF.run(conn, chapter=chapter_id, person=person_id).scalar()
        new_pledge = pledge_id is None
        new_attendance = event_id is not None and (
            new_person or _ATTENDANCE_OF.run(conn, event=event_id, person=person_id).scalar() is None
        )
        # A ticked box is a statement ("given"); an unticked one says nothing.
        ticked = [purpose for purpose, box in ((ConsentPurpose.CONTACT, values["may_contact"]),
                                               (ConsentPurpose.PUBLISH, values["may_publish_name"])) if box]
        needed = new_person + new_pledge + new_attendance + len(ticked)
        offered = False
        if clash is None and not new_person:
            # Values offered for fields empty here wait for the organiser's review.
            here = conn.execute(select(_people.c.email, _people.c.student_id, _people.c.phone)
                                .where(_people.c.id == person_id)).one()._mapping
            offered = offer_details(conn, chapter_id, person_id,  # type: ignore[arg-type]
                                    _free(conn, chapter_id, offered_values(pv, here)), event_id) is not None
        if not needed:
            return SignUpOutcome(person_id, pledge_id, False, False, False,  # type: ignore[arg-type]
                                 kept_apart=clash is not None, details_offered=offered)
        seq = db.allocate_sequence(conn, needed)
        ins = _Inserts.get(conn)
        device = db.device.id
        now = utcnow()
        if new_person:
            keys = person_keys(
                pv["given_names"], pv["family_names"], pv["preferred_name"],  # type: ignore[arg-type]
                pv["email"], pv["student_id"], pv["family_name_first"],  # type: ignore[arg-type]
            )
            row = ins.person((
                chapter_id, uuid.uuid4(), device, seq, now, now,
                pv["given_names"], pv["family_names"], pv["family_name_first"], pv["preferred_name"],
                pv["email"], key, pv["phone"], pv["student_id"], pv["affiliation"], pv["department"],
                pv["programme"], pv["year_of_study"], pv["gender"], pv["pronouns"],
                pv["do_not_disclose"], pv["notes"], keys.search_text, keys.name_key, keys.sort_key,
            ))
            person_id = ins.insert(conn, ins.person_sql, row, _people)
            seq += 1
        if new_pledge:
            row = ins.pledge((
                chapter_id, person_id, event_id, uuid.uuid4(), device, seq, now, now,
                values["signed_at"], values["utc_offset_minutes"], values["commitment_version"],
                values["personal_commitment"], values["may_contact"], values["may_publish_name"],
                values["consent_version"], values["source"],
            ))
            pledge_id = ins.insert(conn, ins.pledge_sql, row, _pledges)
            seq += 1
        if new_attendance:
            row = ins.attendance((
                event_id, person_id, values["signed_at"], values["source"], uuid.uuid4(), device,
                seq, now, now,
            ))
            conn.exec_driver_sql(ins.attendance_sql, row)
            seq += 1
        for purpose in ticked:
            conn.exec_driver_sql(ins.statement_sql, ins.statement((
                chapter_id, person_id, purpose, True, values["signed_at"], event_id,
                values["consent_version"], values["source"], uuid.uuid4(), device, seq, now, now,
            )))
            seq += 1
        if not new_person:
            # Someone known: their pledge's consent follows all their statements (a
            # withdrawal stated later than this signing still stands).
            refresh_pledges(conn, [person_id])  # type: ignore[list-item]
        if clash is not None and new_person:
            conn.execute(insert(MergeReview.__table__).values(
                chapter_id=chapter_id, person_id=person_id, candidate_id=clash, event_id=event_id,
                created_at=now, reason=IDENTIFIER, proposed=None))
    return SignUpOutcome(
        person_id=int(person_id),  # type: ignore[arg-type]
        pledge_id=int(pledge_id),  # type: ignore[arg-type]
        new_person=new_person,
        new_pledge=new_pledge,
        attendance_recorded=bool(new_attendance),
        consents_given=len(ticked),
        kept_apart=clash is not None,
        details_offered=offered,
    )


_NAMES = (_people.c.given_names, _people.c.family_names, _people.c.preferred_name)


def _identify(conn: Connection, pv: dict[str, object], by_email: int | None,
              by_sid: int | None) -> tuple[int | None, int | None]:
    """(the person this sign-up is, the person whose identifier it clashes with).

    The email's person, else the student id's, when the name agrees (``identity``); when
    neither name agrees, no one, and the clash is with the email's person (else the
    student id's).
    """
    found = [pid for pid in dict.fromkeys((by_email, by_sid)) if pid is not None]
    for pid in found:
        row = conn.execute(select(*_NAMES).where(_people.c.id == pid)).one()._mapping
        if person_agrees(pv["given_names"], pv["family_names"], row):  # type: ignore[arg-type]
            return pid, None
    return None, (found[0] if found else None)


def _earlier_claimant(conn: Connection, chapter_id: int, candidate: int, pv: dict[str, object]) -> int | None:
    """The person an earlier sign-up with this name and this clashing identifier made
    (waiting in the queue): signing again is the same sign-up, not a third person."""
    mr = MergeReview.__table__
    for row in conn.execute(
        select(*_NAMES, _people.c.id).join(mr, mr.c.person_id == _people.c.id)
        .where(mr.c.chapter_id == chapter_id, mr.c.candidate_id == candidate,
               mr.c.reason == IDENTIFIER, mr.c.resolved_at.is_(None))
    ):
        if person_agrees(pv["given_names"], pv["family_names"], row._mapping):  # type: ignore[arg-type]
            return int(row.id)
    return None


def _free(conn: Connection, chapter_id: int, offered: dict[str, str]) -> dict[str, str]:
    """Offered identifiers no one in the chapter has (a taken one is not offered)."""
    out = dict(offered)
    if out.get("email"):
        taken = _PERSON_BY_EMAIL.run(conn, chapter=chapter_id, key=email_key(out["email"])).scalar()
        if taken is not None:
            del out["email"]
    if out.get("student_id"):
        taken = _PERSON_BY_STUDENT_ID.run(conn, chapter=chapter_id, sid=out["student_id"]).scalar()
        if taken is not None:
            del out["student_id"]
    return out


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
        conn = s.connection()
        statements = ticked_statements(
            db, chapter_id=person.chapter_id, person_id=person_id,
            may_contact=bool(values["may_contact"]), may_publish_name=bool(values["may_publish_name"]),
            stated_at=values["signed_at"], event_id=data.event_id,  # type: ignore[arg-type]
            notice_version=str(values["consent_version"]), source=values["source"],  # type: ignore[arg-type]
        )
        record_statements(conn, db, statements)
        refresh_pledges(conn, [person_id])
        return SignUpOutcome(person_id, existing.id, False, created, attendance, len(statements))


def get_pledge(db: Database, pledge_id: int) -> PledgeView:
    with db.read() as s:
        return to_view(PledgeView, get_or_fail(s, Pledge, pledge_id, _("pledge")))


@dataclass(frozen=True)
class RelinkOutcome:
    pledge_id: int
    person_id: int  # who the pledge belongs to now
    previous_person_id: int
    attendance_moved: bool  # the attendance recorded with the pledge moved with it
    previous_person_removed: bool  # the placeholder entry had nothing else and was removed


def _has_anything(s: Session, person_id: int) -> bool:
    """Whether anything besides the person's own row still refers to them."""
    checks = (
        select(Pledge.id).where(Pledge.person_id == person_id),
        select(Attendance.id).where(Attendance.person_id == person_id),
        select(Membership.id).where(Membership.person_id == person_id),
        select(OfficerTerm.id).where(OfficerTerm.person_id == person_id),
        select(ForumFacilitator.id).where(ForumFacilitator.person_id == person_id),
        select(ActionItem.id).where(ActionItem.owner_id == person_id),
        select(Testimony.id).where(Testimony.person_id == person_id),
    )
    return any(s.scalar(stmt.limit(1)) is not None for stmt in checks)


def relink_pledge(db: Database, pledge_id: int, person_id: int) -> RelinkOutcome:
    """Move a pledge to another person of the same chapter (a paper sheet or kiosk entry
    that made a second entry for someone already in the chapter).

    * Refused (``ValidationError`` on ``person_id``) when that person already has a
      pledge in the chapter: a person pledges once.
    * The consent statements made at the pledge's signing go with it (all the previous
      person's statements when that entry is removed); the pledge's consent is then the
      new person's latest statement.
    * The attendance recorded with the pledge (the previous person's attendance at the
      pledge's event) moves with it, unless the new person is already recorded there.
    * The previous person is removed when nothing else refers to them any more (no
      membership, officer term, attendance, forum role, testimony): they were only the
      placeholder the pledge created.  Their details are not kept; a tombstone of their
      UUID (no email or student id hashes: the human is not erased, only a duplicate
      entry) stops a merge from bringing the entry back.
    * An audit entry records the move (no personal data).
    """
    with db.write() as s:
        pledge = get_or_fail(s, Pledge, pledge_id, _("pledge"))
        person = get_or_fail(s, Person, person_id, _("person"))
        if person.chapter_id != pledge.chapter_id:
            raise ValidationError({"person_id": _("That person belongs to another chapter.")})
        previous_id = pledge.person_id
        if previous_id == person_id:
            return RelinkOutcome(pledge_id, person_id, previous_id, False, False)
        other = s.scalars(
            select(Pledge).where(Pledge.chapter_id == pledge.chapter_id, Pledge.person_id == person_id)
        ).first()
        if other is not None:
            signed = other.signed_at + dt.timedelta(minutes=other.utc_offset_minutes)
            raise ValidationError({
                "person_id": _(
                    "{name} already pledged in this chapter (on {date}); a person pledges only "
                    "once. Delete one of the two pledges first if they are the same person."
                ).format(name=display_name(person.given_names, person.family_names,
                                           person.preferred_name, person.family_name_first),
                         date=signed.date().isoformat())
            })
        pledge.person_id = person_id
        moved = False
        if pledge.event_id is not None:
            old_attendance = s.scalars(
                select(Attendance).where(
                    Attendance.event_id == pledge.event_id, Attendance.person_id == previous_id
                )
            ).first()
            if old_attendance is not None:
                already = s.scalar(
                    select(Attendance.id).where(
                        Attendance.event_id == pledge.event_id, Attendance.person_id == person_id
                    )
                )
                if already is None:
                    old_attendance.person_id = person_id
                    moved = True
                else:
                    s.delete(old_attendance)
        s.flush()
        conn = s.connection()
        sc = _statements.c
        # The consents ticked at this signing are the new person's.
        conn.execute(_statements.update().where(sc.person_id == previous_id,
                                                sc.stated_at == pledge.signed_at).values(person_id=person_id))
        removed = False
        previous = s.get(Person, previous_id)
        if previous is not None and not _has_anything(s, previous_id):
            # The placeholder goes: whatever else it stated is the same human's.
            conn.execute(_statements.update().where(sc.person_id == previous_id).values(person_id=person_id))
            chapter = s.get(Chapter, previous.chapter_id)
            assert chapter is not None
            s.add(Tombstone(chapter_uuid=chapter.uuid, entity="person", uuid=previous.uuid,
                            device_id=db.device.id))
            forget_people(s.connection(), [(chapter.id, previous.uuid)])
            s.delete(previous)
            removed = True
        refresh_pledges(conn, [person_id])
        audit(
            s, AuditAction.MERGE, "pledge moved to another person", chapter_id=pledge.chapter_id,
            entity="pledge", entity_uuid=pledge.uuid,
            details={"placeholder_removed": removed, "attendance_moved": moved},
        )
        s.flush()
        return RelinkOutcome(pledge_id, person_id, previous_id, moved, removed)


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
            stmt = stmt.where(Pledge.person_id.in_(ids))
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
