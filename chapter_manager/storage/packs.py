"""Sign-up packs: the file a laptop's sign-ups travel in to be merged elsewhere.

A pack is one file::

    CHAPTER-MANAGER-PACK\\n
    {"format": 1, "device_id": ..., "payload_bytes": ..., ..., "sha256": ...}\\n
    <payload: a self-contained SQLite chapter database>

The payload is made with the SQLite backup API from the live database (safe while the
app or a kiosk keeps writing: WAL snapshot), then everything that is not a sign-up is
deleted from the copy (forums, memberships, officers, the audit log, merge history,
people with neither a pledge nor an attendance; with ``--event`` or ``--since``, the
other sign-ups too; consent statements of people not carried: those of the people it
carries all travel), personal columns outside people and pledges (the chapter's
advisor) are blanked, the search index is rebuilt from the people left, and the copy is
``VACUUM``-ed, so nothing deleted survives in free pages or index segments.  ``sha256`` covers the header's other fields and the payload: a pack cut short in
copying, damaged, or changed after it was made is refused.  The checksum guards against
accidents and casual edits; it is not a signature.

Opening a pack (:func:`open_pack`) checks, before anything reads it: the first line, the
header, the size, the checksum, then the payload itself (SQLite header, the chapter
database's ``application_id``, a schema this version can read, ``integrity_check``).
Each refusal is a :class:`PackRefused` whose text says what is wrong in plain words.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from .. import jobs
from ..errors import ChapterError
from ..i18n import _
from ..paths import open_private, private_folder
from ..types import utcnow
from . import schema
from . import sqlite as sq

MAGIC = b"CHAPTER-MANAGER-PACK\n"
FORMAT = 1
# A header is a few hundred bytes; anything longer is not one of ours.
MAX_HEADER_BYTES = 64 * 1024
# Tables whose personal columns are the sign-ups a pack carries; elsewhere they are blanked.
SIGN_UP_TABLES = ("people", "pledges")
# What kiosk databases and packs hold instead of the chapter's privacy salt (NOT NULL).
BLANK_SALT = bytes(32)
# The suffix the app offers for packs.
SUFFIX = ".cmpack"


class PackRefused(ChapterError):
    """A pack that cannot be merged; the text says why.  Nothing was changed."""


@dataclass(frozen=True)
class PackHeader:
    format: int
    device_id: uuid.UUID
    device_name: str
    database_id: str
    made_at: dt.datetime
    schema: int
    payload_bytes: int
    event_uuid: uuid.UUID | None
    since: dt.date | None
    sha256: str


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


# --------------------------------------------------------------------------- writing


def _filter_payload(conn: sqlite3.Connection, *, chapter_id: int | None, event_id: int | None,
                    since: dt.date | None) -> None:
    """Leave only sign-ups (people, their pledges and attendance, those events) in a copy."""
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("BEGIN")
    if chapter_id is not None:
        conn.execute("DELETE FROM chapters WHERE id <> ?", (chapter_id,))
    for table in ("forum_sessions", "memberships", "officer_terms", "audit_log", "goals",
                  "academic_terms", "merge_batches", "merge_reviews", "person_aliases",
                  "event_aliases", "tombstones"):
        conn.execute(f"DELETE FROM {table}")  # fixed names
    # Facts about the file stay; anything else (a kiosk's hashed exit PIN) does not travel.
    conn.execute("DELETE FROM settings WHERE key NOT IN ('database_id', 'created_by_version')")
    if event_id is not None:
        conn.execute("DELETE FROM pledges WHERE event_id IS NULL OR event_id <> ?", (event_id,))
        conn.execute("DELETE FROM attendance WHERE event_id <> ?", (event_id,))
    if since is not None:
        # UTC timestamps are stored as ISO text: text order is time order.
        stamp = since.isoformat()
        conn.execute("DELETE FROM pledges WHERE created_at < ?", (stamp,))
        conn.execute("DELETE FROM attendance WHERE created_at < ?", (stamp,))
    conn.execute(
        "DELETE FROM people WHERE id NOT IN (SELECT person_id FROM pledges) "
        "AND id NOT IN (SELECT person_id FROM attendance)"
    )
    # The consent statements of the people it carries travel with them (a withdrawal made
    # on this laptop included); others' do not.
    conn.execute("DELETE FROM consent_statements WHERE person_id NOT IN (SELECT id FROM people)")
    conn.execute(
        "DELETE FROM events WHERE id NOT IN (SELECT event_id FROM attendance) "
        "AND id NOT IN (SELECT event_id FROM pledges WHERE event_id IS NOT NULL)"
        + (" AND id <> ?" if event_id is not None else ""),
        (event_id,) if event_id is not None else (),
    )
    # The chapter's privacy salt keys the hashes of erased people: it never travels (a
    # merge never takes it from a pack either).
    conn.execute("UPDATE chapters SET privacy_salt = ?", (BLANK_SALT,))
    # Personal data beyond the sign-ups themselves (the chapter's advisor) stays home.
    from ..models import Base
    from ..privacy import personal_columns

    for table, columns in personal_columns().items():
        if table in SIGN_UP_TABLES:
            continue
        for column in columns:
            blank = "NULL" if Base.metadata.tables[table].c[column].nullable else "''"
            conn.execute(f"UPDATE {table} SET {column} = {blank}")  # model names
    # The search index keeps the words of deleted rows in its segments until it is
    # rebuilt: rebuild it from the people left, so no one else's name travels.
    if conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (sq.FTS_TABLE,)
    ).fetchone():
        conn.execute(f"INSERT INTO {sq.FTS_TABLE}({sq.FTS_TABLE}) VALUES ('rebuild')")
    conn.execute("COMMIT")
    conn.execute("VACUUM")


def _payload_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        for table in ("people", "pledges", "attendance", "events", "consent_statements")
    }


@dataclass(frozen=True)
class WrittenPack:
    path: Path
    header: PackHeader
    counts: dict[str, int]


def write_pack(
    source: sqlite3.Connection,
    out: Path,
    *,
    device_id: uuid.UUID,
    device_name: str,
    chapter_id: int | None = None,
    event_id: int | None = None,
    event_uuid: uuid.UUID | None = None,
    since: dt.date | None = None,
    progress: jobs.Progress | None = None,
    cancel: jobs.CancelSignal | None = None,
) -> WrittenPack:
    """Write a sign-up pack of the live database ``source`` to ``out`` (atomically).

    ``progress``/``cancel`` follow :mod:`chapter_manager.jobs`; a cancel leaves no file."""
    job = jobs.as_job(progress, cancel)
    out = Path(out).expanduser().absolute()
    if out.is_dir():
        raise PackRefused(_("{path} is a folder; give the pack a file name.").format(path=out))
    with tempfile.TemporaryDirectory(prefix="cm-pack-") as tmp:
        payload = Path(tmp) / "payload.db"
        try:
            job.progress(0.0, _("Copying the sign-ups…"))
            sq.backup_into(source, payload)
            job.check()
            conn = sqlite3.connect(str(payload), isolation_level=None)
            try:
                job.progress(0.4, _("Leaving out everything but sign-ups…"))
                _filter_payload(conn, chapter_id=chapter_id, event_id=event_id, since=since)
                job.check()
                job.progress(0.8, _("Checking the pack…"))
                problems = sq.integrity_problems(conn)
                if problems:
                    raise PackRefused(
                        _("The pack could not be verified ({problem}); the database may be "
                          "damaged (try 'chapter-manager check').").format(problem=problems[0])
                    )
                counts = _payload_counts(conn)
                database_id = conn.execute(
                    "SELECT value FROM settings WHERE key = 'database_id'"
                ).fetchone()
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            finally:
                conn.close()
        except sqlite3.Error as error:
            raise PackRefused(_("The pack could not be made: {err}").format(err=error)) from error
        size = payload.stat().st_size
        fields: dict[str, Any] = {
            "format": FORMAT,
            "device_id": str(device_id),
            "device_name": device_name,
            "database_id": database_id[0] if database_id else "",
            "made_at": utcnow().isoformat(),
            "schema": version,
            "payload_bytes": size,
            "event_uuid": str(event_uuid) if event_uuid else None,
            "since": since.isoformat() if since else None,
        }
        digest = hashlib.sha256(_canonical(fields))
        with payload.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        fields["sha256"] = digest.hexdigest()
        job.check()
        partial = out.with_name(out.name + ".partial")
        try:
            private_folder(out.parent)
            partial.unlink(missing_ok=True)
            with open_private(partial, "wb") as dst, payload.open("rb") as src:
                dst.write(MAGIC)
                dst.write(_canonical(fields) + b"\n")
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(partial, out)
        except OSError as error:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise PackRefused(
                _("The pack could not be written to {path}: {err}").format(
                    path=out, err=error.strerror or error
                )
            ) from error
    return WrittenPack(out, _header_from(fields, out), counts)


# --------------------------------------------------------------------------- reading


class _BadField(ValueError):
    def __init__(self, field: str, what: str):
        super().__init__(field)
        self.field = field
        self.what = what


def _text_field(fields: dict[str, Any], name: str, *, required: bool = False, limit: int = 200) -> str | None:
    value = fields.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value and required or len(value) > limit:
        raise _BadField(name, _("a text of at most {n} characters").format(n=limit))
    if any(not ch.isprintable() for ch in value):
        raise _BadField(name, _("printable text"))
    return value


def _int_field(fields: dict[str, Any], name: str, low: int, high: int) -> int:
    value = fields.get(name)
    # bool is an int in Python; JSON's true is not a number here.
    if type(value) is not int or not low <= value <= high:
        raise _BadField(name, _("a whole number from {low} to {high}").format(low=low, high=high))
    return value


def _uuid_field(fields: dict[str, Any], name: str, *, required: bool) -> uuid.UUID | None:
    value = _text_field(fields, name, required=required, limit=36)
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _BadField(name, _("an identifier")) from None


# The largest payload a pack may announce (far above a chapter's sign-ups).
MAX_PAYLOAD_BYTES = 1 << 40


def _header_from(fields: dict[str, Any], path: Path) -> PackHeader:
    """The header's fields, each checked for its type and range (explicitly: a crafted
    header must give a clear refusal, never an overflow or a type error)."""
    try:
        made_text = _text_field(fields, "made_at", required=True, limit=40)
        try:
            made_at = dt.datetime.fromisoformat(made_text or "")
        except ValueError:
            raise _BadField("made_at", _("a date and time")) from None
        if made_at.tzinfo is None:
            raise _BadField("made_at", _("a date and time with its UTC offset"))
        since_text = _text_field(fields, "since", limit=10)
        try:
            since = dt.date.fromisoformat(since_text) if since_text else None
        except ValueError:
            raise _BadField("since", _("a date")) from None
        sha = _text_field(fields, "sha256", required=True, limit=64)
        if sha is None or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise _BadField("sha256", _("a SHA-256 checksum (64 hexadecimal digits)"))
        device_id = _uuid_field(fields, "device_id", required=True)
        assert device_id is not None
        return PackHeader(
            format=_int_field(fields, "format", 1, 1_000_000),
            device_id=device_id,
            device_name=_text_field(fields, "device_name") or "",
            database_id=_text_field(fields, "database_id", limit=100) or "",
            made_at=made_at,
            schema=_int_field(fields, "schema", 1, 1_000_000),
            payload_bytes=_int_field(fields, "payload_bytes", 0, MAX_PAYLOAD_BYTES),
            event_uuid=_uuid_field(fields, "event_uuid", required=False),
            since=since,
            sha256=sha,
        )
    except _BadField as bad:
        raise PackRefused(
            _("{name} is damaged: its description's “{field}” is not {what}; nothing was "
              "merged.").format(name=path.name, field=bad.field, what=bad.what)
        ) from None


def _parse_header(line: bytes, path: Path) -> dict[str, Any]:
    """The header line as a flat JSON object of strings, whole numbers and nulls."""
    unreadable = PackRefused(
        _("{name} is damaged: its description cannot be read.").format(name=path.name))
    # A header is one flat object: refuse nesting before the parser could recurse on it.
    depth = 0
    in_string = escaped = False
    for byte in line:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > 1:
                raise PackRefused(_("{name} is damaged: its description is nested, which no pack's "
                                    "is; nothing was merged.").format(name=path.name))
        elif byte in (0x5D, 0x7D):
            depth -= 1

    try:
        # NaN and Infinity are not JSON; read them (and 1e400) as numbers to name them below.
        fields = json.loads(line, parse_constant=float)
    except (ValueError, RecursionError):
        raise unreadable from None
    if not isinstance(fields, dict):
        raise unreadable
    for key, value in fields.items():
        field = str(key)[:40]
        if value is not None and type(value) not in (str, int, float):
            raise PackRefused(
                _("{name} is damaged: its description's “{field}” is not a plain value; nothing "
                  "was merged.").format(name=path.name, field=field))
        if type(value) is float and not math.isfinite(value) or type(value) is int and abs(value) > 1 << 62:
            raise PackRefused(
                _("{name} is damaged: its description's “{field}” is not a finite number in range; "
                  "nothing was merged.").format(name=path.name, field=field))
    return fields


@dataclass
class OpenedPack:
    """A verified pack, its payload unpacked to a private temporary file."""

    path: Path
    header: PackHeader
    payload: Path
    engine: Engine


def _refuse_damaged(path: Path) -> PackRefused:
    return PackRefused(
        _("{name} is damaged or was changed after it was made (its checksum does not match); "
          "nothing was merged. Make the pack again on the other laptop.").format(name=path.name)
    )


@contextlib.contextmanager
def open_pack(path: Path) -> Iterator[OpenedPack]:
    """Check a pack and give read access to its payload; refuse it with :class:`PackRefused`."""
    path = Path(path).expanduser().absolute()
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise PackRefused(_("There is no file at {path}.").format(path=path)) from None
    except IsADirectoryError:
        raise PackRefused(_("{path} is a folder, not a sign-up pack.").format(path=path)) from None
    except OSError as error:
        raise PackRefused(
            _("{path} could not be read: {err}").format(path=path, err=error.strerror)
        ) from error
    with tempfile.TemporaryDirectory(prefix="cm-merge-") as tmp, fh:
        if fh.read(len(MAGIC)) != MAGIC:
            fh.seek(0)
            if sq.looks_like_sqlite_bytes(fh.read(100)):
                raise PackRefused(
                    _("{name} is a database file, not a sign-up pack. Make a pack of it first: "
                      "chapter-manager --db {name} pack export --out FILE").format(name=path.name)
                )
            raise PackRefused(_("{name} is not a sign-up pack.").format(name=path.name))
        line = fh.readline(MAX_HEADER_BYTES)
        if not line.endswith(b"\n"):
            raise PackRefused(
                _("{name} is incomplete or damaged: its description is cut off.").format(name=path.name)
            )
        fields = _parse_header(line, path)
        header = _header_from(fields, path)
        if header.format > FORMAT:
            raise PackRefused(
                _("{name} was made by a newer version of Chapter Manager; update this one to "
                  "merge it.").format(name=path.name)
            )
        unsigned = {k: v for k, v in fields.items() if k != "sha256"}
        digest = hashlib.sha256(_canonical(unsigned))
        payload = Path(tmp) / "payload.db"
        written = 0
        with payload.open("wb") as out:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
                written += len(block)
        if written < header.payload_bytes:
            raise PackRefused(
                _("{name} is incomplete: it ends after {got:,} of its {want:,} bytes (was the copy "
                  "interrupted?); nothing was merged. Copy it again.").format(
                    name=path.name, got=written, want=header.payload_bytes)
            )
        if written > header.payload_bytes:
            raise PackRefused(
                _("{name} is damaged: it holds {got:,} bytes after its description, which says "
                  "{want:,}; nothing was merged. Make the pack again on the other laptop.").format(
                    name=path.name, got=written, want=header.payload_bytes)
            )
        if digest.hexdigest() != header.sha256:
            raise _refuse_damaged(path)
        if header.schema > schema.SCHEMA_VERSION:
            raise PackRefused(
                _("{name} was made by a newer version of Chapter Manager (schema {v}); update "
                  "this one to merge it.").format(name=path.name, v=header.schema)
            )
        _check_payload(payload, path)
        engine = create_engine(
            f"sqlite:///file:{payload}?mode=ro&uri=true", connect_args={"check_same_thread": False}
        )
        try:
            yield OpenedPack(path, header, payload, engine)
        finally:
            engine.dispose()


def _refuse_unreadable(path: Path, why: str) -> PackRefused:
    return PackRefused(
        _("{name} is damaged: its checksum matches, but its contents are not a readable "
          "database ({why}); nothing was merged. Make the pack again on the other laptop.").format(
            name=path.name, why=why)
    )


def _check_payload(payload: Path, path: Path) -> None:
    if not sq.looks_like_sqlite(payload):
        raise _refuse_unreadable(path, _("not an SQLite database"))
    try:
        conn = sq.raw_connect(payload, readonly=True)
    except sqlite3.Error as error:
        raise _refuse_unreadable(path, str(error)) from error
    try:
        app_id, version, _tables = sq.file_facts(conn)
        if app_id != sq.APPLICATION_ID:
            raise PackRefused(
                _("{name} does not hold Chapter Manager data.").format(name=path.name)
            )
        if not 1 <= version <= schema.SCHEMA_VERSION:
            raise PackRefused(
                _("{name} holds data of schema {v}, which this version cannot read.").format(
                    name=path.name, v=version)
            )
        problems = sq.integrity_problems(conn)
        if problems:
            raise _refuse_unreadable(path, str(problems[0])[:200])
    except sqlite3.DatabaseError as error:
        raise _refuse_unreadable(path, str(error)) from error
    finally:
        conn.close()
