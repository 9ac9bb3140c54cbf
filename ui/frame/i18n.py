"""Translation for code outside QObject methods.

Inside a QObject subclass use ``self.tr("...")`` (context: the class name).  Elsewhere use
``tr("...")`` from here: ``pyside6-lupdate`` files calls of a bare ``tr(`` under the empty
context, and this looks them up there, so extraction and lookup agree.  The core's own
messages (``chapter_manager.i18n._``) are looked up in the context "core" (see
``ui.frame.app.install_translations``).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    return QCoreApplication.translate("", text, disambiguation, n)
