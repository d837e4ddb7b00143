"""The fair slate of expert questions, checked against abcvoting and by hand."""

from __future__ import annotations

import pytest
from abcvoting import abcrules, properties
from abcvoting.preferences import Profile
from hypothesis import given, settings
from hypothesis import strategies as st

from facilitation.deliberation.slate import (
    SlateRule,
    Voter,
    check_ejr,
    checked_override,
    choose_slate,
    equal_shares,
    pav_score,
    proportional_approval,
)
from facilitation.errors import Refused

# The hand-worked example. Table 1 (three people) wants questions 11, 12 and 13;
# table 2 (two people) wants 21 and 22; table 3 (one person) wants 31. k = 3, n = 6.
#
# Equal Shares: everyone holds 3/6 = 1/2. Question 11 costs its three backers 1/3 each
# (cheapest; 12 and 13 tie with it and come later), leaving table 1 with 1/6 each.
# Then 12 would cost 1/3 but table 1 has only 1/2 together: unaffordable; 21 costs
# table 2 1/2 each: bought. Now nothing is affordable (31 costs its one backer 1, who
# has 1/2), so Phragmén fills the last place from the loads −1/6 (table 1), 0 (table 2)
# and −1/2 (table 3): 12 reaches (3·(−1/6) + 1)/3 = 1/6, 22 reaches 1/2, 31 reaches 1/2;
# 12 is chosen. Slate: 11, 21, 12.
#
# PAV: {11, 12, 21} scores 3·(1 + 1/2) + 2·1 = 6.5; {11, 21, 31} and {11, 21, 22} score
# 6, {11, 12, 13} scores 3·(1 + 1/2 + 1/3) = 5.5. 6.5 is the best; {11, 13, 21} ties
# with it and comes later. Slate: 11, 12, 21.
#
# Picking the three most upvoted (11, 12, 13) would leave table 2 with nothing, though
# two people are a third of the room: EJR fails for ℓ = 1 (quota 1·6/3 = 2).
CANDIDATES = [11, 12, 13, 21, 22, 31]
ROOM = [
    *[Voter(1, frozenset({11, 12, 13}))] * 3,
    *[Voter(2, frozenset({21, 22}))] * 2,
    Voter(3, frozenset({31})),
]


def test_equal_shares_chooses_the_hand_worked_slate() -> None:
    slate = choose_slate(CANDIDATES, ROOM, 3, SlateRule.EQUAL_SHARES)
    assert slate.chosen == (11, 21, 12)
    assert slate.ejr.holds
    assert slate.serves == {11: (1,), 21: (2,), 12: (1,)}


def test_pav_chooses_the_hand_worked_slate() -> None:
    slate = choose_slate(CANDIDATES, ROOM, 3, SlateRule.PAV)
    assert slate.chosen == (11, 12, 21)
    assert slate.ejr.holds


def test_the_most_upvoted_three_fail_ejr_and_the_check_names_the_left_out_table() -> None:
    check = check_ejr(CANDIDATES, ROOM, (11, 12, 13), 3)
    assert not check.holds
    assert check.size == 1
    assert check.questions == (21,)
    assert check.tables == (2,)


def test_an_override_keeps_the_reason_checked_and_reports_what_ejr_it_loses() -> None:
    slate = checked_override(SlateRule.EQUAL_SHARES, CANDIDATES, ROOM, [13, 12, 11], "Tid")
    assert slate.chosen == (11, 12, 13)
    assert not slate.ejr.holds
    with pytest.raises(Refused, match="Say why"):
        checked_override(SlateRule.EQUAL_SHARES, CANDIDATES, ROOM, [11], "   ")
    with pytest.raises(Refused, match="Only questions in the queue"):
        checked_override(SlateRule.EQUAL_SHARES, CANDIDATES, ROOM, [99], "reason")


def test_a_slate_larger_than_the_questions_is_refused() -> None:
    with pytest.raises(Refused, match="from 1 to 6"):
        choose_slate(CANDIDATES, ROOM, 7, SlateRule.EQUAL_SHARES)
    with pytest.raises(Refused, match="from 1 to 6"):
        choose_slate(CANDIDATES, ROOM, 0, SlateRule.PAV)
    with pytest.raises(Refused, match="no questions"):
        choose_slate([], ROOM, 1, SlateRule.PAV)


def test_ties_go_to_the_question_sent_first() -> None:
    two_alike = [Voter(1, frozenset({5, 6})), Voter(2, frozenset({5, 6}))]
    assert choose_slate([6, 5], two_alike, 1, SlateRule.EQUAL_SHARES).chosen == (6,)
    assert choose_slate([5, 6], two_alike, 1, SlateRule.EQUAL_SHARES).chosen == (5,)
    assert choose_slate([6, 5], two_alike, 1, SlateRule.PAV).chosen == (6,)


# Generated profiles: the same answers as abcvoting, candidate by candidate.

profiles = st.integers(min_value=2, max_value=7).flatmap(
    lambda m: st.tuples(
        st.just(m),
        st.lists(
            st.frozensets(st.integers(0, m - 1), min_size=1, max_size=m), min_size=1, max_size=9
        ),
        st.integers(min_value=1, max_value=m),
    )
)


def _profile(m: int, ballots: list[frozenset[int]]) -> Profile:
    profile = Profile(m)
    profile.add_voters([set(b) for b in ballots])
    return profile


@settings(max_examples=150, deadline=None)
@given(profiles)
def test_equal_shares_matches_abcvoting(case: tuple[int, list[frozenset[int]], int]) -> None:
    m, ballots, k = case
    theirs = abcrules.compute(
        "equal-shares", _profile(m, ballots), k, resolute=True, algorithm="standard-fractions"
    )
    assert sorted(equal_shares(m, ballots, k)) == sorted(theirs[0])


@settings(max_examples=80, deadline=None)
@given(profiles)
def test_pav_is_abcvotings_first_optimal_slate(case: tuple[int, list[frozenset[int]], int]) -> None:
    m, ballots, k = case
    theirs = abcrules.compute(
        "pav", _profile(m, ballots), k, resolute=False, algorithm="brute-force"
    )
    ours = proportional_approval(m, ballots, k)
    assert pav_score(ballots, ours) == pav_score(ballots, theirs[0])
    assert tuple(sorted(ours)) == min(tuple(sorted(c)) for c in theirs)


@settings(max_examples=150, deadline=None)
@given(profiles, st.data())
def test_the_ejr_check_agrees_with_abcvoting(
    case: tuple[int, list[frozenset[int]], int], data: st.DataObject
) -> None:
    m, ballots, k = case
    committee = data.draw(st.frozensets(st.integers(0, m - 1), min_size=k, max_size=k))
    voters = [Voter(i % 3, b) for i, b in enumerate(ballots)]
    ours = check_ejr(list(range(m)), voters, committee, k)
    theirs = properties.check_EJR(_profile(m, ballots), committee, algorithm="brute-force")
    assert ours.holds == theirs


@settings(max_examples=60, deadline=None)
@given(profiles, st.sampled_from(list(SlateRule)))
def test_both_rules_always_give_ejr(
    case: tuple[int, list[frozenset[int]], int], rule: SlateRule
) -> None:
    m, ballots, k = case
    voters = [Voter(i % 3, b) for i, b in enumerate(ballots)]
    slate = choose_slate(list(range(m)), voters, k, rule)
    assert len(set(slate.chosen)) == k
    assert slate.ejr.holds
    assert properties.check_EJR(_profile(m, ballots), slate.chosen, algorithm="brute-force")
