"""Targets: how many panel members each feature value needs, at least and at most.

Targets come either straight from the organiser (the Sortition Foundation's
`feature,value,min,max[,min_flex,max_flex]` file) or from population shares for a
panel of N. The rounding rule for shares is the simplest one that can always be met
in sum: the expected count `share × N` is computed exactly (fractions, not floats),
then `min = floor(expected) - slack` and `max = ceil(expected) + slack`, clipped to
0..N. A whole expected count gives min = max (before slack). Because every min is at
most its expected count and every max at least it, the mins of one feature never add
up to more than N and the maxes never to less, whatever the shares.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from facilitation.errors import N_
from facilitation.recruitment.problems import Problem, problem


@dataclass(frozen=True)
class Target:
    """Bounds for one feature value; the flex bounds limit any suggested relaxation."""

    min: int
    max: int
    min_flex: int = 0
    max_flex: int | None = None  # None: as far as the panel size allows


# feature -> value -> target, in the order of the organiser's file
Targets = Mapping[str, Mapping[str, Target]]
# feature -> value -> share of the population; the shares of one feature add up to 1
PopulationShares = Mapping[str, Mapping[str, Fraction]]


def targets_from_shares(shares: PopulationShares, panel_size: int, slack: int = 0) -> Targets:
    """Targets for a panel of `panel_size` that mirror the population (see module doc)."""
    targets: dict[str, dict[str, Target]] = {}
    for feature, values in shares.items():
        targets[feature] = {}
        for value, share in values.items():
            expected = share * panel_size
            low = max(0, math.floor(expected) - slack)
            high = min(panel_size, math.ceil(expected) + slack)
            targets[feature][value] = Target(low, high, 0, panel_size)
    return targets


def normalised_shares(weights: Mapping[str, Mapping[str, Fraction]]) -> PopulationShares:
    """Shares from any non-negative weights (percentages, fractions or head counts)."""
    shares: dict[str, dict[str, Fraction]] = {}
    for feature, values in weights.items():
        total = sum(values.values(), Fraction(0))
        shares[feature] = {
            value: (weight / total if total else Fraction(0)) for value, weight in values.items()
        }
    return shares


def target_problems(targets: Targets, panel_size: int) -> list[Problem]:
    """Targets that no panel of this size could meet, whoever is in the pool.

    These are arithmetic mistakes, caught before the draw so the organiser sees them
    in plain words rather than as an infeasible lottery.
    """
    problems = []
    if panel_size < 1:
        problems.append(problem(N_("The panel needs at least one member.")))
        return problems
    for feature, values in targets.items():
        lowest = sum(target.min for target in values.values())
        highest = sum(target.max for target in values.values())
        if lowest > panel_size:
            problems.append(
                problem(
                    N_(
                        "The minimums for %(feature)s add up to %(sum)s, more than the panel "
                        "of %(size)s."
                    ),
                    feature=feature,
                    sum=lowest,
                    size=panel_size,
                )
            )
        if highest < panel_size:
            problems.append(
                problem(
                    N_(
                        "The maximums for %(feature)s add up to %(sum)s, fewer than the panel "
                        "of %(size)s."
                    ),
                    feature=feature,
                    sum=highest,
                    size=panel_size,
                )
            )
    return problems
