from hypothesis import given
from hypothesis import strategies as st

from chapter_manager.text import (
    clean,
    display_width,
    email_key,
    fold,
    search_tokens,
    student_id_key,
)


def test_fold_removes_accents_and_case():
    assert fold("Núñez") == "nunez"
    assert fold("NÚÑEZ") == fold("nunez")
    assert fold("Łukasz Wójcik") == "lukasz wojcik"
    assert fold("Nguyễn Thị Lan") == "nguyen thi lan"
    assert fold("Straße") == "strasse"
    assert fold("Rāghunāthan") == "raghunathan"


def test_fold_splits_ideographs_into_tokens():
    assert search_tokens("王芳") == ["王", "芳"]
    assert search_tokens("jose.nunez@unam.mx") == ["jose", "nunez", "unam", "mx"]


def test_arabic_and_devanagari_survive_folding():
    assert search_tokens("أحمد") == ["احمد"]
    assert search_tokens("प्रिया")  # not emptied


def test_identity_keys():
    assert email_key("  Ana.Perez@Example.ORG ") == "ana.perez@example.org"
    assert email_key("") is None
    assert student_id_key(" 0031 2345 ") == "00312345"
    assert student_id_key("a0123") == "A0123"


def test_display_width_counts_wide_characters_double():
    assert display_width("王芳") == 4
    assert display_width("José") == 4


@given(st.text())
def test_fold_is_idempotent_and_never_raises(value):
    once = fold(value)
    assert fold(once) == once
    assert once == once.strip()


@given(st.text())
def test_clean_is_idempotent(value):
    assert clean(clean(value)) == clean(value)


@given(st.text(alphabet=st.characters(categories=("L", "N", "M", "Zs", "P")), max_size=40))
def test_folded_tokens_are_found_by_their_own_search(value):
    tokens = search_tokens(value)
    assert search_tokens(" ".join(tokens)) == tokens
