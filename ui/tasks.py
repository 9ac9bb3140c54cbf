"""Long work off the GUI thread: one mechanism for demo data, imports, exports, reports, merges.

A task is a plain core function ``fn(progress, cancel)``: ``progress(fraction, message)``
reports how far it is (``fraction`` in 0..1, or ``None`` when unknown) and ``cancel`` is a
``threading.Event`` it checks between steps.  :func:`run_task` runs it on the app's worker
pool and hands the result back to the GUI thread by signal:

    run_task(parent, title, fn, on_done=self._filled)

A progress dialog appears only when the work lasts more than ``SHOW_AFTER_MS``; its
updates are throttled to about ten a second so a chatty task cannot flood the GUI.  The
dialog's Cancel sets the event; the task stops at its next check and ``on_cancelled`` runs.
Errors reach the user as a sentence (``errors.ChapterError``) or, for anything
unexpected, a short note with the log file's place; never a traceback.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

SHOW_AFTER_MS = 600
THROTTLE_S = 0.1

Progress = Callable[[float | None, str], None]
TaskFunction = Callable[[Progress, threading.Event], Any]


class Cancelled(Exception):
    """Raised by a task (or the progress callback) when the user cancelled it."""


class _Signals(QObject):
    progressed = Signal(object, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class _Runnable(QRunnable):
    def __init__(self, task: Task):
        super().__init__()
        self.setAutoDelete(True)
        self._task = task

    def run(self) -> None:  # worker thread
        # RuntimeError: the app is quitting and has deleted the task's signals; the
        # result has no one left to go to (anything the task wrote it committed itself).
        with contextlib.suppress(RuntimeError):
            self._task._execute()


class Task(QObject):
    """One piece of long work; lives in the GUI thread, its function runs on the pool."""

    finished = Signal()

    def __init__(
        self,
        fn: TaskFunction,
        *,
        title: str = "",
        parent: QWidget | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        show_progress: bool = True,
        cancellable: bool = True,
    ):
        super().__init__(parent)
        self.fn = fn
        self.title = title
        self.cancel_event = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False
        self._on_done = on_done
        self._on_error = on_error
        self._on_cancelled = on_cancelled
        self._signals = _Signals()
        self._signals.progressed.connect(self._progressed, Qt.ConnectionType.QueuedConnection)
        self._signals.succeeded.connect(self._succeeded, Qt.ConnectionType.QueuedConnection)
        self._signals.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self._signals.cancelled.connect(self._was_cancelled, Qt.ConnectionType.QueuedConnection)
        self._last_emit = 0.0
        self._dialog: QProgressDialog | None = None
        self.shows_progress = show_progress
        if show_progress:
            self._dialog = QProgressDialog(parent)
            self._dialog.setWindowTitle(title or self.tr("Working"))
            self._dialog.setLabelText(title or self.tr("Working…"))
            self._dialog.setAccessibleName(self.tr("Progress of: %1").replace("%1", title))
            self._dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self._dialog.setAutoClose(False)
            self._dialog.setAutoReset(False)
            self._dialog.setRange(0, 1000)
            self._dialog.setValue(0)
            if cancellable:
                self._dialog.setCancelButtonText(self.tr("Cancel"))
                self._dialog.canceled.connect(self.cancel)
            else:
                self._dialog.setCancelButton(None)
            self._dialog.hide()
            self._show_timer = QTimer(self)
            self._show_timer.setSingleShot(True)
            self._show_timer.timeout.connect(self._show_dialog)

    # ---------------------------------------------------------------- GUI thread
    def start(self, pool: QThreadPool | None = None) -> Task:
        _RUNNING.add(self)
        if self._dialog is not None:
            self._show_timer.start(SHOW_AFTER_MS)
        (pool or worker_pool()).start(_Runnable(self))
        return self

    @Slot()
    def cancel(self) -> None:
        self.cancel_event.set()
        if self._dialog is not None:
            self._dialog.setLabelText(self.tr("Stopping…"))

    @Slot()
    def _show_dialog(self) -> None:
        if not self.done and self._dialog is not None:
            self._dialog.show()

    @Slot(object, str)
    def _progressed(self, fraction: float | None, message: str) -> None:
        if self._dialog is None or self.done:
            return
        if fraction is None:
            self._dialog.setRange(0, 0)
        else:
            if self._dialog.maximum() == 0:
                self._dialog.setRange(0, 1000)
            self._dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if message and not self.cancel_event.is_set():
            self._dialog.setLabelText(message)

    def _finish(self) -> None:
        self.done = True
        if self._dialog is not None:
            self._show_timer.stop()
            self._dialog.hide()
            self._dialog.deleteLater()
            self._dialog = None
        _RUNNING.discard(self)
        self.finished.emit()

    @Slot(object)
    def _succeeded(self, result: Any) -> None:
        self.result = result
        self._finish()
        if self._on_done is not None:
            self._on_done(result)

    @Slot(object)
    def _failed(self, error: BaseException) -> None:
        self.error = error
        self._finish()
        if self._on_error is not None:
            self._on_error(error)
        else:
            from .errors import show_error

            show_error(self.parent() if isinstance(self.parent(), QWidget) else None, error, self.title)

    @Slot()
    def _was_cancelled(self) -> None:
        self._finish()
        if self._on_cancelled is not None:
            self._on_cancelled()

    # ---------------------------------------------------------------- worker thread
    def _report(self, fraction: float | None, message: str = "") -> None:
        if self.cancel_event.is_set():
            raise Cancelled()
        now = time.monotonic()
        if now - self._last_emit >= THROTTLE_S or (fraction is not None and fraction >= 1.0):
            self._last_emit = now
            self._signals.progressed.emit(fraction, message)

    def _execute(self) -> None:
        try:
            result = self.fn(self._report, self.cancel_event)
        except Cancelled:
            self._signals.cancelled.emit()
        except BaseException as error:  # noqa: BLE001 - handed to the GUI thread
            if self.cancel_event.is_set() and _is_cancel(error):
                self._signals.cancelled.emit()
            else:
                self._signals.failed.emit(error)
        else:
            if self.cancel_event.is_set():
                self._signals.cancelled.emit()
            else:
                self._signals.succeeded.emit(result)


def _is_cancel(error: BaseException) -> bool:
    return type(error).__name__ == "Cancelled"


_RUNNING: set[Task] = set()
_POOL: QThreadPool | None = None


def worker_pool() -> QThreadPool:
    """The app's workers: two threads (one long job and one screen load side by side)."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(2)
    return _POOL


def run_task(
    parent: QWidget | None,
    title: str,
    fn: TaskFunction,
    *,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    show_progress: bool = True,
    cancellable: bool = True,
) -> Task:
    """Run ``fn(progress, cancel)`` off the GUI thread; see the module's docstring."""
    return Task(
        fn,
        title=title,
        parent=parent,
        on_done=on_done,
        on_error=on_error,
        on_cancelled=on_cancelled,
        show_progress=show_progress,
        cancellable=cancellable,
    ).start()


def load_in_background(
    parent: QObject, fn: Callable[[], Any], on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
) -> Task:
    """Read something for a screen off the GUI thread, with no dialog (e.g. the dashboard)."""
    return Task(
        lambda _progress, _cancel: fn(),
        parent=parent if isinstance(parent, QWidget) else None,
        on_done=on_done,
        on_error=on_error,
        show_progress=False,
    ).start()


def running_tasks() -> list[Task]:
    return list(_RUNNING)


def owned_by(owner: QObject) -> list[Task]:
    """The running tasks whose parent is ``owner`` or inside it (a window's own work)."""
    found = []
    for task in list(_RUNNING):
        parent = task.parent()
        while parent is not None and parent is not owner:
            parent = parent.parent()
        if parent is owner:
            found.append(task)
    return found


def shutdown(timeout_ms: int = 10_000) -> bool:
    """Cancel every task and wait for the workers (call before the app exits)."""
    for task in list(_RUNNING):
        task.cancel_event.set()
    if _POOL is None:
        return True
    return _POOL.waitForDone(timeout_ms)
