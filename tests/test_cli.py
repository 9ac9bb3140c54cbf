"""The chapter-manager command: outputs, JSON shapes and stable exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from chapter_manager.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def dbfile(tmp_path):
    return str(tmp_path / "cli.db")


def test_bare_command_says_the_app_is_coming_and_creates_the_default_db(capsys, _isolated_home):
    code, out, _ = run(capsys)
    assert code == 0
    assert "desktop app" in out
    assert (_isolated_home / "chapter.db").exists()


def test_env_var_chooses_the_database(capsys, tmp_path, monkeypatch):
    target = tmp_path / "elsewhere" / "x.db"
    monkeypatch.setenv("CHAPTER_MANAGER_DB", str(target))
    assert run(capsys)[0] == 0
    assert target.exists()
    assert run(capsys, "stats", "--json")[0] == 0


def test_read_only_commands_refuse_a_mistyped_db_path(capsys, tmp_path):
    for command in (["stats"], ["list", "people"], ["check"], ["backup"]):
        code, _, err = run(capsys, "--db", str(tmp_path / "typo.db"), *command)
        assert code == 1 and "There is no database" in err
    assert not (tmp_path / "typo.db").exists()


def test_demo_stats_and_list(capsys, dbfile):
    code, out, err = run(capsys, "--db", dbfile, "demo", "--members", "30", "--events", "8",
                         "--forums", "2", "--pledges", "50", "--seed", "3")
    assert code == 0, err
    code, out, _ = run(capsys, "--db", dbfile, "stats", "--json")
    stats = json.loads(out)
    for key in ("people", "members", "events", "forums", "attendance", "pledges"):
        assert isinstance(stats[key], int)
    assert stats["members"] == 30 and stats["events"] == 8 and stats["pledges"] == 50
    assert stats["forums"] == 2
    assert "members_by_status" in stats and "goals" in stats

    code, out, _ = run(capsys, "--db", dbfile, "list", "people", "--json", "--limit", "0")
    rows = json.loads(out)
    assert len(rows) == stats["people"]
    assert list(rows[0])[0] == "id"

    code, out, _ = run(capsys, "--db", dbfile, "list", "members")
    assert out.splitlines()[0].startswith("Id")
    for kind in ("events", "forums", "pledges", "chapters"):
        code, out, err = run(capsys, "--db", dbfile, "list", kind, "--json")
        assert code == 0, err
        assert json.loads(out), kind


def test_empty_demo_chapter(capsys, dbfile):
    code, *_ = run(capsys, "--db", dbfile, "demo", "--members", "0", "--events", "0",
                   "--forums", "0", "--pledges", "0")
    assert code == 0
    stats = json.loads(run(capsys, "--db", dbfile, "stats", "--json")[1])
    assert [stats[k] for k in ("people", "members", "events", "forums", "attendance", "pledges")] == [0] * 6
    assert run(capsys, "--db", dbfile, "stats")[0] == 0


def test_search_is_accent_insensitive(capsys, dbfile):
    from chapter_manager.services import chapters, people
    from chapter_manager.storage import open_database

    with open_database(dbfile) as db:
        c = chapters.create_chapter(db, chapters.ChapterData(name="C"))
        people.create_person(db, c.id, people.PersonData(given_names="José", family_names="Núñez"))
        people.create_person(db, c.id, people.PersonData(given_names="Wang", family_names="Fang"))
    rows = json.loads(run(capsys, "--db", dbfile, "list", "people", "--search", "NUNEZ", "--json")[1])
    assert [r["display_name"] for r in rows] == ["José Núñez"]
    code, out, _ = run(capsys, "--db", dbfile, "list", "people", "--search", "wang")
    assert "Wang Fang" in out


def test_usage_errors_exit_2(capsys, dbfile):
    for argv in (["list"], ["list", "bogus"], ["demo", "--members", "-3"], ["frobnicate"],
                 ["stats", "--limit", "3"]):
        assert main(["--db", dbfile, *argv]) == 2
        assert "Traceback" not in capsys.readouterr().err


def test_failures_exit_1_with_one_clear_line(capsys, tmp_path):
    not_db = tmp_path / "notes.txt"
    not_db.write_text("shopping list\n" * 20)
    code, out, err = run(capsys, "--db", str(not_db), "stats")
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "not a Chapter Manager database" in err
    assert not_db.read_text() == "shopping list\n" * 20

    code, _, err = run(capsys, "--db", str(tmp_path / "x.db"), "restore", str(tmp_path / "nope.db"))
    assert code == 1 and "no backup" in err.lower()

    run(capsys, "--db", str(tmp_path / "y.db"))  # creates it
    code, _, err = run(capsys, "--db", str(tmp_path / "y.db"), "stats", "--chapter", "99")
    assert code == 1 and "99" in err


def test_several_chapters_need_a_choice_for_list(capsys, dbfile):
    for seed in ("1", "2"):
        run(capsys, "--db", dbfile, "demo", "--members", "2", "--events", "1", "--forums", "0",
            "--pledges", "2", "--seed", seed)
    code, _, err = run(capsys, "--db", dbfile, "list", "people")
    assert code == 1 and "--chapter" in err
    stats = json.loads(run(capsys, "--db", dbfile, "stats", "--json")[1])
    assert len(stats["chapters"]) == 2
    assert stats["people"] == sum(c["people"] for c in stats["chapters"])
    assert run(capsys, "--db", dbfile, "list", "people", "--chapter", "2")[0] == 0


def test_check_backup_backups_restore(capsys, dbfile, tmp_path):
    run(capsys, "--db", dbfile, "demo", "--members", "5", "--events", "1", "--forums", "0", "--pledges", "5")
    code, out, _ = run(capsys, "--db", dbfile, "check")
    assert code == 0 and "Integrity: ok" in out
    report = json.loads(run(capsys, "--db", dbfile, "check", "--json")[1])
    assert report["integrity"] == "ok" and report["schema_version"] == report["app_schema_version"]

    code, out, _ = run(capsys, "--db", dbfile, "backup")
    assert code == 0
    backup_path = out.strip().split("Backed up to ", 1)[1]
    code, out, _ = run(capsys, "--db", dbfile, "backup", "--to", str(tmp_path / "copy.db"))
    assert code == 0 and (tmp_path / "copy.db").exists()
    code, out, _ = run(capsys, "--db", dbfile, "backups")
    assert backup_path in out

    # Change the database, then restore the backup: the change is gone, and kept aside.
    run(capsys, "--db", dbfile, "demo", "--members", "1", "--events", "0", "--forums", "0", "--pledges", "0")
    assert len(json.loads(run(capsys, "--db", dbfile, "stats", "--json")[1])["chapters"]) == 2
    code, out, err = run(capsys, "--db", dbfile, "restore", backup_path)
    assert code == 0, err
    assert "kept at" in out
    assert len(json.loads(run(capsys, "--db", dbfile, "stats", "--json")[1])["chapters"]) == 1


def test_installed_command_runs_as_a_process(tmp_path):
    """The console script itself (exit code through the real entry point)."""
    from chapter_manager.storage import open_database

    open_database(tmp_path / "p.db").close()
    result = subprocess.run(
        [sys.executable, "-m", "chapter_manager", "--db", str(tmp_path / "p.db"), "stats", "--json"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["people"] == 0
    bad = subprocess.run(
        [sys.executable, "-m", "chapter_manager", "--db", str(tmp_path), "stats"],
        capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_the_parsers_membership_statuses_are_the_models():
    from chapter_manager.choices import MEMBERSHIP_STATUSES
    from chapter_manager.models import MembershipStatus

    assert tuple(s.value for s in MembershipStatus) == MEMBERSHIP_STATUSES


def test_building_the_parser_imports_neither_sqlalchemy_nor_the_models():
    code = (
        "import sys; from chapter_manager import cli; cli.build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'chapter_manager.models'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
