"""What the impact report says, gathered in SQL through the services.

The all-time figures are :func:`services.stats.chapter_stats` itself (so the report and
``stats --json`` never disagree); the period's come from :func:`services.stats.period_counts`
with the same definitions.  Everything else is a handful of grouped queries: nothing
here loops over pledges or people in Python.

Advisor mode leaves out the personal fields ``privacy.ADVISOR_HIDDEN`` names (contact
details, identifiers, sensitive fields) and everyone flagged "do not disclose".
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from .. import jobs
from ..i18n import _
from ..models import (
    Affiliation,
    GoalMetric,
    Person,
    Pledge,
)
from ..privacy import ADVISOR_HIDDEN, personal_columns
from ..services.chapters import current_term
from ..services.dashboard import pledge_goal_on
from ..storage import Database
from ..text import clean, fold
from ..validation import ValidationError

#: Groups of fewer people than this are folded into "other or not said".
MIN_GROUP = 5
TOP_EVENTS = 12
#: Up to this many events, attendance is charted per event; above it, per month.
EVENTS_CHARTED_ONE_BY_ONE = 40
#: At most this many points on the cumulative pledge chart (longer periods go by week).
MAX_DAILY_POINTS = 400

Progress = Callable[[float | None, str], None]


class Cancelled(jobs.Cancelled):
    """The report was cancelled; no file was written."""

    def __init__(self) -> None:
        super().__init__(_("The report was cancelled; nothing was saved."))


@dataclass(frozen=True)
class ReportOptions:
    chapter_id: int | None = None
    start: dt.date | None = None  # None: see default_period
    end: dt.date | None = None
    advisor: bool = False
    today: dt.date | None = None  # the day the report is made (the chapter's today)


@dataclass(frozen=True)
class Figure:
    period: int
    all_time: int


@dataclass(frozen=True)
class GoalLine:
    title: str
    target: int
    current: int
    percent: float
    reached: bool
    projected: dt.date | None
    starts_on: dt.date
    ends_on: dt.date
    points: list[tuple[dt.date, int]]  # cumulative pledges towards it, by day or week


@dataclass(frozen=True)
class EventLine:
    id: int
    day: dt.date
    title: str
    kind: str
    focus: str
    status: str
    attendance: int
    at_door: int  # counted at the door beyond the named check-ins
    pledges: int


@dataclass(frozen=True)
class ForumBlock:
    topic: str
    held_on: dt.date
    format: str
    participants: int | None
    summary: str
    takeaways: list[str]
    actions: list[tuple[str, str, dt.date | None, str]]  # description, owner, due, state


@dataclass(frozen=True)
class Story:
    text: str
    by: str  # a name, or "Anonymous"
    where: str  # the forum or event it comes from
    day: dt.date


@dataclass(frozen=True)
class Officer:
    title: str
    name: str
    email: str  # "" in advisor mode
    starts_on: dt.date
    ends_on: dt.date | None


@dataclass
class ReportData:
    chapter_id: int
    chapter_name: str
    university: str
    campus: str
    city: str
    country: str
    advisor_name: str
    advisor_email: str
    timezone: str
    start: dt.date
    end: dt.date
    today: dt.date
    generated_at: dt.datetime
    advisor_mode: bool
    stats: dict[str, Any]  # chapter_stats(db, chapter_id): what `stats --json` prints
    figures: dict[str, Figure]
    active_members: int
    goal: GoalLine | None
    pledge_points: list[tuple[dt.date, int]]  # cumulative pledges in the period (no goal)
    by_week: bool
    events: list[EventLine]
    attendance_by_month: list[tuple[str, int]]  # when there are too many events to chart
    by_affiliation: list[tuple[str, int]]
    by_gender: list[tuple[str, int]]
    gender_hidden: int  # people in "other or not said" when that group itself is too small
    gender_given: int  # pledgers of the period who described their gender
    forums: list[ForumBlock]
    stories: list[Story]
    officers: list[Officer]
    warnings: list[str] = field(default_factory=list)



def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.UTC


def default_period(db: Database, chapter_id: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The academic term that contains ``today`` (from its start to today), else the
    last twelve months."""
    term = current_term(db, chapter_id, today)
    if term is not None:
        return term.starts_on, today
    return today - dt.timedelta(days=364), today


def check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationError({"end": _("The period cannot end before it starts.")})


def _cumulative(db: Database, chapter_id: int, first: dt.date, last: dt.date) -> tuple[list[tuple[dt.date, int]], bool]:
    """Cumulative pledges from ``first`` to ``last``: per day, or per week past
    :data:`MAX_DAILY_POINTS` days."""
    from ..services.dashboard import pledges_by_day

    if last < first:
        return [], False
    days = pledges_by_day(db, chapter_id, first, last)
    by_week = len(days) > MAX_DAILY_POINTS
    points: list[tuple[dt.date, int]] = []
    total = 0
    for k, day in enumerate(days):
        total += day.count
        if not by_week or k % 7 == 6 or k == len(days) - 1:
            points.append((day.day, total))
    return points, by_week


def fold_small_groups(counts: dict[str, int], other_label: str) -> tuple[list[tuple[str, int]], int]:
    """Groups of at least :data:`MIN_GROUP`, largest first, with every smaller group (and
    ``other_label``'s own count) folded into ``other_label``.  When that folded group is
    itself smaller than :data:`MIN_GROUP` it is not shown either: its size is returned
    separately, to be mentioned only as "fewer than 5"."""
    shown = [(k, v) for k, v in counts.items() if v >= MIN_GROUP and k != other_label]
    other = sum(v for k, v in counts.items() if v < MIN_GROUP or k == other_label)
    shown.sort(key=lambda kv: (-kv[1], kv[0]))
    if other >= MIN_GROUP:
        shown.append((other_label, other))
        return shown, 0
    return shown, other


def gather(db: Database, options: ReportOptions, progress: Progress | None = None,
           cancel: threading.Event | None = None) -> ReportData:
    """Every number, row and text of the report (see the module notes)."""
    from ..models import GENDER_PREFER_NOT_TO_SAY
    from ..services.common import resolve_chapter
    from ..services.events import list_events
    from ..services.forums import get_forum, list_forums, publishable_testimonies
    from ..services.goals import goal_progress
    from ..services.members import list_officer_terms
    from ..services.stats import PERIOD_KEYS, chapter_stats, covers_every_record, period_counts

    def step(fraction: float, message: str) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        if progress is not None:
            progress(fraction, message)

    step(0.0, _("Reading the chapter…"))
    with db.read() as s:
        chapter = resolve_chapter(s, options.chapter_id)
        info = {c: getattr(chapter, c) for c in (
            "id", "name", "university", "campus", "city", "country", "timezone",
            "advisor_name", "advisor_email")}
    zone = _zone(info["timezone"])
    chapter_id = info["id"]
    now = dt.datetime.now(dt.UTC)
    today = options.today or now.astimezone(zone).date()
    start, end = options.start, options.end
    if start is None or end is None:
        default_start, default_end = default_period(db, chapter_id, min(end or today, today))
        start = start or (default_start if end is None or default_start <= end else end)
        end = end or max(default_end, start)
    check_period(start, end)
    hidden = ADVISOR_HIDDEN if options.advisor else frozenset()
    people_cols = personal_columns().get("people", {})
    show_contact = people_cols.get("email") not in hidden
    chapter_cols = personal_columns().get("chapters", {})

    step(0.05, _("Counting…"))
    stats = chapter_stats(db, chapter_id, today=today)
    if covers_every_record(db, chapter_id, start, end):
        period = {key: int(stats[name]) for key, name in PERIOD_KEYS.items()}
    else:
        period = period_counts(db, chapter_id, start, end)
    figures = {
        "pledges": Figure(period["pledges"], stats["pledges"]),
        "new_members": Figure(period["new_members"], stats["members"]),
        "events_held": Figure(period["events_held"], stats["events_held"]),
        "attendance": Figure(period["attendance"], stats["attendance"]),
        "headcount": Figure(period["headcount"], stats["headcount"]),
        "forums": Figure(period["forums"], stats["forums"]),
    }

    step(0.2, _("Following the pledge goal…"))
    with db.read() as s:
        goal_row = pledge_goal_on(s, chapter_id, end)  # the goal running on the period's last day
    goal: GoalLine | None = None
    pledge_points: list[tuple[dt.date, int]] = []
    by_week = False
    if goal_row is not None:
        progress_now = goal_progress(db, goal_row.id, today=today)
        points, by_week = _cumulative(db, chapter_id, goal_row.starts_on, min(goal_row.ends_on, today))
        goal = GoalLine(
            title=goal_row.label or GoalMetric.PLEDGES.label,
            target=progress_now.target, current=progress_now.current, percent=progress_now.percent,
            reached=progress_now.reached, projected=progress_now.projected_date,
            starts_on=goal_row.starts_on, ends_on=goal_row.ends_on, points=points,
        )
    else:
        pledge_points, by_week = _cumulative(db, chapter_id, start, min(end, today))

    step(0.35, _("Reading the events…"))
    rows = list_events(db, chapter_id, start=start, end=end, order="date")
    events = [
        EventLine(
            id=r.id, day=r.local_starts_at.date(), title=r.title, kind=r.kind.label,
            focus=r.focus_area.label if r.focus_area else "", status=r.status.label,
            attendance=r.attendance_count,
            at_door=max(0, (r.headcount or 0) - r.attendance_count), pledges=r.pledge_count,
        )
        for r in rows
    ]
    by_month: Counter[str] = Counter()
    if len(events) > EVENTS_CHARTED_ONE_BY_ONE:
        for e in events:
            by_month[e.day.strftime("%Y-%m")] += e.attendance + e.at_door

    step(0.5, _("Counting pledges by affiliation and gender…"))
    from ..services.events import local_day_bounds

    first, after = local_day_bounds(start, end, info["timezone"] if zone is not dt.UTC else "UTC")
    by_kind, typed = _pledgers_by_affiliation_and_gender(db, chapter_id, first, after, period["pledges"],
                                                         stats["pledges"])
    affiliation: Counter[str] = Counter({kind.label: n for kind, n in by_kind.items()})
    genders: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = {}
    other = _("Other or not said")
    not_said = fold(GENDER_PREFER_NOT_TO_SAY)
    for gender, n in typed:
        text = clean(gender)
        if not text:
            continue
        # "Mujer", "mujer" and "MUJER " are one group ("woman" another: no translating)
        key = fold(text)
        if key == not_said:
            genders[other] += n
            continue
        genders[key] += n
        spelled.setdefault(key, Counter())[text] += n
    gender_given = sum(genders.values())
    folded, gender_hidden = fold_small_groups(dict(genders), other)
    # each group is named as most of its people typed it (ties: the first in order)
    by_gender = [(min(spelled[k].items(), key=lambda kv: (-kv[1], kv[0]))[0] if k in spelled else k, v)
                 for k, v in folded]
    by_affiliation = sorted(affiliation.items(), key=lambda kv: (-kv[1], kv[0]))

    step(0.6, _("Reading the forums…"))
    forum_rows = list_forums(db, chapter_id, start=start, end=end, descending=False)
    forums: list[ForumBlock] = []
    owners: set[int] = set()
    views = []
    for row in forum_rows:
        step(0.6, _("Reading the forums…"))
        view = get_forum(db, row.id)
        views.append(view)
        owners.update(i.owner_id for i in view.action_items if i.owner_id is not None)
    undisclosed = _undisclosed(db, owners) if options.advisor else set()
    for view in views:
        actions = []
        for item in view.action_items:
            owner = item.owner_name or ""
            if item.owner_id in undisclosed:
                owner = _("(not disclosed)")
            if item.done:
                state = _("Done")
            elif item.due_on is not None and item.due_on < today:
                state = _("Overdue")
            else:
                state = _("Open")
            actions.append((item.description, owner, item.due_on, state))
        forums.append(ForumBlock(
            topic=view.topic, held_on=view.held_on, format=view.format.label,
            participants=view.participants_total, summary=view.summary,
            takeaways=list(view.takeaways), actions=actions,
        ))

    step(0.7, _("Reading testimonies and officers…"))
    stories = [
        Story(text=t.text, by=t.name or _("Anonymous"), where=t.forum_topic, day=t.held_on)
        for t in publishable_testimonies(db, chapter_id)
        if start <= t.held_on <= end
    ]
    stories.sort(key=lambda st: st.day)
    terms = [t for t in list_officer_terms(db, chapter_id)
             if t.starts_on <= end and (t.ends_on is None or t.ends_on >= start)]
    contacts = _people_facts(db, {t.person_id for t in terms})
    officers = []
    for t in terms:
        email, secret = contacts.get(t.person_id, ("", False))
        if options.advisor and secret:
            continue
        officers.append(Officer(title=t.title, name=t.display_name,
                                email=(email or "") if show_contact else "",
                                starts_on=t.starts_on, ends_on=t.ends_on))

    advisor_email = info["advisor_email"] if chapter_cols.get("advisor_email") not in hidden else ""
    return ReportData(
        chapter_id=chapter_id, chapter_name=info["name"], university=info["university"],
        campus=info["campus"], city=info["city"], country=info["country"],
        advisor_name=info["advisor_name"], advisor_email=advisor_email,
        timezone=info["timezone"], start=start, end=end, today=today,
        generated_at=now.astimezone(zone), advisor_mode=options.advisor, stats=stats,
        figures=figures,
        active_members=int(stats.get("members_by_status", {}).get("active", 0)),
        goal=goal, pledge_points=pledge_points, by_week=by_week, events=events,
        attendance_by_month=_every_month(by_month), by_affiliation=by_affiliation,
        by_gender=by_gender, gender_hidden=gender_hidden, gender_given=gender_given,
        forums=forums, stories=stories, officers=officers,
    )


def _every_month(counts: Counter[str]) -> list[tuple[str, int]]:
    """("YYYY-MM", count) for every month from the first to the last of ``counts``, months
    with nothing included (a chart over time must not skip them)."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:])
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append((key, counts.get(key, 0)))
        if key >= last:
            return out
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _pledgers_by_affiliation_and_gender(
        db: Database, chapter_id: int, first: dt.datetime, after: dt.datetime, in_period: int, in_all: int,
) -> tuple[dict[Affiliation, int], list[tuple[str, int]]]:
    """Pledges signed from ``first`` to before ``after`` by the pledger's affiliation, and
    by their gender as typed (people who gave one), counted in SQL.

    Affiliations are few and fixed, so they are counted side by side in one pass with no
    GROUP BY (sorting a million rows to group them costs SQLite about 1 s here); only
    the pledgers who described their gender are grouped.  ``in_period`` and ``in_all``
    (the chapter's pledges in the period and in all) choose how rows are found: all of
    them need no date condition (one pass down the chapter's (chapter, person) index,
    people read in id order); for a large share the date is tested in that same pass; a
    small share is found by signing date, each person then looked up at random."""
    if in_period == 0:
        return {}, []
    in_range = (Pledge.signed_at >= first) & (Pledge.signed_at < after)
    if in_period >= in_all:
        where, counted = (), None
    elif in_period * 4 >= in_all:
        where, counted = (), in_range
    else:
        where, counted = (in_range,), None

    def count(condition: Any) -> Any:
        if counted is not None:
            condition = counted if condition is None else condition & counted
        return func.count() if condition is None else func.count(case((condition, 1)))

    def pledgers(*columns: Any) -> Any:
        return (select(*columns).select_from(Pledge).join(Person, Person.id == Pledge.person_id)
                .where(Pledge.chapter_id == chapter_id, *where))

    kinds = list(Affiliation)
    with db.read() as s:
        row = s.execute(pledgers(*(count(Person.affiliation == kind) for kind in kinds))).one()
        genders = s.execute(pledgers(Person.gender, count(None))
                            .where(Person.gender.is_not(None)).group_by(Person.gender)).all()
    return ({kind: int(n) for kind, n in zip(kinds, row, strict=True) if n},
            [(g, int(n)) for g, n in genders if n])


def _undisclosed(db: Database, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    with db.read() as s:
        return set(s.scalars(select(Person.id).where(Person.id.in_(ids), Person.do_not_disclose.is_(True))))


def _people_facts(db: Database, ids: set[int]) -> dict[int, tuple[str | None, bool]]:
    """{person id: (email, do not disclose)} for a few people."""
    if not ids:
        return {}
    with db.read() as s:
        return {r.id: (r.email, bool(r.do_not_disclose)) for r in s.execute(
            select(Person.id, Person.email, Person.do_not_disclose).where(Person.id.in_(ids)))}
