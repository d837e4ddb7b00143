"""Opinion groups: when they appear, how they stay put, and what their figures mean."""

from __future__ import annotations

import random

import pytest

from facilitation.deliberation.statements import StatementVote, VoteChoice
from facilitation.opinion.clustering import KSmoother
from facilitation.opinion.eligibility import clustered_participants
from facilitation.opinion.groups import (
    OpinionGroups,
    TooFewVotes,
    compute_opinion_groups,
    relabelled,
)
from facilitation.opinion.matrix import vote_matrix
from facilitation.opinion.statistics import GroupVotes, consensus, prop_test, two_prop_test

A, D, P = VoteChoice.AGREE, VoteChoice.DISAGREE, VoteChoice.PASS


def two_camps(people: int, statements: int, seed: int = 1) -> list[StatementVote]:
    """Half the room agrees with the even statements and rejects the odd ones, half the
    reverse; statement 0 everyone agrees with; 10 % of votes go the other way."""
    rng = random.Random(seed)
    votes = []
    for person in range(people):
        camp = person % 2
        for s in range(statements):
            if s == 0:
                choice = A
            else:
                choice = A if (s % 2 == camp) else D
                if rng.random() < 0.1:
                    choice = D if choice is A else A
            votes.append(StatementVote(person, s, choice))
    return votes


def test_too_few_people_give_the_plain_reason_not_groups() -> None:
    votes = [StatementVote(p, s, A) for p in range(9) for s in range(7)]
    result = compute_opinion_groups(votes)
    assert result == TooFewVotes(people_ready=9)


def test_people_with_fewer_than_seven_votes_do_not_count_towards_showing_groups() -> None:
    votes = [StatementVote(p, s, A if p % 2 else D) for p in range(30) for s in range(6)]
    assert compute_opinion_groups(votes) == TooFewVotes(people_ready=0)


def test_two_camps_are_found_as_two_groups_with_the_shared_statement_as_consensus() -> None:
    result = compute_opinion_groups(two_camps(60, 12))
    assert isinstance(result, OpinionGroups)
    assert sorted(result.sizes.values()) == [30, 30]
    camps = {p.participant % 2 for p in result.points if p.group == "A"}
    assert len(camps) == 1, "a group mixes both camps"
    assert result.most_consensual(1) == [0]
    assert 0 not in result.most_divisive(5)


def test_a_new_vote_does_not_rename_the_groups() -> None:
    votes = two_camps(60, 12)
    first = compute_opinion_groups(votes)
    assert isinstance(first, OpinionGroups)
    later = compute_opinion_groups(
        [*votes, StatementVote(60, 1, D), StatementVote(60, 2, A)]
        + [StatementVote(60, s, A if s % 2 == 0 else D) for s in range(3, 12)],
        earlier=first.memory,
    )
    assert isinstance(later, OpinionGroups)
    for participant, group in first.groups.items():
        assert later.groups[participant] == group


def test_groups_computed_afresh_take_the_letters_of_the_groups_they_mostly_are() -> None:
    result = compute_opinion_groups(two_camps(60, 12))
    assert isinstance(result, OpinionGroups)
    fresh = result.groups
    # Seen earlier with the letters the other way round, and one person elsewhere.
    swapped = {p: "B" if g == "A" else "A" for p, g in fresh.items()}
    swapped[0] = swapped[1]
    renamed = relabelled(result, swapped)
    assert renamed.groups == {p: "B" if g == "A" else "A" for p, g in fresh.items()}
    assert renamed.sizes == {"A": result.sizes["B"], "B": result.sizes["A"]}
    assert renamed.votes["A"] == result.votes["B"]
    assert renamed.representative["A"] == result.representative["B"]
    assert renamed.consensus == result.consensus
    assert renamed.memory.clustering is not None
    assert renamed.memory.clustering.groups == renamed.groups
    # Nobody seen before: the largest group is A, as in a first computation.
    assert relabelled(result, {}).groups == fresh


def test_the_number_of_groups_changes_only_after_winning_four_updates_in_a_row() -> None:
    smoother = KSmoother().after(2)
    assert smoother.smoothed_k == 2
    for _ in range(3):
        smoother = smoother.after(3)
        assert smoother.smoothed_k == 2
    assert smoother.after(3).smoothed_k == 3
    assert smoother.after(4).smoothed_k == 2


def test_someone_clustered_once_stays_clustered_and_the_first_fifteen_are_taken_greedily() -> None:
    votes = [StatementVote(p, s, A) for p in range(20) for s in range(p % 9)]
    matrix = vote_matrix(votes)
    chosen = clustered_participants(matrix)
    assert {p for p in range(20) if p % 9 >= 7} <= chosen
    assert len(chosen) == 15
    assert clustered_participants(matrix, earlier={1}) >= {1}


def test_a_hidden_statement_counts_towards_who_is_clustered_but_not_in_the_figures() -> None:
    votes = two_camps(30, 9)
    result = compute_opinion_groups(votes, hidden={3})
    assert isinstance(result, OpinionGroups)
    assert 3 not in result.consensus
    assert all(3 not in per for per in result.votes.values())


def test_group_informed_consensus_is_the_product_of_smoothed_agree_shares() -> None:
    votes = {"A": {7: GroupVotes(8, 0, 0)}, "B": {7: GroupVotes(1, 2, 1)}}
    assert consensus(votes)[7] == pytest.approx((9 / 10) * (2 / 6))


def test_polis_z_tests_match_hand_calculation() -> None:
    assert prop_test(8, 10) == pytest.approx(2 * 11**0.5 * (9 / 11 - 0.5))
    pooled = (9 + 3) / (11 + 11)
    expected = (9 / 11 - 3 / 11) / (pooled * (1 - pooled) * (2 / 11)) ** 0.5
    assert two_prop_test(8, 2, 10, 10) == pytest.approx(expected)


def test_each_group_is_represented_by_the_statements_it_alone_agrees_with() -> None:
    result = compute_opinion_groups(two_camps(60, 12))
    assert isinstance(result, OpinionGroups)
    for letter, reps in result.representative.items():
        members = [p.participant for p in result.points if p.group == letter]
        camp = members[0] % 2
        assert reps, f"group {letter} has no representative statement"
        for rep in reps:
            own_camp = rep.statement == 0 or rep.statement % 2 == camp
            expected = "agree" if own_camp else "disagree"
            assert rep.direction == expected
