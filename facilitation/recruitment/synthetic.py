"""A made-up candidate pool for rehearsals, tests and benchmarks.

Real pools are skewed: the people who answer an invitation letter are older, more
educated and more often women than the population, and some households answer twice.
A rehearsal with a uniform pool would hide exactly the cases where quotas bite, so
this pool is skewed the same way (the weights below are illustrative, not measured).
Everything is seeded and written as the organiser's CSV files, so the whole path from
upload to draw can be exercised.
"""

from __future__ import annotations

import csv
import io
import random
from fractions import Fraction

POPULATION: dict[str, dict[str, Fraction]] = {
    "gender": {"female": Fraction(50), "male": Fraction(49), "other": Fraction(1)},
    "age": {
        "16-29": Fraction(22),
        "30-44": Fraction(26),
        "45-64": Fraction(31),
        "65+": Fraction(21),
    },
    "district": {
        "Arna": Fraction(11),
        "Bergenhus": Fraction(15),
        "Fana": Fraction(14),
        "Fyllingsdalen": Fraction(10),
        "Laksevåg": Fraction(15),
        "Ytrebygda": Fraction(10),
        "Årstad": Fraction(14),
        "Åsane": Fraction(11),
    },
    "education": {"basic": Fraction(25), "upper secondary": Fraction(38), "higher": Fraction(37)},
}
# How much more (or less) likely each group is to register than its population share.
REGISTRATION_SKEW: dict[str, dict[str, float]] = {
    "gender": {"female": 1.2, "male": 0.9},
    "age": {"16-29": 0.6, "30-44": 0.9, "45-64": 1.2, "65+": 1.4},
    "education": {"basic": 0.5, "upper secondary": 0.9, "higher": 1.6},
    "district": {"Bergenhus": 1.3, "Arna": 0.7},
}
LANGUAGES = {"norsk": 0.93, "English": 0.05, "polski": 0.02}
_FIRST = ("Ingrid", "Ola", "Kari", "Lars", "Sofie", "Ahmed", "Maja", "Jonas", "Nora", "Emil")
_LAST = ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Nilsen", "Berg", "Haugen")


def _weighted(rng: random.Random, feature: str) -> str:
    values = list(POPULATION[feature])
    skew = REGISTRATION_SKEW.get(feature, {})
    weights = [float(POPULATION[feature][value]) * skew.get(value, 1.0) for value in values]
    return rng.choices(values, weights)[0]


def synthetic_people_csv(size: int, seed: int) -> bytes:
    """`size` registrants in households of one to three who share an address and district."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "name", "email", "phone", "address", "language", *POPULATION])
    written = 0
    household = 0
    while written < size:
        household += 1
        members = rng.choices((1, 2, 3), (0.75, 0.2, 0.05))[0]
        district = _weighted(rng, "district")
        address = f"{rng.choice(_LAST)}veien {household}, {district}"
        language = rng.choices(list(LANGUAGES), list(LANGUAGES.values()))[0]
        for _ in range(min(members, size - written)):
            written += 1
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            writer.writerow(
                [
                    f"R{written:05d}",
                    name,
                    f"r{written}@example.org",
                    f"+47 4{rng.randrange(10**7):07d}",
                    address,
                    language,
                    _weighted(rng, "gender"),
                    _weighted(rng, "age"),
                    district,
                    _weighted(rng, "education"),
                ]
            )
    return out.getvalue().encode("utf-8")


def synthetic_shares_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["feature", "value", "share"])
    for feature, values in POPULATION.items():
        for value, share in values.items():
            writer.writerow([feature, value, str(share)])
    return out.getvalue().encode("utf-8")
