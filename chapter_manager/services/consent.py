"""Consent: what a person said, when, where, and with which notice.

A consent is given by ticking its box at a sign-up (the kiosk, a typed-in sheet) or by
recording it here; it is withdrawn only by an explicit act (the person editor's
"Withdraw consent…", ``chapter-manager consent withdraw``).  A box left unticked says
nothing, so it changes nothing.

Every statement is a row of ``consent_statements`` (given or withdrawn, ``stated_at``,
the laptop in ``device_id``, the event, the notice text version).  A person's consent for
a purpose is their *latest* statement: the greatest ``stated_at``; at the same moment a
withdrawal wins, then the greater UUID, so every laptop and every order of merging agrees.
No statement means no consent.

The pledge keeps the current consent in ``may_contact`` / ``may_publish_name`` for the
rest of the app (exports, the report, counts).  :func:`refresh_pledges` is the one
function that sets them from the statements.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from ..errors import NotFound, ValidationError
from ..i18n import _
from ..models import (
    Chapter,
    ConsentPurpose,
    ConsentStatement,
    Device,
    Event,
    Person,
    Pledge,
    RecordSource,
)
from ..storage import Database
from ..types import utcnow

_statements = ConsentStatement.__table__
_pledges = Pledge.__table__
_CHUNK = 500

# The pledge column that caches each purpose's current consent.
CACHE_COLUMN = {ConsentPurpose.CONTACT: "may_contact", ConsentPurpose.PUBLISH: "may_publish_name"}
PURPOSES = (ConsentPurpose.CONTACT, ConsentPurpose.PUBLISH)


# The namespace of the statements made from pledges of before schema 4 (revision 0004 uses
# the same), so a pack made before the upgrade gives the statements the upgrade gave.
BACKFILL_NAMESPACE = uuid.UUID("5b0f6c1e-3f7a-4c55-9d0e-6a2b1d9c4e10")


def backfill_uuid(pledge_uuid: uuid.UUID, purpose: ConsentPurpose) -> uuid.UUID:
    """The UUID of the "given" statement made from a pre-schema-4 pledge's ticked box."""
    return uuid.uuid5(BACKFILL_NAMESPACE, f"{pledge_uuid}/{purpose.value}")


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def statement_order(stated_at: dt.datetime, given: bool, statement_uuid: uuid.UUID) -> tuple[Any, ...]:
    """Sort key of statements: the greatest is the one that counts.

    Later ``stated_at`` first; at the same moment a withdrawal beats a giving (when in
    doubt, no consent), then the greater UUID (any fixed rule: every laptop agrees).
    """
    return (stated_at, not given, statement_uuid.bytes)


def purpose_of(value: str | ConsentPurpose) -> ConsentPurpose:
    """``contact`` or ``publish`` (also the enum itself); a ValidationError otherwise."""
    try:
        return ConsentPurpose(value)
    except ValueError:
        raise ValidationError({"purpose": _("Unknown consent “{v}”; use contact or publish.").format(
            v=value)}) from None


# --------------------------------------------------------------------------- reading


def current_consent(conn: Connection, person_ids: Iterable[int]) -> dict[int, dict[ConsentPurpose, bool]]:
    """Each person's current consent per purpose (their latest statement; none: False)."""
    ids = sorted(set(person_ids))
    best: dict[tuple[int, ConsentPurpose], tuple[Any, ...]] = {}
    given: dict[tuple[int, ConsentPurpose], bool] = {}
    sc = _statements.c
    for chunk in _chunks(ids):
        for r in conn.execute(select(sc.person_id, sc.purpose, sc.given, sc.stated_at, sc.uuid)
                              .where(sc.person_id.in_(chunk))):
            key = (r.person_id, ConsentPurpose(r.purpose))
            order = statement_order(r.stated_at, bool(r.given), r.uuid)
            if key not in best or order > best[key]:
                best[key] = order
                given[key] = bool(r.given)
    return {pid: {p: given.get((pid, p), False) for p in PURPOSES} for pid in ids}


@dataclass(frozen=True)
class CacheChange:
    """A pledge whose cached consent :func:`refresh_pledges` changed."""

    pledge_id: int
    person_id: int
    before: dict[str, bool]  # column -> value, only the columns that changed
    after: dict[str, bool]


def refresh_pledges(conn: Connection, person_ids: Iterable[int]) -> list[CacheChange]:
    """Set the people's pledges' ``may_contact`` / ``may_publish_name`` from their statements.

    The one place those columns follow the statements.  Returns what changed.
    """
    ids = sorted(set(person_ids))
    if not ids:
        return []
    states = current_consent(conn, ids)
    pc = _pledges.c
    changes: list[CacheChange] = []
    now = utcnow()
    for chunk in _chunks(ids):
        rows = conn.execute(select(pc.id, pc.person_id, pc.may_contact, pc.may_publish_name)
                            .where(pc.person_id.in_(chunk))).all()
        for r in rows:
            state = states[r.person_id]
            before: dict[str, bool] = {}
            after: dict[str, bool] = {}
            for purpose in PURPOSES:
                column = CACHE_COLUMN[purpose]
                old = bool(getattr(r, column))
                if old != state[purpose]:
                    before[column], after[column] = old, state[purpose]
            if after:
                conn.execute(update(_pledges).where(pc.id == r.id).values(
                    **after, updated_at=now, version=pc.version + 1))
                changes.append(CacheChange(r.id, r.person_id, before, after))
    return changes


# --------------------------------------------------------------------------- writing


def statement_row(db: Database, *, chapter_id: int, person_id: int, purpose: ConsentPurpose,
                  given: bool, stated_at: dt.datetime, event_id: int | None, notice_version: str,
                  source: RecordSource, device_seq: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """The values of one statement made on this laptop (for ``insert(consent_statements)``)."""
    now = now or utcnow()
    return {
        "uuid": uuid.uuid4(), "device_id": db.device.id, "device_seq": device_seq,
        "created_at": now, "updated_at": now, "chapter_id": chapter_id, "person_id": person_id,
        "purpose": purpose, "given": given, "stated_at": stated_at.astimezone(dt.UTC),
        "event_id": event_id, "notice_version": notice_version[:32], "source": source,
    }


def record_statements(conn: Connection, db: Database, rows: Sequence[dict[str, Any]]) -> None:
    """Insert statements built by :func:`statement_row` (without ``device_seq``)."""
    if not rows:
        return
    first = db.allocate_sequence(conn, len(rows))
    conn.execute(insert(_statements), [{**r, "device_seq": first + i} for i, r in enumerate(rows)])


def ticked_statements(db: Database, *, chapter_id: int, person_id: int, may_contact: bool,
                      may_publish_name: bool, stated_at: dt.datetime, event_id: int | None,
                      notice_version: str, source: RecordSource) -> list[dict[str, Any]]:
    """A sign-up's statements: "given" for each ticked box, nothing for an unticked one."""
    now = utcnow()
    return [
        statement_row(db, chapter_id=chapter_id, person_id=person_id, purpose=purpose, given=True,
                      stated_at=stated_at, event_id=event_id, notice_version=notice_version,
                      source=source, device_seq=0, now=now)
        for purpose, ticked in ((ConsentPurpose.CONTACT, may_contact),
                                (ConsentPurpose.PUBLISH, may_publish_name)) if ticked
    ]


@dataclass(frozen=True)
class ConsentChanged:
    person_id: int
    purpose: ConsentPurpose
    given: bool  # what was stated
    was: bool  # the consent before
    now: bool  # the consent after (a statement older than the latest changes nothing)


def _state(db: Database, person_id: int, purpose: str | ConsentPurpose, given: bool,
           notice_version: str, stated_at: dt.datetime | None, event_id: int | None,
           source: RecordSource) -> ConsentChanged:
    what = purpose_of(purpose)
    with db.connect(write=True) as conn:
        chapter_id = conn.execute(select(Person.chapter_id).where(Person.id == person_id)).scalar()
        if chapter_id is None:
            raise NotFound(_("There is no person with id {id}.").format(id=person_id))
        if event_id is not None and conn.execute(
                select(Event.chapter_id).where(Event.id == event_id)).scalar() != chapter_id:
            raise ValidationError({"event_id": _("That event does not belong to this chapter.")})
        was = current_consent(conn, [person_id])[person_id][what]
        record_statements(conn, db, [statement_row(
            db, chapter_id=chapter_id, person_id=person_id, purpose=what, given=given,
            stated_at=stated_at or utcnow(), event_id=event_id, notice_version=notice_version,
            source=source, device_seq=0)])
        refresh_pledges(conn, [person_id])
        now = current_consent(conn, [person_id])[person_id][what]
    return ConsentChanged(person_id, what, given, was, now)


def withdraw(db: Database, person_id: int, purpose: str | ConsentPurpose, *,
             notice_version: str = "", stated_at: dt.datetime | None = None) -> ConsentChanged:
    """The person withdraws a consent (an explicit act, recorded on this laptop).

    ``stated_at``: when they said so (a letter dated earlier); now when not given.
    """
    return _state(db, person_id, purpose, False, notice_version, stated_at, None, RecordSource.MANUAL)


def give(db: Database, person_id: int, purpose: str | ConsentPurpose, *, notice_version: str,
         stated_at: dt.datetime | None = None, event_id: int | None = None,
         source: RecordSource = RecordSource.MANUAL) -> ConsentChanged:
    """The person gives a consent (recorded in the app; ``notice_version``: the text shown)."""
    return _state(db, person_id, purpose, True, notice_version, stated_at, event_id, source)


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class ConsentEntry:
    uuid: uuid.UUID
    purpose: ConsentPurpose
    given: bool
    stated_at: dt.datetime  # UTC
    device_id: uuid.UUID
    laptop: str  # the laptop's name as the devices table has it ("" when unnamed)
    this_laptop: bool
    event_id: int | None
    event_title: str  # "" without an event
    notice_version: str
    source: RecordSource
    counts: bool  # the person's latest statement for its purpose: their consent now


@dataclass(frozen=True)
class ConsentHistory:
    person_id: int
    chapter_timezone: str
    may_contact: bool  # current consent
    may_publish_name: bool
    entries: list[ConsentEntry]  # newest first


def history(db: Database, person_id: int) -> ConsentHistory:
    """Everything the person stated about consent, newest first, and where that leaves them."""
    sc = _statements.c
    with db.connect() as conn:
        person = conn.execute(select(Person.id, Chapter.timezone).join(Chapter, Chapter.id == Person.chapter_id)
                              .where(Person.id == person_id)).first()
        if person is None:
            raise NotFound(_("There is no person with id {id}.").format(id=person_id))
        rows = conn.execute(
            select(sc.uuid, sc.purpose, sc.given, sc.stated_at, sc.device_id, sc.event_id,
                   sc.notice_version, sc.source, Device.name, Event.title)
            .outerjoin(Device, Device.id == sc.device_id)
            .outerjoin(Event, Event.id == sc.event_id)
            .where(sc.person_id == person_id)
        ).all()
    ordered = sorted(rows, key=lambda r: statement_order(r.stated_at, bool(r.given), r.uuid), reverse=True)
    latest: dict[ConsentPurpose, uuid.UUID] = {}
    for r in ordered:
        latest.setdefault(ConsentPurpose(r.purpose), r.uuid)
    entries = [
        ConsentEntry(
            uuid=r.uuid, purpose=ConsentPurpose(r.purpose), given=bool(r.given), stated_at=r.stated_at,
            device_id=r.device_id, laptop=r.name or "", this_laptop=r.device_id == db.device.id,
            event_id=r.event_id, event_title=r.title or "", notice_version=r.notice_version or "",
            source=RecordSource(r.source), counts=latest[ConsentPurpose(r.purpose)] == r.uuid,
        )
        for r in ordered
    ]
    now = {p: any(e.counts and e.given for e in entries if e.purpose == p) for p in PURPOSES}
    return ConsentHistory(person_id, person.timezone or "UTC", now[ConsentPurpose.CONTACT],
                          now[ConsentPurpose.PUBLISH], entries)
