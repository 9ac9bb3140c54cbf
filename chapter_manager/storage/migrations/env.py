"""Alembic environment: runs on the connection that ``storage.schema.upgrade`` hands in."""

from alembic import context

from chapter_manager.models import Base
from chapter_manager.storage.sqlite import FTS_TABLE


def include_object(obj, name, type_, reflected, compare_to):
    # The FTS5 index and its shadow tables are SQLite-only and managed by hand.
    return not (type_ == "table" and name and name.startswith(FTS_TABLE))


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Chapter Manager migrations run through chapter_manager.storage only")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    include_object=include_object,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
