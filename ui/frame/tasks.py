"""Long work off the GUI thread: one mechanism for demo data, imports, exports, reports, merges.

A task is a plain core function ``fn(progress, cancel)`` following the core's job contract
(:mod:`chapter_manager.jobs`): ``progress(fraction, message)`` reports how far it is
(``fraction`` in 0..1, or ``None`` when unknown) and ``cancel`` is a ``threading.Event`` it
checks between steps, raising ``jobs.Cancelled``.  :func:`run_task` runs it on the app's
worker pool, as the thread's current job, and hands the result back to the GUI thread by
signal:

    run_task(parent, title, fn, on_done=self._filled)

A progress dialog appears only when the work lasts more than ``SHOW_AFTER_MS``; its
updates are throttled to about ten a second so a chatty task cannot flood the GUI.  The
dialog's Cancel sets the event; the task stops at its next check and ``on_cancelled`` runs.
A cancellation is recognised by type (``jobs.Cancelled``), never by name.
Errors reach the user as a sentence (``errors.ChapterError``) or, for anything
unexpected, a short note with the log file's place; never a traceback.

When a write has to wait for another program's write lock, storage says so through the
current job's progress: the dialog then shows at once, reads "Waiting for another program
to finish writing…" and offers "Stop waiting" (a task's Cancel; nothing is written then).

:func:`run_and_wait` runs a task while a local event loop keeps the window painting (for
work whose result the caller needs before going on: opening, restoring);
:func:`write_and_wait` is a form's save through it ("Stop waiting" raises :class:`NotSaved`);
:func:`finish_all` waits for every running task with a visible "Finishing…" dialog (the
window's close and its switch to another database).
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from chapter_manager import jobs
from chapter_manager.errors import ChapterError
from chapter_manager.jobs import Cancelled, Progress

from .i18n import tr

SHOW_AFTER_MS = 600
FULL_COLLECTIONS_AFTER_MS = 1000
THROTTLE_S = 0.1

TaskFunction = Callable[[Progress, threading.Event], Any]


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
        self.waiting = False
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
            self._dialog.canceled.connect(self.cancel)
            if cancellable:
                self._dialog.setCancelButtonText(self.tr("Cancel"))
            else:
                self._dialog.setCancelButton(None)
            self._dialog.hide()
            self._show_timer = QTimer(self)
            self._show_timer.setSingleShot(True)
            self._show_timer.timeout.connect(self._show_dialog)

    # ---------------------------------------------------------------- GUI thread
    def start(self, pool: QThreadPool | None = None) -> Task:
        if not _RUNNING:
            _postpone_full_collections()
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
        if message == jobs.waiting_message():
            # Another program holds the write lock: say so now, and let the person stop.
            self.waiting = True
            self._dialog.setCancelButtonText(self.tr("Stop waiting"))
            self._show_dialog()
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
        if not _RUNNING:
            # a moment later: a wizard's next step starts a new task right away
            QTimer.singleShot(FULL_COLLECTIONS_AFTER_MS, _allow_full_collections)
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
        if (now - self._last_emit >= THROTTLE_S or (fraction is not None and fraction >= 1.0)
                or message == jobs.waiting_message()):
            self._last_emit = now
            self._signals.progressed.emit(fraction, message)

    def _execute(self) -> None:
        try:
            with jobs.running(jobs.Job(self._report, self.cancel_event)):
                result = self.fn(self._report, self.cancel_event)
        except Cancelled:
            self._signals.cancelled.emit()
        except BaseException as error:  # handed to the GUI thread
            self._signals.failed.emit(error)
        else:
            if self.cancel_event.is_set():
                self._signals.cancelled.emit()
            else:
                self._signals.succeeded.emit(result)


_RUNNING: set[Task] = set()
_POOL: QThreadPool | None = None
_THRESHOLDS: tuple[int, int, int] | None = None


def _postpone_full_collections() -> None:
    """While work runs, Python's cyclic collector does only its cheap young collections.

    A full collection examines every object alive; a job holding a 100,000-row file and its
    plan in memory makes each one take hundreds of milliseconds, and it holds the GIL in
    whichever thread triggered it, the GUI thread included (measured: every stall over
    100 ms during a 100,000-row import was one; bench/run.py --only gui-import).  The full
    collection waits until no task runs, when the job's objects are gone."""
    global _THRESHOLDS
    if _THRESHOLDS is None:
        _THRESHOLDS = gc.get_threshold()
        gc.set_threshold(_THRESHOLDS[0], _THRESHOLDS[1], 1_000_000_000)


def _allow_full_collections() -> None:
    global _THRESHOLDS
    if _THRESHOLDS is not None and not _RUNNING:
        gc.set_threshold(*_THRESHOLDS)
        _THRESHOLDS = None


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


class NotSaved(ChapterError):
    """A save the person stopped while another program held the write lock."""

    def __init__(self) -> None:
        super().__init__(tr("Not saved: another program was still writing to the database. "
                            "What you typed is still here; save again in a moment."))


class _Waited:
    """What :func:`run_and_wait` hands back: a result, an error or a cancel."""

    def __init__(self) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.cancelled = False


def run_and_wait(
    parent: QWidget | None,
    title: str,
    fn: TaskFunction,
    *,
    cancellable: bool = True,
) -> Any:
    """Run ``fn(progress, cancel)`` on the pool and return its result to the caller, who
    needs it before going on (opening a database, restoring); the window keeps painting and
    the progress dialog shows after ``SHOW_AFTER_MS``.  An error is raised here, in the GUI
    thread; a cancel raises ``jobs.Cancelled``."""
    waited = _Waited()
    loop = QEventLoop()

    def done(result: Any) -> None:
        waited.result = result

    def failed(error: BaseException) -> None:
        waited.error = error

    def cancelled() -> None:
        waited.cancelled = True

    task = Task(fn, title=title, parent=parent, on_done=done, on_error=failed,
                on_cancelled=cancelled, cancellable=cancellable)
    task.finished.connect(loop.quit)
    task.start()
    if not task.done:
        loop.exec()
    if waited.error is not None:
        raise waited.error
    if waited.cancelled:
        raise Cancelled()
    return waited.result


def write_and_wait(parent: QWidget | None, fn: Callable[[], Any], title: str | None = None) -> Any:
    """A form's save: ``fn()`` (one core write) as a job, returning its result here.

    Usually it is done in milliseconds and nothing shows.  When another program holds the
    write lock the dialog says "Waiting for another program to finish writing…" and the
    window stays responsive; it saves as soon as the lock is free.  "Stop waiting" raises
    :class:`NotSaved` (a ``ChapterError``: the form shows it and keeps what was typed)."""
    try:
        return run_and_wait(parent, title or tr("Saving"), lambda _progress, _cancel: fn(), cancellable=False)
    except Cancelled as error:
        raise NotSaved() from error


def finish_all(parent: QWidget | None, *, cancel: bool = True, only: list[Task] | None = None) -> None:
    """Wait for every running task, with a visible "Finishing…" dialog while it lasts.

    With ``cancel`` each task is asked to stop first (a write past its last check runs to
    its end: nothing is cut off half-way).  The window keeps painting meanwhile.  ``only``:
    those tasks (one window's, while other windows go on working)."""
    running = running_tasks() if only is None else [t for t in only if not t.done]

    def still_running() -> list[Task]:
        return running_tasks() if only is None else [t for t in only if not t.done]

    if cancel:
        for task in running:
            task.cancel_event.set()
    if running:
        dialog = QProgressDialog(parent)
        named = [t.title for t in running if t.title]
        dialog.setWindowTitle(tr("Finishing…"))
        dialog.setLabelText(tr("Finishing “{what}” before going on…").format(what=named[0]) if named
                            else tr("Finishing the work in progress before going on…"))
        dialog.setAccessibleName(tr("Finishing…"))
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.setCancelButton(None)
        dialog.setRange(0, 0)
        dialog.setMinimumDuration(0)
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(50)
        timer.timeout.connect(lambda: loop.quit() if not still_running() else None)
        dialog.show()
        timer.start()
        if still_running():
            loop.exec()
        timer.stop()
        dialog.hide()
        dialog.deleteLater()
    if _POOL is not None:
        _POOL.waitForDone(10_000)  # the runnables' last lines after their signals
