"""Pledges typed from paper sheets, a pledge's details, and moving a pledge to a person.

:class:`PledgeDialog` records a sheet through ``pledges.sign_up`` (source "typed in"),
the kiosk's own path: someone already in the chapter (same email or student id) is
matched instead of added twice, and someone who already pledged gets an attendance, not a
second pledge.  What happened is said in words (:func:`outcome_message`).  "Save and add
another" clears the form and keeps the event and the date, to type a stack of sheets.

The signing time is typed as the wall-clock time of the event's time zone (the
chapter's when there is no event); the zone is named beside it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime, QTimeZone, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ChapterError, ValidationError
from chapter_manager.models import Affiliation, RecordSource
from chapter_manager.services import people, pledges
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData, SignUpOutcome
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.frame.i18n import tr
from ui.widgets.forms import ERROR_STYLE, EnumCombo, FieldForm, fmt_date, fmt_datetime
from ui.widgets.person_picker import PersonPicker

#: a sheet signed more than this far in the future is a typing mistake
FUTURE_SLACK = dt.timedelta(hours=12)


# ---------------------------------------------------------------------------- helpers

def utc_offset_text(moment: dt.datetime) -> str:
    """"UTC−6", "UTC+5:30", "UTC" for an aware time."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"  # untranslated: a technical name
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_text(moment: dt.datetime) -> str:
    """"CST" (or "UTC−6" where the zone has no letters) for an aware time."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-" or name.startswith("UTC"):
        return utc_offset_text(moment)
    return name


def local_signed(view: pledges.PledgeView) -> dt.datetime:
    """The signing time as it read where it was signed (at the recorded UTC offset)."""
    zone = dt.timezone(dt.timedelta(minutes=view.utc_offset_minutes))
    return view.signed_at.astimezone(zone)


def outcome_message(ctx: AppContext, outcome: SignUpOutcome, event_title: str | None = None) -> str:
    """What a sign-up did, in a sentence: "José Núñez already pledged on 8/3/26; …"."""
    name = people.get_person(ctx.db, outcome.person_id).display_name
    at_event = (tr("recorded their attendance at “{event}”").format(event=event_title)
                if event_title else tr("recorded their attendance at the event"))
    if outcome.new_pledge:
        if outcome.new_person:
            text = tr("Recorded the pledge of {name}.").format(name=name)
        else:
            text = tr("{name} was already in the chapter (same email or student id); "
                      "recorded their pledge.").format(name=name)
        if outcome.attendance_recorded:
            text += " " + tr("Also {what}.").format(what=at_event)
    else:
        earlier = local_signed(pledges.get_pledge(ctx.db, outcome.pledge_id))
        day = fmt_date(earlier.date())
        if outcome.attendance_recorded:
            text = tr("{name} already pledged on {date}; {what} instead.").format(
                name=name, date=day, what=at_event)
        elif outcome.consents_given:
            text = tr("{name} already pledged on {date}; recorded the consents ticked on this sheet.").format(
                name=name, date=day)
        else:
            text = tr("{name} already pledged on {date}; nothing new was recorded.").format(name=name, date=day)
    if outcome.attendance_recorded and outcome.consents_given:
        text += " " + tr("The consents ticked on this sheet were recorded too.")
    if outcome.kept_apart:
        text += " " + tr("Someone in the chapter has this email or student id under another name: "
                         "this sheet was kept apart, without it, and waits in File ▸ Review likely "
                         "matches…")
    if outcome.details_offered:
        text += " " + tr("Details this sheet adds to their entry wait in File ▸ Review likely "
                         "matches…")
    return text


def _wall_clock(edit: QDateTimeEdit) -> dt.datetime:
    moment = edit.dateTime()
    day, time = moment.date(), moment.time()
    return dt.datetime(day.year(), day.month(), day.day(), time.hour(), time.minute())


def _set_wall_clock(edit: QDateTimeEdit, moment: dt.datetime) -> None:
    edit.setDateTime(QDateTime(QDate(moment.year, moment.month, moment.day),
                               QTime(moment.hour, moment.minute), QTimeZone.utc()))


def _date_time_edit() -> QDateTimeEdit:
    """A date and time edit holding a wall-clock time (kept in UTC inside Qt, so the
    computer's own daylight-saving gaps never shift what was typed)."""
    edit = QDateTimeEdit()
    edit.setTimeZone(QTimeZone.utc())
    edit.setCalendarPopup(True)
    locale = QLocale()
    day = locale.dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in day:
        day = day.replace("yy", "yyyy")
    edit.setDisplayFormat(day + " " + locale.timeFormat(QLocale.FormatType.ShortFormat))
    return edit


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.UTC


# ---------------------------------------------------------------------------- add a pledge

class PledgeDialog(QDialog):
    """Type a pledge from a paper sheet.

    ``save()`` records it and returns the ``SignUpOutcome`` (None when something must be
    corrected: the messages are beside the fields).  ``save_and_add_another()`` records
    it, clears the form for the next sheet and says what happened at the top.
    ``outcomes`` and ``messages`` list every sheet recorded while the dialog was open.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, event_id: int | None = None,
                 events: list | None = None):  # type: ignore[type-arg]
        super().__init__(parent)
        self.ctx = ctx
        self.outcomes: list[SignUpOutcome] = []
        self.messages: list[str] = []
        self._zones: dict[int, str] = {}
        self._chapter_zone = ctx.timezone
        self.setWindowTitle(self.tr("Add a pledge from a paper sheet"))
        self.setAccessibleName(self.windowTitle())

        self.last = QLabel()
        self.last.setWordWrap(True)
        self.last.setAccessibleName(self.tr("The sheet saved last"))
        self.last.setFrameShape(QLabel.Shape.StyledPanel)
        self.last.setContentsMargins(6, 4, 6, 4)
        self.last.hide()

        form = self.form = FieldForm()
        self.given = QLineEdit()
        form.add("given_names", self.tr("&Given name(s):"), self.given)
        self.family = QLineEdit()
        form.add("family_names", self.tr("Fa&mily name(s):"), self.family)
        self.family_first = QCheckBox(self.tr("Family name first (as in 王芳 or Nguyễn Lan)"))
        form.add("family_name_first", "", self.family_first)
        self.family_first.setAccessibleName(self.tr("Family name first"))
        self.email = QLineEdit()
        self.email.setPlaceholderText(self.tr("name@example.org"))
        form.add("email", self.tr("&Email:"), self.email)
        self.student_id = QLineEdit()
        form.add("student_id", self.tr("S&tudent id:"), self.student_id)
        self.affiliation = EnumCombo(Affiliation)
        form.add("affiliation", self.tr("Affil&iation:"), self.affiliation)
        self.event_combo = QComboBox()
        self.event_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.event_combo.setMinimumContentsLength(24)
        self.event_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        form.add("event_id", self.tr("E&vent:"), self.event_combo)
        when = QWidget()
        row = QHBoxLayout(when)
        row.setContentsMargins(0, 0, 0, 0)
        self.signed_at = _date_time_edit()
        self.zone_label = QLabel()
        self.zone_label.setAccessibleName(self.tr("Time zone of the signing time"))
        row.addWidget(self.signed_at)
        row.addWidget(self.zone_label, 1)
        form.add("signed_at", self.tr("Signed &on:"), when,
                 self.tr("When the sheet was signed; it may be days ago."))
        self.signed_at.setAccessibleName(self.tr("Signed on"))
        when.setFocusProxy(self.signed_at)
        self.commitment = QPlainTextEdit()
        self.commitment.setTabChangesFocus(True)
        self.commitment.setPlaceholderText(self.tr("Their own words, if they wrote any"))
        self.commitment.setFixedHeight(self.commitment.fontMetrics().lineSpacing() * 3 + 14)
        form.add("personal_commitment", self.tr("&Personal commitment:"), self.commitment)
        self.may_contact = QCheckBox(self.tr("May be &contacted about the chapter's activities"))
        form.add("may_contact", self.tr("Consents:"), self.may_contact)
        self.may_publish = QCheckBox(self.tr("Their &name may be published as a supporter"))
        form.add("may_publish_name", "", self.may_publish)
        consent_hint = QLabel(self.tr("Tick only what the sheet shows ticked (consent text version {v})."
                                      ).format(v=pledges.CONSENT_VERSION))
        consent_hint.setEnabled(False)
        form.add_row("", consent_hint)

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.another_button = QPushButton(self.tr("Save and add &another"))
        self.another_button.setToolTip(self.tr("Save this sheet and clear the form for the next (Ctrl+Enter)"))
        self.buttons.addButton(self.another_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._save_clicked)
        self.another_button.clicked.connect(self.save_and_add_another)
        self.buttons.rejected.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.save_and_add_another)

        layout = QVBoxLayout(self)
        layout.addWidget(self.last)
        layout.addWidget(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self._fill_events(event_id, events)
        self.event_combo.currentIndexChanged.connect(self._event_changed)
        self._set_now()
        self.given.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ events and time
    def _fill_events(self, event_id: int | None, rows: list | None) -> None:  # type: ignore[type-arg]
        """The chapter's events, newest first (``rows``: already read by the caller)."""
        from chapter_manager.services.events import list_events

        self.event_combo.addItem(self.tr("No event"), None)
        if rows is None and self.ctx.chapter_id is not None:
            rows = list_events(self.ctx.db, self.ctx.chapter_id, descending=True)
        for row in rows or ():
            self._zones[row.id] = row.timezone
            self.event_combo.addItem(self.tr("{title} — {date}").format(
                title=row.title, date=fmt_date(row.local_starts_at.date())), row.id)
        index = self.event_combo.findData(event_id) if event_id is not None else 0
        self.event_combo.setCurrentIndex(max(index, 0))

    def zone_name(self) -> str:
        event_id = self.event_combo.currentData()
        return self._zones.get(event_id, self._chapter_zone) if event_id is not None else self._chapter_zone

    def _set_now(self) -> None:
        _set_wall_clock(self.signed_at, dt.datetime.now(_zone(self.zone_name())))
        self._show_zone()

    def _show_zone(self) -> None:
        name = self.zone_name()
        moment = self.signed_time()
        self.zone_label.setText(self.tr("{zone} ({abbreviation})").format(zone=name, abbreviation=zone_text(moment)))

    @Slot(int)
    def _event_changed(self, _index: int) -> None:
        self._show_zone()  # the wall-clock time stays as typed; its zone is the event's

    def signed_time(self) -> dt.datetime:
        return _wall_clock(self.signed_at).replace(tzinfo=_zone(self.zone_name()))

    # ------------------------------------------------------------------ data
    def person_data(self) -> PersonData:
        return PersonData(
            given_names=self.given.text(),
            family_names=self.family.text(),
            family_name_first=self.family_first.isChecked(),
            email=self.email.text().strip() or None,
            student_id=self.student_id.text().strip() or None,
            affiliation=self.affiliation.value() or Affiliation.STUDENT,
        )

    def pledge_data(self) -> PledgeData:
        return PledgeData(
            signed_at=self.signed_time(),
            event_id=self.event_combo.currentData(),
            personal_commitment=self.commitment.toPlainText(),
            may_contact=self.may_contact.isChecked(),
            may_publish_name=self.may_publish.isChecked(),
            source=RecordSource.MANUAL,
        )

    # ------------------------------------------------------------------ saving
    def save(self) -> SignUpOutcome | None:
        """Record the sheet; None (messages shown) when something must be corrected."""
        pledge = self.pledge_data()
        try:
            if pledge.signed_at is not None and pledge.signed_at > dt.datetime.now(dt.UTC) + FUTURE_SLACK:
                raise ValidationError({"signed_at": self.tr("That time is in the future; check the date on the sheet.")})
            db, chapter_id, person = self.ctx.db, self.ctx.require_chapter(), self.person_data()
            outcome = tasks.write_and_wait(self, lambda: pledges.sign_up(db, chapter_id, person, pledge))
        except ValidationError as error:
            self.form.show_errors(error)
            return None
        except ChapterError as error:
            from ui.frame.errors import show_error

            show_error(self, error, self.tr("Could not save the pledge"))
            return None
        self.form.clear_errors()
        title = None
        if pledge.event_id is not None:
            title = self.event_combo.currentText().rsplit(" — ", 1)[0]
        message = outcome_message(self.ctx, outcome, title)
        self.outcomes.append(outcome)
        self.messages.append(message)
        self.ctx.changed("pledges")
        if outcome.new_person:
            self.ctx.changed("people")
        if outcome.attendance_recorded:
            self.ctx.changed("events")
        self.ctx.status_message.emit(message)
        return outcome

    @Slot()
    def _save_clicked(self) -> None:
        if self.save() is not None:
            self.accept()

    @Slot()
    def save_and_add_another(self) -> SignUpOutcome | None:
        outcome = self.save()
        if outcome is None:
            return None
        self.last.setText(self.tr("Saved sheet {n}: {message}").format(n=len(self.outcomes), message=self.messages[-1]))
        self.last.show()
        self.clear_for_next()
        return outcome

    def clear_for_next(self) -> None:
        """Empty the person's fields for the next sheet; the event and the date stay."""
        for edit in (self.given, self.family, self.email, self.student_id):
            edit.clear()
        self.family_first.setChecked(False)
        self.affiliation.set_value(Affiliation.STUDENT)
        self.commitment.clear()
        self.may_contact.setChecked(False)
        self.may_publish.setChecked(False)
        self.form.clear_errors()
        self.given.setFocus(Qt.FocusReason.OtherFocusReason)


# ---------------------------------------------------------------------------- details

class PledgeDetailsDialog(QDialog):
    """A pledge as recorded: who, when (where it was signed), the texts and consents."""

    def __init__(self, ctx: AppContext, pledge_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        view = self.view = pledges.get_pledge(ctx.db, pledge_id)
        person = people.get_person(ctx.db, view.person_id)
        self.setWindowTitle(self.tr("Pledge of {name}").format(name=person.display_name))
        self.setAccessibleName(self.windowTitle())
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.values: dict[str, QLabel] = {}

        def add(key: str, label: str, text: str) -> None:
            value = QLabel(text)
            value.setWordWrap(key == "commitment")
            value.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
            value.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            value.setAccessibleName(label.rstrip(":"))
            name = QLabel(label)
            name.setBuddy(value)
            form.addRow(name, value)
            self.values[key] = value

        who = [person.display_name]
        who += [x for x in (person.email, person.student_id) if x]
        add("person", self.tr("Signed by:"), " · ".join(who))
        local = local_signed(view)
        add("signed_at", self.tr("Signed:"), self.tr("{when} ({zone}, where it was signed)").format(
            when=fmt_datetime(local), zone=utc_offset_text(local)))
        event_title = ""
        if view.event_id is not None:
            from chapter_manager.services.events import get_event

            try:
                event_title = get_event(ctx.db, view.event_id).title
            except ChapterError:
                event_title = ""
        add("event", self.tr("Event:"), event_title or self.tr("None"))
        add("source", self.tr("Recorded by:"), view.source.label)
        add("commitment", self.tr("Personal commitment:"), view.personal_commitment or self.tr("None written"))
        add("commitment_version", self.tr("Commitment text:"), self.tr("version {v}").format(v=view.commitment_version))
        yes, no = self.tr("Yes"), self.tr("No")
        add("may_contact", self.tr("May be contacted:"), yes if view.may_contact else no)
        add("may_publish_name", self.tr("Name may be published:"), yes if view.may_publish_name else no)
        add("consent_version", self.tr("Consent text:"), self.tr("version {v}").format(v=view.consent_version))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(540, 320)
        buttons.button(QDialogButtonBox.StandardButton.Close).setFocus(Qt.FocusReason.OtherFocusReason)


# ---------------------------------------------------------------------------- link

class LinkPersonDialog(QDialog):
    """Move a pledge to a person already in the chapter (``pledges.relink_pledge``)."""

    def __init__(self, ctx: AppContext, pledge_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.pledge_id = pledge_id
        self.outcome: pledges.RelinkOutcome | None = None
        view = pledges.get_pledge(ctx.db, pledge_id)
        self.current_person = view.person_id
        self.current_name = people.get_person(ctx.db, view.person_id).display_name
        self.setWindowTitle(self.tr("Link the pledge to a person"))
        self.setAccessibleName(self.windowTitle())
        intro = QLabel(self.tr(
            "The pledge of {name}, signed on {date}, moves to the person you choose: use this "
            "when a sheet made a second entry for someone already in the chapter.").format(
            name=self.current_name, date=fmt_date(local_signed(view).date())))
        intro.setWordWrap(True)
        self.picker = PersonPicker(ctx)
        self.picker.setAccessibleName(self.tr("Person to link the pledge to"))
        self.picker.person_chosen.connect(self._chosen)
        self.picker.textEdited.connect(lambda _t: self._update())
        label = QLabel(self.tr("&Person:"))
        label.setBuddy(self.picker)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setAccessibleName(self.tr("Problem"))
        self.error.hide()
        note = QLabel(self.tr(
            "If {name} has nothing else in the chapter (no membership, other attendance or "
            "forum role), their entry is removed.").format(name=self.current_name))
        note.setWordWrap(True)
        note.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.picker, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_button = self.buttons.addButton(self.tr("&Move the pledge"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.move_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(540, 240)
        self._update()
        self.picker.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the person field takes the suggestion; moving the pledge is a second step.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() is self.picker:
            event.accept()
            return
        super().keyPressEvent(event)

    @Slot(int, str)
    def _chosen(self, _person_id: int, _name: str) -> None:
        self._update()
        self.move_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update(self) -> None:
        self.move_button.setEnabled(self.picker.chosen_id is not None)
        self.error.hide()

    @Slot()
    def save(self) -> bool:
        person_id = self.picker.chosen_id
        if person_id is None:
            self._problem(self.tr("Choose a person from the suggestions first."))
            return False
        if person_id == self.current_person:
            self._problem(self.tr("The pledge already belongs to {name}.").format(name=self.current_name))
            return False
        try:
            db, pledge_id = self.ctx.db, self.pledge_id
            outcome = tasks.write_and_wait(self, lambda: pledges.relink_pledge(db, pledge_id, person_id))
        except ValidationError as error:
            self._problem("\n".join(error.fields.values()))
            return False
        except ChapterError as error:
            from ui.frame.errors import show_error

            show_error(self, error, self.tr("Could not move the pledge"))
            return False
        self.outcome = outcome
        name = people.get_person(self.ctx.db, person_id).display_name
        text = self.tr("The pledge now belongs to {name}.").format(name=name)
        if outcome.previous_person_removed:
            text += " " + self.tr("The separate entry for {name} was removed.").format(name=self.current_name)
        self.ctx.status_message.emit(text)
        self.message = text
        self.ctx.changed("pledges")
        self.ctx.changed("people")
        if outcome.attendance_moved:
            self.ctx.changed("events")
        self.accept()
        return True

    def _problem(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.picker.setFocus(Qt.FocusReason.OtherFocusReason)


__all__ = ["LinkPersonDialog", "PledgeDetailsDialog", "PledgeDialog", "outcome_message", "utc_offset_text"]
