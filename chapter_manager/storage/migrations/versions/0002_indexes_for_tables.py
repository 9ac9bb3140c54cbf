"""indexes for the desktop app's tables and for deleting people

Revision ID: 0002
Revises: 0001
Created: 2026-11-22

* ``pledges (person_id)``: deleting a person makes SQLite look for their pledge by
  ``person_id`` alone (the foreign key's ON DELETE CASCADE); the ``(chapter_id,
  person_id)`` unique index serves that only by a skip-scan, which SQLite tries only
  when ANALYZE statistics say so.  Without them every delete read the whole table
  (50 ms a person at 300,000 pledges; deleting 100 people took 5.5 s, now 0.7 s).
* ``pledges (chapter_id, event_id, signed_at)``: an event's pledges, and those signed at
  no event, in signing order without a sort or a row lookup.  Without ANALYZE
  statistics SQLite used to walk the chapter's signing-time index looking for them
  (600 ms for an event page at 300,000 pledges, now 20 ms).  ``pledges (event_id)``
  stays: the foreign key's SET NULL finds an event's pledges by event_id alone.
* ``pledges (chapter_id, source, signed_at)``: the pledges table by source, read one
  source after the other (``services.browse``).
* ``people (chapter_id, created_at)``: the people table by date added.
* ``memberships (chapter_id, joined_on, person_id) WHERE joined_on IS NOT NULL``: the
  people table by date joined (ties by person), in order and covering.  Partial, so that
  queries reading all of a chapter's members keep using the narrower unique index.

Only indexes: no row changes.  At 310,000 people and 300,000 pledges the revision takes
2-3 s (the file grows by 40 MB, 13 %); the pre-upgrade backup before it about 7 s.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chapter_manager.types import UTCDateTime, UUIDType  # noqa: F401

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Schema version this revision brings a database to (see storage/schema.py).
SCHEMA_VERSION = 2

# (name, table, columns) of the indexes this revision adds.
NEW_INDEXES = (
    ("ix_pledges_person_id", "pledges", ["person_id"]),
    ("ix_pledges_chapter_event_signed", "pledges", ["chapter_id", "event_id", "signed_at"]),
    ("ix_pledges_chapter_source_signed", "pledges", ["chapter_id", "source", "signed_at"]),
    ("ix_people_chapter_created", "people", ["chapter_id", "created_at"]),
    ("ix_memberships_chapter_joined", "memberships", ["chapter_id", "joined_on", "person_id"]),
)
# ix_memberships_chapter_joined is partial: only the members with a joining date.
JOINED = sa.text("joined_on IS NOT NULL")
PARTIAL = {"ix_memberships_chapter_joined": {"sqlite_where": JOINED, "postgresql_where": JOINED}}


def _tables_with_statistics() -> set[str]:
    """The tables that ANALYZE statistics (``sqlite_stat1``) describe."""
    conn = op.get_bind()
    exists = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first()
    if exists is None:
        return set()
    return {row[0] for row in conn.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    analyzed = _tables_with_statistics() if sqlite else set()
    for name, table, columns in NEW_INDEXES:
        op.create_index(name, table, columns, unique=False, **PARTIAL.get(name, {}))
    if sqlite:
        # A table that has planner statistics (PRAGMA optimize writes some) gets them
        # again, for all its indexes: a planner weighing some indexes of a table by
        # measurement and others by guesswork picks badly (an event's pledges took
        # 490 ms instead of 3 ms at 300,000 pledges).  Tables without statistics stay
        # without, as before.
        for table in sorted(analyzed & {table for _name, table, _columns in NEW_INDEXES}):
            op.execute(f"ANALYZE {table}")
        op.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def downgrade() -> None:
    for name, table, _columns in reversed(NEW_INDEXES):
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
