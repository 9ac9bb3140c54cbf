"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Created: ${create_date}
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chapter_manager.types import UTCDateTime, UUIDType  # noqa: F401
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}

# Schema version this revision brings a database to (see storage/schema.py).
SCHEMA_VERSION = 0  # set by hand


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
