"""Everything SQLite-specific: pragmas, transactions, the file format, FTS5, the backup API.

Nothing outside :mod:`chapter_manager.storage` imports this module; PostgreSQL support
means another module beside it, not changes in the services.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# PRAGMA application_id of every chapter database: the bytes "CMgr".
APPLICATION_ID = int.from_bytes(b"CMgr", "big")

# SQLite's primary result codes (https://sqlite.org/rescode.html); an extended code
# carries its primary one in the low byte.
SQLITE_CORRUPT = 11
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26


def error_code(error: BaseException) -> int | None:
    """SQLite's primary result code of a driver error (or of the one SQLAlchemy wraps);
    None for an error that did not come from SQLite."""
    code = getattr(getattr(error, "orig", error), "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None
HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "chapter_manager_write"

PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    # A laptop at an event can lose power: every commit reaches the disk.
    "PRAGMA synchronous = FULL",
    # What is deleted (an erased person) is overwritten, not left in free pages.
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -32000",
)


def configure_connection(dbapi_conn: sqlite3.Connection) -> None:
    # Transactions are ours to begin (see on_begin), not the driver's.
    dbapi_conn.isolation_level = None
    dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    for pragma in PRAGMAS:
        dbapi_conn.execute(pragma)


# A connection that only reads: nothing here writes to the file (no journal mode).
READ_ONLY_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA query_only = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -32000",
)


def connect_read_only(
    path: Path, *, check_same_thread: bool = True, writable: bool = False
) -> sqlite3.Connection:
    """A connection that reads ``path`` and never changes it.

    Where the file and its folder can be written (``writable``), a plain connection with
    ``query_only``: SQLite then removes the ``-wal`` and ``-shm`` files when the last
    connection closes, as after any use.  Elsewhere ``mode=ro``; a database in WAL mode on
    a read-only disk whose ``-shm`` file does not exist cannot be opened that way, and is
    read as ``immutable`` (nobody can write it there either).
    """
    uri = path.resolve().as_uri()
    access = "rw" if writable else "ro"
    conn = sqlite3.connect(f"{uri}?mode={access}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                           check_same_thread=check_same_thread)
    try:
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.OperationalError:
        if writable:
            conn.close()
            raise
        conn.close()
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=check_same_thread)
    conn.isolation_level = None
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    for pragma in READ_ONLY_PRAGMAS:
        conn.execute(pragma)
    return conn


def configure_engine(engine: Engine, *, read_only: bool = False) -> None:
    if not read_only:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            configure_connection(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so two writers never deadlock half-way
        # through a transaction; readers start a plain (deferred) snapshot.
        if conn.get_execution_options().get(WRITE_OPTION):
            from .. import jobs

            job = jobs.current()
            if job is None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                begin_write_patiently(conn, job)
        else:
            conn.exec_driver_sql("BEGIN")


def _is_busy(error: BaseException) -> bool:
    return error_code(error) in (SQLITE_BUSY, SQLITE_LOCKED)


def begin_write_patiently(conn: Any, job: Any) -> None:
    """``BEGIN IMMEDIATE`` for a running job: while another program holds the write lock,
    try again every ``jobs.LOCK_STEP_MS``, saying so once through the job's progress and
    stopping (``jobs.Cancelled``, nothing written) when the job is cancelled.  After
    ``jobs.LOCK_PATIENCE_S`` the busy error goes up as it would without a job."""
    import time

    from sqlalchemy import exc

    from .. import jobs
    from ..i18n import _

    waited = False
    started = time.monotonic()
    conn.exec_driver_sql(f"PRAGMA busy_timeout = {jobs.LOCK_STEP_MS}")
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                break
            except exc.OperationalError as error:
                if not _is_busy(error) or time.monotonic() - started > jobs.LOCK_PATIENCE_S:
                    raise
                if not waited:
                    waited = True
                    job.progress(None, jobs.waiting_message())
                job.check()
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if waited:
        job.progress(None, _("Saving…"))


def looks_like_sqlite(path: Path) -> bool | None:
    """True for a SQLite file, False for something else, None for an empty file."""
    with path.open("rb") as fh:
        head = fh.read(100)
    if not head:
        return None
    return len(head) == 100 and head.startswith(HEADER)


def looks_like_sqlite_bytes(head: bytes) -> bool:
    """Whether the first bytes of a file are a SQLite header."""
    return head.startswith(HEADER)


def raw_connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection with our pragmas (for checks, backups and restores)."""
    if readonly:
        return connect_read_only(path)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        configure_connection(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def file_facts(conn: sqlite3.Connection) -> tuple[int, int, bool]:
    """(application_id, user_version, has any table) of an open database."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    has_tables = conn.execute(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
    ).fetchone()[0]
    return app_id, version, bool(has_tables)


def integrity_problems(conn: sqlite3.Connection, *, quick: bool = False) -> list[str]:
    """What ``integrity_check`` (or ``quick_check``) and ``foreign_key_check`` report."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}(20)").fetchall()]
    except sqlite3.DatabaseError as error:
        # Damage so deep the check itself cannot read a page is still a finding.
        if getattr(error, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            return [str(error)]
        raise
    problems = [] if rows == ["ok"] else rows
    if not quick:
        fk = conn.execute("PRAGMA foreign_key_check").fetchmany(20)
        problems += [f"row {r[1]} of {r[0]} points at a missing row in {r[2]}" for r in fk]
    return problems


def backup_into(source: sqlite3.Connection, target: Path) -> None:
    """Copy a live database into ``target`` with the SQLite backup API.

    The copy is a consistent snapshot even while other connections write (in WAL mode),
    and it is made self-contained (rollback journal mode) so one file is the whole backup.
    """
    dest = sqlite3.connect(str(target))
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
        dest.commit()
    finally:
        dest.close()


# --------------------------------------------------------------------------- search

FTS_TABLE = "people_fts"

# An external-content FTS5 index over people.search_text, kept in step by triggers.
# search_text is already folded by the core (accents, case, ideographs split), so the
# tokenizer only needs to split words.
FTS_DDL = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, content='people', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 2\", prefix='1 2 3')",
    f"CREATE TRIGGER people_fts_insert AFTER INSERT ON people BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER people_fts_delete AFTER DELETE ON people BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER people_fts_update AFTER UPDATE OF search_text ON people BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
)

FTS_DROP = (
    "DROP TRIGGER IF EXISTS people_fts_update",
    "DROP TRIGGER IF EXISTS people_fts_delete",
    "DROP TRIGGER IF EXISTS people_fts_insert",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)


FTS_TRIGGERS = {
    name: ddl
    for ddl in FTS_DDL[1:]
    for name in ("people_fts_insert", "people_fts_delete", "people_fts_update")
    if ddl.startswith(f"CREATE TRIGGER {name} ")
}


def restore_search_triggers(conn: Any) -> list[str]:
    """Create the search index's triggers again where a schema change lost them.

    A revision that rebuilds ``people`` in batch mode (copy, DROP TABLE, rename) drops the
    table's triggers with it; the index itself (keyed by ``people.id``) stays valid.
    Returns the names of the triggers made again.
    """
    present = {
        r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_schema WHERE type IN ('table', 'trigger')"
        ).fetchall()
    }
    if not {"people", FTS_TABLE} <= present:
        return []
    missing = [name for name in FTS_TRIGGERS if name not in present]
    for name in missing:
        conn.exec_driver_sql(FTS_TRIGGERS[name])
    return missing


def purge_search_index(conn: Any) -> None:
    """Merge the FTS index so deleted people's words leave its old segments."""
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")


def fts_query(tokens: list[str]) -> str:
    """An FTS5 MATCH expression: every token must match as the start of a word.

    Tokens come from ``text.search_tokens`` (word characters only), and each is quoted,
    so nothing a user types can form FTS5 syntax.
    """
    return " ".join(f'"{t}"*' for t in tokens)
