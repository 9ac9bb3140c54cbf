"""Opening a chapter database and running units of work on it.

``open_database(path_or_url)`` is the one way in.  It creates a new file at the newest
schema, upgrades an older one after backing it up, and refuses (with a message a person
understands) a file that is too new, not a chapter database, or damaged.

A unit of work is ``with db.write() as session:`` (``BEGIN IMMEDIATE`` on SQLite, commit
at the end) or ``with db.read() as session:`` (a consistent snapshot).  Sessions never
outlive the ``with`` block and never cross threads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, exc, text
from sqlalchemy.engine import Connection, Engine

from .. import jobs, paths
from ..device import DeviceIdentity, this_device
from ..errors import (
    CannotOpen,
    ChapterError,
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseTooNew,
    DiskFull,
    NotAChapterDatabase,
    ReadOnlyDatabase,
    StorageError,
)
from ..i18n import _
from ..types import utcnow
from . import schema, watch
from . import sqlite as sq
from .prepared import Prepared

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_ADVANCE_SEQUENCE = Prepared(
    text("UPDATE devices SET last_seq = last_seq + :n WHERE id = :d RETURNING last_seq")
)


@dataclass(frozen=True)
class OpenReport:
    """What happened while opening: created, upgraded (and the backup made first)."""

    created: bool = False
    upgraded_from: int | None = None
    pre_upgrade_backup: Path | None = None


class Database:
    def __init__(self, engine: Engine, path: Path | None, device: DeviceIdentity):
        self.engine = engine
        self.path = path
        self.device = device
        self.report = OpenReport()
        #: Opened for reading only (the commands that only read, or a file that cannot be
        #: written); ``read_only_reason`` says why the file cannot be written, if it cannot.
        self.read_only = False
        self.read_only_reason: str | None = None
        self._writer = engine.execution_options(**{sq.WRITE_OPTION: True})
        self._closed = False
        #: tells this handle's writes from others' in the change log (storage/watch.py)
        self.change_token = watch.new_token()
        if engine.dialect.name == "sqlite":
            watch.record_changes(engine, self.change_token)

    # ------------------------------------------------------------------ facts
    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def location(self) -> str:
        return str(self.path) if self.path else self.engine.url.render_as_string()

    def __repr__(self) -> str:
        return f"<Database {self.location}>"

    # ------------------------------------------------------------------ units of work
    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: a consistent snapshot of the database."""
        from .session import ChapterSession  # the ORM is imported on first use, not at start

        with self._translated(), ChapterSession(self.engine, expire_on_commit=False) as s:
            s.info["database"] = self
            with s.begin():
                yield s

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that writes: all of it is committed, or none of it."""
        from .session import ChapterSession

        with self._translated(), ChapterSession(self._writer, expire_on_commit=False) as s:
            s.info["database"] = self
            with s.begin():
                yield s

    @contextlib.contextmanager
    def connect(self, *, write: bool = False) -> Iterator[Connection]:
        """A Core connection in a transaction, for bulk work and hot paths."""
        engine = self._writer if write else self.engine
        with self._translated(), engine.begin() as conn:
            yield conn

    def purge_deleted_text(self, conn: Connection) -> None:
        """After an erasure: leave none of the deleted words in the search index."""
        if self.is_sqlite:
            sq.purge_search_index(conn)

    def allocate_sequence(self, conn: Connection, count: int) -> int:
        """Reserve ``count`` sequence numbers for this device; return the first.

        Runs inside the caller's write transaction, so concurrent writers (a kiosk and an
        organiser on the same file) never get the same numbers.
        """
        dev = self.device.id
        row = _ADVANCE_SEQUENCE.run(conn, n=count, d=dev.bytes if self.is_sqlite else dev).first()
        if row is None:
            from ..models import Device

            conn.execute(
                Device.__table__.insert(),
                {"id": dev, "name": self.device.name, "last_seq": count},
            )
            return 1
        return int(row[0]) - count + 1

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return schema.version_of(conn)

    # ------------------------------------------------------------------ SQLite file access
    @contextlib.contextmanager
    def raw_sqlite(self) -> Iterator[sqlite3.Connection]:
        """The driver connection underneath, for the backup API and pragmas."""
        if not self.is_sqlite:
            raise StorageError(_("This operation needs a SQLite database file."))
        raw = self.engine.raw_connection()
        try:
            yield raw.driver_connection  # type: ignore[misc]
        finally:
            raw.close()

    @property
    def backups(self):
        """The :class:`~.backups.BackupStore` of this database file."""
        from .backups import BackupStore

        if self.path is None:
            raise StorageError(_("Backups are made of database files only."))
        return BackupStore.for_database(self.path)

    def backup(self, *, reason: str = "manual", to: Path | None = None) -> Path:
        """Back up the database while it is in use; return the backup's path.

        Without ``to`` the backup goes into the rotating store; with it, to that file (or
        into that folder), outside the rotation.
        """
        from .backups import copy_database

        with self.raw_sqlite() as conn:
            if to is None:
                return self.backups.create(conn, reason=reason)
            to = Path(to).expanduser().absolute()
            if to.is_dir():
                stamp = utcnow().strftime("%Y%m%d-%H%M%S")
                stem = self.path.stem if self.path else "chapter"
                candidate, n = to / f"{stem}-backup-{stamp}.db", 1
                while candidate.exists():
                    n += 1
                    candidate = to / f"{stem}-backup-{stamp}-{n}.db"
                to = candidate
            if self.path is not None and to.resolve() == self.path.resolve():
                raise StorageError(_("A database cannot be backed up onto itself."))
            copy_database(conn, to)
            return to

    def backup_if_due(self, max_age: dt.timedelta = dt.timedelta(hours=12)) -> Path | None:
        """Take an automatic backup when the newest one is older than ``max_age``."""
        if self.path is None or self.read_only:
            return None
        newest = self.backups.list()[:1]
        if newest and utcnow() - newest[0].taken_at < max_age:
            return None
        return self.backup(reason="auto")

    def integrity_problems(self, *, quick: bool = False) -> list[str]:
        if not self.is_sqlite:
            return []
        with self.raw_sqlite() as conn:
            return sq.integrity_problems(conn, quick=quick)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.is_sqlite and not self.read_only:
            with contextlib.suppress(Exception), self.raw_sqlite() as conn:
                conn.execute("PRAGMA optimize")
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ errors
    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except ChapterError:
            raise
        except exc.DBAPIError as error:
            raise translate_error(error, self.path) from error


def translate_error(error: BaseException, path: Path | None) -> BaseException:
    """Turn a driver error into a :class:`ChapterError` where we know what it means."""
    orig = getattr(error, "orig", error)
    code = sq.error_code(error)  # by SQLite's result code, never by the message's words
    where = path if path is not None else "the database"
    if code in (sq.SQLITE_BUSY, sq.SQLITE_LOCKED):
        return DatabaseBusy(where)
    if code == sq.SQLITE_FULL:
        return DiskFull(where)
    if code in (sq.SQLITE_CORRUPT, sq.SQLITE_NOTADB):
        from .backups import newest_good_backup

        newest = newest_good_backup(path) if path else None
        return DatabaseCorrupt(Path(where), str(orig), newest)
    if code == sq.SQLITE_READONLY:
        return StorageError(
            _("{path} cannot be written to (it is read-only). Nothing was saved.").format(
                path=where
            )
        )
    if code == sq.SQLITE_CANTOPEN:
        return CannotOpen(_("{path} could not be opened.").format(path=where))
    if code == sq.SQLITE_IOERR:
        return StorageError(
            _("The disk holding {path} reported an error; nothing was saved.").format(path=where)
        )
    return error


# --------------------------------------------------------------------------- opening


def _is_url(target: str | Path) -> bool:
    return isinstance(target, str) and "://" in target


def open_database(
    target: str | Path | None = None,
    *,
    create: bool = True,
    device: DeviceIdentity | None = None,
    quick_check: bool = True,
    readonly: bool = False,
    progress: jobs.Progress | None = None,
    cancel: jobs.CancelSignal | None = None,
) -> Database:
    """Open (or create) the chapter database at a path or SQLAlchemy URL.

    ``None`` opens the default database (``CHAPTER_MANAGER_DB`` or the user's data
    folder).  Raises a :class:`StorageError` subclass with a clear message when the file
    cannot be used; the file is never changed in that case.

    Without ``create`` a missing or empty file (zero bytes, or SQLite with no tables) is
    refused and left as it is.  ``readonly`` (the commands that only read) never creates
    a file and reads through connections that cannot write; a file that cannot be
    written (read-only file, folder or disk) can only be opened that way, and
    :class:`ReadOnlyDatabase` says so otherwise.  ``progress`` and ``cancel`` follow
    :mod:`chapter_manager.jobs`: a cancel before the upgrade's transaction commits raises
    ``jobs.Cancelled`` with the file at its old schema.
    """
    job = jobs.as_job(progress, cancel)
    device = device or this_device()
    if target is None:
        target = paths.default_database()
    if _is_url(target):
        return _open_url(str(target), device)
    path = Path(target).expanduser().absolute()
    return _open_sqlite_file(
        path, create=create and not readonly, device=device, quick_check=quick_check,
        readonly=readonly, job=job,
    )


def _open_url(url: str, device: DeviceIdentity) -> Database:
    if url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        db_path = make_url(url).database or ""
        if db_path and db_path != ":memory:" and not db_path.startswith("file:"):
            return _open_sqlite_file(Path(db_path).absolute(), create=True, device=device)
        raise CannotOpen(_("An in-memory database cannot hold a chapter; give a file path."))
    try:
        engine = create_engine(url, pool_pre_ping=True)
        db = Database(engine, None, device)
        with engine.begin() as conn:
            version = schema.version_of(conn)
        if version > schema.SCHEMA_VERSION:
            raise DatabaseTooNew(Path(url), version, schema.SCHEMA_VERSION)
        if version < schema.SCHEMA_VERSION:
            schema.upgrade(engine)
        return db
    except exc.DBAPIError as error:
        raise CannotOpen(_("Could not connect to {url}: {err}").format(url=url, err=error.orig)) from error


def _new_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False},
        pool_size=4,
        max_overflow=4,
        # Hand out the connection used last: its page cache is warm (each SQLite
        # connection has its own), so a search typed after a load does not read cold.
        pool_use_lifo=True,
    )
    sq.configure_engine(engine)
    return engine


def _read_only_reason(path: Path) -> str | None:
    """Why an existing database file cannot be written, or None when it can."""
    if not os.access(path, os.W_OK):
        return _("the file cannot be written to")
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        # SQLite needs to create the -wal and -shm files beside the database.
        return _("its folder cannot be written to")
    return None


def _read_only_engine(path: Path, *, writable: bool) -> Engine:
    from sqlalchemy.pool import QueuePool

    engine = create_engine(
        "sqlite://",
        creator=lambda: sq.connect_read_only(path, check_same_thread=False, writable=writable),
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        pool_use_lifo=True,
    )
    sq.configure_engine(engine, read_only=True)
    return engine


def _open_sqlite_file(
    path: Path, *, create: bool, device: DeviceIdentity, quick_check: bool = True,
    readonly: bool = False,
    job: jobs.Job | None = None,
) -> Database:
    job = job or jobs.Job()
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except OSError as error:
        raise CannotOpen(
            _("{path} cannot be used: {err}").format(path=path, err=error.strerror)
        ) from error
    if is_dir:
        raise CannotOpen(_("{path} is a folder, not a database file.").format(path=path))
    if not exists and not create:
        raise CannotOpen(_("There is no database at {path}.").format(path=path))
    created = False
    upgraded_from: int | None = None
    backup_made: Path | None = None
    if exists:
        try:
            kind = sq.looks_like_sqlite(path)
        except OSError as error:
            raise CannotOpen(
                _("{path} could not be read: {err}").format(path=path, err=error.strerror)
            ) from error
        if kind is False:
            raise NotAChapterDatabase(path, _("it is not a database file"))
        why = _read_only_reason(path)
        if why is not None and not readonly:
            raise ReadOnlyDatabase(path, why)
        created = kind is None
        if not created:
            job.progress(None, _("Checking the database…"))
            upgraded_from, backup_made = _check_existing(
                path, quick_check=quick_check, read_only_reason=why, job=job
            )
            if upgraded_from == _EMPTY:
                created, upgraded_from = True, None
        if created and not create:
            # An empty file is not made into a database by a command that was not asked to.
            raise CannotOpen(
                _("{path} is empty: it holds no chapter database. It was left as it is.").format(
                    path=path
                )
            )
    else:
        job.check()  # cancelled before anything was made: nothing is left behind
        try:
            paths.private_folder(path.parent)
            # SQLite gives the -wal and -shm files the database file's permissions.
            paths.create_private_file(path)
        except FileExistsError:
            pass  # made by another process meanwhile: opened as it is
        except OSError as error:
            raise CannotOpen(
                _("The folder for {path} could not be created: {err}").format(
                    path=path, err=error.strerror
                )
            ) from error
        created = True

    if readonly and upgraded_from is None:
        db = Database(_read_only_engine(path, writable=why is None), path, device)
        db.read_only, db.read_only_reason = True, why
        return db

    engine = _new_engine(path)
    db = Database(engine, path, device)
    try:
        if created or upgraded_from is not None:
            try:
                job.check()
            except jobs.Cancelled:
                engine.dispose()
                raise
            if upgraded_from is not None:
                job.progress(None, _("Bringing the database up to date…"))
            schema.upgrade(engine)
            with db.write() as session:
                schema.stamp_new_database(session)
            reached = db.schema_version()
            if reached != schema.SCHEMA_VERSION:
                engine.dispose()
                raise CannotOpen(
                    _(
                        "{path} could not be brought to schema {want} (it is at {got}); "
                        "the previous version is kept at {backup}."
                    ).format(path=path, want=schema.SCHEMA_VERSION, got=reached, backup=backup_made)
                )
    except ChapterError:
        engine.dispose()
        raise
    except exc.DBAPIError as error:
        engine.dispose()
        translated = translate_error(error, path)
        if isinstance(translated, ChapterError):
            raise translated from error
        raise CannotOpen(
            _("{path} could not be prepared: {err}").format(path=path, err=error.orig)
        ) from error
    db.report = OpenReport(created, upgraded_from, backup_made)
    if readonly:
        # Upgraded (the file could be written, and was backed up first): read it now.
        db.close()
        db = Database(_read_only_engine(path, writable=True), path, device)
        db.read_only = True
        db.report = OpenReport(created, upgraded_from, backup_made)
    return db


_EMPTY = -1  # an SQLite file with no tables at all: made anew

# Files up to this size get PRAGMA quick_check at every open (about 30 ms at 64 MiB).
# A bigger file would make opening slow (1.8 s at 1 GB); it is checked in full before
# each backup and by `chapter-manager check`, and damage met while working is reported
# as DatabaseCorrupt with the newest good backup named.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024


def _check_existing(
    path: Path, *, quick_check: bool, read_only_reason: str | None = None,
    job: jobs.Job | None = None,
) -> tuple[int | None, Path | None]:
    """Refuse a file we must not open; back up one that needs upgrading.

    Returns (the schema it was at if it needs an upgrade, the backup made first).
    """
    from .backups import BackupStore, newest_good_backup

    try:
        # No pragmas here: a file we refuse must stay exactly as it was (setting WAL
        # would rewrite its header).
        if read_only_reason is not None:
            conn = sq.connect_read_only(path)
        else:
            conn = sqlite3.connect(str(path), timeout=sq.BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as error:
        raise CannotOpen(_("{path} could not be opened: {err}").format(path=path, err=error)) from error
    try:
        try:
            app_id, version, has_tables = sq.file_facts(conn)
            small = path.stat().st_size <= QUICK_CHECK_MAX_BYTES
            problems = sq.integrity_problems(conn, quick=True) if quick_check and small else []
        except sqlite3.DatabaseError as error:
            if sq.error_code(error) == sq.SQLITE_NOTADB:
                raise NotAChapterDatabase(path, _("it is not a database file")) from error
            translated = translate_error(error, path)
            if isinstance(translated, ChapterError):
                raise translated from error
            raise DatabaseCorrupt(path, str(error), newest_good_backup(path)) from error
        if app_id != sq.APPLICATION_ID:
            if app_id == 0 and not has_tables:
                return _EMPTY, None
            raise NotAChapterDatabase(path, _("it belongs to another program"))
        if problems:
            raise DatabaseCorrupt(path, problems[0], newest_good_backup(path))
        if version > schema.SCHEMA_VERSION:
            raise DatabaseTooNew(path, version, schema.SCHEMA_VERSION)
        if version == schema.SCHEMA_VERSION:
            return None, None
        if read_only_reason is not None and version > 0:
            raise ReadOnlyDatabase(path, read_only_reason, upgrade=version)
        if job is not None:
            job.check()
            job.progress(None, _("Backing up before the upgrade…"))
        backup = BackupStore.for_database(path).create(conn, reason="pre-upgrade")
        return version, backup
    finally:
        conn.close()


__all__ = ["Database", "OpenReport", "open_database", "translate_error"]
