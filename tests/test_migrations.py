"""The Alembic revisions: their order, their schema versions, and the schema they build."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine

from chapter_manager import paths
from chapter_manager.models import Base
from chapter_manager.storage import open_database, schema
from chapter_manager.storage import sqlite as sq

VERSIONS = schema.MIGRATIONS / "versions"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv(paths.DATA_ENV, str(data))
    monkeypatch.delenv(paths.DB_ENV, raising=False)
    return data


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """An engine on an empty SQLite file, configured like the app's (pragmas, BEGIN)."""
    eng = create_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
    sq.configure_engine(eng)
    yield eng
    eng.dispose()


def _not_fts(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name and name.startswith(sq.FTS_TABLE))


def schema_differences(engine: Engine, *, ignore_fts: bool = True) -> list[object]:
    opts: dict[str, object] = {"compare_type": True, "compare_server_default": True}
    if ignore_fts:
        opts["include_object"] = _not_fts
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)


def script_directory() -> ScriptDirectory:
    with create_engine("sqlite://").connect() as conn:
        return ScriptDirectory.from_config(schema.alembic_config(conn))


def history_oldest_first() -> list[str]:
    return [rev.revision for rev in reversed(list(script_directory().walk_revisions()))]


def user_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def alembic_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# --------------------------------------------------------------------------- the schema


def test_migrating_an_empty_database_gives_the_models_schema(engine: Engine) -> None:
    schema.upgrade(engine)
    assert schema_differences(engine) == []


def test_the_comparison_sees_the_database(engine: Engine) -> None:
    # Without the filter the only differences are the FTS5 tables the models do not
    # declare, which proves the comparison above looked at the migrated file.
    schema.upgrade(engine)
    diffs = schema_differences(engine, ignore_fts=False)
    assert diffs, "compare_metadata found nothing at all"
    assert {d[0] for d in diffs} == {"remove_table"}  # type: ignore[index]
    assert {d[1].name for d in diffs} >= {sq.FTS_TABLE}  # type: ignore[index]
    assert all(d[1].name.startswith(sq.FTS_TABLE) for d in diffs)  # type: ignore[index]


def test_the_search_index_and_its_triggers_exist(engine: Engine) -> None:
    schema.upgrade(engine)
    with engine.connect() as conn:
        rows = dict(
            conn.exec_driver_sql(
                "SELECT name, type FROM sqlite_schema WHERE name LIKE 'people_fts%'"
            ).all()
        )
    assert rows[sq.FTS_TABLE] == "table"
    assert {n for n, t in rows.items() if t == "trigger"} == {
        "people_fts_insert",
        "people_fts_delete",
        "people_fts_update",
    }


def test_the_models_tables_are_all_created(engine: Engine) -> None:
    schema.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_a_new_database_from_open_database_matches_the_models(tmp_path: Path) -> None:
    with open_database(tmp_path / "chapter.db") as db:
        assert schema_differences(db.engine) == []


def test_downgrade_to_base_and_back_gives_the_same_schema(engine: Engine) -> None:
    schema.upgrade(engine)
    schema.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    schema.upgrade(engine)
    assert schema_differences(engine) == []


# --------------------------------------------------------------------------- the revisions


def test_revisions_list_matches_alembic_history() -> None:
    script = script_directory()
    assert len(script.get_heads()) == 1, "the revision history must not branch"
    assert script.get_base() == schema.REVISIONS[0]
    assert script.get_current_head() == schema.REVISIONS[-1]
    assert history_oldest_first() == list(schema.REVISIONS)
    assert len(schema.REVISIONS) == schema.SCHEMA_VERSION


def test_every_revision_file_is_listed() -> None:
    files = sorted(p for p in VERSIONS.glob("*.py") if p.name != "__init__.py")
    assert [p.name.split("_", 1)[0] for p in files] == list(schema.REVISIONS)


@pytest.mark.parametrize("position", range(len(schema.REVISIONS)))
def test_each_revision_sets_its_schema_version(position: int) -> None:
    rev = script_directory().get_revision(schema.REVISIONS[position])
    assert position + 1 == rev.module.SCHEMA_VERSION
    expected_down = schema.REVISIONS[position - 1] if position else None
    assert rev.down_revision == expected_down
    source = Path(rev.path).read_text(encoding="utf-8")
    # The revision writes its number into the file itself (see storage/schema.py).
    assert re.search(r"PRAGMA user_version = \{SCHEMA_VERSION\}", source)


def test_revision_modules_import_without_alembic_context() -> None:
    # Each file can be imported on its own (a syntax or import error would otherwise
    # only show when a user's file is upgraded).
    for name in schema.REVISIONS:
        [path] = VERSIONS.glob(f"{name}_*.py")
        spec = importlib.util.spec_from_file_location(f"_rev_{name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.revision == name


def test_upgrading_one_revision_at_a_time_counts_up(engine: Engine) -> None:
    assert user_version(engine) == 0
    for position, rev in enumerate(schema.REVISIONS, start=1):
        schema.upgrade(engine, rev)
        assert user_version(engine) == position
        assert alembic_revision(engine) == rev
        with engine.connect() as conn:
            assert schema.version_of(conn) == position
            assert conn.exec_driver_sql("PRAGMA application_id").scalar() == sq.APPLICATION_ID


def test_downgrading_one_revision_at_a_time_counts_down(engine: Engine) -> None:
    schema.upgrade(engine)
    for position in range(len(schema.REVISIONS), 0, -1):
        target = schema.REVISIONS[position - 2] if position > 1 else "base"
        schema.downgrade(engine, target)
        assert user_version(engine) == position - 1
