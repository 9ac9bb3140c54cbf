"""People search, chapter counts and the ``chapter-manager`` command.

Real SQLite files, the CLI through ``cli.main([...])`` and as ``python -m chapter_manager``.
Several tests pin bugs found and fixed since.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chapter_manager import cli
from chapter_manager.models import Affiliation, MembershipStatus
from chapter_manager.services.chapters import ChapterData, create_chapter
from chapter_manager.services.events import EventData, create_event
from chapter_manager.services.members import set_membership
from chapter_manager.services.people import PersonData, create_person, list_people, search_people
from chapter_manager.services.pledges import PledgeData, list_pledges, sign_up
from chapter_manager.storage import open_database
from chapter_manager.text import search_tokens

TOTALS = ("people", "members", "events", "forums", "attendance", "pledges")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``chapter-manager ARGV`` in this process: (exit code, stdout, stderr)."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:  # argparse's usage errors and --help
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_clear_line(err: str) -> None:
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert "Traceback" not in err
    assert len(err) < 400, err[:400]


def _people(db, chapter_id: int) -> dict[str, int]:
    rows = [
        ("José", "Núñez", "jose.nunez@unam.mx", "00123"),
        ("Fang", "Wang", "wang.fang@unam.mx", "20230456"),
        ("Ana", "López", None, None),
        ("Mariana", "Anaya", None, None),
        ("Luis", "Pérez", "ana.fan@unam.mx", None),  # "ana" only in the email
    ]
    ids = {}
    for first, family, email, sid in rows:
        ids[family] = create_person(
            db, chapter_id, PersonData(given_names=first, family_names=family, email=email, student_id=sid)
        ).id
    ids["王芳"] = create_person(
        db, chapter_id, PersonData(given_names="芳", family_names="王", family_name_first=True)
    ).id
    return ids


_TEMPLATES: dict[str, tuple[object, dict[str, int]]] = {}


def _copy_of(name: str, build, tmp_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A fresh copy of a database that ``build(path)`` made once per session (real files,
    but one Alembic run and one set of fsynced inserts instead of one per test)."""
    if name not in _TEMPLATES:
        path = tmp_path_factory.mktemp("template") / f"{name}.db"
        made = build(path)
        _TEMPLATES[name] = (path, made)
    source, made = _TEMPLATES[name]
    target = tmp_path / "chapter.db"
    shutil.copyfile(source, target)  # type: ignore[arg-type]
    return target, made


def _empty(path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    open_database(path).close()
    return {}


@pytest.fixture
def db(tmp_path, tmp_path_factory):
    path, _ = _copy_of("empty", _empty, tmp_path, tmp_path_factory)
    database = open_database(path)
    yield database
    database.close()


@pytest.fixture
def dbfile(tmp_path, tmp_path_factory):
    """The path of an empty chapter database."""
    return _copy_of("empty", _empty, tmp_path, tmp_path_factory)[0]


@pytest.fixture
def filled(tmp_path, tmp_path_factory):
    """(path, ids) of a database with two chapters, people, members, an event and pledges."""
    return _copy_of("filled", _fill, tmp_path, tmp_path_factory)


# --------------------------------------------------------------------------- search


def test_search_is_accent_and_case_insensitive_and_ranked(db, chapter):
    ids = _people(db, chapter.id)

    def found(query: str) -> list[int]:
        return [r.id for r in search_people(db, chapter.id, query)]

    assert found("nunez") == [ids["Núñez"]]
    assert found("NÚÑEZ josé") == [ids["Núñez"]]
    assert found("WANG") == [ids["Wang"]]
    assert found("wang fang") == [ids["Wang"]]
    assert found("王芳") == [ids["王芳"]]
    assert found("00123") == [ids["Núñez"]]  # student id, leading zeros
    assert found("0456") == []  # prefix of a word, not any substring
    assert found("jose.nunez@unam") == [ids["Núñez"]]
    ana = found("ana")
    assert set(ana) == {ids["López"], ids["Anaya"], ids["Pérez"]}
    assert ana[-1] == ids["Pérez"]  # a match in the email ranks after names


def test_hostile_queries_never_reach_fts_syntax(db, chapter):
    _people(db, chapter.id)
    for query in ['"', "*", "'", "NEAR(a b)", "a OR b", "-ana", "ana*", "^ana", "(", "\x00",
                  "x" * 5000, "a " * 500, "🙂", "\u0301", "\ud800", "ana\x00lopez"]:
        rows = search_people(db, chapter.id, query)
        assert isinstance(rows, list), query
        assert list_pledges(db, chapter.id, search=query) == []
    assert [r.display_name for r in search_people(db, chapter.id, '"LOPEZ" *')] == ["Ana López"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    given_name=st.text(st.characters(whitelist_categories=("Lu", "Ll", "Lt", "Lo", "Nd"))
                       | st.characters(min_codepoint=0x300, max_codepoint=0x36F), min_size=1, max_size=12),
    family=st.text(st.characters(whitelist_categories=("Lu", "Ll", "Lo")), min_size=1, max_size=12),
)
def test_any_name_is_found_by_itself_and_by_its_parts(db, given_name, family):
    chapter_id = create_chapter(db, ChapterData(name="Search")).id
    person = create_person(db, chapter_id, PersonData(given_names=given_name, family_names=family))
    for query in (given_name, family, person.display_name, family.upper(), family.lower()):
        if search_tokens(query):
            assert person.id in [r.id for r in search_people(db, chapter_id, query)], query


def test_relevance_search_keeps_the_other_filters(db, chapter):
    member = create_person(db, chapter.id, PersonData(given_names="Ana", family_names="López"))
    staff = create_person(db, chapter.id, PersonData(given_names="Ana", family_names="Pérez",
                                                     affiliation=Affiliation.STAFF))
    set_membership(db, member.id, MembershipStatus.ACTIVE)

    def ids(**filters) -> list[int]:  # type: ignore[no-untyped-def]
        return [r.id for r in list_people(db, chapter.id, search="ana", order="relevance", **filters)]

    assert ids(members_only=True) == [member.id]
    assert ids(status=MembershipStatus.ACTIVE) == [member.id]
    assert ids(affiliation=Affiliation.STAFF) == [staff.id]


# --------------------------------------------------------------------------- stats


def _fill(path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    db = open_database(path)
    try:
        a = create_chapter(db, ChapterData(name="HeForShe UNAM", country="MX")).id
        b = create_chapter(db, ChapterData(name="HeForShe IIT", country="IN")).id
        ids = _people(db, a)
        set_membership(db, ids["Núñez"], MembershipStatus.ACTIVE)
        set_membership(db, ids["Wang"], MembershipStatus.ALUMNI)
        event = create_event(db, a, EventData(title="Día Naranja", starts_at=dt.datetime(2024, 3, 8, 17, tzinfo=dt.UTC)))
        sign_up(db, a, PersonData(given_names="Luis", email="luis@x.org"), PledgeData(event_id=event.id))
        sign_up(db, a, PersonData(given_names="Luis", email="LUIS@x.org"), PledgeData(event_id=event.id))
        sign_up(db, b, PersonData(given_names="प्रिया", family_names="शर्मा"), PledgeData())
        return {"a": a, "b": b, "event": event.id}
    finally:
        db.close()


def test_stats_json_totals_are_integers_for_empty_one_and_many_chapters(capsys, tmp_path, filled):
    # A mistyped --db is refused by stats; an existing (empty) database gives zeros.
    assert run(capsys, "--db", str(tmp_path / "new.db"), "stats", "--json")[0] == 1
    open_database(tmp_path / "new.db").close()
    code, out, err = run(capsys, "--db", str(tmp_path / "new.db"), "stats", "--json")
    assert (code, err) == (0, "")
    empty = json.loads(out)
    assert {k: empty[k] for k in TOTALS} == dict.fromkeys(TOTALS, 0)

    dbfile, made = filled
    code, out, _ = run(capsys, "--db", str(dbfile), "stats", "--json")
    everything = json.loads(out)
    assert all(type(everything[k]) is int for k in TOTALS)
    assert {k: everything[k] for k in TOTALS} == {
        "people": 8, "members": 2, "events": 1, "forums": 0, "attendance": 1, "pledges": 2,
    }
    assert [c["pledges"] for c in everything["chapters"]] == [1, 1]

    code, out, _ = run(capsys, "--db", str(dbfile), "stats", "--json", "--chapter", str(made["a"]))
    one = json.loads(out)
    assert code == 0 and all(type(one[k]) is int for k in TOTALS)
    assert (one["people"], one["pledges"], one["members"]) == (7, 1, 2)
    assert one["members_by_status"] == {"active": 1, "alumni": 1}

    code, out, _ = run(capsys, "--db", str(dbfile), "stats")
    assert code == 0 and "Pledges" in out and "Attendance" in out


# --------------------------------------------------------------------------- list


def test_list_prints_ids_first_as_table_or_json(capsys, filled):
    dbfile, made = filled
    for kind in ("people", "members", "events", "forums", "pledges", "chapters"):
        chapter = [] if kind == "chapters" else ["--chapter", str(made["a"])]
        code, out, err = run(capsys, "--db", str(dbfile), "list", kind, *chapter, "--json")
        assert (code, err) == (0, ""), kind
        rows = json.loads(out)
        assert isinstance(rows, list)
        for row in rows:
            assert isinstance(row, dict) and next(iter(row)) == "id" and type(row["id"]) is int
        code, out, err = run(capsys, "--db", str(dbfile), "list", kind, *chapter, "--limit", "1")
        assert code == 0
        lines = out.splitlines()
        assert lines[0].split()[0] == "Id" and set(lines[1]) <= {"-", " "}, kind
        assert len(lines) - 2 == min(1, len(rows)), kind


def test_list_search_people_and_pledges(capsys, filled):
    dbfile, made = filled
    base = ["--db", str(dbfile), "list"]
    code, out, _ = run(capsys, *base, "people", "--chapter", str(made["a"]), "--search", "NUNEZ", "--json")
    assert code == 0 and [r["display_name"] for r in json.loads(out)] == ["José Núñez"]
    code, out, _ = run(capsys, *base, "pledges", "--chapter", str(made["a"]), "--search", "luis", "--json")
    assert code == 0 and [r["display_name"] for r in json.loads(out)] == ["Luis"]
    code, out, _ = run(capsys, *base, "people", "--chapter", str(made["b"]), "--search", "प्रिया")
    assert code == 0 and "प्रिया शर्मा" in out


def test_list_members_with_search_lists_only_members(capsys, filled):
    dbfile, made = filled
    code, out, _ = run(capsys, "--db", str(dbfile), "list", "members", "--chapter", str(made["a"]),
                       "--search", "a", "--json")
    assert code == 0
    assert all(r["membership_status"] is not None for r in json.loads(out))


# --------------------------------------------------------------------------- exit codes


def test_usage_errors_exit_2(capsys, dbfile):
    for argv in (["frobnicate"], ["list"], ["list", "everyone"], ["list", "people", "--limit", "-1"],
                 ["list", "people", "--limit", "ten"], ["stats", "--chapter", "one"], ["restore"],
                 ["stats", "--jsn"]):
        code, _, err = run(capsys, "--db", str(dbfile), *argv)
        assert code == 2, argv
        assert "Traceback" not in err and "--help" in err


def test_failures_exit_1_with_one_clear_line(capsys, tmp_path, dbfile):
    junk = tmp_path / "notes.db"
    junk.write_text("not a database")
    cases = [
        (["--db", str(tmp_path), "stats"], "folder"),
        (["--db", str(junk), "stats"], "not a Chapter Manager database"),
        (["--db", str(junk / "x.db"), "demo"], "could not be created"),
        (["--db", str(dbfile), "list", "people"], "no chapter yet"),
        (["--db", str(dbfile), "list", "people", "--chapter", "7"], "no chapter with id 7"),
        (["--db", str(dbfile), "stats", "--chapter", "99"], "no chapter with id 99"),
        (["--db", str(dbfile), "restore", str(tmp_path / "missing.db")], "no backup"),
        (["--db", str(dbfile), "restore", str(junk)], "Nothing was changed"),
        (["--db", str(dbfile), "backup", "--to", str(junk / "b.db")], "failed"),
    ]
    for argv, words in cases:
        code, _, err = run(capsys, *argv)
        assert code == 1, argv
        assert_one_clear_line(err)
        assert words in err, (argv, err)


@pytest.mark.parametrize("argv", [["list", "people", "--limit"], ["stats", "--chapter"]])
def test_out_of_range_numbers_are_usage_errors(capsys, filled, argv):
    dbfile, _ = filled
    code, _, err = run(capsys, "--db", str(dbfile), *argv, str(10**20))
    assert "Unexpected problem" not in err
    assert code == 2


@pytest.mark.parametrize("command", ["check", "backup"])
def test_check_and_backup_of_a_missing_file_create_nothing(capsys, tmp_path, command):
    typo = tmp_path / "typo" / "chapter.db"
    code, _, err = run(capsys, "--db", str(typo), command)
    assert not typo.parent.exists()
    assert code == 1
    assert_one_clear_line(err)


def test_check_backup_backups_restore_loses_nothing(capsys, tmp_path, filled):
    dbfile, made = filled
    code, out, _ = run(capsys, "--db", str(dbfile), "check", "--json")
    assert code == 0 and json.loads(out)["integrity"] == "ok"
    copy = tmp_path / "copy.db"
    code, out, _ = run(capsys, "--db", str(dbfile), "backup", "--to", str(copy))
    assert code == 0 and str(copy) in out
    db = open_database(dbfile)
    create_person(db, made["a"], PersonData(given_names="Added", family_names="Later"))
    db.close()
    code, out, err = run(capsys, "--db", str(dbfile), "restore", str(copy))
    assert code == 0, err
    assert "kept at" in out
    code, out, _ = run(capsys, "--db", str(dbfile), "stats", "--json")
    assert json.loads(out)["people"] == 8  # as in the backup
    code, out, _ = run(capsys, "--db", str(dbfile), "backups")
    assert code == 0 and "pre-restore" in out
    kept = [line.split()[-1] for line in out.splitlines() if "pre-restore" in line][0]
    code, out, _ = run(capsys, "--db", kept, "list", "people", "--chapter", str(made["a"]),
                       "--search", "added later", "--json")
    assert [r["display_name"] for r in json.loads(out)] == ["Added Later"]  # the newer data is kept


# --------------------------------------------------------------------------- as a process


def _process(args: list[str], env_dir, **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "CHAPTER_MANAGER_DATA_DIR": str(env_dir)}
    env.pop("CHAPTER_MANAGER_DB", None)
    return subprocess.run([sys.executable, "-m", "chapter_manager", *args], env=env,
                          capture_output=True, text=True, timeout=60, **kw)


def test_python_m_exit_codes(tmp_path, filled, _isolated_home):
    dbfile, _ = filled
    ok = _process(["--db", str(dbfile), "stats", "--json"], _isolated_home)
    assert (ok.returncode, ok.stderr) == (0, "")
    assert all(type(json.loads(ok.stdout)[k]) is int for k in TOTALS)
    usage = _process(["--db", str(dbfile), "lsit"], _isolated_home)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    (tmp_path / "other.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    failure = _process(["--db", str(tmp_path / "other.db"), "stats"], _isolated_home)
    assert failure.returncode == 1 and failure.stdout == ""
    assert_one_clear_line(failure.stderr)


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE (POSIX)")
def test_disk_full_during_backup_is_one_line_and_leaves_no_partial_file(tmp_path, filled, _isolated_home):
    import resource

    dbfile, _ = filled

    def small_disk() -> None:  # the file-size limit stands in for a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))

    target = tmp_path / "out"
    target.mkdir()
    result = _process(["--db", str(dbfile), "backup", "--to", str(target / "b.db")], _isolated_home,
                      preexec_fn=small_disk)
    assert result.returncode == 1
    assert_one_clear_line(result.stderr)
    assert "disk" in result.stderr
    assert list(target.iterdir()) == []  # no half-written backup
    db = open_database(dbfile)
    try:
        assert db.integrity_problems() == []
    finally:
        db.close()


def test_locked_database_gives_one_busy_line_after_the_busy_timeout(capsys, monkeypatch, dbfile):
    from chapter_manager.storage import sqlite as sq

    monkeypatch.setattr(sq, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(dbfile, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    # Let go after 1 s at the latest, so a timeout that is not honoured cannot hang the suite.
    release = threading.Timer(1.0, holder.rollback)
    release.start()
    try:
        started = time.monotonic()
        code, _, err = run(capsys, "--db", str(dbfile), "demo", "--members", "2", "--events", "0",
                           "--forums", "0", "--pledges", "2")
        elapsed = time.monotonic() - started
    finally:
        release.cancel()
        if holder.in_transaction:
            holder.rollback()
        holder.close()
    assert code == 1, f"exit {code} after {elapsed:.1f} s"
    assert_one_clear_line(err)
    assert "busy" in err
    assert elapsed < 0.9
    db = open_database(dbfile)
    try:
        assert db.integrity_problems() == []
    finally:
        db.close()
