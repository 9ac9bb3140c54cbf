"""Reports & Exports: the card page, the roster dialog and the import wizard, with real files."""

from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import Qt

from chapter_manager.imports import last_import
from chapter_manager.services.people import count_people


@pytest.fixture
def reports(demo_ctx, qtbot):
    from ui.frame.main_window import MainWindow

    window = MainWindow(demo_ctx, demo_ctx.settings)
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("reports")
    page.informed = []
    page.inform = lambda title, text: page.informed.append(text)
    return window, page


def test_reports_is_the_sixth_screen_with_its_cards(reports, qtbot):
    window, page = reports
    window.show_page("dashboard")
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() is page
    assert list(page.cards)[:3] == ["impact", "roster", "import-members"]
    assert page.cards["import-members"].status.text() == "No import to undo."


def test_another_report_registers_one_card(reports, monkeypatch):
    from ui.reports import page as module

    _window, page = reports
    monkeypatch.setattr(module, "CARDS", list(module.CARDS))
    clicked = []
    module.register(module.ReportCard("sample", "Sample report", "A PDF.", [("Make PDF…", clicked.append)]))
    page.refresh()
    frame = page.cards["sample"]
    frame.buttons[0].click()
    assert clicked == [page]


def test_the_impact_report_card_opens_the_report_dialog(reports, monkeypatch):
    from ui.reports.report_dialog import ImpactReportDialog

    _window, page = reports
    shown = []
    monkeypatch.setattr(page, "run_dialog", lambda dialog: shown.append(dialog) or False)
    page.cards["impact"].buttons[0].click()
    assert len(shown) == 1 and isinstance(shown[0], ImpactReportDialog)
    assert shown[0].ctx is page.ctx
    shown[0].deleteLater()


def test_roster_dialog_writes_the_workbook_off_the_gui_thread(reports, qtbot, tmp_path):
    _window, page = reports
    target = tmp_path / "roster.xlsx"

    def fill(dialog):
        assert dialog.path.text().endswith(".xlsx")  # a name is suggested
        dialog.path.setText(str(target))
        dialog.advisor.setChecked(True)
        dialog.status.setCurrentIndex(dialog.status.findData("active"))
        dialog._accept()
        return dialog.result() == dialog.DialogCode.Accepted

    page.run_dialog = fill
    page.cards["roster"].buttons[0].click()
    qtbot.waitUntil(lambda: bool(page.informed), timeout=20_000)
    assert "Saved" in page.informed[0] and "Left out for the advisor" in page.informed[0]
    wb = openpyxl.load_workbook(target)
    assert "Email" not in [c.value for c in wb["Members"][1]]
    statuses = {r[[c.value for c in wb["Members"][1]].index("Status")] for r in wb["Members"].iter_rows(min_row=2, values_only=True)}
    assert statuses == {"Active"}


def test_roster_dialog_keeps_the_user_on_a_bad_folder(reports, qtbot, tmp_path):
    from ui.reports.roster_dialog import RosterDialog

    _window, page = reports
    dialog = RosterDialog(page)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "nope" / "x.xlsx"))
    dialog._accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "does not exist" in dialog.form.error_text("path")


def test_import_wizard_from_file_to_undo(reports, qtbot, tmp_path, demo_ctx):
    from ui.reports.import_wizard import ImportWizard

    _window, page = reports
    before = count_people(demo_ctx.db, demo_ctx.chapter_id)
    csv = tmp_path / "miembros.csv"
    csv.write_bytes(("Nombre;Apellidos;Correo electrónico;Matrícula\r\n"
                     "Lucía;Hernández;lucia@unam.mx;031\r\nMateo;Sánchez;mateo@;032\r\n"
                     "Renata;Ortiz;renata@unam.mx;033\r\n").encode("cp1252"))
    wizard = ImportWizard(page)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.set_path(str(csv))
    qtbot.waitUntil(lambda: wizard.table is not None)
    assert "Windows-1252" in wizard.file_page.found.text() and "semicolons" in wizard.file_page.found.text()
    wizard.next()
    assert wizard.mapping_page.mapping() == ["given_names", "family_names", "email", "student_id"]
    wizard.mapping_page.set_field(3, "")  # leave the student id out
    assert wizard.mapping_page.preview.columnCount() == 3
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None)
    check = wizard.check_page
    assert check.problems.rowCount() == 1 and check.problems.item(0, 0).text() == "3"
    assert not check.isComplete()
    check.skip_invalid.setChecked(True)
    assert check.isComplete()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result is not None, timeout=20_000)
    assert wizard.currentPage() is wizard.done_page
    assert count_people(demo_ctx.db, demo_ctx.chapter_id) == before + 2
    assert demo_ctx.undo_text() == "Import of 2 people"
    assert last_import(demo_ctx.db, demo_ctx.chapter_id).created == 2
    wizard.done_page._undo()
    qtbot.waitUntil(lambda: wizard.done_page.text.text().startswith("Undone"), timeout=20_000)
    assert count_people(demo_ctx.db, demo_ctx.chapter_id) == before
    assert demo_ctx.undo() == "Import of 2 people"  # Edit ▸ Undo after the wizard's Undo: nothing left to do
    assert count_people(demo_ctx.db, demo_ctx.chapter_id) == before


def test_import_wizard_refuses_a_hostile_file_with_a_sentence(reports, qtbot, tmp_path):
    from ui.reports.import_wizard import ImportWizard

    _window, page = reports
    bad = tmp_path / "photo.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    wizard = ImportWizard(page)
    qtbot.addWidget(wizard)
    wizard.file_page.set_path(str(bad))
    qtbot.waitUntil(lambda: wizard.file_page.problem.isVisibleTo(wizard.file_page))
    assert "damaged or not an Excel workbook" in wizard.file_page.problem.text()
    assert not wizard.file_page.isComplete()


def test_undo_last_import_from_the_card_asks_first(reports, qtbot, tmp_path, demo_ctx):
    from chapter_manager.imports import commit_import, guess_mapping, plan_import, read_table

    _window, page = reports
    csv = tmp_path / "m.csv"
    csv.write_text("Name,Email\nAna Ruiz,ana.ruiz@unam.mx\n", encoding="utf-8")
    table = read_table(csv)
    commit_import(demo_ctx.db, plan_import(demo_ctx.db, demo_ctx.chapter_id, table, guess_mapping(table.headers)))
    page.refresh()
    assert "1 added" in page.cards["import-members"].status.text()
    page.confirm = lambda title, text: False
    page.cards["import-members"].buttons[0].click()
    assert last_import(demo_ctx.db, demo_ctx.chapter_id) is not None
    page.confirm = lambda title, text: True
    page.cards["import-members"].buttons[0].click()
    qtbot.waitUntil(lambda: last_import(demo_ctx.db, demo_ctx.chapter_id) is None, timeout=20_000)
    qtbot.waitUntil(lambda: page.cards["import-members"].status.text() == "No import to undo.")
    assert page.cards["import-members"].status.text() == "No import to undo."
