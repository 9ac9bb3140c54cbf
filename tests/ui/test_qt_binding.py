"""The Qt binding the app is pinned to must not corrupt the interpreter.

PySide6 6.12.0 under Python 3.11 dropped a reference to None on every call of a method
returning nothing (setText, update, processEvents…); after some thousands of calls the
interpreter aborted ("deallocating None").  The pin in pyproject.toml avoids it; this test
fails if a version with that fault is installed.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qtbot, qapp):
    label = QLabel("x")
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(5000):
        label.setText("y")
        label.update()
        qapp.processEvents()
    assert before - sys.getrefcount(None) < 100
