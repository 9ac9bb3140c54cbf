"""Revision 0003 (tables for merging laptops) on a real schema-2 file."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from alembic import command
from test_migration_0002 import dump, pragma, schema_differences

from chapter_manager.demo import generate_demo
from chapter_manager.device import this_device
from chapter_manager.storage import open_database, schema
from chapter_manager.storage.backups import BackupStore, check_file
from chapter_manager.storage.database import Database, _new_engine

NEW_TABLES = {"merge_batches", "merge_rows", "merge_reviews", "person_aliases", "event_aliases"}


def schema_two_file(path: Path) -> Path:
    engine = _new_engine(path)
    schema.upgrade(engine, "0002")
    db = Database(engine, path, this_device())
    with db.write() as session:
        schema.stamp_new_database(session)
    generate_demo(db, members=80, pledges=150, events=4, forums=1, seed=5, today=dt.date(2026, 3, 10))
    db.close()
    assert pragma(path, "user_version") == 2
    return path


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    finally:
        conn.close()


def test_a_schema_2_file_is_backed_up_then_gains_the_merge_tables(tmp_path: Path) -> None:
    path = schema_two_file(tmp_path / "chapter.db")
    before = dump(path)
    assert not NEW_TABLES & tables(path)
    with open_database(path) as db:
        assert db.report.upgraded_from == 2
        assert db.schema_version() == 3 == schema.SCHEMA_VERSION
        assert schema_differences(db.engine) == []
        assert db.integrity_problems() == []
    assert tables(path) >= NEW_TABLES
    after = dump(path)
    assert {t: r for t, r in after.items() if t not in NEW_TABLES} == before
    assert all(after[t] == [] for t in NEW_TABLES)
    [info] = BackupStore.for_database(path).list()
    assert info.reason == "pre-upgrade" and check_file(info.path) == ([], 2)
    assert dump(info.path) == before


def test_an_upgraded_file_merges_a_pack_and_downgrades_cleanly(tmp_path: Path) -> None:
    from chapter_manager.services import merge

    path = schema_two_file(tmp_path / "chapter.db")
    before = dump(path)
    with open_database(path) as db:
        # A pack of its own sign-ups merges into it as "already here": nothing changes.
        pack = merge.export_pack(db, tmp_path / "own.cmpack")
        assert pack.pledges == 150
        summary = merge.merge_packs(db, [pack.path])
        assert summary.batch_id is None and summary.known_people == pack.people
    with open_database(path) as db, db.engine.begin() as conn:
        command.downgrade(schema.alembic_config(conn), "0002")
    assert pragma(path, "user_version") == 2
    assert not NEW_TABLES & tables(path)
    assert dump(path) == before
