"""One app per database file (ui/frame/instance.py), File ▸ New window, and the command line
working beside an open window; real files, real local sockets, real processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalServer

from chapter_manager.models import MembershipStatus
from chapter_manager.services import members, people
from chapter_manager.services.people import PersonData
from ui.frame import instance
from ui.frame.instance import HANDED_OVER, NOT_RUNNING, InstanceServer, hand_over, server_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_registry():
    yield
    registry = instance._WINDOWS
    if registry is not None:
        for server in registry.servers.values():
            server.close()
    instance._WINDOWS = None


def in_thread(qtbot, fn):
    """Run ``fn`` on another thread while this one serves the event loop; its result."""
    box: dict[str, object] = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", fn()))
    thread.start()
    qtbot.waitUntil(lambda: "result" in box, timeout=10_000)
    thread.join()
    return box["result"]


def run_launcher(qtbot, *args: str, timeout_ms: int = 60_000) -> subprocess.CompletedProcess:
    """``chapter-manager ARGS`` in a new process, this one serving its windows meanwhile."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from ui.launcher import main; sys.exit(main(sys.argv[1:]))", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=timeout_ms)
    out, err = proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_the_name_depends_on_the_resolved_path(tmp_path):
    (tmp_path / "sub").mkdir()
    assert server_name(tmp_path / "a.db") == server_name(tmp_path / "sub" / ".." / "a.db")
    assert server_name(tmp_path / "a.db") != server_name(tmp_path / "b.db")
    assert len(server_name(tmp_path / "a.db")) < 60  # well within a Unix socket path


def test_nobody_running_is_said(tmp_path):
    assert hand_over(tmp_path / "nobody.db", wait_ms=500) == NOT_RUNNING


def test_hand_over_reaches_the_running_window(window, qtbot):
    registry = instance.windows()
    registry.add(window)
    window.showMinimized()
    with qtbot.waitSignal(registry.servers[instance.canonical(window.ctx.db.path)].activate_requested):
        result = in_thread(qtbot, lambda: hand_over(window.ctx.db.path))
    assert result == HANDED_OVER
    assert not window.isMinimized()


def test_a_socket_left_by_a_crashed_app_is_taken_over(db, qtbot):
    if sys.platform == "win32":
        pytest.skip("named pipes leave nothing behind")
    name = server_name(db.path)
    leftover = QLocalServer()
    assert leftover.listen(name)
    path = leftover.fullServerName()
    # A crash leaves the socket file with nobody listening on it.
    stale = socket.socket(socket.AF_UNIX)
    leftover.close()
    stale.bind(path)
    stale.close()
    assert Path(path).exists()
    assert hand_over(db.path, wait_ms=500) == NOT_RUNNING
    server = InstanceServer(db.path)
    try:
        assert server.listening
        assert in_thread(qtbot, lambda: hand_over(db.path)) == HANDED_OVER
    finally:
        server.close()


def test_starting_the_app_again_on_the_same_file_brings_the_window_forward(window, qtbot):
    registry = instance.windows()
    registry.add(window)
    asked = []
    registry.servers[instance.canonical(window.ctx.db.path)].activate_requested.connect(lambda: asked.append(1))
    done = run_launcher(qtbot, "--db", str(window.ctx.db.path))
    assert done.returncode == 0, done.stderr
    assert asked == [1]


def test_commands_work_beside_an_open_window_and_it_follows_them(window, qtbot, tmp_path):
    registry = instance.windows()
    registry.add(window)
    path = str(window.ctx.db.path)
    stats = run_launcher(qtbot, "--db", path, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)  # the command's output, not a hand-over
    page = window.show_page("members")
    sheet = tmp_path / "members.csv"
    sheet.write_text("Given names,Family names,Email,Status\nLuz,Quetzal,luz@example.org,active\n",
                     encoding="utf-8")
    done = run_launcher(qtbot, "--db", path, "import", "members", str(sheet))
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and not page.model.loading, timeout=5000)


def test_file_new_window_opens_a_second_window_that_follows_the_first(window, qtbot):
    registry = instance.windows()
    registry.add(window)
    second = window.new_window()
    assert second is not None
    qtbot.addWidget(second)
    assert second.isVisible()
    assert second.ctx.db is not window.ctx.db and second.ctx.db.path == window.ctx.db.path
    assert second.ctx.chapter_id == window.ctx.chapter_id
    assert len(registry.servers) == 1  # one file, one listener

    page_1, page_2 = window.show_page("members"), second.show_page("members")
    ctx = second.ctx
    view = people.create_person(ctx.db, ctx.chapter_id, PersonData(given_names="Ana", family_names="Ruiz"))
    members.set_membership(ctx.db, view.id, MembershipStatus.ACTIVE)
    ctx.changed("people")
    qtbot.waitUntil(lambda: view.id in page_1.model.ids(), timeout=2000)
    qtbot.waitUntil(lambda: view.id in page_2.model.ids(), timeout=2000)

    # Starting the app again brings forward the window used last.
    second.activated.emit()
    assert registry.bring_forward(window.ctx.db.path) is second

    # Closing the second window leaves the first working; its database handle is closed.
    second.close()
    assert registry.windows == [window]
    qtbot.waitUntil(lambda: second.ctx.db.closed, timeout=5000)
    first_ctx = window.ctx
    other = people.create_person(first_ctx.db, first_ctx.chapter_id, PersonData(given_names="Bo", family_names="Li"))
    members.set_membership(first_ctx.db, other.id, MembershipStatus.ACTIVE)
    first_ctx.changed("people")
    qtbot.waitUntil(lambda: other.id in page_1.model.ids(), timeout=2000)
