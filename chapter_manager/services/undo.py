"""Deleting with undo: people, events, forum sessions and pledges.

Each ``delete_*`` function deletes rows in one transaction and returns a
:class:`Deleted`: a snapshot of every row that went (the rows asked for and everything
that cascaded from them) and of every reference that the database set to NULL (an
action item's owner, a testimony's teller, the event of a pledge or a forum session).
:func:`restore` puts all of it back in one transaction.

The snapshot is taken with SQLAlchemy Core (``select(table)``, every column) by walking
the foreign keys declared in :mod:`chapter_manager.models`, so a table added later is
covered as soon as its foreign keys say ``ondelete="CASCADE"`` or ``"SET NULL"``.

Deleting people has the effect of ``services.people.delete_person`` for each of them: a
tombstone (their UUID and keyed hashes of email and student id), an audit entry, the
search index purged of their words, and their entries in the last import's undo record
(``services.import_undo``) removed; :func:`restore` puts those back too while that record
is still the same import's.  Every delete and every restore writes one audit
entry per row asked for (no personal data: the entity and its UUID, with the size of
the batch in ``details``).

Restoring puts rows back as they were: the same ids, UUIDs, device ids and sequence
numbers, timestamps and values.  Then:

* references that were set to NULL point again at the restored rows, unless they were
  changed meanwhile (only columns still NULL are set);
* the tombstones written by the delete are removed, so the people can be merged again;
* something that went away since the delete is treated as the database would have
  treated it: a restored row whose parent is gone is left out when its foreign key
  cascades (an attendance at an event deleted since) and keeps NULL when it sets null
  (a pledge's event).  If the rows asked for themselves cannot go back (their chapter or
  the person of a pledge is gone), nothing is restored and :class:`CannotRestore` says
  why;
* an email address or student id taken meanwhile by someone else, or a person who
  signed a new pledge meanwhile, stops the restore with a
  :class:`~chapter_manager.errors.DuplicateError`;
* an id taken meanwhile by a new row (SQLite gives a new row the highest id plus one,
  so the id of a deleted last row comes round again) makes that one row come back
  under a new id; its UUID, which is its identity across laptops, is unchanged, and
  the rows pointing at it follow.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import PrimaryKeyConstraint, Table, UniqueConstraint, delete, exc, select, update
from sqlalchemy.engine import Connection

from .. import jobs
from ..errors import ChapterError, DuplicateError, NotFound
from ..i18n import _
from ..models import (
    AuditAction,
    AuditEntry,
    Base,
    Chapter,
    Event,
    ForumSession,
    Person,
    Pledge,
    Tombstone,
)
from ..privacy import identity_hash
from ..storage import Database
from ..types import utcnow
from .import_undo import Forgotten, forget_people, remember_again
from .people import display_name

__all__ = [
    "CannotRestore",
    "Deleted",
    "delete_events",
    "delete_forums",
    "delete_people",
    "delete_pledges",
    "restore",
]

# Ids per IN list (below every SQLite build's host-parameter limit).
_CHUNK = 500

_people = cast(Table, Person.__table__)
_pledges = cast(Table, Pledge.__table__)
_events = cast(Table, Event.__table__)
_forums = cast(Table, ForumSession.__table__)
_chapters = cast(Table, Chapter.__table__)
_audit = cast(Table, AuditEntry.__table__)
_tombstones = cast(Table, Tombstone.__table__)

# Tables in an order where every table comes after the tables it refers to.
_ORDER = [t.name for t in Base.metadata.sorted_tables]
_TABLES: dict[str, Table] = dict(Base.metadata.tables)


class CannotRestore(ChapterError):
    """What was deleted cannot be put back; the message says why.  Nothing was changed."""


@dataclass(frozen=True)
class Deleted:
    """What :func:`restore` needs to put deleted rows back.  Opaque to callers.

    ``entity`` is "person", "event", "forum_session" or "pledge"; ``count`` how many of
    them were deleted (not counting what went with them); ``description`` a short text
    for an Undo menu item ("Delete 3 people", "Delete “Cine-debate”").
    """

    entity: str
    count: int
    description: str = field(repr=False)  # may hold a name: kept out of logs
    # Every row that went, by table: {column: value} as SQLAlchemy Core reads them.
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)
    # References the database set to NULL: (table, column, row id, the id it held).
    relinks: list[tuple[str, str, int, int]] = field(default_factory=list, repr=False)
    # The UUIDs of the rows asked for, and of the chapters they belong to (by id).
    uuids: tuple[uuid.UUID, ...] = field(default=(), repr=False)
    chapters: dict[int, uuid.UUID] = field(default_factory=dict, repr=False)
    # UUIDs of the tombstones the delete wrote (people only).
    tombstones: tuple[uuid.UUID, ...] = field(default=(), repr=False)
    # The people's entries taken out of import undo records (people only).
    import_undo: Forgotten = field(default_factory=dict, repr=False)


# --------------------------------------------------------------------------- foreign keys


def _referencing(table: Table) -> list[tuple[Any, str]]:
    """(child column, ondelete) of every foreign key pointing at ``table``."""
    found = []
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table:
                found.append((fk.parent, (fk.ondelete or "").upper()))
    return found


_REFERENCING: dict[str, list[tuple[Any, str]]] = {
    name: _referencing(table) for name, table in _TABLES.items()
}


def _chunks(values: Iterable[Any], size: int = _CHUNK) -> list[list[Any]]:
    items = list(values)
    return [items[k : k + size] for k in range(0, len(items), size)]


def _unique_ids(ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ids))


# --------------------------------------------------------------------------- snapshot


def _leads_an_index(table: Table, columns: tuple[str, ...]) -> bool:
    """Whether an index or unique constraint of ``table`` starts with ``columns``."""
    keys = [tuple(c.name for c in ix.columns) for ix in table.indexes]
    keys += [tuple(c.name for c in uc.columns) for uc in table.constraints
             if isinstance(uc, UniqueConstraint | PrimaryKeyConstraint)]
    return any(k[: len(columns)] == columns for k in keys)


def _child_lookups(parent: Table, column: Any, parents: list[dict[str, Any]]) -> list[list[Any]]:
    """WHERE conditions finding the rows of ``column``'s table that point at ``parents``.

    When no index starts with the column but one starts with (chapter_id, column) (a
    pledge's person), the condition names the chapter too, so the lookup uses it
    instead of reading the whole table.
    """
    child: Table = column.table
    by_chapter = (
        not _leads_an_index(child, (column.name,))
        and "chapter_id" in child.c
        and "chapter_id" in parent.c
        and _leads_an_index(child, ("chapter_id", column.name))
    )
    groups: dict[Any, list[int]] = {}
    for row in parents:
        groups.setdefault(row["chapter_id"] if by_chapter else None, []).append(row["id"])
    conditions = []
    for chapter_id, ids in groups.items():
        for chunk in _chunks(ids):
            condition = [column.in_(chunk)]
            if by_chapter:
                condition.append(child.c.chapter_id == chapter_id)
            conditions.append(condition)
    return conditions


def _snapshot(conn: Connection, table: Table, ids: list[int]) -> tuple[
    dict[str, dict[int, dict[str, Any]]], list[tuple[str, str, int, int]]
]:
    """Every row of ``table`` with these ids and of what cascades from them, and the
    references to them that the database will set to NULL."""
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    relinks: list[tuple[str, str, int, int]] = []
    pending: list[tuple[Table, list[int]]] = [(table, ids)]
    while pending:
        current, wanted = pending.pop()
        have = rows.setdefault(current.name, {})
        fresh = [i for i in wanted if i not in have]
        if not fresh:
            continue
        for chunk in _chunks(fresh):
            for r in conn.execute(select(current).where(current.c.id.in_(chunk))).mappings():
                have[r["id"]] = dict(r)
        fresh = [i for i in fresh if i in have]
        for column, ondelete in _REFERENCING[current.name]:
            child: Table = column.table
            found: list[tuple[int, int]] = []
            for condition in _child_lookups(current, column, [have[i] for i in fresh]):
                found.extend((r[0], r[1]) for r in conn.execute(select(child.c.id, column).where(*condition)))
            if not found:
                continue
            if ondelete == "CASCADE":
                pending.append((child, [child_id for child_id, _parent in found]))
            elif ondelete == "SET NULL":
                relinks.extend((child.name, column.name, c, p) for c, p in found)
    # A row that goes anyway comes back with its own values: no relink for it.
    relinks = [r for r in relinks if r[2] not in rows.get(r[0], {})]
    return rows, relinks


def _stamp_audit(
    db: Database,
    conn: Connection,
    action: AuditAction,
    entity: str,
    summary: str,
    targets: list[tuple[int | None, uuid.UUID]],
) -> None:
    """One audit entry per (chapter id, uuid), stamped in bulk."""
    if not targets:
        return
    now = utcnow()
    first = db.allocate_sequence(conn, len(targets))
    batch = str(uuid.uuid4())
    conn.execute(
        _audit.insert(),
        [
            {
                "chapter_id": chapter_id, "action": action, "entity": entity,
                "entity_uuid": entity_uuid, "summary": summary,
                "details": {"count": len(targets), "batch": batch},
                "uuid": uuid.uuid4(), "device_id": db.device.id, "device_seq": first + k,
                "created_at": now, "updated_at": now,
            }
            for k, (chapter_id, entity_uuid) in enumerate(targets)
        ],
    )


def _delete(
    db: Database,
    table: Table,
    ids: Sequence[int],
    *,
    entity: str,
    what: str,
    summary: str,
    describe: Any,
    job: jobs.Job | None = None,
) -> Deleted:
    """Snapshot, delete and audit rows of ``table``; ``describe(rows)`` names them."""
    job = job or jobs.Job()
    wanted = _unique_ids(ids)
    if not wanted:
        return Deleted(entity, 0, _("Delete nothing"))
    job.check()
    with db.write() as s:
        conn = s.connection()
        rows, relinks = _snapshot(conn, table, wanted)
        job.check()  # the last moment: past it the delete runs to its end
        top = rows.get(table.name, {})
        missing = [i for i in wanted if i not in top]
        if missing:
            raise NotFound(
                _("There is no {what} with id {ids}; nothing was deleted.").format(
                    what=what, ids=", ".join(str(i) for i in missing[:10])
                )
            )
        chapter_ids = {r["chapter_id"] for r in top.values()}
        chapters = {
            cid: cuuid
            for cid, cuuid in conn.execute(
                select(_chapters.c.id, _chapters.c.uuid).where(_chapters.c.id.in_(chapter_ids))
            )
        }
        tombstones: tuple[uuid.UUID, ...] = ()
        import_undo: Forgotten = {}
        if table is _people:
            tombstones = _write_tombstones(db, conn, list(top.values()))
            import_undo = forget_people(conn, [(r["chapter_id"], r["uuid"]) for r in top.values()])
        _stamp_audit(
            db, conn, AuditAction.DELETE, entity, summary,
            [(top[i]["chapter_id"], top[i]["uuid"]) for i in wanted],
        )
        for chunk in _chunks(wanted):
            conn.execute(delete(table).where(table.c.id.in_(chunk)))
        if table is _people:
            db.purge_deleted_text(conn)
        return Deleted(
            entity=entity,
            count=len(wanted),
            description=describe([top[i] for i in wanted]),
            rows={name: list(rows[name].values()) for name in _ORDER if rows.get(name)},
            relinks=relinks,
            uuids=tuple(top[i]["uuid"] for i in wanted),
            chapters=chapters,
            tombstones=tombstones,
            import_undo=import_undo,
        )


def _write_tombstones(db: Database, conn: Connection, people: list[dict[str, Any]]) -> tuple[uuid.UUID, ...]:
    salts: dict[int, bytes] = {}
    uuids: dict[int, uuid.UUID] = {}
    for cid, cuuid, salt in conn.execute(
        select(_chapters.c.id, _chapters.c.uuid, _chapters.c.privacy_salt).where(
            _chapters.c.id.in_({p["chapter_id"] for p in people})
        )
    ):
        salts[cid], uuids[cid] = salt, cuuid
    now = utcnow()
    conn.execute(
        _tombstones.insert(),
        [
            {
                "chapter_uuid": uuids[p["chapter_id"]],
                "entity": "person",
                "uuid": p["uuid"],
                "email_hash": identity_hash(salts[p["chapter_id"]], p["email_key"]),
                "student_id_hash": identity_hash(salts[p["chapter_id"]], p["student_id"]),
                "deleted_at": now,
                "device_id": db.device.id,
            }
            for p in people
        ],
    )
    return tuple(p["uuid"] for p in people)


# --------------------------------------------------------------------------- deleting


def _name(row: Mapping[Any, Any]) -> str:
    return display_name(
        row["given_names"], row["family_names"], row["preferred_name"], bool(row["family_name_first"])
    )


def _describe_people(rows: list[dict[str, Any]]) -> str:
    if len(rows) == 1:
        return _("Delete “{name}”").format(name=_name(rows[0]))
    return _("Delete {n} people").format(n=len(rows))


def _describe_events(rows: list[dict[str, Any]]) -> str:
    if len(rows) == 1:
        return _("Delete “{title}”").format(title=rows[0]["title"])
    return _("Delete {n} events").format(n=len(rows))


def _describe_forums(rows: list[dict[str, Any]]) -> str:
    if len(rows) == 1:
        return _("Delete “{topic}”").format(topic=rows[0]["topic"])
    return _("Delete {n} forum sessions").format(n=len(rows))


def _describe_pledges(rows: list[dict[str, Any]]) -> str:
    if len(rows) == 1:
        return _("Delete a pledge")
    return _("Delete {n} pledges").format(n=len(rows))


def delete_people(db: Database, ids: Sequence[int], *, progress: jobs.Progress | None = None,
                  cancel: jobs.CancelSignal | None = None) -> Deleted:
    """Delete people with everything about them, as ``people.delete_person`` does for
    each (tombstone, audit entry, search index purged), in one transaction.

    Their memberships, officer terms, attendance, pledges and facilitator roles go with
    them; action items they owned lose their owner and testimonies they gave become
    anonymous (until :func:`restore`).  Unknown ids raise ``NotFound`` and nothing is
    deleted.
    """
    return _delete(db, _people, ids, entity="person", what=_("person"),
                   summary="person deleted", describe=_describe_people,
                   job=jobs.as_job(progress, cancel))


def delete_events(db: Database, ids: Sequence[int], *, progress: jobs.Progress | None = None,
                  cancel: jobs.CancelSignal | None = None) -> Deleted:
    """Delete events with their attendance, as ``events.delete_event`` does for each.

    Pledges signed and forum sessions held at them are kept, without the event (until
    :func:`restore`).
    """
    return _delete(db, _events, ids, entity="event", what=_("event"),
                   summary="event deleted", describe=_describe_events,
                   job=jobs.as_job(progress, cancel))


def delete_forums(db: Database, ids: Sequence[int], *, progress: jobs.Progress | None = None,
                  cancel: jobs.CancelSignal | None = None) -> Deleted:
    """Delete forum sessions with their facilitators, takeaways, action items and
    testimonies, as ``forums.delete_forum`` does for each."""
    return _delete(db, _forums, ids, entity="forum_session", what=_("forum session"),
                   summary="forum session deleted", describe=_describe_forums,
                   job=jobs.as_job(progress, cancel))


def delete_pledges(db: Database, ids: Sequence[int], *, progress: jobs.Progress | None = None,
                   cancel: jobs.CancelSignal | None = None) -> Deleted:
    """Delete pledges (the people who signed them stay)."""
    return _delete(db, _pledges, ids, entity="pledge", what=_("pledge"),
                   summary="pledge deleted", describe=_describe_pledges,
                   job=jobs.as_job(progress, cancel))


# --------------------------------------------------------------------------- restoring


def _existing(conn: Connection, table: Table, column: Any, values: Iterable[Any]) -> set[Any]:
    found: set[Any] = set()
    for chunk in _chunks(set(values)):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _check_chapters(conn: Connection, deleted: Deleted) -> None:
    if not deleted.chapters:
        return
    now = {
        cid: cuuid
        for cid, cuuid in conn.execute(
            select(_chapters.c.id, _chapters.c.uuid).where(_chapters.c.id.in_(deleted.chapters))
        )
    }
    for cid, cuuid in deleted.chapters.items():
        if cid not in now:
            raise CannotRestore(
                _("They cannot be put back: their chapter has been deleted since.")
            )
        if now[cid] != cuuid:
            raise CannotRestore(
                _("They cannot be put back: they were deleted from another database.")
            )


def _check_not_back(conn: Connection, deleted: Deleted) -> None:
    table = _TABLES[_top_table(deleted)]
    back = _existing(conn, table, table.c.uuid, deleted.uuids)
    if back:
        raise CannotRestore(
            _("This was undone already: what was deleted is back in the database.")
        )


def _top_table(deleted: Deleted) -> str:
    return {"person": "people", "event": "events", "forum_session": "forum_sessions",
            "pledge": "pledges"}[deleted.entity]


def _check_people(conn: Connection, people: list[dict[str, Any]]) -> None:
    """Refuse to bring back an email address or student id someone else has now."""
    p = _people.c
    for key, column, message in (
        ("email_key", p.email_key,
         _("{name} cannot be put back: {other} (id {id}) has the email address {value} now.")),
        ("student_id", p.student_id,
         _("{name} cannot be put back: {other} (id {id}) has the student id {value} now.")),
    ):
        by_chapter: dict[int, dict[str, dict[str, Any]]] = {}
        for r in people:
            if r[key] is not None:
                by_chapter.setdefault(r["chapter_id"], {})[r[key]] = r
        for chapter_id, wanted in by_chapter.items():
            for chunk in _chunks(wanted):
                other = conn.execute(
                    select(p.id, column, p.given_names, p.family_names, p.preferred_name,
                           p.family_name_first)
                    .where(p.chapter_id == chapter_id, column.in_(chunk))
                    .limit(1)
                ).mappings().first()
                if other is not None:
                    mine = wanted[other[key]]
                    raise DuplicateError(
                        message.format(
                            name=_name(mine), other=_name(other), id=other["id"],
                            value=mine["email"] if key == "email_key" else mine[key],
                        ),
                        other["id"],
                        field="email" if key == "email_key" else "student_id",
                        existing_name=_name(other),
                    )


def _check_pledges(
    conn: Connection, pledges: list[dict[str, Any]], restoring_people: set[int]
) -> None:
    """Refuse to bring back a pledge of someone who signed a new one meanwhile."""
    pl, p = _pledges.c, _people.c
    by_chapter: dict[int, list[int]] = {}
    for r in pledges:
        if r["person_id"] not in restoring_people:
            by_chapter.setdefault(r["chapter_id"], []).append(r["person_id"])
    for chapter_id, people in by_chapter.items():
        for chunk in _chunks(people):
            signer = conn.execute(
                select(p.id, p.given_names, p.family_names, p.preferred_name, p.family_name_first)
                .join(_pledges, pl.person_id == p.id)
                .where(pl.chapter_id == chapter_id, pl.person_id.in_(chunk))
                .limit(1)
            ).mappings().first()
            if signer is not None:
                raise DuplicateError(
                    _("The pledge of {name} cannot be put back: they have signed a new "
                      "pledge since.").format(name=_name(signer)),
                    signer["id"],
                    existing_name=_name(signer),
                )


def _prepare(
    conn: Connection, deleted: Deleted
) -> tuple[list[tuple[Table, list[dict[str, Any]]]], dict[str, dict[int, int]]]:
    """The rows to insert, table by table in foreign-key order, with references fixed;
    and, by table, the new id of each row whose id was taken meanwhile.

    Raises :class:`CannotRestore` when a row asked for cannot go back.
    """
    top = _top_table(deleted)
    plan: list[tuple[Table, list[dict[str, Any]]]] = []
    kept_ids: dict[str, set[int]] = {}
    moved: dict[str, dict[int, int]] = {}
    for name in _ORDER:
        rows = deleted.rows.get(name)
        if not rows:
            continue
        table = _TABLES[name]
        rows = [dict(r) for r in rows]
        for fk in table.foreign_keys:
            column, parent = fk.parent.name, fk.column.table.name
            values = {r[column] for r in rows if r[column] is not None}
            if not values:
                continue
            restored = kept_ids.get(parent, set())
            present = _existing(conn, fk.column.table, fk.column, values - restored)
            cascade = (fk.ondelete or "").upper() == "CASCADE"
            survivors = []
            for r in rows:
                value = r[column]
                if value is None or value in restored or value in present:
                    survivors.append(r)
                elif cascade:
                    if name == top:
                        raise CannotRestore(_gone_message(deleted, parent))
                else:  # SET NULL (or nothing said: the row keeps no dangling reference)
                    r[column] = None
                    survivors.append(r)
            rows = survivors
        taken = _existing(conn, table, table.c.id, [r["id"] for r in rows])
        if taken:
            moved[name] = {i: -1 for i in taken}  # new ids are known once inserted
        kept_ids[name] = {r["id"] for r in rows}
        plan.append((table, rows))
    return plan, moved


def _gone_message(deleted: Deleted, parent: str) -> str:
    if parent == "people":
        return _("The pledge cannot be put back: the person who signed it has been deleted since.")
    if parent == "chapters":
        return _("They cannot be put back: their chapter has been deleted since.")
    return _("They cannot be put back: something they belong to has been deleted since.")


def _insert(
    conn: Connection,
    plan: list[tuple[Table, list[dict[str, Any]]]],
    moved: dict[str, dict[int, int]],
) -> None:
    """Insert the planned rows; rows whose id was taken get a new one, and references to
    them follow."""
    for table, rows in plan:
        for fk in table.foreign_keys:
            remap = moved.get(fk.column.table.name)
            if remap:
                column = fk.parent.name
                for r in rows:
                    if r[column] in remap:
                        r[column] = remap[r[column]]
        remap = moved.get(table.name, {})
        same = [r for r in rows if r["id"] not in remap]
        if same:
            conn.execute(table.insert(), same)
        for r in rows:
            if r["id"] in remap:
                fresh = {k: v for k, v in r.items() if k != "id"}
                key = conn.execute(table.insert().values(**fresh)).inserted_primary_key
                assert key is not None
                remap[r["id"]] = int(key[0])


def restore(db: Database, deleted: Deleted, *, progress: jobs.Progress | None = None,
            cancel: jobs.CancelSignal | None = None) -> int:
    """Put back everything ``deleted`` holds, in one transaction (see the module notes).

    Returns how many of the rows asked for (people, events, forum sessions or pledges)
    are back.  Raises :class:`CannotRestore` or ``DuplicateError`` (both
    ``ChapterError``) with a message for the user when it cannot; nothing is changed then.
    """
    job = jobs.as_job(progress, cancel)
    if not deleted.count:
        return 0
    job.check()
    with db.write() as s:
        conn = s.connection()
        _check_chapters(conn, deleted)
        _check_not_back(conn, deleted)
        job.check()
        people = deleted.rows.get("people", [])
        if people:
            _check_people(conn, people)
        if deleted.rows.get("pledges"):
            _check_pledges(conn, deleted.rows["pledges"], {p["id"] for p in people})
        plan, moved = _prepare(conn, deleted)
        try:
            _insert(conn, plan, moved)
        except exc.IntegrityError as error:
            raise CannotRestore(
                _("What was deleted cannot be put back: it clashes with something added "
                  "since ({detail}).").format(detail=str(error.orig).split("\n")[0])
            ) from error
        _relink(conn, deleted, moved, {t.name: {r["id"] for r in rows} for t, rows in plan})
        if deleted.tombstones:
            for chunk in _chunks(deleted.tombstones):
                conn.execute(
                    delete(_tombstones).where(
                        _tombstones.c.entity == "person", _tombstones.c.uuid.in_(chunk)
                    )
                )
        if deleted.import_undo:
            remember_again(conn, deleted.import_undo)
        top = _top_table(deleted)
        by_uuid = {r["uuid"]: r for r in deleted.rows[top]}
        _stamp_audit(
            db, conn, AuditAction.RESTORE, deleted.entity, f"{deleted.entity} restored",
            [(by_uuid[u]["chapter_id"], u) for u in deleted.uuids],
        )
        return len(deleted.uuids)


def _relink(
    conn: Connection,
    deleted: Deleted,
    moved: dict[str, dict[int, int]],
    restored: dict[str, set[int]],
) -> None:
    """Point the references the delete set to NULL at the restored rows again, where
    nothing else was put there since (one UPDATE per parent and chunk of rows)."""
    groups: dict[tuple[str, str, int], list[int]] = {}
    for table_name, column, row_id, parent_id in deleted.relinks:
        parent = _parent_of(_TABLES[table_name], column)
        if parent is None or parent_id not in restored.get(parent, ()):
            continue
        target = moved.get(parent, {}).get(parent_id, parent_id)
        groups.setdefault((table_name, column, target), []).append(row_id)
    for (table_name, column, target), row_ids in groups.items():
        table = _TABLES[table_name]
        values: dict[str, Any] = {column: target}
        if "updated_at" in table.c:
            # As it is: the database set the column to NULL without touching it, and
            # SQLAlchemy would otherwise stamp the time of this update.
            values["updated_at"] = table.c.updated_at
        for chunk in _chunks(row_ids):
            conn.execute(
                update(table)
                .where(table.c.id.in_(chunk), table.c[column].is_(None))
                .values(values)
            )


def _parent_of(table: Table, column: str) -> str | None:
    for fk in table.foreign_keys:
        if fk.parent.name == column:
            return fk.column.table.name
    return None

