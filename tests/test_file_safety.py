"""Files the app makes are its owner's only; commands that read never create or change one;
a database that cannot be written is still read, and said to be read-only."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chapter_manager import cli
from chapter_manager.demo import generate_demo
from chapter_manager.errors import CannotOpen, ReadOnlyDatabase, StorageError
from chapter_manager.models import Setting
from chapter_manager.storage import open_database

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def small_demo(path: Path) -> Path:
    with open_database(path) as db:
        generate_demo(db, members=12, events=2, forums=1, pledges=20, seed=3)
    return path


# --------------------------------------------------------------------------- empty files


@pytest.mark.parametrize(
    "argv",
    [("stats",), ("stats", "--json"), ("list", "people"), ("check",), ("report", "{out}.pdf"),
     ("export", "roster", "{out}.xlsx"), ("backup",), ("import", "members", "{out}.csv")],
)
def test_a_zero_byte_file_is_refused_and_stays_empty(tmp_path: Path, capsys, argv) -> None:
    path = tmp_path / "chapter.db"
    path.touch()
    (tmp_path / "x.csv").write_text("given_names\nAna\n", encoding="utf-8")
    argv = tuple(a.format(out=tmp_path / "x") for a in argv)
    code, out, err = run(capsys, "--db", str(path), *argv)
    assert code == 1, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert str(path) in err and "empty" in err
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chapter.db", "x.csv"]


def test_an_sqlite_file_without_tables_is_not_made_a_chapter_by_stats(tmp_path: Path, capsys) -> None:
    import sqlite3

    path = tmp_path / "chapter.db"
    sqlite3.connect(path).close()
    before = path.read_bytes()
    code, _out, err = run(capsys, "--db", str(path), "stats")
    assert code == 1 and "empty" in err
    assert path.read_bytes() == before


def test_commands_that_create_still_start_a_database_in_an_empty_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "chapter.db"
    path.touch()
    code, _out, err = run(capsys, "--db", str(path), "demo", "--members", "3", "--events", "1",
                          "--forums", "0", "--pledges", "3")
    assert code == 0, err
    assert path.stat().st_size > 0


def test_reading_commands_do_not_change_the_file(tmp_path: Path, capsys) -> None:
    path = small_demo(tmp_path / "chapter.db")
    before = digest(path)
    for argv in (("stats", "--json"), ("list", "pledges"), ("check",),
                 ("report", str(tmp_path / "r.pdf")), ("export", "roster", str(tmp_path / "r.xlsx"))):
        code, _out, err = run(capsys, "--db", str(path), *argv)
        assert code == 0, (argv, err)
        assert "read-only" not in err  # the file could be written: nothing to say
        assert digest(path) == before, argv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chapter.db", "r.pdf", "r.xlsx"]


def test_a_database_opened_read_only_refuses_writes_and_keeps_the_file(tmp_path: Path) -> None:
    path = small_demo(tmp_path / "chapter.db")
    before = digest(path)
    with open_database(path, readonly=True) as db:
        assert db.read_only and db.read_only_reason is None
        with pytest.raises(StorageError, match="read-only") as info, db.write() as s:
            s.add(Setting(key="never", value="saved"))
        assert "Nothing was saved" in str(info.value)
        assert db.backup_if_due() is None
    assert digest(path) == before


def test_read_only_never_creates_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CannotOpen, match="no database"):
        open_database(tmp_path / "missing.db", readonly=True)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- read-only places


# Root passes by file permissions (CAP_DAC_OVERRIDE); the command runs without that power.
NO_OVERRIDE = "-dac_override,-dac_read_search,-fowner"


def without_root_powers() -> list[str]:
    """The command prefix that makes permissions apply to the command."""
    if not IS_ROOT:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux): permissions cannot apply")
    return ["setpriv", f"--bounding-set={NO_OVERRIDE}", f"--inh-caps={NO_OVERRIDE}", "--"]


@pytest.fixture
def read_only_place(tmp_path: Path) -> Iterator[Path]:
    """A chapter database in a folder where the command can write nothing."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = small_demo(folder / "chapter.db")
    (tmp_path / "data").mkdir()
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield path
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)


def cli_as_user(path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CHAPTER_MANAGER_DATA_DIR=str(path.parent.parent / "data"),
               PYTHONPATH=str(ROOT))
    return subprocess.run(
        [*without_root_powers(), sys.executable, "-m", "chapter_manager", "--db", str(path), *argv],
        capture_output=True, text=True, env=env, cwd=path.parent.parent, timeout=120,
    )


def test_the_command_really_cannot_write_there(read_only_place: Path) -> None:
    done = subprocess.run([*without_root_powers(), "touch", str(read_only_place.parent / "x")],
                          capture_output=True, timeout=30)
    assert done.returncode != 0


def test_a_database_in_a_read_only_folder_is_read_and_said_to_be_read_only(read_only_place: Path) -> None:
    path = read_only_place
    before = digest(path)
    stats = cli_as_user(path, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert '"pledges": 20' in stats.stdout
    assert "read-only" in stats.stderr and stats.stderr.count("\n") == 1
    listed = cli_as_user(path, "list", "people", "--limit", "0")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) > 10 and "read-only" in listed.stderr
    checked = cli_as_user(path, "check", "--json")
    assert checked.returncode == 0, checked.stderr
    assert '"read_only": true' in checked.stdout and '"integrity": "ok"' in checked.stdout
    # A command that writes says why it cannot, in one line.
    demo = cli_as_user(path, "demo", "--members", "1")
    assert demo.returncode == 1
    assert "read-only" in demo.stderr and demo.stderr.count("\n") == 1, demo.stderr
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["chapter.db"]


def test_a_read_only_file_in_a_writable_folder_is_read_too(read_only_place: Path) -> None:
    path = read_only_place
    path.parent.chmod(0o777)
    before = digest(path)
    stats = cli_as_user(path, "stats")
    assert stats.returncode == 0, stats.stderr
    assert "read-only" in stats.stderr and "the file cannot be written" in stats.stderr
    assert digest(path) == before


def test_opening_a_read_only_database_to_write_says_it_can_be_read(tmp_path: Path, monkeypatch) -> None:
    # What the app and the writing commands get: one sentence naming the file.
    path = small_demo(tmp_path / "chapter.db")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **kw: False if Path(p) == path and m & os.W_OK
                        else real_access(p, m, **kw))
    with pytest.raises(ReadOnlyDatabase) as info:
        open_database(path)
    assert str(path) in str(info.value) and "read-only" in str(info.value)
    with open_database(path, readonly=True) as db:
        assert db.read_only_reason == "the file cannot be written to"


# --------------------------------------------------------------------------- permissions


def test_the_database_its_folder_and_journal_are_the_owners_only(tmp_path: Path) -> None:
    with umask(0o022):
        path = tmp_path / "new" / "deeper" / "chapter.db"
        with open_database(path) as db:
            with db.write() as s:
                s.add(Setting(key="k", value="v"))
            assert mode(path) == 0o600
            for side in ("-wal", "-shm"):
                assert mode(Path(f"{path}{side}")) == 0o600, side
        assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700


def test_the_data_folder_backups_packs_and_exports_are_the_owners_only(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from chapter_manager.services import events, kiosk_database, pack_export

    data = tmp_path / "data"
    monkeypatch.setenv("CHAPTER_MANAGER_DATA_DIR", str(data))
    with umask(0o022):
        code, _out, err = run(capsys, "demo", "--members", "5", "--events", "1", "--forums", "0",
                              "--pledges", "5")
        assert code == 0, err
        default = data / "chapter.db"
        assert mode(data) == 0o700 and mode(default) == 0o600
        assert mode(data / "device.json") == 0o600
        with open_database(default) as db:
            backup = db.backup()
            assert mode(backup) == 0o600 and mode(backup.parent) == 0o700
            assert mode(data / "backups") == 0o700
            chosen = db.backup(to=tmp_path / "copy.db")
            assert mode(chosen) == 0o600
            pack = pack_export.export_pack(db, tmp_path / "packs" / "laptop.cmpack")
            assert mode(pack.path) == 0o600 and mode(tmp_path / "packs") == 0o700
            [event] = events.list_events(db, 1)
            kiosk = kiosk_database.export_for_kiosk(db, tmp_path / "kiosk.db", event.id)
            assert mode(kiosk.path) == 0o600
        for argv in (("report", str(tmp_path / "report.pdf")),
                     ("export", "roster", str(tmp_path / "roster.xlsx"))):
            code, _out, err = run(capsys, *argv)
            assert code == 0, err
        assert mode(tmp_path / "report.pdf") == 0o600
        assert mode(tmp_path / "roster.xlsx") == 0o600
        log = cli._log_unexpected(RuntimeError("test"))
        assert log is not None and mode(log) == 0o600 and mode(log.parent) == 0o700


def test_an_existing_file_and_folder_keep_their_permissions(tmp_path: Path) -> None:
    tmp_path.chmod(0o750)
    path = tmp_path / "chapter.db"
    path.touch()
    path.chmod(0o640)
    with open_database(path):
        pass
    assert mode(path) == 0o640 and mode(tmp_path) == 0o750
