"""One identity rule for kiosk sign-ups and merges: an email or student id makes a sign-up
someone's only when the name agrees; a sign-up never changes a person's details."""

from __future__ import annotations

import pytest
from merging import FAIR_DAY, MAIN_DEVICE, copy_db, laptop, make_main, pack_of, signup
from sqlalchemy import select

from chapter_manager.models import Attendance, MergeReview, Person, Pledge
from chapter_manager.services import kiosk_database, merge, merge_reviews, merge_undo
from chapter_manager.services.identity import names_agree
from chapter_manager.storage import open_database


@pytest.mark.parametrize(("a", "b", "agree"), [
    (("Ana", "López"), ("ANA", "LOPEZ"), True),  # case and accents
    (("Ana", "López"), ("Ana María", "López García"), True),  # extra middle and second names
    (("Wei", "Li"), ("Li", "Wei"), True),  # order
    (("Łukasz", "Nowak"), ("Lukasz", "Nowak"), True),
    (("Ana", "López"), ("Mallory", "Quinn"), False),
    (("Ana", "López"), ("Ana", "Pérez"), False),  # another family name
    (("Anita", ""), ("Ana", ""), False),  # nicknames are for the organiser to decide
    (("L", ""), ("Luis", ""), False),  # an initial is not a name
    (("", ""), ("", ""), False),
])
def test_names_agree(a, b, agree):
    assert names_agree(*a, *b) is agree
    assert names_agree(*b, *a) is agree


def test_a_preferred_name_counts():
    assert names_agree("Alex", "Smith", "Alexander", "Smith", "Alex")
    assert not names_agree("Sam", "Smith", "Alexander", "Smith", "Alex")


@pytest.fixture
def main(tmp_path):
    db = make_main(tmp_path / "main.db")
    yield db
    db.close()


@pytest.fixture
def kiosk(main, tmp_path):
    kiosk_database.export_for_kiosk(main, tmp_path / "template.db", 1)
    db = copy_db(tmp_path / "template.db", tmp_path / "kiosk.db", laptop(1))
    yield db
    db.close()


def _everything_of(db, person_id):  # type: ignore[no-untyped-def]
    with db.read() as s:
        person = s.get(Person, person_id)
        pledge = s.scalars(select(Pledge).where(Pledge.person_id == person_id)).one()
        visits = s.scalars(select(Attendance.event_id).where(Attendance.person_id == person_id)).all()
        return ([(c.key, getattr(person, c.key)) for c in Person.__table__.columns],
                [(c.key, getattr(pledge, c.key)) for c in Pledge.__table__.columns], sorted(visits))


def test_a_merged_impostor_changes_nothing_of_the_member_and_loses_no_sign_up(main, kiosk, tmp_path):
    """The red team's attack: a member's email, another name, a made-up student id, no consent."""
    member = signup(main, given="Ana", family="López", email="ana@unam.mx", event_id=2,
                    when=FAIR_DAY.replace(day=17), contact=True, publish=True).person_id
    before = _everything_of(main, member)
    signup(kiosk, given="Mallory", family="Quinn", email="ANA@unam.mx", student_id="31337")
    summary = merge.merge_packs(main, [pack_of(kiosk, tmp_path / "k.cmpack")])
    assert summary.identifier_clashes == 1 and summary.queued_for_review == 1
    assert _everything_of(main, member) == before  # no student id, attendance or consent change
    (review,) = merge_reviews.list_reviews(main, 1)
    assert (review.reason, review.candidate_id, review.event_title) == ("identifier", member, "Jornada de firmas")
    assert review.held_back == {"email": "ANA@unam.mx"}
    with main.read() as s:
        newcomer = s.get(Person, review.person_id)
        assert (newcomer.given_names, newcomer.email, newcomer.student_id) == ("Mallory", None, "31337")
        assert "ana@unam.mx" not in newcomer.search_text
        assert s.scalar(select(Pledge.id).where(Pledge.person_id == newcomer.id)) is not None
    # Merged again: nothing new, nothing asked again.
    again = merge.merge_packs(main, [tmp_path / "k.cmpack"])
    assert again.batch_id is None and again.queued_for_review == 0
    # Undo takes it all back.
    merge_undo.undo_merge(main, summary.batch_id)
    assert _everything_of(main, member) == before and merge_reviews.list_reviews(main, 1) == []


def test_same_person_moves_the_kept_apart_sign_up_over(main, kiosk, tmp_path):
    member = signup(main, given="Ana", family="López", email="ana@unam.mx", event_id=2,
                    when=FAIR_DAY.replace(day=17), contact=True).person_id
    signup(kiosk, given="Anita", family="López", email="ana@unam.mx", student_id="2026")
    merge.merge_packs(main, [pack_of(kiosk, tmp_path / "k.cmpack")])
    (review,) = merge_reviews.list_reviews(main, 1)
    assert review.offered == {"student_id": "2026"}
    kept = merge_reviews.resolve_review(main, review.id, same_person=True, accept=[])
    assert kept == member
    person_columns, pledge_columns, visits = _everything_of(main, member)
    person, pledge = dict(person_columns), dict(pledge_columns)
    assert person["student_id"] is None  # not accepted: not written
    # The earlier signing is the pledge; consent is the latest statement: given here, and
    # the kiosk's unticked box said nothing.
    assert pledge["signed_at"] == FAIR_DAY and pledge["may_contact"] is True
    assert visits == [1, 2]
    with main.read() as s:
        assert len(s.execute(select(Person.id)).all()) == 1


def test_details_offered_by_a_pack_wait_for_review_and_are_asked_once(main, kiosk, tmp_path):
    member = signup(main, given="Ana", family="López", email="ana@unam.mx").person_id
    signup(kiosk, given="ANA", family="LOPEZ", email="ana@unam.mx", student_id="2026")
    pack = pack_of(kiosk, tmp_path / "k.cmpack")
    summary = merge.merge_packs(main, [pack])
    assert summary.details_queued == 1 and summary.identifier_clashes == 0
    with main.read() as s:
        assert s.get(Person, member).student_id is None
    (review,) = merge_reviews.list_reviews(main, 1)
    assert (review.reason, review.offered, review.person_id, review.candidate_id) == (
        "details", {"student_id": "2026"}, member, member)
    assert merge_reviews.resolve_review(main, review.id, same_person=False) is None  # declined
    again = merge.merge_packs(main, [pack])
    assert again.batch_id is None and merge_reviews.list_reviews(main, 1) == []
    with main.read() as s:
        assert s.get(Person, member).student_id is None
        assert s.scalar(select(MergeReview.resolution)) == "declined"


def test_a_pack_that_only_offers_details_is_merged_and_asked(main, kiosk, tmp_path):
    """The member signs again (no event): nothing new but a value for an empty field."""
    from chapter_manager.models import RecordSource
    from chapter_manager.services.people import PersonData
    from chapter_manager.services.pledges import PledgeData, sign_up

    member = signup(main, given="Ana", family="López", email="ana@unam.mx").person_id
    sign_up(kiosk, 1, PersonData(given_names="Ana", family_names="López", email="ana@unam.mx",
                                 phone="+52 55 1234 5678"),
            PledgeData(signed_at=FAIR_DAY.replace(day=20), source=RecordSource.KIOSK))
    pack = pack_of(kiosk, tmp_path / "k.cmpack")
    preview = merge.merge_packs(main, [pack], dry_run=True)
    assert preview.changed and preview.details_queued == 1 and preview.new_people == 0
    done = merge.merge_packs(main, [pack])
    assert done.batch_id is not None
    (review,) = merge_reviews.list_reviews(main, 1)
    assert review.offered == {"phone": "+525512345678"} and review.candidate_id == member
    merge_undo.undo_merge(main, done.batch_id)
    assert merge_reviews.list_reviews(main, 1) == []


def test_one_email_two_names_on_two_laptops_gives_the_same_people_in_either_order(main, tmp_path):
    """The red team's case: which name and UUID are kept no longer depends on the pack order."""
    kiosk_database.export_for_kiosk(main, tmp_path / "t.db", 1)
    packs = []
    for n, (given, minute) in enumerate((("Ana", 30), ("Mallory", 10))):
        k = copy_db(tmp_path / "t.db", tmp_path / f"k{n}.db", laptop(n))
        try:
            signup(k, given=given, family="López" if given == "Ana" else "Quinn", email="ana@unam.mx",
                   when=FAIR_DAY.replace(minute=minute), contact=n == 0)
            packs.append(pack_of(k, tmp_path / f"{n}.cmpack"))
        finally:
            k.close()
    results = []
    for order in (packs, packs[::-1]):
        target = tmp_path / f"main-{len(results)}.db"
        main.backup(to=target)
        db = open_database(target, device=MAIN_DEVICE)
        try:
            merge.merge_packs(db, order)
            with db.read() as s:
                results.append(sorted((str(p.uuid), p.given_names, p.email, p.student_id)
                                      for p in s.execute(select(Person)).scalars()))
        finally:
            db.close()
    assert results[0] == results[1]
    # The earliest signing (Mallory's, 15:10) keeps the email; Ana's is kept apart and asked.
    assert [(g, e) for _u, g, e, _s in sorted(results[0], key=lambda r: r[1])] == [
        ("Ana", None), ("Mallory", "ana@unam.mx")]
