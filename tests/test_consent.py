"""Consent means what the person said: statements, their history, and merging them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3

import pytest
from merging import FAIR_DAY, MAIN_DEVICE, copy_db, laptop, make_main, pack_of, signup
from sqlalchemy import func, select

from chapter_manager.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main
from chapter_manager.errors import NotFound, ValidationError
from chapter_manager.models import ConsentPurpose, ConsentStatement, Person, Pledge
from chapter_manager.services import consent, kiosk_database, merge, merge_reviews, merge_undo
from chapter_manager.services.pledges import PledgeData, record_pledge
from chapter_manager.storage import open_database
from chapter_manager.storage import packs as packfile
from chapter_manager.storage.packs import PackRefused

CAROLINA = {"given": "Carolina", "family": "Méndez", "email": "carolina@unam.mx"}


@pytest.fixture
def main_db(tmp_path):
    db = make_main(tmp_path / "main.db")
    yield db
    db.close()


@pytest.fixture
def kiosks(main_db, tmp_path):
    template = tmp_path / "kiosk-template.db"
    kiosk_database.export_for_kiosk(main_db, template, 1)
    made = [copy_db(template, tmp_path / f"kiosk{n}.db", laptop(n)) for n in (1, 2)]
    yield made
    for k in made:
        k.close()


def copy_of(db, path):  # type: ignore[no-untyped-def]
    db.backup(to=path)
    return open_database(path, device=MAIN_DEVICE)


def pledge_consent(db, email: str) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        row = s.execute(select(Pledge.may_contact, Pledge.may_publish_name)
                        .join(Person, Person.id == Pledge.person_id).where(Person.email_key == email)).one()
    return bool(row[0]), bool(row[1])


def person_id(db, email: str) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return int(s.execute(select(Person.id).where(Person.email_key == email)).scalar_one())


def statements(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(ConsentStatement)) or 0)


# --------------------------------------------------------------------------- merging


def test_ticked_on_one_laptop_unticked_on_the_other_keeps_both_consents(main_db, kiosks, tmp_path):
    """Carolina ticked both boxes on laptop 1 and signed again on laptop 2, boxes unticked."""
    signup(kiosks[0], **CAROLINA, when=FAIR_DAY, contact=True, publish=True)
    signup(kiosks[1], **CAROLINA, when=FAIR_DAY + dt.timedelta(minutes=20))
    one, two = pack_of(kiosks[0], tmp_path / "1.cmpack"), pack_of(kiosks[1], tmp_path / "2.cmpack")
    other = copy_of(main_db, tmp_path / "other.db")
    try:
        preview = merge.merge_packs(main_db, [one, two], dry_run=True)
        assert (preview.consents_given, preview.consents_withdrawn) == (2, 0)
        summary = merge.merge_packs(main_db, [one, two])
        assert (summary.consents_given, summary.consents_withdrawn) == (2, 0)
        assert pledge_consent(main_db, "carolina@unam.mx") == (True, True)
        # The other order, one pack at a time: the same.
        merge.merge_packs(other, [two])
        merge.merge_packs(other, [one])
        assert pledge_consent(other, "carolina@unam.mx") == (True, True)
    finally:
        other.close()
    # The preview names no one: counts only.
    lines = dict(summary.lines())
    assert lines["Consents given"] == 2 and lines["Consents withdrawn"] == 0
    assert not any("Carolina" in label for label in lines)


def test_a_withdrawal_here_is_not_undone_by_an_older_pack(main_db, kiosks, tmp_path):
    signup(kiosks[0], **CAROLINA, when=FAIR_DAY, contact=True, publish=True)
    merge.merge_packs(main_db, [pack_of(kiosks[0], tmp_path / "1.cmpack")])
    done = consent.withdraw(main_db, person_id(main_db, "carolina@unam.mx"), "contact")
    assert (done.was, done.now) == (True, False)
    # Laptop 2 had her ticking both boxes too, at the fair: before the withdrawal.
    signup(kiosks[1], **CAROLINA, when=FAIR_DAY + dt.timedelta(hours=1), contact=True, publish=True)
    later = merge.merge_packs(main_db, [pack_of(kiosks[1], tmp_path / "2.cmpack")])
    assert pledge_consent(main_db, "carolina@unam.mx") == (False, True)
    assert (later.consents_given, later.consents_withdrawn) == (0, 0)


def test_a_newer_given_beats_an_older_withdrawal_in_any_order(main_db, kiosks, tmp_path):
    signup(kiosks[0], **CAROLINA, when=FAIR_DAY, contact=True)
    consent.withdraw(kiosks[0], person_id(kiosks[0], "carolina@unam.mx"), "contact")
    # Later still, she signs at another laptop and ticks it again.
    again = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    signup(kiosks[1], **CAROLINA, when=again, contact=True)
    one, two = pack_of(kiosks[0], tmp_path / "1.cmpack"), pack_of(kiosks[1], tmp_path / "2.cmpack")
    other = copy_of(main_db, tmp_path / "other.db")
    try:
        merge.merge_packs(main_db, [one])
        assert pledge_consent(main_db, "carolina@unam.mx") == (False, False)  # withdrawn on laptop 1
        second = merge.merge_packs(main_db, [two])
        assert (second.consents_given, second.consents_withdrawn) == (1, 0)
        merge.merge_packs(other, [two, one])
        for db in (main_db, other):
            assert pledge_consent(db, "carolina@unam.mx") == (True, False)
    finally:
        other.close()


def test_a_withdrawal_on_a_kiosk_laptop_travels_in_its_pack(main_db, kiosks, tmp_path):
    signup(kiosks[0], **CAROLINA, when=FAIR_DAY, contact=True, publish=True)
    pack = pack_of(kiosks[0], tmp_path / "early.cmpack")
    merge.merge_packs(main_db, [pack])
    consent.withdraw(kiosks[0], person_id(kiosks[0], "carolina@unam.mx"), "publish")
    summary = merge.merge_packs(main_db, [pack_of(kiosks[0], tmp_path / "late.cmpack")])
    assert (summary.consents_given, summary.consents_withdrawn) == (0, 1)
    assert pledge_consent(main_db, "carolina@unam.mx") == (True, False)


def test_undo_removes_the_statements_and_restores_the_consent(main_db, kiosks, tmp_path):
    signup(main_db, **CAROLINA, when=FAIR_DAY)  # here, no box ticked
    signup(kiosks[0], **CAROLINA, when=FAIR_DAY + dt.timedelta(minutes=5), contact=True)
    summary = merge.merge_packs(main_db, [pack_of(kiosks[0], tmp_path / "1.cmpack")])
    assert pledge_consent(main_db, "carolina@unam.mx") == (True, False) and statements(main_db) == 1
    merge_undo.undo_merge(main_db, summary.batch_id)
    assert pledge_consent(main_db, "carolina@unam.mx") == (False, False) and statements(main_db) == 0


def test_a_pack_without_its_statements_is_refused(main_db, kiosks, tmp_path):
    """A pack of this schema always carries its consent statements: one whose table was
    taken out (checksum recomputed) is refused, naming the table, and nothing is merged."""
    signup(kiosks[0], **CAROLINA, when=FAIR_DAY, contact=True)
    old = _without_statements(pack_of(kiosks[0], tmp_path / "1.cmpack"), tmp_path / "old.cmpack")
    with pytest.raises(PackRefused, match="consent_statements"):
        merge.merge_packs(main_db, [old])
    with main_db.read() as s:
        assert s.execute(select(func.count()).select_from(Pledge)).scalar_one() == 0


def _without_statements(pack, out):  # type: ignore[no-untyped-def]
    raw = pack.read_bytes()
    header_end = raw.index(b"\n", len(packfile.MAGIC)) + 1
    payload = out.with_suffix(".db")
    payload.write_bytes(raw[header_end:])
    conn = sqlite3.connect(payload, isolation_level=None)
    conn.execute("DROP TABLE consent_statements")
    conn.execute("VACUUM")
    conn.close()
    fields = json.loads(raw[len(packfile.MAGIC):header_end])
    data = payload.read_bytes()
    fields.pop("sha256")
    fields["payload_bytes"] = len(data)
    fields["sha256"] = hashlib.sha256(packfile._canonical(fields) + data).hexdigest()
    out.write_bytes(packfile.MAGIC + packfile._canonical(fields) + b"\n" + data)
    return out


def test_same_person_review_moves_statements_and_keeps_the_latest(main_db, kiosks, tmp_path):
    signup(main_db, given="Ana", family="López", when=FAIR_DAY)
    signup(kiosks[0], given="Ana", family="Lopez", email="ana@x.org", contact=True,
           when=FAIR_DAY + dt.timedelta(minutes=3))
    merge.merge_packs(main_db, [pack_of(kiosks[0], tmp_path / "k.cmpack")])
    (review,) = merge_reviews.list_reviews(main_db, 1)
    kept = merge_reviews.resolve_review(main_db, review.id, same_person=True)
    seen = consent.history(main_db, kept)
    assert seen.may_contact and [e.purpose for e in seen.entries] == [ConsentPurpose.CONTACT]


# --------------------------------------------------------------------------- sign-ups and history


def test_history_tells_what_when_where_and_which_notice(main_db, kiosks, tmp_path):
    signup(kiosks[0], **CAROLINA, when=FAIR_DAY, contact=True, publish=True)
    merge.merge_packs(main_db, [pack_of(kiosks[0], tmp_path / "1.cmpack")])
    pid = person_id(main_db, "carolina@unam.mx")
    consent.withdraw(main_db, pid, ConsentPurpose.PUBLISH)
    seen = consent.history(main_db, pid)
    assert (seen.may_contact, seen.may_publish_name) == (True, False)
    assert seen.chapter_timezone == "America/Mexico_City"
    newest, *older = seen.entries
    assert (newest.purpose, newest.given, newest.this_laptop, newest.laptop, newest.counts) == (
        ConsentPurpose.PUBLISH, False, True, "office", True)
    assert newest.event_title == "" and newest.stated_at > FAIR_DAY
    assert sorted((e.purpose, e.given, e.laptop, e.this_laptop, e.event_title, e.notice_version, e.stated_at,
                   e.counts) for e in older) == [
        (ConsentPurpose.CONTACT, True, "kiosk 1", False, "Jornada de firmas", "2024-1", FAIR_DAY, True),
        (ConsentPurpose.PUBLISH, True, "kiosk 1", False, "Jornada de firmas", "2024-1", FAIR_DAY, False),
    ]


def test_unticked_boxes_record_nothing_and_ticked_ones_record_given(main_db):
    signup(main_db, **CAROLINA, when=FAIR_DAY)
    assert statements(main_db) == 0
    pid = person_id(main_db, "carolina@unam.mx")
    outcome = record_pledge(main_db, pid, PledgeData(signed_at=FAIR_DAY + dt.timedelta(days=1),
                                                     may_publish_name=True, event_id=2))
    assert outcome.consents_given == 1 and not outcome.new_pledge
    assert pledge_consent(main_db, "carolina@unam.mx") == (False, True)
    (entry,) = consent.history(main_db, pid).entries
    assert entry.event_title == "Conversatorio" and entry.notice_version == "2024-1"


def test_a_tie_goes_to_the_withdrawal(main_db):
    signup(main_db, **CAROLINA, when=FAIR_DAY, contact=True)
    pid = person_id(main_db, "carolina@unam.mx")
    # Withdrawn at the very moment it was given (two laptops, one second): not consented.
    consent._state(main_db, pid, "contact", False, "", FAIR_DAY, None, consent.RecordSource.MANUAL)
    assert pledge_consent(main_db, "carolina@unam.mx") == (False, False)
    assert [e.counts for e in consent.history(main_db, pid).entries] == [True, False]


def test_refusals(main_db):
    with pytest.raises(NotFound):
        consent.withdraw(main_db, 999, "contact")
    signup(main_db, **CAROLINA)
    with pytest.raises(ValidationError):
        consent.withdraw(main_db, person_id(main_db, "carolina@unam.mx"), "marketing")
    with pytest.raises(NotFound):
        consent.history(main_db, 999)


# --------------------------------------------------------------------------- command line


def run(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_withdraw_and_history(capsys, tmp_path, monkeypatch):
    path = tmp_path / "cli.db"
    db = make_main(path)
    signup(db, **CAROLINA, when=FAIR_DAY, contact=True, publish=True)
    pid = person_id(db, "carolina@unam.mx")
    db.close()
    monkeypatch.setenv("CHAPTER_MANAGER_DEVICE_ID", str(MAIN_DEVICE.id))
    code, out, err = run(capsys, "--db", path, "consent", "withdraw", pid, "contact")
    assert code == EXIT_OK, err
    assert out.strip() == f"Recorded: person {pid} withdrew their consent “Contact”."
    code, out, err = run(capsys, "--db", path, "consent", "history", pid)
    assert code == EXIT_OK and "Consent now: contact no, publish name yes." in out
    lines = out.splitlines()
    assert lines[1].split()[:3] == ["Consent", "Stated", "When"]
    assert "withdrawn" in lines[3] and "this laptop" in lines[3]
    assert "2026-03-10 09:00" in lines[4] and "Jornada de firmas" in lines[4]  # Mexico City time
    code, out, err = run(capsys, "--db", path, "consent", "history", pid, "--json")
    data = json.loads(out)
    assert code == EXIT_OK and (data["may_contact"], data["may_publish_name"]) == (False, True)
    first, *rest = [(s["purpose"], s["given"], s["counts"]) for s in data["statements"]]
    assert first == ("contact", False, True)
    assert sorted(rest) == [("contact", True, False), ("publish", True, True)]
    assert data["statements"][0]["this_laptop"] is True


def test_cli_refusals_and_usage(capsys, tmp_path):
    path = tmp_path / "cli.db"
    make_main(path).close()
    code, out, err = run(capsys, "--db", path, "consent", "withdraw", 42, "contact")
    assert code == EXIT_FAILURE and out == "" and err.strip() == "Error: There is no person with id 42."
    code, _out, err = run(capsys, "--db", path, "consent", "history", 42)
    assert code == EXIT_FAILURE and len(err.strip().splitlines()) == 1
    assert run(capsys, "--db", path, "consent", "withdraw", 1, "marketing")[0] == EXIT_USAGE
    assert run(capsys, "--db", path, "consent", "withdraw", "x", "contact")[0] == EXIT_USAGE
    assert run(capsys, "--db", path, "consent")[0] == EXIT_USAGE


def test_a_relinked_pledge_takes_its_consents_along(main_db):
    from chapter_manager.services.pledges import relink_pledge

    signup(main_db, given="Carolina", family="Méndez", email="carolina@unam.mx", when=FAIR_DAY, event_id=None)
    typo = signup(main_db, given="Carolina", family="Mendez", email="carolna@unam.mx",
                  when=FAIR_DAY + dt.timedelta(days=1), contact=True, event_id=None)
    real = person_id(main_db, "carolina@unam.mx")
    with main_db.write() as s:  # the entry signed first had no pledge kept: a sheet typo
        s.delete(s.get(Pledge, 1))
    moved = relink_pledge(main_db, typo.pledge_id, real)
    assert moved.previous_person_removed
    seen = consent.history(main_db, real)
    assert seen.may_contact and len(seen.entries) == 1
    assert pledge_consent(main_db, "carolina@unam.mx") == (True, False)


def test_cli_merge_counts_consents(capsys, main_db, kiosks, tmp_path):
    signup(kiosks[0], **CAROLINA, when=FAIR_DAY, contact=True, publish=True)
    signup(kiosks[1], **CAROLINA, when=FAIR_DAY + dt.timedelta(minutes=20))
    one, two = pack_of(kiosks[0], tmp_path / "1.cmpack"), pack_of(kiosks[1], tmp_path / "2.cmpack")
    main_db.close()
    code, out, err = run(capsys, "--db", tmp_path / "main.db", "merge", "--dry-run", "--json", one, two)
    assert code == EXIT_OK, err
    data = json.loads(out)
    assert (data["consents_given"], data["consents_withdrawn"], data["consent_statements"]) == (2, 0, 2)
    code, out, err = run(capsys, "--db", tmp_path / "main.db", "merge", one, two)
    assert code == EXIT_OK and "Carolina" not in out
    given = next(line for line in out.splitlines() if line.startswith("Consents given"))
    assert given.split()[-1] == "2"
    assert any(line.startswith("Consents withdrawn") and line.split()[-1] == "0" for line in out.splitlines())
