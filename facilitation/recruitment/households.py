"""Which column of a people file says who lives together, when the organiser names none.

The household rule (at most one person per household on the panel) is on by default,
so the draw must know which column to compare. A pool file from a council register or
an invitation reply form nearly always has one: a household id, or else the address.
Names are compared in lower case without spaces or punctuation, in English, bokmål and
nynorsk. An e-mail, web or IP address is not where someone lives, so those never count.
A household id wins over an address (it is exact where addresses are spelt two ways);
between two of a kind the first column in the file wins, and the page names the column
used so the organiser can name another.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

HOUSEHOLD_NAMES = frozenset(
    {
        "household",
        "householdid",
        "husstand",
        "husstandid",
        "hushald",
        "hushaldid",
        "husholdning",
        "hushaldning",
    }
)
ADDRESS_WORDS = ("address", "adresse", "street")
NOT_WHERE_ONE_LIVES = ("mail", "epost", "web", "url", "nett")  # anywhere in the name
NOT_WHERE_ONE_LIVES_WORDS = frozenset({"ip"})  # as a word of its own ("shipping" is fine)

_NOT_LETTERS = re.compile(r"[\W_]+")


def likely_household_column(header: Sequence[str], taken: Collection[str] = ()) -> str | None:
    """The column to apply the household rule to, or None when no column looks like one.

    `taken` are columns already used for something else (the id, the categories, the
    columns kept for seating); they are never chosen.
    """
    free = [name for name in header if name and name not in taken]
    for name in free:
        if _normal(name) in HOUSEHOLD_NAMES:
            return name
    for name in free:
        normal = _normal(name)
        if (
            any(word in normal for word in ADDRESS_WORDS)
            and not any(other in normal for other in NOT_WHERE_ONE_LIVES)
            and NOT_WHERE_ONE_LIVES_WORDS.isdisjoint(_NOT_LETTERS.split(name.casefold()))
        ):
            return name
    return None


def _normal(name: str) -> str:
    return _NOT_LETTERS.sub("", name.casefold())
