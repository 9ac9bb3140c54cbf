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
