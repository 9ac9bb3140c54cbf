"""Columns computed from others, refreshed whenever a row is flushed."""

from __future__ import annotations

from ..models import Person
from ..text import email_key, fold


def person_search_text(
    given: str, family: str, preferred: str, email: str | None, student_id: str | None
) -> str:
    """What search looks in for a person: folded names, email and student id."""
    return fold(" ".join(p for p in (given, family, preferred, email or "", student_id or "") if p))


def refresh_person_derived(person: Person) -> None:
    person.email_key = email_key(person.email)
    person.search_text = person_search_text(
        person.given_names or "",
        person.family_names or "",
        person.preferred_name or "",
        person.email,
        person.student_id,
    )
