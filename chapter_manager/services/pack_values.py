"""Every value a sign-up pack carries is checked before a merge reads it.

A pack's checksum shows that it was not damaged, not who made it: anyone can edit the
payload and compute the checksum again.  So the rows a merge takes from a pack (the
chapter, events, people, pledges, attendance, devices) pass the same checks as what is
typed at the kiosk or imported from a sheet (``validation.py``, the person, pledge and
event rules), and first, column by column, the storage types of the model (a UUID is 16
bytes, a moment is an ISO date and time, a flag is 0 or 1, a text is text within the
column's length).  A value the app itself would have stored differently (control or
direction-override characters, a line break in a name, an email whose key does not
match it, search keys that do not follow from the name) refuses the whole pack, naming
the table, the row and the field.

The payload is read with plain ``sqlite3`` (read-only), so nothing is converted before it
is checked: a malformed value can never surface as an unexpected exception.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    String,
    Text,
)

from ..errors import ValidationError
from ..i18n import _
from ..models import Base
from ..storage import schema
from ..storage import sqlite as sq
from ..storage.packs import OpenedPack, PackRefused
from ..text import email_key
from ..types import UTCDateTime, UUIDType
from ..validation import check_country, check_text, check_timezone, shorten

# The tables a merge reads from a pack, in the order they are checked.
TABLES = ("chapters", "devices", "events", "people", "pledges", "attendance", "consent_statements")
# A text column without a length in the model (notes, descriptions): no form takes more.
_UNBOUNDED_TEXT = 20_000
_JSON_BYTES = 64 * 1024
_MOMENT_CHARS = 40


class _Bad(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def _refuse(pack: OpenedPack, table: str, row_id: object, column: str, message: str) -> PackRefused:
    return PackRefused(
        _("{name} was refused: row {row} of “{table}”, field “{field}”: {problem} Nothing was "
          "merged; the pack was changed after it was made or made by another program.").format(
            name=pack.path.name, row=row_id, table=table, field=column,
            problem=message.rstrip(".") + ".")
    )


# --------------------------------------------------------------------------- storage types


def _check_type(column: Any, value: object) -> None:
    """The value as this app stores the column's type, or :class:`_Bad`."""
    name, type_ = column.name, column.type
    if value is None:
        if not column.nullable and not column.primary_key:
            raise _Bad(name, _("a value is required"))
        return
    if isinstance(type_, UUIDType):
        if not isinstance(value, bytes) or len(value) != 16:
            raise _Bad(name, _("not an identifier (16 bytes)"))
    elif isinstance(type_, UTCDateTime | DateTime):
        if not isinstance(value, str) or len(value) > _MOMENT_CHARS:
            raise _Bad(name, _("not a date and time"))
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise _Bad(name, _("not a date and time")) from None
        if moment.tzinfo is not None:
            raise _Bad(name, _("not a date and time as stored (UTC, without an offset)"))
    elif isinstance(type_, Date):
        try:
            if not isinstance(value, str) or len(value) > 10:
                raise ValueError(value)
            dt.date.fromisoformat(value)
        except ValueError:
            raise _Bad(name, _("not a date")) from None
    elif isinstance(type_, Boolean):
        if type(value) is not int or value not in (0, 1):
            raise _Bad(name, _("not yes or no"))
    elif isinstance(type_, Enum):
        if not isinstance(value, str) or value not in type_.enums:
            raise _Bad(name, _("not one of the allowed values ({v})").format(v=shorten(str(value), 40)))
    elif isinstance(type_, JSON):
        if not isinstance(value, str) or len(value) > _JSON_BYTES:
            raise _Bad(name, _("not a short list"))
    elif isinstance(type_, LargeBinary):
        if not isinstance(value, bytes) or len(value) > (type_.length or 1 << 16):
            raise _Bad(name, _("not binary data of the right size"))
    elif isinstance(type_, Integer):
        if type(value) is not int:
            raise _Bad(name, _("not a whole number"))
    elif isinstance(type_, Float):
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise _Bad(name, _("not a finite number"))
    elif isinstance(type_, String | Text):
        if not isinstance(value, str):
            raise _Bad(name, _("not text"))
        limit = getattr(type_, "length", None) or _UNBOUNDED_TEXT
        if len(value) > limit:
            raise _Bad(name, _("too long: at most {limit} characters ({n} given)").format(
                limit=limit, n=len(value)))
        if "\x00" in value:
            raise _Bad(name, _("it holds a NUL character"))


# --------------------------------------------------------------------------- rules of the forms


def _same(name: str, stored: object, checked: object) -> None:
    """What the form's check makes of the value must be the value itself."""
    if (stored or None) != (checked or None):
        raise _Bad(name, _("it holds characters or spacing that a sign-up cannot store"))


def _problem(error: ValidationError) -> _Bad:
    field, message = next(iter(error.fields.items()))
    return _Bad(field, message)


def _check_chapter(row: dict[str, Any]) -> None:
    table = Base.metadata.tables["chapters"]
    try:
        _same("name", row["name"], check_text(row["name"], "name", _("Name"), table=table, required=True))
        _same("country", row["country"], check_country(row["country"]))
        _same("timezone", row["timezone"], check_timezone(row["timezone"]))
    except ValidationError as error:
        raise _problem(error) from None


def _check_device(row: dict[str, Any]) -> None:
    try:
        _same("name", row["name"], check_text(row["name"], "name", _("Name"), limit=200))
    except ValidationError as error:
        raise _problem(error) from None
    if row["last_seq"] < 0:
        raise _Bad("last_seq", _("a negative sequence number"))


def _check_event(row: dict[str, Any]) -> None:
    from .events import MAX_PARTNERS, check_url

    table = Base.metadata.tables["events"]
    try:
        _same("title", row["title"], check_text(row["title"], "title", _("Title"), table=table, required=True))
        _same("venue", row["venue"], check_text(row["venue"], "venue", _("Venue"), table=table))
        _same("online_url", row["online_url"], check_url(row["online_url"]))
        _same("description", row["description"], check_text(
            row["description"], "description", _("Description"), limit=20_000, multiline=True))
        _same("timezone", row["timezone"], check_timezone(row["timezone"]))
    except ValidationError as error:
        raise _problem(error) from None
    if row["partners"] is not None:
        partners = _json(row["partners"], "partners")
        if not isinstance(partners, list) or len(partners) > MAX_PARTNERS:
            raise _Bad("partners", _("not a list of at most {n} partners").format(n=MAX_PARTNERS))
        for entry in partners:
            if not isinstance(entry, str):
                raise _Bad("partners", _("not a list of names"))
            try:
                _same("partners", entry, check_text(entry, "partners", _("Partner"), limit=200))
            except ValidationError as error:
                raise _problem(error) from None


def _json(text: str, name: str) -> object:
    depth = max_depth = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            max_depth = max(max_depth, depth)
        elif ch in "]}":
            depth -= 1
    if max_depth > 2:
        raise _Bad(name, _("nested too deeply"))
    try:
        return json.loads(text, parse_constant=_no_constant)
    except ValueError:
        raise _Bad(name, _("not readable")) from None


def _no_constant(name: str) -> object:
    raise ValueError(name)


def _check_person(row: dict[str, Any], country: str) -> None:
    from ..derived import person_keys
    from .people import PersonData, _validated

    data = PersonData(**{k: row[k] for k in (
        "given_names", "family_names", "family_name_first", "preferred_name", "email", "phone",
        "student_id", "affiliation", "department", "programme", "year_of_study", "gender",
        "pronouns", "do_not_disclose", "notes")})
    try:
        checked = _validated(data, country)
    except ValidationError as error:
        raise _problem(error) from None
    for name, value in checked.items():
        stored = row[name]
        if name == "affiliation":
            value = getattr(value, "value", value)
        if name in ("family_name_first", "do_not_disclose"):
            stored = bool(stored)
        _same(name, stored, value)
    if (row["email_key"] or None) != email_key(row["email"]):
        raise _Bad("email_key", _("it does not match the email address"))
    keys = person_keys(row["given_names"], row["family_names"], row["preferred_name"], row["email"],
                       row["student_id"], bool(row["family_name_first"]))
    for name in ("search_text", "name_key", "sort_key"):
        if row[name] != getattr(keys, name):
            raise _Bad(name, _("it does not follow from the name, email and student id"))


def _check_pledge(row: dict[str, Any]) -> None:
    from .pledges import PledgeData, _pledge_values

    if not -18 * 60 <= row["utc_offset_minutes"] <= 18 * 60:
        raise _Bad("utc_offset_minutes", _("The signing time's UTC offset must be within ±18 hours."))
    signed = dt.datetime.fromisoformat(row["signed_at"]).replace(tzinfo=dt.UTC)
    data = PledgeData(
        signed_at=signed.astimezone(dt.timezone(dt.timedelta(minutes=row["utc_offset_minutes"]))),
        commitment_version=row["commitment_version"], personal_commitment=row["personal_commitment"],
        may_contact=bool(row["may_contact"]), may_publish_name=bool(row["may_publish_name"]),
        consent_version=row["consent_version"], source=row["source"],
    )
    try:
        checked = _pledge_values(data)
    except ValidationError as error:
        raise _problem(error) from None
    for name in ("commitment_version", "personal_commitment", "consent_version"):
        _same(name, row[name], checked[name])


def _check_statement(row: dict[str, Any]) -> None:
    table = Base.metadata.tables["consent_statements"]
    try:
        _same("notice_version", row["notice_version"],
              check_text(row["notice_version"], "notice_version", _("Notice version"), table=table))
    except ValidationError as error:
        raise _problem(error) from None


# --------------------------------------------------------------------------- the pack


def _rows(conn: sqlite3.Connection, table: str) -> Iterator[dict[str, Any]]:
    cursor = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")  # fixed names
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


def check_pack_values(pack: OpenedPack) -> None:
    """Refuse the pack (:class:`PackRefused`, table, row and field named) unless every value
    a merge takes from it is one this app could have stored from a form."""
    conn = sq.raw_connect(pack.payload, readonly=True)
    conn.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version < schema.SCHEMA_VERSION:
            # The merge reads a pack with this version's tables; an older payload lacks columns.
            raise PackRefused(_(
                "{name} was made by an older version of Chapter Manager (schema {v}); update the "
                "laptop it came from and make the pack again.").format(name=pack.path.name, v=version))
        countries: dict[int, str] = {}
        for table_name in TABLES:
            table = Base.metadata.tables[table_name]
            rule: Callable[[dict[str, Any]], None] | None = {
                "chapters": _check_chapter, "devices": _check_device, "events": _check_event,
                "pledges": _check_pledge, "consent_statements": _check_statement,
            }.get(table_name)
            if conn.execute("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?",
                            (table_name,)).fetchone() is None:
                raise PackRefused(_(
                    "{name} was refused: it has no “{table}” table, which every pack of this "
                    "version has; nothing was merged. The pack was changed after it was made or "
                    "made by another program.").format(name=pack.path.name, table=table_name))
            for row in _rows(conn, table_name):
                row_id = row.get("id", "?")
                if isinstance(row_id, bytes):
                    row_id = row_id.hex()
                try:
                    for column in table.columns:
                        if column.name not in row:
                            raise _Bad(column.name, _("the column is missing"))
                        _check_type(column, row[column.name])
                    if table_name == "people":
                        _check_person(row, countries.get(row["chapter_id"], ""))
                    elif rule is not None:
                        rule(row)
                except _Bad as bad:
                    raise _refuse(pack, table_name, row_id, bad.column, bad.message) from None
                if table_name == "chapters":
                    countries[row["id"]] = row["country"]
    except sqlite3.Error as error:
        raise PackRefused(_("{name} was refused: its sign-ups cannot be read ({err}); nothing was "
                            "merged.").format(name=pack.path.name, err=error)) from error
    finally:
        conn.close()


__all__ = ["TABLES", "check_pack_values"]
