"""Every released schema's own file, upgraded: nothing lost, the same figures.

The fixtures were made by each release's code and filled by its demo
(``scripts/make_schema_fixture.py``); the tests upgrade a copy of each.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from schema_fixtures import (
    FIXTURES,
    TODAY,
    assert_rows_kept,
    copy_fixture,
    dump,
    released_stats,
    schema_objects,
)
from sqlalchemy.engine import Engine

from chapter_manager import cli
from chapter_manager.errors import ForeignKeysBroken
from chapter_manager.models import Base
from chapter_manager.services import people
from chapter_manager.services.stats import chapter_stats
from chapter_manager.storage import open_database, schema
from chapter_manager.storage import sqlite as sq
from chapter_manager.storage.backups import BackupStore, check_file
from chapter_manager.storage.database import _new_engine

OLD = [n for n in FIXTURES if n < schema.SCHEMA_VERSION]

# Tables a revision fills from the rows already there: (table, the count it must reach,
# as SQL on the file before the upgrade).  Every other new table starts empty.
FILLED_BY_UPGRADE = {
    "consent_statements": "SELECT (SELECT count(*) FROM pledges WHERE may_contact) "
                          "+ (SELECT count(*) FROM pledges WHERE may_publish_name)",
}


def test_every_schema_has_its_fixture() -> None:
    assert list(FIXTURES) == list(range(1, schema.SCHEMA_VERSION + 1))
    for n in FIXTURES:
        path = Path(__file__).with_name("fixtures") / f"schema-{n}.sqlite"
        assert path.stat().st_size < 1024 * 1024
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == n
            assert conn.execute("SELECT count(*) FROM pledges").fetchone()[0] > 0
        finally:
            conn.close()


def scalar(path: Path, sql: str) -> object:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def schema_differences(engine: Engine) -> list[object]:
    def not_fts(obj, name, type_, reflected, compare_to) -> bool:
        return not (type_ == "table" and name and name.startswith(sq.FTS_TABLE))

    opts = {"compare_type": True, "compare_server_default": True, "include_object": not_fts}
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)


def stats_json(db) -> dict[str, object]:
    """What ``stats --json`` prints, on the fixtures' date."""
    return cli._plain(chapter_stats(db, today=TODAY))


@pytest.mark.parametrize("released", OLD)
def test_a_released_file_upgrades_keeping_every_row_and_figure(tmp_path: Path, released: int) -> None:
    path = copy_fixture(released, tmp_path / "chapter.db")
    before = dump(path)
    objects = schema_objects(path)
    filled = {t: scalar(path, sql) for t, sql in FILLED_BY_UPGRADE.items() if t not in before}

    with open_database(path) as db:
        assert db.report.upgraded_from == released and not db.report.created
        assert db.schema_version() == schema.SCHEMA_VERSION
        assert db.integrity_problems() == []
        assert schema_differences(db.engine) == []
        assert stats_json(db) == released_stats(released)
        backup = db.report.pre_upgrade_backup
        # The connection that ran the upgrade has its foreign keys on again.
        with db.engine.connect() as conn:
            for _ in range(3):
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

    after = dump(path)
    assert_rows_kept(before, after)
    for table in set(after) - set(before):
        assert len(after[table].rows) == filled.get(table, 0), table
    # Indexes and triggers of the old file are all still there, as they were.
    now = schema_objects(path)
    assert {k: now.get(k) for k in objects} == objects
    assert check_file(path) == ([], schema.SCHEMA_VERSION)

    # The backup taken first is the released file, untouched.
    assert backup is not None
    [info] = BackupStore.for_database(path).list()
    assert info.path == backup and info.reason == "pre-upgrade"
    assert check_file(backup) == ([], released)
    assert dump(backup) == before


def test_the_current_schema_fixture_opens_as_it_is(tmp_path: Path) -> None:
    path = copy_fixture(schema.SCHEMA_VERSION, tmp_path / "chapter.db")
    before = dump(path)
    with open_database(path) as db:
        assert db.report.upgraded_from is None and db.report.pre_upgrade_backup is None
        assert stats_json(db) == released_stats(schema.SCHEMA_VERSION)
        assert schema_differences(db.engine) == []
    assert dump(path) == before


@pytest.mark.parametrize("released", OLD)
def test_downgrading_gives_back_the_released_file(tmp_path: Path, released: int) -> None:
    path = copy_fixture(released, tmp_path / "chapter.db")
    before, objects = dump(path), schema_objects(path)
    with open_database(path) as db:
        schema.downgrade(db.engine, schema.REVISIONS[released - 1])
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert scalar(path, "PRAGMA user_version") == released
    assert dump(path) == before
    assert schema_objects(path) == objects
    # And up again.
    with open_database(path) as db:
        assert db.report.upgraded_from == released
        assert schema_differences(db.engine) == []
        assert stats_json(db) == released_stats(released)


# --------------------------------------------------------------------------- rebuilding tables

REBUILT = ("people", "events", "pledges")


def versions_with(tmp_path: Path, body: str) -> Path:
    """The shipped revisions plus a test revision after the newest one."""
    versions = tmp_path / "versions"
    shutil.copytree(schema.MIGRATIONS / "versions", versions,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = schema.REVISIONS[-1]
    (versions / "9999_test_revision.py").write_text(
        textwrap.dedent(f'''\
            import sqlalchemy as sa
            from alembic import op

            revision = "test9999"
            down_revision = "{head}"
            branch_labels = None
            depends_on = None
            REBUILT = {REBUILT!r}
        ''') + textwrap.dedent(body),
        encoding="utf-8",
    )
    return versions


REBUILD = '''
    def upgrade():
        for table in REBUILT:
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.add_column(sa.Column("note", sa.String(20), nullable=True))


    def downgrade():
        for table in REBUILT:
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.drop_column("note")
'''


@pytest.fixture
def current_file(tmp_path: Path) -> Path:
    path = copy_fixture(schema.SCHEMA_VERSION, tmp_path / "chapter.db")
    open_database(path).close()  # the file as the app leaves it (in WAL mode)
    return path


def test_a_revision_rebuilding_tables_keeps_every_child_row(tmp_path: Path, current_file: Path) -> None:
    versions = versions_with(tmp_path, REBUILD)
    before, objects = dump(current_file), schema_objects(current_file)
    engine = _new_engine(current_file)
    try:
        schema.upgrade(engine, "test9999", versions=versions)
    finally:
        engine.dispose()
    after = dump(current_file)
    assert all("note" in after[t].columns for t in REBUILT)
    assert_rows_kept(before, after)
    assert {k: schema_objects(current_file).get(k) for k in objects} == objects
    with open_database(current_file) as db:
        assert db.integrity_problems() == []
        # The search index follows the rebuilt people table.
        [someone] = people.list_people(db, 1, limit=1)
        found = people.list_people(db, 1, search=someone.display_name.split()[0], order="relevance")
        assert someone.id in {p.id for p in found}
        engine = db.engine
        schema.downgrade(engine, schema.REVISIONS[-1], versions=versions)
    assert dump(current_file) == before
    assert schema_objects(current_file) == objects


def test_with_foreign_keys_on_the_same_rebuild_would_lose_the_pledges(
    tmp_path: Path, current_file: Path
) -> None:
    # What the upgrade guards against: DROP TABLE people runs ON DELETE CASCADE.
    versions = versions_with(tmp_path, REBUILD)
    engine = _new_engine(current_file)
    try:
        with engine.begin() as conn:
            command.upgrade(schema.alembic_config(conn, versions), "test9999")
    finally:
        engine.dispose()
    assert scalar(current_file, "SELECT count(*) FROM pledges") == 0


def test_a_revision_leaving_broken_references_is_refused_and_changes_nothing(
    tmp_path: Path, current_file: Path
) -> None:
    versions = versions_with(tmp_path, '''
        def upgrade():
            with op.batch_alter_table("people", recreate="always") as batch:
                batch.add_column(sa.Column("note", sa.String(20), nullable=True))
            op.execute("DELETE FROM people WHERE id = (SELECT min(person_id) FROM pledges)")


        def downgrade():
            pass
    ''')
    digest = hashlib.sha256(current_file.read_bytes()).hexdigest()
    engine = _new_engine(current_file)
    try:
        with pytest.raises(ForeignKeysBroken) as refused:
            schema.upgrade(engine, "test9999", versions=versions)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
    assert "nothing was changed" in str(refused.value)
    assert refused.value.problems[0][2] == "people"
    assert hashlib.sha256(current_file.read_bytes()).hexdigest() == digest
    assert not Path(f"{current_file}-wal").exists()
