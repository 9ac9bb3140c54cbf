"""Goals and their progress (chapter_manager.services.goals)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from chapter_manager.errors import NotFound, ValidationError
from chapter_manager.models import GoalMetric, Pledge
from chapter_manager.services import goals
from chapter_manager.services.chapters import ChapterData, create_chapter
from chapter_manager.services.events import EventData, check_in, create_event
from chapter_manager.services.goals import GoalData
from chapter_manager.services.members import set_membership
from chapter_manager.services.people import PersonData, create_person

D = dt.date
MX = ZoneInfo("America/Mexico_City")  # UTC-6 all year


def local(year, month, day, hour=12, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=MX)


# The db and chapter fixtures come from conftest.py.


@pytest.fixture
def other(db):
    return create_chapter(db, ChapterData(name="Otro capítulo", country="ES", timezone="Europe/Madrid"))


def make_person(db, chapter_id, given):
    return create_person(db, chapter_id, PersonData(given_names=given))


def pledges_at(db, chapter_id, moments):
    """One pledge per moment, each by a new person of the chapter."""
    people = [make_person(db, chapter_id, f"P{i}") for i in range(len(moments))]
    with db.write() as s:
        for person, moment in zip(people, moments, strict=True):
            s.add(
                Pledge(
                    chapter_id=chapter_id,
                    person_id=person.id,
                    signed_at=moment,
                    commitment_version="test",
                    consent_version="test",
                )
            )


def goal(db, chapter_id, metric, target, starts_on, ends_on, label=""):
    return goals.create_goal(db, chapter_id, GoalData(metric, target, starts_on, ends_on, label))


# --------------------------------------------------------------------------- goals


def test_goal_validation(db, chapter):
    with pytest.raises(ValidationError) as err:
        goals.create_goal(db, chapter.id, GoalData("likes", 0, None, D(2025, 1, 1)))
    assert set(err.value.fields) == {"metric", "target", "starts_on"}
    assert err.value.fields["target"] == "The target must be at least 1."
    assert err.value.fields["starts_on"] == "Start date is required."

    with pytest.raises(ValidationError) as err:
        goals.create_goal(db, chapter.id, GoalData("pledges", None, D(2025, 2, 1), D(2025, 1, 1)))
    assert err.value.fields == {
        "target": "Target is required.",
        "ends_on": "A goal cannot end before it starts.",
    }
    with pytest.raises(ValidationError) as err:
        goals.create_goal(db, chapter.id, GoalData("pledges", -5, D(2025, 1, 1), D(2025, 1, 1)))
    assert err.value.fields == {"target": "Target cannot be negative."}
    with pytest.raises(NotFound):
        goal(db, 999, "pledges", 1, D(2025, 1, 1), D(2025, 1, 2))


def test_goal_crud(db, chapter, other):
    spring = goal(db, chapter.id, "pledges", 200, D(2025, 1, 15), D(2025, 6, 15), " Spring  drive ")
    year = goal(db, chapter.id, GoalMetric.MEMBERS, 50, D(2025, 1, 1), D(2025, 12, 31))
    goal(db, other.id, "events", 3, D(2025, 1, 1), D(2025, 12, 31))
    assert spring.label == "Spring drive"
    assert spring.title == "Spring drive"
    assert year.title == "Active members"

    assert [g.id for g in goals.list_goals(db, chapter.id)] == [spring.id, year.id]
    assert [g.id for g in goals.list_goals(db, chapter.id, active_on=D(2025, 7, 1))] == [year.id]

    data = goals.goal_data(spring)
    data.target = 250
    data.metric = "attendance"
    updated = goals.update_goal(db, spring.id, data)
    assert (updated.id, updated.target, updated.metric) == (spring.id, 250, GoalMetric.ATTENDANCE)
    assert goals.get_goal(db, spring.id) == updated

    goals.delete_goal(db, spring.id)
    assert [g.id for g in goals.list_goals(db, chapter.id)] == [year.id]
    with pytest.raises(NotFound):
        goals.goal_progress(db, spring.id)


# --------------------------------------------------------------------------- progress


def test_pledge_goal_projection(db, chapter, other):
    pledges_at(db, chapter.id, [local(2025, 1, d) for d in (2, 3, 4, 5, 6)])
    # 21:00 on 31 December in Mexico City is already 1 January in UTC: not in the period.
    pledges_at(db, chapter.id, [local(2024, 12, 31, 21)])
    pledges_at(db, other.id, [local(2025, 1, 3)])  # another chapter's
    g = goal(db, chapter.id, "pledges", 20, D(2025, 1, 1), D(2025, 6, 30))

    progress = goals.goal_progress(db, g.id, today=D(2025, 1, 10))
    assert (progress.current, progress.target, progress.percent, progress.reached) == (5, 20, 25.0, False)
    # 5 pledges in 10 days (1-10 January) is half a pledge a day: the 20th on day 40.
    assert progress.projected_date == D(2025, 2, 9)
    assert progress.on_track is True

    slow = goals.goal_progress(db, g.id, today=D(2025, 6, 30))  # 5 in 181 days
    assert slow.projected_date == D(2025, 1, 1) + dt.timedelta(days=724 - 1)
    assert slow.on_track is False


def test_pledge_goal_reached_and_period_edges(db, chapter):
    pledges_at(
        db,
        chapter.id,
        [
            local(2025, 1, 5),
            local(2025, 1, 7),
            local(2025, 1, 31, 23, 30),  # still January locally (1 February in UTC)
            local(2025, 2, 1, 0, 30),  # February: outside
        ],
    )
    g = goal(db, chapter.id, "pledges", 3, D(2025, 1, 1), D(2025, 1, 31))
    progress = goals.goal_progress(db, g.id, today=D(2025, 2, 15))
    assert (progress.current, progress.percent, progress.reached) == (3, 100.0, True)
    assert progress.projected_date == D(2025, 1, 31)  # the day the third pledge came in

    easy = goal(db, chapter.id, "pledges", 2, D(2025, 1, 1), D(2025, 1, 31))
    over = goals.goal_progress(db, easy.id, today=D(2025, 2, 15))
    assert (over.percent, over.projected_date) == (150.0, D(2025, 1, 7))


def test_no_progress_means_no_projection(db, chapter):
    g = goal(db, chapter.id, "pledges", 10, D(2025, 3, 1), D(2025, 3, 31))
    progress = goals.goal_progress(db, g.id, today=D(2025, 3, 15))
    assert (progress.current, progress.percent, progress.projected_date, progress.reached) == (
        0, 0.0, None, False,
    )
    assert progress.on_track is False
    assert goals.goal_progress(db, g.id, today=D(2025, 2, 1)).projected_date is None
    assert goals.goal_progress(db, g.id).target == 10  # today defaults to the chapter's today


def test_member_goal_counts_active_memberships_now(db, chapter, other):
    joined = (D(2025, 1, 5), D(2025, 2, 1), None)
    for name, day in zip(("Ana", "Luis", "Wang"), joined, strict=True):
        set_membership(db, make_person(db, chapter.id, name).id, "active", joined_on=day)
    set_membership(db, make_person(db, chapter.id, "Ola").id, "inactive")
    set_membership(db, make_person(db, other.id, "Marta").id, "active")

    reached = goal(db, chapter.id, "members", 2, D(2025, 1, 1), D(2025, 12, 31))
    progress = goals.goal_progress(db, reached.id, today=D(2025, 3, 1))
    assert (progress.current, progress.reached, progress.projected_date) == (3, True, D(2025, 2, 1))

    ahead = goal(db, chapter.id, "members", 5, D(2025, 1, 1), D(2025, 12, 31))
    progress = goals.goal_progress(db, ahead.id, today=D(2025, 3, 1))
    # 3 in 60 days (1 January - 1 March): the 5th on day 100.
    assert (progress.current, progress.percent, progress.projected_date) == (3, 60.0, D(2025, 4, 10))


def test_event_and_attendance_goals(db, chapter, other):
    people = [make_person(db, chapter.id, name) for name in ("Ana", "Luis", "Wang")]

    def event(title, when, status):
        return create_event(db, chapter.id, EventData(title=title, starts_at=when, status=status))

    held = event("Held", local(2025, 2, 10, 18), "held")
    planned = event("Planned", local(2025, 3, 10, 18), "planned")
    event("Cancelled", local(2025, 3, 12, 18), "cancelled")
    before = event("Before", local(2024, 12, 10, 18), "held")
    for p in people[:2]:
        check_in(db, held.id, p.id)
    check_in(db, planned.id, people[2].id)
    check_in(db, before.id, people[0].id)
    theirs = create_event(db, other.id, EventData(title="Theirs", starts_at=local(2025, 2, 1), status="held"))
    check_in(db, theirs.id, make_person(db, other.id, "Marta").id)

    events_goal = goal(db, chapter.id, "events", 4, D(2025, 1, 1), D(2025, 6, 30))
    progress = goals.goal_progress(db, events_goal.id, today=D(2025, 4, 1))
    assert (progress.current, progress.percent, progress.reached) == (1, 25.0, False)
    # 1 event in 91 days: the 4th on day 364, after the goal's end.
    assert progress.projected_date == D(2025, 12, 30)
    assert progress.on_track is False

    attendance_goal = goal(db, chapter.id, "attendance", 2, D(2025, 1, 1), D(2025, 6, 30))
    progress = goals.goal_progress(db, attendance_goal.id, today=D(2025, 4, 1))
    assert (progress.current, progress.reached, progress.projected_date) == (3, True, D(2025, 2, 10))


def test_project_math():
    start, end = D(2025, 1, 1), D(2025, 1, 10)
    assert goals.project(5, 10, start, end, D(2025, 1, 5)) == D(2025, 1, 10)  # 1 a day
    assert goals.project(1, 1, start, end, D(2025, 1, 1)) == D(2025, 1, 1)
    assert goals.project(3, 10, start, end, D(2025, 1, 1)) == D(2025, 1, 4)  # 3 a day: day 4
    # After the period, the pace is measured over the period only (10 days).
    assert goals.project(10, 20, start, end, D(2025, 3, 1)) == D(2025, 1, 20)
    assert goals.project(0, 20, start, end, D(2025, 1, 5)) is None
    assert goals.project(5, 20, start, end, D(2024, 12, 31)) is None
    assert goals.project(1, 10_000_000, start, D(9999, 1, 1), D(9000, 1, 1)) is None
