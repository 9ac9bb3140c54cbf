"""Deleting someone leaves nothing of them in the last import's undo record.

The import keeps the values it replaced in the ``settings`` row ``import-undo:<chapter>``
so that it can be undone; every way a person can be deleted must take their entry out of
it.  Real database files, real CSV imports; the record is read back with plain sqlite3.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from merging import FAIR_DAY, copy_db, laptop, make_main, pack_of, signup
from sqlalchemy import select

from chapter_manager.cli import main as cli_main
from chapter_manager.errors import ChapterError
from chapter_manager.imports import (
    commit_import,
    guess_mapping,
    plan_import,
    read_table,
    undo_last_import,
)
from chapter_manager.models import Chapter, Person
from chapter_manager.privacy import personal_columns
from chapter_manager.services import (
    chapters,
    kiosk_database,
    members,
    merge,
    merge_reviews,
    merge_undo,
    people,
    pledges,
    undo,
)
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData

FILE = ("Name,Email,Phone,Notes,Programme\n"
        "Lucy Fernandez,lucia.fdz@unam.mx,+52 55 1111 2222,Nueva nota,Derecho\n"
        "Bruno Keller,bruno@unam.mx,,,Arquitectura\n")


def _import(db, chapter_id: int, tmp_path: Path, text: str = FILE):  # type: ignore[no-untyped-def]
    path = tmp_path / "update.csv"
    path.write_text(text, encoding="utf-8")
    table = read_table(path)
    plan = plan_import(db, chapter_id, table, guess_mapping(table.headers))
    assert plan.invalid == 0
    return commit_import(db, plan, duplicates="update")


def _record(db_path: Path) -> str:
    """The import undo record as stored, read with plain sqlite3 ("" when there is none)."""
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("SELECT value FROM settings WHERE key LIKE 'import-undo:%'").fetchone()
    return row[0] if row else ""


def _traces(db, person_id: int) -> set[str]:
    """Everything personal about a person (every column privacy.py names), and their UUID,
    as it may appear in JSON text: as typed and JSON-escaped."""
    columns = personal_columns()["people"]
    with db.read() as s:
        person = s.get(Person, person_id)
        values = [getattr(person, c) for c in columns] + [person.uuid.hex]
    found = set()
    for v in values:
        if isinstance(v, str) and len(v) >= 3:
            found |= {v, json.dumps(v)[1:-1]}
    return found


def _left(record: str, traces: set[str]) -> set[str]:
    return {t for t in traces if t in record}


def _lucia(db, chapter_id: int) -> int:
    return people.create_person(db, chapter_id, PersonData(
        given_names="Lucía", family_names="Fernández Ibáñez", email="lucia.fdz@unam.mx",
        phone="+52 55 8765 4321", student_id="A0042", gender="mujer", pronouns="ella",
        notes="Prefiere WhatsApp")).id


def _bruno(db, chapter_id: int) -> int:
    view = people.create_person(db, chapter_id, PersonData(
        given_names="Bruno", family_names="Keller", email="bruno@unam.mx"))
    members.set_membership(db, view.id, "active")
    return view.id


def _programme(db, person_id: int) -> str:
    return people.get_person(db, person_id).programme


# --------------------------------------------------------------------------- each way of deleting


def _delete_person(db, person_id: int) -> None:
    people.delete_person(db, person_id)


def _delete_people(db, person_id: int) -> None:
    undo.delete_people(db, [person_id])


@pytest.mark.parametrize("delete", [_delete_person, _delete_people], ids=["delete_person", "delete_people"])
def test_deleting_a_person_the_import_updated_forgets_them(db, chapter, tmp_path, delete):
    lucia, bruno = _lucia(db, chapter.id), _bruno(db, chapter.id)
    traces = _traces(db, lucia)
    result = _import(db, chapter.id, tmp_path)
    assert result.updated == 2
    assert _left(_record(tmp_path / "chapter.db"), traces)  # the record does hold her old values

    delete(db, lucia)

    record = _record(tmp_path / "chapter.db")
    assert record and _left(record, traces) == set()
    assert json.loads(record)["audit"] == result.audit_uuid.hex
    # The undo still works for the others, and says whom it passed over.
    undone = undo_last_import(db, chapter.id, result.audit_uuid)
    assert (undone.removed, undone.restored, undone.deleted_since) == (0, 1, 1)
    assert _programme(db, bruno) == ""
    assert _record(tmp_path / "chapter.db") == ""


def test_nothing_of_them_is_left_in_the_file_once_closed(tmp_path):
    from chapter_manager.services.chapters import ChapterData, create_chapter
    from chapter_manager.storage import open_database

    path = tmp_path / "closed.db"
    db = open_database(path)
    chapter = create_chapter(db, ChapterData(name="HeForShe UNAM", country="MX"))
    lucia, _b = _lucia(db, chapter.id), _bruno(db, chapter.id)
    old_notes = "Prefiere WhatsApp"  # only the import's undo record holds it after the import
    _import(db, chapter.id, tmp_path)
    assert old_notes in _record(path)
    people.delete_person(db, lucia)
    db.close()
    assert old_notes.encode() not in path.read_bytes()  # secure_delete: not even in free space


def test_undoing_the_delete_gives_the_import_its_entry_back(db, chapter, tmp_path):
    lucia, bruno = _lucia(db, chapter.id), _bruno(db, chapter.id)
    result = _import(db, chapter.id, tmp_path)
    deleted = undo.delete_people(db, [lucia])
    assert "Prefiere WhatsApp" not in _record(tmp_path / "chapter.db")
    undo.restore(db, deleted)
    assert "Prefiere WhatsApp" in _record(tmp_path / "chapter.db")
    undone = undo_last_import(db, chapter.id, result.audit_uuid)
    assert (undone.restored, undone.deleted_since) == (2, 0)
    again = people.get_person(db, lucia)
    assert (again.given_names, again.notes, again.phone) == ("Lucía", "Prefiere WhatsApp", "+525587654321")
    assert _programme(db, bruno) == ""


def test_an_import_since_the_delete_keeps_its_own_record_on_restore(db, chapter, tmp_path):
    lucia, _b = _lucia(db, chapter.id), _bruno(db, chapter.id)
    _import(db, chapter.id, tmp_path)
    deleted = undo.delete_people(db, [lucia])
    later = _import(db, chapter.id, tmp_path, "Name,Email,Programme\nBruno Keller,bruno@unam.mx,Diseño\n")
    undo.restore(db, deleted)
    record = json.loads(_record(tmp_path / "chapter.db"))
    assert record["audit"] == later.audit_uuid.hex
    assert people.get_person(db, lucia).uuid.hex not in record["previous"]


def test_deleting_everyone_it_updated_still_lets_the_import_be_undone(db, chapter, tmp_path):
    lucia, bruno = _lucia(db, chapter.id), _bruno(db, chapter.id)
    result = _import(db, chapter.id, tmp_path,
                     FILE + "Nueva Persona,nueva@unam.mx,,,\n")
    assert (result.created, result.updated) == (1, 2)
    undo.delete_people(db, [lucia, bruno])
    assert json.loads(_record(tmp_path / "chapter.db"))["previous"] == {}
    undone = undo_last_import(db, chapter.id)
    assert (undone.removed, undone.restored, undone.deleted_since) == (1, 0, 2)


def test_the_cli_says_whom_the_undo_passed_over(db, chapter, tmp_path, capsys):
    lucia, _b = _lucia(db, chapter.id), _bruno(db, chapter.id)
    _import(db, chapter.id, tmp_path)
    people.delete_person(db, lucia)
    assert cli_main(["--db", str(tmp_path / "chapter.db"), "import", "members", "--undo"]) == 0
    out = capsys.readouterr().out
    assert "0 people removed, 1 restored" in out
    assert "1 people it updated were deleted since" in out


def test_a_missing_record_still_refuses_the_undo(db, chapter, tmp_path):
    _lucia(db, chapter.id)
    _import(db, chapter.id, tmp_path)
    with sqlite3.connect(tmp_path / "chapter.db") as conn:
        conn.execute("DELETE FROM settings WHERE key LIKE 'import-undo:%'")
    with pytest.raises(ChapterError, match="no longer kept"):
        undo_last_import(db, chapter.id)


def test_deleting_the_chapter_removes_its_record(db, chapter, tmp_path):
    _lucia(db, chapter.id)
    _import(db, chapter.id, tmp_path)
    assert _record(tmp_path / "chapter.db")
    chapters.delete_chapter(db, chapter.id)
    assert _record(tmp_path / "chapter.db") == ""


def test_a_placeholder_removed_by_moving_its_pledge_is_forgotten(db, chapter, tmp_path):
    sheet = pledges.sign_up(db, chapter.id, PersonData(
        given_names="Lucía", family_names="Fernández Ibáñez", email="lucia.fdz@unam.mx",
        phone="+52 55 8765 4321", notes="Prefiere WhatsApp"), PledgeData())
    bruno = _bruno(db, chapter.id)
    traces = _traces(db, sheet.person_id)
    result = _import(db, chapter.id, tmp_path)
    assert result.updated == 2 and _left(_record(tmp_path / "chapter.db"), traces)
    members.clear_membership(db, sheet.person_id)  # nothing but the pledge refers to her again
    target = people.create_person(db, chapter.id, PersonData(given_names="Lucia", family_names="F"))
    assert pledges.relink_pledge(db, sheet.pledge_id, target.id).previous_person_removed
    assert _left(_record(tmp_path / "chapter.db"), traces) == set()
    undone = undo_last_import(db, chapter.id)
    assert (undone.restored, undone.deleted_since) == (1, 1) and _programme(db, bruno) == ""


# --------------------------------------------------------------------------- merges


@pytest.fixture
def office(tmp_path):
    db = make_main(tmp_path / "main.db")
    yield db
    db.close()


@pytest.fixture
def kiosk(office, tmp_path):
    template = tmp_path / "kiosk-template.db"
    kiosk_database.export_for_kiosk(office, template, 1)
    db = copy_db(template, tmp_path / "kiosk1.db", laptop(1))
    yield db
    db.close()


def _by_email(db, email: str) -> int:
    with db.read() as s:
        return int(s.execute(select(Person.id).where(Person.email_key == email)).scalar_one())


def test_undoing_a_merge_forgets_the_people_it_takes_away(office, kiosk, tmp_path):
    signup(kiosk, given="Lucía", family="Fernández Ibáñez", email="lucia.fdz@unam.mx")
    summary = merge.merge_packs(office, [pack_of(kiosk, tmp_path / "k.cmpack")])
    lucia = _by_email(office, "lucia.fdz@unam.mx")
    bruno = _bruno(office, 1)
    traces = _traces(office, lucia)
    assert _import(office, 1, tmp_path).updated == 2
    assert _left(_record(tmp_path / "main.db"), traces)
    merge_undo.undo_merge(office, summary.batch_id)
    assert _left(_record(tmp_path / "main.db"), traces) == set()
    undone = undo_last_import(office, 1)
    assert (undone.restored, undone.deleted_since) == (1, 1) and _programme(office, bruno) == ""


def test_settling_a_likely_match_forgets_the_entry_that_goes(office, kiosk, tmp_path):
    signup(office, given="Lucía", family="Fernández Ibáñez")  # at the fair, no email
    signup(kiosk, given="LUCIA", family="Fernandez Ibanez", email="lucia.fdz@unam.mx", when=FAIR_DAY)
    merge.merge_packs(office, [pack_of(kiosk, tmp_path / "k.cmpack")])
    (review,) = merge_reviews.list_reviews(office, 1)
    newcomer = _by_email(office, "lucia.fdz@unam.mx")
    assert review.person_id == newcomer
    traces = _traces(office, newcomer)
    _bruno(office, 1)
    assert _import(office, 1, tmp_path).updated == 2
    assert _left(_record(tmp_path / "main.db"), traces)
    merge_reviews.resolve_review(office, review.id, same_person=True)
    with office.read() as s:
        assert s.get(Person, newcomer) is None and s.get(Chapter, 1) is not None
    assert _left(_record(tmp_path / "main.db"), traces) == set()


def test_undoing_an_import_keeps_who_has_signed_or_attended_since(tmp_path):
    """Nothing recorded after an import is lost by undoing it: people the import added who
    have a pledge or attendance since stay (with those records); the others go."""
    import datetime as dt

    from sqlalchemy import select

    from chapter_manager.imports.members import undo_last_import
    from chapter_manager.models import Person
    from chapter_manager.services.chapters import ChapterData, create_chapter
    from chapter_manager.services.events import EventData, check_in, create_event
    from chapter_manager.services.people import count_people
    from chapter_manager.services.pledges import PledgeData, count_pledges, record_pledge
    from chapter_manager.storage import open_database

    with open_database(tmp_path / "c.db") as db:
        chapter = create_chapter(db, ChapterData(name="HeForShe UNAM", country="MX"))
        _import(db, chapter.id, tmp_path,
                "Nombre,Apellidos,Correo\nAna,Ruiz,ana@x.org\nBea,Soto,bea@x.org\nCarla,Díaz,carla@x.org\n")
        with db.read() as s:
            ids = {p.email: p.id for p in s.scalars(select(Person))}
        record_pledge(db, ids["ana@x.org"], PledgeData(signed_at=dt.datetime.now(dt.UTC)))
        event = create_event(db, chapter.id, EventData(title="Feria", starts_at=dt.datetime.now(dt.UTC)))
        check_in(db, event.id, ids["bea@x.org"])

        undone = undo_last_import(db, chapter.id)
        assert (undone.removed, undone.kept) == (1, 2)
        assert count_people(db, chapter.id) == 2
        assert count_pledges(db, chapter.id) == 1
        with db.read() as s:
            assert {p.email for p in s.scalars(select(Person))} == {"ana@x.org", "bea@x.org"}
