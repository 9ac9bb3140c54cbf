"""The numbers on the desktop app's first screen, gathered in one call.

:func:`dashboard_data` runs on a worker thread when the app starts, so it reads only
what the screen shows and counts in SQL:

* the pledge goal in progress (the one whose period contains today, the one ending
  first if several do; otherwise the one that ended last; otherwise the next one to
  start) and its progress (``services.goals.goal_progress``);
* pledges per chapter-local day over that goal's period up to today (the last
  :data:`DAYS_WITHOUT_GOAL` days without a goal), every day included: an index range
  count per day (one statement compiled once, run on the driver) between the UTC
  instants of local midnights, so a day of a daylight-saving change is 23 or 25 hours;
* the next planned events, open action items, members per status and recent activity
  (the audit log in short translated sentences, and how many pledges came in on each
  of the last days).

Nothing personal goes into the activity sentences; events are named by their titles,
which the organiser sees anyway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..i18n import N_, _
from ..models import (
    AuditAction,
    Chapter,
    EventStatus,
    Goal,
    GoalMetric,
    Membership,
    MembershipStatus,
    Pledge,
)
from ..storage import Database
from ..storage.bulk import RowEncoder
from ..storage.prepared import Prepared
from .audit import AuditView, list_audit
from .common import get_or_fail
from .events import EventRow, list_events
from .forums import OpenActionItem, open_action_items
from .goals import GoalProgress, goal_progress

#: Days of pledges shown when the chapter has no pledge goal.
DAYS_WITHOUT_GOAL = 120
UPCOMING_EVENTS = 6
OPEN_ACTION_ITEMS = 8
RECENT_ACTIVITY = 10
#: The last days whose pledge counts appear among the recent activity.
PLEDGE_ACTIVITY_DAYS = 7
# Audit entries read to find the recent activity (batches collapse into one sentence).
_AUDIT_READ = 200


@dataclass(frozen=True)
class DayCount:
    day: dt.date  # a day in the chapter's time zone
    count: int


@dataclass(frozen=True)
class ActivityItem:
    when: dt.datetime  # aware, UTC
    text: str  # a short sentence in the user's language


@dataclass(frozen=True)
class DashboardData:
    chapter_id: int
    chapter_name: str
    university: str
    timezone: str
    goal: GoalProgress | None
    goal_title: str  # "" without a goal
    pledges_total: int
    pledges_by_day: list[DayCount]
    upcoming_events: list[EventRow]
    open_action_items: list[OpenActionItem]
    members_by_status: dict[MembershipStatus, int]
    members_total: int
    recent_activity: list[ActivityItem]


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.UTC


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone).astimezone(dt.UTC)


# --------------------------------------------------------------------------- pledges


def pledge_goal_on(session: Session, chapter_id: int, today: dt.date) -> Any | None:
    """The pledge goal followed on ``today``, as a row (id, label, starts_on, ends_on): the
    one running that day (ending first), else the one that ended last before it, else the
    next to start.  The dashboard and the impact report (for its period's last day) both
    follow this one."""
    goals = session.execute(
        select(Goal.id, Goal.label, Goal.starts_on, Goal.ends_on).where(
            Goal.chapter_id == chapter_id, Goal.metric == GoalMetric.PLEDGES
        )
    ).all()
    running = [g for g in goals if g.starts_on <= today <= g.ends_on]
    if running:
        return min(running, key=lambda g: (g.ends_on, g.starts_on, g.id))
    ended = [g for g in goals if g.ends_on < today]
    if ended:
        return max(ended, key=lambda g: (g.ends_on, g.starts_on, g.id))
    return min(goals, key=lambda g: (g.starts_on, g.ends_on, g.id), default=None)


_pledges = cast(Table, Pledge.__table__)
_IN_DAY = (
    _pledges.c.chapter_id == bindparam("chapter"),
    _pledges.c.signed_at >= bindparam("start"),
    _pledges.c.signed_at < bindparam("end"),
)
# Run once per day straight on the driver: compiled once, no per-day SQLAlchemy work.
_DAY_COUNT = Prepared(select(func.count()).select_from(_pledges).where(*_IN_DAY))
_DAY_COUNT_AND_LAST = Prepared(select(func.count(), func.max(_pledges.c.signed_at)).where(*_IN_DAY))


def _day_bounds(conn: Connection, days: list[dt.date], zone: dt.tzinfo) -> list[Any]:
    """The encoded UTC instants of the local midnights starting each day, and the end."""
    encode = RowEncoder(conn.dialect, _pledges, ("signed_at",)).datetime
    instants = [_midnight(d, zone) for d in days]
    instants.append(_midnight(days[-1] + dt.timedelta(days=1), zone))
    return [encode(i) for i in instants]


def _counts_by_day(
    conn: Connection, chapter_id: int, first: dt.date, last: dt.date, zone: dt.tzinfo
) -> list[DayCount]:
    """Pledges signed on each chapter-local day from ``first`` to ``last``, zeros included.

    Each day is a range count on the ``(chapter_id, signed_at)`` index.
    """
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    if not days:
        return []
    bounds = _day_bounds(conn, days, zone)
    return [
        DayCount(day, int(_DAY_COUNT.run(conn, chapter=chapter_id, start=bounds[k],
                                         end=bounds[k + 1]).scalar() or 0))
        for k, day in enumerate(days)
    ]


def pledges_by_day(db: Database, chapter_id: int, first: dt.date, last: dt.date) -> list[DayCount]:
    """Pledges signed on each chapter-local day from ``first`` to ``last``, zeros included
    (one index range count per day, as the dashboard's chart)."""
    with db.read() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        return _counts_by_day(s.connection(), chapter_id, first, last, _zone(chapter.timezone))


def _recent_pledge_days(
    conn: Connection, chapter_id: int, today: dt.date, zone: dt.tzinfo
) -> list[ActivityItem]:
    """One item per recent day with pledges, at the time of that day's last pledge."""
    days = [today - dt.timedelta(days=k) for k in range(PLEDGE_ACTIVITY_DAYS - 1, -1, -1)]
    bounds = _day_bounds(conn, days, zone)
    items = []
    for k in range(len(days)):
        row = _DAY_COUNT_AND_LAST.run(conn, chapter=chapter_id, start=bounds[k], end=bounds[k + 1]).one()
        count, last = list(row)
        if count:
            text = _("1 pledge signed.") if count == 1 else _("{n} pledges signed.").format(n=count)
            items.append(ActivityItem(_utc(last), text))
    return items


def _utc(value: Any) -> dt.datetime:
    # Straight from the driver: the stored text on SQLite.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _pledge_total(session: Session, chapter_id: int) -> int:
    """How many pledges the chapter has.

    When it is the only chapter in the file, every pledge is counted without a
    condition: SQLite then counts the entries of the smallest index page by page
    (about 4 ms for a million) instead of stepping through the chapter's range (45 ms).
    """
    stmt = select(func.count()).select_from(Pledge)
    others = session.scalar(select(Chapter.id).where(Chapter.id != chapter_id).limit(1))
    if others is not None:
        stmt = stmt.where(Pledge.chapter_id == chapter_id)
    return int(session.scalar(stmt) or 0)


# --------------------------------------------------------------------------- activity

# (action, entity): (sentence for one, sentence for several with "{n}")
_SENTENCES: dict[tuple[AuditAction, str], tuple[str, str]] = {
    (AuditAction.DELETE, "person"): (N_("A person was deleted."), N_("{n} people were deleted.")),
    (AuditAction.DELETE, "event"): (N_("An event was deleted."), N_("{n} events were deleted.")),
    (AuditAction.DELETE, "forum_session"): (
        N_("A forum session was deleted."), N_("{n} forum sessions were deleted."),
    ),
    (AuditAction.DELETE, "pledge"): (N_("A pledge was deleted."), N_("{n} pledges were deleted.")),
    (AuditAction.DELETE, "chapter"): (N_("A chapter was deleted."), N_("{n} chapters were deleted.")),
    (AuditAction.RESTORE, "person"): (
        N_("A deleted person was put back."), N_("{n} deleted people were put back."),
    ),
    (AuditAction.RESTORE, "event"): (
        N_("A deleted event was put back."), N_("{n} deleted events were put back."),
    ),
    (AuditAction.RESTORE, "forum_session"): (
        N_("A deleted forum session was put back."), N_("{n} deleted forum sessions were put back."),
    ),
    (AuditAction.RESTORE, "pledge"): (
        N_("A deleted pledge was put back."), N_("{n} deleted pledges were put back."),
    ),
    (AuditAction.CREATE, "chapter"): (N_("The chapter was created."), N_("{n} chapters were created.")),
    (AuditAction.DEMO, "chapter"): (N_("The demo chapter was created."), N_("The demo chapter was created.")),
    (AuditAction.MERGE, "pledge"): (
        N_("A pledge was moved to another person."), N_("{n} pledges were moved to other people."),
    ),
}


def _sentence(entry: AuditView) -> str:
    """A short sentence for an audit entry, in the user's language (never its summary,
    which is English and written for the log)."""
    raw = entry.details.get("count", 1)
    count = raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else 1
    known = _SENTENCES.get((entry.action, entry.entity))
    if known is not None:
        one, several = known
        return _(one) if count == 1 else _(several).format(n=count)
    if entry.action is AuditAction.RESTORE:
        return _("The database was restored from a backup.")
    return _("{action}.").format(action=entry.action.label)


def _audit_activity(db: Database, chapter_id: int) -> list[ActivityItem]:
    """The newest audit entries as sentences; the entries of one batch (a deletion of
    many rows writes one per row) make one sentence."""
    items: list[ActivityItem] = []
    batches: set[object] = set()
    for entry in list_audit(db, chapter_id, limit=_AUDIT_READ):
        batch = entry.details.get("batch")
        if batch is not None:
            if batch in batches:
                continue
            batches.add(batch)
        items.append(ActivityItem(entry.at, _sentence(entry)))
        if len(items) == RECENT_ACTIVITY:
            break
    return items


# --------------------------------------------------------------------------- the call


def dashboard_data(db: Database, chapter_id: int, *, today: dt.date | None = None) -> DashboardData:
    """Everything the dashboard shows for a chapter.

    ``today`` is a day in the chapter's time zone (its current date when None); upcoming
    events are those from now on (from the start of ``today`` when it is given).
    """
    with db.read() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        zone = _zone(chapter.timezone)
        if today is None:
            today = dt.datetime.now(zone).date()
            now = dt.datetime.now(dt.UTC)
        else:
            now = _midnight(today, zone)
        goal_row = pledge_goal_on(s, chapter_id, today)
        if goal_row is not None:
            first, last = goal_row.starts_on, min(goal_row.ends_on, today)
        else:
            first, last = today - dt.timedelta(days=DAYS_WITHOUT_GOAL - 1), today
        conn = s.connection()
        by_day = _counts_by_day(conn, chapter_id, first, last, zone)
        total = _pledge_total(s, chapter_id)
        members = dict.fromkeys(MembershipStatus, 0)
        for status, count in s.execute(
            select(Membership.status, func.count())
            .where(Membership.chapter_id == chapter_id)
            .group_by(Membership.status)
        ):
            members[MembershipStatus(status)] = int(count)
        activity = _recent_pledge_days(conn, chapter_id, today, zone) if total else []
        info = (chapter.name, chapter.university, chapter.timezone)

    goal = goal_progress(db, goal_row.id, today) if goal_row is not None else None
    goal_title = ""
    if goal_row is not None:
        goal_title = goal_row.label or GoalMetric.PLEDGES.label
    upcoming = list_events(
        db, chapter_id, status=EventStatus.PLANNED, start=now, limit=UPCOMING_EVENTS
    )
    actions = open_action_items(db, chapter_id, today)[:OPEN_ACTION_ITEMS]
    activity += _audit_activity(db, chapter_id)
    activity.sort(key=lambda item: item.when, reverse=True)
    return DashboardData(
        chapter_id=chapter_id,
        chapter_name=info[0],
        university=info[1],
        timezone=info[2],
        goal=goal,
        goal_title=goal_title,
        pledges_total=total,
        pledges_by_day=by_day,
        upcoming_events=upcoming,
        open_action_items=actions,
        members_by_status=members,
        members_total=sum(members.values()),
        recent_activity=activity[:RECENT_ACTIVITY],
    )


__all__ = [
    "DAYS_WITHOUT_GOAL",
    "ActivityItem",
    "DashboardData",
    "DayCount",
    "dashboard_data",
    "pledges_by_day",
]
