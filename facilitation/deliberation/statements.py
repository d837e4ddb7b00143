"""Statement voting, as in Pol.is: agree, disagree or pass on other tables' arguments.

Each participant has at most one vote per argument and may change it; the last one
counts. Pass means "no view, or did not understand": it counts as taking part but not
in the shares, so a room full of passes does not make an argument look disputed.

Orderings need a score that weighs both the split and how many voted, so that one
agree and one disagree never outranks forty of each. Both use the lower bound of the
95 % Wilson score interval (Wilson 1927), the usual "how sure are we" for a share:

- most agreed: the lower bound of the share agreeing;
- most divisive: the lower bound of the share on the smaller side, which can be at
  most 0.5 and is high only when the minority is large and the evidence is ample
  (1–1 ≈ 0.09, 5–5 ≈ 0.24, 40–40 ≈ 0.39, 60–40 ≈ 0.31, 1000–41 ≈ 0.03).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from facilitation.deliberation.arguments import Argument
from facilitation.deliberation.states import ArgumentState
from facilitation.errors import N_, Refused

_Z = 1.96  # 95 % two-sided


class VoteChoice(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    PASS = "pass"


class StatementOrder(StrEnum):
    MOST_AGREED = "agreed"
    MOST_DIVISIVE = "divisive"
    NEWEST = "newest"


@dataclass(frozen=True)
class StatementVote:
    participant_id: int
    argument_id: int
    choice: VoteChoice


@dataclass(frozen=True)
class StatementTally:
    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def decisive(self) -> int:
        """Votes that took a side; the base of every share."""
        return self.agree + self.disagree

    @property
    def total(self) -> int:
        return self.decisive + self.passed

    @property
    def agree_share(self) -> float | None:
        """agree / (agree + disagree); None until someone takes a side."""
        return self.agree / self.decisive if self.decisive else None

    @property
    def agreement(self) -> float:
        return wilson_lower_bound(self.agree, self.decisive)

    @property
    def divisiveness(self) -> float:
        return wilson_lower_bound(min(self.agree, self.disagree), self.decisive)


class Statement(Protocol):
    """Anything with an argument's id and time: an `Argument` or an `ArgumentView`."""

    @property
    def id(self) -> int: ...

    @property
    def submitted_at(self) -> datetime: ...


S = TypeVar("S", bound=Statement)


def wilson_lower_bound(successes: int, trials: int) -> float:
    if trials <= 0:
        return 0.0
    p = successes / trials
    z2 = _Z * _Z
    centre = p + z2 / (2 * trials)
    spread = _Z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, (centre - spread) / (1 + z2 / trials))


def parse_choice(value: str | VoteChoice) -> VoteChoice:
    try:
        return VoteChoice(value)
    except ValueError:
        raise Refused(N_("Choose agree, disagree or pass.")) from None


def parse_order(value: str | StatementOrder) -> StatementOrder:
    try:
        return StatementOrder(value)
    except ValueError:
        raise Refused(N_("Sort by most agreed, most divisive or newest.")) from None


def check_statement_vote(
    argument: Argument, voter_table_id: int | None, choice: str | VoteChoice
) -> VoteChoice:
    """A vote on another table's approved argument.

    The own table includes every table whose argument was merged into this one. A
    participant not seated at a table may vote on all approved arguments.
    """
    if argument.state is not ArgumentState.APPROVED:
        raise Refused(N_("You can only vote on approved arguments."))
    if voter_table_id is not None and voter_table_id in argument.tables:
        raise Refused(N_("You cannot vote on your own table's arguments."))
    return parse_choice(choice)


def latest_votes(votes: Iterable[StatementVote]) -> dict[tuple[int, int], VoteChoice]:
    """One vote per (participant, argument): the last in the order given."""
    return {(v.participant_id, v.argument_id): v.choice for v in votes}


def tally_statements(votes: Iterable[StatementVote]) -> dict[int, StatementTally]:
    """Counts per argument id, over each participant's last vote only."""
    counts: dict[int, list[int]] = {}
    for (_, argument_id), choice in latest_votes(votes).items():
        row = counts.setdefault(argument_id, [0, 0, 0])
        row[_COLUMN[choice]] += 1
    return {a: StatementTally(*row) for a, row in counts.items()}


def tally_from_counts(counts: Iterable[tuple[int, str, int]]) -> dict[int, StatementTally]:
    """The same tally from (argument id, choice, number of people) rows, as a database
    counts them when it keeps only each participant's last vote."""
    columns: dict[int, list[int]] = {}
    for argument_id, choice, count in counts:
        columns.setdefault(argument_id, [0, 0, 0])[_COLUMN[parse_choice(choice)]] += int(count)
    return {a: StatementTally(*row) for a, row in columns.items()}


def ordered_statements(
    statements: Iterable[S], tallies: Mapping[int, StatementTally], order: StatementOrder | str
) -> list[S]:
    """Statements in the chosen order; ties go to more decisive votes, then the older id."""
    order = parse_order(order)
    empty = StatementTally()
    items = list(statements)
    if order is StatementOrder.NEWEST:
        return sorted(items, key=lambda s: (s.submitted_at, s.id), reverse=True)
    if order is StatementOrder.MOST_AGREED:

        def agreed(s: S) -> tuple[float, int, int]:
            t = tallies.get(s.id, empty)
            return (-t.agreement, -t.decisive, s.id)

        return sorted(items, key=agreed)

    def divisive(s: S) -> tuple[float, int, int]:
        t = tallies.get(s.id, empty)
        return (-t.divisiveness, -t.decisive, s.id)

    return sorted(items, key=divisive)


_COLUMN = {VoteChoice.AGREE: 0, VoteChoice.DISAGREE: 1, VoteChoice.PASS: 2}
