"""The candidate pool as the draw sees it: ids, feature values and household tokens.

Names, e-mail addresses, phone numbers and street addresses are not here. The people
file parser returns them separately, and the household column is replaced by an
opaque token that only says who lives together, so the draw (and anything logged or
hashed from its inputs) never handles contact details.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Registrant:
    """A person in the pool; `household` is None when no address key was given."""

    id: str
    features: Mapping[str, str]
    household: str | None = None


@dataclass(frozen=True)
class PeopleFile:
    """A parsed people file, split by how carefully each part must be kept.

    `registrants` feed the draw; `extras` are further columns the organiser asked to
    keep for seating (a language, hearing needs); `contacts` hold every other column,
    including the raw household column, for the letters only. `household_column` is
    the column the household tokens came from (None: the household rule is off).
    """

    registrants: tuple[Registrant, ...]
    extras: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    contacts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    contact_columns: tuple[str, ...] = ()
    household_column: str | None = None


Counts = Mapping[str, Mapping[str, int]]


def count_values(people: Iterable[Mapping[str, str]], features: Sequence[str]) -> Counts:
    """How many people have each value of each feature (values nobody has are absent)."""
    counters: dict[str, Counter[str]] = {feature: Counter() for feature in features}
    for traits in people:
        for feature in features:
            value = traits.get(feature)
            if value is not None:
                counters[feature][value] += 1
    return {feature: dict(counter) for feature, counter in counters.items()}
