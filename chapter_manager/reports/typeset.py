"""Text in any script on a reportlab canvas: font runs, right-to-left order, shaping, wrapping.

reportlab's ``Paragraph`` shapes word by word with the first font of the word and needs
``rlbidi`` (not published) for right-to-left text, so the reports lay out their own text:

1. :meth:`FontSet.clean` drops invisible controls and replaces characters no font has;
2. each hard line is wrapped in logical order at spaces (and between CJK characters),
   widths measured per font run (HarfBuzz-shaped where the face needs it);
3. each line is put in visual order (:func:`bidi_levels`, a reduced Unicode bidi
   algorithm: paragraph direction from the first strong character, numbers, neutrals
   between two sides of one direction, runs reordered by level), and every run of one
   level and one face is drawn with that face; runs of a shaped face go through
   reportlab's HarfBuzz support (``shaping=True``), which puts Arabic glyphs right to left.

Every (face, characters) pair drawn is noted in :attr:`Typesetter.drawn`, so tests can
prove no character was drawn with a font that lacks it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from .fonts import JOINERS, Face, FontSet


def _utf16_hex(text: str) -> str:
    return "FEFF" + text.encode("utf-16-be").hex().upper()


# --------------------------------------------------------------------------- bidi

_STRONG_R = frozenset(("R", "AL"))


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFF60
            or 0x20000 <= code <= 0x2FFFF)


def base_rtl(text: str) -> bool:
    """Whether a paragraph reads right to left (its first strong character is RTL)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return False
        if kind in _STRONG_R:
            return True
    return False


def bidi_levels(text: str, rtl: bool) -> list[int]:
    """Embedding levels of each character (0/1 base, +1 or +2 embedded), reduced UBA:
    no explicit embeddings or isolates (they are removed before), W1-W7, N1-N2, I1-I2."""
    base = 1 if rtl else 0
    kinds = [unicodedata.bidirectional(ch) for ch in text]
    n = len(kinds)
    # W1: a mark takes the type of what it follows.
    prev = "R" if rtl else "L"
    for i, k in enumerate(kinds):
        if k == "NSM":
            kinds[i] = prev if prev not in ("LRI", "RLI", "FSI", "PDI") else "ON"
        prev = kinds[i]
    # W2, W3, W7: numbers after Arabic letters are Arabic numbers; AL is R; European
    # numbers after L are L.
    last_strong = "R" if rtl else "L"
    for i, k in enumerate(kinds):
        if k in ("L", "R", "AL"):
            last_strong = k
            if k == "AL":
                kinds[i] = "R"
        elif k == "EN":
            if last_strong == "AL":
                kinds[i] = "AN"
            elif last_strong == "L":
                kinds[i] = "L"
    # W4-W6 simplified: separators and terminators between or next to numbers join them.
    for i, k in enumerate(kinds):
        if k in ("ES", "CS", "ET") and 0 < i < n - 1 and kinds[i - 1] == kinds[i + 1] and kinds[i - 1] in ("EN", "AN"):
            kinds[i] = kinds[i - 1]
    # N1, N2: neutrals take the direction of both sides when they agree, else the base.
    strong = []
    for k in kinds:
        if k == "L":
            strong.append("L")
        elif k in ("R", "EN", "AN"):
            strong.append("R")
        else:
            strong.append(None)
    i = 0
    base_dir = "R" if rtl else "L"
    while i < n:
        if strong[i] is not None:
            i += 1
            continue
        j = i
        while j < n and strong[j] is None:
            j += 1
        before = strong[i - 1] if i > 0 else base_dir
        after = strong[j] if j < n else base_dir
        fill = before if before == after else base_dir
        for m in range(i, j):
            kinds[m] = fill
        i = j
    levels = []
    for k in kinds:
        if base == 0:
            levels.append(1 if k == "R" else 2 if k in ("EN", "AN") else 0)
        else:
            levels.append(2 if k in ("L", "EN", "AN") else 1)
    return levels


def visual_order(items: list[Any], levels: list[int]) -> list[Any]:
    """Rule L2 on whole runs: from the highest level down to the lowest odd one,
    reverse every sequence of items at that level or higher."""
    if not items:
        return []
    order = list(range(len(items)))
    top = max(levels)
    lowest_odd = min((lv for lv in levels if lv % 2), default=top + 1)
    lv_of = list(levels)
    for level in range(top, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if lv_of[order[i]] >= level:
                j = i
                while j < len(order) and lv_of[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return [items[k] for k in order]


# --------------------------------------------------------------------------- style


@dataclass(frozen=True)
class Style:
    size: float = 9.0
    leading: float = 0.0  # 0: 1.3 × size
    bold: bool = False
    color: Any = colors.black
    align: str = "start"  # start, end, left, right, center
    space_before: float = 0.0
    space_after: float = 0.0

    @property
    def line_height(self) -> float:
        return self.leading or self.size * 1.3

    def but(self, **changes: Any) -> Style:
        from dataclasses import replace

        return replace(self, **changes)


# --------------------------------------------------------------------------- runs


@dataclass
class Run:
    text: str
    face: Face
    level: int
    width: float = 0.0

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


@dataclass
class Line:
    runs: list[Run]  # in visual order
    width: float
    rtl: bool  # the paragraph's direction


@dataclass
class Typesetter:
    """Lays out and draws text with a :class:`FontSet`; records what it drew."""

    fonts: FontSet = field(default_factory=FontSet)
    drawn: dict[str, set[str]] = field(default_factory=dict)  # face name -> characters
    _widths: dict[tuple[str, str, float], float] = field(default_factory=dict)
    _layouts: dict[tuple[str, float, bool, float], list[Line]] = field(default_factory=dict)
    _simple: dict[tuple[str, bool], bool] = field(default_factory=dict)

    # ---------------------------------------------------------------- plain text
    def _simple_char(self, ch: str, bold: bool) -> bool:
        key = (ch, bold)
        known = self._simple.get(key)
        if known is None:
            known = (
                ch not in "\n\t" and ch not in JOINERS
                and unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
                and unicodedata.bidirectional(ch) not in ("R", "AL", "AN", "LRE", "RLE", "LRO", "RLO",
                                                          "PDF", "LRI", "RLI", "FSI", "PDI")
                and self.fonts.face_for(ch, bold) is self.fonts.primary(bold)
            )
            self._simple[key] = known
        return known

    def plain_face(self, text: str, bold: bool = False) -> Face | None:
        """The primary face when ``text`` needs nothing else: every character is in it,
        none reads right to left, none is a control (so it is one left-to-right run of
        that face, drawn as it is); else None."""
        simple = self._simple_char
        for ch in set(text):
            if not simple(ch, bold):
                return None
        return self.fonts.primary(bold)

    def plain_lines(self, text: str, style: Style, width: float) -> list[str] | None:
        """``text`` wrapped into lines no wider than ``width`` when it is plain (see
        :meth:`plain_face`); None otherwise.  Widths of plain text add up word by word, so
        this measures each word once."""
        face = self.plain_face(text, style.bold)
        if face is None:
            return None
        size = style.size
        if stringWidth(text, face.name, size) <= width:
            return [text.rstrip(" ")]
        lines: list[str] = []
        current = ""
        used = 0.0
        for token in self._tokens(text):
            word = token.rstrip(" ")
            need = self.run_width(word, face, size)
            if current and used + need > width:
                lines.append(current.rstrip(" "))
                current, used = "", 0.0
            if not current and need > width and len(word) > 1:
                # a single word wider than the line: cut it between characters
                for ch in token:
                    w = self.run_width(ch, face, size)
                    if current and used + w > width and ch != " ":
                        lines.append(current.rstrip(" "))
                        current, used = "", 0.0
                    current += ch
                    used += w
                continue
            current += token
            used += need + self.run_width(token[len(word):], face, size)
        lines.append(current.rstrip(" "))
        return lines

    # ---------------------------------------------------------------- measuring
    def _split_faces(self, text: str, bold: bool) -> list[tuple[str, Face]]:
        """``text`` (already clean) cut where the face changes.  Letters take the first
        face that has them; marks, spaces, digits and punctuation stay in the face of
        what precedes them when it has them."""
        runs: list[tuple[str, Face]] = []
        current: Face | None = None
        buf: list[str] = []
        primary = self.fonts.primary(bold)
        for ch in text:
            cat = unicodedata.category(ch)
            if current is not None and (ch in JOINERS or (cat[0] != "L" and current.has(ch))):
                buf.append(ch)
                continue
            face = self.fonts.face_for(ch, bold) or primary
            if face is not current:
                if buf and current is not None:
                    runs.append(("".join(buf), current))
                buf = [ch]
                current = face
            else:
                buf.append(ch)
        if buf and current is not None:
            runs.append(("".join(buf), current))
        return runs

    def run_width(self, text: str, face: Face, size: float) -> float:
        key = (text, face.name, size)
        width = self._widths.get(key)
        if width is None:
            if face.shaped:
                from reportlab.pdfbase.ttfonts import ShapedStr, shapeStr

                shaped = shapeStr(text, face.name, size)
                if isinstance(shaped, ShapedStr):
                    width = sum(d.x_advance for d in shaped.__shapeData__) * size / 1000
                else:
                    width = stringWidth(text, face.name, size)
            else:
                width = stringWidth(text, face.name, size)
            self._widths[key] = width
        return width

    def width(self, text: str, style: Style) -> float:
        """The width of ``text`` (one line, already clean) in ``style``."""
        return sum(self.run_width(t, f, style.size) for t, f in self._split_faces(text, style.bold))

    # ---------------------------------------------------------------- wrapping
    @staticmethod
    def _tokens(text: str) -> list[str]:
        """Pieces a line may break after: words with their trailing spaces, and each
        CJK character on its own."""
        tokens: list[str] = []
        buf = ""
        for ch in text:
            if ch == " ":
                buf += ch
                continue
            if buf and (buf[-1] == " " or _is_cjk(ch) or _is_cjk(buf[-1])):
                tokens.append(buf)
                buf = ""
            buf += ch
        if buf:
            tokens.append(buf)
        return tokens

    def wrap_line(self, text: str, style: Style, width: float) -> list[str]:
        """A hard line cut into lines no wider than ``width`` (a word too long for a line
        is cut between characters)."""
        lines: list[str] = []
        current = ""
        for token in self._tokens(text):
            candidate = current + token
            if current and self.width(candidate.rstrip(" "), style) > width:
                lines.append(current.rstrip(" "))
                current = ""
                candidate = token
            if self.width(candidate.rstrip(" "), style) > width and len(candidate.strip()) > 1:
                # a single word wider than the line: cut it between characters
                piece = ""
                for ch in candidate:
                    if piece and self.width((piece + ch).rstrip(" "), style) > width:
                        lines.append(piece.rstrip(" "))
                        piece = ""
                    piece += ch
                current = piece
            else:
                current = candidate
        lines.append(current.rstrip(" "))
        return lines

    def layout(self, text: str, style: Style, width: float) -> list[Line]:
        key = (text, style.size, style.bold, width)
        cached = self._layouts.get(key)
        if cached is not None:
            return cached
        plain = self.plain_lines(text, style, width)
        if plain is not None:
            face = self.fonts.primary(style.bold)
            out = []
            for piece in plain:
                w = self.run_width(piece, face, style.size)
                out.append(Line([Run(piece, face, 0, w)] if piece else [], w if piece else 0.0, False))
        else:
            out = self._layout(text, style, width)
        self._layouts[key] = out
        return out

    def _layout(self, text: str, style: Style, width: float) -> list[Line]:
        text = self.fonts.clean(text)
        out: list[Line] = []
        for hard in text.split("\n"):
            rtl = base_rtl(hard)
            for line in self.wrap_line(hard, style, width):
                out.append(self.line(line, style, rtl))
        return out

    def line(self, text: str, style: Style, rtl: bool | None = None) -> Line:
        """One line (clean, no breaks) put in visual order."""
        if rtl is None:
            rtl = base_rtl(text)
        if not text:
            return Line([], 0.0, rtl)
        levels = bidi_levels(text, rtl)
        # runs of one level, then of one face inside each
        runs: list[Run] = []
        start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or levels[i] != levels[start]:
                piece = text[start:i]
                # L2 below reverses these face runs too when the level is odd
                runs.extend(Run(t, f, levels[start]) for t, f in self._split_faces(piece, style.bold))
                start = i
        ordered = visual_order(runs, [r.level for r in runs])
        for r in ordered:
            r.width = self.run_width(r.text, r.face, style.size)
        return Line(ordered, sum(r.width for r in ordered), rtl)

    # ---------------------------------------------------------------- drawing
    def draw_line(self, canvas: Any, line: Line, x: float, y: float, style: Style) -> None:
        """Draw ``line`` with its left end at ``x`` and its baseline at ``y``."""
        canvas.setFillColor(style.color)
        for run in line.runs:
            face = run.face
            text = run.text
            mode = 0
            if face.fake_bold:
                canvas.setStrokeColor(style.color)
                canvas.setLineWidth(style.size * 0.035)
                mode = 2
            if face.shaped:
                # reportlab's drawString(shaping=True) shapes only when rlbidi is installed;
                # shapeStr (HarfBuzz) works without it and the text object draws its glyphs.
                from reportlab.pdfbase.ttfonts import shapeStr

                text = shapeStr(text, face.name, style.size)
            obj = canvas.beginText(x, y)
            obj.setFont(face.name, style.size)
            if mode:
                obj.setTextRenderMode(mode)
            obj.textOut(text)
            if mode:
                obj.setTextRenderMode(0)
            if face.shaped and not run.rtl:
                # Shaped glyphs (Devanagari conjuncts) have no characters of their own:
                # /ActualText gives text extraction and screen readers the run as typed.
                # (Right-to-left runs extract well from their joined forms, and poppler
                # would reverse an ActualText given in logical order.)
                canvas._code.append(f"/Span <</ActualText <{_utf16_hex(run.text)}>>> BDC")
                canvas.drawText(obj)
                canvas._code.append("EMC")
            else:
                canvas.drawText(obj)
            self.drawn.setdefault(face.name, set()).update(run.text)
            x += run.width

    def draw(self, canvas: Any, text: str, x: float, y: float, style: Style,
             align: str | None = None, width: float | None = None) -> float:
        """Draw one line of ``text`` (no wrapping) at ``x`` (its left, centre or right end
        as ``align`` says: left, right, center); return its width."""
        clean = self.fonts.clean(text).replace("\n", " ")
        line = self.line(clean, style)
        align = align or "left"
        if width is not None and line.width > width:
            line = self._ellipsized(clean, style, width)
        if align == "right":
            x -= line.width
        elif align == "center":
            x -= line.width / 2
        self.draw_line(canvas, line, x, y, style)
        return line.width

    def _ellipsized(self, text: str, style: Style, width: float) -> Line:
        cut = text
        while cut and self.width(cut + "…", style) > width:
            cut = cut[:-1]
        return self.line(cut.rstrip() + "…", style)

    def fit(self, text: str, style: Style, width: float) -> str:
        """``text`` shortened with an ellipsis to fit in ``width`` (one line)."""
        clean = self.fonts.clean(text).replace("\n", " ")
        if self.width(clean, style) <= width:
            return clean
        cut = clean
        while cut and self.width(cut + "…", style) > width:
            cut = cut[:-1]
        return cut.rstrip() + "…"


# --------------------------------------------------------------------------- flowable


class Text(Flowable):
    """A paragraph of text in any script, wrapped to the width it is given."""

    def __init__(self, typesetter: Typesetter, text: str, style: Style):
        super().__init__()
        self.ts = typesetter
        self.text = text
        self.style = style
        self.spaceBefore = style.space_before
        self.spaceAfter = style.space_after
        self._lines: list[Line] = []
        self._for_width: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._for_width != availWidth:
            self._lines = self.ts.layout(self.text, self.style, availWidth)
            self._for_width = availWidth
        self.width = availWidth
        self.height = len(self._lines) * self.style.line_height
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        fits = int(availHeight // self.style.line_height)
        if fits <= 0 or fits >= len(self._lines):
            return []
        first = _Lines(self.ts, self._lines[:fits], self.style, availWidth)
        rest = _Lines(self.ts, self._lines[fits:], self.style, availWidth)
        return [first, rest]

    def draw(self) -> None:
        _draw_lines(self.ts, self.canv, self._lines, self.style, self.width)


class _Lines(Text):
    def __init__(self, ts: Typesetter, lines: list[Line], style: Style, width: float):
        Flowable.__init__(self)
        self.ts = ts
        self.text = ""
        self.style = style
        self.spaceBefore = 0
        self.spaceAfter = style.space_after
        self._lines = lines
        self._for_width = width

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = len(self._lines) * self.style.line_height
        return availWidth, self.height


def _draw_lines(ts: Typesetter, canvas: Any, lines: Iterable[Line], style: Style, width: float) -> None:
    lines = list(lines)
    lh = style.line_height
    # caps centred in each line: the baseline sits (line height + cap height) / 2 below its top
    y = len(lines) * lh - (lh + style.size * 0.72) / 2
    for line in lines:
        align = style.align
        if align == "start":
            align = "right" if line.rtl else "left"
        elif align == "end":
            align = "left" if line.rtl else "right"
        if align == "right":
            x = width - line.width
        elif align == "center":
            x = (width - line.width) / 2
        else:
            x = 0.0
        ts.draw_line(canvas, line, x, y, style)
        y -= lh
