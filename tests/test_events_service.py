"""Events, check-ins and event progress (chapter_manager.services.events)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from chapter_manager.errors import NotFound, ValidationError
from chapter_manager.models import (
    Attendance,
    EventKind,
    EventStatus,
    FocusArea,
    Pledge,
    RecordSource,
)
from chapter_manager.services import events
from chapter_manager.services.chapters import ChapterData, add_term, create_chapter
from chapter_manager.services.events import EventData
from chapter_manager.services.people import PersonData, create_person, delete_person

MX = ZoneInfo("America/Mexico_City")


def at(year, month, day, hour=18, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=MX)


# The db and chapter fixtures come from conftest.py.


def make_person(db, chapter_id, given, family=""):
    return create_person(db, chapter_id, PersonData(given_names=given, family_names=family))


def make_event(db, chapter_id, title="Charla", starts_at=None, **extra):
    return events.create_event(
        db, chapter_id, EventData(title=title, starts_at=starts_at or at(2025, 3, 8), **extra)
    )


def add_pledge(db, chapter_id, person_id, event_id=None, signed_at=None):
    with db.write() as s:
        s.add(
            Pledge(
                chapter_id=chapter_id,
                person_id=person_id,
                event_id=event_id,
                signed_at=signed_at or at(2025, 3, 8, 19),
                commitment_version="test",
                consent_version="test",
            )
        )


# --------------------------------------------------------------------------- events


def test_create_event_cleans_and_defaults(db, chapter):
    view = events.create_event(
        db,
        chapter.id,
        EventData(
            title="  Día   Naranja ",
            starts_at=at(2025, 3, 8, 18),
            ends_at=at(2025, 3, 8, 20),
            kind="workshop",
            focus_area="ending_violence",
            online_url="https://meet.example.org/naranja",
            partners=["  ONU Mujeres ", "", "onu mujeres", "Student  Union", "   "],
            capacity=40,
            pledge_goal=25,
        ),
    )
    assert view.title == "Día Naranja"
    assert view.kind is EventKind.WORKSHOP
    assert view.focus_area is FocusArea.ENDING_VIOLENCE
    assert view.timezone == "America/Mexico_City"  # the chapter's
    assert view.partners == ["ONU Mujeres", "Student Union"]
    assert view.status is EventStatus.PLANNED
    assert view.starts_at.tzinfo is not None
    assert view.local_starts_at.hour == 18
    assert view.starts_at.astimezone(dt.UTC).hour == 0  # 18:00 in Mexico City is 00:00 UTC
    assert (view.attendance_count, view.pledge_count, view.pledge_percent) == (0, 0, 0.0)
    assert events.get_event(db, view.id) == view


def test_event_validation_names_each_field(db, chapter):
    with pytest.raises(ValidationError) as err:
        events.create_event(db, chapter.id, EventData())
    assert set(err.value.fields) == {"title", "starts_at"}
    assert err.value.fields["title"] == "Title is required."

    with pytest.raises(ValidationError) as err:
        events.create_event(
            db,
            chapter.id,
            EventData(
                title="x",
                starts_at=dt.datetime(2025, 3, 8, 18),  # naive
                kind="party",
                focus_area="sports",
                timezone="Mars/Olympus",
                online_url="ftp://files.example.org",
                capacity=-1,
                pledge_goal="many",
                status="maybe",
                headcount=-3,
            ),
        )
    assert set(err.value.fields) == {
        "starts_at", "kind", "focus_area", "timezone", "online_url", "capacity",
        "pledge_goal", "status", "headcount",
    }
    assert "needs a time zone" in err.value.fields["starts_at"]
    assert "https://" in err.value.fields["online_url"]

    with pytest.raises(ValidationError) as err:
        make_event(db, chapter.id, starts_at=dt.date(2025, 3, 8))
    assert err.value.fields == {"starts_at": "Start needs a date and a time."}

    with pytest.raises(ValidationError) as err:
        make_event(db, chapter.id, starts_at=at(2025, 3, 8, 18), ends_at=at(2025, 3, 8, 17))
    assert err.value.fields == {"ends_at": "An event cannot end before it starts."}

    for bad in ("meet.example.org/abc", "javascript:alert(1)", "https:// spaced.org", "http://"):
        with pytest.raises(ValidationError) as err:
            make_event(db, chapter.id, online_url=bad)
        assert "online_url" in err.value.fields
    assert make_event(db, chapter.id, online_url=" HTTP://Example.org ").online_url == "HTTP://Example.org"

    with pytest.raises(NotFound):
        make_event(db, 999)


def test_update_event_round_trip(db, chapter):
    view = make_event(db, chapter.id, partners=["A"])
    data = events.event_data(view)
    data.title = "Film: Suffragette"
    data.kind = EventKind.FILM_SCREENING
    data.status = EventStatus.HELD
    data.timezone = "Europe/Madrid"
    data.partners.append("B")
    updated = events.update_event(db, view.id, data)
    assert (updated.id, updated.title, updated.status) == (view.id, "Film: Suffragette", EventStatus.HELD)
    assert updated.timezone == "Europe/Madrid"
    assert updated.partners == ["A", "B"]
    assert updated.starts_at == view.starts_at
    assert view.partners == ["A"]  # views are plain data, not live rows


# --------------------------------------------------------------------------- attendance


def test_check_in_is_idempotent(db, chapter):
    event = make_event(db, chapter.id)
    ana = make_person(db, chapter.id, "Ana", "López")
    luis = make_person(db, chapter.id, "Luis")

    first, created = events.check_in(db, event.id, ana.id, RecordSource.KIOSK, at=at(2025, 3, 8, 18, 5))
    assert created is True
    assert first.display_name == "Ana López"
    assert first.source is RecordSource.KIOSK
    again, created = events.check_in(db, event.id, ana.id)
    assert created is False
    assert again == first  # the existing record, unchanged
    _, created = events.check_in(db, event.id, luis.id, "online", at=at(2025, 3, 8, 18, 1))

    listed = events.list_attendance(db, event.id)
    assert [a.display_name for a in listed] == ["Luis", "Ana López"]  # in order of arrival
    assert events.get_event(db, event.id).attendance_count == 2

    assert events.remove_attendance(db, event.id, luis.id) is True
    assert events.remove_attendance(db, event.id, luis.id) is False
    assert [a.person_id for a in events.list_attendance(db, event.id)] == [ana.id]


def test_check_in_refusals(db, chapter):
    other = create_chapter(db, ChapterData(name="Otro capítulo", country="ES", timezone="Europe/Madrid"))
    ours = make_event(db, chapter.id)
    theirs = make_event(db, other.id, title="Their talk")
    ana = make_person(db, chapter.id, "Ana")

    with pytest.raises(ValidationError) as err:
        events.check_in(db, theirs.id, ana.id)
    assert "not in the chapter that runs this event" in err.value.fields["person_id"]
    assert events.list_attendance(db, theirs.id) == []

    with pytest.raises(ValidationError) as err:
        events.check_in(db, ours.id, ana.id, at=dt.datetime(2025, 3, 8, 18))
    assert "checked_in_at" in err.value.fields
    with pytest.raises(ValidationError) as err:
        events.check_in(db, ours.id, ana.id, source="carrier pigeon")
    assert "source" in err.value.fields

    data = events.event_data(ours)
    data.status = EventStatus.CANCELLED
    events.update_event(db, ours.id, data)
    with pytest.raises(ValidationError) as err:
        events.check_in(db, ours.id, ana.id)
    assert "cancelled" in err.value.fields["event_id"]

    with pytest.raises(NotFound):
        events.check_in(db, 999, ana.id)
    with pytest.raises(NotFound):
        events.check_in(db, ours.id, 999)
    with pytest.raises(NotFound):
        events.list_attendance(db, 999)


# --------------------------------------------------------------------------- lists and counts


def test_list_events_counts_filters_and_order(db, chapter):
    people = [make_person(db, chapter.id, name) for name in ("Ana", "Luis", "Wang", "Ola")]
    talk = make_event(db, chapter.id, "Talk", at(2025, 2, 10), status="held", pledge_goal=4)
    drive = make_event(db, chapter.id, "Pledge drive", at(2025, 3, 8), kind="pledge_drive")
    later = make_event(db, chapter.id, "Later", at(2025, 9, 1))
    for p in people[:3]:
        events.check_in(db, talk.id, p.id)
    events.check_in(db, drive.id, people[3].id)
    add_pledge(db, chapter.id, people[0].id, talk.id)
    add_pledge(db, chapter.id, people[1].id, talk.id)
    add_pledge(db, chapter.id, people[2].id, drive.id)
    add_pledge(db, chapter.id, people[3].id)  # not at an event

    rows = events.list_events(db, chapter.id)
    assert [(r.title, r.attendance_count, r.pledge_count) for r in rows] == [
        ("Talk", 3, 2),
        ("Pledge drive", 1, 1),
        ("Later", 0, 0),
    ]
    assert rows[0].pledge_percent == 50.0

    by_pledges = events.list_events(db, chapter.id, order="pledges", descending=True)
    assert [r.id for r in by_pledges] == [talk.id, drive.id, later.id]
    assert [r.id for r in events.list_events(db, chapter.id, order="title")] == [
        later.id, drive.id, talk.id,
    ]
    assert [r.id for r in events.list_events(db, chapter.id, status="held")] == [talk.id]
    assert [r.id for r in events.list_events(db, chapter.id, start=dt.date(2025, 3, 1))] == [
        drive.id, later.id,
    ]
    # A date bound is a whole local day, end included.
    assert [r.id for r in events.list_events(db, chapter.id, end=dt.date(2025, 3, 8))] == [
        talk.id, drive.id,
    ]
    # An instant bound: end excluded.
    assert [r.id for r in events.list_events(db, chapter.id, end=at(2025, 3, 8))] == [talk.id]
    assert [r.id for r in events.list_events(db, chapter.id, limit=1, offset=1)] == [drive.id]

    term = add_term(db, chapter.id, "Spring 2025", dt.date(2025, 1, 15), dt.date(2025, 3, 8))
    assert [r.id for r in events.list_events(db, chapter.id, term_id=term.id)] == [talk.id, drive.id]

    with pytest.raises(ValidationError) as err:
        events.list_events(db, chapter.id, order="colour")
    assert "order" in err.value.fields

    progress = events.event_progress(db, talk.id)
    assert (progress.pledges, progress.goal, progress.percent, progress.remaining, progress.reached) == (
        2, 4, 50.0, 2, False,
    )
    no_goal = events.event_progress(db, drive.id)
    assert (no_goal.percent, no_goal.remaining, no_goal.reached) == (None, None, False)


def test_chapters_see_only_their_events(db, chapter):
    other = create_chapter(db, ChapterData(name="Otro capítulo", country="ES", timezone="Europe/Madrid"))
    ours = make_event(db, chapter.id, "Ours")
    make_event(db, other.id, "Theirs")
    assert [r.id for r in events.list_events(db, chapter.id)] == [ours.id]
    other_term = add_term(db, other.id, "Their term", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    with pytest.raises(NotFound):
        events.list_events(db, chapter.id, term_id=other_term.id)


def test_headcount_and_delete_cascade(db, chapter):
    event = make_event(db, chapter.id, pledge_goal=1)
    ana = make_person(db, chapter.id, "Ana")
    luis = make_person(db, chapter.id, "Luis")
    events.check_in(db, event.id, ana.id)
    events.check_in(db, event.id, luis.id)
    add_pledge(db, chapter.id, ana.id, event.id)
    assert events.event_progress(db, event.id).reached is True

    assert events.set_headcount(db, event.id, 55).headcount == 55
    assert events.set_headcount(db, event.id, None).headcount is None
    with pytest.raises(ValidationError) as err:
        events.set_headcount(db, event.id, -1)
    assert err.value.fields == {"headcount": "Headcount cannot be negative."}

    delete_person(db, luis.id)  # a deleted person's check-in goes with them
    assert events.get_event(db, event.id).attendance_count == 1

    events.delete_event(db, event.id)
    with pytest.raises(NotFound):
        events.get_event(db, event.id)
    with db.read() as s:
        assert s.scalar(select(func.count(Attendance.id))) == 0
        pledge = s.scalars(select(Pledge)).one()
        assert pledge.event_id is None  # the pledge stays


def test_the_current_term_is_the_one_holding_the_day_and_of_overlapping_ones_the_latest(db, chapter):
    from chapter_manager.services.chapters import current_term, get_chapter, term_on

    year = add_term(db, chapter.id, "Year 2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    spring = add_term(db, chapter.id, "Spring 2025", dt.date(2025, 1, 20), dt.date(2025, 5, 30))
    autumn = add_term(db, chapter.id, "Autumn 2025", dt.date(2025, 8, 11), dt.date(2025, 12, 5))
    terms = get_chapter(db, chapter.id).terms
    for day, expected in ((dt.date(2025, 1, 5), year), (dt.date(2025, 1, 20), spring), (dt.date(2025, 5, 30), spring),
                          (dt.date(2025, 6, 1), year), (dt.date(2025, 12, 5), autumn), (dt.date(2026, 1, 1), None)):
        assert term_on(terms, day) == expected, day
        assert current_term(db, chapter.id, day) == expected, day
    # the report's default period starts where the current term starts
    from chapter_manager.reports.data import default_period

    assert default_period(db, chapter.id, dt.date(2025, 3, 1)) == (spring.starts_on, dt.date(2025, 3, 1))
