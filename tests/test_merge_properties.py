"""Property tests of merging (hypothesis): several laptops' sign-ups, merged in any order.

Each example plays a fair: a main database (maybe with sign-ups of its own) and two or
three kiosk laptops (made with ``pack export --for-kiosk`` for one of two events), each
with its own clock skew, where people sign up: people with an email and/or a student id
(typed with different case and spaces on each laptop) and people who give only a name
(three names to choose from, so the same names meet at the same event).  Afterwards,
on the main database and on the laptops, people give or withdraw consents explicitly at
random moments (before, between and after the signings).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from merging import FAIR_DAY, MAIN_DEVICE, laptop, make_main, signup, state
from sqlalchemy import select

from chapter_manager.models import Attendance, MergeBatch, Person, Pledge
from chapter_manager.services import consent, kiosk_database, merge, merge_undo, pack_export
from chapter_manager.storage import open_database

NAMES = [("Ana", "López"), ("José", "Núñez"), ("Li", "Wei")]
SPELLINGS = [lambda s: s, str.upper, lambda s: s.replace("ó", "o").replace("ú", "u").lower()]


@dataclasses.dataclass(frozen=True)
class Human:
    name: int
    email: bool
    student_id: bool


@dataclasses.dataclass(frozen=True)
class SignUp:
    human: int
    spelling: int
    with_event: bool
    contact: bool
    publish: bool


@dataclasses.dataclass(frozen=True)
class Statement:
    place: int  # -1: the main database; else a laptop
    human: int
    purpose: str
    given: bool
    minute: int  # after FAIR_DAY (never on a signing's whole minute: no ties with them)


humans = st.lists(
    st.builds(Human, st.integers(0, 2), st.booleans(), st.booleans()), min_size=1, max_size=5
)


def sign_ups(n_humans: int, most: int) -> st.SearchStrategy[list[SignUp]]:
    return st.lists(
        st.builds(SignUp, st.integers(0, n_humans - 1), st.integers(0, 2),
                  st.booleans(), st.booleans(), st.booleans()),
        max_size=most,
    )


@st.composite
def fairs(draw):  # type: ignore[no-untyped-def]
    people = draw(humans)
    n = len(people)
    laptops = draw(st.lists(
        st.tuples(st.sampled_from([1, 2]), st.integers(-180, 180), sign_ups(n, 4).filter(bool)),
        min_size=2, max_size=3,
    ))
    at_main = draw(sign_ups(n, 2))
    statements = draw(st.lists(
        st.builds(Statement, st.integers(-1, len(laptops) - 1), st.integers(0, n - 1),
                  st.sampled_from(["contact", "publish"]), st.booleans(), st.integers(-200, 300)),
        max_size=4,
    ))
    return people, laptops, at_main, statements


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    main = make_main(folder / "main.db")
    try:
        for event in (1, 2):
            kiosk_database.export_for_kiosk(main, folder / f"kiosk-{event}.db", event)
    finally:
        main.close()
    return folder


def _sign(db, human: Human, number: int, s: SignUp, event_id: int, when: dt.datetime):  # type: ignore[no-untyped-def]
    given, family = (SPELLINGS[s.spelling](part) for part in NAMES[human.name])
    email = None
    if human.email:
        email = [f"h{number}@unam.mx", f"H{number}@UNAM.MX", f"  h{number}@Unam.mx "][s.spelling]
    student_id = f"0{number}42" if human.student_id else None
    return signup(db, given=given, family=family, email=email, student_id=student_id,
                  event_id=event_id if s.with_event else None, when=when,
                  contact=s.contact, publish=s.publish)


def _identified(human: Human) -> bool:
    return human.email or human.student_id


def _state_explicitly(db, people, statements, place, done):  # type: ignore[no-untyped-def]
    """The statements made at one place, by people identified who signed there."""
    for k, st_ in enumerate(statements):
        if st_.place != place or not _identified(people[st_.human]):
            continue
        with db.read() as session:
            found = session.execute(select(Person.id).where(
                (Person.email_key == f"h{st_.human}@unam.mx") | (Person.student_id == f"0{st_.human}42"))).first()
        if found is None:
            continue
        # Distinct seconds: no two explicit statements (nor a signing) at the same moment.
        when = FAIR_DAY + dt.timedelta(minutes=st_.minute, seconds=1 + k)
        if st_.given:
            consent.give(db, found[0], st_.purpose, notice_version="2024-1", stated_at=when)
        else:
            consent.withdraw(db, found[0], st_.purpose, stated_at=when)
        done.append((st_.human, st_.purpose, st_.given, when))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(fair=fairs())
def test_merge_is_idempotent_order_independent_and_loses_no_one(templates, fair):
    people, laptops, at_main, statements = fair
    explicit: list[tuple[int, str, bool, dt.datetime]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = folder / "base.db"
        shutil.copyfile(templates / "main.db", base)
        db = open_database(base, device=MAIN_DEVICE)
        signed: list[tuple[Human, int, SignUp, int, dt.datetime]] = []
        for i, s in enumerate(at_main):
            when = FAIR_DAY + dt.timedelta(minutes=i)
            _sign(db, people[s.human], s.human, s, 1, when)
            signed.append((people[s.human], s.human, s, 1, when))
        _state_explicitly(db, people, statements, -1, explicit)
        db.close()
        packs = []
        name_only_people = sum(not _identified(people[s.human]) for s in at_main)
        for n, (event, skew, ups) in enumerate(laptops):
            path = folder / f"kiosk{n}.db"
            shutil.copyfile(templates / f"kiosk-{event}.db", path)
            kiosk = open_database(path, device=laptop(n))
            try:
                for i, s in enumerate(ups):
                    # Each laptop's clock is off by its own skew; its sign-ups are in order.
                    when = FAIR_DAY + dt.timedelta(minutes=skew + i)
                    outcome = _sign(kiosk, people[s.human], s.human, s, 1, when)
                    name_only_people += outcome.new_person and not _identified(people[s.human])
                    signed.append((people[s.human], s.human, s, event, when))
                _state_explicitly(kiosk, people, statements, n, explicit)
                packs.append(pack_export.export_pack(kiosk, folder / f"{n}.cmpack").path)
            finally:
                kiosk.close()

        forward, backward = folder / "forward.db", folder / "backward.db"
        shutil.copyfile(base, forward)
        shutil.copyfile(base, backward)
        one = open_database(forward, device=MAIN_DEVICE)
        other = open_database(backward, device=MAIN_DEVICE)
        try:
            before = state(one)
            for pack in packs:  # one merge after another
                merge.merge_packs(one, [pack])
            merge.merge_packs(other, list(reversed(packs)))  # all at once, the other way round
            after = state(one)

            # Order-independent.
            assert state(other) == after
            # Idempotent: every pack again changes nothing, and records no merge.
            batches = _count(one, MergeBatch)
            again = merge.merge_packs(one, packs)
            assert again.batch_id is None and not again.changed
            assert state(one) == after and _count(one, MergeBatch) == batches

            # No duplicate person for one email or one student id; no sign-up lost.
            with one.read() as session:
                rows = session.execute(select(Person.id, Person.email_key, Person.student_id)).all()
                emails = [r.email_key for r in rows if r.email_key]
                ids = [r.student_id for r in rows if r.student_id]
                assert len(emails) == len(set(emails)) and len(ids) == len(set(ids))
                assert sum(not (r.email_key or r.student_id) for r in rows) == name_only_people
                pledges = {p.person_id: p for p in session.execute(select(Pledge)).scalars()}
                attended = {(a.event_id, a.person_id) for a in session.execute(select(Attendance)).scalars()}
                by_number: dict[int, int] = {}
                for r in rows:
                    for number in range(len(people)):
                        if r.email_key == f"h{number}@unam.mx" or r.student_id == f"0{number}42":
                            by_number[number] = r.id
                for human, number, s, event, _when in signed:
                    if not _identified(human):
                        continue
                    person = by_number[number]
                    assert person in pledges  # one pledge: the person's
                    if s.with_event:
                        assert (event, person) in attended
                # One pledge per person, the earliest signing; each consent is the latest
                # statement (a ticked box at a signing, or an explicit one; an unticked box
                # says nothing; at the same moment, a withdrawal wins).
                for number, person in by_number.items():
                    theirs = [(w, s) for h, n, s, _e, w in signed if n == number]
                    pledge = pledges[person]
                    # Each place's sign-ups are in time order, so the earliest of all is
                    # the first signing of some place: the pledge that place recorded.
                    assert pledge.signed_at == min(w for w, _s in theirs)
                    for purpose, column in (("contact", "may_contact"), ("publish", "may_publish_name")):
                        said = [(w, not True) for w, s in theirs if getattr(s, purpose)]
                        said += [(w, not g) for h, p, g, w in explicit if h == number and p == purpose]
                        expected = bool(said) and not max(said)[1]
                        assert getattr(pledge, column) == expected, (purpose, said)
                assert len(pledges) == len(rows)

            # The whole merge can be undone, newest first, back to where it started.
            for batch in merge_undo.list_merges(one, 1):
                if batch.undone_at is None:
                    merge_undo.undo_merge(one, batch.id)
            assert state(one) == before
        finally:
            one.close()
            other.close()


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return len(s.execute(select(model.id)).all())


# --------------------------------------------------------------------------- differing names

IMPOSTOR = ("Mallory", "Quinn")


@dataclasses.dataclass(frozen=True)
class Signing:
    human: int
    name: int  # 0-2: one of NAMES (maybe not the human's own), 3: an impostor's name
    spelling: int
    with_phone: bool
    contact: bool


@st.composite
def clashing_fairs(draw):  # type: ignore[no-untyped-def]
    people = draw(st.lists(st.builds(Human, st.integers(0, 2), st.booleans(), st.booleans())
                           .filter(_identified), min_size=1, max_size=3))
    n = len(people)
    signing = st.builds(Signing, st.integers(0, n - 1), st.integers(0, 3), st.integers(0, 2),
                        st.booleans(), st.booleans())
    laptops = draw(st.lists(st.tuples(st.integers(-120, 120), st.lists(signing, min_size=1, max_size=4)),
                            min_size=2, max_size=3))
    at_main = draw(st.lists(signing, max_size=2))
    return people, laptops, at_main


def _sign_as(db, human: Human, number: int, s: Signing, when: dt.datetime):  # type: ignore[no-untyped-def]
    from chapter_manager.models import RecordSource as Source
    from chapter_manager.services.people import PersonData
    from chapter_manager.services.pledges import PledgeData, sign_up

    given, family = IMPOSTOR if s.name == 3 else (SPELLINGS[s.spelling](p) for p in NAMES[s.name])
    return sign_up(db, 1, PersonData(
        given_names=given, family_names=family,
        email=f"h{number}@unam.mx" if human.email else None,
        student_id=f"0{number}42" if human.student_id else None,
        phone=f"+52 55 1234 {number:04d}" if s.with_phone else None,
    ), PledgeData(signed_at=when, event_id=1, may_contact=s.contact, source=Source.KIOSK))


def everything(db) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Every column of people, pledges, attendance and questions, by UUID (ids are local;
    moments of writing differ between runs; a version counts the saves in this file, so
    it follows the order of the work, not what the rows hold)."""
    from chapter_manager.models import MergeReview

    skip = {"id", "updated_at", "version"}
    with db.read() as s:
        people = {p.id: p for p in s.execute(select(Person)).scalars()}
        uuid_of = {pid: str(p.uuid) for pid, p in people.items()}

        def row(obj, table) -> tuple:  # type: ignore[no-untyped-def]
            out = []
            for column in table.columns:
                if column.name in skip:
                    continue
                value = getattr(obj, column.key)
                if column.name in ("person_id", "candidate_id"):
                    value = uuid_of.get(value)
                out.append((column.name, str(value)))
            return tuple(out)

        return {
            "people": sorted(row(p, Person.__table__) for p in people.values()),
            "pledges": sorted(row(p, Pledge.__table__) for p in s.execute(select(Pledge)).scalars()),
            "attendance": sorted(row(a, Attendance.__table__) for a in s.execute(select(Attendance)).scalars()),
            "reviews": sorted((uuid_of[r.person_id], uuid_of[r.candidate_id], r.reason, str(r.proposed))
                              for r in s.execute(select(MergeReview)).scalars()),
        }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(fair=clashing_fairs())
def test_differing_names_for_one_email_merge_the_same_in_any_order_and_change_no_one(templates, fair):
    """Laptops where an email or student id comes with different names (the person's own
    in other spellings, another person's, an impostor's), with or without a phone."""
    people, laptops, at_main = fair
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = folder / "base.db"
        shutil.copyfile(templates / "main.db", base)
        db = open_database(base, device=MAIN_DEVICE)
        signings = 0
        for i, s in enumerate(at_main):
            _sign_as(db, people[s.human], s.human, s, FAIR_DAY + dt.timedelta(minutes=i))
            signings += 1
        db.close()
        packs = []
        for n, (skew, ups) in enumerate(laptops):
            path = folder / f"kiosk{n}.db"
            shutil.copyfile(templates / "kiosk-1.db", path)
            kiosk = open_database(path, device=laptop(n))
            try:
                for i, s in enumerate(ups):
                    _sign_as(kiosk, people[s.human], s.human, s, FAIR_DAY + dt.timedelta(minutes=skew + i))
                    signings += 1
                packs.append(pack_export.export_pack(kiosk, folder / f"{n}.cmpack").path)
            finally:
                kiosk.close()
        forward, backward = folder / "forward.db", folder / "backward.db"
        shutil.copyfile(base, forward)
        shutil.copyfile(base, backward)
        one = open_database(forward, device=MAIN_DEVICE)
        other = open_database(backward, device=MAIN_DEVICE)
        try:
            before = everything(one)
            merge.merge_packs(one, packs)
            merge.merge_packs(other, list(reversed(packs)))
            after = everything(one)
            # A+B = B+A, column for column: names, UUIDs, identifiers, phones, pledges, queue.
            assert everything(other) == after
            # The people of the main database are exactly as they were.
            assert set(before["people"]) <= set(after["people"])
            # Idempotent.
            again = merge.merge_packs(one, packs)
            assert again.batch_id is None and not again.changed and everything(one) == after
            with one.read() as s:
                rows = s.execute(select(Person.id, Person.email_key, Person.student_id)).all()
                emails = [r.email_key for r in rows if r.email_key]
                ids = [r.student_id for r in rows if r.student_id]
                assert len(emails) == len(set(emails)) and len(ids) == len(set(ids))
                # No sign-up lost: every signing is a pledge or (signing again) attendance
                # of someone; all of them were at event 1.
                pledged = {p.person_id for p in s.execute(select(Pledge)).scalars()}
                assert pledged == {r.id for r in rows}
            for batch in merge_undo.list_merges(one, 1):
                if batch.undone_at is None:
                    merge_undo.undo_merge(one, batch.id)
            assert everything(one) == before
        finally:
            one.close()
            other.close()
