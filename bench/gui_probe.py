"""Measurements of the desktop app, each in a fresh process (run by bench/run.py --only gui).

    python bench/gui_probe.py start DB        # cold start to an interactive main window
    python bench/gui_probe.py baseline        # the same for an empty QMainWindow (the floor)
    python bench/gui_probe.py members DB      # search keystrokes, sorts, memory on the Members screen
    python bench/gui_probe.py import CSV DB   # the GUI thread's longest stall during a CSV import

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
    from ui.frame.settings import Settings

    s = Settings()
    s.backup_on_open = False
    s.set_value("window/main/geometry", None)
    s.sync()


def rss_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start(db: str) -> None:
    from PySide6.QtCore import QTimer

    from ui.frame.app import make_application, open_main_window

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

    from ui.frame.app import make_application, open_main_window

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
    from ui.frame.tasks import worker_pool

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


PHASE = ["start"]


class _StallProbe:
    """A 10 ms QTimer on the GUI thread; records every gap between two of its ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.long: list[tuple[int, str]] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = (now - self._last) * 1000
        self.gaps.append(gap)
        if gap > 100:
            self.long.append((round(gap), PHASE[0]))
        self._last = now

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        ordered = sorted(self.gaps) or [0.0]
        return {"longest_ms": ordered[-1], "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
                "ticks": len(self.gaps), "over_100ms": self.long}


def import_stall(csv_path: str, db: str) -> None:
    """The main window on DB; the import wizard's three jobs (read, check, commit) run on
    the worker pool one after the other, as the wizard runs them, while a 10 ms timer
    measures the GUI thread.  Then the same timer on the idle window, for the floor."""
    from PySide6.QtCore import QTimer

    from chapter_manager.imports import commit_import, guess_mapping, plan_import, read_table
    from ui.frame import tasks
    from ui.frame.app import make_application, open_main_window

    app = make_application()
    _settings_isolated()
    window = open_main_window(Path(db), create=False)
    ctx = window.ctx
    chapter_id = ctx.chapter_id
    out: dict[str, object] = {}
    probe = _StallProbe()
    started: dict[str, float] = {}

    def idle_floor() -> None:
        floor = _StallProbe()
        floor.start()

        def done() -> None:
            out["idle"] = floor.stop()
            app.quit()

        QTimer.singleShot(3000, done)

    def failed(error: BaseException) -> None:
        out["error"] = repr(error)
        app.quit()

    def committed(result) -> None:  # type: ignore[no-untyped-def]
        out["import_s"] = time.perf_counter() - started["t"]
        out["created"] = result.created
        out["during"] = probe.stop()
        PHASE[0] = "idle"
        QTimer.singleShot(200, idle_floor)

    def checked(plan) -> None:  # type: ignore[no-untyped-def]
        PHASE[0] = "commit"
        tasks.run_task(window, "Importing",
                       lambda progress, cancel: commit_import(ctx.db, plan, progress=progress, cancel=cancel),
                       on_done=committed, on_error=failed)

    def read(table) -> None:  # type: ignore[no-untyped-def]
        PHASE[0] = "check"
        mapping = guess_mapping(table.headers)
        tasks.run_task(window, "Checking the rows",
                       lambda progress, cancel: plan_import(ctx.db, chapter_id, table, mapping, progress=progress,
                                                            cancel=cancel),
                       on_done=checked, on_error=failed)

    def go() -> None:
        PHASE[0] = "read"
        started["t"] = time.perf_counter()
        probe.start()
        tasks.run_task(window, "Reading the file", lambda _p, _c: read_table(csv_path), on_done=read, on_error=failed)

    QTimer.singleShot(1000, go)  # after the window's own start-up work
    app.exec()
    print(json.dumps(out))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "start":
        start(sys.argv[2])
    elif mode == "baseline":
        baseline()
    elif mode == "members":
        members(sys.argv[2])
    elif mode == "import":
        import_stall(sys.argv[2], sys.argv[3])
