"""Statement voting on other tables' arguments, its tallies and its orderings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.deliberation.arguments import Argument, Stance
from facilitation.deliberation.moderation import merge
from facilitation.deliberation.statements import (
    StatementOrder,
    StatementTally,
    StatementVote,
    VoteChoice,
    check_statement_vote,
    latest_votes,
    ordered_statements,
    tally_statements,
    wilson_lower_bound,
)
from facilitation.deliberation.states import ArgumentState
from facilitation.errors import Refused

NOW = datetime(2024, 5, 4, 10, 0, tzinfo=UTC)
A, D, P = VoteChoice.AGREE, VoteChoice.DISAGREE, VoteChoice.PASS


def argument(
    id: int = 1,
    *,
    table_id: int = 3,
    state: ArgumentState = ArgumentState.APPROVED,
    minutes: int = 0,
) -> Argument:
    return Argument(
        id=id,
        table_id=table_id,
        author_id=70 + id,
        proposal_id=None,
        stance=Stance.FOR,
        text=f"argument {id}",
        submitted_at=NOW + timedelta(minutes=minutes),
        state=state,
    )


def votes(argument_id: int, agree: int, disagree: int, passed: int = 0) -> list[StatementVote]:
    choices = [A] * agree + [D] * disagree + [P] * passed
    return [StatementVote(1000 + i, argument_id, c) for i, c in enumerate(choices)]


# Who may vote on what


def test_a_participant_votes_on_another_tables_approved_argument() -> None:
    assert check_statement_vote(argument(table_id=3), 4, "disagree") is D
    assert check_statement_vote(argument(table_id=3), None, "pass") is P


def test_voting_on_ones_own_tables_argument_is_refused() -> None:
    with pytest.raises(Refused, match="your own table"):
        check_statement_vote(argument(table_id=3), 3, "agree")


def test_a_table_whose_argument_was_merged_in_counts_as_its_own() -> None:
    target = merge(argument(1, table_id=3), [argument(2, table_id=4)]).target
    with pytest.raises(Refused, match="your own table"):
        check_statement_vote(target, 4, "agree")
    assert check_statement_vote(target, 5, "agree") is A


@pytest.mark.parametrize(
    "state",
    [
        ArgumentState.PENDING,
        ArgumentState.HIDDEN,
        ArgumentState.WITHDRAWN,
        ArgumentState.MERGED,
    ],
)
def test_voting_on_an_argument_that_is_not_approved_is_refused(state: ArgumentState) -> None:
    with pytest.raises(Refused, match="only vote on approved"):
        check_statement_vote(argument(state=state), 4, "agree")


@pytest.mark.parametrize("choice", ["", "yes", "AGREE", "abstain"])
def test_unknown_choices_are_refused(choice: str) -> None:
    with pytest.raises(Refused, match="agree, disagree or pass"):
        check_statement_vote(argument(), 4, choice)


# One vote per participant per argument


def test_a_changed_vote_replaces_the_earlier_one() -> None:
    history = [StatementVote(1, 9, A), StatementVote(1, 9, D), StatementVote(2, 9, A)]
    assert latest_votes(history) == {(1, 9): D, (2, 9): A}
    assert tally_statements(history) == {9: StatementTally(agree=1, disagree=1)}


@given(
    st.lists(
        st.builds(StatementVote, st.integers(1, 5), st.integers(1, 4), st.sampled_from(VoteChoice)),
        max_size=60,
    )
)
def test_whatever_the_sequence_each_participant_counts_once_per_argument_with_their_last_vote(
    history: list[StatementVote],
) -> None:
    last_seen: dict[tuple[int, int], VoteChoice] = {}
    for vote in reversed(history):
        last_seen.setdefault((vote.participant_id, vote.argument_id), vote.choice)
    expected: dict[int, list[int]] = {}
    for (_, argument_id), choice in last_seen.items():
        row = expected.setdefault(argument_id, [0, 0, 0])
        row[[A, D, P].index(choice)] += 1
    tallies = tally_statements(history)
    assert {a: [t.agree, t.disagree, t.passed] for a, t in tallies.items()} == expected


# Aggregation


def test_the_share_agreeing_leaves_passes_out() -> None:
    tally = tally_statements(votes(1, agree=3, disagree=1, passed=10))[1]
    assert tally.agree_share == 0.75
    assert (tally.decisive, tally.total) == (4, 14)


def test_there_is_no_share_until_someone_takes_a_side() -> None:
    assert StatementTally(passed=5).agree_share is None
    assert StatementTally().agreement == 0.0 and StatementTally().divisiveness == 0.0


def test_the_wilson_lower_bound_matches_known_values() -> None:
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(1, 2) == pytest.approx(0.0945, abs=1e-4)
    assert wilson_lower_bound(40, 80) == pytest.approx(0.3930, abs=1e-4)
    assert wilson_lower_bound(10, 10) == pytest.approx(0.7225, abs=1e-4)


# Orderings


def ranked(order: StatementOrder, tallies: dict[int, StatementTally]) -> list[int]:
    statements = [argument(i, minutes=i) for i in tallies]
    return [s.id for s in ordered_statements(statements, tallies, order)]


def test_a_one_one_split_does_not_outrank_a_forty_forty_split_as_divisive() -> None:
    tallies = {1: StatementTally(1, 1), 2: StatementTally(40, 40)}
    assert ranked(StatementOrder.MOST_DIVISIVE, tallies) == [2, 1]


def test_divisive_means_a_large_minority_not_a_large_crowd() -> None:
    tallies = {
        1: StatementTally(1000, 41),  # near consensus, however many disagree
        2: StatementTally(30, 25),  # a 45 % minority beats a 40 % one of similar size
        3: StatementTally(60, 40),
        4: StatementTally(40, 40),
        5: StatementTally(5, 0),
        6: StatementTally(passed=50),
    }
    assert ranked(StatementOrder.MOST_DIVISIVE, tallies) == [4, 2, 3, 1, 5, 6]


def test_most_agreed_needs_both_a_high_share_and_enough_votes() -> None:
    tallies = {
        1: StatementTally(1, 0),  # 100 % of one vote
        2: StatementTally(45, 5),
        3: StatementTally(9, 1),
        4: StatementTally(10, 30),
        5: StatementTally(),
    }
    assert ranked(StatementOrder.MOST_AGREED, tallies) == [2, 3, 1, 4, 5]


def test_ties_go_to_more_votes_then_the_older_argument() -> None:
    tallies = {3: StatementTally(), 1: StatementTally(), 2: StatementTally(0, 0, 4)}
    assert ranked(StatementOrder.MOST_AGREED, tallies) == [1, 2, 3]
    one_sided = {5: StatementTally(0, 3), 4: StatementTally()}
    assert ranked(StatementOrder.MOST_DIVISIVE, one_sided) == [5, 4]


def test_newest_lists_the_latest_submission_first_and_ignores_votes() -> None:
    tallies = {1: StatementTally(50, 0), 2: StatementTally(), 3: StatementTally(1, 1)}
    assert ranked(StatementOrder.NEWEST, tallies) == [3, 2, 1]


def test_arguments_without_votes_are_still_listed() -> None:
    statements = [argument(1), argument(2)]
    assert len(ordered_statements(statements, {}, "divisive")) == 2


def test_an_unknown_order_is_refused() -> None:
    with pytest.raises(Refused, match="most agreed, most divisive or newest"):
        ordered_statements([argument()], {}, "random")
