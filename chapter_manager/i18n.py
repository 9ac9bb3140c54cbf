"""Translatable text for the core.

Every user-visible string in the core (CLI messages, validation messages, report and
workbook labels) is written as ``_("...")``.  Today ``_`` returns the English source
text; the Languages work plugs a gettext catalogue in through :func:`install` without
touching the call sites.  ``N_`` marks a string for extraction where it is translated
later (for example enum labels that are looked up at display time).
"""

from __future__ import annotations

from collections.abc import Callable

_translate: Callable[[str], str] = lambda text: text  # noqa: E731


def _(text: str) -> str:
    """Return ``text`` in the user's language."""
    return _translate(text)


def N_(text: str) -> str:  # gettext convention
    """Mark ``text`` for translation without translating it now."""
    return text


def install(translate: Callable[[str], str]) -> None:
    """Use ``translate`` (for example ``gettext.translation(...).gettext``) from now on."""
    global _translate
    _translate = translate
