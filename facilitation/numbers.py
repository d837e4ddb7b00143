"""Whole numbers as people type them, read one way everywhere.

Python's `int()` reads any length and the digits of every script, while `"²".isdigit()`
is true and `int("²")` fails: checks built from those two let odd input through to a
crash. A whole number here is an optional sign and one to `MAX_DIGITS` ASCII digits;
the caller bounds it and says what went wrong in its own words.
"""

from __future__ import annotations

import re

MAX_DIGITS = 10
_WHOLE = re.compile(rf"[+-]?[0-9]{{1,{MAX_DIGITS}}}", re.ASCII)


def parse_whole(text: str) -> int | None:
    """The number `text` spells (spaces around allowed), or None if it is not one."""
    text = text.strip()
    return int(text) if _WHOLE.fullmatch(text) else None
