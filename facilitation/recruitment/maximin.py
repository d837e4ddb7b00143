"""Maximin with a proof of how close it is, in bounded and reproducible effort.

The library's maximin finds a lottery over valid panels that makes the smallest
selection probability as large as possible. It starts with one round of
"multiplicative weights" per person in the pool (2,000 integer programs for a pool of
2,000, each solved twice by its HiGHS wrapper) and then adds panels by column
generation until its own optimality test passes. That is what took minutes.

Here the same steps run on `QuickHighsSolver`, and the rounds stop as soon as the
lottery is *proven* good enough rather than after a fixed count: at rounds 25, 50,
100, 200, ... the best lottery over the panels found so far is computed, and compared
with an upper bound from the linear relaxation (`relaxation_bound`). When the gap is
at most `tolerance` (by default the library's own EPS, 0.0005, i.e. 0.05 percentage
points) no lottery at all could give the least-favoured person more than that extra
chance, and we stop. Otherwise the library's column generation (with its committee
heuristic) continues until its own test or the bound closes the gap, up to
`max_iterations`. If the caps are reached first, the result says how far from proven
optimal it is (`lowest` and `bound`), instead of pretending.

Targets and the household rule hold for every panel in the lottery whatever the caps:
they are constraints of each integer program, not something the rounds improve.
Every check point and cap is a count, never a clock, so the same seed gives the same
lottery on any machine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sortition_algorithms.committee_generation.common import (
    EPS,
    _update_multiplicative_weights_after_committee_found,
    ilp_results_to_committee,
)
from sortition_algorithms.committee_generation.solver import SolverSense
from sortition_algorithms.features import FeatureCollection
from sortition_algorithms.people import People
from sortition_algorithms.utils import random_provider

from facilitation.recruitment.lottery import Lottery, MaximinEffort
from facilitation.recruitment.solver import (
    QuickHighsSolver,
    RestrictedDual,
    maximin_lottery,
    relaxation_bound,
)

# Called with (phase, done, total) between two solver calls; it may raise to stop.
Step = Callable[[str, int, "int | None"], None]
FIRST_CHECK = 25
CHECK_EVERY = 50
PRICING_GAP = 1e-4  # HiGHS's default, as in the library

logger = logging.getLogger(__name__)


def _next_check(rounds: int) -> int:
    """Check after 25, 50, 100 rounds, then every 50: a check costs a few rounds' time."""
    return rounds * 2 if rounds < CHECK_EVERY else rounds + CHECK_EVERY


class _Panels:
    """The panels found so far, in the order found (a set's order varies per process)."""

    def __init__(self) -> None:
        self.found: dict[frozenset[str], None] = {}

    def __contains__(self, committee: object) -> bool:
        return committee in self.found

    def add(self, committee: frozenset[str]) -> bool:
        if committee in self.found:
            return False
        self.found[committee] = None
        return True


def _cover(
    solver: QuickHighsSolver, agents: dict[str, Any], panels: _Panels, step: Step
) -> set[str]:
    """Find panels until everyone who can be on a valid panel is on one of them.

    The library asks, for each uncovered person in turn, for a panel with that person.
    Asking instead for the panel with the most uncovered people covers a pool of 2,000
    in about twenty programs instead of hundreds, and still proves who is unreachable:
    once the best panel has no uncovered person, none of them fits any valid panel.
    """
    covered: set[str] = set().union(*panels.found)
    done = 0
    while len(covered) < len(agents):
        step("covering", done, None)
        uncovered = {key: 1.0 for key in agents if key not in covered}
        solver.set_weights(agents, uncovered, SolverSense.MAXIMIZE)
        solver.optimize()
        committee = ilp_results_to_committee(solver, agents)
        if not committee - covered:
            break
        panels.add(committee)
        covered |= committee
        done += 1
    return covered


def _entitlement(weights: dict[str, float], committee: frozenset[str]) -> float:
    return sum(weights[key] for key in sorted(committee) if key in weights)


def _more_panels_from_one_solution(
    solver: QuickHighsSolver,
    agents: dict[str, Any],
    dual: RestrictedDual,
    panels: _Panels,
    weights: dict[str, float],
    committee: frozenset[str],
    cap: float,
    value: float,
) -> None:
    """The library's `_run_maximin_heuristic_for_additional_committees`, in sorted order.

    Re-solving the restricted program is the slow part of column generation, so after
    each solve the weights of the panel just found are scaled down and up to ten more
    panels are priced from the adjusted weights. It only adds panels; the proof of
    optimality comes from the programs, not from this.
    """
    for _ in range(10):
        for key in committee:
            if key in weights:
                weights[key] *= cap / value
        total = sum(weights.values())
        if total < EPS:
            return
        for key in weights:
            weights[key] /= total
        cap /= total
        solver.set_weights(agents, weights, SolverSense.MAXIMIZE)
        solver.optimize()
        committee = ilp_results_to_committee(solver, agents)
        value = _entitlement(weights, committee)
        if value <= cap + EPS or not panels.add(committee):
            return
        dual.add(committee)


def maximin(
    features: FeatureCollection,
    people: People,
    panel_size: int,
    address_columns: list[str],
    solver: QuickHighsSolver,
    agents: dict[str, Any],
    first_committee: frozenset[str],
    effort: MaximinEffort,
    step: Step,
) -> Lottery:
    """The maximin lottery (see module doc); `solver` holds the feasible panel program."""
    panels = _Panels()
    panels.add(first_committee)
    solver.set_gap(effort.search_gap)
    reachable = frozenset(_cover(solver, agents, panels, step))
    step("bounding", 0, None)
    bound = relaxation_bound(features, people, panel_size, address_columns, reachable)
    dual = RestrictedDual(reachable)
    for committee in panels.found:
        dual.add(committee)

    max_rounds = people.count if effort.max_rounds is None else effort.max_rounds
    weights = {key: random_provider().uniform(0.99, 1.0) for key in agents}
    checkpoint = FIRST_CHECK
    lowest = 0.0
    rounds = 0
    while rounds < max_rounds:
        step("searching", rounds, max_rounds)
        rounds += 1
        solver.set_weights(agents, weights, SolverSense.MAXIMIZE)
        solver.optimize()
        committee = ilp_results_to_committee(solver, agents)
        new = panels.add(committee)
        if new:
            dual.add(committee)
        _update_multiplicative_weights_after_committee_found(weights, committee, agents, not new)
        if rounds in (checkpoint, max_rounds):
            checkpoint = _next_check(checkpoint)
            lowest, _ = dual.solve()
            logger.info("maximin round %s: lowest %.5f, bound %.5f", rounds, lowest, bound)
            if bound - lowest <= effort.tolerance:
                break

    iterations = 0
    solver.set_gap(PRICING_GAP)
    while bound - lowest > effort.tolerance and iterations < effort.max_iterations:
        step("optimising", iterations, effort.max_iterations)
        iterations += 1
        lowest, entitlements = dual.solve()
        solver.set_weights(agents, entitlements, SolverSense.MAXIMIZE)
        solver.optimize()
        bound = min(bound, solver.dual_bound())
        committee = ilp_results_to_committee(solver, agents)
        value = _entitlement(entitlements, committee)
        if value <= lowest + effort.tolerance or not panels.add(committee):
            break
        dual.add(committee)
        _more_panels_from_one_solution(
            solver, agents, dual, panels, entitlements, committee, lowest, value
        )
    if iterations:
        lowest, _ = dual.solve()

    step("choosing", 0, None)
    ordered = tuple(panels.found)
    probabilities = maximin_lottery(ordered, reachable)
    chance = dict.fromkeys(sorted(reachable), 0.0)
    for committee, probability in zip(ordered, probabilities, strict=True):
        for key in sorted(committee):
            chance[key] += probability
    achieved = min(chance.values(), default=0.0)
    logger.info("maximin: %s rounds, %s iterations, %s panels", rounds, iterations, len(ordered))
    return Lottery(
        committees=ordered,
        probabilities=tuple(probabilities),
        lowest=achieved,
        bound=max(bound, achieved),
        certified=bound - achieved <= effort.tolerance,
        rounds=rounds,
        iterations=iterations,
        reachable=reachable,
        unreachable=frozenset(agents) - reachable,
    )
