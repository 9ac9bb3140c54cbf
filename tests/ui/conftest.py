"""Fixtures for the desktop app's tests: fresh settings per test, no stray workers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def _no_running_tasks(qapp):
    """Fail a test that leaves work running on the worker pool (it would outlive the test)."""
    yield
    from ui.frame import tasks

    # Results that finished workers have already sent arrive first: such a task is done.
    qapp.processEvents()
    leftover = [f"{t.title or 'a background load'} of {type(t.parent()).__name__}"
                for t in tasks.running_tasks() if not t.done]
    finished = tasks.shutdown(timeout_ms=20_000)
    # Let the cancelled tasks' queued signals arrive, so the next test starts clean.
    qapp.processEvents()
    assert finished, "a task was still running 20 s after the test"
    assert not leftover, f"the test left work running: {leftover}"


@pytest.fixture
def ctx(db, chapter, qapp):
    from ui.frame.context import AppContext
    from ui.frame.settings import Settings

    context = AppContext(db, Settings(), chapter.id)
    yield context


@pytest.fixture
def demo_ctx(db, qapp):
    """A context on a small demo chapter (200 members, 12 events, 4 forums, 600 pledges)."""
    from chapter_manager.demo import generate_demo
    from ui.frame.context import AppContext
    from ui.frame.settings import Settings

    summary = generate_demo(db, members=200, events=12, forums=4, pledges=600, seed=7)
    return AppContext(db, Settings(), summary.chapter_id)


@pytest.fixture
def window(ctx, qtbot):
    from ui.frame.main_window import MainWindow

    win = MainWindow(ctx, ctx.settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    from ui.frame import tasks

    tasks.shutdown()
