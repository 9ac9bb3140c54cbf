"""Sign-up packs and merging laptops: real database files, real packs, real merges."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3

import pytest
from merging import (
    FAIR_DAY,
    MAIN_DEVICE,
    copy_db,
    laptop,
    make_main,
    pack_of,
    signup,
    state,
)
from sqlalchemy import select

from chapter_manager.errors import ChapterError
from chapter_manager.models import (
    Attendance,
    Chapter,
    Event,
    Goal,
    GoalMetric,
    MergeBatch,
    Person,
    Pledge,
)
from chapter_manager.privacy import personal_columns
from chapter_manager.services import (
    consent,
    kiosk_database,
    merge,
    merge_reviews,
    merge_undo,
    pack_export,
)
from chapter_manager.services.chapters import ChapterData, create_chapter
from chapter_manager.services.events import EventData, create_event
from chapter_manager.services.people import delete_person
from chapter_manager.storage import open_database
from chapter_manager.storage.packs import MAGIC, PackRefused


@pytest.fixture
def main(tmp_path):
    db = make_main(tmp_path / "main.db")
    with db.write() as s:
        chapter = s.get(Chapter, 1)
        chapter.advisor_name, chapter.advisor_email = "Dra. Rosa Elena", "rosa@unam.mx"
        s.add(Goal(chapter_id=1, metric=GoalMetric.PLEDGES, target=500,
                   starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30)))
    yield db
    db.close()


@pytest.fixture
def kiosks(main, tmp_path):
    made = []
    template = tmp_path / "kiosk-template.db"
    kiosk_database.export_for_kiosk(main, template, 1)
    for n in (1, 2, 3):
        made.append(copy_db(template, tmp_path / f"kiosk{n}.db", laptop(n)))
    yield made
    for k in made:
        k.close()


def copy_of(db, path):  # type: ignore[no-untyped-def]
    db.backup(to=path)
    return open_database(path, device=MAIN_DEVICE)


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return len(s.execute(select(model.id)).all())


# --------------------------------------------------------------------------- kiosk databases


def test_kiosk_database_has_the_chapter_event_and_goals_and_no_personal_data(main, tmp_path):
    made = kiosk_database.export_for_kiosk(main, tmp_path / "kiosk.db", 1)
    assert made.goals == 1
    kiosk = open_database(made.path)
    try:
        with kiosk.read() as s, main.read() as m:
            chapter, theirs = s.get(Chapter, made.chapter_id), m.get(Chapter, 1)
            assert chapter.uuid == theirs.uuid and chapter.name == theirs.name
            # The key of erased people's hashes stays home (a copied kiosk database must
            # not let anyone test guesses against the tombstones); merges check them here.
            assert chapter.privacy_salt == bytes(32) and theirs.privacy_salt != bytes(32)
            event = s.get(Event, made.event_id)
            assert event.uuid == m.get(Event, 1).uuid
            assert [e.title for e in s.execute(select(Event)).scalars()] == ["Jornada de firmas"]
            assert len(s.execute(select(Goal)).all()) == 1
            assert s.execute(select(Person)).first() is None
            for table, columns in personal_columns().items():
                for column in columns:
                    values = s.execute(
                        select(Chapter.__table__.c[column]) if table == "chapters" else
                        select(Person.__table__.c[column]) if table == "people" else select(1).where(False)
                    ).scalars().all() if table in ("chapters", "people") else []
                    assert all(v in ("", None) for v in values), (table, column)
    finally:
        kiosk.close()
    raw = (tmp_path / "kiosk.db").read_bytes()
    assert b"rosa@unam.mx" not in raw and b"Rosa Elena" not in raw
    with main.read() as m:
        assert m.get(Chapter, 1).privacy_salt not in raw


def test_kiosk_database_refuses_to_overwrite(main, tmp_path):
    (tmp_path / "k.db").write_bytes(b"mine")
    with pytest.raises(ChapterError, match="exists already"):
        kiosk_database.export_for_kiosk(main, tmp_path / "k.db", 1)
    assert (tmp_path / "k.db").read_bytes() == b"mine"


# --------------------------------------------------------------------------- merging


def test_kiosk_signups_merge_into_the_same_event_once(main, kiosks, tmp_path):
    k1 = kiosks[0]
    for i in range(5):
        signup(k1, given=f"Persona{i}", email=f"p{i}@x.org", when=FAIR_DAY + dt.timedelta(minutes=i))
    pack = pack_of(k1, tmp_path / "k1.cmpack")
    preview = merge.merge_packs(main, [pack], dry_run=True)
    assert (preview.new_people, preview.new_pledges, preview.new_attendance) == (5, 5, 5)
    assert [(e.event_id, e.how) for e in preview.events] == [(1, "uuid")]
    assert count(main, Person) == 0  # the preview changed nothing
    done = merge.merge_packs(main, [pack])
    assert done.counts() == {**preview.counts()}
    assert done.batch_id is not None
    assert count(main, Person) == 5 and count(main, Pledge) == 5
    with main.read() as s:
        assert {p.event_id for p in s.execute(select(Pledge)).scalars()} == {1}
    before = state(main)
    again = merge.merge_packs(main, [pack])
    assert again.batch_id is None and again.known_people == 5 and not again.changed
    assert state(main) == before
    assert count(main, MergeBatch) == 1


def test_same_person_on_two_laptops_is_one_person_one_pledge_earliest_signing(main, kiosks, tmp_path):
    k1, k2 = kiosks[0], kiosks[1]
    # Laptop 2's clock runs an hour behind: its signing looks earlier; nothing is lost.
    signup(k1, given="José", family="Núñez", email="Jose.Nunez@UNAM.mx", when=FAIR_DAY, contact=True)
    signup(k2, given="Jose", family="Nunez", email=" jose.nunez@unam.mx", student_id="0042",
           when=FAIR_DAY - dt.timedelta(hours=1), contact=False)
    a, b = pack_of(k1, tmp_path / "a.cmpack"), pack_of(k2, tmp_path / "b.cmpack")
    first = copy_of(main, tmp_path / "ab.db")
    second = copy_of(main, tmp_path / "ba.db")
    try:
        for db, order in ((main, [a, b]), (first, [a]), (second, [b])):
            merge.merge_packs(db, order)
        merge.merge_packs(first, [b])
        merge.merge_packs(second, [a])
        # Merged one after the other, the person is here when the second pack comes: its
        # student id for their empty field waits for the organiser's review.
        (details,) = merge_reviews.list_reviews(first, 1)
        assert details.reason == "details" and details.offered == {"student_id": "0042"}
        assert merge_reviews.list_reviews(second, 1) == [] and merge_reviews.list_reviews(main, 1) == []
        merge_reviews.resolve_review(first, details.id, same_person=True)
        for db in (main, first, second):
            assert count(db, Person) == 1 and count(db, Pledge) == 1 and count(db, Attendance) == 1
            with db.read() as s:
                pledge = s.execute(select(Pledge)).scalar_one()
                assert pledge.signed_at == FAIR_DAY - dt.timedelta(hours=1)
                assert pledge.may_contact is True  # ticked on one laptop; unticked on the other says nothing
        # Order of merging, or packs in one merge, gives the same pledge and people.
        assert state(first)["pledges"] == state(second)["pledges"] == state(main)["pledges"]
    finally:
        first.close()
        second.close()


def test_person_matched_by_student_id_and_signing_again_is_attendance(main, kiosks, tmp_path):
    signup(main, given="Li", family="Wei", student_id="20261234", event_id=2,
           when=FAIR_DAY + dt.timedelta(days=7))
    signup(kiosks[0], given="Wei", family="Li", student_id="20261234")
    summary = merge.merge_packs(main, [pack_of(kiosks[0], tmp_path / "k.cmpack")])
    assert (summary.matched_people, summary.new_people, summary.new_pledges) == (1, 0, 0)
    assert summary.pledges_replaced == 1  # the kiosk's signing was the earlier one
    assert summary.new_attendance == 1
    assert count(main, Person) == 1 and count(main, Pledge) == 1 and count(main, Attendance) == 2


def test_same_name_at_the_same_event_is_queued_never_merged(main, kiosks, tmp_path):
    signup(main, given="Ana", family="López")  # at event 1, no email
    signup(kiosks[0], given="ANA", family="Lopez")
    signup(kiosks[0], given="Ana", family="López", event_id=None)  # no event: nothing to compare
    summary = merge.merge_packs(main, [pack_of(kiosks[0], tmp_path / "k.cmpack")])
    assert summary.new_people == 2 and summary.queued_for_review == 1
    assert count(main, Person) == 3
    reviews = merge_reviews.list_reviews(main, 1)
    assert [(r.person_name, r.candidate_name) for r in reviews] == [("ANA Lopez", "Ana López")]
    assert reviews[0].event_title == "Jornada de firmas"
    # "The same person": one person with one pledge; merging the pack again adds no one.
    kept = merge_reviews.resolve_review(main, reviews[0].id, same_person=True)
    assert count(main, Person) == 2 and count(main, Pledge) == 2 and count(main, Attendance) == 1
    assert kept == reviews[0].candidate_id
    with main.read() as s:
        assert s.get(Person, kept).given_names == "Ana"  # the entry already here stays
    again = merge.merge_packs(main, [tmp_path / "k.cmpack"])
    assert again.new_people == 0 and again.queued_for_review == 0 and again.batch_id is None
    assert merge_reviews.list_reviews(main, 1) == []


def test_same_person_gains_the_newcomers_email_and_a_later_pack_finds_them(main, kiosks, tmp_path):
    signup(main, given="Ana", family="López")
    signup(kiosks[0], given="Ana", family="Lopez", email="ana@x.org", contact=True)
    merge.merge_packs(main, [pack_of(kiosks[0], tmp_path / "k.cmpack")])
    (review,) = merge_reviews.list_reviews(main, 1)
    assert review.person_details == "ana@x.org" and review.candidate_details == "no email or student id"
    kept = merge_reviews.resolve_review(main, review.id, same_person=True)
    with main.read() as s:
        person = s.get(Person, kept)
        assert (person.email, person.email_key) == ("ana@x.org", "ana@x.org")
        assert "ana@x.org" in person.search_text
        assert s.execute(select(Pledge.may_contact)).scalar_one() is True  # ticked on the kiosk: given
    signup(kiosks[1], given="Ana", family="López", email="ANA@x.org")
    later = merge.merge_packs(main, [pack_of(kiosks[1], tmp_path / "k2.cmpack")])
    assert later.matched_people == 1 and later.new_people == 0 and count(main, Person) == 1


def test_keep_separate_is_not_asked_again(main, kiosks, tmp_path):
    signup(main, given="Ana", family="López")
    signup(kiosks[0], given="Ana", family="Lopez")
    pack = pack_of(kiosks[0], tmp_path / "k.cmpack")
    merge.merge_packs(main, [pack])
    (review,) = merge_reviews.list_reviews(main, 1)
    assert merge_reviews.resolve_review(main, review.id, same_person=False) is None
    assert count(main, Person) == 2
    merge.merge_packs(main, [pack])
    assert merge_reviews.list_reviews(main, 1) == [] and count(main, Person) == 2


def test_different_emails_are_not_a_likely_match(main, kiosks, tmp_path):
    signup(main, given="Ana", family="López", email="ana1@x.org")
    signup(kiosks[0], given="Ana", family="López", email="ana2@x.org")
    summary = merge.merge_packs(main, [pack_of(kiosks[0], tmp_path / "k.cmpack")])
    assert summary.queued_for_review == 0 and summary.new_people == 1


def test_erased_person_is_not_brought_back(main, kiosks, tmp_path):
    signup(kiosks[0], given="Erased", family="Person", email="gone@x.org", student_id="777")
    signup(kiosks[0], given="Kept", family="Person", email="kept@x.org")
    pack = pack_of(kiosks[0], tmp_path / "k.cmpack")
    merge.merge_packs(main, [pack])
    with main.read() as s:
        gone = s.execute(select(Person.id).where(Person.email_key == "gone@x.org")).scalar_one()
    delete_person(main, gone)
    again = merge.merge_packs(main, [pack])
    assert again.refused_people == 1 and again.refused_signups == 2 and again.new_people == 0
    # A second laptop with the same student id (another email) is refused too.
    signup(kiosks[1], given="Erased", family="Person", email="other@x.org", student_id="777")
    third = merge.merge_packs(main, [pack_of(kiosks[1], tmp_path / "k2.cmpack")])
    assert third.refused_people == 1 and count(main, Person) == 1


def test_withdrawn_consent_is_not_brought_back(main, kiosks, tmp_path):
    signup(kiosks[0], given="Ana", family="López", email="ana@x.org", contact=True, publish=True)
    pack = pack_of(kiosks[0], tmp_path / "k.cmpack")
    merge.merge_packs(main, [pack])
    with main.read() as s:
        person = s.execute(select(Person.id)).scalar_one()
    consent.withdraw(main, person, "contact")  # later than the kiosk's signing
    again = merge.merge_packs(main, [pack])
    assert again.batch_id is None and (again.consents_given, again.consents_withdrawn) == (0, 0)
    with main.read() as s:
        pledge = s.execute(select(Pledge)).scalar_one()
        assert (pledge.may_contact, pledge.may_publish_name) == (False, True)


def test_undo_takes_back_the_whole_merge(main, kiosks, tmp_path):
    signup(main, given="Li", family="Wei", email="li@x.org", event_id=2, contact=True,
           when=FAIR_DAY + dt.timedelta(days=7))
    before = state(main)
    signup(kiosks[0], given="Li", family="Wei", email="li@x.org", contact=False)  # earlier, withdraws
    for i in range(3):
        signup(kiosks[0], given=f"N{i}", family="X", email=f"n{i}@x.org")
    summary = merge.merge_packs(main, [pack_of(kiosks[0], tmp_path / "k.cmpack")])
    assert summary.pledges_replaced == 1 and summary.new_people == 3
    assert state(main) != before
    merge_undo.undo_merge(main, summary.batch_id)
    assert state(main) == before
    with pytest.raises(ChapterError, match="undone already"):
        merge_undo.undo_merge(main, summary.batch_id)


def test_only_the_newest_merge_can_be_undone(main, kiosks, tmp_path):
    signup(kiosks[0], given="A", family="A", email="a@x.org")
    signup(kiosks[1], given="B", family="B", email="b@x.org")
    one = merge.merge_packs(main, [pack_of(kiosks[0], tmp_path / "1.cmpack")])
    two = merge.merge_packs(main, [pack_of(kiosks[1], tmp_path / "2.cmpack")])
    with pytest.raises(ChapterError, match="later merge"):
        merge_undo.undo_merge(main, one.batch_id)
    merge_undo.undo_merge(main, two.batch_id)
    merge_undo.undo_merge(main, one.batch_id)
    assert count(main, Person) == 0


def test_blank_laptop_event_is_matched_by_title_and_day(main, tmp_path):
    blank = open_database(tmp_path / "blank.db", device=laptop(9))
    try:
        create_chapter(blank, ChapterData(name="HEFORSHE unam", country="MX"))
        create_event(blank, 1, EventData(title="JORNADA DE FIRMAS", starts_at=FAIR_DAY + dt.timedelta(hours=2)))
        create_event(blank, 1, EventData(title="Feria del libro", starts_at=FAIR_DAY))
        signup(blank, given="A", family="A", email="a@x.org", event_id=1)
        signup(blank, given="B", family="B", email="b@x.org", event_id=2)
        pack = pack_of(blank, tmp_path / "blank.cmpack")
    finally:
        blank.close()
    summary = merge.merge_packs(main, [pack])
    assert [(e.title, e.how) for e in summary.events] == [
        ("JORNADA DE FIRMAS", "title"), ("Feria del libro", "new")]
    assert summary.events[0].event_id == 1
    assert count(main, Event) == 3
    again = merge.merge_packs(main, [pack])
    assert again.batch_id is None and count(main, Event) == 3
    assert [e.how for e in again.events] == ["alias", "uuid"]


def test_the_organiser_chooses_the_event_and_the_choice_is_remembered(main, tmp_path):
    blank = open_database(tmp_path / "blank.db", device=laptop(9))
    try:
        create_chapter(blank, ChapterData(name="HeForShe UNAM", country="MX"))
        create_event(blank, 1, EventData(title="Stand en la feria", starts_at=FAIR_DAY))
        create_event(blank, 1, EventData(title="Otra cosa", starts_at=FAIR_DAY))
        signup(blank, given="A", family="A", email="a@x.org", event_id=1)
        signup(blank, given="B", family="B", email="b@x.org", event_id=2)
        pack = pack_of(blank, tmp_path / "blank.cmpack")
    finally:
        blank.close()
    preview = merge.merge_packs(main, [pack], dry_run=True)
    assert [e.how for e in preview.events] == ["new", "new"]
    stand, other = (e.uuid for e in preview.events)
    with pytest.raises(ChapterError, match="no event with id 99"):
        merge.merge_packs(main, [pack], event_choices={stand: 99})
    done = merge.merge_packs(main, [pack], event_choices={stand: 2, other: None})
    assert [(e.event_id, e.how) for e in done.events] == [(2, "chosen"), (3, "new")]
    with main.read() as s:
        assert {(p.event_id, s.get(Person, p.person_id).email) for p in s.execute(select(Pledge)).scalars()} == {
            (2, "a@x.org"), (3, "b@x.org")}
    # Merging again, without choosing, lands on the same events and changes nothing.
    again = merge.merge_packs(main, [pack])
    assert [(e.event_id, e.how) for e in again.events] == [(2, "alias"), (3, "uuid")]
    assert again.batch_id is None
    merge_undo.undo_merge(main, done.batch_id)
    assert count(main, Event) == 2
    # --into-event: every event not known here goes to one event.
    into = merge.merge_packs(main, [pack], into_event=1)
    assert [(e.event_id, e.how) for e in into.events] == [(1, "chosen"), (1, "chosen")]


def test_pack_for_another_chapter_is_refused_unless_chosen(main, tmp_path):
    other = open_database(tmp_path / "other.db", device=laptop(8))
    try:
        create_chapter(other, ChapterData(name="HeForShe Sorbonne", country="FR"))
        signup(other, given="Marie", family="Curie", email="m@x.fr", event_id=None)
        pack = pack_of(other, tmp_path / "other.cmpack")
    finally:
        other.close()
    with pytest.raises(PackRefused, match="HeForShe Sorbonne"):
        merge.merge_packs(main, [pack])
    assert count(main, Person) == 0
    summary = merge.merge_packs(main, [pack], chapter_id=1)  # the organiser's choice
    assert summary.new_people == 1 and summary.packs[0].chapter == "HeForShe Sorbonne"


def test_a_pack_is_never_poured_into_another_chapter_here(main, kiosks, tmp_path):
    second = create_chapter(main, ChapterData(name="HeForShe Sorbonne", country="FR"))
    signup(kiosks[0], given="A", family="A", email="a@x.org")
    pack = pack_of(kiosks[0], tmp_path / "k.cmpack")
    with pytest.raises(PackRefused, match="not of “HeForShe Sorbonne”"):
        merge.merge_packs(main, [pack], chapter_id=second.id)
    assert count(main, Person) == 0
    assert merge.merge_packs(main, [pack], chapter_id=1).new_people == 1


def test_a_pack_of_one_event_carries_nothing_of_anyone_else(main, tmp_path):
    for i in range(30):
        signup(main, given=f"Zyxwvu{i}", family="Qqqqq", email=f"secret{i}@hidden.org", event_id=2,
               student_id=f"99{i:04d}")
    signup(main, given="Ana", family="Visible", email="ana@shown.org", event_id=1)
    with main.write() as s:
        s.get(Person, 1).notes = "a note about someone"  # no sign-up data, but personal
    written = pack_export.export_pack(main, tmp_path / "e1.cmpack", event_id=1)
    assert written.people == 1
    raw = written.path.read_bytes()
    assert b"ana@shown.org" in raw
    for needle in (b"secret", b"hidden.org", b"zyxwvu", b"Zyxwvu", b"qqqqq", b"990001", b"Dra. Rosa"):
        assert needle not in raw, needle


def test_pack_of_one_event_or_since_a_day(main, tmp_path):
    signup(main, given="A", family="A", email="a@x.org", event_id=1)
    signup(main, given="B", family="B", email="b@x.org", event_id=2)
    one = pack_export.export_pack(main, tmp_path / "e2.cmpack", event_id=2)
    assert (one.people, one.pledges, one.attendance, one.events) == (1, 1, 1, 1)
    later = pack_export.export_pack(main, tmp_path / "later.cmpack", since=dt.date.today() + dt.timedelta(days=1))
    assert (later.people, later.pledges) == (0, 0)
    target = make_main(tmp_path / "t.db")
    try:
        summary = merge.merge_packs(target, [one.path])
        assert summary.new_people == 1 and summary.events[0].how == "title"
    finally:
        target.close()


# --------------------------------------------------------------------------- refused packs


def _mutated(src, dst, change):  # type: ignore[no-untyped-def]
    data = bytearray(src.read_bytes())
    change(data)
    dst.write_bytes(bytes(data))
    return dst


@pytest.fixture
def good_pack(kiosks, tmp_path):
    signup(kiosks[0], given="A", family="A", email="a@x.org")
    return pack_of(kiosks[0], tmp_path / "good.cmpack")


def _rewrap(src, dst, payload_change=None, header_change=None):  # type: ignore[no-untyped-def]
    """A pack whose checksum is recomputed after a change: what a forger would make."""
    raw = src.read_bytes()[len(MAGIC):]
    line, payload = raw.split(b"\n", 1)
    fields = json.loads(line)
    if payload_change:
        payload = payload_change(payload)
    if header_change:
        header_change(fields)
    fields["payload_bytes"] = len(payload)
    fields.pop("sha256")
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    fields["sha256"] = hashlib.sha256(canonical + payload).hexdigest()
    dst.write_bytes(MAGIC + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode() + b"\n" + payload)
    return dst


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("truncated", lambda p, d: _mutated(p, d, lambda b: b.__delitem__(slice(len(b) // 2, None))), "incomplete"),
        ("flipped", lambda p, d: _mutated(p, d, lambda b: b.__setitem__(len(b) - 3000, b[len(b) - 3000] ^ 1)), "checksum"),
        ("header", lambda p, d: _mutated(p, d, lambda b: b.__setitem__(slice(30, 31), b"X")), "damaged"),
        ("extra", lambda p, d: _mutated(p, d, lambda b: b.extend(b"more")), "bytes after its description"),
        ("text", lambda p, d: (d.write_text("name,email\nAna,a@x.org\n"), d)[1], "not a sign-up pack"),
        ("empty", lambda p, d: (d.write_bytes(b""), d)[1], "not a sign-up pack"),
        ("newer", lambda p, d: _rewrap(p, d, header_change=lambda f: f.update(format=9)), "newer version"),
        ("foreign", lambda p, d: _rewrap(p, d, payload_change=_foreign_payload), "does not hold Chapter Manager"),
        ("garbage", lambda p, d: _rewrap(p, d, payload_change=lambda b: b[:100] + bytes(len(b) - 100)), "damaged"),
    ],
)
def test_bad_packs_are_refused_and_nothing_changes(main, good_pack, tmp_path, name, make, message):
    bad = make(good_pack, tmp_path / f"{name}.cmpack")
    before = state(main)
    with pytest.raises(PackRefused, match=message):
        merge.merge_packs(main, [good_pack, bad])
    assert state(main) == before and count(main, MergeBatch) == 0


def _foreign_payload(payload: bytes) -> bytes:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.db"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('hello')")
        conn.commit()
        conn.close()
        return path.read_bytes()


def test_a_database_file_is_refused_with_a_hint(main, tmp_path):
    with pytest.raises(PackRefused, match="pack export"):
        merge.merge_packs(main, [main.path])


def test_pack_is_made_while_another_connection_writes(main, kiosks, tmp_path):
    k1 = kiosks[0]
    signup(k1, given="A", family="A", email="a@x.org")
    other = open_database(k1.path, device=laptop(1))  # the kiosk window, still open
    try:
        with other.connect(write=False) as conn:
            conn.exec_driver_sql("SELECT count(*) FROM people").scalar()
            pack = pack_of(k1, tmp_path / "live.cmpack")
        signup(other, given="B", family="B", email="b@x.org")
    finally:
        other.close()
    assert merge.merge_packs(main, [pack]).new_people == 1


def test_cancel_changes_nothing(main, good_pack):
    import threading

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(merge.Cancelled):
        merge.merge_packs(main, [good_pack], cancel=cancel)
    assert count(main, Person) == 0


def test_main_device_sequence_unaffected_and_pack_devices_known(main, kiosks, tmp_path):
    signup(kiosks[0], given="A", family="A", email="a@x.org")
    merge.merge_packs(main, [pack_of(kiosks[0], tmp_path / "k.cmpack")])
    from chapter_manager.models import Device

    with main.read() as s:
        ids = {d.id for d in s.execute(select(Device)).scalars()}
        assert laptop(1).id in ids and MAIN_DEVICE.id in ids
        person = s.execute(select(Person)).scalar_one()
        assert person.device_id == laptop(1).id  # rows keep the laptop that made them
