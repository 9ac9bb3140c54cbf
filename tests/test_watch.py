"""Noticing changes made by others to a database file (storage/watch.py), on real files."""

from __future__ import annotations

import sqlite3
import statistics
import time

import pytest

from chapter_manager.services.people import PersonData, create_person, delete_person, update_person
from chapter_manager.storage import open_database
from chapter_manager.storage.watch import ALL, LOG_LENGTH, ChangeWatch, open_watch


@pytest.fixture
def other(db):
    """A second handle on the same file: another window, the CLI, a kiosk."""
    handle = open_database(db.path)
    yield handle
    handle.close()


@pytest.fixture
def watch(db, chapter):
    w = open_watch(db)
    assert w is not None
    yield w
    w.close()


def test_nothing_changed_is_none(watch):
    assert watch.poll() is None
    assert watch.poll() is None


def test_a_person_added_by_another_handle_is_noticed_as_people(watch, other, chapter):
    create_person(other, chapter.id, PersonData(given_names="Ana", family_names="Ruiz"))
    change = watch.poll()
    assert change is not None
    assert "people" in change.kinds
    assert "forums" not in change.kinds and not change.everything
    assert watch.poll() is None  # told once


def test_own_writes_are_not_reported(db, watch, chapter):
    person = create_person(db, chapter.id, PersonData(given_names="Ana", family_names="Ruiz"))
    update_person(db, person.id, PersonData(given_names="Ana María", family_names="Ruiz"))
    assert watch.poll() is None


def test_own_and_others_writes_together_report_only_the_others(db, watch, other, chapter):
    import datetime as dt

    from chapter_manager.services.events import EventData, create_event

    create_person(db, chapter.id, PersonData(given_names="Mine", family_names="Own"))
    create_event(other, chapter.id, EventData(
        title="Teach-in", starts_at=dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC)))
    change = watch.poll()
    assert change is not None
    assert "events" in change.kinds and "people" not in change.kinds


def test_an_edit_is_noticed(db, watch, other, chapter):
    person = create_person(db, chapter.id, PersonData(given_names="Ana", family_names="Ruiz"))
    assert watch.poll() is None
    update_person(other, person.id, PersonData(given_names="Ana María", family_names="Ruiz"))
    change = watch.poll()
    assert change is not None and "people" in change.kinds


def test_a_pledge_by_sign_up_is_pledges_and_people(watch, other, chapter):
    from chapter_manager.services.pledges import PledgeData, sign_up

    sign_up(other, chapter.id, PersonData(given_names="Ana", family_names="Ruiz", email="ana@example.org"),
            PledgeData())
    change = watch.poll()
    assert change is not None and {"people", "pledges"} <= change.kinds


def test_a_delete_reports_what_it_cascades_into(db, watch, other, chapter):
    from chapter_manager.services.pledges import PledgeData, sign_up

    outcome = sign_up(db, chapter.id, PersonData(given_names="Ana", family_names="Ruiz", email="ana@example.org"),
                      PledgeData())
    assert watch.poll() is None
    delete_person(other, outcome.person_id)  # the pledge goes with them (ON DELETE CASCADE)
    change = watch.poll()
    assert change is not None and {"people", "pledges", "events", "forums"} <= change.kinds


def test_a_writer_that_keeps_no_log_means_everything(db, watch, chapter):
    raw = sqlite3.connect(db.path)
    raw.execute("UPDATE chapters SET city = 'Puebla'")
    raw.commit()
    raw.close()
    change = watch.poll()
    assert change is not None and change.everything and change.kinds == ALL


def test_more_changes_than_the_log_keeps_means_everything(watch, other, chapter):
    for n in range(LOG_LENGTH + 1):
        create_person(other, chapter.id, PersonData(given_names=f"P{n}", family_names="X"))
    change = watch.poll()
    assert change is not None and change.everything


def test_exactly_the_log_length_is_still_exact(watch, other, chapter):
    for n in range(LOG_LENGTH):
        create_person(other, chapter.id, PersonData(given_names=f"P{n}", family_names="X"))
    change = watch.poll()
    assert change is not None and not change.everything and "people" in change.kinds


def test_a_rolled_back_write_leaves_no_entry(db, watch, other, chapter):
    with pytest.raises(RuntimeError), other.write() as session:
        from chapter_manager.models import Person

        session.add(Person(chapter_id=chapter.id, given_names="Gone", family_names="Soon"))
        session.flush()
        raise RuntimeError("stop")
    assert watch.poll() is None


def test_the_command_line_in_process_is_noticed(db, watch, chapter, tmp_path, capsys):
    from chapter_manager import cli

    sheet = tmp_path / "members.csv"
    sheet.write_text("Given names,Family names,Email\nLuz,Marín,luz@example.org\n", encoding="utf-8")
    assert cli.main(["--db", str(db.path), "import", "members", str(sheet)]) == 0
    change = watch.poll()
    assert change is not None and "people" in change.kinds


def test_a_watch_of_a_second_handle_sees_the_first(db, other, chapter):
    theirs = open_watch(other)
    assert theirs is not None
    try:
        create_person(db, chapter.id, PersonData(given_names="Ana", family_names="Ruiz"))
        change = theirs.poll()
        assert change is not None and "people" in change.kinds
    finally:
        theirs.close()


def test_polling_costs_microseconds_when_nothing_changed(watch):
    times = []
    for _ in range(2000):
        began = time.perf_counter()
        watch.poll()
        times.append(time.perf_counter() - began)
    assert statistics.median(times) < 0.0002  # 200 µs; measured ~5 µs


def test_a_watch_on_a_path_works_without_a_database_object(db, other, chapter):
    w = ChangeWatch(db.path, token=1)  # a token no handle has: every write is someone else's
    try:
        create_person(db, chapter.id, PersonData(given_names="Ana", family_names="Ruiz"))
        change = w.poll()
        assert change is not None and "people" in change.kinds
    finally:
        w.close()


def test_the_log_stays_short_and_a_damaged_one_starts_again(db, watch, other, chapter):
    from chapter_manager.storage.watch import CHANGES_KEY, parse_log

    for n in range(LOG_LENGTH + 10):
        create_person(other, chapter.id, PersonData(given_names=f"P{n}", family_names="X"))
    with db.raw_sqlite() as raw:
        value = raw.execute("SELECT value FROM settings WHERE key = ?", (CHANGES_KEY,)).fetchone()[0]
    state = parse_log(value)
    assert len(state.entries) == LOG_LENGTH and state.entries[-1][0] == state.seq
    watch.poll()
    raw = sqlite3.connect(db.path)
    raw.execute("UPDATE settings SET value = 'garbage' WHERE key = ?", (CHANGES_KEY,))
    raw.commit()
    raw.close()
    assert watch.poll().everything
    create_person(other, chapter.id, PersonData(given_names="After", family_names="Damage"))
    change = watch.poll()  # the log starts again at 1, right after the damage seen above
    assert change is not None and not change.everything and "people" in change.kinds


def test_the_command_line_demo_is_everything(db, watch, chapter, capsys):
    from chapter_manager import cli

    assert cli.main(["--db", str(db.path), "demo", "--members", "20", "--events", "2", "--forums", "1",
                     "--pledges", "20"]) == 0
    change = watch.poll()
    assert change is not None and change.kinds == ALL


def test_a_merge_of_a_pack_by_the_command_line_is_people_pledges_and_events(tmp_path, capsys):
    import shutil

    from merging import copy_db, laptop, make_main, pack_of, signup

    from chapter_manager import cli

    main = make_main(tmp_path / "main.db")
    main.close()
    template = tmp_path / "template.db"
    shutil.copyfile(tmp_path / "main.db", template)
    kiosk = copy_db(template, tmp_path / "kiosk.db", laptop(1))
    signup(kiosk, given="Ana", family="López", email="ana@example.org")
    pack = pack_of(kiosk, tmp_path / "signups.cmpack")
    kiosk.close()
    window = open_database(tmp_path / "main.db")
    try:
        w = open_watch(window)
        assert cli.main(["--db", str(tmp_path / "main.db"), "merge", str(pack)]) == 0
        change = w.poll()
        assert change is not None and {"people", "pledges", "events"} <= change.kinds
        w.close()
    finally:
        window.close()
