"""The core never imports Qt: every module of chapter_manager imports with PySide6 blocked."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6", "ui"):
                raise ImportError(f"the core imported {name}")
            return None

    sys.meta_path.insert(0, BlockQt())
    import chapter_manager
    names = [m.name for m in pkgutil.walk_packages(chapter_manager.__path__, "chapter_manager.")
             if ".migrations" not in m.name and not m.name.endswith("__main__")]
    for name in names:
        importlib.import_module(name)
    assert not any(k.split(".")[0] in ("PySide6", "shiboken6") for k in sys.modules)
    print(len(names))
    """
)


def test_every_core_module_imports_without_qt():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 15


def test_import_linter_contract_holds():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_runs_with_qt_blocked(tmp_path):
    """Not only imports: open a database, add a person and search, with Qt unavailable."""
    script = PROBE.split("import chapter_manager")[0] + textwrap.dedent(
        f"""
        from chapter_manager.storage import open_database
        from chapter_manager.services import chapters, people
        db = open_database({str(tmp_path / "x.db")!r})
        c = chapters.create_chapter(db, chapters.ChapterData(name="C"))
        people.create_person(db, c.id, people.PersonData(given_names="José", family_names="Núñez"))
        print(people.search_people(db, c.id, "nunez")[0].display_name)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "José Núñez"
