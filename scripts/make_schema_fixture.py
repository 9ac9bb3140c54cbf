"""Make the fixture database of one released schema, with that release's own code.

    python scripts/make_schema_fixture.py SCHEMA [--commit COMMIT]

writes ``tests/fixtures/schema-SCHEMA.sqlite`` and, beside it,
``schema-SCHEMA.stats.json``: what ``chapter-manager stats --json`` of that release printed
for the file (at the fixed date below, so the figures do not move with the calendar).

With ``--commit`` the release is checked out into a temporary git worktree and its own
``chapter_manager`` package (found first on ``PYTHONPATH``) fills the file with its demo
generator; without it, the code of this checkout does.  The seed, the date, the sizes
and the device id are fixed, so the same release gives the same chapter.

Adding the fixture of a new schema (every schema adds one):

1. Before the next revision lands, run ``python scripts/make_schema_fixture.py N`` on the
   last commit at schema N (or later, with ``--commit`` naming that commit).
2. Commit ``tests/fixtures/schema-N.sqlite`` and ``schema-N.stats.json`` and add N to
   ``FIXTURES`` in ``tests/test_schema_fixtures.py``.  The tests upgrade a copy of every
   fixture, compare every table row by row and ``stats --json`` before and after.

The released schemas were made from these commits:
schema 1: f8d24ea, schema 2: 825a9fc, schema 3: 9d6c439, schema 4: 03bc094.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
TODAY = "2026-03-10"
DEVICE = "7d3c1c52-5a3e-4d0f-9a57-3f1b6a1f0c01"
DEMO = {"members": 120, "pledges": 260, "events": 6, "forums": 2, "seed": 7}

# Runs inside the release's code: only what every release since schema 1 has.
GENERATOR = """
import datetime as dt, json, sys
from pathlib import Path

import chapter_manager
from chapter_manager import cli
from chapter_manager.demo import generate_demo
from chapter_manager.services.stats import chapter_stats
from chapter_manager.storage import open_database
from chapter_manager.storage.schema import SCHEMA_VERSION

out, src, demo, today = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
today = dt.date.fromisoformat(today)
code = Path(chapter_manager.__file__).resolve()
if not code.is_relative_to(src.resolve()):
    sys.exit(f"the release's code was not imported: {code}")
db = open_database(out)
generate_demo(db, today=today, **demo)
db.close()
db = open_database(out)
stats = chapter_stats(db, today=today)  # what `stats --json` prints, on a fixed date
db.close()
print(json.dumps({"schema": SCHEMA_VERSION, "version": chapter_manager.__version__,
                  "stats": cli._plain(stats)}, ensure_ascii=False))
"""


def make(schema: int, commit: str | None) -> Path:
    with tempfile.TemporaryDirectory(prefix="schema-fixture-") as tmp_name:
        tmp = Path(tmp_name)
        src = ROOT
        if commit:
            src = tmp / "release"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(src), commit],
                           check=True, capture_output=True)
        try:
            db_path = tmp / "data" / "chapter.db"
            env = dict(os.environ, PYTHONPATH=str(src), CHAPTER_MANAGER_DATA_DIR=str(tmp / "data"),
                       CHAPTER_MANAGER_DEVICE_ID=DEVICE, TZ="UTC")
            env.pop("CHAPTER_MANAGER_DB", None)
            done = subprocess.run(
                [sys.executable, "-c", GENERATOR, str(db_path), str(src), json.dumps(DEMO), TODAY],
                env=env, cwd=tmp, check=True, capture_output=True, text=True,
            )
            made = json.loads(done.stdout.strip().splitlines()[-1])
            if made["schema"] != schema:
                sys.exit(f"that code is at schema {made['schema']}, not {schema}")
            # One self-contained file: the write-ahead log folded in.
            conn = sqlite3.connect(db_path)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.close()
            target = FIXTURES / f"schema-{schema}.sqlite"
            FIXTURES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db_path, target)
            meta = {"schema": schema, "made_by": made["version"], "commit": commit or "working tree",
                    "today": TODAY, "demo": DEMO, "stats": made["stats"]}
            (FIXTURES / f"schema-{schema}.stats.json").write_text(
                json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            return target
        finally:
            if commit:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(src)],
                               check=False, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", type=int)
    parser.add_argument("--commit", help="the release's commit (default: this checkout)")
    args = parser.parse_args()
    target = make(args.schema, args.commit)
    print(f"{target} ({target.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
