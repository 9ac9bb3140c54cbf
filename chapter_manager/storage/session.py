"""The ORM Session of a database: it stamps new rows with this device's id and sequence.

Imported on the first unit of work (``Database.read``/``write``), so that opening a
database and showing a window do not pay for importing the ORM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from .database import Database


class ChapterSession(Session):
    """A Session that stamps new rows with this device's id and sequence numbers."""


@event.listens_for(ChapterSession, "before_flush")
def _stamp_new_rows(session: Session, _ctx: Any, _instances: Any) -> None:
    from ..derived import refresh_person_derived
    from ..models import Person, Replicated

    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Person):
            refresh_person_derived(obj)
    fresh = [o for o in session.new if isinstance(o, Replicated) and o.device_seq is None]
    if not fresh:
        return
    db: Database = session.info["database"]
    first = db.allocate_sequence(session.connection(), len(fresh))
    for offset, obj in enumerate(fresh):
        obj.device_id = db.device.id
        obj.device_seq = first + offset
