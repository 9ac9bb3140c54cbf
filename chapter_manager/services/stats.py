"""The counts of a chapter (or of the whole database), computed in SQL.

Definitions (the same everywhere the numbers appear):

* ``people``: everyone the chapter knows (members, pledgers, facilitators).
* ``members``: people with a membership, whatever its status; ``members_by_status``
  splits them.
* ``events``: events of every status; ``events_held`` those marked held.
* ``forums``: forum sessions.
* ``attendance``: named check-ins at events; ``headcount`` adds, per event, the people
  counted at the door beyond those checked in by name.
* ``pledges``: HeForShe commitments, at most one per person per chapter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..models import (
    Attendance,
    Chapter,
    Event,
    EventStatus,
    ForumSession,
    Membership,
    OfficerTerm,
    Person,
    Pledge,
)
from ..storage import Database
from .people import display_name

TOTAL_KEYS = ("people", "members", "events", "forums", "attendance", "pledges")


def _count(session: Session, column: Any, chapter_column: Any, chapter_id: int | None) -> int:
    stmt = select(func.count(column))
    if chapter_id is not None:
        stmt = stmt.where(chapter_column == chapter_id)
    return int(session.scalar(stmt) or 0)


def _totals(session: Session, chapter_id: int | None) -> dict[str, int]:
    attendance = select(func.count(Attendance.id)).join(Event, Event.id == Attendance.event_id)
    if chapter_id is not None:
        attendance = attendance.where(Event.chapter_id == chapter_id)
    return {
        "people": _count(session, Person.id, Person.chapter_id, chapter_id),
        "members": _count(session, Membership.id, Membership.chapter_id, chapter_id),
        "events": _count(session, Event.id, Event.chapter_id, chapter_id),
        "forums": _count(session, ForumSession.id, ForumSession.chapter_id, chapter_id),
        "attendance": int(session.scalar(attendance) or 0),
        "pledges": _count(session, Pledge.id, Pledge.chapter_id, chapter_id),
    }


def _details(session: Session, chapter_id: int, today: dt.date) -> dict[str, Any]:
    by_status = dict(
        session.execute(
            select(Membership.status, func.count())
            .where(Membership.chapter_id == chapter_id)
            .group_by(Membership.status)
        ).all()
    )
    events_by_status = dict(
        session.execute(
            select(Event.status, func.count()).where(Event.chapter_id == chapter_id).group_by(Event.status)
        ).all()
    )
    named = (
        select(Attendance.event_id, func.count().label("n"))
        .group_by(Attendance.event_id)
        .subquery()
    )
    extra = session.scalar(
        select(
            func.coalesce(
                func.sum(
                    case(
                        (Event.headcount > func.coalesce(named.c.n, 0),
                         Event.headcount - func.coalesce(named.c.n, 0)),
                        else_=0,
                    )
                ),
                0,
            )
        )
        .select_from(Event)
        .outerjoin(named, named.c.event_id == Event.id)
        .where(Event.chapter_id == chapter_id)
    )
    officers = session.execute(
        select(
            OfficerTerm.role,
            OfficerTerm.custom_title,
            OfficerTerm.starts_on,
            Person.id,
            Person.given_names,
            Person.family_names,
            Person.preferred_name,
            Person.family_name_first,
        )
        .join(Person, Person.id == OfficerTerm.person_id)
        .where(
            OfficerTerm.chapter_id == chapter_id,
            OfficerTerm.starts_on <= today,
            (OfficerTerm.ends_on.is_(None)) | (OfficerTerm.ends_on >= today),
        )
        .order_by(OfficerTerm.role, OfficerTerm.starts_on)
    ).all()
    return {
        "members_by_status": {str(k): v for k, v in sorted(by_status.items())},
        "events_by_status": {str(k): v for k, v in sorted(events_by_status.items())},
        "events_held": int(events_by_status.get(EventStatus.HELD, 0)),
        "headcount": int(extra or 0),
        "officers_now": [
            {
                "role": str(r.role),
                "title": r.custom_title or r.role.label,
                "person_id": r.id,
                "name": display_name(r.given_names, r.family_names, r.preferred_name, r.family_name_first),
                "since": r.starts_on.isoformat(),
            }
            for r in officers
        ],
    }


def _goals(db: Database, chapter_id: int, today: dt.date) -> list[dict[str, Any]]:
    from . import goals

    result = []
    for goal in goals.list_goals(db, chapter_id):
        progress = goals.goal_progress(db, goal.id, today=today)
        result.append(
            {
                "id": goal.id,
                "metric": str(goal.metric),
                "label": goal.label,
                "starts_on": goal.starts_on.isoformat(),
                "ends_on": goal.ends_on.isoformat(),
                "target": progress.target,
                "current": progress.current,
                "percent": round(progress.percent, 1),
                "reached": progress.reached,
                "projected_date": progress.projected_date.isoformat() if progress.projected_date else None,
            }
        )
    return result


def chapter_stats(db: Database, chapter_id: int | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """Counts for one chapter, or totals over the database with a line per chapter.

    The top level always holds the integer totals named in ``TOTAL_KEYS``.
    """
    today = today or dt.date.today()
    with db.read() as s:
        if chapter_id is not None:
            chapter = s.get(Chapter, chapter_id)
            if chapter is None:
                from ..errors import NotFound
                from ..i18n import _

                raise NotFound(_("There is no chapter with id {id}.").format(id=chapter_id))
            result: dict[str, Any] = _totals(s, chapter_id)
            result["chapter"] = {"id": chapter.id, "name": chapter.name, "university": chapter.university}
            result.update(_details(s, chapter_id, today))
        else:
            result = _totals(s, None)
            chapters = s.execute(select(Chapter.id, Chapter.name).order_by(Chapter.id)).all()
            result["chapters"] = [{"id": c.id, "name": c.name, **_totals(s, c.id)} for c in chapters]
            if len(chapters) == 1:
                result["chapter"] = {"id": chapters[0].id, "name": chapters[0].name}
                result.update(_details(s, chapters[0].id, today))
    target = chapter_id if chapter_id is not None else result.get("chapter", {}).get("id")
    if target is not None:
        result["goals"] = _goals(db, target, today)
    return result


def period_counts(db: Database, chapter_id: int, first: dt.date, last: dt.date) -> dict[str, int]:
    """The chapter's counts for the days ``first`` to ``last`` (chapter-local, included),
    with the definitions above:

    * ``pledges`` signed in the period; ``new_members``: memberships joined in it;
    * ``events_held``: events marked held that started in it; ``attendance`` and
      ``headcount``: named check-ins at (and door counts beyond them of) events that
      started in it; ``forums``: forum sessions held in it.
    """
    from .events import local_day_bounds

    with db.read() as s:
        chapter = s.get(Chapter, chapter_id)
        if chapter is None:
            from ..errors import NotFound
            from ..i18n import _

            raise NotFound(_("There is no chapter with id {id}.").format(id=chapter_id))
        try:
            start, end = local_day_bounds(first, last, chapter.timezone)
        except (KeyError, ValueError):
            start, end = local_day_bounds(first, last, "UTC")
        in_period = (Event.chapter_id == chapter_id, Event.starts_at >= start, Event.starts_at < end)
        named = (
            select(Attendance.event_id, func.count().label("n"))
            .join(Event, Event.id == Attendance.event_id)
            .where(*in_period)
            .group_by(Attendance.event_id)
            .subquery()
        )
        n = func.coalesce(named.c.n, 0)
        # named check-ins and the door counts beyond them, in one pass over the events
        attendance, extra = s.execute(
            select(
                func.coalesce(func.sum(n), 0),
                func.coalesce(func.sum(case((Event.headcount > n, Event.headcount - n), else_=0)), 0),
            )
            .select_from(Event)
            .outerjoin(named, named.c.event_id == Event.id)
            .where(*in_period)
        ).one()
        return {
            "pledges": int(s.scalar(select(func.count(Pledge.id)).where(
                Pledge.chapter_id == chapter_id, Pledge.signed_at >= start, Pledge.signed_at < end)) or 0),
            "new_members": int(s.scalar(select(func.count(Membership.id)).where(
                Membership.chapter_id == chapter_id, Membership.joined_on >= first,
                Membership.joined_on <= last)) or 0),
            "events_held": int(s.scalar(select(func.count(Event.id)).where(
                *in_period, Event.status == EventStatus.HELD)) or 0),
            "attendance": int(attendance or 0),
            "headcount": int(extra or 0),
            "forums": int(s.scalar(select(func.count(ForumSession.id)).where(
                ForumSession.chapter_id == chapter_id, ForumSession.held_on >= first,
                ForumSession.held_on <= last)) or 0),
        }


#: What :func:`period_counts` calls each figure of :func:`chapter_stats`.
PERIOD_KEYS = {"pledges": "pledges", "new_members": "members", "events_held": "events_held",
               "attendance": "attendance", "headcount": "headcount", "forums": "forums"}


def covers_every_record(db: Database, chapter_id: int, first: dt.date, last: dt.date) -> bool:
    """Whether every pledge, event, membership and forum of the chapter falls in the days
    ``first`` to ``last`` (chapter-local), so that :func:`period_counts` would equal
    :func:`chapter_stats` (``PERIOD_KEYS``).  A few index probes."""
    from .events import local_day_bounds

    with db.read() as s:
        chapter = s.get(Chapter, chapter_id)
        if chapter is None:
            return False
        try:
            start, end = local_day_bounds(first, last, chapter.timezone)
        except (KeyError, ValueError):
            start, end = local_day_bounds(first, last, "UTC")
        outside = (
            select(Pledge.id).where(Pledge.chapter_id == chapter_id, Pledge.signed_at < start),
            select(Pledge.id).where(Pledge.chapter_id == chapter_id, Pledge.signed_at >= end),
            select(Event.id).where(Event.chapter_id == chapter_id, Event.starts_at < start),
            select(Event.id).where(Event.chapter_id == chapter_id, Event.starts_at >= end),
            select(Membership.id).where(Membership.chapter_id == chapter_id,
                                        Membership.joined_on.is_(None) | (Membership.joined_on < first)
                                        | (Membership.joined_on > last)),
            select(ForumSession.id).where(ForumSession.chapter_id == chapter_id,
                                          (ForumSession.held_on < first) | (ForumSession.held_on > last)),
        )
        return not any(s.execute(q.limit(1)).first() for q in outside)
