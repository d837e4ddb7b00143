"""The Borda count of ranked ballots.

With n options on the ballot, the option in place i (counting from 0) gets n - 1 - i
points, and every option a voter left unranked gets 0. So a truncated ballot scores its
ranked options exactly as a full one would, and says nothing about the order of the
rest. The points depend on the number of options, not on how many places a ballot
has: a top-3 ballot out of 10 options gives 9, 8 and 7 points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from facilitation.ballots.common import check_ballot_options, check_options
from facilitation.ballots.ranking import RankedVote, RankingBallot
from facilitation.ballots.totals import Totals


@dataclass(frozen=True)
class Borda(RankedVote):
    """A ranked vote counted by the Borda count."""

    method: ClassVar[str] = "borda"


def borda_points(place: int, option_count: int) -> int:
    """Points for the option in `place` (0 = first) among `option_count` options."""
    return option_count - 1 - place


def tally(config: Borda, options: Sequence[str], ballots: Sequence[RankingBallot]) -> Totals:
    """Add up each option's Borda points over all ballots."""
    checked = check_options(options)
    totals = dict.fromkeys(checked, 0)
    abstentions = 0
    for ballot in ballots:
        if ballot.abstained:
            abstentions += 1
        check_ballot_options(ballot.ranking, checked)
        for place, option in enumerate(ballot.ranking):
            totals[option] += borda_points(place, len(checked))
    return Totals(Borda.method, checked, totals, len(ballots), abstentions)
