"""Noticing changes made to a database file by someone else: another window, the command
line (``import``, ``merge``, ``demo``), a kiosk on the same file.

Two halves, both without Qt:

* **Recording** (:func:`record_changes`, installed on every SQLite engine the core
  opens): each write transaction notes which tables its statements wrote (the target of
  each ``INSERT``/``UPDATE``/``DELETE``, plus the tables a delete cascades into) and, in
  the same transaction just before it commits, appends one entry to a short change log
  kept in the ``settings`` row ``changes`` (one line of text): a sequence number, the kinds of data written
  (``people``, ``events``, ``forums``, ``pledges``, ``chapters``, ``activity``) and the
  writer's token (random, one per :class:`~.database.Database` handle).  One row read by
  primary key and one upsert: tens of microseconds, whatever the size of the file.

* **Watching** (:class:`ChangeWatch`): a dedicated read-only connection asks
  ``PRAGMA data_version``, which changes when any other connection commits (a few
  microseconds; no table is read).  Only then it reads the change log in a snapshot and
  reports the kinds written since the last look by writers other than its own handle,
  so a window is not told about what it did itself.  A commit that left no entry (a
  program that does not keep the log, a schema change) is reported as "everything may
  have changed".

PostgreSQL: nothing is recorded and :func:`open_watch` returns None; a client there can
poll ``SELECT pg_snapshot_xmax(pg_current_snapshot())`` (it moves when any transaction
writes) and reload everything when it moves.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from .database import Database

#: the ``settings`` row holding the change log
CHANGES_KEY = "changes"
#: how many entries the log keeps (a watcher that missed more reloads everything)
LOG_LENGTH = 64

#: the kinds of data a screen may show; "activity" is the audit log alone
KINDS = ("people", "events", "forums", "pledges", "chapters", "activity")
ALL = frozenset(KINDS)
_BIT = {kind: 1 << i for i, kind in enumerate(KINDS)}
_EVERYTHING = (1 << len(KINDS)) - 1

#: which kinds a write to each table changes; a table not named here changes everything,
#: a table mapped to () changes nothing a screen shows
TABLE_KINDS: dict[str, tuple[str, ...]] = {
    "chapters": ("chapters",),
    "academic_terms": ("chapters", "events"),
    "people": ("people",),
    "memberships": ("people",),
    "officer_terms": ("people",),
    "tombstones": ("people",),
    "person_aliases": ("people",),
    "merge_reviews": ("people",),
    "events": ("events",),
    "attendance": ("events",),
    "event_aliases": ("events",),
    "forum_sessions": ("forums",),
    "forum_facilitators": ("forums",),
    "forum_takeaways": ("forums",),
    "forum_action_items": ("forums",),
    "forum_testimonies": ("forums",),
    "pledges": ("pledges",),
    "consent_statements": ("pledges",),
    "goals": ("pledges",),
    "audit_log": ("activity",),
    "merge_batches": ("activity",),
    "merge_rows": (),
    "settings": (),
    "devices": (),
    "people_fts": ("people",),
}

_TOUCHED = "chapter_manager_touched"  # Connection.info key: {table: deleted from?}
_FIRST = frozenset("IUDRWiudrw")
_TARGET = re.compile(
    r"""\s*(?:
        (?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?INTO\s+["`\[]?(?P<insert>\w+)
      | UPDATE\s+(?:OR\s+\w+\s+)?["`\[]?(?P<update>\w+)
      | DELETE\s+FROM\s+["`\[]?(?P<delete>\w+)
      | (?P<with>WITH\b)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_WRITES = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_UNKNOWN = "*"


# --------------------------------------------------------------------------- recording


def new_token() -> int:
    """A writer's token: tells a handle's own entries in the log from everyone else's."""
    return secrets.randbits(31) | 1


def record_changes(engine: Engine, token: int) -> None:
    """Keep the change log for every write transaction of ``engine`` (SQLite)."""

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.info.pop(_TOUCHED, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        head = statement.lstrip()[:1]
        if head not in _FIRST:
            return  # SELECT, PRAGMA, BEGIN, CREATE ...: the common case, decided on one letter
        match = _TARGET.match(statement)
        if match is None:
            return
        if match.group("with"):
            if not _WRITES.search(statement):
                return
            table, deleted = _UNKNOWN, False
        else:
            table = (match.group("insert") or match.group("update") or match.group("delete")).lower()
            deleted = match.group("delete") is not None
        touched: dict[str, bool] = conn.info.setdefault(_TOUCHED, {})
        touched[table] = touched.get(table, False) or deleted

    @event.listens_for(engine, "commit")
    def _commit(conn: Any) -> None:
        touched = conn.info.pop(_TOUCHED, None)
        if touched:
            raw = conn.connection.driver_connection
            append_entry(raw, mask_of(touched), token)

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Any) -> None:
        conn.info.pop(_TOUCHED, None)


def mask_of(touched: dict[str, bool]) -> int:
    """The kinds (as bits) that writing these tables changes ({table: deleted from?})."""
    mask = 0
    for table, deleted in touched.items():
        names = [table] + (sorted(_cascades().get(table, ())) if deleted else [])
        for name in names:
            kinds = TABLE_KINDS.get(name)
            if kinds is None:
                return _EVERYTHING
            for kind in kinds:
                mask |= _BIT[kind]
    return mask


_CASCADES: dict[str, frozenset[str]] | None = None
_CASCADES_LOCK = threading.Lock()


def _cascades() -> dict[str, frozenset[str]]:
    """For each table, the tables a delete from it reaches (ON DELETE CASCADE / SET NULL),
    read once from the models' foreign keys."""
    global _CASCADES
    if _CASCADES is None:
        with _CASCADES_LOCK:
            if _CASCADES is None:
                from ..models import Base

                direct: dict[str, set[str]] = {}
                for table in Base.metadata.tables.values():
                    for fk in table.foreign_keys:
                        if (fk.ondelete or "").upper() in ("CASCADE", "SET NULL"):
                            direct.setdefault(fk.column.table.name, set()).add(table.name)
                reach: dict[str, frozenset[str]] = {}
                for start in direct:
                    seen: set[str] = set()
                    todo = list(direct[start])
                    while todo:
                        name = todo.pop()
                        if name not in seen:
                            seen.add(name)
                            todo.extend(direct.get(name, ()))
                    reach[start] = frozenset(seen)
                _CASCADES = reach
    return _CASCADES


@dataclass(frozen=True)
class LogState:
    seq: int
    entries: tuple[tuple[int, int, int], ...]  # (seq, kinds mask, writer token), oldest first


# The log is one line of text: "1 SEQ S:M:T S:M:T ..." (format 1, the newest sequence
# number, then up to LOG_LENGTH entries, oldest first).  Writers split and join it
# without parsing the entries (a few microseconds); only watchers read them.
_FORMAT = "1"


def parse_log(value: str | None) -> LogState:
    parts = (value or "").split(" ")
    if len(parts) < 2 or parts[0] != _FORMAT:
        return LogState(0, ())  # none yet, or unreadable: watchers reload everything once
    try:
        entries = tuple(
            (int(s), int(m), int(t)) for s, m, t in (part.split(":") for part in parts[2:])
        )
        return LogState(int(parts[1]), entries)
    except ValueError:
        return LogState(0, ())


def _read_value(raw: sqlite3.Connection) -> str | None:
    row = raw.execute("SELECT value FROM settings WHERE key = ?", (CHANGES_KEY,)).fetchone()
    return row[0] if row else None


def _read_log(raw: sqlite3.Connection) -> LogState:
    return parse_log(_read_value(raw))


def append_entry(raw: sqlite3.Connection, mask: int, token: int) -> None:
    """Append (next seq, mask, token) to the log, inside the caller's write transaction."""
    try:
        value = _read_value(raw)
    except sqlite3.OperationalError:  # no settings table: a file being created
        return
    parts = (value or "").split(" ")
    try:
        seq = int(parts[1]) + 1 if len(parts) >= 2 and parts[0] == _FORMAT else 1
    except ValueError:
        seq, parts = 1, []
    kept = parts[2:][-(LOG_LENGTH - 1):] if seq > 1 else []
    line = " ".join([_FORMAT, str(seq), *kept, f"{seq}:{mask}:{token}"])
    raw.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (CHANGES_KEY, line),
    )


# --------------------------------------------------------------------------- watching


@dataclass(frozen=True)
class Change:
    """What others changed since the last look: ``kinds`` (a subset of :data:`KINDS`);
    ``everything`` when it cannot be told (then ``kinds`` is all of them)."""

    kinds: frozenset[str]
    everything: bool = False


def kinds_of(mask: int) -> frozenset[str]:
    return frozenset(kind for kind, bit in _BIT.items() if mask & bit)


class ChangeWatch:
    """Polls one SQLite file for commits by others (see the module's docstring).

    ``poll()`` costs a few microseconds when nothing changed. It may be called from any
    one thread at a time.
    """

    def __init__(self, path: Path, token: int):
        self.path = path
        self.token = token
        self._conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
            check_same_thread=False,
        )
        self._conn.execute("PRAGMA busy_timeout = 100")  # never hold the GUI long: next tick
        self._version, state = self._snapshot()
        self._seq = state.seq

    def _snapshot(self) -> tuple[int, LogState]:
        """(data_version, the log) as of one read snapshot."""
        conn = self._conn
        conn.execute("BEGIN")
        try:
            state = _read_log(conn)  # starts the snapshot
            version = conn.execute("PRAGMA data_version").fetchone()[0]
        finally:
            conn.execute("COMMIT")
        return version, state

    def poll(self) -> Change | None:
        """What others changed since the last poll, or None."""
        if self._conn.execute("PRAGMA data_version").fetchone()[0] == self._version:
            return None
        version, state = self._snapshot()
        self._version = version
        last, self._seq = self._seq, state.seq
        if state.seq == last:
            # A commit without an entry: a writer that keeps no log, a schema change, a
            # checkpoint that rewrote the file.  Nothing tells what; say everything.
            return Change(ALL, everything=True)
        newer = [e for e in state.entries if e[0] > last]
        if state.seq < last or not newer or newer[0][0] != last + 1:
            # The log went back (a restored file) or moved on by more than it keeps.
            return Change(ALL, everything=True)
        mask = 0
        for _seq, bits, token in newer:
            if token != self.token:
                mask |= bits
        if not mask:
            return None
        return Change(kinds_of(mask), everything=mask == _EVERYTHING)

    def close(self) -> None:
        self._conn.close()


def open_watch(db: Database) -> ChangeWatch | None:
    """A watch on ``db``'s file that ignores ``db``'s own writes (None: not a SQLite file)."""
    if not db.is_sqlite or db.path is None:
        return None
    return ChangeWatch(db.path, db.change_token)
