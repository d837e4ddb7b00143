"""Dot voting: a budget of whole points spread over options, optionally capped per option."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.ballots import dots
from facilitation.ballots.dots import DotBallot, DotVoting
from facilitation.errors import Refused

Raw = dict[str, str | list[str]]

OPTIONS = ("benches", "lights", "trees")

option_lists = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), min_size=1, max_size=6, unique=True
)


@st.composite
def valid_cases(draw: st.DrawFn) -> tuple[list[str], DotVoting, dict[str, int], Raw]:
    """Options, a config, the points a voter means, and a form that says so.

    Points are drawn as dots placed one at a time, then capped per option, so every
    spread within the rules can come up, including spending less than the budget.
    """
    options = draw(option_lists)
    budget = draw(st.integers(1, 12))
    cap = draw(st.none() | st.integers(1, budget + 2))
    placed = Counter(draw(st.lists(st.sampled_from(options), min_size=1, max_size=budget)))
    points = {option: min(count, cap or count) for option, count in placed.items()}
    raw: Raw = {}
    for option in options:
        value = points.get(option, 0)
        if value or draw(st.booleans()):
            raw[f"points:{option}"] = draw(st.sampled_from(["{}", " {} ", "{} "])).format(value)
    config = DotVoting(budget=budget, max_per_option=cap, allow_abstain=draw(st.booleans()))
    return options, config, points, raw


@st.composite
def broken_cases(draw: st.DrawFn) -> tuple[list[str], DotVoting, Raw, str]:
    """Change a valid case so that exactly one rule is broken; return the expected message."""
    options, config, _, raw = draw(valid_cases())
    victim = f"points:{draw(st.sampled_from(options))}"
    strict = DotVoting(budget=config.budget, max_per_option=config.max_per_option)
    breakers: list[Callable[[], tuple[DotVoting, Raw, str]]] = [
        lambda: (
            config,
            {**raw, "points:NOT-AN-OPTION": "1"},
            "There is no option %(given)s on this ballot. Reload the page to see the options.",
        ),
        lambda: (
            config,
            {**raw, victim: draw(st.sampled_from(["1.5", "2,0", "two", "1e3", "½", "٣"]))},
            "Give %(option)s a whole number of points, like 0, 1 or 2.",
        ),
        lambda: (
            config,
            {**raw, victim: str(-draw(st.integers(1, 99)))},
            "Points cannot be negative. Check the points for %(option)s.",
        ),
        lambda: (
            config,
            {**raw, victim: ["1", "2"]},
            "Give only one number of points to %(option)s.",
        ),
        lambda: (strict, {}, "Give at least one point to one of the options."),
        lambda: (
            strict,
            {f"points:{option}": "0" for option in options},
            "Give at least one point to one of the options.",
        ),
        lambda: (strict, {"abstain": "1"}, "This vote does not allow abstaining."),
        lambda: (
            DotVoting(
                budget=config.budget, max_per_option=config.max_per_option, allow_abstain=True
            ),
            {**raw, "abstain": "1"},
            "You asked to abstain but also filled in the ballot. Do one or the other.",
        ),
    ]
    if config.max_per_option is not None:
        too_many = str(config.max_per_option + 1)
        breakers.append(
            lambda: (
                config,
                {**raw, victim: too_many},
                "One option can get at most %(max)s points, and you gave %(option)s %(points)s.",
            )
        )
    cap = config.max_per_option or config.budget + 1
    if cap * len(options) > config.budget:
        over: Raw = {}
        left = config.budget + 1
        for option in options:
            over[f"points:{option}"] = str(min(cap, left))
            left -= min(cap, left)
        breakers.append(
            lambda: (
                config,
                over,
                "You have %(budget)s points and gave %(spent)s. Take away %(over)s.",
            )
        )
    broken_config, broken_raw, message = draw(st.sampled_from(breakers))()
    return options, broken_config, broken_raw, message


@given(valid_cases())
def test_every_valid_dot_ballot_is_accepted_as_meant(
    case: tuple[list[str], DotVoting, dict[str, int], Raw],
) -> None:
    options, config, points, raw = case
    ballot = dots.parse(config, options, raw)
    assert dict(ballot.points) == points
    assert ballot.spent <= config.budget


@given(broken_cases())
def test_every_ballot_that_breaks_one_rule_is_refused_with_that_rules_message(
    case: tuple[list[str], DotVoting, Raw, str],
) -> None:
    options, broken_config, broken_raw, message = case
    with pytest.raises(Refused) as refused:
        dots.parse(broken_config, options, broken_raw)
    assert refused.value.message == message


def test_spending_less_than_the_budget_is_allowed() -> None:
    ballot = dots.parse(DotVoting(budget=10), OPTIONS, {"points:trees": "3", "points:lights": ""})
    assert ballot.points == (("trees", 3),)


def test_over_budget_says_how_many_points_to_take_away() -> None:
    raw = {"points:benches": "4", "points:lights": "4", "points:trees": "4"}
    with pytest.raises(Refused) as refused:
        dots.parse(DotVoting(budget=10), OPTIONS, raw)
    assert refused.value.params == {"budget": 10, "spent": 12, "over": 2}


def test_too_many_on_one_option_names_the_option_and_the_cap() -> None:
    with pytest.raises(Refused) as refused:
        dots.parse(DotVoting(budget=10, max_per_option=3), OPTIONS, {"points:trees": "4"})
    assert refused.value.params == {"max": 3, "option": "trees", "points": 4}


def test_zero_points_is_an_abstention_where_abstaining_is_allowed() -> None:
    config = DotVoting(budget=5, allow_abstain=True)
    assert dots.parse(config, OPTIONS, {"points:trees": "0"}).abstained
    assert dots.parse(config, OPTIONS, {"points:trees": "0", "abstain": "1"}).abstained


def test_the_organiser_cannot_set_a_budget_or_cap_below_one() -> None:
    with pytest.raises(Refused):
        DotVoting(budget=0)
    with pytest.raises(Refused):
        DotVoting(budget=10, max_per_option=0)


def test_points_are_added_up_per_option() -> None:
    ballots = [
        DotBallot((("lights", 2), ("trees", 3))),
        DotBallot((("trees", 5),)),
        DotBallot(()),
    ]
    result = dots.tally(DotVoting(budget=5, allow_abstain=True), OPTIONS, ballots)
    assert dict(result.totals) == {"benches": 0, "lights": 2, "trees": 8}
    assert (result.ballots, result.abstentions) == (3, 1)
    assert result.order == ("trees", "lights", "benches")


@given(options=option_lists, data=st.data())
def test_totals_equal_the_points_cast_and_do_not_depend_on_voter_order(
    options: list[str], data: st.DataObject
) -> None:
    config = DotVoting(budget=10, allow_abstain=True)
    spreads = data.draw(
        st.lists(st.lists(st.sampled_from(options), max_size=10).map(Counter), max_size=20)
    )
    ballots = [
        dots.parse(config, options, {f"points:{option}": str(n) for option, n in spread.items()})
        for spread in spreads
    ]
    result = dots.tally(config, options, ballots)
    assert sum(result.totals.values()) == sum(sum(spread.values()) for spread in spreads)
    for option in options:
        assert result.totals[option] == sum(spread[option] for spread in spreads)
    assert result.abstentions == sum(1 for spread in spreads if not spread)
    shuffled = data.draw(st.permutations(ballots))
    assert dots.tally(config, options, shuffled) == result
