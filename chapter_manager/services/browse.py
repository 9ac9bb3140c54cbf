"""Id lists and pages of rows for the desktop app's big tables (people, pledges).

A table model in the app holds only the ordered ids matching its filters
(:func:`person_ids`, :func:`pledge_ids`) and fetches rows by id, a page of about 256 at
a time, as the view scrolls (:func:`person_rows`, :func:`pledge_rows`).  Filtering and
sorting happen in SQL; rows come back as frozen dataclasses.

Orders
------
People: "name" (family name first), "given" (the name as shown), "email",
"student_id", "affiliation", "status", "programme", "joined", "created", and, with a
search, "relevance".  Pledges: "signed_at", "name", "event", "affiliation", "source".

* Names and emails compare folded (``sort_key``, ``name_key``, ``email_key``): "Ñúñez"
  sorts with N, case does not matter.  Programmes compare with SQLite's ``NOCASE``.
* Affiliation, membership status and pledge source sort in the order their enums
  declare (student, staff, faculty, alumni, community; prospective, active, inactive,
  alumni; kiosk, manual, import, online), not by their translated labels.
* Missing values (NULL; an empty programme; no membership; no event) come last in both
  directions.  Remaining ties are broken by id (pledges: by signing time, then id),
  in the direction of the sort.

Speed
-----
Measured at 110,000 people and 100,000 pledges: people by name in about 25 ms, by email
or student id 50 ms, with a membership or affiliation filter 55-70 ms, in the sorted
orders 80-160 ms; pledges newest first 27 ms; a page of 256 rows 3-4 ms.

* An id list comes back as one ``array('q')``.  On SQLite the ordered ids are
  concatenated with ``group_concat`` over the ordered query and parsed in C
  (``json.loads``): handing 100,000 one-integer rows to Python one by one costs more
  than finding them.  The order holds because SQLite neither flattens nor drops the
  ORDER BY of a FROM-clause subquery whose outer query uses an aggregate other than
  count/min/max (``select.c``: the omit-ORDER-BY optimisation's condition (4) and
  the flattener's restriction (16)).  Other databases fetch the rows as usual.
* "name", "given" and "created" read the ``(chapter_id, sort_key)`` / ``(chapter_id,
  name_key)`` / ``(chapter_id, created_at)`` indexes in order (covering: nothing is
  sorted); "email" and "student_id" read the partial unique indexes for the people who
  have one, then add the others in id order.  "status" sorts the (narrow) memberships
  table, "joined" reads the partial ``(chapter_id, joined_on, person_id)`` index in
  order; both add everyone else.  Membership, status and affiliation filters on these
  orders are applied in Python from id sets (a hash lookup per id is cheaper than
  SQLite's IN-list b-tree); "created" with an affiliation filter sorts the few people
  left in SQL instead.  The other orders ("affiliation", "programme") sort in SQL over
  a table scan (``chapter_id + 0`` keeps SQLite from walking an index and looking every
  row up).
* Pledges in signing order read the ``(chapter_id, signed_at)`` index backwards or
  forwards, or for one event (or no event) the ``(chapter_id, event_id, signed_at)``
  index; by name, the people's name index in order, finding each one's pledge by the
  ``(chapter_id, person_id)`` unique index.  By source: one query per source, each
  reading ``(chapter_id, source, signed_at)`` in order (so the column must hold
  ``RecordSource`` values only, as everything that writes it ensures); with an event,
  a search or an affiliation filter the pledges left are sorted in SQL.  The other
  pledge orders sort in SQL; without an event, on rows found in table order (see
  ``pledge_ids``).
* Schema 2 (``migrations/versions/0002_indexes_for_tables.py``) added the created,
  joined, source and event indexes.  At 310,000 people and 300,000 pledges: people by
  date added 450 -> 80 ms, by date joined 250-300 -> 200 ms (members only 140-185 ->
  85-95 ms), pledges by source 720-950 -> 75-90 ms, an event's pledges without
  ANALYZE statistics 600 -> 1-20 ms.
* Pages of rows are looked up by primary key only, with statements sent straight to
  the driver on SQLite (see ``storage.search``).
"""

from __future__ import annotations

import datetime as dt
import json
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from ..i18n import _
from ..models import (
    Affiliation,
    Chapter,
    Event,
    Membership,
    MembershipStatus,
    OfficerRole,
    OfficerTerm,
    Person,
    Pledge,
    RecordSource,
)
from ..storage import Database
from ..storage.search import CANDIDATES, matching_people, search_person_ids
from ..validation import fail
from .common import get_or_fail
from .events import local_day_bounds
from .people import display_name

#: The most people a search in relevance order returns.
SEARCH_LIMIT = 500

PEOPLE_ORDERS = (
    "relevance", "name", "given", "email", "student_id", "affiliation", "status",
    "programme", "joined", "created",
)
PLEDGE_ORDERS = ("signed_at", "name", "event", "affiliation", "source")
# People orders read from an index in order (see the module notes).
_INDEX_ORDERS = ("name", "given", "email", "student_id", "created")
# People orders read from the memberships (see _by_membership).
_MEMBERSHIP_ORDERS = ("status", "joined")

# Ids per IN list when fetching rows (below every SQLite build's host-parameter limit).
_CHUNK = 900

_people = Person.__table__
_members = Membership.__table__
_officers = OfficerTerm.__table__
_pledges = Pledge.__table__
_events = Event.__table__


# --------------------------------------------------------------------------- public data


@dataclass(frozen=True)
class PeopleQuery:
    """Which people a table shows, and in what order.

    ``order`` is one of :data:`PEOPLE_ORDERS`; "relevance" without a ``search`` means
    "name".  ``status`` implies members only.  ``officers_only`` keeps the people
    holding an officer term on the day given to :func:`person_ids` (today by default).
    ``non_members`` keeps only the people who are not members (pledgers, attendees);
    ``members_only`` and ``status`` are then ignored.
    """

    search: str = ""
    members_only: bool = False
    status: MembershipStatus | None = None
    affiliation: Affiliation | None = None
    officers_only: bool = False
    order: str = "name"
    descending: bool = False
    non_members: bool = False


@dataclass(frozen=True)
class PersonTableRow:
    """One line of the people table."""

    id: int
    display_name: str
    email: str | None
    phone: str | None
    student_id: str | None
    affiliation: Affiliation
    department: str
    programme: str
    membership_status: MembershipStatus | None
    joined_on: dt.date | None
    role: str  # officer titles held on the day asked for, joined with ", "; "" if none
    do_not_disclose: bool


@dataclass(frozen=True)
class PledgeQuery:
    """Which pledges a table shows, and in what order.

    ``search`` matches the signer as the people search does (any part of a name, the
    email or the student id); ``start`` and ``end`` are days in the chapter's time zone,
    both included.  ``order`` is one of :data:`PLEDGE_ORDERS`; newest first by default.
    """

    search: str = ""
    event_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    affiliation: Affiliation | None = None
    order: str = "signed_at"
    descending: bool = True
    without_event: bool = False  # only pledges signed at no event (``event_id`` is ignored)


@dataclass(frozen=True)
class PledgeTableRow:
    """One line of the pledges table."""

    id: int
    person_id: int
    display_name: str
    affiliation: Affiliation
    event_id: int | None
    event_title: str | None
    signed_at: dt.datetime  # aware, UTC
    local_signed_at: dt.datetime  # aware, at the UTC offset recorded when it was signed
    source: RecordSource
    commitment: str  # the signer's personal commitment, "" if none
    may_contact: bool
    may_publish_name: bool


# --------------------------------------------------------------------------- helpers


def _id_list(conn: Connection, stmt: Select[Any]) -> list[int]:
    """Run a SELECT of one integer column; its values, in order."""
    if conn.dialect.name == "sqlite":
        inner = stmt.subquery()
        joined = conn.execute(select(func.group_concat(inner.c[0]))).scalar()
        return _parse_ids(joined) if joined else []
    return list(conn.execute(stmt).scalars())


# Characters of "1,2,3" parsed at a time: about 50,000 ids, 2-4 ms.
_PARSE_CHUNK = 400_000


def _parse_ids(joined: str) -> list[int]:
    """The integers of a comma-separated list, parsed a piece at a time.

    One ``json.loads`` of a million ids holds the interpreter lock for 40-100 ms; done
    on a worker, that froze the GUI thread as long.  In pieces, the GUI thread gets its
    turn between them.
    """
    if len(joined) <= _PARSE_CHUNK:
        return json.loads(f"[{joined}]")
    found: list[int] = []
    start = 0
    while start < len(joined):
        end = joined.find(",", start + _PARSE_CHUNK)
        if end < 0:
            end = len(joined)
        found.extend(json.loads(f"[{joined[start:end]}]"))
        start = end + 1
    return found


def _id_set(conn: Connection, stmt: Select[Any]) -> set[int]:
    return set(_id_list(conn, stmt))


def _ordered(column: ColumnElement[Any], descending: bool) -> ColumnElement[Any]:
    return column.desc() if descending else column.asc()


def _enum_rank(column: ColumnElement[Any], enum_cls: Any) -> ColumnElement[Any]:
    """The position of ``column``'s value in ``enum_cls``'s declaration order."""
    return case({m.value: i for i, m in enumerate(enum_cls)}, value=column, else_=len(enum_cls))


def _check_order(order: str, choices: tuple[str, ...]) -> None:
    if order not in choices:
        raise fail(
            "order", _("A table can be sorted by: {choices}.").format(choices=", ".join(choices))
        )


def _unscoped(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``column + 0``: the same value, but no index on it is used to find rows.

    For queries that read every row of a chapter anyway (to sort them): a table scan
    is several times faster than walking a chapter index and looking each row up.
    """
    return column + 0


def _chunks(ids: Iterable[int], size: int = _CHUNK) -> list[list[int]]:
    unique = list(dict.fromkeys(int(i) for i in ids))
    return [unique[k : k + size] for k in range(0, len(unique), size)]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


_AFFILIATIONS = {a.value: a for a in Affiliation}
_STATUSES = {s.value: s for s in MembershipStatus}
_SOURCES = {s.value: s for s in RecordSource}


def _enum(values: dict[str, Any], value: Any) -> Any:
    if value is None:
        return None
    return values[getattr(value, "value", value)]


# --------------------------------------------------------------------------- people: ids


def _current_officers(chapter_id: int, day: dt.date) -> Select[Any]:
    o = _officers.c
    return select(o.person_id).where(
        o.chapter_id == chapter_id,
        o.starts_on <= day,
        or_(o.ends_on.is_(None), o.ends_on >= day),
    )


def _membership_condition(
    chapter_id: int, query: PeopleQuery, *, per_row: bool
) -> ColumnElement[bool] | None:
    """The members-only / status filter as a condition on ``people``.

    ``per_row``: a correlated EXISTS (an index probe per person; best when few people
    are left to check); otherwise an IN over the chapter's memberships.
    """
    # An alias: the ordering ("status", "joined") may join the memberships table itself.
    p, m = _people.c, _members.alias("filter_memberships").c
    if query.non_members:
        if per_row:
            return ~exists().where(m.person_id == p.id)
        return p.id.not_in(select(m.person_id).where(m.chapter_id == chapter_id))
    if query.status is None and not query.members_only:
        return None
    wanted = [] if query.status is None else [m.status == MembershipStatus(query.status)]
    if per_row:
        return exists().where(m.person_id == p.id, *wanted)
    return p.id.in_(select(m.person_id).where(m.chapter_id == chapter_id, *wanted))


def _sql_filters(
    chapter_id: int, query: PeopleQuery, day: dt.date, *, per_row: bool
) -> list[ColumnElement[bool]]:
    """Every filter other than the search, as conditions on ``people``."""
    conditions: list[ColumnElement[bool]] = []
    membership = _membership_condition(chapter_id, query, per_row=per_row)
    if membership is not None:
        conditions.append(membership)
    if query.affiliation is not None:
        conditions.append(_people.c.affiliation == Affiliation(query.affiliation))
    if query.officers_only:
        conditions.append(_people.c.id.in_(_current_officers(chapter_id, day)))
    return conditions


def _kept_by_sets(conn: Connection, chapter_id: int, query: PeopleQuery) -> set[int] | None:
    """The ids passing the membership, status and affiliation filters; None: no filter."""
    p, m = _people.c, _members.c
    sets: list[set[int]] = []
    if query.status is not None:
        sets.append(_id_set(conn, select(m.person_id).where(
            m.chapter_id == chapter_id, m.status == MembershipStatus(query.status))))
    elif query.members_only:
        sets.append(_id_set(conn, select(m.person_id).where(m.chapter_id == chapter_id)))
    if query.affiliation is not None:
        sets.append(_id_set(conn, select(p.id).where(
            _unscoped(p.chapter_id) == chapter_id, p.affiliation == Affiliation(query.affiliation))))
    if not sets:
        return None
    sets.sort(key=len)
    return sets[0].intersection(*sets[1:])


def _people_statements(
    chapter_id: int,
    order: str,
    desc: bool,
    conditions: list[ColumnElement[bool]],
    *,
    scan: bool,
    few: bool = False,
) -> list[Select[Any]]:
    """SELECTs of people ids whose results, one after the other, are in ``order``.

    ``scan``: every person of the chapter is read (no search), so sorting orders read
    the table rather than an index.  ``few``: the conditions keep few people or need the
    table's rows (a search, officers, an affiliation), so "created" sorts what they
    keep rather than reading its index in order.
    """
    p, m = _people.c, _members.c
    by_id = _ordered(p.id, desc)
    chapter = p.chapter_id == chapter_id
    if order in ("name", "given"):
        key = p.sort_key if order == "name" else p.name_key
        return [select(p.id).where(chapter, *conditions).order_by(_ordered(key, desc), by_id)]
    if order == "created" and not few:
        # The (chapter_id, created_at) index in order (covering: nothing is sorted).
        return [select(p.id).where(chapter, *conditions).order_by(_ordered(p.created_at, desc), by_id)]
    if order in ("email", "student_id"):
        # Those with one in the partial unique index's order, then the others by id.
        key = p.email_key if order == "email" else p.student_id
        present = select(p.id).where(chapter, key.is_not(None), *conditions)
        missing = select(p.id).where(
            _unscoped(p.chapter_id) == chapter_id if scan else chapter, key.is_(None), *conditions
        )
        return [present.order_by(_ordered(key, desc), by_id), missing.order_by(by_id)]
    if scan:
        chapter = _unscoped(p.chapter_id) == chapter_id
    stmt = select(p.id).where(chapter, *conditions)
    if order == "affiliation":
        return [stmt.order_by(_ordered(_enum_rank(p.affiliation, Affiliation), desc), by_id)]
    if order == "programme":
        return [stmt.order_by(p.programme == "", _ordered(p.programme.collate("NOCASE"), desc), by_id)]
    if order == "created":
        return [stmt.order_by(_ordered(p.created_at, desc), by_id)]
    stmt = stmt.outerjoin(_members, m.person_id == p.id)
    if order == "status":
        rank = _enum_rank(m.status, MembershipStatus)
        return [stmt.order_by(m.id.is_(None), _ordered(rank, desc), by_id)]
    # joined
    return [stmt.order_by(m.joined_on.is_(None), _ordered(m.joined_on, desc), by_id)]


def person_ids(
    db: Database, chapter_id: int, query: PeopleQuery, *, today: dt.date | None = None
) -> array[int]:
    """The ids of every person of the chapter matching ``query``, in its order.

    With a search and ``order="relevance"``: the best :data:`SEARCH_LIMIT` matches, best
    first (``storage.search``); with other filters a wider ranked set is filtered, as
    ``services.people.list_people`` does.  With a search and another order: every
    match, sorted.  ``today`` decides who holds an officer term (the computer's date
    when None).
    """
    _check_order(query.order, PEOPLE_ORDERS)
    day = today or dt.date.today()
    search = query.search.strip()
    order = query.order if search or query.order != "relevance" else "name"
    with db.read() as s:
        conn = s.connection()
        if search and order == "relevance":
            return array("q", _ranked_people(s, chapter_id, search, query, day))
        kept: set[int] | None = None
        if search:
            matches = matching_people(s, chapter_id, search)
            if matches is None:
                return array("q")
            conditions = [_people.c.id.in_(matches), *_sql_filters(chapter_id, query, day, per_row=True)]
            statements = _people_statements(
                chapter_id, order, query.descending, conditions, scan=False, few=True
            )
        elif query.officers_only:  # a handful of people: every filter in SQL
            conditions = _sql_filters(chapter_id, query, day, per_row=True)
            statements = _people_statements(
                chapter_id, order, query.descending, conditions, scan=True, few=True
            )
        elif (
            (order in _INDEX_ORDERS or order in _MEMBERSHIP_ORDERS)
            and not query.non_members
            and not (order == "created" and query.affiliation is not None)
        ):
            # Everyone in order (from an index, or from the memberships), then the
            # filters from id sets.
            kept = _kept_by_sets(conn, chapter_id, query)
            if order in _MEMBERSHIP_ORDERS:
                members_only = query.members_only or query.status is not None
                found = _by_membership(conn, chapter_id, order, query.descending, members_only)
                return array("q", found if kept is None else [i for i in found if i in kept])
            statements = _people_statements(chapter_id, order, query.descending, [], scan=True)
        else:  # sorted in SQL: filter first, so that fewer rows are sorted
            conditions = _sql_filters(chapter_id, query, day, per_row=False)
            statements = _people_statements(
                chapter_id, order, query.descending, conditions, scan=True,
                few=query.affiliation is not None,
            )
        found = []
        for stmt in statements:
            found.extend(_id_list(conn, stmt))
        if kept is not None:
            found = [i for i in found if i in kept]
        return array("q", found)


def _by_membership(
    conn: Connection, chapter_id: int, order: str, desc: bool, members_only: bool
) -> list[int]:
    """Everyone of the chapter by membership status or date joined, from the memberships.

    Members with a value come first, sorted on the (small) memberships table; then,
    as one group in id order, members without a joining date and the people who are
    not members (unless ``members_only``).
    """
    p, m = _people.c, _members.c
    by_person = _ordered(m.person_id, desc)
    if order == "status":
        ranked = select(m.person_id).where(_unscoped(m.chapter_id) == chapter_id).order_by(
            _ordered(_enum_rank(m.status, MembershipStatus), desc), by_person
        )
        rest: list[int] = []
    else:  # joined: the (chapter_id, joined_on, person_id) index, in order and covering
        ranked = select(m.person_id).where(m.chapter_id == chapter_id, m.joined_on.is_not(None)).order_by(
            _ordered(m.joined_on, desc), by_person
        )
        rest = _id_list(conn, select(m.person_id).where(
            _unscoped(m.chapter_id) == chapter_id, m.joined_on.is_(None)))
    found = _id_list(conn, ranked)
    if not members_only:
        # Everyone (a covering index read) less the members: cheaper than a NOT EXISTS
        # probe per person.
        members = set(found)
        members.update(rest)
        everyone = _id_list(conn, select(p.id).where(p.chapter_id == chapter_id))
        rest.extend(i for i in everyone if i not in members)
    rest.sort(reverse=desc)
    found.extend(rest)
    return found


def _ranked_people(
    s: Session, chapter_id: int, search: str, query: PeopleQuery, day: dt.date
) -> list[int]:
    conditions = _sql_filters(chapter_id, query, day, per_row=True)
    if not conditions:
        return search_person_ids(s, chapter_id, search, SEARCH_LIMIT)
    # Rank a wider set and keep the ones that pass.  The ranked ids are of this chapter
    # already; looking them up by id uses the primary key.
    ranked = search_person_ids(s, chapter_id, search, max(SEARCH_LIMIT, CANDIDATES))
    if not ranked:
        return []
    passing = set(
        s.connection().execute(
            select(_people.c.id).where(_people.c.id.in_(ranked), *conditions)
        ).scalars()
    )
    return [i for i in ranked if i in passing][:SEARCH_LIMIT]


def relevance_complete(db: Database, chapter_id: int, search: str) -> bool:
    """Whether ``person_ids(..., order="relevance")`` for ``search`` ranks every match.

    The ranking (``storage.search``) looks at the people whose name starts with the text
    and at most ``CANDIDATES`` other full-text matches: when no more people than that
    match at all, none was left out, with or without filters (filters only remove people
    from the ranked set).  Otherwise a table should say it shows the best matches only.
    One count of at most ``CANDIDATES + 1`` matches: about a millisecond.
    """
    with db.read() as s:
        matches = matching_people(s, chapter_id, search)
        if matches is None:
            return True
        first = select(matches.subquery().c.id).limit(CANDIDATES + 1).subquery()
        found = s.execute(select(func.count()).select_from(first)).scalar_one()
        return int(found) <= CANDIDATES


# --------------------------------------------------------------------------- people: rows

_PERSON_SQL = (
    "SELECT p.id, p.given_names, p.family_names, p.preferred_name, p.family_name_first, "
    "p.email, p.phone, p.student_id, p.affiliation, p.department, p.programme, "
    "p.do_not_disclose, m.status, m.joined_on "
    "FROM people AS p LEFT JOIN memberships AS m ON m.person_id = p.id WHERE p.id IN ({marks})"
)
_TITLES_SQL = (
    "SELECT person_id, role, custom_title FROM officer_terms WHERE person_id IN ({marks}) "
    "AND starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?) ORDER BY person_id, starts_on, id"
)


def _person_page(
    conn: Connection, chunk: list[int], day: dt.date
) -> tuple[Sequence[Any], Sequence[Any]]:
    """(people rows, officer-title rows) for ids, as plain tuples."""
    if conn.dialect.name == "sqlite":
        marks = _marks(len(chunk))
        people = conn.exec_driver_sql(_PERSON_SQL.format(marks=marks), tuple(chunk)).fetchall()
        titles = conn.exec_driver_sql(
            _TITLES_SQL.format(marks=marks), (*chunk, day.isoformat(), day.isoformat())
        ).fetchall()
        return people, titles
    p, m, o = _people.c, _members.c, _officers.c
    people = conn.execute(
        select(
            p.id, p.given_names, p.family_names, p.preferred_name, p.family_name_first,
            p.email, p.phone, p.student_id, p.affiliation, p.department, p.programme,
            p.do_not_disclose, m.status, m.joined_on,
        )
        .outerjoin(_members, m.person_id == p.id)
        .where(p.id.in_(chunk))
    ).all()
    titles = conn.execute(
        select(o.person_id, o.role, o.custom_title)
        .where(o.person_id.in_(chunk), o.starts_on <= day,
               or_(o.ends_on.is_(None), o.ends_on >= day))
        .order_by(o.person_id, o.starts_on, o.id)
    ).all()
    return people, titles


def person_rows(
    db: Database, ids: Sequence[int], *, today: dt.date | None = None
) -> dict[int, PersonTableRow]:
    """The table rows of the people with these ids; ids not found are left out.

    ``role`` lists the officer titles (the custom title, or the role's label) held on
    ``today`` (the computer's date when None), president first.
    """
    if not len(ids):
        return {}
    day = today or dt.date.today()
    rank = {r.value: i for i, r in enumerate(OfficerRole)}
    out: dict[int, PersonTableRow] = {}
    with db.read() as s:
        conn = s.connection()
        for chunk in _chunks(ids):
            people, title_rows = _person_page(conn, chunk, day)
            titles: dict[int, list[tuple[int, str]]] = {}
            for person_id, role, custom in title_rows:
                role = OfficerRole(role)
                title = custom if role is OfficerRole.CUSTOM else role.label
                titles.setdefault(person_id, []).append((rank[role.value], title))
            for (pid, given, family, preferred, family_first, email, phone, student_id,
                 affiliation, department, programme, hidden, status, joined) in people:
                held = sorted(titles.get(pid, ()), key=lambda t: t[0])
                out[pid] = PersonTableRow(
                    id=pid,
                    display_name=display_name(given, family, preferred, bool(family_first)),
                    email=email,
                    phone=phone,
                    student_id=student_id,
                    affiliation=_enum(_AFFILIATIONS, affiliation),
                    department=department,
                    programme=programme,
                    membership_status=_enum(_STATUSES, status),
                    joined_on=_date(joined),
                    role=", ".join(dict.fromkeys(t for _r, t in held)),
                    do_not_disclose=bool(hidden),
                )
    return out


# --------------------------------------------------------------------------- pledges


def pledge_ids(db: Database, chapter_id: int, query: PledgeQuery) -> array[int]:
    """The ids of every pledge of the chapter matching ``query``, in its order."""
    _check_order(query.order, PLEDGE_ORDERS)
    pl, p, e = _pledges.c, _people.c, _events.c
    desc = query.descending
    with db.read() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        # Pledges signed at no event (often most of them) in an order that no index
        # gives: found with the event_id index, in table order.  The (chapter_id,
        # event_id, signed_at) index would hand them over in time order, and looking
        # each row up in that order is three times slower.
        table_order = query.without_event and query.order not in ("signed_at", "event")
        conditions: list[ColumnElement[bool]] = [
            (_unscoped(pl.chapter_id) if table_order else pl.chapter_id) == chapter_id
        ]
        if query.without_event:
            conditions.append(pl.event_id.is_(None))
        elif query.event_id is not None:
            conditions.append(pl.event_id == query.event_id)
        if query.start is not None:
            conditions.append(pl.signed_at >= local_day_bounds(query.start, query.start, chapter.timezone)[0])
        if query.end is not None:
            conditions.append(pl.signed_at < local_day_bounds(query.end, query.end, chapter.timezone)[1])
        search = query.search.strip()
        if search:
            matches = matching_people(s, chapter_id, search)
            if matches is None:
                return array("q")
            conditions.append(pl.person_id.in_(matches))
        if query.affiliation is not None:
            conditions.append(pl.person_id.in_(select(p.id).where(
                _unscoped(p.chapter_id) == chapter_id, p.affiliation == Affiliation(query.affiliation))))
        then = (_ordered(pl.signed_at, desc), _ordered(pl.id, desc))
        # On the chapter too (unless in table order), so that without other filters
        # SQLite reads the people's name index in order and finds each one's pledge by
        # index.
        signer = p.id == pl.person_id if table_order else and_(p.id == pl.person_id, p.chapter_id == pl.chapter_id)
        stmt = select(pl.id).where(and_(*conditions))
        if query.order == "signed_at":
            stmt = stmt.order_by(*then)
        elif query.order == "name":
            stmt = stmt.join(_people, signer).where(p.chapter_id == chapter_id).order_by(
                _ordered(p.sort_key, desc), _ordered(p.id, desc), *then
            )
        elif query.order == "affiliation":
            stmt = stmt.join(_people, signer).where(p.chapter_id == chapter_id).order_by(
                _ordered(_enum_rank(p.affiliation, Affiliation), desc), *then
            )
        elif query.order == "event":
            stmt = stmt.outerjoin(_events, e.id == pl.event_id).order_by(
                e.id.is_(None),
                _ordered(func.lower(e.title), desc),
                _ordered(e.starts_at, desc),
                _ordered(e.id, desc),
                *then,
            )
        elif query.event_id is not None or query.without_event or search or query.affiliation is not None:
            # source, among the pledges another index or a subquery finds: sorted in SQL
            stmt = stmt.order_by(_ordered(_enum_rank(pl.source, RecordSource), desc), *then)
        else:  # source: one source after the other, each from the (chapter_id, source,
            # signed_at) index in order (nothing sorted)
            sources = reversed(RecordSource) if desc else RecordSource
            conn = s.connection()
            return array("q", [
                i for source in sources
                for i in _id_list(conn, stmt.where(pl.source == source).order_by(*then))
            ])
        return array("q", _id_list(s.connection(), stmt))


_PLEDGE_SQL = (
    "SELECT pl.id, pl.person_id, pl.event_id, pl.signed_at, pl.utc_offset_minutes, pl.source, "
    "pl.personal_commitment, pl.may_contact, pl.may_publish_name, p.given_names, "
    "p.family_names, p.preferred_name, p.family_name_first, p.affiliation, e.title "
    "FROM pledges AS pl JOIN people AS p ON p.id = pl.person_id "
    "LEFT JOIN events AS e ON e.id = pl.event_id WHERE pl.id IN ({marks})"
)


def _pledge_page(conn: Connection, chunk: list[int]) -> Sequence[Any]:
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql(_PLEDGE_SQL.format(marks=_marks(len(chunk))), tuple(chunk)).fetchall()
    pl, p, e = _pledges.c, _people.c, _events.c
    return conn.execute(
        select(
            pl.id, pl.person_id, pl.event_id, pl.signed_at, pl.utc_offset_minutes, pl.source,
            pl.personal_commitment, pl.may_contact, pl.may_publish_name, p.given_names,
            p.family_names, p.preferred_name, p.family_name_first, p.affiliation, e.title,
        )
        .join(_people, p.id == pl.person_id)
        .outerjoin(_events, e.id == pl.event_id)
        .where(pl.id.in_(chunk))
    ).all()


def pledge_rows(db: Database, ids: Sequence[int]) -> dict[int, PledgeTableRow]:
    """The table rows of the pledges with these ids; ids not found are left out."""
    if not len(ids):
        return {}
    zones: dict[int, dt.timezone] = {}
    out: dict[int, PledgeTableRow] = {}
    with db.read() as s:
        conn = s.connection()
        for chunk in _chunks(ids):
            for (pid, person_id, event_id, signed_at, offset, source, commitment, contact,
                 publish, given, family, preferred, family_first, affiliation,
                 title) in _pledge_page(conn, chunk):
                zone = zones.get(offset)
                if zone is None:
                    zone = zones[offset] = dt.timezone(dt.timedelta(minutes=offset))
                signed = _utc(signed_at)
                out[pid] = PledgeTableRow(
                    id=pid,
                    person_id=person_id,
                    display_name=display_name(given, family, preferred, bool(family_first)),
                    affiliation=_enum(_AFFILIATIONS, affiliation),
                    event_id=event_id,
                    event_title=title,
                    signed_at=signed,
                    local_signed_at=signed.astimezone(zone),
                    source=_enum(_SOURCES, source),
                    commitment=commitment or "",
                    may_contact=bool(contact),
                    may_publish_name=bool(publish),
                )
    return out


__all__ = [
    "PEOPLE_ORDERS",
    "PLEDGE_ORDERS",
    "SEARCH_LIMIT",
    "PeopleQuery",
    "PersonTableRow",
    "PledgeQuery",
    "PledgeTableRow",
    "person_ids",
    "person_rows",
    "relevance_complete",
    "pledge_ids",
    "pledge_rows",
]
