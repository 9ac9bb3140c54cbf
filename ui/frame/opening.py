"""Opening a database from the app, and explaining what can go wrong.

A damaged, too new, foreign or unreadable file is explained in a dialog that offers the
newest good backup (restored by the core, which keeps the current file aside) or another
file; a file in a cloud-synced folder or on a network drive gets a warning first.  Nothing
here shows a traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import available_timezones

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import (
    CannotOpen,
    ChapterError,
    DatabaseCorrupt,
    DatabaseTooNew,
    NotAChapterDatabase,
    ReadOnlyDatabase,
    ValidationError,
)
from chapter_manager.jobs import Cancelled
from chapter_manager.storage import Database, open_database
from ui.widgets.conflict_dialog import VersionGuard
from ui.widgets.forms import FieldForm, OptionalDateEdit

from . import tasks
from .context import AppContext
from .i18n import tr

FILE_FILTER = "Chapter Manager database (*.chapter *.db *.sqlite);;All files (*)"




def choose_file(parent: QWidget | None, *, new: bool = False) -> Path | None:
    if new:
        name, _filter = QFileDialog.getSaveFileName(
            parent, tr("New chapter database"), str(Path.home() / "chapter.db"), tr(FILE_FILTER)
        )
    else:
        name, _filter = QFileDialog.getOpenFileName(parent, tr("Open a chapter database"), str(Path.home()), tr(FILE_FILTER))
    return Path(name) if name else None


def _ask(parent: QWidget | None, title: str, text: str, buttons: list[tuple[str, str]],
         icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> str | None:
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    by_button = {}
    for key, label in buttons:
        role = QMessageBox.ButtonRole.RejectRole if key == "cancel" else QMessageBox.ButtonRole.AcceptRole
        by_button[box.addButton(label, role)] = key
    box.exec()
    return by_button.get(box.clickedButton())


def open_interactively(
    parent: QWidget | None, path: Path | None, *, create: bool = True, check_location: bool = True
) -> Database | None:
    """Open ``path`` (None: the default database), asking the user what to do on trouble.

    Returns None when the user gives up (then the caller keeps what it had, or quits).
    """
    while True:
        try:
            try:
                db = _open(parent, path, create)
            except ReadOnlyDatabase as error:
                if error.needs_upgrade is not None:
                    raise
                # A file on a read-only disk (or not ours to change) is opened to read; the
                # window says so, and a change says it cannot be saved.
                db = _open(parent, path, create, readonly=True)
        except Cancelled:
            return None
        except DatabaseCorrupt as error:
            buttons = []
            if error.newest_backup is not None:
                buttons.append(("restore", tr("Restore the newest good backup")))
            buttons += [("other", tr("Open another file…")), ("cancel", tr("Cancel"))]
            choice = _ask(parent, tr("The database is damaged"), _plain(error), buttons)
            if choice == "restore" and error.newest_backup is not None:
                try:
                    result = restore_in_background(parent, error.path, error.newest_backup)
                except Cancelled:
                    return None
                except ChapterError as restore_error:
                    _ask(parent, tr("Could not restore"), str(restore_error), [("cancel", tr("Close"))])
                    return None
                _ask(
                    parent,
                    tr("Backup restored"),
                    tr("The backup of {when} was restored. The damaged file was kept aside at {kept}.").format(
                        when=error.newest_backup.name, kept=result.previous_kept_at or "—"
                    ),
                    [("ok", tr("Open it"))],
                    QMessageBox.Icon.Information,
                )
                path = error.path
                continue
            if choice == "other":
                path = choose_file(parent)
                create = False
                if path is None:
                    return None
                continue
            return None
        except (DatabaseTooNew, NotAChapterDatabase, CannotOpen, ChapterError) as error:
            title = {
                DatabaseTooNew: tr("Made by a newer version"),
                NotAChapterDatabase: tr("Not a chapter database"),
            }.get(type(error), tr("Cannot open the database"))
            choice = _ask(parent, title, str(error), [("other", tr("Open another file…")), ("cancel", tr("Cancel"))])
            if choice == "other":
                path = choose_file(parent)
                create = False
                if path is None:
                    return None
                continue
            return None
        if check_location and db.path is not None:
            from chapter_manager.storage.location import location_warnings

            warnings = location_warnings(db.path)
            if warnings:
                choice = _ask(
                    parent,
                    tr("A risky place for a database"),
                    "\n\n".join(warnings),
                    [("open", tr("Open anyway")), ("other", tr("Open another file…")), ("cancel", tr("Cancel"))],
                )
                if choice == "open":
                    return db
                db.close()
                if choice == "other":
                    path = choose_file(parent)
                    create = False
                    if path is None:
                        return None
                    continue
                return None
        return db


def _open(parent: QWidget | None, path: Path | None, create: bool, *, readonly: bool = False) -> Database:
    """``open_database`` as a job: the check, the pre-upgrade backup and the upgrade run on
    a worker while the window keeps painting (progress after a moment, Cancel)."""

    def work(progress, cancel):  # type: ignore[no-untyped-def]
        return open_database(path, create=create, readonly=readonly, progress=progress, cancel=cancel)

    return tasks.run_and_wait(parent, tr("Opening the database"), work)


def restore_in_background(parent: QWidget | None, db_path: Path, backup: Path):  # type: ignore[no-untyped-def]
    """``restore_backup`` as a job (the window keeps painting); returns its result."""
    from chapter_manager.storage.backups import restore_backup

    def work(progress, cancel):  # type: ignore[no-untyped-def]
        return restore_backup(db_path, backup, progress=progress, cancel=cancel)

    return tasks.run_and_wait(parent, tr("Restoring the backup"), work)


def _plain(error: DatabaseCorrupt) -> str:
    # The core's message names the CLI command; in the app the button does it.
    text = tr("{path} is damaged and cannot be opened safely. Nothing in it was changed.").format(path=error.path)
    if error.newest_backup is not None:
        text += "\n\n" + tr("The newest good backup is {backup}.").format(backup=error.newest_backup.name)
    else:
        text += "\n\n" + tr("No backup of it was found.")
    return text


# ---------------------------------------------------------------------------- chapter dialog

class ChapterDialog(QDialog):
    """Create a chapter (with an optional first pledge goal) or edit one."""

    def __init__(self, db: Database, chapter_id: int | None = None, parent: QWidget | None = None,
                 ctx: AppContext | None = None):
        super().__init__(parent)
        from chapter_manager.services.chapters import chapter_data, get_chapter

        self.db = db
        self.guard: VersionGuard | None = None
        self._data = None
        self.chapter_id = chapter_id
        self.created_id: int | None = None
        self.setWindowTitle(self.tr("New chapter") if chapter_id is None else self.tr("Chapter details"))
        self.form = FieldForm()
        self.name = self.form.add("name", self.tr("Chapter &name"), QLineEdit())
        self.name.setPlaceholderText(self.tr("HeForShe UNAM"))
        self.university = self.form.add("university", self.tr("&University"), QLineEdit())
        self.campus = self.form.add("campus", self.tr("Ca&mpus"), QLineEdit())
        self.city = self.form.add("city", self.tr("Cit&y"), QLineEdit())
        self.country = self.form.add("country", self.tr("C&ountry code"), QLineEdit())
        self.country.setMaxLength(2)
        self.country.setPlaceholderText("MX")  # untranslated: an ISO country code
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/")))
        self.timezone.addItem("UTC")  # untranslated: a time zone name
        self.form.add("timezone", self.tr("&Time zone"), self.timezone)
        self.advisor_name = self.form.add("advisor_name", self.tr("&Advisor's name"), QLineEdit())
        self.advisor_email = self.form.add("advisor_email", self.tr("Advisor's &email"), QLineEdit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        self.goal_box: QGroupBox | None = None
        if chapter_id is None:
            self.goal_box = QGroupBox(self.tr("A pledge goal for this term (optional)"))
            self.goal_box.setCheckable(True)
            self.goal_box.setChecked(True)
            self.goal_form = FieldForm()
            self.goal_target = QSpinBox()
            self.goal_target.setRange(1, 10_000_000)
            self.goal_target.setValue(500)
            self.goal_form.add("target", self.tr("Pledges to &reach"), self.goal_target)
            self.goal_start = OptionalDateEdit(self.tr("from"))
            self.goal_start.set_value(dt.date.today())
            self.goal_form.add("starts_on", self.tr("Starts"), self.goal_start)
            self.goal_end = OptionalDateEdit(self.tr("until"))
            self.goal_end.set_value(dt.date.today() + dt.timedelta(days=120))
            self.goal_form.add("ends_on", self.tr("Ends"), self.goal_end)
            box_layout = QVBoxLayout(self.goal_box)
            box_layout.addWidget(self.goal_form)
            layout.addWidget(self.goal_box)
            self.timezone.setCurrentText(_local_zone())
        else:
            chapter = get_chapter(db, chapter_id)
            self._data = chapter_data(chapter)  # keeps what the form does not show
            if ctx is not None:
                self.guard = VersionGuard(ctx, self, self.tr(
                    "The chapter's details were changed elsewhere since you opened this form; "
                    "saving will let you compare."))
                self.guard.track("chapter", "chapters", chapter.id, chapter.version, self._data)
                layout.insertWidget(0, self.guard.banner)
            self.name.setText(chapter.name)
            self.university.setText(chapter.university)
            self.campus.setText(chapter.campus)
            self.city.setText(chapter.city)
            self.country.setText(chapter.country)
            self.timezone.setCurrentText(chapter.timezone)
            self.advisor_name.setText(chapter.advisor_name)
            self.advisor_email.setText(chapter.advisor_email)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.name.setFocus()

    def data(self):  # type: ignore[no-untyped-def]
        import dataclasses

        from chapter_manager.services.chapters import ChapterData

        return dataclasses.replace(
            self._data or ChapterData(name=""),
            name=self.name.text(),
            university=self.university.text(),
            campus=self.campus.text(),
            city=self.city.text(),
            country=self.country.text(),
            timezone=self.timezone.currentText(),
            advisor_name=self.advisor_name.text(),
            advisor_email=self.advisor_email.text(),
        )

    def save(self) -> None:
        from chapter_manager.services import chapters, goals

        self.form.clear_errors()
        try:
            if self.chapter_id is None:
                goal = None
                if self.goal_box is not None and self.goal_box.isChecked():
                    goal = goals.GoalData(
                        target=self.goal_target.value(),
                        starts_on=self.goal_start.value(),
                        ends_on=self.goal_end.value(),
                        label=self.tr("Pledges this term"),
                    )
                    goals.check_goal(goal)  # before the chapter is created
                db, data = self.db, self.data()
                view = tasks.write_and_wait(self, lambda: chapters.create_chapter(db, data))
                self.created_id = view.id
                if goal is not None:
                    tasks.write_and_wait(self, lambda: goals.create_goal(db, view.id, goal))
            elif self.guard is not None:
                db, chapter_id = self.db, self.chapter_id
                saved = self.guard.save(
                    "chapter", lambda d, e: chapters.update_chapter(db, chapter_id, d, e),
                    self.data(), chapters.chapter_data)
                if saved is None:
                    return  # the comparison was cancelled: the form stays as typed
            else:
                db, data, chapter_id = self.db, self.data(), self.chapter_id
                tasks.write_and_wait(self, lambda: chapters.update_chapter(db, chapter_id, data))
        except ValidationError as error:
            if set(error.fields) & {"target", "starts_on", "ends_on"}:
                self.goal_form.show_errors(error)
            else:
                self.form.show_errors(error)
            return
        except ChapterError as error:
            from .errors import show_error

            show_error(self, error)
            return
        self.accept()


def _local_zone() -> str:
    try:
        from PySide6.QtCore import QTimeZone

        name = bytes(QTimeZone.systemTimeZoneId().data()).decode()
        return name if "/" in name else "UTC"
    except Exception:
        return "UTC"


__all__ = ["ChapterDialog", "choose_file", "open_interactively", "Qt"]
