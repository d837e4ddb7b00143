"""The stratified lottery on a realistic pool: targets, households, probabilities, replay."""

from __future__ import annotations

import dataclasses
import multiprocessing
import random
import time
from collections import Counter

import pytest

from facilitation.errors import Refused
from facilitation.recruitment.algorithms import available_algorithms, gurobi_licensed
from facilitation.recruitment.draw import (
    DrawCancelled,
    DrawProgress,
    DrawRequest,
    DrawResult,
    InfeasibleTargets,
    panel_problems,
)
from facilitation.recruitment.drawing import run_draw
from facilitation.recruitment.files import parse_people, parse_shares
from facilitation.recruitment.maximin import MaximinEffort
from facilitation.recruitment.pool import PeopleFile
from facilitation.recruitment.synthetic import synthetic_people_csv, synthetic_shares_csv
from facilitation.recruitment.targets import Target, Targets, targets_from_shares
from facilitation.recruitment.worker import Failed, Finished, Progress, draw_worker

PANEL = 120


@pytest.fixture(scope="module")
def targets() -> Targets:
    return targets_from_shares(parse_shares(synthetic_shares_csv()), PANEL)


@pytest.fixture(scope="module")
def pool(targets: Targets) -> PeopleFile:
    return parse_people(
        synthetic_people_csv(2000, seed=7),
        targets,
        household_column="address",
        extra_columns=["language"],
    )


@pytest.fixture(scope="module")
def drawn(targets: Targets, pool: PeopleFile) -> tuple[DrawResult, list[DrawProgress], float]:
    """The acceptance draw, with the production settings, timed."""
    seen: list[DrawProgress] = []
    started = time.perf_counter()
    result = run_draw(
        DrawRequest(targets, pool.registrants, PANEL, seed=2022), on_progress=seen.append
    )
    return result, seen, time.perf_counter() - started


def test_the_synthetic_pool_is_skewed_and_has_shared_households(pool: PeopleFile) -> None:
    education = Counter(person.features["education"] for person in pool.registrants)
    households = Counter(person.household for person in pool.registrants)
    assert len(pool.registrants) == 2000
    # the population has 25 % basic and 37 % higher education; registrants do not
    assert education["basic"] / 2000 < 0.2 < 0.45 < education["higher"] / 2000
    assert sum(1 for size in households.values() if size > 1) > 100


def test_the_draw_meets_every_target_and_seats_one_person_per_household(
    drawn: tuple[DrawResult, list[DrawProgress], float], targets: Targets, pool: PeopleFile
) -> None:
    result, _, _ = drawn
    assert len(result.selected) == PANEL
    assert panel_problems(targets, pool.registrants, result.selected) == []
    households = [p.household for p in pool.registrants if p.id in set(result.selected)]
    assert len(households) == len(set(households))


def test_every_pool_member_has_a_probability_and_they_sum_to_the_panel_size(
    drawn: tuple[DrawResult, list[DrawProgress], float], pool: PeopleFile
) -> None:
    result, _, _ = drawn
    assert result.probabilities is not None
    assert set(result.probabilities) == {person.id for person in pool.registrants}
    assert sum(result.probabilities.values()) == pytest.approx(PANEL, abs=1e-6)
    assert all(0.0 <= chance <= 1.0 + 1e-9 for chance in result.probabilities.values())
    assert all(result.probabilities[key] > 0 for key in result.selected)


def test_maximin_is_proven_within_the_library_tolerance(
    drawn: tuple[DrawResult, list[DrawProgress], float],
) -> None:
    result, _, seconds = drawn
    assert result.fairness is not None and result.probabilities is not None
    reachable = [p for key, p in result.probabilities.items() if key not in result.unreachable]
    assert min(reachable) == pytest.approx(result.fairness.lowest, abs=1e-9)
    assert result.fairness.certified
    assert 0 <= result.fairness.bound - result.fairness.lowest <= MaximinEffort().tolerance
    print(f"acceptance draw: {seconds:.1f} s, {result.fairness}")


def test_the_draw_reports_its_phases_and_how_to_replay_it(
    drawn: tuple[DrawResult, list[DrawProgress], float],
) -> None:
    result, seen, _ = drawn
    phases = [progress.phase for progress in seen]
    assert phases[0] == "checking" and phases[-1] == "choosing"
    assert "searching" in phases
    assert result.seed == 2022
    assert result.algorithm == "maximin"
    assert result.library_version == "0.12.15"
    assert len(result.inputs_digest) == 64


def test_the_same_seed_and_inputs_give_the_same_panel_whatever_the_row_order(
    drawn: tuple[DrawResult, list[DrawProgress], float], targets: Targets, pool: PeopleFile
) -> None:
    result, _, _ = drawn
    shuffled = list(pool.registrants)
    random.Random(1).shuffle(shuffled)
    reordered_targets = {feature: targets[feature] for feature in reversed(list(targets))}
    again = run_draw(DrawRequest(reordered_targets, tuple(shuffled), PANEL, seed=2022))
    assert again.selected == result.selected
    assert again.inputs_digest == result.inputs_digest
    assert again.probabilities == pytest.approx(result.probabilities)


def test_another_seed_gives_another_panel_from_the_same_inputs(
    targets: Targets, pool: PeopleFile, drawn: tuple[DrawResult, list[DrawProgress], float]
) -> None:
    quick = MaximinEffort(max_rounds=25, max_iterations=0)
    first = run_draw(DrawRequest(targets, pool.registrants, PANEL, seed=1, effort=quick))
    second = run_draw(DrawRequest(targets, pool.registrants, PANEL, seed=2, effort=quick))
    assert first.selected != second.selected
    assert first.inputs_digest != drawn[0].inputs_digest  # the effort is part of the inputs


def test_a_capped_search_says_how_far_from_proven_it_stopped(
    targets: Targets, pool: PeopleFile
) -> None:
    result = run_draw(
        DrawRequest(
            targets,
            pool.registrants,
            PANEL,
            seed=5,
            effort=MaximinEffort(max_rounds=25, max_iterations=0),
        )
    )
    assert result.fairness is not None
    assert not result.fairness.certified
    assert result.fairness.bound > result.fairness.lowest + MaximinEffort().tolerance
    assert [note.params["lowest"] for note in result.notes] == [f"{result.fairness.lowest:.2%}"]
    assert panel_problems(targets, pool.registrants, result.selected) == []


def _more_others_than_exist(
    targets: Targets, pool: PeopleFile, *, no_flex: bool = False
) -> tuple[Targets, int]:
    """Ask for more people of gender "other" than the pool can seat (one per household)."""
    households = {p.household for p in pool.registrants if p.features["gender"] == "other"}
    impossible = {feature: dict(values) for feature, values in targets.items()}
    impossible["gender"] = {
        "female": Target(40, 80),
        "male": Target(40, 80),
        "other": Target(
            len(households) + 3, len(households) + 5, min_flex=len(households) + 3 if no_flex else 0
        ),
    }
    return impossible, len(households)


def test_infeasible_targets_name_the_bounds_to_change(targets: Targets, pool: PeopleFile) -> None:
    impossible, others = _more_others_than_exist(targets, pool)
    with pytest.raises(InfeasibleTargets) as refused:
        run_draw(DrawRequest(impossible, pool.registrants, PANEL, seed=3))
    suggested = {
        (r.feature, r.value, r.bound): (r.current, r.suggested) for r in refused.value.relaxations
    }
    assert suggested[("gender", "other", "min")] == (others + 3, others)
    advice = [str(relaxation.advice) for relaxation in refused.value.relaxations]
    assert f"Lower the minimum for gender: other from {others + 3} to {others}." in advice


def test_targets_that_cannot_be_relaxed_within_the_flex_bounds_say_so(
    targets: Targets, pool: PeopleFile
) -> None:
    impossible, _ = _more_others_than_exist(targets, pool, no_flex=True)
    with pytest.raises(InfeasibleTargets) as refused:
        run_draw(DrawRequest(impossible, pool.registrants, PANEL, seed=3))
    assert refused.value.relaxations == ()
    assert "flex" in str(refused.value)


def test_arithmetically_impossible_targets_are_refused_before_any_solving(
    targets: Targets, pool: PeopleFile
) -> None:
    too_many = {feature: dict(values) for feature, values in targets.items()}
    too_many["age"] = {value: Target(40, 50) for value in targets["age"]}
    with pytest.raises(Refused) as refused:
        run_draw(DrawRequest(too_many, pool.registrants, PANEL, seed=3))
    assert "age" in str(refused.value.problems[0])  # type: ignore[attr-defined]


def test_a_replacement_draw_keeps_the_whole_panel_on_target(
    drawn: tuple[DrawResult, list[DrawProgress], float], targets: Targets, pool: PeopleFile
) -> None:
    result, _, _ = drawn
    by_id = {person.id: person for person in pool.registrants}
    declined = set(result.selected[::6])  # 20 of 120 decline
    confirmed = tuple(by_id[key] for key in result.selected if key not in declined)
    remaining = tuple(p for p in pool.registrants if p.id not in declined)
    replacements = run_draw(
        DrawRequest(
            targets,
            remaining,
            PANEL,
            seed=9,
            confirmed=confirmed,
            effort=MaximinEffort(max_rounds=50),
        )
    )
    assert len(replacements.selected) == len(declined)
    panel = [*replacements.selected, *(person.id for person in confirmed)]
    assert panel_problems(targets, pool.registrants, panel) == []
    confirmed_households = {person.household for person in confirmed}
    assert replacements.excluded_housemates
    assert all(
        by_id[key].household in confirmed_households for key in replacements.excluded_housemates
    )
    assert replacements.probabilities is not None
    assert sum(replacements.probabilities.values()) == pytest.approx(len(declined), abs=1e-6)
    assert all(replacements.probabilities[key] == 0 for key in replacements.excluded_housemates)


def test_legacy_meets_the_targets_and_says_it_has_no_probabilities(
    targets: Targets, pool: PeopleFile
) -> None:
    result = run_draw(DrawRequest(targets, pool.registrants, PANEL, seed=11, algorithm="legacy"))
    assert panel_problems(targets, pool.registrants, result.selected) == []
    assert result.probabilities is None and result.fairness is None
    assert "legacy" in str(result.notes[0])


def test_leximin_is_not_offered_without_a_gurobi_licence(
    targets: Targets, pool: PeopleFile
) -> None:
    pytest.importorskip("highspy")
    # gurobipy may be installed (abcvoting pulls it in) with pip's size-limited licence,
    # which cannot solve a pool-sized model: what counts is the licence, not the package.
    if gurobi_licensed():  # pragma: no cover - only where a full Gurobi licence is set up
        pytest.skip("a full Gurobi licence is set up here")
    assert "leximin" not in available_algorithms()
    with pytest.raises(Refused):
        run_draw(DrawRequest(targets, pool.registrants, PANEL, seed=1, algorithm="leximin"))


def test_a_stop_request_cancels_the_draw_between_two_steps(
    targets: Targets, pool: PeopleFile
) -> None:
    seen: list[DrawProgress] = []

    def stop_after_ten_rounds() -> bool:
        return sum(1 for progress in seen if progress.phase == "searching") >= 10

    with pytest.raises(DrawCancelled):
        run_draw(
            DrawRequest(targets, pool.registrants, PANEL, seed=4),
            on_progress=seen.append,
            should_stop=stop_after_ten_rounds,
        )
    assert sum(1 for progress in seen if progress.phase == "searching") == 10


def test_a_stop_request_also_cancels_the_librarys_own_loops(
    targets: Targets, pool: PeopleFile
) -> None:
    with pytest.raises(DrawCancelled):
        run_draw(
            DrawRequest(targets, pool.registrants, PANEL, seed=4, algorithm="legacy"),
            should_stop=iter([False, False, True]).__next__,
        )


def test_the_draw_leaves_the_global_random_generator_as_it_found_it(
    targets: Targets, pool: PeopleFile
) -> None:
    random.seed(99)
    expected = random.Random(99).random()
    run_draw(DrawRequest(targets, pool.registrants, PANEL, seed=4, algorithm="legacy"))
    assert random.random() == expected


def _medium_request() -> DrawRequest:
    """Small enough for a subprocess, large enough to need column generation."""
    targets = targets_from_shares(parse_shares(synthetic_shares_csv()), 40)
    people = parse_people(synthetic_people_csv(500, seed=3), targets, household_column="address")
    return DrawRequest(targets, people.registrants, 40, seed=5, effort=MaximinEffort(max_rounds=60))


def test_a_worker_process_reports_progress_and_replays_the_draw_bit_for_bit() -> None:
    """Another process has another hash seed, so set order differs: the draw must not care."""
    context = multiprocessing.get_context("spawn")
    outbox, stop = context.Queue(), context.Event()
    request = _medium_request()
    worker = context.Process(target=draw_worker, args=(request, outbox, stop))
    worker.start()
    messages = []
    while not messages or isinstance(messages[-1], Progress):
        messages.append(outbox.get(timeout=300))
    worker.join(timeout=60)
    assert isinstance(messages[0], Progress)
    assert isinstance(messages[-1], Finished)
    here = run_draw(request)
    assert here.fairness is not None and here.fairness.iterations > 0
    assert messages[-1].result == here


def test_a_worker_sends_a_refusal_as_plain_data() -> None:
    context = multiprocessing.get_context("spawn")
    outbox, stop = context.Queue(), context.Event()
    request = dataclasses.replace(_medium_request(), panel_size=5000)
    worker = context.Process(target=draw_worker, args=(request, outbox, stop))
    worker.start()
    message = outbox.get(timeout=120)
    worker.join(timeout=60)
    assert isinstance(message, Failed)
    assert message.problems and not message.cancelled


def test_the_light_tolerance_is_the_librarys() -> None:
    """lottery.py copies the library's EPS so that asking for a draw stays light."""
    from sortition_algorithms.committee_generation.common import EPS

    from facilitation.recruitment.lottery import LIBRARY_EPS

    assert LIBRARY_EPS == EPS
