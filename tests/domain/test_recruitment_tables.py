"""Diverse seating: mixes beat chance, rules hold, round two meets new people."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pytest

from facilitation.errors import Refused
from facilitation.recruitment.files import parse_people, parse_shares
from facilitation.recruitment.synthetic import synthetic_people_csv, synthetic_shares_csv
from facilitation.recruitment.tables import (
    Cluster,
    random_seating,
    seat_diverse,
    seat_late_arrival,
    seating_score,
)
from facilitation.recruitment.targets import targets_from_shares

FEATURES = ["gender", "age", "district", "education"]
TABLES = list(range(1, 16))
SEEDS = range(1, 9)
People = Mapping[str, Mapping[str, str]]


def _panel(size: int, seed: int) -> dict[str, dict[str, str]]:
    targets = targets_from_shares(parse_shares(synthetic_shares_csv()), size)
    parsed = parse_people(synthetic_people_csv(size, seed), targets, extra_columns=["language"])
    return {p.id: {**p.features, **parsed.extras[p.id]} for p in parsed.registrants}


@pytest.fixture(scope="module")
def panel() -> dict[str, dict[str, str]]:
    return _panel(118, seed=3)


def _sizes(seats: Mapping[str, int]) -> Counter[int]:
    return Counter(seats.values())


def test_diverse_seating_beats_random_seating_on_every_seed(panel: People) -> None:
    for seed in SEEDS:
        diverse = seat_diverse(panel, TABLES, diversify=FEATURES, seed=seed).score
        chance = seating_score(random_seating(panel, TABLES, seed), panel, FEATURES)
        assert diverse.distinct > chance.distinct
        assert diverse.deviation < chance.deviation


def test_every_present_person_gets_one_seat_and_sizes_differ_by_at_most_one(panel: People) -> None:
    seating = seat_diverse(panel, TABLES, diversify=FEATURES, seed=4)
    assert set(seating.seats) == set(panel)
    assert set(seating.seats.values()) == set(TABLES)
    sizes = _sizes(seating.seats)
    assert max(sizes.values()) - min(sizes.values()) <= 1


def test_the_same_seed_gives_the_same_plan_and_it_is_returned(panel: People) -> None:
    first = seat_diverse(panel, TABLES, diversify=FEATURES, seed=17)
    assert first.seed == 17
    assert seat_diverse(panel, TABLES, diversify=FEATURES, seed=17).seats == first.seats
    unseeded = seat_diverse(panel, TABLES, diversify=FEATURES)
    assert (
        seat_diverse(panel, TABLES, diversify=FEATURES, seed=unseeded.seed).seats == unseeded.seats
    )


def test_pinned_people_sit_at_their_table(panel: People) -> None:
    chosen = sorted(panel)[:5]
    pins = {chosen[0]: 3, chosen[1]: 3, chosen[2]: 9, chosen[3]: 15, chosen[4]: 1}
    for seed in SEEDS:
        seating = seat_diverse(panel, TABLES, diversify=FEATURES, pins=pins, seed=seed)
        assert all(seating.seats[key] == table for key, table in pins.items())


def test_a_cluster_sits_at_the_fewest_tables_that_hold_it(panel: People) -> None:
    english = [key for key, traits in panel.items() if traits["language"] == "English"]
    assert len(english) > 8  # more than one table's worth, so the rule is tested
    for seed in SEEDS:
        seating = seat_diverse(
            panel, TABLES, diversify=FEATURES, cluster=[Cluster("language", "English")], seed=seed
        )
        tables_used = {seating.seats[key] for key in english}
        assert len(tables_used) == -(-len(english) // (len(panel) // len(TABLES)))
        sizes = _sizes(seating.seats)
        assert max(sizes.values()) - min(sizes.values()) <= 1


def test_too_many_pins_on_one_table_are_refused(panel: People) -> None:
    pins = dict.fromkeys(sorted(panel)[:9], 2)
    with pytest.raises(Refused):
        seat_diverse(panel, TABLES, diversify=FEATURES, pins=pins, seed=1)


def test_round_two_meets_new_people_far_more_than_chance(panel: People) -> None:
    for seed in SEEDS:
        first = seat_diverse(panel, TABLES, diversify=FEATURES, seed=seed)
        second = seat_diverse(
            panel, TABLES, diversify=FEATURES, earlier_rounds=[first.seats], seed=seed
        )
        reshuffled = seating_score(
            random_seating(panel, TABLES, seed + 100), panel, FEATURES, [first.seats]
        )
        again = seating_score(first.seats, panel, FEATURES, [first.seats])
        assert second.score.repeats < reshuffled.repeats < again.repeats
        assert second.score.repeats <= 2
        assert second.score.distinct > reshuffled.distinct


def test_late_arrivals_get_the_smallest_best_table_and_nobody_moves(panel: People) -> None:
    keys = sorted(panel)
    latecomers, early = keys[:7], {key: panel[key] for key in keys[7:]}
    seating = seat_diverse(early, TABLES, diversify=FEATURES, seed=6)
    seats = dict(seating.seats)
    for key in latecomers:
        before = dict(seats)
        table = seat_late_arrival(key, panel[key], seats, panel, TABLES, diversify=FEATURES)
        assert _sizes(seats)[table] == min(_sizes(seats)[t] for t in TABLES)
        seats[key] = table
        assert {k: seats[k] for k in before} == before
        sizes = _sizes(seats)
        assert max(sizes.values()) - min(sizes.values()) <= 1


def test_a_late_arrival_goes_where_they_add_a_missing_value() -> None:
    people = {
        "a": {"age": "young"},
        "b": {"age": "young"},
        "c": {"age": "old"},
        "d": {"age": "young"},
        "new": {"age": "old"},
    }
    seats = {"c": 1, "d": 1, "a": 2, "b": 2}
    table = seat_late_arrival("new", people["new"], seats, people, [1, 2], diversify=["age"])
    assert table == 2  # table 1 already has someone old; on a tie it would win


def test_a_late_cluster_member_joins_their_cluster() -> None:
    people = {
        "a": {"age": "young", "language": "English"},
        "b": {"age": "old", "language": "norsk"},
        "c": {"age": "old", "language": "norsk"},
        "new": {"age": "old", "language": "English"},
    }
    seats = {"b": 1, "c": 1, "a": 2}
    cluster = [Cluster("language", "English")]
    table = seat_late_arrival(
        "new", people["new"], seats, people, [1, 2], diversify=["age"], cluster=cluster
    )
    assert table == 2  # with table 1 at the same size, and first in the room
