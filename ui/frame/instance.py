"""One app per database file: starting ``chapter-manager`` on a file a running app has
open brings that app's window forward instead of opening a second one.

The running app listens on a local socket (``QLocalServer``: a Unix socket only its user
may open, a named pipe on Windows) whose name comes from the user and the database's
resolved path (:func:`server_name`).  A starting app first tries to connect
(:func:`hand_over`); if someone answers, it asks them to show the window and exits.
Nobody listening (or a socket left by an app that crashed) means it starts as usual.

A second window on the same file is asked for explicitly (File ▸ New window); it opens
in the same process, on its own database handle, so the windows follow each other's
changes like any other writer's (``storage.watch``).  The command line never goes
through any of this.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

if TYPE_CHECKING:
    from .main_window import MainWindow

HANDED_OVER = "handed over"
NOT_RUNNING = "not running"
NO_ANSWER = "no answer"

NEWLINE = b"\n"

#: how long a starting app waits for the running one (connect, then answer)
WAIT_MS = 3000


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name known: the home folder tells users apart
        return str(Path.home())


def canonical(path: Path) -> str:
    return os.path.normcase(str(Path(path).expanduser().resolve()))


def server_name(path: Path) -> str:
    """The local socket's name for ``path``, the same for every app of this user."""
    key = f"{_user()}\0{canonical(path)}".encode()
    return "chapter-manager-" + hashlib.sha256(key).hexdigest()[:32]


def hand_over(path: Path, wait_ms: int = WAIT_MS) -> str:
    """Ask an app already running on ``path`` to show its window.

    Returns :data:`HANDED_OVER` when it did, :data:`NOT_RUNNING` when no app has the file
    open, :data:`NO_ANSWER` when one is there but did not answer in time (the caller then
    opens its own window).  Needs no QApplication.
    """
    socket = QLocalSocket()
    socket.connectToServer(server_name(path))
    if not socket.waitForConnected(wait_ms):
        return NOT_RUNNING
    try:
        socket.write(json.dumps({"command": "activate"}).encode() + NEWLINE)
        socket.flush()
        answer = b""
        deadline = time.monotonic() + wait_ms / 1000
        while not answer.endswith(NEWLINE):
            # Short waits with the interpreter let go in between: the binding keeps the
            # GIL while it waits, and the answering app may be a thread of this process.
            arrived = socket.waitForReadyRead(20)
            answer += bytes(socket.readAll().data())
            if not arrived and not answer.endswith(NEWLINE):
                gone = socket.state() == QLocalSocket.LocalSocketState.UnconnectedState
                if gone or time.monotonic() > deadline:
                    return NO_ANSWER
                time.sleep(0.002)
        return HANDED_OVER if answer.strip() == b"ok" else NO_ANSWER
    finally:
        socket.abort()


class InstanceServer(QObject):
    """Listens for starting apps on one database file; ``activate_requested`` when one asks."""

    activate_requested = Signal()

    def __init__(self, path: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.path = path
        self.name = server_name(path)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._connected)
        self.listening = self._server.listen(self.name)
        if not self.listening:
            # A socket left by an app that crashed (nobody answered hand_over): take its place.
            QLocalServer.removeServer(self.name)
            self.listening = self._server.listen(self.name)

    @Slot()
    def _connected(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            QTimer.singleShot(WAIT_MS, socket, socket.abort)  # a client that never speaks
            if socket.bytesAvailable():  # it spoke before we listened to it
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        try:
            command = json.loads(line).get("command")
        except (ValueError, AttributeError):
            command = None
        if command == "activate":
            self.activate_requested.emit()
            socket.write(b"ok\n")
        else:
            socket.write(b"?\n")
        socket.flush()
        socket.disconnectFromServer()

    def close(self) -> None:
        self._server.close()


# --------------------------------------------------------------------------- windows


class Windows(QObject):
    """The main windows of this process, and one listening server per database they show."""

    def __init__(self) -> None:
        super().__init__()
        self.windows: list[MainWindow] = []
        self.servers: dict[str, InstanceServer] = {}
        self._retired: list[MainWindow] = []

    def add(self, window: MainWindow) -> None:
        if window in self.windows:
            return
        self.windows.append(window)
        window.database_switched.connect(self.update)
        window.activated.connect(lambda w=window: self._to_front_of_list(w))
        self.update()

    def remove(self, window: MainWindow) -> None:
        """A window closed while others stay open.

        Its work was cancelled; the window object is kept (a result on its way may still
        reach its screens) and its database handle is closed once the workers are idle.
        """
        if window in self.windows:
            self.windows.remove(window)
            self._retired.append(window)
            self._close_retired()
        self.update()

    def _close_retired(self) -> None:
        from . import tasks

        if tasks.worker_pool().activeThreadCount():
            QTimer.singleShot(500, self, self._close_retired)
            return
        for window in self._retired:
            window.ctx.close()

    def others(self, window: MainWindow) -> list[MainWindow]:
        return [w for w in self.windows if w is not window]

    def on(self, path: Path) -> list[MainWindow]:
        """The windows showing ``path``, the one used last first."""
        key = canonical(path)
        return [w for w in reversed(self.windows) if w.ctx.db.path and canonical(w.ctx.db.path) == key]

    @Slot()
    def update(self) -> None:
        """Listen for each database a window shows, and for no other."""
        wanted = {canonical(w.ctx.db.path): w.ctx.db.path for w in self.windows if w.ctx.db.path}
        for key in [k for k in self.servers if k not in wanted]:
            self.servers.pop(key).close()
        for key, path in wanted.items():
            if key not in self.servers:
                server = InstanceServer(path, self)
                server.activate_requested.connect(lambda p=path: self.bring_forward(p))
                self.servers[key] = server

    def bring_forward(self, path: Path) -> MainWindow | None:
        windows = self.on(path)
        if not windows:
            return None
        window = windows[0]
        if window.isMinimized():
            window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _to_front_of_list(self, window: MainWindow) -> None:
        if window in self.windows and self.windows[-1] is not window:
            self.windows.remove(window)
            self.windows.append(window)


_WINDOWS: Windows | None = None


def windows() -> Windows:
    """This process's windows (made on first use: a QObject needs the QApplication)."""
    global _WINDOWS
    if _WINDOWS is None:
        _WINDOWS = Windows()
    return _WINDOWS
