"""The core's one job contract: progress, a cancel signal, one ``Cancelled`` recognised by type.

Every long operation is cancelled part-way (the cancel is set from its own progress
callback, so the stop lands in the middle of the work) and must raise ``jobs.Cancelled``
with the database unchanged.  A write from a running job that meets another program's
write lock waits, says so, and saves once the lock is free, or stops on cancel.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time

import pytest

from chapter_manager import jobs
from chapter_manager.exports import RosterOptions, export_roster
from chapter_manager.imports import commit_import, guess_mapping, plan_import, read_table
from chapter_manager.services import undo
from chapter_manager.services.merge import merge_packs
from chapter_manager.services.pack_export import export_pack
from chapter_manager.services.people import PersonData, create_person, list_people
from chapter_manager.storage import open_database
from chapter_manager.storage.backups import restore_backup
from tests.merging import laptop, make_main, signup, state


def _cancel_after(calls: int):  # type: ignore[no-untyped-def]
    """A (progress, cancel) pair whose cancel is set at the ``calls``-th progress report."""
    stop = threading.Event()
    seen: list[str] = []

    def progress(_fraction, message):  # type: ignore[no-untyped-def]
        seen.append(message)
        if len(seen) >= calls:
            stop.set()

    return progress, stop, seen


def _file_state(path) -> bytes:  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump()).encode()
    finally:
        conn.close()


def test_every_modules_cancel_is_the_one_cancelled():
    from chapter_manager import demo
    from chapter_manager.exports import xlsx
    from chapter_manager.imports import members
    from chapter_manager.reports import data
    from chapter_manager.services import merge

    for cls in (demo.Cancelled, xlsx.Cancelled, members.ImportCancelled, data.Cancelled, merge.Cancelled):
        assert issubclass(cls, jobs.Cancelled)
        assert str(cls())  # a sentence for the person
    assert str(jobs.Cancelled()) == "Cancelled; nothing was changed."


def test_job_check_and_progress():
    stop = threading.Event()
    said: list[tuple[float | None, str]] = []
    job = jobs.as_job(lambda f, m: said.append((f, m)), stop)
    job.check()
    job.progress(0.5, "half")
    assert said == [(0.5, "half")]
    stop.set()
    with pytest.raises(jobs.Cancelled):
        job.check()
    assert jobs.as_job(job) is job
    assert jobs.current() is None
    with jobs.running(job):
        assert jobs.current() is job
    assert jobs.current() is None


def test_a_cancelled_import_raises_cancelled_and_imports_nothing(db, chapter, tmp_path):
    rows = "\n".join(f"Name{i},Family{i},p{i}@unam.mx" for i in range(3000))
    path = tmp_path / "m.csv"
    path.write_text("Nombre,Apellidos,Correo\n" + rows + "\n", encoding="utf-8")
    table = read_table(path)
    plan = plan_import(db, chapter.id, table, guess_mapping(table.headers))
    before = _file_state(db.path)
    progress, stop, seen = _cancel_after(2)
    with pytest.raises(jobs.Cancelled):
        commit_import(db, plan, progress=progress, cancel=stop)
    assert seen and stop.is_set()
    assert list_people(db, chapter.id) == []
    assert _file_state(db.path) == before


def test_a_cancelled_merge_raises_cancelled_and_changes_nothing(tmp_path):
    main = make_main(tmp_path / "main.db")
    main.close()
    shutil.copyfile(tmp_path / "main.db", tmp_path / "k.db")
    kiosk = open_database(tmp_path / "k.db", device=laptop(1))
    for i in range(40):
        signup(kiosk, given=f"Ana{i}", email=f"ana{i}@unam.mx")
    pack = export_pack(kiosk, tmp_path / "k.cmpack").path
    kiosk.close()
    main = open_database(tmp_path / "main.db")
    before = state(main)
    progress, stop, seen = _cancel_after(2)
    with pytest.raises(jobs.Cancelled):
        merge_packs(main, [pack], progress=progress, cancel=stop)
    assert len(seen) >= 2
    assert state(main) == before
    main.close()


def test_a_cancelled_pack_export_leaves_no_file(tmp_path):
    main = make_main(tmp_path / "main.db")
    signup(main, email="ana@unam.mx")
    progress, stop, _seen = _cancel_after(1)
    with pytest.raises(jobs.Cancelled):
        export_pack(main, tmp_path / "out.cmpack", progress=progress, cancel=stop)
    assert sorted(p.name for p in tmp_path.iterdir() if "cmpack" in p.name) == []
    main.close()


def test_a_cancelled_roster_raises_cancelled_and_writes_nothing(db, chapter, tmp_path):
    for i in range(50):
        create_person(db, chapter.id, PersonData(given_names=f"Ana{i}", family_names="López"))
    progress, stop, _seen = _cancel_after(1)
    with pytest.raises(jobs.Cancelled):
        export_roster(db, tmp_path / "r.xlsx", RosterOptions(chapter_id=chapter.id), progress=progress, cancel=stop)
    assert not any("xlsx" in p.name for p in tmp_path.iterdir())


def test_cancelled_delete_and_restore_change_nothing(db, chapter):
    ana = create_person(db, chapter.id, PersonData(given_names="Ana", family_names="López"))
    stop = threading.Event()
    stop.set()
    with pytest.raises(jobs.Cancelled):
        undo.delete_people(db, [ana.id], cancel=stop)
    assert [p.id for p in list_people(db, chapter.id)] == [ana.id]
    deleted = undo.delete_people(db, [ana.id])
    with pytest.raises(jobs.Cancelled):
        undo.restore(db, deleted, cancel=stop)
    assert list_people(db, chapter.id) == []
    assert undo.restore(db, deleted) == 1


def test_a_cancelled_restore_leaves_the_database_as_it_was(db, chapter):
    backup = db.backup(reason="manual")
    create_person(db, chapter.id, PersonData(given_names="Ana", family_names="López"))
    path = db.path
    db.close()
    before = _file_state(path)
    stop = threading.Event()
    stop.set()
    with pytest.raises(jobs.Cancelled):
        restore_backup(path, backup, cancel=stop)
    assert _file_state(path) == before


def test_a_cancelled_open_creates_nothing(tmp_path):
    stop = threading.Event()
    stop.set()
    with pytest.raises(jobs.Cancelled):
        open_database(tmp_path / "new.db", cancel=stop)
    assert not (tmp_path / "new.db").exists()
    said: list[str] = []
    db = open_database(tmp_path / "new.db", progress=lambda _f, m: said.append(m))
    db.close()
    db = open_database(tmp_path / "new.db", progress=lambda _f, m: said.append(m))
    db.close()
    assert "Checking the database…" in said


# ---------------------------------------------------------------------------- the write lock


def _hold_write_lock(path):  # type: ignore[no-untyped-def]
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_job_waits_for_another_programs_write_lock_and_then_saves(db, chapter):
    other = _hold_write_lock(db.path)
    said: list[str] = []
    job = jobs.Job(lambda _f, m: said.append(m), threading.Event())
    outcome: dict[str, object] = {}

    def write() -> None:
        with jobs.running(job):
            outcome["person"] = create_person(db, chapter.id, PersonData(given_names="Ana", family_names="López"))

    worker = threading.Thread(target=write)
    worker.start()
    deadline = time.monotonic() + 10
    while jobs.waiting_message() not in said and time.monotonic() < deadline:
        time.sleep(0.02)
    assert said[0] == "Waiting for another program to finish writing…"
    assert worker.is_alive()  # still waiting, not failed
    other.execute("COMMIT")
    other.close()
    worker.join(10)
    assert not worker.is_alive()
    assert said[-1] == "Saving…"
    assert [p.display_name for p in list_people(db, chapter.id)] == ["Ana López"]


def test_a_job_waiting_for_the_write_lock_stops_on_cancel_with_nothing_written(db, chapter):
    other = _hold_write_lock(db.path)
    stop = threading.Event()
    said: list[str] = []
    job = jobs.Job(lambda _f, m: said.append(m), stop)
    outcome: dict[str, BaseException] = {}

    def write() -> None:
        try:
            with jobs.running(job):
                create_person(db, chapter.id, PersonData(given_names="Ana", family_names="López"))
        except BaseException as error:
            outcome["error"] = error

    worker = threading.Thread(target=write)
    worker.start()
    deadline = time.monotonic() + 10
    while not said and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    worker.join(10)
    other.execute("ROLLBACK")
    other.close()
    assert isinstance(outcome.get("error"), jobs.Cancelled)
    assert list_people(db, chapter.id) == []
    # the connection is usable again, at its normal busy timeout
    create_person(db, chapter.id, PersonData(given_names="Luis", family_names="Pérez"))
    with db.raw_sqlite() as raw:
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
