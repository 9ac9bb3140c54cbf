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
    """One Edit ▸ Undo step.  With ``then``, ``undo`` is database work only (safe on a
    worker thread: it runs as a job through ``ui.frame.tasks``) and ``then`` tells the screens,
    on the GUI thread; without it, ``undo`` does both on the GUI thread."""

    text: str
    undo: Callable[[], object]
    then: Callable[[object], None] | None = None


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
        self.undoing = False  # an undo step is running as a job
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

    def timerEvent(self, event: QTimerEvent) -> None:
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
    def push_undo(self, text: str, undo: Callable[[], object],
                  then: Callable[[object], None] | None = None) -> None:
        """Add an Edit ▸ Undo step (see :class:`UndoStep`)."""
        self._undo.append(UndoStep(text, undo, then))
        del self._undo[: -self.MAX_UNDO]
        self.undo_changed.emit()

    def undo_text(self) -> str | None:
        return self._undo[-1].text if self._undo else None

    def undo(self) -> str | None:
        """Undo the newest step; returns its text (None when there was nothing)."""
        if not self._undo:
            return None
        step = self._undo[-1]
        result = step.undo()  # if this raises, the step stays so the user can try again
        self._forget(step)
        if step.then is not None:
            step.then(result)
        return step.text

    def undo_in_background(self, parent, on_done=None, on_error=None):  # type: ignore[no-untyped-def]
        """Edit ▸ Undo: the newest step's database work runs as a job (``ui.frame.tasks``), with
        progress after a moment and the window responsive; ``on_done(text)`` afterwards.
        Returns the task (None when there was nothing, or the step runs on the GUI thread)."""
        if not self._undo or self.undoing:
            return None
        step = self._undo[-1]
        if step.then is None:
            text = self.undo()
            if on_done is not None:
                on_done(text)
            return None
        from . import tasks

        self.undoing = True
        self.undo_changed.emit()

        def done(result: object) -> None:
            self.undoing = False
            self._forget(step)
            assert step.then is not None
            step.then(result)
            if on_done is not None:
                on_done(step.text)

        def stopped(error: BaseException | None = None) -> None:
            self.undoing = False
            self.undo_changed.emit()  # the step stays: it can be tried again
            if error is not None and on_error is not None:
                on_error(error)

        return tasks.run_task(parent, self.tr("Undoing {what}…").format(what=step.text),
                              lambda _progress, _cancel: step.undo(), on_done=done,
                              on_error=stopped, on_cancelled=stopped, cancellable=False)

    def _forget(self, step: UndoStep) -> None:
        for i in range(len(self._undo) - 1, -1, -1):
            if self._undo[i] is step:
                del self._undo[i]
                break
        self.undo_changed.emit()
