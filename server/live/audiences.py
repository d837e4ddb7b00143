"""Who sees a fragment: all phones, one table, one participant, facilitators, the display.

A fragment is rendered once per audience (and language) and the same bytes go to every
socket of that audience.
"""

from __future__ import annotations

PHONES = "phones"
FACILITATORS = "facilitators"
DISPLAY = "display"


def table(table_id: int) -> str:
    return f"table:{table_id}"


def participant(participant_id: int) -> str:
    return f"participant:{participant_id}"


def kind(audience: str) -> str:
    """`table:7` → `table`; `phones` → `phones`."""
    return audience.split(":", 1)[0]


def is_personal(audience: str) -> bool:
    return kind(audience) == "participant"


def ident(audience: str) -> int:
    return int(audience.split(":", 1)[1])
