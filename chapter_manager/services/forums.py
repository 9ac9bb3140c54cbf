"""Forum sessions: conversations on gender equality, what came out of them, and follow-up.

A forum session records who facilitated it, how many took part, the takeaways (practices
that overcome discrimination), action items with owners and due dates, and testimonies.

Saving a session with :func:`update_forum` replaces its lists with the ones given, but
keeps the rows (and so their ids and UUIDs, which other laptops know them by) of entries
that did not change:

* facilitators are matched by person;
* takeaways by their text (their order is taken from the new list);
* action items and testimonies by ``id`` when the data carries one (as the data made by
  :func:`forum_data` does), otherwise by the same description / the same text and teller.

Anything not matched is deleted, anything new is added.  An action item keeps the time
it was marked done as long as it stays done.

A testimony without a person is anonymous.  Only testimonies whose teller consented to
publication are ever returned by :func:`publishable_testimonies`, and a name goes with
them only when the testimony is not anonymous and the person has not asked that their
identity be withheld (``do_not_disclose``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from ..i18n import _
from ..models import (
    ActionItem,
    AuditAction,
    Chapter,
    Event,
    ForumFacilitator,
    ForumFormat,
    ForumSession,
    ForumTakeaway,
    Person,
    Testimony,
)
from ..storage import Database
from ..types import utcnow
from ..validation import Problems, check_count, check_text, fail
from .common import audit, get_or_fail
from .people import name_of
from .versions import Expected, reconcile

# The version of the consent text a testimony's teller agrees to for publication.
TESTIMONY_CONSENT_VERSION = "2024-1"
MAX_TEXT = 10_000

# --------------------------------------------------------------------------- data


@dataclass
class ActionItemData:
    description: str = ""
    owner_id: int | None = None
    due_on: dt.date | None = None
    done: bool = False
    id: int | None = None  # the existing item this is, when editing


@dataclass
class TestimonyData:
    text: str = ""
    person_id: int | None = None  # None: told anonymously
    consent_to_publish: bool = False
    consent_version: str = TESTIMONY_CONSENT_VERSION
    id: int | None = None  # the existing testimony this is, when editing


@dataclass
class ForumData:
    """What can be typed about a forum session.  ``topic`` and ``held_on`` are required.

    Counts of participants are optional; when the total is given, women, men and other
    together cannot exceed it.  Blank takeaways, and action items / testimonies left
    completely empty, are dropped.
    """

    topic: str = ""
    held_on: dt.date | None = None
    event_id: int | None = None
    format: ForumFormat | str = ForumFormat.CIRCLE
    participants_total: int | None = None
    participants_women: int | None = None
    participants_men: int | None = None
    participants_other: int | None = None
    summary: str = ""
    facilitator_ids: list[int] = field(default_factory=list)
    takeaways: list[str] = field(default_factory=list)
    action_items: list[ActionItemData] = field(default_factory=list)
    testimonies: list[TestimonyData] = field(default_factory=list)


@dataclass(frozen=True)
class FacilitatorView:
    person_id: int
    display_name: str


@dataclass(frozen=True)
class ActionItemView:
    id: int
    uuid: uuid.UUID
    forum_id: int
    description: str
    owner_id: int | None
    owner_name: str | None
    due_on: dt.date | None
    done: bool
    done_at: dt.datetime | None


@dataclass(frozen=True)
class TestimonyView:
    id: int
    uuid: uuid.UUID
    forum_id: int
    text: str
    person_id: int | None  # None: anonymous
    person_name: str | None
    consent_to_publish: bool
    consent_version: str

    @property
    def anonymous(self) -> bool:
        return self.person_id is None


@dataclass(frozen=True)
class ForumView:
    id: int
    uuid: uuid.UUID
    chapter_id: int
    topic: str
    held_on: dt.date
    event_id: int | None
    event_title: str | None
    format: ForumFormat
    participants_total: int | None
    participants_women: int | None
    participants_men: int | None
    participants_other: int | None
    summary: str
    created_at: dt.datetime
    updated_at: dt.datetime
    facilitators: list[FacilitatorView]
    takeaways: list[str]
    action_items: list[ActionItemView]
    testimonies: list[TestimonyView]
    version: int = 1


@dataclass(frozen=True)
class ForumRow:
    """One line of a forum sessions table."""

    id: int
    topic: str
    held_on: dt.date
    format: ForumFormat
    event_id: int | None
    participants_total: int | None
    takeaway_count: int
    open_action_count: int
    testimony_count: int
    participants_women: int | None = None
    participants_men: int | None = None
    participants_other: int | None = None
    event_title: str | None = None


@dataclass(frozen=True)
class OpenActionItem:
    id: int
    forum_id: int
    forum_topic: str
    held_on: dt.date
    description: str
    owner_id: int | None
    owner_name: str | None
    due_on: dt.date | None
    overdue: bool


@dataclass(frozen=True)
class PublishableTestimony:
    id: int
    forum_id: int
    forum_topic: str
    held_on: dt.date
    text: str
    name: str | None  # None: anonymous (or the person asked not to be named)
    consent_version: str


# --------------------------------------------------------------------------- validation


def _check_date(value: object, field_name: str, label: str, *, required: bool = False) -> dt.date | None:
    if value is None:
        if required:
            raise fail(field_name, _("{label} is required.").format(label=label))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise fail(field_name, _("{label} must be a date.").format(label=label))
    return value


def _chapter_people(session: Session, chapter_id: int, ids: Iterable[int | None]) -> set[int]:
    wanted = {int(i) for i in ids if i is not None}
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Person.id).where(Person.id.in_(wanted), Person.chapter_id == chapter_id)
        )
    )


def _validated(session: Session, chapter_id: int, data: ForumData) -> dict[str, Any]:
    t = ForumSession.__table__
    p = Problems()
    out: dict[str, Any] = {}
    with p.field("topic"):
        out["topic"] = check_text(data.topic, "topic", _("Topic"), table=t, required=True)
    with p.field("held_on"):
        out["held_on"] = _check_date(data.held_on, "held_on", _("Date held"), required=True)
    try:
        out["format"] = ForumFormat(data.format)
    except ValueError:
        p.add(
            "format",
            _("Format must be one of: {choices}.").format(
                choices=", ".join(f.value for f in ForumFormat)
            ),
        )
    with p.field("summary"):
        out["summary"] = check_text(
            data.summary, "summary", _("Summary"), limit=20_000, multiline=True
        )

    # Who took part.
    counts: dict[str, int | None] = {}
    for name, label in (
        ("participants_total", _("Number of participants")),
        ("participants_women", _("Number of women")),
        ("participants_men", _("Number of men")),
        ("participants_other", _("Number of other participants")),
    ):
        with p.field(name):
            counts[name] = out[name] = check_count(getattr(data, name), name, label)
    total = counts.get("participants_total")
    if total is not None and not any(k.startswith("participants_") for k in p.fields):
        added = sum(
            counts[k] or 0 for k in ("participants_women", "participants_men", "participants_other")
        )
        if added > total:
            p.add(
                "participants_total",
                _("Women, men and other participants add up to {added}, more than the "
                  "{total} participants in total.").format(added=added, total=total),
            )

    # The event it was part of.
    out["event_id"] = None
    if data.event_id is not None:
        event = session.get(Event, data.event_id)
        if event is None:
            p.add("event_id", _("There is no event with id {id}.").format(id=data.event_id))
        elif event.chapter_id != chapter_id:
            p.add("event_id", _("That event belongs to another chapter."))
        else:
            out["event_id"] = event.id

    # People mentioned must be of this chapter.
    mentioned = [*data.facilitator_ids]
    mentioned += [a.owner_id for a in data.action_items]
    mentioned += [t.person_id for t in data.testimonies]
    known = _chapter_people(session, chapter_id, mentioned)

    facilitators = list(dict.fromkeys(int(i) for i in data.facilitator_ids))
    if any(i not in known for i in facilitators):
        p.add("facilitator_ids", _("Every facilitator must be a person of this chapter."))
    out["facilitator_ids"] = facilitators

    takeaways: list[str] = []
    for index, text in enumerate(data.takeaways):
        key = f"takeaways.{index}"
        with p.field(key):
            text = check_text(text, key, _("Takeaway"), limit=MAX_TEXT, multiline=True)
            if text:
                takeaways.append(text)
    out["takeaways"] = takeaways

    items: list[dict[str, Any]] = []
    for index, item in enumerate(data.action_items):
        key = f"action_items.{index}"
        with p.field(f"{key}.description"):
            description = check_text(
                item.description, f"{key}.description", _("Action item"), limit=MAX_TEXT,
                multiline=True,
            )
        if not description and item.owner_id is None and item.due_on is None and not item.done:
            continue  # a row left empty
        if not description and f"{key}.description" not in p.fields:
            p.add(f"{key}.description", _("Say what is to be done for each action item."))
        if item.owner_id is not None and item.owner_id not in known:
            p.add(f"{key}.owner_id", _("The person responsible must be a person of this chapter."))
        with p.field(f"{key}.due_on"):
            due_on = _check_date(item.due_on, f"{key}.due_on", _("Due date"))
        items.append(
            {"id": item.id, "description": description, "owner_id": item.owner_id,
             "due_on": due_on, "done": bool(item.done)}
        )
    out["action_items"] = items

    testimonies: list[dict[str, Any]] = []
    for index, testimony in enumerate(data.testimonies):
        key = f"testimonies.{index}"
        with p.field(f"{key}.text"):
            text = check_text(
                testimony.text, f"{key}.text", _("Testimony"), limit=MAX_TEXT, multiline=True
            )
        if not text and testimony.person_id is None:
            continue  # a row left empty
        if not text and f"{key}.text" not in p.fields:
            p.add(f"{key}.text", _("A testimony needs its text."))
        if testimony.person_id is not None and testimony.person_id not in known:
            p.add(f"{key}.person_id", _("The person who told it must be a person of this chapter."))
        with p.field(f"{key}.consent_version"):
            version = check_text(
                testimony.consent_version, f"{key}.consent_version", _("Consent text version"),
                limit=Testimony.__table__.c.consent_version.type.length,
            )
        if testimony.consent_to_publish and not version:
            p.add(
                f"{key}.consent_version",
                _("Say which consent text the person agreed to before marking a testimony "
                  "as publishable."),
            )
        testimonies.append(
            {"id": testimony.id, "text": text, "person_id": testimony.person_id,
             "consent_to_publish": bool(testimony.consent_to_publish),
             "consent_version": version}
        )
    out["testimonies"] = testimonies
    p.raise_if_any()
    return out


# --------------------------------------------------------------------------- saving

_SCALARS = (
    "topic",
    "held_on",
    "event_id",
    "format",
    "participants_total",
    "participants_women",
    "participants_men",
    "participants_other",
    "summary",
)


def _take(candidates: list[Any], wanted_id: int | None, same: Any) -> Any | None:
    """Remove and return the row with ``wanted_id``, or else the first for which ``same``."""
    for index, row in enumerate(candidates):
        if wanted_id is not None and row.id == wanted_id or wanted_id is None and same(row):
            return candidates.pop(index)
    return None


def _apply(session: Session, forum: ForumSession, values: dict[str, Any]) -> None:
    for key in _SCALARS:
        setattr(forum, key, values[key])

    # Facilitators, by person.
    keep = set(values["facilitator_ids"])
    forum.facilitators = [f for f in forum.facilitators if f.person_id in keep]
    present = {f.person_id for f in forum.facilitators}
    for person_id in values["facilitator_ids"]:
        if person_id not in present:
            forum.facilitators.append(ForumFacilitator(person_id=person_id))

    # Takeaways, by text; order from the list.
    old = list(forum.takeaways)
    takeaways = []
    for position, text in enumerate(values["takeaways"]):
        row = _take(old, None, lambda r, text=text: r.text == text) or ForumTakeaway(text=text)
        row.position = position
        takeaways.append(row)
    forum.takeaways = takeaways

    # Action items, by id or description.
    old_items = list(forum.action_items)
    items = []
    for item in values["action_items"]:
        row = _take(old_items, item["id"], lambda r, d=item["description"]: r.description == d)
        if row is None:
            row = ActionItem()
        row.description = item["description"]
        row.owner_id = item["owner_id"]
        row.due_on = item["due_on"]
        _set_done(row, item["done"])
        items.append(row)
    forum.action_items = items

    # Testimonies, by id or text and teller.
    old_testimonies = list(forum.testimonies)
    testimonies = []
    for testimony in values["testimonies"]:
        row = _take(
            old_testimonies,
            testimony["id"],
            lambda r, t=testimony: r.text == t["text"] and r.person_id == t["person_id"],
        )
        if row is None:
            row = Testimony()
        for key in ("text", "person_id", "consent_to_publish", "consent_version"):
            setattr(row, key, testimony[key])
        testimonies.append(row)
    forum.testimonies = testimonies


def _set_done(item: ActionItem, done: bool) -> None:
    if done and not item.done_at:
        item.done_at = utcnow()
    elif not done:
        item.done_at = None
    item.done = done


def create_forum(db: Database, chapter_id: int, data: ForumData) -> ForumView:
    with db.write() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        values = _validated(s, chapter.id, data)
        forum = ForumSession(chapter_id=chapter.id)
        s.add(forum)
        _apply(s, forum, values)
        s.flush()
        return _view(s, forum)


def field_labels() -> dict[str, str]:
    """The forum's editable fields as the form names them (for conflicts)."""
    return {
        "topic": _("Topic"), "held_on": _("Date held"), "event_id": _("Event"),
        "format": _("Format"), "participants_total": _("Number of participants"),
        "participants_women": _("Number of women"), "participants_men": _("Number of men"),
        "participants_other": _("Number of other participants"), "summary": _("Summary"),
        "facilitator_ids": _("Facilitators"), "takeaways": _("Takeaways"),
        "action_items": _("Action items"), "testimonies": _("Testimonies"),
    }


def update_forum(
    db: Database, forum_id: int, data: ForumData, expected: Expected | None = None
) -> ForumView:
    """Save a forum session; its lists become the ones in ``data`` (see the module notes).

    The session with its takeaways, action items and testimonies is one record for the
    version rule (:mod:`.versions`, ``expected``): each save adds one to the session's
    version, and so does ticking an action item done.
    """
    with db.write() as s:
        forum = get_or_fail(s, ForumSession, forum_id, _("forum session"))
        data = reconcile(data, version=forum.version, current=forum_data(_view(s, forum)),
                         expected=expected, what=_("forum session"), labels=field_labels())
        values = _validated(s, forum.chapter_id, data)
        _apply(s, forum, values)
        forum.updated_at = utcnow()  # a change of its lists alone is a new version too
        s.flush()
        return _view(s, forum)


def get_forum(db: Database, forum_id: int) -> ForumView:
    with db.read() as s:
        return _view(s, get_or_fail(s, ForumSession, forum_id, _("forum session")))


def forum_data(view: ForumView) -> ForumData:
    """The editable fields of ``view`` (children with their ids), for :func:`update_forum`."""
    return ForumData(
        **{key: getattr(view, key) for key in _SCALARS},
        facilitator_ids=[f.person_id for f in view.facilitators],
        takeaways=list(view.takeaways),
        action_items=[
            ActionItemData(a.description, a.owner_id, a.due_on, a.done, a.id)
            for a in view.action_items
        ],
        testimonies=[
            TestimonyData(t.text, t.person_id, t.consent_to_publish, t.consent_version, t.id)
            for t in view.testimonies
        ],
    )


def delete_forum(db: Database, forum_id: int) -> None:
    """Delete a forum session with its takeaways, action items and testimonies."""
    with db.write() as s:
        forum = get_or_fail(s, ForumSession, forum_id, _("forum session"))
        audit(s, AuditAction.DELETE, "forum session deleted", chapter_id=forum.chapter_id,
              entity="forum_session", entity_uuid=forum.uuid)
        s.delete(forum)


def _names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Person.id,
            Person.given_names,
            Person.family_names,
            Person.preferred_name,
            Person.family_name_first,
        ).where(Person.id.in_(wanted))
    )
    return {r.id: name_of(r) for r in rows}


def _item_view(item: ActionItem, names: dict[int, str]) -> ActionItemView:
    return ActionItemView(
        id=item.id,
        uuid=item.uuid,
        forum_id=item.forum_id,
        description=item.description,
        owner_id=item.owner_id,
        owner_name=names.get(item.owner_id) if item.owner_id is not None else None,
        due_on=item.due_on,
        done=item.done,
        done_at=item.done_at,
    )


def _view(session: Session, forum: ForumSession) -> ForumView:
    names = _names(
        session,
        [f.person_id for f in forum.facilitators]
        + [a.owner_id for a in forum.action_items]
        + [t.person_id for t in forum.testimonies],
    )
    event_title = (
        session.scalar(select(Event.title).where(Event.id == forum.event_id))
        if forum.event_id is not None
        else None
    )
    return ForumView(
        id=forum.id,
        uuid=forum.uuid,
        chapter_id=forum.chapter_id,
        topic=forum.topic,
        held_on=forum.held_on,
        event_id=forum.event_id,
        event_title=event_title,
        format=forum.format,
        participants_total=forum.participants_total,
        participants_women=forum.participants_women,
        participants_men=forum.participants_men,
        participants_other=forum.participants_other,
        summary=forum.summary,
        version=forum.version,
        created_at=forum.created_at,
        updated_at=forum.updated_at,
        facilitators=sorted(
            (FacilitatorView(f.person_id, names.get(f.person_id, "")) for f in forum.facilitators),
            key=lambda f: (f.display_name.casefold(), f.person_id),
        ),
        takeaways=[t.text for t in sorted(forum.takeaways, key=lambda t: (t.position, t.id))],
        action_items=[
            _item_view(a, names)
            for a in sorted(forum.action_items, key=lambda a: (a.done, a.due_on or dt.date.max, a.id))
        ],
        testimonies=[
            TestimonyView(
                id=t.id,
                uuid=t.uuid,
                forum_id=t.forum_id,
                text=t.text,
                person_id=t.person_id,
                person_name=names.get(t.person_id) if t.person_id is not None else None,
                consent_to_publish=t.consent_to_publish,
                consent_version=t.consent_version,
            )
            for t in sorted(forum.testimonies, key=lambda t: t.id)
        ],
    )


# --------------------------------------------------------------------------- lists


def list_forums(
    db: Database,
    chapter_id: int,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    event_id: int | None = None,
    descending: bool = True,
) -> list[ForumRow]:
    """Forum sessions of a chapter (newest first unless ``descending`` is False), with
    counts of takeaways, open action items and testimonies computed in SQL, the
    participant counts and the linked event's title.

    ``start`` and ``end`` (both included) bound the date a session was held on.
    """
    with db.read() as s:
        get_or_fail(s, Chapter, chapter_id, _("chapter"))
        takeaways = (
            select(func.count(ForumTakeaway.id))
            .where(ForumTakeaway.forum_id == ForumSession.id)
            .correlate(ForumSession)
            .scalar_subquery()
            .label("takeaway_count")
        )
        open_items = (
            select(func.count(ActionItem.id))
            .where(ActionItem.forum_id == ForumSession.id, ActionItem.done.is_(False))
            .correlate(ForumSession)
            .scalar_subquery()
            .label("open_action_count")
        )
        testimonies = (
            select(func.count(Testimony.id))
            .where(Testimony.forum_id == ForumSession.id)
            .correlate(ForumSession)
            .scalar_subquery()
            .label("testimony_count")
        )
        stmt = select(
            ForumSession.id,
            ForumSession.topic,
            ForumSession.held_on,
            ForumSession.format,
            ForumSession.event_id,
            ForumSession.participants_total,
            takeaways,
            open_items,
            testimonies,
            ForumSession.participants_women,
            ForumSession.participants_men,
            ForumSession.participants_other,
            Event.title.label("event_title"),
        ).outerjoin(Event, Event.id == ForumSession.event_id).where(
            ForumSession.chapter_id == chapter_id
        )
        if start is not None:
            stmt = stmt.where(ForumSession.held_on >= start)
        if end is not None:
            stmt = stmt.where(ForumSession.held_on <= end)
        if event_id is not None:
            stmt = stmt.where(ForumSession.event_id == event_id)
        if descending:
            stmt = stmt.order_by(ForumSession.held_on.desc(), ForumSession.id.desc())
        else:
            stmt = stmt.order_by(ForumSession.held_on, ForumSession.id)
        return [ForumRow(**r._asdict()) for r in s.execute(stmt)]


def set_action_item_done(db: Database, item_id: int, done: bool = True) -> ActionItemView:
    """Mark an action item done (recording when) or not done again."""
    with db.write() as s:
        item = get_or_fail(s, ActionItem, item_id, _("action item"))
        _set_done(item, bool(done))
        if s.is_modified(item) and (forum := s.get(ForumSession, item.forum_id)) is not None:
            forum.updated_at = utcnow()  # the forum's form holds the item: a new version
        s.flush()
        return _item_view(item, _names(s, [item.owner_id]))


def open_action_items(
    db: Database, chapter_id: int, today: dt.date | None = None
) -> list[OpenActionItem]:
    """Action items not done yet across the chapter's forums: overdue first, then by due date
    (undated last)."""
    today = today or dt.date.today()
    owner = aliased(Person)
    overdue = case((ActionItem.due_on < today, 1), else_=0)
    stmt = (
        select(
            ActionItem.id,
            ActionItem.forum_id,
            ForumSession.topic,
            ForumSession.held_on,
            ActionItem.description,
            ActionItem.owner_id,
            ActionItem.due_on,
            overdue.label("overdue"),
            owner.given_names,
            owner.family_names,
            owner.preferred_name,
            owner.family_name_first,
        )
        .join(ForumSession, ForumSession.id == ActionItem.forum_id)
        .outerjoin(owner, owner.id == ActionItem.owner_id)
        .where(ForumSession.chapter_id == chapter_id, ActionItem.done.is_(False))
        .order_by(
            overdue.desc(),
            ActionItem.due_on.is_(None),
            ActionItem.due_on,
            ForumSession.held_on,
            ActionItem.id,
        )
    )
    with db.read() as s:
        get_or_fail(s, Chapter, chapter_id, _("chapter"))
        return [
            OpenActionItem(
                id=r.id,
                forum_id=r.forum_id,
                forum_topic=r.topic,
                held_on=r.held_on,
                description=r.description,
                owner_id=r.owner_id,
                owner_name=name_of(r) if r.owner_id is not None else None,
                due_on=r.due_on,
                overdue=bool(r.overdue),
            )
            for r in s.execute(stmt)
        ]


def publishable_testimonies(db: Database, chapter_id: int) -> list[PublishableTestimony]:
    """Testimonies whose teller agreed to publication, newest forum first.

    Anonymous testimonies come without a name, and so do those of people who asked that
    their identity not be disclosed.
    """
    teller = aliased(Person)
    stmt = (
        select(
            Testimony.id,
            Testimony.forum_id,
            ForumSession.topic,
            ForumSession.held_on,
            Testimony.text,
            Testimony.person_id,
            Testimony.consent_version,
            teller.given_names,
            teller.family_names,
            teller.preferred_name,
            teller.family_name_first,
            teller.do_not_disclose,
        )
        .join(ForumSession, ForumSession.id == Testimony.forum_id)
        .outerjoin(teller, teller.id == Testimony.person_id)
        .where(ForumSession.chapter_id == chapter_id, Testimony.consent_to_publish.is_(True))
        .order_by(ForumSession.held_on.desc(), Testimony.forum_id.desc(), Testimony.id)
    )
    with db.read() as s:
        get_or_fail(s, Chapter, chapter_id, _("chapter"))
        return [
            PublishableTestimony(
                id=r.id,
                forum_id=r.forum_id,
                forum_topic=r.topic,
                held_on=r.held_on,
                text=r.text,
                name=name_of(r) if r.person_id is not None and not r.do_not_disclose else None,
                consent_version=r.consent_version,
            )
            for r in s.execute(stmt)
        ]


def get_action_item(db: Database, item_id: int) -> ActionItemView:
    with db.read() as s:
        item = get_or_fail(s, ActionItem, item_id, _("action item"))
        return _item_view(item, _names(s, [item.owner_id]))


__all__ = [
    "TESTIMONY_CONSENT_VERSION",
    "ActionItemData",
    "ActionItemView",
    "FacilitatorView",
    "ForumData",
    "ForumRow",
    "ForumView",
    "OpenActionItem",
    "PublishableTestimony",
    "TestimonyData",
    "TestimonyView",
    "create_forum",
    "delete_forum",
    "forum_data",
    "get_action_item",
    "get_forum",
    "list_forums",
    "open_action_items",
    "publishable_testimonies",
    "set_action_item_done",
    "update_forum",
]
