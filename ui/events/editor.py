"""The event editor: what, when (in the event's own time zone), where, and the goal.

The core stores instants in UTC together with the event's IANA time zone.  Here the
start and end are typed as wall-clock times *in the zone chosen in the dialog*: the
date-time edits hold a plain date and time (kept in UTC inside Qt so the computer's own
daylight-saving gaps never shift what was typed), and :meth:`EventDialog.data` attaches
the chosen zone.  Changing the zone keeps the wall-clock time: "18:00 in Bogotá".
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime, QTimeZone, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ChapterError, ValidationError
from chapter_manager.models import EventKind, EventStatus, FocusArea
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.widgets.conflict_dialog import VersionGuard, show_value
from ui.widgets.forms import EnumCombo, FieldForm, fmt_datetime

_HIDDEN_ZONE_PREFIXES = ("Etc/", "SystemV/", "posix/", "right/")


def zone_names() -> list[str]:
    """IANA zone names worth offering (``Area/City``), plus UTC."""
    names = sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(_HIDDEN_ZONE_PREFIXES)
    )
    return [*names, "UTC"]


def known_zone(name: str) -> ZoneInfo | None:
    name = name.strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return None


def wall_clock(edit: QDateTimeEdit) -> dt.datetime:
    """The naive date and time shown in ``edit``."""
    moment = edit.dateTime()
    day, time = moment.date(), moment.time()
    return dt.datetime(day.year(), day.month(), day.day(), time.hour(), time.minute())


def set_wall_clock(edit: QDateTimeEdit, moment: dt.datetime) -> None:
    """Show ``moment``'s date and time as they read (its zone, if any, is not converted)."""
    edit.setDateTime(
        QDateTime(QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute),
                  QTimeZone.utc())
    )


def date_time_edit() -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setTimeZone(QTimeZone.utc())
    edit.setCalendarPopup(True)
    locale = QLocale()
    day = locale.dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in day:
        day = day.replace("yy", "yyyy")
    edit.setDisplayFormat(day + " " + locale.timeFormat(QLocale.FormatType.ShortFormat))
    return edit


class OptionalDateTimeEdit(QWidget):
    """A date and time that may be left out: a check box turns it on."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = QCheckBox(text)
        self.edit = date_time_edit()
        self.edit.setEnabled(False)
        self.check.toggled.connect(self.edit.setEnabled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.edit, 1)
        self.setFocusProxy(self.check)

    def value(self) -> dt.datetime | None:
        return wall_clock(self.edit) if self.check.isChecked() else None

    def set_value(self, moment: dt.datetime | None) -> None:
        self.check.setChecked(moment is not None)
        if moment is not None:
            set_wall_clock(self.edit, moment)

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self.check.setAccessibleName(name)
        self.edit.setAccessibleName(name)


def count_spin(none_text: str) -> QSpinBox:
    """A whole number where 0 means "none" (shown as ``none_text``)."""
    spin = QSpinBox()
    spin.setRange(0, 10_000_000)
    spin.setSpecialValueText(none_text)
    spin.setGroupSeparatorShown(True)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    return spin


class EventDialog(QDialog):
    """Create an event (``event_id`` None) or edit one.

    ``save()`` validates through the core and keeps the dialog open with a message next to
    each wrong field; on success ``saved`` holds the new :class:`EventView`, the other
    screens are told (``ctx.changed("events")``) and the dialog is accepted.
    """

    def __init__(self, ctx: AppContext, event_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        from chapter_manager.services.events import EventData, event_data, get_event

        self.ctx = ctx
        self.event_id = event_id
        self.saved = None
        self.chapter_zone = ctx.timezone
        self.setWindowTitle(self.tr("New event") if event_id is None else self.tr("Edit event"))
        self.setMinimumWidth(820)

        # --- left: what and when
        self.left = FieldForm()
        self.title_edit = self.left.add("title", self.tr("&Title"), QLineEdit())
        self.title_edit.setPlaceholderText(self.tr("e.g. Why equality needs everyone"))
        self.kind = self.left.add("kind", self.tr("&Kind"), EnumCombo(EventKind))
        self.focus_area = self.left.add(
            "focus_area", self.tr("&Focus area"), EnumCombo(FocusArea, none_text=self.tr("— none —"))
        )
        self.status = self.left.add("status", self.tr("&Status"), EnumCombo(EventStatus))
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.timezone.addItems(zone_names())
        completer = QCompleter(self.timezone.model(), self.timezone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.timezone.setCompleter(completer)
        self.left.add("timezone", self.tr("Time &zone"), self.timezone,
                      self.tr("Times below are in this zone."))
        self.starts = self.left.add("starts_at", self.tr("St&arts"), date_time_edit())
        self.ends = self.left.add("ends_at", self.tr("&Ends"), OptionalDateTimeEdit(self.tr("at")))
        self.zone_hint = QLabel()
        self.zone_hint.setWordWrap(True)
        self.zone_hint.setMinimumWidth(260)
        self.zone_hint.setEnabled(False)
        self.zone_hint.setAccessibleName(self.tr("Time in the chapter's zone"))
        self.left.add_row("", self.zone_hint)

        # --- right: where, with whom, how many
        self.right = FieldForm()
        self.venue = self.right.add("venue", self.tr("&Venue"), QLineEdit())
        self.venue.setPlaceholderText(self.tr("Building and room"))
        self.online_url = self.right.add("online_url", self.tr("Online &link"), QLineEdit())
        self.online_url.setPlaceholderText("https://")  # untranslated: a URL scheme
        self.partners = QPlainTextEdit()
        self.partners.setTabChangesFocus(True)
        self.partners.setPlaceholderText(self.tr("One partner per line"))
        self.partners.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.right.add("partners", self.tr("&Partners"), self.partners)
        self.capacity = self.right.add("capacity", self.tr("&Capacity"), count_spin(self.tr("No limit")))
        self.pledge_goal = self.right.add("pledge_goal", self.tr("Pledge &goal"), count_spin(self.tr("No goal")))
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 14)
        self.right.add("description", self.tr("&Description"), self.description)

        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addWidget(self.left, 1)
        columns.addWidget(self.right, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button: QPushButton = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.guard = VersionGuard(ctx, self, self.tr(
            "This event was changed elsewhere since you opened this form; saving will let you "
            "compare."), show=self._show_value)
        layout = QVBoxLayout(self)
        layout.addWidget(self.guard.banner)
        layout.addLayout(columns)
        layout.addStretch(1)
        layout.addWidget(buttons)

        # --- values
        if event_id is None:
            self._data = EventData(timezone=self.chapter_zone)
            start = dt.datetime.now(ZoneInfo(self.chapter_zone)) + dt.timedelta(days=1)
            start = start.replace(hour=18, minute=0, second=0, microsecond=0)
            self.timezone.setCurrentText(self.chapter_zone)
            set_wall_clock(self.starts, start)
            set_wall_clock(self.ends.edit, start + dt.timedelta(hours=2))
            self.ends.set_value(None)
        else:
            view = get_event(ctx.db, event_id)
            self._data = event_data(view)
            self.guard.track("event", "events", view.id, view.version, self._data)
            self.title_edit.setText(view.title)
            self.title_edit.setCursorPosition(0)
            self.kind.set_value(view.kind)
            self.focus_area.set_value(view.focus_area)
            self.status.set_value(view.status)
            self.timezone.setCurrentText(view.timezone)
            set_wall_clock(self.starts, view.local_starts_at)
            local_end = view.local_ends_at
            set_wall_clock(self.ends.edit, local_end or view.local_starts_at + dt.timedelta(hours=2))
            self.ends.set_value(local_end)
            self.venue.setText(view.venue)
            self.online_url.setText(view.online_url)
            self.partners.setPlainText("\n".join(view.partners))
            self.capacity.setValue(view.capacity or 0)
            self.pledge_goal.setValue(view.pledge_goal or 0)
            self.description.setPlainText(view.description)

        self.timezone.currentTextChanged.connect(self._update_hint)
        self.starts.dateTimeChanged.connect(self._update_hint)
        self.starts.dateTimeChanged.connect(self._keep_end_after_start)
        self._last_start = wall_clock(self.starts)
        self._update_hint()
        self.title_edit.setFocus()

    # ------------------------------------------------------------------ helpers
    def set_starts(self, moment: dt.datetime) -> None:
        """Type a start (its date and time as they read, in the dialog's zone)."""
        set_wall_clock(self.starts, moment)

    def set_ends(self, moment: dt.datetime | None) -> None:
        self.ends.set_value(moment)

    @Slot()
    def _keep_end_after_start(self) -> None:
        """Moving the start moves an unticked end along, so ticking it later is sensible."""
        start = wall_clock(self.starts)
        if not self.ends.check.isChecked():
            set_wall_clock(self.ends.edit, wall_clock(self.ends.edit) + (start - self._last_start))
        self._last_start = start

    @Slot()
    def _update_hint(self) -> None:
        zone = known_zone(self.timezone.currentText())
        chapter = known_zone(self.chapter_zone)
        if zone is None or chapter is None or self.timezone.currentText().strip() == self.chapter_zone:
            self.zone_hint.clear()
            self.zone_hint.hide()
            return
        there = wall_clock(self.starts).replace(tzinfo=zone).astimezone(chapter)
        self.zone_hint.setText(self.tr("Starts at {when} in the chapter's time zone ({zone}).").format(
            when=fmt_datetime(there), zone=self.chapter_zone))
        self.zone_hint.show()

    def data(self):  # type: ignore[no-untyped-def]
        """The typed event as the core's EventData (times aware, in the chosen zone).

        A zone name the core will refuse is passed on as typed (the core names the problem);
        the times are then attached to UTC so the other fields are still checked.
        """
        from dataclasses import replace

        zone_name = self.timezone.currentText().strip()
        zone = known_zone(zone_name) or ZoneInfo("UTC")
        end = self.ends.value()
        partners = [line for line in self.partners.toPlainText().splitlines() if line.strip()]
        return replace(
            self._data,
            title=self.title_edit.text(),
            kind=self.kind.value(),
            focus_area=self.focus_area.value(),
            status=self.status.value(),
            timezone=zone_name or self.chapter_zone,
            starts_at=wall_clock(self.starts).replace(tzinfo=zone),
            ends_at=end.replace(tzinfo=zone) if end is not None else None,
            venue=self.venue.text(),
            online_url=self.online_url.text(),
            partners=partners,
            capacity=self.capacity.value() or None,
            pledge_goal=self.pledge_goal.value() or None,
            description=self.description.toPlainText(),
        )

    def show_errors(self, error: ValidationError) -> None:
        right = {k: v for k, v in error.fields.items() if k in self.right.widgets}
        left = {k: v for k, v in error.fields.items() if k not in right}
        self.right.show_errors(ValidationError(right))
        self.left.show_errors(ValidationError(left))  # last: the first wrong field gets the focus
        if not left and right:
            first = next(iter(right))
            self.right.widgets[first].setFocus(Qt.FocusReason.OtherFocusReason)

    def error_text(self, name: str) -> str:
        """The message shown next to field ``name`` ("" when none)."""
        return self.left.error_text(name) or self.right.error_text(name)

    def _show_value(self, name: str, value: object) -> str:
        """Times as they read in the event's zone; everything else as the dialog shows it."""
        zone = known_zone(self.timezone.currentText().strip()) or known_zone(self.chapter_zone)
        if isinstance(value, dt.datetime) and zone is not None:
            return fmt_datetime(value.astimezone(zone))
        return show_value(value)

    def show_problem(self, error: BaseException) -> None:
        from ui.frame.errors import show_error

        show_error(self, error, self.tr("Could not save the event"))

    @Slot()
    def save(self) -> bool:
        from chapter_manager.services.events import create_event, event_data, update_event

        data = self.data()
        db, event_id = self.ctx.db, self.event_id
        try:
            if event_id is None:
                chapter_id = self.ctx.require_chapter()
                self.saved = tasks.write_and_wait(self, lambda: create_event(db, chapter_id, data))
            else:
                db, event_id = self.ctx.db, self.event_id
                self.saved = self.guard.save(
                    "event", lambda d, e: update_event(db, event_id, d, e), data, event_data)
                if self.saved is None:
                    return False  # the comparison was cancelled: the form stays as typed
        except ValidationError as error:
            self.show_errors(error)
            return False
        except ChapterError as error:
            self.show_problem(error)
            return False
        self.left.clear_errors()
        self.right.clear_errors()
        self.ctx.changed("events")
        self.ctx.status_message.emit(self.tr("Saved “{title}”.").format(title=self.saved.title))
        self.accept()
        return True


__all__ = ["EventDialog", "OptionalDateTimeEdit", "set_wall_clock", "wall_clock", "zone_names"]
