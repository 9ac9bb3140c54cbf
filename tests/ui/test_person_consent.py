"""The person editor's Consent tab: the history, and "Withdraw consent…"."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from chapter_manager.models import ConsentPurpose
from chapter_manager.services import pledges
from chapter_manager.services.events import EventData, create_event
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData

SIGNED = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 09:00 in Mexico City


def _signed(ctx, **ticks):  # type: ignore[no-untyped-def]
    event = create_event(ctx.db, ctx.chapter_id, EventData(title="Jornada de firmas", starts_at=SIGNED))
    return pledges.sign_up(ctx.db, ctx.chapter_id, PersonData(given_names="Carolina", family_names="Méndez",
                                                               email="carolina@unam.mx"),
                           PledgeData(signed_at=SIGNED, event_id=event.id, **ticks))


def cells(panel, row):  # type: ignore[no-untyped-def]
    model = panel.model
    return [model.index(row, c).data() for c in range(model.columnCount())]


def test_history_and_withdrawing_a_consent(ctx, qtbot, tmp_path):
    from ui.members.person_editor import PersonDialog

    outcome = _signed(ctx, may_contact=True, may_publish_name=True)
    dialog = PersonDialog(ctx, outcome.person_id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentWidget(dialog.consent)
    panel = dialog.consent
    assert panel.model.rowCount() == 2
    row = cells(panel, 0)
    assert row[1] == "Given" and row[3] == "this laptop" and row[4] == "Jornada de firmas" and row[5] == "2024-1"
    assert "09:00" in row[2] or "9:00" in row[2]  # the chapter's time zone, not UTC
    assert "to be contacted: yes; name published: yes" in panel.now.text()

    QTest.mouseClick(panel.withdraw_button, Qt.MouseButton.LeftButton)
    ask = panel.withdraw_dialog
    assert ask is not None and ask.isVisible()
    ask.publish.setChecked(True)
    dialog.grab().save(str(tmp_path / "person-consent.png"))
    ask.grab().save(str(tmp_path / "withdraw.png"))
    QTest.mouseClick(ask.withdraw_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.withdraw_dialog is None)

    assert panel.model.rowCount() == 3
    newest = cells(panel, 0)
    assert newest[:2] == [ConsentPurpose.PUBLISH.label, "Withdrawn"] and newest[3] == "this laptop"
    assert "to be contacted: yes; name published: no" in panel.now.text()
    view = pledges.get_pledge(ctx.db, outcome.pledge_id)
    assert (view.may_contact, view.may_publish_name) == (True, False)


def test_cancel_withdraws_nothing_and_a_new_person_has_no_history(ctx, qtbot):
    from ui.members.person_editor import PersonDialog

    outcome = _signed(ctx, may_contact=True)
    dialog = PersonDialog(ctx, outcome.person_id)
    qtbot.addWidget(dialog)
    panel = dialog.consent
    ask = panel.withdraw()
    assert ask is not None and ask.contact.isChecked()
    ask.reject()
    qtbot.waitUntil(lambda: panel.withdraw_dialog is None)
    assert panel.model.rowCount() == 1 and pledges.get_pledge(ctx.db, outcome.pledge_id).may_contact

    fresh = PersonDialog(ctx)
    qtbot.addWidget(fresh)
    assert fresh.consent.model.rowCount() == 0 and not fresh.consent.withdraw_button.isEnabled()


def test_merge_dialog_counts_consents_and_names_no_one(ctx, qtbot, tmp_path):
    from chapter_manager.device import DeviceIdentity
    from chapter_manager.services import consent, kiosk_database, pack_export
    from chapter_manager.storage import open_database
    from ui.merge.dialog import MergeDialog

    outcome = _signed(ctx, may_contact=True, may_publish_name=True)
    made = kiosk_database.export_for_kiosk(ctx.db, tmp_path / "kiosk.db", 1)
    kiosk = open_database(made.path, device=DeviceIdentity(__import__("uuid").UUID(int=7), "kiosk 1"))
    try:
        # Carolina again on the kiosk, later, ticking nothing: no statement.  Nadia ticks one box.
        pledges.sign_up(kiosk, made.chapter_id, PersonData(given_names="Carolina", email="carolina@unam.mx"),
                        PledgeData(event_id=made.event_id, signed_at=SIGNED + dt.timedelta(hours=1)))
        pledges.sign_up(kiosk, made.chapter_id, PersonData(given_names="Nadia", email="nadia@unam.mx"),
                        PledgeData(event_id=made.event_id, signed_at=SIGNED, may_contact=True))
        pack = pack_export.export_pack(kiosk, tmp_path / "kiosk.cmpack").path
    finally:
        kiosk.close()
    consent.withdraw(ctx.db, outcome.person_id, "publish")
    dialog = MergeDialog(ctx, paths=[pack])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=10_000)
    rows = {dialog.table.item(i, 0).text(): dialog.table.item(i, 1).text() for i in range(dialog.table.rowCount())}
    assert rows["Consents given"] == "1" and "Consents withdrawn" not in rows
    assert not any(name in text for name in ("Carolina", "Nadia") for text in [*rows, dialog.details.text()])
    dialog.grab().save(str(tmp_path / "merge.png"))
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.summary is not None and not dialog.summary.dry_run, timeout=10_000)
    view = pledges.get_pledge(ctx.db, outcome.pledge_id)
    assert (view.may_contact, view.may_publish_name) == (True, False)  # unticked: nothing changed
