"""Starting the desktop app: QApplication, translations, the database, the main window.

Start-up is kept short by importing only what the first screen needs; the dashboard's
numbers are read on a worker thread after the window is up.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QPoint, QTranslator
from PySide6.QtWidgets import QApplication

from .settings import APPLICATION, ORGANIZATION

_TRANSLATORS: list[QTranslator] = []  # kept alive for as long as the app runs


def resources_dir() -> Path:
    from chapter_manager.paths import resources_dir as shipped

    return shipped()


def install_translations(app: QCoreApplication, locale: QLocale | None = None) -> None:
    """Load Qt's own and the app's translations for ``locale`` (the system's by default).

    The core's messages (``chapter_manager.i18n``) go through the same Qt catalogue, in
    the context "core", so one set of translation files covers the whole app.
    """
    locale = locale or QLocale()
    for translator in _TRANSLATORS:
        app.removeTranslator(translator)
    _TRANSLATORS.clear()
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _TRANSLATORS.append(qt)
    ours = QTranslator(app)
    if ours.load(locale, "chapter_manager", "_", str(resources_dir() / "translations")):
        app.installTranslator(ours)
        _TRANSLATORS.append(ours)
    from chapter_manager import i18n

    i18n.install(lambda text: QCoreApplication.translate("core", text))


# Whether this process is the app (see keep_for_good).
_APP_PROCESS = False


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    from chapter_manager import __version__

    app.setApplicationVersion(__version__)
    if QLocale().language() == QLocale.Language.C:
        # No locale set (LANG=C): show dates and numbers the common English way, not "11 08 2026".
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    install_translations(app)
    global _APP_PROCESS
    _APP_PROCESS = True
    return app  # type: ignore[return-value]


def database_path(db_path: str | None) -> Path | None:
    """The file ``chapter-manager [--db PATH]`` opens (None for a URL)."""
    if db_path is not None and "://" in db_path:
        return None
    from chapter_manager import paths

    return Path(db_path).expanduser().absolute() if db_path else paths.default_database()


def run_gui(db_path: str | None) -> int:
    """Open the main window on ``db_path`` (None: the default database) and run the app.

    When an app of this user already has that file open, its window is brought forward
    instead and this process ends (0).
    """
    from .instance import HANDED_OVER, hand_over

    target = database_path(db_path)
    if target is not None and target.exists() and hand_over(target) == HANDED_OVER:
        return 0
    app = make_application()
    from .errors import install_excepthook

    install_excepthook()
    window = open_main_window(Path(db_path) if db_path else None)
    if window is None:
        return 1
    code = app.exec()
    return int(code)


def keep_for_good() -> None:
    """Tell Python's cycle collector that what exists now (modules, widgets, models,
    compiled statements) lives as long as the app: its full collections then look at
    the objects made since, not at hundreds of thousands of long-lived ones.

    Without this, a full collection took 20-50 ms at random moments, now and then in
    the middle of a search keystroke (see docs/PERFORMANCE.md).

    Only in the app's own process (made by :func:`make_application`): tests build and
    drop many windows, which must stay collectable.
    """
    if _APP_PROCESS:
        gc.freeze()


def open_main_window(path: Path | None, *, create: bool | None = None):  # type: ignore[no-untyped-def]
    """Open the database (asking on trouble), build and show the main window, or None."""
    from .context import AppContext
    from .main_window import MainWindow
    from .opening import open_interactively
    from .settings import Settings

    settings = Settings()
    db = open_interactively(None, path, create=True if create is None else create)  # as the CLI: gui creates
    if db is None:
        return None
    ctx = AppContext(db, settings)
    window = MainWindow(ctx, settings)
    from .instance import windows

    windows().add(window)  # listens for apps started on the same file from now on
    window.show()
    keep_for_good()
    if ctx.chapter_id is None:
        window.new_chapter()
    window.backup_in_background()
    return window


def open_another_window(beside):  # type: ignore[no-untyped-def]
    """File ▸ New window: a second main window on ``beside``'s database, in this process.

    It has its own database handle, so each window sees the other's changes as made
    elsewhere (``storage.watch``) and follows them.  Returns the window, or None.
    """
    from chapter_manager.errors import ChapterError
    from chapter_manager.storage import open_database

    from .context import AppContext
    from .errors import show_error
    from .i18n import tr
    from .instance import windows
    from .main_window import MainWindow

    source = beside.ctx.db
    try:
        db = open_database(source.path if source.path is not None else source.location, create=False)
    except ChapterError as error:
        show_error(beside, error, tr("Could not open a new window"))
        return None
    registry = windows()
    registry.add(beside)
    ctx = AppContext(db, beside.settings, beside.ctx.chapter_id)
    window = MainWindow(ctx, beside.settings)
    registry.add(window)
    window.resize(beside.size())
    window.move(beside.pos() + QPoint(32, 32))
    window.nav.setCurrentRow(beside.nav.currentRow())
    window.show()
    window.raise_()
    window.activateWindow()
    return window
