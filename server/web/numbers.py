"""One bounded integer parser for every number that arrives in a path or a form.

Python's `int()` takes any length and any script's digits (`int("٣")` is 3, while
`"²".isdigit()` is true and `int("²")` fails), and a database integer column holds
much less than Python does: a 20-digit id used to reach the database and end in a 500.
Here a number is ASCII digits, at most `MAX_DIGITS` of them, within the bounds the
caller names; anything else is a 404 for a path (no such thing) or a clear refusal
(422) for a form field.
"""

from __future__ import annotations

from typing import Any

from starlette.convertors import Convertor, register_url_convertor

from facilitation.errors import N_, Refused
from facilitation.numbers import parse_whole

MAX_ID = 2**31 - 1
"""The largest id a database row can have (PostgreSQL `integer`)."""


class BadNumber(Refused):
    """A form field that is not a whole number in its range; answered with 422."""

    status = 422


def whole_number(value: Any, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """The whole number in `value`, None when it is blank; refuse anything else."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    number = parse_whole(text)
    if number is None or not low <= number <= high:
        raise BadNumber(N_("Enter a whole number from %(low)s to %(high)s."), low=low, high=high)
    return number


def whole_numbers(values: list[Any], *, low: int = 1, high: int = MAX_ID) -> list[int]:
    """Several ids from one form field (checkboxes): each must be a whole number."""
    return [n for n in (whole_number(v, low=low, high=high) for v in values) if n is not None]


def id_or_none(value: Any) -> int | None:
    """A number where a wrong one simply means "none given" (a socket's `?seq=`)."""
    number = parse_whole("" if value is None else str(value))
    return number if number is not None and 0 <= number <= MAX_ID else None


class IdConvertor(Convertor[int]):
    """`{name:id}` in a route: ASCII digits only, at most nine, so always a valid row id.

    A longer number does not match the route at all and is answered 404 like any
    other address that does not exist.
    """

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())
