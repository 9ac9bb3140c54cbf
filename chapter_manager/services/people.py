"""People: members, pledgers and facilitators of a chapter, and finding them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..errors import DuplicateError
from ..i18n import _
from ..models import (
    Affiliation,
    AuditAction,
    Chapter,
    Membership,
    MembershipStatus,
    OfficerTerm,
    Person,
    Tombstone,
)
from ..privacy import identity_hash
from ..storage import Database
from ..storage.search import CANDIDATES, matching_people, people_rows, search_person_ids
from ..text import email_key
from ..validation import (
    Problems,
    check_count,
    check_email,
    check_gender,
    check_phone,
    check_student_id,
    check_text,
)
from .common import audit, get_or_fail, to_view
from .import_undo import forget_people
from .versions import Expected, reconcile


@dataclass
class PersonData:
    """What can be typed about a person.  At least one of the two names is required."""

    given_names: str = ""
    family_names: str = ""
    family_name_first: bool = False
    preferred_name: str = ""
    email: str | None = None
    phone: str | None = None
    student_id: str | None = None
    affiliation: Affiliation | str = Affiliation.STUDENT
    department: str = ""
    programme: str = ""
    year_of_study: int | None = None
    gender: str | None = None
    pronouns: str | None = None
    do_not_disclose: bool = False
    notes: str = ""


@dataclass(frozen=True)
class PersonView:
    id: int
    uuid: uuid.UUID
    chapter_id: int
    given_names: str
    family_names: str
    family_name_first: bool
    preferred_name: str
    email: str | None
    phone: str | None
    student_id: str | None
    affiliation: Affiliation
    department: str
    programme: str
    year_of_study: int | None
    gender: str | None
    pronouns: str | None
    do_not_disclose: bool
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime
    display_name: str
    membership_status: MembershipStatus | None
    version: int = 1


@dataclass(frozen=True)
class PersonRow:
    """One line of a people table."""

    id: int
    display_name: str
    email: str | None
    student_id: str | None
    affiliation: Affiliation
    membership_status: MembershipStatus | None


def _is_wide(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text)


def display_name(given: str, family: str, preferred: str = "", family_first: bool = False) -> str:
    """How a person is named on screen: "José Núñez", "王芳", or their preferred name."""
    if preferred:
        return preferred
    parts = [family, given] if family_first else [given, family]
    parts = [p for p in parts if p]
    sep = "" if family_first and all(_is_wide(p) for p in parts) else " "
    return sep.join(parts)


def name_of(person: object) -> str:
    """The display name of anything with a person's name columns (a row or an ORM object)."""
    return display_name(
        person.given_names,  # type: ignore[attr-defined]
        person.family_names,  # type: ignore[attr-defined]
        person.preferred_name,  # type: ignore[attr-defined]
        person.family_name_first,  # type: ignore[attr-defined]
    )


def _validated(data: PersonData, country: str) -> dict[str, object]:
    t = Person.__table__
    p = Problems()
    out: dict[str, object] = {}
    for name, label in (
        ("given_names", _("Given name(s)")),
        ("family_names", _("Family name(s)")),
        ("preferred_name", _("Preferred name")),
        ("department", _("Faculty or department")),
        ("programme", _("Programme")),
        ("pronouns", _("Pronouns")),
    ):
        with p.field(name):
            out[name] = check_text(getattr(data, name), name, label, table=t)
    for name in ("given_names", "family_names", "preferred_name"):
        value = out.get(name)
        if value and not any(ch.isalnum() for ch in str(value)):
            p.add(name, _("A name needs at least one letter."))
    if not out.get("given_names") and not out.get("family_names") and "given_names" not in p.fields:
        p.add("given_names", _("Enter a given name or a family name (at least one)."))
    out["pronouns"] = out.get("pronouns") or None
    with p.field("notes"):
        out["notes"] = check_text(data.notes, "notes", _("Notes"), limit=10_000, multiline=True)
    with p.field("email"):
        out["email"] = check_email(data.email)
    with p.field("phone"):
        out["phone"] = check_phone(data.phone, country)
    with p.field("student_id"):
        out["student_id"] = check_student_id(data.student_id)
    with p.field("gender"):
        out["gender"] = check_gender(data.gender)
    with p.field("year_of_study"):
        year = check_count(data.year_of_study, "year_of_study", _("Year of study"))
        if year is not None and not 1 <= year <= 15:
            p.add("year_of_study", _("Year of study must be between 1 and 15."))
        out["year_of_study"] = year
    try:
        out["affiliation"] = Affiliation(data.affiliation)
    except ValueError:
        p.add(
            "affiliation",
            _("Affiliation must be one of: {choices}.").format(
                choices=", ".join(a.value for a in Affiliation)
            ),
        )
    out["family_name_first"] = bool(data.family_name_first)
    out["do_not_disclose"] = bool(data.do_not_disclose)
    p.raise_if_any()
    return out


def _membership_status(person: Person) -> MembershipStatus | None:
    return person.membership.status if person.membership else None


def _view(person: Person) -> PersonView:
    return to_view(
        PersonView,
        person,
        display_name=display_name(
            person.given_names, person.family_names, person.preferred_name, person.family_name_first
        ),
        membership_status=_membership_status(person),
    )


def find_existing(
    session: Session,
    chapter_id: int,
    email: str | None,
    student_id: str | None,
    exclude_id: int | None = None,
) -> Person | None:
    """The person in the chapter with this email (normalised) or student id, if any."""
    key = email_key(email)
    conditions = []
    if key:
        conditions.append(Person.email_key == key)
    if student_id:
        conditions.append(Person.student_id == student_id)
    if not conditions:
        return None
    stmt = select(Person).where(Person.chapter_id == chapter_id, or_(*conditions))
    if exclude_id is not None:
        stmt = stmt.where(Person.id != exclude_id)
    return session.scalars(stmt.limit(1)).first()


def _refuse_duplicate(existing: Person | None, values: dict[str, object]) -> None:
    if existing is None:
        return
    name = display_name(
        existing.given_names, existing.family_names, existing.preferred_name, existing.family_name_first
    )
    if values.get("email") and email_key(str(values["email"])) == existing.email_key:
        field, message = "email", _("{name} (id {id}) already has the email address {email}.")
    else:
        field, message = "student_id", _("{name} (id {id}) already has the student id {student_id}.")
    raise DuplicateError(
        message.format(
            name=name, id=existing.id, email=existing.email, student_id=existing.student_id
        ),
        existing.id,
        field=field,
        existing_name=name,
    )


def create_person(db: Database, chapter_id: int, data: PersonData) -> PersonView:
    with db.write() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        values = _validated(data, chapter.country)
        _refuse_duplicate(
            find_existing(s, chapter_id, values["email"], values["student_id"]), values  # type: ignore[arg-type]
        )
        person = Person(chapter_id=chapter_id, **values)
        s.add(person)
        s.flush()
        return _view(person)


def field_labels() -> dict[str, str]:
    """The person's editable fields as the form names them (for conflicts)."""
    return {
        "given_names": _("Given name(s)"),
        "family_names": _("Family name(s)"),
        "family_name_first": _("Family name first"),
        "preferred_name": _("Preferred name"),
        "email": _("Email"),
        "phone": _("Phone"),
        "student_id": _("Student id"),
        "affiliation": _("Affiliation"),
        "department": _("Faculty or department"),
        "programme": _("Programme"),
        "year_of_study": _("Year of study"),
        "gender": _("Gender"),
        "pronouns": _("Pronouns"),
        "do_not_disclose": _("Do not disclose"),
        "notes": _("Notes"),
    }


def update_person(
    db: Database, person_id: int, data: PersonData, expected: Expected | None = None
) -> PersonView:
    """Save ``data`` over the person; ``expected`` (what the form opened with) applies
    the version rule (:mod:`.versions`): a conflict raises ``ConflictError``."""
    with db.write() as s:
        person = get_or_fail(s, Person, person_id, _("person"))
        chapter = s.get(Chapter, person.chapter_id)
        assert chapter is not None
        data = reconcile(data, version=person.version, current=person_data(_view(person)),
                         expected=expected, what=_("person"), labels=field_labels())
        values = _validated(data, chapter.country)
        _refuse_duplicate(
            find_existing(s, person.chapter_id, values["email"], values["student_id"], person.id),  # type: ignore[arg-type]
            values,
        )
        for key, value in values.items():
            setattr(person, key, value)
        s.flush()
        return _view(person)


def get_person(db: Database, person_id: int) -> PersonView:
    with db.read() as s:
        return _view(get_or_fail(s, Person, person_id, _("person")))


def person_data(view: PersonView) -> PersonData:
    """The editable fields of ``view``, ready to change and pass to :func:`update_person`."""
    return PersonData(**{f: getattr(view, f) for f in PersonData.__dataclass_fields__})


def delete_person(db: Database, person_id: int) -> None:
    """Delete a person and everything about them, leaving only a tombstone.

    The tombstone keeps the person's UUID and keyed one-way hashes of their email and
    student id, so that merging another laptop's data cannot bring them back.  Their
    pledge and attendance go with them; testimonies they gave become anonymous; the
    values an import replaced (kept to undo it) are forgotten.
    """
    with db.write() as s:
        person = get_or_fail(s, Person, person_id, _("person"))
        chapter = s.get(Chapter, person.chapter_id)
        assert chapter is not None
        s.add(
            Tombstone(
                chapter_uuid=chapter.uuid,
                entity="person",
                uuid=person.uuid,
                email_hash=identity_hash(chapter.privacy_salt, person.email_key),
                student_id_hash=identity_hash(chapter.privacy_salt, person.student_id),
                device_id=db.device.id,
            )
        )
        audit(s, AuditAction.DELETE, "person deleted", chapter_id=chapter.id,
              entity="person", entity_uuid=person.uuid)
        forget_people(s.connection(), [(chapter.id, person.uuid)])
        s.delete(person)
        s.flush()
        db.purge_deleted_text(s.connection())


def is_tombstoned(
    db: Database, chapter_id: int, *, person_uuid: uuid.UUID | None = None,
    email: str | None = None, student_id: str | None = None,
) -> bool:
    """Whether a person matching any of these was deleted from the chapter."""
    with db.read() as s:
        chapter = get_or_fail(s, Chapter, chapter_id, _("chapter"))
        conditions = []
        if person_uuid is not None:
            conditions.append(Tombstone.uuid == person_uuid)
        if (h := identity_hash(chapter.privacy_salt, email_key(email))) is not None:
            conditions.append(Tombstone.email_hash == h)
        if (h := identity_hash(chapter.privacy_salt, check_student_id(student_id))) is not None:
            conditions.append(Tombstone.student_id_hash == h)
        if not conditions:
            return False
        stmt = select(Tombstone.id).where(Tombstone.chapter_uuid == chapter.uuid, or_(*conditions))
        return s.scalar(stmt.limit(1)) is not None


# --------------------------------------------------------------------------- finding people

_ORDERS = {
    "name": (Person.sort_key, Person.id),
    "given": (Person.name_key, Person.id),
    "email": (Person.email_key, Person.id),
    "student_id": (Person.student_id, Person.id),
    "affiliation": (Person.affiliation, Person.family_names, Person.id),
    "created": (Person.created_at, Person.id),
    "id": (Person.id,),
}


def list_people(
    db: Database,
    chapter_id: int,
    *,
    search: str | None = None,
    members_only: bool = False,
    status: MembershipStatus | None = None,
    affiliation: Affiliation | None = None,
    officers_only: bool = False,
    order: str = "name",
    descending: bool = False,
    limit: int | None = 100,
    offset: int = 0,
) -> list[PersonRow]:
    """People of a chapter, filtered and sorted in SQL.

    ``search`` keeps the people matching it (accent- and case-insensitive, by any part of
    a name, email or student id); with ``order="relevance"`` they come best match first
    (see ``storage.search``), at most ``limit`` (or 500) of them.
    """
    with db.read() as s:
        stmt = select(
            Person.id,
            Person.given_names,
            Person.family_names,
            Person.preferred_name,
            Person.family_name_first,
            Person.email,
            Person.student_id,
            Person.affiliation,
            Membership.status,
        ).outerjoin(Membership, Membership.person_id == Person.id)
        filtered = members_only or status is not None or affiliation is not None or officers_only
        if members_only or status is not None:
            stmt = stmt.where(Membership.id.is_not(None))
        if status is not None:
            stmt = stmt.where(Membership.status == status)
        if affiliation is not None:
            stmt = stmt.where(Person.affiliation == affiliation)
        if officers_only:
            today = dt.date.today()
            current = select(OfficerTerm.person_id).where(
                OfficerTerm.chapter_id == chapter_id,
                OfficerTerm.starts_on <= today,
                or_(OfficerTerm.ends_on.is_(None), OfficerTerm.ends_on >= today),
            )
            stmt = stmt.where(Person.id.in_(current))
        if search and search.strip():
            if order == "relevance":
                want = (limit or 500) + offset
                if not filtered:
                    ranked = search_person_ids(s, chapter_id, search, want)[offset:]
                    found = people_rows(s, ranked)
                    return [_tuple_row(found[i]) for i in ranked if i in found]
                # With filters, rank a wider set first and keep the ones that pass.
                ranked = search_person_ids(s, chapter_id, search, max(want, CANDIDATES))
                # The ranked ids are of this chapter already; filtering by id uses the key.
                rows = {r.id: r for r in s.execute(stmt.where(Person.id.in_(ranked)))}
                kept = [i for i in ranked if i in rows][offset:want]
                return [_row(rows[i]) for i in kept]
            ids = matching_people(s, chapter_id, search)
            if ids is None:
                return []
            stmt = stmt.where(Person.id.in_(ids))
        stmt = stmt.where(Person.chapter_id == chapter_id)
        columns = _ORDERS.get(order, _ORDERS["name"])
        stmt = stmt.order_by(*(c.desc() if descending else c for c in columns))
        if limit is not None:
            stmt = stmt.limit(limit).offset(offset)
        return [_row(r) for r in s.execute(stmt)]


def _tuple_row(r: tuple) -> PersonRow:
    pid, given, family, preferred, family_first, email, student_id, affiliation, status = r
    return PersonRow(
        id=pid,
        display_name=display_name(given, family, preferred, bool(family_first)),
        email=email,
        student_id=student_id,
        affiliation=Affiliation(affiliation),
        membership_status=MembershipStatus(status) if status is not None else None,
    )


def _row(r) -> PersonRow:
    return PersonRow(
        id=r.id,
        display_name=display_name(r.given_names, r.family_names, r.preferred_name, r.family_name_first),
        email=r.email,
        student_id=r.student_id,
        affiliation=r.affiliation,
        membership_status=r.status,
    )


def search_people(db: Database, chapter_id: int, query: str, limit: int = 50) -> list[PersonRow]:
    """The best ``limit`` matches for ``query`` ("nunez" finds "Núñez")."""
    return list_people(db, chapter_id, search=query, order="relevance", limit=limit)


def count_people(db: Database, chapter_id: int, *, members_only: bool = False) -> int:
    with db.read() as s:
        stmt = select(func.count(Person.id)).where(Person.chapter_id == chapter_id)
        if members_only:
            stmt = stmt.join(Membership, Membership.person_id == Person.id)
        return int(s.scalar(stmt) or 0)
