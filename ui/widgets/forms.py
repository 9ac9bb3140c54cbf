"""Editors' shared parts: fields with their validation message beside them, enum pickers,
optional dates, and locale-aware formatting of dates and numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ValidationError

ERROR_STYLE = "color: #ffffff; background: #b3261e; border-radius: 3px; padding: 1px 4px;"


# ---------------------------------------------------------------------------- formatting

def fmt_date(day: dt.date | None, long: bool = False) -> str:
    if day is None:
        return ""
    fmt = QLocale.FormatType.LongFormat if long else QLocale.FormatType.ShortFormat
    return QLocale().toString(QDate(day.year, day.month, day.day), fmt)


def fmt_datetime(moment: dt.datetime | None) -> str:
    """A wall-clock time as it reads in its own zone (``moment`` should be aware, local)."""
    if moment is None:
        return ""
    qdt = QDateTime(QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute))
    return QLocale().toString(qdt, QLocale.FormatType.ShortFormat)


def fmt_time(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return QLocale().toString(QTime(moment.hour, moment.minute), QLocale.FormatType.ShortFormat)


def fmt_int(value: int | None) -> str:
    return "" if value is None else QLocale().toString(int(value))


def fmt_percent(value: float | None) -> str:
    if value is None:
        return ""
    return QLocale().toString(float(value), "f", 1) + " %"


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


# ---------------------------------------------------------------------------- widgets

class EnumCombo(QComboBox):
    """A combo box of a LabelledEnum's members (by label), optionally with a "none" entry."""

    def __init__(self, enum_cls: type[Enum], *, none_text: str | None = None,
                 members: Iterable[Enum] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        if none_text is not None:
            self.addItem(none_text, None)
        for member in members if members is not None else enum_cls:
            self.addItem(getattr(member, "label", str(member.value)), member.value)
        self._enum = enum_cls

    def value(self):  # type: ignore[no-untyped-def]
        data = self.currentData()
        return None if data is None else self._enum(data)

    def set_value(self, value) -> None:  # type: ignore[no-untyped-def]
        index = self.findData(None if value is None else getattr(value, "value", value))
        self.setCurrentIndex(max(index, 0))


class OptionalDateEdit(QWidget):
    """A date that may be left empty: a check box turns the date on."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = QCheckBox(text)
        self.edit = QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDate(QDate.currentDate())
        self.edit.setEnabled(False)
        self.check.toggled.connect(self.edit.setEnabled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.edit, 1)
        self.setFocusProxy(self.check)

    def value(self) -> dt.date | None:
        return from_qdate(self.edit.date()) if self.check.isChecked() else None

    def set_value(self, day: dt.date | None) -> None:
        self.check.setChecked(day is not None)
        if day is not None:
            self.edit.setDate(to_qdate(day))

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self.check.setAccessibleName(name)
        self.edit.setAccessibleName(name)


class FieldForm(QWidget):
    """A form whose fields each show their own validation message under them.

    ``add(name, label, widget)`` adds a row; ``show_errors(ValidationError)`` puts each
    field's message under it and focuses the first; messages for unknown fields go to a
    banner at the top.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.setAccessibleName(self.tr("Problems"))
        self.banner.hide()
        outer.addWidget(self.banner)
        self.layout_ = QFormLayout()
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        outer.addLayout(self.layout_)
        self.widgets: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}

    def add(self, name: str, label: str, widget: QWidget, help_text: str = "") -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        message = QLabel()
        message.setWordWrap(True)
        message.setStyleSheet(ERROR_STYLE)
        message.setAccessibleName(label + " — " + self.tr("problem"))
        message.hide()
        column.addWidget(message)
        if help_text:
            hint = QLabel(help_text)
            hint.setWordWrap(True)
            hint.setEnabled(False)
            column.addWidget(hint)
        row_label = QLabel(label)
        row_label.setBuddy(widget)
        self.layout_.addRow(row_label, box)
        if not widget.accessibleName():
            widget.setAccessibleName(label.replace("&", ""))
        self.widgets[name] = widget
        self.messages[name] = message
        return widget

    def add_row(self, label: str, widget: QWidget) -> None:
        self.layout_.addRow(label, widget)

    def clear_errors(self) -> None:
        self.banner.hide()
        for message in self.messages.values():
            message.hide()
            message.clear()

    def show_errors(self, error: ValidationError) -> None:
        self.clear_errors()
        first: QWidget | None = None
        stray: list[str] = []
        for name, text in error.fields.items():
            label = self.messages.get(name)
            if label is None:
                stray.append(text)
                continue
            label.setText(text)
            label.show()
            if first is None:
                first = self.widgets[name]
        if stray:
            self.banner.setText("\n".join(stray))
            self.banner.show()
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def error_text(self, name: str) -> str:
        label = self.messages.get(name)
        return label.text() if label is not None and not label.isHidden() else ""
