"""Columns computed from others, refreshed whenever a row is flushed."""

from __future__ import annotations

from typing import NamedTuple

from .models import Person
from .text import email_key, fold


class PersonKeys(NamedTuple):
    """The derived columns of a person, in the order bulk writers want them."""

    email_key: str | None
    search_text: str
    name_key: str
    sort_key: str


def person_keys(
    given: str,
    family: str,
    preferred: str,
    email: str | None,
    student_id: str | None,
    family_first: bool = False,
) -> PersonKeys:
    """Everything search, identity and sorting need, from what was typed about a person.

    ``search_text`` holds the folded names, email and student id (what the FTS index
    reads); ``name_key`` the folded name in display order; ``sort_key`` family name first.
    """
    g, f = fold(given), fold(family)
    words = " ".join(p for p in (given, family, preferred, email or "", student_id or "") if p)
    display = f"{f} {g}" if family_first else f"{g} {f}"
    return PersonKeys(
        email_key=email_key(email),
        search_text=fold(words),
        name_key=display.strip()[:400],
        sort_key=f"{f} {g}".strip()[:400],
    )


def refresh_person_derived(person: Person) -> None:
    keys = person_keys(
        person.given_names or "",
        person.family_names or "",
        person.preferred_name or "",
        person.email,
        person.student_id,
        bool(person.family_name_first),
    )
    person.email_key = keys.email_key
    person.search_text = keys.search_text
    person.name_key = keys.name_key
    person.sort_key = keys.sort_key
