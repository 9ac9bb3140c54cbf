"""The committed databases of every released schema, and how to compare them.

``tests/fixtures/schema-N.sqlite`` was made by the release at schema N, filled by its demo
(see ``scripts/make_schema_fixture.py``); ``schema-N.stats.json`` beside it holds what that
release's ``stats --json`` printed for it, on the fixed date ``TODAY``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from chapter_manager.storage.watch import CHANGES_KEY

FIXTURES_DIR = Path(__file__).with_name("fixtures")
FIXTURES = (1, 2, 3, 4)  # every released schema; each new one adds its number
TODAY = dt.date(2026, 3, 10)


def fixture(schema: int) -> Path:
    return FIXTURES_DIR / f"schema-{schema}.sqlite"


def released_stats(schema: int) -> dict[str, object]:
    meta = json.loads((FIXTURES_DIR / f"schema-{schema}.stats.json").read_text(encoding="utf-8"))
    assert meta["schema"] == schema and meta["today"] == TODAY.isoformat()
    return meta["stats"]


def copy_fixture(schema: int, path: Path) -> Path:
    """A copy of the schema's fixture at ``path`` (the committed file is never opened)."""
    shutil.copyfile(fixture(schema), path)
    return path


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    defaults: dict[str, str | None]  # column -> its SQL default (None: none)
    rows: list[tuple[object, ...]]


def dump(path: Path) -> dict[str, Table]:
    """Every row of every table (but Alembic's, the statistics and the change log of
    ``storage/watch.py``, which any write adds to), in rowid order."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [
            r[0] for r in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'people_fts%' AND name != 'alembic_version' ORDER BY name"
            )
        ]
        tables = {}
        for name in names:
            info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
            tables[name] = Table(
                tuple(c[1] for c in info), {c[1]: c[4] for c in info},
                conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
                if name != "settings" else
                conn.execute("SELECT * FROM settings WHERE key != ? ORDER BY rowid", (CHANGES_KEY,)).fetchall(),
            )
        tables["people_fts"] = Table(
            ("rowid", "search_text"), {},
            conn.execute("SELECT rowid, search_text FROM people_fts ORDER BY rowid").fetchall(),
        )
        return tables
    finally:
        conn.close()


def schema_objects(path: Path) -> dict[tuple[str, str], str | None]:
    """Indexes and triggers of a file: (type, name) -> SQL."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {
            (t, n): sql for t, n, sql in conn.execute(
                "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger')"
            )
        }
    finally:
        conn.close()


def _default_value(sql_default: str | None) -> object:
    if sql_default is None:
        return None
    conn = sqlite3.connect(":memory:")
    try:
        return conn.execute(f"SELECT {sql_default}").fetchone()[0]
    finally:
        conn.close()


def assert_rows_kept(before: dict[str, Table], after: dict[str, Table]) -> None:
    """Every old table has every row, its old columns equal and its new ones at their defaults."""
    missing = set(before) - set(after)
    assert not missing, f"tables lost: {missing}"
    for name, old in before.items():
        new = after[name]
        assert len(new.rows) == len(old.rows), f"{name}: {len(old.rows)} rows became {len(new.rows)}"
        gone = set(old.columns) - set(new.columns)
        assert not gone, f"{name}: columns lost: {gone}"
        keep = [new.columns.index(c) for c in old.columns]
        assert [tuple(r[i] for i in keep) for r in new.rows] == old.rows, f"{name}: rows changed"
        for column in set(new.columns) - set(old.columns):
            i = new.columns.index(column)
            default = _default_value(new.defaults[column])
            wrong = [r for r in new.rows if r[i] != default]
            assert not wrong, f"{name}.{column}: {len(wrong)} rows not at the default {default!r}"


def counts(path: Path) -> dict[str, int]:
    return {name: len(t.rows) for name, t in dump(path).items()}
