"""The stored state of opinion groups: every process that starts from it labels alike."""

from __future__ import annotations

import json
import random

import numpy as np

from facilitation.deliberation.statements import StatementVote, VoteChoice
from facilitation.opinion.groups import Memory, OpinionGroups, compute_opinion_groups
from facilitation.opinion.state import memory_from_json, memory_to_json, votes_fingerprint

A, D = VoteChoice.AGREE, VoteChoice.DISAGREE
STATEMENTS = 12


def camp_votes(people: range, camp: int, seed: int) -> list[StatementVote]:
    """Camp 0 agrees with the even statements, camp 1 with the odd; 10 % go the other way."""
    rng = random.Random(seed)
    votes = []
    for person in people:
        for s in range(STATEMENTS):
            agree = s == 0 or s % 2 == camp
            if s and rng.random() < 0.1:
                agree = not agree
            votes.append(StatementVote(person, s, A if agree else D))
    return votes


def groups(votes: list[StatementVote], earlier: Memory | None = None) -> OpinionGroups:
    result = compute_opinion_groups(votes, (), earlier)
    assert isinstance(result, OpinionGroups), result
    return result


def through_the_database(memory: Memory) -> Memory:
    return memory_from_json(json.loads(json.dumps(memory_to_json(memory))))


# Camp 0 is the larger at first (so it is A), camp 1 the larger later.
EARLY = camp_votes(range(0, 30), 0, 1) + camp_votes(range(100, 115), 1, 2)
LATE = EARLY + camp_votes(range(115, 160), 1, 3)


def letter_of_camp(result: OpinionGroups, camp_member: int) -> str:
    return result.groups[camp_member]


def test_a_stored_state_comes_back_bit_for_bit() -> None:
    memory = groups(LATE).memory
    back = through_the_database(memory)
    assert back.clustered == memory.clustered
    assert back.loadings == memory.loadings
    assert back.clustering is not None and memory.clustering is not None
    assert back.clustering.groups == memory.clustering.groups
    assert back.clustering.smoother == memory.clustering.smoother
    assert np.array_equal(back.clustering.base_centres, memory.clustering.base_centres)
    assert back.clustering.group_centres.keys() == memory.clustering.group_centres.keys()
    for k, centres in memory.clustering.group_centres.items():
        assert np.array_equal(back.clustering.group_centres[k], centres)


def test_a_process_without_the_history_would_letter_the_groups_otherwise() -> None:
    """Why the state is shared: the letters depend on the history, not only the votes."""
    early = groups(EARLY)
    assert letter_of_camp(early, 0) == "A"
    kept = groups(LATE, early.memory)
    fresh = groups(LATE)
    assert letter_of_camp(kept, 0) == "A"
    assert letter_of_camp(fresh, 0) == "B"


def test_a_process_that_starts_from_the_stored_state_labels_as_the_one_that_stored_it() -> None:
    early = groups(EARLY)
    stored_start = memory_to_json(early.memory)
    on_first_process = groups(LATE, early.memory)
    # The second process only has what the first stored.
    on_second_process = groups(LATE, through_the_database(memory_from_json(stored_start)))
    assert on_second_process.groups == on_first_process.groups
    assert on_second_process.sizes == on_first_process.sizes
    assert on_second_process.consensus == on_first_process.consensus


def test_the_fingerprint_is_that_of_the_last_votes_and_the_hidden_statements() -> None:
    shuffled = list(LATE)
    random.Random(4).shuffle(shuffled)
    assert votes_fingerprint(shuffled) == votes_fingerprint(LATE)
    changed = [*LATE, StatementVote(0, 1, D if LATE[1].choice is A else A)]
    assert votes_fingerprint(changed) != votes_fingerprint(LATE)
    assert votes_fingerprint(LATE, [3]) != votes_fingerprint(LATE)
