"""The README's promises: its test command is what CI runs, and the entry point exists."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```\n(python3 -m venv[^\n]*)\n```", text)


def test_ci_runs_exactly_the_readme_test_command():
    commands = _readme_commands()
    assert len(commands) == 2, commands
    run_app, run_tests = commands
    assert "chapter-manager" in run_app and "pytest" in run_tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert run_tests in ci.splitlines()


def test_entry_point_and_packages():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["scripts"]["chapter-manager"] == "ui.launcher:run"
    deps = " ".join(meta["project"]["dependencies"])
    for needed in ("PySide6", "SQLAlchemy", "alembic", "openpyxl", "reportlab"):
        assert needed in deps
    assert "<6.12" in deps  # PySide6 pinned to the tested minor version (6.11, see pyproject)
