"""The sign-up kiosk's core: the texts it shows, its exit PIN, and one sign-up with its thanks.

The kiosk window (``ui/kiosk``) is a thin face over this module, so the same path is used
by the window, the crash test (a process killed while saving) and the benchmarks:

* :func:`load_text` reads the versioned texts shipped in ``resources/kiosk/``
  (``commitment-N.LANG.md``, ``notice-N.LANG.md``): a few ``key: value`` header lines,
  ``---``, then the text.  The version a pledge records is ``VERSION.LANG`` ("2026-1.en"),
  so what each person was shown can be found again.
* :class:`Kiosk` records one sign-up (``services.pledges.sign_up``: committed to disk,
  ``synchronous=FULL``, before it returns) and then reads the progress shown on the
  thank-you screen with a few indexed counts.
* The exit PIN is stored salted and hashed (scrypt) in the ``settings`` table;
  :class:`ExitGate` checks typed PINs and locks the exit for a minute after five wrong ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from .. import paths
from ..errors import ChapterError, NotFound, ValidationError
from ..i18n import _
from ..models import Affiliation, Chapter, Event, Goal, GoalMetric, Pledge, RecordSource, Setting
from ..storage import Database
from .events import local_day_bounds
from .people import PersonData
from .pledges import PledgeData, SignUpOutcome, sign_up

# --------------------------------------------------------------------------- texts

TEXT_KINDS = ("commitment", "notice")
DEFAULT_LANGUAGE = "en"
_TEXT_FILE = re.compile(r"^(?P<kind>[a-z]+)-(?P<number>\d+)\.(?P<language>[a-z]{2,3})\.md$")
_HEADER_KEY = re.compile(r"^[a-z_]+$")


class KioskTextError(ChapterError):
    """A kiosk text file is missing or cannot be read."""


@dataclass(frozen=True)
class KioskText:
    """One versioned text as shown: ``version`` is what a pledge records ("2026-1.en")."""

    kind: str
    version: str
    language: str
    title: str
    body: str
    fields: dict[str, str] = field(default_factory=dict)  # the other header lines
    path: Path | None = None

    def get(self, key: str) -> str:
        return self.fields.get(key, "")


def texts_dir() -> Path:
    return paths.resources_dir() / "kiosk"


def parse_text(source: str, *, kind: str = "", where: str = "") -> KioskText:
    """Read a kiosk text: ``key: value`` lines, a line ``---``, then the text itself.

    ``version`` and ``language`` are required; the recorded version is both joined by a
    dot and must fit the 32 characters a pledge keeps.
    """
    where = where or kind or _("the text")
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header: dict[str, str] = {}
    for number, line in enumerate(lines):
        if line.strip() == "---":
            body = "\n".join(lines[number + 1:]).strip()
            break
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not _HEADER_KEY.match(key):
            raise KioskTextError(
                _("{where}, line {n}: expected “name: value” or “---”.").format(where=where, n=number + 1)
            )
        header[key] = value.strip()
    else:
        raise KioskTextError(_("{where} has no “---” line before its text.").format(where=where))
    version, language = header.pop("version", ""), header.pop("language", "")
    if not version or not language:
        raise KioskTextError(_("{where} must name its version and language.").format(where=where))
    recorded = f"{version}.{language}"
    if len(recorded) > 32 or any(ch.isspace() for ch in recorded):
        raise KioskTextError(
            _("{where}: the version “{v}” must be one word of at most 32 characters.").format(
                where=where, v=recorded
            )
        )
    if not body:
        raise KioskTextError(_("{where} has no text after “---”.").format(where=where))
    title = header.pop("title", "")
    return KioskText(kind, recorded, language, title, body, header)


def available_texts(folder: Path | None = None) -> dict[tuple[str, str], Path]:
    """The newest file of each (kind, language) in ``folder``."""
    folder = folder or texts_dir()
    newest: dict[tuple[str, str], tuple[int, Path]] = {}
    try:
        entries = list(folder.iterdir())
    except OSError:
        return {}
    for path in entries:
        m = _TEXT_FILE.match(path.name)
        if not m:
            continue
        key = (m["kind"], m["language"])
        number = int(m["number"])
        if key not in newest or number > newest[key][0]:
            newest[key] = (number, path)
    return {k: v[1] for k, v in newest.items()}


def load_text(kind: str, language: str = DEFAULT_LANGUAGE, folder: Path | None = None) -> KioskText:
    """The newest ``kind`` text in ``language`` (its first two letters), else in English."""
    files = available_texts(folder)
    language = (language or DEFAULT_LANGUAGE).split("_")[0].split("-")[0].lower()
    path = files.get((kind, language)) or files.get((kind, DEFAULT_LANGUAGE))
    if path is None:
        raise KioskTextError(
            _("The kiosk's {kind} text is missing from {folder}; reinstall the app.").format(
                kind=kind, folder=folder or texts_dir()
            )
        )
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KioskTextError(_("{path} could not be read: {err}").format(path=path, err=error)) from error
    text = parse_text(source, kind=kind, where=path.name)
    return KioskText(text.kind, text.version, text.language, text.title, text.body, text.fields, path)


@dataclass(frozen=True)
class KioskTexts:
    commitment: KioskText
    notice: KioskText  # the privacy notice and the consent choices (their version is the consent's)


def load_texts(language: str = DEFAULT_LANGUAGE, folder: Path | None = None) -> KioskTexts:
    return KioskTexts(load_text("commitment", language, folder), load_text("notice", language, folder))


# --------------------------------------------------------------------------- exit PIN

PIN_SETTING = "kiosk_exit_pin"
# A PIN of digits only needs six (a million guesses, about 11 hours of scrypt on one core
# for someone holding a copy of the kiosk database; four digits fell in minutes); anything
# else is a passphrase of at least eight characters.
MIN_PIN_LENGTH = 6
MIN_PASSPHRASE_LENGTH = 8
MAX_PIN_LENGTH = 64
# scrypt's cost: about 40 ms and 16 MiB here, once per typed PIN.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def check_new_pin(pin: str, again: str) -> str:
    """The PIN typed twice at set-up, or ``ValidationError`` for "pin" / "again"."""
    pin = pin or ""
    short = len(pin) < (MIN_PIN_LENGTH if pin.isdigit() else MIN_PASSPHRASE_LENGTH)
    if short:
        raise ValidationError({"pin": _(
            "Choose a PIN of at least {digits} digits, or a passphrase of at least {chars} "
            "characters: a shorter one can be guessed from a copy of this laptop's database."
        ).format(digits=MIN_PIN_LENGTH, chars=MIN_PASSPHRASE_LENGTH)})
    if len(pin) > MAX_PIN_LENGTH:
        raise ValidationError({"pin": _("A PIN has at most {n} characters.").format(n=MAX_PIN_LENGTH)})
    if pin.strip() != pin or any(not ch.isprintable() for ch in pin):
        raise ValidationError({"pin": _("A PIN cannot start or end with a space.")})
    if again != pin:
        raise ValidationError({"again": _("The two PINs are not the same; type it again.")})
    return pin


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$SALT$HASH`` (hex): what is stored, never the PIN itself."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_pin(stored: str, pin: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        typed = hashlib.scrypt(
            (pin or "").encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(typed, expected)


def set_exit_pin(db: Database, pin: str) -> str:
    """Store ``pin`` salted and hashed in the database's settings; returns what was stored."""
    stored = hash_pin(pin)
    with db.write() as s:
        row = s.get(Setting, PIN_SETTING)
        if row is None:
            s.add(Setting(key=PIN_SETTING, value=stored))
        else:
            row.value = stored
    return stored


def exit_pin_hash(db: Database) -> str | None:
    with db.read() as s:
        row = s.get(Setting, PIN_SETTING)
        return row.value if row is not None else None


class GateAnswer(Enum):
    OPEN = "open"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class GateResult:
    answer: GateAnswer
    tries_left: int = 0
    locked_for: float = 0.0  # seconds


class ExitGate:
    """Checks PINs typed to leave the kiosk: five wrong ones lock the exit for a minute.

    ``clock`` (seconds, monotonic) is injectable so tests need not wait.
    """

    MAX_TRIES = 5
    LOCK_SECONDS = 60.0

    def __init__(self, stored_hash: str, clock: Callable[[], float] = time.monotonic):
        self._stored = stored_hash
        self._clock = clock
        self._wrong = 0
        self._locked_until: float | None = None

    def locked_for(self) -> float:
        if self._locked_until is None:
            return 0.0
        left = self._locked_until - self._clock()
        if left <= 0:
            self._locked_until = None
            self._wrong = 0
            return 0.0
        return left

    def try_pin(self, pin: str) -> GateResult:
        left = self.locked_for()
        if left > 0:
            return GateResult(GateAnswer.LOCKED, 0, left)
        if verify_pin(self._stored, pin):
            self._wrong = 0
            return GateResult(GateAnswer.OPEN, self.MAX_TRIES)
        self._wrong += 1
        if self._wrong >= self.MAX_TRIES:
            self._locked_until = self._clock() + self.LOCK_SECONDS
            return GateResult(GateAnswer.LOCKED, 0, self.LOCK_SECONDS)
        return GateResult(GateAnswer.WRONG, self.MAX_TRIES - self._wrong)


# --------------------------------------------------------------------------- sign-ups


@dataclass
class KioskEntry:
    """What a person typed at the kiosk.  A name is the only thing required."""

    given_names: str = ""
    family_names: str = ""
    email: str = ""
    student_id: str = ""
    affiliation: Affiliation | str = Affiliation.STUDENT
    gender: str = ""
    personal_commitment: str = ""
    may_contact: bool = False
    may_publish_name: bool = False


@dataclass(frozen=True)
class GoalStep:
    """Progress toward one goal, as the thank-you screen shows it."""

    current: int
    target: int
    label: str

    @property
    def percent(self) -> float:
        return round(self.current * 100 / self.target, 1) if self.target else 0.0


@dataclass(frozen=True)
class KioskProgress:
    today: int  # pledges signed at this event today (the event's own day)
    event_pledges: int
    event_goal: GoalStep | None
    chapter_goal: GoalStep | None


@dataclass(frozen=True)
class KioskThanks:
    """What the thank-you screen shows.  ``outcome`` is for tests and logs, never shown:
    someone signing again sees the same thanks."""

    progress: KioskProgress
    outcome: SignUpOutcome


@dataclass(frozen=True)
class KioskEvent:
    id: int
    chapter_id: int
    title: str
    timezone: str
    pledge_goal: int | None
    chapter_name: str
    chapter_timezone: str


def kiosk_event(db: Database, event_id: int) -> KioskEvent:
    with db.read() as s:
        row = s.execute(
            select(Event.id, Event.chapter_id, Event.title, Event.timezone, Event.pledge_goal,
                   Chapter.name, Chapter.timezone)
            .join(Chapter, Chapter.id == Event.chapter_id)
            .where(Event.id == event_id)
        ).first()
    if row is None:
        raise NotFound(_("There is no event with id {id} in this database.").format(id=event_id))
    return KioskEvent(*row)


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.UTC


def kiosk_baseline_key(kind: str, row_uuid: object) -> str:
    """The ``settings`` key under which a kiosk database keeps how many pledges the
    main database had, when it was made, at the event (``kind`` "event") or in a pledge
    goal's period ("goal"): the kiosk's thanks count on from there."""
    return f"kiosk_{kind}_baseline:{getattr(row_uuid, 'hex', row_uuid)}"


def _baseline(db: Database, kind: str, row_uuid: object) -> int:
    with db.read() as s:
        value = s.scalar(select(Setting.value).where(Setting.key == kiosk_baseline_key(kind, row_uuid)))
    try:
        return max(0, int(value)) if value is not None else 0
    except ValueError:
        return 0


class Kiosk:
    """Sign-ups for one event, as the kiosk takes them.

    ``now`` (aware datetimes) is injectable for tests.  The chapter's pledge goal is read
    once (it does not change while the kiosk runs); counts are read after every sign-up.
    """

    def __init__(self, db: Database, event_id: int, texts: KioskTexts,
                 now: Callable[[], dt.datetime] | None = None):
        self.db = db
        self.event = kiosk_event(db, event_id)
        self.texts = texts
        self._now = now or (lambda: dt.datetime.now(_zone(self.event.timezone)))
        self._goal = self._chapter_goal()
        # The chapter goal counts every pledge of its period (hundreds of thousands in a
        # big chapter: ~15 ms).  Counted once here up to the newest pledge id; after each
        # sign-up only the pledges added since are counted (a range of the primary key).
        # On a kiosk laptop (``pack export --for-kiosk``) the main database's pledges are
        # not here: the counts start from what it had when the kiosk database was made.
        self._goal_mark: tuple[int, int] | None = None
        if self._goal is not None:
            start = _baseline(db, "goal", self._goal.uuid)
            with self.db.read() as s:
                mark = s.scalar(select(func.max(Pledge.id))) or 0
                self._goal_mark = (mark, start + self._goal_count(s) - self._goal_count(s, mark))
        with self.db.read() as s:
            event_uuid = s.scalar(select(Event.uuid).where(Event.id == event_id))
        self._event_start = _baseline(db, "event", event_uuid)

    def _goal_count(self, session, after: int | None = None) -> int:
        """Pledges of the goal's period: all of them, or only those with an id above ``after``."""
        goal = self._goal
        assert goal is not None
        start, end = local_day_bounds(goal.starts_on, goal.ends_on, self.event.chapter_timezone)
        if after is None:
            rows = select(Pledge.chapter_id, Pledge.signed_at).subquery()
        else:
            # The LIMIT keeps the planner on the primary key's range (the few rows added
            # since ``after``) instead of the (chapter, signed) index over the whole period.
            rows = (select(Pledge.chapter_id, Pledge.signed_at).where(Pledge.id > after)
                    .limit(2**31).subquery())
        return int(session.scalar(
            select(func.count()).select_from(rows)
            .where(rows.c.chapter_id == self.event.chapter_id, rows.c.signed_at >= start,
                   rows.c.signed_at < end)
        ) or 0)

    def _chapter_goal(self) -> Goal | None:
        today = self._now().astimezone(_zone(self.event.chapter_timezone)).date()
        with self.db.read() as s:
            goal = s.scalars(
                select(Goal)
                .where(Goal.chapter_id == self.event.chapter_id, Goal.metric == GoalMetric.PLEDGES,
                       Goal.starts_on <= today, Goal.ends_on >= today)
                .order_by(Goal.ends_on, Goal.id)
                .limit(1)
            ).first()
            if goal is not None:
                s.expunge(goal)
        return goal

    def submit(self, entry: KioskEntry) -> KioskThanks:
        """Record the sign-up (on disk when this returns), then read the progress to show.

        Raises ``ValidationError`` with one message per field the person should fix.
        """
        person = PersonData(
            given_names=entry.given_names,
            family_names=entry.family_names,
            email=entry.email or None,
            student_id=entry.student_id or None,
            affiliation=entry.affiliation or Affiliation.STUDENT,
            gender=entry.gender or None,
        )
        pledge = PledgeData(
            signed_at=self._now(),
            event_id=self.event.id,
            commitment_version=self.texts.commitment.version,
            personal_commitment=entry.personal_commitment,
            may_contact=entry.may_contact,
            may_publish_name=entry.may_publish_name,
            consent_version=self.texts.notice.version,
            source=RecordSource.KIOSK,
        )
        try:
            outcome = sign_up(self.db, self.event.chapter_id, person, pledge)
        except ValidationError as error:
            # sign_up stops at the pledge's problems; the form shows the person's too.
            raise ValidationError({**self._person_problems(person), **error.fields}) from None
        return KioskThanks(self.progress(), outcome)

    def _person_problems(self, person: PersonData) -> dict[str, str]:
        from .people import _validated

        with self.db.read() as s:
            country = s.scalar(select(Chapter.country).where(Chapter.id == self.event.chapter_id)) or ""
        try:
            _validated(person, country)
        except ValidationError as error:
            return error.fields
        return {}

    def progress(self) -> KioskProgress:
        """Today's count, the event's and the chapter's goal: counts over covering indexes."""
        ev = self.event
        now = self._now()
        day = now.astimezone(_zone(ev.timezone)).date()
        first, after = local_day_bounds(day, day, ev.timezone if ev.timezone else "UTC")
        at_event = (Pledge.chapter_id == ev.chapter_id, Pledge.event_id == ev.id)
        goal = self._goal
        with self.db.read() as s:
            today = s.scalar(
                select(func.count()).select_from(Pledge)
                .where(*at_event, Pledge.signed_at >= first, Pledge.signed_at < after)
            ) or 0
            event_total = self._event_start + (
                s.scalar(select(func.count()).select_from(Pledge).where(*at_event)) or 0)
            chapter_total = None
            if goal is not None and self._goal_mark is not None:
                mark, counted = self._goal_mark
                chapter_total = counted + self._goal_count(s, mark)
        return KioskProgress(
            today=int(today),
            event_pledges=int(event_total),
            event_goal=GoalStep(int(event_total), ev.pledge_goal, ev.title) if ev.pledge_goal else None,
            chapter_goal=(
                GoalStep(int(chapter_total), goal.target, goal.label or ev.chapter_name)
                if goal is not None and chapter_total is not None else None
            ),
        )


# --------------------------------------------------------------------------- a blank laptop


@dataclass
class KioskStart:
    """A kiosk laptop with no event yet: the event (and, on an empty file, the chapter)."""

    event_title: str = ""
    chapter_name: str = ""  # used only when the database has no chapter
    timezone: str = "UTC"  # IANA name: this laptop's zone
    pledge_goal: int | None = None


def kiosk_chapter_id(db: Database) -> int | None:
    """The chapter a kiosk on this database collects for: the only one (None: none yet).

    A database with several chapters needs ``--event`` to say which.
    """
    with db.read() as s:
        ids = s.scalars(select(Chapter.id).order_by(Chapter.id).limit(2)).all()
    if len(ids) > 1:
        raise ValidationError(
            {"event_title": _("This database holds several chapters: start the kiosk from an event's page, "
                              "or with --event ID.")}
        )
    return ids[0] if ids else None


def event_choice_needed(db: Database) -> bool:
    """Whether a kiosk started without an event must be told which one to collect for.

    A blank laptop (no events yet) starts on "start here"; a database holding events
    needs ``--event ID``.  Several chapters are refused as :func:`kiosk_chapter_id` does.
    """
    kiosk_chapter_id(db)
    with db.read() as s:
        return s.scalar(select(Event.id).limit(1)) is not None


def start_here(db: Database, data: KioskStart) -> int:
    """Create the event to collect sign-ups for (and the chapter on an empty file); its id."""
    from .chapters import ChapterData, create_chapter
    from .events import EventData, create_event
    from .events import _validated as check_event

    chapter_id = kiosk_chapter_id(db)
    event = EventData(
        title=data.event_title,
        starts_at=dt.datetime.now(_zone(data.timezone)).replace(second=0, microsecond=0),
        kind="pledge_drive",
        timezone=data.timezone,
        pledge_goal=data.pledge_goal,
    )
    problems: dict[str, str] = {}
    if chapter_id is None and not (data.chapter_name or "").strip():
        problems["chapter_name"] = _("Type your chapter's name.")
    try:
        check_event(event, data.timezone)
    except ValidationError as error:
        problems.update({("event_title" if k == "title" else k): v for k, v in error.fields.items()})
    if problems:
        raise ValidationError(problems)
    if chapter_id is None:
        try:
            chapter_id = create_chapter(db, ChapterData(name=data.chapter_name, timezone=data.timezone)).id
        except ValidationError as error:
            raise ValidationError({("chapter_name" if k == "name" else k): v
                                   for k, v in error.fields.items()}) from None
    return create_event(db, chapter_id, event).id


__all__ = [
    "KioskStart",
    "kiosk_chapter_id",
    "event_choice_needed",
    "start_here",
    "ExitGate",
    "GateAnswer",
    "GateResult",
    "GoalStep",
    "Kiosk",
    "KioskEntry",
    "KioskEvent",
    "KioskProgress",
    "KioskText",
    "KioskTextError",
    "KioskTexts",
    "KioskThanks",
    "available_texts",
    "check_new_pin",
    "exit_pin_hash",
    "hash_pin",
    "kiosk_event",
    "load_text",
    "load_texts",
    "parse_text",
    "set_exit_pin",
    "verify_pin",
]
