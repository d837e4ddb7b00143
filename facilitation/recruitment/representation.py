"""How representative each stage of recruitment is, in shares and percentage-point gaps.

Self-selection skews the pool, the stratified draw corrects it, and no-shows on the
day skew it again. Council and observers want to see all four side by side for each
feature value: population, pool, selected, present, and each group's gap from the
population in percentage points (positive: over-represented).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from facilitation.recruitment.pool import Counts
from facilitation.recruitment.targets import PopulationShares


@dataclass(frozen=True)
class Representation:
    """Shares in percent; a group's share and gap are None when the group is empty."""

    feature: str
    value: str
    population: float
    pool: float | None
    selected: float | None
    present: float | None

    @property
    def pool_gap(self) -> float | None:
        return _gap(self.pool, self.population)

    @property
    def selected_gap(self) -> float | None:
        return _gap(self.selected, self.population)

    @property
    def present_gap(self) -> float | None:
        return _gap(self.present, self.population)


def _gap(share: float | None, population: float) -> float | None:
    return None if share is None else share - population


def _percent(counts: Mapping[str, int], value: str) -> float | None:
    total = sum(counts.values())
    return 100 * counts.get(value, 0) / total if total else None


def representation(
    population: PopulationShares, pool: Counts, selected: Counts, present: Counts
) -> tuple[Representation, ...]:
    """One row per feature value of the population, in the population's order.

    Counts come from `pool.count_values`; a value the population does not list is not
    shown, since there is nothing to compare it with.
    """
    rows = []
    for feature, shares in population.items():
        for value, share in shares.items():
            rows.append(
                Representation(
                    feature,
                    value,
                    100 * float(share),
                    _percent(pool.get(feature, {}), value),
                    _percent(selected.get(feature, {}), value),
                    _percent(present.get(feature, {}), value),
                )
            )
    return tuple(rows)
