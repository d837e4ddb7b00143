"""The Borda count: place i of n options gets n - 1 - i points, unranked options get 0."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from facilitation.ballots import borda
from facilitation.ballots.borda import Borda
from facilitation.ballots.ranking import RankingBallot

option_lists = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), min_size=1, max_size=7, unique=True
)


def ballots_of(groups: list[tuple[int, str]]) -> list[RankingBallot]:
    """Expand "5 voters rank A > C > B" written as (5, "ACB") into single ballots."""
    return [RankingBallot(tuple(order)) for count, order in groups for _ in range(count)]


def test_the_tennessee_capital_example_gives_nashville_194_points() -> None:
    """The textbook Borda example (Wikipedia, "Borda count"): 100 voters, four cities.

    42 Memphis > Nashville > Chattanooga > Knoxville, 26 N > C > K > M,
    15 C > K > N > M, 17 K > C > N > M; with 3, 2, 1, 0 points per place.
    """
    options = ("M", "N", "C", "K")
    ballots = ballots_of([(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")])
    result = borda.tally(Borda(), options, ballots)
    assert dict(result.totals) == {"M": 126, "N": 194, "C": 173, "K": 107}
    assert result.order == ("N", "C", "M", "K")
    assert result.winners == ("N",)
    assert result.ballots == 100


def test_truncated_ballots_score_only_their_ranked_options_as_a_full_ballot_would() -> None:
    """Four options: c>a gives c 3 and a 2; b alone gives b 3; a>b>c>d gives 3, 2, 1, 0."""
    options = ("a", "b", "c", "d")
    ballots = [RankingBallot(("c", "a")), RankingBallot(("b",)), RankingBallot(tuple("abcd"))]
    result = borda.tally(Borda(), options, ballots)
    assert dict(result.totals) == {"a": 5, "b": 5, "c": 4, "d": 0}
    assert result.tiers == (("a", "b"), ("c",), ("d",))
    assert result.winners == ("a", "b")


def test_points_depend_on_the_number_of_options_not_on_the_number_of_places() -> None:
    options = tuple("abcdefghij")
    result = borda.tally(Borda(top=3), options, [RankingBallot(("j", "a", "e"))])
    assert (result.totals["j"], result.totals["a"], result.totals["e"]) == (9, 8, 7)


def test_abstentions_count_as_ballots_but_give_no_points() -> None:
    result = borda.tally(
        Borda(allow_abstain=True), ("a", "b"), [RankingBallot(()), RankingBallot(("b",))]
    )
    assert (result.ballots, result.abstentions) == (2, 1)
    assert dict(result.totals) == {"a": 0, "b": 1}


@st.composite
def rankings(draw: st.DrawFn, options: list[str], full: bool) -> tuple[str, ...]:
    order = draw(st.permutations(options))
    return tuple(order if full else order[: draw(st.integers(0, len(options)))])


@given(options=option_lists, data=st.data())
def test_full_rankings_hand_out_n_times_n_minus_1_over_2_points_per_ballot(
    options: list[str], data: st.DataObject
) -> None:
    ballots = [RankingBallot(r) for r in data.draw(st.lists(rankings(options, True), max_size=30))]
    result = borda.tally(Borda(), options, ballots)
    n = len(options)
    assert sum(result.totals.values()) == len(ballots) * n * (n - 1) // 2


@given(options=option_lists, data=st.data())
def test_truncated_rankings_hand_out_the_points_of_their_ranked_places(
    options: list[str], data: st.DataObject
) -> None:
    ballots = [RankingBallot(r) for r in data.draw(st.lists(rankings(options, False), max_size=30))]
    result = borda.tally(Borda(allow_abstain=True), options, ballots)
    n = len(options)
    # m ranked places hand out (n-1) + (n-2) + ... + (n-m) points.
    expected = sum(
        len(b.ranking) * (n - 1) - len(b.ranking) * (len(b.ranking) - 1) // 2 for b in ballots
    )
    assert sum(result.totals.values()) == expected


@given(options=option_lists, data=st.data())
def test_the_order_of_voters_does_not_change_the_result(
    options: list[str], data: st.DataObject
) -> None:
    ballots = [RankingBallot(r) for r in data.draw(st.lists(rankings(options, False), max_size=30))]
    shuffled = data.draw(st.permutations(ballots))
    config = Borda(allow_abstain=True)
    assert borda.tally(config, options, shuffled) == borda.tally(config, options, ballots)


@given(options=option_lists, data=st.data())
def test_the_order_lists_higher_totals_first_and_ties_in_ballot_order(
    options: list[str], data: st.DataObject
) -> None:
    ballots = [RankingBallot(r) for r in data.draw(st.lists(rankings(options, False), max_size=20))]
    result = borda.tally(Borda(allow_abstain=True), options, ballots)
    for earlier, later in zip(result.order, result.order[1:], strict=False):
        assert result.totals[earlier] > result.totals[later] or (
            result.totals[earlier] == result.totals[later]
            and options.index(earlier) < options.index(later)
        )
