"""The command line refusing or explaining in one line: export targets, choosing a chapter, merging again."""

from __future__ import annotations

import pytest

from chapter_manager.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_db(tmp_path, capsys):
    path = str(tmp_path / "demo.db")
    assert main(["--db", path, "demo", "--members", "20", "--events", "3", "--forums", "1",
                 "--pledges", "30"]) == 0
    capsys.readouterr()
    return path


@pytest.mark.parametrize("target", [".", "", "folder"])
def test_export_roster_to_a_folder_is_refused_in_one_line(capsys, demo_db, tmp_path, monkeypatch, target):
    """A folder given as the workbook (".", "" or an existing folder without a suffix) is a
    one-line error; before, "." and "" were an unexpected ValueError and a folder "x" made
    "x.xlsx" beside it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    code, out, err = run(capsys, "--db", demo_db, "export", "roster", target)
    assert code == 1, out
    assert "folder" in err and "Unexpected" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.xlsx"))


def test_export_roster_into_a_missing_folder_is_refused(capsys, demo_db, tmp_path):
    code, _out, err = run(capsys, "--db", demo_db, "export", "roster", str(tmp_path / "nope" / "r.xlsx"))
    assert code == 1 and "does not exist" in err


def test_several_chapters_the_error_says_how_to_choose(capsys, demo_db, tmp_path):
    """Every command that takes --chapter says so when the database holds several chapters."""
    assert main(["--db", demo_db, "demo", "--members", "5", "--events", "1", "--forums", "0",
                 "--pledges", "5", "--seed", "2"]) == 0
    capsys.readouterr()
    csv = tmp_path / "m.csv"
    csv.write_text("Name\nAna López\n", encoding="utf-8")
    for command in (["export", "roster", str(tmp_path / "r.xlsx")], ["report", str(tmp_path / "r.pdf")],
                    ["import", "members", str(csv)], ["pack", "export", "--out", str(tmp_path / "p.pack")]):
        code, _out, err = run(capsys, "--db", demo_db, *command)
        assert code == 1, command
        assert "several chapters" in err and err.count("--chapter ID") == 1, (command, err)


def test_every_chapter_option_is_explained_in_help(capsys):
    for command in (["report"], ["export", "roster"], ["import", "members"], ["stats"], ["list"]):
        assert main([*command, "--help"]) == 0
        out = capsys.readouterr().out
        line = next(ln for ln in out.splitlines() if ln.strip().startswith("--chapter ID"))
        assert line.strip() != "--chapter ID", (command, out)


def test_merging_a_pack_with_nothing_new_does_not_claim_it_was_merged_before(capsys, demo_db, tmp_path):
    """A pack made from this very database (or an empty one) was never merged: the summary
    says there is nothing new, not that it was merged already."""
    pack = str(tmp_path / "self.pack")
    assert run(capsys, "--db", demo_db, "pack", "export", "--out", pack)[0] == 0
    code, out, _err = run(capsys, "--db", demo_db, "merge", pack)
    assert code == 0
    assert "merged already" not in out and "Nothing new" in out
