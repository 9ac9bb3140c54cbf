"""The schema version of a database and the Alembic revisions that bring it up to date.

Each Alembic revision is one schema version.  On SQLite the number is also written to
``PRAGMA user_version`` by the revision itself, so opening a file at the current version
reads one integer and never imports Alembic.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from .. import __version__
from ..errors import ForeignKeysBroken

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).with_name("migrations")

# Alembic revision ids, oldest first.  Schema version N is REVISIONS[N - 1].
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004")
SCHEMA_VERSION = len(REVISIONS)


def version_of(conn: Connection) -> int:
    """The schema version of an open database (0 for an empty one)."""
    if conn.dialect.name == "sqlite":
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
    if not inspect(conn).has_table("alembic_version"):
        return 0
    rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if rev is None:
        return 0
    return REVISIONS.index(rev) + 1 if rev in REVISIONS else len(REVISIONS) + 1


def alembic_config(connection: Connection, versions: Path | None = None):
    """Alembic's configuration on ``connection``; ``versions``: another folder of revisions."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if versions is not None:
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", str(versions))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head", *, versions: Path | None = None) -> None:
    """Run the Alembic revisions up to ``revision`` in one write transaction."""
    from alembic import command

    _run_revisions(engine, lambda cfg: command.upgrade(cfg, revision), versions)


def downgrade(engine: Engine, revision: str, *, versions: Path | None = None) -> None:
    """Undo the Alembic revisions down to ``revision`` in one write transaction."""
    from alembic import command

    _run_revisions(engine, lambda cfg: command.downgrade(cfg, revision), versions)


def _run_revisions(engine: Engine, run: Callable[[Any], None], versions: Path | None) -> None:
    """Run revisions with foreign keys off, and check every reference before COMMIT.

    A revision in batch mode rebuilds a SQLite table (copy, DROP TABLE, rename); with
    foreign keys on, the DROP would run every ``ON DELETE CASCADE`` and take the child rows
    with it.  ``PRAGMA foreign_keys`` cannot change inside a transaction, so it is turned
    off on the connection before BEGIN and back on after COMMIT (or ROLLBACK).  Before the
    commit ``PRAGMA foreign_key_check`` must find nothing, or the whole change is rolled
    back and refused.
    """
    from .sqlite import WRITE_OPTION, restore_search_triggers

    writer = engine.execution_options(**{WRITE_OPTION: True})
    sqlite = engine.dialect.name == "sqlite"
    with writer.connect() as conn:
        raw = conn.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                run(alembic_config(conn, versions))
                if raw is not None:
                    restore_search_triggers(conn)
                    _refuse_broken_references(conn)
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def _refuse_broken_references(conn: Connection) -> None:
    rows = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        raise ForeignKeysBroken([(r[0], r[1], r[2]) for r in rows[:20]], len(rows))


def stamp_new_database(session: Session) -> None:
    """Facts a database records about itself (added once, when missing)."""
    from ..models import Setting

    for key, value in (("database_id", str(uuid.uuid4())), ("created_by_version", __version__)):
        if session.get(Setting, key) is None:
            session.add(Setting(key=key, value=value))
