"""Diverse seating against random seating, over many seeds, and round two's new encounters.

    .venv/bin/python bench/seating_bench.py [--people 120] [--tables 15] [--seeds 30]

For each seed a synthetic panel is seated at random (shuffle and deal) and with
`seat_diverse`; both are scored on the same terms: distinct feature values per table
(higher is more mixed) and deviation from the panel's shares (lower is closer). Then
round two is seated from round one, diversely and at random, and the number of pairs
who meet for the first time is counted. Not a test: it prints the figures.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Mapping

from facilitation.recruitment.files import parse_people, parse_shares
from facilitation.recruitment.synthetic import synthetic_people_csv, synthetic_shares_csv
from facilitation.recruitment.tables import random_seating, seat_diverse, seating_score
from facilitation.recruitment.targets import targets_from_shares

FEATURES = ["gender", "age", "district", "education"]


def pairs(seats: Mapping[str, int]) -> int:
    sizes: dict[int, int] = {}
    for table in seats.values():
        sizes[table] = sizes.get(table, 0) + 1
    return sum(size * (size - 1) // 2 for size in sizes.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=120)
    parser.add_argument("--tables", type=int, default=15)
    parser.add_argument("--seeds", type=int, default=30)
    args = parser.parse_args()
    tables = list(range(1, args.tables + 1))
    rows: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        rows.setdefault(name, []).append(value)

    for seed in range(1, args.seeds + 1):
        targets = targets_from_shares(parse_shares(synthetic_shares_csv()), args.people)
        parsed = parse_people(synthetic_people_csv(args.people, seed), targets)
        panel = {p.id: dict(p.features) for p in parsed.registrants}
        chance = seating_score(random_seating(panel, tables, seed), panel, FEATURES)
        t0 = time.perf_counter()
        first = seat_diverse(panel, tables, diversify=FEATURES, seed=seed)
        add("seconds, round one", time.perf_counter() - t0)
        add("distinct values per table, random", chance.distinct / len(tables))
        add("distinct values per table, diverse", first.score.distinct / len(tables))
        add("deviation from panel shares per table, random", chance.deviation / len(tables))
        add("deviation from panel shares per table, diverse", first.score.deviation / len(tables))
        t0 = time.perf_counter()
        second = seat_diverse(
            panel, tables, diversify=FEATURES, earlier_rounds=[first.seats], seed=seed
        )
        add("seconds, round two", time.perf_counter() - t0)
        reshuffled = random_seating(panel, tables, seed + 10_000)
        again = seating_score(reshuffled, panel, FEATURES, [first.seats])
        add("round two: new pairs at tables, random", pairs(reshuffled) - again.repeats)
        add("round two: repeat pairs, random", again.repeats)
        add("round two: new pairs at tables, diverse", pairs(second.seats) - second.score.repeats)
        add("round two: repeat pairs, diverse", second.score.repeats)
        add("round two: distinct values per table, diverse", second.score.distinct / len(tables))

    print(f"{args.people} people at {args.tables} tables, {args.seeds} seeds (mean, min, max)")
    for name, values in rows.items():
        print(f"  {name:<48} {statistics.mean(values):8.2f} {min(values):8.2f} {max(values):8.2f}")


if __name__ == "__main__":
    main()
