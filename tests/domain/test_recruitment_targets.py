"""Targets from population shares, representativeness figures, and replacement targets."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.recruitment.pool import Registrant, count_values
from facilitation.recruitment.replacement import remaining_targets
from facilitation.recruitment.representation import representation
from facilitation.recruitment.targets import (
    Target,
    normalised_shares,
    target_problems,
    targets_from_shares,
)


def test_shares_become_floor_and_ceiling_of_the_expected_count() -> None:
    shares = {"age": {"young": Fraction(22, 100), "old": Fraction(78, 100)}}
    targets = targets_from_shares(shares, 120)
    assert targets["age"]["young"] == Target(26, 27, 0, 120)  # 26.4 expected
    assert targets["age"]["old"] == Target(93, 94, 0, 120)  # 93.6 expected


def test_a_whole_expected_count_is_exact_and_slack_widens_it() -> None:
    shares = {"gender": {"female": Fraction(1, 2), "male": Fraction(1, 2)}}
    assert targets_from_shares(shares, 100)["gender"]["female"] == Target(50, 50, 0, 100)
    assert targets_from_shares(shares, 100, slack=2)["gender"]["female"] == Target(48, 52, 0, 100)


@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12).filter(any),
    st.integers(min_value=1, max_value=500),
)
def test_targets_from_shares_can_always_be_met_in_sum(weights: list[int], size: int) -> None:
    shares = normalised_shares({"f": {str(i): Fraction(w) for i, w in enumerate(weights)}})
    targets = targets_from_shares(shares, size)
    assert target_problems(targets, size) == []
    for value, target in targets["f"].items():
        assert target.min <= shares["f"][value] * size <= target.max
        assert target.max - target.min <= 1
    assert math.isclose(float(sum(shares["f"].values())), 1.0)


def test_impossible_sums_are_named() -> None:
    targets = {"age": {"young": Target(70, 80), "old": Target(60, 70)}}
    problems = target_problems(targets, 120)
    assert [str(p) for p in problems] == [
        "The minimums for age add up to 130, more than the panel of 120."
    ]


def test_representation_shows_shares_and_gaps_in_percentage_points() -> None:
    population = {"age": {"young": Fraction(1, 4), "old": Fraction(3, 4)}}
    pool = count_values([{"age": "young"}] * 10 + [{"age": "old"}] * 90, ["age"])
    selected = count_values([{"age": "young"}] * 5 + [{"age": "old"}] * 15, ["age"])
    rows = representation(population, pool, selected, count_values([], ["age"]))
    young = rows[0]
    assert (young.population, young.pool, young.selected) == (25.0, 10.0, 25.0)
    assert young.pool_gap == pytest.approx(-15.0)
    assert young.selected_gap == pytest.approx(0.0)
    assert young.present is None and young.present_gap is None
    assert rows[1].pool_gap == pytest.approx(15.0)


def test_replacement_targets_subtract_what_the_confirmed_already_cover() -> None:
    targets = {"age": {"young": Target(3, 5, 1, 8), "old": Target(5, 7)}}
    confirmed = [Registrant(f"c{i}", {"age": "young"}) for i in range(4)]
    remaining, seats, problems = remaining_targets(targets, 10, confirmed)
    assert seats == 6 and problems == []
    assert remaining["age"]["young"] == Target(0, 1, 0, 4)
    assert remaining["age"]["old"] == Target(5, 7)


def test_confirmed_members_beyond_a_maximum_are_reported() -> None:
    targets = {"age": {"young": Target(1, 2), "old": Target(8, 9)}}
    confirmed = [Registrant(f"c{i}", {"age": "young"}) for i in range(3)]
    _, _, problems = remaining_targets(targets, 10, confirmed)
    assert [str(p) for p in problems] == [
        "3 confirmed members have age: young, more than its maximum of 2."
    ]
