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


# --------------------------------------------------------------------------- private files

# What the app creates holds a chapter's roster (or traces of it): readable by its owner
# only, on a shared computer as much as on one's own.  Folders and files that already
# exist keep the permissions they have.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def private_folder(folder: Path) -> Path:
    """Create ``folder`` and any missing folders above it, each for its owner only."""
    folder = Path(folder)
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for made in reversed(missing):
        try:
            made.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(made, PRIVATE_DIR_MODE)  # whatever the umask
    return Path(missing[0]) if missing else folder


def create_private_file(path: Path) -> None:
    """Create an empty ``path`` for its owner only (it must not exist)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))


def open_private(path: Path, mode: str = "wb", **kwargs):
    """Open ``path`` for writing, creating it for its owner only (an existing file keeps
    its permissions)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    return os.fdopen(fd, mode, **kwargs)
