"""Saving over someone else's save: compare field by field, then save again.

:class:`ConflictDialog` shows a :class:`~chapter_manager.errors.ConflictError`: for each
field both sides changed, what is saved now against what was typed, with a choice per
field, and buttons to keep all of mine or take all of theirs.  Fields only one side
changed are listed below and need no answer.  :class:`VersionGuard` is what every editor
uses: it remembers the version and values a record was opened with, saves through the
core with them, opens the dialog on a conflict and saves again with the choice; and when
``AppContext.data_changed`` fires it re-reads the versions and shows a banner in the
form at once if the record changed elsewhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ConflictError
from chapter_manager.services.versions import Expected, resolve, same, version_of
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.frame.i18n import tr

from .forms import fmt_date

NOTICE_STYLE = "color: #1d1b16; background: #fff1c2; border: 1px solid #e0c25a; " \
               "border-radius: 3px; padding: 4px 6px;"


def show_value(value: Any) -> str:
    """A saved or typed value as a person reads it."""
    if value is None or value == "" or value == []:
        return tr("(empty)")
    if isinstance(value, bool):
        return tr("Yes") if value else tr("No")
    if isinstance(value, enum.Enum):
        label = getattr(value, "label", None)
        return str(label if label is not None else value.value)
    if isinstance(value, dt.datetime):
        moment = value.astimezone() if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return fmt_date(value)
    if isinstance(value, list | tuple):
        return "\n".join(show_value(v) for v in value) or tr("(empty)")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for name in ("description", "text"):
            if hasattr(value, name):
                return str(getattr(value, name))
    return str(value)


class ConflictDialog(QDialog):
    """One row per conflicting field: saved now, what you typed, and which to keep."""

    def __init__(self, error: ConflictError, parent: QWidget | None = None,
                 show: Callable[[str, Any], str] | None = None):
        super().__init__(parent)
        self.error = error
        self._show = show or (lambda _name, value: show_value(value))
        self.setWindowTitle(self.tr("Changed elsewhere"))
        self.setAccessibleName(self.windowTitle())
        self.choices: dict[str, QButtonGroup] = {}
        self.mine_buttons: dict[str, QRadioButton] = {}
        self.theirs_buttons: dict[str, QRadioButton] = {}

        intro = QLabel(self.tr(
            "This {what} was saved by someone else (another window, the command line or a "
            "merge) after you opened the form. Nothing of yours was saved yet. For each field "
            "changed on both sides, choose which value to keep."
        ).format(what=error.what))
        intro.setWordWrap(True)
        intro.setAccessibleName(self.tr("What happened"))

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        headers = (self.tr("Field"), self.tr("Saved now"), self.tr("What you typed"))
        for column, text in enumerate(headers):
            label = QLabel(text)
            bold = label.font()
            bold.setBold(True)
            label.setFont(bold)
            label.setAccessibleName(text)
            grid.addWidget(label, 0, column)
        for row, field in enumerate(error.fields, start=1):
            name = QLabel(field.label)
            name.setAccessibleName(field.label)
            theirs = QRadioButton(self._show(field.name, field.theirs))
            theirs.setAccessibleName(self.tr("{field}: keep the saved value").format(field=field.label))
            mine = QRadioButton(self._show(field.name, field.mine))
            mine.setAccessibleName(self.tr("{field}: keep what you typed").format(field=field.label))
            mine.setChecked(True)
            group = QButtonGroup(self)
            group.addButton(theirs)
            group.addButton(mine)
            self.choices[field.name] = group
            self.theirs_buttons[field.name] = theirs
            self.mine_buttons[field.name] = mine
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(theirs, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(mine, row, 2, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(len(error.fields) + 1, 1)  # rows stay together at the top
        table = QWidget()
        table.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(table)
        scroll.setAccessibleName(self.tr("Fields changed on both sides"))

        self.others = QLabel(self._others_text())
        self.others.setWordWrap(True)
        self.others.setAccessibleName(self.tr("Fields changed on one side"))
        self.others.setVisible(bool(self.others.text()))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName(self.tr("Cancel: save nothing, back to the form"))
        self.keep_mine_button = QPushButton(self.tr("Keep &mine"))
        self.keep_mine_button.setAccessibleName(self.tr("Keep all of what you typed"))
        self.take_theirs_button = QPushButton(self.tr("Take &theirs"))
        self.take_theirs_button.setAccessibleName(self.tr("Take all the saved values"))
        self.save_choices_button = QPushButton(self.tr("&Save my choices"))
        self.save_choices_button.setAccessibleName(self.tr("Save with the value chosen per field"))
        self.save_choices_button.setDefault(True)
        for button in (self.keep_mine_button, self.take_theirs_button, self.save_choices_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.keep_mine_button.clicked.connect(self.keep_mine)
        self.take_theirs_button.clicked.connect(self.take_theirs)
        self.save_choices_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.others)
        layout.addWidget(self.buttons)
        self.resize(720, min(560, 190 + 30 * len(error.fields)))

    def _others_text(self) -> str:
        err = self.error
        conflicting = set(err.names)
        labels = err.labels
        theirs, mine = [], []
        for name, value in err.mine.items():
            if name in conflicting or name not in err.base:
                continue
            label = labels.get(name, name)
            if not same(err.theirs[name], err.base[name]):
                theirs.append(label)
            elif not same(value, err.base[name]):
                mine.append(label)
        lines = []
        if theirs:
            lines.append(self.tr("Changed only elsewhere, taken as saved: {fields}.").format(
                fields=", ".join(theirs)))
        if mine:
            lines.append(self.tr("Changed only by you, kept: {fields}.").format(fields=", ".join(mine)))
        return "\n".join(lines)

    def keep_mine_fields(self) -> set[str]:
        """The conflicting fields whose typed value is chosen."""
        return {name for name, button in self.mine_buttons.items() if button.isChecked()}

    @Slot()
    def keep_mine(self) -> None:
        for button in self.mine_buttons.values():
            button.setChecked(True)
        self.accept()

    @Slot()
    def take_theirs(self) -> None:
        for button in self.theirs_buttons.values():
            button.setChecked(True)
        self.accept()


class VersionGuard(QObject):
    """The version rule in an editor: remember, save with it, compare on conflict, warn early.

    ``banner`` is a label the editor places at the top of its form; it appears as soon
    as a record the form shows is saved elsewhere (``AppContext.data_changed``), and
    what was typed stays as it is.
    """

    def __init__(self, ctx: AppContext, parent: QWidget, banner_text: str,
                 show: Callable[[str, Any], str] | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.form = parent
        self.show = show
        self.banner = QLabel(banner_text)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(NOTICE_STYLE)
        self.banner.setAccessibleName(self.tr("Changed elsewhere"))
        self.banner.hide()
        self._records: dict[str, tuple[str, int, Expected]] = {}
        # Factory for the dialog, so tests can answer it.
        self.ask: Callable[[ConflictError], set[str] | None] = self._ask
        ctx.data_changed.connect(self.check)
        if isinstance(parent, QDialog):  # a closed editor stops looking
            parent.finished.connect(self.stop)

    def track(self, key: str, table: str, row_id: int, version: int, data: Any) -> None:
        """Remember that the form shows row ``row_id`` of ``table`` at ``version`` as ``data``."""
        self._records[key] = (table, row_id, Expected.of(version, data))

    def forget(self, key: str) -> None:
        self._records.pop(key, None)

    def expected(self, key: str) -> Expected | None:
        found = self._records.get(key)
        return found[2] if found else None

    def save(self, key: str, call: Callable[[Any, Expected | None], Any], data: Any,
             data_of: Callable[[Any], Any]) -> Any | None:
        """``call(data, expected)`` with what ``key`` was opened with; on a conflict ask
        and call again.  Returns the saved view (its ``version`` and ``data_of(view)``
        become what the form holds now), or None when the person cancelled the comparison.
        Other errors propagate to the editor."""
        expected = self.expected(key)
        while True:
            try:
                # A job: another program's write lock is waited for visibly (tasks.NotSaved
                # when the person stops waiting; the form keeps what was typed).
                view = tasks.write_and_wait(self.form, lambda d=data, e=expected: call(d, e))
            except ConflictError as error:
                keep = self.ask(error)
                if keep is None:
                    return None
                values, expected = resolve(error, keep)
                data = dataclasses.replace(data, **values)
                continue
            found = self._records.get(key)
            if found is not None:
                self._records[key] = (found[0], found[1], Expected.of(view.version, data_of(view)))
            self.banner.hide()
            return view

    def dialog(self, error: ConflictError) -> ConflictDialog:
        """The comparison for ``error``, with this editor's way of showing values."""
        return ConflictDialog(error, self.form, self.show)

    def _ask(self, error: ConflictError) -> set[str] | None:
        dialog = self.dialog(error)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.keep_mine_fields()

    def changed_elsewhere(self) -> list[str]:
        """The keys of the records whose stored version is no longer the one remembered."""
        return [key for key, (table, row_id, expected) in self._records.items()
                if version_of(self.ctx.db, table, row_id) != expected.version]

    @Slot()
    def stop(self) -> None:
        """Stop following changes (the editor was closed)."""
        self._records.clear()
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self.ctx.data_changed.disconnect(self.check)

    @Slot(str)
    def check(self, _kind: str = "") -> None:
        if not self._records:
            return
        if self.changed_elsewhere():
            self.banner.show()
