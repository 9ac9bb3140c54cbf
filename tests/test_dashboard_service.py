"""The dashboard's numbers (chapter_manager.services.dashboard)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from chapter_manager.demo import generate_demo
from chapter_manager.errors import NotFound
from chapter_manager.models import EventStatus, GoalMetric, MembershipStatus, Pledge
from chapter_manager.services import dashboard, events, forums, goals, members, undo
from chapter_manager.services.chapters import ChapterData, create_chapter
from chapter_manager.services.dashboard import DayCount, dashboard_data
from chapter_manager.services.forums import ActionItemData, ForumData
from chapter_manager.services.goals import GoalData
from chapter_manager.services.people import PersonData, create_person

MX = ZoneInfo("America/Mexico_City")  # UTC-6 all year
TODAY = dt.date(2026, 3, 10)


def local(day, hour=12, minute=0, zone=MX):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def pledges_at(db, chapter_id, moments):
    """One pledge per moment, each by a new person of the chapter; their ids."""
    people = [create_person(db, chapter_id, PersonData(given_names=f"P{i}")).id
              for i in range(len(moments))]
    with db.write() as s:
        for person_id, moment in zip(people, moments, strict=True):
            s.add(Pledge(chapter_id=chapter_id, person_id=person_id, signed_at=moment,
                         commitment_version="test", consent_version="test"))
    return people


def goal(db, chapter_id, starts_on, ends_on, target=4, label="", metric=GoalMetric.PLEDGES):
    return goals.create_goal(db, chapter_id, GoalData(metric, target, starts_on, ends_on, label))


def test_an_empty_chapter(db, chapter):
    d = dashboard_data(db, chapter.id, today=TODAY)
    assert (d.chapter_id, d.chapter_name, d.timezone) == (chapter.id, "HeForShe UNAM", "America/Mexico_City")
    assert d.university == "Universidad Nacional Autónoma de México"
    assert d.goal is None and d.goal_title == ""
    assert d.pledges_total == 0
    # Without a goal: the last 120 days, today included, every one of them.
    assert len(d.pledges_by_day) == dashboard.DAYS_WITHOUT_GOAL
    assert d.pledges_by_day[0] == DayCount(TODAY - dt.timedelta(days=119), 0)
    assert d.pledges_by_day[-1] == DayCount(TODAY, 0)
    assert list(d.members_by_status) == list(MembershipStatus)
    assert set(d.members_by_status.values()) == {0} and d.members_total == 0
    assert d.upcoming_events == [] and d.open_action_items == []
    assert [a.text for a in d.recent_activity] == ["The chapter was created."]
    assert d.recent_activity[0].when.tzinfo is dt.UTC


def test_unknown_chapter(db):
    with pytest.raises(NotFound):
        dashboard_data(db, 77)


def test_goal_progress_and_pledges_per_local_day(db, chapter):
    goal(db, chapter.id, dt.date(2026, 3, 1), dt.date(2026, 3, 31), target=4, label="Firmas de marzo")
    pledges_at(db, chapter.id, [
        local(dt.date(2026, 2, 28), 23, 59),  # before the goal
        local(dt.date(2026, 3, 1), 23, 30),  # 05:30 UTC on 2 March, still 1 March here
        local(dt.date(2026, 3, 2), 0, 15),
        local(dt.date(2026, 3, 2), 10),
        local(dt.date(2026, 3, 5), 18),
    ])
    d = dashboard_data(db, chapter.id, today=TODAY)
    assert d.goal_title == "Firmas de marzo"
    assert d.goal is not None and d.goal.current == 4 and d.goal.reached
    assert d.goal.projected_date == dt.date(2026, 3, 5)  # the day it was reached
    assert d.pledges_total == 5
    # From the goal's start up to today (not to its end).
    assert [c.day for c in d.pledges_by_day] == [dt.date(2026, 3, k) for k in range(1, 11)]
    assert [c.count for c in d.pledges_by_day] == [1, 2, 0, 0, 1, 0, 0, 0, 0, 0]
    assert sum(c.count for c in d.pledges_by_day) == d.goal.current


def test_which_goal(db, chapter):
    # Nothing but a future goal: it is shown, with no days yet.
    future = goal(db, chapter.id, dt.date(2026, 6, 1), dt.date(2026, 6, 30), label="Junio")
    d = dashboard_data(db, chapter.id, today=TODAY)
    assert d.goal.goal_id == future.id and d.pledges_by_day == []
    # A goal that ended is preferred to one that has not started; days end with it.
    ended = goal(db, chapter.id, dt.date(2026, 1, 1), dt.date(2026, 1, 31), label="Enero")
    old = goal(db, chapter.id, dt.date(2025, 1, 1), dt.date(2025, 1, 31), label="Enero 2025")
    d = dashboard_data(db, chapter.id, today=TODAY)
    assert d.goal.goal_id == ended.id and d.goal_title == "Enero"
    assert (d.pledges_by_day[0].day, d.pledges_by_day[-1].day) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    # A running goal beats both; other metrics are never the dashboard's goal.
    goal(db, chapter.id, dt.date(2026, 3, 1), dt.date(2026, 3, 31), metric=GoalMetric.EVENTS)
    running = goal(db, chapter.id, dt.date(2026, 2, 1), dt.date(2026, 5, 31))
    d = dashboard_data(db, chapter.id, today=TODAY)
    assert d.goal.goal_id == running.id
    assert d.goal_title == "Pledges"  # no label: the metric's name
    assert len(d.pledges_by_day) == (TODAY - dt.date(2026, 2, 1)).days + 1
    assert old.id != d.goal.goal_id


def test_days_of_a_daylight_saving_change(db):
    ny = ZoneInfo("America/New_York")  # clocks went forward on 8 March 2026
    nyc = create_chapter(db, ChapterData(name="HeForShe NYU", country="US", timezone="America/New_York"))
    pledges_at(db, nyc.id, [
        local(dt.date(2026, 3, 8), 0, 30, ny),  # EST
        local(dt.date(2026, 3, 8), 23, 30, ny),  # EDT: the day had 23 hours
        local(dt.date(2026, 3, 9), 0, 10, ny),
        local(dt.date(2026, 3, 7), 23, 59, ny),
    ])
    d = dashboard_data(db, nyc.id, today=TODAY)
    by_day = {c.day: c.count for c in d.pledges_by_day}
    assert by_day[dt.date(2026, 3, 7)] == 1
    assert by_day[dt.date(2026, 3, 8)] == 2
    assert by_day[dt.date(2026, 3, 9)] == 1
    assert d.pledges_total == 4 == sum(by_day.values())


def test_upcoming_events_open_items_and_members(db, chapter):
    def event(title, day, hour, status=EventStatus.PLANNED):
        return events.create_event(db, chapter.id, events.EventData(
            title=title, starts_at=local(day, hour), status=status)).id

    event("Ayer", TODAY - dt.timedelta(days=1), 18)
    early = event("Hoy temprano", TODAY, 8)  # today counts from its start
    later = [event(f"Taller {k}", TODAY + dt.timedelta(days=k), 17) for k in range(1, 8)]
    event("Realizado", TODAY + dt.timedelta(days=1), 9, EventStatus.HELD)
    event("Cancelado", TODAY + dt.timedelta(days=1), 10, EventStatus.CANCELLED)
    d = dashboard_data(db, chapter.id, today=TODAY)
    assert [e.id for e in d.upcoming_events] == [early, *later[:5]]
    assert all(e.status is EventStatus.PLANNED for e in d.upcoming_events)

    items = [ActionItemData(f"Tarea {k}", due_on=TODAY + dt.timedelta(days=k - 3)) for k in range(10)]
    items.append(ActionItemData("Hecha", due_on=TODAY - dt.timedelta(days=30), done=True))
    items.append(ActionItemData("Sin fecha"))
    forums.create_forum(db, chapter.id, ForumData(topic="Masculinidades", held_on=TODAY, action_items=items))
    d = dashboard_data(db, chapter.id, today=TODAY)
    assert [a.description for a in d.open_action_items] == [f"Tarea {k}" for k in range(8)]
    assert [a.overdue for a in d.open_action_items] == [True] * 3 + [False] * 5

    for k, status in enumerate([MembershipStatus.ACTIVE] * 3 + [MembershipStatus.ALUMNI]):
        person = create_person(db, chapter.id, PersonData(given_names=f"M{k}"))
        members.set_membership(db, person.id, status)
    create_person(db, chapter.id, PersonData(given_names="Not a member"))
    d = dashboard_data(db, chapter.id, today=TODAY)
    assert d.members_by_status == {
        MembershipStatus.PROSPECTIVE: 0, MembershipStatus.ACTIVE: 3,
        MembershipStatus.INACTIVE: 0, MembershipStatus.ALUMNI: 1,
    }
    assert d.members_total == 4


def test_recent_activity(db, chapter):
    people = pledges_at(db, chapter.id, [
        local(TODAY - dt.timedelta(days=1), 9), local(TODAY - dt.timedelta(days=1), 17, 45),
        local(TODAY, 8), local(TODAY - dt.timedelta(days=20), 8),  # too long ago to list
    ])
    undo.delete_people(db, people[-1:])  # keeps the three recent pledges
    extra = [create_person(db, chapter.id, PersonData(given_names=f"X{k}")).id for k in range(3)]
    undo.delete_people(db, extra)
    d = dashboard_data(db, chapter.id, today=TODAY)
    texts = [a.text for a in d.recent_activity]
    # A batch of deletions is one sentence; newest first; no names anywhere.
    assert texts == [
        "3 people were deleted.", "A person was deleted.", "The chapter was created.",
        "1 pledge signed.", "2 pledges signed.",
    ]
    whens = [a.when for a in d.recent_activity]
    assert whens == sorted(whens, reverse=True)
    assert d.recent_activity[-1].when == local(TODAY - dt.timedelta(days=1), 17, 45)
    assert all(a.when.tzinfo is dt.UTC for a in d.recent_activity)
    assert not any("X0" in t or "P0" in t for t in texts)
    # At most ten items.
    for k in range(12):
        undo.delete_people(db, [create_person(db, chapter.id, PersonData(given_names=f"Y{k}")).id])
    assert len(dashboard_data(db, chapter.id, today=TODAY).recent_activity) == dashboard.RECENT_ACTIVITY


def test_on_a_demo_chapter(db, chapter):
    summary = generate_demo(db, members=300, pledges=800, events=14, forums=4, seed=4, today=TODAY)
    d = dashboard_data(db, summary.chapter_id, today=TODAY)
    assert d.pledges_total == 800 and d.members_total == 300
    assert d.goal is not None and d.goal.metric is GoalMetric.PLEDGES
    assert d.pledges_by_day[0].day == d.goal.starts_on
    assert d.pledges_by_day[-1].day == min(TODAY, d.goal.ends_on)
    assert sum(c.count for c in d.pledges_by_day) == d.goal.current
    assert len(d.upcoming_events) <= 6 and len(d.open_action_items) <= 8
    starts = [e.starts_at for e in d.upcoming_events]
    assert starts == sorted(starts)
    dues = [a.due_on or dt.date.max for a in d.open_action_items]
    assert dues == sorted(dues)
    assert 0 < len(d.recent_activity) <= 10
