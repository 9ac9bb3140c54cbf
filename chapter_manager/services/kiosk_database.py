"""The kiosk database: a new chapter database for a sign-up laptop, holding no one's data.

It carries copies of the chapter, one event and the chapter's goals with the same UUIDs,
so the kiosk's sign-ups merge back into the same chapter and event; every personal column
(``privacy.personal_columns``) of what is copied is left empty.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from ..errors import ChapterError, NotFound
from ..i18n import _
from ..models import Chapter, Event, Goal, GoalMetric, Pledge, Setting
from ..privacy import personal_columns
from ..storage import Database
from ..storage.packs import BLANK_SALT
from .events import local_day_bounds
from .kiosk import kiosk_baseline_key

_events = Event.__table__


@dataclass(frozen=True)
class KioskDatabase:
    path: Path
    chapter_id: int
    event_id: int
    goals: int


def _count_pledges(conn: Any, *conditions: Any) -> int:
    return int(conn.scalar(select(func.count()).select_from(Pledge).where(*conditions)) or 0)


def export_for_kiosk(db: Database, out: Path | str, event_id: int) -> KioskDatabase:
    """A new database for a kiosk laptop: the chapter, one event and its goals, no one's data.

    Rows keep their UUIDs, so the kiosk's sign-ups merge into the same chapter and event.
    Personal columns (``privacy.personal_columns``) of what is copied are left empty.
    """
    from ..storage import open_database

    out = Path(out).expanduser().absolute()
    if out.exists():
        raise ChapterError(_("{path} exists already; choose a new file name for the kiosk "
                             "database.").format(path=out))
    personal = personal_columns()
    with db.connect() as conn:
        event = conn.execute(select(_events).where(_events.c.id == event_id)).first()
        if event is None:
            raise NotFound(_("There is no event with id {id}.").format(id=event_id))
        chapter = conn.execute(select(Chapter.__table__).where(Chapter.id == event.chapter_id)).one()
        goals = conn.execute(select(Goal.__table__).where(Goal.chapter_id == chapter.id)).all()
        # What the kiosk's thanks count from: the pledges this database has already, at
        # the event and in each pledge goal's period (the kiosk adds its own sign-ups).
        baselines = {kiosk_baseline_key("event", event.uuid): _count_pledges(
            conn, Pledge.chapter_id == chapter.id, Pledge.event_id == event.id)}
        for goal in goals:
            if goal.metric == GoalMetric.PLEDGES:
                start, end = local_day_bounds(goal.starts_on, goal.ends_on, chapter.timezone)
                baselines[kiosk_baseline_key("goal", goal.uuid)] = _count_pledges(
                    conn, Pledge.chapter_id == chapter.id, Pledge.signed_at >= start, Pledge.signed_at < end)

    def blank(table: Any, row: Any) -> dict[str, Any]:
        values = {k: v for k, v in row._mapping.items() if k != "id"}
        for column in personal.get(table.name, {}):
            values[column] = None if table.c[column].nullable else ""
        if table is Chapter.__table__:
            # The key of erased people's hashes stays home: a copied kiosk database or a
            # pack must not let anyone test guesses against the chapter's tombstones.
            values["privacy_salt"] = BLANK_SALT
        return values

    partial = out.with_name(out.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    kiosk = open_database(partial, device=db.device)
    try:
        with kiosk.connect(write=True) as conn:
            new_chapter = conn.execute(insert(Chapter.__table__).values(
                **blank(Chapter.__table__, chapter))).inserted_primary_key[0]
            new_event = conn.execute(insert(_events).values(
                **{**blank(_events, event), "chapter_id": new_chapter})).inserted_primary_key[0]
            for goal in goals:
                conn.execute(insert(Goal.__table__).values(
                    **{**blank(Goal.__table__, goal), "chapter_id": new_chapter}))
            conn.execute(insert(Setting.__table__).values(key="kiosk_event", value=str(event.uuid)))
            for key, count in baselines.items():
                conn.execute(insert(Setting.__table__).values(key=key, value=str(count)))
    finally:
        kiosk.close()

    os.replace(partial, out)
    return KioskDatabase(out, int(new_chapter), int(new_event), len(goals))
