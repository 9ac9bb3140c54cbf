"""Is this sign-up the person already here?  One rule for the kiosk and for merges.

A sign-up comes from the public: anyone at a kiosk can type anyone's email or student id.
So an email or student id that matches someone here makes the sign-up *theirs* only when
the name agrees too (:func:`names_agree`).  Otherwise the sign-up is kept on a separate
new person, without the clashing identifier, and the pair is queued for the organiser
(``merge_reviews.reason = "identifier"``).

A sign-up never changes an existing person's details.  Values it offers for fields that
are empty here (an email, a student id, a phone) wait in the review queue
(``reason = "details"``, the values in ``proposed``; the review's person and candidate are
the same person) until the organiser accepts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from ..models import MergeReview
from ..text import search_tokens
from ..types import utcnow

# The fields a sign-up may offer for a person here who has none (in this order).
OFFERED_FIELDS = ("email", "student_id", "phone")
# Review kinds (``merge_reviews.reason``).
NAME, IDENTIFIER, DETAILS = "name", "identifier", "details"


def _words(*parts: str | None) -> set[str]:
    return {w for part in parts if part for w in search_tokens(part)}


def names_agree(given: str | None, family: str | None, other_given: str | None,
                other_family: str | None, other_preferred: str | None = None) -> bool:
    """Whether a sign-up's name can be the name of a person here.

    Folded (accents, case, ``ł``/``l`` and friends, word order) and tolerant of a name
    given in part: every word of the shorter name must be a word of the longer one ("Ana
    López" and "ANA MARIA LOPEZ GARCIA" agree; so do "Wei Li" and "Li Wei").  The person's
    preferred name counts as one of their words.  Anything else disagrees, including two
    names with no words at all.
    """
    mine = _words(given, family)
    theirs = _words(other_given, other_family)
    if not mine or not theirs:
        return False
    known = theirs | _words(other_preferred)
    return mine <= known or theirs <= mine


def person_agrees(given: str | None, family: str | None, row: Mapping[str, Any]) -> bool:
    """:func:`names_agree` against a person row (``given_names``, ``family_names``,
    ``preferred_name``)."""
    return names_agree(given, family, row["given_names"], row["family_names"], row.get("preferred_name"))


def offered_values(offer: Mapping[str, Any], here: Mapping[str, Any]) -> dict[str, str]:
    """What a sign-up offers for fields that are empty for the person here."""
    return {k: offer[k] for k in OFFERED_FIELDS if offer.get(k) and not here.get(k)}


def offer_details(conn: Connection, chapter_id: int, person_id: int, offered: Mapping[str, str],
                  event_id: int | None) -> tuple[int, dict[str, Any] | None] | None:
    """Queue values a sign-up offers for a person's empty fields (one "details" review per
    person, gathering what is offered over time).

    A value offered before (pending, accepted or declined) is not asked about again, so a
    pack merged twice changes nothing.  Returns ``None`` when nothing was queued, else the
    review's id and its earlier values (``None`` when the review is new) for undo.
    """
    if not offered:
        return None
    mr = MergeReview.__table__
    row = conn.execute(select(mr).where(and_(mr.c.person_id == person_id,
                                             mr.c.candidate_id == person_id))).first()
    if row is None:
        rid = conn.execute(insert(mr).values(
            chapter_id=chapter_id, person_id=person_id, candidate_id=person_id, event_id=event_id,
            created_at=utcnow(), reason=DETAILS, proposed=dict(offered))).inserted_primary_key[0]
        return int(rid), None
    before = dict(row.proposed or {})
    fresh = {k: v for k, v in offered.items() if k not in before}
    if not fresh:
        return None
    previous = {"proposed": before, "resolved_at": row.resolved_at, "resolution": row.resolution}
    conn.execute(update(mr).where(mr.c.id == row.id).values(
        proposed={**before, **fresh}, resolved_at=None, resolution=None))
    return int(row.id), previous


__all__ = ["DETAILS", "IDENTIFIER", "NAME", "OFFERED_FIELDS", "names_agree", "offer_details",
           "offered_values", "person_agrees"]
