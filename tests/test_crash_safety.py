"""A process killed (SIGKILL) in the middle of a burst of single-pledge commits loses nothing
it reported as saved, and leaves a database that passes integrity_check."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

WRITER = textwrap.dedent(
    """
    import sys
    from chapter_manager.storage import open_database
    from chapter_manager.services.people import PersonData
    from chapter_manager.services.pledges import PledgeData, sign_up

    db = open_database(sys.argv[1])
    chapter_id, run = int(sys.argv[2]), sys.argv[3]
    print("ready", flush=True)
    i = 0
    while True:
        email = f"signer{i}.{run}@example.org"
        sign_up(db, chapter_id, PersonData(given_names=f"Signer {i}", email=email), PledgeData())
        print("saved", email, flush=True)
        i += 1
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_sigkill_during_pledge_burst_loses_nothing_reported(tmp_path, db, chapter):
    path = db.path
    db.close()
    rng = random.Random(20261122)
    reported: list[str] = []
    for run in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(chapter.id), str(run)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.02, 0.4))
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        saved = [line.split()[1] for line in out.splitlines() if line.startswith("saved ")]
        reported.extend(saved)

    assert len(reported) > 12, "the writer should have saved pledges before being killed"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {
            row[0]
            for row in conn.execute(
                "SELECT p.email FROM people p JOIN pledges g ON g.person_id = p.id"
            )
        }
    finally:
        conn.close()
    missing = [e for e in reported if e not in stored]
    assert not missing, f"{len(missing)} reported pledges were lost, e.g. {missing[:3]}"

    # And the app opens it again without complaint.
    from chapter_manager.storage import open_database

    again = open_database(path)
    try:
        assert again.integrity_problems() == []
    finally:
        again.close()
