"""Invite codes: unguessable, readable from a letter, typos caught before any lookup."""

from __future__ import annotations

import math

import pytest

from facilitation.codes import JOIN_CODE_ALPHABET
from facilitation.errors import Refused
from facilitation.recruitment.invites import (
    EXAMPLE,
    INVITE_ALPHABET,
    RANDOM_LENGTH,
    format_invite_code,
    new_invite_code,
    new_invite_codes,
    normalise_invite_code,
)


def test_a_code_has_at_least_60_random_bits_from_the_unambiguous_alphabet() -> None:
    assert RANDOM_LENGTH * math.log2(len(INVITE_ALPHABET)) >= 60
    assert set(INVITE_ALPHABET) == set(JOIN_CODE_ALPHABET)
    code = new_invite_code()
    assert len(code) == 16 and set(code) <= set(INVITE_ALPHABET)


def test_codes_are_printed_in_groups_of_four_and_read_back_as_typed() -> None:
    code = new_invite_code()
    printed = format_invite_code(code)
    assert [len(group) for group in printed.split("-")] == [4, 4, 4, 4]
    assert normalise_invite_code(printed.lower()) == code
    assert normalise_invite_code(" " + printed.replace("-", " ") + " ") == code


def test_every_single_typo_and_neighbour_swap_is_caught() -> None:
    code = normalise_invite_code(EXAMPLE)
    for position in range(len(code)):
        for char in INVITE_ALPHABET:
            if char != code[position]:
                typo = code[:position] + char + code[position + 1 :]
                with pytest.raises(Refused):
                    normalise_invite_code(typo)
    for position in range(len(code) - 1):
        if code[position] != code[position + 1]:
            swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
            with pytest.raises(Refused):
                normalise_invite_code(swapped)


@pytest.mark.parametrize("typed", ["", "K7HM-3CXA", "K7HM-3CXA-PT9W-RFE0", "O0O0-O0O0-O0O0-O0O0"])
def test_malformed_codes_are_refused(typed: str) -> None:
    with pytest.raises(Refused):
        normalise_invite_code(typed)


def test_a_batch_of_codes_has_no_duplicates_and_no_pattern() -> None:
    codes = new_invite_codes(2000)
    assert len(set(codes)) == 2000
    first_characters = {code[0] for code in codes}
    assert first_characters == set(INVITE_ALPHABET)
    assert new_invite_code(set(codes)) not in codes
