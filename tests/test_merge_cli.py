"""`chapter-manager pack export` and `chapter-manager merge`: outputs and exit codes."""

from __future__ import annotations

import json

import pytest
from merging import FAIR_DAY, make_main, signup

from chapter_manager.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main
from chapter_manager.storage import open_database


def run(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path, monkeypatch):
    main_db = tmp_path / "main.db"
    make_main(main_db).close()
    return tmp_path, main_db


def counts(capsys, db) -> dict:  # type: ignore[no-untyped-def, type-arg]
    code, out, _ = run(capsys, "--db", db, "stats", "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    return {"people": data["people"], "pledges": data["pledges"]}


def test_kiosk_database_signups_pack_preview_merge_again_undo(capsys, files, monkeypatch):
    folder, main_db = files
    kiosk = folder / "kiosk.db"
    code, out, err = run(capsys, "--db", main_db, "pack", "export", "--for-kiosk", "--event", 1, "--out", kiosk)
    assert code == EXIT_OK, err
    assert "no personal data" in out and "kiosk --event 1" in out
    monkeypatch.setenv("CHAPTER_MANAGER_DEVICE_ID", "00000000-0000-0000-0000-0000000000aa")
    db = open_database(kiosk)
    try:
        for i in range(3):
            signup(db, given=f"P{i}", family="K", email=f"p{i}@x.org", when=FAIR_DAY)
    finally:
        db.close()
    pack = folder / "kiosk.cmpack"
    code, out, _ = run(capsys, "--db", kiosk, "pack", "export", "--out", pack)
    assert code == EXIT_OK and "3 people, 3 pledges" in out
    monkeypatch.delenv("CHAPTER_MANAGER_DEVICE_ID")

    code, out, _ = run(capsys, "--db", main_db, "merge", "--dry-run", pack)
    assert code == EXIT_OK and "Preview: nothing was changed" in out
    assert counts(capsys, main_db) == {"people": 0, "pledges": 0}
    code, out, _ = run(capsys, "--db", main_db, "merge", pack, "--json")
    summary = json.loads(out)
    assert code == EXIT_OK and summary["new_people"] == 3 and summary["batch_id"] == 1
    assert summary["events"] == [{"title": "Jornada de firmas", "event_id": 1, "how": "uuid"}]
    code, out, _ = run(capsys, "--db", main_db, "merge", pack)
    assert code == EXIT_OK and "here already" in out
    assert counts(capsys, main_db) == {"people": 3, "pledges": 3}
    code, out, _ = run(capsys, "--db", main_db, "merge", "--undo-last")
    assert code == EXIT_OK and "Undid the merge" in out
    assert counts(capsys, main_db) == {"people": 0, "pledges": 0}
    code, out, _ = run(capsys, "--db", main_db, "merge", "--undo-last")
    assert code == EXIT_OK and "no merge to undo" in out


def test_refused_pack_is_exit_1_with_one_line_and_nothing_changes(capsys, files):
    folder, main_db = files
    db = open_database(main_db)
    try:
        signup(db, given="A", family="A", email="a@x.org")
    finally:
        db.close()
    pack = folder / "p.cmpack"
    assert run(capsys, "--db", main_db, "pack", "export", "--out", pack)[0] == EXIT_OK
    other = folder / "other.db"
    make_main(other).close()
    cut = folder / "cut.cmpack"
    cut.write_bytes(pack.read_bytes()[:-4096])
    code, out, err = run(capsys, "--db", other, "merge", pack, cut)
    assert code == EXIT_FAILURE and out == ""
    assert err.count("\n") == 1 and "cut.cmpack is incomplete" in err and "Traceback" not in err
    assert counts(capsys, other) == {"people": 0, "pledges": 0}
    code, _, err = run(capsys, "--db", other, "merge", folder / "missing.cmpack")
    assert code == EXIT_FAILURE and "There is no file" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["merge"],
        ["merge", "x.cmpack", "--undo-last"],
        ["pack", "export", "--for-kiosk", "--out", "k.db"],
        ["pack", "export", "--out", "p.cmpack", "--since", "yesterday"],
        ["pack", "export"],
        ["pack"],
    ],
)
def test_usage_errors_are_exit_2(capsys, files, argv):
    _folder, main_db = files
    code, _out, err = run(capsys, "--db", main_db, *argv)
    assert code == EXIT_USAGE and err


def test_pack_export_refuses_a_missing_database(capsys, tmp_path):
    code, _out, err = run(capsys, "--db", tmp_path / "typo.db", "pack", "export", "--out", tmp_path / "p.cmpack")
    assert code == EXIT_FAILURE and "no database" in err
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "p.cmpack").exists()
