"""Reading the audit log: what was imported, exported, merged, erased or deleted, and where."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from ..models import AuditAction, AuditEntry, Device
from ..storage import Database


@dataclass(frozen=True)
class AuditView:
    id: int
    at: dt.datetime
    action: AuditAction
    entity: str
    entity_uuid: uuid.UUID | None
    summary: str
    details: dict[str, object]
    device_id: uuid.UUID
    device_name: str


def list_audit(
    db: Database, chapter_id: int | None = None, *, action: AuditAction | None = None, limit: int = 200
) -> list[AuditView]:
    """Newest entries first, with the name of the device that made each."""
    with db.read() as s:
        stmt = (
            select(AuditEntry, Device.name)
            .outerjoin(Device, Device.id == AuditEntry.device_id)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
        if chapter_id is not None:
            stmt = stmt.where(AuditEntry.chapter_id == chapter_id)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return [
            AuditView(
                id=e.id, at=e.created_at, action=e.action, entity=e.entity, entity_uuid=e.entity_uuid,
                summary=e.summary, details=dict(e.details or {}), device_id=e.device_id,
                device_name=name or "",
            )
            for e, name in s.execute(stmt)
        ]
