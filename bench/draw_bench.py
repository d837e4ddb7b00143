"""Time the draw on a synthetic pool and show what bounds it.

    .venv/bin/python bench/draw_bench.py [--pool 2000] [--panel 120] [--seed 2022]
                                         [--library-rounds 40] [--full-library]

Prints: the cost of one committee program with the library's HiGHS wrapper and with
ours; the library's maximin extrapolated from its first rounds (or run in full with
--full-library, which takes tens of minutes); our draw, phase by phase; and the
fairness it proved. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from sortition_algorithms.committee_generation.common import (
    _run_multiplicative_weights_phase,
    setup_committee_generation,
)
from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
from sortition_algorithms.committee_generation.solver import SolverSense, solver_sum
from sortition_algorithms.utils import set_random_provider

from facilitation.recruitment import drawing
from facilitation.recruitment.canonical import sorted_pool, sorted_targets
from facilitation.recruitment.draw import DrawProgress, DrawRequest
from facilitation.recruitment.drawing import run_draw
from facilitation.recruitment.files import parse_people, parse_shares
from facilitation.recruitment.solver import committee_program
from facilitation.recruitment.synthetic import synthetic_people_csv, synthetic_shares_csv
from facilitation.recruitment.targets import targets_from_shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--panel", type=int, default=120)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--library-rounds", type=int, default=40)
    parser.add_argument("--full-library", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    targets = targets_from_shares(parse_shares(synthetic_shares_csv()), args.panel)
    pool = parse_people(
        synthetic_people_csv(args.pool, seed=7), targets, household_column="address"
    )
    print(
        f"pool {args.pool}, panel {args.panel}, 4 features, households: parsed in "
        f"{time.perf_counter() - started:.2f} s"
    )
    features = drawing._feature_collection(sorted_targets(targets), args.panel)
    people = drawing._people(sorted_pool(pool.registrants), features)
    columns = [drawing._HOUSEHOLD]

    # 1. One committee program: the unit of work of every phase.
    set_random_provider(args.seed)
    library_solver, library_agents = setup_committee_generation(
        features, people, args.panel, columns
    )
    quick_solver, quick_agents = committee_program(features, people, args.panel, columns)
    rng = random.Random(1)
    library_times: list[float] = []
    quick_times: dict[float, list[float]] = {1e-4: [], 1e-2: []}
    for _ in range(10):
        weights = {key: rng.uniform(0.5, 1.0) for key in library_agents}
        t0 = time.perf_counter()
        library_solver.set_objective(
            solver_sum(weights[k] * library_agents[k] for k in library_agents), SolverSense.MAXIMIZE
        )
        library_solver.optimize()
        {k for k, v in library_agents.items() if library_solver.get_value(v) > 0.5}
        library_times.append(time.perf_counter() - t0)
        for gap in (1e-4, 1e-2):
            quick_solver.set_gap(gap)
            t0 = time.perf_counter()
            quick_solver.set_weights(quick_agents, weights, SolverSense.MAXIMIZE)
            quick_solver.optimize()
            {k for k, v in quick_agents.items() if quick_solver.get_value(v) > 0.5}
            quick_times[gap].append(time.perf_counter() - t0)
    print("\none committee program (set weights, solve, read the panel), median of 10:")
    for label, times in (
        ("library wrapper (solves twice, reads value by value)", library_times),
        ("quick wrapper, MIP gap 1e-4 (as the library)", quick_times[1e-4]),
        ("quick wrapper, MIP gap 1e-2 (search rounds)", quick_times[1e-2]),
    ):
        print(f"  {label:<54} {statistics.median(times):.3f} s")

    # 2. The library's maximin: its first phase is one program per person in the pool.
    set_random_provider(args.seed)
    t0 = time.perf_counter()
    _run_multiplicative_weights_phase(library_solver, library_agents, args.library_rounds)
    per_round = (time.perf_counter() - t0) / args.library_rounds
    print(
        f"\nlibrary maximin, defaults: {per_round:.3f} s per round x {people.count} rounds "
        f"= {per_round * people.count / 60:.1f} min for its first phase alone (extrapolated "
        f"from {args.library_rounds} rounds), before its column generation"
    )
    if args.full_library:
        set_random_provider(args.seed)
        t0 = time.perf_counter()
        find_distribution_maximin(features, people, args.panel, columns)
        print(f"library maximin, run in full: {(time.perf_counter() - t0) / 60:.1f} min")

    # 3. Our draw, phase by phase.
    phases: dict[str, float] = {}
    counts: dict[str, int] = {}
    last_at, last_phase = time.perf_counter(), "start"

    def note(progress: DrawProgress) -> None:
        nonlocal last_at, last_phase
        now = time.perf_counter()
        phases[last_phase] = phases.get(last_phase, 0.0) + now - last_at
        counts[progress.phase] = counts.get(progress.phase, 0) + 1
        last_at, last_phase = now, progress.phase

    t0 = time.perf_counter()
    last_at = t0
    result = run_draw(
        DrawRequest(targets, pool.registrants, args.panel, seed=args.seed), on_progress=note
    )
    total = time.perf_counter() - t0
    phases[last_phase] = phases.get(last_phase, 0.0) + time.perf_counter() - last_at
    print(f"\nour maximin draw: {total:.1f} s in all")
    for name, seconds in phases.items():
        if name != "start":
            print(f"  {name:<11} {seconds:6.1f} s  ({counts.get(name, 0)} steps)")
    fairness = result.fairness
    assert fairness is not None
    print(
        f"  {fairness.rounds} search rounds, {fairness.iterations} column-generation iterations, "
        f"{fairness.panels} panels in the lottery"
    )
    print(
        f"  smallest selection probability {fairness.lowest:.4%}; proven best possible "
        f"{fairness.bound:.4%}; gap {fairness.bound - fairness.lowest:.4%} "
        f"({'within' if fairness.certified else 'OUTSIDE'} the library's tolerance 0.05 pp)"
    )
    print(
        f"  seed {result.seed}, inputs {result.inputs_digest[:16]}…, "
        f"sortition-algorithms {result.library_version}, highspy {result.solver_version}"
    )
    print(
        "\nWhat bounds it: the number of committee programs solved (cover + search rounds"
        " + pricing) times the cost of one; the search stops when the lottery is proven"
        " within tolerance of the linear-relaxation bound."
    )


if __name__ == "__main__":
    main()
