"""Finding people by any part of their name, email or student id.

The folded text lives on the person (``search_text``, ``name_key``, ``sort_key``; see
``chapter_manager.derived``), so "nunez" finds "Núñez" and "WANG" finds "Wang Fang".

Ranking, best first:

0. the name as shown starts with what was typed ("jose nu" → José Núñez), or the family
   name does ("nunez j"); whole words before parts of words;
1. every word typed starts a word of the name;
2. the rest (a match in the email or student id);

then more whole words matched, then alphabetical (family name first).  bm25 over every
match costs 2–3 µs a row, 150 ms for a one-letter query over 100,000 people, so ranking is
done this way instead: tier 0 comes from two index range scans in alphabetical order,
and the other tiers from at most ``CANDIDATES`` full-text matches, ranked in Python.  A
query matching more than that many people (one or two letters) shows tier 0 first and
then the first matches found; narrowing the query gives the exact ranking.
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..models import Person
from ..text import search_tokens
from . import sqlite as sq

MAX_TOKENS = 8
CANDIDATES = 250


def matching_people(session: Session, chapter_id: int, query: str):
    """A SELECT of the ids of every matching person, for ``in_()`` (a filter: no order).

    None when ``query`` has no words.
    """
    tokens = search_tokens(query)[:MAX_TOKENS]
    if not tokens:
        return None
    if session.get_bind().dialect.name == "sqlite":
        return _fts_matches(chapter_id, tokens)
    conditions = [Person.search_text.like(f"%{t}%") for t in tokens]
    return select(Person.id).where(Person.chapter_id == chapter_id, and_(*conditions))


def _prefix_range(column, prefix: str):
    # "starts with" that an index can answer: prefix <= column < prefix + U+10FFFF
    return and_(column >= prefix, column < prefix + "\U0010ffff")


def _fts_matches(chapter_id: int, tokens: list[str]):
    """Matching ids on SQLite; CROSS JOIN keeps the FTS index as the outer loop."""
    from sqlalchemy import Integer, column, text

    return (
        text(
            f"SELECT p.id AS id FROM {sq.FTS_TABLE} CROSS JOIN people AS p "
            f"ON p.id = {sq.FTS_TABLE}.rowid "
            f"WHERE {sq.FTS_TABLE} MATCH :fts_query AND p.chapter_id = :fts_chapter"
        )
        .bindparams(fts_query=sq.fts_query(tokens), fts_chapter=chapter_id)
        .columns(column("id", Integer))
    )


def _candidate_ids(session: Session, chapter_id: int, tokens: list[str]) -> list[int]:
    if session.get_bind().dialect.name == "sqlite":
        from sqlalchemy import text

        rows = session.execute(
            text(
                f"SELECT p.id FROM {sq.FTS_TABLE} CROSS JOIN people AS p "
                f"ON p.id = {sq.FTS_TABLE}.rowid WHERE {sq.FTS_TABLE} MATCH :q "
                "AND p.chapter_id = :c LIMIT :n"
            ),
            {"q": sq.fts_query(tokens), "c": chapter_id, "n": CANDIDATES},
        )
        return list(rows.scalars())
    conditions = [Person.search_text.like(f"%{t}%") for t in tokens]
    return list(
        session.scalars(
            select(Person.id).where(Person.chapter_id == chapter_id, and_(*conditions)).limit(CANDIDATES)
        )
    )


def _rank(tokens: list[str], phrase: str, name_key: str, sort_key: str) -> tuple[int, int]:
    if name_key.startswith(phrase) or sort_key.startswith(phrase):
        return 0, 0
    words = name_key.split()
    exact = sum(1 for t in tokens if t in words)
    if all(any(w.startswith(t) for w in words) for t in tokens):
        return 1, -exact
    return 2, -exact


_SQLITE_HEAD = (
    "SELECT id, name_key, sort_key FROM people WHERE chapter_id = ? AND {key} >= ? AND {key} < ? "
    "ORDER BY {key}, id LIMIT ?"
)
_SQLITE_CANDIDATES = (
    f"SELECT p.id, p.name_key, p.sort_key FROM {sq.FTS_TABLE} CROSS JOIN people AS p "
    f"ON p.id = {sq.FTS_TABLE}.rowid WHERE {sq.FTS_TABLE} MATCH ? AND p.chapter_id = ? LIMIT ?"
)


def _sqlite_search(session: Session, chapter_id: int, tokens: list[str], phrase: str, limit: int) -> list[int]:
    """The same ranking on SQLite, in three statements sent straight to the driver.

    Search runs on every keystroke: SQLAlchemy's per-statement work would be most of its
    time, so this path skips it.
    """
    conn = session.connection()
    high = phrase + "\U0010ffff"
    head: dict[int, tuple[bool, str]] = {}
    whole = phrase + " "
    for key in ("name_key", "sort_key"):
        rows = conn.exec_driver_sql(
            _SQLITE_HEAD.format(key=key), (chapter_id, phrase, high, limit)
        ).fetchall()
        for pid, name_key, sort_key in rows:
            exact = any(k == phrase or k.startswith(whole) for k in (name_key, sort_key))
            head[pid] = (not exact, sort_key)
    result = sorted(head, key=lambda i: (*head[i], i))[:limit]
    if len(result) >= limit:
        return result
    rows = conn.exec_driver_sql(
        _SQLITE_CANDIDATES, (sq.fts_query(tokens), chapter_id, CANDIDATES)
    ).fetchall()
    ranked = sorted(
        (r for r in rows if r[0] not in head),
        key=lambda r: (*_rank(tokens, phrase, r[1], r[2]), r[2], r[0]),
    )
    result.extend(r[0] for r in ranked[: limit - len(result)])
    return result


def search_person_ids(session: Session, chapter_id: int, query: str, limit: int = 50) -> list[int]:
    """The ids of the best ``limit`` matches for ``query``, best first."""
    tokens = search_tokens(query)[:MAX_TOKENS]
    if not tokens or limit <= 0:
        return []
    phrase = " ".join(tokens)
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite_search(session, chapter_id, tokens, phrase, limit)
    # Tier 0: two index range scans (name as shown; family name first), merged.
    # Whole words first ("ana" → Ana López before Anabel), then alphabetical.
    head: dict[int, tuple[bool, str]] = {}
    whole = phrase + " "
    for key in (Person.name_key, Person.sort_key):
        for r in session.execute(
            select(Person.id, Person.name_key, Person.sort_key)
            .where(Person.chapter_id == chapter_id, _prefix_range(key, phrase))
            .order_by(key, Person.id)
            .limit(limit)
        ):
            exact = any(k == phrase or k.startswith(whole) for k in (r.name_key, r.sort_key))
            head[r.id] = (not exact, r.sort_key)
    result = sorted(head, key=lambda i: (*head[i], i))[:limit]
    if len(result) >= limit:
        return result
    seen = set(result)
    ids = [i for i in _candidate_ids(session, chapter_id, tokens) if i not in seen]
    if not ids:
        return result
    # The candidates are of this chapter already; a chapter condition here would tempt
    # SQLite into scanning the chapter's index instead of looking the ids up.
    rows = session.execute(
        select(Person.id, Person.name_key, Person.sort_key).where(Person.id.in_(ids))
    ).all()
    ranked = sorted(rows, key=lambda r: (*_rank(tokens, phrase, r.name_key, r.sort_key), r.sort_key, r.id))
    result.extend(r.id for r in ranked[: limit - len(result)])
    return result


_ROW_COLUMNS = (
    "p.id, p.given_names, p.family_names, p.preferred_name, p.family_name_first, p.email, "
    "p.student_id, p.affiliation, m.status"
)


def people_rows(session: Session, ids: list[int]) -> dict[int, tuple]:
    """``{id: (id, given, family, preferred, family_first, email, student_id, affiliation,
    membership status)}`` for a page of people, with raw enum values."""
    if not ids:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        marks = ",".join("?" * len(ids))
        rows = session.connection().exec_driver_sql(
            f"SELECT {_ROW_COLUMNS} FROM people AS p LEFT JOIN memberships AS m "
            f"ON m.person_id = p.id WHERE p.id IN ({marks})",
            tuple(ids),
        )
        return {r[0]: tuple(r) for r in rows}
    from ..models import Membership

    stmt = (
        select(
            Person.id, Person.given_names, Person.family_names, Person.preferred_name,
            Person.family_name_first, Person.email, Person.student_id, Person.affiliation,
            Membership.status,
        )
        .outerjoin(Membership, Membership.person_id == Person.id)
        .where(Person.id.in_(ids))
    )
    return {r[0]: (r[0], *r[1:7], _value(r[7]), _value(r[8])) for r in session.execute(stmt)}


def _value(v):
    return getattr(v, "value", v)
