"""Shared fixtures: every test gets its own data folder, database file and settings."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """No test reads or writes the real user's data folder, database or device id."""
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("CHAPTER_MANAGER_DATA_DIR", str(data))
    monkeypatch.delenv("CHAPTER_MANAGER_DB", raising=False)
    monkeypatch.delenv("CHAPTER_MANAGER_DEVICE_ID", raising=False)
    return data


@pytest.fixture
def db(tmp_path):
    from chapter_manager.storage import open_database

    database = open_database(tmp_path / "chapter.db")
    yield database
    database.close()


@pytest.fixture
def chapter(db):
    from chapter_manager.services.chapters import ChapterData, create_chapter

    return create_chapter(
        db,
        ChapterData(
            name="HeForShe UNAM",
            university="Universidad Nacional Autónoma de México",
            city="Ciudad de México",
            country="MX",
            timezone="America/Mexico_City",
        ),
    )


@pytest.fixture
def roster_people(db, chapter):
    """Three people of every kind a roster shows: an officer, an alumna, one not to disclose."""
    import datetime as dt

    from chapter_manager.models import MembershipStatus
    from chapter_manager.services.members import add_officer_term, set_membership
    from chapter_manager.services.people import PersonData, create_person

    def add(given, family, **kw):
        status = kw.pop("status", MembershipStatus.ACTIVE)
        p = create_person(db, chapter.id, PersonData(given_names=given, family_names=family, **kw))
        set_membership(db, p.id, status, joined_on=dt.date(2025, 9, 1))
        return p

    a = add("José", "Núñez", email="jose@unam.mx", phone="+52 55 1234 5678", student_id="00123",
            gender="man")
    b = add("王", "芳", student_id="0099", status=MembershipStatus.ALUMNI)
    c = add("Secret", "Person", email="secret@unam.mx", do_not_disclose=True)
    add_officer_term(db, a.id, "president", dt.date(2025, 1, 1))
    return a, b, c
