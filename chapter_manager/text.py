"""Text normalisation shared by validation, identity matching and search."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus a mark.
_FOLD_EXTRA = str.maketrans(
    {
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "þ": "th",
        "ħ": "h",
        "ŧ": "t",
        "ŀ": "l",
    }
)

# Scripts written without spaces between words: each character becomes a search token.
_IDEOGRAPH = re.compile(
    "([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff])"
)
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+", re.UNICODE)


def clean(value: str | None) -> str:
    """NFC-normalise, trim and collapse inner white space; ``None`` becomes ``""``."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    return _SPACES.sub(" ", value).strip()


def fold(value: str) -> str:
    """Accent- and case-insensitive form: "Núñez" and "NUNEZ" both give "nunez"."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold().translate(_FOLD_EXTRA)
    folded = _IDEOGRAPH.sub(r" \1 ", folded)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", folded).strip())


def search_tokens(value: str) -> list[str]:
    """The folded word tokens of ``value``, as search indexes and queries see them."""
    return _TOKEN.findall(fold(value))


def email_key(email: str | None) -> str | None:
    """The identity form of an email address: NFC, trimmed, case-folded."""
    email = clean(email)
    if not email:
        return None
    return unicodedata.normalize("NFC", email.casefold())


def student_id_key(student_id: str | None) -> str | None:
    """A student id as stored: capitals, inner spaces removed, leading zeros kept.

    Capitals make "a0123" and "A0123" the same id, as card readers and people type both.
    """
    value = clean(student_id).replace(" ", "")
    return unicodedata.normalize("NFC", value.upper()) or None


def display_width(value: str) -> int:
    """Columns ``value`` takes in a terminal (wide East Asian characters take two)."""
    width = 0
    for ch in value:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def matches(query: str, *texts: str | None) -> bool:
    """Whether every word of ``query`` starts a word of ``texts``, as people search does.

    For small lists (events, forums) filtered in Python with the same accent- and
    case-insensitive rule the FTS index applies to people.
    """
    wanted = search_tokens(query)
    if not wanted:
        return False  # no words: nothing matches, as in people search
    words = search_tokens(" ".join(t for t in texts if t))
    return all(any(w.startswith(q) for w in words) for q in wanted)
