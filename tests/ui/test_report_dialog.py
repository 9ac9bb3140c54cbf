"""The impact report dialog: make the report on a worker, preview its pages, save it."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt


def test_make_preview_and_save(demo_ctx, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from ui.reports.report_dialog import ImpactReportDialog

    dialog = ImpactReportDialog(demo_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.save_button.isEnabled()
    first, last = dialog.period()
    assert first <= last
    dialog.advisor.setChecked(True)
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull(),
                    timeout=20_000)
    assert dialog.result_.pages >= 2 and dialog.result_.data.advisor_mode
    assert dialog.page_label.text() == f"Page 1 of {dialog.result_.pages}"
    first_page = dialog.preview.pixmap().toImage()
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview.pixmap().toImage() != first_page, timeout=10_000)
    assert dialog.page == 1 and dialog.previous_button.isEnabled()
    dialog.grab().save(str(tmp_path / "dialog.png"))

    target = tmp_path / "out"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = tmp_path / "out.pdf"
    assert saved.read_bytes()[:5] == b"%PDF-" and saved.read_bytes() == dialog.result_.pdf
    assert dialog.saved_to == str(saved)


def test_typed_dates_switch_to_custom_and_a_reversed_period_is_explained(demo_ctx, qtbot):
    from PySide6.QtCore import QDate

    from ui.reports.report_dialog import ImpactReportDialog

    dialog = ImpactReportDialog(demo_ctx)
    qtbot.addWidget(dialog)
    dialog.start.setDate(QDate(2026, 5, 1))
    assert dialog.preset.currentData() == "custom"
    dialog.end.setDate(QDate(2026, 4, 1))
    dialog.generate()
    assert "cannot end before it starts" in dialog.status.text()
    assert dialog.result_ is None
    dialog.preset.setCurrentIndex(dialog.PRESETS.index("calendar"))
    today = dialog._today()
    assert dialog.period() == (dt.date(today.year, 1, 1), today)
