"""Rotating backups made with the SQLite backup API, and restoring them.

Backups of a database live in the user's data folder (never beside a database that may sit
in a synced folder), in one folder per database file.  Each is a complete, self-contained
SQLite file that passed ``integrity_check`` before it was given its final name.

Rotation keeps the most recent few, the newest of each of the last days, weeks and months,
and deletes the rest, so a person erased today is gone from every backup within a year.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import jobs, paths
from ..errors import ChapterError, DiskFull, StorageError
from ..i18n import _
from . import schema
from . import sqlite as sq

KEEP_RECENT = 5
KEEP_DAILY = 7
KEEP_WEEKLY = 5
KEEP_MONTHLY = 12

_NAME = re.compile(r"^(?P<stem>.+)-(?P<ts>\d{8}T\d{12}Z)-(?P<reason>[a-z][a-z-]*)\.db$")
_TS = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    reason: str
    size: int


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def check_file(path: Path) -> tuple[list[str], int]:
    """Problems that make ``path`` unusable as a chapter database, and its schema version."""
    try:
        kind = sq.looks_like_sqlite(path)
    except OSError as error:
        return [_("it cannot be read ({err})").format(err=error.strerror)], 0
    if not kind:
        return [_("it is not a database file")], 0
    try:
        # Read-only: a damaged file being checked before it is set aside stays untouched.
        conn = sq.raw_connect(path, readonly=True)
    except sqlite3.Error as error:
        return [str(error)], 0
    try:
        app_id, version, _tables = sq.file_facts(conn)
        if app_id != sq.APPLICATION_ID:
            return [_("it is not a Chapter Manager database")], version
        problems = sq.integrity_problems(conn)
        if version > schema.SCHEMA_VERSION:
            problems.append(
                _("it was made by a newer version of Chapter Manager (schema {v})").format(v=version)
            )
        return problems, version
    except sqlite3.DatabaseError as error:
        return [str(error)], 0
    finally:
        conn.close()


def plan_keep(times: Iterable[dt.datetime], now: dt.datetime) -> set[dt.datetime]:
    """Which backup times the rotation keeps: recent, daily, weekly and monthly."""
    ordered = sorted(set(times), reverse=True)
    # The newest always stays; the few most recent too, unless older than a year (so an
    # erased person ages out of every backup).
    keep = set(ordered[:1]) | {t for t in ordered[:KEEP_RECENT] if (now - t).days < 366}
    seen_days: set[dt.date] = set()
    seen_weeks: set[tuple[int, int]] = set()
    seen_months: set[tuple[int, int]] = set()
    today = now.date()
    for t in ordered:  # newest first: the first of each bucket is its newest
        age_days = (today - t.date()).days
        day = t.date()
        week = tuple(day.isocalendar())[:2]
        month = (day.year, day.month)
        if age_days < KEEP_DAILY and day not in seen_days:
            seen_days.add(day)
            keep.add(t)
        if len(seen_weeks) < KEEP_WEEKLY and age_days < KEEP_WEEKLY * 7 and week not in seen_weeks:
            seen_weeks.add(week)  # type: ignore[arg-type]
            keep.add(t)
        if age_days < 366 and month not in seen_months and len(seen_months) < KEEP_MONTHLY:
            seen_months.add(month)
            keep.add(t)
    return keep


class BackupStore:
    """The backups of one database file."""

    def __init__(self, folder: Path, stem: str):
        self.folder = folder
        self.stem = stem

    @classmethod
    def for_database(cls, db_path: Path) -> BackupStore:
        resolved = str(Path(db_path).expanduser().absolute())
        digest = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:10]
        stem = Path(db_path).stem or "chapter"
        return cls(paths.backups_root() / f"{stem}-{digest}", stem)

    def list(self) -> list[BackupInfo]:
        """Backups of this database, newest first."""
        found: list[BackupInfo] = []
        if not self.folder.is_dir():
            return found
        for entry in self.folder.iterdir():
            m = _NAME.match(entry.name)
            if not m or not entry.is_file():
                continue
            taken = dt.datetime.strptime(m["ts"], _TS).replace(tzinfo=dt.UTC)
            found.append(BackupInfo(entry, taken, m["reason"], entry.stat().st_size))
        found.sort(key=lambda b: b.taken_at, reverse=True)
        return found

    def newest_good(self) -> Path | None:
        for info in self.list():
            problems, _version = check_file(info.path)
            if not problems:
                return info.path
        return None

    def create(self, source: sqlite3.Connection, *, reason: str = "auto") -> Path:
        """Back up the open database ``source`` into this store, then rotate."""
        now = dt.datetime.now(dt.UTC)
        name = f"{self.stem}-{now.strftime(_TS)}-{reason}.db"
        try:
            paths.private_folder(self.folder)
        except OSError as error:
            raise StorageError(
                _("The backup folder {folder} could not be created: {err}").format(
                    folder=self.folder, err=error.strerror
                )
            ) from error
        target = self.folder / name
        copy_database(source, target)
        self.rotate(now)
        return target

    def rotate(self, now: dt.datetime | None = None) -> list[Path]:
        now = now or dt.datetime.now(dt.UTC)
        backups = self.list()
        keep = plan_keep((b.taken_at for b in backups), now)
        removed = []
        for info in backups:
            if info.taken_at not in keep:
                with contextlib.suppress(OSError):
                    info.path.unlink()
                    removed.append(info.path)
        return removed


def copy_database(source: sqlite3.Connection, target: Path) -> None:
    """Write a checked, self-contained copy of ``source`` at ``target``, atomically."""
    tmp = target.with_name(target.name + ".partial")
    try:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        paths.create_private_file(tmp)  # the copy holds the roster: its owner's only
        sq.backup_into(source, tmp)
        problems, _version = check_file(tmp)
        if problems:
            raise StorageError(
                _("The backup could not be verified ({problem}); the database may be damaged.").format(
                    problem=problems[0]
                )
            )
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except sqlite3.Error as error:
        from .database import translate_error

        translated = translate_error(error, target)
        if isinstance(translated, DiskFull):
            raise DiskFull(target, backup=True) from error
        if isinstance(translated, ChapterError):
            raise translated from error
        raise StorageError(
            _("The backup to {path} failed: {err}").format(path=target, err=error)
        ) from error
    except OSError as error:
        if error.errno == 28:  # ENOSPC
            raise DiskFull(target, backup=True) from error
        raise StorageError(
            _("The backup to {path} failed: {err}").format(path=target, err=error.strerror)
        ) from error
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def newest_good_backup(db_path: Path | None) -> Path | None:
    if db_path is None:
        return None
    return BackupStore.for_database(db_path).newest_good()


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    previous_kept_at: Path | None


def restore_backup(db_path: Path, backup: Path, *, progress: jobs.Progress | None = None,
                   cancel: jobs.CancelSignal | None = None) -> RestoreResult:
    """Replace the database at ``db_path`` with ``backup``, keeping the current file aside.

    The backup is checked first; nothing changes if it is unusable.  The current database
    is backed up into the store (or, if it cannot be read, moved there as it is).
    ``progress``/``cancel`` follow :mod:`chapter_manager.jobs`; a cancel is honoured up to
    the moment the current file is set aside (after that the restore runs to its end).
    """
    job = jobs.as_job(progress, cancel)
    backup = Path(backup).expanduser().absolute()
    db_path = Path(db_path).expanduser().absolute()
    if not backup.is_file():
        raise StorageError(_("There is no backup at {path}.").format(path=backup))
    if backup == db_path:
        raise StorageError(_("A database cannot be restored from itself."))
    job.progress(None, _("Checking the backup…"))
    problems, _version = check_file(backup)
    if problems:
        raise StorageError(
            _("{path} cannot be restored: {problem}. Nothing was changed.").format(
                path=backup, problem=problems[0]
            )
        )
    job.check()
    store = BackupStore.for_database(db_path)
    kept: Path | None = None
    job.progress(None, _("Restoring…"))
    if db_path.exists():
        kept = _set_current_aside(db_path, store)
    src = sq.raw_connect(backup, readonly=True)
    try:
        dest = sq.raw_connect(db_path)
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode = WAL")
        finally:
            dest.close()
    except sqlite3.Error as error:
        raise StorageError(
            _("Restoring {path} failed: {err}. The previous database is kept at {kept}.").format(
                path=backup, err=error, kept=kept
            )
        ) from error
    finally:
        src.close()
    return RestoreResult(backup, kept)


def _set_current_aside(db_path: Path, store: BackupStore) -> Path:
    problems, _version = check_file(db_path)
    if not problems:
        conn = sq.raw_connect(db_path)
        try:
            return store.create(conn, reason="pre-restore")
        finally:
            conn.close()
    # Unreadable or damaged: move the files themselves aside, untouched.
    paths.private_folder(store.folder)
    stamp = dt.datetime.now(dt.UTC).strftime(_TS)
    aside = store.folder / f"{store.stem}-{stamp}-damaged.db.keep"
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(db_path) + suffix)
        if part.exists():
            shutil.move(part, Path(str(aside) + suffix))
    return aside
