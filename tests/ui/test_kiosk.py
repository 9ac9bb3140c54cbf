"""The sign-up kiosk driven as people use it: the organiser sets the PIN, a queue signs
(typing, a barcode scanner, double Enter, someone signing twice), the form empties itself,
nothing of anyone else shows, and only the PIN leaves."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit
from sqlalchemy import func, select

from chapter_manager.models import Attendance, Person, Pledge, RecordSource, Setting
from chapter_manager.services import events, pledges
from chapter_manager.services import kiosk as core
from chapter_manager.services.people import PersonData

PIN = "246813"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _kiosks_closed(qapp):
    """An armed kiosk refuses to close (that is the point): let each test's go, for good."""
    yield
    from PySide6.QtWidgets import QApplication

    from ui.kiosk import KioskWindow

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, KioskWindow):
            widget.armed = False
            widget.close()
            widget.deleteLater()
    qapp.processEvents()


@pytest.fixture
def event(db, chapter):
    return events.create_event(
        db, chapter.id,
        events.EventData(title="Feria HeForShe", starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
                         timezone="America/Mexico_City", pledge_goal=200),
    )


@pytest.fixture
def clock():
    return FakeClock()


def make_kiosk(qtbot, db, event_id, clock=None, **options):
    from ui.kiosk import KioskWindow

    options.setdefault("thanks_ms", 60)
    options.setdefault("language", "en")
    window = KioskWindow(db, event_id, clock=clock or FakeClock(), **options)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def set_pin(qtbot, window, pin=PIN):
    page = window.pin_page
    assert window.page() is page
    qtbot.waitUntil(page.pin.hasFocus, timeout=1000)
    qtbot.keyClicks(page.pin, pin)
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)  # Enter goes on to the second field
    assert page.again.hasFocus()
    qtbot.keyClicks(page.again, pin)
    qtbot.keyClick(page.again, Qt.Key.Key_Return)
    assert window.page() is window.form


@pytest.fixture
def kiosk(qtbot, db, event, clock):
    window = make_kiosk(qtbot, db, event.id, clock)
    set_pin(qtbot, window)
    return window


def counts(db):
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Person)),
                s.scalar(select(func.count()).select_from(Pledge)),
                s.scalar(select(func.count()).select_from(Attendance)))


def back_to_form(qtbot, window):
    qtbot.waitUntil(lambda: window.page() is window.form, timeout=3000)


def visible_text(window) -> str:
    """Everything a person can read on the kiosk right now."""
    parts = []
    for widget in window.findChildren(QLabel) + window.findChildren(QLineEdit):
        if widget.isVisibleTo(window):
            parts.append(widget.text())
    return "\n".join(parts)


# ---------------------------------------------------------------------------- set-up


def test_the_pin_is_typed_twice_and_stored_hashed(qtbot, db, event):
    window = make_kiosk(qtbot, db, event.id)
    page = window.pin_page
    qtbot.keyClicks(page.pin, "12")
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    qtbot.keyClick(page.again, Qt.Key.Key_Return)
    assert window.page() is page
    assert "at least 6 digits" in page.fields["pin"].message.text()
    page.pin.setText("135791")
    page.again.setText("135792")
    assert not page.confirm()
    assert "not the same" in page.fields["again"].message.text()
    assert page.again.text() == ""  # typed again, not corrected
    page.again.setText("135791")
    assert page.confirm()
    assert window.page() is window.form and window.armed
    with db.read() as s:
        stored = s.get(Setting, core.PIN_SETTING).value
    assert "135791" not in stored and stored.startswith("scrypt$")
    assert core.verify_pin(stored, "135791") and not core.verify_pin(stored, "135792")
    assert page.pin.text() == "" and page.again.text() == ""


def test_cancel_before_starting_leaves_without_a_pin(qtbot, db, event):
    window = make_kiosk(qtbot, db, event.id)
    with qtbot.waitSignal(window.left, timeout=1000):
        window.pin_page.cancel_button.click()
    assert not window.isVisible()


# ---------------------------------------------------------------------------- signing


def test_a_person_types_the_form_and_enter_signs(qtbot, db, event, kiosk):
    form = kiosk.form
    assert form.given.hasFocus()  # the first field has the focus
    assert not form.may_contact.isChecked() and not form.may_publish.isChecked()
    qtbot.keyClicks(form.given, "Ana")
    form.family.setText("Núñez Pérez")  # accented text: setText (QTest aborts on non-ASCII)
    qtbot.keyClicks(form.email, "ana@example.org")
    qtbot.keyClicks(form.gender, "woman")
    qtbot.keyClicks(form.commitment, "Speak up")
    form.may_contact.setChecked(True)
    qtbot.keyClick(form.email, Qt.Key.Key_Return)

    assert kiosk.page() is kiosk.thanks  # shown only after the sign-up is on disk:
    with db.read() as s:
        pledge = s.scalars(select(Pledge)).one()
        person = s.get(Person, pledge.person_id)
        attended = s.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == event.id))
    assert (person.given_names, person.family_names, person.email) == ("Ana", "Núñez Pérez", "ana@example.org")
    assert person.gender == "woman" and person.affiliation.value == "student"
    assert pledge.source is RecordSource.KIOSK and pledge.event_id == event.id
    assert pledge.may_contact and not pledge.may_publish_name
    assert pledge.personal_commitment == "Speak up"
    texts = core.load_texts("en")
    assert pledge.commitment_version == texts.commitment.version == "2026-1.en"
    assert pledge.consent_version == texts.notice.version
    assert attended == 1
    assert "number 1 today" in kiosk.thanks.number.text()
    assert "1 of 200 pledges for Feria HeForShe" in kiosk.thanks.event_text.text()

    back_to_form(qtbot, kiosk)  # within 3 s (THANKS_MS is 2.5 s; 60 ms here)
    assert form.given.hasFocus()
    assert all(e.text() == "" for e in form.line_edits())
    assert not form.may_contact.isChecked()


def test_enter_on_a_checkbox_or_the_affiliation_submits_too(qtbot, db, event, kiosk):
    form = kiosk.form
    form.given.setText("Łukasz")
    form.affiliation.setFocus()
    qtbot.keyClick(form.affiliation, Qt.Key.Key_Down)  # staff
    qtbot.keyClick(form.affiliation, Qt.Key.Key_Return)
    assert kiosk.page() is kiosk.thanks
    back_to_form(qtbot, kiosk)
    form.given.setText("王芳")
    form.may_publish.setFocus()
    qtbot.keyClick(form.may_publish, Qt.Key.Key_Space)
    qtbot.keyClick(form.may_publish, Qt.Key.Key_Return)
    assert kiosk.page() is kiosk.thanks
    with db.read() as s:
        rows = s.execute(select(Person.given_names, Person.affiliation, Pledge.may_publish_name)
                         .join(Pledge, Pledge.person_id == Person.id).order_by(Person.id)).all()
    assert [(r[0], r[1].value, r[2]) for r in rows] == [("Łukasz", "staff", False), ("王芳", "student", True)]


def test_a_barcode_scanner_types_digits_and_enter_into_the_student_id(qtbot, db, event, kiosk):
    form = kiosk.form
    qtbot.keyClicks(form.given, "Priya")
    form.student_id.setFocus()
    qtbot.keyClicks(form.student_id, "031234567")  # what a USB scanner sends, then Enter
    qtbot.keyClick(form.student_id, Qt.Key.Key_Enter)  # keypad Enter, as many scanners send
    assert kiosk.page() is kiosk.thanks
    with db.read() as s:
        assert s.scalar(select(Person.student_id)) == "031234567"  # leading zero kept


def test_a_scan_before_the_name_keeps_the_number_and_asks_for_a_name(qtbot, db, event, kiosk):
    form = kiosk.form
    form.student_id.setFocus()
    qtbot.keyClicks(form.student_id, "0042")
    qtbot.keyClick(form.student_id, Qt.Key.Key_Return)
    assert kiosk.page() is kiosk.form
    assert form.student_id.text() == "0042"
    assert form.fields["given_names"].message.isVisibleTo(kiosk)
    assert form.given.hasFocus()
    assert counts(db) == (0, 0, 0)


def test_bad_input_gets_a_message_beside_the_field_and_nothing_is_lost(qtbot, db, event, kiosk):
    form = kiosk.form
    qtbot.keyClicks(form.given, "Jose")
    qtbot.keyClicks(form.email, "jose.example.org")
    qtbot.keyClicks(form.commitment, "I will listen")
    form.may_contact.setChecked(True)
    qtbot.keyClick(form.commitment, Qt.Key.Key_Return)
    assert kiosk.page() is kiosk.form
    message = form.fields["email"].message
    assert message.isVisibleTo(kiosk) and "valid email" in message.text()
    assert form.email.hasFocus()
    assert (form.given.text(), form.email.text(), form.commitment.text()) == (
        "Jose", "jose.example.org", "I will listen")
    assert form.may_contact.isChecked()
    assert counts(db) == (0, 0, 0)
    form.email.setText("jose@example.org")
    qtbot.keyClick(form.email, Qt.Key.Key_Return)
    assert kiosk.page() is kiosk.thanks
    assert counts(db) == (1, 1, 1)


def test_double_enter_and_double_click_record_one_sign_up(qtbot, db, event, kiosk):
    form = kiosk.form
    form.given.setText("Only-a-name")  # no email or student id: a second submit would be a second person
    qtbot.keyClick(form.given, Qt.Key.Key_Return)
    qtbot.keyClick(kiosk.focusWidget() or kiosk, Qt.Key.Key_Return)
    qtbot.keyClick(form.given, Qt.Key.Key_Return)  # even straight at the (hidden) field
    assert counts(db) == (1, 1, 1)
    back_to_form(qtbot, kiosk)
    # the extra Enters were not taken as an empty form: the next person sees no complaint
    assert not form.has_input()
    form.given.setText("Another")
    qtbot.mouseDClick(form.submit_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    assert counts(db) == (2, 2, 2)
    back_to_form(qtbot, kiosk)
    assert not form.has_input()


def test_someone_signing_twice_sees_the_same_thanks_and_gets_attendance(qtbot, db, chapter, event, kiosk):
    # They pledged earlier (another day, typed in from paper), not at this event.
    earlier = pledges.sign_up(db, chapter.id, PersonData(given_names="Ana", email="ana@example.org"),
                              pledges.PledgeData())
    form = kiosk.form
    form.given.setText("Someone")
    qtbot.keyClick(form.given, Qt.Key.Key_Return)
    first_heading = kiosk.thanks.heading.text()
    back_to_form(qtbot, kiosk)
    form.given.setText("Ana María")
    form.email.setText("ANA@example.org")
    form.may_publish.setChecked(True)
    qtbot.keyClick(form.email, Qt.Key.Key_Return)
    assert kiosk.page() is kiosk.thanks
    assert kiosk.thanks.heading.text() == first_heading
    shown = visible_text(kiosk)
    assert "already" not in shown.lower() and "Ana" not in shown
    outcome = kiosk.last_thanks.outcome
    assert outcome.person_id == earlier.person_id and not outcome.new_pledge and outcome.attendance_recorded
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Pledge).where(Pledge.person_id == earlier.person_id)) == 1
        assert s.scalar(select(Attendance.person_id).where(Attendance.event_id == event.id,
                                                           Attendance.person_id == earlier.person_id))
        assert s.scalar(select(Person.given_names).where(Person.id == earlier.person_id)) == "Ana"
        # a box ticked at the second signing is a statement: that consent is given now
        assert s.scalar(select(Pledge.may_publish_name).where(Pledge.person_id == earlier.person_id))


def _row(db, person_id):  # type: ignore[no-untyped-def]
    """Every column of a person and of their pledge (to show nothing of theirs changed)."""
    with db.read() as s:
        person = s.get(Person, person_id)
        pledge = s.scalars(select(Pledge).where(Pledge.person_id == person_id)).first()
        columns = [(c.key, getattr(person, c.key)) for c in Person.__table__.columns]
        if pledge is not None:
            columns += [("pledge." + c.key, getattr(pledge, c.key)) for c in Pledge.__table__.columns]
        return columns


def test_someone_typing_a_members_email_with_another_name_changes_nothing_of_theirs(
        qtbot, db, chapter, event, kiosk):
    from chapter_manager.services import merge_reviews

    member = pledges.sign_up(db, chapter.id, PersonData(given_names="Ana", family_names="López",
                                                        email="ana@example.org"),
                             pledges.PledgeData(may_contact=True, may_publish_name=True))
    before = _row(db, member.person_id)
    form = kiosk.form
    qtbot.keyClicks(form.given, "Mallory")
    qtbot.keyClicks(form.family, "Quinn")
    qtbot.keyClicks(form.email, "ANA@example.org")
    qtbot.keyClicks(form.student_id, "99999999")  # made up
    qtbot.keyClick(form.email, Qt.Key.Key_Return)  # no consent ticked: would withdraw hers
    assert kiosk.page() is kiosk.thanks
    outcome = kiosk.last_thanks.outcome
    # The sign-up is kept, on a person of its own, without her email.
    assert outcome.new_person and outcome.new_pledge and outcome.person_id != member.person_id
    assert _row(db, member.person_id) == before  # her details, consent and pledge as they were
    with db.read() as s:
        newcomer = s.get(Person, outcome.person_id)
        assert (newcomer.given_names, newcomer.email, newcomer.student_id) == ("Mallory", None, "99999999")
        assert s.scalar(select(func.count()).select_from(Attendance)
                        .where(Attendance.person_id == member.person_id)) == 0
    (review,) = merge_reviews.list_reviews(db, chapter.id)
    assert (review.reason, review.person_id, review.candidate_id) == (
        "identifier", outcome.person_id, member.person_id)
    # The same person signing again is the same sign-up, not a third person.
    back_to_form(qtbot, kiosk)
    qtbot.keyClicks(form.given, "Mallory")
    qtbot.keyClicks(form.family, "Quinn")
    qtbot.keyClicks(form.email, "ana@example.org")
    qtbot.keyClick(form.email, Qt.Key.Key_Return)
    assert kiosk.last_thanks.outcome.person_id == outcome.person_id
    assert _row(db, member.person_id) == before and len(merge_reviews.list_reviews(db, chapter.id)) == 1


def test_a_member_signing_at_the_kiosk_offers_a_student_id_for_review(qtbot, db, chapter, event, kiosk):
    from chapter_manager.services import merge_reviews

    member = pledges.sign_up(db, chapter.id, PersonData(given_names="Ana", family_names="López",
                                                        email="ana@example.org"), pledges.PledgeData())
    before = _row(db, member.person_id)
    form = kiosk.form
    qtbot.keyClicks(form.given, "ana maria")
    qtbot.keyClicks(form.family, "LOPEZ")
    qtbot.keyClicks(form.email, "ana@example.org")
    qtbot.keyClicks(form.student_id, "20261234")
    qtbot.keyClick(form.email, Qt.Key.Key_Return)
    assert kiosk.last_thanks.outcome.person_id == member.person_id  # her, by email and name
    after = dict(_row(db, member.person_id))
    assert after["student_id"] is None and after["given_names"] == "Ana"
    (review,) = merge_reviews.list_reviews(db, chapter.id)
    assert (review.reason, review.offered) == ("details", {"student_id": "20261234"})
    merge_reviews.resolve_review(db, review.id, same_person=True)
    assert dict(_row(db, member.person_id))["student_id"] == "20261234"
    assert dict(before)["uuid"] == after["uuid"]


# ---------------------------------------------------------------------------- privacy


def test_nothing_of_the_previous_person_is_visible_or_recoverable(qtbot, db, event, kiosk):
    form = kiosk.form
    for edit in form.line_edits():
        assert edit.completer() is None
        assert edit.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
    qtbot.keyClicks(form.given, "Victoria")
    qtbot.keyClicks(form.email, "victoria@example.org")
    qtbot.keyClicks(form.student_id, "777")
    form.email.selectAll()
    form.email.copy()  # the person copied their email
    qtbot.keyClick(form.email, Qt.Key.Key_Return)
    assert "Victoria" not in visible_text(kiosk) and "victoria@" not in visible_text(kiosk)
    back_to_form(qtbot, kiosk)
    assert "Victoria" not in visible_text(kiosk) and "777" not in visible_text(kiosk)
    for edit in form.line_edits():
        assert edit.text() == "" and not edit.isUndoAvailable() and not edit.isRedoAvailable()
    # Ctrl+Z and paste in every field bring nothing back
    for edit in form.line_edits():
        edit.setFocus()
        qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert edit.text() == "", edit.accessibleName()
    assert QGuiApplication.clipboard().text() == ""


def test_idle_for_the_timeout_empties_the_form(qtbot, db, event):
    window = make_kiosk(qtbot, db, event.id, idle_ms=150)
    set_pin(qtbot, window)
    form = window.form
    qtbot.keyClicks(form.given, "Half")
    qtbot.keyClicks(form.email, "half@exam")
    form.may_contact.setChecked(True)
    qtbot.waitUntil(lambda: form.given.text() == "", timeout=3000)
    assert form.email.text() == "" and not form.may_contact.isChecked()
    assert not form.given.isUndoAvailable() and form.given.hasFocus()
    assert counts(db) == (0, 0, 0)


def test_typing_keeps_the_form_from_clearing(qtbot, db, event):
    window = make_kiosk(qtbot, db, event.id, idle_ms=400)
    set_pin(qtbot, window)
    form = window.form
    for letter in "Slowtyper":
        qtbot.keyClick(form.given, letter)
        qtbot.wait(120)  # 9 × 120 ms > 400 ms, but never 400 ms without a key
    assert form.given.text() == "Slowtyper"


# ---------------------------------------------------------------------------- leaving


def test_esc_close_and_alt_f4_do_not_leave(qtbot, db, event, kiosk):
    qtbot.keyClick(kiosk.form.given, Qt.Key.Key_Escape)
    qtbot.keyClick(kiosk, Qt.Key.Key_Escape)
    assert kiosk.isVisible() and kiosk.page() is kiosk.form
    # The close button and Alt+F4 both ask the window to close: it refuses.
    assert kiosk.close() is False
    qtbot.keyClick(kiosk, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert kiosk.isVisible() and kiosk.armed


def test_minimising_or_hiding_the_kiosk_brings_it_back_full_screen(qtbot, db, event, kiosk):
    # The window manager's menu (Alt+Space, Iconify) minimises through the window state.
    kiosk.showFullScreen()
    qtbot.waitUntil(kiosk.isFullScreen, timeout=2000)
    kiosk.showMinimized()
    qtbot.waitUntil(lambda: not kiosk.isMinimized() and kiosk.isVisible(), timeout=2000)
    assert kiosk.isFullScreen() and kiosk.page() is kiosk.form and kiosk.armed
    # Hidden by the system anyway: it shows itself again.
    kiosk.hide()
    qtbot.waitUntil(kiosk.isVisible, timeout=2000)
    assert kiosk.isFullScreen() and not kiosk.isMinimized()


def test_before_it_takes_sign_ups_the_kiosk_may_be_minimised(qtbot, db, event):
    window = make_kiosk(qtbot, db, event.id)
    window.showMinimized()
    qtbot.wait(50)
    assert window.isMinimized() and not window.armed


def test_the_pin_leaves(qtbot, db, event, kiosk):
    kiosk.form.leave_button.click()
    page = kiosk.leave_page
    assert kiosk.page() is page and page.pin.hasFocus()
    qtbot.keyClicks(page.pin, PIN)
    with qtbot.waitSignal(kiosk.left, timeout=1000):
        qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    assert not kiosk.isVisible()


def test_five_wrong_pins_lock_the_exit_for_a_minute(qtbot, db, event, clock):
    window = make_kiosk(qtbot, db, event.id, clock)
    set_pin(qtbot, window)
    window.ask_to_leave()
    page = window.leave_page
    for left in (4, 3, 2, 1):
        qtbot.keyClicks(page.pin, "0000")
        qtbot.keyClick(page.pin, Qt.Key.Key_Return)
        assert f"{left} tr" in page.field.message.text()
        assert page.pin.text() == ""
    qtbot.keyClicks(page.pin, "9999")
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    assert not page.pin.isEnabled() and not page.leave_button.isEnabled()
    assert "locked for 60 s" in page.field.message.text()
    assert window.leave_page.gate.try_pin(PIN).answer is core.GateAnswer.LOCKED  # even the right one
    clock.now += 30
    page.refresh()
    assert "locked for 30 s" in page.field.message.text() and not page.pin.isEnabled()
    # back to the form and again: still locked
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.page() is window.form
    window.ask_to_leave()
    assert not page.pin.isEnabled()
    clock.now += 31
    page.refresh()
    assert page.pin.isEnabled() and page.field.message.text() == ""
    qtbot.keyClicks(page.pin, PIN)
    with qtbot.waitSignal(window.left, timeout=1000):
        qtbot.keyClick(page.pin, Qt.Key.Key_Return)


def test_idle_on_the_leave_page_goes_back_to_the_form(qtbot, db, event):
    window = make_kiosk(qtbot, db, event.id, idle_ms=150)
    set_pin(qtbot, window)
    window.ask_to_leave()
    window.leave_page.pin.setText("24")
    qtbot.waitUntil(lambda: window.page() is window.form, timeout=3000)
    assert window.leave_page.pin.text() == ""


# ---------------------------------------------------------------------------- a blank laptop


def test_a_blank_laptop_creates_its_event_then_takes_sign_ups(qtbot, tmp_path):
    from chapter_manager.services.events import list_events
    from chapter_manager.storage import open_database

    db = open_database(tmp_path / "kiosk.db")
    try:
        window = make_kiosk(qtbot, db, None)
        page = window.start_page
        assert window.page() is page
        qtbot.waitUntil(page.chapter_name.hasFocus, timeout=1000)
        page.event_title.setText("")
        qtbot.keyClick(page.chapter_name, Qt.Key.Key_Return)
        assert "chapter" in page.fields["chapter_name"].message.text().lower()
        assert page.fields["event_title"].message.isVisibleTo(window)
        page.chapter_name.setText("HeForShe Uniandes")
        page.event_title.setText("Feria de bienvenida")
        page.goal.setValue(150)
        assert page.create()
        assert window.page() is window.pin_page
        set_pin(qtbot, window)
        window.form.given.setText("Camila")
        qtbot.keyClick(window.form.given, Qt.Key.Key_Return)
        assert window.page() is window.thanks
        assert "1 of 150 pledges for Feria de bienvenida" in window.thanks.event_text.text()
        (only,) = list_events(db, core.kiosk_chapter_id(db))
        assert only.title == "Feria de bienvenida" and only.pledge_count == 1
    finally:
        window.armed = False
        window.close()
        db.close()


# ---------------------------------------------------------------------------- the event page


def test_started_from_the_event_page_it_hides_the_app_until_the_pin(qtbot, window, ctx, event):
    from PySide6.QtWidgets import QApplication

    from ui.kiosk import KioskWindow

    page = window.show_page("events")
    page.open_event(event.id)
    detail = page.detail
    assert detail.kiosk_button.isEnabled()
    detail.kiosk_options = {"full_screen": False, "thanks_ms": 60}
    detail.kiosk_button.click()
    kiosk = next(w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWindow) and w.isVisible())
    qtbot.addWidget(kiosk)
    assert not window.isVisible()  # nobody at the kiosk reaches the chapter's data
    set_pin(qtbot, kiosk)
    kiosk.form.given.setText("Rahul")
    qtbot.keyClick(kiosk.form.given, Qt.Key.Key_Return)
    kiosk.ask_to_leave()
    kiosk.leave_page.pin.setText(PIN)
    kiosk.leave_page.try_pin()
    qtbot.waitUntil(window.isVisible, timeout=2000)
    assert detail.progress.pledges == 1  # the event's page shows the new pledge


def test_the_kiosk_button_is_off_for_a_cancelled_event(qtbot, window, ctx, db, chapter):
    cancelled = events.create_event(db, chapter.id, events.EventData(
        title="Cancelled", starts_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC), status="cancelled"))
    page = window.show_page("events")
    page.open_event(cancelled.id)
    assert not page.detail.kiosk_button.isEnabled()


# ---------------------------------------------------------------------------- the command


LAUNCH = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui.kiosk import KioskWindow
from ui.launcher import main

def look():
    kiosk = next((w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWindow) and w.isVisible()), None)
    if kiosk is None:
        QTimer.singleShot(20, look)
        return
    print("start page:", kiosk.page() is kiosk.start_page, "full screen:", kiosk.isFullScreen(), flush=True)
    kiosk.start_page.cancel_button.click()  # nothing started yet: Cancel leaves, the app quits

QTimer.singleShot(0, look)
sys.exit(main(sys.argv[1:]))
"""


def test_chapter_manager_kiosk_on_a_new_file_opens_the_start_page(tmp_path):
    """`chapter-manager --db NEW kiosk`: the launcher opens the kiosk (not the core's CLI);
    a blank laptop's file is created and asks for its event first.  (A process of its own:
    the app's event loop runs and quits.)"""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", LAUNCH, "--db", str(tmp_path / "blank.db"), "kiosk", "--windowed"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "start page: True full screen: False" in done.stdout
    assert (tmp_path / "blank.db").exists()


def test_chapter_manager_kiosk_refuses_an_unknown_event_in_one_line(qtbot, db, chapter, event, capsys):
    from ui.launcher import main

    path = str(db.path)
    assert main(["--db", path, "kiosk", "--event", "99"]) == 1
    err = capsys.readouterr().err
    assert "no event with id 99" in err and "Traceback" not in err
    # the file has an event and none was chosen: a usage error that says how to choose
    assert main(["--db", path, "kiosk"]) == 2
    assert "--event ID" in capsys.readouterr().err


def test_the_core_cli_says_the_kiosk_is_a_window(capsys):
    from chapter_manager.cli import main

    assert main(["kiosk", "--event", "1"]) == 1
    assert "chapter-manager kiosk" in capsys.readouterr().err


def test_the_default_timeouts_are_the_promised_ones():
    from ui.kiosk.window import IDLE_MS, THANKS_MS, KioskWindow

    assert THANKS_MS < 3000  # the form is back within 3 s
    assert IDLE_MS == 60_000  # a minute without a touch clears it
    assert core.ExitGate.MAX_TRIES == 5 and core.ExitGate.LOCK_SECONDS == 60
    assert KioskWindow.__init__.__kwdefaults__["thanks_ms"] == THANKS_MS
    assert KioskWindow.__init__.__kwdefaults__["idle_ms"] == IDLE_MS


def test_a_disk_problem_keeps_the_form_and_says_so(qtbot, db, event, kiosk, monkeypatch):
    """The disk filling up mid-event: the person is told in words, nothing they typed is lost,
    and no thanks appear for a sign-up that was not saved."""
    from chapter_manager.errors import DiskFull

    def full(entry):
        raise DiskFull(db.path)

    monkeypatch.setattr(kiosk.kiosk, "submit", full)
    form = kiosk.form
    form.given.setText("Zanele")
    form.email.setText("zanele@example.org")
    qtbot.keyClick(form.email, Qt.Key.Key_Return)
    assert kiosk.page() is kiosk.form
    assert form.banner.isVisibleTo(kiosk)
    assert "no room left" in form.banner.text() and "still here" in form.banner.text()
    assert (form.given.text(), form.email.text()) == ("Zanele", "zanele@example.org")
    monkeypatch.undo()
    qtbot.keyClick(form.email, Qt.Key.Key_Return)
    assert kiosk.page() is kiosk.thanks and counts(db) == (1, 1, 1)
    back_to_form(qtbot, kiosk)
    assert not form.banner.isVisibleTo(kiosk)


def test_chapter_manager_kiosk_with_an_event_refuses_a_mistyped_database_path(qapp, tmp_path, capsys):
    """`kiosk --event ID` needs an existing database (only a blank laptop, without --event,
    starts a new file): a typo in --db is said in one line and leaves no empty file behind."""
    from ui.launcher import main

    typo = tmp_path / "fiar.db"
    assert main(["--db", str(typo), "kiosk", "--event", "1"]) == 1
    err = capsys.readouterr().err
    assert "There is no database" in err and "Traceback" not in err
    assert not typo.exists()


def test_chapter_manager_kiosk_refuses_unknown_options(qapp, db, event, capsys):
    """An option the kiosk does not know is a usage error (exit 2), not silently ignored
    while a full-screen kiosk opens."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.kiosk import KioskWindow
    from ui.launcher import main

    def close_any_kiosk() -> None:  # were it to open, close it (no PIN set yet) so the test ends
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, KioskWindow):
                widget.close()

    QTimer.singleShot(1500, close_any_kiosk)
    assert main(["--db", str(db.path), "kiosk", "--event", str(event.id), "--fullscreen-off"]) == 2
    assert "--fullscreen-off" in capsys.readouterr().err
