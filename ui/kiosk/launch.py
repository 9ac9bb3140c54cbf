"""Starting the kiosk: from an event's page in the app, or from the command line.

From the app, the main window (everyone's data) is hidden while the kiosk runs and comes
back when the organiser leaves with the PIN.  From ``chapter-manager [--db PATH] kiosk
[--event ID]``, the kiosk is the only window; without ``--event`` on a database with no
event yet, its first page creates one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from .window import KioskWindow


def start_kiosk(db, event_id: int, hide: QWidget | None = None, *, full_screen: bool = True,  # type: ignore[no-untyped-def]
                on_left: Callable[[], None] | None = None, **options) -> KioskWindow:  # type: ignore[no-untyped-def]
    """Open the kiosk for ``event_id`` over the app; ``hide`` (the main window) comes back after."""
    kiosk = KioskWindow(db, event_id, **options)

    def back() -> None:
        if hide is not None:
            hide.show()
            hide.raise_()
            hide.activateWindow()
        if on_left is not None:
            on_left()
        kiosk.deleteLater()

    kiosk.left.connect(back)
    if full_screen:
        kiosk.showFullScreen()
    else:
        kiosk.resize(1280, 800)
        kiosk.show()
    kiosk.activateWindow()
    if hide is not None:
        hide.hide()
    return kiosk


def run_kiosk(db_path: str | None, event_id: int | None, *, windowed: bool = False) -> int:
    """``chapter-manager kiosk``: exit codes as the CLI's (1 with a sentence on stderr)."""
    from chapter_manager.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
    from chapter_manager.errors import ChapterError
    from chapter_manager.i18n import _
    from chapter_manager.services.kiosk import event_choice_needed, kiosk_event
    from chapter_manager.storage import open_database
    from ui.frame.app import make_application
    from ui.frame.errors import install_excepthook

    app = make_application()
    try:
        # A new file only for a blank laptop (no --event); with --event, a mistyped path is
        # refused rather than left behind as an empty database.
        db = open_database(Path(db_path) if db_path else None,
                           create=db_path is None or event_id is None)
    except ChapterError as error:
        sys.stderr.write(_("Error: {message}").format(message=str(error)) + "\n")
        return EXIT_FAILURE
    try:
        if event_id is not None:
            kiosk_event(db, event_id)
        elif event_choice_needed(db):
            sys.stderr.write(_(
                "Say which event the kiosk is for: chapter-manager kiosk --event ID "
                "('chapter-manager list events' lists them)."
            ) + "\n")
            db.close()
            return EXIT_USAGE
    except ChapterError as error:
        sys.stderr.write(_("Error: {message}").format(message=str(error).replace("\n", " ")) + "\n")
        db.close()
        return EXIT_FAILURE
    install_excepthook()
    window = KioskWindow(db, event_id)
    window.left.connect(app.quit)
    if windowed:
        window.resize(1280, 800)
        window.show()
    else:
        window.showFullScreen()
    code = app.exec()
    db.close()
    return EXIT_OK if code == 0 else EXIT_FAILURE
