"""Splitting people at random into participants and a control group that look alike.

A simple coin flip per person leaves chance imbalances: with 120 people, one arm can
easily get ten more women than the other. Instead the people are sorted into strata
(their combination of values on the chosen features), shuffled within each stratum,
laid end to end in stratum order, and every k-th person from a random start goes to
the control group (systematic allocation). Each stratum then splits as evenly as its
size allows (its control count is the floor or the ceiling of its share), and
because the strata are laid out in sorted order the same holds, nearly, for every
single feature, even when the strata themselves are too small to split. The arms'
sizes differ by at most one from `control_share` of the total.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from facilitation.errors import N_, Refused
from facilitation.recruitment.balance import Difference, differences


@dataclass(frozen=True)
class Split:
    participants: tuple[str, ...]
    control: tuple[str, ...]
    seed: int
    strata: tuple[str, ...]
    balance: tuple[Difference, ...]


def split_arms(
    people: Mapping[str, Mapping[str, str]],
    strata: Sequence[str],
    *,
    seed: int | None = None,
    control_share: Fraction = Fraction(1, 2),
) -> Split:
    """Participants and control group (see module doc), with their balance per value."""
    if not 0 < control_share < 1:
        raise Refused(N_("The control group must be more than none and less than everyone."))
    missing = sorted({f for traits in people.values() for f in strata if f not in traits})
    if missing:
        raise Refused(N_("Not everyone has a value for %(feature)s."), feature=missing[0])
    if seed is None:
        seed = secrets.randbits(63)
    rng = random.Random(seed)
    groups: dict[tuple[str, ...], list[str]] = {}
    for key in sorted(people):
        groups.setdefault(tuple(people[key][feature] for feature in strata), []).append(key)
    line: list[str] = []
    for stratum in sorted(groups):
        members = groups[stratum]
        rng.shuffle(members)
        line.extend(members)
    start = Fraction(rng.randrange(control_share.denominator), control_share.denominator)
    control: list[str] = []
    participants: list[str] = []
    for position, key in enumerate(line):
        taken = math.floor(start + (position + 1) * control_share) - math.floor(
            start + position * control_share
        )
        (control if taken else participants).append(key)
    rows = differences(
        (people[key] for key in participants), (people[key] for key in control), strata
    )
    return Split(tuple(sorted(participants)), tuple(sorted(control)), seed, tuple(strata), rows)
