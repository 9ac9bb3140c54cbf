"""The page of one event, inside the Events screen: what and when, who came, what it collected.

At the door the organiser types a few letters of a name and presses Enter: the best
match is checked in, the field is cleared and keeps the focus for the next person.
Someone not in the chapter yet is added with the walk-in form (Enter submits) and checked
in at once.  Pledges typed from paper are recorded for an attendee; the progress bar
follows the event's pledge goal.
"""

from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

from PySide6.QtCore import QLocale, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ChapterError, DuplicateError, NotFound, ValidationError
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.frame.i18n import tr
from ui.frame.viewstate import restore_view, save_view
from ui.widgets.forms import ERROR_STYLE, FieldForm, fmt_datetime, fmt_int, fmt_time
from ui.widgets.person_picker import PersonPicker
from ui.widgets.tablemodel import Column, RowsTableModel

from .editor import date_time_edit, set_wall_clock, wall_clock

#: pledges listed on an event's page (the count and the progress always cover them all)
PLEDGE_ROWS = 5000

CHIP_STYLE = "border: 1px solid palette(mid); border-radius: 9px; padding: 1px 10px; font-weight: bold;"


# ---------------------------------------------------------------------------- formatting

def zone_abbreviation(local: dt.datetime) -> str:
    """"CST", or "UTC-05" where the zone has no letters for itself."""
    name = local.tzname() or ""
    if name and name[0] in "+-":
        return "UTC" + name
    return name


def when_text(start: dt.datetime, end: dt.datetime | None, zone: str) -> str:
    """"Thursday, 6 March 2025, 18:00–20:00 (America/Mexico_City, CST)", in the event's zone."""
    locale = QLocale()
    from ui.widgets.forms import to_qdate

    day = locale.toString(to_qdate(start.date()), QLocale.FormatType.LongFormat)
    where = tr("{zone}, {abbreviation}").format(zone=zone, abbreviation=zone_abbreviation(start))
    if end is None:
        return tr("{day}, {start} ({zone})").format(day=day, start=fmt_time(start), zone=where)
    if end.date() == start.date():
        return tr("{day}, {start}–{end} ({zone})").format(
            day=day, start=fmt_time(start), end=fmt_time(end), zone=where)
    return tr("{start} – {end} ({zone})").format(
        start=fmt_datetime(start), end=fmt_datetime(end), zone=where)


def progress_text(pledges: int, goal: int | None, percent: float | None) -> str:
    """"128 of 200 pledges (64 %)", or "12 pledges" without a goal."""
    if not goal:
        return tr("%n pledge(s) collected here; no pledge goal set.", "", pledges)
    shown = QLocale().toString(float(percent or 0.0), "f", 0)
    return tr("{count} of {goal} pledges ({percent} %)").format(
        count=fmt_int(pledges), goal=fmt_int(goal), percent=shown)


def _table(name: str) -> QTableView:
    view = QTableView()
    view.setAccessibleName(name)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setAlternatingRowColors(True)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setHighlightSections(False)
    view.setWordWrap(False)
    return view


def _name_stretches(view: QTableView) -> None:
    """Name (column 0) takes the room the other columns leave (instead of the last one)."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)


def fit_columns(view: QTableView, model: RowsTableModel, sample: int = 200) -> None:
    """Size every column but the first to its header and a sample of its rows."""
    metrics = view.fontMetrics()
    rows = model.rows()[:sample]
    for column, spec in enumerate(model.columns):
        if column == 0:
            continue
        texts = [spec.title] + [spec.text(r) for r in rows]
        view.horizontalHeader().resizeSection(column, max(metrics.horizontalAdvance(t) for t in texts) + 28)


class _Field(QWidget):
    """A line edit with its mnemonic label above and its validation message below."""

    def __init__(self, label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel(label)
        self.edit = QLineEdit()
        self.label.setBuddy(self.edit)
        self.edit.setAccessibleName(label.replace("&", ""))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAccessibleName(label.replace("&", "") + " — " + self.tr("problem"))
        self.message.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.label)
        column.addWidget(self.edit)
        column.addWidget(self.message)
        self.setFocusProxy(self.edit)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


# ---------------------------------------------------------------------------- pledge dialog

class RecordPledgeDialog(QDialog):
    """Record the pledge of one of the event's attendees (typed from a paper sheet)."""

    def __init__(self, ctx: AppContext, event, attendees, person_id: int | None = None,  # type: ignore[no-untyped-def]
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.event_view = event
        self.outcome = None
        self.person_name = ""
        self.setWindowTitle(self.tr("Record a pledge"))
        self.setMinimumWidth(460)
        self.form = FieldForm()
        self.person = QComboBox()
        for attendee in sorted(attendees, key=lambda a: a.display_name.casefold()):
            self.person.addItem(attendee.display_name, attendee.person_id)
        if person_id is not None:
            self.person.setCurrentIndex(max(self.person.findData(person_id), 0))
        self.form.add("person_id", self.tr("&Attendee"), self.person)
        self.signed_at = date_time_edit()
        signed_box = QWidget()
        signed_row = QHBoxLayout(signed_box)
        signed_row.setContentsMargins(0, 0, 0, 0)
        signed_row.addWidget(self.signed_at)
        signed_row.addWidget(QLabel(self.tr("{zone} time").format(zone=event.timezone)), 1)
        signed_box.setFocusProxy(self.signed_at)
        self.signed_at.setAccessibleName(self.tr("Signed, in the event's time zone"))
        self.form.add("signed_at", self.tr("&Signed"), signed_box)
        zone = ZoneInfo(event.timezone)
        now = dt.datetime.now(zone)
        start = event.local_starts_at
        set_wall_clock(self.signed_at, start if start <= now else now)
        self.commitment = self.form.add("personal_commitment", self.tr("Personal &commitment"), QLineEdit())
        self.commitment.setPlaceholderText(self.tr("Optional, in their words"))
        self.may_contact = QCheckBox(self.tr("They agree to be c&ontacted by the chapter"))
        self.may_publish = QCheckBox(self.tr("They agree to have their &name published"))
        self.form.add("may_contact", self.tr("Consent"), self.may_contact)
        self.form.add("may_publish_name", "", self.may_publish)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

    @Slot()
    def save(self) -> bool:
        from chapter_manager.services.pledges import PledgeData, record_pledge

        person_id = self.person.currentData()
        if person_id is None:
            self.form.show_errors(ValidationError({"person_id": self.tr("Choose who pledged.")}))
            return False
        zone = ZoneInfo(self.event_view.timezone)
        data = PledgeData(
            signed_at=wall_clock(self.signed_at).replace(tzinfo=zone),
            event_id=self.event_view.id,
            personal_commitment=self.commitment.text(),
            may_contact=self.may_contact.isChecked(),
            may_publish_name=self.may_publish.isChecked(),
        )
        try:
            db, chosen_id = self.ctx.db, int(person_id)
            self.outcome = tasks.write_and_wait(self, lambda: record_pledge(db, chosen_id, data))
        except ValidationError as error:
            self.form.show_errors(error)
            return False
        except ChapterError as error:
            from ui.frame.errors import show_error

            show_error(self, error, self.tr("Could not record the pledge"))
            return False
        self.person_name = self.person.currentText()
        self.accept()
        return True


# ---------------------------------------------------------------------------- the page

class EventDetail(QWidget):
    """One event: header, attendance (check-in, walk-ins, headcount), pledges and progress.

    ``back_requested`` asks the Events screen to show its list again (the "← All events"
    button, Esc, Backspace); ``delete_requested(id)`` and ``edit_requested(id)`` let the
    screen run the shared delete (with confirmation and undo) and editor.
    """

    back_requested = Signal()
    edit_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.event_id: int | None = None
        self.view = None
        self.progress = None
        self._attendees: list = []
        self._just_checked: int | None = None
        #: the headcount last read from the database (to tell one being typed)
        self._headcount_shown: int | None = None
        #: True while this page tells the others about its own change (it is up to date)
        self.notifying = False

        # ------------------------------------------------------------ header
        self.back_button = QPushButton(self.tr("← &All events"))
        self.back_button.setFlat(True)
        self.back_button.setAccessibleName(self.tr("Back to all events"))
        self.back_button.setToolTip(self.tr("Back to the list (Esc)"))
        self.back_button.clicked.connect(self.back_requested)
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setAccessibleName(self.tr("Event title"))
        self.status_chip = QLabel()
        self.status_chip.setStyleSheet(CHIP_STYLE)
        self.status_chip.setAccessibleName(self.tr("Event status"))
        self.status_chip.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        self.when = QLabel()
        self.when.setAccessibleName(self.tr("When"))
        self.when.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where = QLabel()
        self.where.setAccessibleName(self.tr("Where"))
        self.where.setTextFormat(Qt.TextFormat.RichText)  # the venue is escaped, the link is a link
        self.where.setOpenExternalLinks(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.about.setAccessibleName(self.tr("About the event"))
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.edit_button = QPushButton(self.tr("Edi&t…"))
        self.edit_button.clicked.connect(lambda: self.event_id and self.edit_requested.emit(self.event_id))
        self.delete_button = QPushButton(self.tr("&Delete…"))
        self.delete_button.clicked.connect(lambda: self.event_id and self.delete_requested.emit(self.event_id))
        self.kiosk_button = QPushButton(self.tr("Start si&gn-up kiosk…"))
        self.kiosk_button.setToolTip(self.tr(
            "A full-screen sign-up form for this event, for people to take the pledge themselves. "
            "The rest of the app is hidden until the organiser leaves with a PIN."))
        self.kiosk_button.clicked.connect(self.start_kiosk)
        #: options for the kiosk window (tests: not full screen, short timeouts)
        self.kiosk_options: dict[str, object] = {}
        #: the header's action buttons
        self.actions_row = QHBoxLayout()
        self.actions_row.setSpacing(6)
        self.actions_row.addWidget(self.kiosk_button)
        self.actions_row.addWidget(self.edit_button)
        self.actions_row.addWidget(self.delete_button)

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addStretch(1)
        top.addLayout(self.actions_row)
        when_row = QHBoxLayout()
        when_row.setSpacing(10)
        when_row.addWidget(self.status_chip, 0, Qt.AlignmentFlag.AlignVCenter)
        when_row.addWidget(self.when, 1)
        header = QVBoxLayout()
        header.setSpacing(4)
        header.addLayout(top)
        header.addWidget(self.title)
        header.addLayout(when_row)
        header.addWidget(self.where)
        header.addWidget(self.about)

        # ------------------------------------------------------------ attendance
        self.attendance_box = QGroupBox(self.tr("Attendance"))
        self.picker = PersonPicker(ctx, placeholder=self.tr("Type a few letters of a name, email or student id, then Enter"))
        self.picker.setAccessibleName(self.tr("Check in a person"))
        self.picker.person_chosen.connect(self._person_chosen)
        self.picker.returnPressed.connect(self._picker_enter)
        self.check_in_label = QLabel(self.tr("Chec&k in:"))
        self.check_in_label.setBuddy(self.picker)
        self.check_in_button = QPushButton(self.tr("Check &in"))
        self.check_in_button.clicked.connect(self._check_in_clicked)
        self.cancelled_note = QLabel(self.tr("This event was cancelled; nobody can check in to it."))
        self.cancelled_note.setWordWrap(True)
        self.cancelled_note.hide()
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setAccessibleName(self.tr("Check-in result"))
        self.feedback.hide()
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_in_label)
        check_row.addWidget(self.picker, 1)
        check_row.addWidget(self.check_in_button)

        # walk-in
        self.walk_in_box = QGroupBox(self.tr("Add a walk-in"))
        self.walk_given = _Field(self.tr("&Given name(s)"))
        self.walk_family = _Field(self.tr("Famil&y name(s)"))
        self.walk_email = _Field(self.tr("E&mail (optional)"))
        self.walk_student_id = _Field(self.tr("St&udent id (optional)"))
        self.walk_fields = {
            "given_names": self.walk_given, "family_names": self.walk_family,
            "email": self.walk_email, "student_id": self.walk_student_id,
        }
        self.walk_in_button = QPushButton(self.tr("Add and check i&n"))
        self.walk_in_button.clicked.connect(self.add_walk_in)
        self.walk_message = QLabel()
        self.walk_message.setWordWrap(True)
        self.walk_message.setStyleSheet(ERROR_STYLE)
        self.walk_message.setAccessibleName(self.tr("Walk-in problem"))
        self.walk_message.hide()
        for field in self.walk_fields.values():
            field.edit.returnPressed.connect(self.add_walk_in)
        walk = QGridLayout(self.walk_in_box)
        walk.setContentsMargins(8, 6, 8, 8)
        walk.setVerticalSpacing(4)
        top = Qt.AlignmentFlag.AlignTop
        walk.addWidget(self.walk_given, 0, 0, top)
        walk.addWidget(self.walk_family, 0, 1, top)
        walk.addWidget(self.walk_email, 1, 0, top)
        walk.addWidget(self.walk_student_id, 1, 1, top)
        walk.addWidget(self.walk_message, 2, 0, 1, 2)
        walk.addWidget(self.walk_in_button, 3, 1, Qt.AlignmentFlag.AlignRight)

        # attendees
        self.attendance_count = QLabel()
        self.attendance_count.setAccessibleName(self.tr("Attendance count"))
        self.attendees_model: RowsTableModel = RowsTableModel(self._attendee_columns(), lambda a: a.person_id, self)
        self.attendees = _table(self.tr("Attendees"))
        self.attendees.setModel(self.attendees_model)
        self.attendees.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        _name_stretches(self.attendees)
        self.attendees.installEventFilter(self)
        self.attendees.selectionModel().selectionChanged.connect(self._attendee_selection)
        self.remove_button = QPushButton(self.tr("&Remove"))
        self.remove_button.setToolTip(self.tr("Undo the check-in of the selected people"))
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_selected_attendees)
        self.headcount = QSpinBox()
        self.headcount.setRange(0, 1_000_000)
        self.headcount.setSpecialValueText(self.tr("Not counted"))
        self.headcount.setGroupSeparatorShown(True)
        self.headcount.setAccessibleName(self.tr("Headcount: people counted at the door"))
        self.headcount.lineEdit().returnPressed.connect(self.save_headcount)
        self.headcount_label = QLabel(self.tr("Head&count:"))
        self.headcount_label.setBuddy(self.headcount)
        self.headcount_label.setToolTip(self.tr("People counted at the door, named or not"))
        self.headcount_button = QPushButton(self.tr("&Save"))
        self.headcount_button.setAccessibleName(self.tr("Save the headcount"))
        self.headcount_button.clicked.connect(self.save_headcount)
        under = QHBoxLayout()
        under.addWidget(self.remove_button)
        under.addStretch(1)
        under.addWidget(self.headcount_label)
        under.addWidget(self.headcount)
        under.addWidget(self.headcount_button)

        att = QVBoxLayout(self.attendance_box)
        att.addLayout(check_row)
        att.addWidget(self.cancelled_note)
        att.addWidget(self.feedback)
        att.addWidget(self.walk_in_box)
        att.addWidget(self.attendance_count)
        att.addWidget(self.attendees, 1)
        att.addLayout(under)

        # ------------------------------------------------------------ pledges
        self.pledges_box = QGroupBox(self.tr("Pledges collected here"))
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setAccessibleName(self.tr("Progress toward the event's pledge goal"))
        self.progress_label = QLabel()
        self.progress_label.setAccessibleName(self.tr("Pledges against the goal"))
        big = self.progress_label.font()
        big.setBold(True)
        big.setPointSizeF(big.pointSizeF() * 1.1)
        self.progress_label.setFont(big)
        self.pledges_model: RowsTableModel = RowsTableModel(self._pledge_columns(), lambda p: p.id, self)
        self.pledges = _table(self.tr("Pledges collected at this event"))
        self.pledges.setModel(self.pledges_model)
        self.pledges.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        _name_stretches(self.pledges)
        self.pledges_note = QLabel()
        self.pledges_note.setWordWrap(True)
        self.pledges_note.hide()
        self.pledge_feedback = QLabel()
        self.pledge_feedback.setWordWrap(True)
        self.pledge_feedback.setAccessibleName(self.tr("Pledge result"))
        self.pledge_feedback.hide()
        self.record_button = QPushButton(self.tr("Record a &pledge…"))
        self.record_button.setToolTip(self.tr("Type in the pledge of an attendee, e.g. from a paper sheet"))
        self.record_button.clicked.connect(self.record_pledge)
        pl = QVBoxLayout(self.pledges_box)
        pl.addWidget(self.progress_label)
        pl.addWidget(self.progress_bar)
        pl.addWidget(self.pledges, 1)
        pl.addWidget(self.pledges_note)
        pl.addWidget(self.pledge_feedback)
        record_row = QHBoxLayout()
        record_row.addStretch(1)
        record_row.addWidget(self.record_button)
        pl.addLayout(record_row)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.attendance_box)
        self.splitter.addWidget(self.pledges_box)
        self.splitter.setStretchFactor(0, 11)
        self.splitter.setStretchFactor(1, 9)
        self.splitter.setChildrenCollapsible(False)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        # Names and titles are shown as typed, never read as HTML.
        for label in (self.title, self.when, self.about, self.feedback, self.walk_message,
                      self.pledge_feedback, self.attendance_count, self.progress_label,
                      self.status_chip, self.pledges_note, self.cancelled_note):
            label.setTextFormat(Qt.TextFormat.PlainText)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 10)
        layout.addLayout(header)
        layout.addWidget(line)
        layout.addWidget(self.splitter, 1)

        for keys in (QKeySequence(Qt.Key.Key_Escape), QKeySequence(Qt.Key.Key_Backspace)):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.back_requested)

        QWidget.setTabOrder(self.back_button, self.kiosk_button)
        QWidget.setTabOrder(self.kiosk_button, self.edit_button)
        QWidget.setTabOrder(self.edit_button, self.delete_button)
        QWidget.setTabOrder(self.delete_button, self.picker)
        QWidget.setTabOrder(self.picker, self.check_in_button)
        QWidget.setTabOrder(self.check_in_button, self.walk_given.edit)
        QWidget.setTabOrder(self.walk_given.edit, self.walk_family.edit)
        QWidget.setTabOrder(self.walk_family.edit, self.walk_email.edit)
        QWidget.setTabOrder(self.walk_email.edit, self.walk_student_id.edit)
        QWidget.setTabOrder(self.walk_student_id.edit, self.walk_in_button)
        QWidget.setTabOrder(self.walk_in_button, self.attendees)
        QWidget.setTabOrder(self.attendees, self.remove_button)
        QWidget.setTabOrder(self.remove_button, self.headcount)
        QWidget.setTabOrder(self.headcount, self.headcount_button)
        QWidget.setTabOrder(self.headcount_button, self.pledges)
        QWidget.setTabOrder(self.pledges, self.record_button)

    # ------------------------------------------------------------------ columns
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.view.timezone) if self.view is not None else ZoneInfo("UTC")

    def _local(self, moment: dt.datetime) -> str:
        """The time in the event's zone; the date too unless it is the event's first day."""
        local = moment.astimezone(self._zone())
        if self.view is not None and local.date() == self.view.local_starts_at.date():
            return fmt_time(local)
        return fmt_datetime(local)

    def _full(self, moment: dt.datetime) -> str:
        local = moment.astimezone(self._zone())
        return f"{fmt_datetime(local)} ({self._zone().key}, {zone_abbreviation(local)})"

    def _attendee_columns(self) -> list[Column]:
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return [
            Column("name", self.tr("Name"), lambda a: a.display_name,
                   sort_value=lambda a: a.display_name.casefold()),
            Column("checked_in_at", self.tr("Checked in"), lambda a: self._local(a.checked_in_at),
                   align=right, sort_value=lambda a: a.checked_in_at,
                   tooltip=lambda a: self._full(a.checked_in_at)),
            Column("source", self.tr("How"), lambda a: a.source.label),
        ]

    def _pledge_columns(self) -> list[Column]:
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return [
            Column("name", self.tr("Name"), lambda p: p.display_name,
                   sort_value=lambda p: p.display_name.casefold()),
            Column("signed_at", self.tr("Signed"), lambda p: self._local(p.signed_at),
                   align=right, sort_value=lambda p: p.signed_at, tooltip=lambda p: self._full(p.signed_at)),
            Column("source", self.tr("How"), lambda p: p.source.label),
        ]

    # ------------------------------------------------------------------ loading
    def load(self, event_id: int) -> None:
        """Show event ``event_id`` (clears what was typed for another event)."""
        if event_id != self.event_id:
            self.event_id = event_id
            self._headcount_shown = None
            self.picker.reset()
            for field in self.walk_fields.values():
                field.edit.clear()
                field.show_message("")
            self.walk_message.hide()
            self.feedback.hide()
            self.pledge_feedback.hide()
        self.reload()

    def reload(self) -> None:
        """Read the event again (raises NotFound when it was deleted)."""
        from chapter_manager.services.events import event_progress, get_event, list_attendance
        from chapter_manager.services.pledges import list_pledges

        if self.event_id is None:
            return
        view = get_event(self.ctx.db, self.event_id)
        self.progress = event_progress(self.ctx.db, view.id)
        self._attendees = list_attendance(self.ctx.db, view.id)
        pledges = list_pledges(self.ctx.db, view.chapter_id, event_id=view.id, limit=PLEDGE_ROWS)
        # The same event read again (a change here or elsewhere): keep what is selected,
        # where the lists are scrolled and a headcount being typed.
        kept = [(table, save_view(table)) for table in (self.attendees, self.pledges)
                if table.model().rowCount()]
        self._show_event(view, keep_typed=True)
        self._show_attendees()
        self.pledges_model.set_rows(pledges)
        fit_columns(self.pledges, self.pledges_model)
        for table, state in kept:
            restore_view(table, state)
        self._show_progress()
        total = self.progress.pledges
        self.pledges_note.setVisible(total > len(pledges))
        self.pledges_note.setText(self.tr("The newest {shown} of {total} pledges are listed.").format(
            shown=fmt_int(len(pledges)), total=fmt_int(total)))

    def _refresh_event(self) -> None:
        """Read the event's own row again (counts, headcount): cheap, after a check-in."""
        from chapter_manager.services.events import get_event

        if self.event_id is not None:
            self._show_event(get_event(self.ctx.db, self.event_id), keep_typed=True)

    def _show_event(self, view, *, keep_typed: bool = False) -> None:  # type: ignore[no-untyped-def]
        """Show the event's row; ``keep_typed``: leave a headcount typed and not saved yet."""
        self.view = view
        self._show_header(view)
        self.attendance_count.setText(self._attendance_text(view))
        typed = (keep_typed and self._headcount_shown is not None
                 and self.headcount.value() != self._headcount_shown)
        if not typed:
            self.headcount.setValue(view.headcount or 0)
        self._headcount_shown = view.headcount or 0

    def _show_attendees(self, select: int | None = None) -> None:
        self.attendees_model.set_rows(self._attendees)
        fit_columns(self.attendees, self.attendees_model)
        self.record_button.setEnabled(bool(self._attendees))
        self.record_button.setToolTip(
            self.tr("Type in the pledge of an attendee, e.g. from a paper sheet") if self._attendees
            else self.tr("Check someone in first: pledges here are recorded for attendees."))
        if select is not None:
            row = self.attendees_model.row_of(select)
            if row is not None:
                self.attendees.selectRow(row)
                self.attendees.scrollTo(self.attendees_model.index(row, 0))
        self._attendee_selection()

    def _notify(self, *kinds: str) -> None:
        """Tell the other screens; the Events screen knows this page is already up to date."""
        self.notifying = True
        try:
            for kind in kinds:
                self.ctx.changed(kind)
        finally:
            self.notifying = False

    def _attendance_text(self, view) -> str:  # type: ignore[no-untyped-def]
        named = self.tr("%n checked in by name", "", view.attendance_count)
        if view.headcount is not None:
            return self.tr("{named}; {count} counted at the door").format(named=named, count=fmt_int(view.headcount))
        return named

    def _show_header(self, view) -> None:  # type: ignore[no-untyped-def]
        self.title.setText(view.title)
        self.status_chip.setText(view.status.label)
        self.when.setText(when_text(view.local_starts_at, view.local_ends_at, view.timezone))
        places = []
        if view.venue:
            places.append(html.escape(view.venue))
        if view.online_url:
            url = html.escape(view.online_url, quote=True)
            places.append(self.tr("online at {link}").format(link=f'<a href="{url}">{url}</a>'))
        self.where.setText(" · ".join(places) if places else html.escape(self.tr("No place set yet.")))
        facts = [view.kind.label]
        if view.focus_area is not None:
            facts.append(view.focus_area.label)
        if view.partners:
            facts.append(self.tr("with {partners}").format(partners=", ".join(view.partners)))
        if view.capacity:
            facts.append(self.tr("room for {n}").format(n=fmt_int(view.capacity)))
        text = " · ".join(facts)
        if view.description:
            short = " ".join(view.description.split())
            text += "\n" + (short[:277] + "…" if len(short) > 280 else short)
        self.about.setText(text)
        self.about.setToolTip(view.description)
        cancelled = view.status.value == "cancelled"
        self.cancelled_note.setVisible(cancelled)
        for widget in (self.picker, self.check_in_button, self.walk_in_box, self.kiosk_button):
            widget.setEnabled(not cancelled)

    def _show_progress(self) -> None:
        p = self.progress
        self.progress_label.setText(progress_text(p.pledges, p.goal, p.percent))
        if p.goal:
            self.progress_bar.setRange(0, p.goal)
            self.progress_bar.setValue(min(p.pledges, p.goal))
            self.progress_bar.show()
            if p.reached:
                self.progress_bar.setToolTip(self.tr("Goal reached."))
            else:
                self.progress_bar.setToolTip(self.tr("%n more to reach the goal.", "", p.remaining or 0))
        else:
            self.progress_bar.hide()

    # ------------------------------------------------------------------ kiosk
    @Slot()
    def start_kiosk(self):  # type: ignore[no-untyped-def]
        """Open the sign-up kiosk for this event; the main window hides until it is left."""
        from ui.kiosk.launch import start_kiosk

        if self.event_id is None or not self.kiosk_button.isEnabled():
            return None

        def back() -> None:
            try:
                self.reload()
            except NotFound:
                self.back_requested.emit()
            self._notify("people", "pledges", "events")

        try:
            return start_kiosk(self.ctx.db, self.event_id, hide=self.window(), on_left=back,
                               **self.kiosk_options)
        except ChapterError as error:
            from ui.frame.errors import show_error

            show_error(self, error, self.tr("Could not start the kiosk"))
            return None

    # ------------------------------------------------------------------ check-in
    def focus_check_in(self) -> None:
        self.picker.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.picker.selectAll()

    @Slot()
    def _picker_enter(self) -> None:
        # The picker takes a highlighted suggestion, or the only one; with several and none
        # highlighted, Enter takes the best (first) one: a few keystrokes per person.
        if self.picker.chosen_id is not None or self._just_checked is not None:
            return
        if not self.picker.choose_first() and self.picker.text().strip():
            self._say(self.tr("Nobody matches “{text}”. Add them as a walk-in below.").format(
                text=self.picker.text().strip()), error=True)

    @Slot()
    def _check_in_clicked(self) -> None:
        if self.picker.chosen_id is not None:
            self._person_chosen(self.picker.chosen_id, self.picker.text())
        else:
            self._picker_enter()
        self.picker.setFocus()

    @Slot(int, str)
    def _person_chosen(self, person_id: int, name: str) -> None:
        if person_id == self._just_checked:
            return  # the completer's popup repeats the choice it just handed over
        self._just_checked = person_id
        self.check_in_person(person_id, name)
        # Cleared on the next turn of the event loop: the popup still holds its index now.
        QTimer.singleShot(0, self._ready_for_next)

    @Slot()
    def _ready_for_next(self) -> None:
        self._just_checked = None
        self.picker.reset()
        self.picker.setFocus(Qt.FocusReason.OtherFocusReason)

    def check_in_person(self, person_id: int, name: str) -> bool:
        """Check ``person_id`` in; says what happened next to the field.  True when new."""
        from chapter_manager.services.events import check_in, remove_attendance

        if self.event_id is None:
            return False
        event_id = self.event_id
        try:
            db = self.ctx.db
            attendance, new = tasks.write_and_wait(self, lambda: check_in(db, event_id, person_id))
        except ValidationError as error:
            self._say(" ".join(error.fields.values()), error=True)
            return False
        except ChapterError as error:
            self._say(str(error), error=True)
            return False
        name = attendance.display_name
        if new:
            self._say(self.tr("✓ {name} checked in at {time}.").format(
                name=name, time=fmt_time(attendance.checked_in_at.astimezone(self._zone()))))
            ctx = self.ctx
            db = ctx.db
            ctx.push_undo(self.tr("check-in of {name}").format(name=name),
                          lambda: remove_attendance(db, event_id, person_id), lambda _r: ctx.changed("events"))
            self.ctx.status_message.emit(self.tr("{name} checked in.").format(name=name))
        else:
            self._say(self.tr("{name} was already checked in (at {time}).").format(
                name=name, time=fmt_time(attendance.checked_in_at.astimezone(self._zone()))))
        if new:
            self._attendees.append(attendance)
            self._after_attendance_change(select=person_id)
        elif any(a.person_id == person_id for a in self._attendees):
            self._show_attendees(select=person_id)
        else:  # checked in elsewhere meanwhile (the kiosk, another window)
            self._after_attendance_change(select=person_id, full=True)
        return new

    def _say(self, text: str, *, error: bool = False) -> None:
        self.feedback.setText(text)
        self.feedback.setStyleSheet(ERROR_STYLE if error else "")
        self.feedback.show()

    def _after_attendance_change(self, select: int | None = None, full: bool = False) -> None:
        try:
            if full:
                self.reload()
            else:
                self._refresh_event()
        except NotFound:
            self.back_requested.emit()
            return
        self._show_attendees(select)
        self._notify("events")

    # ------------------------------------------------------------------ walk-in
    @Slot()
    def add_walk_in(self) -> bool:
        """Add the person typed in the walk-in form to the chapter and check them in."""
        from chapter_manager.services.people import PersonData, create_person

        if self.event_id is None or not self.walk_in_box.isEnabled():
            return False
        for field in self.walk_fields.values():
            field.show_message("")
        self.walk_message.hide()
        data = PersonData(
            given_names=self.walk_given.edit.text(),
            family_names=self.walk_family.edit.text(),
            email=self.walk_email.edit.text() or None,
            student_id=self.walk_student_id.edit.text() or None,
        )
        if not (data.given_names.strip() or data.family_names.strip()):
            self.walk_given.show_message(self.tr("Type at least a given or a family name."))
            self.walk_given.edit.setFocus()
            return False
        try:
            db, chapter_id = self.ctx.db, self.ctx.require_chapter()
            person = tasks.write_and_wait(self, lambda: create_person(db, chapter_id, data))
        except DuplicateError as error:
            # They are in the chapter already (same email or student id): check them in.
            self.walk_message.setText(str(error) + " " + self.tr("They were checked in as they are."))
            self.walk_message.setStyleSheet("")
            self.walk_message.show()
            self.check_in_person(error.existing_id, "")
            self._clear_walk_in()
            return True
        except ValidationError as error:
            first = None
            for name, text in error.fields.items():
                field = self.walk_fields.get(name)
                if field is None:
                    self.walk_message.setText(text)
                    self.walk_message.setStyleSheet(ERROR_STYLE)
                    self.walk_message.show()
                    continue
                field.show_message(text)
                first = first or field
            if first is not None:
                first.edit.setFocus()
            return False
        except ChapterError as error:
            self.walk_message.setText(str(error))
            self.walk_message.setStyleSheet(ERROR_STYLE)
            self.walk_message.show()
            return False
        self._notify("people")
        self.check_in_person(person.id, person.display_name)
        self._clear_walk_in()
        return True

    def _clear_walk_in(self) -> None:
        for field in self.walk_fields.values():
            field.edit.clear()
        self.walk_given.edit.setFocus()

    # ------------------------------------------------------------------ attendees
    def selected_attendees(self) -> list:
        rows = sorted({i.row() for i in self.attendees.selectionModel().selectedRows()})
        return [a for a in (self.attendees_model.row_at(r) for r in rows) if a is not None]

    @Slot()
    def _attendee_selection(self) -> None:
        self.remove_button.setEnabled(bool(self.selected_attendees()))

    @Slot()
    def remove_selected_attendees(self) -> int:
        """Undo the check-in of the selected attendees (Ctrl+Z puts them back)."""
        from chapter_manager.services.events import check_in, remove_attendance

        chosen = self.selected_attendees()
        if not chosen or self.event_id is None:
            return 0
        event_id = self.event_id
        try:
            db = self.ctx.db

            def remove() -> None:
                for attendee in chosen:
                    remove_attendance(db, event_id, attendee.person_id)

            tasks.write_and_wait(self, remove)
        except ChapterError as error:
            self._say(str(error), error=True)
            return 0
        ctx = self.ctx
        db = ctx.db

        def undo() -> None:  # a job on a worker thread
            for a in chosen:
                check_in(db, event_id, a.person_id, source=a.source, at=a.checked_in_at)

        if len(chosen) == 1:
            text = self.tr("removal of {name}'s check-in").format(name=chosen[0].display_name)
            said = self.tr("{name} is no longer checked in. Undo with Ctrl+Z.").format(name=chosen[0].display_name)
        else:
            text = self.tr("removal of %n check-in(s)", "", len(chosen))
            said = self.tr("%n people are no longer checked in. Undo with Ctrl+Z.", "", len(chosen))
        ctx.push_undo(text, undo, lambda _r: ctx.changed("events"))
        self._say(said)
        ctx.status_message.emit(said)
        gone = {a.person_id for a in chosen}
        self._attendees = [a for a in self._attendees if a.person_id not in gone]
        self._after_attendance_change()
        return len(chosen)

    @Slot()
    def save_headcount(self) -> bool:
        from chapter_manager.services.events import set_headcount

        if self.event_id is None:
            return False
        value = self.headcount.value() or None
        try:
            db, event_id = self.ctx.db, self.event_id
            view = tasks.write_and_wait(self, lambda: set_headcount(db, event_id, value))
        except ChapterError as error:
            self._say(str(error), error=True)
            return False
        if view.headcount is None:
            said = self.tr("Headcount cleared.")
        else:
            said = self.tr("Headcount saved: {n}.").format(n=fmt_int(view.headcount))
        self.ctx.status_message.emit(said)
        self._say(said)
        self._show_event(view)
        self._notify("events")
        return True

    # ------------------------------------------------------------------ pledges
    def run_dialog(self, dialog: QDialog) -> bool:
        """Show ``dialog`` modally (tests replace this to fill and save it instead)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    @Slot()
    def record_pledge(self) -> bool:
        if self.view is None:
            return False
        if not self._attendees:
            self.pledge_feedback.setText(self.tr("Check someone in first: pledges here are recorded for attendees."))
            self.pledge_feedback.show()
            return False
        chosen = self.selected_attendees()
        dialog = RecordPledgeDialog(self.ctx, self.view, self._attendees,
                                    chosen[0].person_id if chosen else None, self)
        if not self.run_dialog(dialog) or dialog.outcome is None:
            return False
        outcome = dialog.outcome
        if outcome.new_pledge:
            said = self.tr("Pledge of {name} recorded.").format(name=dialog.person_name)
        else:
            said = self.tr("{name} had already pledged (a person pledges once), so nothing new was recorded.").format(
                name=dialog.person_name)
        self.pledge_feedback.setText(said)
        self.pledge_feedback.show()
        self.ctx.status_message.emit(said)
        try:
            self.reload()
        except NotFound:
            self.back_requested.emit()
        self._notify("pledges", "events")
        return bool(outcome.new_pledge)

    # ------------------------------------------------------------------ keys
    def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QEvent

        if watched is self.attendees and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Delete:
            self.remove_selected_attendees()
            return True
        return super().eventFilter(watched, event)


__all__ = ["EventDetail", "RecordPledgeDialog", "progress_text", "when_text", "zone_abbreviation"]
