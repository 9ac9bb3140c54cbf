"""UI flows written once and used by every screen.

:func:`delete_with_undo` is the one way a screen deletes: confirm → delete as a job on the
worker pool (``ui.frame.tasks``; the window stays responsive, progress shows after a moment, and
"Waiting for another program to finish writing…" while another program holds the write
lock) → an Edit ▸ Undo step whose restore is a job too → the status bar says what went →
the screens that show it refresh.  Members, events, forums and pledges all call it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QWidget

from . import tasks
from .i18n import tr


@dataclass(frozen=True)
class DeleteTexts:
    """What the flow says, already translated by the screen."""

    confirm_title: str  # "Delete events"
    question: str  # "Delete “Talk”?\n\nThe list of who came goes too…"
    working: str  # the progress dialog's title: "Deleting events"
    undo_text: str  # the Edit ▸ Undo item: "delete of “Talk”"
    said: str  # the status bar afterwards: "Deleted “Talk”. Ctrl+Z brings it back."


def delete_with_undo(
    page: Any,
    ids: Sequence[int],
    texts: DeleteTexts,
    delete: Callable[..., Any],
    kinds: Sequence[str],
    *,
    after: Callable[[], None] | None = None,
    announce: Callable[[tuple[str, ...]], None] | None = None,
    on_finished: Callable[[], None] | None = None,
) -> tasks.Task | None:
    """Delete ``ids`` after ``page.confirm(...)``; returns the running task (None when
    there was nothing to delete or the person said no).

    ``delete(db, ids, progress=, cancel=)`` is a core function returning what
    ``services.undo.restore`` puts back (``undo.delete_people`` and friends).  ``kinds``
    are the ``ctx.changed`` kinds to announce after the delete and after its undo;
    ``after()`` runs once the delete is done, before the change is announced (the screen
    leaves a page showing what went, reloads, sets focus);
    ``on_finished()`` runs however the job ends (a screen's busy flag); ``announce(kinds)``
    replaces the plain ``ctx.changed`` calls after the delete (a screen that reloads itself
    once for several kinds).
    """
    from chapter_manager.services import undo

    ids = list(ids)
    if not ids:
        return None
    if not page.confirm(texts.confirm_title, texts.question):
        return None
    ctx = page.ctx
    db = ctx.db

    kinds = tuple(kinds)

    def tell() -> None:
        for kind in kinds:
            ctx.changed(kind)

    def done(deleted: Any) -> None:
        if on_finished is not None:
            on_finished()
        ctx.push_undo(texts.undo_text, lambda: undo.restore(db, deleted), lambda _count: tell())
        ctx.status_message.emit(texts.said)
        if after is not None:
            after()
        if announce is not None:
            announce(kinds)
        else:
            tell()

    def failed(error: BaseException) -> None:
        if on_finished is not None:
            on_finished()
        page.show_problem(error, tr("Could not delete"))

    def stopped() -> None:
        if on_finished is not None:
            on_finished()
        ctx.status_message.emit(tr("Nothing was deleted."))

    parent = page if isinstance(page, QWidget) else None
    return tasks.run_task(
        parent, texts.working,
        lambda progress, cancel: delete(db, ids, progress=progress, cancel=cancel),
        on_done=done, on_error=failed, on_cancelled=stopped, cancellable=False,
    )


__all__ = ["DeleteTexts", "delete_with_undo"]
