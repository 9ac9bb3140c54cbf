"""Problems shown to people as sentences, never as tracebacks.

``errors.ChapterError`` messages are already written for the user.  Anything else is
written to the log file (``paths.log_dir()``) and summed up in one line that names it.
``install_excepthook`` routes exceptions escaping a slot to the same place, so an
unexpected bug shows a calm dialog instead of killing the window.
"""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from chapter_manager import __version__
from chapter_manager.errors import ChapterError

from .i18n import tr


def log_unexpected(error: BaseException) -> Path | None:
    """Write ``error`` with its traceback to the log; return the log's path."""
    from chapter_manager.paths import log_dir, open_private, private_folder

    try:
        folder = log_dir()
        private_folder(folder)
        log = folder / "chapter-manager.log"
        with open_private(log, "a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat()} chapter-manager {__version__} (app)\n")
            fh.write("".join(traceback.format_exception(error)))
        return log
    except OSError:
        return None


def describe(error: BaseException) -> str:
    """One or two sentences for the user about ``error``."""
    if isinstance(error, ChapterError):
        return str(error)
    if isinstance(error, MemoryError):
        return tr("The computer ran out of memory for this. Close other programs and try again.")
    log = log_unexpected(error)
    text = tr("Something unexpected went wrong ({kind}). Nothing you saved before was lost.").format(
        kind=type(error).__name__
    )
    if log is not None:
        text += " " + tr("The details are in {log}.").format(log=log)
    return text


def show_error(parent: QWidget | None, error: BaseException, context: str = "") -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(context or tr("Chapter Manager"))
    box.setText(describe(error))
    box.setAccessibleName(tr("Problem"))
    box.exec()


def install_excepthook() -> None:
    """Show unexpected errors from slots in a dialog (and the log) instead of crashing."""
    previous = sys.excepthook

    def hook(kind, error, tb):  # type: ignore[no-untyped-def]
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        try:
            from PySide6.QtWidgets import QApplication

            show_error(QApplication.activeWindow(), error)
        except Exception:  # never fail inside the hook
            previous(kind, error, tb)

    sys.excepthook = hook
