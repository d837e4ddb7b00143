"""The integer and linear programs of the draw, on HiGHS, without the library's overhead.

Every program here is built in sorted order (people by id, panels in the order they
were found). Python randomises the iteration order of sets per process, and a
program whose columns or rows come in another order can have another optimal
vertex: a draw built from sets would give another panel in another process for the
same seed.

Measured on a pool of 2,000 (see bench/draw_bench.py), the library's HiGHS wrapper
spends its time in three places that do not change any result:

- `set_objective` calls highspy's `maximize()`/`minimize()`, which *solve* the model,
  and `optimize()` then solves it again: every program runs twice;
- `get_value` copies the whole solution for each variable, so reading a committee of a
  pool of n costs n copies of n values;
- HiGHS's presolve and its feasibility-jump heuristic take ~0.3 s of the ~0.4 s of each
  committee program, which is tiny (one row per feature value and per household) and
  solved at the root node anyway.

`QuickHighsSolver` keeps the library's `Solver` interface (so the library's own steps,
such as its committee heuristic, run on it unchanged) and removes the three: one
solve per call, one copy per solve, and no presolve or feasibility jump for the
committee programs. Each committee program then takes ~0.08 s instead of 2 × 0.4 s.
The optimality tolerance (HiGHS's default relative MIP gap of 1e-4, as in the
library) is untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import highspy
from sortition_algorithms.committee_generation.solver import (
    HighsSolver,
    SolverSense,
    SolverStatus,
    solver_sum,
)
from sortition_algorithms.features import FeatureCollection, iterate_feature_collection
from sortition_algorithms.people import People


class QuickHighsSolver(HighsSolver):
    """The library's HiGHS solver with one solve per `optimize` (see module doc).

    The random seed of HiGHS still comes from the library's random provider, as with
    the library's own solvers, so a seeded draw stays reproducible.
    """

    def __init__(self, *, committee_program: bool = False) -> None:
        super().__init__()
        self._values: Sequence[float] = ()
        if committee_program:
            self._h.setOptionValue("presolve", "off")
            self._h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
            self._h.setOptionValue("mip_detect_symmetry", False)

    def set_gap(self, relative_gap: float) -> None:
        """How close to optimal an integer program must be before HiGHS stops."""
        self._h.setOptionValue("mip_rel_gap", relative_gap)

    def set_objective(self, expr: Any, sense: SolverSense) -> None:
        self._objective_sense = sense
        self._h.setObjective(expr, _sense(sense))

    def set_weights(
        self, variables: Mapping[str, Any], weights: Mapping[str, float], sense: SolverSense
    ) -> None:
        """Objective Σ weight·variable, set straight as costs (no expression building)."""
        self._objective_sense = sense
        count = self._h.numVariables
        self._h.changeColsCost(count, list(range(count)), [0.0] * count)
        keys = [key for key in weights if key in variables]
        self._h.changeColsCost(
            len(keys), [variables[key].index for key in keys], [weights[key] for key in keys]
        )
        self._h.changeObjectiveSense(_sense(sense))

    def optimize(self) -> SolverStatus:
        status = super().optimize()
        self._values = list(self._h.getSolution().col_value)
        return status

    def get_value(self, var: Any) -> float:
        return float(self._values[var.index])

    def dual_bound(self) -> float:
        """A proven bound on the optimum of the last integer program solved."""
        return float(self._h.getInfo().mip_dual_bound)


def _sense(sense: SolverSense) -> Any:
    if sense == SolverSense.MAXIMIZE:
        return highspy.ObjSense.kMaximize
    return highspy.ObjSense.kMinimize


def members(people: People, feature: str, value: str) -> list[str]:
    """Who has this value; compared without case, as the library compares."""
    wanted = value.lower()
    return [key for key, data in people.items() if data[feature].lower() == wanted]


def committee_program(
    features: FeatureCollection,
    people: People,
    panel_size: int,
    address_columns: Sequence[str],
) -> tuple[QuickHighsSolver, dict[str, Any]]:
    """Panels that meet every target and seat at most one person per household.

    The same program as the library's `setup_committee_generation`, minus its solve.
    """
    solver = QuickHighsSolver(committee_program=True)
    agents = {key: solver.add_binary_var() for key in people}
    solver.add_constr(solver_sum(agents.values()) == panel_size)
    for feature, value, bounds in iterate_feature_collection(features):
        count = solver_sum(agents[key] for key in members(people, feature, value))
        solver.add_constr(count >= bounds.min)
        solver.add_constr(count <= bounds.max)
    if address_columns:
        for housemates in people.households(list(address_columns)).values():
            if len(housemates) > 1:
                solver.add_constr(solver_sum(agents[key] for key in housemates) <= 1)
    return solver, agents


def relaxation_bound(
    features: FeatureCollection,
    people: People,
    panel_size: int,
    address_columns: Sequence[str],
    reachable: Iterable[str],
) -> float:
    """An upper bound on the maximin probability, from the linear relaxation.

    Any lottery over valid panels gives marginal probabilities x that satisfy the
    panel program with 0 ≤ x ≤ 1 in place of 0/1, so no lottery can give every
    reachable person more than max t subject to that and x_i ≥ t. It is one linear
    program, and on realistic pools it is within a few hundredths of a percentage
    point of the true maximin, which is what lets the draw stop early with a proof.
    """
    solver = QuickHighsSolver()
    agents = {key: solver.add_continuous_var(lb=0.0, ub=1.0) for key in people}
    solver.add_constr(solver_sum(agents.values()) == panel_size)
    for feature, value, bounds in iterate_feature_collection(features):
        count = solver_sum(agents[key] for key in members(people, feature, value))
        solver.add_constr(count >= bounds.min)
        solver.add_constr(count <= bounds.max)
    if address_columns:
        for housemates in people.households(list(address_columns)).values():
            if len(housemates) > 1:
                solver.add_constr(solver_sum(agents[key] for key in housemates) <= 1)
    lowest = solver.add_continuous_var(lb=0.0, ub=1.0)
    for key in sorted(reachable):
        solver.add_constr(agents[key] - lowest >= 0)
    solver.set_objective(lowest, SolverSense.MAXIMIZE)
    if solver.optimize() != SolverStatus.OPTIMAL:
        return 1.0
    return solver.get_value(lowest)


class RestrictedDual:
    """The library's incremental maximin program over the committees found so far.

    minimise z subject to Σ_{i∈B} y_i ≤ z for each known committee B, Σ y = 1, y ≥ 0.
    Its optimum z equals the best smallest probability any lottery over the known
    committees can give, and its y are the weights for finding the next committee.
    """

    def __init__(self, reachable: Iterable[str]) -> None:
        self.solver = QuickHighsSolver()
        self.cap = self.solver.add_continuous_var(lb=0.0, ub=float("inf"))
        self.weights = {
            key: self.solver.add_continuous_var(lb=0.0, ub=1.0) for key in sorted(reachable)
        }
        self.solver.add_constr(solver_sum(self.weights.values()) == 1)
        self.solver.set_objective(self.cap, SolverSense.MINIMIZE)

    def add(self, committee: Iterable[str]) -> None:
        terms = [self.weights[key] for key in sorted(committee) if key in self.weights]
        self.solver.add_constr(solver_sum(terms) <= self.cap)

    def solve(self) -> tuple[float, dict[str, float]]:
        self.solver.set_objective(self.cap, SolverSense.MINIMIZE)
        status = self.solver.optimize()
        assert status == SolverStatus.OPTIMAL
        values = {key: self.solver.get_value(var) for key, var in self.weights.items()}
        return self.solver.get_value(self.cap), values


def maximin_lottery(committees: Sequence[frozenset[str]], reachable: Iterable[str]) -> list[float]:
    """Probabilities over `committees` that maximise the smallest selection probability.

    The library's `_find_maximin_primal`, on the quick solver.
    """
    solver = QuickHighsSolver()
    shares = [solver.add_continuous_var(lb=0.0, ub=1.0) for _ in committees]
    solver.add_constr(solver_sum(shares) == 1)
    containing: dict[str, list[Any]] = {key: [] for key in sorted(reachable)}
    for committee, share in zip(committees, shares, strict=True):
        for key in sorted(committee):
            if key in containing:
                containing[key].append(share)
    lowest = solver.add_continuous_var(lb=0.0, ub=1.0)
    for terms in containing.values():
        solver.add_constr(lowest <= solver_sum(terms))
    solver.set_objective(lowest, SolverSense.MAXIMIZE)
    status = solver.optimize()
    assert status == SolverStatus.OPTIMAL
    values = [max(solver.get_value(share), 0.0) for share in shares]
    total = sum(values)
    return [value / total for value in values]
