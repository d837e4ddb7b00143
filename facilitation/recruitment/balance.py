"""How alike two groups are: standardised mean differences per feature value.

A deliberative poll measures the effect of deliberation by comparing participants
with a control group, which only works if the two started alike. The usual yardstick
is the standardised difference of proportions,
`(p1 - p2) / sqrt((p1(1 - p1) + p2(1 - p2)) / 2)`; |SMD| below 0.1 is commonly read
as negligible imbalance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Difference:
    feature: str
    value: str
    share_a: float
    share_b: float
    smd: float


def standardised_difference(share_a: float, share_b: float) -> float:
    """SMD of two proportions; 0 when both are 0 or both are 1 (no spread, no difference)."""
    spread = math.sqrt((share_a * (1 - share_a) + share_b * (1 - share_b)) / 2)
    if spread == 0:
        return 0.0 if share_a == share_b else math.copysign(math.inf, share_a - share_b)
    return (share_a - share_b) / spread


def differences(
    group_a: Iterable[Mapping[str, str]],
    group_b: Iterable[Mapping[str, str]],
    features: Sequence[str],
) -> tuple[Difference, ...]:
    """One row per value seen in either group, features in the given order."""
    a, b = list(group_a), list(group_b)
    rows = []
    for feature in features:
        values = sorted({person[feature] for person in (*a, *b)})
        for value in values:
            share_a = sum(1 for person in a if person[feature] == value) / len(a) if a else 0.0
            share_b = sum(1 for person in b if person[feature] == value) / len(b) if b else 0.0
            rows.append(
                Difference(
                    feature, value, share_a, share_b, standardised_difference(share_a, share_b)
                )
            )
    return tuple(rows)


def largest_imbalance(rows: Iterable[Difference]) -> float:
    return max((abs(row.smd) for row in rows), default=0.0)
