"""The one contract for long work: progress, a cancel signal, one ``Cancelled`` error.

Every long operation of the core (import, merge, pack export, roster, report, demo data,
undo steps, deleting, opening/upgrading, restoring) takes two optional arguments:

- ``progress(fraction, message)``: ``fraction`` in 0..1 (``None`` when unknown) and a
  sentence for the person waiting;
- ``cancel``: anything with ``is_set()`` (a ``threading.Event``); when it is set, the
  operation stops at its next check and raises :class:`Cancelled` with nothing changed
  (its transaction is rolled back, its temporary files removed).

Callers recognise a cancellation by type (``except jobs.Cancelled``), never by name.
Modules keep their own subclasses where the sentence says what was not done ("nothing was
imported"); each is a :class:`Cancelled`.

A job can also be made *current* for the thread running it (:func:`running`).  Storage
asks for the current job when a write has to wait for another program's write lock: it
then waits in short steps, says "Waiting for another program to finish writing…" through
the job's progress, and stops when the job is cancelled (see
``storage.sqlite.configure_engine``).  Without a current job a write waits for
``busy_timeout`` and then says the database is busy, as before.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

from .errors import ChapterError
from .i18n import _

Progress = Callable[[float | None, str], None]


class CancelSignal(Protocol):
    def is_set(self) -> bool: ...


class Cancelled(ChapterError):
    """The person cancelled the work; nothing was changed."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("Cancelled; nothing was changed."))


def _no_progress(_fraction: float | None, _message: str) -> None:
    return None


class Job:
    """What a long operation is handed: ``progress`` and ``cancel``, with ``check()``."""

    def __init__(self, progress: Progress | None = None, cancel: CancelSignal | None = None):
        self._progress = progress or _no_progress
        self.cancel = cancel

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def check(self, error: Callable[[], Cancelled] = Cancelled) -> None:
        """Raise :class:`Cancelled` (or the given subclass) when the job was cancelled."""
        if self.cancelled:
            raise error()

    def progress(self, fraction: float | None, message: str = "") -> None:
        self._progress(fraction, message)

    __call__ = progress


def as_job(progress: Progress | Job | None = None, cancel: CancelSignal | None = None) -> Job:
    """A :class:`Job` from the two arguments every long operation takes."""
    if isinstance(progress, Job):
        return progress
    return Job(progress, cancel)


def check(cancel: CancelSignal | None, error: Callable[[], Cancelled] = Cancelled) -> None:
    """Raise ``error()`` if ``cancel`` is set (a one-line check for loops)."""
    if cancel is not None and cancel.is_set():
        raise error()


# ---------------------------------------------------------------------------- current job

_CURRENT = threading.local()

#: how long one attempt at the write lock waits while a job is current (then it reports
#: "waiting", checks for cancel and tries again)
LOCK_STEP_MS = 250
#: a job gives up on the write lock after this long and says the database is busy
LOCK_PATIENCE_S = 600.0


def waiting_message() -> str:
    return _("Waiting for another program to finish writing…")


@contextlib.contextmanager
def running(job: Job) -> Iterator[Job]:
    """Make ``job`` the current job of this thread for the block (nests)."""
    previous = getattr(_CURRENT, "job", None)
    _CURRENT.job = job
    try:
        yield job
    finally:
        _CURRENT.job = previous


def current() -> Job | None:
    """The job this thread is running, if any (see :func:`running`)."""
    return getattr(_CURRENT, "job", None)


__all__ = [
    "LOCK_PATIENCE_S",
    "LOCK_STEP_MS",
    "CancelSignal",
    "Cancelled",
    "Job",
    "Progress",
    "as_job",
    "check",
    "current",
    "running",
    "waiting_message",
]
