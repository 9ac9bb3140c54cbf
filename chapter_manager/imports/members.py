"""Importing members from a spreadsheet: check every row, then commit all of it or nothing.

1. :func:`plan_import` validates every row with the same rules as the person editor
   (``services.people``), lists problems by the file's row numbers, and finds people who
   already exist in the chapter (same email or student id) and rows repeating an earlier
   row of the file.  Nothing is written.
2. :func:`commit_import` writes the plan in one transaction: new people (with a
   membership) in bulk, and for people who already exist what ``duplicates`` says:
   ``update`` (the file's non-empty cells replace what is stored), ``skip``, or
   ``create`` (a separate person, without the email or student id that belongs to the
   existing one).  Rows with problems stop the import unless ``skip_invalid``.
3. :func:`undo_last_import` takes the chapter's last import back: the people it created
   are deleted (no tombstones: they may be imported again) and the people it updated
   get their previous values back.

The undo record: the audit entry (``AuditAction.IMPORT``, entity ``people-import``)
holds only UUIDs and counts, as every audit entry; the previous values of updated people
(personal data) are kept in the ``settings`` table under ``import-undo:<chapter uuid>``,
replaced by the next import and removed by the undo (``services.import_undo``).  Deleting
a person removes their entry from it at once; the undo then passes over them and says so
(:attr:`UndoneImport.deleted_since`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table as SqlTable
from sqlalchemy import delete, select

from .. import jobs
from ..derived import person_keys
from ..errors import ChapterError, NotFound, ValidationError
from ..i18n import _
from ..models import (
    Affiliation,
    AuditAction,
    AuditEntry,
    Chapter,
    Membership,
    MembershipStatus,
    Person,
    Setting,
)
from ..services.common import audit
from ..services.import_undo import undo_key
from ..services.people import PersonData, display_name
from ..services.people import _validated as validated_person
from ..storage import Database
from ..storage.bulk import RowEncoder, bulk_insert, reserve_ids
from ..text import email_key, fold
from ..types import utcnow
from .mapping import IGNORE, field_label
from .names import garbled, repaired, split_full_name
from .reader import ImportCancelled, Table

__all__ = [
    "DUPLICATE_CHOICES",
    "ImportPlan",
    "ImportResult",
    "LastImport",
    "PlannedRow",
    "UndoneImport",
    "commit_import",
    "last_import",
    "plan_import",
    "undo_last_import",
]

DUPLICATE_CHOICES = ("update", "skip", "create")
ENTITY = "people-import"
_STEP = 1000
_YIELD_EVERY = 100  # rows between two chances for other threads (a window) to run

Progress = Callable[[float | None, str], None]


# The validated person columns, in the order a planned row keeps them (as a tuple: a
# plan of 200,000 rows stays near 100 MB).
_VALUE_KEYS = ("given_names", "family_names", "preferred_name", "department", "programme", "pronouns",
               "notes", "email", "phone", "student_id", "gender", "year_of_study", "affiliation",
               "family_name_first", "do_not_disclose")


class PlannedRow:
    """One row of the file, checked: what will be saved, or the problems found."""

    __slots__ = ("row", "_values", "status", "joined_on", "given", "problems", "existing_id",
                 "existing_name", "existing_by", "same_as_row", "left_on")

    def __init__(self, row: int, values: dict[str, Any], status: MembershipStatus | None,
                 joined_on: dt.date | None, given: frozenset[str] | set[str],
                 problems: dict[str, str] | None = None) -> None:
        self.row = row  # the file's row number
        self.values = values  # validated person columns
        self.status = status
        self.joined_on = joined_on
        self.given = given  # person columns the file gave a value for
        self.problems: dict[str, str] = problems if problems is not None else {}
        self.existing_id: int | None = None
        self.existing_name = ""
        self.existing_by = ""  # "email" or "student_id"
        self.same_as_row: int | None = None
        self.left_on: dt.date | None = None

    @property
    def values(self) -> dict[str, Any]:
        if self._values is None:
            return {}
        return dict(zip(_VALUE_KEYS, self._values, strict=True))

    @values.setter
    def values(self, values: dict[str, Any]) -> None:
        self._values = tuple(values.get(k) for k in _VALUE_KEYS) if values else None

    def value(self, key: str) -> Any:
        return None if self._values is None else self._values[_VALUE_INDEX[key]]

    def set_value(self, key: str, value: Any) -> None:
        values = self.values
        values[key] = value
        self.values = values


_VALUE_INDEX = {k: i for i, k in enumerate(_VALUE_KEYS)}


@dataclass
class ImportPlan:
    chapter_id: int
    source: str
    rows: list[PlannedRow]
    mapping: list[str]
    headers: list[str]

    @property
    def problems(self) -> list[tuple[int, str, str]]:
        """(row, field label, message) for every problem, in file order."""
        out = []
        for r in self.rows:
            for key, message in r.problems.items():
                out.append((r.row, field_label(key) if key in _LABELLED else key, message))
        return out

    def names(self, limit: int = 10) -> list[tuple[int, str, str]]:
        """(row, given names, family names) of the first rows, exactly as they will be saved."""
        out = []
        for r in self.rows:
            if r.problems:
                continue
            out.append((r.row, r.value("given_names") or "", r.value("family_names") or ""))
            if len(out) >= limit:
                break
        return out

    @property
    def invalid(self) -> int:
        return sum(1 for r in self.rows if r.problems)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rows if not r.problems and r.existing_id is not None)

    @property
    def new(self) -> int:
        return sum(1 for r in self.rows if not r.problems and r.existing_id is None)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped: int
    invalid: int
    audit_uuid: uuid.UUID | None


@dataclass(frozen=True)
class UndoneImport:
    """What :func:`undo_last_import` did."""

    removed: int  # people the import created, deleted now
    restored: int  # people the import updated, given their previous values back
    deleted_since: int = 0  # people the import updated who were deleted since: passed over
    kept: int = 0  # people the import created who have records since (pledges, attendance…): kept


@dataclass(frozen=True)
class LastImport:
    when: dt.datetime
    source: str
    created: int
    updated: int
    audit_uuid: uuid.UUID


_PERSON_FIELDS = ("given_names", "family_names", "preferred_name", "email", "phone", "student_id",
                  "affiliation", "department", "programme", "year_of_study", "gender", "pronouns",
                  "do_not_disclose", "notes")
_LABELLED = set(_PERSON_FIELDS) | {"full_name", "status", "joined_on", "left_on"}

# --------------------------------------------------------------------------- cell parsing

_YES = {"yes", "y", "true", "1", "x", "si", "s", "verdadero", "oui"}
_NO = {"no", "n", "false", "0", "falso", "non", ""}
_STATUS = {
    "prospective": MembershipStatus.PROSPECTIVE, "prospect": MembershipStatus.PROSPECTIVE,
    "prospecto": MembershipStatus.PROSPECTIVE, "prospecta": MembershipStatus.PROSPECTIVE,
    "aspirante": MembershipStatus.PROSPECTIVE, "interesado": MembershipStatus.PROSPECTIVE,
    "interesada": MembershipStatus.PROSPECTIVE, "nuevo": MembershipStatus.PROSPECTIVE,
    "active": MembershipStatus.ACTIVE, "activo": MembershipStatus.ACTIVE, "activa": MembershipStatus.ACTIVE,
    "inactive": MembershipStatus.INACTIVE, "inactivo": MembershipStatus.INACTIVE,
    "inactiva": MembershipStatus.INACTIVE, "baja": MembershipStatus.INACTIVE,
    "alumni": MembershipStatus.ALUMNI, "alumnus": MembershipStatus.ALUMNI, "alumna": MembershipStatus.ALUMNI,
    "egresado": MembershipStatus.ALUMNI, "egresada": MembershipStatus.ALUMNI,
    "exalumno": MembershipStatus.ALUMNI, "exalumna": MembershipStatus.ALUMNI,
}
_AFFILIATION = {
    "student": Affiliation.STUDENT, "estudiante": Affiliation.STUDENT, "alumno": Affiliation.STUDENT,
    "alumna": Affiliation.STUDENT, "staff": Affiliation.STAFF, "personal": Affiliation.STAFF,
    "administrativo": Affiliation.STAFF, "administrativa": Affiliation.STAFF,
    "trabajador": Affiliation.STAFF, "faculty": Affiliation.FACULTY, "profesor": Affiliation.FACULTY,
    "profesora": Affiliation.FACULTY, "docente": Affiliation.FACULTY, "academico": Affiliation.FACULTY,
    "academica": Affiliation.FACULTY, "alumni": Affiliation.ALUMNI, "egresado": Affiliation.ALUMNI,
    "egresada": Affiliation.ALUMNI, "community": Affiliation.COMMUNITY, "comunidad": Affiliation.COMMUNITY,
    "externo": Affiliation.COMMUNITY, "externa": Affiliation.COMMUNITY,
}
for _s in MembershipStatus:
    _STATUS.setdefault(fold(_s.label), _s)
for _a in Affiliation:
    _AFFILIATION.setdefault(fold(_a.label), _a)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_STAMP = re.compile(
    r"""^(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{1,4})
    (?:[ T,]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?
       \s*(?P<ampm>[ap]\.?\s?m\.?)?
       \s*(?P<tz>Z|(?:GMT|UTC)?\s*[+-]\d{1,2}(?::?\d{2})?|GMT|UTC)?)?$""",
    re.IGNORECASE | re.VERBOSE,
)


def _offset(text: str) -> dt.timezone:
    m = re.search(r"([+-])(\d{1,2})(?::?(\d{2}))?$", text)
    if m is None:
        return dt.UTC  # "Z", "GMT", "UTC"
    minutes = int(m[2]) * 60 + int(m[3] or 0)
    if minutes > 14 * 60:
        raise ValueError(text)
    return dt.timezone(dt.timedelta(minutes=-minutes if m[1] == "-" else minutes))


def _zone(name: str | None) -> dt.tzinfo | None:
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_date(value: Any, zone: str | dt.tzinfo | None = None) -> dt.date:
    """A date from a cell, on the chapter's calendar.

    A real date; ISO text; day/month/year (month/day when the second number is over 12);
    year/month/day; any of them with a time as spreadsheets and Google Forms write it
    ("2026/08/10 9:14:02 AM GMT-5", "10/08/2026 09:14:02").  A moment with a time zone
    or offset is moved into ``zone`` (the chapter's time zone) before its date is taken;
    one without is already the chapter's local time.
    """
    tz = _zone(zone) if isinstance(zone, str) or zone is None else zone
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and tz is not None:
            value = value.astimezone(tz)
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if "T" in text and _ISO.match(text):
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parse_date(moment, tz)
    m = _STAMP.match(text)
    if m is None:
        raise ValueError(text)
    a, b, c = m["a"], m["b"], m["c"]
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    else:
        x, y, year = int(a), int(b), int(c)
        if len(c) <= 2:
            year += 2000 if year < 70 else 1900
        day, month = (x, y) if x > 12 or y <= 12 else (y, x)
    date = dt.date(year, month, day)
    if m["h"] is None or m["tz"] is None or tz is None:
        return date
    hour = int(m["h"])
    if m["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if m["ampm"].lower().startswith("p") else 0)
    moment = dt.datetime.combine(date, dt.time(hour, int(m["mi"]), int(m["s"] or 0)), _offset(m["tz"]))
    return moment.astimezone(tz).date()


def _country(db: Database, chapter_id: int) -> tuple[str, uuid.UUID]:
    country, chapter_uuid, _zone_name = _chapter(db, chapter_id)
    return country, chapter_uuid


def _chapter(db: Database, chapter_id: int) -> tuple[str, uuid.UUID, str]:
    with db.read() as s:
        chapter = s.get(Chapter, chapter_id)
        if chapter is None:
            raise NotFound(_("There is no chapter with id {id}.").format(id=chapter_id))
        return chapter.country, chapter.uuid, chapter.timezone


# --------------------------------------------------------------------------- plan


def plan_import(
    db: Database,
    chapter_id: int,
    table: Table,
    mapping: Sequence[str],
    *,
    source: str = "",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ImportPlan:
    """Check every row of ``table`` with the column ``mapping``; write nothing."""
    mapping = list(mapping) + [IGNORE] * (len(table.headers) - len(mapping))
    used = {k for k in mapping if k}
    if not used & {"full_name", "given_names", "family_names"}:
        raise ValidationError({"map": _("Choose which column holds the names (a full name, or "
                                        "given and family names).")})
    country, _uuid, zone_name = _chapter(db, chapter_id)
    zone = _zone(zone_name)
    columns: dict[str, list[int]] = {}
    for i, key in enumerate(mapping):
        if key:
            columns.setdefault(key, []).append(i)
    report = progress or (lambda _f, _m: None)
    planned: list[PlannedRow] = []
    shared: dict[Any, Any] = {}
    total = max(1, len(table.rows))
    for index, cells in enumerate(table.rows.iterate(cancel)):
        if index % _STEP == 0:
            if cancel is not None and cancel.is_set():
                raise ImportCancelled()
            report(index / total * 0.8, _("Checking row {n:,} of {total:,}").format(n=index, total=total))
        if index % _YIELD_EVERY == 0:
            time.sleep(0)  # let a window's thread run: checking holds the interpreter otherwise
        if not any(_text(c) for c in cells):
            continue
        planned.append(_plan_row(table.row_number(index), cells, columns, country, shared, zone))
    report(0.85, _("Looking for people already in the chapter…"))
    _find_duplicates(db, chapter_id, planned)
    report(1.0, _("Checked {n:,} rows").format(n=len(planned)))
    return ImportPlan(chapter_id, source, planned, mapping, list(table.headers))


def _plan_row(number: int, cells: Sequence[Any], columns: dict[str, list[int]], country: str,
              shared: dict[Any, Any] | None = None, zone: dt.tzinfo | None = None) -> PlannedRow:
    raw: dict[str, Any] = {}
    for key, idx in columns.items():
        if len(idx) == 1:
            raw[key] = cells[idx[0]]
        else:
            raw[key] = " ".join(t for t in (_text(cells[i]) for i in idx) if t)
    problems: dict[str, str] = {}
    for key in _TEXT_FIELDS:
        value = raw.get(key)
        if isinstance(value, str) and not value.isascii():
            bad = garbled(value)
            if bad is not None:
                problems[key] = _garbled_message(value, bad)
    data = PersonData()
    given: set[str] = set()
    if "full_name" in raw:
        g, f, family_first = split_full_name(_text(raw["full_name"]))
        data.given_names, data.family_names = g, f
        data.family_name_first = family_first
        if g:
            given.add("given_names")
        if f:
            given.add("family_names")
        if family_first:
            given.add("family_name_first")
    for key in ("given_names", "family_names", "preferred_name", "department", "programme",
                "pronouns", "notes"):
        if key in raw and _text(raw[key]):
            setattr(data, key, _text(raw[key]))
            given.add(key)
    for key in ("email", "phone", "student_id", "gender"):
        if key in raw and _text(raw[key]):
            setattr(data, key, _text(raw[key]))
            given.add(key)
    if "affiliation" in raw and _text(raw["affiliation"]):
        found = _AFFILIATION.get(fold(_text(raw["affiliation"])))
        if found is None:
            problems["affiliation"] = _("“{value}” is not an affiliation (student, staff, faculty, "
                                        "alumni or community).").format(value=_text(raw["affiliation"])[:40])
        else:
            data.affiliation = found
            given.add("affiliation")
    if "year_of_study" in raw and _text(raw["year_of_study"]):
        m = re.match(r"^\s*(\d{1,2})", _text(raw["year_of_study"]))
        if m is None:
            problems["year_of_study"] = _("“{value}” is not a year of study (a number from 1 to 15)."
                                          ).format(value=_text(raw["year_of_study"])[:40])
        else:
            data.year_of_study = int(m[1])
            given.add("year_of_study")
    if "do_not_disclose" in raw:
        text = fold(_text(raw["do_not_disclose"]))
        if text in _YES:
            data.do_not_disclose = True
            given.add("do_not_disclose")
        elif text in _NO:
            if text:
                given.add("do_not_disclose")
        else:
            problems["do_not_disclose"] = _("“{value}” is neither yes nor no.").format(value=text[:20])
    status = None
    if "status" in raw and _text(raw["status"]):
        status = _STATUS.get(fold(_text(raw["status"])))
        if status is None:
            problems["status"] = _("“{value}” is not a membership status (prospective, active, "
                                   "inactive or alumni).").format(value=_text(raw["status"])[:40])
    joined = None
    if "joined_on" in raw and _text(raw["joined_on"]):
        try:
            joined = parse_date(raw["joined_on"], zone)
        except ValueError:
            problems["joined_on"] = _("“{value}” is not a date (use 2025-09-01 or 01/09/2025)."
                                      ).format(value=_text(raw["joined_on"])[:40])
    left = None
    if "left_on" in raw and _text(raw["left_on"]):
        try:
            left = parse_date(raw["left_on"], zone)
        except ValueError:
            problems["left_on"] = _("“{value}” is not a date (use 2025-09-01 or 01/09/2025)."
                                    ).format(value=_text(raw["left_on"])[:40])
    values: dict[str, Any] = {}
    try:
        values = validated_person(data, country)
    except ValidationError as error:
        for key, message in error.fields.items():
            problems.setdefault(key, message)
    if shared is not None:
        # Columns that repeat (names, programmes, dates...) share one object per value.
        for key in _REPEATING:
            value = values.get(key)
            if value is not None:
                values[key] = shared.setdefault(value, value)
        joined = shared.setdefault(joined, joined) if joined is not None else None
        left = shared.setdefault(left, left) if left is not None else None
        frozen = frozenset(given)
        given = shared.setdefault(frozen, frozen)
    row = PlannedRow(number, values, status, joined, given, problems or None)
    row.left_on = left
    return row


_TEXT_FIELDS = ("full_name", "given_names", "family_names", "preferred_name", "department", "programme",
                "pronouns", "notes", "gender", "email")


def _garbled_message(value: str, bad: str) -> str:
    if bad == "\ufffd":
        return _("“{value}” has characters that could not be read (�); correct them in the file, "
                 "or save it as UTF-8 and import it again.").format(value=value[:60])
    return _("“{value}” looks garbled: “{bad}” is how “{good}” shows when text is read in the wrong "
             "encoding. Correct it in the file, or save the file as UTF-8 and import it again.").format(
        value=value[:60], bad=bad, good=repaired(bad))


_REPEATING = ("given_names", "family_names", "department", "programme", "pronouns", "gender",
              "preferred_name")


def _find_duplicates(db: Database, chapter_id: int, rows: list[PlannedRow]) -> None:
    seen_email: dict[str, int] = {}
    seen_sid: dict[str, int] = {}
    emails: set[str] = set()
    sids: set[str] = set()
    for r in rows:
        if r.problems:
            continue
        key = email_key(r.value("email"))
        sid = r.value("student_id")
        earlier = (seen_email.get(key) if key else None) or (seen_sid.get(sid) if sid else None)
        if earlier is not None:
            r.same_as_row = earlier
            r.problems["row"] = _("Same email or student id as row {row}.").format(row=earlier)
            continue
        if key:
            seen_email[key] = r.row
            emails.add(key)
        if sid:
            seen_sid[sid] = r.row
            sids.add(sid)
    by_email: dict[str, tuple[int, str]] = {}
    by_sid: dict[str, tuple[int, str]] = {}
    cols = (Person.id, Person.email_key, Person.student_id, Person.given_names, Person.family_names,
            Person.preferred_name, Person.family_name_first)
    with db.read() as s:
        for values, column, target in ((sorted(emails), Person.email_key, by_email),
                                       (sorted(sids), Person.student_id, by_sid)):
            for k in range(0, len(values), 500):
                chunk = values[k:k + 500]
                for p in s.execute(select(*cols).where(Person.chapter_id == chapter_id, column.in_(chunk))):
                    name = display_name(p.given_names, p.family_names, p.preferred_name, p.family_name_first)
                    if column is Person.email_key:
                        target[p.email_key] = (p.id, name)
                    else:
                        target[p.student_id] = (p.id, name)
    for r in rows:
        if r.problems:
            continue
        key = email_key(r.value("email"))
        sid = r.value("student_id")
        hit_e = by_email.get(key) if key else None
        hit_s = by_sid.get(sid) if sid else None
        if hit_e and hit_s and hit_e[0] != hit_s[0]:
            r.problems["row"] = _("The email belongs to {a} and the student id to {b}, two different "
                                  "people.").format(a=hit_e[1], b=hit_s[1])
            continue
        hit = hit_e or hit_s
        if hit:
            r.existing_id, r.existing_name = hit
            r.existing_by = "email" if hit_e else "student_id"


# --------------------------------------------------------------------------- commit

_people = cast(SqlTable, Person.__table__)
_members = cast(SqlTable, Membership.__table__)
_PEOPLE_COLS = ("id", "uuid", "device_id", "device_seq", "created_at", "updated_at", "chapter_id",
                "given_names", "family_names", "family_name_first", "preferred_name", "email",
                "email_key", "phone", "student_id", "affiliation", "department", "programme",
                "year_of_study", "gender", "pronouns", "do_not_disclose", "notes", "search_text",
                "name_key", "sort_key")
_MEMBER_COLS = ("uuid", "device_id", "device_seq", "created_at", "updated_at", "chapter_id",
                "person_id", "status", "joined_on", "left_on")


def commit_import(
    db: Database,
    plan: ImportPlan,
    *,
    duplicates: str = "skip",
    skip_invalid: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ImportResult:
    """Write ``plan`` in one transaction (all of it or nothing); see the module's docstring."""
    if duplicates not in DUPLICATE_CHOICES:
        raise ValidationError({"duplicates": _("Choose update, skip or create for people who "
                                               "already exist.")})
    invalid = plan.invalid
    if invalid and not skip_invalid:
        raise ValidationError({"rows": _("{n} row(s) have problems; fix them in the file, or leave "
                                         "them out, then import again. Nothing was imported.").format(n=invalid)})
    report = progress or (lambda _f, _m: None)
    rows = [r for r in plan.rows if not r.problems]
    new_rows = [r for r in rows if r.existing_id is None]
    dup_rows = [r for r in rows if r.existing_id is not None]
    if duplicates == "create":
        for r in dup_rows:
            if r.existing_by == "email" or email_key(r.value("email")):
                r.set_value("email", None)
            if r.existing_by == "student_id":
                r.set_value("student_id", None)
        new_rows += dup_rows
        dup_rows = []
    _country_code, chapter_uuid = _country(db, plan.chapter_id)
    created_uuids: list[uuid.UUID] = []
    previous: dict[str, dict[str, Any]] = {}
    with db.write() as s:
        conn = s.connection()
        if duplicates == "create":
            # A created duplicate keeps only identifiers nobody else has (checked again here).
            _drop_taken(conn, plan.chapter_id, new_rows)
        now = utcnow()
        if new_rows:
            first_id = reserve_ids(conn, _people, len(new_rows))
            first_seq = db.allocate_sequence(conn, 2 * len(new_rows))
            people_enc = RowEncoder.for_connection(conn, _people, _PEOPLE_COLS)
            member_enc = RowEncoder.for_connection(conn, _members, _MEMBER_COLS)
            device = db.device.id
            total = len(new_rows)

            # Rows are made as the writer takes them (generators): memory stays flat.
            def people_rows() -> Any:
                for k, r in enumerate(new_rows):
                    if k % _STEP == 0:
                        if cancel is not None and cancel.is_set():
                            raise ImportCancelled()
                        report(k / total * 0.6, _("Adding {n:,} of {total:,} people").format(n=k, total=total))
                    if k % _YIELD_EVERY == 0:
                        time.sleep(0)  # a window's thread runs between rows
                    v = r._values
                    assert v is not None
                    (given_names, family_names, preferred, department, programme, pronouns, notes, email,
                     phone, student_id, gender, year, affiliation, family_first, private) = v
                    pu = uuid.uuid4()
                    created_uuids.append(pu)
                    keys = person_keys(given_names, family_names, preferred, email, student_id, family_first)
                    yield (
                        first_id + k, pu, device, first_seq + 2 * k, now, now, plan.chapter_id,
                        given_names, family_names, family_first, preferred, email, keys.email_key, phone,
                        student_id, affiliation, department, programme, year, gender, pronouns, private,
                        notes, keys.search_text, keys.name_key, keys.sort_key,
                    )

            def member_rows() -> Any:
                for k, r in enumerate(new_rows):
                    if k % _STEP == 0:
                        if cancel is not None and cancel.is_set():
                            raise ImportCancelled()
                        report(0.6 + k / total * 0.2, _("Adding memberships: {n:,} of {total:,}").format(
                            n=k, total=total))
                    if k % _YIELD_EVERY == 0:
                        time.sleep(0)
                    yield (uuid.uuid4(), device, first_seq + 2 * k + 1, now, now, plan.chapter_id, first_id + k,
                           r.status or MembershipStatus.ACTIVE, r.joined_on, r.left_on)

            bulk_insert(conn, _people, _PEOPLE_COLS, people_enc.encode_rows(people_rows()))
            bulk_insert(conn, _members, _MEMBER_COLS, member_enc.encode_rows(member_rows()))
        updated = 0
        if duplicates == "update" and dup_rows:
            report(0.85, _("Updating {n:,} people…").format(n=len(dup_rows)))
            previous = _apply_updates(s, plan.chapter_id, dup_rows)
            updated = len(previous)
        skipped = len(dup_rows) if duplicates == "skip" else 0
        if cancel is not None and cancel.is_set():
            raise ImportCancelled()
        entry = AuditEntry(
            uuid=uuid.uuid4(), chapter_id=plan.chapter_id, action=AuditAction.IMPORT, entity=ENTITY,
            summary=f"members imported: {len(created_uuids)} created, {updated} updated",
            details={
                "source": Path(plan.source).suffix.lower() if plan.source else "",
                "created": [u.hex for u in created_uuids],
                "updated": sorted(previous),
                "skipped": skipped,
                "invalid": invalid,
                "undone": False,
            },
        )
        s.add(entry)
        key = undo_key(chapter_uuid)
        s.merge(Setting(key=key, value=json.dumps({"audit": entry.uuid.hex, "previous": previous},
                                                  default=str)))
        s.flush()
        audit_uuid = entry.uuid
    report(1.0, _("Imported"))
    return ImportResult(len(created_uuids), updated, skipped, invalid, audit_uuid)


def _drop_taken(conn: Any, chapter_id: int, rows: list[PlannedRow]) -> None:
    emails = [email_key(r.value("email")) for r in rows if r.value("email")]
    sids = [r.value("student_id") for r in rows if r.value("student_id")]
    taken_e: set[str] = set()
    taken_s: set[str] = set()
    for k in range(0, len(emails), 500):
        taken_e |= set(conn.execute(select(Person.email_key).where(
            Person.chapter_id == chapter_id, Person.email_key.in_(emails[k:k + 500]))).scalars())
    for k in range(0, len(sids), 500):
        taken_s |= set(conn.execute(select(Person.student_id).where(
            Person.chapter_id == chapter_id, Person.student_id.in_(sids[k:k + 500]))).scalars())
    for r in rows:
        if r.value("email") and email_key(r.value("email")) in taken_e:
            r.set_value("email", None)
        if r.value("student_id") in taken_s:
            r.set_value("student_id", None)


def _apply_updates(s: Any, chapter_id: int, rows: list[PlannedRow]) -> dict[str, dict[str, Any]]:
    previous: dict[str, dict[str, Any]] = {}
    from ..derived import refresh_person_derived

    for r in rows:
        person = s.get(Person, r.existing_id)
        if person is None or person.chapter_id != chapter_id:
            continue
        changes = {k: r.values[k] for k in r.given if k in r.values}
        old: dict[str, Any] = {k: _plain(getattr(person, k)) for k in changes}
        for k, v in changes.items():
            setattr(person, k, v)
        membership = s.scalars(select(Membership).where(Membership.person_id == person.id)).first()
        old["_membership"] = (
            None if membership is None
            else {"status": str(membership.status), "joined_on": _plain(membership.joined_on),
                  "left_on": _plain(membership.left_on)}
        )
        if membership is None:
            s.add(Membership(chapter_id=chapter_id, person_id=person.id,
                             status=r.status or MembershipStatus.ACTIVE, joined_on=r.joined_on))
        else:
            if r.status is not None:
                membership.status = r.status
            if r.joined_on is not None:
                membership.joined_on = r.joined_on
            if r.left_on is not None:
                membership.left_on = r.left_on
        refresh_person_derived(person)
        previous[person.uuid.hex] = old
    s.flush()
    return previous


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, str)):
        return value.value
    return str(value) if isinstance(value, (Affiliation, MembershipStatus)) else value


# --------------------------------------------------------------------------- undo


def _last_entry(s: Any, chapter_id: int) -> AuditEntry | None:
    entry = s.scalars(
        select(AuditEntry).where(AuditEntry.chapter_id == chapter_id, AuditEntry.entity == ENTITY)
        .order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    if entry is None or entry.details.get("undone"):
        return None
    return cast(AuditEntry, entry)


def last_import(db: Database, chapter_id: int) -> LastImport | None:
    """The chapter's last import if it can still be undone."""
    with db.read() as s:
        entry = _last_entry(s, chapter_id)
        if entry is None:
            return None
        d = entry.details
        return LastImport(entry.created_at, str(d.get("source", "")), len(d.get("created", [])),
                          len(d.get("updated", [])), entry.uuid)


def _people_with_records(conn: Any, ids: set[int]) -> set[int]:
    """Those of ``ids`` that any table other than the memberships (which an import makes)
    refers to: pledges, attendance, officer terms, forum roles, testimonies…  Found from
    the foreign keys of the model, so a new table is covered without a change here."""
    if not ids:
        return set()
    busy: set[int] = set()
    for table in Person.metadata.sorted_tables:
        if table is _people or table is Membership.__table__:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is _people and fk.column.name == "id":
                busy.update(conn.execute(select(fk.parent).where(fk.parent.in_(sorted(ids))).distinct()).scalars())
    return busy


def undo_last_import(db: Database, chapter_id: int, audit_uuid: uuid.UUID | None = None, *,
                     progress: Progress | None = None, cancel: jobs.CancelSignal | None = None) -> UndoneImport:
    """Take the last import back.

    With ``audit_uuid`` (an :class:`ImportResult`'s), only that import: if another import
    came after it, or it was undone already, nothing changes and :class:`NotFound` says so.
    People the import updated who were deleted since are passed over (deleting them
    removed their previous values too) and counted in ``deleted_since``.
    """
    jobs.check(cancel, ImportCancelled)
    with db.write() as s:
        jobs.check(cancel, ImportCancelled)  # the last moment: past it the undo runs to its end
        entry = _last_entry(s, chapter_id)
        if entry is None or (audit_uuid is not None and entry.uuid != audit_uuid):
            raise NotFound(_("There is no import to undo.") if entry is None else
                           _("Another import came after this one; undo that one first."))
        chapter = s.get(Chapter, chapter_id)
        assert chapter is not None
        setting = s.get(Setting, undo_key(chapter.uuid))
        saved = json.loads(setting.value) if setting is not None else {}
        kept = saved.get("audit") == entry.uuid.hex
        previous: dict[str, dict[str, Any]] = saved.get("previous", {}) if kept else {}
        if entry.details.get("updated") and not kept:
            raise ChapterError(_("The previous values of the people this import updated are no "
                                 "longer kept; it cannot be undone."))
        conn = s.connection()
        created = [uuid.UUID(h) for h in entry.details.get("created", [])]
        removed = kept = 0
        for k in range(0, len(created), 500):
            chunk = created[k:k + 500]
            ids = set(conn.execute(select(_people.c.id).where(
                _people.c.chapter_id == chapter_id, _people.c.uuid.in_(chunk))).scalars())
            # Someone who has signed a pledge, been checked in or taken a role since the
            # import is kept: undoing a spreadsheet never deletes what was recorded after it.
            busy = _people_with_records(conn, ids)
            kept += len(busy)
            if ids - busy:
                removed += conn.execute(delete(_people).where(
                    _people.c.id.in_(sorted(ids - busy)))).rowcount or 0
        db.purge_deleted_text(conn)
        restored = 0
        from ..derived import refresh_person_derived

        for hex_uuid, old in previous.items():
            person = s.scalars(select(Person).where(Person.uuid == uuid.UUID(hex_uuid))).first()
            if person is None:
                continue
            membership_old = old.pop("_membership", None)
            for column, value in old.items():
                if column == "affiliation":
                    value = Affiliation(value)
                setattr(person, column, value)
            refresh_person_derived(person)
            membership = s.scalars(select(Membership).where(Membership.person_id == person.id)).first()
            if membership_old is None and membership is not None:
                s.delete(membership)
            elif membership_old is not None and membership is not None:
                membership.status = MembershipStatus(membership_old["status"])
                joined = membership_old.get("joined_on")
                membership.joined_on = dt.date.fromisoformat(joined) if joined else None
                left = membership_old.get("left_on")
                membership.left_on = dt.date.fromisoformat(left) if left else None
            restored += 1
        entry.details = {**entry.details, "undone": True}
        if setting is not None:
            s.delete(setting)
        audit(s, AuditAction.DELETE, f"import undone: {removed} removed, {restored} restored",
              chapter_id=chapter_id, entity=ENTITY + "-undo", entity_uuid=entry.uuid,
              details={"removed": removed, "restored": restored, "kept": kept})
        s.flush()
        return UndoneImport(removed, restored, max(0, len(entry.details.get("updated", [])) - restored), kept)
