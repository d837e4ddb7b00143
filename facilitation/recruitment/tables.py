"""Seating participants at tables so that every table is a small mix of the panel.

The point of a table is that people unlike each other talk, so each table should hold
as many different values of the chosen features (age group, district, education…) as
it can, in roughly the panel's proportions. The plan maximises one documented score:

    score = Σ_tables Σ_features distinct values at the table
            − 0.5 × Σ_tables Σ_features Σ_values |count − table size × panel share|
            − 3 × pairs who already shared a table in an earlier round

The first term rewards spreading rare values (three students at three tables rather
than one); the second keeps each table's mix near the panel's; the third, used from
the second round on, makes people meet new people and outweighs the others on
purpose. Hard rules come first: a pinned person sits where pinned; members of a
cluster (people who share a value such as a language, or who need the hearing loop)
sit only at the fewest tables that surely hold them; and table sizes differ by at
most one.

The method is a greedy start (pins, then clusters, then people with rare values
first, each at the table where they add most) followed by local search: moves and
swaps between tables that raise the score, until none does. Ties and the order of
the search come from a seeded generator, so a seed gives the same plan every time.

Why one module of this size: the score, the greedy start and the local search
work on one shared state (who sits where, counts per table and value) and are
tuned together; the score is only meaningful next to the moves that raise it.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from facilitation.errors import N_, Refused
from facilitation.recruitment.problems import Problem, problem

DISTINCT_WEIGHT = 1.0
DEVIATION_WEIGHT = 0.5
REPEAT_WEIGHT = 3.0
MAX_SWEEPS = 30
_EPSILON = 1e-9


@dataclass(frozen=True)
class Cluster:
    """People with this value sit together, at as few tables as can hold them."""

    feature: str
    value: str


@dataclass(frozen=True)
class SeatingScore:
    distinct: int
    deviation: float
    repeats: int

    @property
    def total(self) -> float:
        return (
            DISTINCT_WEIGHT * self.distinct
            - DEVIATION_WEIGHT * self.deviation
            - REPEAT_WEIGHT * self.repeats
        )


@dataclass(frozen=True)
class Seating:
    """Who sits where, the seed that reproduces it, and how it scores."""

    seats: Mapping[str, int]
    seed: int
    score: SeatingScore
    notes: tuple[Problem, ...] = ()


class _Room:
    """Counts per table kept up to date, so that a move is scored in constant time."""

    def __init__(
        self,
        people: Mapping[str, Mapping[str, str]],
        tables: Sequence[int],
        diversify: Sequence[str],
        earlier_rounds: Sequence[Mapping[str, int]],
    ) -> None:
        self.traits = people
        self.tables = list(tables)
        self.features = list(diversify)
        total = len(people)
        self.shares: dict[str, dict[str, float]] = {}
        for feature in self.features:
            counts = Counter(traits[feature] for traits in people.values())
            self.shares[feature] = {value: counts[value] / total for value in sorted(counts)}
        self.counts = {t: {f: Counter[str]() for f in self.features} for t in self.tables}
        self.size = dict.fromkeys(self.tables, 0)
        self.seat: dict[str, int] = {}
        self.partners: dict[str, set[str]] = {key: set() for key in people}
        for plan in earlier_rounds:
            at: dict[int, list[str]] = {}
            for key, table in plan.items():
                if key in people:
                    at.setdefault(table, []).append(key)
            for group in at.values():
                for key in group:
                    self.partners[key].update(other for other in group if other != key)
        self.met_at: dict[str, Counter[int]] = {key: Counter() for key in people}

    def place(self, key: str, table: int) -> None:
        self.seat[key] = table
        self.size[table] += 1
        for feature in self.features:
            self.counts[table][feature][self.traits[key][feature]] += 1
        for other in self.partners[key]:
            self.met_at[other][table] += 1

    def lift(self, key: str) -> int:
        table = self.seat.pop(key)
        self.size[table] -= 1
        for feature in self.features:
            self.counts[table][feature][self.traits[key][feature]] -= 1
        for other in self.partners[key]:
            self.met_at[other][table] -= 1
        return table

    def table_score(self, table: int) -> float:
        score = 0.0
        size = self.size[table]
        for feature in self.features:
            counts = self.counts[table][feature]
            for value, share in self.shares[feature].items():
                count = counts[value]
                if count:
                    score += DISTINCT_WEIGHT
                score -= DEVIATION_WEIGHT * abs(count - size * share)
        return score

    def _value_change(self, table: int, feature: str, gone: str, come: str) -> float:
        """Score change at `table` when one person with `gone` is replaced by one with `come`."""
        counts = self.counts[table][feature]
        size = self.size[table]
        shares = self.shares[feature]
        old_gone, old_come = counts[gone], counts[come]
        expect_gone, expect_come = size * shares[gone], size * shares[come]
        change = DISTINCT_WEIGHT * ((old_gone > 1) - (old_gone > 0) + 1 - (old_come > 0))
        change -= DEVIATION_WEIGHT * (
            abs(old_gone - 1 - expect_gone)
            - abs(old_gone - expect_gone)
            + abs(old_come + 1 - expect_come)
            - abs(old_come - expect_come)
        )
        return change

    def swap_gain(self, a: str, b: str) -> float:
        table_a, table_b = self.seat[a], self.seat[b]
        gain = 0.0
        for feature in self.features:
            value_a, value_b = self.traits[a][feature], self.traits[b][feature]
            if value_a != value_b:
                gain += self._value_change(table_a, feature, value_a, value_b)
                gain += self._value_change(table_b, feature, value_b, value_a)
        met_a, met_b = self.met_at[a], self.met_at[b]
        together = b in self.partners[a]
        repeats = (met_a[table_b] - together - met_a[table_a]) + (
            met_b[table_a] - together - met_b[table_b]
        )
        return gain - REPEAT_WEIGHT * repeats

    def move_gain(self, key: str, table: int) -> float:
        """Score change if `key` (seated) moves to `table`; sizes change, so recount both."""
        origin = self.seat[key]
        before = self.table_score(origin) + self.table_score(table)
        repeats_before = self.met_at[key][origin]
        self.lift(key)
        self.place(key, table)
        after = self.table_score(origin) + self.table_score(table)
        repeats_after = self.met_at[key][table]
        self.lift(key)
        self.place(key, origin)
        return after - before - REPEAT_WEIGHT * (repeats_after - repeats_before)

    def add_gain(self, key: str, table: int) -> float:
        """Score change if `key` (not seated) sits down at `table`."""
        before = self.table_score(table)
        self.place(key, table)
        after = self.table_score(table)
        repeats = self.met_at[key][table]
        self.lift(key)
        return after - before - REPEAT_WEIGHT * repeats


def seating_score(
    seats: Mapping[str, int],
    people: Mapping[str, Mapping[str, str]],
    diversify: Sequence[str],
    earlier_rounds: Sequence[Mapping[str, int]] = (),
) -> SeatingScore:
    """The plan's score terms (see module doc), computed from scratch."""
    seated = {key: people[key] for key in seats}
    tables = sorted(set(seats.values()))
    room = _Room(seated, tables, diversify, earlier_rounds)
    for key in sorted(seats):
        room.place(key, seats[key])
    distinct = 0
    deviation = 0.0
    for table in tables:
        for feature in room.features:
            counts = room.counts[table][feature]
            distinct += sum(1 for count in counts.values() if count)
            deviation += sum(
                abs(counts[value] - room.size[table] * share)
                for value, share in room.shares[feature].items()
            )
    repeats = sum(room.met_at[key][seats[key]] for key in seats) // 2
    return SeatingScore(distinct, deviation, repeats)


def random_seating(people: Iterable[str], tables: Sequence[int], seed: int) -> dict[str, int]:
    """Shuffle and deal round the tables: the baseline that diverse seating must beat."""
    order = sorted(people)
    random.Random(seed).shuffle(order)
    return {key: tables[index % len(tables)] for index, key in enumerate(order)}


def _check(
    people: Mapping[str, Mapping[str, str]],
    tables: Sequence[int],
    diversify: Sequence[str],
    pins: Mapping[str, int],
) -> None:
    if not tables:
        raise Refused(N_("This panel has no tables yet. Ask the organiser to add tables."))
    for key, table in pins.items():
        if key not in people:
            raise Refused(N_("%(person)s is pinned to a table but is not present."), person=key)
        if table not in tables:
            raise Refused(N_("There is no such table in this panel."))
    for feature in diversify:
        if any(feature not in traits for traits in people.values()):
            raise Refused(N_("Not everyone has a value for %(feature)s."), feature=feature)


def _sizes(count: int, tables: int) -> tuple[int, int, int]:
    """Smallest size, largest size, and how many tables have the largest."""
    low, extra = divmod(count, tables)
    return low, low + 1 if extra else low, extra


def seat_diverse(
    people: Mapping[str, Mapping[str, str]],
    tables: Sequence[int],
    *,
    diversify: Sequence[str],
    cluster: Sequence[Cluster] = (),
    pins: Mapping[str, int] | None = None,
    earlier_rounds: Sequence[Mapping[str, int]] = (),
    seed: int | None = None,
) -> Seating:
    """Seat everyone in `people` (see module doc for the score and the rules).

    `earlier_rounds` are earlier plans: pass round one's seats when reseating for round
    two, and pairs who met there count against the plan. `pins` map a person to the
    table they must sit at. A person in several clusters follows the first listed.
    """
    pins = dict(pins or {})
    _check(people, tables, diversify, pins)
    if seed is None:
        seed = secrets.randbits(63)
    rng = random.Random(seed)
    room = _Room(people, tables, diversify, earlier_rounds)
    low, high, big_tables = _sizes(len(people), len(tables))
    notes: list[Problem] = []

    pinned_count = Counter(pins.values())
    if any(count > high for count in pinned_count.values()) or (
        high > low and sum(1 for count in pinned_count.values() if count == high) > big_tables
    ):
        raise Refused(
            N_(
                "Too many people are pinned to one table to keep table sizes within one of "
                "each other."
            )
        )

    def has_room(table: int) -> bool:
        if room.size[table] < low:
            return True
        return (
            room.size[table] == low
            and high > low
            and sum(1 for t in tables if room.size[t] == high) < big_tables
        )

    for key in sorted(pins):
        room.place(key, pins[key])
    allowed = _cluster_tables(people, tables, cluster, pins, low or high, rng)

    def best_table(key: str, candidates: Sequence[int]) -> int | None:
        open_tables = [t for t in candidates if has_room(t)]
        if not open_tables:
            return None
        rng.shuffle(open_tables)
        return max(open_tables, key=lambda t: (room.add_gain(key, t), -room.size[t]))

    rarity = {key: sum(1 / room.shares[f][people[key][f]] for f in room.features) for key in people}
    free = sorted(key for key in people if key not in pins)
    rng.shuffle(free)
    free.sort(key=lambda key: (key not in allowed, -rarity[key]))
    for key in free:
        table = best_table(key, allowed.get(key, tables))
        if table is None:
            notes.append(
                problem(
                    N_(
                        "There was no room to seat %(person)s with their group; they sit elsewhere."
                    ),
                    person=key,
                )
            )
            table = best_table(key, tables)
            assert table is not None
        room.place(key, table)

    _improve(room, [key for key in sorted(people) if key not in pins], allowed, rng)
    seats = dict(sorted(room.seat.items()))
    return Seating(
        seats, seed, seating_score(seats, people, diversify, earlier_rounds), tuple(notes)
    )


def _cluster_tables(
    people: Mapping[str, Mapping[str, str]],
    tables: Sequence[int],
    cluster: Sequence[Cluster],
    pins: Mapping[str, int],
    capacity: int,
    rng: random.Random,
) -> dict[str, list[int]]:
    """The tables each cluster member may sit at: as few as surely hold the cluster.

    Tables where a member is pinned come first; then the tables with the fewest
    clustered people so far, so that two clusters do not crowd one table.
    """
    allowed: dict[str, list[int]] = {}
    load: dict[int, float] = dict.fromkeys(tables, 0.0)
    for group in cluster:
        members = [
            key
            for key in sorted(people)
            if key not in allowed and people[key].get(group.feature) == group.value
        ]
        if not members:
            continue
        needed = min(len(tables), math.ceil(len(members) / max(capacity, 1)))
        chosen = sorted({pins[key] for key in members if key in pins}, key=tables.index)
        rest = [t for t in tables if t not in chosen]
        rng.shuffle(rest)
        rest.sort(key=lambda t: load[t])
        chosen += rest[: max(0, needed - len(chosen))]
        for key in members:
            allowed[key] = chosen
        for table in chosen:
            load[table] += len(members) / len(chosen)
    return allowed


def _improve(
    room: _Room, movable: list[str], allowed: Mapping[str, Sequence[int]], rng: random.Random
) -> None:
    """Local search: take the best improving swap or move for each person, until none."""
    tables = room.tables

    def may_sit(key: str, table: int) -> bool:
        return key not in allowed or table in allowed[key]

    for _ in range(MAX_SWEEPS):
        improved = False
        order = list(movable)
        rng.shuffle(order)
        for a in order:
            table_a = room.seat[a]
            best_gain = _EPSILON
            best_move: tuple[str, str | int] | None = None
            for b in movable:
                table_b = room.seat[b]
                if table_b == table_a or not may_sit(a, table_b) or not may_sit(b, table_a):
                    continue
                gain = room.swap_gain(a, b)
                if gain > best_gain:
                    best_gain, best_move = gain, ("swap", b)
            smallest = min(room.size.values())
            if room.size[table_a] > smallest:
                for table in tables:
                    if room.size[table] == smallest and may_sit(a, table):
                        gain = room.move_gain(a, table)
                        if gain > best_gain:
                            best_gain, best_move = gain, ("move", table)
            if best_move is None:
                continue
            improved = True
            kind, target = best_move
            if kind == "swap":
                assert isinstance(target, str)
                table_b = room.lift(target)
                room.lift(a)
                room.place(a, table_b)
                room.place(target, table_a)
            else:
                assert isinstance(target, int)
                room.lift(a)
                room.place(a, target)
        if not improved:
            return


def seat_late_arrival(
    person: str,
    traits: Mapping[str, str],
    seats: Mapping[str, int],
    people: Mapping[str, Mapping[str, str]],
    tables: Sequence[int],
    *,
    diversify: Sequence[str],
    cluster: Sequence[Cluster] = (),
    earlier_rounds: Sequence[Mapping[str, int]] = (),
) -> int:
    """The table for someone who arrives after seating, moving nobody already seated.

    Among the tables with the fewest people (so sizes stay within one), the one where
    the newcomer raises the score most; the first in room order on a tie. A cluster
    member goes to the least full table where their cluster sits, even if that table is
    one larger: a language or a hearing loop matters more than an even count.
    """
    _check({**people, person: traits}, tables, diversify, {})
    everyone = {**{key: people[key] for key in seats}, person: traits}
    room = _Room(everyone, tables, diversify, earlier_rounds)
    for key in sorted(seats):
        room.place(key, seats[key])
    candidates = list(tables)
    for group in cluster:
        if traits.get(group.feature) == group.value:
            together = [
                t
                for t in tables
                if any(
                    seats_table == t and everyone[key].get(group.feature) == group.value
                    for key, seats_table in seats.items()
                )
            ]
            if together:
                candidates = together
            break
    smallest = min(room.size[t] for t in candidates)
    candidates = [t for t in candidates if room.size[t] == smallest]
    return max(candidates, key=lambda t: (room.add_gain(person, t), -tables.index(t)))
