"""Goals of a chapter ("200 pledges this semester") and how far along they are.

What counts towards each metric (all counted in SQL):

* ``pledges``: pledges signed within the goal's period;
* ``members``: memberships with status *active* now (a stock, not dated by the period);
* ``events``: events marked *held* that started within the period;
* ``attendance``: named check-ins at events that started within the period.

The period runs from the start of ``starts_on`` to the end of ``ends_on`` in the
chapter's time zone.

The projection is linear: the pace is what was achieved per day from the start of the
period up to today (or the period's end, if that has passed), and the projected date is
the day the target is reached if that pace holds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..i18n import _
from ..models import (
    Attendance,
    Chapter,
    Event,
    EventStatus,
    Goal,
    GoalMetric,
    Membership,
    MembershipStatus,
    Pledge,
)
from ..storage import Database
from ..validation import Problems, check_count, check_date_order, check_text, fail
from .common import get_or_fail, to_view
from .events import local_day_bounds
from .versions import Expected, reconcile


@dataclass
class GoalData:
    metric: GoalMetric | str = GoalMetric.PLEDGES
    target: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    label: str = ""


@dataclass(frozen=True)
class GoalView:
    id: int
    uuid: uuid.UUID
    chapter_id: int
    metric: GoalMetric
    target: int
    starts_on: dt.date
    ends_on: dt.date
    label: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1

    @property
    def title(self) -> str:
        """The label, or the metric's name when the goal has none."""
        return self.label or self.metric.label


@dataclass(frozen=True)
class GoalProgress:
    goal_id: int
    metric: GoalMetric
    current: int
    target: int
    percent: float  # may pass 100
    # The day the target is reached at the current pace; once reached, the day it was.
    # None without any progress yet (or before the period starts).
    projected_date: dt.date | None
    reached: bool
    starts_on: dt.date
    ends_on: dt.date

    @property
    def on_track(self) -> bool:
        """Whether the target is (or will be, at this pace) reached by the period's end."""
        return self.projected_date is not None and self.projected_date <= self.ends_on


# --------------------------------------------------------------------------- validation


def _check_date(value: object, field_name: str, label: str) -> dt.date:
    if value is None:
        raise fail(field_name, _("{label} is required.").format(label=label))
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise fail(field_name, _("{label} must be a date.").format(label=label))
    return value


def _validated(data: GoalData) -> dict[str, object]:
    p = Problems()
    out: dict[str, object] = {}
    try:
        out["metric"] = GoalMetric(data.metric)
    except ValueError:
        p.add(
            "metric",
            _("What to count must be one of: {choices}.").format(
                choices=", ".join(m.value for m in GoalMetric)
            ),
        )
    with p.field("target"):
        target = check_count(data.target, "target", _("Target"), required=True)
        if target is not None and target < 1:
            raise fail("target", _("The target must be at least 1."))
        out["target"] = target
    with p.field("starts_on"):
        out["starts_on"] = _check_date(data.starts_on, "starts_on", _("Start date"))
    with p.field("ends_on"):
        out["ends_on"] = _check_date(data.ends_on, "ends_on", _("End date"))
    if "starts_on" not in p.fields and "ends_on" not in p.fields:
        with p.field("ends_on"):
            check_date_order(
                out["starts_on"],  # type: ignore[arg-type]
                out["ends_on"],  # type: ignore[arg-type]
                "ends_on",
                _("A goal cannot end before it starts."),
            )
    with p.field("label"):
        out["label"] = check_text(data.label, "label", _("Label"), table=Goal.__table__)
    p.raise_if_any()
    return out


# --------------------------------------------------------------------------- goals


def create_goal(db: Database, chapter_id: int, data: GoalData) -> GoalView:
    values = _validated(data)
    with db.write() as s:
        get_or_fail(s, Chapter, chapter_id, _("chapter"))
        goal = Goal(chapter_id=chapter_id, **values)
        s.add(goal)
        s.flush()
        return to_view(GoalView, goal)


def field_labels() -> dict[str, str]:
    return {"metric": _("What to count"), "target": _("Target"), "starts_on": _("From"),
            "ends_on": _("Until"), "label": _("Label")}


def update_goal(
    db: Database, goal_id: int, data: GoalData, expected: Expected | None = None
) -> GoalView:
    """Save ``data`` over the goal; ``expected`` applies the version rule (:mod:`.versions`)."""
    values = _validated(data)
    with db.write() as s:
        goal = get_or_fail(s, Goal, goal_id, _("goal"))
        merged = reconcile(data, version=goal.version, current=goal_data(to_view(GoalView, goal)),
                           expected=expected, what=_("goal"), labels=field_labels())
        if merged is not data:
            values = _validated(merged)
        for key, value in values.items():
            setattr(goal, key, value)
        s.flush()
        return to_view(GoalView, goal)


def get_goal(db: Database, goal_id: int) -> GoalView:
    with db.read() as s:
        return to_view(GoalView, get_or_fail(s, Goal, goal_id, _("goal")))


def goal_data(view: GoalView) -> GoalData:
    """The editable fields of ``view``, ready to change and pass to :func:`update_goal`."""
    return GoalData(view.metric, view.target, view.starts_on, view.ends_on, view.label)


def delete_goal(db: Database, goal_id: int) -> None:
    with db.write() as s:
        s.delete(get_or_fail(s, Goal, goal_id, _("goal")))


def list_goals(
    db: Database, chapter_id: int, *, active_on: dt.date | None = None
) -> list[GoalView]:
    """The chapter's goals, ending soonest first; with ``active_on``, those running that day."""
    with db.read() as s:
        get_or_fail(s, Chapter, chapter_id, _("chapter"))
        stmt = select(Goal).where(Goal.chapter_id == chapter_id)
        if active_on is not None:
            stmt = stmt.where(Goal.starts_on <= active_on, Goal.ends_on >= active_on)
        stmt = stmt.order_by(Goal.ends_on, Goal.starts_on, Goal.id)
        return [to_view(GoalView, g) for g in s.scalars(stmt)]


# --------------------------------------------------------------------------- progress


def _dated_rows(goal: Goal, timezone: str) -> tuple[Any, Any]:
    """(the SELECT of what counts, the column giving each row's moment), for dated metrics."""
    first, after = local_day_bounds(goal.starts_on, goal.ends_on, timezone)
    if goal.metric is GoalMetric.PLEDGES:
        moment = Pledge.signed_at
        stmt = select(Pledge.id).where(Pledge.chapter_id == goal.chapter_id)
        order: tuple[Any, ...] = (Pledge.signed_at, Pledge.id)
    elif goal.metric is GoalMetric.EVENTS:
        moment = Event.starts_at
        stmt = select(Event.id).where(
            Event.chapter_id == goal.chapter_id, Event.status == EventStatus.HELD
        )
        order = (Event.starts_at, Event.id)
    else:  # attendance
        moment = Event.starts_at
        stmt = (
            select(Attendance.id)
            .select_from(Attendance)
            .join(Event, Event.id == Attendance.event_id)
            .where(Event.chapter_id == goal.chapter_id)
        )
        order = (Event.starts_at, Attendance.checked_in_at, Attendance.id)
    stmt = stmt.where(moment >= first, moment < after)
    return stmt, (moment, order)


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def _current_and_reached(
    session: Session, goal: Goal, timezone: str, today: dt.date
) -> tuple[int, dt.date | None]:
    """How much counts now, and (when the target is met) the day it was met."""
    if goal.metric is GoalMetric.MEMBERS:
        active = select(Membership.id).where(
            Membership.chapter_id == goal.chapter_id, Membership.status == MembershipStatus.ACTIVE
        )
        current = _count(session, active)
        if current < goal.target:
            return current, None
        joined = session.scalar(
            select(Membership.joined_on)
            .where(
                Membership.chapter_id == goal.chapter_id,
                Membership.status == MembershipStatus.ACTIVE,
            )
            .order_by(Membership.joined_on.is_(None), Membership.joined_on, Membership.id)
            .offset(goal.target - 1)
            .limit(1)
        )
        day = joined or today
        return current, min(max(day, goal.starts_on), max(today, goal.starts_on))
    stmt, (moment, order) = _dated_rows(goal, timezone)
    current = _count(session, stmt)
    if current < goal.target:
        return current, None
    at = session.scalar(
        stmt.with_only_columns(moment).order_by(*order).offset(goal.target - 1).limit(1)
    )
    return current, _local_date(at, timezone)


def _local_date(moment: dt.datetime, timezone: str) -> dt.date:
    return moment.astimezone(_zone(timezone)).date()


def project(
    current: int, target: int, starts_on: dt.date, ends_on: dt.date, today: dt.date
) -> dt.date | None:
    """The day ``target`` is reached if the pace from ``starts_on`` to today holds.

    The pace is ``current`` per elapsed day, counting ``starts_on`` and today (or
    ``ends_on``, once past it).  None when nothing was achieved yet or the period has not
    started.
    """
    last = min(today, ends_on)
    elapsed = (last - starts_on).days + 1
    if current <= 0 or elapsed <= 0:
        return None
    if current >= target:
        return last
    # The first day k (1 = starts_on) with current / elapsed * k >= target.
    days = -(-target * elapsed // current)
    if days - 1 > (dt.date.max - starts_on).days:
        return None
    return starts_on + dt.timedelta(days=days - 1)


def goal_progress(db: Database, goal_id: int, today: dt.date | None = None) -> GoalProgress:
    """Where a goal stands on ``today`` (the computer's date when None)."""
    with db.read() as s:
        goal = get_or_fail(s, Goal, goal_id, _("goal"))
        chapter = get_or_fail(s, Chapter, goal.chapter_id, _("chapter"))
        today = today or dt.datetime.now(_zone(chapter.timezone)).date()
        current, reached_on = _current_and_reached(s, goal, chapter.timezone, today)
        target, starts_on, ends_on = goal.target, goal.starts_on, goal.ends_on
        metric = goal.metric
    reached = current >= target
    projected = reached_on if reached else project(current, target, starts_on, ends_on, today)
    return GoalProgress(
        goal_id=goal_id,
        metric=metric,
        current=current,
        target=target,
        percent=round(current * 100 / target, 1),
        projected_date=projected,
        reached=reached,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.UTC


__all__ = [
    "GoalData",
    "GoalProgress",
    "GoalView",
    "create_goal",
    "delete_goal",
    "get_goal",
    "goal_data",
    "goal_progress",
    "list_goals",
    "project",
    "update_goal",
]


def check_goal(data: GoalData) -> None:
    """Raise ``ValidationError`` if ``data`` cannot be saved (nothing is written)."""
    _validated(data)
