"""Revision 0002 (indexes for the app's tables and for deleting people) on real schema-1 files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from schema_fixtures import assert_rows_kept, copy_fixture, dump
from sqlalchemy import event
from sqlalchemy.engine import Engine

from chapter_manager.models import Base
from chapter_manager.services import browse, people, undo
from chapter_manager.storage import open_database, schema
from chapter_manager.storage import sqlite as sq
from chapter_manager.storage.backups import BackupStore, check_file
from chapter_manager.storage.database import Database

NEW_INDEXES = {
    "ix_pledges_person_id": ("pledges", ["person_id"]),
    "ix_pledges_chapter_event_signed": ("pledges", ["chapter_id", "event_id", "signed_at"]),
    "ix_pledges_chapter_source_signed": ("pledges", ["chapter_id", "source", "signed_at"]),
    "ix_people_chapter_created": ("people", ["chapter_id", "created_at"]),
    "ix_memberships_chapter_joined": ("memberships", ["chapter_id", "joined_on", "person_id"]),
}
# What later revisions add (0003: merging laptops, 0004: consent statements): tables and
# their indexes.
LATER_TABLES = {"merge_batches", "merge_rows", "merge_reviews", "person_aliases", "event_aliases",
                "consent_statements"}
LATER_INDEXES = {
    "ix_merge_batches_chapter_id", "ix_merge_rows_batch_id", "ix_merge_reviews_batch_id",
    "ix_merge_reviews_candidate_id", "ix_merge_reviews_chapter_id", "ix_merge_reviews_person_id",
    "ix_person_aliases_person_id", "sqlite_autoindex_merge_reviews_1", "sqlite_autoindex_person_aliases_1",
    "ix_event_aliases_event_id", "sqlite_autoindex_event_aliases_1",
    "ix_consent_statements_chapter_id", "ix_consent_statements_event_id",
    "ix_consent_statements_person_purpose_stated", "sqlite_autoindex_consent_statements_1",
}


def schema_one_file(path: Path, *, analyze: str | None = None) -> Path:
    """A copy of the file the schema-1 release made and filled with its demo.

    ``analyze``: a table to run ANALYZE on first (PRAGMA optimize at close writes such
    statistics for some tables).
    """
    copy_fixture(1, path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
        conn.execute("DROP TABLE IF EXISTS sqlite_stat1")
        if analyze:
            conn.execute(f"ANALYZE {analyze}")
        conn.commit()
    finally:
        conn.close()
    return path


def indexes(path: Path) -> dict[str, tuple[str, str | None]]:
    conn = sqlite3.connect(path)
    try:
        return {
            name: (table, sql)
            for name, table, sql in conn.execute(
                "SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'index'"
            )
        }
    finally:
        conn.close()


def index_columns(path: Path, name: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[2] for r in conn.execute(f"PRAGMA index_info({name})")]
    finally:
        conn.close()


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def schema_differences(engine: Engine) -> list[object]:
    def not_fts(obj, name, type_, reflected, compare_to) -> bool:
        return not (type_ == "table" and name and name.startswith(sq.FTS_TABLE))

    opts = {"compare_type": True, "compare_server_default": True, "include_object": not_fts}
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)


# --------------------------------------------------------------------------- upgrading


def test_a_schema_1_file_is_backed_up_then_upgraded_keeping_every_row(tmp_path: Path) -> None:
    path = schema_one_file(tmp_path / "chapter.db")
    before_rows = dump(path)
    before_indexes = indexes(path)
    assert "ix_pledges_event_id" in before_indexes
    assert not set(NEW_INDEXES) & set(before_indexes)

    with open_database(path) as db:
        report = db.report
        assert report.upgraded_from == 1 and report.created is False
        assert db.schema_version() == schema.SCHEMA_VERSION
        assert db.integrity_problems() == []
        assert schema_differences(db.engine) == []
        # Everything still reads through the services.
        chapter_id = 1
        everyone = browse.person_ids(db, chapter_id, browse.PeopleQuery(order="created"))
        assert len(everyone) == len(before_rows["people"].rows)
        assert len(browse.pledge_ids(db, chapter_id, browse.PledgeQuery(order="source"))) == len(
            before_rows["pledges"].rows
        )
    assert pragma(path, "user_version") == schema.SCHEMA_VERSION
    assert pragma(path, "application_id") == sq.APPLICATION_ID
    # Only indexes were added (and, by later revisions, tables and columns with
    # defaults): every row (and the search index) is as it was.
    after_rows = dump(path)
    assert_rows_kept(before_rows, after_rows)
    assert set(after_rows) - set(before_rows) == LATER_TABLES
    after_indexes = indexes(path)
    assert set(after_indexes) - LATER_INDEXES == set(before_indexes) | set(NEW_INDEXES)
    for name, (table, columns) in NEW_INDEXES.items():
        assert after_indexes[name][0] == table
        assert index_columns(path, name) == columns, name
    assert "WHERE joined_on IS NOT NULL" in (after_indexes["ix_memberships_chapter_joined"][1] or "")
    assert check_file(path) == ([], schema.SCHEMA_VERSION)

    # The backup taken first is the schema-1 file, untouched.
    backup = report.pre_upgrade_backup
    assert backup is not None
    [info] = BackupStore.for_database(path).list()
    assert info.path == backup and info.reason == "pre-upgrade"
    assert check_file(backup) == ([], 1)
    assert dump(backup) == before_rows
    assert not set(NEW_INDEXES) & set(indexes(backup))


def test_statistics_are_renewed_for_analyzed_tables_only(tmp_path: Path) -> None:
    # A table with ANALYZE statistics gets them for its new indexes too (a planner
    # weighing measured indexes against guessed ones picks badly); one without stays
    # without.
    path = schema_one_file(tmp_path / "chapter.db", analyze="pledges")
    with open_database(path) as db, db.raw_sqlite() as conn:
        # Read before closing: PRAGMA optimize at close may analyze more tables.
        stats = {(t, i) for t, i in conn.execute("SELECT tbl, idx FROM sqlite_stat1")}
    pledge_indexes = {i for t, i in stats if t == "pledges"}
    assert {"ix_pledges_person_id", "ix_pledges_chapter_event_signed",
            "ix_pledges_chapter_source_signed", "ix_pledges_event_id"} <= pledge_indexes
    assert not {t for t, _i in stats} & {"people", "memberships"}


def test_a_file_without_statistics_gets_none(tmp_path: Path) -> None:
    path = schema_one_file(tmp_path / "chapter.db")
    with open_database(path) as db, db.engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'"
        ).scalar()
        if found:
            assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1").scalar() == 0


def test_downgrade_drops_what_the_upgrade_made(tmp_path: Path) -> None:
    path = schema_one_file(tmp_path / "chapter.db")
    schema_one = indexes(path)
    rows = dump(path)
    with open_database(path) as db:
        assert db.schema_version() == schema.SCHEMA_VERSION
    with open_database(path) as db:
        schema.downgrade(db.engine, "0001")
    assert pragma(path, "user_version") == 1
    assert indexes(path) == schema_one
    assert dump(path) == rows
    # And up again: the models' schema, every row.
    with open_database(path) as db:
        assert db.report.upgraded_from == 1
        assert schema_differences(db.engine) == []
    assert_rows_kept(rows, dump(path))
    assert pragma(path, "user_version") == schema.SCHEMA_VERSION


# --------------------------------------------------------------------------- what they are for


def statements(db: Database, work) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, stmt, params, ctx, many) -> None:
        seen.append(stmt)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def plan(db: Database, sql: str, params: tuple[object, ...] = ()) -> str:
    with db.raw_sqlite() as conn:
        return " / ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


@pytest.fixture
def upgraded(tmp_path: Path) -> Database:
    path = schema_one_file(tmp_path / "chapter.db")
    database = open_database(path)
    yield database
    database.close()


def test_deleting_a_person_finds_their_pledge_by_index(upgraded: Database) -> None:
    # The foreign key's ON DELETE CASCADE runs this for every person deleted.
    assert "ix_pledges_person_id" in plan(upgraded, "DELETE FROM pledges WHERE person_id = ?", (1,))
    with upgraded.read() as s:
        signer, other = s.connection().exec_driver_sql(
            "SELECT person_id FROM pledges ORDER BY id LIMIT 2").scalars().all()
    people.delete_person(upgraded, signer)
    deleted = undo.delete_people(upgraded, [other])
    assert undo.restore(upgraded, deleted) == 1
    with upgraded.read() as s:
        conn = s.connection()
        assert conn.exec_driver_sql("SELECT count(*) FROM pledges WHERE person_id = ?", (signer,)).scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM pledges WHERE person_id = ?", (other,)).scalar() == 1


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (browse.PeopleQuery(order="created"), "ix_people_chapter_created"),
        (browse.PeopleQuery(order="created", descending=True), "ix_people_chapter_created"),
        (browse.PeopleQuery(order="joined"), "ix_memberships_chapter_joined"),
        (browse.PledgeQuery(order="source"), "ix_pledges_chapter_source_signed"),
        (browse.PledgeQuery(order="source", descending=False), "ix_pledges_chapter_source_signed"),
        (browse.PledgeQuery(event_id=1), "ix_pledges_chapter_event_signed"),
        (browse.PledgeQuery(without_event=True), "ix_pledges_chapter_event_signed"),
    ],
)
def test_table_orders_read_their_index_without_sorting(upgraded: Database, query, index) -> None:
    if isinstance(query, browse.PeopleQuery):
        seen = statements(upgraded, lambda: browse.person_ids(upgraded, 1, query))
    else:
        seen = statements(upgraded, lambda: browse.pledge_ids(upgraded, 1, query))
    plans = [plan(upgraded, sql, (1,) * sql.count("?")) for sql in seen if "group_concat" in sql]
    using = [p for p in plans if index in p]
    assert using, plans
    assert all("COVERING INDEX" in p and "TEMP B-TREE" not in p for p in using), using
