"""What screens may show of opinion groups without exposing anyone.

A group smaller than the panel's minimum (default 5) is never shown on its own: its
members are drawn as "in a small group" (one neutral colour), its figures are left out,
and in counts per table it is folded into "smaller groups". A table's count for a group
is shown only when it reaches the minimum too, because "2 of table 3 are in group B"
next to group B's statements says too much about two people a facilitator can see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from facilitation.errors import N_, Refused
from facilitation.opinion.groups import OpinionGroups

DEFAULT_MIN_GROUP = 5
MIN_GROUP_RANGE = (3, 50)


def parse_min_group(value: str | int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Refused(N_("The smallest group shown must be a whole number.")) from None
    low, high = MIN_GROUP_RANGE
    if not low <= number <= high:
        raise Refused(
            N_("The smallest group shown must be between %(low)s and %(high)s."),
            low=low,
            high=high,
        )
    return number


def shown_groups(result: OpinionGroups, minimum: int) -> list[str]:
    """The letters of the groups large enough to be shown on their own."""
    return [g for g, n in sorted(result.sizes.items()) if n >= minimum]


@dataclass(frozen=True)
class TableGroups:
    counts: dict[str, int]
    """Shown group → members at this table (only counts of at least the minimum)."""
    elsewhere: int
    """Members at this table in a small group or in a count below the minimum."""
    unclustered: int
    """Members at this table not (yet) in any group: too few votes."""


def table_groups(
    result: OpinionGroups,
    seating: Mapping[int, int | None],
    table_id: int,
    minimum: int,
) -> TableGroups:
    shown = set(shown_groups(result, minimum))
    groups = result.groups
    at_table = [p for p, t in seating.items() if t == table_id]
    counts: dict[str, int] = {}
    for p in at_table:
        g = groups.get(p)
        if g is not None:
            counts[g] = counts.get(g, 0) + 1
    visible = {g: n for g, n in sorted(counts.items()) if g in shown and n >= minimum}
    clustered = sum(counts.values())
    return TableGroups(
        counts=visible,
        elsewhere=clustered - sum(visible.values()),
        unclustered=len(at_table) - clustered,
    )
