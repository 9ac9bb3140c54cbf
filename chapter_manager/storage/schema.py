"""The schema version of a database and the Alembic revisions that bring it up to date.

Each Alembic revision is one schema version.  On SQLite the number is also written to
``PRAGMA user_version`` by the revision itself, so opening a file at the current version
reads one integer and never imports Alembic.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from .. import __version__

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


def alembic_config(connection: Connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic revisions up to ``revision`` in one write transaction."""
    from alembic import command

    from .sqlite import WRITE_OPTION

    writer = engine.execution_options(**{WRITE_OPTION: True})
    with writer.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def stamp_new_database(session: Session) -> None:
    """Facts a database records about itself (added once, when missing)."""
    from ..models import Setting

    for key, value in (("database_id", str(uuid.uuid4())), ("created_by_version", __version__)):
        if session.get(Setting, key) is None:
            session.add(Setting(key=key, value=value))
