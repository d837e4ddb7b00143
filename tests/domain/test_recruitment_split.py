"""Participants and control group: alike on the strata, and the same for the same seed."""

from __future__ import annotations

import random
from collections import Counter
from fractions import Fraction

import pytest

from facilitation.errors import Refused
from facilitation.recruitment.balance import differences, largest_imbalance, standardised_difference
from facilitation.recruitment.files import parse_people, parse_shares
from facilitation.recruitment.split import split_arms
from facilitation.recruitment.synthetic import synthetic_people_csv, synthetic_shares_csv
from facilitation.recruitment.targets import targets_from_shares

FEATURES = ["gender", "age", "district", "education"]


@pytest.fixture(scope="module")
def registrants() -> dict[str, dict[str, str]]:
    targets = targets_from_shares(parse_shares(synthetic_shares_csv()), 240)
    parsed = parse_people(synthetic_people_csv(240, seed=11), targets)
    return {p.id: dict(p.features) for p in parsed.registrants}


def test_the_smd_of_proportions_follows_the_textbook_formula() -> None:
    assert standardised_difference(0.5, 0.3) == pytest.approx(0.2 / ((0.25 + 0.21) / 2) ** 0.5)
    assert standardised_difference(0.0, 0.0) == 0.0


def test_a_stratified_split_is_balanced_on_every_value(
    registrants: dict[str, dict[str, str]],
) -> None:
    for seed in range(1, 11):
        split = split_arms(registrants, FEATURES, seed=seed)
        assert largest_imbalance(split.balance) < 0.1


def test_a_stratified_split_beats_a_coin_flip(registrants: dict[str, dict[str, str]]) -> None:
    stratified, flipped = [], []
    for seed in range(1, 21):
        stratified.append(largest_imbalance(split_arms(registrants, FEATURES, seed=seed).balance))
        rng = random.Random(seed)
        keys = sorted(registrants)
        rng.shuffle(keys)
        half = len(keys) // 2
        flipped.append(
            largest_imbalance(
                differences(
                    (registrants[k] for k in keys[:half]),
                    (registrants[k] for k in keys[half:]),
                    FEATURES,
                )
            )
        )
    assert sum(stratified) < sum(flipped) / 2


def test_each_stratum_splits_as_evenly_as_its_size_allows(
    registrants: dict[str, dict[str, str]],
) -> None:
    split = split_arms(registrants, ["gender"], seed=3)
    control = set(split.control)
    for value in {traits["gender"] for traits in registrants.values()}:
        members = [k for k, traits in registrants.items() if traits["gender"] == value]
        in_control = sum(1 for k in members if k in control)
        assert abs(2 * in_control - len(members)) <= 1
    assert abs(len(split.participants) - len(split.control)) <= 1
    assert set(split.participants) | control == set(registrants)
    assert not set(split.participants) & control


def test_a_smaller_control_group_keeps_its_share(registrants: dict[str, dict[str, str]]) -> None:
    split = split_arms(registrants, FEATURES, seed=3, control_share=Fraction(1, 3))
    assert abs(len(split.control) - len(registrants) / 3) <= 1


def test_the_same_seed_gives_the_same_split(registrants: dict[str, dict[str, str]]) -> None:
    first = split_arms(registrants, FEATURES, seed=42)
    assert split_arms(registrants, FEATURES, seed=42) == first
    assert split_arms(registrants, FEATURES, seed=43).control != first.control
    unseeded = split_arms(registrants, FEATURES)
    assert split_arms(registrants, FEATURES, seed=unseeded.seed) == unseeded


def test_a_split_on_a_missing_feature_is_refused(registrants: dict[str, dict[str, str]]) -> None:
    with pytest.raises(Refused):
        split_arms(registrants, ["income"], seed=1)


def test_balance_rows_cover_every_value_of_each_feature(
    registrants: dict[str, dict[str, str]],
) -> None:
    split = split_arms(registrants, ["age"], seed=1)
    values = Counter(row.feature for row in split.balance)
    assert values == {"age": 4}
