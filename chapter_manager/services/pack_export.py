"""Sign-up packs out: this database's sign-ups written to a pack file for another laptop.

The pack file itself (header, checksum, the trimmed database it carries) is made by
``storage.packs.write_pack``; this service chooses what goes in (a chapter, one event or
the sign-ups since a day) and answers with plain counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from .. import jobs
from ..errors import NotFound
from ..i18n import _
from ..models import Chapter, Event
from ..storage import Database
from ..storage.packs import write_pack

_events = Event.__table__


@dataclass(frozen=True)
class PackWritten:
    path: Path
    people: int
    pledges: int
    attendance: int
    events: int


def export_pack(db: Database, out: Path | str, *, chapter_id: int | None = None,
                event_id: int | None = None, since: dt.date | None = None,
                progress: jobs.Progress | None = None, cancel: jobs.CancelSignal | None = None) -> PackWritten:
    """Write this database's sign-ups (optionally of one event, or since a day) to a pack."""
    event_uuid = None
    if event_id is None and chapter_id is None:
        with db.connect() as conn:
            ids = conn.execute(select(Chapter.id).limit(2)).scalars().all()
        if len(ids) > 1:
            from ..errors import ChapterChoiceNeeded

            raise ChapterChoiceNeeded(
                _("This database holds several chapters; choose one (--chapter ID)."))
    if event_id is not None:
        with db.connect() as conn:
            row = conn.execute(select(_events.c.uuid, _events.c.chapter_id).where(_events.c.id == event_id)).first()
        if row is None:
            raise NotFound(_("There is no event with id {id}.").format(id=event_id))
        event_uuid = row.uuid
        chapter_id = chapter_id or row.chapter_id
    with db.raw_sqlite() as raw:
        written = write_pack(raw, Path(out), device_id=db.device.id, device_name=db.device.name,
                             chapter_id=chapter_id, event_id=event_id, event_uuid=event_uuid, since=since,
                             progress=progress, cancel=cancel)
    c = written.counts
    return PackWritten(written.path, c["people"], c["pledges"], c["attendance"], c["events"])

