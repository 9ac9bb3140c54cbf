"""tables for merging sign-up packs from other laptops

Revision ID: 0003
Revises: 0002
Created: 2026-11-23

* ``merge_batches``: each merge of packs (which packs, by checksum and device; the
  summary's counts; when it was undone).  No personal data.
* ``merge_rows``: the rows a merge inserted or changed (with their old values), so a
  whole merge can be undone.
* ``merge_reviews``: likely matches by name alone, waiting for the organiser to say
  "the same person" or "keep separate".
* ``person_aliases``: a person's UUID from another laptop that a review merged into a
  person here, so merging the same pack again finds them.
* ``event_aliases``: an event created on another laptop and matched to an event here (same
  title and day, or the organiser's choice), so merging again lands on the same event.

Only new tables: nothing existing changes, so the revision is instant at any size.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chapter_manager.types import UTCDateTime, UUIDType

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Schema version this revision brings a database to (see storage/schema.py).
SCHEMA_VERSION = 3


def upgrade() -> None:
    op.create_table('merge_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('merged_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('packs', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('undone_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['chapter_id'], ['chapters.id'], name=op.f('fk_merge_batches_chapter_id_chapters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_batches'))
    )
    with op.batch_alter_table('merge_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_batches_chapter_id'), ['chapter_id'], unique=False)

    op.create_table('merge_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['merge_batches.id'], name=op.f('fk_merge_reviews_batch_id_merge_batches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['people.id'], name=op.f('fk_merge_reviews_candidate_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chapter_id'], ['chapters.id'], name=op.f('fk_merge_reviews_chapter_id_chapters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_merge_reviews_event_id_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_merge_reviews_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_reviews')),
    sa.UniqueConstraint('person_id', 'candidate_id', name=op.f('uq_merge_reviews_person_id_candidate_id'))
    )
    with op.batch_alter_table('merge_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_reviews_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_reviews_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_reviews_chapter_id'), ['chapter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_reviews_person_id'), ['person_id'], unique=False)

    op.create_table('merge_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=50), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['merge_batches.id'], name=op.f('fk_merge_rows_batch_id_merge_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_rows'))
    )
    with op.batch_alter_table('merge_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_rows_batch_id'), ['batch_id'], unique=False)

    op.create_table('person_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', UUIDType(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_aliases_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_aliases')),
    sa.UniqueConstraint('uuid', name=op.f('uq_person_aliases_uuid'))
    )
    with op.batch_alter_table('person_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_aliases_person_id'), ['person_id'], unique=False)

    op.create_table('event_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', UUIDType(length=16), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_aliases_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_aliases')),
    sa.UniqueConstraint('uuid', name=op.f('uq_event_aliases_uuid'))
    )
    with op.batch_alter_table('event_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_aliases_event_id'), ['event_id'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def downgrade() -> None:
    for table, indexes in (
        ('event_aliases', ['ix_event_aliases_event_id']),
        ('person_aliases', ['ix_person_aliases_person_id']),
        ('merge_rows', ['ix_merge_rows_batch_id']),
        ('merge_reviews', ['ix_merge_reviews_person_id', 'ix_merge_reviews_chapter_id',
                           'ix_merge_reviews_candidate_id', 'ix_merge_reviews_batch_id']),
        ('merge_batches', ['ix_merge_batches_chapter_id']),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(name)
        op.drop_table(table)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
