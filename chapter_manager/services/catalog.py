"""The few facts a window needs before anything else: which chapters the database holds.

Kept apart from the ORM services so that showing the main window does not wait for the
models to be imported (about 0.1 s); that import happens on a worker thread while the
dashboard loads.
"""

from __future__ import annotations

from sqlalchemy import text

from ..storage import Database


def chapter_names(db: Database) -> list[tuple[int, str]]:
    """(id, name) of every chapter, in the order they were created."""
    with db.connect() as conn:
        return [(int(i), str(n)) for i, n in conn.execute(text("SELECT id, name FROM chapters ORDER BY id"))]
