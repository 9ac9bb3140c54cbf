"""Names and text in imported cells: splitting a full name, spotting garbled text.

:func:`split_full_name` splits "José Núñez García" into given and family names the way
the name is written: family name last in most of the world, family name first in
Chinese, Japanese, Korean, Vietnamese and Hungarian.  When it cannot tell which part is
which it keeps the name whole (all of it as the given name) rather than guess; it never
leaves a part out.

:func:`garbled` finds mojibake: UTF-8 text that was read as Windows-1252 or Latin-1
somewhere before it reached the file ("GÃ³mez" for "Gómez", "â€™" for "’").
"""

from __future__ import annotations

import contextlib
import re
import unicodedata

from ..text import fold

__all__ = ["garbled", "split_full_name"]

# --------------------------------------------------------------------------- mojibake


def _continuations() -> dict[str, int]:
    """Each character that a byte 0x80–0xBF becomes in Windows-1252 or Latin-1, and the byte."""
    out: dict[str, int] = {}
    for b in range(0x80, 0xC0):
        out[chr(b)] = b  # Latin-1 (and the five bytes Windows-1252 leaves undefined)
        with contextlib.suppress(UnicodeDecodeError):
            out[bytes([b]).decode("cp1252")] = b
    return out


_CONT = _continuations()
# A UTF-8 lead byte read as one character: Â–ß lead two bytes, à–ï three, ð–ô four.
_LEAD = re.compile("[\u00c2-\u00f4]")


def _sequence(text: str, start: int) -> str | None:
    """The character a UTF-8 sequence read as Windows-1252 at ``start`` stood for, or None."""
    lead = ord(text[start])
    if not 0xC2 <= lead <= 0xF4:
        return None
    length = 2 if lead <= 0xDF else 3 if lead <= 0xEF else 4
    tail = text[start + 1:start + length]
    if len(tail) != length - 1 or any(ch not in _CONT for ch in tail):
        return None
    try:
        return bytes([lead, *(_CONT[ch] for ch in tail)]).decode("utf-8")
    except UnicodeDecodeError:
        return None


# Letters a name in a Latin script has, written with two bytes in UTF-8: Latin-1's and
# Latin Extended-A's letters, Romanian ș ț, Vietnamese ơ ư.  Any other two-byte character
# is taken for mojibake only in a run of two letters of one script (Greek, Cyrillic,
# Hebrew, Arabic), as a garbled word in those scripts shows: "Ó’" alone may be typed.
_LIKELY_2 = set(range(0xA0, 0x180)) | {0x218, 0x219, 0x21A, 0x21B, 0x1A0, 0x1A1, 0x1AF, 0x1B0}


def _likely_3(code: int) -> bool:
    return (0x2000 <= code <= 0x206F or 0x20A0 <= code <= 0x20CF or 0x2100 <= code <= 0x214F
            or 0x1E00 <= code <= 0x1EFF or 0x3000 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF
            or 0xFF00 <= code <= 0xFFEF)


def _word_script(code: int) -> str:
    """The script of a two-byte letter whose garbled words are spotted by their runs."""
    if 0x370 <= code <= 0x3FF:
        return "greek"
    if 0x400 <= code <= 0x52F:
        return "cyrillic"
    if 0x5D0 <= code <= 0x5EA:
        return "hebrew"
    if 0x600 <= code <= 0x6FF:
        return "arabic"
    return ""


def garbled(text: str) -> str | None:
    """The first stretch of ``text`` that looks like mojibake, or None.

    A lead character followed by the characters its continuation bytes become, which
    together decode as UTF-8 to a character a name or a sentence would hold, is how a
    UTF-8 letter looks when read in the wrong encoding ("Ã³" for "ó", "â€™" for "’",
    "çŽ‹" for "王"); a replacement character (U+FFFD) is what a failed decoding leaves.
    """
    if text.isascii():
        return None
    if "\ufffd" in text:
        return "\ufffd"
    for m in _LEAD.finditer(text):
        start = m.start()
        meant = _sequence(text, start)
        if meant is None:
            continue
        size = len(meant.encode("utf-8"))
        code = ord(meant)
        if size == 4 or (size == 3 and _likely_3(code)) or (size == 2 and code in _LIKELY_2):
            return text[start:start + size]
        if size == 2 and _word_script(code):
            following = _sequence(text, start + 2) if start + 2 < len(text) else None
            if following is not None and _word_script(ord(following)) == _word_script(code):
                return text[start:start + 2 + len(following.encode("utf-8"))]
    return None


def repaired(fragment: str) -> str:
    """What a garbled stretch found by :func:`garbled` was meant to be."""
    if fragment == "\ufffd":
        return fragment
    return bytes(_CONT.get(ch, ord(ch) & 0xFF) for ch in fragment).decode("utf-8", "replace")


# --------------------------------------------------------------------------- names

# Two-character Chinese family names (simplified and traditional); any other Chinese
# name's family name is its first character.
_CHINESE_COMPOUND = frozenset(
    ["欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方", "皇甫", "尉迟", "尉遲", "公孙", "公孫", "慕容", "令狐", "司徒", "夏侯", "轩辕", "軒轅", "宇文", "长孙", "長孫", "端木", "西门", "西門", "南宫", "南宮", "独孤", "獨孤", "百里", "呼延", "澹台", "澹臺", "申屠", "钟离", "鍾離"])
_KOREAN_COMPOUND = frozenset(["남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방", "망절"])

# Vietnamese family names as written with their marks (compared case-insensitively), and
# the few whose unmarked spelling is Vietnamese only ("Le", "Ho", "Van"... are not).
_VIETNAMESE_FAMILY = frozenset(n.casefold() for n in ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Đoàn", "Trịnh", "Vương", "Tạ", "Phùng", "Quách", "Đào", "Lưu", "Kiều", "Triệu", "Diệp", "Nguyen", "Tran", "Pham", "Hoang", "Huynh", "Dang", "Bui", "Duong", "Truong", "Luong", "Trinh", "Vuong", "Phung", "Quach", "Dinh", "Doan", "Trieu", "Kieu"])
# Letters found in Vietnamese and in no other language that uses these names.
_VIETNAMESE_LETTERS = re.compile("[ơưđĐƠƯăĂ\u1ea0-\u1ef9]")

_HUNGARIAN_FAMILY = frozenset(fold(n) for n in ["Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas", "Balogh", "Papp", "Takács", "Juhász", "Lakatos", "Mészáros", "Oláh", "Rácz", "Fekete", "Szilágyi", "Török", "Fehér", "Balázs", "Gál", "Kis", "Szűcs", "Kocsis", "Pintér", "Fodor", "Szalai", "Sipos", "Magyar", "Lukács", "Gulyás", "Biró", "Király", "Katona", "Jakab", "Bogdán", "Sándor", "Boros", "Fazekas", "Kelemen", "Antal", "Orosz", "Somogyi", "Fülöp", "Veres", "Vincze", "Hegedűs", "Deák", "Pap", "Illés", "Vass", "Szőke", "Fábián", "Vörös", "Lengyel", "Bognár", "Bodnár", "Jónás", "Hajdu", "Halász", "Székely", "Gáspár", "Kozma", "Pásztor", "Bakos", "Dudás", "Virág", "Orbán", "Barta", "Nemes", "Vadász", "Erdős", "Bíró", "Csonka", "Kertész", "Szekeres"])
_HUNGARIAN_GIVEN = frozenset(fold(n) for n in ["Anna", "Zsófia", "Eszter", "Katalin", "Éva", "Erzsébet", "Mária", "Ilona", "Judit", "Ágnes", "Zsuzsanna", "Andrea", "Krisztina", "Réka", "Dóra", "Noémi", "Petra", "Boglárka", "Lilla", "Fanni", "Hanna", "Luca", "Vivien", "Nikolett", "Orsolya", "Tímea", "Emese", "Enikő", "Csilla", "Gizella", "Piroska", "Borbála", "Kinga", "Rita", "Szilvia", "Beáta", "Ildikó", "Mónika", "Melinda", "Anikó", "László", "István", "József", "János", "Zoltán", "Gábor", "Ferenc", "Attila", "Tamás", "Zsolt", "Tibor", "András", "Csaba", "Imre", "György", "Dániel", "Bence", "Ádám", "Levente", "Gergő", "Dávid", "Márk", "Kristóf", "Zsombor", "Botond", "Áron", "Norbert", "Róbert", "Gyula", "Miklós", "Lajos", "Béla", "Mihály", "Dezső", "Ákos", "Viktor", "Szabolcs", "Krisztián", "Richárd", "Roland", "Barnabás", "Marcell", "Olivér", "Benedek", "Vilmos", "Kálmán", "Géza", "Jenő", "Ottó", "Ernő", "Sándor", "Péter", "Máté", "Bálint"])
# Letters that only Hungarian uses among the languages written with these names.
_HUNGARIAN_LETTERS = re.compile("[őűŐŰ]")


def _script(ch: str) -> str:
    """"han", "kana", "hangul" or "" for one character."""
    code = ord(ch)
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FA1F \
            or 0xF900 <= code <= 0xFAFF or code == 0x3005:
        return "han"
    return ""


def split_full_name(text: str) -> tuple[str, str, bool]:
    """(given names, family names, family name first) for a full name as typed.

    * "Núñez, José": the family name before a comma.
    * East Asian scripts: written family name first.  With spaces, the first word is
      the family name ("山田 太郎", "김 민준").  Without, a Chinese or Korean name of
      two or three characters (or four with a two-character family name such as 欧阳)
      is split after its family name ("王芳" → 王 + 芳); a Japanese name written without
      a space, or a longer one, is kept whole: the split cannot be told from the text.
    * Vietnamese ("Nguyễn Thị Lan"): family name first when the first word is a
      Vietnamese family name (or the name is written with Vietnamese letters and the
      last word is not one).
    * Hungarian ("Kovács Anna"): family name first when the first word is a common
      Hungarian family name and the last a Hungarian given name.
    * Otherwise family name last: one given name, the rest family names ("José Núñez
      García"), or two and two when there are four or more words ("María José Núñez
      García").
    Every character of the name but the separating comma and spaces is kept.
    """
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if not text:
        return "", "", False
    if "," in text:
        family, _sep, given = text.partition(",")
        return given.strip(), family.strip(), False
    words = text.split(" ")
    scripts = {_script(ch) for ch in text if not ch.isspace()} - {""}
    if scripts:
        return _east_asian(text, words, scripts)
    if len(words) == 1:
        return text, "", False
    first, last = fold(words[0]), fold(words[-1])
    viet_first = words[0].casefold() in _VIETNAMESE_FAMILY
    viet_last = words[-1].casefold() in _VIETNAMESE_FAMILY
    if viet_first and not viet_last or (viet_first and _VIETNAMESE_LETTERS.search(text)):
        return " ".join(words[1:]), words[0], True
    if _VIETNAMESE_LETTERS.search(text) and not viet_last and len(words) >= 3:
        return " ".join(words[1:]), words[0], True
    if len(words) == 2:
        hu_first = first in _HUNGARIAN_FAMILY and last in _HUNGARIAN_GIVEN
        western = first in _HUNGARIAN_GIVEN and last in _HUNGARIAN_FAMILY
        if hu_first and (not western or _HUNGARIAN_LETTERS.search(words[1])):
            return words[1], words[0], True
    if len(words) >= 4:
        return " ".join(words[:2]), " ".join(words[2:]), False
    return words[0], " ".join(words[1:]), False


def _east_asian(text: str, words: list[str], scripts: set[str]) -> tuple[str, str, bool]:
    if len(words) >= 2:
        return " ".join(words[1:]), words[0], True
    name = text
    if "kana" in scripts:
        return text, "", True  # Japanese without a space: the split is not in the text
    if scripts == {"hangul"} and 2 <= len(name) <= 4:
        cut = 2 if len(name) >= 3 and name[:2] in _KOREAN_COMPOUND else 1
        return name[cut:], name[:cut], True
    if scripts == {"han"} and name.isalpha():
        if len(name) in (3, 4) and name[:2] in _CHINESE_COMPOUND:
            return name[2:], name[:2], True
        if len(name) in (2, 3):
            return name[1:], name[:1], True
    return text, "", True
