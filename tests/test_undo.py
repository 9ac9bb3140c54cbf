"""Delete with undo (chapter_manager.services.undo)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text, update

from chapter_manager import models
from chapter_manager.demo import generate_demo
from chapter_manager.errors import ChapterError, DuplicateError, NotFound
from chapter_manager.models import (
    ActionItem,
    Attendance,
    AuditAction,
    AuditEntry,
    Base,
    Event,
    ForumFacilitator,
    ForumSession,
    Membership,
    MembershipStatus,
    OfficerTerm,
    Person,
    Pledge,
    Tombstone,
)
from chapter_manager.services import browse, chapters, events, members, people, pledges, undo
from chapter_manager.services.browse import PeopleQuery
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData
from chapter_manager.services.undo import CannotRestore
from chapter_manager.storage import open_database

TODAY = dt.date(2026, 3, 10)
# Tables whose rows change by themselves: the audit log grows, device counters advance.
CHANGING = {"audit_log", "devices"}
CHANGE_LOG = "changes"  # the settings row of storage/watch.py


def dump(db):
    """Every row of every table (but the audit log and devices), keyed by primary key."""
    out = {}
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in CHANGING:
                continue
            out[table.name] = {
                tuple(r[c.name] for c in table.primary_key): dict(r)
                for r in s.execute(select(table)).mappings()
            }
    out["settings"].pop((CHANGE_LOG,), None)  # counts every write, as the audit log does
    return out


def count(db, model, *where):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def fts_hits(db, token):
    with db.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT rowid FROM people_fts WHERE people_fts MATCH ?", (f'"{token}"',)
        ).fetchall()


@pytest.fixture
def demo(db, chapter):
    return generate_demo(db, members=120, pledges=200, events=8, forums=4, seed=9, today=TODAY)


def _one(db, stmt):
    with db.read() as s:
        return s.scalar(stmt)


def involved_people(db, chapter_id):
    """People who own an action item, told a testimony, facilitated, held office,
    attended an event, and one who only pledged."""
    picks = [
        select(ActionItem.owner_id).where(ActionItem.owner_id.is_not(None)),
        select(models.Testimony.person_id).where(models.Testimony.person_id.is_not(None)),
        select(ForumFacilitator.person_id),
        select(OfficerTerm.person_id),
        select(Attendance.person_id),
        select(Pledge.person_id).where(
            Pledge.chapter_id == chapter_id,
            ~Pledge.person_id.in_(select(Membership.person_id)),
        ),
    ]
    found = []
    for stmt in picks:
        pid = _one(db, stmt.limit(1))
        assert pid is not None
        if pid not in found:
            found.append(pid)
    return found


# --------------------------------------------------------------------------- people


def test_delete_people_and_put_them_back_exactly(db, demo):
    cid = demo.chapter_id
    ids = involved_people(db, cid)
    with db.read() as s:
        emails = dict(s.execute(select(Person.id, Person.email).where(Person.id.in_(ids))).all())
    before = dump(db)
    deleted = undo.delete_people(db, ids)
    assert (deleted.entity, deleted.count) == ("person", len(ids))
    assert deleted.description == f"Delete {len(ids)} people"

    # Gone, with what cascades; references set to NULL.
    assert count(db, Person, Person.id.in_(ids)) == 0
    for model in (Membership, OfficerTerm, Attendance, ForumFacilitator, Pledge):
        assert count(db, model, model.person_id.in_(ids)) == 0
    assert count(db, ActionItem, ActionItem.owner_id.in_(ids)) == 0
    assert count(db, models.Testimony, models.Testimony.person_id.in_(ids)) == 0
    # Tombstones and audit entries, as delete_person writes them.
    assert count(db, Tombstone, Tombstone.entity == "person") == len(ids)
    assert all(people.is_tombstoned(db, cid, email=e) for e in emails.values() if e)
    with db.read() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.DELETE)).all()
    assert len(entries) == len(ids) and {e.entity for e in entries} == {"person"}
    assert {e.details["count"] for e in entries} == {len(ids)}
    assert len({e.details["batch"] for e in entries}) == 1
    # Not found by search, and their words left the search index.
    some_email = next(e for e in emails.values() if e)
    token = some_email.split("@")[0].split(".")[0]
    assert not set(browse.person_ids(db, cid, PeopleQuery(search=some_email, order="name"))) & set(ids)

    assert undo.restore(db, deleted) == len(ids)
    assert dump(db) == before  # every row exactly: ids, uuids, devices, times, links
    assert count(db, Tombstone) == 0
    assert not any(people.is_tombstoned(db, cid, email=e) for e in emails.values() if e)
    with db.read() as s:
        restored = s.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.RESTORE)).all()
    assert len(restored) == len(ids) and {e.entity for e in restored} == {"person"}
    # Search finds them again (the index is kept by triggers).
    assert fts_hits(db, token)
    found = browse.person_ids(db, cid, PeopleQuery(search=some_email, order="relevance"))
    assert [i for i in ids if emails[i] == some_email][0] in found


def test_one_person_and_the_search_index(db, chapter):
    jose = people.create_person(db, chapter.id, PersonData(
        given_names="José", family_names="Ñúñez", email="jose.nunez@unam.mx", student_id="0312"))
    deleted = undo.delete_people(db, [jose.id])
    assert deleted.description == "Delete “José Ñúñez”"
    assert "Ñúñez" not in repr(deleted)  # nothing personal in logs
    assert fts_hits(db, "nunez") == [] and fts_hits(db, "0312") == []
    assert people.search_people(db, chapter.id, "nunez") == []
    assert undo.restore(db, deleted) == 1
    assert people.get_person(db, jose.id) == jose
    assert [r.id for r in people.search_people(db, chapter.id, "nunez")] == [jose.id]
    assert [r.id for r in people.search_people(db, chapter.id, "0312")] == [jose.id]


def test_putting_back_twice_is_refused(db, chapter):
    ana = people.create_person(db, chapter.id, PersonData(given_names="Ana"))
    deleted = undo.delete_people(db, [ana.id])
    undo.restore(db, deleted)
    with pytest.raises(CannotRestore) as err:
        undo.restore(db, deleted)
    assert isinstance(err.value, ChapterError)
    assert "already" in str(err.value)


@pytest.mark.parametrize("field", ["email", "student_id"])
def test_an_email_or_student_id_taken_meanwhile(db, chapter, field):
    values = {"email": "ana@unam.mx", "student_id": "12345"}
    ana = people.create_person(db, chapter.id, PersonData(given_names="Ana", **{field: values[field]}))
    deleted = undo.delete_people(db, [ana.id])
    other = people.create_person(db, chapter.id, PersonData(given_names="Otra", **{field: values[field]}))
    before = dump(db)
    with pytest.raises(DuplicateError) as err:
        undo.restore(db, deleted)
    assert err.value.existing_id == other.id
    assert "Ana" in str(err.value) and "Otra" in str(err.value) and values[field] in str(err.value)
    assert dump(db) == before  # nothing changed, the tombstone stays
    # Once the other entry is gone, Ana can come back.
    people.delete_person(db, other.id)
    assert undo.restore(db, deleted) == 1


def test_links_changed_meanwhile_are_kept(db, demo):
    cid = demo.chapter_id
    with db.read() as s:
        item_id, owner = s.execute(
            select(ActionItem.id, ActionItem.owner_id).where(ActionItem.owner_id.is_not(None)).limit(1)
        ).one()
        someone_else = s.scalar(select(Person.id).where(Person.chapter_id == cid, Person.id != owner).limit(1))
    deleted = undo.delete_people(db, [owner])
    with db.write() as s:
        s.execute(update(ActionItem).where(ActionItem.id == item_id).values(owner_id=someone_else))
    undo.restore(db, deleted)
    assert _one(db, select(ActionItem.owner_id).where(ActionItem.id == item_id)) == someone_else


def test_an_id_taken_meanwhile_gives_a_new_id_and_the_links_follow(db, chapter):
    people.create_person(db, chapter.id, PersonData(given_names="First"))
    last = people.create_person(db, chapter.id, PersonData(given_names="Last", email="last@x.org"))
    members.set_membership(db, last.id, MembershipStatus.ACTIVE, joined_on=TODAY)
    pledges.record_pledge(db, last.id, PledgeData())
    deleted = undo.delete_people(db, [last.id])
    newcomer = people.create_person(db, chapter.id, PersonData(given_names="Newcomer"))
    if newcomer.id != last.id:
        pytest.skip("this SQLite did not give the deleted id out again")
    assert undo.restore(db, deleted) == 1
    with db.read() as s:
        back = s.scalars(select(Person).where(Person.uuid == last.uuid)).one()
        assert back.id != last.id and back.email == "last@x.org"
        assert s.scalar(select(Membership.person_id).where(Membership.person_id == back.id)) == back.id
        assert s.scalar(select(func.count()).select_from(Pledge).where(Pledge.person_id == back.id)) == 1
        assert s.scalar(select(Pledge.person_id).where(Pledge.person_id == newcomer.id)) is None
    assert people.get_person(db, newcomer.id).given_names == "Newcomer"
    assert [r.id for r in people.search_people(db, chapter.id, "last")] == [back.id]


# --------------------------------------------------------------------------- events


def test_delete_events_and_put_them_back(db, demo):
    cid = demo.chapter_id
    with db.read() as s:
        # Events with attendance and pledges, one of them linked to a forum if any is.
        linked = s.scalar(select(ForumSession.event_id).where(ForumSession.event_id.is_not(None)).limit(1))
        busy = s.scalars(
            select(Pledge.event_id).where(Pledge.chapter_id == cid, Pledge.event_id.is_not(None))
            .group_by(Pledge.event_id).order_by(func.count().desc()).limit(2)
        ).all()
    ids = list(dict.fromkeys([*busy, *([linked] if linked else [])]))
    before = dump(db)
    deleted = undo.delete_events(db, ids)
    assert deleted.count == len(ids)
    assert count(db, Event, Event.id.in_(ids)) == 0
    assert count(db, Attendance, Attendance.event_id.in_(ids)) == 0
    assert count(db, Pledge, Pledge.event_id.in_(ids)) == 0
    assert count(db, Pledge) == 200  # the pledges stay, without their event
    assert count(db, ForumSession, ForumSession.event_id.in_(ids)) == 0
    assert undo.restore(db, deleted) == len(ids)
    assert dump(db) == before


def test_events_put_back_as_the_database_would_have_kept_them(db, chapter):
    def event(title):
        return events.create_event(db, chapter.id, events.EventData(
            title=title, starts_at=dt.datetime(2026, 3, 1, 18, tzinfo=dt.UTC))).id

    feria, cine = event("Feria"), event("Cine")
    ana = people.create_person(db, chapter.id, PersonData(given_names="Ana")).id
    luis = people.create_person(db, chapter.id, PersonData(given_names="Luis")).id
    ana_pledge = pledges.record_pledge(db, ana, PledgeData(event_id=feria)).pledge_id
    pledges.record_pledge(db, luis, PledgeData(event_id=feria))
    deleted = undo.delete_events(db, [feria])
    assert deleted.description == "Delete “Feria”"
    # Meanwhile Luis is deleted (his attendance would have gone with him) and Ana's
    # pledge is moved to another event.
    people.delete_person(db, luis)
    with db.write() as s:
        s.execute(update(Pledge).where(Pledge.id == ana_pledge).values(event_id=cine))
    assert undo.restore(db, deleted) == 1
    with db.read() as s:
        assert s.scalars(select(Attendance.person_id).where(Attendance.event_id == feria)).all() == [ana]
    assert _one(db, select(Pledge.event_id).where(Pledge.id == ana_pledge)) == cine


# --------------------------------------------------------------------------- forums and pledges


def test_delete_forums_and_put_them_back(db, demo):
    with db.read() as s:
        ids = s.scalars(select(ForumSession.id).where(ForumSession.chapter_id == demo.chapter_id)).all()
    before = dump(db)
    deleted = undo.delete_forums(db, ids)
    assert deleted.count == len(ids) == 4
    for model in (ActionItem, models.Testimony, ForumFacilitator):
        assert count(db, model) == 0
    assert undo.restore(db, deleted) == 4
    assert dump(db) == before


def test_delete_pledges_and_put_them_back(db, demo):
    with db.read() as s:
        ids = s.scalars(select(Pledge.id).where(Pledge.chapter_id == demo.chapter_id).limit(25)).all()
    before = dump(db)
    deleted = undo.delete_pledges(db, ids)
    assert deleted.description == "Delete 25 pledges"
    assert count(db, Pledge) == 175 and count(db, Person) == before["people"].__len__()
    assert undo.restore(db, deleted) == 25
    assert dump(db) == before


def test_a_pledge_that_cannot_go_back(db, chapter):
    ana = people.create_person(db, chapter.id, PersonData(given_names="Ana")).id
    first = pledges.record_pledge(db, ana, PledgeData()).pledge_id
    deleted = undo.delete_pledges(db, [first])
    assert deleted.description == "Delete a pledge"
    second = pledges.record_pledge(db, ana, PledgeData()).pledge_id  # she signed again
    with pytest.raises(DuplicateError) as err:
        undo.restore(db, deleted)
    assert "Ana" in str(err.value)
    pledges.delete_pledge(db, second)
    people.delete_person(db, ana)  # now the signer is gone
    with pytest.raises(CannotRestore) as gone:
        undo.restore(db, deleted)
    assert "person" in str(gone.value)


# --------------------------------------------------------------------------- edges


def test_unknown_ids_delete_nothing(db, chapter):
    ana = people.create_person(db, chapter.id, PersonData(given_names="Ana")).id
    for delete in (undo.delete_people, undo.delete_events, undo.delete_forums, undo.delete_pledges):
        with pytest.raises(NotFound):
            delete(db, [ana, 987654])
    assert count(db, Person) == 1


def test_nothing_to_delete(db, chapter):
    deleted = undo.delete_people(db, [])
    assert deleted.count == 0
    assert undo.restore(db, deleted) == 0


def test_chapter_gone_or_another_database(db, chapter, tmp_path):
    ana = people.create_person(db, chapter.id, PersonData(given_names="Ana")).id
    deleted = undo.delete_people(db, [ana])
    other = open_database(tmp_path / "other.db")
    try:
        chapters.create_chapter(other, chapters.ChapterData(name="Otro"))
        with pytest.raises(CannotRestore) as err:
            undo.restore(other, deleted)
        assert "another database" in str(err.value)
    finally:
        other.close()
    chapters.delete_chapter(db, chapter.id)
    with pytest.raises(CannotRestore) as err:
        undo.restore(db, deleted)
    assert "chapter" in str(err.value)


def test_deleting_is_one_transaction(db, chapter, monkeypatch):
    ana = people.create_person(db, chapter.id, PersonData(given_names="Ana")).id
    before = dump(db)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(db, "purge_deleted_text", broken)
    with pytest.raises(RuntimeError):
        undo.delete_people(db, [ana])
    assert dump(db) == before
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'delete'")).scalar() == 0
