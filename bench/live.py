"""How long an open window takes to show a change made elsewhere (run by bench/run.py --only live).

    python bench/live.py                 # a 2,000-member demo database, 20 tries
    python bench/live.py DB [TRIES]      # a copy of DB (e.g. bench/.data/big-100000-1000000.db)

A Members screen is open (name order, the top of the list in view).  Another handle on
the same file adds a member whose name sorts first, in one commit; the clock starts when
the commit returned and stops when the screen's model holds the new person (read again
and shown).  "Noticed" is when the window announced the change
(``data_changed`` from elsewhere).  Tries are spaced at random so they fall anywhere in
the polling period.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CHAPTER_MANAGER_DATA_DIR", str(HERE / ".data" / "home"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def measure(path: Path, tries: int = 20) -> dict[str, object]:
    from PySide6.QtCore import QSettings

    from chapter_manager.models import Membership, MembershipStatus, Person
    from chapter_manager.storage import open_database
    from ui.frame.app import make_application
    from ui.frame.context import AppContext
    from ui.frame.main_window import MainWindow
    from ui.frame.settings import Settings

    folder = tempfile.mkdtemp(prefix="live-settings-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
    app = make_application()
    db = open_database(path, quick_check=False)
    settings = Settings()
    ctx = AppContext(db, settings)
    window = MainWindow(ctx, settings)
    window.resize(1180, 760)
    window.show()
    page = window.show_page("members")

    def wait(condition, timeout: float = 120.0) -> float:  # type: ignore[no-untyped-def]
        end = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > end:
                raise TimeoutError
            app.processEvents()
            time.sleep(0.001)
        return time.perf_counter()

    wait(lambda: not page.model.loading and page.model.rowCount() > 0)
    other = open_database(path, quick_check=False)
    noticed: list[float] = []
    ctx.data_changed.connect(lambda _kind: ctx.from_elsewhere and noticed.append(time.perf_counter()))
    chapter_id = ctx.chapter_id
    shown_s, noticed_s = [], []
    rng = random.Random(7)
    for n in range(tries):
        pause = time.perf_counter() + rng.uniform(0.1, 0.1 + 2 * ctx.POLL_MS / 1000)
        wait(lambda p=pause: time.perf_counter() >= p)  # the loop keeps running meanwhile
        noticed.clear()
        # One commit by the other handle: a new member whose name sorts first.
        with other.write() as session:
            person = Person(chapter_id=chapter_id, given_names="Aaron", family_names=f"Aardvark {n:03d}")
            session.add(person)
            session.flush()
            session.add(Membership(chapter_id=chapter_id, person_id=person.id, status=MembershipStatus.ACTIVE))
            person_id = person.id
        committed = time.perf_counter()
        shown = wait(lambda i=person_id: page.model.row_of(i) is not None and not page.model.loading)
        shown_s.append(shown - committed)
        if noticed:
            noticed_s.append(noticed[-1] - committed)
    window.close()
    other.close()
    app.processEvents()
    return {
        "rows": page.model.rowCount(),
        "tries": tries,
        "poll_ms": ctx.POLL_MS,
        "shown_median_s": statistics.median(shown_s),
        "shown_p90_s": percentile(shown_s, 90),
        "shown_max_s": max(shown_s),
        "noticed_median_s": statistics.median(noticed_s) if noticed_s else None,
        "noticed_p90_s": percentile(noticed_s, 90) if noticed_s else None,
    }


def demo_database(members: int) -> Path:
    from chapter_manager.demo import generate_demo
    from chapter_manager.storage import open_database

    folder = Path(tempfile.mkdtemp(prefix="live-"))
    path = folder / "live.db"
    with open_database(path) as db:
        generate_demo(db, members=members, events=20, forums=4, pledges=members, seed=7)
    return path


def copy_of(source: Path) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="live-", dir=source.parent))
    target = folder / "live.db"
    shutil.copyfile(source, target)
    return target


def main() -> None:
    import json

    source = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    tries = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    path = copy_of(source) if source else demo_database(2000)
    try:
        print(json.dumps(measure(path, tries)))
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
