"""Fast bulk inserts: already-encoded rows straight to the driver's ``executemany``.

The ORM (``add_all``) is about 13 times slower than the driver's ``executemany`` and a
Core ``insert()`` with dictionaries runs at about 44 % of it (see
``/work/shared/PERFORMANCE-FLOORS.md``).  Imports and the demo generator write hundreds
of thousands of rows, so they use this module instead:

* :class:`RowEncoder` turns Python values (``uuid.UUID``, aware ``datetime``, ``date``,
  enums, lists and dicts) into what the column type stores on the connection's
  dialect, exactly as SQLAlchemy's own bind processing would (16 raw bytes for a UUID
  and a naive-UTC ``'%Y-%m-%d %H:%M:%S.%f'`` string for a datetime on SQLite; native
  values on PostgreSQL).
* :func:`bulk_insert` sends encoded rows in batches through
  ``Connection.exec_driver_sql`` with one SQL string built once for the table.
* :func:`deferred_indexes` builds a table's secondary indexes after a large load, and
  :func:`reserve_ids` hands out primary keys so parent and child rows can be written
  without reading anything back.

Nothing here stamps rows: a caller fills ``device_id`` (``db.device.id``) and
``device_seq`` (from ``db.allocate_sequence(conn, n)``, one call per batch is fine),
``uuid``, ``created_at`` and ``updated_at`` itself, and keeps derived columns
(``people.search_text``, ``people.email_key``) filled.

The people search index stays in step.  On SQLite its ``AFTER INSERT`` trigger is slow
in bulk: a statement with a foreign key opens a statement savepoint, and FTS5 writes its
pending terms to disk at every savepoint, i.e. once per row (1,000,000 people took 80 s,
65 of them in the index).  So for a large batch :func:`bulk_insert` drops that trigger
inside the caller's transaction, inserts the rows, indexes them itself (what the trigger
does, as one ``INSERT ... SELECT`` over the batch's ids: about 9 s per million) and
creates the trigger again.  DDL is transactional in SQLite: a rollback restores the trigger, and
other connections never see it missing.  If the trigger in the file is not the one this
version created, the rows go through it as usual.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import itertools
import json
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Enum, Table, func, select, text
from sqlalchemy.engine import Connection, Dialect

from ..types import UTCDateTime, UUIDType
from . import sqlite as sq

Converter = Callable[[Any], Any]

#: Rows handed to the driver per ``executemany`` call (bounds memory, keeps calls big).
DEFAULT_BATCH = 20_000
#: Batches smaller than this go through the search-index trigger as usual.
DEFER_INDEX_MIN_ROWS = 500

__all__ = [
    "DEFAULT_BATCH",
    "RowEncoder",
    "bulk_insert",
    "deferred_indexes",
    "insert_sql",
    "reserve_ids",
]


# --------------------------------------------------------------------------- encoding


def _uuid_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, bytes) and len(value) == 16:
        return value  # already the stored form
    return uuid.UUID(str(value)).bytes


def _uuid_native(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    if isinstance(value, bytes) and len(value) == 16:
        return uuid.UUID(bytes=value)
    return uuid.UUID(str(value))


_UTC = dt.UTC


def _utc_naive_text(value: dt.datetime | None) -> str | None:
    # The same text SQLAlchemy's SQLite DATETIME writes: '%Y-%m-%d %H:%M:%S.%f', always
    # with the microseconds, so values compare as strings with the ORM's bound values.
    if value is None:
        return None
    tz = value.tzinfo
    if tz is not _UTC:
        if tz is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(_UTC)
    # isoformat gives '2025-03-04 05:06:07.000000+00:00'; the offset is dropped.
    return value.isoformat(" ", "microseconds")[:26]


def _utc_aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return value.astimezone(_UTC)


def _naive_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(" ", "microseconds")


def _date_text(value: dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _json_text(serializer: Callable[[Any], str]) -> Converter:
    def convert(value: Any) -> str | None:
        # None is SQL NULL here (SQLAlchemy's JSON default, none_as_null aside).
        return None if value is None else serializer(value)

    return convert


class RowEncoder:
    """Encodes rows of Python values for ``columns`` of ``table`` on ``dialect``.

    ``encoder.encode(row)`` takes a sequence in the order of ``columns`` and returns a
    tuple ready for :func:`bulk_insert`.  Columns whose values the driver takes as they
    are (integers, text, booleans, bytes) are passed through untouched.

    On SQLite: UUID -> 16 bytes (16 ``bytes`` are taken as already encoded); aware datetime -> naive-UTC text in SQLAlchemy's
    format (a naive one raises ``ValueError``, as :class:`UTCDateTime` does); date ->
    ISO text; enum -> its value; list/dict in a JSON column -> JSON text.  On PostgreSQL
    UUIDs, datetimes (converted to UTC) and dates go as they are; JSON is still sent as
    text.
    """

    def __init__(self, dialect: Dialect, table: Table, columns: Sequence[str]):
        self.dialect = dialect
        self.table = table
        self.columns = tuple(columns)
        self.is_sqlite = dialect.name == "sqlite"
        missing = [c for c in self.columns if c not in table.c]
        if missing:
            raise KeyError(f"{table.name} has no column(s) {', '.join(missing)}")
        self.converters: tuple[Converter | None, ...] = tuple(
            self.converter_for(table.c[name].type) for name in self.columns
        )
        self.encode: Callable[[Sequence[Any]], tuple[Any, ...]] = _compile(self.converters)

    @classmethod
    def for_connection(cls, conn: Connection, table: Table, columns: Sequence[str]) -> RowEncoder:
        return cls(conn.dialect, table, columns)

    def converter_for(self, type_: Any) -> Converter | None:
        """The function that encodes one value of a column type, or None (as it is)."""
        sqlite = self.is_sqlite
        if isinstance(type_, UUIDType):
            return _uuid_bytes if sqlite else _uuid_native
        if isinstance(type_, UTCDateTime):
            return _utc_naive_text if sqlite else _utc_aware
        if isinstance(type_, DateTime):
            return _naive_text if sqlite else None
        if isinstance(type_, Date):
            return _date_text if sqlite else None
        if isinstance(type_, Enum):
            return _enum_value
        if isinstance(type_, JSON):
            serializer = getattr(self.dialect, "_json_serializer", None) or json.dumps
            return _json_text(serializer)
        return None

    # Scalar conversions, for callers that build encoded rows themselves.
    def uuid(self, value: uuid.UUID | None) -> Any:
        return _uuid_bytes(value) if self.is_sqlite else _uuid_native(value)

    def datetime(self, value: dt.datetime | None) -> Any:
        return _utc_naive_text(value) if self.is_sqlite else _utc_aware(value)

    def date(self, value: dt.date | None) -> Any:
        return _date_text(value) if self.is_sqlite else value

    def encode_rows(self, rows: Iterable[Sequence[Any]]) -> Iterator[tuple[Any, ...]]:
        return map(self.encode, rows)


def _compile(converters: Sequence[Converter | None]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function building the encoded tuple with no per-column loop (hot path).

    The generated source only holds integer indexes and the names ``c0``, ``c1``...
    bound to the converters, so nothing from outside reaches ``exec``.
    """
    namespace: dict[str, Any] = {}
    parts = []
    for i, conv in enumerate(converters):
        if conv is None:
            parts.append(f"r[{i}]")
        else:
            namespace[f"c{i}"] = conv
            parts.append(f"c{i}(r[{i}])")
    body = ", ".join(parts) + ("," if len(parts) == 1 else "")
    exec(f"def encode(r):\n    return ({body})\n", namespace)
    return namespace["encode"]


# --------------------------------------------------------------------------- inserting


def _placeholders(dialect: Dialect, count: int, start: int = 0) -> list[str]:
    style = dialect.paramstyle
    if style == "qmark":
        return ["?"] * count
    if style in ("format", "pyformat"):
        return ["%s"] * count
    if style == "numeric":
        return [f":{i}" for i in range(start + 1, start + count + 1)]
    if style == "numeric_dollar":
        return [f"${i}" for i in range(start + 1, start + count + 1)]
    raise NotImplementedError(f"bulk_insert does not support paramstyle {style!r}")


def insert_sql(
    dialect: Dialect, table: Table, columns: Sequence[str], rows_per_statement: int = 1
) -> str:
    """``INSERT INTO table (columns) VALUES (...)[, (...)...]`` in the dialect's paramstyle."""
    missing = [c for c in columns if c not in table.c]
    if missing:
        raise KeyError(f"{table.name} has no column(s) {', '.join(missing)}")
    if not columns:
        raise ValueError("bulk_insert needs at least one column")
    prep = dialect.identifier_preparer
    names = ", ".join(prep.format_column(table.c[c]) for c in columns)
    n = len(columns)
    groups = [
        "(" + ", ".join(_placeholders(dialect, n, start=k * n)) + ")"
        for k in range(rows_per_statement)
    ]
    return f"INSERT INTO {prep.format_table(table)} ({names}) VALUES {', '.join(groups)}"


def _default_rows_per_statement(dialect: Dialect, width: int) -> int:
    if dialect.name == "sqlite":
        return 1  # sqlite3's executemany re-uses one prepared statement: fastest there
    # Other drivers' executemany tends to be a loop of round trips; send pages of rows
    # in one multi-row VALUES instead, under the usual 32,767 / 65,535 parameter limits.
    return max(1, min(1000, 32_000 // max(1, width)))


def bulk_insert(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = DEFAULT_BATCH,
    rows_per_statement: int | None = None,
) -> int:
    """Insert already-encoded ``rows`` (sequences in the order of ``columns``); return the count.

    Runs in the caller's transaction: use ``db.connect(write=True)`` or
    ``session.connection()`` inside ``db.write()``; nothing is committed here.  ``rows``
    may be any iterable (a generator keeps memory bounded); it is consumed in batches of
    ``batch_size``.  Encode Python values with :class:`RowEncoder` first.
    """
    columns = tuple(columns)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    width = len(columns)
    dialect = conn.dialect
    per_statement = rows_per_statement or _default_rows_per_statement(dialect, width)
    single_sql = insert_sql(dialect, table, columns)
    multi_sql = insert_sql(dialect, table, columns, per_statement) if per_statement > 1 else ""

    def send(batch: list[Sequence[Any]]) -> None:
        if per_statement == 1:
            conn.exec_driver_sql(single_sql, batch)
            return
        full = len(batch) - len(batch) % per_statement
        if full:
            pages = [
                tuple(itertools.chain.from_iterable(batch[i : i + per_statement]))
                for i in range(0, full, per_statement)
            ]
            conn.exec_driver_sql(multi_sql, pages)
        rest = batch[full:]
        if rest:
            conn.exec_driver_sql(single_sql, rest)

    index = _SearchIndex.find(conn, table, columns)
    total = 0
    iterator = iter(rows)
    try:
        while True:
            batch = [r if type(r) is tuple else tuple(r) for r in itertools.islice(iterator, batch_size)]
            if not batch:
                break
            total += len(batch)
            if index is not None and index.can_take(batch):
                index.insert(batch, send)
            else:
                if index is not None:
                    index.restore()
                send(batch)
    except BaseException:
        if index is not None:
            with contextlib.suppress(Exception):
                index.restore()
        raise
    if index is not None:
        index.restore()
    return total


class _SearchIndex:
    """The SQLite FTS5 index on people, fed directly instead of by its per-row trigger."""

    TRIGGER = "people_fts_insert"
    TRIGGER_SQL = sq.FTS_DDL[1]

    def __init__(self, conn: Connection, table: Table, columns: tuple[str, ...]):
        self.conn = conn
        self.table = table
        self.id_pos = columns.index("id") if "id" in columns else None
        self.text_pos = columns.index("search_text")
        self.index_sql = f"INSERT INTO {sq.FTS_TABLE}(rowid, search_text) VALUES (?, ?)"
        self.dropped = False

    @classmethod
    def find(cls, conn: Connection, table: Table, columns: tuple[str, ...]) -> _SearchIndex | None:
        if conn.dialect.name != "sqlite" or table.name != "people":
            return None
        if "search_text" not in columns:
            return None  # the insert fails anyway (search_text is NOT NULL)
        found = conn.execute(
            text("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = :n"),
            {"n": cls.TRIGGER},
        ).scalar()
        if found is None or " ".join(found.split()) != " ".join(cls.TRIGGER_SQL.split()):
            return None  # not the trigger we know how to stand in for: let it run
        return cls(conn, table, columns)

    def can_take(self, batch: list[Sequence[Any]]) -> bool:
        if len(batch) < DEFER_INDEX_MIN_ROWS:
            return False
        # Explicit ids must all be given (they are indexed as given) or all left out
        # (SQLite then numbers the rows from max(id) + 1).
        return self.id_pos is None or all(r[self.id_pos] is not None for r in batch)

    def insert(self, batch: list[Sequence[Any]], send: Callable[[list[Sequence[Any]]], None]) -> None:
        above = None
        if self.id_pos is None:
            above = self.conn.exec_driver_sql(
                f"SELECT coalesce(max(id), 0) FROM {self.table.name}"
            ).scalar()
        if not self.dropped:
            self.conn.exec_driver_sql(f"DROP TRIGGER {self.TRIGGER}")
            self.dropped = True
        send(batch)
        if self.id_pos is not None:
            i, t = self.id_pos, self.text_pos
            ids = [r[i] for r in batch]
            low, high = min(ids), max(ids)
            if high - low + 1 == len(ids) and len(set(ids)) == len(ids):
                # Consecutive ids (the usual case): one statement, all of it in SQLite.
                self.conn.exec_driver_sql(
                    f"INSERT INTO {sq.FTS_TABLE}(rowid, search_text) "
                    f"SELECT id, search_text FROM {self.table.name} WHERE id BETWEEN ? AND ?",
                    (low, high),
                )
            else:
                self.conn.exec_driver_sql(self.index_sql, [(r[i], r[t]) for r in batch])
        else:
            self.conn.exec_driver_sql(
                f"INSERT INTO {sq.FTS_TABLE}(rowid, search_text) "
                f"SELECT id, search_text FROM {self.table.name} WHERE id > ?",
                (above,),
            )

    def restore(self) -> None:
        if self.dropped:
            self.dropped = False
            self.conn.exec_driver_sql(self.TRIGGER_SQL)


@contextlib.contextmanager
def deferred_indexes(
    conn: Connection,
    *tables: Table,
    keep: Collection[str] = (),
    restore_on_error: bool = True,
) -> Iterator[list[str]]:
    """Build the secondary indexes of ``tables`` after a large load instead of during it.

    On SQLite, the ``CREATE INDEX`` indexes of each table (not the ones SQLite makes for
    a primary key or a ``UNIQUE`` table constraint) are dropped inside the caller's
    write transaction and created again, from their own stored SQL, when the block
    ends.  Building an index by sorting is several times faster than a million random
    B-tree inserts.  Everything stays in one transaction: if anything fails the indexes
    come back with the rollback, and other connections never see them missing.  A
    duplicate in a unique index is found when the index is built again (an
    ``IntegrityError``, as it would have been at the insert).

    Rebuilding reads the whole table, so use it when the rows loaded are many compared
    with the rows already there (the demo generator, a first import).  Indexes named in
    ``keep`` stay (worth it for keys that arrive in order, which cost little to keep up).
    Elsewhere than SQLite it does nothing.  Yields the names of the indexes it deferred.

    If the block raises, the indexes are built again before the exception goes on, in
    case the caller keeps using the transaction.  A caller that always rolls back on an
    error (nothing between it and ``db.write()`` catches) may pass
    ``restore_on_error=False`` so that cancelling a big load is quick.
    """
    if conn.dialect.name != "sqlite" or not tables:
        yield []
        return
    names = [t.name for t in tables]
    marks = ", ".join("?" * len(names))
    found = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tuple(names),
    ).all()
    found = [(name, sql) for name, sql in found if name not in keep]
    prep = conn.dialect.identifier_preparer
    for name, _sql in found:
        conn.exec_driver_sql(f"DROP INDEX {prep.quote(name)}")
    try:
        yield [name for name, _sql in found]
    except BaseException:
        if restore_on_error:
            with contextlib.suppress(Exception):
                for _name, sql in found:
                    conn.exec_driver_sql(sql)
        raise
    for _name, sql in found:
        conn.exec_driver_sql(sql)


def reserve_ids(conn: Connection, table: Table, count: int) -> int:
    """Reserve ``count`` consecutive integer primary keys of ``table``; return the first.

    Lets a caller insert parent rows with known ids and point child rows at them without
    reading anything back.  On SQLite this must run inside a write transaction
    (``BEGIN IMMEDIATE``, as ``db.write()`` and ``db.connect(write=True)`` start), which
    keeps other writers out until commit.  On PostgreSQL the table is locked against
    other writers and its id sequence moved past the reserved range.
    """
    pk = table.c.id
    if conn.dialect.name == "postgresql":
        name = conn.dialect.identifier_preparer.format_table(table)
        conn.exec_driver_sql(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE")
        seq = conn.execute(select(func.pg_get_serial_sequence(table.name, "id"))).scalar()
        top = conn.execute(select(func.coalesce(func.max(pk), 0))).scalar_one()
        if seq:
            current = conn.execute(select(func.nextval(seq))).scalar_one()
            first = max(int(top) + 1, int(current))
            if count:
                conn.execute(select(func.setval(seq, first + count - 1)))
            return first
        return int(top) + 1
    top = conn.execute(select(func.coalesce(func.max(pk), 0))).scalar_one()
    return int(top) + 1
