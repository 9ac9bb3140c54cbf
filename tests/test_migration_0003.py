"""Revision 0003 (tables for merging laptops) on a real schema-2 file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from schema_fixtures import assert_rows_kept, copy_fixture, dump
from test_migration_0002 import pragma, schema_differences

from chapter_manager.storage import open_database, schema
from chapter_manager.storage.backups import BackupStore, check_file

NEW_TABLES = {"merge_batches", "merge_rows", "merge_reviews", "person_aliases", "event_aliases"}


def schema_two_file(path: Path) -> Path:
    """A copy of the file the schema-2 release made and filled with its demo."""
    copy_fixture(2, path)
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
        assert db.schema_version() == schema.SCHEMA_VERSION
        assert schema_differences(db.engine) == []
        assert db.integrity_problems() == []
    assert tables(path) >= NEW_TABLES
    after = dump(path)
    assert_rows_kept(before, after)
    assert all(after[t].rows == [] for t in NEW_TABLES)
    [info] = BackupStore.for_database(path).list()
    assert info.reason == "pre-upgrade" and check_file(info.path) == ([], 2)
    assert dump(info.path) == before


def test_an_upgraded_file_merges_a_pack_and_downgrades_cleanly(tmp_path: Path) -> None:
    from chapter_manager.services import merge, pack_export

    path = schema_two_file(tmp_path / "chapter.db")
    before = dump(path)
    with open_database(path) as db:
        # A pack of its own sign-ups merges into it as "already here": nothing changes.
        pack = pack_export.export_pack(db, tmp_path / "own.cmpack")
        assert pack.pledges == len(before["pledges"].rows) == 260
        summary = merge.merge_packs(db, [pack.path])
        assert summary.batch_id is None and summary.known_people == pack.people
    with open_database(path) as db:
        schema.downgrade(db.engine, "0002")
    assert pragma(path, "user_version") == 2
    assert not NEW_TABLES & tables(path)
    assert dump(path) == before
