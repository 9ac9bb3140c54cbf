"""The impact report: figures equal to `stats --json`, every name in its own script,
no character drawn with a font that lacks it, advisor mode, an empty chapter, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
import subprocess
import unicodedata
from pathlib import Path

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chapter_manager.cli import main
from chapter_manager.reports.data import MIN_GROUP, ReportOptions, fold_small_groups
from chapter_manager.reports.fonts import FACES, font_dirs, fonts_dir
from chapter_manager.reports.impact import build_report
from chapter_manager.reports.typeset import Typesetter, bidi_levels, visual_order

NAMES = {
    "es": ("José", "Núñez Peña"),
    "vi": ("Thị Lan", "Nguyễn"),
    "pl": ("Łukasz", "Wójcik"),
    "zh": ("芳", "王"),
    "hi": ("प्रिया", "शर्मा"),
    "ar": ("أحمد", "المنصوري"),
}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    return unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in reader.pages))


def poppler_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return unicodedata.normalize("NFC", out.stdout)


def _number(text: str, label: str) -> tuple[int, ...]:
    match = re.search(re.escape(label) + r"\s+([\d,]+)(?:\s+([\d,]+))?", text)
    assert match, f"{label!r} not found"
    return tuple(int(g.replace(",", "")) for g in match.groups() if g)


@pytest.fixture
def demo_db(tmp_path, capsys):
    path = str(tmp_path / "demo.db")
    code, _out, err = run(capsys, "--db", path, "demo", "--members", "60", "--events", "10", "--forums", "3",
                          "--pledges", "150", "--seed", "5")
    assert code == 0, err
    return path


def counted(path: str) -> dict[str, int]:
    """The figures counted straight from the file with plain SQL, apart from the app's code."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        [(chapter,)] = conn.execute("SELECT id FROM chapters").fetchall()

        def one(sql: str) -> int:
            return int(conn.execute(sql, {"c": chapter}).fetchone()[0])

        return {
            "pledges": one("SELECT count(*) FROM pledges WHERE chapter_id = :c"),
            "members": one("SELECT count(*) FROM memberships WHERE chapter_id = :c"),
            "active": one("SELECT count(*) FROM memberships WHERE chapter_id = :c AND status = 'active'"),
            "events_held": one("SELECT count(*) FROM events WHERE chapter_id = :c AND status = 'held'"),
            "attendance": one("SELECT count(*) FROM attendance a JOIN events e ON e.id = a.event_id "
                              "WHERE e.chapter_id = :c"),
            "headcount": one(
                "SELECT coalesce(sum(max(e.headcount - (SELECT count(*) FROM attendance a "
                "WHERE a.event_id = e.id), 0)), 0) FROM events e WHERE e.chapter_id = :c"
            ),
            "forums": one("SELECT count(*) FROM forum_sessions WHERE chapter_id = :c"),
        }
    finally:
        conn.close()


def test_figures_equal_stats_json_and_the_files_own_counts(demo_db, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    code, stdout, err = run(capsys, "--db", demo_db, "report", str(out))
    assert code == 0, err
    assert "report" in stdout and out.exists()
    stats = json.loads(run(capsys, "--db", demo_db, "stats", "--json")[1])
    text = pdf_text(out)
    # Both the report and `stats` take their figures from services.stats; the file's own
    # counts, made here without it, are what both must show.
    truth = counted(demo_db)
    assert all(truth.values()), truth  # the demo has some of each, so a zero cannot pass
    assert {
        "pledges": stats["pledges"], "members": stats["members"],
        "active": stats["members_by_status"]["active"], "events_held": stats["events_held"],
        "attendance": stats["attendance"], "headcount": stats["headcount"], "forums": stats["forums"],
    } == truth
    assert _number(text, "Pledges")[-1] == truth["pledges"]
    assert _number(text, "New members")[-1] == truth["members"]
    assert _number(text, "Active members now")[-1] == truth["active"]
    assert _number(text, "Events held")[-1] == truth["events_held"]
    assert _number(text, "Attendance (named check-ins)")[-1] == truth["attendance"]
    assert _number(text, "More people counted at the door")[-1] == truth["headcount"]
    assert _number(text, "Forums held")[-1] == truth["forums"]
    goal = next(g for g in stats["goals"] if g["metric"] == "pledges")
    assert f"{goal['current']:,} of {goal['target']:,} pledges, {goal['percent']:g} %" in text
    if goal["projected_date"]:
        assert goal["projected_date"] in text
    info = pypdf.PdfReader(str(out)).metadata
    assert info.title == f"Impact report: {stats['chapter']['name']}"
    assert info.author == stats["chapter"]["name"] and "HeForShe" in info.subject
    pages = len(pypdf.PdfReader(str(out)).pages)
    assert f"Page {pages} of {pages}" in text


def test_period_figures_count_only_the_period(demo_db, tmp_path, capsys):
    from chapter_manager.services.stats import period_counts
    from chapter_manager.storage import open_database

    out = tmp_path / "r.pdf"
    assert run(capsys, "--db", demo_db, "report", str(out), "--from", "2000-01-01", "--to", "2000-12-31")[0] == 0
    text = pdf_text(out)
    stats = json.loads(run(capsys, "--db", demo_db, "stats", "--json")[1])
    assert _number(text, "Pledges") == (0, stats["pledges"])
    assert "No events in this period." in text
    with open_database(demo_db) as db:
        chapter = stats["chapter"]["id"]
        whole = period_counts(db, chapter, dt.date(1990, 1, 1), dt.date(2100, 1, 1))
    assert whole["pledges"] == stats["pledges"] and whole["forums"] == stats["forums"]
    assert whole["attendance"] == stats["attendance"] and whole["events_held"] == stats["events_held"]
    assert whole["headcount"] == stats["headcount"]


def _people(db, chapter_id):
    from chapter_manager.services.members import add_officer_term
    from chapter_manager.services.people import PersonData, create_person

    ids = {}
    for k, (first, family) in NAMES.items():
        person = create_person(db, chapter_id, PersonData(
            given_names=first, family_names=family, family_name_first=k in ("vi", "zh"),
            email=f"{k}@example.org"))
        add_officer_term(db, person.id, "custom", dt.date(2026, 1, 1), custom_title=f"Lead {k}")
        ids[k] = person.id
    secret = create_person(db, chapter_id, PersonData(given_names="Secreta", family_names="Reservada",
                                                      email="secreta@example.org", do_not_disclose=True))
    add_officer_term(db, secret.id, "treasurer", dt.date(2026, 1, 1))
    flower = create_person(db, chapter_id, PersonData(given_names="Ana", family_names="Flor 🌸"))
    add_officer_term(db, flower.id, "secretary", dt.date(2026, 1, 1))
    return ids


def test_names_in_their_own_scripts_and_no_missing_glyphs(db, chapter, tmp_path):
    from reportlab.pdfbase.ttfonts import TTFont

    from chapter_manager.reports.impact import write_pdf

    _people(db, chapter.id)
    result = build_report(db, ReportOptions(chapter.id, dt.date(2026, 1, 1), dt.date(2026, 6, 30),
                                            today=dt.date(2026, 6, 30)))
    path = write_pdf(result.pdf, tmp_path / "names.pdf")
    text = pdf_text(path)
    for k in ("es", "pl"):
        assert " ".join(NAMES[k]) in text
    assert "Nguyễn Thị Lan" in text
    assert "王芳" in text
    assert "أحمد المنصوري" in text
    assert "es@example.org" in text.replace("\n", "")
    hindi = poppler_text(path)
    assert "प्रिया शर्मा" in hindi
    # every character drawn is in the font it was drawn with (checked against the font files)
    files = {}
    for spec in FACES:
        for bold, file in ((False, spec.regular), (True, spec.bold or spec.regular)):
            files[f"CM-{spec.key}-{'bold' if bold else 'regular'}"] = fonts_dir() / file
    for name, chars in result.drawn.items():
        cmap = TTFont(f"check-{name}", str(files[name])).face.charToGlyph
        missing = [c for c in chars if ord(c) not in cmap and c not in "\u200c\u200d"]
        assert not missing, (name, missing)
    assert "CM-devanagari-regular" in result.drawn and "CM-cjk-regular" in result.drawn
    assert "CM-arabic-regular" in result.drawn
    # the emoji no font has: replaced, named in a warning, never drawn
    assert any("Flor 🌸" in w and "U+1F338" in w for w in result.warnings)
    assert all("🌸" not in chars for chars in result.drawn.values())
    assert "Flor \ufffd" in text


def test_advisor_mode_leaves_out_contacts_and_undisclosed_people(db, chapter, tmp_path):
    _people(db, chapter.id)
    normal = build_report(db, ReportOptions(chapter.id, dt.date(2026, 1, 1), dt.date(2026, 6, 30)))
    advisor = build_report(db, ReportOptions(chapter.id, dt.date(2026, 1, 1), dt.date(2026, 6, 30), advisor=True))
    (tmp_path / "n.pdf").write_bytes(normal.pdf)
    (tmp_path / "a.pdf").write_bytes(advisor.pdf)
    plain = pdf_text(tmp_path / "n.pdf")
    text = pdf_text(tmp_path / "a.pdf")
    assert "Secreta Reservada" in plain and "@example.org" in plain.replace("\n", "")
    assert "Secreta Reservada" not in text and "Reservada" not in text
    assert "@" not in text
    assert "Advisor edition" in text


def test_an_empty_chapter_gets_a_sensible_report(db, chapter, tmp_path):
    result = build_report(db, ReportOptions(chapter.id))
    (tmp_path / "e.pdf").write_bytes(result.pdf)
    text = pdf_text(tmp_path / "e.pdf")
    assert "No pledges in this period yet." in text
    assert "No events in this period." in text and "No forums in this period." in text
    assert "The chapter has not set a pledge goal." in text
    assert "Faculty advisor's sign-off" in text
    assert result.pages >= 2 and not result.warnings


def test_cancel_stops_the_report(db, chapter):
    import threading

    from chapter_manager.reports.data import Cancelled

    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        build_report(db, ReportOptions(chapter.id), cancel=stop)


def test_cli_usage_and_failures(demo_db, tmp_path, capsys):
    code, _out, err = run(capsys, "--db", demo_db, "report", str(tmp_path / "x.pdf"), "--from", "2026-02-30")
    assert code == 2 and "is not a date" in err
    code, _out, err = run(capsys, "--db", demo_db, "report", str(tmp_path / "x.pdf"), "--from", "2026-05-01",
                          "--to", "2026-04-01")
    assert code == 2 and "cannot end" in err
    code, _out, err = run(capsys, "--db", demo_db, "report", str(tmp_path / "nowhere" / "x.pdf"))
    assert code == 1 and "does not exist" in err and "Traceback" not in err
    code, _out, err = run(capsys, "--db", demo_db, "report", str(tmp_path / "x.pdf"), "--chapter", "99")
    assert code == 1 and "no chapter" in err
    code, _out, err = run(capsys, "--db", str(tmp_path / "typo.db"), "report", str(tmp_path / "x.pdf"))
    assert code == 1 and not (tmp_path / "typo.db").exists()
    assert not (tmp_path / "x.pdf").exists()


def test_fonts_are_shipped_with_their_licences():
    folder = fonts_dir()
    assert folder in font_dirs()
    for spec in FACES:
        for file in (spec.regular, spec.bold):
            if file:
                data = (folder / file).read_bytes()
                assert data[:4] == b"\x00\x01\x00\x00", f"{file} is not TrueType (glyf) outlines"
    assert (folder / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1
    assert "Apache License" in (folder / "LICENSE-WenQuanYi-Apache-2.0.txt").read_text()


# --------------------------------------------------------------------------- pieces


def test_bidi_puts_arabic_runs_right_to_left():
    ts = Typesetter()
    from chapter_manager.reports.typeset import Style

    line = ts.line("Ahmad أحمد المنصوري 2024 ok", Style())
    assert [r.text for r in line.runs] == ["Ahmad ", "2024", "أحمد المنصوري ", " ok"]
    line = ts.line("مريم حداد: 12 تعهد", Style())
    assert line.rtl and [r.text for r in line.runs][0] == "تعهد"
    assert bidi_levels("abc", False) == [0, 0, 0]
    assert visual_order(["a", "b", "c"], [1, 1, 1]) == ["c", "b", "a"]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_visual_order_keeps_every_character(text):
    levels = bidi_levels(text, False)
    assert len(levels) == len(text)
    assert sorted(visual_order(list(text), levels)) == sorted(text)


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.integers(min_value=1, max_value=40), max_size=12))
def test_no_group_smaller_than_five_is_shown(counts):
    shown, hidden = fold_small_groups(counts, "Other or not said")
    assert all(v >= MIN_GROUP for _k, v in shown)
    assert sum(v for _k, v in shown) + hidden == sum(counts.values())
    assert hidden < MIN_GROUP


def _sign(db, chapter_id, genders, day, affiliation="student"):
    from chapter_manager.services.people import PersonData
    from chapter_manager.services.pledges import PledgeData, sign_up

    for k, gender in enumerate(genders):
        sign_up(db, chapter_id, PersonData(given_names=f"P{day:%m%d}{k}", family_names=gender or "x",
                                           gender=gender, affiliation=affiliation),
                PledgeData(signed_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)))


def test_genders_are_grouped_whatever_their_case_and_accents(db, chapter):
    from chapter_manager.reports.data import gather

    day = dt.date(2026, 3, 2)
    _sign(db, chapter.id, ["mujer", "Mujer", "MUJER ", "Mújer", "mujer", "mujer"], day)
    _sign(db, chapter.id, ["woman"] * 5 + ["Man", "man", "MAN", "mán", "man"], day, affiliation="staff")
    _sign(db, chapter.id, ["Prefer not to say"] * 4 + ["agender", None, None], day)
    data = gather(db, ReportOptions(chapter_id=chapter.id, start=day, end=day, today=day))
    groups = dict(data.by_gender)
    # one group per folded spelling, named as most typed it; no translating "mujer" into "woman"
    # "agender" (1 person) is folded with the 4 who prefer not to say
    assert groups == {"mujer": 6, "man": 5, "woman": 5, "Other or not said": 5}
    assert data.gender_hidden == 0 and data.gender_given == 21
    assert dict(data.by_affiliation) == {"Student": 13, "Staff": 10}


def test_pledgers_are_counted_the_same_however_the_rows_are_found(db, chapter):
    from chapter_manager.reports.data import _pledgers_by_affiliation_and_gender
    from chapter_manager.services.events import local_day_bounds

    days = [dt.date(2026, 3, d) for d in (1, 5, 9, 13)]
    for k, day in enumerate(days):
        _sign(db, chapter.id, ["mujer", "man", None][: k + 1] * 2, day, affiliation=("staff", "student")[k % 2])
    total = 2 + 4 + 6 + 6
    every = local_day_bounds(days[0], days[-1], chapter.timezone)
    middle = local_day_bounds(days[1], days[2], chapter.timezone)
    expected_all = ({"staff": 2 + 6, "student": 4 + 6}, {"mujer": 8, "man": 6})
    expected_middle = ({"student": 4, "staff": 6}, {"mujer": 4, "man": 4})
    for bounds, in_period, expected in (
        (every, total, expected_all),  # every pledge: no date condition
        (middle, 10, expected_middle),  # a large share: dates tested in the same pass
        (middle, 1, expected_middle),  # a small share (as far as it knows): by signing date
    ):
        by_kind, typed = _pledgers_by_affiliation_and_gender(db, chapter.id, *bounds, in_period, total)
        assert ({str(k): n for k, n in by_kind.items()}, dict(typed)) == expected


def test_a_period_covering_every_record_reuses_the_chapter_figures(db, chapter):
    from chapter_manager.reports.data import gather
    from chapter_manager.services.members import set_membership
    from chapter_manager.services.people import PersonData, create_person
    from chapter_manager.services.stats import (
        PERIOD_KEYS,
        chapter_stats,
        covers_every_record,
        period_counts,
    )

    day = dt.date(2026, 3, 2)
    _sign(db, chapter.id, ["mujer"] * 3, day)
    member = create_person(db, chapter.id, PersonData(given_names="Socia"))
    set_membership(db, member.id, "active", joined_on=day)
    wide = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert covers_every_record(db, chapter.id, *wide)
    assert not covers_every_record(db, chapter.id, dt.date(2026, 3, 3), wide[1])
    assert not covers_every_record(db, chapter.id, wide[0], dt.date(2026, 3, 1))
    stats = chapter_stats(db, chapter.id, today=day)
    period = period_counts(db, chapter.id, *wide)
    assert period == {key: stats[name] for key, name in PERIOD_KEYS.items()}
    data = gather(db, ReportOptions(chapter_id=chapter.id, start=wide[0], end=wide[1], today=day))
    assert {k: f.period for k, f in data.figures.items()} == period
    # a member with no date of joining is in no period: the figures differ, so no reuse
    other = create_person(db, chapter.id, PersonData(given_names="Socio"))
    set_membership(db, other.id, "active")
    assert not covers_every_record(db, chapter.id, *wide)
    data = gather(db, ReportOptions(chapter_id=chapter.id, start=wide[0], end=wide[1], today=day))
    assert (data.figures["new_members"].period, data.figures["new_members"].all_time) == (1, 2)


@given(st.text(alphabet="abc XYZ éñł,.-0123", max_size=60), st.floats(min_value=20, max_value=200),
       st.booleans())
def test_plain_text_wraps_as_the_general_layout_does(text, width, bold):
    from chapter_manager.reports.typeset import Style

    ts = Typesetter()
    style = Style(size=8.5, bold=bold)
    plain = ts.plain_lines(text, style, width)
    assert plain is not None
    general = ["".join(r.text for r in line.runs) for line in ts._layout(text, style, width)]
    assert plain == general
    assert ts.plain_lines("王芳 x", style, width) is None and ts.plain_lines("أحمد", style, width) is None


def test_attendance_by_month_leaves_no_month_out():
    from collections import Counter

    from chapter_manager.reports.data import _every_month

    assert _every_month(Counter()) == []
    assert _every_month(Counter({"2025-11": 3, "2026-02": 5})) == [
        ("2025-11", 3), ("2025-12", 0), ("2026-01", 0), ("2026-02", 5)]
