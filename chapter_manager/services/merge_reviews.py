"""The review queue of merges: likely matches and offered details waiting for the organiser.

A merge never joins two people on a likeness or changes someone here: it queues the
question in ``merge_reviews``.  Settling it "same person" moves the newcomer's sign-ups to
the person here and keeps their UUID as an alias; "keep separate" is remembered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..errors import NotFound
from ..i18n import _
from ..models import Attendance, ConsentStatement, Event, MergeReview, Person, PersonAlias, Pledge
from ..storage import Database
from ..types import utcnow
from .consent import refresh_pledges
from .import_undo import forget_people

_people = Person.__table__
_pledges = Pledge.__table__
_attendance = Attendance.__table__
_events = Event.__table__
_statements = ConsentStatement.__table__


def _name(given: str, family: str) -> str:
    return " ".join(p for p in (given, family) if p)


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
    from ..derived import person_keys

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

