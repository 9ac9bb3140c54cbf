"""Id lists and row pages for the big tables (services.browse)."""

from __future__ import annotations

import datetime as dt
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from chapter_manager.demo import generate_demo
from chapter_manager.errors import NotFound, ValidationError
from chapter_manager.models import (
    Affiliation,
    Event,
    Membership,
    MembershipStatus,
    OfficerRole,
    Person,
    Pledge,
    RecordSource,
)
from chapter_manager.services import browse, events, members, people, pledges
from chapter_manager.services.browse import PeopleQuery, PledgeQuery
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData
from chapter_manager.storage.search import search_person_ids

MX = dt.timezone(dt.timedelta(hours=-6))  # Mexico City, no daylight saving since 2022
TODAY = dt.date(2026, 3, 10)


def add(db, chapter_id, given, family, **kw):
    return people.create_person(db, chapter_id, PersonData(given_names=given, family_names=family, **kw)).id


@pytest.fixture
def crowd(db, chapter):
    """Named people with and without emails, memberships, officers and programmes."""
    ids = {
        "nunez": add(db, chapter.id, "José", "Ñúñez", email="jose@unam.mx", student_id="300",
                     programme="Economía"),
        "nava": add(db, chapter.id, "Ana", "Nava", student_id="100", programme="derecho",
                    affiliation=Affiliation.STAFF),
        "alvarez": add(db, chapter.id, "Zoe", "Álvarez", email="zoe@unam.mx", programme="Derecho"),
        "ortiz": add(db, chapter.id, "Olga", "Ortiz", affiliation=Affiliation.ALUMNI),
        "mora": add(db, chapter.id, "Mario", "Mora", email="Mario@UNAM.mx",
                    affiliation=Affiliation.FACULTY, student_id="200", do_not_disclose=True),
        "wang": add(db, chapter.id, "芳", "王", family_name_first=True, programme="Actuaría"),
    }
    members.set_membership(db, ids["nunez"], MembershipStatus.ACTIVE, joined_on=dt.date(2025, 9, 1))
    members.set_membership(db, ids["nava"], MembershipStatus.PROSPECTIVE, joined_on=dt.date(2026, 1, 5))
    members.set_membership(db, ids["mora"], MembershipStatus.ACTIVE)  # no joining date
    members.set_membership(db, ids["alvarez"], MembershipStatus.ALUMNI, joined_on=dt.date(2024, 2, 1))
    members.add_officer_term(db, ids["nunez"], OfficerRole.PRESIDENT, dt.date(2025, 8, 1))
    members.add_officer_term(db, ids["nunez"], OfficerRole.CUSTOM, dt.date(2025, 8, 1),
                             custom_title="Enlace CIGU")
    members.add_officer_term(db, ids["mora"], OfficerRole.TREASURER, dt.date(2024, 8, 1),
                             dt.date(2025, 7, 31))  # over before TODAY
    members.add_officer_term(db, ids["nava"], OfficerRole.SECRETARY, dt.date(2026, 4, 1))  # not yet
    return ids


def ids_of(db, chapter_id, **kw):
    today = kw.pop("today", TODAY)
    found = browse.person_ids(db, chapter_id, PeopleQuery(**kw), today=today)
    assert isinstance(found, array) and found.typecode == "q"
    return list(found)


def names(db, ids):
    rows = browse.person_rows(db, ids, today=TODAY)
    return [rows[i].display_name for i in ids]


# --------------------------------------------------------------------------- people: orders


def test_name_order_folds_accents_and_case(db, chapter, crowd):
    # Family name first, folded: Álvarez, Mora, Nava, Núñez, Ortiz, Wang ("王" folds to itself,
    # after Latin letters).
    assert names(db, ids_of(db, chapter.id)) == [
        "Zoe Álvarez", "Mario Mora", "Ana Nava", "José Ñúñez", "Olga Ortiz", "王芳",
    ]
    assert ids_of(db, chapter.id, descending=True) == ids_of(db, chapter.id)[::-1]
    # "relevance" without a search is the name order.
    assert ids_of(db, chapter.id, order="relevance") == ids_of(db, chapter.id)


def test_given_name_order(db, chapter, crowd):
    assert names(db, ids_of(db, chapter.id, order="given")) == [
        "Ana Nava", "José Ñúñez", "Mario Mora", "Olga Ortiz", "Zoe Álvarez", "王芳",
    ]


def test_email_and_student_id_put_missing_values_last_in_both_directions(db, chapter, crowd):
    c = crowd
    assert ids_of(db, chapter.id, order="email") == [c["nunez"], c["mora"], c["alvarez"],
                                                     c["nava"], c["ortiz"], c["wang"]]
    # Descending: values reversed, the missing ones still last (ties by id, descending too).
    assert ids_of(db, chapter.id, order="email", descending=True) == [
        c["alvarez"], c["mora"], c["nunez"], c["wang"], c["ortiz"], c["nava"],
    ]
    assert ids_of(db, chapter.id, order="student_id") == [c["nava"], c["mora"], c["nunez"],
                                                          c["alvarez"], c["ortiz"], c["wang"]]


def test_enum_orders_follow_declaration_order(db, chapter, crowd):
    c = crowd
    # student (id order), staff, faculty, alumni.
    assert ids_of(db, chapter.id, order="affiliation") == [
        c["nunez"], c["alvarez"], c["wang"], c["nava"], c["mora"], c["ortiz"],
    ]
    # prospective, active (by id), alumni, then the non-members by id.
    assert ids_of(db, chapter.id, order="status") == [
        c["nava"], c["nunez"], c["mora"], c["alvarez"], c["ortiz"], c["wang"],
    ]
    assert ids_of(db, chapter.id, order="status", descending=True) == [
        c["alvarez"], c["mora"], c["nunez"], c["nava"], c["wang"], c["ortiz"],
    ]


def test_joined_programme_and_created_orders(db, chapter, crowd):
    c = crowd
    # Dated members by date; then, by id, a member without a date and the non-members.
    assert ids_of(db, chapter.id, order="joined") == [
        c["alvarez"], c["nunez"], c["nava"], c["ortiz"], c["mora"], c["wang"],
    ]
    assert ids_of(db, chapter.id, order="joined", descending=True) == [
        c["nava"], c["nunez"], c["alvarez"], c["wang"], c["mora"], c["ortiz"],
    ]
    # Case does not matter; the empty programme comes last.
    assert ids_of(db, chapter.id, order="programme") == [
        c["wang"], c["nava"], c["alvarez"], c["nunez"], c["ortiz"], c["mora"],
    ]
    assert ids_of(db, chapter.id, order="programme", descending=True)[-2:] == [c["mora"], c["ortiz"]]
    assert ids_of(db, chapter.id, order="created") == sorted(c.values())


def test_unknown_order_is_refused(db, chapter):
    with pytest.raises(ValidationError) as err:
        browse.person_ids(db, chapter.id, PeopleQuery(order="shoe size"))
    assert "order" in err.value.fields
    with pytest.raises(ValidationError):
        browse.pledge_ids(db, chapter.id, PledgeQuery(order="colour"))


# --------------------------------------------------------------------------- people: filters


def test_filters(db, chapter, crowd):
    c = crowd
    assert set(ids_of(db, chapter.id, members_only=True)) == {c["nunez"], c["nava"], c["mora"], c["alvarez"]}
    assert ids_of(db, chapter.id, status=MembershipStatus.ACTIVE) == [c["mora"], c["nunez"]]
    assert ids_of(db, chapter.id, affiliation=Affiliation.STUDENT) == [c["alvarez"], c["nunez"], c["wang"]]
    assert ids_of(db, chapter.id, affiliation=Affiliation.STUDENT, members_only=True,
                  order="email") == [c["nunez"], c["alvarez"]]
    # Officers on TODAY only: Mora's term is over, Nava's has not started.
    assert ids_of(db, chapter.id, officers_only=True) == [c["nunez"]]
    assert ids_of(db, chapter.id, officers_only=True, today=dt.date(2026, 5, 1)) == [c["nava"], c["nunez"]]
    assert ids_of(db, chapter.id, officers_only=True, today=dt.date(2025, 1, 1)) == [c["mora"]]
    assert ids_of(db, chapter.id, officers_only=True, status=MembershipStatus.PROSPECTIVE,
                  today=dt.date(2026, 5, 1)) == [c["nava"]]
    for order in browse.PEOPLE_ORDERS:
        got = ids_of(db, chapter.id, order=order, status=MembershipStatus.ACTIVE)
        assert sorted(got) == sorted([c["mora"], c["nunez"]]), order
        got = ids_of(db, chapter.id, order=order, status=MembershipStatus.ACTIVE, search="unam")
        assert sorted(got) == sorted([c["mora"], c["nunez"]]), order
        assert sorted(ids_of(db, chapter.id, order=order, non_members=True)) == [c["ortiz"], c["wang"]]
        assert ids_of(db, chapter.id, order=order, non_members=True, search="olga") == [c["ortiz"]]


def test_search(db, chapter, crowd):
    c = crowd
    # Relevance: the ranking of storage.search.
    got = ids_of(db, chapter.id, search="nunez", order="relevance")
    with db.read() as s:
        assert got == search_person_ids(s, chapter.id, "nunez", browse.SEARCH_LIMIT) == [c["nunez"]]
    # Another order: every match, sorted.
    assert ids_of(db, chapter.id, search="unam", order="email") == [c["nunez"], c["mora"], c["alvarez"]]
    assert ids_of(db, chapter.id, search="unam", order="name") == [c["alvarez"], c["mora"], c["nunez"]]
    assert ids_of(db, chapter.id, search="unam", members_only=True, order="relevance",
                  affiliation=Affiliation.FACULTY) == [c["mora"]]
    assert ids_of(db, chapter.id, search="unam", status=MembershipStatus.ALUMNI) == [c["alvarez"]]
    assert ids_of(db, chapter.id, search="!!!", order="name") == []
    assert ids_of(db, chapter.id, search="!!!", order="relevance") == []
    assert ids_of(db, chapter.id, search="nobody-called-this") == []


def test_relevance_search_is_capped(db, chapter):
    demo_chapter = generate_demo(db, members=2000, pledges=0, events=0, forums=0, seed=3,
                                 today=TODAY).chapter_id
    for query in ("m", "mx"):
        everyone = ids_of(db, demo_chapter, search=query, order="name")
        assert len(everyone) > browse.SEARCH_LIMIT
        ranked = ids_of(db, demo_chapter, search=query, order="relevance")
        with db.read() as s:
            assert ranked == search_person_ids(s, demo_chapter, query, browse.SEARCH_LIMIT)
        assert 0 < len(ranked) <= browse.SEARCH_LIMIT
        assert set(ranked) <= set(everyone)
    # Over 500 names start with "m": the best 500 of them.
    assert len(ids_of(db, demo_chapter, search="m", order="relevance")) == browse.SEARCH_LIMIT


def test_empty_chapter(db, chapter):
    assert browse.person_ids(db, chapter.id, PeopleQuery()) == array("q")
    for order in browse.PEOPLE_ORDERS:
        assert ids_of(db, chapter.id, order=order, members_only=True, search="x") == []
        assert ids_of(db, chapter.id, order=order) == []
    assert browse.pledge_ids(db, chapter.id, PledgeQuery()) == array("q")
    assert browse.person_rows(db, []) == {}
    assert browse.pledge_rows(db, array("q")) == {}


# --------------------------------------------------------------------------- people: rows


def test_person_rows(db, chapter, crowd):
    c = crowd
    rows = browse.person_rows(db, [c["nunez"], c["mora"], c["wang"], 999_999], today=TODAY)
    assert set(rows) == {c["nunez"], c["mora"], c["wang"]}  # unknown ids are left out
    nunez = rows[c["nunez"]]
    assert nunez == browse.PersonTableRow(
        id=c["nunez"], display_name="José Ñúñez", email="jose@unam.mx", phone=None,
        student_id="300", affiliation=Affiliation.STUDENT, department="", programme="Economía",
        membership_status=MembershipStatus.ACTIVE, joined_on=dt.date(2025, 9, 1),
        role="President, Enlace CIGU", do_not_disclose=False,
    )
    mora = rows[c["mora"]]
    assert mora.role == ""  # the term ended
    assert mora.joined_on is None and mora.membership_status is MembershipStatus.ACTIVE
    assert mora.do_not_disclose and mora.affiliation is Affiliation.FACULTY
    wang = rows[c["wang"]]
    assert wang.display_name == "王芳" and wang.membership_status is None
    later = browse.person_rows(db, [c["nava"]], today=dt.date(2026, 4, 2))
    assert later[c["nava"]].role == "Secretary"


def test_rows_for_more_ids_than_one_statement_takes(db, chapter):
    demo_chapter = generate_demo(db, members=1200, pledges=1500, events=4, forums=1, seed=5,
                                 today=TODAY).chapter_id
    ids = browse.person_ids(db, demo_chapter, PeopleQuery())
    rows = browse.person_rows(db, ids)
    assert len(rows) == len(ids) > 1000
    pledge_ids = browse.pledge_ids(db, demo_chapter, PledgeQuery())
    assert len(browse.pledge_rows(db, pledge_ids)) == len(pledge_ids) == 1500


# --------------------------------------------------------------------------- against a reference


def _reference(rows, key, desc):
    """Ids sorted by key (missing values last in both directions), ties by id."""
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    present.sort(key=lambda r: (key(r), r["id"]), reverse=desc)
    missing.sort(key=lambda r: r["id"], reverse=desc)
    return [r["id"] for r in present + missing]


def _nocase(text):
    return "".join(ch.lower() if ch.isascii() else ch for ch in text) or None


def test_every_order_matches_a_python_reference_on_demo_data(db, chapter):
    summary = generate_demo(db, members=400, pledges=600, events=10, forums=2, seed=11, today=TODAY)
    cid = summary.chapter_id
    aff = {a: i for i, a in enumerate(Affiliation)}
    sta = {s: i for i, s in enumerate(MembershipStatus)}
    with db.read() as s:
        p, m = Person.__table__, Membership.__table__
        rows = [dict(r) for r in s.execute(
            select(p, m.c.status, m.c.joined_on).outerjoin(m, m.c.person_id == p.c.id)
            .where(p.c.chapter_id == cid)).mappings()]
    keys = {
        "name": lambda r: r["sort_key"],
        "given": lambda r: r["name_key"],
        "email": lambda r: r["email_key"],
        "student_id": lambda r: r["student_id"],
        "affiliation": lambda r: aff[r["affiliation"]],
        "status": lambda r: None if r["status"] is None else sta[r["status"]],
        "joined": lambda r: r["joined_on"],
        "programme": lambda r: _nocase(r["programme"]),
        "created": lambda r: r["created_at"],
    }
    by_id = {r["id"]: r for r in rows}
    for order, key in keys.items():
        for desc in (False, True):
            got = ids_of(db, cid, order=order, descending=desc)
            assert got == _reference(rows, key, desc), (order, desc)
            members_only = ids_of(db, cid, order=order, descending=desc, members_only=True)
            assert members_only == [i for i in got if by_id[i]["status"] is not None], (order, desc)
            faculty = ids_of(db, cid, order=order, descending=desc, affiliation=Affiliation.FACULTY,
                             status=MembershipStatus.ACTIVE)
            assert faculty == [
                i for i in got if by_id[i]["affiliation"] is Affiliation.FACULTY
                and by_id[i]["status"] is MembershipStatus.ACTIVE
            ], (order, desc)
    # A search in every order is the same set, each sorted like the whole list.
    for order in keys:
        everyone = ids_of(db, cid, order=order)
        found = ids_of(db, cid, order=order, search="ma")
        assert found and found == [i for i in everyone if i in set(found)], order


# --------------------------------------------------------------------------- pledges


@pytest.fixture
def signed(db, chapter, crowd):
    """Pledges around local midnights, at two events, from several sources."""
    c = crowd
    feria = events.create_event(db, chapter.id, events.EventData(
        title="Feria HeForShe", starts_at=dt.datetime(2026, 3, 1, 10, tzinfo=MX)))
    cine = events.create_event(db, chapter.id, events.EventData(
        title="cine-debate", starts_at=dt.datetime(2026, 3, 2, 18, tzinfo=MX)))
    plan = [
        ("nunez", dt.datetime(2026, 3, 1, 23, 30, tzinfo=MX), feria.id, RecordSource.KIOSK, "Hablaré."),
        ("nava", dt.datetime(2026, 3, 2, 0, 15, tzinfo=MX), feria.id, RecordSource.MANUAL, ""),
        ("alvarez", dt.datetime(2026, 3, 2, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
         cine.id, RecordSource.ONLINE, ""),
        ("mora", dt.datetime(2026, 3, 3, 9, 0, tzinfo=MX), None, RecordSource.IMPORT, ""),
        ("wang", dt.datetime(2026, 2, 28, 12, 0, tzinfo=MX), None, RecordSource.KIOSK, ""),
    ]
    out = {}
    for who, at, event_id, source, words in plan:
        outcome = pledges.record_pledge(db, c[who], PledgeData(
            signed_at=at, event_id=event_id, source=source, personal_commitment=words,
            may_contact=who == "nunez", may_publish_name=who in ("nunez", "mora")))
        out[who] = outcome.pledge_id
    return out, feria.id, cine.id


def pledge_ids_of(db, chapter_id, **kw):
    found = browse.pledge_ids(db, chapter_id, PledgeQuery(**kw))
    assert found.typecode == "q"
    return list(found)


def test_pledge_orders(db, chapter, signed):
    p, feria, cine = signed
    newest_first = [p["mora"], p["alvarez"], p["nava"], p["nunez"], p["wang"]]
    assert pledge_ids_of(db, chapter.id) == newest_first
    assert pledge_ids_of(db, chapter.id, descending=False) == newest_first[::-1]
    assert pledge_ids_of(db, chapter.id, order="name", descending=False) == [
        p["alvarez"], p["mora"], p["nava"], p["nunez"], p["wang"]]
    # Events by title regardless of case ("cine-debate" < "Feria"), newest pledge first
    # within one; pledges without an event last.
    assert pledge_ids_of(db, chapter.id, order="event", descending=False) == [
        p["alvarez"], p["nunez"], p["nava"], p["wang"], p["mora"]]
    assert pledge_ids_of(db, chapter.id, order="event")[:3] == [p["nava"], p["nunez"], p["alvarez"]]
    assert pledge_ids_of(db, chapter.id, order="event")[3:] == [p["mora"], p["wang"]]
    assert pledge_ids_of(db, chapter.id, order="source", descending=False) == [
        p["wang"], p["nunez"], p["nava"], p["mora"], p["alvarez"]]
    by_aff = pledge_ids_of(db, chapter.id, order="affiliation", descending=False)
    # student (oldest first: Wang, Núñez, Álvarez), staff, faculty.
    assert by_aff == [p["wang"], p["nunez"], p["alvarez"], p["nava"], p["mora"]]


def test_pledge_filters(db, chapter, crowd, signed):
    p, feria, cine = signed
    assert pledge_ids_of(db, chapter.id, event_id=feria) == [p["nava"], p["nunez"]]
    assert pledge_ids_of(db, chapter.id, without_event=True) == [p["mora"], p["wang"]]
    # Chapter-local days: 23:30 on 1 March belongs to 1 March, 00:15 to 2 March, and
    # 19:00 at UTC-5 on 2 March is 18:00 in Mexico City, still 2 March.
    assert pledge_ids_of(db, chapter.id, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 1)) == [p["nunez"]]
    assert pledge_ids_of(db, chapter.id, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 2)) == [
        p["alvarez"], p["nava"]]
    assert pledge_ids_of(db, chapter.id, start=dt.date(2026, 3, 2)) == [p["mora"], p["alvarez"], p["nava"]]
    assert pledge_ids_of(db, chapter.id, end=dt.date(2026, 2, 28)) == [p["wang"]]
    assert pledge_ids_of(db, chapter.id, search="nunez") == [p["nunez"]]
    assert pledge_ids_of(db, chapter.id, search="unam", order="name", descending=False) == [
        p["alvarez"], p["mora"], p["nunez"]]
    assert pledge_ids_of(db, chapter.id, search="???") == []
    assert pledge_ids_of(db, chapter.id, affiliation=Affiliation.STUDENT) == [p["alvarez"], p["nunez"], p["wang"]]
    assert pledge_ids_of(db, chapter.id, affiliation=Affiliation.STAFF, event_id=feria) == [p["nava"]]
    with pytest.raises(NotFound):
        browse.pledge_ids(db, 12345, PledgeQuery())


def test_pledge_rows(db, chapter, crowd, signed):
    p, feria, cine = signed
    rows = browse.pledge_rows(db, [p["nunez"], p["alvarez"], p["mora"], 424242])
    assert set(rows) == {p["nunez"], p["alvarez"], p["mora"]}
    nunez = rows[p["nunez"]]
    assert nunez == browse.PledgeTableRow(
        id=p["nunez"], person_id=crowd["nunez"], display_name="José Ñúñez",
        affiliation=Affiliation.STUDENT, event_id=feria, event_title="Feria HeForShe",
        signed_at=dt.datetime(2026, 3, 2, 5, 30, tzinfo=dt.UTC),
        local_signed_at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=MX),
        source=RecordSource.KIOSK, commitment="Hablaré.", may_contact=True, may_publish_name=True,
    )
    assert nunez.signed_at.tzinfo is dt.UTC
    assert nunez.local_signed_at.utcoffset() == dt.timedelta(hours=-6)
    alvarez = rows[p["alvarez"]]
    # Shown at the offset it was signed at (UTC-5), not the chapter's.
    assert alvarez.local_signed_at.utcoffset() == dt.timedelta(hours=-5)
    assert alvarez.local_signed_at.hour == 19
    mora = rows[p["mora"]]
    assert mora.event_id is None and mora.event_title is None and mora.commitment == ""
    assert not mora.may_contact and mora.may_publish_name and mora.source is RecordSource.IMPORT


def test_pledge_orders_match_a_reference_on_demo_data(db, chapter):
    summary = generate_demo(db, members=300, pledges=500, events=8, forums=1, seed=2, today=TODAY)
    cid = summary.chapter_id
    with db.read() as s:
        pl, p, e = Pledge.__table__, Person.__table__, Event.__table__
        rows = [dict(r) for r in s.execute(
            select(pl.c.id, pl.c.signed_at, pl.c.source, p.c.sort_key, p.c.id.label("pid"),
                   p.c.affiliation, e.c.title, e.c.starts_at, e.c.id.label("eid"))
            .join(p, p.c.id == pl.c.person_id).outerjoin(e, e.c.id == pl.c.event_id)
            .where(pl.c.chapter_id == cid)).mappings()]
    aff = {a: i for i, a in enumerate(Affiliation)}
    src = {x: i for i, x in enumerate(RecordSource)}

    def expect(key, desc):
        present = sorted((r for r in rows if key(r) is not None),
                         key=lambda r: (*key(r), r["signed_at"], r["id"]), reverse=desc)
        missing = sorted((r for r in rows if key(r) is None),
                         key=lambda r: (r["signed_at"], r["id"]), reverse=desc)
        return [r["id"] for r in present + missing]

    keys = {
        "signed_at": lambda r: (),
        "name": lambda r: (r["sort_key"], r["pid"]),
        "affiliation": lambda r: (aff[r["affiliation"]],),
        "source": lambda r: (src[r["source"]],),
        "event": lambda r: None if r["eid"] is None else (_nocase(r["title"]), r["starts_at"], r["eid"]),
    }
    for order, key in keys.items():
        for desc in (True, False):
            assert pledge_ids_of(db, cid, order=order, descending=desc) == expect(key, desc), (order, desc)


def test_pledge_orders_with_filters_keep_the_order_of_the_whole_list(db, chapter):
    # Filters change how the rows are found (an event's index, the table in its order,
    # one source after the other), never their order.
    summary = generate_demo(db, members=300, pledges=500, events=8, forums=1, seed=5, today=TODAY)
    cid = summary.chapter_id
    with db.read() as s:
        pl = Pledge.__table__
        rows = s.execute(select(pl.c.id, pl.c.event_id, pl.c.signed_at)).all()
    event_of = {r.id: r.event_id for r in rows}
    busiest = max((e for e in event_of.values() if e is not None), key=list(event_of.values()).count)
    assert any(e is None for e in event_of.values())
    start, end = dt.date(2025, 12, 1), dt.date(2026, 2, 28)
    in_range = set(pledge_ids_of(db, cid, start=start, end=end))
    assert 0 < len(in_range) < len(rows)
    for order in browse.PLEDGE_ORDERS:
        for desc in (True, False):
            everyone = pledge_ids_of(db, cid, order=order, descending=desc)
            assert sorted(everyone) == sorted(event_of)
            assert pledge_ids_of(db, cid, order=order, descending=desc, without_event=True) == [
                i for i in everyone if event_of[i] is None], (order, desc)
            assert pledge_ids_of(db, cid, order=order, descending=desc, event_id=busiest) == [
                i for i in everyone if event_of[i] == busiest], (order, desc)
            assert pledge_ids_of(db, cid, order=order, descending=desc, start=start, end=end) == [
                i for i in everyone if i in in_range], (order, desc)
            assert pledge_ids_of(db, cid, order=order, descending=desc, without_event=True,
                                 start=start, end=end) == [
                i for i in everyone if i in in_range and event_of[i] is None], (order, desc)


@given(st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), min_size=1, max_size=400),
       st.integers(min_value=1, max_value=64))
def test_ids_parsed_in_pieces_are_the_ids(ids, chunk):
    joined = ",".join(map(str, ids))
    saved = browse._PARSE_CHUNK
    browse._PARSE_CHUNK = chunk  # tiny pieces: every boundary case on a short list
    try:
        assert browse._parse_ids(joined) == ids
    finally:
        browse._PARSE_CHUNK = saved
