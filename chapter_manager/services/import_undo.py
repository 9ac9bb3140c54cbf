"""What an import keeps so that it can be undone, and forgetting a person's part of it.

``imports.members.commit_import`` keeps the previous values of the people it updated in
the ``settings`` row ``import-undo:<chapter uuid>``: JSON ``{"audit": <the import's audit
uuid>, "previous": {<person uuid hex>: {column: value, ..., "_membership": {...}}}}``,
until the chapter's next import or the undo.  Those values are personal data, so every
path that deletes people calls :func:`forget_people` in its own transaction: each
person's whole entry goes (no list of columns is involved), and undoing the import
afterwards passes over them.  ``services.undo.restore`` puts the entries back with the
people (:func:`remember_again`) while the record is still that import's.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.engine import Connection

from ..models import Chapter, Setting

__all__ = ["Forgotten", "forget_chapter", "forget_people", "remember_again", "undo_key"]

_settings = cast(Table, Setting.__table__)
_chapters = cast(Table, Chapter.__table__)

# Up to this many people, a record that does not mention any of them is not parsed.
_QUICK = 64

# What forget_people took out: {chapter uuid hex: (the import's audit uuid hex,
# {person uuid hex: previous values})}.  Personal data: kept in memory only (an undo step).
Forgotten = dict[str, tuple[str, dict[str, Any]]]


def undo_key(chapter_uuid: uuid.UUID) -> str:
    """The ``settings`` key of a chapter's import undo record."""
    return f"import-undo:{chapter_uuid.hex}"


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, default=str)


def forget_people(conn: Connection, people: Iterable[tuple[int, uuid.UUID]]) -> Forgotten:
    """Remove every entry of these people (``(chapter id, person uuid)`` pairs) from their
    chapters' import undo records; returns what was removed."""
    wanted: dict[int, set[str]] = {}
    for chapter_id, person_uuid in people:
        wanted.setdefault(chapter_id, set()).add(person_uuid.hex)
    if not wanted:
        return {}
    keys: dict[str, tuple[int, str]] = {}
    for chapter_id, chapter_uuid in conn.execute(
        select(_chapters.c.id, _chapters.c.uuid).where(_chapters.c.id.in_(list(wanted)))
    ):
        keys[undo_key(chapter_uuid)] = (chapter_id, chapter_uuid.hex)
    if not keys:
        return {}
    forgotten: Forgotten = {}
    rows = conn.execute(
        select(_settings.c.key, _settings.c.value).where(_settings.c.key.in_(list(keys)))
    ).all()
    for key, value in rows:
        chapter_id, chapter_hex = keys[key]
        hexes = wanted[chapter_id]
        if len(hexes) <= _QUICK and not any(h in value for h in hexes):
            continue
        try:
            record = json.loads(value)
        except ValueError:
            continue
        previous = record.get("previous") or {}
        gone = {h: previous.pop(h) for h in hexes if h in previous}
        if not gone:
            continue
        record["previous"] = previous
        conn.execute(update(_settings).where(_settings.c.key == key).values(value=_dump(record)))
        forgotten[chapter_hex] = (str(record.get("audit", "")), gone)
    return forgotten


def remember_again(conn: Connection, forgotten: Forgotten) -> int:
    """Put entries :func:`forget_people` removed back, where the record is still the same
    import's (an import or an undo since has replaced or removed it: nothing to do).
    Returns how many entries went back."""
    restored = 0
    for chapter_hex, (audit_hex, entries) in forgotten.items():
        key = undo_key(uuid.UUID(chapter_hex))
        value = conn.execute(select(_settings.c.value).where(_settings.c.key == key)).scalar()
        if value is None:
            continue
        record = json.loads(value)
        if record.get("audit") != audit_hex:
            continue
        record.setdefault("previous", {}).update(entries)
        conn.execute(update(_settings).where(_settings.c.key == key).values(value=_dump(record)))
        restored += len(entries)
    return restored


def forget_chapter(conn: Connection, chapter_uuid: uuid.UUID) -> None:
    """Remove a chapter's import undo record (the chapter is being deleted)."""
    conn.execute(delete(_settings).where(_settings.c.key == undo_key(chapter_uuid)))
