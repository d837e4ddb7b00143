"""Our opinion groups agree with Pol.is's own on three public Pol.is conversations.

Each conversation is loaded into the domain function as Pol.is left it: its vote
matrix, its moderated-out statements, and the set of participants Pol.is had clustered
(Pol.is's rule keeps a participant clustered once they are in, so that set is part of
the conversation's state; see `facilitation.opinion.eligibility`). The number of groups
is chosen by our method, never forced.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sklearn.metrics import adjusted_rand_score

from facilitation.opinion.groups import Memory, OpinionGroups, groups_of_matrix
from tests.support.polis_data import load_conversation

MIN_ADJUSTED_RAND = 0.8


def confusion_table(polis: dict[int, int], ours: dict[int, str]) -> str:
    common = [p for p in polis if p in ours]
    counts = Counter((polis[p], ours[p]) for p in common)
    ours_labels = sorted(set(ours[p] for p in common))
    lines = ["Pol.is group \\ ours  " + "  ".join(f"{g:>5}" for g in ours_labels)]
    for gid in sorted(set(polis[p] for p in common)):
        cells = "  ".join(f"{counts[(gid, g)]:>5}" for g in ours_labels)
        lines.append(f"{gid:>19}  {cells}")
    return "\n".join(lines)


def check_against_polis(name: str) -> None:
    conversation = load_conversation(name)
    state = Memory(clustered=frozenset(conversation.group_ids), loadings={}, clustering=None)
    result = groups_of_matrix(conversation.matrix, state)
    assert isinstance(result, OpinionGroups), result
    ours = result.groups
    polis = conversation.group_ids
    common = [p for p in polis if p in ours]
    index = adjusted_rand_score([polis[p] for p in common], [ours[p] for p in common])
    table = confusion_table(polis, ours)
    polis_k = len(set(polis.values()))
    assert len(result.sizes) == polis_k, (
        f"{name}: we chose {len(result.sizes)} groups, Pol.is {polis_k} "
        f"(silhouettes {result.silhouettes}); adjusted Rand {index:.3f}\n{table}"
    )
    assert index >= MIN_ADJUSTED_RAND, f"{name}: adjusted Rand {index:.3f}\n{table}"


@pytest.mark.parametrize("name", ["scoop-hivemind.biodiversity", "scoop-hivemind.taxes"])
def test_our_groups_match_polis_groups(name: str) -> None:
    check_against_polis(name)


# Notes on football-concussions (2015–2019, 1,487 participants, 298 statements of which
# 137 moderated out), from polismath's own code (compdemocracy/polis math/, its history)
# and the conversation's timestamped votes.csv in compdemocracy/openData:
#
# - Which participants: 842 of the 1,434 Pol.is grouped cast fewer than 7 votes. From
#   February to October 2017 polismath counted votes on the rating matrix in which
#   moderated-out columns are set to 0 for everyone (commits b68ca8b6, fixed 30355e11),
#   so everyone counted as having voted enough, and once in is always in. Everyone who
#   joined later (pid >= 4985) with fewer than 7 votes is ungrouped, as today's rule says.
#   That set is taken as given (`Memory.clustered`), as for the other two conversations.
# - The votes: the matrix in participants-votes.csv equals the last vote per participant
#   and statement in votes.csv (14,924 votes, 14,328 cells, no difference).
# - The projection agrees: a linear boundary in our plane separates Pol.is's two groups
#   for 98.4 % of the people. Pol.is's group 1 is the lower-left tail of one round blob.
# - The silhouettes (over our 100 base clusters): 2 groups 0.307, 3 0.327, 4 0.279,
#   5 0.331; we pick 5. Pol.is's own partition scores 0.341 but is no k-means fixed point:
#   Lloyd's steps from its centres move to 1,261 / 173 (ARI 0.85 with Pol.is, silhouette
#   0.323), whose within-group sum of squares (2,153.9) all but equals the balanced split's
#   (2,149.9, ARI -0.09). Which of these k-means ends in is a matter of where it starts.
# - Pol.is's start: polismath does not store its per-k clusterings nor its k-smoother
#   (prep-main's whitelist), so after each restart the k is the single best silhouette of
#   k-means started from the first k distinct base-cluster centres. Run that way
#   (first-k-distinct starts, empty clusters dropped, 0.01 stop) it picks 4 here (ARI
#   0.44) in participant order, and 2 in only 6 of 30 random orders (ARI 0.34 then).
# - Replaying votes.csv day by day (683 updates) with warm starts and the 4-update buffer,
#   k settles on 5 from the 19th update and stays there through 150 updates.
# So the stored 2 reflects a path (restarts, the 2015–2017 math, its start order) that
# the export does not hold; the conversation has no group structure to recover.
@pytest.mark.xfail(
    strict=True,
    reason=(
        "Pol.is's 2 groups here (1,281 / 153) are a state its history left, not what its "
        "pipeline picks from these votes: the room is one blob (silhouettes of 2…5 groups "
        "0.28–0.33), and neither one computation nor a replay of the timestamped votes "
        "lands on 2 (see the notes above this test)"
    ),
)
def test_our_groups_match_polis_groups_on_football_concussions() -> None:
    check_against_polis("football-concussions")
