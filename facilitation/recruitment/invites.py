"""Personal invite codes, printed on the letter that invites a drawn person.

A code links a person's answers before the day to their seat on the day, so it must
be unguessable and say nothing about the person: 15 characters drawn with `secrets`
from the join code's alphabet without look-alikes (21 symbols, log2(21^15) ≈ 65.9
bits), plus one check character so that a mistyped code is caught on the phone
before any lookup. It is printed in four groups of four (like `EXAMPLE`),
easy to copy from paper; people may type it in any case, with or without dashes or
spaces.

The check character (see `_check_character`) catches every single wrong character
and every swap of two neighbouring characters.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Container

from facilitation.codes import JOIN_CODE_ALPHABET
from facilitation.errors import N_, Refused

INVITE_ALPHABET = JOIN_CODE_ALPHABET
RANDOM_LENGTH = 15
INVITE_LENGTH = RANDOM_LENGTH + 1
GROUP = 4
_SEPARATORS = re.compile(r"[\s\-_.]+")


def _check_character(body: str) -> str:
    """The character that makes the weighted sum of the code divisible by 21.

    Weights alternate 1 and 2 from the check character leftwards. Both weights and
    their difference are coprime with 21, so changing one character, or swapping two
    neighbours, always changes the sum modulo 21.
    """
    base = len(INVITE_ALPHABET)
    total = sum(
        (2 if offset % 2 == 0 else 1) * INVITE_ALPHABET.index(char)
        for offset, char in enumerate(reversed(body))
    )
    return INVITE_ALPHABET[-total % base]


def new_invite_code(taken: Container[str] = ()) -> str:
    """A fresh code, unformatted, that is not in `taken` (the codes already issued)."""
    while True:
        body = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(RANDOM_LENGTH))
        code = body + _check_character(body)
        if code not in taken:
            return code


def new_invite_codes(count: int) -> list[str]:
    """`count` distinct codes, for one letter each."""
    codes: set[str] = set()
    issued: list[str] = []
    while len(issued) < count:
        code = new_invite_code(codes)
        codes.add(code)
        issued.append(code)
    return issued


def format_invite_code(code: str) -> str:
    """Four groups of four for the letter, like `EXAMPLE`."""
    return "-".join(code[start : start + GROUP] for start in range(0, len(code), GROUP))


def normalise_invite_code(typed: str) -> str:
    """Accept the code as people type it (any case, dashes, spaces) or refuse it."""
    code = _SEPARATORS.sub("", typed).upper()
    if not code:
        raise Refused(N_("Type the invite code from your letter."))
    if len(code) != INVITE_LENGTH or any(char not in INVITE_ALPHABET for char in code):
        raise Refused(
            N_("An invite code has %(length)s letters and digits, like %(example)s."),
            length=INVITE_LENGTH,
            example=EXAMPLE,
        )
    if _check_character(code[:-1]) != code[-1]:
        raise Refused(N_("This invite code has a typing mistake. Check it against your letter."))
    return code


EXAMPLE = format_invite_code("K7HM3CXAPT9WRFE" + _check_character("K7HM3CXAPT9WRFE"))
