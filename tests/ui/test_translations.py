"""Every user-visible string of the app goes through Qt's translation, and a catalogue
really changes what the window shows (the app's strings and the core's)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "ui"

# Qt calls whose string arguments are shown to people.
SETTERS = {
    "setText", "setWindowTitle", "setPlaceholderText", "setToolTip", "setStatusTip", "setWhatsThis",
    "setAccessibleName", "setAccessibleDescription", "setTitle", "setLabelText", "showMessage",
    "setHeaderLabels", "setTabText", "addTab", "addItem", "addItems", "addAction", "addMenu", "addRow",
    "setCancelButtonText", "setFormat", "setSuffix", "setPrefix", "setSpecialValueText", "addButton",
    "setInformativeText", "setDetailedText", "information", "warning", "question", "critical", "about",
}
WIDGETS = {"QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction", "QToolButton",
           "QListWidgetItem", "QTreeWidgetItem", "QMenu", "QToolBar"}
MARK = "# untranslated:"  # a line may say why a literal is not for translation (a code, a zone name)


def _literals(node: ast.AST) -> list[ast.Constant]:
    """String constants that would be shown as they are: not inside another call
    (``getattr(x, "label")``), except ``"...".format(...)`` whose template is shown."""
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) else []
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "format":
            return _literals(f.value)
        return []
    if isinstance(node, ast.Lambda | ast.GeneratorExp | ast.ListComp | ast.comprehension):
        return []
    out: list[ast.Constant] = []
    for child in ast.iter_child_nodes(node):
        out += _literals(child)
    return out


def _is_wrapped(call_arg: ast.AST) -> bool:
    # tr("..."), self.tr("..."), QCoreApplication.translate(ctx, "..."), "…".format on those
    for child in ast.walk(call_arg):
        if isinstance(child, ast.Call):
            f = child.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in ("tr", "translate", "page_title", "QT_TRANSLATE_NOOP"):
                return True
    return False


def test_no_literal_text_reaches_a_widget_without_translation():
    problems = []
    for path in sorted(UI.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name not in SETTERS and name not in WIDGETS:
                continue
            for arg in node.args:
                if _is_wrapped(arg):
                    continue
                for lit in _literals(arg):
                    text = lit.value
                    if not any(ch.isalpha() for ch in text):
                        continue
                    if MARK in lines[lit.lineno - 1]:
                        continue
                    problems.append(f"{path.relative_to(UI.parent)}:{lit.lineno}: {text!r}")
    assert not problems, "untranslated text shown to users:\n" + "\n".join(problems)


def _tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es">
<context><name>MainWindow</name>
  <message><source>Dashboard</source><translation>Panel</translation></message>
  <message><source>Members</source><translation>Integrantes</translation></message>
</context>
<context><name></name>
  <message><source>&amp;File</source><translation>&amp;Archivo</translation></message>
</context>
<context><name>core</name>
  <message><source>Active</source><translation>Activo</translation></message>
</context>
</TS>
"""


def test_a_spanish_catalogue_translates_the_window_and_the_core(tmp_path, qapp, ctx, qtbot, monkeypatch):
    lrelease = _tool("pyside6-lrelease")
    if lrelease is None:
        pytest.skip("pyside6-lrelease is not installed")
    folder = tmp_path / "translations"
    folder.mkdir()
    (folder / "chapter_manager_es.ts").write_text(TS, encoding="utf-8")
    subprocess.run([lrelease, str(folder / "chapter_manager_es.ts")], check=True, capture_output=True)
    assert (folder / "chapter_manager_es.qm").exists()

    from PySide6.QtCore import QLocale

    from chapter_manager.models import MembershipStatus
    from ui.frame import app as app_module
    from ui.frame.main_window import MainWindow

    monkeypatch.setattr(app_module, "resources_dir", lambda: tmp_path)
    try:
        app_module.install_translations(qapp, QLocale(QLocale.Language.Spanish, QLocale.Country.Mexico))
        window = MainWindow(ctx, ctx.settings)
        qtbot.addWidget(window)
        assert window.nav.item(0).text() == "Panel"
        assert window.nav.item(1).text() == "Integrantes"
        assert window.menuBar().actions()[0].text() == "&Archivo"
        assert MembershipStatus.ACTIVE.label == "Activo"
    finally:
        app_module.install_translations(qapp, QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    assert MembershipStatus.ACTIVE.label == "Active"
