"""Checking and normalising what people type, with messages a student understands.

Each ``check_*`` returns the normalised value or raises :class:`ValidationError` naming
the field.  :class:`Problems` collects several fields' problems so a form can show them
all at once, next to each field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table

from .errors import ValidationError
from .i18n import _
from .models import GENDER_PREFER_NOT_TO_SAY
from .text import clean, student_id_key

# C0 and C1 controls (tab and newline are handled by the callers), bidi embedding and
# isolate controls, zero-width space, word joiner, BOM.  Zero-width (non-)joiners stay:
# Indic and Persian names need them.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_PREFER_NOT_TO_SAY = {
    "prefer not to say",
    "prefer not to answer",
    "rather not say",
    "prefiero no decir",
    "prefiero no decirlo",
    "prefiero no responder",
    "prefiero no contestar",
    "je préfère ne pas répondre",
    "préfère ne pas répondre",
}
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class Problems:
    """Collects field problems; raises one :class:`ValidationError` with all of them."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    @contextmanager
    def field(self, name: str) -> Iterator[None]:
        try:
            yield
        except ValidationError as error:
            self.fields.setdefault(name, error.fields.get(name) or str(error))

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationError(self.fields)


def fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def sanitize(value: object, field: str, *, multiline: bool = False) -> str:
    """Text as it may be stored: invisible controls removed, NFC, trimmed.

    Single-line text has its white space collapsed; multi-line text keeps its lines
    (Windows line ends become ``\n``) and tabs.  Text that cannot be saved at all (lone
    surrogates, from a broken file) is refused.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if _SURROGATE.search(text):
        raise fail(field, _("This contains characters that cannot be saved; please type it again."))
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if multiline:
        import unicodedata

        return unicodedata.normalize("NFC", text).strip()
    return clean(text)


def shorten(value: str, room: int = 60) -> str:
    """``value`` cut to ``room`` characters for quoting in a message."""
    return value if len(value) <= room else value[: room - 1] + "…"


def max_length(table: Table, column: str) -> int | None:
    if column not in table.c:
        return None
    return getattr(table.c[column].type, "length", None)


def check_text(
    value: str | None,
    field: str,
    label: str,
    *,
    table: Table | None = None,
    limit: int | None = None,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """NFC, trimmed, no control characters, within the column's length."""
    value = sanitize(value, field, multiline=multiline)
    if required and not value:
        raise fail(field, _("{label} is required.").format(label=label))
    if limit is None and table is not None:
        limit = max_length(table, field)
    if limit is not None and len(value) > limit:
        raise fail(
            field,
            _("{label} is too long: at most {limit} characters ({n} given).").format(
                label=label, limit=limit, n=len(value)
            ),
        )
    return value


def check_email(value: str | None, field: str = "email") -> str | None:
    """A syntactically valid email address (no network look-up), or None when empty."""
    value = sanitize(value, field)
    if not value:
        return None
    if len(value) > 254:
        raise fail(field, _("That email address is too long (at most 254 characters)."))
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        raise fail(
            field,
            _("“{value}” is not a valid email address; it should look like name@example.org.").format(
                value=shorten(value)
            ),
        ) from None
    if len(result.normalized) > 254:
        raise fail(field, _("That email address is too long (at most 254 characters)."))
    return result.normalized


def check_phone(value: str | None, country: str | None, field: str = "phone") -> str | None:
    """E.164 (+525512345678) when the number is valid for ``country``; else the text as typed."""
    value = sanitize(value, field)
    if not value:
        return None
    if len(value) > 64:
        raise fail(field, _("That phone number is too long (at most 64 characters)."))
    import phonenumbers

    try:
        number = phonenumbers.parse(value, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return value
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return value


def check_student_id(value: str | None, field: str = "student_id") -> str | None:
    """A student id as text (leading zeros kept, inner spaces removed), or None."""
    key = student_id_key(sanitize(value, field))
    if key and len(key) > 64:
        raise fail(field, _("That student id is too long (at most 64 characters)."))
    return key


def check_gender(value: str | None, field: str = "gender") -> str | None:
    """Self-described gender: free text, "prefer not to say", or None (not asked)."""
    value = sanitize(value, field)
    if not value:
        return None
    if value.casefold().rstrip(".") in _PREFER_NOT_TO_SAY:
        return GENDER_PREFER_NOT_TO_SAY
    if len(value) > 100:
        raise fail(field, _("Gender is too long: at most 100 characters."))
    return value


def check_country(value: str | None, field: str = "country") -> str:
    value = sanitize(value, field).upper()
    if not value:
        return value
    if _COUNTRY.match(value):
        import phonenumbers

        if value in phonenumbers.SUPPORTED_REGIONS:
            return value
    raise fail(field, _("Country must be a two-letter ISO code, like MX, ES or IN."))


def check_date(value: object, field: str, label: str) -> dt.date | None:
    """A calendar date (a datetime is cut to its date); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise fail(field, _("{label} must be a date, like 2026-03-08.").format(label=label))


def check_timezone(value: str | None, field: str = "timezone") -> str:
    value = clean(value) or "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(
            field,
            _("“{value}” is not a known time zone; use a name like America/Mexico_City.").format(
                value=value
            ),
        ) from None
    return value


def check_count(value: int | None, field: str, label: str, *, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise fail(field, _("{label} is required.").format(label=label))
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise fail(field, _("{label} must be a whole number.").format(label=label))
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise fail(field, _("{label} must be a whole number.").format(label=label)) from None
    if number < 0:
        raise fail(field, _("{label} cannot be negative.").format(label=label))
    if number > 10_000_000:
        raise fail(field, _("{label} is too large.").format(label=label))
    return number


def check_date_order(
    start: dt.date | dt.datetime | None,
    end: dt.date | dt.datetime | None,
    field: str,
    message: str | None = None,
) -> None:
    if start is not None and end is not None and end < start:
        raise fail(field, message or _("The end cannot be before the start."))


def check_aware(value: dt.datetime | None, field: str, label: str, *, required: bool = True) -> dt.datetime | None:
    if value is None:
        if required:
            raise fail(field, _("{label} is required.").format(label=label))
        return None
    if not isinstance(value, dt.datetime):
        raise fail(field, _("{label} needs a date and a time.").format(label=label))
    if value.tzinfo is None:
        raise fail(field, _("{label} needs a time zone.").format(label=label))
    return value
