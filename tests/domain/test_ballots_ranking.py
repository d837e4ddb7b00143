"""Ranked ballots: places filled from 1 without gaps, each option once, full or top k."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.ballots import ranking
from facilitation.ballots.borda import Borda
from facilitation.ballots.ranking import RankedVote, RankingBallot
from facilitation.ballots.schulze import Schulze
from facilitation.errors import Refused

Raw = dict[str, str | list[str]]

OPTIONS = ("a", "b", "c", "d")

option_lists = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), min_size=1, max_size=6, unique=True
)


@st.composite
def valid_cases(draw: st.DrawFn) -> tuple[list[str], RankedVote, tuple[str, ...], Raw]:
    """Options, a config, the ranking a voter means, and a form that says so."""
    options = draw(option_lists)
    top = draw(st.none() | st.integers(1, len(options) + 1))
    places = len(options) if top is None else min(top, len(options))
    complete = draw(st.booleans())
    length = places if complete else draw(st.integers(1, places))
    meant = tuple(draw(st.permutations(options))[:length])
    counting = draw(st.sampled_from([Borda, Schulze]))
    config = counting(top=top, complete=complete, allow_abstain=draw(st.booleans()))
    raw: Raw = {f"rank:{place}": option for place, option in enumerate(meant, start=1)}
    for place in range(length + 1, places + 1):
        if draw(st.booleans()):
            raw[f"rank:{place}"] = ""
    return options, config, meant, raw


@st.composite
def broken_cases(draw: st.DrawFn) -> tuple[list[str], RankedVote, Raw, str]:
    """Change a valid case so that exactly one rule is broken; return the expected message."""
    options, config, meant, raw = draw(valid_cases())
    open_config = Borda(top=config.top)
    places = config.places(options)
    breakers: list[Callable[[], tuple[RankedVote, Raw, str]]] = [
        lambda: (
            config,
            {**raw, "rank:1": "NOT-AN-OPTION"},
            "There is no option %(given)s on this ballot. Reload the page to see the options.",
        ),
        lambda: (
            config,
            {**raw, f"rank:{draw(st.sampled_from(['0', '-1', 'x', '1.5', '01']))}": meant[0]},
            "There is no place %(place)s on this ballot.",
        ),
        lambda: (
            config,
            {**raw, f"rank:{places + 1}": meant[0]},
            "You can rank at most %(max)s options.",
        ),
        lambda: (
            config,
            {**raw, "rank:1": [meant[0], meant[0] + "x"]},
            "Put only one option in place %(place)s.",
        ),
        lambda: (Borda(), {}, "Put at least one of the options in place 1."),
        lambda: (Borda(), {"abstain": "1"}, "This vote does not allow abstaining."),
        lambda: (
            Schulze(allow_abstain=True),
            {**raw, "abstain": "yes"},
            "You asked to abstain but also filled in the ballot. Do one or the other.",
        ),
    ]
    if len(meant) >= 2:
        breakers.append(
            lambda: (
                open_config,
                {**raw, "rank:2": meant[0]},
                "You ranked %(option)s more than once. Give each option one place.",
            )
        )
        breakers.append(
            lambda: (
                open_config,
                {**raw, "rank:1": ""},
                "Place %(missing)s is empty, but place %(later)s is filled. "
                "Fill the places in order, starting with 1.",
            )
        )
    if places >= 2:
        breakers.append(
            lambda: (
                type(config)(top=config.top, complete=True),
                {"rank:1": meant[0]},
                "Fill all %(places)s places; you have filled %(filled)s.",
            )
        )
    broken_config, broken_raw, message = draw(st.sampled_from(breakers))()
    return options, broken_config, broken_raw, message


@given(valid_cases())
def test_every_valid_ranking_is_accepted_in_the_order_meant(
    case: tuple[list[str], RankedVote, tuple[str, ...], Raw],
) -> None:
    options, config, meant, raw = case
    assert ranking.parse(config, options, raw) == RankingBallot(meant)


@given(broken_cases())
def test_every_ballot_that_breaks_one_rule_is_refused_with_that_rules_message(
    case: tuple[list[str], RankedVote, Raw, str],
) -> None:
    options, broken_config, broken_raw, message = case
    with pytest.raises(Refused) as refused:
        ranking.parse(broken_config, options, broken_raw)
    assert refused.value.message == message


def test_a_gap_names_the_empty_place_and_the_filled_one_after_it() -> None:
    with pytest.raises(Refused) as refused:
        ranking.parse(Borda(), OPTIONS, {"rank:1": "c", "rank:2": "", "rank:3": "a"})
    assert refused.value.params == {"missing": 2, "later": 3}


def test_a_repeat_names_the_option_ranked_twice() -> None:
    with pytest.raises(Refused) as refused:
        ranking.parse(Borda(), OPTIONS, {"rank:1": "c", "rank:2": "a", "rank:3": "c"})
    assert refused.value.params == {"option": "c"}


def test_places_are_read_in_number_order_whatever_order_the_fields_come_in() -> None:
    raw = {"rank:10": "", "rank:3": "d", "rank:1": "b", "rank:2": "a"}
    assert ranking.parse(Schulze(), OPTIONS, raw).ranking == ("b", "a", "d")


def test_a_top_k_ballot_has_k_places() -> None:
    with pytest.raises(Refused) as refused:
        ranking.parse(Schulze(top=2), OPTIONS, {"rank:1": "b", "rank:2": "a", "rank:3": "c"})
    assert refused.value.params == {"max": 2}


def test_a_complete_top_k_ballot_needs_exactly_k_options() -> None:
    config = Borda(top=2, complete=True)
    assert ranking.parse(config, OPTIONS, {"rank:1": "b", "rank:2": "a"}).ranking == ("b", "a")
    with pytest.raises(Refused) as refused:
        ranking.parse(config, OPTIONS, {"rank:1": "b"})
    assert refused.value.params == {"places": 2, "filled": 1}


def test_an_empty_ranking_is_an_abstention_where_abstaining_is_allowed() -> None:
    assert ranking.parse(Borda(allow_abstain=True), OPTIONS, {"rank:1": ""}).abstained


def test_the_organiser_cannot_allow_fewer_than_one_place() -> None:
    with pytest.raises(Refused):
        Schulze(top=0)
