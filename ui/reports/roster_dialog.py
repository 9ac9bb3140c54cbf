"""Reports & Exports ▸ Excel roster: choose chapter, status and advisor mode, then save.

The workbook is written by ``chapter_manager.exports.export_roster`` on a worker
(``ui.frame.tasks.run_task``: a progress dialog after 600 ms, Cancel leaves no file behind).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.exports import RosterOptions, RosterResult, export_roster
from chapter_manager.models import MembershipStatus
from chapter_manager.services.chapters import list_chapters
from ui.frame import tasks
from ui.widgets.forms import FieldForm

if TYPE_CHECKING:
    from .page import ReportsPage


def _default_folder() -> Path:
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs and Path(docs).is_dir() else Path.home()


def _file_name(chapter: str, advisor: bool) -> str:
    safe = re.sub(r"[^\w\- ]+", "", chapter).strip().replace(" ", "-") or "chapter"
    suffix = "-advisor" if advisor else ""
    return f"{safe}-roster{suffix}-{dt.date.today().isoformat()}.xlsx"


class RosterDialog(QDialog):
    def __init__(self, page: ReportsPage, parent: QWidget | None = None):
        super().__init__(parent or page)
        self.page = page
        self.setWindowTitle(self.tr("Excel roster"))
        self.setAccessibleName(self.tr("Excel roster"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "One workbook with the sheets Members, Officers, Events, Attendance, Pledges, Forums "
            "and Summary."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = FieldForm()
        layout.addWidget(self.form)

        self.chapter = QComboBox()
        for c in list_chapters(page.ctx.db):
            self.chapter.addItem(c.name, c.id)
        if page.ctx.chapter_id is not None:
            self.chapter.setCurrentIndex(max(0, self.chapter.findData(page.ctx.chapter_id)))
        self.form.add("chapter", self.tr("&Chapter"), self.chapter)

        self.status = QComboBox()
        self.status.addItem(self.tr("Every member"), None)
        for status in MembershipStatus:
            self.status.addItem(status.label, status.value)
        self.form.add("status", self.tr("&Members"), self.status)
        self._hint(self.tr("Limits the Members and Officers sheets."))

        self.advisor = QCheckBox(self.tr("&Advisor mode"))
        self.form.add("advisor", self.tr("Privacy"), self.advisor)
        self._hint(self.tr("Leaves out emails, phones, student ids, gender and pronouns, and everyone "
                           "flagged “do not disclose”. The Summary sheet says what was left out."))

        self.path = QLineEdit()
        self.path.setAccessibleName(self.tr("Save as"))
        browse = QPushButton(self.tr("C&hoose…"))
        browse.setAccessibleName(self.tr("Choose where to save"))
        browse.clicked.connect(self._browse)
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.path, 1)
        row_layout.addWidget(browse)
        self.form.add("path", self.tr("&Save as"), row)
        self.form.widgets["path"] = self.path
        self.advisor.toggled.connect(self._suggest)
        self.chapter.currentIndexChanged.connect(self._suggest)
        self._suggested = ""
        self._suggest()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton(self.tr("&Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setTabOrder(self.chapter, self.status)
        self.setTabOrder(self.status, self.advisor)
        self.setTabOrder(self.advisor, self.path)
        self.setTabOrder(self.path, browse)
        self.adjustSize()

    def _hint(self, text: str) -> None:
        hint = QLabel(text)
        hint.setWordWrap(True)
        hint.setEnabled(False)
        hint.setMinimumWidth(380)
        self.form.layout_.addRow("", hint)

    def _suggest(self) -> None:
        current = self.path.text().strip()
        if current and current != self._suggested:
            return  # the user typed a path: keep it
        name = _file_name(self.chapter.currentText(), self.advisor.isChecked())
        folder = Path(current).parent if current else _default_folder()
        self._suggested = str(folder / name)
        self.path.setText(self._suggested)

    def _browse(self) -> None:
        chosen = self.page.choose_save_path(self.tr("Save the roster as"), self.path.text(),
                                            self.tr("Excel workbook (*.xlsx)"))
        if chosen:
            if not chosen.lower().endswith(".xlsx"):
                chosen += ".xlsx"
            self.path.setText(chosen)

    def options(self) -> RosterOptions:
        return RosterOptions(chapter_id=self.chapter.currentData(), status=self.status.currentData(),
                             advisor=self.advisor.isChecked())

    def target(self) -> Path:
        return Path(self.path.text().strip()).expanduser()

    def _accept(self) -> None:
        from chapter_manager.errors import ValidationError

        text = self.path.text().strip()
        if not text:
            self.form.show_errors(ValidationError({"path": self.tr("Choose where to save the workbook.")}))
            return
        target = self.target()
        if not target.parent.is_dir():
            self.form.show_errors(ValidationError({"path": self.tr("The folder {folder} does not exist.").format(
                folder=target.parent)}))
            return
        if self.chapter.currentData() is None:
            self.form.show_errors(ValidationError({"chapter": self.tr("Create a chapter first.")}))
            return
        self.accept()


def export_roster_from(page: ReportsPage) -> tasks.Task | None:
    """Ask for the choices, then write the workbook on a worker with a progress dialog."""
    dialog = RosterDialog(page)
    if not page.run_dialog(dialog):
        return None
    options, target = dialog.options(), dialog.target()
    db = page.ctx.db

    def work(progress, cancel):  # type: ignore[no-untyped-def]
        return export_roster(db, target, options, progress=progress, cancel=cancel)

    def done(result: RosterResult) -> None:
        lines = [page.tr("Saved {path}.").format(path=result.path)]
        lines.append(", ".join(page.tr("{sheet}: {n}").format(sheet=k, n=v) for k, v in result.rows.items()))
        if result.left_out_columns:
            lines.append(page.tr("Left out for the advisor: {columns}; {n} people flagged “do not disclose”.").format(
                columns=", ".join(result.left_out_columns), n=result.left_out_people))
        lines.extend(result.warnings[:5])
        page.ctx.status_message.emit(lines[0])
        page.last_result = result  # type: ignore[attr-defined]
        page.inform(page.tr("Excel roster"), "\n\n".join(lines))

    return tasks.run_task(page, page.tr("Exporting the roster"), work, on_done=done)
