"""The kiosk's core: its versioned texts, the exit PIN and its lockout, one sign-up with the
counts the thank-you screen shows, and creating the event on a blank laptop."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from chapter_manager.errors import NotFound, ValidationError
from chapter_manager.models import Pledge, RecordSource
from chapter_manager.services import events, goals, pledges
from chapter_manager.services import kiosk as core
from chapter_manager.services.people import PersonData

ROOT = Path(__file__).resolve().parents[1]
MX = ZoneInfo("America/Mexico_City")


# ---------------------------------------------------------------------------- texts


def test_every_shipped_text_reads_and_english_exists_for_each_kind():
    files = core.available_texts()
    assert {kind for kind, _lang in files} == set(core.TEXT_KINDS)
    for kind in core.TEXT_KINDS:
        assert (kind, "en") in files
    for (kind, language), path in files.items():
        text = core.load_text(kind, language)
        assert text.path == path and text.language == language
        assert text.version.endswith("." + language) and len(text.version) <= 32
        assert text.body and text.title
    notice = core.load_text("notice", "en")
    for key in ("contact", "contact_purpose", "publish", "publish_purpose"):
        assert notice.get(key), key


def test_the_texts_ship_with_the_package():
    """pyproject's package-data takes resources/ along (an installed copy finds them beside
    chapter_manager, where paths.resources_dir() looks)."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = meta["tool"]["setuptools"]["package-data"]["chapter_manager"]
    assert "../resources/kiosk/*.md" in patterns
    from chapter_manager.paths import resources_dir

    assert resources_dir() == ROOT / "resources"


def test_a_language_without_texts_falls_back_to_english_and_spanish_is_there():
    assert core.load_text("notice", "xx").language == "en"
    spanish = core.load_texts("es_MX")
    assert spanish.commitment.language == "es" and spanish.notice.version == "2026-1.es"
    assert "privacidad" in spanish.notice.title.lower()


def test_the_newest_version_of_a_text_is_used(tmp_path):
    (tmp_path / "notice-1.en.md").write_text("version: 1\nlanguage: en\n---\nOld.", encoding="utf-8")
    (tmp_path / "notice-12.en.md").write_text("version: 12\nlanguage: en\n---\nNew.", encoding="utf-8")
    (tmp_path / "notice-2.en.md").write_text("version: 2\nlanguage: en\n---\nMiddle.", encoding="utf-8")
    text = core.load_text("notice", "en", tmp_path)
    assert (text.version, text.body) == ("12.en", "New.")
    with pytest.raises(core.KioskTextError, match="missing"):
        core.load_text("commitment", "en", tmp_path)


@pytest.mark.parametrize("source, problem", [
    ("version: 1\nlanguage: en\nno dashes", "---"),
    ("version 1\n---\ntext", "line 1"),
    ("language: en\n---\ntext", "version and language"),
    ("version: 1\nlanguage: en\n---\n   \n", "no text"),
    ("version: " + "9" * 40 + "\nlanguage: en\n---\ntext", "at most 32"),
])
def test_a_damaged_text_is_refused_with_a_sentence(source, problem):
    with pytest.raises(core.KioskTextError, match=problem):
        core.parse_text(source, where="notice-3.en.md")


_word = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF, blacklist_characters=":"),
                min_size=1, max_size=12).filter(lambda w: w.strip() == w and w != "---")


@settings(max_examples=60, deadline=None)
@given(version=_word, language=st.sampled_from(["en", "es", "fr", "pt"]),
       fields=st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True).filter(
           lambda k: k not in ("version", "language", "title")), st.text(
           st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40).map(str.strip),
           max_size=4),
       body=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200)
       .filter(lambda b: b.strip()))
def test_parse_text_reads_back_what_was_written(version, language, fields, body):
    source = f"version: {version}\nlanguage: {language}\n"
    source += "".join(f"{k}: {v}\n" for k, v in fields.items()) + "---\n" + body
    if len(f"{version}.{language}") > 32 or any(ch.isspace() for ch in version):
        with pytest.raises(core.KioskTextError):
            core.parse_text(source)
        return
    text = core.parse_text(source)
    assert text.version == f"{version}.{language}"
    assert text.fields == fields
    normalised = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    assert text.body == normalised


# ---------------------------------------------------------------------------- PIN


def test_pins_are_salted_and_hashed():
    a, b = core.hash_pin("2468"), core.hash_pin("2468")
    assert a != b and "2468" not in a
    assert core.verify_pin(a, "2468") and core.verify_pin(b, "2468")
    assert not core.verify_pin(a, "2469") and not core.verify_pin(a, "")
    assert not core.verify_pin("plain-text", "plain-text")  # anything but our format is refused


def test_the_pin_is_stored_in_the_settings_table(db):
    assert core.exit_pin_hash(db) is None
    first = core.set_exit_pin(db, "1357")
    assert core.exit_pin_hash(db) == first
    second = core.set_exit_pin(db, "9753")  # a new kiosk session sets its own
    assert core.exit_pin_hash(db) == second and core.verify_pin(second, "9753")


@pytest.mark.parametrize("pin, again, field", [
    ("12", "12", "pin"), ("x" * 65, "x" * 65, "pin"), (" 123456", " 123456", "pin"),
    ("123456", "123465", "again"),
    # A four- or five-digit PIN falls to an offline guess from a copied kiosk database.
    ("1234", "1234", "pin"), ("12345", "12345", "pin"),
    # A passphrase (anything but digits only) needs eight characters.
    ("abc123", "abc123", "pin"), ("sunflowe", "sunflowr", "again"),
])
def test_new_pins_are_checked(pin, again, field):
    with pytest.raises(ValidationError) as caught:
        core.check_new_pin(pin, again)
    assert list(caught.value.fields) == [field]


def test_five_wrong_pins_lock_the_gate_for_a_minute():
    now = [0.0]
    gate = core.ExitGate(core.hash_pin("2468"), clock=lambda: now[0])
    assert gate.try_pin("2468").answer is core.GateAnswer.OPEN
    answers = [gate.try_pin("0000") for _ in range(5)]
    assert [a.tries_left for a in answers[:4]] == [4, 3, 2, 1]
    assert answers[4].answer is core.GateAnswer.LOCKED and answers[4].locked_for == 60
    now[0] = 59.5
    assert gate.try_pin("2468").answer is core.GateAnswer.LOCKED  # the right PIN too
    assert gate.locked_for() == pytest.approx(0.5)
    now[0] = 60.0
    assert gate.locked_for() == 0
    assert gate.try_pin("0000").tries_left == 4  # a fresh set of five tries
    assert gate.try_pin("2468").answer is core.GateAnswer.OPEN


# ---------------------------------------------------------------------------- sign-ups


@pytest.fixture
def event(db, chapter):
    return events.create_event(db, chapter.id, events.EventData(
        title="Feria", starts_at=dt.datetime(2026, 3, 8, 9, tzinfo=MX), pledge_goal=3))


class Clock:
    def __init__(self, at: dt.datetime):
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def test_a_sign_up_records_the_versions_shown_and_counts_the_day(db, chapter, event):
    clock = Clock(dt.datetime(2026, 3, 8, 23, 50, tzinfo=MX))
    texts = core.load_texts("es")
    kiosk = core.Kiosk(db, event.id, texts, now=clock)
    first = kiosk.submit(core.KioskEntry(given_names="Ana", email="ana@x.org", may_contact=True))
    assert first.outcome.new_pledge and first.progress.today == 1
    with db.read() as s:
        row = s.scalars(select(Pledge)).one()
        assert (row.commitment_version, row.consent_version) == ("2026-1.es", "2026-1.es")
        assert row.source is RecordSource.KIOSK and row.may_contact and row.utc_offset_minutes == -360
    clock.at = dt.datetime(2026, 3, 9, 0, 10, tzinfo=MX)  # after local midnight: a new day
    second = kiosk.submit(core.KioskEntry(family_names="Núñez"))
    assert second.progress.today == 1
    assert second.progress.event_pledges == 2
    assert second.progress.event_goal == core.GoalStep(2, 3, "Feria")
    assert second.progress.chapter_goal is None


def test_signing_again_changes_no_count(db, chapter, event):
    kiosk = core.Kiosk(db, event.id, core.load_texts(), now=Clock(dt.datetime(2026, 3, 8, 12, tzinfo=MX)))
    a = kiosk.submit(core.KioskEntry(given_names="Ana", student_id="0042"))
    b = kiosk.submit(core.KioskEntry(given_names="ANA", student_id="00 42"))
    assert b.outcome.person_id == a.outcome.person_id and not b.outcome.new_pledge
    assert b.progress == a.progress


def test_the_chapter_goal_counts_its_period_only(db, chapter, event):
    goal = goals.create_goal(db, chapter.id, goals.GoalData(
        target=500, starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 6, 30), label="Spring semester"))
    before = pledges.PledgeData(signed_at=dt.datetime(2026, 2, 27, 12, tzinfo=MX))
    pledges.sign_up(db, chapter.id, PersonData(given_names="Early"), before)
    pledges.sign_up(db, chapter.id, PersonData(given_names="Paper"),
                    pledges.PledgeData(signed_at=dt.datetime(2026, 3, 2, 12, tzinfo=MX)))
    kiosk = core.Kiosk(db, event.id, core.load_texts(), now=Clock(dt.datetime(2026, 3, 8, 12, tzinfo=MX)))
    thanks = kiosk.submit(core.KioskEntry(given_names="Kiosk"))
    assert thanks.progress.chapter_goal == core.GoalStep(2, 500, "Spring semester")
    assert goals.goal_progress(db, goal.id, dt.date(2026, 3, 8)).current == 2  # the same as the dashboard
    # Pledges another window adds while the kiosk runs count too, by their own date.
    pledges.sign_up(db, chapter.id, PersonData(given_names="Typed in"),
                    pledges.PledgeData(signed_at=dt.datetime(2026, 3, 5, 12, tzinfo=MX)))
    pledges.sign_up(db, chapter.id, PersonData(given_names="Last year"),
                    pledges.PledgeData(signed_at=dt.datetime(2025, 3, 5, 12, tzinfo=MX)))
    assert kiosk.progress().chapter_goal.current == 3
    assert goals.goal_progress(db, goal.id, dt.date(2026, 3, 8)).current == 3


def test_invalid_entries_raise_one_message_per_field_and_save_nothing(db, chapter, event):
    kiosk = core.Kiosk(db, event.id, core.load_texts())
    with pytest.raises(ValidationError) as caught:
        kiosk.submit(core.KioskEntry(email="not-an-email", personal_commitment="x" * 2001))
    assert set(caught.value.fields) == {"given_names", "email", "personal_commitment"}
    assert pledges.count_pledges(db, chapter.id) == 0


def test_an_unknown_event_is_refused(db, chapter):
    with pytest.raises(NotFound, match="no event with id 99"):
        core.Kiosk(db, 99, core.load_texts())


# ---------------------------------------------------------------------------- a blank laptop


def test_start_here_on_an_empty_database_creates_the_chapter_and_the_event(db):
    with pytest.raises(ValidationError) as caught:
        core.start_here(db, core.KioskStart(event_title=""))
    assert set(caught.value.fields) == {"chapter_name", "event_title"}
    event_id = core.start_here(db, core.KioskStart(
        event_title="Welcome fair", chapter_name="HeForShe Makerere", timezone="Africa/Kampala", pledge_goal=50))
    view = events.get_event(db, event_id)
    assert (view.title, view.timezone, view.pledge_goal, view.kind.value) == (
        "Welcome fair", "Africa/Kampala", 50, "pledge_drive")
    assert core.kiosk_chapter_id(db) == view.chapter_id
    # A second event on the same laptop goes to the same chapter; no chapter name is needed.
    again = core.start_here(db, core.KioskStart(event_title="Second day", timezone="Africa/Kampala"))
    assert events.get_event(db, again).chapter_id == view.chapter_id


def test_a_kiosk_without_an_event_needs_one_only_when_the_database_has_events(db):
    from chapter_manager.services.chapters import ChapterData, create_chapter

    assert core.event_choice_needed(db) is False  # a blank laptop: "start here"
    chapter = create_chapter(db, ChapterData(name="HeForShe UNAM"))
    assert core.event_choice_needed(db) is False
    events.create_event(db, chapter.id, events.EventData(
        title="Fair", starts_at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)))
    assert core.event_choice_needed(db) is True
    create_chapter(db, ChapterData(name="Another"))
    with pytest.raises(ValidationError, match="several chapters"):
        core.event_choice_needed(db)


def test_start_here_refuses_to_guess_between_chapters(db, chapter):
    from chapter_manager.services.chapters import ChapterData, create_chapter

    create_chapter(db, ChapterData(name="Another"))
    with pytest.raises(ValidationError, match="several chapters"):
        core.start_here(db, core.KioskStart(event_title="Fair"))


@pytest.mark.parametrize("pin", ["123456", "000000", "sunflower", "nine men 9", "x" * 64])
def test_six_digits_or_an_eight_character_passphrase_are_accepted(pin):
    assert core.check_new_pin(pin, pin) == pin


def test_a_short_pin_is_refused_with_what_is_needed():
    with pytest.raises(ValidationError) as caught:
        core.check_new_pin("1234", "1234")
    message = caught.value.fields["pin"]
    assert "6 digits" in message and "8 characters" in message
