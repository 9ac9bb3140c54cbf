"""Packs edited by an attacker, their checksum computed again: refused, row named, nothing changed.

Each pack is made by a real kiosk database, then its payload (a SQLite file) or its header
is edited and the checksum recomputed (``merging.forge_pack``).
"""

from __future__ import annotations

import sqlite3

import pytest
from merging import FAIR_DAY, copy_db, forge_pack, laptop, make_main, pack_of, signup, state
from sqlalchemy import select

from chapter_manager.models import Chapter, MergeBatch
from chapter_manager.services import kiosk_database, merge, pack_export
from chapter_manager.storage.packs import MAGIC, PackRefused


@pytest.fixture
def main(tmp_path):
    db = make_main(tmp_path / "main.db")
    yield db
    db.close()


@pytest.fixture
def kiosk(main, tmp_path):
    kiosk_database.export_for_kiosk(main, tmp_path / "template.db", 1)
    db = copy_db(tmp_path / "template.db", tmp_path / "kiosk.db", laptop(1))
    yield db
    db.close()


@pytest.fixture
def pack(kiosk, tmp_path):
    signup(kiosk, given="Ana", family="López", email="ana@x.org", student_id="123")
    signup(kiosk, given="Li", family="Wei", email="li@x.org", when=FAIR_DAY.replace(minute=5))
    return pack_of(kiosk, tmp_path / "good.cmpack")


def _merges_batches(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return len(s.execute(select(MergeBatch.id)).all())


def _refused(main, bad, *needles: str) -> str:  # type: ignore[no-untyped-def]
    before, size = state(main), main.path.stat().st_size
    with pytest.raises(PackRefused) as caught:
        merge.merge_packs(main, [bad])
    message = str(caught.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    assert state(main) == before and _merges_batches(main) == 0
    assert main.path.stat().st_size <= size + 64 * 1024  # nothing of the pack landed
    return message


PERSON = "UPDATE people SET {col} = ? WHERE email_key = 'ana@x.org'"


@pytest.mark.parametrize(("name", "statements", "needles"), [
    ("long-name", [(PERSON.format(col="given_names"), ("A" * 1_000_000,))],
     ["people", "given_names", "too long"]),
    ("nul", [(PERSON.format(col="family_names"), ("Ló\x00pez",))], ["people", "family_names"]),
    ("bidi-newline", [(PERSON.format(col="given_names"), ("Ana\u202e\nEvil",))],
     ["people", "given_names", "cannot store"]),
    ("bad-email", [(PERSON.format(col="email"), ("not an email",)),
                   (PERSON.replace("email_key = 'ana@x.org'", "student_id = '123'")
                    .format(col="email_key"), ("victim@x.org",))], ["people", "email"]),
    ("mismatched-key", [(PERSON.format(col="email_key"), ("victim@x.org",))], ["people", "email_key"]),
    ("search-keys", [(PERSON.format(col="search_text"), ("someone else",))], ["people", "search_text"]),
    ("commitment", [("UPDATE pledges SET personal_commitment = ?", ("x" * 5_000_000,))],
     ["pledges", "personal_commitment", "too long"]),
    ("created-at", [("UPDATE pledges SET created_at = ?", ("yesterday",))],
     ["pledges", "created_at", "date and time"]),
    ("uuid", [(PERSON.format(col="uuid"), (b"short",))], ["people", "uuid"]),
    ("flag", [("UPDATE pledges SET may_contact = 7", ())], ["pledges", "may_contact"]),
    ("source", [("UPDATE pledges SET source = 'invented'", ())], ["pledges", "source"]),
    ("event-title", [("UPDATE events SET title = ?", ("T" * 300,))], ["events", "title"]),
    ("partners", [("UPDATE events SET partners = ?", ("[" * 5000 + "]" * 5000,))], ["events", "partners"]),
    ("chapter-name", [("UPDATE chapters SET name = ?", ("\u202eHeForShe",))], ["chapters", "name"]),
    ("offset", [("PRAGMA ignore_check_constraints = ON", ()),
                ("UPDATE pledges SET utc_offset_minutes = 99999", ())], ["pledges", "utc_offset_minutes"]),
])
def test_an_edited_pack_with_a_recomputed_checksum_is_refused_naming_the_row(
        main, pack, tmp_path, name, statements, needles):
    bad = forge_pack(pack, tmp_path / f"{name}.cmpack", *statements)
    message = _refused(main, bad, *needles)
    assert "row" in message and "checksum" not in message


def test_an_unedited_forged_pack_still_merges(main, pack, tmp_path):
    """The forging itself (re-VACUUM, new checksum) is not what refuses the packs above."""
    same = forge_pack(pack, tmp_path / "same.cmpack", ("SELECT 1", ()))
    summary = merge.merge_packs(main, [same])
    assert summary.new_people == 2


@pytest.mark.parametrize(("header", "needles"), [
    ({"payload_bytes": float("inf")}, ["payload_bytes", "finite"]),
    ({"payload_bytes": 10**400}, ["payload_bytes"]),
    ({"schema": "4"}, ["schema", "whole number"]),
    ({"format": True}, ["format", "not a plain value"]),
    ({"device_id": 5}, ["device_id"]),
    ({"device_id": "not-a-uuid"}, ["device_id", "identifier"]),
    ({"made_at": "yesterday"}, ["made_at", "date and time"]),
    ({"made_at": "2026-03-10T15:00:00"}, ["made_at", "UTC offset"]),
    ({"since": "tomorrow"}, ["since", "date"]),
    ({"event_uuid": ["x"]}, ["nested"]),
    ({"event_uuid": 12}, ["event_uuid"]),
    ({"device_name": "x" * 5000}, ["device_name"]),
])
def test_crafted_headers_are_refused_with_their_real_reason(main, pack, tmp_path, header, needles):
    bad = forge_pack(pack, tmp_path / "bad.cmpack", header=header)
    message = _refused(main, bad, *needles)
    assert "checksum" not in message and "Unexpected" not in message


def _with_header_line(pack, dst, line: bytes):  # type: ignore[no-untyped-def]
    payload = pack.read_bytes()[len(MAGIC):].split(b"\n", 1)[1]
    dst.write_bytes(MAGIC + line + b"\n" + payload)
    return dst


@pytest.mark.parametrize(("line", "needle"), [
    (b'{"format": 1, "deep": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", "nested"),
    (b'{"format": NaN}', "finite"),
    (b'{"format": -Infinity}', "finite"),
    (b"[1, 2, 3]", "cannot be read"),
    (b'{"format": 1,', "cannot be read"),
])
def test_hostile_header_json_is_refused_in_one_line(main, pack, tmp_path, line, needle):
    _refused(main, _with_header_line(pack, tmp_path / "bad.cmpack", line), needle)


def test_a_matching_checksum_over_an_unreadable_payload_says_so(main, pack, tmp_path):
    raw = pack.read_bytes()[len(MAGIC):]
    payload = raw.split(b"\n", 1)[1]
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(payload[:100] + bytes(len(payload) - 100))
    bad = forge_pack(pack, tmp_path / "bad.cmpack")
    # Replace the payload by garbage, checksum recomputed over it.
    import hashlib
    import json

    fields = json.loads(bad.read_bytes()[len(MAGIC):].split(b"\n", 1)[0])
    junk = garbage.read_bytes()
    fields.pop("sha256")
    fields["payload_bytes"] = len(junk)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    fields["sha256"] = hashlib.sha256(canonical + junk).hexdigest()
    bad.write_bytes(MAGIC + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode() + b"\n" + junk)
    message = _refused(main, bad, "checksum matches", "not a readable database")
    assert "does not match" not in message


# --------------------------------------------------------------------------- the privacy salt


def test_kiosk_databases_and_packs_do_not_carry_the_privacy_salt(main, kiosk, pack, tmp_path):
    with main.read() as s:
        salt = s.get(Chapter, 1).privacy_salt
    assert salt != bytes(32)
    assert salt not in (tmp_path / "template.db").read_bytes()
    assert salt not in pack.read_bytes()
    # A pack of the main database itself does not carry it either.
    signup(main, given="Eva", family="Ruiz", email="eva@x.org")
    own = pack_export.export_pack(main, tmp_path / "main.cmpack").path
    assert salt not in own.read_bytes()
    payload = tmp_path / "payload.db"
    payload.write_bytes(own.read_bytes()[len(MAGIC):].split(b"\n", 1)[1])
    conn = sqlite3.connect(payload)
    assert conn.execute("SELECT privacy_salt FROM chapters").fetchall() == [(bytes(32),)]
    conn.close()


def test_a_merge_never_takes_the_salt_from_a_pack(main, pack, tmp_path):
    with main.read() as s:
        salt = s.get(Chapter, 1).privacy_salt
    forged = forge_pack(pack, tmp_path / "salted.cmpack",
                        ("UPDATE chapters SET privacy_salt = ?", (b"\x01" * 32,)))
    merge.merge_packs(main, [forged])
    with main.read() as s:
        assert s.get(Chapter, 1).privacy_salt == salt


def test_a_blank_laptops_pack_does_not_carry_its_salt(tmp_path):
    from chapter_manager.services import kiosk as kiosk_core
    from chapter_manager.storage import open_database

    blank = open_database(tmp_path / "blank.db", device=laptop(2))
    try:
        event_id = kiosk_core.start_here(blank, kiosk_core.KioskStart(
            event_title="Feria", chapter_name="HeForShe UNAM", timezone="America/Mexico_City"))
        chapter_id = kiosk_core.kiosk_chapter_id(blank)
        assert chapter_id == 1
        signup(blank, event_id=event_id)
        with blank.read() as s:
            salt = s.execute(select(Chapter.privacy_salt)).scalar_one()
        made = pack_of(blank, tmp_path / "blank.cmpack")
        assert salt not in made.read_bytes()
    finally:
        blank.close()


def test_a_pack_of_an_older_schema_is_refused_with_the_reason(main, pack, tmp_path):
    from chapter_manager.storage.schema import SCHEMA_VERSION

    older = forge_pack(pack, tmp_path / "older.cmpack",
                       (f"PRAGMA user_version = {SCHEMA_VERSION - 1}", ()),
                       header={"schema": SCHEMA_VERSION - 1})
    _refused(main, older, "older version", f"schema {SCHEMA_VERSION - 1}")
