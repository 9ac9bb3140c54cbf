"""Benchmarks of the core against raw-sqlite3 baselines measured in the same run.

    python bench/run.py            # everything (builds bench/.data/big.db once: a few minutes)
    python bench/run.py --quick    # smaller sizes, for a smoke run
    python bench/run.py --only kiosk search
    python bench/run.py --only roster import   # Excel roster and spreadsheet import (bench/excel.py)
    python bench/run.py --only gui-import      # the window's responsiveness during a CSV import
    python bench/run.py --only live    # an open window showing a change made elsewhere (bench/live.py)

Prints a Markdown table and writes bench/out/results.json.  Figures go to
docs/PERFORMANCE.md by hand, with the machine they were measured on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("CHAPTER_MANAGER_DATA_DIR", str(DATA / "home"))

from chapter_manager.storage import open_database  # noqa: E402
from chapter_manager.storage import sqlite as sq  # noqa: E402

RESULTS: list[dict[str, object]] = []


def record(name: str, ours: float, baseline: float | None, unit: str, target: str, note: str = "") -> None:
    row = {"benchmark": name, "ours": ours, "baseline": baseline, "unit": unit, "target": target, "note": note}
    RESULTS.append(row)
    base = f"{baseline:,.3f}" if baseline is not None else "-"
    print(f"  {name}: ours {ours:,.3f} {unit}, baseline {base}  [{target}] {note}", flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def raw_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    sq.configure_connection(conn)  # the same pragmas as the app
    return conn


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlalchemy

    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "platform": platform.platform(),
        "date": dt.date.today().isoformat(),
    }


# --------------------------------------------------------------------------- data


def _progress(fraction: float, message: str) -> None:
    print(f"\r    {fraction * 100:5.1f}% {message[:60]:<60}", end="", flush=True)


def big_database(members: int, pledges: int) -> Path:
    """A demo database (built once and cached) of ``members`` members and ``pledges`` pledges."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"big-{members}-{pledges}.db"
    if path.exists():
        return path
    from chapter_manager.demo import generate_demo

    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    print(f"  building {path.name} (once)...", flush=True)
    t = time.perf_counter()
    with open_database(tmp) as db:
        generate_demo(db, members=members, events=1000 if pledges >= 1_000_000 else 100,
                      forums=40, pledges=pledges, seed=7, progress=_progress)
    with sqlite3.connect(tmp) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(tmp, path)
    print()
    record("demo: build the database", time.perf_counter() - t, None, "s",
           "(no target)", f"{members:,} members, {pledges:,} pledges")
    return path


# --------------------------------------------------------------------------- merging laptops


def _merge_packs(base: Path, folder: Path, packs: int, size: int) -> list[Path]:
    """``packs`` sign-up packs of ``size`` sign-ups each, from kiosk laptops at one event.

    Of each laptop's sign-ups, 8 % are people already in the main database (their email,
    typed in capitals), 2 % signed on another laptop too, the rest are new.  Built once.
    """
    from chapter_manager.device import DeviceIdentity
    from chapter_manager.models import RecordSource
    from chapter_manager.services import kiosk_database, pack_export
    from chapter_manager.services.people import PersonData
    from chapter_manager.services.pledges import PledgeData, sign_up

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"kiosk-{k}-{size}.cmpack" for k in range(packs)]
    if all(p.exists() for p in paths):
        return paths
    with sqlite3.connect(f"file:{base}?mode=ro", uri=True) as conn:
        event = conn.execute("SELECT max(id) FROM events").fetchone()[0]
        known = [r[0] for r in conn.execute(
            "SELECT email FROM people WHERE email IS NOT NULL ORDER BY id LIMIT ?", (packs * size,))]
    rng = random.Random(11)
    print(f"  building {packs} packs of {size:,} sign-ups (once)...", flush=True)
    with open_database(base) as db:
        for k, path in enumerate(paths):
            kiosk_path = folder / f"kiosk-{k}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{kiosk_path}{suffix}").unlink(missing_ok=True)
            made = kiosk_database.export_for_kiosk(db, kiosk_path, event)
            device = DeviceIdentity(uuid.UUID(int=0xB0 + k), f"kiosk {k}")
            start = dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randint(-90, 90))
            with open_database(kiosk_path, device=device) as kiosk:
                for i in range(size):
                    roll = rng.random()
                    if roll < 0.08:
                        email = rng.choice(known).upper()
                    elif roll < 0.10:
                        email = f"shared{rng.randrange(size // 10)}@bench.example"
                    else:
                        email = f"k{k}-{i}@bench.example"
                    sign_up(kiosk, made.chapter_id,
                            PersonData(given_names=f"Nombre{i}", family_names=f"Apellido{k}", email=email),
                            PledgeData(event_id=made.event_id, signed_at=start + dt.timedelta(seconds=7 * i),
                                       may_contact=rng.random() < 0.5, source=RecordSource.KIOSK))
                pack_export.export_pack(kiosk, path)
            print(f"\r    pack {k + 1}/{packs}", end="", flush=True)
    print()
    return paths


def bench_merge(big: Path, packs: int, size: int) -> None:
    """Merging ``packs`` packs into a copy of ``big``, against raw inserts of the same rows."""
    from chapter_manager.services import merge, merge_undo, pack_export

    work = DATA / "merge"
    work.mkdir(parents=True, exist_ok=True)
    base = work / f"base-{big.name}"
    if not base.exists():
        # A copy: the shared database is never opened by this (newer-schema) code.
        shutil.copyfile(big, work / "copying.db")
        with open_database(work / "copying.db"):
            pass  # brought to this schema once
        os.replace(work / "copying.db", base)
    paths = _merge_packs(base, work / "packs", packs, size)

    target = work / "merged.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, target)
    with open_database(target) as db:
        gc.collect()
        t = time.perf_counter()
        preview = merge.merge_packs(db, paths, dry_run=True)
        preview_s = time.perf_counter() - t
        t = time.perf_counter()
        summary = merge.merge_packs(db, paths)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        again = merge.merge_packs(db, paths)
        again_s = time.perf_counter() - t
        assert again.batch_id is None and preview.counts() == summary.counts()
        note = (f"{packs} packs x {size:,}: {summary.new_people:,} new people, {summary.matched_people:,} "
                f"matched, {summary.new_pledges:,} pledges, {summary.new_attendance:,} attendance")
        with db.raw_sqlite() as conn:
            inserted = {
                table: [row for row in conn.execute(
                    f"SELECT t.* FROM {table} t JOIN merge_rows m ON m.row_id = t.id "
                    f"WHERE m.batch_id = ? AND m.table_name = ? AND m.before IS NULL ORDER BY t.id",
                    (summary.batch_id, table))]
                for table in ("people", "pledges", "attendance")
            }
            columns = {table: [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
                       for table in inserted}
        t = time.perf_counter()
        merge_undo.undo_merge(db, summary.batch_id)
        undo_s = time.perf_counter() - t

    # Baseline: the same rows inserted with sqlite3's executemany, one transaction.
    raw_target = work / "raw.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{raw_target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, raw_target)
    conn = raw_connect(raw_target)
    try:
        gc.collect()
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table in ("people", "pledges", "attendance"):
            marks = ", ".join("?" * len(columns[table]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", inserted[table])
        conn.execute("COMMIT")
        baseline = time.perf_counter() - t
    finally:
        conn.close()
    with open_database(base) as db:
        for label, kwargs in (("all sign-ups", {}), ("one event's sign-ups", {"event_id": 50})):
            t = time.perf_counter()
            written = pack_export.export_pack(db, work / "export.cmpack", **kwargs)
            record(f"pack export of the {big.stem.split('-')[1]}-people database: {label}",
                   time.perf_counter() - t, None, "s", "(no target)",
                   f"{written.people:,} people, {written.pledges:,} pledges, "
                   f"{(work / 'export.cmpack').stat().st_size / 1e6:.0f} MB")
    record(f"merge: {packs} packs of {size:,} sign-ups into {big.stem.split('-')[1]} people",
           ours, baseline, "s", "< 10 s", note)
    record("merge: preview of the same (rolled back)", preview_s, None, "s", "< 10 s", "")
    record("merge: the same packs again (nothing to do)", again_s, None, "s", "< 5 s", "")
    record("merge: undo the whole merge", undo_s, None, "s", "< 5 s", "")


# --------------------------------------------------------------------------- bulk insert


def bench_bulk(n: int) -> None:
    """n pledges (for n people already there) in one transaction: ours vs raw executemany."""
    from chapter_manager.models import Pledge
    from chapter_manager.storage.bulk import RowEncoder, bulk_insert

    print(f"bulk insert of {n:,} pledges", flush=True)
    work = DATA / "bulk"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    template = work / "template.db"
    with open_database(template) as db:
        from chapter_manager.services.chapters import ChapterData, create_chapter

        chapter = create_chapter(db, ChapterData(name="Bench"))
        # n people, inserted raw (not timed): pledges need them.
        conn = sqlite3.connect(template)
        conn.executemany(
            "INSERT INTO people (id, chapter_id, uuid, device_id, device_seq, created_at, updated_at,"
            " given_names, family_names, family_name_first, preferred_name, affiliation, department,"
            " programme, do_not_disclose, notes, search_text, name_key, sort_key)"
            " VALUES (?,?,?,?,?,?,?,?,?,0,'','student','','',0,'',?,?,?)",
            ((i, chapter.id, uuid.uuid4().bytes, db.device.id.bytes, i, "2026-01-01 00:00:00.000000",
              "2026-01-01 00:00:00.000000", f"P{i}", "Bench", f"p{i} bench", f"p{i} bench",
              f"bench p{i}") for i in range(1, n + 1)),
        )
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        device = db.device.id

    rng = random.Random(1)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    source = [
        (chapter.id, i, None, uuid.UUID(int=rng.getrandbits(128), version=4), device, i, start, start,
         start + dt.timedelta(seconds=i), -360, "2024-1", "", bool(i % 2), False, "2024-1", "kiosk")
        for i in range(1, n + 1)
    ]
    columns = ("chapter_id", "person_id", "event_id", "uuid", "device_id", "device_seq", "created_at",
               "updated_at", "signed_at", "utc_offset_minutes", "commitment_version",
               "personal_commitment", "may_contact", "may_publish_name", "consent_version", "source")

    def ours() -> float:
        path = work / "ours.db"
        shutil.copy(template, path)
        with open_database(path) as db:
            gc.collect()
            t = time.perf_counter()
            with db.connect(write=True) as conn:
                first = db.allocate_sequence(conn, n)
                encode = RowEncoder.for_connection(conn, Pledge.__table__, columns).encode
                rows = (encode(r[:5] + (first + k,) + r[6:]) for k, r in enumerate(source))
                bulk_insert(conn, Pledge.__table__, columns, rows)
            return time.perf_counter() - t

    def baseline() -> float:
        path = work / "raw.db"
        shutil.copy(template, path)
        conn = raw_connect(path)
        gc.collect()
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE devices SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq",
                     (n, device.bytes)).fetchall()
        sql = f"INSERT INTO pledges ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        conn.executemany(
            sql,
            ((r[0], r[1], r[2], r[3].bytes, r[4].bytes, r[5], r[6].replace(tzinfo=None).strftime(fmt),
              r[7].replace(tzinfo=None).strftime(fmt), r[8].replace(tzinfo=None).strftime(fmt),
              r[9], r[10], r[11], r[12], r[13], r[14], r[15]) for r in source),
        )
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - t
        conn.close()
        return elapsed

    o = min(ours() for _ in range(2))
    b = min(baseline() for _ in range(2))
    record("bulk insert: pledges per second", n / o, n / b, "rows/s", ">= 0.5x baseline",
           f"ratio {b / o:.2f} ({o:.2f} s vs {b:.2f} s)")
    shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- kiosk


def bench_kiosk(n: int) -> None:
    """One kiosk-style sign-up per transaction: person + pledge + attendance, p50/p99."""
    from chapter_manager.services import chapters, events, people, pledges

    print(f"kiosk sign-ups, {n:,} each", flush=True)
    work = DATA / "kiosk"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    template = work / "template.db"
    with open_database(template) as db:
        chapter = chapters.create_chapter(db, chapters.ChapterData(name="Bench", country="MX"))
        event = events.create_event(
            db, chapter.id,
            events.EventData(title="Feria", starts_at=dt.datetime(2026, 3, 8, 16, tzinfo=dt.UTC),
                             timezone="America/Mexico_City"),
        )
        device = db.device.id
    shutil.copy(template, work / "ours.db")
    shutil.copy(template, work / "raw.db")
    db = open_database(work / "ours.db")
    raw = raw_connect(work / "raw.db")
    fmt = "%Y-%m-%d %H:%M:%S.%f"

    def ours_one(i: int) -> float:
        t = time.perf_counter()
        pledges.sign_up(
            db, chapter.id,
            people.PersonData(given_names=f"Ana {i}", family_names="Pérez", email=f"ana{i}@example.org",
                              student_id=f"{i:09d}"),
            pledges.PledgeData(event_id=event.id, source="kiosk"),
        )
        return time.perf_counter() - t

    def raw_one(i: int) -> float:
        t = time.perf_counter()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime(fmt)
        c = raw
        c.execute("BEGIN IMMEDIATE")
        c.execute("SELECT country FROM chapters WHERE id = ?", (chapter.id,)).fetchone()
        c.execute("SELECT chapter_id FROM events WHERE id = ?", (event.id,)).fetchone()
        email = f"ana{i}@example.org"
        c.execute("SELECT id FROM people WHERE chapter_id = ? AND email_key = ? LIMIT 1", (chapter.id, email)).fetchone()
        c.execute("SELECT id FROM people WHERE chapter_id = ? AND student_id = ? LIMIT 1",
                  (chapter.id, f"{i:09d}")).fetchone()
        seq = c.execute("UPDATE devices SET last_seq = last_seq + 3 WHERE id = ? RETURNING last_seq",
                        (device.bytes,)).fetchone()[0]
        cur = c.execute(
            "INSERT INTO people (chapter_id, uuid, device_id, device_seq, created_at, updated_at, given_names,"
            " family_names, family_name_first, preferred_name, email, email_key, phone, student_id, affiliation,"
            " department, programme, year_of_study, gender, pronouns, do_not_disclose, notes, search_text,"
            " name_key, sort_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (chapter.id, uuid.uuid4().bytes, device.bytes, seq - 2, now, now, f"Ana {i}", "Pérez", 0, "",
             email, email, None, f"{i:09d}", "student", "", "", None, None, None, 0, "",
             f"ana {i} perez {email} {i:09d}", f"ana {i} perez", f"perez ana {i}"),
        )
        person_id = cur.lastrowid
        c.execute(
            "INSERT INTO pledges (chapter_id, person_id, event_id, uuid, device_id, device_seq, created_at,"
            " updated_at, signed_at, utc_offset_minutes, commitment_version, personal_commitment,"
            " may_contact, may_publish_name, consent_version, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (chapter.id, person_id, event.id, uuid.uuid4().bytes, device.bytes, seq - 1, now, now, now, -360,
             "2024-1", "", 0, 0, "2024-1", "kiosk"),
        )
        c.execute(
            "INSERT INTO attendance (event_id, person_id, checked_in_at, source, uuid, device_id, device_seq,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (event.id, person_id, now, "kiosk", uuid.uuid4().bytes, device.bytes, seq, now, now),
        )
        c.execute("COMMIT")
        return time.perf_counter() - t

    for i in range(50):  # warm up both
        ours_one(10_000_000 + i)
        raw_one(10_000_000 + i)
    ours_t: list[float] = []
    raw_t: list[float] = []
    for i in range(n):  # interleaved, so both see the same disk
        ours_t.append(ours_one(i))
        raw_t.append(raw_one(i))
    db.close()
    raw.close()
    for p in (50, 99):
        o, b = percentile(ours_t, p) * 1000, percentile(raw_t, p) * 1000
        record(f"kiosk sign-up p{p}", o, b, "ms", "p99 <= 2x baseline" if p == 99 else "",
               f"ratio {o / b:.2f}")
    shutil.rmtree(work, ignore_errors=True)


def _kiosk_window_case(app, n: int, label: str, ours_path: Path, raw_path: Path,  # type: ignore[no-untyped-def]
                      chapter_id: int, event_id: int) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from ui.kiosk import KioskWindow

    fmt = "%Y-%m-%d %H:%M:%S.%f"
    print(f"kiosk window, {n:,} sign-ups, {label}", flush=True)
    db = open_database(ours_path, quick_check=False)
    device = db.device.id
    window = KioskWindow(db, event_id, thanks_ms=10**9, idle_ms=10**9, language="en")
    window.resize(1366, 768)
    window.show()
    window.pin_page.pin.setText("246813")
    window.pin_page.again.setText("246813")
    window.pin_page.confirm()
    app.processEvents()
    form = window.form
    raw = raw_connect(raw_path)

    def window_one(i: int) -> float:
        form.given.setText(f"Ana {i}")
        form.family.setText("Pérez")
        form.email.setText(f"kiosk{i}@example.org")
        form.student_id.setText(f"k{i:09d}")
        t = time.perf_counter()
        QTest.keyClick(form.email, Qt.Key.Key_Return)
        assert window.page() is window.thanks
        window.repaint()  # the thank-you page painted
        took = time.perf_counter() - t
        window.show_form()
        return took

    def raw_one(i: int) -> float:
        t = time.perf_counter()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime(fmt)
        c = raw
        email = f"kiosk{i}@example.org"
        c.execute("BEGIN IMMEDIATE")
        c.execute("SELECT country FROM chapters WHERE id = ?", (chapter_id,)).fetchone()
        c.execute("SELECT chapter_id FROM events WHERE id = ?", (event_id,)).fetchone()
        c.execute("SELECT id FROM people WHERE chapter_id = ? AND email_key = ? LIMIT 1",
                  (chapter_id, email)).fetchone()
        c.execute("SELECT id FROM people WHERE chapter_id = ? AND student_id = ? LIMIT 1",
                  (chapter_id, f"k{i:09d}")).fetchone()
        seq = c.execute("UPDATE devices SET last_seq = last_seq + 3 WHERE id = ? RETURNING last_seq",
                        (device.bytes,)).fetchone()
        seq = seq[0] if seq else 3
        cur = c.execute(
            "INSERT INTO people (chapter_id, uuid, device_id, device_seq, created_at, updated_at, given_names,"
            " family_names, family_name_first, preferred_name, email, email_key, phone, student_id, affiliation,"
            " department, programme, year_of_study, gender, pronouns, do_not_disclose, notes, search_text,"
            " name_key, sort_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (chapter_id, uuid.uuid4().bytes, device.bytes, seq - 2, now, now, f"Ana {i}", "Pérez", 0, "",
             email, email, None, f"k{i:09d}", "student", "", "", None, None, None, 0, "",
             f"ana {i} perez {email} k{i:09d}", f"ana {i} perez", f"perez ana {i}"),
        )
        person_id = cur.lastrowid
        c.execute(
            "INSERT INTO pledges (chapter_id, person_id, event_id, uuid, device_id, device_seq, created_at,"
            " updated_at, signed_at, utc_offset_minutes, commitment_version, personal_commitment,"
            " may_contact, may_publish_name, consent_version, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (chapter_id, person_id, event_id, uuid.uuid4().bytes, device.bytes, seq - 1, now, now, now,
             -360, "2026-1.en", "", 0, 0, "2026-1.en", "kiosk"),
        )
        c.execute(
            "INSERT INTO attendance (event_id, person_id, checked_in_at, source, uuid, device_id, device_seq,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (event_id, person_id, now, "kiosk", uuid.uuid4().bytes, device.bytes, seq, now, now),
        )
        c.execute("COMMIT")
        return time.perf_counter() - t

    for i in range(30):  # warm up both
        window_one(10_000_000 + i)
        raw_one(10_000_000 + i)
    ours_t: list[float] = []
    raw_t: list[float] = []
    for i in range(n):  # interleaved, so both see the same disk
        ours_t.append(window_one(i))
        raw_t.append(raw_one(i))
    window.armed = False
    window.close()
    db.close()
    raw.close()
    for p in (50, 99):
        o, b = percentile(ours_t, p) * 1000, percentile(raw_t, p) * 1000
        record(f"kiosk: Enter to thank-you shown p{p}, {label}", o, b, "ms",
               "p99 < 50 ms" if p == 99 else "", f"ratio {o / b:.2f}")


def bench_kiosk_window(n: int, big: Path | None) -> None:
    """The kiosk as people use it: Enter in the form → the sign-up on disk → the thank-you
    page painted, p50/p99, against the raw sqlite3 transaction of the same rows.

    On a fresh event database, and on a copy of the big one (a chapter of a million pledges
    with an active pledge goal: the thank-you counts it)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QLocale

    from chapter_manager.services import chapters, events
    from ui.frame.app import make_application

    app = make_application()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    work = DATA / "kiosk-window"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cases: list[tuple[str, Path, Path, int, int]] = []
    template = work / "template.db"
    with open_database(template) as db:
        chapter = chapters.create_chapter(db, chapters.ChapterData(name="Bench", country="MX"))
        event = events.create_event(db, chapter.id, events.EventData(
            title="Feria", starts_at=dt.datetime.now(dt.UTC), timezone="America/Mexico_City", pledge_goal=5000))
    for name in ("ours.db", "raw.db"):
        shutil.copy(template, work / name)
    cases.append(("new event database", work / "ours.db", work / "raw.db", chapter.id, event.id))
    if big is not None and big.exists():
        for name in ("big-ours.db", "big-raw.db"):
            shutil.copy(big, work / name)
        with open_database(work / "big-ours.db") as db:
            event = events.create_event(db, 1, events.EventData(
                title="Feria", starts_at=dt.datetime.now(dt.UTC), timezone="America/Mexico_City", pledge_goal=5000))
        with open_database(work / "big-raw.db") as db:
            events.create_event(db, 1, events.EventData(
                title="Feria", starts_at=dt.datetime.now(dt.UTC), timezone="America/Mexico_City", pledge_goal=5000))
        cases.append((f"{big.name} (1,000,000 pledges, goal counted)", work / "big-ours.db", work / "big-raw.db",
                      1, event.id))
    for label, ours_path, raw_path, chapter_id, event_id in cases:
        _kiosk_window_case(app, n, label, ours_path, raw_path, chapter_id, event_id)
    shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- search


def bench_search(path: Path, n: int) -> None:
    from sqlalchemy import select

    from chapter_manager.models import Person
    from chapter_manager.services.people import search_people
    from chapter_manager.text import fold

    print(f"search, {n} queries over {path.name}", flush=True)
    db = open_database(path)
    with db.read() as s:
        chapter_id = s.scalar(select(Person.chapter_id).limit(1))
        sample = s.execute(
            select(Person.given_names, Person.family_names, Person.email, Person.student_id)
            .where(Person.id % 97 == 0).limit(n)
        ).all()
    rng = random.Random(3)
    queries = []
    for given, family, email, sid in sample:
        kind = rng.randrange(6)
        if kind == 0 and family:
            queries.append(fold(family)[:3])  # "nun" while typing
        elif kind == 1 and family:
            queries.append(family.upper())  # "NÚÑEZ"
        elif kind == 2 and given and family:
            queries.append(f"{fold(given).split()[0]} {fold(family)[:2]}")
        elif kind == 3 and email:
            queries.append(email.split("@")[0][:6])
        elif kind == 4 and sid:
            queries.append(sid[:5])
        else:
            queries.append((given or family)[:1])  # one letter: the worst case
    for q in queries[:20]:
        search_people(db, chapter_id, q)
    ours = []
    for q in queries:
        t = time.perf_counter()
        search_people(db, chapter_id, q, limit=50)
        ours.append(time.perf_counter() - t)
    db.close()
    raw = raw_connect(path)
    like = []
    for q in queries:
        t = time.perf_counter()
        raw.execute(
            "SELECT id, given_names, family_names, email, student_id FROM people WHERE chapter_id = ? AND "
            "(given_names LIKE ? OR family_names LIKE ? OR email LIKE ? OR student_id LIKE ?) LIMIT 50",
            (chapter_id, *(f"%{q}%",) * 4),
        ).fetchall()
        like.append(time.perf_counter() - t)
    raw.close()
    for p in (50, 99):
        record(f"search first 50, p{p}", percentile(ours, p) * 1000, percentile(like, p) * 1000, "ms",
               "p99 < 5 ms" if p == 99 else "", "baseline: raw LIKE '%term%' (not accent-insensitive)")


# --------------------------------------------------------------------------- opening


def bench_open(path: Path) -> None:
    print(f"open {path.name}", flush=True)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        db = open_database(path)
        with db.read() as s:
            from sqlalchemy import func, select

            from chapter_manager.models import Pledge

            s.scalar(select(func.count()).select_from(Pledge).where(Pledge.chapter_id == 1))
        elapsed = time.perf_counter() - t
        db.close()
        times.append(elapsed)
    raw_times = []
    for _ in range(5):
        t = time.perf_counter()
        conn = raw_connect(path)
        conn.execute("PRAGMA application_id").fetchone()
        conn.execute("PRAGMA user_version").fetchone()
        conn.execute("SELECT count(*) FROM pledges WHERE chapter_id = 1").fetchone()
        conn.close()
        raw_times.append(time.perf_counter() - t)
    record("open big database + count pledges", statistics.median(times), statistics.median(raw_times),
           "s", "< 0.5 s", "baseline: raw connect + the same pragmas and count")
    code = (
        "import time; t=time.perf_counter(); from chapter_manager.storage import open_database; "
        f"db=open_database({str(path)!r}); print(time.perf_counter()-t)"
    )
    cold = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True, env=os.environ.copy()).stdout) for _ in range(3)]
    record("new process: import core + open big database", statistics.median(cold), None, "s",
           "(context)", "includes importing SQLAlchemy and the models")


def _probe(*args: str) -> tuple[float, dict]:
    """Run bench/gui_probe.py in a fresh process; (seconds from spawn to ready, its JSON)."""
    env = os.environ.copy()
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    spawned = time.time()
    done = subprocess.run([sys.executable, str(HERE / "gui_probe.py"), *args], capture_output=True, text=True,
                          env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return data.get("ready_wall", spawned) - spawned, data


def bench_gui(path: Path, members_db: Path) -> None:
    print(f"gui on {path.name}", flush=True)
    _probe("baseline")  # warm the file cache for Qt's libraries
    _probe("start", str(path))
    base = [_probe("baseline")[0] for _ in range(5)]
    runs = [_probe("start", str(path)) for _ in range(5)]
    ready = [r[0] for r in runs]
    dashboard = [r[1]["dashboard_wall"] - r[1]["ready_wall"] for r in runs if r[1].get("dashboard_wall")]
    record("cold start to interactive main window", statistics.median(ready), statistics.median(base), "s",
           "< 0.8 s", "baseline: a new process showing an empty QMainWindow")
    if dashboard:
        record("dashboard filled after the window is up", statistics.median(dashboard), None, "s", "(context)",
               "read on a worker thread; the window is usable meanwhile")
    record("memory at start", statistics.median(r[1]["rss_mb"] for r in runs), None, "MB", "(context)", "peak RSS")
    _, m = _probe("members", str(members_db))
    record("members: show 100k rows (first time)", m["first_show_s"], None, "s", "(context)", f"{m['rows']:,} rows")
    record("members: search keystroke to updated table p99", m["keystroke_p99_ms"], None, "ms", "< 50 ms",
           f"p50 {m['keystroke_p50_ms']:.1f} ms, p90 {m['keystroke_p90_ms']:.1f} ms, slowest {m['slowest_keystrokes'][:3]}")
    record("members: sort by any column (slowest)", m["sort_max_ms"], None, "ms", "< 200 ms",
           json.dumps(m["sorts_ms"]))
    record("members: peak memory with the table open and scrolled", m["rss_peak_mb"], None, "MB", "< 300 MB", "")


def bench_gui_import(n: int) -> None:
    """The GUI thread's longest stall (a 10 ms QTimer) while the app imports an n-row CSV on
    its worker pool; baseline: the same timer on the idle window for 3 s afterwards."""
    import excel

    from chapter_manager.services.chapters import ChapterData, create_chapter

    print(f"gui-import of {n:,} rows", flush=True)
    work = DATA / "excel"
    work.mkdir(parents=True, exist_ok=True)
    csv_path = excel.make_csv(work / f"members-{n}.csv", n)
    db_path = work / "gui-import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    with open_database(db_path) as db:
        create_chapter(db, ChapterData(name="Import bench", country="MX", timezone="America/Mexico_City"))
    _, data = _probe("import", str(csv_path), str(db_path))
    if "error" in data:
        raise RuntimeError(data["error"])
    during, idle = data["during"], data["idle"]
    record(f"gui: longest GUI-thread stall during a {n:,}-row CSV import", during["longest_ms"],
           idle["longest_ms"], "ms", "< 100 ms",
           f"10 ms QTimer; p99 gap {during['p99_ms']:.1f} ms over {during['ticks']:,} ticks; import "
           f"(read, check, commit on the worker pool) {data['import_s']:.1f} s, {data['created']:,} people; "
           f"baseline: the idle window's longest gap; gaps over 100 ms (ms, phase): {during['over_100ms']}")
def bench_live(path: Path, tries: int) -> None:
    """An open Members screen showing a member added by another handle (bench/live.py), in a
    fresh process, on a copy of ``path``."""
    print(f"live on {path.name}", flush=True)
    env = os.environ.copy()
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    done = subprocess.run([sys.executable, str(HERE / "live.py"), str(path), str(tries)], capture_output=True,
                          text=True, env=env, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    m = json.loads(done.stdout.strip().splitlines()[-1])
    record("live: a change elsewhere shown on the open Members screen (median)", m["shown_median_s"], None, "s",
           "< 2 s", f"p90 {m['shown_p90_s']:.2f} s, slowest {m['shown_max_s']:.2f} s; {m['rows']:,} members; "
           f"polled every {m['poll_ms']} ms; {tries} tries")
    if m["noticed_median_s"] is not None:
        record("live: a change elsewhere noticed (median)", m["noticed_median_s"], None, "s", "(context)",
               f"p90 {m['noticed_p90_s']:.2f} s")


def bench_report(path: Path) -> None:
    """The impact report of the 1,000-event, 1,000,000-pledge chapter, on a copy of the file.

    Baselines in the same run: reportlab laying out as many pages of plain text (built-in
    Helvetica, Paragraphs), and the raw SQL of the report's aggregates through sqlite3."""
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    from chapter_manager.reports.data import ReportOptions
    from chapter_manager.reports.impact import build_report

    copy = DATA / "report-copy.db"
    if not copy.exists():
        shutil.copyfile(path, copy)
    print(f"report on a copy of {path.name}", flush=True)
    import io

    with open_database(copy) as db:
        build_report(db, ReportOptions(today=dt.date.today()))  # warm the file cache and the fonts
        for label, start in (("this term (default)", None), ("all time", dt.date(2000, 1, 1))):
            runs = []
            for _ in range(5):
                t = time.perf_counter()
                result = build_report(db, ReportOptions(start=start, end=dt.date.today() if start else None))
                runs.append(time.perf_counter() - t)
            pages = result.pages
            events = len(result.data.events)
            styles = getSampleStyleSheet()
            story = []
            for k in range(pages):
                story += [Paragraph(f"Line {j} of page {k}: plain text as a baseline for layout.", styles["Normal"])
                          for j in range(45)] + [PageBreak()]
            t = time.perf_counter()
            SimpleDocTemplate(io.BytesIO()).build(story)
            layout = time.perf_counter() - t
            record(f"impact report, {label}", statistics.median(runs), layout, "s", "< 3 s",
                   f"{pages} pages, {events} events; baseline: reportlab laying out {pages} pages of plain text")
    first, last = result.data.start, result.data.end
    conn = raw_connect(copy)
    kinds = ", ".join(f"count(CASE WHEN p.affiliation = '{k}' THEN 1 END)"
                      for k in ("student", "staff", "faculty", "alumni", "community"))
    raws = []
    for _ in range(3):
        t = time.perf_counter()
        conn.execute("SELECT count(*) FROM pledges WHERE chapter_id = 1").fetchone()
        conn.execute(f"SELECT {kinds} FROM pledges g JOIN people p ON p.id = g.person_id "
                     "WHERE g.chapter_id = 1").fetchall()
        conn.execute("SELECT p.gender, count(*) FROM pledges g JOIN people p ON p.id = g.person_id "
                     "WHERE g.chapter_id = 1 AND p.gender IS NOT NULL GROUP BY 1").fetchall()
        conn.execute("SELECT e.id, (SELECT count(*) FROM attendance a WHERE a.event_id = e.id), "
                     "(SELECT count(*) FROM pledges g WHERE g.event_id = e.id) FROM events e "
                     "WHERE e.chapter_id = 1").fetchall()
        raws.append(time.perf_counter() - t)
    conn.close()
    record("impact report: raw SQL of its biggest aggregates (all time)", statistics.median(raws), None, "s",
           "(context)", f"pledges by affiliation and by gender, per-event counts; period {first} to {last}")


def _whole_process(argv: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall time of ``argv`` as a new process, spawn to exit (the first run only
    warms the file cache and is not counted)."""
    times = []
    for k in range(runs + 1):
        t = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, env=env or os.environ.copy(), timeout=600)
        if k:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_startup(big: Path | None, runs: int = 7) -> None:
    """What a user waits for: whole processes, against Python doing nothing and Python
    importing SQLAlchemy, measured in the same run."""
    print("start-up (whole processes)", flush=True)
    DATA.mkdir(parents=True, exist_ok=True)
    small = DATA / "startup-small.db"
    if not small.exists():
        from chapter_manager.demo import generate_demo

        db = open_database(small)
        generate_demo(db, members=50, events=5, forums=2, pledges=60)
        db.close()
    base = _whole_process([sys.executable, "-c", "pass"], runs)
    sqla = _whole_process([sys.executable, "-c", "import sqlalchemy"], runs)
    record("start-up: python -c pass", base, None, "s", "(context)", "the floor")
    record("start-up: python -c 'import sqlalchemy'", sqla, base, "s", "(context)", "baseline: python -c pass")
    cm = [sys.executable, "-c", "from ui.launcher import run; run()"]
    for args, target in ((["--help"], "(context)"), (["stats", "--json"], "< 0.5 s")):
        ours = _whole_process([*cm, "--db", str(small), *args], runs)
        record(f"start-up: chapter-manager {' '.join(args)} (50 members)", ours, sqla, "s", target,
               f"baseline: import sqlalchemy; python -c pass {base:.3f} s")
    # The window: spawn to an interactive main window (bench/gui_probe.py), tiny database.
    _probe("start", str(small))
    ready = statistics.median(_probe("start", str(small))[0] for _ in range(runs))
    record("start-up: the window on a 50-member database", ready, sqla, "s", "< 0.8 s",
           f"spawn to interactive; baseline: import sqlalchemy; python -c pass {base:.3f} s")
    if big is not None and big.exists():
        out = DATA / "startup-report.pdf"
        ours = _whole_process([*cm, "--db", str(big), "report", str(out)], max(3, runs // 2))
        record("start-up: chapter-manager report, 1,000,000 pledges", ours, sqla, "s", "< 3 s",
               "whole process, PDF written")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*",
                        choices=["bulk", "kiosk", "search", "open", "gui", "merge", "report", "roster", "import",
                                 "gui-import", "live", "startup"])
    parser.add_argument("--no-big", action="store_true", help="kiosk: skip the copy of the big database")
    args = parser.parse_args()
    only = set(args.only or ["startup", "bulk", "kiosk", "search", "open", "gui", "merge", "report", "roster",
                             "import", "gui-import", "live"])
    members, pledges = (10_000, 50_000) if args.quick else (100_000, 1_000_000)
    info = machine()
    print("machine:", json.dumps(info), flush=True)
    if "startup" in only:
        bench_startup(None if args.quick or args.no_big else DATA / f"big-{members}-{pledges}.db")
    if "bulk" in only:
        bench_bulk(pledges)
    if "kiosk" in only:
        bench_kiosk(300 if args.quick else 3000)
        big = None if args.quick or args.no_big else DATA / f"big-{members}-{pledges}.db"
        bench_kiosk_window(300 if args.quick else 2000, big)
    if "search" in only:
        # 100,000 people: members who pledged, and no pledgers beyond them.
        bench_search(big_database(members, members), 300 if args.quick else 1000)
    if "open" in only:
        bench_open(big_database(members, pledges))
    if "gui" in only:
        bench_gui(big_database(members, pledges), big_database(members, members))
    if "gui-import" in only:
        bench_gui_import(10_000 if args.quick else 100_000)
    if "merge" in only:
        bench_merge(big_database(members, members), 3 if args.quick else 10, 500 if args.quick else 5000)
    if "report" in only:
        bench_report(big_database(members, pledges))
    if "roster" in only or "import" in only:
        import excel

        if "roster" in only:
            excel.bench_roster(big_database(members, members), record, DATA / "excel")
        if "import" in only:
            excel.bench_import(10_000 if args.quick else 100_000, record, DATA / "excel")
    if "live" in only:
        bench_live(big_database(members, pledges), 20)
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps({"machine": info, "results": RESULTS}, indent=2))
    print("\n| benchmark | ours | baseline | unit | target | note |\n|---|---|---|---|---|---|")
    for r in RESULTS:
        base = f"{r['baseline']:,.3f}" if r["baseline"] is not None else "—"
        print(f"| {r['benchmark']} | {r['ours']:,.3f} | {base} | {r['unit']} | {r['target']} | {r['note']} |")


if __name__ == "__main__":
    main()
