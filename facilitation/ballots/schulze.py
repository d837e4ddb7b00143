"""The Schulze method (beatpath) for ranked ballots.

`d[a][b]` counts the voters who prefer a to b. A voter prefers every ranked option to
every option left unranked, and expresses no preference between two unranked options.
A *path* from a to b is a chain of pairwise wins (each link `d[x][y] > d[y][x]`); its
strength is its weakest link, and `p[a][b]` is the strength of the strongest path (0
without one). a beats b when `p[a][b] > p[b][a]`; Schulze proved this relation
transitive.

The winners are the options no other option beats. Beyond them, "beats" orders the
options only partly: B may be undecided against D although something else beats D. So
the full order is given in places, and one option is placed above another only when
every option of its place and the places above beats every option of the places below.
Places are found by peeling layers (first the unbeaten options, then the unbeaten among
those left, and so on) and joining neighbouring layers until that holds; every cut that
holds is a cut between layers, so these are the finest such places. Within a shared
place the options are listed layer by layer, so none comes after an option it beats,
and in the order of the ballot within a layer; that rule travels with the result.
A Condorcet winner, who beats every other option head to head, always wins alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

from facilitation.ballots.common import (
    check_ballot_options,
    check_options,
    stored_int,
    stored_strs,
)
from facilitation.ballots.ranking import RankedVote, RankingBallot
from facilitation.ballots.totals import RECORD_FORMAT
from facilitation.errors import N_

Matrix = tuple[tuple[int, ...], ...]

SCHULZE_TIE_BREAK = N_(
    "An option is placed above another only if it beats it on strongest paths; options "
    "the method leaves undecided share a place (marked =). Within a shared place no option "
    "is listed after one it beats; otherwise they follow the order of the ballot."
)


@dataclass(frozen=True)
class Schulze(RankedVote):
    """A ranked vote counted by the Schulze method."""

    method: ClassVar[str] = "schulze"


@dataclass(frozen=True)
class SchulzeResult:
    """The pairwise counts of `ballots` ballots and everything that follows from them.

    Matrices are indexed in the order of `options`. Only the pairwise counts are data;
    the strongest paths and the order are worked out from them when first asked for.
    """

    method: ClassVar[str] = "schulze"
    options: tuple[str, ...]
    pairwise: Matrix
    ballots: int
    abstentions: int
    tie_break: str = SCHULZE_TIE_BREAK

    @property
    def counted(self) -> int:
        return self.ballots - self.abstentions

    def preferring(self, a: str, b: str) -> int:
        """How many voters prefer a to b: d[a][b]."""
        return self.pairwise[self.options.index(a)][self.options.index(b)]

    def path_strength(self, a: str, b: str) -> int:
        """The strength of the strongest path from a to b: p[a][b]."""
        return self.strongest[self.options.index(a)][self.options.index(b)]

    def beats(self, a: str, b: str) -> bool:
        return self.path_strength(a, b) > self.path_strength(b, a)

    @cached_property
    def strongest(self) -> Matrix:
        return strongest_paths(self.pairwise)

    @cached_property
    def layers(self) -> tuple[tuple[str, ...], ...]:
        """The unbeaten options, then the unbeaten among those left, and so on."""
        return tuple(
            tuple(self.options[i] for i in layer) for layer in schulze_tiers(self.strongest)
        )

    @cached_property
    def tiers(self) -> tuple[tuple[str, ...], ...]:
        """The places: each option of a place beats every option of every place below."""
        layers = self.layers
        places: list[list[str]] = []
        for k, layer in enumerate(layers):
            above = [option for earlier in layers[:k] for option in earlier]
            below = [option for later in layers[k:] for option in later]
            if places and not all(self.beats(a, b) for a in above for b in below):
                places[-1] += layer
            else:
                places.append(list(layer))
        return tuple(tuple(place) for place in places)

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(option for tier in self.tiers for option in tier)

    @property
    def winners(self) -> tuple[str, ...]:
        """The options no other option beats; none until someone has voted."""
        return self.layers[0] if self.counted > 0 else ()

    def to_dict(self) -> dict[str, Any]:
        """The record to freeze: the pairwise counts, plus paths and order for display."""
        return {
            "format": RECORD_FORMAT,
            "method": self.method,
            "options": list(self.options),
            "ballots": self.ballots,
            "abstentions": self.abstentions,
            "pairwise": [list(row) for row in self.pairwise],
            "strongest": [list(row) for row in self.strongest],
            "tiers": [list(tier) for tier in self.tiers],
            "order": list(self.order),
            "winners": list(self.winners),
            "tie_break": self.tie_break,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SchulzeResult:
        """Rebuild from a record; paths and order are worked out again from the counts.

        The places are recomputed by today's rule, so the rule's text is today's too, not
        the one stored (records frozen before undecided options shared a place say less).
        """
        options = stored_strs(data["options"], "options")
        rows = data["pairwise"]
        if not isinstance(rows, list) or len(rows) != len(options):
            raise ValueError("stored pairwise counts must have one row per option")
        pairwise: list[tuple[int, ...]] = []
        for row in rows:
            if not isinstance(row, list) or len(row) != len(options):
                raise ValueError("stored pairwise counts must have one column per option")
            if not all(isinstance(cell, int) and not isinstance(cell, bool) for cell in row):
                raise ValueError("stored pairwise counts must be integers")
            pairwise.append(tuple(row))
        return cls(
            options=options,
            pairwise=tuple(pairwise),
            ballots=stored_int(data, "ballots"),
            abstentions=stored_int(data, "abstentions"),
        )


def tally(
    config: Schulze, options: Sequence[str], ballots: Sequence[RankingBallot]
) -> SchulzeResult:
    """Count who prefers whom, then rank the options by strongest paths."""
    checked = check_options(options)
    return SchulzeResult(
        options=checked,
        pairwise=pairwise_counts(checked, ballots),
        ballots=len(ballots),
        abstentions=sum(1 for ballot in ballots if ballot.abstained),
    )


def pairwise_counts(options: Sequence[str], ballots: Sequence[RankingBallot]) -> Matrix:
    """d[a][b]: voters who rank a above b, or rank a and leave b unranked.

    Identical rankings are counted once and weighted, since in a panel many people
    often rank the same way; the result is the same.
    """
    index = {option: i for i, option in enumerate(options)}
    n = len(options)
    d = [[0] * n for _ in range(n)]
    for ranking, weight in Counter(ballot.ranking for ballot in ballots).items():
        check_ballot_options(ranking, options)
        ranked = [index[option] for option in ranking]
        unranked = sorted(set(range(n)) - set(ranked))
        for place, a in enumerate(ranked):
            for b in ranked[place + 1 :]:
                d[a][b] += weight
            for b in unranked:
                d[a][b] += weight
    return tuple(tuple(row) for row in d)


def strongest_paths(d: Matrix) -> Matrix:
    """p[a][b], the strength of the strongest path, by the widest-path Floyd–Warshall."""
    n = len(d)
    p = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            for k in range(n):
                if k not in (i, j):
                    p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return tuple(tuple(row) for row in p)


def schulze_tiers(p: Matrix) -> list[list[int]]:
    """Peel off, again and again, the indices no remaining index beats.

    Some index is always unbeaten because "beats" is transitive on strongest paths; the
    check guards against a matrix that did not come from `strongest_paths`.
    """
    remaining = list(range(len(p)))
    tiers: list[list[int]] = []
    while remaining:
        unbeaten = [a for a in remaining if not any(p[b][a] > p[a][b] for b in remaining)]
        if not unbeaten:
            raise ValueError("strongest paths must not beat each other in a circle")
        tiers.append(unbeaten)
        remaining = [a for a in remaining if a not in unbeaten]
    return tiers
