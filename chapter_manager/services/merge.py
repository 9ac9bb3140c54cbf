"""Sign-up packs: making them, and merging other laptops' sign-ups into this database.

Rules of a merge (see docs/ARCHITECTURE.md, "Merging laptops"):

* Rows are known by their UUID (``models.Replicated``), never by local ids or clocks, and
  each pack's rows are read in their device's own order (``device_id, device_seq``).
* The pack's chapter is this database's chapter with the same UUID (a kiosk database
  made by ``pack export --for-kiosk`` carries it), else the only chapter with the same
  name (accent- and case-insensitive); else the caller names it (``chapter_id``).
* An event is matched by UUID; an event created on a blank laptop, by the organiser's
  choice (``event_choices``, ``into_event``), else by the same title (accent- and
  case-insensitive) starting on the same day, else it is added.  A match other than by
  UUID is remembered (``event_aliases``), so merging again lands on the same event.
* Every value a pack carries is checked first (``pack_values``): the same rules as the
  kiosk and imports, or the pack is refused with the table, row and field named.
* A person is the same person here when their UUID is known (merged before), when a
  review said so (``person_aliases``), or by normalised email, then student id *with a
  name that agrees* (``identity``, the kiosk's own rule).  The same email or student id
  with another name is kept on a separate person without it and queued ("identifier").
  A person here is never changed by a pack: values for their empty fields are queued
  ("details").  The people of all packs are taken in the order of their earliest
  signing, so who is kept (name, UUID, values) does not depend on the order of packs.
  Someone erased here (a tombstone: their UUID or the keyed hash of their email or
  student id) is refused: not brought back.  A person with no identifier match but the
  same name (accent- and case-insensitive) as someone here at the same event, with no
  email or student id contradicting it, is added *and* queued for review
  (``merge_reviews``): never merged silently.
* One pledge per person: when both sides have one, the earlier signing counts (then the
  smaller UUID, so every order of merging gives the same pledge); the other signing is
  attendance.
* Consent is what the person stated (``services.consent``): the packs' consent
  statements are added by UUID, and each person's consent per purpose is their latest
  statement by the time it was made (a box left unticked is no statement).  A withdrawal
  recorded here is not undone by an older statement from a pack.
* Attendance is one row per person and event.
* Everything a merge inserted or changed is listed in ``merge_rows``, so the whole merge
  can be undone (:func:`undo_merge`).  A preview (``dry_run``) runs the same merge and
  rolls it back: what it reports is exactly what the merge would do.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from .. import jobs
from ..errors import ChapterError, NotFound
from ..i18n import _
from ..models import (
    Attendance,
    AuditAction,
    AuditEntry,
    Chapter,
    ConsentPurpose,
    ConsentStatement,
    Device,
    Event,
    EventAlias,
    Goal,
    GoalMetric,
    MergeBatch,
    MergeReview,
    MergeRow,
    Person,
    PersonAlias,
    Pledge,
    Setting,
    Tombstone,
)
from ..privacy import identity_hash, personal_columns
from ..storage import Database
from ..storage.bulk import RowEncoder, bulk_insert, reserve_ids
from ..storage.packs import BLANK_SALT, OpenedPack, PackRefused, open_pack, write_pack
from ..text import fold
from ..types import UTCDateTime, UUIDType, utcnow
from .consent import current_consent, refresh_pledges
from .events import local_day_bounds
from .identity import IDENTIFIER, offer_details, offered_values, person_agrees
from .import_undo import forget_people
from .kiosk import kiosk_baseline_key
from .pack_values import check_pack_values

Progress = Callable[[float | None, str], None]

_people = Person.__table__
_pledges = Pledge.__table__
_attendance = Attendance.__table__
_events = Event.__table__
_statements = ConsentStatement.__table__
_CHUNK = 500


class Cancelled(jobs.Cancelled):
    def __init__(self) -> None:
        super().__init__(_("The merge was cancelled; nothing was changed."))


class _Rollback(Exception):
    def __init__(self, summary: MergeSummary):
        self.summary = summary


def _dicts(result: Any) -> list[dict[str, Any]]:
    """Rows as dictionaries (the keys made once, not per row)."""
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PackContents:
    file: str
    chapter: str  # the chapter's name in the pack
    device_id: uuid.UUID
    device_name: str
    made_at: dt.datetime
    people: int
    pledges: int
    attendance: int


@dataclass(frozen=True)
class EventMatch:
    title: str  # as the pack has it
    starts_at: dt.datetime
    event_id: int  # here (in a preview, the id it would get)
    how: str  # "uuid" | "alias" | "chosen" | "title" | "new"
    uuid: uuid.UUID  # the pack's event

    @property
    def how_label(self) -> str:
        return {
            "uuid": _("the same event"),
            "alias": _("matched when merged before"),
            "chosen": _("the event you chose"),
            "title": _("same title and day"),
            "new": _("added as a new event"),
        }[self.how]


@dataclass(frozen=True)
class ReviewPair:
    newcomer: str
    candidate: str


@dataclass
class MergeSummary:
    dry_run: bool = False
    batch_id: int | None = None
    chapter_id: int | None = None
    packs: list[PackContents] = field(default_factory=list)
    events: list[EventMatch] = field(default_factory=list)
    new_people: int = 0
    matched_people: int = 0  # the same person as someone here (email or student id)
    known_people: int = 0  # rows merged before (same UUID): nothing new
    new_pledges: int = 0
    pledges_already: int = 0  # the person had pledged: kept as attendance, not a pledge
    pledges_replaced: int = 0  # the pack's signing was earlier: it became the pledge
    consents_given: int = 0  # (person, purpose) consented after the merge and not before
    consents_withdrawn: int = 0  # consented before the merge and not after
    consent_statements: int = 0  # statements added to people's consent history
    details_filled: int = 0  # an email or student id the person here lacked
    new_attendance: int = 0
    queued_for_review: int = 0
    refused_people: int = 0  # erased here: not brought back
    refused_signups: int = 0  # their pledges and attendance
    identifier_clashes: int = 0  # someone's email or student id with another name: kept apart, queued
    details_queued: int = 0  # people here offered values for empty fields: queued, not written
    reviews: list[ReviewPair] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new_people or self.new_pledges or self.new_attendance or self.pledges_replaced
                    or self.consents_given or self.consents_withdrawn or self.consent_statements
                    or self.details_filled or self.details_queued
                    or any(e.how in ("new", "title", "chosen") for e in self.events))

    def counts(self) -> dict[str, int]:
        return {
            "new_people": self.new_people,
            "matched_people": self.matched_people,
            "known_people": self.known_people,
            "new_pledges": self.new_pledges,
            "pledges_already": self.pledges_already,
            "pledges_replaced": self.pledges_replaced,
            "consents_given": self.consents_given,
            "consents_withdrawn": self.consents_withdrawn,
            "consent_statements": self.consent_statements,
            "details_filled": self.details_filled,
            "new_attendance": self.new_attendance,
            "queued_for_review": self.queued_for_review,
            "refused_people": self.refused_people,
            "refused_signups": self.refused_signups,
            "identifier_clashes": self.identifier_clashes,
            "details_queued": self.details_queued,
            "new_events": sum(e.how == "new" for e in self.events),
            "matched_events": sum(e.how != "new" for e in self.events),
        }

    def lines(self) -> list[tuple[str, int]]:
        """(label, count) for people to read."""
        c = self.counts()
        return [
            (_("New people"), c["new_people"]),
            (_("New pledges"), c["new_pledges"]),
            (_("Matched to someone already here (email or student id)"), c["matched_people"]),
            (_("Already merged before (no change)"), c["known_people"]),
            (_("Signed again: kept as attendance, not a second pledge"), c["pledges_already"]),
            (_("Earlier signing became the pledge"), c["pledges_replaced"]),
            (_("Consents given"), c["consents_given"]),
            (_("Consents withdrawn"), c["consents_withdrawn"]),
            (_("Consent statements added to people's history"), c["consent_statements"]),
            (_("Email or student id added to someone here"), c["details_filled"]),
            (_("New attendance"), c["new_attendance"]),
            (_("Queued for review"), c["queued_for_review"]),
            (_("Someone's email or student id with another name: kept apart, queued"),
             c["identifier_clashes"]),
            (_("Details offered for someone here: queued for review"), c["details_queued"]),
            (_("Refused (erased here; not brought back)"), c["refused_people"]),
            (_("New events"), c["new_events"]),
            (_("Events matched"), c["matched_events"]),
        ]


# --------------------------------------------------------------------------- JSON of rows


def _to_json(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif hasattr(value, "value") and not isinstance(value, bool | int | str):
            value = value.value
        out[name] = value
    return out


def _from_json(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        type_ = table.c[name].type
        if value is not None and isinstance(type_, UUIDType):
            value = uuid.UUID(value)
        elif value is not None and isinstance(type_, UTCDateTime):
            value = dt.datetime.fromisoformat(value)
        out[name] = value
    return out


# --------------------------------------------------------------------------- the merge


_PLEDGE_CONTENT = (
    "uuid", "device_id", "device_seq", "created_at", "event_id", "signed_at",
    "utc_offset_minutes", "commitment_version", "personal_commitment", "consent_version", "source",
)
_PERSON_COPY = tuple(c.name for c in _people.columns if c.name not in ("id", "chapter_id"))
_PLEDGE_COPY = tuple(c.name for c in _pledges.columns if c.name not in ("id", "chapter_id", "person_id", "event_id"))
_ATTENDANCE_COPY = tuple(c.name for c in _attendance.columns if c.name not in ("id", "person_id", "event_id"))
_STATEMENT_COPY = tuple(c.name for c in _statements.columns
                        if c.name not in ("id", "chapter_id", "person_id", "event_id"))


def _pack_consents(theirs: Connection, chapter_id: int) -> list[dict[str, Any]]:
    """The pack's consent statements, in its devices' order (every pack of schema 4 or later
    has the table: ``pack_values`` refuses one without it)."""
    sc = _statements.c
    return _dicts(theirs.execute(select(_statements).where(sc.chapter_id == chapter_id)
                                 .order_by(sc.device_id, sc.device_seq, sc.id)))


def _local_day(when: dt.datetime, zone: str) -> dt.date:
    try:
        return when.astimezone(zoneinfo.ZoneInfo(zone)).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return when.astimezone(dt.UTC).date()


@dataclass
class _PackRows:
    """One pack's sign-ups, read, with its events matched to events here."""

    people: list[dict[str, Any]]
    pledges: list[dict[str, Any]]
    attendance: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    event_map: dict[int, int]
    statements: list[dict[str, Any]]


class _Merger:
    """One merge: several packs into one chapter, in one write transaction."""

    def __init__(self, db: Database, conn: Connection, summary: MergeSummary,
                 chapter_id: int | None, progress: Progress, cancel: threading.Event | None,
                 event_choices: Mapping[uuid.UUID, int | None] | None = None,
                 into_event: int | None = None):
        self.db = db
        self.event_choices = dict(event_choices or {})
        self.into_event = into_event
        self.conn = conn
        self.summary = summary
        self.chapter_id = chapter_id
        self.progress = progress
        self.cancel = cancel
        self.inserted: dict[str, list[int]] = defaultdict(list)
        self.changed: list[tuple[str, int, dict[str, Any]]] = []
        self.chapter: Any = None
        self.newcomers: set[int] = set()  # people this merge added
        self.touched: set[int] = set()  # people the current pack added or gave an event
        # Consent per (person, purpose) before this merge, and now (see _merge_consents).
        self.consent_before: dict[tuple[int, ConsentPurpose], bool] = {}
        self.consent_now: dict[tuple[int, ConsentPurpose], bool] = {}

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()

    # ------------------------------------------------------------ chapter
    def _chapter_for(self, pack: OpenedPack, rows: list[dict[str, Any]]) -> Any:
        name = pack.path.name
        if len(rows) != 1:
            raise PackRefused(
                _("{name} holds sign-ups of {n} chapters; make one pack per chapter "
                  "(pack export --chapter ID).").format(name=name, n=len(rows))
                if rows else _("{name} holds no chapter.").format(name=name)
            )
        theirs = rows[0]
        conn = self.conn
        table = Chapter.__table__
        found = conn.execute(select(table).where(table.c.uuid == theirs["uuid"])).first()
        if found is None:
            same = [r for r in conn.execute(select(table)) if fold(r.name) == fold(theirs["name"])]
            found = same[0] if len(same) == 1 else None
        if self.chapter_id is None:
            if found is not None:
                return found
            raise PackRefused(
                _("{name} holds sign-ups for the chapter “{chapter}”, which this database does not "
                  "have; nothing was merged. Choose the chapter to merge them into.").format(
                    name=name, chapter=theirs["name"])
            )
        chosen = conn.execute(select(table).where(table.c.id == self.chapter_id)).first()
        if chosen is None:
            raise NotFound(_("There is no chapter with id {id}.").format(id=self.chapter_id))
        if found is not None and found.id != chosen.id:
            # The pack's own chapter is here too: never pour it into another one.
            raise PackRefused(
                _("{name} holds sign-ups of the chapter “{chapter}”, not of “{chosen}”; nothing "
                  "was merged. Switch to “{chapter}” to merge it.").format(
                    name=name, chapter=found.name, chosen=chosen.name)
            )
        return chosen

    # ------------------------------------------------------------ one pack
    def read_pack(self, pack: OpenedPack, done: float, share: float) -> _PackRows:
        """Check the pack's chapter, match its events, and read its sign-ups."""
        s = self.summary
        with pack.engine.connect() as theirs:
            chapters = [dict(r._mapping) for r in theirs.execute(select(Chapter.__table__))]
            chapter = self._chapter_for(pack, chapters)
            if self.chapter is not None and chapter.id != self.chapter.id:
                raise PackRefused(
                    _("The packs are for different chapters; merge them one chapter at a time.")
                )
            self.chapter = chapter
            their_chapter = chapters[0]["id"]

            def order(t: Any) -> tuple[Any, ...]:
                # Each device's own order (its sequence), never the clocks.
                return (t.c.device_id, t.c.device_seq, t.c.id)

            events = _dicts(theirs.execute(
                select(_events).where(_events.c.chapter_id == their_chapter).order_by(*order(_events))))
            people = _dicts(theirs.execute(
                select(_people).where(_people.c.chapter_id == their_chapter).order_by(*order(_people))))
            pledges = _dicts(theirs.execute(
                select(_pledges).where(_pledges.c.chapter_id == their_chapter).order_by(*order(_pledges))))
            attendance = _dicts(theirs.execute(
                select(_attendance).join(_events, _events.c.id == _attendance.c.event_id)
                .where(_events.c.chapter_id == their_chapter).order_by(*order(_attendance))))
            devices = _dicts(theirs.execute(select(Device.__table__)))
            statements = _pack_consents(theirs, their_chapter)
        s.packs.append(PackContents(
            pack.path.name, chapters[0]["name"], pack.header.device_id, pack.header.device_name, pack.header.made_at,
            len(people), len(pledges), len(attendance),
        ))
        self.check()
        self.progress(done + share * 0.5, _("Matching events…"))
        event_map = self._merge_events(events)
        return _PackRows(people, pledges, attendance, devices, event_map, statements)

    def apply_pack(self, rows: _PackRows, person_map: dict[int, int]) -> None:
        """The pack's pledges, attendance and devices, once every pack's people are matched."""
        self.check()
        self._merge_pledges(rows.pledges, person_map, rows.event_map)
        self._merge_consents(rows.statements, rows.pledges, person_map, rows.event_map)
        self._merge_devices(rows.devices)

    def merge_all_attendance(self, packs: list[_PackRows], person_maps: list[dict[int, int]]) -> None:
        """Every pack's attendance at once, earliest check-in (then UUID) first: when two
        packs record one person at one event, the same row is kept in any order."""
        rows: list[dict[str, Any]] = []
        for pack, person_map in zip(packs, person_maps, strict=True):
            for a in pack.attendance:
                rows.append({**a, "person_id": person_map.get(a["person_id"]),
                             "event_id": pack.event_map.get(a["event_id"])})
        rows.sort(key=lambda a: (a["checked_in_at"], a["uuid"].bytes))
        people = {a["person_id"]: a["person_id"] for a in rows if a["person_id"] is not None}
        events = {a["event_id"]: a["event_id"] for a in rows if a["event_id"] is not None}
        self._merge_attendance(rows, people, events)

    # ------------------------------------------------------------ events
    def _merge_events(self, events: list[dict[str, Any]]) -> dict[int, int]:
        """Each of the pack's events to an event here; see the module's rules."""
        conn, chapter = self.conn, self.chapter
        ec = _events.c
        aliases = EventAlias.__table__
        mapping: dict[int, int] = {}
        known: dict[uuid.UUID, tuple[int, str]] = {}
        for chunk in _chunks([e["uuid"] for e in events]):
            for r in conn.execute(select(ec.id, ec.uuid).where(ec.uuid.in_(chunk), ec.chapter_id == chapter.id)):
                known[r.uuid] = (r.id, "uuid")
            for r in conn.execute(select(aliases.c.event_id, aliases.c.uuid)
                                  .join(_events, ec.id == aliases.c.event_id)
                                  .where(aliases.c.uuid.in_(chunk), ec.chapter_id == chapter.id)):
                known.setdefault(r.uuid, (r.event_id, "alias"))
        ours = [dict(r._mapping) for r in conn.execute(
            select(ec.id, ec.title, ec.starts_at, ec.timezone).where(ec.chapter_id == chapter.id))]
        valid = {o["id"] for o in ours}
        for e in events:
            found, how = known.get(e["uuid"], (None, ""))
            if found is None and e["uuid"] in self.event_choices:
                choice = self.event_choices[e["uuid"]]
                if choice is not None and choice not in valid:
                    raise NotFound(_("There is no event with id {id} in this chapter.").format(id=choice))
                found, how = choice, "chosen" if choice is not None else ""
                if choice is None:
                    how = "new"
            if found is None and not how and self.into_event is not None:
                if self.into_event not in valid:
                    raise NotFound(_("There is no event with id {id} in this chapter.").format(
                        id=self.into_event))
                found, how = self.into_event, "chosen"
            if found is None and not how:
                day = _local_day(e["starts_at"], e["timezone"])
                same = sorted(o["id"] for o in ours if fold(o["title"]) == fold(e["title"])
                              and _local_day(o["starts_at"], o["timezone"]) == day)
                if same:
                    found, how = same[0], "title"
            if found is None:
                values = {k: v for k, v in e.items() if k != "id"}
                values["chapter_id"] = chapter.id
                found = int(conn.execute(insert(_events).values(**values)).inserted_primary_key[0])
                self.inserted["events"].append(found)
                how = "new"
                ours.append({"id": found, "title": e["title"], "starts_at": e["starts_at"],
                             "timezone": e["timezone"]})
                valid.add(found)
            elif how in ("title", "chosen"):
                # Remembered, so the same pack merged again lands on the same event.
                alias = conn.execute(insert(aliases).values(uuid=e["uuid"], event_id=found)).inserted_primary_key[0]
                self.inserted["event_aliases"].append(int(alias))
            known[e["uuid"]] = (found, "alias" if how in ("title", "chosen") else how)
            mapping[e["id"]] = found
            if not any(m.uuid == e["uuid"] for m in self.summary.events):
                self.summary.events.append(EventMatch(e["title"], e["starts_at"], found, how, e["uuid"]))
        return mapping

    # ------------------------------------------------------------ people
    def _tombstones(self) -> tuple[set[uuid.UUID], set[str], set[str]]:
        rows = self.conn.execute(
            select(Tombstone.uuid, Tombstone.email_hash, Tombstone.student_id_hash)
            .where(Tombstone.chapter_uuid == self.chapter.uuid)
        ).all()
        return ({r[0] for r in rows}, {r[1] for r in rows if r[1]}, {r[2] for r in rows if r[2]})

    def merge_people(self, packs: list[_PackRows]) -> list[dict[int, int]]:
        """Every pack's people to people here: one map (their id -> id here) per pack.

        The people of all packs are taken in the order of their earliest signing (then
        UUID), never in the order of the packs, so which entry is kept (its name, its
        UUID) and which values fill the fields of someone new does not depend on which
        pack came first.  Someone already here keeps their values: a sign-up never
        changes them (``identity``).
        """
        from .derived import person_keys

        conn, chapter, s = self.conn, self.chapter, self.summary
        salt = chapter.privacy_salt
        dead_uuids, dead_emails, dead_sids = self._tombstones()
        entries: list[tuple[dt.datetime, bytes, int, dict[str, Any]]] = []
        event_of: dict[tuple[int, int], int] = {}  # (pack, their person) -> an event here
        for k, rows in enumerate(packs):
            first: dict[int, dt.datetime] = {}
            for pledge in rows.pledges:
                pid = pledge["person_id"]
                first[pid] = min(first.get(pid, pledge["signed_at"]), pledge["signed_at"])
            for visit in rows.attendance:
                pid = visit["person_id"]
                first[pid] = min(first.get(pid, visit["checked_in_at"]), visit["checked_in_at"])
            entries += [(first.get(p["id"], p["created_at"]), p["uuid"].bytes, k, p) for p in rows.people]
            for visit in (*rows.pledges, *rows.attendance):
                if visit["event_id"] in rows.event_map:
                    event_of.setdefault((k, visit["person_id"]), rows.event_map[visit["event_id"]])
        entries.sort(key=lambda e: (e[0], e[1], e[2]))
        people = [e[3] for e in entries]

        by_uuid: dict[uuid.UUID, int] = {}
        by_email: dict[str, int] = {}
        by_sid: dict[str, int] = {}
        pc = _people.c
        for chunk in _chunks([p["uuid"] for p in people]):
            by_uuid.update((r[0], r[1]) for r in conn.execute(select(pc.uuid, pc.id).where(pc.uuid.in_(chunk))))
            by_uuid.update((r[0], r[1]) for r in conn.execute(
                select(PersonAlias.uuid, PersonAlias.person_id).where(PersonAlias.uuid.in_(chunk))))
        for chunk in _chunks([p["email_key"] for p in people if p["email_key"]]):
            by_email.update((r[0], r[1]) for r in conn.execute(
                select(pc.email_key, pc.id).where(pc.chapter_id == chapter.id, pc.email_key.in_(chunk))))
        for chunk in _chunks([p["student_id"] for p in people if p["student_id"]]):
            by_sid.update((r[0], r[1]) for r in conn.execute(
                select(pc.student_id, pc.id).where(pc.chapter_id == chapter.id, pc.student_id.in_(chunk))))
        # Who they are here (names and the fields a sign-up may offer), read once.
        here: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(by_email.values()) | set(by_sid.values()))):
            here.update((r["id"], r) for r in _dicts(conn.execute(
                select(pc.id, pc.given_names, pc.family_names, pc.preferred_name, pc.email, pc.student_id,
                       pc.phone).where(pc.id.in_(chunk)))))

        maps: list[dict[int, int]] = [{} for _pack in packs]
        planned: list[dict[str, Any]] = []  # new people, by -(index + 1) until ids are known
        clashes: list[tuple[int, int, dict[str, Any]]] = []  # (new person, person here, what clashed)
        clash_events: dict[int, int | None] = {}
        offers: dict[int, dict[str, Any]] = {}  # person here -> values offered for empty fields

        def rekey(row: dict[str, Any]) -> None:
            keys = person_keys(row["given_names"], row["family_names"], row["preferred_name"], row["email"],
                               row["student_id"], bool(row["family_name_first"]))
            row.update(email_key=keys.email_key, search_text=keys.search_text, name_key=keys.name_key,
                       sort_key=keys.sort_key)

        def row_of(pid: int) -> dict[str, Any]:
            return planned[-pid - 1] if pid < 0 else here[pid]

        def erased(p: dict[str, Any]) -> bool:
            return bool(p["uuid"] in dead_uuids
                        or (p["email_key"] and identity_hash(salt, p["email_key"]) in dead_emails)
                        or (p["student_id"] and identity_hash(salt, p["student_id"]) in dead_sids))

        def plan(p: dict[str, Any]) -> int:
            planned.append({k: p[k] for k in _PERSON_COPY})
            pid = -len(planned)
            by_uuid[p["uuid"]] = pid
            if p["email_key"]:
                by_email[p["email_key"]] = pid
            if p["student_id"]:
                by_sid[p["student_id"]] = pid
            return pid

        for k, p in ((e[2], e[3]) for e in entries):
            if p["uuid"] in by_uuid:
                maps[k][p["id"]] = by_uuid[p["uuid"]]
                s.known_people += 1
                continue
            e_found = by_email.get(p["email_key"]) if p["email_key"] else None
            s_found = by_sid.get(p["student_id"]) if p["student_id"] else None
            found = [pid for pid in dict.fromkeys((e_found, s_found)) if pid is not None]
            match = next((pid for pid in found if person_agrees(p["given_names"], p["family_names"], row_of(pid))),
                         None)
            if match is not None:
                maps[k][p["id"]] = match
                by_uuid[p["uuid"]] = match
                s.matched_people += 1
                mine = row_of(match)
                offered = offered_values(p, mine)
                if "email" in offered and by_email.get(p["email_key"], match) != match:
                    del offered["email"]
                if "student_id" in offered and by_sid.get(p["student_id"], match) != match:
                    del offered["student_id"]
                if not offered:
                    continue
                if match < 0:
                    # Someone new in this merge: the earliest signing that has a value gives it.
                    mine.update(offered)
                    rekey(mine)
                    if mine["email_key"]:
                        by_email[mine["email_key"]] = match
                    if mine["student_id"]:
                        by_sid[mine["student_id"]] = match
                else:
                    for key, value in offered.items():
                        offers.setdefault(match, {}).setdefault(key, value)
                continue
            if found:
                # Someone's email or student id with another name: kept apart, without what
                # clashes, and asked about; nothing of the person here changes.
                clash = found[0]
                kept = dict(p)
                held = {}
                if e_found is not None:
                    held["email"], kept["email"] = p["email"], None
                if s_found is not None:
                    held["student_id"], kept["student_id"] = p["student_id"], None
                rekey(kept)
                earlier = next((new for new, other, _held in clashes if other == clash and person_agrees(
                    p["given_names"], p["family_names"], row_of(new))), None)
                if earlier is None:
                    earlier = self._claimant(clash, p)
                if earlier is not None:
                    maps[k][p["id"]] = earlier
                    by_uuid[p["uuid"]] = earlier
                    s.matched_people += 1
                    continue
                if erased(kept):
                    s.refused_people += 1
                    continue
                new = plan(kept)
                maps[k][p["id"]] = new
                clashes.append((new, clash, held))
                clash_events[new] = event_of.get((k, p["id"]))
                continue
            # Not here: erased here (or removed as a duplicate entry)?  Then not brought back.
            if erased(p):
                s.refused_people += 1
                continue
            maps[k][p["id"]] = plan(p)

        first_id = reserve_ids(conn, _people, len(planned)) if planned else 0

        def real(pid: int) -> int:
            return first_id + (-pid - 1) if pid < 0 else pid

        for m in maps:
            for key, pid in m.items():
                m[key] = real(pid)
        if planned:
            columns = ("id", "chapter_id", *_PERSON_COPY)
            encode = RowEncoder(conn.dialect, _people, columns).encode
            bulk_insert(conn, _people, columns, (
                encode((first_id + i, chapter.id, *(row[c] for c in _PERSON_COPY))) for i, row in enumerate(planned)))
            added = [first_id + i for i in range(len(planned))]
            self.inserted["people"].extend(added)
            self.newcomers.update(added)
            self.touched.update(added)
            s.new_people += len(planned)
        self._queue_identifier_reviews([(real(new), real(other), held, clash_events.get(new))
                                        for new, other, held in clashes], planned, first_id)
        self._queue_details(offers)
        return maps

    def _claimant(self, candidate: int, p: dict[str, Any]) -> int | None:
        """A person an earlier sign-up with this name and this clashing identifier made."""
        mr, pc = MergeReview.__table__, _people.c
        for row in _dicts(self.conn.execute(
            select(pc.id, pc.given_names, pc.family_names, pc.preferred_name)
            .join(mr, mr.c.person_id == pc.id)
            .where(mr.c.candidate_id == candidate, mr.c.reason == IDENTIFIER, mr.c.resolved_at.is_(None))
        )):
            if person_agrees(p["given_names"], p["family_names"], row):
                return int(row["id"])
        return None

    def _queue_identifier_reviews(self, pairs: list[tuple[int, int, dict[str, Any], int | None]],
                                  planned: list[dict[str, Any]], first_id: int) -> None:
        if not pairs:
            return
        names: dict[int, str] = {}
        pc = _people.c
        for r in self.conn.execute(select(pc.id, pc.given_names, pc.family_names)
                                   .where(pc.id.in_(sorted({pair[1] for pair in pairs})))):
            names[r.id] = _name(r.given_names, r.family_names)
        now = utcnow()
        for new, other, held, event_id in pairs:
            row = planned[new - first_id]
            rid = self.conn.execute(insert(MergeReview.__table__).values(
                chapter_id=self.chapter.id, person_id=new, candidate_id=other, event_id=event_id,
                created_at=now, reason=IDENTIFIER, proposed=held or None)).inserted_primary_key[0]
            self.inserted["merge_reviews"].append(int(rid))
            self.summary.queued_for_review += 1
            self.summary.identifier_clashes += 1
            self.summary.reviews.append(ReviewPair(_name(row["given_names"], row["family_names"]), names[other]))

    def _queue_details(self, offers: dict[int, dict[str, Any]]) -> None:
        """Values the packs offer for empty fields of people here: asked, never written."""
        for person, offered in sorted(offers.items()):
            queued = offer_details(self.conn, self.chapter.id, person, offered, None)
            if queued is None:
                continue
            rid, before = queued
            if before is None:
                self.inserted["merge_reviews"].append(rid)
            else:
                self.changed.append(("merge_reviews", rid, _to_json(MergeReview.__table__, before)))
            self.summary.details_queued += 1

    # ------------------------------------------------------------ likely matches
    def _queue_reviews(self) -> None:
        """Queue same-name people at a same event, where this pack added one side's visit.

        Looked at after the pack's pledges and attendance are in, for every person the
        pack added or gave a new event: whichever pack brings the second of two same-name
        visits to an event, the pair is found, so the queue is the same in any order.
        Email or student ids that differ say "two people": not queued.
        """
        conn, chapter, s = self.conn, self.chapter, self.summary
        touched = sorted(self.touched)
        self.touched = set()
        if not touched:
            return
        pc = _people.c
        names: set[str] = set()
        for chunk in _chunks(touched):
            names.update(r[0] for r in conn.execute(select(pc.sort_key).where(pc.id.in_(chunk))))
        people: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(sorted(names)):
            people.update((r.id, dict(r._mapping)) for r in conn.execute(
                select(pc.id, pc.sort_key, pc.email_key, pc.student_id, pc.given_names, pc.family_names)
                .where(pc.chapter_id == chapter.id, pc.sort_key.in_(chunk))))
        events_of: dict[int, set[int]] = defaultdict(set)
        ids = sorted(people)
        for chunk in _chunks(ids):
            for r in conn.execute(select(_attendance.c.person_id, _attendance.c.event_id)
                                  .where(_attendance.c.person_id.in_(chunk))):
                events_of[r[0]].add(r[1])
            for r in conn.execute(select(_pledges.c.person_id, _pledges.c.event_id)
                                  .where(_pledges.c.person_id.in_(chunk), _pledges.c.event_id.is_not(None))):
                events_of[r[0]].add(r[1])
        by_name: dict[str, list[int]] = defaultdict(list)
        for pid in ids:
            by_name[people[pid]["sort_key"]].append(pid)
        pairs: dict[tuple[int, int], int] = {}
        for pid in touched:
            me = people.get(pid)
            if me is None or not events_of.get(pid):
                continue
            for other in by_name[me["sort_key"]]:
                if other == pid:
                    continue
                them = people[other]
                shared = events_of[pid] & events_of.get(other, set())
                if not shared:
                    continue
                if me["email_key"] and them["email_key"] and me["email_key"] != them["email_key"]:
                    continue
                if me["student_id"] and them["student_id"] and me["student_id"] != them["student_id"]:
                    continue
                pairs[(min(pid, other), max(pid, other))] = min(shared)
        if not pairs:
            return
        seen = {(min(a, b), max(a, b)) for a, b in conn.execute(
            select(MergeReview.person_id, MergeReview.candidate_id).where(MergeReview.chapter_id == chapter.id))}
        now = utcnow()
        for (a, b), event_id in sorted(pairs.items()):
            if (a, b) in seen:
                continue
            # The one the merge added is the one asked about; else the later entry.
            newcomer, candidate = (a, b) if a in self.newcomers and b not in self.newcomers else (b, a)
            rid = conn.execute(insert(MergeReview.__table__).values(
                chapter_id=chapter.id, person_id=newcomer, candidate_id=candidate,
                event_id=event_id, created_at=now)).inserted_primary_key[0]
            self.inserted["merge_reviews"].append(int(rid))
            s.queued_for_review += 1
            s.reviews.append(ReviewPair(
                _name(people[newcomer]["given_names"], people[newcomer]["family_names"]),
                _name(people[candidate]["given_names"], people[candidate]["family_names"])))

    # ------------------------------------------------------------ pledges
    def _merge_pledges(self, pledges: list[dict[str, Any]], person_map: dict[int, int],
                       event_map: dict[int, int]) -> None:
        conn, chapter, s = self.conn, self.chapter, self.summary
        pc = _pledges.c
        wanted = [p for p in pledges if p["person_id"] in person_map]
        s.refused_signups += len(pledges) - len(wanted)
        targets = sorted({person_map[p["person_id"]] for p in wanted})
        existing: dict[int, dict[str, Any]] = {}
        cols = (pc.id, pc.person_id, pc.uuid, pc.signed_at)
        for chunk in _chunks(targets):
            for r in _dicts(conn.execute(select(*cols).where(pc.chapter_id == chapter.id,
                                                             pc.person_id.in_(chunk)))):
                existing[r["person_id"]] = r
        new_rows = []
        pending: dict[int, dict[str, Any]] = {}  # pledge id -> its changes
        now = utcnow()
        for p in wanted:
            person = person_map[p["person_id"]]
            event = event_map.get(p["event_id"]) if p["event_id"] is not None else None
            mine = existing.get(person)
            if mine is None:
                row = {k: p[k] for k in _PLEDGE_COPY}
                new_rows.append((chapter.id, person, event, *(row[k] for k in _PLEDGE_COPY)))
                existing[person] = {"id": None, "person_id": person, "uuid": p["uuid"],
                                    "signed_at": p["signed_at"], "pending": len(new_rows) - 1}
                continue
            if mine["id"] is None:
                # Two of this batch's pledges for one person (two packs, one person): keep
                # the earlier signing, as below, before anything is written.
                idx = mine["pending"]
                row = list(new_rows[idx])
                if (p["signed_at"], p["uuid"].bytes) < (mine["signed_at"], mine["uuid"].bytes):
                    content = {k: p[k] for k in _PLEDGE_COPY}
                    row = [chapter.id, person, event, *(content[k] for k in _PLEDGE_COPY)]
                    mine["signed_at"], mine["uuid"] = p["signed_at"], p["uuid"]
                new_rows[idx] = tuple(row)
                s.pledges_already += 1
                continue
            changes: dict[str, Any] = {}
            same = p["uuid"] == mine["uuid"]
            if not same and (p["signed_at"], p["uuid"].bytes) < (mine["signed_at"], mine["uuid"].bytes):
                for k in _PLEDGE_CONTENT:
                    changes[k] = event if k == "event_id" else p[k]
                s.pledges_replaced += 1
                if event is not None:
                    self.touched.add(person)
            elif not same:
                s.pledges_already += 1
            if changes:
                changes["updated_at"] = now
                pending.setdefault(mine["id"], {}).update(changes)
                mine.update(changes)
        self._update_pledges(pending)
        if new_rows:
            first = reserve_ids(conn, _pledges, len(new_rows))
            columns = ("id", "chapter_id", "person_id", "event_id", *_PLEDGE_COPY)
            encode = RowEncoder(conn.dialect, _pledges, columns).encode
            bulk_insert(conn, _pledges, columns, (encode((first + i, *r)) for i, r in enumerate(new_rows)))
            self.inserted["pledges"].extend(first + i for i in range(len(new_rows)))
            self.touched.update(r[1] for r in new_rows if r[2] is not None)
            s.new_pledges += len(new_rows)

    def _update_pledges(self, pending: dict[int, dict[str, Any]]) -> None:
        """Apply the changes to pledges here, a few statements for all, keeping old values."""
        if not pending:
            return
        conn, pc = self.conn, _pledges.c
        names = sorted(set().union(*pending.values()))
        before: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(sorted(pending)):
            before.update((r["id"], r) for r in _dicts(conn.execute(
                select(pc.id, *(pc[k] for k in names)).where(pc.id.in_(chunk)))))
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for pledge_id, changes in sorted(pending.items()):
            keys = tuple(sorted(changes))
            groups[keys].append({"pledge": pledge_id, **{f"new_{k}": changes[k] for k in keys}})
            self.changed.append(("pledges", pledge_id,
                                 _to_json(_pledges, {k: before[pledge_id][k] for k in keys})))
        for keys, params in groups.items():
            conn.execute(
                update(_pledges).where(pc.id == bindparam("pledge"))
                .values({**{k: bindparam(f"new_{k}") for k in keys}, "version": pc.version + 1}),
                params,
            )

    # ------------------------------------------------------------ attendance
    def _merge_attendance(self, attendance: list[dict[str, Any]], person_map: dict[int, int],
                          event_map: dict[int, int]) -> None:
        conn, s = self.conn, self.summary
        ac = _attendance.c
        wanted = [a for a in attendance if a["person_id"] in person_map and a["event_id"] in event_map]
        s.refused_signups += len(attendance) - len(wanted)
        targets = sorted({person_map[a["person_id"]] for a in wanted})
        seen: set[tuple[int, int]] = set()
        for chunk in _chunks(targets):
            seen.update((r[0], r[1]) for r in conn.execute(
                select(ac.event_id, ac.person_id).where(ac.person_id.in_(chunk))))
        fresh = [a for a in wanted if (event_map[a["event_id"]], person_map[a["person_id"]]) not in seen]
        known_uuids: set[uuid.UUID] = set()
        for chunk in _chunks([a["uuid"] for a in fresh]):
            known_uuids.update(r[0] for r in conn.execute(select(ac.uuid).where(ac.uuid.in_(chunk))))
        rows = []
        for a in wanted:
            key = (event_map[a["event_id"]], person_map[a["person_id"]])
            if key in seen or a["uuid"] in known_uuids:
                continue
            seen.add(key)
            rows.append((*key, *(a[k] for k in _ATTENDANCE_COPY)))
        if rows:
            first = reserve_ids(conn, _attendance, len(rows))
            columns = ("id", "event_id", "person_id", *_ATTENDANCE_COPY)
            encode = RowEncoder(conn.dialect, _attendance, columns).encode
            bulk_insert(conn, _attendance, columns, (encode((first + i, *r)) for i, r in enumerate(rows)))
            self.inserted["attendance"].extend(first + i for i in range(len(rows)))
            self.touched.update(r[1] for r in rows)
            s.new_attendance += len(rows)

    # ------------------------------------------------------------ consent
    def _merge_consents(self, statements: list[dict[str, Any]], pledges: list[dict[str, Any]],
                        person_map: dict[int, int], event_map: dict[int, int]) -> None:
        """Add the pack's consent statements (by UUID), then set consent from all statements.

        Each person's consent per purpose is their latest statement here and in every pack
        (``consent.refresh_pledges``), so the order of packs does not matter, merging again
        adds nothing, and a withdrawal made here later than a pack's statement stands.
        """
        conn, chapter, s = self.conn, self.chapter, self.summary
        wanted = [st for st in statements if st["person_id"] in person_map]
        people = sorted({person_map[p["person_id"]] for p in pledges if p["person_id"] in person_map}
                        | {person_map[st["person_id"]] for st in wanted})
        if not people:
            return
        for pid, state in current_consent(conn, people).items():
            for purpose, value in state.items():
                self.consent_before.setdefault((pid, purpose), value)
        sc = _statements.c
        known: set[uuid.UUID] = set()
        for chunk in _chunks([st["uuid"] for st in wanted]):
            known.update(r[0] for r in conn.execute(select(sc.uuid).where(sc.uuid.in_(chunk))))
        rows = []
        for st in wanted:
            if st["uuid"] in known:
                continue
            known.add(st["uuid"])
            event = event_map.get(st["event_id"]) if st["event_id"] is not None else None
            rows.append((chapter.id, person_map[st["person_id"]], event, *(st[k] for k in _STATEMENT_COPY)))
        if rows:
            first = reserve_ids(conn, _statements, len(rows))
            columns = ("id", "chapter_id", "person_id", "event_id", *_STATEMENT_COPY)
            encode = RowEncoder(conn.dialect, _statements, columns).encode
            bulk_insert(conn, _statements, columns, (encode((first + i, *r)) for i, r in enumerate(rows)))
            self.inserted["consent_statements"].extend(first + i for i in range(len(rows)))
            s.consent_statements += len(rows)
        added = set(self.inserted["pledges"])
        for change in refresh_pledges(conn, people):
            if change.pledge_id not in added:  # an added pledge goes as a whole on undo
                self.changed.append(("pledges", change.pledge_id, dict(change.before)))
        for pid, state in current_consent(conn, people).items():
            for purpose, value in state.items():
                self.consent_now[(pid, purpose)] = value
        s.consents_given = sum(now and not self.consent_before[k] for k, now in self.consent_now.items())
        s.consents_withdrawn = sum(self.consent_before[k] and not now for k, now in self.consent_now.items())

    # ------------------------------------------------------------ devices
    def _merge_devices(self, devices: list[dict[str, Any]]) -> None:
        table = Device.__table__
        for d in devices:
            row = self.conn.execute(select(table.c.last_seq).where(table.c.id == d["id"])).first()
            if row is None:
                self.conn.execute(insert(table).values(
                    id=d["id"], name=d["name"], last_seq=d["last_seq"], first_seen=utcnow()))
            elif row[0] < d["last_seq"]:
                self.conn.execute(update(table).where(table.c.id == d["id"]).values(last_seq=d["last_seq"]))

    # ------------------------------------------------------------ record
    def record(self, packs: list[OpenedPack]) -> int:
        conn, s = self.conn, self.summary
        batch_id = int(conn.execute(insert(MergeBatch.__table__).values(
            chapter_id=self.chapter.id, merged_at=utcnow(),
            packs=[{"sha256": p.header.sha256, "device_id": str(p.header.device_id),
                    "file": p.path.name} for p in packs],
            summary=s.counts(),
        )).inserted_primary_key[0])
        rows = [(batch_id, table, row_id, None) for table, ids in self.inserted.items() for row_id in ids]
        rows += [(batch_id, table, row_id, before) for table, row_id, before in self.changed]
        if rows:
            columns = ("batch_id", "table_name", "row_id", "before")
            encode = RowEncoder(conn.dialect, MergeRow.__table__, columns).encode
            bulk_insert(conn, MergeRow.__table__, columns, (encode(r) for r in rows))
        if self.inserted.get("merge_reviews"):
            conn.execute(update(MergeReview.__table__)
                         .where(MergeReview.id.in_(self.inserted["merge_reviews"]))
                         .values(batch_id=batch_id))
        conn.execute(insert(AuditEntry.__table__).values(
            uuid=uuid.uuid4(), device_id=self.db.device.id,
            device_seq=self.db.allocate_sequence(conn, 1), created_at=utcnow(), updated_at=utcnow(),
            chapter_id=self.chapter.id, action=AuditAction.MERGE, entity="merge_batch",
            summary=f"merged {len(packs)} sign-up pack(s)",
            details={"batch_id": batch_id, **s.counts()},
        ))
        return batch_id


def _name(given: str, family: str) -> str:
    return " ".join(p for p in (given, family) if p)


def merge_packs(
    db: Database,
    paths: Sequence[Path | str],
    *,
    chapter_id: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    event_choices: Mapping[uuid.UUID, int | None] | None = None,
    into_event: int | None = None,
) -> MergeSummary:
    """Merge sign-up packs into this database, or (``dry_run``) say what it would do.

    Every pack is checked before anything changes: one refused pack (truncated,
    damaged, changed, another program's file, another chapter) refuses the whole merge
    with :class:`PackRefused` and nothing changes.  All packs merge in one transaction.

    Events the packs made that are not known here (by UUID, or matched before) go to
    ``event_choices[their uuid]`` (an event id here; ``None``: add it as a new event), else
    to ``into_event`` when given, else to an event here with the same title on the same
    day, else they are added.
    """
    report = progress or (lambda _f, _m: None)
    if not paths:
        raise PackRefused(_("Choose at least one sign-up pack to merge."))
    summary = MergeSummary(dry_run=dry_run)
    import contextlib

    with contextlib.ExitStack() as stack:
        opened = []
        for i, path in enumerate(paths):
            report(0.1 * i / len(paths), _("Checking {name}…").format(name=Path(path).name))
            opened.append(stack.enter_context(open_pack(Path(path))))
            check_pack_values(opened[-1])
            if cancel is not None and cancel.is_set():
                raise Cancelled()
        try:
            with db.connect(write=True) as conn:
                merger = _Merger(db, conn, summary, chapter_id, report, cancel, event_choices, into_event)
                share = 0.4 / len(opened)
                read = [merger.read_pack(pack, 0.1 + share * i, share) for i, pack in enumerate(opened)]
                merger.check()
                report(0.5, _("Matching people…"))
                person_maps = merger.merge_people(read)
                report(0.7, _("Adding pledges and attendance…"))
                for rows, person_map in zip(read, person_maps, strict=True):
                    merger.apply_pack(rows, person_map)
                merger.merge_all_attendance(read, person_maps)
                report(0.9, _("Looking for likely matches…"))
                merger.check()
                merger._queue_reviews()
                summary.chapter_id = merger.chapter.id
                if dry_run:
                    raise _Rollback(summary)
                if summary.changed or summary.queued_for_review or summary.details_queued:
                    summary.batch_id = merger.record(opened)
        except _Rollback:
            pass
    report(1.0, _("Done"))
    return summary


# --------------------------------------------------------------------------- undo


@dataclass(frozen=True)
class MergeBatchView:
    id: int
    chapter_id: int
    merged_at: dt.datetime
    packs: list[dict[str, object]]
    summary: dict[str, object]
    undone_at: dt.datetime | None


def list_merges(db: Database, chapter_id: int) -> list[MergeBatchView]:
    """The chapter's merges, newest first."""
    t = MergeBatch.__table__
    with db.connect() as conn:
        return [MergeBatchView(r.id, r.chapter_id, r.merged_at, r.packs, r.summary, r.undone_at)
                for r in conn.execute(select(t).where(t.c.chapter_id == chapter_id).order_by(t.c.id.desc()))]


def undo_merge(db: Database, batch_id: int, *, progress: Progress | None = None,
               cancel: jobs.CancelSignal | None = None) -> int:
    """Take back everything one merge added or changed; return how many rows.

    Only the chapter's newest merge that is not undone yet can be undone (a later merge
    may build on it).  People the merge added go, with whatever was recorded about them
    since; pledges the merge changed get their earlier values back.
    """
    t, r = MergeBatch.__table__, MergeRow.__table__
    jobs.check(cancel)
    with db.connect(write=True) as conn:
        jobs.check(cancel)  # the last moment: past it the undo runs to its end
        batch = conn.execute(select(t).where(t.c.id == batch_id)).first()
        if batch is None:
            raise NotFound(_("There is no merge with id {id}.").format(id=batch_id))
        if batch.undone_at is not None:
            raise ChapterError(_("That merge was undone already."))
        newer = conn.execute(select(func.count()).select_from(t).where(
            t.c.chapter_id == batch.chapter_id, t.c.id > batch_id, t.c.undone_at.is_(None))).scalar()
        if newer:
            raise ChapterError(_("A later merge builds on this one; undo the later merge first."))
        rows = conn.execute(select(r.c.table_name, r.c.row_id, r.c.before)
                            .where(r.c.batch_id == batch_id).order_by(r.c.id.desc())).all()
        tables = {"pledges": _pledges, "people": _people, "attendance": _attendance,
                  "events": _events, "merge_reviews": MergeReview.__table__,
                  "event_aliases": EventAlias.__table__, "consent_statements": _statements}
        for name, row_id, before in rows:
            if before is not None:
                table = tables[name]
                conn.execute(update(table).where(table.c.id == row_id).values(
                    **_from_json(table, before),
                    **({"version": table.c.version + 1} if "version" in table.c else {})))
        consent_people = _consent_people(conn, rows)
        added_people = [row_id for n, row_id, before in rows if n == "people" and before is None]
        forget_people(conn, [tuple(row) for chunk in _chunks(added_people) for row in conn.execute(
            select(_people.c.chapter_id, _people.c.uuid).where(_people.c.id.in_(chunk)))])
        for name in ("consent_statements", "merge_reviews", "event_aliases", "attendance", "pledges",
                     "people", "events"):
            ids = [row_id for n, row_id, before in rows if n == name and before is None]
            table = tables[name]
            for chunk in _chunks(ids):
                conn.execute(delete(table).where(table.c.id.in_(chunk)))
        # Consent follows the statements left (one made here since the merge counts).
        refresh_pledges(conn, consent_people)
        conn.execute(update(t).where(t.c.id == batch_id).values(undone_at=utcnow()))
        conn.execute(insert(AuditEntry.__table__).values(
            uuid=uuid.uuid4(), device_id=db.device.id, device_seq=db.allocate_sequence(conn, 1),
            created_at=utcnow(), updated_at=utcnow(), chapter_id=batch.chapter_id,
            action=AuditAction.MERGE, entity="merge_batch", summary="merge undone",
            details={"batch_id": batch_id, "rows": len(rows)},
        ))
        if any(n == "people" for n, _i, _b in rows):
            db.purge_deleted_text(conn)
        return len(rows)


def _consent_people(conn: Connection, rows: Sequence[Any]) -> list[int]:
    """People whose consent an undo may change: of the statements or pledges it touched."""
    found: set[int] = set()
    for name, table in (("consent_statements", _statements), ("pledges", _pledges)):
        ids = sorted({row_id for n, row_id, _before in rows if n == name})
        for chunk in _chunks(ids):
            found.update(r[0] for r in conn.execute(select(table.c.person_id).where(table.c.id.in_(chunk))))
    return sorted(found)


# --------------------------------------------------------------------------- review


@dataclass(frozen=True)
class ReviewView:
    id: int
    person_id: int
    candidate_id: int
    person_name: str
    candidate_name: str
    person_details: str  # email · student id, for telling them apart
    candidate_details: str
    event_title: str
    # Why it was queued: "name" (same name at a shared event), "identifier" (someone's
    # email or student id with another name), "details" (values offered for empty fields
    # of the person here; person and candidate are the same person).
    reason: str = "name"
    # What "Same person" / "Accept" would write into empty fields of the person here.
    offered: dict[str, str] = field(default_factory=dict)
    # For "identifier": what the sign-up typed that belongs to the person here.
    held_back: dict[str, str] = field(default_factory=dict)

    @property
    def reason_label(self) -> str:
        return {
            "name": _("Same name at the same event"),
            "identifier": _("Someone here has this email or student id, under another name"),
            "details": _("A sign-up offers details this person has not given"),
        }.get(self.reason, self.reason)


def _details(email: str | None, student_id: str | None) -> str:
    return " · ".join(v for v in (email, student_id) if v) or _("no email or student id")


_OFFERABLE = ("email", "student_id", "phone")


def _offered(reason: str, proposed: dict[str, Any] | None, newcomer: Any, here: Any) -> dict[str, str]:
    """What settling the question would write into the empty fields of the person here."""
    source = (proposed or {}) if reason == "details" else {k: getattr(newcomer, k) for k in _OFFERABLE}
    return {k: str(source[k]) for k in _OFFERABLE if source.get(k) and not getattr(here, k)}


def list_reviews(db: Database, chapter_id: int) -> list[ReviewView]:
    """Questions waiting for the organiser, oldest first."""
    mr = MergeReview.__table__
    a, b = _people.alias("a"), _people.alias("b")
    with db.connect() as conn:
        rows = conn.execute(
            select(mr.c.id, mr.c.person_id, mr.c.candidate_id, mr.c.reason, mr.c.proposed,
                   a.c.given_names, a.c.family_names, a.c.email, a.c.student_id, a.c.phone,
                   b.c.given_names.label("cg"), b.c.family_names.label("cf"),
                   b.c.email.label("ce"), b.c.student_id.label("cs"), b.c.phone.label("cp"), _events.c.title)
            .join(a, a.c.id == mr.c.person_id).join(b, b.c.id == mr.c.candidate_id)
            .outerjoin(_events, _events.c.id == mr.c.event_id)
            .where(mr.c.chapter_id == chapter_id, mr.c.resolved_at.is_(None)).order_by(mr.c.id)
        ).all()
    out = []
    for r in rows:
        here = _Fields(r.ce, r.cs, r.cp)
        offered = _offered(r.reason, r.proposed, _Fields(r.email, r.student_id, r.phone), here)
        if r.reason == "details" and not offered:
            continue  # filled in since: nothing left to ask
        held = {k: str(v) for k, v in (r.proposed or {}).items() if v} if r.reason == "identifier" else {}
        out.append(ReviewView(
            r.id, r.person_id, r.candidate_id, _name(r.given_names, r.family_names), _name(r.cg, r.cf),
            _details(r.email, r.student_id), _details(r.ce, r.cs), r.title or "", r.reason or "name",
            offered, held))
    return out


@dataclass(frozen=True)
class _Fields:
    email: str | None
    student_id: str | None
    phone: str | None


def resolve_review(db: Database, review_id: int, *, same_person: bool,
                   accept: Iterable[str] | None = None) -> int | None:
    """Settle a question; returns the person who remains when they are the same.

    Same person: the newcomer's pledge, attendance and consent statements go to the person
    already here (one pledge: the earlier signing; consent: the latest statement), the
    offered email, student id or phone (those named in ``accept``; all when ``None``) fill
    what the person here lacks, and the newcomer's entry goes; their UUID stays as an
    alias, so merging the pack again finds the person.  Not the same: both stay, and the
    question is not asked again.  For a "details" question, ``same_person`` means "accept
    the offered values" (those in ``accept``) and nothing is moved or removed.
    """
    from .derived import person_keys

    wanted = None if accept is None else set(accept)
    mr = MergeReview.__table__
    with db.connect(write=True) as conn:
        review = conn.execute(select(mr).where(mr.c.id == review_id)).first()
        if review is None or review.resolved_at is not None:
            raise NotFound(_("That question was settled already."))
        if not same_person:
            conn.execute(update(mr).where(mr.c.id == review_id).values(
                resolved_at=utcnow(), resolution="declined" if review.reason == "details" else "separate"))
            return None
        gone, keep = review.person_id, review.candidate_id
        pc = _people.c
        here = dict(conn.execute(select(_people).where(pc.id == keep)).one()._mapping)
        if review.reason == "details":
            offered = dict(review.proposed or {})
        else:
            newcomer = dict(conn.execute(select(_people).where(pc.id == gone)).one()._mapping)
            offered = {k: newcomer[k] for k in _OFFERABLE}
            _move_signups(conn, gone, keep)
            conn.execute(update(PersonAlias.__table__).where(PersonAlias.person_id == gone).values(person_id=keep))
            conn.execute(insert(PersonAlias.__table__).values(uuid=newcomer["uuid"], person_id=keep))
            forget_people(conn, [(newcomer["chapter_id"], newcomer["uuid"])])
            conn.execute(delete(_people).where(pc.id == gone))
        conn.execute(update(mr).where(mr.c.id == review_id).values(
            resolved_at=utcnow(), resolution="accepted" if review.reason == "details" else "merged"))
        fill = {k: offered[k] for k in _OFFERABLE
                if here[k] is None and offered.get(k) and (wanted is None or k in wanted)}
        if fill:
            merged = {**here, **fill}
            keys = person_keys(merged["given_names"], merged["family_names"], merged["preferred_name"],
                               merged["email"], merged["student_id"], merged["family_name_first"])
            fill.update(email_key=keys.email_key, search_text=keys.search_text, updated_at=utcnow())
            taken = conn.execute(select(pc.id).where(pc.chapter_id == here["chapter_id"], pc.id != keep, or_(
                and_(pc.email_key.is_not(None), pc.email_key == fill.get("email_key")),
                and_(pc.student_id.is_not(None), pc.student_id == fill.get("student_id"))))).first()
            if taken is None:
                conn.execute(update(_people).where(pc.id == keep).values(**fill, version=pc.version + 1))
        if review.reason != "details":
            db.purge_deleted_text(conn)
        return int(keep)


def _move_signups(conn: Connection, gone: int, keep: int) -> None:
    """The newcomer's pledge (one pledge: the earlier signing), attendance and consent
    statements to the person here; their consent is then the latest of all statements."""
    lc, ac = _pledges.c, _attendance.c
    theirs = conn.execute(select(_pledges).where(lc.person_id == gone)).first()
    mine = conn.execute(select(_pledges).where(lc.person_id == keep)).first()
    if theirs is not None:
        if mine is None:
            conn.execute(update(_pledges).where(lc.id == theirs.id).values(
                person_id=keep, version=lc.version + 1))
        else:
            first, second = sorted((theirs, mine), key=lambda p: (p.signed_at, p.uuid.bytes))
            conn.execute(delete(_pledges).where(lc.id == second.id))
            conn.execute(update(_pledges).where(lc.id == first.id).values(
                person_id=keep, version=lc.version + 1))
    # Their consent statements are the person's: consent is the latest of them all.
    conn.execute(update(_statements).where(_statements.c.person_id == gone).values(person_id=keep))
    refresh_pledges(conn, [keep])
    for att in conn.execute(select(ac.id, ac.event_id).where(ac.person_id == gone)).all():
        clash = conn.execute(select(ac.id).where(ac.person_id == keep, ac.event_id == att.event_id)).first()
        if clash is None:
            conn.execute(update(_attendance).where(ac.id == att.id).values(person_id=keep))


# --------------------------------------------------------------------------- packs out


@dataclass(frozen=True)
class PackWritten:
    path: Path
    people: int
    pledges: int
    attendance: int
    events: int


def export_pack(db: Database, out: Path | str, *, chapter_id: int | None = None,
                event_id: int | None = None, since: dt.date | None = None,
                progress: Progress | None = None, cancel: jobs.CancelSignal | None = None) -> PackWritten:
    """Write this database's sign-ups (optionally of one event, or since a day) to a pack."""
    event_uuid = None
    if event_id is None and chapter_id is None:
        with db.connect() as conn:
            ids = conn.execute(select(Chapter.id).limit(2)).scalars().all()
        if len(ids) > 1:
            from ..errors import ChapterChoiceNeeded

            raise ChapterChoiceNeeded(
                _("This database holds several chapters; choose one (--chapter ID)."))
    if event_id is not None:
        with db.connect() as conn:
            row = conn.execute(select(_events.c.uuid, _events.c.chapter_id).where(_events.c.id == event_id)).first()
        if row is None:
            raise NotFound(_("There is no event with id {id}.").format(id=event_id))
        event_uuid = row.uuid
        chapter_id = chapter_id or row.chapter_id
    with db.raw_sqlite() as raw:
        written = write_pack(raw, Path(out), device_id=db.device.id, device_name=db.device.name,
                             chapter_id=chapter_id, event_id=event_id, event_uuid=event_uuid, since=since,
                             progress=progress, cancel=cancel)
    c = written.counts
    return PackWritten(written.path, c["people"], c["pledges"], c["attendance"], c["events"])


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
    import os

    os.replace(partial, out)
    return KioskDatabase(out, int(new_chapter), int(new_event), len(goals))
