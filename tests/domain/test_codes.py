"""Join codes that survive being read off a projector and typed on a phone."""

from __future__ import annotations

import pytest

from facilitation.codes import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    format_join_code,
    new_join_code,
    normalise_join_code,
)
from facilitation.errors import Refused

LOOK_ALIKES = ["0O", "1IL", "2Z", "5S", "8B", "6G", "UV", "QO", "DO"]


def test_the_alphabet_has_at_most_one_of_each_look_alike_group() -> None:
    for group in LOOK_ALIKES:
        assert sum(ch in JOIN_CODE_ALPHABET for ch in group) <= 1, group


def test_new_codes_have_six_characters_from_the_alphabet_and_vary() -> None:
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) > 190
    for code in codes:
        assert len(code) == JOIN_CODE_LENGTH
        assert set(code) <= set(JOIN_CODE_ALPHABET)


@pytest.mark.parametrize("typed", ["k7hm3c", " K7H M3C ", "k7h-m3c", "K7H.M3C"])
def test_codes_are_accepted_as_people_type_them(typed: str) -> None:
    assert normalise_join_code(typed) == "K7HM3C"


@pytest.mark.parametrize("typed", ["K7HM3", "K7HM3CC", "K0HM3C", "K1HM3C", "KOHM3C"])
def test_malformed_codes_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(Refused, match="6 letters and digits"):
        normalise_join_code(typed)


@pytest.mark.parametrize(("typed", "named"), [("K0HM3C", "0"), ("KDHM8C", "8, D")])
def test_a_code_of_the_right_length_names_the_characters_codes_never_use(
    typed: str, named: str
) -> None:
    with pytest.raises(Refused) as refusal:
        normalise_join_code(typed)
    assert refusal.value.params["characters"] == named
    assert "never uses %(characters)s" in refusal.value.message


def test_an_empty_code_asks_for_the_code_on_the_screen() -> None:
    with pytest.raises(Refused, match="join code shown"):
        normalise_join_code("  ")


def test_codes_are_split_in_halves_for_reading_aloud() -> None:
    assert format_join_code("K7HM3C") == "K7H M3C"
