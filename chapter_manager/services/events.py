"""Events of a chapter, who came to them, and the pledges they collected.

Times are aware datetimes, stored in UTC; each event keeps the IANA time zone it happens
in (the chapter's, unless another is given) so it is shown in local time.  The counts
shown with events (named attendance, pledges signed at the event) are computed in SQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import exc, func, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..i18n import _
from ..models import (
    AcademicTerm,
    Attendance,
    AuditAction,
    Chapter,
    Event,
    EventKind,
    EventStatus,
    FocusArea,
    Person,
    Pledge,
    RecordSource,
)
from ..storage import Database
from ..text import clean
from ..types import utcnow
from ..validation import (
    Problems,
    check_aware,
    check_count,
    check_date_order,
    check_text,
    check_timezone,
    fail,
)
from .common import audit, get_or_fail
from .people import name_of
from .versions import Expected, reconcile

MAX_PARTNERS = 50

# --------------------------------------------------------------------------- data


@dataclass
class EventData:
    """What can be typed about an event.  ``title`` and ``starts_at`` are required.

    ``timezone`` left empty means the chapter's time zone.  ``partners`` are cleaned:
    spaces trimmed, empty entries and repeats dropped.
    """

    title: str = ""
    starts_at: dt.datetime | None = None
    kind: EventKind | str = EventKind.TALK
    focus_area: FocusArea | str | None = None
    ends_at: dt.datetime | None = None
    timezone: str = ""
    venue: str = ""
    online_url: str = ""
    description: str = ""
    capacity: int | None = None
    partners: list[str] = field(default_factory=list)
    pledge_goal: int | None = None
    status: EventStatus | str = EventStatus.PLANNED
    headcount: int | None = None


def _local(moment: dt.datetime, timezone: str) -> dt.datetime:
    try:
        return moment.astimezone(ZoneInfo(timezone))
    except (KeyError, ValueError):
        return moment


def _percent(count: int, goal: int | None) -> float | None:
    if not goal:
        return None
    return round(count * 100 / goal, 1)


class _EventTimes:
    """Local times and goal progress, shared by the event's view and its table row."""

    starts_at: dt.datetime
    ends_at: dt.datetime | None
    timezone: str
    pledge_goal: int | None
    pledge_count: int

    @property
    def local_starts_at(self) -> dt.datetime:
        return _local(self.starts_at, self.timezone)

    @property
    def local_ends_at(self) -> dt.datetime | None:
        return _local(self.ends_at, self.timezone) if self.ends_at else None

    @property
    def pledge_percent(self) -> float | None:
        """Pledges collected at the event as a percentage of its goal (None: no goal)."""
        return _percent(self.pledge_count, self.pledge_goal)


@dataclass(frozen=True)
class EventView(_EventTimes):
    id: int
    uuid: uuid.UUID
    chapter_id: int
    title: str
    kind: EventKind
    focus_area: FocusArea | None
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    timezone: str
    venue: str
    online_url: str
    description: str
    capacity: int | None
    partners: list[str]
    pledge_goal: int | None
    status: EventStatus
    headcount: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    attendance_count: int
    pledge_count: int
    version: int = 1


@dataclass(frozen=True)
class EventRow(_EventTimes):
    """One line of an events table."""

    id: int
    title: str
    kind: EventKind
    focus_area: FocusArea | None
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    timezone: str
    venue: str
    status: EventStatus
    capacity: int | None
    headcount: int | None
    pledge_goal: int | None
    attendance_count: int
    pledge_count: int


@dataclass(frozen=True)
class EventProgress:
    """Pledges collected at an event against its pledge goal."""

    event_id: int
    pledges: int
    goal: int | None
    percent: float | None  # None when the event has no goal
    remaining: int | None  # pledges still missing; 0 once reached; None without a goal
    reached: bool


@dataclass(frozen=True)
class AttendanceView:
    id: int
    uuid: uuid.UUID
    event_id: int
    person_id: int
    display_name: str
    checked_in_at: dt.datetime
    source: RecordSource


# --------------------------------------------------------------------------- validation


def _choice(enum_cls: Any, value: Any, field_name: str, label: str, p: Problems) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        p.add(
            field_name,
            _("{label} must be one of: {choices}.").format(
                label=label, choices=", ".join(m.value for m in enum_cls)
            ),
        )
        return None


def check_url(value: str | None, field_name: str = "online_url") -> str:
    """A web address starting with http:// or https://, or "" when empty."""
    url = clean(value)
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in url:
        raise fail(
            field_name,
            _("The online link must be a web address starting with https:// or http://, "
              "like https://meet.example.org/heforshe."),
        )
    limit = Event.__table__.c.online_url.type.length
    if len(url) > limit:
        raise fail(
            field_name,
            _("The online link is too long: at most {limit} characters.").format(limit=limit),
        )
    return url


def _partners(value: Iterable[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    out: list[str] = []
    seen: set[str] = set()
    for entry in value:
        name = check_text(entry, "partners", _("Partner"), limit=200)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    if len(out) > MAX_PARTNERS:
        raise fail(
            "partners", _("An event can list at most {n} partners.").format(n=MAX_PARTNERS)
        )
    return out


def _moment(
    value: object, field_name: str, label: str, *, required: bool = False
) -> dt.datetime | None:
    """An aware datetime (a date alone, or a time without a zone, is refused)."""
    if value is not None and not isinstance(value, dt.datetime):
        raise fail(field_name, _("{label} needs a date and a time.").format(label=label))
    return check_aware(value, field_name, label, required=required)


def _validated(data: EventData, chapter_timezone: str) -> dict[str, object]:
    t = Event.__table__
    p = Problems()
    out: dict[str, object] = {}
    with p.field("title"):
        out["title"] = check_text(data.title, "title", _("Title"), table=t, required=True)
    out["kind"] = _choice(EventKind, data.kind, "kind", _("Kind of event"), p)
    if data.focus_area is None or data.focus_area == "":
        out["focus_area"] = None
    else:
        out["focus_area"] = _choice(FocusArea, data.focus_area, "focus_area", _("Focus area"), p)
    out["status"] = _choice(EventStatus, data.status, "status", _("Status"), p)
    with p.field("starts_at"):
        out["starts_at"] = _moment(data.starts_at, "starts_at", _("Start"), required=True)
    with p.field("ends_at"):
        out["ends_at"] = _moment(data.ends_at, "ends_at", _("End"))
    if out.get("starts_at") and out.get("ends_at"):
        with p.field("ends_at"):
            check_date_order(
                out["starts_at"],  # type: ignore[arg-type]
                out["ends_at"],  # type: ignore[arg-type]
                "ends_at",
                _("An event cannot end before it starts."),
            )
    with p.field("timezone"):
        out["timezone"] = check_timezone(clean(data.timezone) or chapter_timezone)
    with p.field("venue"):
        out["venue"] = check_text(data.venue, "venue", _("Venue"), table=t)
    with p.field("online_url"):
        out["online_url"] = check_url(data.online_url)
    with p.field("description"):
        out["description"] = check_text(
            data.description, "description", _("Description"), limit=20_000, multiline=True
        )
    for name, label in (
        ("capacity", _("Capacity")),
        ("pledge_goal", _("Pledge goal")),
        ("headcount", _("Headcount")),
    ):
        with p.field(name):
            out[name] = check_count(getattr(data, name), name, label)
    with p.field("partners"):
        out["partners"] = _partners(data.partners)
    p.raise_if_any()
    return out


# --------------------------------------------------------------------------- queries


def _attendance_count() -> Any:
    return (
        select(func.count(Attendance.id))
        .where(Attendance.event_id == Event.id)
        .correlate(Event)
        .scalar_subquery()
        .label("attendance_count")
    )


def _pledge_count() -> Any:
    return (
        select(func.count(Pledge.id))
        .where(Pledge.event_id == Event.id)
        .correlate(Event)
        .scalar_subquery()
        .label("pledge_count")
    )


def _load_view(session: Session, event_id: int) -> EventView:
    row = session.execute(
        select(Event, _attendance_count(), _pledge_count()).where(Event.id == event_id)
    ).first()
    if row is None:
        raise NotFound(_("There is no {what} with id {id}.").format(what=_("event"), id=event_id))
    event = row[0]
    values = {f: getattr(event, f) for f in EventView.__dataclass_fields__ if hasattr(event, f)}
    values["partners"] = list(event.partners or [])
    return EventView(**values, attendance_count=row.attendance_count, pledge_count=row.pledge_count)


def local_day_bounds(
    first: dt.date, last: dt.date, timezone: str
) -> tuple[dt.datetime, dt.datetime]:
    """The instants from the start of ``first`` to the end of ``last`` in ``timezone``.

    Returns (start inclusive, end exclusive), aware.
    """
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


# --------------------------------------------------------------------------- events


def create_event(db: Database, chapter_id: int, data: EventData) -> EventView:
    with db.write() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        values = _validated(data, chapter.timezone)
        event = Event(chapter_id=chapter.id, **values)
        s.add(event)
        s.flush()
        return _load_view(s, event.id)


def field_labels() -> dict[str, str]:
    """The event's editable fields as the form names them (for conflicts)."""
    return {
        "title": _("Title"), "starts_at": _("Starts"), "kind": _("Kind"),
        "focus_area": _("Focus area"), "ends_at": _("Ends"), "timezone": _("Time zone"),
        "venue": _("Venue"), "online_url": _("Online link"), "description": _("Description"),
        "capacity": _("Capacity"), "partners": _("Partners"), "pledge_goal": _("Pledge goal"),
        "status": _("Status"), "headcount": _("Headcount"),
    }


def update_event(
    db: Database, event_id: int, data: EventData, expected: Expected | None = None
) -> EventView:
    """Save ``data`` over the event; ``expected`` applies the version rule (:mod:`.versions`)."""
    with db.write() as s:
        event = get_or_fail(s, Event, event_id, _("event"))
        chapter = get_or_fail(s, Chapter, event.chapter_id, _("chapter"))
        data = reconcile(data, version=event.version, current=event_data(_load_view(s, event.id)),
                         expected=expected, what=_("event"), labels=field_labels())
        values = _validated(data, chapter.timezone)
        for key, value in values.items():
            setattr(event, key, value)
        s.flush()
        return _load_view(s, event.id)


def get_event(db: Database, event_id: int) -> EventView:
    with db.read() as s:
        return _load_view(s, event_id)


def event_data(view: EventView) -> EventData:
    """The editable fields of ``view``, ready to change and pass to :func:`update_event`."""
    return EventData(
        **{f: getattr(view, f) for f in EventData.__dataclass_fields__ if f != "partners"},
        partners=list(view.partners),
    )


def delete_event(db: Database, event_id: int) -> None:
    """Delete an event with its attendance.

    Pledges signed at the event are kept (they no longer point at an event), and forum
    sessions held at it stay too.
    """
    with db.write() as s:
        event = get_or_fail(s, Event, event_id, _("event"))
        audit(s, AuditAction.DELETE, "event deleted", chapter_id=event.chapter_id,
              entity="event", entity_uuid=event.uuid)
        s.delete(event)


_ORDERS = ("date", "title", "kind", "status", "attendance", "pledges", "created", "id")


def list_events(
    db: Database,
    chapter_id: int,
    *,
    status: EventStatus | str | None = None,
    start: dt.date | dt.datetime | None = None,
    end: dt.date | dt.datetime | None = None,
    term_id: int | None = None,
    order: str = "date",
    descending: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[EventRow]:
    """Events of a chapter with their attendance and pledge counts, filtered and sorted in SQL.

    ``start`` / ``end`` bound when the event starts: a date means whole local days of the
    chapter's time zone (``end`` included); an aware datetime is an instant (``start``
    included, ``end`` excluded).  ``term_id`` keeps the events starting within that
    academic term's dates.  ``order`` is one of date, title, kind, status, attendance,
    pledges, created or id.
    """
    with db.read() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        attendance = _attendance_count()
        pledges = _pledge_count()
        stmt = select(
            Event.id,
            Event.title,
            Event.kind,
            Event.focus_area,
            Event.starts_at,
            Event.ends_at,
            Event.timezone,
            Event.venue,
            Event.status,
            Event.capacity,
            Event.headcount,
            Event.pledge_goal,
            attendance,
            pledges,
        ).where(Event.chapter_id == chapter_id)
        if status is not None:
            p = Problems()
            wanted = _choice(EventStatus, status, "status", _("Status"), p)
            p.raise_if_any()
            stmt = stmt.where(Event.status == wanted)
        if start is not None:
            stmt = stmt.where(Event.starts_at >= _instant(start, chapter.timezone, "start"))
        if end is not None:
            stmt = stmt.where(Event.starts_at < _instant(end, chapter.timezone, "end"))
        if term_id is not None:
            term = s.get(AcademicTerm, term_id)
            if term is None or term.chapter_id != chapter_id:
                raise NotFound(
                    _("There is no academic term with id {id} in this chapter.").format(id=term_id)
                )
            first, after = local_day_bounds(term.starts_on, term.ends_on, chapter.timezone)
            stmt = stmt.where(Event.starts_at >= first, Event.starts_at < after)
        columns: dict[str, tuple[Any, ...]] = {
            "date": (Event.starts_at, Event.id),
            "title": (func.lower(Event.title), Event.starts_at, Event.id),
            "kind": (Event.kind, Event.starts_at, Event.id),
            "status": (Event.status, Event.starts_at, Event.id),
            "attendance": (attendance, Event.starts_at, Event.id),
            "pledges": (pledges, Event.starts_at, Event.id),
            "created": (Event.created_at, Event.id),
            "id": (Event.id,),
        }
        if order not in columns:
            raise fail(
                "order",
                _("Events can be sorted by: {choices}.").format(choices=", ".join(_ORDERS)),
            )
        stmt = stmt.order_by(*(c.desc() if descending else c for c in columns[order]))
        if limit is not None:
            stmt = stmt.limit(limit).offset(offset)
        return [EventRow(**r._asdict()) for r in s.execute(stmt)]


def _instant(value: dt.date | dt.datetime, timezone: str, which: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise fail(which, _("A time to search from or to needs a time zone."))
        return value
    first, after = local_day_bounds(value, value, timezone)
    return first if which == "start" else after


def set_headcount(db: Database, event_id: int, headcount: int | None) -> EventView:
    """Record how many people were counted at the door (None: not counted)."""
    headcount = check_count(headcount, "headcount", _("Headcount"))
    with db.write() as s:
        event = get_or_fail(s, Event, event_id, _("event"))
        event.headcount = headcount
        s.flush()
        return _load_view(s, event.id)


def event_progress(db: Database, event_id: int) -> EventProgress:
    """How many pledges the event collected, against its pledge goal."""
    with db.read() as s:
        row = s.execute(
            select(Event.pledge_goal, _pledge_count()).where(Event.id == event_id)
        ).first()
        if row is None:
            raise NotFound(
                _("There is no {what} with id {id}.").format(what=_("event"), id=event_id)
            )
    goal, pledges = row.pledge_goal, int(row.pledge_count)
    return EventProgress(
        event_id=event_id,
        pledges=pledges,
        goal=goal,
        percent=_percent(pledges, goal),
        remaining=max(goal - pledges, 0) if goal else None,
        reached=bool(goal) and pledges >= goal,
    )


# --------------------------------------------------------------------------- attendance


def _attendance_view(row: Attendance, person: Person) -> AttendanceView:
    return AttendanceView(
        id=row.id,
        uuid=row.uuid,
        event_id=row.event_id,
        person_id=row.person_id,
        display_name=name_of(person),
        checked_in_at=row.checked_in_at,
        source=row.source,
    )


def _find_attendance(session: Session, event_id: int, person_id: int) -> Attendance | None:
    return session.scalars(
        select(Attendance).where(Attendance.event_id == event_id, Attendance.person_id == person_id)
    ).first()


def check_in(
    db: Database,
    event_id: int,
    person_id: int,
    source: RecordSource | str = RecordSource.MANUAL,
    at: dt.datetime | None = None,
) -> tuple[AttendanceView, bool]:
    """Record that a person came to an event.  Returns (the attendance, whether it is new).

    Checking in someone already checked in changes nothing and returns the existing
    record with ``False``.  The person must belong to the chapter that runs the event.
    """
    p = Problems()
    source = _choice(RecordSource, source, "source", _("Source"), p)
    with p.field("checked_in_at"):
        at = _moment(at, "checked_in_at", _("Check-in time")) or utcnow()
    p.raise_if_any()
    with db.write() as s:
        event = get_or_fail(s, Event, event_id, _("event"))
        person = get_or_fail(s, Person, person_id, _("person"))
        if person.chapter_id != event.chapter_id:
            raise fail(
                "person_id",
                _("{name} is not in the chapter that runs this event, so they cannot be "
                  "checked in to it.").format(name=name_of(person)),
            )
        existing = _find_attendance(s, event.id, person.id)
        if existing is not None:
            return _attendance_view(existing, person), False
        if event.status is EventStatus.CANCELLED:
            raise fail(
                "event_id", _("“{title}” was cancelled; nobody can check in to it.").format(
                    title=event.title
                )
            )
        row = Attendance(event_id=event.id, person_id=person.id, source=source, checked_in_at=at)
        try:
            with s.begin_nested():
                s.add(row)
                s.flush()
        except exc.IntegrityError:
            # Another writer checked the same person in meanwhile (only possible on
            # servers without SQLite's write lock): theirs stands.
            existing = _find_attendance(s, event.id, person.id)
            if existing is None:
                raise
            return _attendance_view(existing, person), False
        return _attendance_view(row, person), True


def remove_attendance(db: Database, event_id: int, person_id: int) -> bool:
    """Undo a check-in.  False when the person was not checked in."""
    with db.write() as s:
        get_or_fail(s, Event, event_id, _("event"))
        row = _find_attendance(s, event_id, person_id)
        if row is None:
            return False
        s.delete(row)
        return True


def list_attendance(db: Database, event_id: int) -> list[AttendanceView]:
    """Who checked in to an event, in the order they arrived."""
    with db.read() as s:
        get_or_fail(s, Event, event_id, _("event"))
        stmt = (
            select(Attendance, Person)
            .join(Person, Person.id == Attendance.person_id)
            .where(Attendance.event_id == event_id)
            .order_by(Attendance.checked_in_at, Attendance.id)
        )
        return [_attendance_view(a, person) for a, person in s.execute(stmt)]


__all__ = [
    "AttendanceView",
    "EventData",
    "EventProgress",
    "EventRow",
    "EventView",
    "check_in",
    "check_url",
    "create_event",
    "delete_event",
    "event_data",
    "event_progress",
    "get_event",
    "list_attendance",
    "list_events",
    "local_day_bounds",
    "remove_attendance",
    "set_headcount",
    "update_event",
]
