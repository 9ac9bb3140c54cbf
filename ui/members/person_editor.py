"""The person editor: who someone is, how to reach them, their membership and officer terms.

``PersonDialog`` works without ``exec()``: the Members screen opens it with ``open()``
(window-modal) and tests fill its widgets and call ``save()``.  ``save()`` keeps the
dialog open and shows each problem under its field; a duplicate email or student id
offers a button that opens the person who already has it (the dialog then finishes with
``PersonDialog.OPEN_EXISTING`` and ``open_existing_id`` set).

Officer terms are changed at once, each by its own service call (``services.members``):
the "Officer terms" tab is a history of the person's roles, ended ones included.  For a
new person, "Add term…" first saves what the Details tab holds (as Save does, but the
dialog stays open); if that shows problems, no term dialog opens.

The "Consent" tab shows the person's consent now and every statement they made
(``services.consent.history``: given or withdrawn, when in the chapter's time zone, on
which laptop, at which event, with which notice); "Withdraw consent…" asks which one and
records the withdrawal at once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QDate, QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ChapterError, DuplicateError, ValidationError
from chapter_manager.models import (
    GENDER_PREFER_NOT_TO_SAY,
    Affiliation,
    ConsentPurpose,
    MembershipStatus,
    OfficerRole,
)
from chapter_manager.services import consent, members, people
from chapter_manager.services.members import OfficerTermData, OfficerTermView
from chapter_manager.services.people import PersonData, PersonView
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.frame.errors import show_error
from ui.widgets.conflict_dialog import VersionGuard
from ui.widgets.forms import (
    EnumCombo,
    FieldForm,
    OptionalDateEdit,
    fmt_date,
    fmt_datetime,
    from_qdate,
    to_qdate,
)
from ui.widgets.tablemodel import Column, RowsTableModel

NOTES_HEIGHT = 72


def _optional(text: str) -> str | None:
    text = text.strip()
    return text or None


def _list_view(owner: QWidget, model: QAbstractItemModel, name: str, *, stretch: int) -> QTableView:
    """A read-only table of whole rows in a tab of the editor: columns fit their contents
    but ``stretch``, which takes the rest of the width."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(owner.fontMetrics().height() + 8)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    for column in range(model.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


class TermDialog(QDialog):
    """Add or change one officer term of a person."""

    def __init__(self, ctx: AppContext, person_id: int, term: OfficerTermView | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.person_id = person_id
        self.term = term
        self.saved: OfficerTermView | None = None
        self.setWindowTitle(self.tr("Officer term") if term is None else self.tr("Change officer term"))
        self.setAccessibleName(self.windowTitle())

        self.form = FieldForm()
        self.role = EnumCombo(OfficerRole)
        self.form.add("role", self.tr("&Role:"), self.role)
        self.custom_title = QLineEdit()
        self.custom_title.setPlaceholderText(self.tr("For example: Outreach coordinator"))
        self.form.add("custom_title", self.tr("&Title:"), self.custom_title,
                      self.tr("Only for “Other”: the role's name as the chapter uses it."))
        self.starts_on = QDateEdit()
        self.starts_on.setCalendarPopup(True)
        self.starts_on.setDate(QDate.currentDate())
        self.form.add("starts_on", self.tr("&From:"), self.starts_on)
        self.ends_on = OptionalDateEdit(self.tr("&Ended"))
        self.form.add("ends_on", self.tr("&Until:"), self.ends_on,
                      self.tr("Leave unticked while the term is running."))
        self.role.currentIndexChanged.connect(self._role_changed)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.guard = VersionGuard(ctx, self, self.tr(
            "This officer term was changed elsewhere since you opened this form; saving will "
            "let you compare."))
        layout = QVBoxLayout(self)
        layout.addWidget(self.guard.banner)
        layout.addWidget(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        if term is not None:
            self.guard.track("term", "officer_terms", term.id, term.version, members.term_data(term))
            self.role.set_value(term.role)
            self.custom_title.setText(term.custom_title)
            self.starts_on.setDate(to_qdate(term.starts_on))
            self.ends_on.set_value(term.ends_on)
        self._role_changed()
        self.resize(460, self.sizeHint().height())

    @Slot()
    def _role_changed(self) -> None:
        custom = self.role.value() is OfficerRole.CUSTOM
        self.custom_title.setEnabled(custom)

    def data(self) -> OfficerTermData:
        role = self.role.value()
        return OfficerTermData(
            person_id=self.person_id,
            role=role,
            starts_on=from_qdate(self.starts_on.date()),
            ends_on=self.ends_on.value(),
            custom_title=self.custom_title.text() if role is OfficerRole.CUSTOM else "",
        )

    @Slot()
    def save(self) -> bool:
        self.form.clear_errors()
        data = self.data()
        try:
            if self.term is None:
                db, person_id = self.ctx.db, self.person_id
                self.saved = tasks.write_and_wait(self, lambda: members.add_officer_term(
                    db, person_id, data.role, data.starts_on,  # type: ignore[arg-type]
                    data.ends_on, data.custom_title,
                ))
            else:
                db, term_id = self.ctx.db, self.term.id
                self.saved = self.guard.save(
                    "term", lambda d, e: members.update_officer_term(db, term_id, d, e), data,
                    members.term_data)
                if self.saved is None:
                    return False  # the comparison was cancelled: the form stays as typed
        except ValidationError as error:
            self.form.show_errors(error)
            return False
        except ChapterError as error:
            show_error(self, error, self.tr("Could not save the term"))
            return False
        self.accept()
        return True


class TermsPanel(QWidget):
    """Every officer term of one person, newest first, with Add / End today / Edit / Remove."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.person_id: int | None = None
        self.term_dialog: TermDialog | None = None
        # For a new person: saves them and returns their id, or None when there were problems.
        self.save_person: Callable[[], int | None] | None = None

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.model: RowsTableModel[OfficerTermView] = RowsTableModel(
            [
                Column("role", self.tr("Role"), lambda t: t.title),
                Column("from", self.tr("From"), lambda t: fmt_date(t.starts_on),
                       sort_value=lambda t: t.starts_on),
                Column("until", self.tr("Until"), self._until_text,
                       sort_value=lambda t: t.ends_on or dt.date.max),
            ],
            id_of=lambda t: t.id,
            parent=self,
        )
        self.table = _list_view(self, self.model, self.tr("Officer terms"), stretch=0)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.table.activated.connect(self.edit_term)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.add_button = QPushButton(self.tr("&Add term…"))
        self.end_button = QPushButton(self.tr("End to&day"))
        self.end_button.setToolTip(self.tr("Record that the selected term ended today."))
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.remove_button = QPushButton(self.tr("&Remove…"))
        self.remove_button.setToolTip(self.tr("Remove a term entered by mistake (to record that a term "
                                              "is over, use End today)."))
        self.add_button.clicked.connect(self.add_term)
        self.end_button.clicked.connect(self.end_today)
        self.edit_button.clicked.connect(self.edit_term)
        self.remove_button.clicked.connect(self.remove_term)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.end_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.set_person(None)

    def _until_text(self, term: OfficerTermView) -> str:
        if term.ends_on is None:
            return self.tr("still in office")
        return fmt_date(term.ends_on)

    # ------------------------------------------------------------------ data
    def set_person(self, person_id: int | None) -> None:
        self.person_id = person_id
        if person_id is None:
            self.note.setText(self.tr("Record here the roles this person holds in the chapter. "
                                      "Adding a term saves the person first."))
        else:
            self.note.setText(self.tr("Every role this person has held in the chapter. Changes here are "
                                      "saved at once."))
        self.reload()

    def reload(self) -> None:
        if self.person_id is None or self.ctx.chapter_id is None:
            self.model.set_rows([])
        else:
            terms = members.list_officer_terms(self.ctx.db, self.ctx.chapter_id)
            self.model.set_rows([t for t in terms if t.person_id == self.person_id])
        self.table.setCurrentIndex(QModelIndex())  # nothing chosen until the user picks a term
        self._update_buttons()

    def terms(self) -> list[OfficerTermView]:
        return self.model.rows()

    def selected(self) -> OfficerTermView | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            current = self.table.currentIndex()
            return self.model.row_at(current.row()) if current.isValid() else None
        return self.model.row_at(rows[0].row())

    def select_term(self, term_id: int) -> None:
        row = self.model.row_of(term_id)
        if row is not None:
            self.table.selectRow(row)

    @Slot()
    def _update_buttons(self) -> None:
        have_person = self.person_id is not None
        term = self.selected()
        self.add_button.setEnabled(have_person or self.save_person is not None)
        self.edit_button.setEnabled(term is not None)
        self.remove_button.setEnabled(term is not None)
        self.end_button.setEnabled(term is not None and term.ends_on is None)
        self.table.setEnabled(have_person)

    def _changed(self, select_id: int | None = None) -> None:
        self.reload()
        if select_id is not None:
            self.select_term(select_id)
        self.ctx.changed("people")
        self.changed.emit()

    # ------------------------------------------------------------------ actions
    def confirm(self, title: str, text: str) -> bool:
        """Ask before removing (tests replace this)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _open_dialog(self, term: OfficerTermView | None) -> TermDialog | None:
        if self.person_id is None:
            return None
        dialog = TermDialog(self.ctx, self.person_id, term, self)
        self.term_dialog = dialog
        dialog.finished.connect(self._dialog_finished)
        dialog.open()
        return dialog

    @Slot()
    def add_term(self) -> TermDialog | None:
        if self.person_id is None:
            person_id = self.save_person() if self.save_person is not None else None
            if person_id is None:
                return None  # not saved: the problems are shown where they are
            self.set_person(person_id)
        return self._open_dialog(None)

    @Slot()
    def edit_term(self) -> TermDialog | None:
        term = self.selected()
        return self._open_dialog(term) if term is not None else None

    @Slot(int)
    def _dialog_finished(self, result: int) -> None:
        dialog = self.term_dialog
        self.term_dialog = None
        if dialog is None:
            return
        if result == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self._changed(dialog.saved.id)
        dialog.deleteLater()
        self.table.setFocus()

    @Slot()
    def end_today(self) -> None:
        term = self.selected()
        if term is None or term.ends_on is not None:
            return
        try:
            db, term_id = self.ctx.db, term.id
            ended = tasks.write_and_wait(self, lambda: members.end_officer_term(db, term_id))
        except ChapterError as error:
            show_error(self, error, self.tr("Could not end the term"))
            return
        self._changed(ended.id)

    @Slot()
    def remove_term(self) -> None:
        term = self.selected()
        if term is None:
            return
        text = self.tr("Remove the term “{role}” from {start}? Remove only a term entered by mistake; "
                       "to record that it is over, use End today.").format(
            role=term.title, start=fmt_date(term.starts_on))
        if not self.confirm(self.tr("Remove officer term"), text):
            return
        try:
            db, term_id = self.ctx.db, term.id
            tasks.write_and_wait(self, lambda: members.delete_officer_term(db, term_id))
        except ChapterError as error:
            show_error(self, error, self.tr("Could not remove the term"))
            return
        self._changed()


class WithdrawConsentDialog(QDialog):
    """Which consent the person withdraws, and a last word before it is recorded."""

    def __init__(self, history: consent.ConsentHistory, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Withdraw consent"))
        self.setAccessibleName(self.windowTitle())
        intro = QLabel(self.tr("Which consent does the person withdraw? It is recorded now, on this "
                               "laptop; what they said before stays in the history."))
        intro.setWordWrap(True)
        self.contact = QRadioButton(self.tr("To be &contacted by the chapter"))
        self.publish = QRadioButton(self.tr("To have their name &published"))
        self.contact.setAccessibleName(self.tr("Withdraw consent to be contacted"))
        self.publish.setAccessibleName(self.tr("Withdraw consent to publish their name"))
        for box, given in ((self.contact, history.may_contact), (self.publish, history.may_publish_name)):
            if not given:
                box.setText(box.text() + " " + self.tr("(not given now)"))
        (self.contact if history.may_contact or not history.may_publish_name else self.publish).setChecked(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.withdraw_button = self.buttons.addButton(self.tr("&Withdraw consent"),
                                                      QDialogButtonBox.ButtonRole.AcceptRole)
        self.withdraw_button.setAccessibleName(self.tr("Withdraw consent"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.contact)
        layout.addWidget(self.publish)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(440, self.sizeHint().height())

    def purpose(self) -> ConsentPurpose:
        return ConsentPurpose.CONTACT if self.contact.isChecked() else ConsentPurpose.PUBLISH


class ConsentPanel(QWidget):
    """The person's consents now, every statement they made (newest first), and withdrawing."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.person_id: int | None = None
        self.history: consent.ConsentHistory | None = None
        self.withdraw_dialog: WithdrawConsentDialog | None = None
        self._zone: dt.tzinfo = dt.UTC

        self.now = QLabel()
        self.now.setWordWrap(True)
        self.now.setAccessibleName(self.tr("Consent now"))
        self.model: RowsTableModel[consent.ConsentEntry] = RowsTableModel(
            [
                Column("purpose", self.tr("Consent"), lambda e: e.purpose.label),
                Column("given", self.tr("Statement"),
                       lambda e: self.tr("Given") if e.given else self.tr("Withdrawn")),
                Column("when", self.tr("When"), lambda e: fmt_datetime(e.stated_at.astimezone(self._zone)),
                       sort_value=lambda e: e.stated_at),
                Column("laptop", self.tr("Laptop"), self._laptop_text),
                Column("event", self.tr("Event"), lambda e: e.event_title),
                Column("notice", self.tr("Notice version"), lambda e: e.notice_version),
            ],
            id_of=lambda e: e.uuid.int,
            parent=self,
        )
        self.table = _list_view(self, self.model, self.tr("Consent history"), stretch=4)
        self.withdraw_button = QPushButton(self.tr("&Withdraw consent…"))
        self.withdraw_button.setToolTip(self.tr("Record that the person withdraws a consent they gave."))
        self.withdraw_button.clicked.connect(self.withdraw)
        buttons = QHBoxLayout()
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.now)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.set_person(None)

    def _laptop_text(self, entry: consent.ConsentEntry) -> str:
        if entry.this_laptop:
            return self.tr("this laptop")
        return entry.laptop or self.tr("another laptop")

    def set_person(self, person_id: int | None) -> None:
        self.person_id = person_id
        self.reload()

    def reload(self) -> None:
        if self.person_id is None:
            self.history = None
            self.model.set_rows([])
            self.now.setText(self.tr("Consent is given by ticking its box at a sign-up; a box left "
                                     "unticked says nothing. Save the person to see their history."))
            self.withdraw_button.setEnabled(False)
            return
        try:
            self.history = consent.history(self.ctx.db, self.person_id)
        except ChapterError as error:
            show_error(self, error, self.tr("Could not read the consent history"))
            return
        try:
            self._zone = zoneinfo.ZoneInfo(self.history.chapter_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self._zone = dt.UTC
        yes, no = self.tr("yes"), self.tr("no")
        self.now.setText(self.tr("Consent now: to be contacted: {contact}; name published: {publish}. "
                                 "Each is the person's latest statement (times in the chapter's "
                                 "time zone, {zone}).").format(
            contact=yes if self.history.may_contact else no,
            publish=yes if self.history.may_publish_name else no, zone=self.history.chapter_timezone))
        self.model.set_rows(self.history.entries)
        self.withdraw_button.setEnabled(True)

    @Slot()
    def withdraw(self) -> WithdrawConsentDialog | None:
        if self.person_id is None or self.history is None:
            return None
        dialog = WithdrawConsentDialog(self.history, self)
        self.withdraw_dialog = dialog
        dialog.finished.connect(self._withdraw_finished)
        dialog.open()
        return dialog

    @Slot(int)
    def _withdraw_finished(self, result: int) -> None:
        dialog = self.withdraw_dialog
        self.withdraw_dialog = None
        if dialog is None or self.person_id is None:
            return
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return
        try:
            consent.withdraw(self.ctx.db, self.person_id, dialog.purpose())
        except ChapterError as error:
            show_error(self, error, self.tr("Could not record the withdrawal"))
            return
        self.reload()
        self.ctx.changed("pledges")
        self.changed.emit()


class PersonDialog(QDialog):
    """Create or change a person, their membership and their officer terms."""

    OPEN_EXISTING = 2

    def __init__(self, ctx: AppContext, person_id: int | None = None, parent: QWidget | None = None,
                 *, default_status: MembershipStatus | None = MembershipStatus.ACTIVE):
        super().__init__(parent)
        self.ctx = ctx
        self.person_id = person_id
        self.open_existing_id: int | None = None
        self.saved_name = ""
        self._saving = False
        self._duplicate_id: int | None = None
        self._loaded_membership: tuple[MembershipStatus | None, dt.date | None] = (None, None)
        self.setWindowTitle(self.tr("New person") if person_id is None else self.tr("Person"))
        self.setAccessibleName(self.windowTitle())

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Person"))
        self.tabs.addTab(self._build_details(), self.tr("&Details"))
        self.terms = TermsPanel(ctx)
        self.terms.save_person = self._save_for_terms
        self.tabs.addTab(self.terms, self.tr("&Officer terms"))
        self.consent = ConsentPanel(ctx)
        self.tabs.addTab(self.consent, self.tr("&Consent"))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.open_existing_button = QPushButton()
        self.open_existing_button.setAccessibleName(self.tr("Open the person who already has this"))
        self.buttons.addButton(self.open_existing_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_existing_button.hide()  # after addButton, which shows it
        self.open_existing_button.clicked.connect(self.open_existing)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        self.guard = VersionGuard(ctx, self, self.tr(
            "This person was changed elsewhere since you opened this form; saving will let "
            "you compare."))
        layout = QVBoxLayout(self)
        layout.addWidget(self.guard.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)

        if person_id is not None:
            self.load(person_id)
        else:
            self.status.set_value(default_status)
            self.joined_on.set_value(dt.date.today() if default_status is not None else None)
            self.terms.set_person(None)
        self._status_changed()
        self.resize(900, 540)
        self.given_names.setFocus()

    # ------------------------------------------------------------------ building
    def _build_details(self) -> QWidget:
        # Left: who they are.  Right: how to reach them, their studies and membership.
        self.left = FieldForm()
        self.given_names = QLineEdit()
        self.left.add("given_names", self.tr("&Given name(s):"), self.given_names)
        self.family_names = QLineEdit()
        self.left.add("family_names", self.tr("Fa&mily name(s):"), self.family_names)
        self.family_name_first = QCheckBox(self.tr("Family name &first (as in Nguyễn Văn An)"))
        self.family_name_first.setAccessibleName(self.tr("Family name first"))
        self.left.add("family_name_first", "", self.family_name_first)
        self.preferred_name = QLineEdit()
        self.preferred_name.setPlaceholderText(self.tr("Optional: the name they go by"))
        self.left.add("preferred_name", self.tr("&Preferred name:"), self.preferred_name)
        self.gender = QComboBox()
        self.gender.setEditable(True)
        self.gender.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.gender.addItem("")
        for text in (self.tr("Woman"), self.tr("Man"), self.tr("Non-binary"), self._prefer_not_text()):
            self.gender.addItem(text)
        self.gender.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.gender.lineEdit().setPlaceholderText(self.tr("In their own words; empty if not asked"))
        self.left.add("gender", self.tr("G&ender:"), self.gender)
        self.pronouns = QComboBox()
        self.pronouns.setEditable(True)
        self.pronouns.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.pronouns.addItem("")
        for text in (self.tr("she/her"), self.tr("he/him"), self.tr("they/them")):
            self.pronouns.addItem(text)
        self.pronouns.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.left.add("pronouns", self.tr("Pro&nouns:"), self.pronouns)
        self.do_not_disclose = QCheckBox(self.tr("Do not &show their name in public lists or reports"))
        self.do_not_disclose.setAccessibleName(self.tr("Do not disclose"))
        self.left.add("do_not_disclose", "", self.do_not_disclose)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(NOTES_HEIGHT)
        self.left.add("notes", self.tr("No&tes:"), self.notes)

        self.right = FieldForm()
        self.email = QLineEdit()
        self.email.setPlaceholderText(self.tr("name@example.org"))
        self.right.add("email", self.tr("E&mail:"), self.email)
        self.phone = QLineEdit()
        self.right.add("phone", self.tr("P&hone:"), self.phone)
        self.student_id = QLineEdit()
        self.right.add("student_id", self.tr("St&udent id:"), self.student_id)
        self.affiliation = EnumCombo(Affiliation)
        self.right.add("affiliation", self.tr("&Affiliation:"), self.affiliation)
        self.department = QLineEdit()
        self.right.add("department", self.tr("Faculty or &department:"), self.department)
        self.programme = QLineEdit()
        self.right.add("programme", self.tr("P&rogramme:"), self.programme)
        self.year_of_study = QSpinBox()
        self.year_of_study.setRange(0, 15)
        self.year_of_study.setSpecialValueText(self.tr("not given"))
        self.year_of_study.setMinimumWidth(
            self.year_of_study.fontMetrics().horizontalAdvance(self.year_of_study.specialValueText()) + 48)
        self.right.add("year_of_study", self.tr("&Year of study:"), self.year_of_study)

        self.membership_box = QGroupBox(self.tr("Membership"))
        self.membership = FieldForm()
        self.status = EnumCombo(MembershipStatus, none_text=self.tr("Not a member"))
        self.membership.add("status", self.tr("Stat&us:"), self.status)
        self.joined_on = OptionalDateEdit(self.tr("&Known"))
        self.membership.add("joined_on", self.tr("&Joined on:"), self.joined_on)
        self.status.currentIndexChanged.connect(self._status_changed)
        box_layout = QVBoxLayout(self.membership_box)
        box_layout.addWidget(self.membership)

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.right)
        right.addWidget(self.membership_box)
        right.addStretch(1)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.left)
        left.addStretch(1)
        row = QHBoxLayout()
        row.addLayout(left, 1)
        row.addSpacing(16)
        row.addLayout(right, 1)

        inner = QWidget()
        inner.setLayout(row)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        scroll.setAccessibleName(self.tr("Details"))
        self.forms = (self.left, self.right, self.membership)
        return scroll

    def _prefer_not_text(self) -> str:
        return self.tr("Prefer not to say")

    @Slot()
    def _status_changed(self) -> None:
        self.joined_on.setEnabled(self.status.value() is not None)

    # ------------------------------------------------------------------ loading
    def load(self, person_id: int) -> None:
        view = people.get_person(self.ctx.db, person_id)
        self.person_id = view.id
        self._fill(view)
        self.guard.track("person", "people", view.id, view.version, people.person_data(view))
        membership = members.get_membership(self.ctx.db, view.id)
        if membership is not None:
            self.guard.track("membership", "memberships", membership.id, membership.version,
                             members.membership_data(membership))
        status = membership.status if membership else None
        joined = membership.joined_on if membership else None
        self.status.set_value(status)
        self.joined_on.set_value(joined)
        self._loaded_membership = (status, joined)
        self.setWindowTitle(view.display_name)
        self.terms.set_person(view.id)
        self.consent.set_person(view.id)

    def _fill(self, v: PersonView) -> None:
        self.given_names.setText(v.given_names)
        self.family_names.setText(v.family_names)
        self.family_name_first.setChecked(v.family_name_first)
        self.preferred_name.setText(v.preferred_name)
        self.email.setText(v.email or "")
        self.phone.setText(v.phone or "")
        self.student_id.setText(v.student_id or "")
        self.affiliation.set_value(v.affiliation)
        self.department.setText(v.department)
        self.programme.setText(v.programme)
        self.year_of_study.setValue(v.year_of_study or 0)
        gender = v.gender or ""
        self.gender.setEditText(self._prefer_not_text() if gender == GENDER_PREFER_NOT_TO_SAY else gender)
        self.pronouns.setEditText(v.pronouns or "")
        self.do_not_disclose.setChecked(v.do_not_disclose)
        self.notes.setPlainText(v.notes)

    def person_data(self) -> PersonData:
        gender = self.gender.currentText().strip()
        if gender and gender.casefold() == self._prefer_not_text().casefold():
            gender = GENDER_PREFER_NOT_TO_SAY
        return PersonData(
            given_names=self.given_names.text(),
            family_names=self.family_names.text(),
            family_name_first=self.family_name_first.isChecked(),
            preferred_name=self.preferred_name.text(),
            email=_optional(self.email.text()),
            phone=_optional(self.phone.text()),
            student_id=_optional(self.student_id.text()),
            affiliation=self.affiliation.value(),
            department=self.department.text(),
            programme=self.programme.text(),
            year_of_study=self.year_of_study.value() or None,
            gender=gender or None,
            pronouns=_optional(self.pronouns.currentText()),
            do_not_disclose=self.do_not_disclose.isChecked(),
            notes=self.notes.toPlainText(),
        )

    # ------------------------------------------------------------------ errors
    def clear_errors(self) -> None:
        for form in self.forms:
            form.clear_errors()
        self.open_existing_button.hide()
        self._duplicate_id = None

    def show_errors(self, error: ValidationError) -> None:
        """Each message under its field, whichever column holds it; others in the first banner."""
        self.tabs.setCurrentIndex(0)
        for form in self.forms:
            form.clear_errors()
        known = {name for form in self.forms for name in form.widgets}
        stray = {k: v for k, v in error.fields.items() if k not in known}
        for form in self.forms:
            mine = {k: v for k, v in error.fields.items() if k in form.widgets}
            if form is self.left:
                mine.update(stray)
            if mine:
                form.show_errors(ValidationError(mine))
        # the first field with a problem, in reading order, keeps the focus
        for form in self.forms:
            first = next((form.widgets[k] for k in form.widgets if form.error_text(k)), None)
            if first is not None:
                first.setFocus(Qt.FocusReason.OtherFocusReason)
                break

    def error_text(self, name: str) -> str:
        """The message shown under field ``name`` ("" when none)."""
        for form in self.forms:
            if name in form.widgets:
                return form.error_text(name)
        return ""

    def _show_duplicate(self, error: DuplicateError) -> None:
        name = error.existing_name
        self.show_errors(ValidationError({error.field or "student_id": str(error)}))
        self._duplicate_id = error.existing_id
        if error.existing_id != self.person_id:
            self.open_existing_button.setText(
                self.tr("&Open {name}").format(name=name) if name else self.tr("&Open that person")
            )
            self.open_existing_button.show()

    # ------------------------------------------------------------------ saving
    @Slot()
    def save(self) -> bool:
        """Save; True when saved (the dialog is accepted), False when it stays open with messages."""
        if not self._write():
            return False
        self.accept()
        return True

    def _save_for_terms(self) -> int | None:
        """"Add term…" for a new person: save them, keeping the dialog open; their id, or
        None when the Details tab shows problems (it is brought to the front then)."""
        if not self._write():
            return None
        self.setWindowTitle(self.saved_name)
        self.consent.set_person(self.person_id)
        return self.person_id

    def _write(self) -> bool:
        """Save the person and their membership; False when problems are shown instead."""
        if self._saving:
            return False  # a Save is already under way
        self.clear_errors()
        data = self.person_data()
        db = self.ctx.db
        person_id = self.person_id
        try:
            # A job: if another program holds the write lock, the window stays responsive
            # and says so; stopping leaves everything typed here (tasks.NotSaved).
            self._saving = True
            try:
                if self.person_id is None:
                    chapter_id = self.ctx.require_chapter()
                    view = tasks.write_and_wait(self, lambda: people.create_person(db, chapter_id, data))
                    # From here on the person exists: a second Save (after a membership problem)
                    # changes them instead of creating them again.
                    self.person_id = view.id
                    self.guard.track("person", "people", view.id, view.version, people.person_data(view))
                else:
                    person_id = self.person_id
                    view = self.guard.save(
                        "person", lambda d, e: people.update_person(db, person_id, d, e), data,
                        people.person_data)
                    if view is None:
                        return False  # the comparison was cancelled: the form stays as typed
            finally:
                self._saving = False
            self.saved_name = view.display_name
        except ValidationError as error:
            self.show_errors(error)
            return False
        except DuplicateError as error:
            self._show_duplicate(error)
            return False
        except ChapterError as error:
            show_error(self, error, self.tr("Could not save"))
            return False
        try:
            if not self._save_membership(view.id):
                self.ctx.changed("people")
                return False
        except ValidationError as error:
            self.show_errors(error)
            self.ctx.changed("people")
            return False
        except ChapterError as error:
            show_error(self, error, self.tr("Could not save the membership"))
            self.ctx.changed("people")
            return False
        self.ctx.changed("people")
        return True

    def _save_membership(self, person_id: int) -> bool:
        """Save the membership if it changed; False when a comparison was cancelled."""
        status = self.status.value()
        joined = self.joined_on.value() if status is not None else None
        if (status, joined) == self._loaded_membership:
            return True
        if status is None:
            db = self.ctx.db
            tasks.write_and_wait(self, lambda: members.clear_membership(db, person_id))
            self.guard.forget("membership")
        else:
            # None clears a joining date that was known; the leaving date is kept.
            expected = self.guard.expected("membership")
            left = expected.base.get("left_on") if expected else None
            db = self.ctx.db

            def call(d: members.MembershipData, e: object) -> members.MembershipView:
                return members.set_membership(
                    db, person_id, d.status, joined_on=d.joined_on,
                    left_on=d.left_on if e is not None else members.KEEP, expected=e)  # type: ignore[arg-type]

            view = self.guard.save("membership", call, members.MembershipData(status, joined, left),
                                   members.membership_data)
            if view is None:
                return False  # the comparison was cancelled: the form stays as typed
            if self.guard.expected("membership") is None:
                self.guard.track("membership", "memberships", view.id, view.version,
                                 members.membership_data(view))
        self._loaded_membership = (status, joined)
        return True

    @Slot()
    def open_existing(self) -> None:
        if self._duplicate_id is None:
            return
        self.open_existing_id = self._duplicate_id
        self.done(self.OPEN_EXISTING)


__all__ = ["ConsentPanel", "PersonDialog", "TermDialog", "TermsPanel", "WithdrawConsentDialog"]
