"""What screens may show of opinion groups without exposing anyone.

A group smaller than the panel's minimum (default 5) is never shown on its own: its
members are drawn as "in a small group" (one neutral colour), its figures are left out,
and in counts per table it is folded into "smaller groups". A table's count for a group
is shown only when it reaches the minimum too, because "2 of table 3 are in group B"
next to group B's statements says too much about two people a facilitator can see.
For the same reason what unites and divides a table (`table_statements`) is told from
the groups that reach the minimum there, never from the table's own votes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from facilitation.errors import N_, Refused
from facilitation.opinion.groups import OpinionGroups
from facilitation.opinion.statistics import consensus, divisiveness

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


@dataclass(frozen=True)
class TableStatements:
    """What unites and what divides the people at one table, told from the panel's groups."""

    groups: tuple[str, ...]
    """The groups with at least the minimum of people at this table (its shown counts)."""
    unites: tuple[int, ...]
    """Statements all these groups agree with, most first (consensus over them)."""
    divides: tuple[int, ...]
    """Statements these groups split on, most first; none with fewer than two groups."""


def table_statements(result: OpinionGroups, row: TableGroups, top: int = 3) -> TableStatements:
    """The table's view of what unites and divides, safe at tables of five to eight.

    Built only from figures already shown: the panel-wide votes of each group (a group
    of at least the minimum) and the table's counts that reach the minimum. Nothing is
    counted over the table's own votes, where "everyone here agrees" would tell how
    each person a facilitator can see voted, and a group with fewer people than the
    minimum at the table is left out, as in the counts.
    """
    groups = tuple(sorted(row.counts))
    if not groups:
        return TableStatements((), (), ())
    votes = {g: result.votes[g] for g in groups}
    together = consensus(votes)
    unites = tuple(sorted(together, key=lambda s: (-together[s], s))[:top])
    divides: tuple[int, ...] = ()
    if len(groups) >= 2:
        spread = divisiveness(votes)
        divides = tuple(
            sorted((s for s in spread if spread[s] > 0), key=lambda s: (-spread[s], s))[:top]
        )
    return TableStatements(groups, unites, divides)
