"""The import wizard's check step shows the first names exactly as they will be saved."""

from __future__ import annotations

import pytest


@pytest.fixture
def reports(demo_ctx, qtbot):
    from ui.frame.main_window import MainWindow

    window = MainWindow(demo_ctx, demo_ctx.settings)
    qtbot.addWidget(window)
    window.show()
    return window, window.show_page("reports")


def test_check_step_shows_names_as_saved_from_a_mixed_encoding_file(reports, qtbot, tmp_path):
    from ui.reports.import_wizard import ImportWizard

    _window, page = reports
    path = tmp_path / "trial.csv"
    path.write_bytes(b"".join([
        b"Nombre completo,Correo\n",
        "Valentina Gómez,valentina.g@unam.mx\n".encode(),
        "王芳,wang.fang@unam.mx\n".encode(),
        "José Núñez,jose.n@unam.mx\n".encode("cp1252"),
        "Nguyễn Thị Lan,lan.n@unam.mx\n".encode(),
        "Valentina GÃ³mez,v2@unam.mx\n".encode(),
    ]))
    wizard = ImportWizard(page)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.set_path(str(path))
    qtbot.waitUntil(lambda: wizard.table is not None)
    assert "Windows-1252 (row 4)" in wizard.file_page.found.text()
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None)
    check = wizard.check_page
    names = [tuple(check.names.item(r, c).text() for c in range(3)) for r in range(check.names.rowCount())]
    assert names == [("2", "Valentina", "Gómez"), ("3", "芳", "王"), ("4", "José", "Núñez"),
                     ("5", "Thị Lan", "Nguyễn")]
    assert check.names.isVisibleTo(check)
    assert check.problems.rowCount() == 1 and check.problems.item(0, 0).text() == "6"
    assert "Ã³" in check.problems.item(0, 2).text()
    wizard.resize(760, 560)
    wizard.grab().save(str(tmp_path / "check.png"))
