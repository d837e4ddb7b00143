"""The result of every method that adds up a number per option.

Single choice, approval, dot voting and the Borda count all end the same way: a total
per option, and options ordered by total. They share one result type so that the
display, the frozen record and the report treat them alike.

Ties are never hidden. Options with equal totals share a place (a *tier*); the order
inside a tier, needed wherever a list must be drawn, is the order of the options on the
ballot, which the organiser chose. The rule is part of the result as a message id, so
the display can say it next to the list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from facilitation.ballots.common import stored_counts, stored_int, stored_str, stored_strs
from facilitation.errors import N_

RECORD_FORMAT = 1

TOTALS_TIE_BREAK = N_(
    "Options with equal totals share a place. Within a shared place they are listed "
    "in the order of the ballot."
)


@dataclass(frozen=True)
class Totals:
    """A total per option over `ballots` ballots, of which `abstentions` abstained.

    `method` names the counting rule ("single", "approval", "dots" or "borda") and so
    what a total means: votes, approvals, points or Borda points.
    """

    method: str
    options: tuple[str, ...]
    totals: Mapping[str, int]
    ballots: int
    abstentions: int
    tie_break: str = TOTALS_TIE_BREAK

    @property
    def counted(self) -> int:
        """Ballots that expressed a choice."""
        return self.ballots - self.abstentions

    @property
    def tiers(self) -> tuple[tuple[str, ...], ...]:
        """Options grouped by equal total, highest first, each group in ballot order."""
        return tiers_by_total(self.options, self.totals)

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(option for tier in self.tiers for option in tier)

    @property
    def winners(self) -> tuple[str, ...]:
        """Every option with the highest total; none until someone has voted."""
        return self.tiers[0] if self.counted > 0 else ()

    def to_dict(self) -> dict[str, Any]:
        """The record to freeze: the counts, plus the order and winners for display."""
        return {
            "format": RECORD_FORMAT,
            "method": self.method,
            "options": list(self.options),
            "ballots": self.ballots,
            "abstentions": self.abstentions,
            "totals": {option: self.totals[option] for option in self.options},
            "tiers": [list(tier) for tier in self.tiers],
            "order": list(self.order),
            "winners": list(self.winners),
            "tie_break": self.tie_break,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Totals:
        """Rebuild from a record; the order is worked out again from the counts."""
        options = stored_strs(data["options"], "options")
        totals = stored_counts(data["totals"], "totals")
        if set(totals) != set(options):
            raise ValueError("stored totals must have one entry per option")
        return cls(
            method=stored_str(data, "method"),
            options=options,
            totals=totals,
            ballots=stored_int(data, "ballots"),
            abstentions=stored_int(data, "abstentions"),
            tie_break=stored_str(data, "tie_break"),
        )


def tiers_by_total(
    options: Sequence[str], totals: Mapping[str, int]
) -> tuple[tuple[str, ...], ...]:
    """Group options by equal total, highest total first, keeping ballot order inside."""
    groups: dict[int, list[str]] = {}
    for option in options:
        groups.setdefault(totals[option], []).append(option)
    return tuple(tuple(groups[total]) for total in sorted(groups, reverse=True))
