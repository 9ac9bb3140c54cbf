"""storage.bulk: encoded rows go in fast and come back through the ORM unchanged."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from chapter_manager.derived import person_keys
from chapter_manager.models import (
    Affiliation,
    AuditAction,
    AuditEntry,
    Chapter,
    Event,
    EventKind,
    EventStatus,
    FocusArea,
    Person,
)
from chapter_manager.storage import open_database
from chapter_manager.storage.bulk import (
    RowEncoder,
    bulk_insert,
    deferred_indexes,
    insert_sql,
    reserve_ids,
)

MEXICO = ZoneInfo("America/Mexico_City")


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAPTER_MANAGER_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "bulk.db")
    yield database
    database.close()


def _stamp(db, conn, count):
    """uuid, device_id, device_seq, created_at, updated_at for ``count`` rows."""
    first = db.allocate_sequence(conn, count)
    when = dt.datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    return [(uuid.uuid4(), db.device.id, first + k, when, when) for k in range(count)]


STAMP = ("uuid", "device_id", "device_seq", "created_at", "updated_at")


def _chapter(db) -> int:
    cols = (*STAMP, "name", "university", "campus", "city", "country", "timezone",
            "founded_on", "advisor_name", "advisor_email", "privacy_salt")
    with db.connect(write=True) as conn:
        enc = RowEncoder(conn.dialect, Chapter.__table__, cols)
        row = (*_stamp(db, conn, 1)[0], "HeForShe Test", "Uni", "", "Ciudad de México", "MX",
               "America/Mexico_City", dt.date(2016, 9, 20), "", "", b"\x01" * 32)
        assert bulk_insert(conn, Chapter.__table__, cols, [enc.encode(row)]) == 1
        return conn.execute(select(Chapter.id)).scalar_one()


def test_values_round_trip_through_the_orm(db):
    chapter_id = _chapter(db)
    # Column defaults are the ORM's: a bulk insert names every NOT NULL column.
    cols = (*STAMP, "chapter_id", "title", "kind", "focus_area", "starts_at", "ends_at",
            "timezone", "venue", "online_url", "description", "partners", "status",
            "capacity", "headcount")
    starts = dt.datetime(2025, 3, 1, 18, 30, tzinfo=MEXICO)  # not UTC: converted
    rows = []
    with db.connect(write=True) as conn:
        enc = RowEncoder(conn.dialect, Event.__table__, cols)
        for k, stamp in enumerate(_stamp(db, conn, 3)):
            day = starts + dt.timedelta(days=k)
            rows.append((*stamp, chapter_id, f"Evento {k} — «ñ»", list(EventKind)[k],
                         FocusArea.ENDING_VIOLENCE if k else None, day,
                         None if k == 2 else day + dt.timedelta(hours=2), "America/Mexico_City",
                         "Aula Magna", "", "", ["ONU Mujeres", "CIGU"][:k], EventStatus.HELD,
                         None, 0))
        assert bulk_insert(conn, Event.__table__, cols, map(enc.encode, rows)) == 3
    with db.read() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
        assert len(events) == 3
        for event, row in zip(events, rows, strict=True):
            back = tuple(getattr(event, c) for c in cols)
            assert back == row
            assert event.starts_at.tzinfo is not None
            assert event.starts_at == starts + dt.timedelta(days=events.index(event))


def test_encoder_matches_sqlalchemy_bind_processing(db):
    """The text bulk rows store is exactly what the ORM would store (string compares)."""
    value = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    with db.write() as session:
        entry = AuditEntry(action=AuditAction.DEMO, summary="x", details={"a": [1, "ñ"]},
                           uuid=uuid.uuid4(), created_at=value, updated_at=value)
        session.add(entry)
        session.flush()
        orm_raw = session.execute(
            text("SELECT uuid, created_at, action, details FROM audit_log WHERE id = :i"),
            {"i": entry.id},
        ).one()
        enc = RowEncoder(session.connection().dialect, AuditEntry.__table__,
                         ("uuid", "created_at", "action", "details"))
        encoded = enc.encode((entry.uuid, value, AuditAction.DEMO, {"a": [1, "ñ"]}))
    assert encoded == tuple(orm_raw)
    assert encoded[1] == "2025-01-02 03:04:05.000000"  # microseconds always written


def test_naive_datetime_is_refused(db):
    enc = RowEncoder(sqlite.dialect(), Event.__table__, ("starts_at",))
    with pytest.raises(ValueError):
        enc.encode((dt.datetime(2025, 1, 1, 12, 0),))
    assert enc.encode((None,)) == (None,)


def test_sixteen_bytes_are_taken_as_an_encoded_uuid():
    value = uuid.uuid4()
    lite = RowEncoder(sqlite.dialect(), Person.__table__, ("uuid",))
    assert lite.encode((value,)) == (value.bytes,)
    assert lite.encode((value.bytes,)) == (value.bytes,)
    assert lite.encode((str(value),)) == (value.bytes,)
    pg = RowEncoder(postgresql.dialect(), Person.__table__, ("uuid",))
    assert pg.encode((value.bytes,)) == (value,)


def test_postgresql_gets_native_values():
    cols = ("uuid", "starts_at", "kind", "partners")
    enc = RowEncoder(postgresql.dialect(), Event.__table__, cols)
    value = uuid.uuid4()
    starts = dt.datetime(2025, 3, 1, 18, 30, tzinfo=MEXICO)
    out = enc.encode((value, starts, EventKind.TALK, ["a"]))
    assert out[0] is value
    assert out[1] == starts and out[1].tzinfo == dt.UTC
    assert out[2] == "talk"
    assert out[3] == '["a"]'
    assert insert_sql(postgresql.dialect(), Event.__table__, ("uuid", "title"), 2) == (
        "INSERT INTO events (uuid, title) VALUES (%s, %s), (%s, %s)"
    )


def test_insert_sql_for_sqlite():
    assert insert_sql(sqlite.dialect(), Event.__table__, ("title", "kind")) == (
        "INSERT INTO events (title, kind) VALUES (?, ?)"
    )
    with pytest.raises(KeyError):
        insert_sql(sqlite.dialect(), Event.__table__, ("nope",))


PERSON = (*STAMP, "chapter_id", "given_names", "family_names", "family_name_first",
          "preferred_name", "email", "email_key", "student_id", "affiliation", "department",
          "programme", "do_not_disclose", "notes", "search_text", "name_key", "sort_key")


def _people_rows(db, conn, chapter_id, count, *, ids=None):
    rows = []
    names = [("José", "Núñez"), ("芳", "王"), ("Łukasz", "Wójcik"), ("प्रिया", "शर्मा")]
    for k, stamp in enumerate(_stamp(db, conn, count)):
        given, family = names[k % len(names)]
        email = f"p{k}@example.org"
        sid = f"{k:09d}"
        keys = person_keys(given, family, "", email, sid, given == "芳")
        row = (*stamp, chapter_id, given, family, given == "芳", "", email, keys.email_key,
               sid, Affiliation.STUDENT, "Facultad de Ingeniería", "", False, "",
               keys.search_text, keys.name_key, keys.sort_key)
        rows.append(row if ids is None else (ids[k], *row))
    return rows


def _fts_count(db, word: str) -> int:
    with db.read() as session:
        return session.execute(
            text("SELECT count(*) FROM people_fts WHERE people_fts MATCH :q"), {"q": f'"{word}"*'}
        ).scalar_one()


def _trigger_exists(db) -> bool:
    with db.read() as session:
        return session.execute(
            text("SELECT count(*) FROM sqlite_schema WHERE name = 'people_fts_insert'")
        ).scalar_one() == 1


@pytest.mark.parametrize("explicit_ids", [False, True])
@pytest.mark.parametrize("per_statement", [None, 7])
def test_people_in_bulk_are_searchable(db, explicit_ids, per_statement):
    chapter_id = _chapter(db)
    count = 1200  # above the size at which the search trigger is set aside
    with db.connect(write=True) as conn:
        ids = None
        cols = PERSON
        if explicit_ids:
            first = reserve_ids(conn, Person.__table__, count)
            ids = list(range(first, first + count))
            cols = ("id", *PERSON)
        enc = RowEncoder(conn.dialect, Person.__table__, cols)
        rows = _people_rows(db, conn, chapter_id, count, ids=ids)
        inserted = bulk_insert(conn, Person.__table__, cols, map(enc.encode, rows),
                               batch_size=500, rows_per_statement=per_statement)
        assert inserted == count
    assert _trigger_exists(db)
    assert _fts_count(db, "nunez") == count // 4
    assert _fts_count(db, "王") == count // 4
    assert _fts_count(db, "lukasz") == count // 4
    # A person added the ordinary way afterwards is indexed by the trigger again.
    with db.write() as session:
        session.add(Person(chapter_id=chapter_id, given_names="Zoé", family_names="Núñez"))
    assert _fts_count(db, "zoe") == 1
    with db.read() as session:
        back = session.scalars(select(Person).where(Person.email == "p1@example.org")).one()
        assert (back.given_names, back.family_names, back.family_name_first) == ("芳", "王", True)
        assert back.created_at == dt.datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    assert db.integrity_problems() == []


def test_a_failed_batch_leaves_the_trigger_in_place(db):
    chapter_id = _chapter(db)
    with db.connect(write=True) as conn:
        enc = RowEncoder(conn.dialect, Person.__table__, PERSON)
        rows = _people_rows(db, conn, chapter_id, 600)
        bulk_insert(conn, Person.__table__, PERSON, map(enc.encode, rows))
    with pytest.raises(IntegrityError), db.connect(write=True) as conn:
        # The same emails again: the unique index refuses the batch.
        enc = RowEncoder(conn.dialect, Person.__table__, PERSON)
        rows = _people_rows(db, conn, chapter_id, 600)
        bulk_insert(conn, Person.__table__, PERSON, map(enc.encode, rows))
    assert _trigger_exists(db)
    assert _fts_count(db, "nunez") == 150
    assert db.integrity_problems() == []


def test_deferred_indexes_come_back(db):
    chapter_id = _chapter(db)

    def index_names():
        with db.read() as session:
            return set(session.execute(text(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'people'"
            )).scalars())

    before = index_names()
    with db.connect(write=True) as conn, deferred_indexes(conn, Person.__table__) as dropped:
        assert "uq_people_chapter_email" in dropped
        enc = RowEncoder(conn.dialect, Person.__table__, PERSON)
        bulk_insert(conn, Person.__table__, PERSON,
                    map(enc.encode, _people_rows(db, conn, chapter_id, 700)))
    assert index_names() == before
    # An error inside the block, caught, and the transaction committed after all: the
    # indexes were rebuilt before the error went on.
    with db.connect(write=True) as conn:
        with pytest.raises(RuntimeError), deferred_indexes(conn, Person.__table__):
            raise RuntimeError("boom")
        assert conn.exec_driver_sql("SELECT count(*) FROM people").scalar() == 700
    assert index_names() == before
    assert db.integrity_problems() == []
