"""The fonts the reports draw with, and the choice of a font for each run of text.

reportlab's built-in fonts draw black boxes for anything outside Latin-1, and it cannot
embed CFF outlines, so the reports ship TrueType fonts (``resources/fonts``; their
licences beside them) and pick, character by character, the first of :data:`FACES` that
has the glyph.  A character none of them has becomes :data:`REPLACEMENT` and the text it
was in is reported (:class:`FontSet.missing`), never drawn as a box.

Faces are registered with reportlab the first time a character needs them, so a report
with only Latin names never parses the 4.6 MB CJK font.
"""

from __future__ import annotations

import copy
import os
import sys
import sysconfig
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import ChapterError
from ..i18n import _

#: What a character no shipped font has is drawn as (the Unicode replacement character).
REPLACEMENT = "\ufffd"
# Zero-width joiner and non-joiner: kept inside shaped runs, where they change the shape.
JOINERS = frozenset("\u200c\u200d")


@dataclass(frozen=True)
class FaceFile:
    key: str
    regular: str
    bold: str | None  # None: bold is drawn filled and outlined
    shaped: bool  # needs HarfBuzz shaping (joining scripts, conjuncts, right to left)


#: In order of preference: a character is drawn with the first face that has it.
FACES: tuple[FaceFile, ...] = (
    FaceFile("sans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", False),
    FaceFile("devanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf", True),
    FaceFile("arabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", True),
    FaceFile("hebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf", True),
    FaceFile("cjk", "WenQuanYiMicroHei.ttf", None, False),
)

FONTS_ENV = "CHAPTER_MANAGER_FONTS"


class FontsMissing(ChapterError):
    pass


def font_dirs() -> list[Path]:
    """Where the fonts may be: ``$CHAPTER_MANAGER_FONTS``, the source tree's
    ``resources/fonts`` (a checkout or an editable install), then the installed copy in
    ``share/chapter-manager/fonts`` under the installation's (or the user's) prefix."""
    places: list[Path] = []
    if os.environ.get(FONTS_ENV):
        places.append(Path(os.environ[FONTS_ENV]))
    places.append(Path(__file__).resolve().parents[2] / "resources" / "fonts")
    schemes = [None]
    user = f"{os.name}_user" if os.name != "posix" or sys.platform != "darwin" else "osx_framework_user"
    if user in sysconfig.get_scheme_names():
        schemes.append(user)
    for scheme in schemes:
        try:
            data = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:
            continue
        places.append(Path(data) / "share" / "chapter-manager" / "fonts")
    return places


def fonts_dir() -> Path:
    for place in font_dirs():
        if (place / FACES[0].regular).is_file():
            return place
    raise FontsMissing(
        _("The report's fonts are missing (looked in {places}). Reinstall Chapter Manager.").format(
            places=", ".join(str(p) for p in font_dirs())
        )
    )


class Face:
    """One registered TrueType font: its reportlab name and the characters it has."""

    def __init__(self, name: str, path: Path, shaped: bool, fake_bold: bool):
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        self.name = name
        self.shaped = shaped
        self.fake_bold = fake_bold
        self.font = font
        self.chars = frozenset(font.face.charToGlyph)
        self._widths = font.face.charWidths
        self._default = font.face.defaultWidth

    def has(self, ch: str) -> bool:
        return ord(ch) in self.chars

    def __repr__(self) -> str:
        return f"Face({self.name})"


_REGISTRY_LOCK = threading.RLock()
_FACES: dict[tuple[str, bool], Face] = {}


def _face(spec: FaceFile, bold: bool) -> Face:
    key = (spec.key, bold)
    face = _FACES.get(key)
    if face is not None:
        return face
    with _REGISTRY_LOCK:
        face = _FACES.get(key)
        if face is None:
            if bold and spec.bold is None:
                face = copy.copy(_face(spec, False))
                face.fake_bold = True
            else:
                file = spec.bold if bold and spec.bold else spec.regular
                name = f"CM-{spec.key}-{'bold' if bold else 'regular'}"
                face = Face(name, fonts_dir() / file, spec.shaped, fake_bold=False)
            _FACES[key] = face
    return face


def _category(ch: str) -> str:
    return unicodedata.category(ch)


class FontSet:
    """Chooses a face for every character and remembers the texts it could not draw."""

    def __init__(self) -> None:
        self.missing: dict[str, set[str]] = {}  # text -> characters no face has
        self._choice: dict[tuple[str, bool], Face | None] = {}

    def primary(self, bold: bool = False) -> Face:
        return _face(FACES[0], bold)

    def face_for(self, ch: str, bold: bool = False) -> Face | None:
        """The first face that has ``ch`` (None: none has it)."""
        key = (ch, bold)
        if key in self._choice:
            return self._choice[key]
        found = None
        code = ord(ch)
        for spec in FACES:
            face = _face(spec, bold) if (spec.key, bold) in _FACES or _may_have(spec, code) else None
            if face is not None and code in face.chars:
                found = face
                break
        self._choice[key] = found
        return found

    def clean(self, text: str) -> str:
        """``text`` ready to draw: tabs as spaces, invisible format characters dropped
        (joiners kept), characters no face has replaced and noted in :attr:`missing`."""
        out = []
        lost: set[str] = set()
        for ch in text:
            if ch == "\n" or ch in JOINERS:
                out.append(ch)
                continue
            if ch == "\t":
                out.append(" ")
                continue
            cat = _category(ch)
            if cat in ("Zl", "Zp"):
                out.append("\n")
            elif cat in ("Cc", "Cf"):
                continue
            elif self.face_for(ch) is None:
                lost.add(ch)
                out.append(REPLACEMENT)
            else:
                out.append(ch)
        if lost:
            self.missing.setdefault(text, set()).update(lost)
        return "".join(out)

    def warnings(self) -> list[str]:
        """One sentence per text with characters no shipped font has."""
        lines = []
        for text, chars in sorted(self.missing.items()):
            codes = ", ".join(f"U+{ord(c):04X}" for c in sorted(chars))
            lines.append(
                _("“{text}” has characters no font of the report can draw ({codes}); they are shown as �.")
                .format(text=text, codes=codes)
            )
        return lines


# Blocks that decide, before a face is loaded, whether it is worth loading for a character
# (so that a Latin-only report never parses the CJK font).
_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "sans": ((0, 0x2FFF), (0xA640, 0xA8FF), (0xFB00, 0xFB06), (0xFE00, 0xFE2F), (0xFFF0, 0xFFFF),
             (0x1D400, 0x1D7FF)),
    "devanagari": ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x1CD0, 0x1CFF), (0x2000, 0x206F),
                   (0x20B9, 0x20B9), (0x25CC, 0x25CC)),
    "arabic": ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
               (0xFE70, 0xFEFF), (0x2000, 0x206F), (0x25CC, 0x25CC)),
    "hebrew": ((0x0590, 0x05FF), (0xFB1D, 0xFB4F), (0x2000, 0x206F), (0x25CC, 0x25CC)),
    "cjk": ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF),
            (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x2FFFF),
            (0x2000, 0x27FF)),
}


def _may_have(spec: FaceFile, code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in _RANGES.get(spec.key, ((0, 0x10FFFF),)))
