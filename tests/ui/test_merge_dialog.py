"""The merge dialog and the review queue, driven as an organiser would."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from chapter_manager.device import DeviceIdentity
from chapter_manager.models import Person
from chapter_manager.services import kiosk_database, merge, pack_export
from chapter_manager.services.events import EventData, create_event
from chapter_manager.services.people import PersonData
from chapter_manager.services.pledges import PledgeData, sign_up
from chapter_manager.storage import open_database

DAY = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
KIOSK = DeviceIdentity(__import__("uuid").UUID(int=7), "kiosk 1")


def people(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return len(s.execute(select(Person.id)).all())


@pytest.fixture
def pack(ctx, tmp_path):
    event = create_event(ctx.db, ctx.chapter_id, EventData(title="Jornada de firmas", starts_at=DAY))
    sign_up(ctx.db, ctx.chapter_id, PersonData(given_names="Ana", family_names="López"),
            PledgeData(event_id=event.id, signed_at=DAY))
    made = kiosk_database.export_for_kiosk(ctx.db, tmp_path / "kiosk.db", event.id)
    kiosk = open_database(made.path, device=KIOSK)
    try:
        for i in range(3):
            sign_up(kiosk, made.chapter_id, PersonData(given_names=f"Nadia{i}", family_names="Kaur", email=f"n{i}@x.org"),
                    PledgeData(event_id=made.event_id, signed_at=DAY))
        sign_up(kiosk, made.chapter_id, PersonData(given_names="ANA", family_names="Lopez"),
                PledgeData(event_id=made.event_id, signed_at=DAY))
        return pack_export.export_pack(kiosk, tmp_path / "kiosk1.cmpack").path
    finally:
        kiosk.close()


def test_preview_then_merge_then_undo(ctx, qtbot, pack):
    from ui.merge.dialog import MergeDialog

    before = people(ctx.db)
    dialog = MergeDialog(ctx, paths=[pack])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=10_000)
    assert dialog.summary.dry_run and dialog.summary.new_people == 4
    assert people(ctx.db) == before  # the preview changed nothing
    assert dialog.merge_button.isEnabled() and dialog.merge_button.isDefault()
    labels = [dialog.table.item(i, 0).text() for i in range(dialog.table.rowCount())]
    assert "New people" in labels and any("review" in text for text in labels)
    assert "“ANA Lopez” may be “Ana López”" in dialog.details.text()

    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.summary is not None and not dialog.summary.dry_run, timeout=10_000)
    assert people(ctx.db) == before + 4
    assert not dialog.merge_button.isEnabled()  # merging again needs a new preview
    assert dialog.review_button.isVisible()
    assert ctx.undo_text() == "merge of 1 pack(s)"
    ctx.undo()
    assert people(ctx.db) == before


def test_a_refused_pack_says_why_and_cannot_be_merged(ctx, qtbot, pack, tmp_path):
    from ui.merge.dialog import MergeDialog

    broken = tmp_path / "broken.cmpack"
    broken.write_bytes(pack.read_bytes()[:-5000])
    dialog = MergeDialog(ctx, paths=[broken])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "Nothing was merged" in dialog.status.text(), timeout=10_000)
    assert "incomplete" in dialog.status.text()
    assert not dialog.merge_button.isEnabled()
    # Removing it and adding the good pack brings the preview back.
    dialog.pack_list.setCurrentRow(0)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    dialog.add_paths([pack])
    qtbot.waitUntil(lambda: dialog.merge_button.isEnabled(), timeout=10_000)


def test_review_queue_same_person_and_keep_separate(ctx, qtbot, pack, tmp_path):
    from ui.merge.dialog import ReviewDialog

    merge.merge_packs(ctx.db, [pack])
    before = people(ctx.db)
    dialog = ReviewDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == "ANA Lopez" and dialog.table.item(0, 2).text() == "Ana López"
    assert dialog.table.item(0, 4).text() == "Jornada de firmas"
    qtbot.mouseClick(dialog.same_button, Qt.MouseButton.LeftButton)
    assert people(ctx.db) == before - 1
    assert dialog.table.rowCount() == 0 and dialog.empty.isVisible()
    assert not dialog.same_button.isEnabled()


def test_review_says_why_and_the_organiser_ticks_what_to_keep(ctx, qtbot, tmp_path):
    from ui.merge.dialog import ReviewDialog

    event = create_event(ctx.db, ctx.chapter_id, EventData(title="Jornada de firmas", starts_at=DAY))
    member = sign_up(ctx.db, ctx.chapter_id, PersonData(given_names="Ana", family_names="López",
                                                        email="ana@x.org"), PledgeData(signed_at=DAY)).person_id
    made = kiosk_database.export_for_kiosk(ctx.db, tmp_path / "kiosk.db", event.id)
    # An impostor with her email on one laptop, and Ana herself offering a phone on another.
    packs = []
    for n, person in enumerate((
        PersonData(given_names="Mallory", family_names="Quinn", email="ana@x.org", student_id="31337"),
        PersonData(given_names="Ana", family_names="Lopez", email="ANA@x.org", phone="+52 55 1234 5678"),
    )):
        copy = tmp_path / f"kiosk{n}.db"
        copy.write_bytes(made.path.read_bytes())
        kiosk = open_database(copy, device=DeviceIdentity(__import__("uuid").UUID(int=20 + n), f"k{n}"))
        try:
            sign_up(kiosk, made.chapter_id, person, PledgeData(event_id=made.event_id, signed_at=DAY))
            packs.append(pack_export.export_pack(kiosk, tmp_path / f"k{n}.cmpack").path)
        finally:
            kiosk.close()
    merge.merge_packs(ctx.db, packs)
    dialog = ReviewDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 2
    reasons = {dialog.table.item(i, 5).text() for i in range(2)}
    assert any("another name" in r for r in reasons) and any("details" in r for r in reasons)
    # The impostor first: why, what was held back, and "Keep separate".
    row = next(i for i in range(2) if dialog.reviews[i].reason == "identifier")
    dialog.table.selectRow(row)
    assert "Mallory Quinn" in dialog.why.text() and "ana@x.org" in dialog.why.text()
    # Were they the same person, the sign-up's student id could fill hers: offered, not ticked.
    assert list(dialog.offer_boxes) == ["student_id"] and not dialog.offer_boxes["student_id"].isChecked()
    dialog.grab().save(str(tmp_path / "review-identifier.png"))
    qtbot.mouseClick(dialog.separate_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 1 and dialog.reviews[0].reason == "details"
    assert dialog.same_button.text() == "&Accept the ticked details"
    assert list(dialog.offer_boxes) == ["phone"] and dialog.offer_boxes["phone"].isChecked()
    dialog.grab().save(str(tmp_path / "review-details.png"))
    qtbot.mouseClick(dialog.same_button, Qt.MouseButton.LeftButton)
    with ctx.db.read() as s:
        person = s.get(Person, member)
        assert (person.given_names, person.email, person.phone, person.student_id) == (
            "Ana", "ana@x.org", "+525512345678", None)
    assert dialog.table.rowCount() == 0


def test_file_menu_has_the_merge_commands(window):
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "&Merge sign-ups from another laptop…" in texts
    assert "Review likely ma&tches…" in texts
    assert window.merge_action.shortcut().toString() == "Ctrl+Shift+M"


def test_file_export_sign_up_pack(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    sign_up(window.ctx.db, window.ctx.chapter_id, PersonData(given_names="Ana", family_names="López", email="a@x.org"),
            PledgeData(signed_at=DAY))
    target = tmp_path / "out.cmpack"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.export_pack_action.trigger()
    qtbot.waitUntil(lambda: "Wrote out.cmpack" in window.statusBar().currentMessage(), timeout=10_000)
    from chapter_manager.storage.packs import open_pack

    with open_pack(target) as pack:
        assert pack.header.device_id == window.ctx.db.device.id


def test_the_organiser_chooses_where_a_blank_laptops_event_goes(ctx, qtbot, tmp_path):
    from chapter_manager.services.chapters import ChapterData, create_chapter, get_chapter
    from ui.merge.dialog import MergeDialog

    ours = create_event(ctx.db, ctx.chapter_id, EventData(title="Feria de bienvenida", starts_at=DAY))
    blank = open_database(tmp_path / "blank.db", device=KIOSK)
    try:
        create_chapter(blank, ChapterData(name=get_chapter(ctx.db, ctx.chapter_id).name, country="MX"))
        theirs = create_event(blank, 1, EventData(title="Stand HeForShe", starts_at=DAY))
        sign_up(blank, 1, PersonData(given_names="A", family_names="B", email="a@x.org"),
                PledgeData(event_id=theirs.id, signed_at=DAY))
        pack = pack_export.export_pack(blank, tmp_path / "blank.cmpack").path
    finally:
        blank.close()
    dialog = MergeDialog(ctx, paths=[pack])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=10_000)
    assert dialog.events_table.isVisible() and dialog.events_table.rowCount() == 1
    assert dialog.summary.events[0].how == "new"
    combo = dialog.events_table.cellWidget(0, 1)
    assert combo.currentData() is None and combo.accessibleName() == "Where “Stand HeForShe” goes"
    combo.setCurrentIndex(combo.findData(ours.id))
    qtbot.waitUntil(lambda: dialog.summary is not None and dialog.summary.events[0].how == "chosen",
                    timeout=10_000)
    qtbot.waitUntil(dialog.merge_button.isEnabled, timeout=10_000)
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.summary.dry_run, timeout=10_000)
    with ctx.db.read() as s:
        from chapter_manager.models import Pledge

        assert s.execute(select(Pledge.event_id)).scalar_one() == ours.id
