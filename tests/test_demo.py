"""The demo chapter: deterministic, complete, consistent, and all-or-nothing."""

from __future__ import annotations

import datetime as dt
import threading
import unicodedata

import pytest
from sqlalchemy import func, select, text

from chapter_manager import demo, models
from chapter_manager.demo import Cancelled, DemoSummary, generate_demo
from chapter_manager.derived import person_keys
from chapter_manager.errors import ChapterError
from chapter_manager.models import (
    GENDER_PREFER_NOT_TO_SAY,
    AcademicTerm,
    ActionItem,
    Attendance,
    AuditAction,
    AuditEntry,
    Chapter,
    Event,
    EventKind,
    EventStatus,
    ForumSession,
    ForumTakeaway,
    Goal,
    Membership,
    OfficerTerm,
    Person,
    Pledge,
)
from chapter_manager.storage import open_database

TODAY = dt.date(2025, 10, 15)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAPTER_MANAGER_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "demo.db")
    yield database
    database.close()


@pytest.fixture(scope="module")
def default_demo(tmp_path_factory):
    """One default-sized demo, shared by the read-only tests below."""
    path = tmp_path_factory.mktemp("demo") / "default.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("CHAPTER_MANAGER_DATA_DIR", str(path.parent / "data"))
    database = open_database(path)
    calls: list[tuple[float, str]] = []
    summary = generate_demo(database, seed=7, today=TODAY,
                            progress=lambda f, m: calls.append((f, m)))
    yield database, summary, calls
    database.close()
    mp.undo()


def _count(session, model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.scalar(stmt)


def _people(db, chapter_id):
    with db.read() as session:
        return session.execute(
            select(Person.uuid, Person.given_names, Person.family_names, Person.email,
                   Person.student_id, Person.created_at)
            .where(Person.chapter_id == chapter_id).order_by(Person.id)
        ).all()


def _pledge_times(db, chapter_id):
    with db.read() as session:
        return session.execute(
            select(Pledge.uuid, Pledge.signed_at, Pledge.event_id.is_(None))
            .where(Pledge.chapter_id == chapter_id).order_by(Pledge.id)
        ).all()


# ----------------------------------------------------------------- determinism


def test_same_seed_and_day_give_the_same_chapter(tmp_path):
    runs = []
    for name in ("a.db", "b.db"):
        database = open_database(tmp_path / name)
        try:
            summary = generate_demo(database, members=40, pledges=90, events=8, forums=2,
                                    seed=3, today=TODAY)
            with database.read() as session:
                chapter = session.get(Chapter, summary.chapter_id)
                events = session.execute(
                    select(Event.uuid, Event.title, Event.starts_at, Event.status)
                    .order_by(Event.id)).all()
                salt = chapter.privacy_salt
            runs.append((summary, _people(database, summary.chapter_id),
                         _pledge_times(database, summary.chapter_id), events, salt))
        finally:
            database.close()
    (s1, people1, pledges1, events1, salt1), (s2, people2, pledges2, events2, salt2) = runs
    assert s1 == s2
    assert people1 == people2 and len(people1) == s1.people
    assert pledges1 == pledges2 and len(pledges1) == 90
    assert events1 == events2
    assert salt1 == salt2 and len(salt1) == 32


def test_another_seed_gives_another_chapter(db):
    a = generate_demo(db, members=30, pledges=30, events=3, forums=1, seed=1, today=TODAY)
    b = generate_demo(db, members=30, pledges=30, events=3, forums=1, seed=2, today=TODAY)
    assert a.chapter_uuid != b.chapter_uuid
    people_a, people_b = _people(db, a.chapter_id), _people(db, b.chapter_id)
    assert {p.uuid for p in people_a}.isdisjoint(p.uuid for p in people_b)
    assert [p.given_names for p in people_a] != [p.given_names for p in people_b]


def test_the_same_seed_twice_in_one_file_makes_a_second_chapter(db):
    first = generate_demo(db, members=10, pledges=12, events=2, forums=1, seed=5, today=TODAY)
    second = generate_demo(db, members=10, pledges=12, events=2, forums=1, seed=5, today=TODAY)
    assert first.chapter_id != second.chapter_id
    assert first.chapter_uuid != second.chapter_uuid
    assert first.chapter_name == "HeForShe UNAM (demo)"
    assert second.chapter_name == "HeForShe UNAM (demo 2)"
    assert db.integrity_problems() == []


# ----------------------------------------------------------------- sizes


def test_zero_demo_is_an_empty_chapter(db):
    summary = generate_demo(db, members=0, events=0, forums=0, pledges=0, today=TODAY)
    assert (summary.people, summary.members, summary.events, summary.forums, summary.pledges,
            summary.attendance, summary.officer_terms) == (0, 0, 0, 0, 0, 0, 0)
    with db.read() as session:
        assert _count(session, Chapter) == 1
        for model in (Person, Membership, Event, ForumSession, Pledge, Attendance, OfficerTerm):
            assert _count(session, model) == 0, model
        assert _count(session, AcademicTerm) == 2
        assert _count(session, Goal) == summary.goals
        assert _count(session, AuditEntry, action=AuditAction.DEMO) == 1
    assert db.integrity_problems() == []


def test_counts_are_what_was_asked(default_demo):
    db, s, _calls = default_demo
    assert (s.members, s.events, s.forums, s.pledges) == (200, 12, 4, 600)
    with db.read() as session:
        c = s.chapter_id
        assert _count(session, Person, chapter_id=c) == s.people
        assert _count(session, Membership, chapter_id=c) == 200
        assert _count(session, Event, chapter_id=c) == 12
        assert _count(session, ForumSession, chapter_id=c) == 4
        assert _count(session, Pledge, chapter_id=c) == 600
        assert _count(session, Attendance) == s.attendance > 0
        assert _count(session, OfficerTerm, chapter_id=c) == s.officer_terms == 14
        assert _count(session, models.Testimony) == s.testimonies
        # Most members pledge; the other pledgers have no membership.
        pledging_members = session.scalar(
            select(func.count()).select_from(Pledge)
            .join(Membership, Membership.person_id == Pledge.person_id))
        assert pledging_members == 180
        assert s.people == 200 + 600 - 180


def test_more_pledges_than_members(db):
    s = generate_demo(db, members=50, pledges=300, events=7, forums=1, today=TODAY)
    assert (s.members, s.pledges, s.people) == (50, 300, 50 + 300 - 45)
    with db.read() as session:
        assert _count(session, Pledge) == 300
        assert _count(session, Membership) == 50
        without = session.scalar(
            select(func.count()).select_from(Person)
            .outerjoin(Membership, Membership.person_id == Person.id)
            .where(Membership.id.is_(None)))
        assert without == 300 - 45
    assert db.integrity_problems() == []


def test_fewer_pledges_than_members(db):
    s = generate_demo(db, members=80, pledges=20, events=3, forums=1, today=TODAY)
    assert (s.people, s.members, s.pledges) == (80, 80, 20)


# ----------------------------------------------------------------- consistency


def test_database_is_consistent(default_demo):
    db, s, _calls = default_demo
    assert db.integrity_problems() == []
    with db.read() as session:
        c = s.chapter_id
        for column in (Person.email_key, Person.student_id):
            dupes = session.execute(
                select(column, func.count()).where(Person.chapter_id == c, column.is_not(None))
                .group_by(column).having(func.count() > 1)).all()
            assert dupes == []
        assert session.scalar(select(func.count(func.distinct(Pledge.person_id)))) == 600
        pairs = session.execute(select(Attendance.event_id, Attendance.person_id)).all()
        assert len(pairs) == len(set(pairs))
        # Pledges signed at an event come with an attendance there.
        unmatched = session.scalar(
            select(func.count()).select_from(Pledge)
            .outerjoin(Attendance, (Attendance.event_id == Pledge.event_id)
                       & (Attendance.person_id == Pledge.person_id))
            .where(Pledge.event_id.is_not(None), Attendance.id.is_(None)))
        assert unmatched == 0
        # Nothing after "now" (noon in Mexico City on TODAY) but planned events.
        now = dt.datetime(2025, 10, 15, 18, 0, tzinfo=dt.UTC)
        assert session.scalar(select(func.max(Pledge.signed_at))) <= now
        assert session.scalar(select(func.max(Attendance.checked_in_at))) <= now
        assert session.scalar(select(func.max(Person.created_at))) <= now
        for event in session.scalars(select(Event)):
            assert event.timezone == "America/Mexico_City"
            assert bool(event.venue) or bool(event.online_url)
            if event.status is EventStatus.HELD:
                assert event.ends_at <= now
            if event.status is EventStatus.PLANNED:
                assert event.ends_at > now
        assert {p.utc_offset_minutes for p in session.scalars(select(Pledge))} == {-360}
        sids = session.scalars(select(Person.student_id).where(Person.student_id.is_not(None)))
        assert all(len(v) == 9 and v.isdigit() for v in sids)
        phones = session.scalars(select(Person.phone).where(Person.phone.is_not(None))).all()
        assert phones and all(p.startswith("+") and p[1:].isdigit() for p in phones)
        assert any(p.startswith("+521") for p in phones)


def test_every_event_kind_and_status(default_demo):
    db, s, _calls = default_demo
    with db.read() as session:
        kinds = set(session.scalars(select(Event.kind).where(Event.chapter_id == s.chapter_id)))
        statuses = set(session.scalars(select(Event.status)))
    assert kinds == set(EventKind)
    assert statuses == set(EventStatus)


def test_people_in_many_scripts(default_demo):
    db, s, _calls = default_demo
    with db.read() as session:
        rows = session.execute(
            select(Person.given_names, Person.family_names, Person.family_name_first,
                   Person.gender, Person.do_not_disclose)).all()
    names = " ".join(f"{r.given_names} {r.family_names}" for r in rows)
    scripts = {unicodedata.name(ch).split()[0] for ch in names if ch.isalpha()}
    assert {"LATIN", "CJK", "DEVANAGARI", "ARABIC", "CYRILLIC", "GREEK"} <= scripts
    assert any(ch in names for ch in "áéíóúñÁÉÍÓÚÑ")
    assert any(r.family_name_first for r in rows)
    assert any(not r.given_names.isascii() and r.family_name_first for r in rows)
    genders = [r.gender for r in rows]
    assert genders.count(None) > len(rows) / 2  # mostly not given
    assert any(g is not None and g != GENDER_PREFER_NOT_TO_SAY for g in genders)
    assert any(r.do_not_disclose for r in rows)


def test_derived_columns_and_search_index(default_demo):
    db, s, _calls = default_demo
    with db.read() as session:
        people = session.scalars(select(Person).where(Person.chapter_id == s.chapter_id)).all()
        for p in people:
            keys = person_keys(p.given_names, p.family_names, p.preferred_name, p.email,
                               p.student_id, p.family_name_first)
            assert (p.email_key, p.search_text, p.name_key, p.sort_key) == tuple(keys)
            assert p.search_text
        indexed = session.execute(text("SELECT count(*) FROM people_fts_docsize")).scalar_one()
        assert indexed == len(people)
        target = next(p for p in people if p.student_id)
        found = session.execute(
            text("SELECT rowid FROM people_fts WHERE people_fts MATCH :q"),
            {"q": f'"{target.student_id}"*'}).scalars().all()
        assert target.id in found


def test_officers_forums_goals_and_audit(default_demo):
    db, s, _calls = default_demo
    with db.read() as session:
        terms = session.scalars(select(OfficerTerm).order_by(OfficerTerm.starts_on)).all()
        starts = sorted({t.starts_on for t in terms})
        assert len(starts) == 2  # two officer years, handed over on 1 August
        assert starts[1] == dt.date(2025, 8, 1)
        closed = [t for t in terms if t.starts_on == starts[0]]
        assert all(t.ends_on == dt.date(2025, 7, 31) for t in closed)
        assert all(t.ends_on is None for t in terms if t.starts_on == starts[1])
        assert any(t.custom_title for t in terms)
        forums = session.scalars(select(ForumSession)).all()
        for forum in forums:
            assert 2 <= len(forum.takeaways) <= 4
            assert forum.facilitators and forum.action_items and forum.testimonies
            assert forum.participants_total == (forum.participants_women
                                                + forum.participants_men
                                                + forum.participants_other)
        testimonies = session.scalars(select(models.Testimony)).all()
        assert any(t.person_id is None for t in testimonies)
        assert any(t.person_id is not None for t in testimonies)
        assert _count(session, ForumTakeaway) >= 8
        assert _count(session, ActionItem) >= 4
        metrics = {g.metric for g in session.scalars(select(Goal))}
        assert len(metrics) == 3
        audit = session.scalars(select(AuditEntry)).one()
        assert audit.action is AuditAction.DEMO
        assert audit.details["pledges"] == 600
        assert "@" not in audit.summary


def test_progress_is_reported(default_demo):
    _db, _s, calls = default_demo
    fractions = [f for f, _m in calls]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _f, m in calls)


# ----------------------------------------------------------------- all or nothing


def _tables_empty(db) -> bool:
    with db.read() as session:
        return all(_count(session, model) == 0 for model in
                   (Chapter, Person, Membership, Event, Pledge, Attendance, ForumSession,
                    OfficerTerm, Goal, AuditEntry))


@pytest.mark.parametrize("large", [False, True], ids=["small", "large"])
def test_cancel_rolls_everything_back(db, monkeypatch, large):
    if large:  # as a large demo: indexes built at the end, rows made by a helper process
        monkeypatch.setattr(demo, "_DEFER_INDEXES_FROM", 0)
        monkeypatch.setattr(demo, "_HELPER_PROCESS_FROM", 0)
    monkeypatch.setattr(demo, "BATCH", 150)  # several batches, some written before the cancel
    cancel = threading.Event()

    def progress(fraction: float, message: str) -> None:
        # Small: half-way through the people, with batches written.  Large: as the
        # people start (the helper process is stopped at once).
        if fraction >= (0.02 if large else 0.5):
            cancel.set()

    with db.read() as session:
        schema_before = sorted(session.execute(text("SELECT name, sql FROM sqlite_schema")).all())
    with pytest.raises(Cancelled) as caught:
        generate_demo(db, members=100, pledges=500, events=7, forums=2, today=TODAY,
                      progress=progress, cancel=cancel)
    assert isinstance(caught.value, ChapterError)
    assert _tables_empty(db)
    with db.read() as session:
        # The indexes and the search trigger set aside for the load are all back.
        assert sorted(session.execute(text("SELECT name, sql FROM sqlite_schema")).all()) \
            == schema_before
    assert db.integrity_problems() == []
    # The file is fine for the next try.
    again = generate_demo(db, members=5, pledges=5, events=1, forums=0, today=TODAY)
    assert (again.people, again.members, again.pledges) == (6, 5, 5)


def test_cancel_before_start_saves_nothing(db):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        generate_demo(db, today=TODAY, cancel=cancel)
    assert _tables_empty(db)


def test_negative_sizes_are_refused(db):
    with pytest.raises(ValueError):
        generate_demo(db, members=-1, today=TODAY)


def test_summary_is_frozen(default_demo):
    _db, s, _calls = default_demo
    assert isinstance(s, DemoSummary)
    with pytest.raises(AttributeError):
        s.people = 1  # type: ignore[misc]


# ----------------------------------------------------------------- the helper process


def _demo_rows(tmp_path, name, **kwargs):
    database = open_database(tmp_path / name)
    try:
        s = generate_demo(database, members=60, pledges=150, events=7, forums=1, seed=11,
                          today=TODAY, **kwargs)
        assert database.integrity_problems() == []
        return s, _people(database, s.chapter_id), _pledge_times(database, s.chapter_id)
    finally:
        database.close()


@pytest.fixture(scope="module")
def made_here(tmp_path_factory):
    """The rows made in this process, in batches of 50 people (156 people: 4 batches)."""
    mp = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("here")
    mp.setenv("CHAPTER_MANAGER_DATA_DIR", str(path / "data"))
    mp.setattr(demo, "BATCH", 50)
    try:
        yield _demo_rows(path, "here.db")
    finally:
        mp.undo()


def test_helper_process_makes_the_same_rows(tmp_path, monkeypatch, made_here):
    """Large demos make their rows in a second process: same rows, same order."""
    monkeypatch.setattr(demo, "BATCH", 50)
    monkeypatch.setattr(demo, "_HELPER_PROCESS_FROM", 0)
    outcomes = []
    original = demo._PeopleWriter.write_from_helper

    def spy(self, spec):
        outcomes.append(original(self, spec))
        return outcomes[-1]

    monkeypatch.setattr(demo._PeopleWriter, "write_from_helper", spy)
    calls = []
    assert _demo_rows(tmp_path, "there.db", progress=lambda f, m: calls.append(f)) == made_here
    assert outcomes == [True]  # the helper made every batch
    assert calls[-1] == 1.0


def test_deferred_indexes_give_the_same_rows(tmp_path, monkeypatch, made_here):
    """The large-demo path (indexes built at the end) stores exactly the same data."""
    monkeypatch.setattr(demo, "_DEFER_INDEXES_FROM", 0)
    assert _demo_rows(tmp_path, "deferred.db") == made_here


def test_a_failing_helper_is_replaced(tmp_path, monkeypatch, made_here):
    """If the helper stops half-way, the rest is made here and nothing is lost or doubled."""
    monkeypatch.setattr(demo, "BATCH", 50)
    monkeypatch.setattr(demo, "_HELPER_PROCESS_FROM", 0)
    real = demo.pickle

    class FailsAfterTwoBatches:
        HIGHEST_PROTOCOL = real.HIGHEST_PROTOCOL
        dump = staticmethod(real.dump)
        loads = 0

        @classmethod
        def load(cls, stream):
            cls.loads += 1
            if cls.loads > 2:
                raise EOFError
            return real.load(stream)

    monkeypatch.setattr(demo, "pickle", FailsAfterTwoBatches)
    assert _demo_rows(tmp_path, "there.db") == made_here
    assert FailsAfterTwoBatches.loads == 3
