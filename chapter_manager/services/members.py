"""Membership of a chapter and its officer terms.

* A person has at most one :class:`~chapter_manager.models.Membership` row, in their own
  chapter.  :func:`set_membership` creates or changes it; :func:`clear_membership` removes
  it (the person stays in the chapter, for example as a pledger).
* Officer terms are the history of who held which role and when.  A term with no end is
  still running.  A person can hold a role only once at a time: two terms of the same
  role (for custom roles: the same title) for the same person may not overlap.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..i18n import _
from ..models import Membership, MembershipStatus, OfficerRole, OfficerTerm, Person
from ..storage import Database
from ..validation import Problems, check_date_order, check_text, fail
from .common import get_or_fail
from .people import display_name, name_of
from .versions import Expected, reconcile

# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class MembershipView:
    id: int
    uuid: uuid.UUID
    chapter_id: int
    person_id: int
    display_name: str
    status: MembershipStatus
    joined_on: dt.date | None
    left_on: dt.date | None
    version: int = 1


@dataclass
class MembershipData:
    """A membership's editable fields, the shape the version rule compares."""

    status: MembershipStatus | str = MembershipStatus.ACTIVE
    joined_on: dt.date | None = None
    left_on: dt.date | None = None


def membership_data(view: MembershipView) -> MembershipData:
    return MembershipData(view.status, view.joined_on, view.left_on)


def membership_labels() -> dict[str, str]:
    return {"status": _("Membership status"), "joined_on": _("Joined on"), "left_on": _("Left on")}


def term_labels() -> dict[str, str]:
    return {"person_id": _("Person"), "role": _("Role"), "starts_on": _("Start date"),
            "ends_on": _("End date"), "custom_title": _("Title")}


def term_data(view: OfficerTermView) -> OfficerTermData:
    return OfficerTermData(view.person_id, view.role, view.starts_on, view.ends_on, view.custom_title)


@dataclass
class OfficerTermData:
    """What can be typed about an officer term (see :func:`update_officer_term`)."""

    person_id: int
    role: OfficerRole | str
    starts_on: dt.date | None
    ends_on: dt.date | None = None
    custom_title: str = ""


@dataclass(frozen=True)
class OfficerTermView:
    id: int
    uuid: uuid.UUID
    chapter_id: int
    person_id: int
    display_name: str
    role: OfficerRole
    custom_title: str
    starts_on: dt.date
    ends_on: dt.date | None
    version: int = 1

    @property
    def title(self) -> str:
        """The role as shown: the custom title, or the role's translated label."""
        return self.custom_title if self.role is OfficerRole.CUSTOM else self.role.label

    def holds_on(self, day: dt.date) -> bool:
        """Whether the term is running on ``day``."""
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


def _membership_view(m: Membership, person: Person) -> MembershipView:
    return MembershipView(
        id=m.id,
        uuid=m.uuid,
        chapter_id=m.chapter_id,
        person_id=m.person_id,
        display_name=name_of(person),
        status=m.status,
        joined_on=m.joined_on,
        left_on=m.left_on,
        version=m.version,
    )


# --------------------------------------------------------------------------- membership


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""For :func:`set_membership`'s dates: keep what is stored."""


def _status(value: MembershipStatus | str) -> MembershipStatus:
    try:
        return MembershipStatus(value)
    except ValueError:
        raise fail(
            "status",
            _("Membership status must be one of: {choices}.").format(
                choices=", ".join(s.value for s in MembershipStatus)
            ),
        ) from None


def _check_date(value: object, field: str, label: str, *, required: bool = False) -> dt.date | None:
    if value is None:
        if required:
            raise fail(field, _("{label} is required.").format(label=label))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise fail(field, _("{label} must be a date.").format(label=label))
    return value


def set_membership(
    db: Database,
    person_id: int,
    status: MembershipStatus | str,
    joined_on: dt.date | None | _Keep = KEEP,
    left_on: dt.date | None | _Keep = KEEP,
    expected: Expected | None = None,
) -> MembershipView:
    """Make ``person_id`` a member of their chapter with ``status``, or change it.

    ``joined_on`` / ``left_on``: a date sets it, None clears it (not known), and
    :data:`KEEP` (the default) keeps the date already stored (a new membership starts
    with none).  The person keeps exactly one membership row.  ``expected`` (the
    membership's version and :class:`MembershipData` when the form opened) applies the
    version rule (:mod:`.versions`).
    """
    p = Problems()
    with p.field("status"):
        status = _status(status)
    with p.field("joined_on"):
        if joined_on is not KEEP:
            joined_on = _check_date(joined_on, "joined_on", _("Joined on"))
    with p.field("left_on"):
        if left_on is not KEEP:
            left_on = _check_date(left_on, "left_on", _("Left on"))
    p.raise_if_any()
    with db.write() as s:
        person = get_or_fail(s, Person, person_id, _("person"))
        membership = _membership_of(s, person)
        if membership is not None and expected is not None:
            base = expected.base
            wanted = reconcile(
                MembershipData(
                    status,
                    base.get("joined_on") if joined_on is KEEP else joined_on,
                    base.get("left_on") if left_on is KEEP else left_on,
                ),
                version=membership.version,
                current=MembershipData(membership.status, membership.joined_on, membership.left_on),
                expected=expected, what=_("membership"), labels=membership_labels(),
            )
            status = _status(wanted.status)
            joined_on, left_on = wanted.joined_on, wanted.left_on
        joined = (membership.joined_on if membership else None) if joined_on is KEEP else joined_on
        left = (membership.left_on if membership else None) if left_on is KEEP else left_on
        check_date_order(
            joined, left, "left_on", _("Someone cannot leave the chapter before they joined it.")
        )
        if membership is None:
            membership = Membership(chapter_id=person.chapter_id, person_id=person.id)
            s.add(membership)
        membership.status = status
        membership.joined_on = joined
        membership.left_on = left
        s.flush()
        return _membership_view(membership, person)


def _membership_of(session: Session, person: Person) -> Membership | None:
    return session.scalars(
        select(Membership).where(
            Membership.person_id == person.id, Membership.chapter_id == person.chapter_id
        )
    ).first()


def get_membership(db: Database, person_id: int) -> MembershipView | None:
    """The person's membership, or None when they are not a member."""
    with db.read() as s:
        person = get_or_fail(s, Person, person_id, _("person"))
        membership = _membership_of(s, person)
        return _membership_view(membership, person) if membership else None


def clear_membership(db: Database, person_id: int) -> bool:
    """Remove the person's membership (they stay in the chapter).  False if they had none."""
    with db.write() as s:
        person = get_or_fail(s, Person, person_id, _("person"))
        membership = _membership_of(s, person)
        if membership is None:
            return False
        s.delete(membership)
        return True


def bulk_set_status(
    db: Database, person_ids: Iterable[int], status: MembershipStatus | str
) -> int:
    """Give every person in ``person_ids`` the membership ``status``, all or nothing.

    People who are not members yet become members.  Dates already stored are kept.
    Returns how many people were set.  If any id is unknown nothing is changed.
    """
    return len(set_statuses(db, person_ids, status))


def set_statuses(
    db: Database, person_ids: Iterable[int], status: MembershipStatus | str
) -> dict[int, MembershipStatus | None]:
    """:func:`bulk_set_status`, returning what each person was before: their status,
    or None for those who were not members.  :func:`restore_statuses` takes it back."""
    status = _status(status)
    ids = list(dict.fromkeys(int(i) for i in person_ids))
    if not ids:
        return {}
    with db.write() as s:
        people = {
            p.id: p
            for chunk in _chunks(ids)
            for p in s.scalars(select(Person).where(Person.id.in_(chunk)))
        }
        missing = [i for i in ids if i not in people]
        if missing:
            raise NotFound(
                _("There is no person with id {ids}; no membership was changed.").format(
                    ids=", ".join(str(i) for i in missing[:10])
                )
            )
        existing = {
            m.person_id: m
            for chunk in _chunks(ids)
            for m in s.scalars(select(Membership).where(Membership.person_id.in_(chunk)))
            if m.chapter_id == people[m.person_id].chapter_id
        }
        before: dict[int, MembershipStatus | None] = {}
        for person_id in ids:
            membership = existing.get(person_id)
            if membership is None:
                before[person_id] = None
                person = people[person_id]
                s.add(Membership(chapter_id=person.chapter_id, person_id=person_id, status=status))
            else:
                before[person_id] = membership.status
                membership.status = status
        s.flush()
        return before


def restore_statuses(db: Database, before: dict[int, MembershipStatus | None]) -> int:
    """Undo :func:`set_statuses`: each person's status as it was, and those who were not
    members are not members again.  People deleted since are passed over.  Returns how
    many people were restored."""
    ids = list(before)
    restored = 0
    with db.write() as s:
        for chunk in _chunks(ids):
            for m in s.scalars(select(Membership).where(Membership.person_id.in_(chunk))):
                previous = before[m.person_id]
                if previous is None:
                    s.delete(m)
                else:
                    m.status = previous
                restored += 1
        s.flush()
    return restored


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --------------------------------------------------------------------------- officer terms


def _validated_term(data: OfficerTermData) -> dict[str, object]:
    p = Problems()
    out: dict[str, object] = {}
    role: OfficerRole | None = None
    try:
        role = OfficerRole(data.role)
    except ValueError:
        p.add(
            "role",
            _("Role must be one of: {choices}.").format(
                choices=", ".join(r.value for r in OfficerRole)
            ),
        )
    out["role"] = role
    with p.field("custom_title"):
        title = check_text(
            data.custom_title, "custom_title", _("Title of the role"), table=OfficerTerm.__table__
        )
        if role is OfficerRole.CUSTOM and not title:
            p.add(
                "custom_title",
                _("An “other” role needs a title, for example “Outreach coordinator”."),
            )
        out["custom_title"] = title if role is OfficerRole.CUSTOM else ""
    with p.field("starts_on"):
        out["starts_on"] = _check_date(data.starts_on, "starts_on", _("Start date"), required=True)
    with p.field("ends_on"):
        out["ends_on"] = _check_date(data.ends_on, "ends_on", _("End date"))
    if "starts_on" not in p.fields and "ends_on" not in p.fields:
        with p.field("ends_on"):
            check_date_order(
                out["starts_on"],  # type: ignore[arg-type]
                out["ends_on"],  # type: ignore[arg-type]
                "ends_on",
                _("An officer term cannot end before it starts."),
            )
    p.raise_if_any()
    return out


def _refuse_overlap(
    session: Session, person: Person, values: dict[str, object], exclude_id: int | None = None
) -> None:
    """Refuse a term overlapping another term of the same role for the same person."""
    role = values["role"]
    starts_on: dt.date = values["starts_on"]  # type: ignore[assignment]
    ends_on: dt.date | None = values["ends_on"]  # type: ignore[assignment]
    stmt = select(OfficerTerm).where(
        OfficerTerm.person_id == person.id,
        OfficerTerm.chapter_id == person.chapter_id,
        OfficerTerm.role == role,
        or_(OfficerTerm.ends_on.is_(None), OfficerTerm.ends_on >= starts_on),
    )
    if ends_on is not None:
        stmt = stmt.where(OfficerTerm.starts_on <= ends_on)
    if exclude_id is not None:
        stmt = stmt.where(OfficerTerm.id != exclude_id)
    title = str(values["custom_title"]).casefold()
    for other in session.scalars(stmt.order_by(OfficerTerm.starts_on)):
        if role is OfficerRole.CUSTOM and other.custom_title.casefold() != title:
            continue
        role_name = other.custom_title if role is OfficerRole.CUSTOM else OfficerRole(role).label
        if other.ends_on is None:
            message = _(
                "{name} is already {role} since {start}. A person can hold a role only once "
                "at a time: end that term first, or change the dates."
            )
        else:
            message = _(
                "{name} is already {role} from {start} to {end}. A person can hold a role "
                "only once at a time: change the dates so the terms do not overlap."
            )
        raise ValidationError(
            {
                "starts_on": message.format(
                    name=name_of(person),
                    role=role_name,
                    start=other.starts_on.isoformat(),
                    end=other.ends_on.isoformat() if other.ends_on else "",
                )
            }
        )


def _term_view(term: OfficerTerm, name: str) -> OfficerTermView:
    return OfficerTermView(
        id=term.id,
        uuid=term.uuid,
        chapter_id=term.chapter_id,
        person_id=term.person_id,
        display_name=name,
        role=term.role,
        custom_title=term.custom_title,
        starts_on=term.starts_on,
        ends_on=term.ends_on,
        version=term.version,
    )


def add_officer_term(
    db: Database,
    person_id: int,
    role: OfficerRole | str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    custom_title: str = "",
) -> OfficerTermView:
    """Record that a person holds ``role`` from ``starts_on`` (until ``ends_on``, if known)."""
    values = _validated_term(OfficerTermData(person_id, role, starts_on, ends_on, custom_title))
    with db.write() as s:
        person = get_or_fail(s, Person, person_id, _("person"))
        _refuse_overlap(s, person, values)
        term = OfficerTerm(chapter_id=person.chapter_id, person_id=person.id, **values)
        s.add(term)
        s.flush()
        return _term_view(term, name_of(person))


def update_officer_term(
    db: Database, term_id: int, data: OfficerTermData, expected: Expected | None = None
) -> OfficerTermView:
    """Change a term: its person (of the same chapter), role, title or dates.

    ``expected`` applies the version rule (:mod:`.versions`)."""
    values = _validated_term(data)
    with db.write() as s:
        term = get_or_fail(s, OfficerTerm, term_id, _("officer term"))
        current = OfficerTermData(term.person_id, term.role, term.starts_on, term.ends_on,
                                  term.custom_title)
        merged = reconcile(data, version=term.version, current=current, expected=expected,
                           what=_("officer term"), labels=term_labels())
        if merged is not data:
            data, values = merged, _validated_term(merged)
        person = get_or_fail(s, Person, data.person_id, _("person"))
        if person.chapter_id != term.chapter_id:
            raise fail("person_id", _("That person belongs to another chapter."))
        _refuse_overlap(s, person, values, exclude_id=term.id)
        term.person_id = person.id
        for key, value in values.items():
            setattr(term, key, value)
        s.flush()
        return _term_view(term, name_of(person))


def end_officer_term(db: Database, term_id: int, ends_on: dt.date | None = None) -> OfficerTermView:
    """End a term on ``ends_on`` (today when None)."""
    ends_on = _check_date(ends_on, "ends_on", _("End date")) or dt.date.today()
    with db.write() as s:
        term = get_or_fail(s, OfficerTerm, term_id, _("officer term"))
        person = get_or_fail(s, Person, term.person_id, _("person"))
        check_date_order(
            term.starts_on,
            ends_on,
            "ends_on",
            _("This term started on {start}; it cannot end before that.").format(
                start=term.starts_on.isoformat()
            ),
        )
        values = {
            "role": term.role,
            "custom_title": term.custom_title,
            "starts_on": term.starts_on,
            "ends_on": ends_on,
        }
        _refuse_overlap(s, person, values, exclude_id=term.id)
        term.ends_on = ends_on
        s.flush()
        return _term_view(term, name_of(person))


def get_officer_term(db: Database, term_id: int) -> OfficerTermView:
    with db.read() as s:
        term = get_or_fail(s, OfficerTerm, term_id, _("officer term"))
        person = get_or_fail(s, Person, term.person_id, _("person"))
        return _term_view(term, name_of(person))


def delete_officer_term(db: Database, term_id: int) -> None:
    """Delete a term entered by mistake (to record that a term is over, end it instead)."""
    with db.write() as s:
        s.delete(get_or_fail(s, OfficerTerm, term_id, _("officer term")))


_ROLE_ORDER = case(
    {role: index for index, role in enumerate(OfficerRole)},
    value=OfficerTerm.role,
    else_=len(OfficerRole),
)


def list_officer_terms(
    db: Database, chapter_id: int, *, on: dt.date | None = None
) -> list[OfficerTermView]:
    """Every officer term of the chapter (or only those running on ``on``).

    Sorted by role (president first), then newest term first, so the history of each role
    reads top down.
    """
    with db.read() as s:
        stmt = select(
            OfficerTerm,
            Person.given_names,
            Person.family_names,
            Person.preferred_name,
            Person.family_name_first,
        ).join(Person, Person.id == OfficerTerm.person_id).where(OfficerTerm.chapter_id == chapter_id)
        if on is not None:
            stmt = stmt.where(
                OfficerTerm.starts_on <= on,
                or_(OfficerTerm.ends_on.is_(None), OfficerTerm.ends_on >= on),
            )
        stmt = stmt.order_by(
            _ROLE_ORDER,
            OfficerTerm.custom_title,
            OfficerTerm.starts_on.desc(),
            Person.family_names,
            Person.given_names,
            OfficerTerm.id,
        )
        return [
            _term_view(r[0], display_name(r.given_names, r.family_names, r.preferred_name, r.family_name_first))
            for r in s.execute(stmt)
        ]


def current_officers(
    db: Database, chapter_id: int, today: dt.date | None = None
) -> list[OfficerTermView]:
    """The officers in office on ``today`` (the computer's date when None)."""
    return list_officer_terms(db, chapter_id, on=today or dt.date.today())


__all__ = [
    "KEEP",
    "MembershipView",
    "OfficerTermData",
    "OfficerTermView",
    "add_officer_term",
    "bulk_set_status",
    "clear_membership",
    "current_officers",
    "delete_officer_term",
    "end_officer_term",
    "get_membership",
    "get_officer_term",
    "list_officer_terms",
    "set_membership",
    "update_officer_term",
]
