"""The sign-up kiosk: one full-screen window a queue of people signs the pledge on.

Pages, in a stack:

* **start here** — only on a laptop with no event yet: create it (and the chapter);
* **exit PIN** — the organiser sets the PIN that leaves the kiosk, typed twice;
* **form** — given and family names, email, student id, affiliation, self-described gender,
  a personal commitment, two consent boxes (unticked, each with its purpose) above the
  privacy notice.  The first field has the focus; Enter anywhere submits;
* **thanks** — shown only once the sign-up is on disk; the form is back, empty, after
  ``thanks_ms``;
* **leave** — the PIN; five wrong ones lock it for a minute.

Privacy: the fields have no completer, no context menu and no undo history across people
(``setText("")`` clears it; ``clear()`` would not), the clipboard is emptied between
people, and the thanks are the same whether someone signed before or not.  Esc, the close
button and Alt+F4 do nothing once the kiosk runs; only the PIN leaves.  Idle for
``idle_ms``: the form empties.  Timeouts and the clock are arguments so tests need not wait.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QLocale, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QClipboard, QCloseEvent, QFont, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ChapterError, ValidationError
from chapter_manager.models import Affiliation
from chapter_manager.services import kiosk as core
from ui.frame.i18n import tr
from ui.widgets.forms import ERROR_STYLE, EnumCombo, fmt_int

THANKS_MS = 2500  # the form is back within 3 s
IDLE_MS = 60_000
ACCENT = "#6c2d91"  # HeForShe's purple

STYLE = f"""
QLineEdit, QComboBox, QSpinBox {{ min-height: 1.9em; padding: 2px 10px; }}
QCheckBox {{ spacing: 14px; }}
QCheckBox::indicator {{ width: 30px; height: 30px; }}
QPushButton {{ min-height: 1.9em; padding: 4px 22px; }}
QPushButton#primary {{
    background: {ACCENT}; color: white; border: 3px solid {ACCENT}; border-radius: 12px;
    padding: 10px 48px;
}}
QPushButton#primary:focus {{ outline: none; border-color: #f4b400; }}
QPushButton#primary:pressed {{ background: #4e1f6b; }}
QPushButton#quiet {{ border: none; background: transparent; color: palette(mid); min-height: 1.4em; }}
QPushButton#quiet:focus {{ color: palette(text); text-decoration: underline; }}
QFrame#notice {{ border: 1px solid palette(mid); border-radius: 8px; }}
QProgressBar {{ min-height: 26px; border: 1px solid palette(mid); border-radius: 6px; text-align: center; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 5px; }}
"""


SCALE = 1.4  # the kiosk's type, against the app's


def kiosk_font(scale: float = 1.0, *, bold: bool = False) -> QFont:
    """The app's font at the kiosk's size times ``scale`` (set before a widget has a parent,
    so it cannot inherit the window's)."""
    font = QFont(QApplication.font())
    font.setPointSizeF(max(font.pointSizeF(), 9.0) * SCALE * scale)
    font.setBold(bold)
    return font


def _language() -> str:
    return QLocale().name().split("_")[0] or core.DEFAULT_LANGUAGE


def _heading(text: str = "", scale: float = 1.8) -> QLabel:
    label = QLabel(text)
    label.setFont(kiosk_font(scale, bold=True))
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _text(text: str = "", scale: float = 1.0, *, plain: bool = True) -> QLabel:
    label = QLabel(text)
    if scale != 1.0:
        label.setFont(kiosk_font(scale))
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText if plain else Qt.TextFormat.MarkdownText)
    return label


def _private(edit: QLineEdit, limit: int) -> QLineEdit:
    """A field that shows nothing of anyone else: no completer, no menu, no drag."""
    edit.setCompleter(None)
    edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    edit.setDragEnabled(False)
    edit.setMaxLength(limit)
    edit.setClearButtonEnabled(False)
    return edit


def wipe(edit: QLineEdit) -> None:
    """Empty ``edit`` and its undo history (``clear()`` can be undone; ``setText`` cannot)."""
    edit.setText("")
    edit.setModified(False)


class Field(QWidget):
    """A control with its label above and its problem (if any) below, in the user's words."""

    def __init__(self, label: str, control: QWidget, hint: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.control = control
        self.label = QLabel(label)
        self.label.setBuddy(control)
        self.label.setWordWrap(True)
        name = label.replace("&", "")
        if not control.accessibleName():
            control.setAccessibleName(name)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setFont(kiosk_font(0.9))
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAccessibleName(self.tr("{field}: problem").format(field=name))
        self.message.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(self.label)
        column.addWidget(control)
        if hint:
            self.hint = QLabel(hint)
            self.hint.setWordWrap(True)
            self.hint.setEnabled(False)
            column.addWidget(self.hint)
        column.addWidget(self.message)
        self.setFocusProxy(control)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


# ---------------------------------------------------------------------------- the form

class SignUpForm(QWidget):
    """The sign-up form; ``submitted`` on Enter in any field or on the big button."""

    submitted = Signal()
    leave_requested = Signal()

    def __init__(self, texts: core.KioskTexts, parent: QWidget | None = None):
        super().__init__(parent)
        self.texts = texts
        self.title = _heading(texts.commitment.title or self.tr("I'm HeForShe"), 1.9)
        self.title.setAccessibleName(self.tr("The HeForShe commitment"))
        self.commitment_text = _text(texts.commitment.body, 1.0, plain=False)
        self.commitment_text.setAccessibleName(self.tr("What you commit to"))
        self.event_line = _text()
        self.event_line.setEnabled(False)
        self.event_line.setAccessibleName(self.tr("Event"))

        self.given = _private(QLineEdit(), 200)
        self.family = _private(QLineEdit(), 200)
        self.email = _private(QLineEdit(), 254)
        self.email.setInputMethodHints(Qt.InputMethodHint.ImhEmailCharactersOnly | Qt.InputMethodHint.ImhNoAutoUppercase)
        self.student_id = _private(QLineEdit(), 64)
        self.student_id.setInputMethodHints(Qt.InputMethodHint.ImhNoPredictiveText)
        self.affiliation = EnumCombo(Affiliation)
        self.gender = _private(QLineEdit(), 100)
        self.gender.setPlaceholderText(self.tr("Optional, in your own words"))
        self.commitment = _private(QLineEdit(), 2000)
        self.commitment.setPlaceholderText(self.tr("Optional: what will you do for gender equality?"))
        notice = texts.notice
        self.may_contact = QCheckBox(notice.get("contact") or self.tr("The chapter may contact me"))
        self.may_publish = QCheckBox(notice.get("publish") or self.tr("The chapter may publish my name"))
        self.contact_purpose = _text(notice.get("contact_purpose"), 0.75)
        self.publish_purpose = _text(notice.get("publish_purpose"), 0.75)
        for box, purpose in ((self.may_contact, self.contact_purpose), (self.may_publish, self.publish_purpose)):
            box.setAccessibleDescription(purpose.text())
            purpose.setIndent(44)  # under the box's text, past its indicator
            purpose.setBuddy(box)

        self.fields: dict[str, Field] = {
            "given_names": Field(self.tr("&Given name(s)"), self.given),
            "family_names": Field(self.tr("&Family name(s)"), self.family),
            "email": Field(self.tr("&Email (optional)"), self.email),
            "student_id": Field(self.tr("&Student id (optional)"), self.student_id),
            "affiliation": Field(self.tr("I am &a…"), self.affiliation),
            "gender": Field(self.tr("Gen&der (optional)"), self.gender),
            "personal_commitment": Field(self.tr("My &commitment (optional)"), self.commitment),
        }
        self.banner = _text()
        self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.setAccessibleName(self.tr("Problem"))
        self.banner.hide()

        self.notice_title = _heading(notice.title or self.tr("Your privacy"), 0.8)
        self.notice_body = _text(notice.body, 0.72, plain=False)
        self.notice_body.setAccessibleName(self.tr("Privacy notice"))
        notice_box = QFrame()
        notice_box.setObjectName("notice")
        nb = QVBoxLayout(notice_box)
        nb.setContentsMargins(14, 8, 14, 10)
        nb.setSpacing(2)
        nb.addWidget(self.notice_title)
        nb.addWidget(self.notice_body)

        self.submit_button = _primary(self.tr("I'm HeForShe"), 1.35)
        self.submit_button.setAccessibleName(self.tr("Sign: I'm HeForShe"))
        self.submit_button.clicked.connect(self.submitted)
        self.leave_button = QPushButton(self.tr("Organiser: leave…"))
        self.leave_button.setObjectName("quiet")
        self.leave_button.setAccessibleName(self.tr("Leave the kiosk (organiser, needs the PIN)"))
        self.leave_button.clicked.connect(self.leave_requested)

        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(6)
        top = Qt.AlignmentFlag.AlignTop
        f = self.fields
        grid.addWidget(f["given_names"], 0, 0, top)
        grid.addWidget(f["family_names"], 0, 1, top)
        grid.addWidget(f["email"], 1, 0, top)
        grid.addWidget(f["student_id"], 1, 1, top)
        grid.addWidget(f["affiliation"], 2, 0, top)
        grid.addWidget(f["gender"], 2, 1, top)
        grid.addWidget(f["personal_commitment"], 3, 0, 1, 2, top)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        consent = QGridLayout()
        consent.setHorizontalSpacing(28)
        consent.setVerticalSpacing(0)
        consent.addWidget(self.may_contact, 0, 0)
        consent.addWidget(self.contact_purpose, 1, 0, top)
        consent.addWidget(self.may_publish, 0, 1)
        consent.addWidget(self.publish_purpose, 1, 1, top)
        consent.setColumnStretch(0, 1)
        consent.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        buttons.addStretch(1)

        inner = QWidget()
        inner.setMaximumWidth(1200)
        column = QVBoxLayout(inner)
        column.setContentsMargins(36, 14, 36, 4)
        column.setSpacing(8)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.event_line, 0, Qt.AlignmentFlag.AlignBottom)
        self.event_line.setWordWrap(False)
        column.addLayout(title_row)
        column.addWidget(self.commitment_text)
        column.addSpacing(4)
        column.addWidget(self.banner)
        column.addLayout(grid)
        column.addLayout(consent)
        column.addWidget(notice_box)
        column.addSpacing(4)
        column.addLayout(buttons)
        column.addStretch(1)
        leave_row = QHBoxLayout()
        leave_row.addStretch(1)
        leave_row.addWidget(self.leave_button)
        column.addLayout(leave_row)
        centre = QHBoxLayout()
        centre.setContentsMargins(0, 0, 0, 0)
        centre.addStretch(1)
        centre.addWidget(inner, 12)
        centre.addStretch(1)
        holder = QWidget()
        holder.setLayout(centre)
        scroll = QScrollArea()
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        # Enter in any field submits: line edits say so themselves, the others are watched.
        for edit in self.line_edits():
            edit.returnPressed.connect(self.submitted)
        for widget in (self.affiliation, self.may_contact, self.may_publish, self.submit_button):
            widget.installEventFilter(self)
        order = [*self.line_edits()[:4], self.affiliation, self.gender, self.commitment,
                 self.may_contact, self.may_publish, self.submit_button, self.leave_button]
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)

    def line_edits(self) -> list[QLineEdit]:
        return [self.given, self.family, self.email, self.student_id, self.gender, self.commitment]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() in (
            Qt.Key.Key_Return, Qt.Key.Key_Enter
        ):
            if watched is self.affiliation and self.affiliation.view().isVisible():
                return False  # Enter picks from the open list
            self.submitted.emit()
            return True
        return super().eventFilter(watched, event)

    def set_event(self, event: core.KioskEvent) -> None:
        self.event_line.setText(self.tr("{event} · {chapter}").format(event=event.title, chapter=event.chapter_name))

    def entry(self) -> core.KioskEntry:
        return core.KioskEntry(
            given_names=self.given.text(),
            family_names=self.family.text(),
            email=self.email.text(),
            student_id=self.student_id.text(),
            affiliation=self.affiliation.value() or Affiliation.STUDENT,
            gender=self.gender.text(),
            personal_commitment=self.commitment.text(),
            may_contact=self.may_contact.isChecked(),
            may_publish_name=self.may_publish.isChecked(),
        )

    def has_input(self) -> bool:
        return (any(e.text() for e in self.line_edits()) or self.may_contact.isChecked()
                or self.may_publish.isChecked() or self.affiliation.value() is not Affiliation.STUDENT
                or not self.banner.isHidden() or any(not f.message.isHidden() for f in self.fields.values()))

    def show_errors(self, error: ValidationError) -> None:
        self.clear_errors()
        first: Field | None = None
        stray = []
        for name, text in error.fields.items():
            field = self.fields.get(name)
            if field is None:
                stray.append(text)
                continue
            field.show_message(text)
            first = first or field
        if stray:
            self.show_banner(" ".join(stray))
        (first.control if first is not None else self.given).setFocus(Qt.FocusReason.OtherFocusReason)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def clear_errors(self) -> None:
        self.banner.hide()
        self.banner.setText("")
        for field in self.fields.values():
            field.show_message("")

    def reset(self) -> None:
        """Empty for the next person: fields, undo history, choices, messages, clipboard."""
        for edit in self.line_edits():
            wipe(edit)
        self.affiliation.set_value(Affiliation.STUDENT)
        self.may_contact.setChecked(False)
        self.may_publish.setChecked(False)
        self.clear_errors()
        clipboard = QGuiApplication.clipboard()
        clipboard.clear(QClipboard.Mode.Clipboard)
        if clipboard.supportsSelection():
            clipboard.clear(QClipboard.Mode.Selection)
        self.focus_first()

    def focus_first(self) -> None:
        self.given.setFocus(Qt.FocusReason.OtherFocusReason)


# ---------------------------------------------------------------------------- other pages

class ThanksPage(QWidget):
    """Thanks, the count of the day and the progress toward the event's and chapter's goal."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # takes the focus: a second Enter lands here
        self.setAccessibleName(self.tr("Thank you"))
        self.heading = _heading(self.tr("Thank you for taking the pledge!"), 2.2)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = _heading("", 1.4)
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number.setAccessibleName(self.tr("Your number today"))
        self.event_text = _text("", 1.15)
        self.event_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.event_bar = QProgressBar()
        self.event_bar.setTextVisible(False)
        self.event_bar.setAccessibleName(self.tr("Progress toward the event's goal"))
        self.chapter_text = _text("", 1.15)
        self.chapter_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chapter_bar = QProgressBar()
        self.chapter_bar.setTextVisible(False)
        self.chapter_bar.setAccessibleName(self.tr("Progress toward the chapter's goal"))
        self.next_text = _text(self.tr("The form is ready for the next person in a moment."), 0.9)
        self.next_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_text.setEnabled(False)
        column = QVBoxLayout(self)
        column.setContentsMargins(140, 40, 140, 40)
        column.addStretch(2)
        column.addWidget(self.heading)
        column.addSpacing(16)
        column.addWidget(self.number)
        column.addSpacing(28)
        column.addWidget(self.event_text)
        column.addWidget(self.event_bar)
        column.addSpacing(18)
        column.addWidget(self.chapter_text)
        column.addWidget(self.chapter_bar)
        column.addStretch(3)
        column.addWidget(self.next_text)

    def show_progress(self, progress: core.KioskProgress, event: core.KioskEvent) -> None:
        self.number.setText(self.tr("You are number {n} today.").format(n=fmt_int(progress.today)))
        goal = progress.event_goal
        if goal is not None:
            self.event_text.setText(self.tr("{count} of {target} pledges for {event}").format(
                count=fmt_int(goal.current), target=fmt_int(goal.target), event=goal.label))
            self.event_bar.setRange(0, goal.target)
            self.event_bar.setValue(min(goal.current, goal.target))
            self.event_bar.show()
        else:
            self.event_text.setText(self.tr("{count} pledges at {event} so far").format(
                count=fmt_int(progress.event_pledges), event=event.title))
            self.event_bar.hide()
        goal = progress.chapter_goal
        self.chapter_text.setVisible(goal is not None)
        self.chapter_bar.setVisible(goal is not None)
        if goal is not None:
            self.chapter_text.setText(self.tr("{count} of {target} toward {goal}").format(
                count=fmt_int(goal.current), target=fmt_int(goal.target), goal=goal.label))
            self.chapter_bar.setRange(0, goal.target)
            self.chapter_bar.setValue(min(goal.current, goal.target))


class _CentredPage(QWidget):
    """A narrow column in the middle of the screen, for the organiser's pages."""

    def __init__(self, title: str, intro: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.heading = _heading(title, 1.6)
        self.intro = _text(intro)
        self.form = QVBoxLayout()
        self.form.setSpacing(10)
        self.problem = _text()
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.setAccessibleName(self.tr("Problem"))
        self.problem.hide()
        self.buttons = QHBoxLayout()
        inner = QWidget()
        inner.setMaximumWidth(760)
        inner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        column = QVBoxLayout(inner)
        column.setSpacing(12)
        column.addWidget(self.heading)
        column.addWidget(self.intro)
        column.addLayout(self.form)
        column.addWidget(self.problem)
        column.addSpacing(8)
        column.addLayout(self.buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(inner, 6)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))


def _primary(text: str, scale: float = 1.0) -> QPushButton:
    """The page's main button: purple, bold (set as a font, so its width counts it)."""
    button = QPushButton(text)
    button.setObjectName("primary")
    button.setFont(kiosk_font(scale, bold=True))
    return button


def _secret(name: str) -> QLineEdit:
    edit = _private(QLineEdit(), core.MAX_PIN_LENGTH)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    edit.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText)
    return edit


class StartPage(_CentredPage):
    """A laptop with no event yet: create the event (and, on an empty file, the chapter)."""

    done = Signal(int)
    cancelled = Signal()

    def __init__(self, db, parent: QWidget | None = None):  # type: ignore[no-untyped-def]
        super().__init__(
            tr("Which event is this kiosk for?"),
            tr("This laptop has no event to collect sign-ups for yet. Create it here; the sign-ups "
               "are added to your chapter's database when an organiser merges this laptop's file."),
            parent,
        )
        self.db = db
        self.needs_chapter = core.kiosk_chapter_id(db) is None
        self.chapter_name = _private(QLineEdit(), 200)
        self.event_title = _private(QLineEdit(), 200)
        self.event_title.setText(tr("HeForShe pledge drive"))
        self.goal = QSpinBox()
        self.goal.setRange(0, 1_000_000)
        self.goal.setSpecialValueText(tr("No goal"))
        self.goal.setGroupSeparatorShown(True)
        from PySide6.QtCore import QTimeZone

        self.timezone = bytes(QTimeZone.systemTimeZoneId().data()).decode() or "UTC"
        self.fields = {
            "chapter_name": Field(tr("Your &chapter's name"), self.chapter_name),
            "event_title": Field(tr("The &event"), self.event_title,
                                 tr("It starts now, in this laptop's time zone ({zone}).").format(zone=self.timezone)),
            "pledge_goal": Field(tr("Pledge &goal for the event (optional)"), self.goal),
        }
        self.fields["chapter_name"].setVisible(self.needs_chapter)
        for field in self.fields.values():
            self.form.addWidget(field)
        self.create_button = _primary(tr("Create the event and continue"))
        self.create_button.clicked.connect(self.create)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancelled)
        self.buttons.addWidget(self.cancel_button)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.create_button)
        for edit in (self.chapter_name, self.event_title):
            edit.returnPressed.connect(self.create)
        self.goal.lineEdit().returnPressed.connect(self.create)

    def focus_first(self) -> None:
        (self.chapter_name if self.needs_chapter else self.event_title).setFocus()

    @Slot()
    def create(self) -> bool:
        for field in self.fields.values():
            field.show_message("")
        self.say("")
        try:
            event_id = core.start_here(self.db, core.KioskStart(
                event_title=self.event_title.text(), chapter_name=self.chapter_name.text(),
                timezone=self.timezone, pledge_goal=self.goal.value() or None))
        except ValidationError as error:
            first = None
            for name, text in error.fields.items():
                field = self.fields.get(name)
                if field is None:
                    self.say(text)
                else:
                    field.show_message(text)
                    first = first or field
            if first is not None:
                first.control.setFocus()
            return False
        except ChapterError as error:
            self.say(str(error))
            return False
        self.done.emit(event_id)
        return True


class PinSetupPage(_CentredPage):
    """The organiser sets the exit PIN, typed twice."""

    done = Signal(str)  # the stored hash
    cancelled = Signal()

    def __init__(self, db, parent: QWidget | None = None):  # type: ignore[no-untyped-def]
        super().__init__(
            tr("Set the organiser's exit PIN"),
            tr("Only someone who knows this PIN can leave the kiosk. Type it twice. Five wrong "
               "tries lock the exit for a minute."),
            parent,
        )
        self.db = db
        self.event_line = _text()
        self.event_line.setAccessibleName(tr("Event"))
        self.form.addWidget(self.event_line)
        self.pin = _secret(tr("Exit PIN"))
        self.again = _secret(tr("Exit PIN again"))
        self.fields = {
            "pin": Field(tr("Exit &PIN (at least {digits} digits, or a passphrase of {chars} characters)").format(
                digits=core.MIN_PIN_LENGTH, chars=core.MIN_PASSPHRASE_LENGTH), self.pin),
            "again": Field(tr("The same PIN &again"), self.again),
        }
        for field in self.fields.values():
            self.form.addWidget(field)
        self.start_button = _primary(tr("Start taking sign-ups"))
        self.start_button.clicked.connect(self.confirm)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancelled)
        self.buttons.addWidget(self.cancel_button)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.start_button)
        self.pin.returnPressed.connect(self.again.setFocus)
        self.again.returnPressed.connect(self.confirm)

    def set_event(self, event: core.KioskEvent) -> None:
        self.event_line.setText(tr("Sign-ups for: {event} ({chapter})").format(
            event=event.title, chapter=event.chapter_name))

    def focus_first(self) -> None:
        self.pin.setFocus()

    @Slot()
    def confirm(self) -> bool:
        for field in self.fields.values():
            field.show_message("")
        self.say("")
        try:
            pin = core.check_new_pin(self.pin.text(), self.again.text())
            stored = core.set_exit_pin(self.db, pin)
        except ValidationError as error:
            for name, text in error.fields.items():
                self.fields[name].show_message(text)
            wipe(self.again)
            (self.pin if "pin" in error.fields else self.again).setFocus()
            return False
        except ChapterError as error:
            self.say(str(error))
            return False
        wipe(self.pin)
        wipe(self.again)
        self.done.emit(stored)
        return True


class LeavePage(_CentredPage):
    """The PIN to leave; the exit locks for a minute after five wrong ones."""

    opened = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(
            tr("Leave the kiosk"),
            tr("For the organiser: type the exit PIN. Anyone else: go back to the sign-up form."),
            parent,
        )
        self.gate: core.ExitGate | None = None
        self.pin = _secret(tr("Exit PIN"))
        self.field = Field(tr("Exit &PIN"), self.pin)
        self.form.addWidget(self.field)
        self.leave_button = QPushButton(tr("Leave the kiosk"))
        self.leave_button.clicked.connect(self.try_pin)
        self.back_button = _primary(tr("Back to the sign-up form"))
        self.back_button.clicked.connect(self.back)
        self.buttons.addWidget(self.back_button)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.leave_button)
        self.pin.returnPressed.connect(self.try_pin)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)

    def enter(self) -> None:
        wipe(self.pin)
        self.field.show_message("")
        self.refresh()
        self.pin.setFocus() if self.pin.isEnabled() else self.back_button.setFocus()

    @Slot()
    def refresh(self) -> None:
        """Lock or unlock the field as the gate says; the countdown while locked."""
        left = self.gate.locked_for() if self.gate is not None else 0.0
        locked = left > 0
        self.pin.setEnabled(not locked)
        self.leave_button.setEnabled(not locked)
        if locked:
            self.field.show_message(tr("Too many wrong PINs: the exit is locked for {s} s.").format(
                s=int(left + 0.999)))
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()
            if self.field.message.text().startswith(tr("Too many wrong PINs").split(":")[0]):
                self.field.show_message("")

    @Slot()
    def try_pin(self) -> bool:
        if self.gate is None or not self.pin.isEnabled():
            return False
        result = self.gate.try_pin(self.pin.text())
        wipe(self.pin)
        if result.answer is core.GateAnswer.OPEN:
            self.opened.emit()
            return True
        if result.answer is core.GateAnswer.WRONG:
            self.field.show_message(tr("That is not the PIN. %n try(s) left before the exit locks for a minute.",
                                       "", result.tries_left))
        self.refresh()
        if self.pin.isEnabled():
            self.pin.setFocus()
        else:
            self.back_button.setFocus()
        return False


# ---------------------------------------------------------------------------- the window

class KioskWindow(QWidget):
    """The kiosk.  ``left`` is emitted once the organiser leaves with the PIN (or cancels
    before the kiosk started taking sign-ups)."""

    left = Signal()

    def __init__(
        self,
        db,  # type: ignore[no-untyped-def]
        event_id: int | None,
        *,
        thanks_ms: int = THANKS_MS,
        idle_ms: int = IDLE_MS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] | None = None,
        language: str | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent, Qt.WindowType.Window)
        self.db = db
        self.event_id = event_id
        self.thanks_ms = thanks_ms
        self.clock = clock
        self._now = now
        self.texts = core.load_texts(language or _language())
        self.kiosk: core.Kiosk | None = None
        self.armed = False  # taking sign-ups: only the PIN leaves
        self._leaving = False
        self._saving = False
        self.last_thanks: core.KioskThanks | None = None
        # The window state to come back to (full screen, or the size for --windowed) when
        # the window manager minimises or hides the kiosk (Alt+Space, Iconify).
        self._wanted_state = Qt.WindowState.WindowNoState
        self._come_back_timer = QTimer(self)
        self._come_back_timer.setSingleShot(True)
        self._come_back_timer.setInterval(0)
        self._come_back_timer.timeout.connect(self._come_back)

        self.setWindowTitle(self.tr("HeForShe sign-up"))
        self.setAccessibleName(self.tr("HeForShe sign-up kiosk"))
        self.setFont(kiosk_font())
        self.setStyleSheet(STYLE)

        self.stack = QStackedWidget()
        self.start_page: StartPage | None = None
        self.pin_page = PinSetupPage(db)
        self.pin_page.done.connect(self._armed)
        self.pin_page.cancelled.connect(self._cancel)
        self.form = SignUpForm(self.texts)
        self.form.submitted.connect(self.submit)
        self.form.leave_requested.connect(self.ask_to_leave)
        self.thanks = ThanksPage()
        self.leave_page = LeavePage()
        self.leave_page.opened.connect(self._leave)
        self.leave_page.back.connect(self.show_form)
        for page in (self.pin_page, self.form, self.thanks, self.leave_page):
            self.stack.addWidget(page)
        if event_id is None:
            self.start_page = StartPage(db)
            self.start_page.done.connect(self._event_ready)
            self.start_page.cancelled.connect(self._cancel)
            self.stack.addWidget(self.start_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self._thanks_timer = QTimer(self)
        self._thanks_timer.setSingleShot(True)
        self._thanks_timer.timeout.connect(self.show_form)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(idle_ms)
        self.idle_timer.timeout.connect(self.idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

        if self.start_page is not None:
            self._show(self.start_page)
        else:
            self._event_ready(event_id)

    # ------------------------------------------------------------------ pages
    def _show(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        self._focus(page)

    def _focus(self, page: QWidget) -> None:
        focus = getattr(page, "focus_first", None)
        if focus is not None:
            focus()
        else:
            page.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(int)
    def _event_ready(self, event_id: int) -> None:
        self.event_id = event_id
        self.kiosk = core.Kiosk(self.db, event_id, self.texts, now=self._now)
        self.pin_page.set_event(self.kiosk.event)
        self.form.set_event(self.kiosk.event)
        self._show(self.pin_page)

    @Slot(str)
    def _armed(self, stored_hash: str) -> None:
        self.leave_page.gate = core.ExitGate(stored_hash, self.clock)
        self.armed = True
        self.show_form()

    @Slot()
    def show_form(self) -> None:
        self._thanks_timer.stop()
        if self.stack.currentWidget() is self.leave_page:
            wipe(self.leave_page.pin)
        self._show(self.form)
        self.form.focus_first()
        self.idle_timer.start()

    def page(self) -> QWidget:
        return self.stack.currentWidget()

    # ------------------------------------------------------------------ signing
    @Slot()
    def submit(self) -> bool:
        """Save the sign-up, then thank.  A second Enter or click meanwhile does nothing."""
        if self._saving or self.kiosk is None or self.stack.currentWidget() is not self.form:
            return False
        self._saving = True
        try:
            thanks = self.kiosk.submit(self.form.entry())
        except ValidationError as error:
            self.form.show_errors(error)
            return False
        except ChapterError as error:
            self.form.show_banner(str(error) + " " + self.tr("What you typed is still here."))
            return False
        except Exception as error:  # the form must survive anything
            from ui.frame.errors import describe

            self.form.show_banner(describe(error))
            return False
        finally:
            self._saving = False
        # On disk now: clear the form and thank.
        self.last_thanks = thanks
        self.form.reset()
        assert self.kiosk is not None
        self.thanks.show_progress(thanks.progress, self.kiosk.event)
        self.stack.setCurrentWidget(self.thanks)
        self.thanks.setFocus(Qt.FocusReason.OtherFocusReason)
        self._thanks_timer.start(self.thanks_ms)
        return True

    @Slot()
    def idle(self) -> None:
        """Nobody touched the kiosk for a while: empty the form for privacy."""
        current = self.stack.currentWidget()
        if not self.armed:
            return
        if current is self.form:
            if self.form.has_input():
                self.form.reset()
            self.form.focus_first()
        elif current is self.leave_page:
            self.show_form()
        self.idle_timer.start()

    # ------------------------------------------------------------------ leaving
    @Slot()
    def ask_to_leave(self) -> None:
        if not self.armed:
            return
        self._show(self.leave_page)
        self.leave_page.enter()
        self.idle_timer.start()

    @Slot()
    def _leave(self) -> None:
        self._leaving = True
        self.form.reset()
        self.close()

    @Slot()
    def _cancel(self) -> None:
        if self.armed:
            return
        self._leaving = True
        self.close()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.armed and event.type() in _ACTIVITY and self.isVisible():
            self.idle_timer.start()
        return False

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.activateWindow()
        page = self.stack.currentWidget()
        if page is not self.leave_page:
            self._focus(page)

    # ------------------------------------------------------------------ staying up
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() != QEvent.Type.WindowStateChange:
            return
        state = self.windowState()
        if state & Qt.WindowState.WindowMinimized:
            if self.armed and not self._leaving:
                self._come_back_timer.start()
        else:
            self._wanted_state = state

    def hideEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().hideEvent(event)
        if self.armed and not self._leaving:
            self._come_back_timer.start()

    @Slot()
    def _come_back(self) -> None:
        """Minimised or hidden while taking sign-ups: the desktop must not show; back up."""
        if not self.armed or self._leaving:
            return
        self.setWindowState(self._wanted_state & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()  # Esc does not leave
            if self.stack.currentWidget() is self.leave_page:
                self.show_form()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.armed and not self._leaving:
            event.ignore()  # the close button and Alt+F4: only the PIN leaves
            return
        self._thanks_timer.stop()
        self.idle_timer.stop()
        self._come_back_timer.stop()
        self.leave_page._tick.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        event.accept()
        self.armed = False
        self.left.emit()


_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate, QEvent.Type.Wheel, QEvent.Type.InputMethod,
}

__all__ = ["IDLE_MS", "THANKS_MS", "KioskWindow", "LeavePage", "PinSetupPage", "SignUpForm", "StartPage",
           "ThanksPage", "wipe"]
