import datetime as dt
import uuid

import pytest
from sqlalchemy import exc, select

from chapter_manager.models import REPLICATED_MODELS, Chapter, Person, Pledge
from chapter_manager.privacy import identity_hash, personal_columns


def test_every_laptop_created_table_is_replicated():
    names = {m.__tablename__ for m in REPLICATED_MODELS}
    assert {"chapters", "people", "memberships", "officer_terms", "events", "attendance",
            "forum_sessions", "forum_takeaways", "forum_action_items", "forum_testimonies",
            "pledges", "goals", "audit_log"} <= names
    for model in REPLICATED_MODELS:
        cols = model.__table__.c
        assert {"uuid", "device_id", "device_seq"} <= set(cols.keys())
        assert cols["uuid"].unique


def test_personal_fields_are_known_in_one_place():
    fields = personal_columns()
    assert fields["people"]["email"] == "contact"
    assert fields["people"]["phone"] == "contact"
    assert fields["people"]["student_id"] == "identifier"
    assert fields["people"]["gender"] == "sensitive"
    assert {"given_names", "family_names", "notes", "search_text"} <= set(fields["people"])
    assert "personal_commitment" in fields["pledges"]
    assert "text" in fields["forum_testimonies"]
    assert "audit_log" not in fields and "tombstones" not in fields


def test_one_pledge_per_person_per_chapter_is_enforced_by_the_database(db, chapter):
    with db.write() as s:
        p = Person(chapter_id=chapter.id, given_names="Ana")
        s.add(p)
        s.flush()
        s.add(Pledge(chapter_id=chapter.id, person_id=p.id, signed_at=dt.datetime.now(dt.UTC),
                     commitment_version="1", consent_version="1"))
    with pytest.raises(exc.IntegrityError), db.write() as s:
        s.add(Pledge(chapter_id=chapter.id, person_id=p.id, signed_at=dt.datetime.now(dt.UTC),
                     commitment_version="1", consent_version="1"))


def test_a_person_needs_a_name_even_below_the_services(db, chapter):
    with pytest.raises(exc.IntegrityError), db.write() as s:
        s.add(Person(chapter_id=chapter.id))


def test_deleting_a_chapter_cascades(db, chapter):
    from chapter_manager.services.chapters import delete_chapter
    from chapter_manager.services.people import PersonData, create_person

    create_person(db, chapter.id, PersonData(given_names="Ana"))
    delete_chapter(db, chapter.id)
    with db.read() as s:
        assert s.scalars(select(Person)).all() == []
        assert s.scalars(select(Chapter)).all() == []


def test_identity_hash_is_keyed_and_one_way():
    a = identity_hash(b"salt-a", "ana@x.org")
    assert a == identity_hash(b"salt-a", "ana@x.org")
    assert a != identity_hash(b"salt-b", "ana@x.org")
    assert "ana" not in a and len(a) == 64
    assert identity_hash(b"s", None) is None


def test_uuid_and_utc_round_trip(db, chapter):
    with db.read() as s:
        c = s.get(Chapter, chapter.id)
        assert isinstance(c.uuid, uuid.UUID) and c.created_at.tzinfo == dt.UTC


def test_audit_log_records_deletions_with_the_device_and_no_personal_data(db, chapter):
    from chapter_manager.models import AuditAction
    from chapter_manager.services.audit import list_audit
    from chapter_manager.services.people import PersonData, create_person, delete_person

    p = create_person(db, chapter.id, PersonData(given_names="Ana", family_names="Secreta", email="ana@x.org"))
    delete_person(db, p.id)
    entries = list_audit(db, chapter.id, action=AuditAction.DELETE)
    assert len(entries) == 1
    entry = entries[0]
    assert entry.entity == "person" and entry.entity_uuid == p.uuid
    assert entry.device_id == db.device.id and entry.device_name
    assert "Secreta" not in repr(entry) and "ana@x.org" not in repr(entry)
