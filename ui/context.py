"""What every screen shares: the open database, the current chapter, settings, undo.

Screens never hold a Session: they call core services with ``ctx.db`` and get plain data
back.  When they change something they call ``ctx.changed("people")`` (or "events",
"forums", "pledges", "chapters", "all") so the other screens refresh what they show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from chapter_manager.storage import Database

from .settings import Settings


@dataclass(frozen=True)
class UndoStep:
    text: str
    undo: Callable[[], object]


class AppContext(QObject):
    chapter_changed = Signal(int)
    data_changed = Signal(str)
    undo_changed = Signal()
    status_message = Signal(str)

    MAX_UNDO = 20

    def __init__(self, db: Database, settings: Settings, chapter_id: int | None = None):
        super().__init__()
        self.db = db
        self.settings = settings
        self.chapter_id: int | None = chapter_id
        self._undo: list[UndoStep] = []

    # ------------------------------------------------------------ chapter
    def set_chapter(self, chapter_id: int | None) -> None:
        if chapter_id == self.chapter_id:
            return
        self.chapter_id = chapter_id
        if chapter_id is not None and self.db.path is not None:
            self.settings.set_last_chapter(str(self.db.path), chapter_id)
        self._undo.clear()
        self.undo_changed.emit()
        self.chapter_changed.emit(chapter_id or 0)

    def require_chapter(self) -> int:
        if self.chapter_id is None:
            from chapter_manager.errors import NotFound

            raise NotFound(self.tr("Create a chapter first (File ▸ New chapter…)."))
        return self.chapter_id

    @property
    def timezone(self) -> str:
        from chapter_manager.services.chapters import get_chapter

        if self.chapter_id is None:
            return "UTC"
        return get_chapter(self.db, self.chapter_id).timezone

    # ------------------------------------------------------------ changes
    def changed(self, what: str) -> None:
        self.data_changed.emit(what)

    # ------------------------------------------------------------ undo
    def push_undo(self, text: str, undo: Callable[[], object]) -> None:
        self._undo.append(UndoStep(text, undo))
        del self._undo[: -self.MAX_UNDO]
        self.undo_changed.emit()

    def undo_text(self) -> str | None:
        return self._undo[-1].text if self._undo else None

    def undo(self) -> str | None:
        """Undo the newest step; returns its text (None when there was nothing)."""
        if not self._undo:
            return None
        step = self._undo[-1]
        step.undo()  # if this raises, the step stays so the user can try again
        self._undo.pop()
        self.undo_changed.emit()
        return step.text
