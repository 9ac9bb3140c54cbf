"""Chapters and their academic terms."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from ..i18n import _
from ..models import AcademicTerm, AuditAction, Chapter, Tombstone
from ..storage import Database
from ..validation import (
    Problems,
    check_country,
    check_date,
    check_date_order,
    check_email,
    check_text,
    check_timezone,
)
from .common import audit, get_or_fail, to_view
from .import_undo import forget_chapter
from .versions import Expected, reconcile


@dataclass
class ChapterData:
    name: str
    university: str = ""
    campus: str = ""
    city: str = ""
    country: str = ""
    timezone: str = "UTC"
    founded_on: dt.date | None = None
    advisor_name: str = ""
    advisor_email: str = ""


@dataclass(frozen=True)
class ChapterView:
    id: int
    uuid: uuid.UUID
    name: str
    university: str
    campus: str
    city: str
    country: str
    timezone: str
    founded_on: dt.date | None
    advisor_name: str
    advisor_email: str
    created_at: dt.datetime
    terms: list[TermView] = field(default_factory=list)
    version: int = 1


@dataclass(frozen=True)
class TermView:
    id: int
    chapter_id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date


def _validated(data: ChapterData) -> dict[str, object]:
    t = Chapter.__table__
    p = Problems()
    out: dict[str, object] = {}
    with p.field("name"):
        out["name"] = check_text(data.name, "name", _("Chapter name"), table=t, required=True)
    for name, label in (
        ("university", _("University")),
        ("campus", _("Campus")),
        ("city", _("City")),
        ("advisor_name", _("Advisor's name")),
    ):
        with p.field(name):
            out[name] = check_text(getattr(data, name), name, label, table=t)
    with p.field("country"):
        out["country"] = check_country(data.country)
    with p.field("timezone"):
        out["timezone"] = check_timezone(data.timezone)
    with p.field("advisor_email"):
        out["advisor_email"] = check_email(data.advisor_email, "advisor_email") or ""
    with p.field("founded_on"):
        out["founded_on"] = check_date(data.founded_on, "founded_on", _("Founding date"))
    p.raise_if_any()
    return out


def _view(chapter: Chapter) -> ChapterView:
    return to_view(ChapterView, chapter, terms=[to_view(TermView, t) for t in chapter.terms])


def create_chapter(db: Database, data: ChapterData) -> ChapterView:
    values = _validated(data)
    with db.write() as s:
        chapter = Chapter(privacy_salt=os.urandom(32), **values)
        s.add(chapter)
        s.flush()
        audit(s, AuditAction.CREATE, "chapter created", chapter_id=chapter.id,
              entity="chapter", entity_uuid=chapter.uuid)
        return _view(chapter)


def field_labels() -> dict[str, str]:
    return {"name": _("Chapter name"), "university": _("University"), "campus": _("Campus"),
            "city": _("City"), "country": _("Country"), "timezone": _("Time zone"),
            "founded_on": _("Founding date"), "advisor_name": _("Advisor's name"),
            "advisor_email": _("Advisor's email")}


def chapter_data(view: ChapterView) -> ChapterData:
    """The editable fields of ``view``, for :func:`update_chapter`."""
    return ChapterData(**{f: getattr(view, f) for f in ChapterData.__dataclass_fields__})


def update_chapter(
    db: Database, chapter_id: int, data: ChapterData, expected: Expected | None = None
) -> ChapterView:
    """Save the chapter's details; ``expected`` applies the version rule (:mod:`.versions`)."""
    values = _validated(data)
    with db.write() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        merged = reconcile(data, version=chapter.version, current=chapter_data(_view(chapter)),
                           expected=expected, what=_("chapter"), labels=field_labels())
        if merged is not data:
            values = _validated(merged)
        for key, value in values.items():
            setattr(chapter, key, value)
        s.flush()
        return _view(chapter)


def get_chapter(db: Database, chapter_id: int) -> ChapterView:
    with db.read() as s:
        return _view(get_or_fail(s, Chapter, chapter_id, _("chapter")))


def list_chapters(db: Database) -> list[ChapterView]:
    with db.read() as s:
        return [_view(c) for c in s.scalars(select(Chapter).order_by(Chapter.name, Chapter.id))]


def delete_chapter(db: Database, chapter_id: int) -> None:
    """Delete a chapter and everything in it (people, events, pledges...)."""
    with db.write() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        audit(s, AuditAction.DELETE, "chapter deleted", entity="chapter", entity_uuid=chapter.uuid)
        # A merge must not bring the chapter (and so its people) back.
        s.add(Tombstone(chapter_uuid=chapter.uuid, entity="chapter", uuid=chapter.uuid,
                        device_id=db.device.id))
        forget_chapter(s.connection(), chapter.uuid)
        s.delete(chapter)
        s.flush()
        db.purge_deleted_text(s.connection())


def term_on(terms: Iterable[TermView], day: dt.date) -> TermView | None:
    """The chapter's current term on ``day``: the term containing it; of overlapping terms,
    the one that started last (then the newer); ``None`` between terms."""
    containing = [t for t in terms if t.starts_on <= day <= t.ends_on]
    return max(containing, key=lambda t: (t.starts_on, t.id), default=None)


def current_term(db: Database, chapter_id: int, day: dt.date) -> TermView | None:
    """The term the chapter is in on ``day`` (the rule of :func:`term_on`)."""
    with db.read() as s:
        terms = s.scalars(select(AcademicTerm).where(
            AcademicTerm.chapter_id == chapter_id, AcademicTerm.starts_on <= day, AcademicTerm.ends_on >= day))
        return term_on([to_view(TermView, t) for t in terms], day)


def add_term(db: Database, chapter_id: int, name: str, starts_on: dt.date, ends_on: dt.date) -> TermView:
    p = Problems()
    with p.field("name"):
        name = check_text(name, "name", _("Term name"), table=AcademicTerm.__table__, required=True)
    with p.field("ends_on"):
        check_date_order(starts_on, ends_on, "ends_on", _("A term cannot end before it starts."))
    p.raise_if_any()
    with db.write() as s:
        get_or_fail(s, Chapter, chapter_id, _("chapter"))
        term = AcademicTerm(chapter_id=chapter_id, name=name, starts_on=starts_on, ends_on=ends_on)
        s.add(term)
        s.flush()
        return to_view(TermView, term)


