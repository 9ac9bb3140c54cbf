"""Helpers shared by the services: plain-data views of rows, lookups, audit entries."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ..errors import ChapterChoiceNeeded, NotFound
from ..i18n import _
from ..models import AuditAction, AuditEntry, Base, Chapter

V = TypeVar("V")
M = TypeVar("M", bound=Base)


def to_view(view_cls: type[V], row: Any, **extra: Any) -> V:
    """Build the frozen dataclass ``view_cls`` from the same-named attributes of ``row``."""
    values = {}
    for f in dataclasses.fields(view_cls):  # type: ignore[arg-type]
        if f.name in extra:
            values[f.name] = extra[f.name]
        elif hasattr(row, f.name):
            value = getattr(row, f.name)
            values[f.name] = list(value) if isinstance(value, list) else value
    return view_cls(**values)


def get_or_fail(session: Session, model: type[M], row_id: int, what: str) -> M:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(_("There is no {what} with id {id}.").format(what=what, id=row_id))
    return row


def resolve_chapter(session: Session, chapter_id: int | None) -> Chapter:
    """The chapter with ``chapter_id``; or the only chapter when None."""
    if chapter_id is not None:
        return get_or_fail(session, Chapter, chapter_id, _("chapter"))
    chapters = session.query(Chapter).order_by(Chapter.id).limit(2).all()
    if not chapters:
        raise NotFound(_("This database has no chapter yet."))
    if len(chapters) > 1:
        raise ChapterChoiceNeeded(_("This database holds several chapters; choose one."))
    return chapters[0]


def audit(
    session: Session,
    action: AuditAction,
    summary: str,
    *,
    chapter_id: int | None = None,
    entity: str = "",
    entity_uuid: uuid.UUID | None = None,
    details: dict[str, object] | None = None,
) -> None:
    """Add an audit entry to the current unit of work.  Never put personal data in it."""
    session.add(
        AuditEntry(
            chapter_id=chapter_id,
            action=action,
            entity=entity,
            entity_uuid=entity_uuid,
            summary=summary,
            details=details or {},
        )
    )
