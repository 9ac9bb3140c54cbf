"""Undoing a merge: the rows it inserted go, the rows it changed get their values back.

A merge records each row it inserted or changed in ``merge_rows`` (with the old values as
JSON, :func:`.merge.row_from_json`); only the chapter's newest merge not undone yet can be
undone, since a later one may build on it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from .. import jobs
from ..errors import ChapterError, NotFound
from ..i18n import _
from ..models import (
    Attendance,
    AuditAction,
    AuditEntry,
    ConsentStatement,
    Event,
    EventAlias,
    MergeBatch,
    MergeReview,
    MergeRow,
    Person,
    Pledge,
)
from ..storage import Database
from ..types import utcnow
from .consent import refresh_pledges
from .import_undo import forget_people
from .merge import chunks, row_from_json

_people = Person.__table__
_pledges = Pledge.__table__
_attendance = Attendance.__table__
_events = Event.__table__
_statements = ConsentStatement.__table__


@dataclass(frozen=True)
class MergeBatchView:
    id: int
    chapter_id: int
    merged_at: dt.datetime
    packs: list[dict[str, object]]
    summary: dict[str, object]
    undone_at: dt.datetime | None


def list_merges(db: Database, chapter_id: int) -> list[MergeBatchView]:
    """The chapter's merges, newest first."""
    t = MergeBatch.__table__
    with db.connect() as conn:
        return [MergeBatchView(r.id, r.chapter_id, r.merged_at, r.packs, r.summary, r.undone_at)
                for r in conn.execute(select(t).where(t.c.chapter_id == chapter_id).order_by(t.c.id.desc()))]


def undo_merge(db: Database, batch_id: int, *, progress: jobs.Progress | None = None,
               cancel: jobs.CancelSignal | None = None) -> int:
    """Take back everything one merge added or changed; return how many rows.

    Only the chapter's newest merge that is not undone yet can be undone (a later merge
    may build on it).  People the merge added go, with whatever was recorded about them
    since; pledges the merge changed get their earlier values back.
    """
    t, r = MergeBatch.__table__, MergeRow.__table__
    jobs.check(cancel)
    with db.connect(write=True) as conn:
        jobs.check(cancel)  # the last moment: past it the undo runs to its end
        batch = conn.execute(select(t).where(t.c.id == batch_id)).first()
        if batch is None:
            raise NotFound(_("There is no merge with id {id}.").format(id=batch_id))
        if batch.undone_at is not None:
            raise ChapterError(_("That merge was undone already."))
        newer = conn.execute(select(func.count()).select_from(t).where(
            t.c.chapter_id == batch.chapter_id, t.c.id > batch_id, t.c.undone_at.is_(None))).scalar()
        if newer:
            raise ChapterError(_("A later merge builds on this one; undo the later merge first."))
        rows = conn.execute(select(r.c.table_name, r.c.row_id, r.c.before)
                            .where(r.c.batch_id == batch_id).order_by(r.c.id.desc())).all()
        tables = {"pledges": _pledges, "people": _people, "attendance": _attendance,
                  "events": _events, "merge_reviews": MergeReview.__table__,
                  "event_aliases": EventAlias.__table__, "consent_statements": _statements}
        for name, row_id, before in rows:
            if before is not None:
                table = tables[name]
                conn.execute(update(table).where(table.c.id == row_id).values(
                    **row_from_json(table, before),
                    **({"version": table.c.version + 1} if "version" in table.c else {})))
        consent_people = _consent_people(conn, rows)
        added_people = [row_id for n, row_id, before in rows if n == "people" and before is None]
        forget_people(conn, [tuple(row) for chunk in chunks(added_people) for row in conn.execute(
            select(_people.c.chapter_id, _people.c.uuid).where(_people.c.id.in_(chunk)))])
        for name in ("consent_statements", "merge_reviews", "event_aliases", "attendance", "pledges",
                     "people", "events"):
            ids = [row_id for n, row_id, before in rows if n == name and before is None]
            table = tables[name]
            for chunk in chunks(ids):
                conn.execute(delete(table).where(table.c.id.in_(chunk)))
        # Consent follows the statements left (one made here since the merge counts).
        refresh_pledges(conn, consent_people)
        conn.execute(update(t).where(t.c.id == batch_id).values(undone_at=utcnow()))
        conn.execute(insert(AuditEntry.__table__).values(
            uuid=uuid.uuid4(), device_id=db.device.id, device_seq=db.allocate_sequence(conn, 1),
            created_at=utcnow(), updated_at=utcnow(), chapter_id=batch.chapter_id,
            action=AuditAction.MERGE, entity="merge_batch", summary="merge undone",
            details={"batch_id": batch_id, "rows": len(rows)},
        ))
        if any(n == "people" for n, _i, _b in rows):
            db.purge_deleted_text(conn)
        return len(rows)


def _consent_people(conn: Connection, rows: Sequence[Any]) -> list[int]:
    """People whose consent an undo may change: of the statements or pledges it touched."""
    found: set[int] = set()
    for name, table in (("consent_statements", _statements), ("pledges", _pledges)):
        ids = sorted({row_id for n, row_id, _before in rows if n == name})
        for chunk in chunks(ids):
            found.update(r[0] for r in conn.execute(select(table.c.person_id).where(table.c.id.in_(chunk))))
    return sorted(found)

