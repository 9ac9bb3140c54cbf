"""File ▸ Restore from a backup, and File ▸ Backup settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.storage import Database
from ui.widgets.forms import fmt_datetime

from .settings import Settings


class RestoreDialog(QDialog):
    """Pick one of the database's backups; ``chosen`` is its path after ``exec()``."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Restore from a backup"))
        self.chosen: Path | None = None
        self.restored: Path | None = None
        self.list = QTreeWidget()
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels([self.tr("Taken"), self.tr("Why"), self.tr("Size")])
        self.list.setAccessibleName(self.tr("Backups"))
        reasons = {"auto": self.tr("automatic"), "manual": self.tr("by hand"), "pre-upgrade": self.tr("before an upgrade"),
                   "pre-restore": self.tr("before a restore")}
        for info in db.backups.list():
            item = QTreeWidgetItem([
                fmt_datetime(info.taken_at.astimezone()),
                reasons.get(info.reason, info.reason),
                self.tr("{mb} MB").format(mb=f"{info.size / 1e6:.1f}"),
            ])
            item.setData(0, Qt.ItemDataRole.UserRole, str(info.path))
            self.list.addTopLevelItem(item)
        if self.list.topLevelItemCount():
            self.list.setCurrentItem(self.list.topLevelItem(0))
        note = QLabel(self.tr(
            "Restoring replaces the database with the backup you pick. The database as it is now "
            "is kept aside as a backup first, so this can be undone by restoring that one."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = buttons.addButton(self.tr("Restore"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(self.list.topLevelItemCount() > 0)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(lambda *_: self._accept())
        layout = QVBoxLayout(self)
        if not self.list.topLevelItemCount():
            layout.addWidget(QLabel(self.tr("This database has no backups yet.")))
        layout.addWidget(self.list)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(560, 360)
        self.db = db

    def _accept(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        answer = QMessageBox.question(
            self, self.tr("Restore"),
            self.tr("Replace the database with the backup taken {when}?").format(when=item.text(0)),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.chosen = Path(item.data(0, Qt.ItemDataRole.UserRole))
            self.accept()


class BackupSettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("Backup settings"))
        self.on_open = QCheckBox(self.tr("Back up automatically when the app starts"))
        self.on_open.setChecked(settings.backup_on_open)
        self.hours = QSpinBox()
        self.hours.setRange(1, 24 * 14)
        self.hours.setSuffix(self.tr(" hours"))
        self.hours.setValue(settings.backup_every_hours)
        self.hours.setAccessibleName(self.tr("Hours between automatic backups"))
        form = QFormLayout()
        form.addRow(self.on_open)
        form.addRow(self.tr("At most one automatic backup every"), self.hours)
        note = QLabel(self.tr(
            "Kept: the 5 newest backups, one a day for a week, one a week for five weeks and one "
            "a month for a year. Older backups are deleted, so erased people leave them in time."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _save(self) -> None:
        self.settings.backup_on_open = self.on_open.isChecked()
        self.settings.backup_every_hours = self.hours.value()
        self.accept()
