"""Text that participants type: cleaned, never mangled, refused when blank or too long."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.deliberation.text import checked_text, cleaned, says_something
from facilitation.errors import N_, Refused

EMPTY = N_("Write something.")
TOO_LONG = N_("At most %(max)s characters; this one is %(over)s too long.")


def check(text: str, limit: int = 20) -> str:
    return checked_text(text, limit, empty=EMPTY, too_long=TOO_LONG)


def test_markup_is_kept_as_typed_because_templates_escape_it() -> None:
    typed = '<script>alert("x")</script> & fares < 30 kr'
    assert check(typed, 100) == typed


def test_text_is_nfc_and_loses_control_characters_but_keeps_line_breaks() -> None:
    assert check("Cafe\u0301\x00\x1b x\r\ny") == "Café x\ny"


def test_bidi_overrides_and_byte_order_marks_are_removed_but_emoji_joiners_stay() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert cleaned("\ufeffabc\u202edef\u2066g\u2069 " + family) == "abcdefg " + family


def test_line_separators_become_line_breaks_and_blank_runs_fold_to_one() -> None:
    assert cleaned("a\u2028b  \n\n\n\n\nc\u2029d") == "a\nb\n\nc\nd"


def test_lone_surrogates_which_cannot_be_stored_are_dropped() -> None:
    assert cleaned("a\ud800b") == "ab"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t\n", "\u200b\u200b", "\u00a0\u3000", "\x00"])
def test_blank_or_invisible_text_is_refused(blank: str) -> None:
    with pytest.raises(Refused) as refused:
        check(blank)
    assert refused.value.message == EMPTY


def test_too_long_text_says_the_limit_and_how_much_to_cut() -> None:
    with pytest.raises(Refused) as refused:
        check("x" * 23)
    assert refused.value.params == {"max": 20, "over": 3}
    assert str(refused.value) == "At most 20 characters; this one is 3 too long."


def test_length_is_counted_after_normalisation_and_trimming() -> None:
    decomposed = "e\u0301" * 20  # 40 code points as typed, 20 after NFC
    assert check("  " + decomposed + "  ") == "é" * 20


@given(st.text())
def test_cleaning_is_idempotent_and_leaves_no_control_characters(text: str) -> None:
    once = cleaned(text)
    assert cleaned(once) == once
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in once)
    assert once == once.strip()


@given(st.text(min_size=1))
def test_accepted_text_is_never_blank_and_never_over_the_limit(text: str) -> None:
    try:
        accepted = check(text)
    except Refused:
        return
    assert says_something(accepted)
    assert 0 < len(accepted) <= 20
