"""Join codes that people can read off a projector and type on a phone.

Six characters from an alphabet without look-alikes: no 0/O/Q/D, 1/I/L, 2/Z, 5/S,
8/B, 6/G or U/V pairs, so a code read from the back of a room is typed right.
21 characters give 21^6 ≈ 86 million codes: enough that guessing a live panel's code
is hopeless at any rate limit, and short enough to say aloud.
"""

from __future__ import annotations

import re
import secrets

from facilitation.errors import N_, Refused

JOIN_CODE_ALPHABET = "ACEFHJKMNPRTVWXY34679"
JOIN_CODE_LENGTH = 6
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(typed: str) -> str:
    """Accept the code as people type it (lower case, spaces, a dash) or refuse it."""
    code = _SEPARATORS.sub("", typed).upper()
    if not code:
        raise Refused(N_("Type the join code shown on the screen."))
    unused = sorted({ch for ch in code if ch not in JOIN_CODE_ALPHABET})
    if len(code) == JOIN_CODE_LENGTH and unused:
        # Six characters typed, one of them a look-alike we never use (D for 0, 8 for B):
        # say which, or the phone repeats the length the person already got right.
        raise Refused(
            N_(
                "A join code has %(length)s letters and digits, like %(example)s. "
                "It never uses %(characters)s: check the code on the screen again."
            ),
            length=JOIN_CODE_LENGTH,
            example="K7HM3C",
            characters=", ".join(unused),
        )
    if len(code) != JOIN_CODE_LENGTH:
        raise Refused(
            N_("A join code has %(length)s letters and digits, like %(example)s."),
            length=JOIN_CODE_LENGTH,
            example="K7HM3C",
        )
    return code


def format_join_code(code: str) -> str:
    """Split the code in two halves for reading aloud: K7H M3C."""
    half = JOIN_CODE_LENGTH // 2
    return f"{code[:half]} {code[half:]}"
