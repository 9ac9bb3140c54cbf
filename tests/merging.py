"""Helpers for the merge tests: laptops as database files, packs, and what a merge leaves."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

from sqlalchemy import select

from chapter_manager.device import DeviceIdentity
from chapter_manager.models import (
    Attendance,
    ConsentStatement,
    Event,
    MergeReview,
    Person,
    Pledge,
    RecordSource,
)
from chapter_manager.services.chapters import ChapterData, create_chapter
from chapter_manager.services.events import EventData, create_event
from chapter_manager.services.pack_export import export_pack
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData, sign_up
from chapter_manager.storage import open_database

MAIN_DEVICE = DeviceIdentity(uuid.UUID(int=1), "office")
FAIR_DAY = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


def laptop(n: int) -> DeviceIdentity:
    return DeviceIdentity(uuid.UUID(int=100 + n), f"kiosk {n}")


def make_main(path: Path):  # type: ignore[no-untyped-def]
    """A main database: one chapter, two events (ids 1 and 2)."""
    db = open_database(path, device=MAIN_DEVICE)
    chapter = create_chapter(db, ChapterData(name="HeForShe UNAM", country="MX", timezone="America/Mexico_City"))
    for title, day in (("Jornada de firmas", FAIR_DAY), ("Conversatorio", FAIR_DAY + dt.timedelta(days=7))):
        create_event(db, chapter.id, EventData(title=title, starts_at=day))
    return db


def copy_db(template: Path, to: Path, device: DeviceIdentity):  # type: ignore[no-untyped-def]
    shutil.copyfile(template, to)
    return open_database(to, device=device)


def signup(db, *, given="Ana", family="López", email=None, student_id=None, event_id=1,  # type: ignore[no-untyped-def]
           when=FAIR_DAY, contact=False, publish=False):
    return sign_up(
        db, 1,
        PersonData(given_names=given, family_names=family, email=email, student_id=student_id),
        PledgeData(signed_at=when, event_id=event_id, may_contact=contact, may_publish_name=publish,
                   source=RecordSource.KIOSK),
    )


def pack_of(db, path: Path) -> Path:  # type: ignore[no-untyped-def]
    export_pack(db, path)
    return path


def state(db) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What a merge leaves, independent of local ids and of which copy of a person came first.

    A person is known by (email key, student id), or by their UUID when they have neither
    (such people are never merged automatically, so their UUID is the same in any order).
    """
    with db.read() as s:
        people = {r.id: r for r in s.execute(select(Person.id, Person.uuid, Person.email_key, Person.student_id))}
        events = {r.id: r.uuid for r in s.execute(select(Event.id, Event.uuid))}

        def who(pid: int) -> object:
            p = people[pid]
            return (p.email_key, p.student_id) if (p.email_key or p.student_id) else p.uuid

        pledges = sorted(
            (str(who(r.person_id)), str(events.get(r.event_id)), r.signed_at.isoformat(), str(r.uuid),
             r.may_contact, r.may_publish_name)
            for r in s.execute(select(Pledge))
            .scalars()
        )
        attendance = sorted((str(events[a.event_id]), str(who(a.person_id))) for a in s.execute(select(Attendance)).scalars())
        statements = sorted(
            (str(r.uuid), str(who(r.person_id)), r.purpose.value, r.given, r.stated_at.isoformat())
            for r in s.execute(select(ConsentStatement)).scalars()
        )
        reviews = sorted(
            tuple(sorted((str(who(r.person_id)), str(who(r.candidate_id)))))
            for r in s.execute(select(MergeReview)).scalars()
        )
        return {
            "people": sorted(str(who(pid)) for pid in people),
            "events": sorted(str(u) for u in events.values()),
            "pledges": pledges,
            "attendance": attendance,
            "reviews": reviews,
            "consent_statements": statements,
        }


def forge_pack(src: Path, dst: Path, *statements: tuple[str, tuple[object, ...]],
               header: dict[str, object] | None = None) -> Path:
    """A pack edited after it was made, its checksum computed again: what a forger makes.

    ``statements`` are run on the payload (SQL, parameters); ``header`` replaces fields of
    the header.
    """
    import hashlib
    import json
    import sqlite3
    import tempfile

    from chapter_manager.storage.packs import MAGIC

    raw = src.read_bytes()[len(MAGIC):]
    line, payload = raw.split(b"\n", 1)
    fields = json.loads(line)
    if statements:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "payload.db"
            db.write_bytes(payload)
            conn = sqlite3.connect(db)
            for sql, params in statements:
                conn.execute(sql, params)
            conn.commit()
            conn.execute("VACUUM")
            conn.close()
            payload = db.read_bytes()
    fields["payload_bytes"] = len(payload)
    fields.update(header or {})
    fields.pop("sha256", None)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    fields["sha256"] = hashlib.sha256(canonical + payload).hexdigest()
    dst.write_bytes(MAGIC + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
                    + b"\n" + payload)
    return dst
