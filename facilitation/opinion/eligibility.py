"""Who is clustered into groups, by Pol.is's rule (polismath `conversation.clj`, `:in-conv`).

The rule, as polismath states it:

1. a participant is clustered once they have voted on at least ``min(7, number of
   statements)`` statements (votes on statements moderated out later still count);
2. if that leaves fewer than 15 participants, the most active others are added, most
   votes first, until there are 15 (or nobody is left);
3. once in, always in: someone clustered in an earlier update stays clustered.

Everyone still appears in the projection (the principal components are fitted on all
participants); the others simply belong to no group, as in Pol.is's exports, where
their `group-id` is blank.
"""

from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING

from facilitation.opinion.parameters import GREEDY_PARTICIPANTS, MIN_VOTES

if TYPE_CHECKING:
    from facilitation.opinion.matrix import VoteMatrix


def clustered_participants(
    matrix: VoteMatrix,
    earlier: Set[int] = frozenset(),
    min_votes: int = MIN_VOTES,
    greedy: int = GREEDY_PARTICIPANTS,
) -> frozenset[int]:
    counts = dict(zip(matrix.participants, (int(c) for c in matrix.votes_cast), strict=True))
    threshold = min(min_votes, len(matrix.statements))
    chosen = {p for p in earlier if p in counts}
    chosen |= {p for p, n in counts.items() if n >= threshold}
    if len(chosen) < greedy:
        others = sorted((p for p in counts if p not in chosen), key=lambda p: (-counts[p], p))
        chosen.update(others[: greedy - len(chosen)])
    return frozenset(chosen)
