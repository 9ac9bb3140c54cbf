"""Personal data: which fields hold it, and the one-way hashes that outlive a person.

The models mark every personal column with ``info={"personal": CATEGORY}``; this module
reads those marks, so exports, erasure and advisor views all work from one list.
"""

from __future__ import annotations

import hashlib
import hmac

from .models import Base

ADVISOR_HIDDEN = frozenset({"contact", "identifier", "sensitive"})


def personal_columns() -> dict[str, dict[str, str]]:
    """``{table: {column: category}}`` for every column that holds personal data."""
    found: dict[str, dict[str, str]] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            category = column.info.get("personal")
            if category:
                found.setdefault(table.name, {})[column.name] = category
    return found


def identity_hash(salt: bytes, value: str | None) -> str | None:
    """A keyed one-way hash of a normalised identity value (email key, student id)."""
    if not value:
        return None
    return hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()
