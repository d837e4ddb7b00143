"""The Schulze method: pairwise counts, strongest paths, the order and its ties."""

from __future__ import annotations

from itertools import pairwise, permutations

from hypothesis import assume, given
from hypothesis import strategies as st

from facilitation.ballots import schulze
from facilitation.ballots.ranking import RankingBallot
from facilitation.ballots.schulze import SCHULZE_TIE_BREAK, Schulze, SchulzeResult

CONFIG = Schulze(allow_abstain=True)

option_lists = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,3}", fullmatch=True), min_size=1, max_size=5, unique=True
)


def ballots_of(groups: list[tuple[int, str]]) -> list[RankingBallot]:
    """Expand "5 voters rank A > C > B" written as (5, "ACB") into single ballots."""
    return [RankingBallot(tuple(order)) for count, order in groups for _ in range(count)]


def test_the_45_voter_example_of_the_literature_ranks_e_a_c_b_d() -> None:
    """Schulze's example (also on Wikipedia, "Schulze method"): 45 voters, 5 candidates."""
    ballots = ballots_of(
        [
            (5, "ACBED"),
            (5, "ADECB"),
            (8, "BEDAC"),
            (3, "CABED"),
            (7, "CAEBD"),
            (2, "CBADE"),
            (7, "DCEBA"),
            (8, "EBADC"),
        ]
    )
    result = schulze.tally(CONFIG, "ABCDE", ballots)
    assert result.pairwise == (
        (0, 20, 26, 30, 22),
        (25, 0, 16, 33, 18),
        (19, 29, 0, 17, 24),
        (15, 12, 28, 0, 14),
        (23, 27, 21, 31, 0),
    )
    assert result.strongest == (
        (0, 28, 28, 30, 24),
        (25, 0, 28, 33, 24),
        (25, 29, 0, 29, 24),
        (25, 28, 28, 0, 24),
        (25, 28, 28, 31, 0),
    )
    assert result.order == ("E", "A", "C", "B", "D")
    assert result.tiers == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.winners == ("E",)
    assert result.ballots == 45


def test_a_21_voter_example_worked_by_hand_elects_d_without_a_condorcet_winner() -> None:
    """8 A>C>D>B, 2 B>A>D>C, 4 C>D>B>A, 4 D>B>A>C, 3 D>C>B>A.

    Pairwise wins: B>A 13:8, A>C 14:7, D>A 11:10, C>B 15:6, D>B 19:2, C>D 12:9, so
    every option loses once. Strongest paths: D>B>A 13 beats A>C>D 12, D>B>A>C 13
    beats C>D 12, A>C>B 14 beats B>A 13, and so on: D > A > C > B.
    """
    ballots = ballots_of([(8, "ACDB"), (2, "BADC"), (4, "CDBA"), (4, "DBAC"), (3, "DCBA")])
    result = schulze.tally(CONFIG, "ABCD", ballots)
    assert result.pairwise == ((0, 8, 14, 10), (13, 0, 6, 2), (7, 15, 0, 12), (11, 19, 9, 0))
    assert result.strongest == ((0, 14, 14, 12), (13, 0, 13, 12), (13, 15, 0, 12), (13, 19, 13, 0))
    assert result.order == ("D", "A", "C", "B")


def test_a_perfect_cycle_is_a_tie_listed_in_ballot_order_with_the_rule_stated() -> None:
    ballots = ballots_of([(1, "ABC"), (1, "BCA"), (1, "CAB")])
    forward = schulze.tally(CONFIG, "ABC", ballots)
    assert forward.tiers == (("A", "B", "C"),)
    assert forward.winners == ("A", "B", "C")
    assert forward.tie_break == SCHULZE_TIE_BREAK
    assert schulze.tally(CONFIG, "CBA", ballots).order == ("C", "B", "A")


def test_ranked_options_beat_unranked_ones_and_unranked_pairs_say_nothing() -> None:
    result = schulze.tally(CONFIG, "abc", [RankingBallot(("b",))])
    assert result.preferring("b", "a") == result.preferring("b", "c") == 1
    assert result.preferring("a", "c") == result.preferring("c", "a") == 0
    assert result.preferring("a", "b") == 0
    assert result.tiers == (("b",), ("a", "c"))


def test_nobody_wins_when_every_ballot_abstains() -> None:
    result = schulze.tally(CONFIG, "abc", [RankingBallot(())])
    assert (result.ballots, result.abstentions, result.winners) == (1, 1, ())


def prefers(ranking: tuple[str, ...], a: str, b: str) -> bool:
    """Written apart from the code under test: a above b, or a ranked and b not."""
    if a not in ranking:
        return False
    return b not in ranking or ranking.index(a) < ranking.index(b)


def condorcet_winner(options: list[str], rankings: list[tuple[str, ...]]) -> str | None:
    for a in options:
        if all(
            sum(prefers(r, a, b) for r in rankings) > sum(prefers(r, b, a) for r in rankings)
            for b in options
            if b != a
        ):
            return a
    return None


def widest_paths_by_brute_force(
    options: list[str], rankings: list[tuple[str, ...]]
) -> dict[tuple[str, str], int]:
    """Try every simple path; a link x→y exists when more voters prefer x to y than y to x."""
    d = {(a, b): sum(prefers(r, a, b) for r in rankings) for a in options for b in options}
    link = {(a, b): d[a, b] if d[a, b] > d[b, a] else 0 for a in options for b in options}
    best = dict.fromkeys(((a, b) for a in options for b in options if a != b), 0)
    for length in range(2, len(options) + 1):
        for path in permutations(options, length):
            strength = min(link[x, y] for x, y in pairwise(path))
            key = (path[0], path[-1])
            best[key] = max(best[key], strength)
    return best


@st.composite
def elections(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, ...]]]:
    options = draw(option_lists)
    rankings = draw(
        st.lists(
            st.permutations(options).flatmap(
                lambda order: st.integers(1, len(order)).map(lambda k: tuple(order[:k]))
            ),
            min_size=1,
            max_size=15,
        )
    )
    return options, rankings


@given(elections())
def test_a_condorcet_winner_always_wins_alone(
    election: tuple[list[str], list[tuple[str, ...]]],
) -> None:
    options, rankings = election
    winner = condorcet_winner(options, rankings)
    assume(winner is not None)
    result = schulze.tally(CONFIG, options, [RankingBallot(r) for r in rankings])
    assert result.winners == (winner,)
    assert result.order[0] == winner


@given(elections())
def test_strongest_paths_match_a_brute_force_search_of_every_path(
    election: tuple[list[str], list[tuple[str, ...]]],
) -> None:
    options, rankings = election
    result = schulze.tally(CONFIG, options, [RankingBallot(r) for r in rankings])
    expected = widest_paths_by_brute_force(options, rankings)
    for (a, b), strength in expected.items():
        assert result.path_strength(a, b) == strength


@given(elections())
def test_the_order_never_puts_an_option_below_one_it_beats(
    election: tuple[list[str], list[tuple[str, ...]]],
) -> None:
    options, rankings = election
    result = schulze.tally(CONFIG, options, [RankingBallot(r) for r in rankings])
    p = widest_paths_by_brute_force(options, rankings)
    unbeaten = [a for a in options if all(p[a, b] >= p[b, a] for b in options if b != a)]
    assert result.winners == tuple(unbeaten)
    for i, earlier in enumerate(result.order):
        for later in result.order[i + 1 :]:
            assert not p[later, earlier] > p[earlier, later]
    layer = {o: n for n, layer in enumerate(result.layers) for o in layer}
    for tier in result.tiers:
        assert list(tier) == sorted(tier, key=lambda o: (layer[o], options.index(o)))


@given(elections())
def test_an_option_is_placed_above_another_only_if_it_beats_it_on_strongest_paths(
    election: tuple[list[str], list[tuple[str, ...]]],
) -> None:
    options, rankings = election
    result = schulze.tally(CONFIG, options, [RankingBallot(r) for r in rankings])
    p = widest_paths_by_brute_force(options, rankings)
    assert sorted(o for place in result.tiers for o in place) == sorted(options)
    for i, upper in enumerate(result.tiers):
        for lower in result.tiers[i + 1 :]:
            for a in upper:
                for b in lower:
                    assert p[a, b] > p[b, a], (a, b, result.tiers)


def test_options_the_method_leaves_undecided_share_a_place_even_below_the_winner() -> None:
    # C beats everyone; D beats B; A ties D and B head to head and has no path past them.
    result = schulze.tally(CONFIG, "ABCD", ballots_of([(1, "CDBA"), (1, "CADB")]))
    assert result.winners == ("C",)
    assert result.beats("D", "B") and not result.beats("A", "B") and not result.beats("B", "A")
    assert result.tiers == (("C",), ("A", "D", "B"))  # not C, A D, B: A does not beat B
    assert result.order == ("C", "A", "D", "B")  # D before B, which it beats


def test_a_shared_first_place_lists_the_winners_before_the_options_they_beat() -> None:
    # B and C are unbeaten; B beats A and D, A beats D, but C is undecided against all.
    result = schulze.tally(CONFIG, "ABCD", ballots_of([(1, "C"), (1, "BADC")]))
    assert result.winners == ("B", "C")
    assert result.tiers == (("B", "C", "A", "D"),)


@given(elections(), st.data())
def test_the_order_of_voters_does_not_change_the_result(
    election: tuple[list[str], list[tuple[str, ...]]], data: st.DataObject
) -> None:
    options, rankings = election
    ballots = [RankingBallot(r) for r in rankings]
    shuffled = data.draw(st.permutations(ballots))
    assert schulze.tally(CONFIG, options, shuffled) == schulze.tally(CONFIG, options, ballots)


def test_a_frozen_record_rebuilds_the_same_result() -> None:
    ballots = ballots_of([(3, "ABC"), (2, "CBA"), (1, "B")])
    result = schulze.tally(CONFIG, "ABC", ballots)
    rebuilt = SchulzeResult.from_dict(result.to_dict())
    assert rebuilt == result
    assert rebuilt.order == result.order
    # The places are recomputed by today's rule, so a record frozen earlier says today's.
    earlier = {**result.to_dict(), "tie_break": "Options that no other option beats share a place."}
    assert SchulzeResult.from_dict(earlier).tie_break == SCHULZE_TIE_BREAK
