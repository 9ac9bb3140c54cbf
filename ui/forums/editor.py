"""The forum session editor: the session, its takeaways, action items and testimonies.

One dialog with four tabs.  Saving sends the whole session to the core
(``forums.create_forum`` / ``forums.update_forum``), which keeps the rows of entries that
did not change (see ``services.forums``).  Each action item and testimony row is a small
group of widgets; the core's validation messages ("action_items.2.description") are put
under the row they are about, and the tab holding the first problem is shown.

People (facilitators, owners, tellers) are chosen with :class:`PersonPicker`: typing a
name that was not taken from the suggestions is refused before saving, so a name is
never silently dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QIntValidator, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ChapterError, ValidationError
from chapter_manager.models import ForumFormat
from chapter_manager.services import forums, people
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.widgets.conflict_dialog import VersionGuard, show_value
from ui.widgets.forms import (
    ERROR_STYLE,
    EnumCombo,
    FieldForm,
    OptionalDateEdit,
    fmt_date,
    from_qdate,
    to_qdate,
)
from ui.widgets.person_picker import PersonPicker

PERSON_ROLE = Qt.ItemDataRole.UserRole + 20


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def _show_message(label: QLabel, messages: list[str]) -> None:
    label.setText("\n".join(messages))
    label.setVisible(bool(messages))


def set_picked(picker: PersonPicker, person_id: int | None, name: str | None) -> None:
    """Show an already chosen person in ``picker``."""
    picker.reset()
    if person_id is not None:
        picker.setText(name or "")
        picker.chosen_id = person_id
        picker.setCursorPosition(0)


#: the id sent for a name typed but not chosen: never a person, so the core refuses it in
#: the same pass as every other problem (and the dialog words the message itself)
UNCHOSEN = -1


def picked(picker: PersonPicker) -> tuple[int | None, bool]:
    """(the person chosen, whether the text is fine): text typed but not chosen is not,
    and gives ``UNCHOSEN``."""
    if picker.chosen_id is not None:
        return picker.chosen_id, True
    if picker.text().strip():
        return UNCHOSEN, False
    return None, True


class _Row(QFrame):
    """One action item or testimony in its tab: a framed group with a Remove button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.error = _error_label()
        self.remove_button = QPushButton(self.tr("Remove"))
        self.item_id: int | None = None

    def set_number(self, number: int) -> None:
        """Name the row's widgets for screen readers ("Action item 2: description")."""

    def first_field(self) -> QWidget:
        return self.remove_button


class ActionItemRow(_Row):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.description = QLineEdit()
        self.description.setPlaceholderText(self.tr("What is to be done"))
        self.owner = PersonPicker(ctx, placeholder=self.tr("Nobody yet: type a name to choose"))
        self.due = OptionalDateEdit(self.tr("Due by"))
        self.done = QCheckBox(self.tr("Done"))
        owner_label = QLabel(self.tr("Responsible:"))
        owner_label.setBuddy(self.owner)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.description, 0, 0, 1, 5)
        grid.addWidget(owner_label, 1, 0)
        grid.addWidget(self.owner, 1, 1)
        grid.addWidget(self.due, 1, 2)
        grid.addWidget(self.done, 1, 3)
        grid.addWidget(self.remove_button, 1, 4)
        grid.addWidget(self.error, 2, 0, 1, 5)
        grid.setColumnStretch(1, 1)
        self.due.edit.setDate(QDate.currentDate().addDays(14))

    def first_field(self) -> QWidget:
        return self.description

    def set_number(self, number: int) -> None:
        self.description.setAccessibleName(self.tr("Action item {n}: what is to be done").format(n=number))
        self.owner.setAccessibleName(self.tr("Action item {n}: who is responsible").format(n=number))
        self.due.setAccessibleName(self.tr("Action item {n}: due date").format(n=number))
        self.done.setAccessibleName(self.tr("Action item {n}: done").format(n=number))
        self.remove_button.setAccessibleName(self.tr("Remove action item {n}").format(n=number))
        self.error.setAccessibleName(self.tr("Action item {n}: problem").format(n=number))

    def load(self, item: forums.ActionItemView) -> None:
        self.item_id = item.id
        self.description.setText(item.description)
        self.description.setCursorPosition(0)
        set_picked(self.owner, item.owner_id, item.owner_name)
        self.due.set_value(item.due_on)
        self.done.setChecked(item.done)

    def data(self, problems: dict[str, str], key: str) -> forums.ActionItemData:
        owner, fine = picked(self.owner)
        if not fine:
            problems[f"{key}.owner_id"] = self.tr(
                "Choose the person responsible from the suggestions, or clear the field.")
        return forums.ActionItemData(
            description=self.description.text(), owner_id=owner, due_on=self.due.value(),
            done=self.done.isChecked(), id=self.item_id,
        )


class TestimonyRow(_Row):
    __test__ = False  # not a pytest class

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.consent_version = forums.TESTIMONY_CONSENT_VERSION
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText(self.tr("What was told, in the teller's words"))
        self.text.setFixedHeight(self.text.fontMetrics().lineSpacing() * 4 + 12)
        self.anonymous = QCheckBox(self.tr("Anonymous"))
        self.anonymous.setChecked(True)
        self.teller = PersonPicker(ctx, placeholder=self.tr("Who told it: type a name to choose"))
        self.teller.setEnabled(False)
        self.anonymous.toggled.connect(self._anonymous_toggled)
        self.consent = QCheckBox(self.tr("The teller agreed that this may be published"))
        self.consent.setToolTip(self.tr(
            "Tick only when the teller agreed to the consent text (version {version}). "
            "Only testimonies with this consent appear in reports.").format(version=self.consent_version))
        teller_label = QLabel(self.tr("Told by:"))
        teller_label.setBuddy(self.anonymous)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.text, 0, 0, 1, 4)
        grid.addWidget(teller_label, 1, 0)
        grid.addWidget(self.anonymous, 1, 1)
        grid.addWidget(self.teller, 1, 2)
        grid.addWidget(self.remove_button, 1, 3)
        grid.addWidget(self.consent, 2, 0, 1, 4)
        grid.addWidget(self.error, 3, 0, 1, 4)
        grid.setColumnStretch(2, 1)

    @Slot(bool)
    def _anonymous_toggled(self, anonymous: bool) -> None:
        self.teller.setEnabled(not anonymous)
        if anonymous:
            self.teller.reset()
        else:
            self.teller.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QWidget:
        return self.text

    def set_number(self, number: int) -> None:
        self.text.setAccessibleName(self.tr("Testimony {n}: text").format(n=number))
        self.anonymous.setAccessibleName(self.tr("Testimony {n}: anonymous").format(n=number))
        self.teller.setAccessibleName(self.tr("Testimony {n}: who told it").format(n=number))
        self.consent.setAccessibleName(self.tr("Testimony {n}: may be published").format(n=number))
        self.remove_button.setAccessibleName(self.tr("Remove testimony {n}").format(n=number))
        self.error.setAccessibleName(self.tr("Testimony {n}: problem").format(n=number))

    def load(self, testimony: forums.TestimonyView) -> None:
        self.item_id = testimony.id
        self.consent_version = testimony.consent_version or forums.TESTIMONY_CONSENT_VERSION
        self.text.setPlainText(testimony.text)
        self.anonymous.setChecked(testimony.person_id is None)
        set_picked(self.teller, testimony.person_id, testimony.person_name)
        self.consent.setChecked(testimony.consent_to_publish)

    def data(self, problems: dict[str, str], key: str) -> forums.TestimonyData:
        person: int | None = None
        if not self.anonymous.isChecked():
            person, _fine = picked(self.teller)
            if person is None or person == UNCHOSEN:
                person = UNCHOSEN
                problems[f"{key}.person_id"] = self.tr(
                    "Choose who told it from the suggestions, or tick Anonymous.")
        return forums.TestimonyData(
            text=self.text.toPlainText(), person_id=person,
            consent_to_publish=self.consent.isChecked(), consent_version=self.consent_version,
            id=self.item_id,
        )


class _RowList(QWidget):
    """A scrolling list of rows (action items or testimonies) with an Add button."""

    changed = Signal()  # a row was added or removed

    def __init__(self, make_row, add_text: str, intro: str, parent: QWidget | None = None):  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._make_row = make_row
        self.rows: list[_Row] = []
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.add_button = QPushButton(add_text)
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        self.empty = QLabel()
        self.empty.setEnabled(False)
        inner = QWidget()
        self._column = QVBoxLayout(inner)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.addWidget(self.empty)
        self._column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(inner)
        top = QHBoxLayout()
        top.addWidget(self.intro, 1)
        top.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)

    def add_row(self, focus: bool = False) -> _Row:
        row = self._make_row()
        row.remove_button.clicked.connect(lambda: self.remove_row(row))
        self._column.insertWidget(len(self.rows), row)
        self.rows.append(row)
        self._renumber()
        self.changed.emit()
        if focus:
            row.first_field().setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroll.ensureWidgetVisible(row)
        return row

    def remove_row(self, row: _Row) -> None:
        index = self.rows.index(row)
        self.rows.pop(index)
        self._column.removeWidget(row)
        row.hide()
        row.deleteLater()
        self._renumber()
        self.changed.emit()
        target = self.rows[min(index, len(self.rows) - 1)] if self.rows else self.add_button
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self) -> None:
        for row in list(self.rows):
            self._column.removeWidget(row)
            row.deleteLater()
        self.rows = []
        self._renumber()
        self.changed.emit()

    def _renumber(self) -> None:
        for number, row in enumerate(self.rows, start=1):
            row.set_number(number)
        self.empty.setVisible(not self.rows)


class ForumDialog(QDialog):
    """Add (``forum_id`` None) or edit a forum session.

    ``save()`` validates and writes; it returns True and accepts the dialog when saved,
    and keeps the dialog open with the messages beside the fields otherwise.  ``saved``
    is the ``ForumView`` written.
    """

    def __init__(self, ctx: AppContext, forum_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.forum_id = forum_id
        self.saved: forums.ForumView | None = None
        self.setWindowTitle(self.tr("New forum session") if forum_id is None else self.tr("Forum session"))
        self.setAccessibleName(self.windowTitle())
        self.resize(860, 640)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Parts of the forum session"))
        self.tabs.addTab(self._session_tab(), self.tr("&Session"))
        self.tabs.addTab(self._takeaways_tab(), self.tr("Ta&keaways"))
        self.actions_tab = _RowList(
            lambda: ActionItemRow(ctx), self.tr("Add an &action item"),
            self.tr("What the forum decided to do, who is responsible and by when. "
                    "Tick Done when it is done."))
        self.actions_tab.empty.setText(self.tr("No action items yet."))
        self.tabs.addTab(self.actions_tab, self.tr("Action &items"))
        self.testimonies_tab = _RowList(
            lambda: TestimonyRow(ctx), self.tr("Add a &testimony"),
            self.tr("Testimonies are personal stories shared at the forum. Only testimonies whose "
                    "teller agreed to publication appear in reports; an anonymous testimony is "
                    "published without a name, and nobody who asked not to be identified is ever "
                    "named."))
        self.testimonies_tab.empty.setText(self.tr("No testimonies yet."))
        self.actions_tab.changed.connect(self._update_tab_titles)
        self.testimonies_tab.changed.connect(self._update_tab_titles)
        self.tabs.addTab(self.testimonies_tab, self.tr("Testimo&nies"))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.guard = VersionGuard(ctx, self, self.tr(
            "This forum session was changed elsewhere since you opened this form; saving will "
            "let you compare."), show=self._show_value)
        layout = QVBoxLayout(self)
        layout.addWidget(self.guard.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)

        self._fill_events()
        if forum_id is not None:
            self.load(forums.get_forum(ctx.db, forum_id))
        self.topic.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in a person field takes the suggestion; it must not also save the dialog.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(self.focusWidget(), PersonPicker):
            event.accept()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ building
    def _session_tab(self) -> QWidget:
        page = QWidget()
        self.form = FieldForm()
        self.topic = QLineEdit()
        self.topic.setPlaceholderText(self.tr("e.g. Who does the unpaid work at home?"))
        self.form.add("topic", self.tr("&Topic:"), self.topic)
        self.held_on = QDateEdit()
        self.held_on.setCalendarPopup(True)
        self.held_on.setDate(QDate.currentDate())
        self.form.add("held_on", self.tr("&Date held:"), self.held_on)
        self.format = EnumCombo(ForumFormat)
        self.form.add("format", self.tr("&Format:"), self.format)
        self.event_combo = QComboBox()
        self.event_combo.setMinimumContentsLength(20)
        self.event_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.event_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.form.add("event_id", self.tr("Part of &event:"), self.event_combo)
        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)
        self.summary.setPlaceholderText(self.tr("How the conversation went, in a few lines"))
        self.form.add("summary", self.tr("S&ummary:"), self.summary)

        self.people_form = FieldForm()
        facilitators = QWidget()
        column = QVBoxLayout(facilitators)
        column.setContentsMargins(0, 0, 0, 0)
        self.facilitator_picker = PersonPicker(self.ctx, placeholder=self.tr("Type a name to add a facilitator"))
        self.facilitator_picker.setAccessibleName(self.tr("Add a facilitator"))
        self.facilitator_picker.person_chosen.connect(self._facilitator_chosen)
        self.facilitator_list = QListWidget()
        self.facilitator_list.setAccessibleName(self.tr("Facilitators"))
        self.facilitator_list.setMaximumHeight(110)
        self.facilitator_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.remove_facilitator = QPushButton(self.tr("&Remove facilitator"))
        self.remove_facilitator.clicked.connect(self._remove_facilitators)
        column.addWidget(self.facilitator_picker)
        column.addWidget(self.facilitator_list)
        column.addWidget(self.remove_facilitator, 0, Qt.AlignmentFlag.AlignRight)
        self.people_form.add("facilitator_ids", self.tr("Faci&litators:"), facilitators)

        self.counts: dict[str, QLineEdit] = {}
        for name, label in (
            ("participants_total", self.tr("Participants in t&otal:")),
            ("participants_women", self.tr("&Women:")),
            ("participants_men", self.tr("&Men:")),
            ("participants_other", self.tr("Ot&her or not said:")),
        ):
            edit = QLineEdit()
            edit.setValidator(QIntValidator(0, 10_000_000, edit))
            edit.setPlaceholderText(self.tr("not counted"))
            edit.setMaximumWidth(140)
            self.people_form.add(name, label, edit)
            self.counts[name] = edit
        hint = QLabel(self.tr("Leave a count empty if nobody counted."))
        hint.setEnabled(False)
        hint.setWordWrap(True)
        self.people_form.layout_.addRow("", hint)

        layout = QHBoxLayout(page)
        layout.addWidget(self.form, 1)
        layout.addSpacing(12)
        layout.addWidget(self.people_form, 1, Qt.AlignmentFlag.AlignTop)
        return page

    def _takeaways_tab(self) -> QWidget:
        page = QWidget()
        intro = QLabel(self.tr("Practices that help overcome discrimination, as the forum put them. "
                               "Double-click one (or press F2) to change it."))
        intro.setWordWrap(True)
        self.takeaways = QListWidget()
        self.takeaways.setAccessibleName(self.tr("Takeaways"))
        self.takeaways.setWordWrap(True)
        self.takeaways.setSpacing(3)
        self.takeaways.setAlternatingRowColors(True)
        self.takeaways.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.takeaways.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.takeaways.currentRowChanged.connect(self._takeaway_buttons)
        self.takeaways.model().rowsInserted.connect(self._takeaway_buttons)
        self.takeaways.model().rowsRemoved.connect(self._takeaway_buttons)
        self.takeaways.model().rowsInserted.connect(self._update_tab_titles)
        self.takeaways.model().rowsRemoved.connect(self._update_tab_titles)
        self.takeaways_error = _error_label()
        self.takeaways_error.setAccessibleName(self.tr("Takeaways: problem"))
        self.add_takeaway_button = QPushButton(self.tr("&Add"))
        self.add_takeaway_button.setAccessibleName(self.tr("Add a takeaway"))
        self.add_takeaway_button.clicked.connect(lambda: self.add_takeaway("", edit=True))
        self.edit_takeaway_button = QPushButton(self.tr("&Edit"))
        self.edit_takeaway_button.setAccessibleName(self.tr("Edit the takeaway"))
        self.edit_takeaway_button.clicked.connect(self._edit_takeaway)
        self.remove_takeaway_button = QPushButton(self.tr("&Remove"))
        self.remove_takeaway_button.setAccessibleName(self.tr("Remove the takeaway"))
        self.remove_takeaway_button.clicked.connect(self.remove_takeaway)
        self.up_button = QPushButton(self.tr("Move &up"))
        self.up_button.setAccessibleName(self.tr("Move the takeaway up"))
        self.up_button.clicked.connect(lambda: self.move_takeaway(-1))
        self.down_button = QPushButton(self.tr("Move do&wn"))
        self.down_button.setAccessibleName(self.tr("Move the takeaway down"))
        self.down_button.clicked.connect(lambda: self.move_takeaway(1))
        buttons = QVBoxLayout()
        for button in (self.add_takeaway_button, self.edit_takeaway_button, self.remove_takeaway_button,
                       self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.takeaways, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.takeaways_error)
        layout.addLayout(row, 1)
        self._takeaway_buttons()
        return page

    def _fill_events(self) -> None:
        from chapter_manager.services.events import list_events

        self.event_combo.clear()
        self.event_combo.addItem(self.tr("No event (held on its own)"), None)
        if self.ctx.chapter_id is None:
            return
        for row in list_events(self.ctx.db, self.ctx.chapter_id, descending=True):
            self.event_combo.addItem(
                self.tr("{title} — {date}").format(title=row.title, date=fmt_date(row.local_starts_at.date())),
                row.id)

    # ------------------------------------------------------------------ loading
    def _person_name(self, person_id: int | None) -> str:
        if person_id is None:
            return self.tr("anonymous")
        try:
            return people.get_person(self.ctx.db, person_id).display_name
        except ChapterError:
            return self.tr("(deleted)")

    def _show_value(self, name: str, value: object) -> str:
        """A forum's value in the conflict dialog: people and the event by name, each
        action item and testimony with what sets it apart."""
        if name == "event_id":
            index = self.event_combo.findData(value) if value is not None else 0
            return self.event_combo.itemText(index) if index >= 0 else show_value(value)
        if name == "facilitator_ids" and isinstance(value, list):
            return "\n".join(self._person_name(i) for i in value) or show_value(None)
        if name == "action_items" and isinstance(value, list):
            lines = []
            for item in value:
                parts = [item.description]
                if item.owner_id is not None:
                    parts.append(self._person_name(item.owner_id))
                if item.due_on is not None:
                    parts.append(self.tr("due {date}").format(date=fmt_date(item.due_on)))
                parts.append(self.tr("done") if item.done else self.tr("open"))
                lines.append(" · ".join(parts))
            return "\n".join(lines) or show_value(None)
        if name == "testimonies" and isinstance(value, list):
            lines = []
            for t in value:
                who = self._person_name(t.person_id)
                publish = self.tr("may be published") if t.consent_to_publish else self.tr("not for publication")
                lines.append(f"{t.text} · {who} · {publish}")
            return "\n".join(lines) or show_value(None)
        return show_value(value)

    def load(self, view: forums.ForumView) -> None:
        self.forum_id = view.id
        self.guard.track("forum", "forum_sessions", view.id, view.version, forums.forum_data(view))
        self.setWindowTitle(self.tr("Forum session: {topic}").format(topic=view.topic))
        self.topic.setText(view.topic)
        self.topic.setCursorPosition(0)
        self.held_on.setDate(to_qdate(view.held_on))
        self.format.set_value(view.format)
        index = self.event_combo.findData(view.event_id) if view.event_id is not None else 0
        if index < 0:  # an event this list does not hold (should not happen): keep it
            self.event_combo.addItem(view.event_title or str(view.event_id), view.event_id)
            index = self.event_combo.count() - 1
        self.event_combo.setCurrentIndex(index)
        self.summary.setPlainText(view.summary)
        self.facilitator_list.clear()
        for f in view.facilitators:
            self._add_facilitator(f.person_id, f.display_name)
        for name, edit in self.counts.items():
            value = getattr(view, name)
            edit.setText("" if value is None else str(value))
        self.takeaways.clear()
        for text in view.takeaways:
            self.add_takeaway(text)
        self.actions_tab.clear()
        for item in view.action_items:
            self.actions_tab.add_row().load(item)  # type: ignore[attr-defined]
        self.testimonies_tab.clear()
        for testimony in view.testimonies:
            self.testimonies_tab.add_row().load(testimony)  # type: ignore[attr-defined]
        self._update_tab_titles()

    @Slot()
    def _update_tab_titles(self, *_args: object) -> None:
        counts = (self.takeaways.count(), len(self.actions_tab.rows), len(self.testimonies_tab.rows))
        titles = (self.tr("Ta&keaways ({n})"), self.tr("Action &items ({n})"), self.tr("Testimo&nies ({n})"))
        for tab, (title, n) in enumerate(zip(titles, counts, strict=True), start=1):
            self.tabs.setTabText(tab, title.format(n=n))

    # ------------------------------------------------------------------ facilitators
    @Slot(int, str)
    def _facilitator_chosen(self, person_id: int, name: str) -> None:
        self._add_facilitator(person_id, name)
        self.facilitator_picker.reset()

    def _add_facilitator(self, person_id: int, name: str) -> None:
        if person_id in self.facilitator_ids():
            return
        item = QListWidgetItem(name)
        item.setData(PERSON_ROLE, person_id)
        self.facilitator_list.addItem(item)

    def facilitator_ids(self) -> list[int]:
        return [int(self.facilitator_list.item(i).data(PERSON_ROLE)) for i in range(self.facilitator_list.count())]

    @Slot()
    def _remove_facilitators(self) -> None:
        for item in self.facilitator_list.selectedItems():
            self.facilitator_list.takeItem(self.facilitator_list.row(item))

    # ------------------------------------------------------------------ takeaways
    def add_takeaway(self, text: str, edit: bool = False) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.takeaways.addItem(item)
        self.takeaways.setCurrentItem(item)
        if edit:
            self.takeaways.setFocus(Qt.FocusReason.OtherFocusReason)
            self.takeaways.editItem(item)
        self._update_tab_titles()
        return item

    @Slot()
    def _edit_takeaway(self) -> None:
        item = self.takeaways.currentItem()
        if item is not None:
            self.takeaways.editItem(item)

    @Slot()
    def remove_takeaway(self) -> None:
        row = self.takeaways.currentRow()
        if row >= 0:
            self.takeaways.takeItem(row)
            self._update_tab_titles()

    def move_takeaway(self, step: int) -> None:
        row = self.takeaways.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.takeaways.count():
            return
        item = self.takeaways.takeItem(row)
        self.takeaways.insertItem(target, item)
        self.takeaways.setCurrentRow(target)

    def takeaway_texts(self) -> list[str]:
        return [self.takeaways.item(i).text() for i in range(self.takeaways.count())]

    @Slot()
    def _takeaway_buttons(self, *_args: object) -> None:
        row = self.takeaways.currentRow()
        chosen = row >= 0
        self.edit_takeaway_button.setEnabled(chosen)
        self.remove_takeaway_button.setEnabled(chosen)
        self.up_button.setEnabled(chosen and row > 0)
        self.down_button.setEnabled(chosen and row < self.takeaways.count() - 1)

    # ------------------------------------------------------------------ rows
    def add_action_item(self) -> ActionItemRow:
        row = self.actions_tab.add_row()
        self._update_tab_titles()
        return row  # type: ignore[return-value]

    def add_testimony(self) -> TestimonyRow:
        row = self.testimonies_tab.add_row()
        self._update_tab_titles()
        return row  # type: ignore[return-value]

    # ------------------------------------------------------------------ saving
    def _count(self, name: str) -> int | None:
        text = self.counts[name].text().strip()
        return int(text) if text else None

    def data(self) -> tuple[forums.ForumData, dict[str, str]]:
        """What the dialog holds, and problems found before asking the core."""
        problems: dict[str, str] = {}
        facilitators = self.facilitator_ids()
        if self.facilitator_picker.text().strip():
            facilitators.append(UNCHOSEN)
            problems["facilitator_ids"] = self.tr(
                "Choose the facilitator from the suggestions (or clear the field) to add them.")
        data = forums.ForumData(
            topic=self.topic.text(),
            held_on=from_qdate(self.held_on.date()),
            event_id=self.event_combo.currentData(),
            format=self.format.value() or ForumFormat.CIRCLE,
            participants_total=self._count("participants_total"),
            participants_women=self._count("participants_women"),
            participants_men=self._count("participants_men"),
            participants_other=self._count("participants_other"),
            summary=self.summary.toPlainText(),
            facilitator_ids=facilitators,
            takeaways=self.takeaway_texts(),
            action_items=[row.data(problems, f"action_items.{i}")  # type: ignore[attr-defined]
                          for i, row in enumerate(self.actions_tab.rows)],
            testimonies=[row.data(problems, f"testimonies.{i}")  # type: ignore[attr-defined]
                         for i, row in enumerate(self.testimonies_tab.rows)],
        )
        return data, problems

    @Slot()
    def save(self) -> bool:
        data, problems = self.data()
        db, forum_id = self.ctx.db, self.forum_id
        try:
            if forum_id is None:
                chapter_id = self.ctx.require_chapter()
                view = tasks.write_and_wait(self, lambda: forums.create_forum(db, chapter_id, data))
            else:
                db, forum_id = self.ctx.db, self.forum_id
                view = self.guard.save(
                    "forum", lambda d, e: forums.update_forum(db, forum_id, d, e), data,
                    forums.forum_data)
                if view is None:
                    return False  # the comparison was cancelled: the form stays as typed
        except ValidationError as error:
            # The core refused the unchosen people with everything else; say it our way.
            self.show_errors(ValidationError({**error.fields, **problems}))
            return False
        except ChapterError as error:
            from ui.frame.errors import show_error

            show_error(self, error, self.tr("Could not save the forum session"))
            return False
        self.saved = view
        self.forum_id = view.id
        self.ctx.changed("forums")
        self.ctx.status_message.emit(self.tr("Saved the forum session “{topic}”.").format(topic=view.topic))
        self.accept()
        return True

    def show_errors(self, error: ValidationError) -> None:
        """Put each message beside what it is about and show the tab of the first."""
        fields = error.fields
        session: dict[str, str] = {}
        people: dict[str, str] = {}
        takeaways: list[str] = []
        rows: dict[tuple[str, int], list[str]] = {}
        first_tab: int | None = None
        for key, message in fields.items():
            head, _, rest = key.partition(".")
            if head == "takeaways":
                number = int(rest) + 1 if rest.isdigit() else 0
                takeaways.append(self.tr("Takeaway {n}: {message}").format(n=number, message=message))
                tab = 1
            elif head in ("action_items", "testimonies") and rest:
                index = int(rest.partition(".")[0])
                rows.setdefault((head, index), []).append(message)
                tab = 2 if head == "action_items" else 3
            elif key in self.people_form.widgets:
                people[key] = message
                tab = 0
            else:
                session[key] = message
                tab = 0
            first_tab = tab if first_tab is None else first_tab
        # The people column first, so the focus ends on the first problem of the left column.
        self.people_form.show_errors(ValidationError(people)) if people else self.people_form.clear_errors()
        self.form.show_errors(ValidationError(session)) if session else self.form.clear_errors()
        _show_message(self.takeaways_error, takeaways)
        for kind, tab in (("action_items", self.actions_tab), ("testimonies", self.testimonies_tab)):
            for index, row in enumerate(tab.rows):
                _show_message(row.error, rows.get((kind, index), []))
        if first_tab is not None:
            self.tabs.setCurrentIndex(first_tab)
            if first_tab in (2, 3):
                kind = "action_items" if first_tab == 2 else "testimonies"
                tab = self.actions_tab if first_tab == 2 else self.testimonies_tab
                index = min(i for (k, i) in rows if k == kind)
                if index < len(tab.rows):
                    tab.scroll.ensureWidgetVisible(tab.rows[index])
                    tab.rows[index].first_field().setFocus(Qt.FocusReason.OtherFocusReason)
            elif first_tab == 1:
                self.takeaways.setFocus()

    def error_text(self, key: str) -> str:
        """The message shown for ``key`` (tests)."""
        for form in (self.form, self.people_form):
            if key in form.messages:
                return form.error_text(key)
        head, _, rest = key.partition(".")
        if head == "takeaways":
            return self.takeaways_error.text() if not self.takeaways_error.isHidden() else ""
        if head in ("action_items", "testimonies"):
            tab = self.actions_tab if head == "action_items" else self.testimonies_tab
            index = int(rest.partition(".")[0])
            label = tab.rows[index].error
            return label.text() if not label.isHidden() else ""
        return ""


def participants_text(total: int | None, women: int | None, men: int | None, other: int | None) -> str:
    """"24 (12 women, 10 men, 2 other)"; "" when nothing was counted."""
    from ui.frame.i18n import tr
    from ui.widgets.forms import fmt_int

    parts = []
    if women is not None:
        parts.append(tr("{n} women").format(n=fmt_int(women)))
    if men is not None:
        parts.append(tr("{n} men").format(n=fmt_int(men)))
    if other is not None:
        parts.append(tr("{n} other").format(n=fmt_int(other)))
    if total is None and not parts:
        return ""
    if total is None:
        total = (women or 0) + (men or 0) + (other or 0)
    if not parts:
        return fmt_int(total)
    return tr("{total} ({parts})").format(total=fmt_int(total), parts=", ".join(parts))


__all__ = ["ActionItemRow", "ForumDialog", "TestimonyRow", "participants_text"]
