"""record versions, the history of consent, and reasons for merge reviews

Revision ID: 0004
Revises: 0003
Created: 2026-12-04

* ``version`` on every replicated table: how many times the row was saved.  A form
  remembers the version it was opened at, and the services refuse a save over a newer
  one with a conflict that names the fields both sides changed.
* ``consent_statements``: each explicit statement of consent (given or withdrawn), when,
  on which laptop (``device_id``), at which event and with which notice text.  The
  pledges' consents so far become "given" statements at their signing time, with a UUID
  derived from the pledge's, so two laptops upgrading the same pledge agree on it.
* ``merge_reviews.reason`` and ``merge_reviews.proposed``: why a pair waits for the
  organiser, and the values a sign-up offered for fields that are empty here.

Columns are added with defaults (no table is rebuilt); the backfill reads the pledges
once.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chapter_manager.types import UTCDateTime, UUIDType

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Schema version this revision brings a database to (see storage/schema.py).
SCHEMA_VERSION = 4

VERSIONED = (
    'chapters', 'academic_terms', 'people', 'memberships', 'officer_terms', 'events',
    'attendance', 'forum_sessions', 'forum_facilitators', 'forum_takeaways',
    'forum_action_items', 'forum_testimonies', 'pledges', 'goals', 'audit_log',
)

# The namespace of the consent statements made from the pledges of schema 3.
BACKFILL_NAMESPACE = uuid.UUID('5b0f6c1e-3f7a-4c55-9d0e-6a2b1d9c4e10')
BATCH = 5000


def upgrade() -> None:
    for table in VERSIONED:
        op.add_column(table, sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False))

    op.create_table('consent_statements',
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('contact', 'publish', name='consentpurpose', native_enum=False, create_constraint=False, length=32), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('stated_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('notice_version', sa.String(length=32), nullable=False),
    sa.Column('source', sa.Enum('kiosk', 'manual', 'import', 'online', name='recordsource', native_enum=False, create_constraint=False, length=32), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', UUIDType(length=16), nullable=False),
    sa.Column('device_id', UUIDType(length=16), nullable=False),
    sa.Column('device_seq', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['chapter_id'], ['chapters.id'], name=op.f('fk_consent_statements_chapter_id_chapters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_consent_statements_event_id_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_consent_statements_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_statements')),
    sa.UniqueConstraint('uuid', name=op.f('uq_consent_statements_uuid'))
    )
    with op.batch_alter_table('consent_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_statements_chapter_id'), ['chapter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_statements_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_consent_statements_person_purpose_stated', ['person_id', 'purpose', 'stated_at'], unique=False)

    op.add_column('merge_reviews', sa.Column('reason', sa.String(length=32), server_default='name', nullable=False))
    op.add_column('merge_reviews', sa.Column('proposed', sa.JSON(), nullable=True))

    _backfill_consents()
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _backfill_consents() -> None:
    """Each consent ticked on a pledge so far becomes a "given" statement at its signing."""
    bind = op.get_bind()
    pledges = sa.table(
        'pledges', sa.column('chapter_id'), sa.column('person_id'), sa.column('event_id'),
        sa.column('signed_at', UTCDateTime()), sa.column('uuid', UUIDType()),
        sa.column('device_id', UUIDType()), sa.column('device_seq'),
        sa.column('may_contact'), sa.column('may_publish_name'),
        sa.column('consent_version'), sa.column('source'),
    )
    statements = sa.table(
        'consent_statements', sa.column('chapter_id'), sa.column('person_id'),
        sa.column('purpose'), sa.column('given'), sa.column('stated_at', UTCDateTime()),
        sa.column('event_id'), sa.column('notice_version'), sa.column('source'),
        sa.column('uuid', UUIDType()), sa.column('device_id', UUIDType()),
        sa.column('device_seq'), sa.column('created_at', UTCDateTime()),
        sa.column('updated_at', UTCDateTime()),
    )
    rows = bind.execute(
        sa.select(pledges).where(sa.or_(pledges.c.may_contact, pledges.c.may_publish_name))
    )
    batch: list[dict[str, object]] = []
    for p in rows:
        for purpose, ticked in (('contact', p.may_contact), ('publish', p.may_publish_name)):
            if not ticked:
                continue
            batch.append({
                'chapter_id': p.chapter_id, 'person_id': p.person_id, 'purpose': purpose,
                'given': True, 'stated_at': p.signed_at, 'event_id': p.event_id,
                'notice_version': p.consent_version or '', 'source': p.source,
                'uuid': uuid.uuid5(BACKFILL_NAMESPACE, f'{p.uuid}/{purpose}'),
                'device_id': p.device_id, 'device_seq': p.device_seq,
                'created_at': p.signed_at, 'updated_at': p.signed_at,
            })
        if len(batch) >= BATCH:
            bind.execute(statements.insert(), batch)
            batch = []
    if batch:
        bind.execute(statements.insert(), batch)


def downgrade() -> None:
    with op.batch_alter_table('merge_reviews', schema=None) as batch_op:
        batch_op.drop_column('proposed')
        batch_op.drop_column('reason')
    with op.batch_alter_table('consent_statements', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_statements_person_purpose_stated')
        batch_op.drop_index(batch_op.f('ix_consent_statements_event_id'))
        batch_op.drop_index(batch_op.f('ix_consent_statements_chapter_id'))
    op.drop_table('consent_statements')
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
