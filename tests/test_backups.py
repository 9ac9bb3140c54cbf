"""Backups: the SQLite backup API while the database is in use, the rotating store,
its rotation plan, and restoring (refusing bad backups, keeping the current file aside).

Every test works on real SQLite files under ``tmp_path``; nothing is mocked.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from chapter_manager import paths
from chapter_manager.errors import StorageError
from chapter_manager.models import Setting
from chapter_manager.storage import open_database, schema
from chapter_manager.storage import sqlite as sq
from chapter_manager.storage.backups import (
    KEEP_DAILY,
    KEEP_MONTHLY,
    KEEP_RECENT,
    KEEP_WEEKLY,
    BackupStore,
    check_file,
    newest_good_backup,
    plan_keep,
    restore_backup,
)

PAGE = 4096
UTC = dt.UTC


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Backups (``<data>/backups``) and the device id go to a private data folder."""
    data = tmp_path / "data"
    monkeypatch.setenv(paths.DATA_ENV, str(data))
    monkeypatch.delenv(paths.DB_ENV, raising=False)
    return data


# --------------------------------------------------------------------------- helpers


def make_db(path: Path, generation: str = "1", rows: int = 0) -> Path:
    """A closed chapter database whose setting 'generation' tells versions apart."""
    with open_database(path) as db, db.connect(write=True) as conn:
        conn.execute(
            insert(Setting),
            [{"key": "generation", "value": generation}]
            + [{"key": f"row-{i:05d}", "value": "x" * 200} for i in range(rows)],
        )
    return path


def generation_of(path: Path) -> str:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT value FROM settings WHERE key = 'generation'").fetchone()[0]
    finally:
        conn.close()


def set_generation(path: Path, value: str) -> None:
    with open_database(path) as db, db.write() as s:
        s.get(Setting, "generation").value = value


def keys_in(path: Path) -> set[str]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT key FROM settings")}
    finally:
        conn.close()


def header_journal_bytes(path: Path) -> bytes:
    """Bytes 18-19 of the header: 1,1 for a rollback journal, 2,2 for WAL."""
    with path.open("rb") as fh:
        return fh.read(20)[18:20]


def database_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "data")


def store_name(store: BackupStore, when: dt.datetime, reason: str = "auto") -> Path:
    return store.folder / f"{store.stem}-{when.strftime('%Y%m%dT%H%M%S%fZ')}-{reason}.db"


# --------------------------------------------------------------------------- taking backups


def test_backup_while_another_connection_writes_holds_committed_data_only(
    tmp_path: Path, data_dir: Path
) -> None:
    path = make_db(tmp_path / "chapter.db")
    with open_database(path) as db:
        writer = sqlite3.connect(path, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO settings (key, value) VALUES ('uncommitted', 'x')")
            backup = db.backup()
            writer.execute("COMMIT")
        finally:
            writer.close()
        with db.read() as s:
            assert s.get(Setting, "uncommitted") is not None  # it did commit afterwards
    assert backup.is_file()
    assert backup.parent.parent == data_dir / "backups"
    assert backup.name.startswith("chapter-") and backup.name.endswith("-manual.db")
    assert check_file(backup) == ([], schema.SCHEMA_VERSION)
    assert "uncommitted" not in keys_in(backup)
    assert "generation" in keys_in(backup)
    # Self-contained: a rollback-journal file, no -wal needed beside it.
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == sq.APPLICATION_ID
    finally:
        conn.close()
    assert header_journal_bytes(backup) == b"\x01\x01"
    assert sorted(p.name for p in backup.parent.iterdir()) == [backup.name]


def test_the_store_is_per_database_file(tmp_path: Path, data_dir: Path) -> None:
    one = make_db(tmp_path / "one" / "chapter.db")
    two = make_db(tmp_path / "two" / "chapter.db")
    a, b = BackupStore.for_database(one), BackupStore.for_database(two)
    assert a.folder != b.folder
    assert a.folder.parent == b.folder.parent == data_dir / "backups"
    with open_database(one) as db:
        db.backup()
    assert len(a.list()) == 1 and b.list() == []


def test_list_is_newest_first_and_ignores_other_files(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    with open_database(path) as db:
        made = [db.backup(reason=r) for r in ("manual", "auto", "pre-upgrade")]
    store = BackupStore.for_database(path)
    (store.folder / "notes.txt").write_text("mine")
    (store.folder / "chapter-20240101T000000000000Z-auto.db.partial").write_bytes(b"")
    (store.folder / "chapter-20240101T000000000000Z-damaged.db.keep").write_bytes(b"")
    infos = store.list()
    assert [i.path for i in infos] == list(reversed(made))
    assert [i.reason for i in infos] == ["pre-upgrade", "auto", "manual"]
    assert all(i.taken_at.tzinfo is not None for i in infos)
    assert infos[0].taken_at > infos[1].taken_at > infos[2].taken_at
    assert all(i.size == i.path.stat().st_size > 0 for i in infos)
    assert store.newest_good() == made[-1]
    assert newest_good_backup(path) == made[-1]


def test_backup_if_due(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    with open_database(path) as db:
        first = db.backup_if_due()
        assert first is not None and first.name.endswith("-auto.db")
        assert db.backup_if_due() is None  # the newest is fresh
        assert len(db.backups.list()) == 1
        second = db.backup_if_due(max_age=dt.timedelta(0))
        assert second is not None and second != first
        assert len(db.backups.list()) == 2


def test_backup_if_due_after_the_newest_is_old(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    with open_database(path) as db:
        made = db.backup()
        store = db.backups
        old = store_name(store, dt.datetime.now(UTC) - dt.timedelta(hours=13), "manual")
        made.rename(old)
        fresh = db.backup_if_due()
        assert fresh is not None
        assert [b.path for b in store.list()] == [fresh, old]
        assert db.backup_if_due() is None


def test_backup_to_a_file_and_to_a_folder_stays_outside_the_store(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db", generation="7")
    usb = tmp_path / "usb"
    usb.mkdir()
    with open_database(path) as db:
        to_file = db.backup(to=usb / "for-the-treasurer.db")
        to_folder = db.backup(to=usb)
        assert db.backups.list() == []
    assert to_file == usb / "for-the-treasurer.db"
    assert to_folder.parent == usb
    assert to_folder.name.startswith("chapter-backup-") and to_folder.suffix == ".db"
    for copy in (to_file, to_folder):
        assert check_file(copy) == ([], schema.SCHEMA_VERSION)
        assert generation_of(copy) == "7"
        assert header_journal_bytes(copy) == b"\x01\x01"
    assert sorted(p.name for p in usb.iterdir()) == sorted([to_file.name, to_folder.name])


def test_backup_to_a_missing_folder_is_a_storage_error(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    with open_database(path) as db, pytest.raises(StorageError):
        db.backup(to=tmp_path / "no" / "such" / "copy.db")
    assert not (tmp_path / "no").exists()


def test_backup_onto_itself_is_refused(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    with open_database(path) as db, pytest.raises(StorageError, match="onto itself"):
        db.backup(to=path)


@pytest.mark.parametrize("spelling", ["dotdot", "symlink"])
def test_backup_onto_itself_by_another_name_is_refused(tmp_path: Path, spelling: str) -> None:
    path = make_db(tmp_path / "chapter.db")
    (tmp_path / "sub").mkdir()
    if spelling == "dotdot":
        other = tmp_path / "sub" / ".." / "chapter.db"
    else:
        other = tmp_path / "sub" / "link.db"
        other.symlink_to(path)
    inode = path.stat().st_ino
    with open_database(path) as db, pytest.raises(StorageError, match="onto itself"):
        db.backup(to=other)
    assert path.stat().st_ino == inode


# --------------------------------------------------------------------------- rotation plan


def _newest_per(times, key, window):  # type: ignore[no-untyped-def]
    best: dict[object, dt.datetime] = {}
    for t in times:
        if window(t) and (key(t) not in best or t > best[key(t)]):
            best[key(t)] = t
    return best


def expected_keep(times: list[dt.datetime], now: dt.datetime) -> set[dt.datetime]:
    """The rotation rules, written out independently of plan_keep."""
    today = now.date()

    def age(t: dt.datetime) -> int:
        return (today - t.date()).days

    ordered = sorted(times, reverse=True)
    recent = set(ordered[:1]) | {t for t in ordered[:KEEP_RECENT] if (now - t).days < 366}
    daily = _newest_per(times, lambda t: t.date(), lambda t: age(t) < KEEP_DAILY)
    weekly_all = _newest_per(
        times, lambda t: t.date().isocalendar()[:2], lambda t: age(t) < KEEP_WEEKLY * 7
    )
    weekly = {w: weekly_all[w] for w in sorted(weekly_all, reverse=True)[:KEEP_WEEKLY]}
    monthly = _newest_per(times, lambda t: (t.year, t.month), lambda t: age(t) < 366)
    months = sorted(monthly, reverse=True)[:KEEP_MONTHLY]
    return recent | set(daily.values()) | set(weekly.values()) | {monthly[m] for m in months}


def every(start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> list[dt.datetime]:
    out, t = [], start
    while t <= end:
        out.append(t)
        t += step
    return out


NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # a Wednesday


def test_plan_keep_over_two_years_of_backups_every_six_hours() -> None:
    times = every(NOW - dt.timedelta(days=730), NOW, dt.timedelta(hours=6))
    keep = plan_keep(times, NOW)
    assert keep == expected_keep(times, NOW)

    by_age = sorted(keep, reverse=True)
    # The 5 most recent, whatever their day.
    assert set(by_age[:5]) == set(sorted(times, reverse=True)[:5])
    # The newest of each of the last 7 calendar days (today and the 6 before it).
    days = {NOW.date() - dt.timedelta(days=n) for n in range(KEEP_DAILY)}
    for day in days:
        assert max(t for t in times if t.date() == day) in keep
    # Weekly: the newest of this ISO week and the 4 before it.
    weeks = {t.date().isocalendar()[:2] for t in keep if (NOW.date() - t.date()).days < 35}
    assert len(weeks) == KEEP_WEEKLY
    # Monthly: the newest of this month and the 11 before it; November 2025 is not kept
    # although part of it is less than a year old.
    months = {(t.year, t.month) for t in keep}
    assert len(months) == KEEP_MONTHLY
    assert min(months) == (2025, 12)
    # Nothing older than a year.
    assert all(NOW - t < dt.timedelta(days=366) for t in keep)
    assert len(keep) <= KEEP_RECENT + KEEP_DAILY + KEEP_WEEKLY + KEEP_MONTHLY


def test_plan_keep_keeps_the_newest_of_each_bucket() -> None:
    times = every(NOW - dt.timedelta(days=90), NOW, dt.timedelta(hours=1))
    keep = plan_keep(times, NOW)
    assert keep == expected_keep(times, NOW)
    sept_times = [t for t in times if (t.year, t.month) == (2026, 9)]
    assert max(sept_times) in keep  # 23:30 on 30 September
    assert max(sept_times) == dt.datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    assert sum(1 for t in keep if (t.year, t.month) == (2026, 9)) == 1


def test_plan_keep_with_few_backups_keeps_them_all() -> None:
    times = [NOW - dt.timedelta(days=d) for d in (0, 3, 20, 100)]
    assert plan_keep(times, NOW) == set(times)
    assert plan_keep([], NOW) == set()


def test_plan_keep_keeps_only_the_newest_when_all_are_older_than_a_year() -> None:
    # The app was not opened for 18 months: the newest backup stays (there is always
    # something to restore); the rest age out, so erased people do not linger.
    last_use = NOW - dt.timedelta(days=540)
    times = every(last_use - dt.timedelta(days=60), last_use, dt.timedelta(days=1))
    keep = plan_keep(times, NOW)
    assert keep == {max(times)}


def test_plan_keep_counts_days_in_utc() -> None:
    # Days are UTC days: for a chapter in Mexico City (UTC-6) the backups of one
    # evening, 17:00-18:50 local time on 16 November, straddle midnight UTC, so two of
    # them are kept as "the newest of the day" where local days would keep one.
    evening = every(
        dt.datetime(2026, 11, 16, 23, 0, tzinfo=UTC),
        dt.datetime(2026, 11, 17, 0, 50, tzinfo=UTC),
        dt.timedelta(minutes=10),
    )
    later = [NOW - dt.timedelta(minutes=m) for m in range(KEEP_RECENT)]  # fill "recent"
    keep = plan_keep(evening + later, NOW)
    assert keep - set(later) == {
        dt.datetime(2026, 11, 16, 23, 50, tzinfo=UTC),
        dt.datetime(2026, 11, 17, 0, 50, tzinfo=UTC),
    }


def test_rotate_deletes_what_the_plan_does_not_keep(tmp_path: Path) -> None:
    store = BackupStore(tmp_path / "store", "chapter")
    store.folder.mkdir()
    times = every(NOW - dt.timedelta(days=400), NOW, dt.timedelta(hours=20))
    for t in times:
        store_name(store, t).write_bytes(b"")
    (store.folder / "notes.txt").write_text("not a backup")
    removed = store.rotate(NOW)
    kept = {b.taken_at for b in store.list()}
    assert kept == plan_keep(times, NOW)
    assert len(removed) == len(times) - len(kept)
    assert all(not p.exists() for p in removed)
    assert (store.folder / "notes.txt").exists()


def test_creating_a_backup_rotates_the_store(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db")
    store = BackupStore.for_database(path)
    store.folder.mkdir(parents=True)
    now = dt.datetime.now(UTC)
    ancient = [now - dt.timedelta(days=400 + d) for d in range(10)]
    for t in ancient:
        store_name(store, t).write_bytes(b"")
    with open_database(path) as db:
        for _ in range(KEEP_RECENT):
            db.backup()
    left = store.list()
    assert len(left) == KEEP_RECENT
    assert all(now - b.taken_at < dt.timedelta(days=1) for b in left)


# --------------------------------------------------------------------------- check_file


def test_check_file(tmp_path: Path) -> None:
    good = make_db(tmp_path / "good.db")
    assert check_file(good) == ([], schema.SCHEMA_VERSION)
    text_file = tmp_path / "notes.db"
    text_file.write_text("hello")
    assert check_file(text_file)[0] == ["it is not a database file"]
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    assert check_file(foreign)[0] == ["it is not a Chapter Manager database"]
    assert check_file(tmp_path / "missing.db")[0] != []


# --------------------------------------------------------------------------- restoring


def _corrupt_copy(src: Path, dest: Path) -> Path:
    data = bytearray(src.read_bytes())
    mid = (len(data) // PAGE // 2) * PAGE
    data[mid : mid + PAGE] = os.urandom(PAGE)
    dest.write_bytes(bytes(data))
    return dest


def _foreign(dest: Path) -> Path:
    conn = sqlite3.connect(dest)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    return dest


def _too_new(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    conn = sqlite3.connect(dest, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    return dest


@pytest.mark.parametrize("kind", ["corrupt", "foreign", "too-new", "text", "missing", "itself"])
def test_restore_refuses_a_bad_backup_and_changes_nothing(tmp_path: Path, kind: str) -> None:
    current = make_db(tmp_path / "chapter.db", generation="current")
    rows = 3000 if kind == "corrupt" else 0  # enough pages to damage one in the middle
    other = make_db(tmp_path / "elsewhere" / "other.db", generation="backup", rows=rows)
    bad = tmp_path / "bad.db"
    if kind == "corrupt":
        _corrupt_copy(other, bad)
    elif kind == "foreign":
        _foreign(bad)
    elif kind == "too-new":
        _too_new(other, bad)
    elif kind == "text":
        bad.write_text("name,email\n")
    elif kind == "itself":
        bad = current
    before = current.read_bytes()
    with pytest.raises(StorageError) as info:
        restore_backup(current, bad)
    if kind == "itself":
        assert "from itself" in str(info.value)
    else:
        assert str(bad) in str(info.value)
    if kind not in ("missing", "itself"):
        assert "Nothing was changed" in str(info.value)
    assert current.read_bytes() == before
    assert [n for n in database_files(tmp_path) if n.startswith("chapter")] == ["chapter.db"]
    assert BackupStore.for_database(current).list() == []


def test_restore_puts_the_backup_in_place_and_keeps_the_current_file_aside(
    tmp_path: Path,
) -> None:
    path = make_db(tmp_path / "chapter.db", generation="1")
    with open_database(path) as db:
        first = db.backup()
        with db.write() as s:
            s.get(Setting, "generation").value = "2"
            s.add(Setting(key="added-later", value="x"))
    result = restore_backup(path, first)
    assert result.restored_from == first
    aside = result.previous_kept_at
    assert aside is not None and aside.is_file() and aside != first
    assert aside.name.endswith("-pre-restore.db")
    assert check_file(aside) == ([], schema.SCHEMA_VERSION)
    assert generation_of(aside) == "2" and "added-later" in keys_in(aside)
    assert check_file(first) == ([], schema.SCHEMA_VERSION)  # the backup is untouched
    with open_database(path) as db:
        assert db.report.created is False and db.report.upgraded_from is None
        with db.read() as s:
            assert s.get(Setting, "generation").value == "1"
            assert s.get(Setting, "added-later") is None
        with db.raw_sqlite() as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.integrity_problems() == []
    # The restored database keeps working, and the aside copy can be restored in turn.
    set_generation(path, "3")
    restore_backup(path, aside)
    assert generation_of(path) == "2"


def test_restore_over_a_damaged_file_moves_it_aside_untouched(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db", generation="good", rows=3000)
    with open_database(path) as db:
        good = db.backup()
    _corrupt_copy(path, path)
    damaged_bytes = path.read_bytes()
    wal = Path(str(path) + "-wal")
    wal.write_bytes(b"left by a crash")
    result = restore_backup(path, good)
    aside = result.previous_kept_at
    assert aside is not None and aside.name.endswith("-damaged.db.keep")
    assert aside.read_bytes() == damaged_bytes
    assert Path(str(aside) + "-wal").read_bytes() == b"left by a crash"
    assert generation_of(path) == "good"
    with open_database(path) as db:
        assert db.integrity_problems() == []
        with db.read() as s:
            # the rows, generation, database_id, created_by_version, the change log (storage/watch.py)
            assert len(s.scalars(select(Setting.key)).all()) == 3000 + 4
    # The damaged copy is not offered as a backup.
    assert [b.path for b in BackupStore.for_database(path).list()] == [good]


def test_restore_when_there_is_no_current_file(tmp_path: Path) -> None:
    path = make_db(tmp_path / "chapter.db", generation="1")
    with open_database(path) as db:
        first = db.backup()
    path.unlink()
    result = restore_backup(path, first)
    assert result.previous_kept_at is None
    assert generation_of(path) == "1"
    with open_database(path) as db:
        assert db.report.created is False
