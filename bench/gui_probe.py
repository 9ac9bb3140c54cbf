"""Measurements of the desktop app, each in a fresh process (run by bench/run.py --only gui).

    python bench/gui_probe.py start DB        # cold start to an interactive main window
    python bench/gui_probe.py baseline        # the same for an empty QMainWindow (the floor)
    python bench/gui_probe.py members DB      # search keystrokes, sorts, memory on the Members screen

Each prints one JSON line.  Settings live in a throwaway folder and automatic backups are
off, so a 1 GB backup does not run beside the measurements.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

START_WALL = time.time()
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CHAPTER_MANAGER_DATA_DIR", str(HERE / ".data" / "home"))


def _settings_isolated() -> None:
    from PySide6.QtCore import QSettings

    folder = HERE / ".data" / "home" / "settings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    from ui.settings import Settings

    s = Settings()
    s.backup_on_open = False
    s.set_value("window/main/geometry", None)
    s.sync()


def rss_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start(db: str) -> None:
    from PySide6.QtCore import QTimer

    from ui.app import make_application, open_main_window

    app = make_application()
    _settings_isolated()
    window = open_main_window(Path(db), create=False)
    out: dict[str, float] = {}

    def interactive() -> None:
        out["interactive"] = time.time()
        page = window.pages["dashboard"]

        def poll() -> None:
            if page.data is not None:
                out["dashboard"] = time.time()
                app.quit()
            else:
                QTimer.singleShot(5, poll)

        poll()

    QTimer.singleShot(0, interactive)
    app.exec()
    print(json.dumps({"ready_wall": out["interactive"], "dashboard_wall": out.get("dashboard"),
                      "rss_mb": rss_peak_mb()}))


def baseline() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.setCentralWidget(QLabel("hello"))
    window.resize(1180, 760)
    window.show()
    out = {}

    def ready() -> None:
        out["t"] = time.time()
        app.quit()

    QTimer.singleShot(0, ready)
    app.exec()
    print(json.dumps({"ready_wall": out["t"], "rss_mb": rss_peak_mb()}))


def members(db: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from ui.app import make_application, open_main_window

    app = make_application()
    _settings_isolated()
    window = open_main_window(Path(db), create=False)
    app.processEvents()
    t = time.perf_counter()
    page = window.show_page("members")
    view, model, search = page.table, page.model, page.search

    from PySide6.QtCore import QEventLoop

    def settle() -> None:
        """Until the table shows the answer: a quick query has already reset the model
        when the key event returns; a slow one is awaited in Qt's event loop (as the app
        does).  Then one synchronous paint of the table."""
        if getattr(model, "loading", False):
            loop = QEventLoop()
            model.loaded.connect(loop.quit)
            model.failed.connect(loop.quit)
            if model.loading:
                loop.exec()
            model.loaded.disconnect(loop.quit)
            model.failed.disconnect(loop.quit)
        view.viewport().repaint()

    app.processEvents()  # the screen loads its rows on the next turn of the event loop
    settle()
    first_show = time.perf_counter() - t
    from ui.tasks import worker_pool

    worker_pool().waitForDone(10_000)  # a person takes a moment before typing
    # members only, no filter: everyone the chapter has as a member
    keystrokes = []
    slowest: list[tuple[float, str]] = []
    for query in ("gonzalez", "maria", "nguyen thi", "wang", "lukasz", "priya r", "ahmed", "a"):
        search.clear()
        app.processEvents()
        for ch in query:
            t = time.perf_counter()
            QTest.keyClick(search, ch)
            settle()
            keystrokes.append(time.perf_counter() - t)
            slowest.append((keystrokes[-1], search.text()))
            app.processEvents()  # whatever else the key caused, outside the timing
        search.clear()
        settle()
    sorts = {}
    for column in range(model.columnCount()):
        if model.columns[column].order is None:
            continue
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            t = time.perf_counter()
            view.sortByColumn(column, order)
            settle()
            sorts[f"{model.columns[column].key}-{order.name}"] = time.perf_counter() - t
    # scroll through the whole table, as a user dragging the scroll bar would
    bar = view.verticalScrollBar()
    for step in range(0, 101, 5):
        bar.setValue(bar.maximum() * step // 100)
        settle()
    ks = sorted(keystrokes)
    print(json.dumps({
        "rows": model.rowCount(),
        "first_show_s": first_show,
        "keystroke_p50_ms": ks[len(ks) // 2] * 1000,
        "keystroke_p90_ms": ks[min(len(ks) - 1, round(0.90 * (len(ks) - 1)))] * 1000,
        "keystroke_p99_ms": ks[min(len(ks) - 1, round(0.99 * (len(ks) - 1)))] * 1000,
        "keystroke_max_ms": ks[-1] * 1000,
        "sort_max_ms": max(sorts.values()) * 1000,
        "slowest_keystrokes": [(round(t * 1000, 1), q) for t, q in sorted(slowest, reverse=True)[:6]],
        "sorts_ms": {k: round(v * 1000, 1) for k, v in sorts.items()},
        "rss_peak_mb": rss_peak_mb(),
    }))
    window.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "start":
        start(sys.argv[2])
    elif mode == "baseline":
        baseline()
    elif mode == "members":
        members(sys.argv[2])
