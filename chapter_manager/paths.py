"""Where Chapter Manager keeps its files on this computer."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "ChapterManager"
DB_ENV = "CHAPTER_MANAGER_DB"
DATA_ENV = "CHAPTER_MANAGER_DATA_DIR"


def data_dir() -> Path:
    """The user's data folder for the app (``CHAPTER_MANAGER_DATA_DIR`` overrides it)."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def default_database() -> Path:
    """The database used when no ``--db`` is given: ``CHAPTER_MANAGER_DB`` or the data folder."""
    override = os.environ.get(DB_ENV)
    if override:
        return Path(override).expanduser()
    return data_dir() / "chapter.db"


def backups_root() -> Path:
    return data_dir() / "backups"


def log_dir() -> Path:
    return data_dir() / "logs"


def resources_dir() -> Path:
    """The ``resources`` folder shipped beside the packages (texts, translations, icons).

    In a source checkout it is the repository's ``resources/``; an installed copy carries it
    next to ``chapter_manager`` in site-packages (``package-data`` in pyproject.toml).
    """
    return Path(__file__).resolve().parent.parent / "resources"
