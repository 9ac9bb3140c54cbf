"""Finding people by any part of their name, email or student id.

``people.search_text`` holds the folded text (see ``text.fold``).  On SQLite an FTS5 index
answers in well under a millisecond; elsewhere a LIKE over the same column does.
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from ..models import Person
from ..text import search_tokens
from . import sqlite as sq

MAX_TOKENS = 8


def matching_people(session: Session, chapter_id: int, query: str) -> Select[tuple[int]] | None:
    """A SELECT of matching person ids, best first; None when ``query`` has no words."""
    tokens = search_tokens(query)[:MAX_TOKENS]
    if not tokens:
        return None
    if session.get_bind().dialect.name == "sqlite":
        from sqlalchemy import column, literal_column, table, text

        fts = table(sq.FTS_TABLE, column("rowid"), column("rank"))
        return (
            select(Person.id)
            .select_from(fts)
            .join(Person, Person.id == fts.c.rowid)
            .where(text(f"{sq.FTS_TABLE} MATCH :fts_query").bindparams(fts_query=sq.fts_query(tokens)))
            .where(Person.chapter_id == chapter_id)
            .order_by(literal_column(f"{sq.FTS_TABLE}.rank"), Person.id)
        )
    conditions = [Person.search_text.like(f"%{t}%") for t in tokens]
    return (
        select(Person.id)
        .where(Person.chapter_id == chapter_id, and_(*conditions))
        .order_by(Person.family_names, Person.given_names, Person.id)
    )


def search_person_ids(session: Session, chapter_id: int, query: str, limit: int = 50) -> list[int]:
    stmt = matching_people(session, chapter_id, query)
    if stmt is None:
        return []
    return list(session.scalars(stmt.limit(limit)))
