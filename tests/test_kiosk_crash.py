"""The kiosk's save path killed (SIGKILL) at random moments, 20 times: every sign-up that
reached the thank-you screen is in the database afterwards, and the database is intact.

The writer runs ``services.kiosk.Kiosk.submit``, the call the kiosk window makes before it
shows its thanks, and prints ``thanked EMAIL`` only once that call has returned.
"""

from __future__ import annotations

import datetime as dt
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
    import random, sys
    from chapter_manager.storage import open_database
    from chapter_manager.services import kiosk as core

    db = open_database(sys.argv[1])
    run = int(sys.argv[3])
    kiosk = core.Kiosk(db, int(sys.argv[2]), core.load_texts("en"))
    rng = random.Random(run)
    print("ready", flush=True)
    i = 0
    while True:
        if run and rng.random() < 0.2:  # someone from an earlier run signs again
            email = f"p{rng.randrange(run)}-{rng.randrange(3)}@example.org"
        else:
            email = f"p{run}-{i}@example.org"
        kiosk.submit(core.KioskEntry(given_names=f"Signer {i}", email=email, student_id=f"{run:03d}{i:06d}",
                                     may_contact=bool(i % 2)))
        print("thanked", email, flush=True)
        i += 1
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_sigkill_while_the_kiosk_saves_loses_no_thanked_sign_up(db, chapter):
    from chapter_manager.services import events

    event = events.create_event(db, chapter.id, events.EventData(
        title="Feria", starts_at=dt.datetime.now().astimezone()))
    path = db.path
    db.close()
    rng = random.Random(20261123)
    thanked: list[str] = []
    started = time.monotonic()
    for run in range(20):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(event.id), str(run)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        thanked += [line.split()[1] for line in out.splitlines() if line.startswith("thanked ")]
    assert time.monotonic() - started < 30
    assert len(thanked) > 20, "the writer should have thanked people before being killed"

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = {row[0] for row in conn.execute(
            "SELECT p.email FROM people p JOIN pledges g ON g.person_id = p.id WHERE g.event_id = ?",
            (event.id,))}
        pledges, people = conn.execute(
            "SELECT (SELECT count(*) FROM pledges), (SELECT count(*) FROM people)").fetchone()
    finally:
        conn.close()
    missing = sorted(set(thanked) - stored)
    assert not missing, f"{len(missing)} thanked sign-ups were lost, e.g. {missing[:3]}"
    assert pledges == people  # one pledge per person, however often they signed

    from chapter_manager.storage import open_database

    again = open_database(path)
    try:
        assert again.integrity_problems() == []
    finally:
        again.close()
