"""The main window: a sidebar of screens, menus, the chapter switcher and the status bar.

Screens are imported and built the first time they are shown (``PAGES``), so start-up
pays only for the first one.  Edit ▸ New / Find / Delete / Undo act on the screen shown.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QStyle,
    QToolBar,
    QWidget,
)

from . import tasks
from .app import keep_for_good
from .context import AppContext
from .i18n import tr
from .settings import Settings

# key, title, module, class, standard icon
PAGES: list[tuple[str, str, str, str, QStyle.StandardPixmap]] = [
    ("dashboard", QT_TRANSLATE_NOOP("MainWindow", "Dashboard"), "ui.dashboard.page", "DashboardPage",
     QStyle.StandardPixmap.SP_ComputerIcon),
    ("members", QT_TRANSLATE_NOOP("MainWindow", "Members"), "ui.members.page", "MembersPage",
     QStyle.StandardPixmap.SP_DirHomeIcon),
    ("events", QT_TRANSLATE_NOOP("MainWindow", "Events"), "ui.events.page", "EventsPage",
     QStyle.StandardPixmap.SP_FileDialogDetailedView),
    ("forums", QT_TRANSLATE_NOOP("MainWindow", "Forums"), "ui.forums.page", "ForumsPage",
     QStyle.StandardPixmap.SP_MessageBoxInformation),
    ("pledges", QT_TRANSLATE_NOOP("MainWindow", "Pledges"), "ui.pledges.page", "PledgesPage",
     QStyle.StandardPixmap.SP_DialogApplyButton),
    ("reports", QT_TRANSLATE_NOOP("MainWindow", "Reports & Exports"), "ui.reports.page", "ReportsPage",
     QStyle.StandardPixmap.SP_DialogSaveButton),
]




def page_title(title: str) -> str:
    return QCoreApplication.translate("MainWindow", title)


class MainWindow(QMainWindow):
    #: the window now shows another database (File ▸ Open, New, Restore)
    database_switched = Signal()
    #: the window became the active one
    activated = Signal()

    def __init__(self, ctx: AppContext, settings: Settings):
        super().__init__()
        self.settings = settings
        self.ctx = ctx
        self.pages: dict[str, QWidget] = {}
        self.setWindowTitle(tr("Chapter Manager"))
        self.setObjectName("MainWindow")
        self.setMinimumSize(QSize(860, 560))

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName(tr("Screens"))
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setSpacing(2)
        for key, title, _module, _cls, icon in PAGES:
            item = QListWidgetItem(self.style().standardIcon(icon), page_title(title))
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(150, 34))
            self.nav.addItem(item)
        self.nav.setFixedWidth(self.nav.sizeHintForColumn(0) + 36)
        self.stack = QStackedWidget()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self._show_row)

        self._build_toolbar()
        self._build_menus()
        self._build_status_bar()

        geometry = settings.geometry("main")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1180, 760)
        self._connect_context()
        self.nav.setCurrentRow(0)

    # ------------------------------------------------------------------ building
    def _build_toolbar(self) -> None:
        bar = QToolBar(tr("Chapter"))
        bar.setObjectName("chapterToolbar")
        bar.setMovable(False)
        self.chapter_label = QLabel(tr("Chapter:") + " ")
        self.chapter_combo = QComboBox()
        self.chapter_combo.setAccessibleName(tr("Chapter"))
        self.chapter_combo.setMinimumContentsLength(24)
        self.chapter_combo.activated.connect(self._chapter_chosen)
        self.chapter_label.setBuddy(self.chapter_combo)
        self._chapter_label_action = bar.addWidget(self.chapter_label)
        self._chapter_combo_action = bar.addWidget(self.chapter_combo)
        self.title_label = QLabel()
        self.title_label.setObjectName("chapterTitle")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title_label.setFont(font)
        self._title_action = bar.addWidget(self.title_label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

    def _action(self, text: str, slot, shortcut=None, menu=None) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        if menu is not None:
            menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu(tr("&File"))
        self._action(tr("&New database…"), self.new_database, "Ctrl+Shift+N", file)
        self._action(tr("&Open database…"), self.open_database, QKeySequence.StandardKey.Open, file)
        self.recent_menu = file.addMenu(tr("Open &recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.new_window_action = self._action(tr("New &window"), self.new_window, None, file)
        self.new_window_action.setToolTip(tr("A second window on the same database"))
        file.addSeparator()
        self._action(tr("New &chapter…"), self.new_chapter, None, file)
        self.edit_chapter_action = self._action(tr("Chapter &details…"), self.edit_chapter, None, file)
        self._action(tr("Add a &demo chapter…"), self.add_demo, None, file)
        file.addSeparator()
        self.merge_action = self._action(tr("&Merge sign-ups from another laptop…"), self.merge_signups,
                                         "Ctrl+Shift+M", file)
        self.review_action = self._action(tr("Review likely ma&tches…"), self.review_matches, None, file)
        self.export_pack_action = self._action(tr("E&xport sign-up pack…"), self.export_pack, None, file)
        file.addSeparator()
        self._action(tr("&Back up now"), self.backup_now, "Ctrl+Shift+B", file)
        self._action(tr("Restore from a &backup…"), self.restore_backup, None, file)
        self._action(tr("Backup &settings…"), self.backup_settings, None, file)
        file.addSeparator()
        self._action(tr("&Quit"), self.close, QKeySequence.StandardKey.Quit, file)

        edit = bar.addMenu(tr("&Edit"))
        self.undo_action = self._action(tr("&Undo"), self.undo, QKeySequence.StandardKey.Undo, edit)
        edit.addSeparator()
        self.new_action = self._action(tr("&New…"), lambda: self._page_call("new_item"), QKeySequence.StandardKey.New, edit)
        self.find_action = self._action(tr("&Find"), lambda: self._page_call("focus_search"), QKeySequence.StandardKey.Find, edit)
        self.delete_action = self._action(tr("&Delete…"), lambda: self._page_call("delete_selected"), QKeySequence.StandardKey.Delete, edit)
        # Delete must not steal the key from text fields: only when the focus is not editing text.
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.stack.addAction(self.delete_action)

        view = bar.addMenu(tr("&View"))
        for number, (key, title, *_rest) in enumerate(PAGES, start=1):
            self._action(page_title(title), lambda _checked=False, k=key: self.show_page(k), f"Ctrl+{number}", view)
        view.addSeparator()
        self._action(tr("&Reload"), self.reload_all, QKeySequence.StandardKey.Refresh, view)

        help_menu = bar.addMenu(tr("&Help"))
        self._action(tr("&About Chapter Manager"), self.about, None, help_menu)
        self._update_undo()

    def _build_status_bar(self) -> None:
        self.file_label = QLabel()
        self.file_label.setAccessibleName(tr("Open database"))
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.backup_label = QLabel()
        self.backup_label.setAccessibleName(tr("Last backup"))
        self.statusBar().addPermanentWidget(self.file_label, 1)
        self.statusBar().addPermanentWidget(self.backup_label)

    # ------------------------------------------------------------------ context
    def _connect_context(self) -> None:
        ctx = self.ctx
        ctx.undo_changed.connect(self._update_undo)
        ctx.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        ctx.data_changed.connect(self._data_changed)
        ctx.follow_changes(True)  # changes made elsewhere come in as data_changed too
        self._fill_chapters()
        self._update_status()
        if ctx.db.path is not None:
            self.settings.add_recent_file(ctx.db.path)

    def finish_running_work(self, question: str) -> bool:
        """Before closing the database: work the person started (with a progress dialog)
        is asked about; then the work is asked to stop and waited for, with a visible
        "Finishing…" dialog (a write past its last check completes).  With other windows
        open, only this window's own work counts.  False: keep going."""
        mine = tasks.owned_by(self) if self._other_windows() else tasks.running_tasks()
        running = [t for t in mine if t.title and t.shows_progress]
        if running and not self.ask_stop_work(question.format(what=running[0].title)):
            return False
        self.finish_own_work()
        return True

    def finish_own_work(self) -> None:
        """Stop and wait for this window's work (all work when it is the only window)."""
        if self._other_windows():
            tasks.finish_all(self, only=tasks.owned_by(self))
        else:
            tasks.finish_all(self)

    def ask_stop_work(self, question: str) -> bool:
        """Whether to stop the running work (tests replace this)."""
        answer = QMessageBox.question(self, tr("Work in progress"), question)
        return answer == QMessageBox.StandardButton.Yes

    def set_context(self, ctx: AppContext) -> None:
        """Switch to another database: every screen is rebuilt on it."""
        old = self.ctx
        self.finish_own_work()  # nothing of this window runs on the old database past this line
        for page in self.pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        self.ctx = ctx
        self._connect_context()
        old.close()
        old.deleteLater()
        current = self.nav.currentRow()
        self._show_row(current if current >= 0 else 0)
        self.database_switched.emit()

    @Slot(str)
    def _data_changed(self, what: str) -> None:
        if what in ("chapters", "all"):
            self._fill_chapters()

    def _fill_chapters(self) -> None:
        from chapter_manager.services.catalog import chapter_names

        chapters = chapter_names(self.ctx.db)
        self.chapter_combo.clear()
        for chapter_id, name in chapters:
            self.chapter_combo.addItem(name, chapter_id)
        several = len(chapters) > 1
        self._chapter_label_action.setVisible(several)
        self._chapter_combo_action.setVisible(several)
        ids = [c[0] for c in chapters]
        current = self.ctx.chapter_id
        if current not in ids:
            remembered = self.settings.last_chapter(str(self.ctx.db.path)) if self.ctx.db.path else None
            current = remembered if remembered in ids else (ids[0] if ids else None)
            self.ctx.set_chapter(current)
        if current is not None:
            self.chapter_combo.setCurrentIndex(ids.index(current))
            self.title_label.setText("  " + chapters[ids.index(current)][1])
        else:
            self.title_label.setText("  " + tr("No chapter yet"))
        self.edit_chapter_action.setEnabled(current is not None)

    @Slot(int)
    def _chapter_chosen(self, index: int) -> None:
        chapter_id = self.chapter_combo.itemData(index)
        if chapter_id is not None:
            self.ctx.set_chapter(int(chapter_id))
            self.title_label.setText("  " + self.chapter_combo.itemText(index))

    def _update_status(self) -> None:
        db = self.ctx.db
        self.file_label.setText(tr("Database: {path}").format(path=db.location))
        self.file_label.setToolTip(db.location)
        if db.read_only_reason:
            self.file_label.setText(
                tr("Database: {path} (read-only: {why}; changes cannot be saved)").format(
                    path=db.location, why=db.read_only_reason
                )
            )
        self.setWindowFilePath(str(db.path) if db.path else "")
        title = tr("Chapter Manager") + (f" — {db.path.name}" if db.path else "")
        if db.read_only_reason:
            title += " " + tr("(read-only)")
        self.setWindowTitle(title)
        self.backup_label.setText(self._backup_text())

    def _backup_text(self) -> str:
        from ui.widgets.forms import fmt_datetime

        try:
            newest = self.ctx.db.backups.list()[:1]
        except Exception:  # not a file database
            return ""
        if not newest:
            return tr("Not backed up yet")
        local = newest[0].taken_at.astimezone()
        return tr("Last backup: {when}").format(when=fmt_datetime(local))

    # ------------------------------------------------------------------ pages
    def page(self, key: str) -> QWidget:
        """The screen ``key``, built on first use."""
        page = self.pages.get(key)
        if page is None:
            entry = next(p for p in PAGES if p[0] == key)
            module = importlib.import_module(entry[2])
            page = getattr(module, entry[3])(self.ctx)
            page.setObjectName(f"page-{key}")
            if key == "dashboard":
                page.create_chapter_requested.connect(self.new_chapter)
                page.demo_requested.connect(self.add_demo)
            self.pages[key] = page
            self.stack.addWidget(page)
            keep_for_good()
        return page

    def show_page(self, key: str) -> QWidget:
        row = [p[0] for p in PAGES].index(key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)
        return self.pages[key]

    @Slot(int)
    def _show_row(self, row: int) -> None:
        if not 0 <= row < len(PAGES):
            return
        page = self.page(PAGES[row][0])
        self.stack.setCurrentWidget(page)
        page.activated()  # type: ignore[attr-defined]
        for action, name in ((self.new_action, "new"), (self.find_action, "find"), (self.delete_action, "delete")):
            action.setEnabled(page.supports(name))  # type: ignore[attr-defined]

    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _page_call(self, method: str) -> None:
        page = self.current_page()
        if page is not None:
            getattr(page, method)()

    @Slot()
    def reload_all(self) -> None:
        self.ctx.changed("all")
        self._update_status()

    # ------------------------------------------------------------------ undo
    @Slot()
    def _update_undo(self) -> None:
        text = self.ctx.undo_text()
        self.undo_action.setEnabled(text is not None and not self.ctx.undoing)
        self.undo_action.setText(tr("&Undo {what}").format(what=text) if text else tr("&Undo"))

    @Slot()
    def undo(self) -> None:
        from chapter_manager.errors import ChapterError

        from .errors import show_error

        def said(text: str | None) -> None:
            if text:
                self.statusBar().showMessage(tr("Undone: {what}").format(what=text), 6000)

        try:
            self.ctx.undo_in_background(
                self, on_done=said, on_error=lambda error: show_error(self, error, tr("Could not undo")))
        except ChapterError as error:
            show_error(self, error, tr("Could not undo"))

    # ------------------------------------------------------------------ files
    def _switch_to(self, path: Path | None, create: bool) -> None:
        from .opening import open_interactively

        if not self.finish_running_work(tr("“{what}” is still running. Stop it and open another database?")):
            return
        db = open_interactively(self, path, create=create)
        if db is None:
            return
        self.set_context(AppContext(db, self.settings))
        if self.ctx.chapter_id is None:
            self.new_chapter()

    @Slot()
    def new_database(self) -> None:
        from .opening import choose_file

        path = choose_file(self, new=True)
        if path is None:
            return
        if path.exists():
            QMessageBox.warning(self, tr("New database"), tr("{path} already exists; choose a new name.").format(path=path))
            return
        self._switch_to(path, True)

    @Slot()
    def open_database(self) -> None:
        from .opening import choose_file

        path = choose_file(self)
        if path is not None:
            self._switch_to(path, False)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        for name in files:
            action = self.recent_menu.addAction(name)
            action.triggered.connect(lambda _c=False, n=name: self._open_recent(n))
        if not files:
            empty = self.recent_menu.addAction(tr("No recent files"))
            empty.setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(tr("Clear the list"), self.settings.clear_recent_files)

    def _open_recent(self, name: str) -> None:
        if not Path(name).exists():
            QMessageBox.warning(self, tr("Open recent"), tr("{path} is no longer there; it was removed from the list.").format(path=name))
            self.settings.remove_recent_file(name)
            return
        self._switch_to(Path(name), False)

    @Slot()
    def new_window(self) -> MainWindow | None:
        """File ▸ New window: a second window on this database, in this process."""
        from .app import open_another_window

        return open_another_window(self)

    def _other_windows(self) -> list[MainWindow]:
        from .instance import windows

        registry = windows()
        return registry.others(self) if self in registry.windows else []

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.activated.emit()
            self.ctx.check_elsewhere()  # back from a terminal or another window: fresh at once
        super().changeEvent(event)

    # ------------------------------------------------------------------ chapters
    @Slot()
    def new_chapter(self) -> None:
        from .opening import ChapterDialog

        dialog = ChapterDialog(self.ctx.db, None, self)
        if dialog.exec() and dialog.created_id is not None:
            self.ctx.changed("chapters")
            self.ctx.set_chapter(dialog.created_id)
            self._fill_chapters()

    @Slot()
    def edit_chapter(self) -> None:
        from .opening import ChapterDialog

        if self.ctx.chapter_id is None:
            return
        if ChapterDialog(self.ctx.db, self.ctx.chapter_id, self, ctx=self.ctx).exec():
            self.ctx.changed("chapters")

    @Slot()
    def add_demo(self) -> None:
        from .demo_dialog import DemoDialog

        dialog = DemoDialog(self)
        if not dialog.exec():
            return
        options = dialog.options()
        db = self.ctx.db

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            from chapter_manager.demo import generate_demo

            return generate_demo(db, progress=progress, cancel=cancel, **options)

        def done(summary) -> None:  # type: ignore[no-untyped-def]
            self.ctx.changed("chapters")
            self.ctx.set_chapter(summary.chapter_id)
            self._fill_chapters()
            self.ctx.changed("all")
            self.statusBar().showMessage(tr("Demo chapter added."), 8000)

        tasks.run_task(self, tr("Adding a demo chapter"), work, on_done=done)

    # ------------------------------------------------------------------ merging laptops
    @Slot()
    def merge_signups(self) -> None:
        from ui.merge.dialog import MergeDialog

        if self.ctx.chapter_id is None:
            self.new_chapter()
            return
        MergeDialog(self.ctx, self).exec()

    @Slot()
    def review_matches(self) -> None:
        from ui.merge.dialog import ReviewDialog

        if self.ctx.chapter_id is not None:
            ReviewDialog(self.ctx, self).exec()

    @Slot()
    def export_pack(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from ui.merge.dialog import pack_filter

        if self.ctx.chapter_id is None:
            return
        name, _filter = QFileDialog.getSaveFileName(self, tr("Export sign-up pack"), "signups.cmpack", pack_filter())
        if not name:
            return
        db, chapter = self.ctx.db, self.ctx.chapter_id

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            from chapter_manager.services.pack_export import export_pack

            return export_pack(db, Path(name), chapter_id=chapter)

        def done(written) -> None:  # type: ignore[no-untyped-def]
            self.statusBar().showMessage(
                tr("Wrote {file}: {people} people, {pledges} pledges.").format(
                    file=written.path.name, people=written.people, pledges=written.pledges), 8000)

        tasks.run_task(self, tr("Exporting sign-ups"), work, on_done=done)

    # ------------------------------------------------------------------ backups
    @Slot()
    def backup_now(self) -> None:
        db = self.ctx.db

        def done(path) -> None:  # type: ignore[no-untyped-def]
            self._update_status()
            self.statusBar().showMessage(tr("Backed up to {path}").format(path=path), 8000)

        tasks.run_task(self, tr("Backing up"), lambda _p, _c: db.backup(reason="manual"), on_done=done, cancellable=False)

    def backup_in_background(self) -> None:
        """The automatic backup at start (when the newest is older than the settings say)."""
        if not self.settings.backup_on_open or self.ctx.db.path is None:
            return
        db = self.ctx.db
        hours = self.settings.backup_every_hours

        def done(path) -> None:  # type: ignore[no-untyped-def]
            if path is not None:
                self._update_status()

        tasks.run_task(
            self, tr("Backing up"),
            lambda _p, _c: db.backup_if_due(dt.timedelta(hours=hours)),
            on_done=done, on_error=lambda e: self.statusBar().showMessage(str(e), 15000),
            show_progress=False,
        )

    @Slot()
    def restore_backup(self) -> None:
        from .backup_dialogs import RestoreDialog

        if self.ctx.db.path is None:
            return
        dialog = RestoreDialog(self.ctx.db, self)
        if not dialog.exec() or dialog.chosen is None:
            return
        from chapter_manager.errors import ChapterError
        from chapter_manager.jobs import Cancelled

        from .errors import show_error
        from .opening import restore_in_background

        if not self.finish_running_work(tr("“{what}” is still running. Stop it and restore the backup?")):
            return
        path = self.ctx.db.path
        self.ctx.db.close()
        try:
            result = restore_in_background(self, path, dialog.chosen)
        except Cancelled:
            self.statusBar().showMessage(tr("The restore was cancelled; nothing was changed."), 15000)
        except ChapterError as error:
            show_error(self, error, tr("Could not restore"))
        else:
            self.statusBar().showMessage(
                tr("Restored. The database as it was is kept at {path}").format(path=result.previous_kept_at), 15000)
        self._switch_to(path, False)

    @Slot()
    def backup_settings(self) -> None:
        from .backup_dialogs import BackupSettingsDialog

        BackupSettingsDialog(self.settings, self).exec()

    # ------------------------------------------------------------------ misc
    @Slot()
    def about(self) -> None:
        from chapter_manager import __version__

        QMessageBox.about(
            self,
            tr("About Chapter Manager"),
            tr("<b>Chapter Manager {version}</b><p>For the campus chapters of HeForShe, the UN Women "
               "solidarity movement for gender equality.</p><p>Your data stays on this computer, in {path}.</p>").format(
                version=__version__, path=self.ctx.db.location),
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        # Work the user started (with a progress dialog) is worth asking about; quiet work
        # such as the automatic backup is waited for too.  With other windows open, only
        # this window's work is asked about and stopped.
        others = self._other_windows()
        if not self.finish_running_work(tr("“{what}” is still running. Stop it and quit?")):
            event.ignore()
            return
        self.settings.set_geometry("main", self.saveGeometry())
        self.settings.sync()
        if not others:
            tasks.shutdown()
        for page in self.pages.values():
            closer = getattr(page, "shutdown", None)
            if closer is not None:
                closer()
        self.ctx.follow_changes(False)
        if others:
            from .instance import windows

            windows().remove(self)
        event.accept()  # the app quits when its last window closes
