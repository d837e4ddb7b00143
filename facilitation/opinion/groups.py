"""One update of a panel's opinion groups: from statement votes to groups and figures.

`compute_opinion_groups` runs Pol.is's pipeline (see the sibling modules) and returns
either `OpinionGroups` or `TooFewVotes`. It keeps what the next update starts from in
`OpinionGroups.memory`, so that groups keep their letters and their number steadies.

Before groups mean anything, enough people must have voted on enough statements: at
least `MIN_PEOPLE` (10) participants with `MIN_VOTES` (7) votes each. Below that the
answer is `TooFewVotes`, which screens turn into a plain sentence, never a picture.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from facilitation.deliberation.statements import StatementVote
from facilitation.opinion.parameters import (
    BASE_CLUSTERS,
    GREEDY_PARTICIPANTS,
    K_BUFFER,
    MAX_GROUPS,
    MIN_PEOPLE,
    MIN_VOTES,
)
from facilitation.opinion.statistics import GroupVotes, Representative

if TYPE_CHECKING:
    from facilitation.opinion.clustering import Clustering
    from facilitation.opinion.matrix import VoteMatrix


@dataclass(frozen=True)
class Memory:
    """What one update hands the next: Pol.is's conversation state, in short."""

    clustered: frozenset[int]
    loadings: dict[int, tuple[float, float]]
    clustering: Clustering | None


@dataclass(frozen=True)
class TooFewVotes:
    people_ready: int
    """Participants with at least `MIN_VOTES` votes so far."""
    min_people: int = MIN_PEOPLE
    min_votes: int = MIN_VOTES


@dataclass(frozen=True)
class Point:
    participant: int
    x: float
    y: float
    group: str | None  # None: not clustered (too few votes), as in Pol.is


@dataclass(frozen=True)
class OpinionGroups:
    points: tuple[Point, ...]
    sizes: dict[str, int]
    votes: dict[str, dict[int, GroupVotes]]
    """group → statement → counts."""
    consensus: dict[int, float]
    divisiveness: dict[int, float]
    representative: dict[str, list[Representative]]
    silhouettes: dict[int, float]
    memory: Memory

    @property
    def groups(self) -> dict[int, str]:
        return {p.participant: p.group for p in self.points if p.group is not None}

    def most_consensual(self, n: int) -> list[int]:
        return sorted(self.consensus, key=lambda s: (-self.consensus[s], s))[:n]

    def most_divisive(self, n: int) -> list[int]:
        return sorted(self.divisiveness, key=lambda s: (-self.divisiveness[s], s))[:n]


@dataclass(frozen=True)
class Method:
    """The parameters, named for the report's method section."""

    min_votes: int = MIN_VOTES
    greedy_participants: int = GREEDY_PARTICIPANTS
    base_clusters: int = BASE_CLUSTERS
    max_groups: int = MAX_GROUPS
    k_buffer: int = K_BUFFER
    min_people: int = MIN_PEOPLE


def compute_opinion_groups(
    votes: Iterable[StatementVote],
    hidden: Iterable[int] = (),
    earlier: Memory | None = None,
) -> OpinionGroups | TooFewVotes:
    from facilitation.opinion.matrix import vote_matrix

    return groups_of_matrix(vote_matrix(votes, hidden), earlier)


def groups_of_matrix(
    matrix: VoteMatrix, earlier: Memory | None = None
) -> OpinionGroups | TooFewVotes:
    # The arithmetic (numpy, scikit-learn) is loaded by the first computation, in its
    # worker thread, not by the screens and the report that read this module's results.
    from facilitation.opinion.clustering import cluster
    from facilitation.opinion.eligibility import clustered_participants
    from facilitation.opinion.projection import project
    from facilitation.opinion.statistics import (
        consensus,
        divisiveness,
        group_votes,
        representative,
    )

    ready = int((matrix.votes_cast >= MIN_VOTES).sum()) if matrix.participants else 0
    if ready < MIN_PEOPLE:
        return TooFewVotes(people_ready=ready)
    clustered = clustered_participants(matrix, earlier.clustered if earlier else frozenset())
    projection = project(matrix, earlier.loadings if earlier else None)
    rows = [i for i, p in enumerate(matrix.participants) if p in clustered]
    members = [matrix.participants[i] for i in rows]
    clustering = cluster(members, projection.points[rows], earlier.clustering if earlier else None)
    if clustering is None:
        return TooFewVotes(people_ready=ready)
    groups = clustering.groups
    points = tuple(
        Point(p, float(projection.points[i, 0]), float(projection.points[i, 1]), groups.get(p))
        for i, p in enumerate(matrix.participants)
    )
    per_group = group_votes(matrix, groups)
    sizes = {g: sum(1 for v in groups.values() if v == g) for g in sorted(per_group)}
    return OpinionGroups(
        points=points,
        sizes=sizes,
        votes=per_group,
        consensus=consensus(per_group),
        divisiveness=divisiveness(per_group),
        representative=representative(per_group),
        silhouettes=clustering.silhouettes,
        memory=Memory(clustered, projection.loadings, clustering),
    )


def relabelled(result: OpinionGroups, earlier: Mapping[int, str]) -> OpinionGroups:
    """The same groups, each named after the earlier group it shares most people with.

    For groups computed afresh (the report's, from all votes at the end) that the room
    saw live under other letters: the matching is the live updates' own
    (`clustering.stable_letters`), so a group mostly made of the people the room saw as
    A is A here too. Only the names change; members and figures stay as computed.
    """
    import numpy as np

    from facilitation.opinion.clustering import stable_letters

    old = sorted(result.sizes)
    index = {g: i for i, g in enumerate(old)}
    grouped = result.groups
    participants = list(grouped)
    members = np.array([index[grouped[p]] for p in participants], dtype=np.int64)
    new = stable_letters(participants, members, len(old), earlier)
    name = {g: new[i] for g, i in index.items()}
    clustering = result.memory.clustering
    return replace(
        result,
        points=tuple(
            replace(p, group=None if p.group is None else name[p.group]) for p in result.points
        ),
        sizes={name[g]: n for g, n in sorted(result.sizes.items(), key=lambda i: name[i[0]])},
        votes={name[g]: v for g, v in sorted(result.votes.items(), key=lambda i: name[i[0]])},
        representative={name[g]: r for g, r in result.representative.items()},
        memory=replace(
            result.memory,
            clustering=None
            if clustering is None
            else replace(clustering, groups={p: name[g] for p, g in clustering.groups.items()}),
        ),
    )
