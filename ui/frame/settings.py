"""What the app remembers between runs, in QSettings (one place, typed).

Tests point QSettings at a temporary folder (see tests/conftest.py), so they never read or
write the user's settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "ChapterManager"
APPLICATION = "Chapter Manager"
MAX_RECENT = 8


class Settings:
    def __init__(self) -> None:
        self._q = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)

    # ------------------------------------------------------------ generic
    def value(self, key: str, default: object = None) -> object:
        return self._q.value(key, default)

    def set_value(self, key: str, value: object) -> None:
        self._q.setValue(key, value)

    def sync(self) -> None:
        self._q.sync()

    def _bool(self, key: str, default: bool) -> bool:
        value = self._q.value(key, default)
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)

    def _int(self, key: str, default: int) -> int:
        try:
            return int(self._q.value(key, default))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return default

    # ------------------------------------------------------------ window
    def geometry(self, name: str) -> QByteArray | None:
        value = self._q.value(f"window/{name}/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, name: str, geometry: QByteArray) -> None:
        self._q.setValue(f"window/{name}/geometry", geometry)

    # ------------------------------------------------------------ files
    def recent_files(self) -> list[str]:
        value = self._q.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if v][:MAX_RECENT]

    def add_recent_file(self, path: Path | str) -> None:
        path = str(Path(path).resolve())
        files = [f for f in self.recent_files() if f != path]
        self._q.setValue("files/recent", [path, *files][:MAX_RECENT])

    def remove_recent_file(self, path: Path | str) -> None:
        path = str(path)
        self._q.setValue("files/recent", [f for f in self.recent_files() if f != path])

    def clear_recent_files(self) -> None:
        self._q.setValue("files/recent", [])

    def last_chapter(self, database: str) -> int | None:
        value = self._q.value(f"chapters/{_key(database)}")
        try:
            return int(value) if value is not None else None  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None

    def set_last_chapter(self, database: str, chapter_id: int) -> None:
        self._q.setValue(f"chapters/{_key(database)}", chapter_id)

    # ------------------------------------------------------------ backups
    @property
    def backup_on_open(self) -> bool:
        return self._bool("backup/on_open", True)

    @backup_on_open.setter
    def backup_on_open(self, value: bool) -> None:
        self._q.setValue("backup/on_open", bool(value))

    @property
    def backup_every_hours(self) -> int:
        return max(1, self._int("backup/every_hours", 12))

    @backup_every_hours.setter
    def backup_every_hours(self, value: int) -> None:
        self._q.setValue("backup/every_hours", max(1, int(value)))

    @property
    def backup_on_close(self) -> bool:
        return self._bool("backup/on_close", True)

    @backup_on_close.setter
    def backup_on_close(self, value: bool) -> None:
        self._q.setValue("backup/on_close", bool(value))


def _key(database: str) -> str:
    import hashlib

    return hashlib.sha1(database.encode("utf-8")).hexdigest()[:16]
