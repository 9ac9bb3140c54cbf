"""Forum sessions, action items and testimonies (chapter_manager.services.forums)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from chapter_manager import models
from chapter_manager.errors import NotFound, ValidationError
from chapter_manager.models import ActionItem, ForumFacilitator, ForumFormat, ForumTakeaway
from chapter_manager.services import forums
from chapter_manager.services.chapters import ChapterData, create_chapter
from chapter_manager.services.events import EventData, create_event, delete_event
from chapter_manager.services.forums import ActionItemData, ForumData
from chapter_manager.services.people import PersonData, create_person, delete_person

D = dt.date


# The db and chapter fixtures come from conftest.py.


def make_person(db, chapter_id, given, family="", **extra):
    return create_person(db, chapter_id, PersonData(given_names=given, family_names=family, **extra))


def make_event(db, chapter_id, title="Charla"):
    starts = dt.datetime(2025, 3, 8, 18, tzinfo=ZoneInfo("America/Mexico_City"))
    return create_event(db, chapter_id, EventData(title=title, starts_at=starts))


def count(db, model):
    with db.read() as s:
        return s.scalar(select(func.count(model.id)))


@pytest.fixture
def cast(db, chapter):
    """Three people of the chapter: Ana (facilitator), Luis, and Wang (not to be named)."""
    return (
        make_person(db, chapter.id, "Ana", "López"),
        make_person(db, chapter.id, "Luis", "Pérez"),
        make_person(db, chapter.id, "Fang", "Wang", do_not_disclose=True),
    )


def full_forum(chapter_id, cast, event_id=None):
    ana, luis, wang = cast
    return ForumData(
        topic="  Masculinities on campus ",
        held_on=D(2025, 3, 10),
        event_id=event_id,
        format=ForumFormat.PANEL,
        participants_total=30,
        participants_women=14,
        participants_men=12,
        participants_other=2,
        summary="We talked.\r\nA lot.",
        facilitator_ids=[ana.id, ana.id, luis.id],
        takeaways=["Interrupt sexist jokes", "  ", "Share the care work"],
        action_items=[
            ActionItemData("Write to the dean", owner_id=luis.id, due_on=D(2025, 3, 1)),
            ActionItemData("Book the room", owner_id=ana.id, due_on=D(2025, 4, 1)),
            ActionItemData("Post the summary"),
            ActionItemData(""),  # an empty row is dropped
        ],
        testimonies=[
            forums.TestimonyData("I learned to listen.", person_id=ana.id, consent_to_publish=True),
            forums.TestimonyData("It happened to me too.", consent_to_publish=True),  # anonymous
            forums.TestimonyData("Please keep this private.", person_id=luis.id),
            forums.TestimonyData("Name me not.", person_id=wang.id, consent_to_publish=True),
        ],
    )


def test_create_and_get_forum(db, chapter, cast):
    ana, luis, wang = cast
    event = make_event(db, chapter.id)
    view = forums.create_forum(db, chapter.id, full_forum(chapter.id, cast, event.id))
    assert view.topic == "Masculinities on campus"
    assert view.summary == "We talked.\nA lot."
    assert view.event_title == "Charla"
    assert [f.display_name for f in view.facilitators] == ["Ana López", "Luis Pérez"]
    assert view.takeaways == ["Interrupt sexist jokes", "Share the care work"]
    assert [(a.description, a.owner_name) for a in view.action_items] == [
        ("Write to the dean", "Luis Pérez"),
        ("Book the room", "Ana López"),
        ("Post the summary", None),
    ]
    assert [(t.person_name, t.anonymous) for t in view.testimonies] == [
        ("Ana López", False), (None, True), ("Luis Pérez", False), ("Fang Wang", False),
    ]
    assert view.testimonies[0].consent_version == forums.TESTIMONY_CONSENT_VERSION
    assert forums.get_forum(db, view.id) == view


def test_forum_validation_names_each_field(db, chapter, cast):
    ana, luis, _ = cast
    other = create_chapter(db, ChapterData(name="Otro", country="ES"))
    stranger = make_person(db, other.id, "Marta")
    their_event = make_event(db, other.id)

    with pytest.raises(ValidationError) as err:
        forums.create_forum(db, chapter.id, ForumData())
    assert err.value.fields == {"topic": "Topic is required.", "held_on": "Date held is required."}

    with pytest.raises(ValidationError) as err:
        forums.create_forum(
            db,
            chapter.id,
            ForumData(
                topic="t",
                held_on=D(2025, 1, 1),
                format="debate",
                event_id=their_event.id,
                participants_total=10,
                participants_women=6,
                participants_men=5,
                facilitator_ids=[ana.id, stranger.id],
                action_items=[
                    ActionItemData("ok", owner_id=stranger.id),
                    ActionItemData("", owner_id=luis.id),
                ],
                testimonies=[
                    forums.TestimonyData("", person_id=ana.id),
                    forums.TestimonyData("x", consent_to_publish=True, consent_version=""),
                    forums.TestimonyData("y", person_id=stranger.id),
                ],
            ),
        )
    fields = err.value.fields
    assert set(fields) == {
        "format",
        "event_id",
        "participants_total",
        "facilitator_ids",
        "action_items.0.owner_id",
        "action_items.1.description",
        "testimonies.0.text",
        "testimonies.1.consent_version",
        "testimonies.2.person_id",
    }
    assert fields["participants_total"] == (
        "Women, men and other participants add up to 11, more than the 10 participants in total."
    )
    assert fields["event_id"] == "That event belongs to another chapter."

    with pytest.raises(ValidationError) as err:
        forums.create_forum(
            db, chapter.id,
            ForumData(topic="t", held_on=D(2025, 1, 1), participants_women=-1, event_id=999),
        )
    assert set(err.value.fields) == {"participants_women", "event_id"}

    # Without a total, any split is fine.
    view = forums.create_forum(
        db, chapter.id, ForumData(topic="t", held_on=D(2025, 1, 1), participants_women=6)
    )
    assert view.participants_total is None
    assert count(db, ActionItem) == 0


def test_update_replaces_children_keeping_unchanged_rows(db, chapter, cast):
    ana, luis, wang = cast
    view = forums.create_forum(db, chapter.id, full_forum(chapter.id, cast))
    done = forums.set_action_item_done(db, view.action_items[0].id, True)
    assert done.done and done.done_at is not None
    with db.read() as s:
        takeaway_ids = dict(s.execute(select(ForumTakeaway.text, ForumTakeaway.id)).all())

    data = forums.forum_data(forums.get_forum(db, view.id))
    data.topic = "Masculinities, part 2"
    data.facilitator_ids = [luis.id, wang.id]
    data.takeaways = ["Share the care work", "Believe survivors"]
    kept_item = next(a for a in data.action_items if a.id == done.id)
    kept_item.description = "Write to the dean (again)"
    data.action_items = [kept_item, ActionItemData("New item", owner_id=wang.id)]
    data.testimonies = [t for t in data.testimonies if t.person_id != luis.id]
    data.testimonies.append(forums.TestimonyData("Another voice."))

    updated = forums.update_forum(db, view.id, data)
    assert updated.id == view.id
    assert updated.topic == "Masculinities, part 2"
    assert {f.person_id for f in updated.facilitators} == {luis.id, wang.id}
    assert updated.takeaways == ["Share the care work", "Believe survivors"]
    first = updated.action_items[-1]  # done items sort last
    assert (first.id, first.description, first.done_at) == (
        done.id, "Write to the dean (again)", done.done_at,
    )
    assert [t.text for t in updated.testimonies] == [
        "I learned to listen.", "It happened to me too.", "Name me not.", "Another voice.",
    ]
    assert [t.id for t in updated.testimonies[:3]] == [
        view.testimonies[0].id, view.testimonies[1].id, view.testimonies[3].id,
    ]
    with db.read() as s:
        now = dict(s.execute(select(ForumTakeaway.text, ForumTakeaway.id)).all())
    assert now["Share the care work"] == takeaway_ids["Share the care work"]
    assert count(db, ForumTakeaway) == 2
    assert count(db, ActionItem) == 2
    assert count(db, ForumFacilitator) == 2
    assert count(db, models.Testimony) == 4

    # Matching by content when the data carries no ids.
    again = forums.update_forum(db, view.id, ForumData(
        topic="t", held_on=D(2025, 3, 10),
        action_items=[ActionItemData("Write to the dean (again)", done=True)],
    ))
    assert [(a.id, a.done_at) for a in again.action_items] == [(done.id, done.done_at)]
    assert again.testimonies == [] and again.facilitators == []


def test_list_forums_counts(db, chapter, cast):
    ana, _, _ = cast
    first = forums.create_forum(db, chapter.id, full_forum(chapter.id, cast))
    forums.set_action_item_done(db, first.action_items[2].id, True)
    second = forums.create_forum(
        db, chapter.id,
        ForumData(topic="Pay gap", held_on=D(2025, 4, 2), takeaways=["Publish salaries"]),
    )
    other = create_chapter(db, ChapterData(name="Otro", country="ES"))
    forums.create_forum(db, other.id, ForumData(topic="Theirs", held_on=D(2025, 4, 1)))

    rows = forums.list_forums(db, chapter.id)
    assert [(r.id, r.takeaway_count, r.open_action_count, r.testimony_count) for r in rows] == [
        (second.id, 1, 0, 0),
        (first.id, 2, 2, 4),
    ]
    assert [r.id for r in forums.list_forums(db, chapter.id, descending=False)] == [
        first.id, second.id,
    ]
    assert [r.id for r in forums.list_forums(db, chapter.id, start=D(2025, 4, 1))] == [second.id]
    assert [r.id for r in forums.list_forums(db, chapter.id, end=D(2025, 3, 10))] == [first.id]


def test_action_items_open_overdue_first(db, chapter, cast):
    view = forums.create_forum(db, chapter.id, full_forum(chapter.id, cast))
    today = D(2025, 3, 15)
    items = forums.open_action_items(db, chapter.id, today)
    assert [(i.description, i.owner_name, i.overdue) for i in items] == [
        ("Write to the dean", "Luis Pérez", True),
        ("Book the room", "Ana López", False),
        ("Post the summary", None, False),
    ]
    assert items[0].forum_topic == "Masculinities on campus"

    item = forums.set_action_item_done(db, items[0].id, True)
    assert item.done and item.done_at is not None
    assert [i.description for i in forums.open_action_items(db, chapter.id, today)] == [
        "Book the room", "Post the summary",
    ]
    undone = forums.set_action_item_done(db, items[0].id, False)
    assert (undone.done, undone.done_at) == (False, None)
    assert len(forums.open_action_items(db, chapter.id, today)) == 3
    assert forums.get_action_item(db, items[0].id) == undone

    other = create_chapter(db, ChapterData(name="Otro", country="ES"))
    assert forums.open_action_items(db, other.id, today) == []
    with pytest.raises(NotFound):
        forums.set_action_item_done(db, 999, True)
    assert view.id


def test_publishable_testimonies(db, chapter, cast):
    forums.create_forum(db, chapter.id, full_forum(chapter.id, cast))
    published = forums.publishable_testimonies(db, chapter.id)
    assert [(t.text, t.name) for t in published] == [
        ("I learned to listen.", "Ana López"),
        ("It happened to me too.", None),  # anonymous
        ("Name me not.", None),  # the person asked not to be disclosed
    ]
    other = create_chapter(db, ChapterData(name="Otro", country="ES"))
    assert forums.publishable_testimonies(db, other.id) == []


def test_deletes_cascade_and_anonymise(db, chapter, cast):
    ana, luis, _ = cast
    event = make_event(db, chapter.id)
    view = forums.create_forum(db, chapter.id, full_forum(chapter.id, cast, event.id))

    delete_person(db, ana.id)  # her testimony becomes anonymous; her action item ownerless
    after = forums.get_forum(db, view.id)
    assert [f.person_id for f in after.facilitators] == [luis.id]
    assert after.testimonies[0].person_id is None
    assert ("Book the room", None) in [(a.description, a.owner_id) for a in after.action_items]

    delete_event(db, event.id)
    assert forums.get_forum(db, view.id).event_id is None

    forums.delete_forum(db, view.id)
    with pytest.raises(NotFound):
        forums.get_forum(db, view.id)
    for model in (ForumTakeaway, ActionItem, models.Testimony, ForumFacilitator):
        assert count(db, model) == 0
