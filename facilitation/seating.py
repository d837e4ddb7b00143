"""Seating people at tables as they arrive.

On the day people walk in one by one; each newcomer gets the table with the fewest
people seated, so table sizes never differ by more than one while nobody is moved.
Facilitators may move people anyway (friends split up, a hearing aid near the
speaker); the move rule only checks that the table exists and differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from facilitation.errors import N_, Refused


def seat_newcomer(tables: Sequence[int], seated: Mapping[int, int]) -> int:
    """The table for the next arrival: fewest seated, the first in order on a tie.

    `tables` is the table ids in their order in the room; `seated` counts people per
    table id (tables missing from it are empty).
    """
    if not tables:
        raise Refused(N_("This panel has no tables yet. Ask the organiser to add tables."))
    return min(tables, key=lambda table: (seated.get(table, 0), tables.index(table)))


def check_move(tables: Sequence[int], current: int | None, target: int) -> int:
    """A facilitator moves someone to another table of the same panel."""
    if target not in tables:
        raise Refused(N_("There is no such table in this panel."))
    if target == current:
        raise Refused(N_("The participant already sits at that table."))
    return target
