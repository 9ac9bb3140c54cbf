"""The Excel roster: a chapter's members, officers, events, attendance, pledges and forums.

``export_roster(db, path, options, progress, cancel)`` reads everything in one read
snapshot (so the sheets agree with each other) and streams it into a
:class:`~chapter_manager.exports.xlsx.SafeWorkbook`.

Advisor mode leaves out every column whose data falls in a category of
:data:`chapter_manager.privacy.ADVISOR_HIDDEN` (read from the marks in ``models.py``:
email and phone are "contact", the student id "identifier", gender and pronouns
"sensitive") and everyone flagged "do not disclose"; where such a person is named in
passing (a forum's facilitators, an action item's owner) the name is replaced by
"(not disclosed)".  The Summary sheet lists what was left out.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import DateTime, String, func, select, type_coerce
from sqlalchemy.orm import Session

from .. import __version__
from ..errors import ValidationError
from ..i18n import N_, _
from ..models import (
    ActionItem,
    Affiliation,
    Attendance,
    Chapter,
    Event,
    EventKind,
    EventStatus,
    FocusArea,
    ForumFacilitator,
    ForumFormat,
    ForumSession,
    ForumTakeaway,
    Membership,
    MembershipStatus,
    OfficerRole,
    OfficerTerm,
    Person,
    Pledge,
    RecordSource,
)
from ..privacy import ADVISOR_HIDDEN, personal_columns
from ..services.common import resolve_chapter
from ..services.people import display_name
from ..storage import Database
from .xlsx import Column, FileProblem, Progress, SafeWorkbook

__all__ = ["RosterOptions", "RosterResult", "SHEETS", "export_roster", "member_columns"]


@dataclass(frozen=True)
class RosterOptions:
    """What to export.  ``status`` limits the Members and Officers sheets."""

    chapter_id: int | None = None
    status: MembershipStatus | str | None = None
    advisor: bool = False
    today: dt.date | None = None


@dataclass(frozen=True)
class RosterResult:
    path: Path
    rows: dict[str, int]  # rows per sheet (Summary excluded)
    left_out_columns: tuple[str, ...]
    left_out_people: int
    warnings: tuple[str, ...] = field(default=())


# A sheet column: header, kind, minimum width, and the model column it shows (for privacy).
@dataclass(frozen=True)
class _Col:
    header: str  # marked with N_, translated when written
    kind: str = "text"
    width: int = 10
    source: tuple[str, str] | None = None


# Sheet names, in the order they are written.
SHEETS = (N_("Members"), N_("Officers"), N_("Events"), N_("Attendance"), N_("Pledges"),
          N_("Forums"), N_("Summary"))

_MEMBER_COLUMNS = (
    _Col(N_("Given name(s)"), width=14, source=("people", "given_names")),
    _Col(N_("Family name(s)"), width=14, source=("people", "family_names")),
    _Col(N_("Preferred name"), source=("people", "preferred_name")),
    _Col(N_("Email"), width=24, source=("people", "email")),
    _Col(N_("Phone"), "id", 14, source=("people", "phone")),
    _Col(N_("Student id"), "id", 12, source=("people", "student_id")),
    _Col(N_("Affiliation")),
    _Col(N_("Faculty or department"), width=16),
    _Col(N_("Programme"), width=16),
    _Col(N_("Year of study"), "number"),
    _Col(N_("Gender"), source=("people", "gender")),
    _Col(N_("Pronouns"), source=("people", "pronouns")),
    _Col(N_("Status")),
    _Col(N_("Joined"), "date"),
    _Col(N_("Left"), "date"),
    _Col(N_("Officer role")),
    _Col(N_("Do not disclose"), "flag"),
    _Col(N_("Added"), "date"),
)


def member_columns(advisor: bool = False) -> list[str]:
    """The Members sheet's headers (translated), as :func:`export_roster` writes them."""
    return [_(c.header) for c in _kept(_MEMBER_COLUMNS, advisor)[0]]


def _hidden(col: _Col, personal: dict[str, dict[str, str]]) -> bool:
    if col.source is None:
        return False
    table, column = col.source
    return personal.get(table, {}).get(column) in ADVISOR_HIDDEN


def _kept(cols: Sequence[_Col], advisor: bool) -> tuple[list[_Col], list[int]]:
    if not advisor:
        return list(cols), list(range(len(cols)))
    personal = personal_columns()
    keep = [i for i, c in enumerate(cols) if not _hidden(c, personal)]
    return [cols[i] for i in keep], keep


def _picker(keep: list[int], width: int) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
    """The kept columns of a row (None: all of them, the row as it is)."""
    if len(keep) == width:
        return None
    if len(keep) == 1:
        one = itemgetter(keep[0])
        return lambda row: (one(row),)
    return itemgetter(*keep)


def _labels(enum_cls: Any) -> dict[Any, str]:
    """Label by member and by stored value (the big sheets read enum columns as plain text)."""
    labels: dict[Any, str] = {}
    for member in enum_cls:
        labels[member] = labels[member.value] = member.label
    return labels


def _text(column: Any) -> Any:
    """A text column with its empty texts read as NULL (an empty cell costs a cell)."""
    return func.nullif(column, "")


def _raw(column: Any) -> Any:
    """An enum column read as its stored text: skips building an enum object per row."""
    return type_coerce(column, String)


def _utc(column: Any) -> Any:
    """A UTC moment read as a plain DateTime: no per-row decorator (naive UTC on SQLite)."""
    return type_coerce(column, DateTime())


def _person_name(given: str, family: str, preferred: str, family_first: bool) -> str:
    """:func:`display_name`, with the commonest case (given and family name, in that
    order) spelled out: a name is built for every pledge and attendance row."""
    if preferred:
        return preferred
    if given and family and not family_first:
        return f"{given} {family}"
    return display_name(given, family, preferred, family_first)


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


class _Reader:
    """Reads one chapter's rows for each sheet, inside one read snapshot."""

    def __init__(self, s: Session, chapter: Chapter, options: RosterOptions, status: MembershipStatus | None):
        self.s = s
        self.chapter = chapter
        self.options = options
        self.status = status
        self.advisor = options.advisor
        self.today = options.today or dt.date.today()
        self.zone = _zone(chapter.timezone)
        self.yes, self.no = _("Yes"), _("No")
        self.hidden_name = _("(not disclosed)")
        self._undisclosed: set[int] | None = None

    def undisclosed(self) -> set[int]:
        if self._undisclosed is None:
            self._undisclosed = set(
                self.s.scalars(
                    select(Person.id).where(Person.chapter_id == self.chapter.id,
                                            Person.do_not_disclose.is_(True))
                )
            )
        return self._undisclosed

    def skip(self, person_id: int) -> bool:
        return self.advisor and person_id in self.undisclosed()

    def flag(self, value: bool) -> str:
        return self.yes if value else self.no

    def current_roles(self) -> dict[int, str]:
        roles: dict[int, list[str]] = defaultdict(list)
        labels = _labels(OfficerRole)
        rows = self.s.execute(
            select(OfficerTerm.person_id, OfficerTerm.role, OfficerTerm.custom_title)
            .where(
                OfficerTerm.chapter_id == self.chapter.id,
                OfficerTerm.starts_on <= self.today,
                OfficerTerm.ends_on.is_(None) | (OfficerTerm.ends_on >= self.today),
            )
            .order_by(OfficerTerm.role, OfficerTerm.starts_on)
        )
        for person_id, role, custom in rows:
            roles[person_id].append(custom if role is OfficerRole.CUSTOM else labels[role])
        return {k: ", ".join(v) for k, v in roles.items()}

    def members(self) -> Iterator[tuple[Any, ...]]:
        roles = self.current_roles()
        aff, stat = _labels(Affiliation), _labels(MembershipStatus)
        stmt = (
            select(
                Person.id, _text(Person.given_names), _text(Person.family_names),
                _text(Person.preferred_name), Person.email, Person.phone, Person.student_id,
                _raw(Person.affiliation), _text(Person.department), _text(Person.programme),
                Person.year_of_study, Person.gender,
                Person.pronouns, _raw(Membership.status), Membership.joined_on, Membership.left_on,
                Person.do_not_disclose, _utc(Person.created_at),
            )
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.chapter_id == self.chapter.id)
            .order_by(Person.sort_key, Person.id)
        )
        if self.status is not None:
            stmt = stmt.where(Membership.status == self.status)
        if self.advisor:
            stmt = stmt.where(Person.do_not_disclose.is_(False))
        yes, no, zone, utc = self.yes, self.no, self.zone, dt.UTC
        for r in self.s.connection().execute(stmt.execution_options(yield_per=5000)):
            added = r[17]
            if added is not None:
                added = (added.replace(tzinfo=utc) if added.tzinfo is None else added).astimezone(zone).date()
            yield [
                r[1], r[2], r[3], r[4], r[5], r[6], aff[r[7]], r[8], r[9], r[10], r[11], r[12],
                stat[r[13]], r[14], r[15], roles.get(r[0]), yes if r[16] else no, added,
            ]

    def officers(self) -> Iterator[tuple[Any, ...]]:
        labels = _labels(OfficerRole)
        stmt = (
            select(OfficerTerm.role, OfficerTerm.custom_title, OfficerTerm.starts_on,
                   OfficerTerm.ends_on, Person.id, Person.given_names, Person.family_names,
                   Person.preferred_name, Person.family_name_first, Person.email, Person.phone)
            .join(Person, Person.id == OfficerTerm.person_id)
            .where(OfficerTerm.chapter_id == self.chapter.id)
            .order_by(OfficerTerm.starts_on.desc(), OfficerTerm.role, Person.sort_key)
        )
        if self.status is not None:
            stmt = stmt.join(Membership, Membership.person_id == Person.id).where(
                Membership.status == self.status)
        for r in self.s.execute(stmt):
            if self.skip(r.id):
                continue
            current = r.starts_on <= self.today and (r.ends_on is None or r.ends_on >= self.today)
            yield (
                display_name(r.given_names, r.family_names, r.preferred_name, r.family_name_first),
                r.custom_title if r.role is OfficerRole.CUSTOM else labels[r.role],
                r.starts_on, r.ends_on, self.flag(current), r.email, r.phone,
            )

    def events(self) -> Iterator[tuple[Any, ...]]:
        kinds, states, areas = _labels(EventKind), _labels(EventStatus), _labels(FocusArea)
        named = dict(self.s.execute(
            select(Attendance.event_id, func.count()).join(Event, Event.id == Attendance.event_id)
            .where(Event.chapter_id == self.chapter.id).group_by(Attendance.event_id)
        ).all())
        pledged = dict(self.s.execute(
            select(Pledge.event_id, func.count()).where(
                Pledge.chapter_id == self.chapter.id, Pledge.event_id.is_not(None))
            .group_by(Pledge.event_id)
        ).all())
        stmt = select(Event).where(Event.chapter_id == self.chapter.id).order_by(Event.starts_at, Event.id)
        for e in self.s.scalars(stmt):
            zone = _zone(e.timezone)
            yield (
                e.title, kinds[e.kind], states[e.status], _local(e.starts_at, zone),
                _local(e.ends_at, zone), e.timezone, e.venue or e.online_url,
                areas[e.focus_area] if e.focus_area else "", e.capacity, e.headcount,
                named.get(e.id, 0), pledged.get(e.id, 0), e.pledge_goal,
                ", ".join(e.partners or []),
            )

    def attendance(self) -> Iterator[tuple[Any, ...]]:
        sources, aff = _labels(RecordSource), _labels(Affiliation)
        stmt = (
            select(Event.title, Event.starts_at, Event.timezone, Person.id, Person.given_names,
                   Person.family_names, Person.preferred_name, Person.family_name_first,
                   _raw(Person.affiliation), Attendance.checked_in_at, _raw(Attendance.source))
            .join(Event, Event.id == Attendance.event_id)
            .join(Person, Person.id == Attendance.person_id)
            .where(Event.chapter_id == self.chapter.id)
            .order_by(Event.starts_at, Event.id, Attendance.checked_in_at, Attendance.id)
        )
        zones: dict[str, dt.tzinfo] = {}
        for r in self.s.connection().execute(stmt.execution_options(yield_per=5000)):
            if self.skip(r[3]):
                continue
            zone = zones.get(r[2]) or zones.setdefault(r[2], _zone(r[2]))
            yield (
                r[0], _local(r[1], zone), _person_name(r[4], r[5], r[6], r[7]), aff[r[8]],
                _local(r[9], zone), sources[r[10]],
            )

    def pledges(self) -> Iterator[tuple[Any, ...]]:
        sources = _labels(RecordSource)
        titles = dict(self.s.execute(
            select(Event.id, Event.title).where(Event.chapter_id == self.chapter.id)).all())
        stmt = (
            select(Person.id, Person.given_names, Person.family_names, Person.preferred_name,
                   Person.family_name_first, _utc(Pledge.signed_at),
                   Pledge.utc_offset_minutes,
                   Pledge.event_id, _raw(Pledge.source), Pledge.commitment_version, Pledge.may_contact,
                   Pledge.may_publish_name, _text(Pledge.personal_commitment))
            .join(Person, Person.id == Pledge.person_id)
            .where(Pledge.chapter_id == self.chapter.id)
            .order_by(Pledge.signed_at, Pledge.id)
        )
        yes, no = self.yes, self.no
        offsets: dict[int, dt.timedelta] = {}
        skip = self.undisclosed() if self.advisor else ()
        for r in self.s.connection().execute(stmt.execution_options(yield_per=5000)):
            if r[0] in skip:
                continue
            # Read as a plain DateTime (no per-row UTC decorator): naive UTC on SQLite.
            signed = r[5]
            if signed.tzinfo is not None:
                signed = signed.astimezone(dt.UTC).replace(tzinfo=None)
            offset = offsets.get(r[6])
            if offset is None:
                offset = offsets[r[6]] = dt.timedelta(minutes=r[6])
            signed += offset
            if signed.microsecond:
                signed = signed.replace(microsecond=0)
            yield [
                _person_name(r[1], r[2], r[3], r[4]), signed,
                titles.get(r[7]) if r[7] else None, sources[r[8]], r[9],
                yes if r[10] else no, yes if r[11] else no, r[12],
            ]

    def _name(self, person_id: int | None, names: dict[int, str]) -> str:
        if person_id is None:
            return ""
        if self.skip(person_id):
            return self.hidden_name
        return names.get(person_id, "")

    def forums(self) -> Iterator[tuple[Any, ...]]:
        formats = _labels(ForumFormat)
        forums = self.s.scalars(
            select(ForumSession).where(ForumSession.chapter_id == self.chapter.id)
            .order_by(ForumSession.held_on, ForumSession.id)
        ).all()
        ids = [f.id for f in forums]
        if not ids:
            return
        facilitators: dict[int, list[int]] = defaultdict(list)
        for forum_id, person_id in self.s.execute(
            select(ForumFacilitator.forum_id, ForumFacilitator.person_id)
            .where(ForumFacilitator.forum_id.in_(ids))
        ):
            facilitators[forum_id].append(person_id)
        takeaways: dict[int, list[str]] = defaultdict(list)
        for forum_id, text in self.s.execute(
            select(ForumTakeaway.forum_id, ForumTakeaway.text)
            .where(ForumTakeaway.forum_id.in_(ids)).order_by(ForumTakeaway.position, ForumTakeaway.id)
        ):
            takeaways[forum_id].append(text)
        items: dict[int, list[ActionItem]] = defaultdict(list)
        for item in self.s.scalars(
            select(ActionItem).where(ActionItem.forum_id.in_(ids)).order_by(ActionItem.id)
        ):
            items[item.forum_id].append(item)
        people = {pid for v in facilitators.values() for pid in v}
        people |= {i.owner_id for v in items.values() for i in v if i.owner_id is not None}
        names = {
            r.id: display_name(r.given_names, r.family_names, r.preferred_name, r.family_name_first)
            for r in self.s.execute(
                select(Person.id, Person.given_names, Person.family_names, Person.preferred_name,
                       Person.family_name_first).where(Person.id.in_(people))
            )
        } if people else {}
        titles = dict(self.s.execute(
            select(Event.id, Event.title).where(Event.chapter_id == self.chapter.id)).all())
        for f in forums:
            lines = []
            for item in items[f.id]:
                parts = [item.description]
                owner = self._name(item.owner_id, names)
                if owner:
                    parts.append(owner)
                if item.due_on:
                    parts.append(_("due {date}").format(date=item.due_on.isoformat()))
                parts.append(_("done") if item.done else _("open"))
                lines.append(" — ".join(parts))
            yield (
                f.topic, f.held_on, formats[f.format], titles.get(f.event_id, "") if f.event_id else "",
                ", ".join(self._name(p, names) for p in facilitators[f.id]),
                f.participants_total, f.participants_women, f.participants_men,
                f.participants_other, f.summary, "\n".join(f"• {t}" for t in takeaways[f.id]),
                "\n".join(f"• {line}" for line in lines),
            )


_OFFICER_COLUMNS = (
    _Col(N_("Name"), width=18), _Col(N_("Role"), width=14), _Col(N_("From"), "date"),
    _Col(N_("To"), "date"), _Col(N_("Current"), "flag"),
    _Col(N_("Email"), width=24, source=("people", "email")),
    _Col(N_("Phone"), "id", 14, source=("people", "phone")),
)
_EVENT_COLUMNS = (
    _Col(N_("Title"), width=24), _Col(N_("Kind")), _Col(N_("Status")), _Col(N_("Starts"), "datetime"),
    _Col(N_("Ends"), "datetime"), _Col(N_("Time zone"), width=12), _Col(N_("Venue"), width=16),
    _Col(N_("Focus area"), width=14), _Col(N_("Capacity"), "number"), _Col(N_("Headcount"), "number"),
    _Col(N_("Attendance (named)"), "number"), _Col(N_("Pledges"), "number"),
    _Col(N_("Pledge goal"), "number"), _Col(N_("Partners"), width=16),
)
_ATTENDANCE_COLUMNS = (
    _Col(N_("Event"), width=24), _Col(N_("Event starts"), "datetime"), _Col(N_("Name"), width=18),
    _Col(N_("Affiliation")), _Col(N_("Checked in"), "datetime"), _Col(N_("Source")),
)
_PLEDGE_COLUMNS = (
    _Col(N_("Name"), width=18), _Col(N_("Signed"), "datetime"), _Col(N_("Event"), width=20),
    _Col(N_("Source")), _Col(N_("Commitment version")), _Col(N_("May contact"), "flag"),
    _Col(N_("May publish name"), "flag"),
    _Col(N_("Personal commitment"), width=30, source=("pledges", "personal_commitment")),
)
_FORUM_COLUMNS = (
    _Col(N_("Topic"), width=24), _Col(N_("Held on"), "date"), _Col(N_("Format")), _Col(N_("Event")),
    _Col(N_("Facilitators"), width=18), _Col(N_("Participants"), "number"),
    _Col(N_("Women"), "number"), _Col(N_("Men"), "number"), _Col(N_("Other or not said"), "number"),
    _Col(N_("Summary"), width=30), _Col(N_("Takeaways"), width=40), _Col(N_("Action items"), width=40),
)


def _status(value: MembershipStatus | str | None) -> MembershipStatus | None:
    if value is None or value == "":
        return None
    try:
        return MembershipStatus(value)
    except ValueError:
        raise ValidationError({"status": _("Status must be one of: {choices}.").format(
            choices=", ".join(s.value for s in MembershipStatus))}) from None


def export_roster(
    db: Database,
    path: str | Path,
    options: RosterOptions | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> RosterResult:
    """Write the chapter's roster workbook to ``path`` (replacing it only when complete)."""
    options = options or RosterOptions()
    status = _status(options.status)
    path = Path(path)
    if path.is_dir() or path.name in ("", ".", ".."):
        raise FileProblem(_("Cannot save {path}: it is a folder; give a file name such as "
                            "roster.xlsx.").format(path=path))
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx") if not path.suffix else path
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():  # said now, not after the whole workbook is built
        raise FileProblem(_("Cannot save {path}: the folder {folder} does not exist.").format(
            path=path, folder=folder))
    report = progress or (lambda _f, _m: None)
    with db.read() as s:
        chapter_id = resolve_chapter(s, options.chapter_id).id
    goals = _goal_rows(db, chapter_id, options.today or dt.date.today())
    with db.read() as s:
        chapter = resolve_chapter(s, chapter_id)
        reader = _Reader(s, chapter, options, status)
        counts = _counts(s, chapter.id, status)
        total_rows = max(1, sum(counts.values()))
        done = {"rows": 0}
        book = SafeWorkbook(
            title=_("{chapter} roster").format(chapter=chapter.name),
            subject=(_("HeForShe chapter roster for the advisor") if options.advisor
                     else _("HeForShe chapter roster")),
            creator=f"Chapter Manager {__version__}",
            cancel=cancel,
        )
        written: dict[str, int] = {}
        left_out: list[str] = []
        try:
            plan: list[tuple[str, Sequence[_Col], Callable[[], Iterator[tuple[Any, ...]]], tuple[str, ...]]] = [
                (SHEETS[0], _MEMBER_COLUMNS, reader.members, ()),
                (SHEETS[1], _OFFICER_COLUMNS, reader.officers, ()),
                (SHEETS[2], _EVENT_COLUMNS, reader.events, ()),
                (SHEETS[3], _ATTENDANCE_COLUMNS, reader.attendance, ()),
                (SHEETS[4], _PLEDGE_COLUMNS, reader.pledges, ()),
                (SHEETS[5], _FORUM_COLUMNS, reader.forums, (N_("Takeaways"), N_("Action items"), N_("Summary"))),
            ]
            for name, cols, rows, wrap_headers in plan:
                kept, keep = _kept(cols, options.advisor)
                for i, c in enumerate(cols):
                    if i not in keep:
                        label = _(c.header)
                        if label not in left_out:
                            left_out.append(label)
                pick = _picker(keep, len(cols))
                title = _(name)
                base = done["rows"]
                report(base / total_rows * 0.95, _("Writing {sheet}…").format(sheet=title))

                def on_rows(n: int, base: int = base, title: str = title) -> None:
                    report(min(0.95, (base + n) / total_rows * 0.95),
                           _("Writing {sheet}: {n:,} rows").format(sheet=title, n=n))

                wrap = [i for i, c in enumerate(kept) if c.header in wrap_headers]
                n = book.add_sheet(
                    title,
                    [Column(_(c.header), c.kind, c.width) for c in kept],
                    rows() if pick is None else map(pick, rows()),
                    on_rows=on_rows,
                    wrap=wrap,
                )
                written[title] = n
                done["rows"] = base + n
            left_people = len(reader.undisclosed()) if options.advisor else 0
            _summary(book, s, chapter, options, status, written, left_out, left_people, goals)
        except BaseException:
            book.discard()
            raise
    report(0.96, _("Saving {path}…").format(path=path.name))
    try:
        book.save(path)
    except BaseException:
        book.discard()
        raise
    report(1.0, _("Saved {path}").format(path=path.name))
    return RosterResult(
        path=path,
        rows=written,
        left_out_columns=tuple(left_out),
        left_out_people=left_people,
        warnings=tuple(book.warnings),
    )


def _counts(s: Session, chapter_id: int, status: MembershipStatus | None) -> dict[str, int]:
    members = select(func.count()).select_from(Membership).where(Membership.chapter_id == chapter_id)
    if status is not None:
        members = members.where(Membership.status == status)
    return {
        "members": s.scalar(members) or 0,
        "attendance": s.scalar(
            select(func.count()).select_from(Attendance).join(Event, Event.id == Attendance.event_id)
            .where(Event.chapter_id == chapter_id)) or 0,
        "pledges": s.scalar(select(func.count()).select_from(Pledge)
                            .where(Pledge.chapter_id == chapter_id)) or 0,
    }


def _summary(
    book: SafeWorkbook, s: Session, chapter: Chapter, options: RosterOptions,
    status: MembershipStatus | None, written: dict[str, int], left_out: list[str], left_people: int,
    goals: list[tuple[Any, Any]],
) -> None:
    zone = _zone(chapter.timezone)
    now = dt.datetime.now(zone).replace(tzinfo=None, second=0, microsecond=0)
    rows: list[tuple[Any, Any]] = [
        (_("Chapter"), chapter.name),
        (_("University"), chapter.university),
        (_("Generated"), now),
        (_("Generated by"), f"Chapter Manager {__version__}"),
        (_("Time zone"), chapter.timezone),
        (_("Status filter"), status.label if status else _("All statuses")),
        (_("Mode"), _("Advisor (personal details left out)") if options.advisor else _("Full")),
    ]
    if options.advisor:
        rows.append((_("Columns left out"), ", ".join(left_out) or _("None")))
        rows.append((_("People left out (do not disclose)"), left_people))
    rows.append(("", ""))
    for sheet, n in written.items():
        rows.append((_("Rows in {sheet}").format(sheet=sheet), n))
    by_status = dict(s.execute(
        select(Membership.status, func.count()).where(Membership.chapter_id == chapter.id)
        .group_by(Membership.status)).all())
    rows.append(("", ""))
    rows.append((_("People"), s.scalar(select(func.count()).select_from(Person)
                                        .where(Person.chapter_id == chapter.id)) or 0))
    for st in MembershipStatus:
        rows.append((_("Members: {status}").format(status=st.label), int(by_status.get(st, 0))))
    rows.append((_("Events held"), s.scalar(select(func.count()).select_from(Event).where(
        Event.chapter_id == chapter.id, Event.status == EventStatus.HELD)) or 0))
    rows.append((_("Pledges"), s.scalar(select(func.count()).select_from(Pledge)
                                         .where(Pledge.chapter_id == chapter.id)) or 0))
    if goals:
        rows.append(("", ""))
        rows.extend(goals)
    if book.warnings or book.cut_cells:
        rows.append(("", ""))
        rows.append((_("Warnings"), _("{n} value(s) were too long and were cut").format(n=book.cut_cells)))
        rows.extend(("", w) for w in book.warnings)
    book.add_sheet(_(SHEETS[6]), [Column(_("Item"), width=30), Column(_("Value"), "any", 40)], rows)


def _goal_rows(db: Database, chapter_id: int, today: dt.date) -> list[tuple[Any, Any]]:
    """One line per goal: "Pledges 2026: 412 of 500 (82.4 %)", and the day it is reached."""
    from ..services import goals as goal_service

    rows: list[tuple[Any, Any]] = []
    for goal in goal_service.list_goals(db, chapter_id):
        p = goal_service.goal_progress(db, goal.id, today=today)
        text = _("{current:,} of {target:,} ({percent:.1f} %)").format(
            current=p.current, target=p.target, percent=p.percent)
        if p.projected_date:
            text += " — " + _("reached by {date} at the current pace").format(
                date=p.projected_date.isoformat())
        rows.append((_("Goal: {goal}").format(goal=goal.title), text))
    return rows
