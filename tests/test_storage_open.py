"""Opening chapter databases: creation at the newest schema, pragmas, transactions,
refusing files we must not touch, upgrades, damage, read-only files and concurrency.

Every test works on real SQLite files under ``tmp_path``; nothing is mocked.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from chapter_manager import __version__, paths
from chapter_manager.errors import (
    CannotOpen,
    ChapterError,
    DatabaseCorrupt,
    DatabaseTooNew,
    DiskFull,
    NotAChapterDatabase,
    StorageError,
)
from chapter_manager.models import AuditAction, AuditEntry, Setting
from chapter_manager.storage import open_database, schema
from chapter_manager.storage import sqlite as sq
from chapter_manager.storage.backups import BackupStore, check_file

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
PAGE = 4096


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Backups and the device id go to a private data folder, never the user's."""
    data = tmp_path / "data"
    monkeypatch.setenv(paths.DATA_ENV, str(data))
    monkeypatch.delenv(paths.DB_ENV, raising=False)
    return data


# --------------------------------------------------------------------------- helpers


def make_db(path: Path, rows: int = 0) -> Path:
    """A closed chapter database at ``path`` holding ``rows`` extra settings rows."""
    with open_database(path) as db, db.connect(write=True) as conn:
        if rows:
            conn.execute(
                insert(Setting), [{"key": f"row-{i:05d}", "value": "x" * 200} for i in range(rows)]
            )
    return path


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def set_pragma(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def siblings(path: Path) -> list[str]:
    """The files beside ``path`` (leaving out the data folder of the autouse fixture)."""
    return sorted(p.name for p in path.parent.iterdir() if p.name != "data")


def refuse(path: Path, error: type[ChapterError]) -> ChapterError:
    """open_database(path) raises ``error``; return it (the caller checks the bytes)."""
    with pytest.raises(error) as info:
        open_database(path)
    assert str(path) in str(info.value)
    return info.value


def foreign_db(path: Path, journal_mode: str) -> Path:
    """A SQLite file of another program: tables and rows, application_id 0."""
    path.parent.mkdir(parents=True, exist_ok=True)
    set_pragma(
        path,
        f"PRAGMA journal_mode = {journal_mode}",
        "CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, url TEXT)",
        "INSERT INTO bookmarks (url) VALUES ('https://www.heforshe.org')",
    )
    return path


def count_settings(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Setting))


def corrupt_middle_page(path: Path, *, keep_page_header: bool) -> None:
    """Overwrite one page in the middle of the file.

    With ``keep_page_header`` the b-tree page header survives and ``integrity_check``
    reports the damage as rows; without it SQLite cannot even parse the page.
    """
    data = bytearray(path.read_bytes())
    pages = len(data) // PAGE
    assert pages > 100, "the file must be big enough to have a middle page"
    start = (pages // 2) * PAGE
    if keep_page_header:
        data[start + 100 : start + PAGE] = bytes(PAGE - 100)
    else:
        data[start : start + PAGE] = os.urandom(PAGE)
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------- a new database


def test_new_file_is_created_at_head_in_new_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c" / "chapter.db"
    with open_database(path) as db:
        assert db.report.created
        assert db.report.upgraded_from is None
        assert db.report.pre_upgrade_backup is None
        assert db.path == path
        assert db.schema_version() == schema.SCHEMA_VERSION
        with db.read() as s:
            settings = {row.key: row.value for row in s.scalars(select(Setting))}
            fts = s.execute(
                text("SELECT name FROM sqlite_schema WHERE name = :n"), {"n": sq.FTS_TABLE}
            ).scalar()
    assert path.is_file()
    assert pragma(path, "user_version") == schema.SCHEMA_VERSION
    assert pragma(path, "application_id") == sq.APPLICATION_ID
    assert int.from_bytes(b"CMgr", "big") == sq.APPLICATION_ID
    assert uuid.UUID(settings["database_id"])
    assert settings["created_by_version"] == __version__
    assert fts == sq.FTS_TABLE
    # Creating a database is not a reason for a backup.
    assert BackupStore.for_database(path).list() == []


def test_reopening_keeps_the_database_and_makes_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "chapter.db"
    with open_database(path) as db, db.read() as s:
        first_id = s.get(Setting, "database_id").value
    with open_database(path) as db:
        assert db.report.created is False
        assert db.report.upgraded_from is None
        with db.read() as s:
            assert s.get(Setting, "database_id").value == first_id
    assert BackupStore.for_database(path).list() == []


def test_default_database_comes_from_the_environment(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_database() as db:
        assert db.path == data_dir / "chapter.db"
    elsewhere = tmp_path / "elsewhere" / "club.db"
    monkeypatch.setenv(paths.DB_ENV, str(elsewhere))
    with open_database() as db:
        assert db.path == elsewhere
    assert elsewhere.is_file()


def test_sqlite_url_opens_the_file_and_memory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "url.db"
    with open_database(f"sqlite:///{path}") as db:
        assert db.path == path
        assert db.report.created
    with pytest.raises(CannotOpen, match="in-memory"):
        open_database("sqlite:///:memory:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "url.db"]


def test_the_short_in_memory_url_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        with pytest.raises(CannotOpen, match="in-memory"):
            open_database("sqlite://").close()
    finally:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_create_false_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "chapter.db"
    with pytest.raises(CannotOpen, match="There is no database"):
        open_database(path, create=False)
    assert not path.parent.exists()


# --------------------------------------------------------------------------- pragmas, transactions


def _pragmas_of(conn) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
        for name in ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")
    }


def _assert_pragmas(values: dict[str, object]) -> None:
    assert values["foreign_keys"] == 1
    assert values["journal_mode"] == "wal"
    assert values["synchronous"] == 2  # FULL
    assert int(values["busy_timeout"]) > 0  # type: ignore[call-overload]


def test_pragmas_are_set_on_every_pooled_connection(tmp_path: Path) -> None:
    with open_database(tmp_path / "chapter.db") as db:
        # More connections at once than the pool keeps, so overflow ones are checked too.
        conns = [db.engine.connect() for _ in range(6)]
        try:
            seen = {id(c.connection.driver_connection) for c in conns}
            assert len(seen) == 6
            for conn in conns:
                _assert_pragmas(_pragmas_of(conn))
        finally:
            for conn in conns:
                conn.close()
        with db.write() as s:
            _assert_pragmas(_pragmas_of(s.connection()))
        with db.read() as s:
            _assert_pragmas(_pragmas_of(s.connection()))
        with db.connect(write=True) as conn:
            _assert_pragmas(_pragmas_of(conn))


def _can_begin_immediate(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()


def test_write_transactions_begin_immediate_and_reads_do_not(tmp_path: Path) -> None:
    path = tmp_path / "chapter.db"
    with open_database(path) as db:
        # Only a SELECT inside db.write(): a deferred BEGIN would hold no write lock yet,
        # so being locked out proves the transaction began with BEGIN IMMEDIATE.
        # (The lock is taken at the session's first statement, not at `with` entry.)
        with db.write() as s:
            s.execute(select(Setting.key)).all()
            assert _can_begin_immediate(path) is False
        assert _can_begin_immediate(path) is True  # released at commit
        with db.read() as s:
            s.execute(select(Setting.key)).all()
            assert _can_begin_immediate(path) is True
        with db.connect(write=True) as conn:
            conn.execute(select(1)).all()
            assert _can_begin_immediate(path) is False
        with db.connect() as conn:
            conn.execute(select(1)).all()
            assert _can_begin_immediate(path) is True


def test_a_read_is_a_consistent_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "chapter.db"
    with open_database(path) as db:
        with db.read() as s:
            before = s.scalar(select(func.count()).select_from(Setting))
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("INSERT INTO settings (key, value) VALUES ('late', 'x')")
            other.close()
            assert s.scalar(select(func.count()).select_from(Setting)) == before
        assert count_settings(db) == before + 1


def test_a_failed_write_commits_nothing(tmp_path: Path) -> None:
    with open_database(tmp_path / "chapter.db") as db:
        before = count_settings(db)
        with pytest.raises(RuntimeError), db.write() as s:
            s.add(Setting(key="half-done", value="x"))
            s.flush()
            raise RuntimeError("interrupted")
        assert count_settings(db) == before


# --------------------------------------------------------------------------- files that are refused


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "chapter.db"
    folder.mkdir()
    error = refuse(folder, CannotOpen)
    assert "folder" in str(error)
    assert list(folder.iterdir()) == []


def test_a_path_below_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder\n")
    error = refuse(blocker / "chapter.db", CannotOpen)
    assert "folder" in str(error)
    assert blocker.read_text() == "not a folder\n"


@pytest.mark.skipif(IS_ROOT, reason="root can read a file with mode 000")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    before = path.read_bytes()
    path.chmod(0)
    try:
        error = refuse(path, CannotOpen)
        assert "could not be read" in str(error)
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"name,email\nAna,ana@example.org\n", id="csv-text"),
        pytest.param(os.urandom(3 * PAGE), id="random-bytes"),
        pytest.param(b"SQLite format", id="short-header"),
    ],
)
def test_a_file_that_is_not_a_database_is_refused_unchanged(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "chapter.db"
    path.write_bytes(content)
    error = refuse(path, NotAChapterDatabase)
    assert "not a database file" in str(error)
    assert path.read_bytes() == content
    assert siblings(path) == ["chapter.db"]


def test_a_truncated_database_is_refused_unchanged(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db", rows=3000)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = path.read_bytes()
    refuse(path, StorageError)
    assert path.read_bytes() == before


@pytest.mark.parametrize("kind", ["truncated", "header-then-garbage"])
def test_a_damaged_file_gets_the_specific_error(tmp_path: Path, kind: str) -> None:
    path = make_db(tmp_path / "chapter.db", rows=3000 if kind == "truncated" else 0)
    if kind == "truncated":
        with open_database(path) as db:
            good = db.backup()
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        error = refuse(path, DatabaseCorrupt)
        assert str(good) in str(error)
    else:
        path.write_bytes(sq.HEADER + os.urandom(2 * PAGE))
        refuse(path, NotAChapterDatabase)


@pytest.mark.parametrize(
    "journal_mode",
    [
        "wal",
        pytest.param(
            "delete"
        ),
    ],
)
def test_a_database_of_another_program_is_refused_unchanged(
    tmp_path: Path, journal_mode: str
) -> None:
    path = foreign_db(tmp_path / "places.sqlite", journal_mode)
    before = path.read_bytes()
    error = refuse(path, NotAChapterDatabase)
    assert "another program" in str(error)
    assert siblings(path) == ["places.sqlite"]
    assert path.read_bytes() == before
    assert pragma(path, "journal_mode") == journal_mode


def test_an_empty_file_becomes_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "chapter.db"
    path.write_bytes(b"")
    with open_database(path) as db:
        assert db.report.created
        assert db.schema_version() == schema.SCHEMA_VERSION
        with db.read() as s:
            assert s.get(Setting, "database_id") is not None
    assert pragma(path, "application_id") == sq.APPLICATION_ID


def test_an_empty_sqlite_file_becomes_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "chapter.db"
    set_pragma(path, "CREATE TABLE scratch (x)", "DROP TABLE scratch")
    assert pragma(path, "application_id") == 0
    with open_database(path) as db:
        assert db.report.created
        assert db.schema_version() == schema.SCHEMA_VERSION


@pytest.mark.parametrize(
    "journal_mode",
    [
        "wal",
        pytest.param(
            "delete"
        ),
    ],
)
def test_a_database_from_a_newer_version_is_refused_unchanged(
    tmp_path: Path, journal_mode: str
) -> None:
    path = make_db(tmp_path / "chapter.db", rows=10)
    newer = schema.SCHEMA_VERSION + 1
    set_pragma(path, f"PRAGMA journal_mode = {journal_mode}", f"PRAGMA user_version = {newer}")
    before = path.read_bytes()
    error = refuse(path, DatabaseTooNew)
    assert isinstance(error, DatabaseTooNew)
    assert (error.found, error.known) == (newer, schema.SCHEMA_VERSION)
    assert "newer version" in str(error) and "not changed" in str(error)
    assert siblings(path) == ["chapter.db"]
    assert path.read_bytes() == before
    assert BackupStore.for_database(path).list() == []


# --------------------------------------------------------------------------- upgrades


def stamped_version_zero(path: Path) -> Path:
    """A chapter file at schema 0: our application_id, user_version 0, no schema yet.

    It carries one table of its own with a row, to show that the upgrade works on the
    file in place and keeps what is in it.
    """
    set_pragma(
        path,
        "PRAGMA journal_mode = WAL",
        f"PRAGMA application_id = {sq.APPLICATION_ID}",
        "CREATE TABLE legacy_notes (note TEXT)",
        "INSERT INTO legacy_notes VALUES ('keep me')",
    )
    return path


def test_an_older_schema_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    # A schema-0 file (stamped, nothing created).  Schema-1 files with a demo chapter
    # upgraded to 2 are in test_migration_0002.py.
    path = stamped_version_zero(tmp_path / "chapter.db")
    with open_database(path) as db:
        report = db.report
        assert report.upgraded_from == 0
        assert report.created is False
        backup = report.pre_upgrade_backup
        assert backup is not None and backup.is_file()
        assert db.schema_version() == schema.SCHEMA_VERSION
        with db.read() as s:
            assert s.execute(text("SELECT note FROM legacy_notes")).scalar() == "keep me"
            assert s.scalar(select(func.count()).select_from(Setting)) is not None
    assert check_file(backup) == ([], 0)
    [info] = BackupStore.for_database(path).list()
    assert info.path == backup and info.reason == "pre-upgrade"
    old = sqlite3.connect(backup)
    try:
        assert old.execute("SELECT note FROM legacy_notes").fetchall() == [("keep me",)]
        assert old.execute("PRAGMA user_version").fetchone()[0] == 0
    finally:
        old.close()
    assert pragma(path, "user_version") == schema.SCHEMA_VERSION


def test_a_failed_upgrade_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    # A schema-0 file that already has a 'settings' table makes 0001 fail half-way.
    path = tmp_path / "chapter.db"
    set_pragma(
        path,
        "PRAGMA journal_mode = WAL",
        f"PRAGMA application_id = {sq.APPLICATION_ID}",
        "CREATE TABLE settings (k, v)",
        "INSERT INTO settings VALUES ('mine', 'yes')",
    )
    before = path.read_bytes()
    with pytest.raises(CannotOpen, match="could not be prepared"):
        open_database(path)
    assert path.read_bytes() == before
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_schema")]
        assert names == ["settings"]
        assert conn.execute("SELECT * FROM settings").fetchall() == [("mine", "yes")]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    finally:
        conn.close()
    [info] = BackupStore.for_database(path).list()
    assert info.reason == "pre-upgrade"
    assert check_file(info.path) == ([], 0)


def test_a_file_downgraded_to_base_is_upgraded_again(tmp_path: Path) -> None:
    from alembic import command

    path = make_db(tmp_path / "chapter.db")
    with open_database(path) as db, db.engine.begin() as conn:
        command.downgrade(schema.alembic_config(conn), "base")
    with open_database(path) as db:
        assert db.report.upgraded_from == 0
        assert count_settings(db) >= 0


def test_after_opening_the_file_is_at_the_current_schema(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    set_pragma(path, "PRAGMA user_version = 0")  # alembic_version still says head
    try:
        db = open_database(path)
    except StorageError:
        return  # refusing such a file is fine too
    with db:
        assert db.schema_version() == schema.SCHEMA_VERSION


# --------------------------------------------------------------------------- damaged files


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, Path]:
    """A database with 3000 rows, a good backup of it, then one middle page destroyed."""
    path = make_db(tmp_path / "chapter.db", rows=3000)
    with open_database(path) as db:
        good = db.backup()
    corrupt_middle_page(path, keep_page_header=False)
    return path, good


@pytest.mark.parametrize("keep_page_header", [False, True])
def test_a_damaged_database_is_refused_naming_the_newest_good_backup(
    tmp_path: Path, keep_page_header: bool
) -> None:
    path = make_db(tmp_path / "chapter.db", rows=3000)
    with open_database(path) as db:
        good = db.backup()
    corrupt_middle_page(path, keep_page_header=keep_page_header)
    # A newer backup that is itself damaged must be passed over.
    store = BackupStore.for_database(path)
    bad_newer = store.folder / good.name.replace(good.name.split("-")[1], "29991231T235959000000Z")
    bad_newer.write_bytes(path.read_bytes())
    assert store.list()[0].path == bad_newer
    before = path.read_bytes()
    error = refuse(path, DatabaseCorrupt)
    assert isinstance(error, DatabaseCorrupt)
    assert error.newest_backup == good
    assert "damaged" in str(error)
    assert str(good) in str(error) and str(bad_newer) not in str(error)
    assert path.read_bytes() == before


def test_a_damaged_database_without_backups_says_so(damaged: tuple[Path, Path]) -> None:
    path, good = damaged
    good.unlink()
    error = refuse(path, DatabaseCorrupt)
    assert "No backup" in str(error)


def test_the_damage_message_is_one_line(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db", rows=3000)
    corrupt_middle_page(path, keep_page_header=True)
    error = refuse(path, DatabaseCorrupt)
    assert "\n" not in str(error)


def test_integrity_problems_reports_damage_found_after_opening(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db", rows=3000)
    corrupt_middle_page(path, keep_page_header=True)
    with open_database(path, quick_check=False) as db:
        assert db.integrity_problems() != []
        assert db.integrity_problems(quick=True) != []


def test_integrity_problems_reports_unparseable_damage(damaged: tuple[Path, Path]) -> None:
    path, _good = damaged
    with open_database(path, quick_check=False) as db:
        assert db.integrity_problems() != []


def test_damage_met_while_working_is_translated(damaged: tuple[Path, Path]) -> None:
    path, good = damaged
    with open_database(path, quick_check=False) as db:
        with pytest.raises(DatabaseCorrupt) as info, db.read() as s:
            s.scalars(select(Setting.value)).all()
        assert info.value.newest_backup == good
        # A backup of a damaged database is refused, and leaves nothing behind.
        with pytest.raises(StorageError, match="could not be verified"):
            db.backup()
    assert [b.path for b in BackupStore.for_database(path).list()] == [good]
    assert list(good.parent.glob("*.partial")) == []


# --------------------------------------------------------------------------- read-only, disk errors


@pytest.mark.skipif(IS_ROOT, reason="running as root: chmod does not stop root from writing")
def test_a_read_only_file_in_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    path = make_db(folder / "chapter.db")
    before = path.read_bytes()
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        with pytest.raises(StorageError) as info:
            open_database(path)
        assert str(path) in str(info.value)
        assert "read" in str(info.value).lower()
        assert not isinstance(info.value, DatabaseCorrupt)  # read-only is not damage
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    assert path.read_bytes() == before


@pytest.mark.skipif(IS_ROOT, reason="running as root: chmod does not stop root from writing")
def test_writing_to_a_read_only_file_says_so(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    path.chmod(0o444)
    try:
        # Opening it to write says at once that it can only be read ...
        with pytest.raises(StorageError, match="read-only"):
            open_database(path)
        # ... and opened to read, a write says it was not saved.
        with open_database(path, readonly=True) as db:
            with pytest.raises(StorageError, match="read-only") as info, db.write() as s:
                s.add(Setting(key="never", value="saved"))
            assert "Nothing was saved" in str(info.value)
    finally:
        path.chmod(0o644)


def test_a_full_database_raises_disk_full_and_keeps_earlier_data(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    with open_database(path) as db:
        with db.write() as s:
            s.add(Setting(key="before", value="kept"))
        before = count_settings(db)
        # PRAGMA max_page_count makes SQLite itself answer SQLITE_FULL, as a full disk does.
        with pytest.raises(DiskFull) as info, db.write() as s:
            pages = s.execute(text("PRAGMA page_count")).scalar()
            s.execute(text(f"PRAGMA max_page_count = {pages}"))
            s.add_all(Setting(key=f"big-{i}", value="x" * 1000) for i in range(500))
            s.flush()
        assert str(path) in str(info.value)
        assert "no room left" in str(info.value)
    with open_database(path) as db:
        assert count_settings(db) == before
        assert db.integrity_problems() == []


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_disk_that_refuses_a_write_loses_only_that_transaction(tmp_path: Path) -> None:
    # A file size limit makes the kernel refuse the WAL write (EFBIG), which SQLite
    # reports as a disk I/O error: the same path as a failing or full disk.
    path = make_db(tmp_path / "chapter.db", rows=10)
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        from pathlib import Path
        from chapter_manager.errors import StorageError
        from chapter_manager.models import Setting
        from chapter_manager.storage import open_database

        db = open_database(Path({str(path)!r}))
        with db.raw_sqlite() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
        try:
            with db.write() as s:
                s.add_all(Setting(key=f"big-{{i}}", value="x" * 1000) for i in range(1000))
        except StorageError as error:
            print(type(error).__name__, error)
            sys.exit(0)
        sys.exit("the write was not refused")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert str(path) in result.stdout
    assert "nothing was saved" in result.stdout.lower()
    with open_database(path) as db:
        # the rows, database_id, created_by_version, the change log (storage/watch.py)
        assert count_settings(db) == 10 + 3
        assert db.integrity_problems() == []


# --------------------------------------------------------------------------- concurrency


def _writer(db, prefix: str, errors: list[BaseException]) -> None:  # type: ignore[no-untyped-def]
    try:
        for i in range(200):
            with db.write() as s:
                s.add(Setting(key=f"{prefix}-{i:03d}", value="v"))
                s.add(AuditEntry(action=AuditAction.CREATE, entity="test", summary=f"{prefix} {i}"))
    except BaseException as error:  # reported by the test
        errors.append(error)


@pytest.mark.parametrize("shared", [True, False], ids=["one-database", "two-databases"])
def test_two_threads_writing_at_once_both_finish(tmp_path: Path, shared: bool) -> None:
    path = tmp_path / "chapter.db"
    first = open_database(path)
    second = first if shared else open_database(path)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_writer, args=(db, name, errors))
        for db, name in ((first, "a"), (second, "b"))
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
        assert errors == []
        with first.read() as s:
            keys = set(s.scalars(select(Setting.key)))
            seqs = list(s.scalars(select(AuditEntry.device_seq)))
        assert {f"{p}-{i:03d}" for p in "ab" for i in range(200)} <= keys
        # Both writers share this computer's device id: sequence numbers never collide.
        assert len(seqs) == 400 and len(set(seqs)) == 400
        assert first.integrity_problems() == []
    finally:
        first.close()
        second.close()


def test_driver_errors_are_translated_by_sqlite_result_code_not_by_words(tmp_path):
    from chapter_manager.errors import DatabaseBusy, DatabaseCorrupt
    from chapter_manager.storage.database import translate_error

    path = tmp_path / "words.sqlite"
    conn = sqlite3.connect(path)
    # An error whose message has "locked", "busy" and "full" in it, but is no such thing.
    try:
        conn.execute("SELECT * FROM locked_busy_disk_full_readonly")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        assert translate_error(error, path) is error
    else:
        raise AssertionError("expected an error")

    holder = sqlite3.connect(path, timeout=0)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert isinstance(translate_error(error, path), DatabaseBusy)
    else:
        raise AssertionError("expected the file to be busy")
    finally:
        holder.rollback()
        for c in (holder, other, conn):
            c.close()

    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all, just words" * 200)
    bad = sqlite3.connect(junk)
    try:
        bad.execute("SELECT * FROM sqlite_master")
    except sqlite3.DatabaseError as error:
        assert isinstance(translate_error(error, junk), DatabaseCorrupt)
    else:
        raise AssertionError("expected a refusal")
    finally:
        bad.close()
