"""The chapter data model (SQLAlchemy 2, typed).

Conventions
-----------
* Every table whose rows a laptop creates mixes in :class:`Replicated`: a UUID (the
  row's identity across laptops), the creating device's id and that device's sequence
  number (a clock-free order of what one device did), and UTC timestamps.  The
  integer ``id`` is local to one database file and never leaves it.
* People belong to one chapter.  Identity for duplicates is the normalised email and
  the student id, each unique within a chapter.
* Columns holding personal data carry ``info={"personal": CATEGORY}``;
  :mod:`chapter_manager.privacy` reads them from here, so this file is the one place
  where the personal fields are known.
* Times are stored in UTC (:class:`UTCDateTime`); the local offset or IANA time zone
  is kept next to them where the issue asks for it.
* Nothing here is SQLite-specific: the same models serve PostgreSQL.  SQLite-only
  objects (the FTS5 search index, pragmas) live in :mod:`chapter_manager.storage`.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from .i18n import N_
from .types import UTCDateTime, UUIDType, utcnow

# --------------------------------------------------------------------------- types


# --------------------------------------------------------------------------- enums


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translatable label."""

    @property
    def label(self) -> str:
        from .i18n import _

        return _(self._labels()[self.value])

    @classmethod
    def _labels(cls) -> dict[str, str]:
        raise NotImplementedError


class Affiliation(LabelledEnum):
    STUDENT = "student"
    STAFF = "staff"
    FACULTY = "faculty"
    ALUMNI = "alumni"
    COMMUNITY = "community"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "student": N_("Student"),
            "staff": N_("Staff"),
            "faculty": N_("Faculty"),
            "alumni": N_("Alumni"),
            "community": N_("Community"),
        }


class MembershipStatus(LabelledEnum):
    PROSPECTIVE = "prospective"
    ACTIVE = "active"
    INACTIVE = "inactive"
    ALUMNI = "alumni"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "prospective": N_("Prospective"),
            "active": N_("Active"),
            "inactive": N_("Inactive"),
            "alumni": N_("Alumni"),
        }


class OfficerRole(LabelledEnum):
    PRESIDENT = "president"
    VICE_PRESIDENT = "vice_president"
    TREASURER = "treasurer"
    SECRETARY = "secretary"
    EVENTS = "events"
    COMMUNICATIONS = "communications"
    CUSTOM = "custom"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "president": N_("President"),
            "vice_president": N_("Vice-president"),
            "treasurer": N_("Treasurer"),
            "secretary": N_("Secretary"),
            "events": N_("Events officer"),
            "communications": N_("Communications officer"),
            "custom": N_("Other role"),
        }


class EventKind(LabelledEnum):
    TALK = "talk"
    WORKSHOP = "workshop"
    FILM_SCREENING = "film_screening"
    PLEDGE_DRIVE = "pledge_drive"
    FUNDRAISER = "fundraiser"
    ONLINE_CONVERSATION = "online_conversation"
    OTHER = "other"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "talk": N_("Talk"),
            "workshop": N_("Workshop"),
            "film_screening": N_("Film screening"),
            "pledge_drive": N_("Pledge drive"),
            "fundraiser": N_("Fundraiser"),
            "online_conversation": N_("Online conversation"),
            "other": N_("Other"),
        }


class FocusArea(LabelledEnum):
    ECONOMIC_EMPOWERMENT = "economic_empowerment"
    PEACE_AND_SECURITY = "peace_and_security"
    POLITICAL_PARTICIPATION = "political_participation"
    ENDING_VIOLENCE = "ending_violence"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "economic_empowerment": N_("Economic empowerment"),
            "peace_and_security": N_("Peace and security"),
            "political_participation": N_("Political participation and leadership"),
            "ending_violence": N_("Ending gender-based violence"),
        }


class EventStatus(LabelledEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"planned": N_("Planned"), "held": N_("Held"), "cancelled": N_("Cancelled")}


class RecordSource(LabelledEnum):
    """Where an attendance or a pledge came from."""

    KIOSK = "kiosk"
    MANUAL = "manual"
    IMPORT = "import"
    ONLINE = "online"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "kiosk": N_("Kiosk"),
            "manual": N_("Typed in"),
            "import": N_("Imported"),
            "online": N_("Online"),
        }


class ForumFormat(LabelledEnum):
    CIRCLE = "circle"
    PANEL = "panel"
    WORKSHOP = "workshop"
    ONLINE = "online"
    OTHER = "other"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "circle": N_("Sharing circle"),
            "panel": N_("Panel and open floor"),
            "workshop": N_("Workshop"),
            "online": N_("Online"),
            "other": N_("Other"),
        }


class GoalMetric(LabelledEnum):
    PLEDGES = "pledges"
    MEMBERS = "members"
    EVENTS = "events"
    ATTENDANCE = "attendance"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "pledges": N_("Pledges"),
            "members": N_("Active members"),
            "events": N_("Events held"),
            "attendance": N_("Attendance"),
        }


class AuditAction(LabelledEnum):
    CREATE = "create"
    IMPORT = "import"
    EXPORT = "export"
    MERGE = "merge"
    ERASE = "erase"
    DELETE = "delete"
    BACKUP = "backup"
    RESTORE = "restore"
    UPGRADE = "upgrade"
    DEMO = "demo"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "create": N_("Created"),
            "import": N_("Imported"),
            "export": N_("Exported"),
            "merge": N_("Merged"),
            "erase": N_("Erased"),
            "delete": N_("Deleted"),
            "backup": N_("Backed up"),
            "restore": N_("Restored"),
            "upgrade": N_("Upgraded"),
            "demo": N_("Demo data"),
        }


def _enum(cls: type[enum.Enum], length: int = 32) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
        create_constraint=False,
    )


# Gender is self-described free text.  This value is what "prefer not to say" is stored as.
GENDER_PREFER_NOT_TO_SAY = "prefer not to say"

# --------------------------------------------------------------------------- base

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        uuid.UUID: UUIDType(),
        dt.datetime: UTCDateTime(),
        dt.date: Date(),
        str: Text(),
        int: Integer(),
        bool: Boolean(),
    }


def personal(category: str) -> dict[str, Any]:
    """``info`` for a column that holds personal data of the given category.

    Categories: ``identity`` (names), ``contact`` (email, phone), ``identifier``
    (student id), ``sensitive`` (gender, pronouns), ``free_text`` (what a person wrote
    or what was written about them), ``derived`` (computed from the others).
    """
    return {"info": {"personal": category}}


class Replicated:
    """Columns every row created on a laptop carries, so laptops' data can be merged."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    device_id: Mapped[uuid.UUID]
    device_seq: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Schema 4: how many times the row was saved.  A form remembers the version it was
    # opened at; saving over a newer one is a conflict (services/versions.py).
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        # The ORM adds one to ``version`` on every UPDATE it flushes (and checks the
        # old value in its WHERE).  Core UPDATEs of these tables set
        # ``version = version + 1`` themselves.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- housekeeping


class Setting(Base):
    """Facts about this database file: its id, the version that created it."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str]


class Device(Base):
    """A laptop that has written to this database, and its last sequence number."""

    __tablename__ = "devices"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(default="")
    last_seq: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- chapter


class Chapter(Replicated, Base):
    __tablename__ = "chapters"
    name: Mapped[str] = mapped_column(String(200))
    university: Mapped[str] = mapped_column(String(200), default="")
    campus: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA name
    founded_on: Mapped[dt.date | None]
    advisor_name: Mapped[str] = mapped_column(String(200), default="", **personal("identity"))
    advisor_email: Mapped[str] = mapped_column(String(254), default="", **personal("contact"))
    # Key for the one-way hashes kept in tombstones; travels with the chapter.
    privacy_salt: Mapped[bytes] = mapped_column(LargeBinary(32))

    terms: Mapped[list[AcademicTerm]] = relationship(
        back_populates="chapter", order_by="AcademicTerm.starts_on", cascade="all, delete-orphan"
    )


class AcademicTerm(Replicated, Base):
    __tablename__ = "academic_terms"
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    chapter: Mapped[Chapter] = relationship(back_populates="terms")
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="term_dates"),)


# --------------------------------------------------------------------------- people


class Person(Replicated, Base):
    __tablename__ = "people"
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    given_names: Mapped[str] = mapped_column(String(200), default="", **personal("identity"))
    family_names: Mapped[str] = mapped_column(String(200), default="", **personal("identity"))
    family_name_first: Mapped[bool] = mapped_column(default=False)
    preferred_name: Mapped[str] = mapped_column(String(200), default="", **personal("identity"))
    email: Mapped[str | None] = mapped_column(String(254), **personal("contact"))
    email_key: Mapped[str | None] = mapped_column(String(254), **personal("derived"))
    phone: Mapped[str | None] = mapped_column(String(64), **personal("contact"))
    student_id: Mapped[str | None] = mapped_column(String(64), **personal("identifier"))
    affiliation: Mapped[Affiliation] = mapped_column(_enum(Affiliation), default=Affiliation.STUDENT)
    department: Mapped[str] = mapped_column(String(200), default="")
    programme: Mapped[str] = mapped_column(String(200), default="")
    year_of_study: Mapped[int | None]
    gender: Mapped[str | None] = mapped_column(String(100), **personal("sensitive"))
    pronouns: Mapped[str | None] = mapped_column(String(50), **personal("sensitive"))
    do_not_disclose: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(default="", **personal("free_text"))
    # Accent- and case-folded names, email and student id; what search looks in.
    search_text: Mapped[str] = mapped_column(default="", **personal("derived"))
    # The folded name in display order ("jose nunez", "王 芳"): prefix search.
    name_key: Mapped[str] = mapped_column(String(400), default="", **personal("derived"))
    # The folded name family first ("nunez jose"): alphabetical order, prefix search.
    sort_key: Mapped[str] = mapped_column(String(400), default="", **personal("derived"))

    membership: Mapped[Membership | None] = relationship(
        back_populates="person", cascade="all, delete-orphan", uselist=False
    )

    __table_args__ = (
        CheckConstraint("given_names <> '' OR family_names <> ''", name="has_a_name"),
        Index(
            "uq_people_chapter_email",
            "chapter_id",
            "email_key",
            unique=True,
            sqlite_where=text("email_key IS NOT NULL"),
            postgresql_where=text("email_key IS NOT NULL"),
        ),
        Index(
            "uq_people_chapter_student_id",
            "chapter_id",
            "student_id",
            unique=True,
            sqlite_where=text("student_id IS NOT NULL"),
            postgresql_where=text("student_id IS NOT NULL"),
        ),
        Index("ix_people_chapter_name_key", "chapter_id", "name_key"),
        Index("ix_people_chapter_sort_key", "chapter_id", "sort_key"),
        # Schema 2: the "created" order of the people table, read in order.
        Index("ix_people_chapter_created", "chapter_id", "created_at"),
    )


class Membership(Replicated, Base):
    __tablename__ = "memberships"
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[MembershipStatus] = mapped_column(
        _enum(MembershipStatus), default=MembershipStatus.ACTIVE
    )
    joined_on: Mapped[dt.date | None]
    left_on: Mapped[dt.date | None]
    person: Mapped[Person] = relationship(back_populates="membership")
    __table_args__ = (
        UniqueConstraint("chapter_id", "person_id"),
        Index("ix_memberships_chapter_status", "chapter_id", "status"),
        # Schema 2: the "joined" order (ties by person), read in order and covering.
        # Partial, so that nothing else reading a chapter's members picks it over the
        # narrower (chapter_id, person_id) unique index.
        Index(
            "ix_memberships_chapter_joined",
            "chapter_id",
            "joined_on",
            "person_id",
            sqlite_where=text("joined_on IS NOT NULL"),
            postgresql_where=text("joined_on IS NOT NULL"),
        ),
    )


class OfficerTerm(Replicated, Base):
    __tablename__ = "officer_terms"
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[OfficerRole] = mapped_column(_enum(OfficerRole))
    custom_title: Mapped[str] = mapped_column(String(100), default="")
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="officer_dates"),
        CheckConstraint("role <> 'custom' OR custom_title <> ''", name="custom_title"),
    )


# --------------------------------------------------------------------------- events


class Event(Replicated, Base):
    __tablename__ = "events"
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind), default=EventKind.TALK)
    focus_area: Mapped[FocusArea | None] = mapped_column(_enum(FocusArea))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA name
    venue: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(default="")
    capacity: Mapped[int | None]
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    pledge_goal: Mapped[int | None]
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus), default=EventStatus.PLANNED)
    headcount: Mapped[int | None]  # people counted at the door without names
    __table_args__ = (
        Index("ix_events_chapter_starts", "chapter_id", "starts_at"),
        CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="event_times"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
        CheckConstraint("headcount IS NULL OR headcount >= 0", name="headcount"),
        CheckConstraint("pledge_goal IS NULL OR pledge_goal >= 0", name="pledge_goal"),
    )


class Attendance(Replicated, Base):
    __tablename__ = "attendance"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    source: Mapped[RecordSource] = mapped_column(_enum(RecordSource), default=RecordSource.MANUAL)
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)


# --------------------------------------------------------------------------- forums


class ForumSession(Replicated, Base):
    __tablename__ = "forum_sessions"
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date]
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    format: Mapped[ForumFormat] = mapped_column(_enum(ForumFormat), default=ForumFormat.CIRCLE)
    participants_total: Mapped[int | None]
    participants_women: Mapped[int | None]
    participants_men: Mapped[int | None]
    participants_other: Mapped[int | None]  # another gender, or not said
    summary: Mapped[str] = mapped_column(default="")

    facilitators: Mapped[list[ForumFacilitator]] = relationship(cascade="all, delete-orphan")
    takeaways: Mapped[list[ForumTakeaway]] = relationship(
        cascade="all, delete-orphan", order_by="ForumTakeaway.position"
    )
    action_items: Mapped[list[ActionItem]] = relationship(cascade="all, delete-orphan")
    testimonies: Mapped[list[Testimony]] = relationship(cascade="all, delete-orphan")
    __table_args__ = (Index("ix_forum_sessions_chapter_held", "chapter_id", "held_on"),)


class ForumFacilitator(Replicated, Base):
    __tablename__ = "forum_facilitators"
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    __table_args__ = (UniqueConstraint("forum_id", "person_id"),)


class ForumTakeaway(Replicated, Base):
    """A practice that overcomes discrimination, as the forum put it."""

    __tablename__ = "forum_takeaways"
    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forum_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str]


class ActionItem(Replicated, Base):
    __tablename__ = "forum_action_items"
    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forum_sessions.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str]
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[dt.date | None]
    done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[dt.datetime | None]


class Testimony(Replicated, Base):
    __tablename__ = "forum_testimonies"
    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forum_sessions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(**personal("free_text"))
    # None: told anonymously.  Erasing the person makes the testimony anonymous.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    consent_to_publish: Mapped[bool] = mapped_column(default=False)
    consent_version: Mapped[str] = mapped_column(String(32), default="")


# --------------------------------------------------------------------------- pledges


class Pledge(Replicated, Base):
    """A person's HeForShe commitment: one per person per chapter."""

    __tablename__ = "pledges"
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    signed_at: Mapped[dt.datetime]
    utc_offset_minutes: Mapped[int] = mapped_column(default=0)  # local offset when signed
    commitment_version: Mapped[str] = mapped_column(String(32))
    personal_commitment: Mapped[str] = mapped_column(default="", **personal("free_text"))
    may_contact: Mapped[bool] = mapped_column(default=False)
    may_publish_name: Mapped[bool] = mapped_column(default=False)
    consent_version: Mapped[str] = mapped_column(String(32))
    source: Mapped[RecordSource] = mapped_column(_enum(RecordSource), default=RecordSource.MANUAL)
    __table_args__ = (
        UniqueConstraint("chapter_id", "person_id"),
        Index("ix_pledges_chapter_signed", "chapter_id", "signed_at"),
        # Schema 2.  Deleting a person: the foreign key's ON DELETE CASCADE looks for
        # their pledge by person_id alone.
        Index("ix_pledges_person_id", "person_id"),
        # An event's pledges, or those signed at no event, in signing order (covering).
        Index("ix_pledges_chapter_event_signed", "chapter_id", "event_id", "signed_at"),
        # The "source" order of the pledges table, one source after the other.
        Index("ix_pledges_chapter_source_signed", "chapter_id", "source", "signed_at"),
        CheckConstraint("utc_offset_minutes BETWEEN -1080 AND 1080", name="offset"),
    )


class ConsentPurpose(LabelledEnum):
    """What a person may agree to: being contacted, having their name published."""

    CONTACT = "contact"
    PUBLISH = "publish"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"contact": N_("Contact"), "publish": N_("Publish name")}


class ConsentStatement(Replicated, Base):
    """Schema 4: one explicit statement of consent, given or withdrawn.

    A box left unticked is no statement.  The person's consent for a purpose is their
    latest statement by ``stated_at``; where (which laptop) is ``device_id``, at which
    event is ``event_id``, and the notice text they were shown is ``notice_version``.
    """

    __tablename__ = "consent_statements"
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(_enum(ConsentPurpose))
    given: Mapped[bool]
    stated_at: Mapped[dt.datetime]
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    notice_version: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[RecordSource] = mapped_column(_enum(RecordSource), default=RecordSource.MANUAL)
    __table_args__ = (
        Index("ix_consent_statements_person_purpose_stated", "person_id", "purpose", "stated_at"),
    )


class Goal(Replicated, Base):
    __tablename__ = "goals"
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    metric: Mapped[GoalMetric] = mapped_column(_enum(GoalMetric))
    target: Mapped[int]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    label: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (
        CheckConstraint("target > 0", name="target"),
        CheckConstraint("ends_on >= starts_on", name="goal_dates"),
    )


# --------------------------------------------------------------------------- history


class AuditEntry(Replicated, Base):
    """What was imported, exported, merged, erased or deleted; never personal data."""

    __tablename__ = "audit_log"
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction))
    entity: Mapped[str] = mapped_column(String(50), default="")
    entity_uuid: Mapped[uuid.UUID | None]
    summary: Mapped[str] = mapped_column(default="")
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class Tombstone(Base):
    """What is left of a deleted person: enough to refuse them in a merge, nothing readable."""

    __tablename__ = "tombstones"
    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_uuid: Mapped[uuid.UUID] = mapped_column(index=True)
    entity: Mapped[str] = mapped_column(String(50))
    uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    student_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    deleted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    device_id: Mapped[uuid.UUID]


# --------------------------------------------------------------------------- merging (schema 3)


class MergeBatch(Base):
    """One merge of sign-up packs into this database, kept so it can be undone.

    Local to this file (not replicated): what this database did with the packs.
    """

    __tablename__ = "merge_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    merged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # [{"sha256", "device_id", "file"}] of each pack merged; no personal data.
    packs: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    # The summary's counts.
    summary: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[dt.datetime | None]


class MergeRow(Base):
    """A row a merge inserted (``before`` is None) or changed (``before``: its old values)."""

    __tablename__ = "merge_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("merge_batches.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(50))
    row_id: Mapped[int]
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)


class MergeReview(Base):
    """A likely match by name alone, waiting for the organiser: the same person or not?"""

    __tablename__ = "merge_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("merge_batches.id", ondelete="SET NULL"), index=True
    )
    # The person the merge added, and the person already here with the same name.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))  # "merged" | "separate"
    # Schema 4: why the pair was queued ("name": same name at a shared event;
    # "identifier": same email or student id but another name; "details": a sign-up
    # offering values for fields empty here) and, for "details", the values offered.
    reason: Mapped[str] = mapped_column(String(32), default="name", server_default="name")
    proposed: Mapped[dict[str, object] | None] = mapped_column(JSON)
    __table_args__ = (UniqueConstraint("person_id", "candidate_id"),)


class PersonAlias(Base):
    """A person's UUID from another laptop that a review merged into a person here.

    A pack merged again finds the person through it instead of adding them anew.
    """

    __tablename__ = "person_aliases"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)


class EventAlias(Base):
    """An event from another laptop matched to an event here (same title and day, or the
    organiser's choice), so merging its sign-ups again lands on the same event."""

    __tablename__ = "event_aliases"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)


REPLICATED_MODELS: tuple[type[Replicated], ...] = tuple(
    m.class_ for m in Base.registry.mappers if issubclass(m.class_, Replicated)
)
