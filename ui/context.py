"""What every screen shares: the open database, the current chapter, settings, undo.

Screens never hold a Session: they call core services with ``ctx.db`` and get plain data
back.  When they change something they call ``ctx.changed("people")`` (or "events",
"forums", "pledges", "chapters", "all") so the other screens refresh what they show.

Changes made elsewhere (another window, the command line, a kiosk on the same file) are
noticed by polling ``storage.watch`` every ``POLL_MS`` on the GUI thread (a few
microseconds when nothing changed) while a main window shows this context and arrive through the same ``data_changed(kind)``,
with ``from_elsewhere`` True while they are emitted; this context's own writes are not
reported back to it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimerEvent, Signal

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
    #: how often the database is asked whether someone else changed it
    POLL_MS = 500

    def __init__(self, db: Database, settings: Settings, chapter_id: int | None = None):
        super().__init__()
        self.db = db
        self.settings = settings
        self.chapter_id: int | None = chapter_id
        self._undo: list[UndoStep] = []
        #: True while a change made elsewhere is being announced through ``data_changed``
        self.from_elsewhere = False
        self._watch = None
        # A timer of the object itself (timerEvent), not a QTimer child connected to a
        # method: that would be a reference cycle through Qt, which the garbage collector
        # may tear down in an order the binding does not survive.
        self._watch_timer = 0

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

    def follow_changes(self, on: bool) -> None:
        """Start (or stop) noticing changes made to the database elsewhere.

        The main window showing this context turns it on, and off when it closes or
        moves to another database (:meth:`close`).
        """
        from chapter_manager.storage.watch import open_watch

        if on and self._watch is None:
            try:
                self._watch = open_watch(self.db)
            except sqlite3.Error as error:  # the app works on; it only stops following others
                log = logging.getLogger(__name__)
                log.warning("cannot watch %s: %s", self.db.location, error)  # untranslated: a log line
            if self._watch is not None:
                self._watch_timer = self.startTimer(self.POLL_MS)
        elif not on:
            if self._watch_timer:
                self.killTimer(self._watch_timer)
                self._watch_timer = 0
            if self._watch is not None:
                self._watch.close()
                self._watch = None

    def timerEvent(self, event: QTimerEvent) -> None:  # noqa: N802
        if event.timerId() == self._watch_timer:
            self.check_elsewhere()
        else:
            super().timerEvent(event)

    def check_elsewhere(self) -> frozenset[str]:
        """Look now for changes made elsewhere; announce and return their kinds."""
        if self._watch is None:
            return frozenset()
        if self.db.closed:  # the window on it has gone: nothing to follow any more
            self.follow_changes(False)
            return frozenset()
        try:
            change = self._watch.poll()
        except sqlite3.Error as error:  # the file is busy or gone: try again at the next tick
            logging.getLogger(__name__).info("watching %s: %s", self.db.location, error)
            return frozenset()
        if change is None:
            return frozenset()
        kinds = ["all"] if change.everything else sorted(change.kinds)
        self.from_elsewhere = True
        try:
            for kind in kinds:
                self.data_changed.emit(kind)
        finally:
            self.from_elsewhere = False
        return change.kinds

    def close(self) -> None:
        """Stop watching and close the database (the window on it is going away)."""
        self.follow_changes(False)
        self.db.close()

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
