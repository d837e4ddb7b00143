"""Dot voting (cumulative voting): each voter spreads a budget of points over the options.

Raw form: one field per option, `{"points:a": "3", "points:c": "2"}`; a blank or
missing field is 0 points. Points are whole numbers of at least 0; with
`max_per_option` no option takes more than that from one voter.

Spending less than the budget is allowed: people often hold back points rather than
give them to something they do not support, and forcing them to spend would put
points where there is no preference. Spending nothing at all is an empty ballot: an
abstention where the vote allows abstaining, refused otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from facilitation.ballots.common import (
    Raw,
    abstain_requested,
    check_ballot_options,
    check_options,
    read_whole_number,
    refuse_unknown,
    settle_abstention,
    single_value,
    stored_counts,
    suffixes,
)
from facilitation.ballots.totals import Totals
from facilitation.errors import N_, Refused

POINTS_PREFIX = "points"
BUDGET_MAX = 1_000


@dataclass(frozen=True)
class DotVoting:
    """`budget` points per voter, at most `max_per_option` on any one option (None: no cap).

    A voter may spend less than the budget, but not nothing (see the module docstring).
    """

    method: ClassVar[str] = "dots"
    budget: int = 10
    max_per_option: int | None = None
    allow_abstain: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.budget <= BUDGET_MAX:
            raise Refused(
                N_("Give each voter between 1 and %(max)s points."),
                max=BUDGET_MAX,
            )
        if self.max_per_option is not None and self.max_per_option < 1:
            raise Refused(N_("Allow at least 1 point on one option."))


@dataclass(frozen=True)
class DotBallot:
    """Points per option, only for options given at least one point.

    Pairs sorted by option id rather than a dict, so the ballot is hashable and reads
    back equal from its stored JSON (whose keys are sorted).
    """

    kind: ClassVar[str] = "dots"
    points: tuple[tuple[str, int], ...]

    @property
    def abstained(self) -> bool:
        return not self.points

    @property
    def spent(self) -> int:
        return sum(points for _, points in self.points)

    def points_for(self, option: str) -> int:
        return dict(self.points).get(option, 0)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "points": dict(self.points)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DotBallot:
        points = stored_counts(data["points"], "points")
        if any(value <= 0 for value in points.values()):
            raise ValueError("stored points must be positive")
        return cls(tuple(sorted(points.items())))


def parse(config: DotVoting, options: Sequence[str], raw: Raw) -> DotBallot:
    """Read a dot-voting ballot from the form, or refuse it with the reason."""
    checked = check_options(options)
    refuse_unknown(suffixes(raw, POINTS_PREFIX), checked)
    given: list[tuple[str, int]] = []
    for option in checked:
        points = _read_points(config, raw, option)
        if points:
            given.append((option, points))
    spent = sum(points for _, points in given)
    if spent > config.budget:
        raise Refused(
            N_("You have %(budget)s points and gave %(spent)s. Take away %(over)s."),
            budget=config.budget,
            spent=spent,
            over=spent - config.budget,
        )
    abstained = settle_abstention(
        allowed=config.allow_abstain,
        requested=abstain_requested(raw),
        expressed=spent > 0,
        empty_counts=True,
        empty_message=N_("Give at least one point to one of the options."),
    )
    return DotBallot(() if abstained else tuple(sorted(given)))


def _read_points(config: DotVoting, raw: Raw, option: str) -> int:
    text = single_value(
        raw,
        f"{POINTS_PREFIX}:{option}",
        N_("Give only one number of points to %(option)s."),
        option=option,
    )
    if not text:
        return 0
    points = read_whole_number(text)
    if points is None:
        raise Refused(
            N_("Give %(option)s a whole number of points, like 0, 1 or 2."),
            option=option,
        )
    if points < 0:
        raise Refused(
            N_("Points cannot be negative. Check the points for %(option)s."), option=option
        )
    if config.max_per_option is not None and points > config.max_per_option:
        raise Refused(
            N_("One option can get at most %(max)s points, and you gave %(option)s %(points)s."),
            max=config.max_per_option,
            option=option,
            points=points,
        )
    return points


def tally(config: DotVoting, options: Sequence[str], ballots: Sequence[DotBallot]) -> Totals:
    """Add up the points each option received."""
    checked = check_options(options)
    totals = dict.fromkeys(checked, 0)
    abstentions = 0
    for ballot in ballots:
        if ballot.abstained:
            abstentions += 1
        check_ballot_options((option for option, _ in ballot.points), checked)
        for option, points in ballot.points:
            totals[option] += points
    return Totals(DotVoting.method, checked, totals, len(ballots), abstentions)
