"""The stratified lottery: the Sortition Foundation's algorithms, reproducible and stoppable.

`run_draw` selects a panel that meets every target, with at most one person per
household, and says how likely each person in the pool was to be chosen. It runs for
seconds to minutes, so the caller runs it in a worker (see `worker.py`), passes
`on_progress` to show where it is and `should_stop` to let the organiser cancel; the
draw checks it between every two solver calls and then raises `DrawCancelled`.

Reproducibility. The library draws its random numbers from a process-wide provider
that seeds Python's global `random`, and HiGHS takes its seed from there too. So a
draw holds a process-wide lock, seeds the provider from the request, and restores
both the provider (back to `secrets`) and `random`'s state afterwards: the rest of
the process is not left with a predictable generator. Another thread drawing from
the global `random` *during* a draw would still shift its numbers, which is why a
separate process is the recommended home for it.

Why one module of this size: the seeding, the process-wide lock, the library
calls and the stop checks must stay together for a draw to be reproducible; pulled
apart, a caller could use the library without the lock or the restored state.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import random
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from requests.structures import CaseInsensitiveDict
from sortition_algorithms.committee_generation import standardize_distribution
from sortition_algorithms.committee_generation.common import _relax_infeasible_quotas
from sortition_algorithms.committee_generation.legacy import find_random_sample_legacy
from sortition_algorithms.committee_generation.solver import SolverStatus
from sortition_algorithms.core import lottery_rounding
from sortition_algorithms.errors import InfeasibleQuotasCantRelaxError, SelectionError
from sortition_algorithms.features import FeatureCollection, FeatureValueMinMax
from sortition_algorithms.people import People, exclude_matching_selected_addresses
from sortition_algorithms.settings import Settings
from sortition_algorithms.utils import set_random_provider

from facilitation.errors import N_, Refused
from facilitation.recruitment.algorithms import Algorithm, available_algorithms
from facilitation.recruitment.canonical import canonical_inputs, digest, sorted_pool, sorted_targets
from facilitation.recruitment.maximin import Lottery, MaximinEffort, maximin
from facilitation.recruitment.pool import Registrant
from facilitation.recruitment.problems import Problem, ProblemsRefused, problem
from facilitation.recruitment.replacement import remaining_targets
from facilitation.recruitment.solver import committee_program
from facilitation.recruitment.targets import Target, Targets, target_problems

LIBRARY = "sortition-algorithms"
SOLVER = "highspy"
SEED_MAX = 2**63 - 1
_HOUSEHOLD = "_borgerpanel_household"
_ID = "_borgerpanel_id"
_DRAW_LOCK = threading.Lock()


@dataclass(frozen=True)
class DrawRequest:
    """Everything the draw depends on; picklable, so it can be sent to a worker process.

    `confirmed` makes it a replacement draw: those people already hold seats, the
    targets stay those of the whole panel and `panel_size` is the whole panel's size.
    """

    targets: Targets
    pool: tuple[Registrant, ...]
    panel_size: int
    seed: int
    algorithm: Algorithm = "maximin"
    confirmed: tuple[Registrant, ...] = ()
    effort: MaximinEffort = field(default_factory=MaximinEffort)


@dataclass(frozen=True)
class DrawProgress:
    """Where a running draw is: `phase` is a stable name, `total` None when unknown.

    Maximin goes through "checking", "covering", "bounding", "searching" (total:
    the round cap), "optimising" (total: the iteration cap) and "choosing"; leximin
    and legacy report the library's own phase names.
    """

    phase: str
    done: int
    total: int | None


@dataclass(frozen=True)
class Fairness:
    """What is proven about the lottery behind the panel (maximin and leximin only).

    Every reachable person had at least `lowest` chance of selection, and no lottery
    meeting the targets could give all of them more than `bound`.
    """

    lowest: float
    bound: float
    certified: bool
    rounds: int
    iterations: int
    panels: int


@dataclass(frozen=True)
class DrawResult:
    """The panel and what an observer needs to check and replay it.

    `probabilities` covers every person in the pool (0 for people excluded because a
    housemate is confirmed, or who fit no valid panel); it is None for legacy, which
    does not compute them (see `notes`).
    """

    selected: tuple[str, ...]
    probabilities: Mapping[str, float] | None
    seed: int
    algorithm: Algorithm
    library_version: str
    solver_version: str
    inputs_digest: str
    fairness: Fairness | None
    excluded_housemates: tuple[str, ...]
    unreachable: tuple[str, ...]
    notes: tuple[Problem, ...]


@dataclass(frozen=True)
class Relaxation:
    """One bound to change so that the targets can be met, in the whole panel's numbers."""

    feature: str
    value: str
    bound: Literal["min", "max"]
    current: int
    suggested: int

    @property
    def advice(self) -> Problem:
        if self.bound == "min":
            message = N_(
                "Lower the minimum for %(feature)s: %(value)s from %(current)s to %(suggested)s."
            )
        else:
            message = N_(
                "Raise the maximum for %(feature)s: %(value)s from %(current)s to %(suggested)s."
            )
        return problem(message, **asdict(self))


class InfeasibleTargets(Refused):
    """No panel from this pool meets the targets; `relaxations` is the smallest fix found.

    The library finds it by solving for the least change to the bounds (within each
    value's min_flex/max_flex) that makes a panel possible. An empty tuple means even
    the flex bounds are not enough.
    """

    def __init__(self, relaxations: Sequence[Relaxation]) -> None:
        if relaxations:
            super().__init__(
                N_(
                    "No panel from this pool can meet all the targets. The smallest change "
                    "that would make it possible:"
                )
            )
        else:
            super().__init__(
                N_(
                    "No panel from this pool can meet all the targets, not even within the "
                    "min_flex and max_flex columns. Widen the flex bounds or recruit more people."
                )
            )
        self.relaxations = tuple(relaxations)


class DrawCancelled(Refused):
    def __init__(self) -> None:
        super().__init__(N_("The draw was stopped. Nobody was selected."))


class _Stop(BaseException):
    """Raised inside the library to stop it.

    A BaseException, like asyncio's CancelledError and for the same reason: the
    library wraps progress reporters in a guard that swallows every `Exception`, so
    only this passes through its loops to end the draw between two steps.
    """


class _Reporter:
    """The library's progress protocol, forwarding to the caller and checking for a stop."""

    def __init__(self, step: Callable[[str, int, int | None], None]) -> None:
        self._step = step
        self._phase = "starting"
        self._total: int | None = None

    def start_phase(
        self, name: str, total: int | None = None, *, message: str | None = None
    ) -> None:
        self._phase, self._total = name, total
        self._step(name, 0, total)

    def update(self, current: int, *, message: str | None = None) -> None:
        self._step(self._phase, current, self._total)

    def end_phase(self) -> None:
        pass


def new_seed() -> int:
    """A seed for when the organiser does not bring one (from `secrets`, never 0)."""
    import secrets

    return secrets.randbelow(SEED_MAX) + 1


def seed_from_text(text: str) -> int:
    """The organiser's seed (to replay a draw or a seating plan), or a new one if blank."""
    if not text.strip():
        return new_seed()
    message = N_("The seed must be a whole number from %(low)s to %(high)s.")
    try:
        seed = int(text.strip())
    except ValueError:
        raise Refused(message, low=1, high=SEED_MAX) from None
    if not 1 <= seed <= SEED_MAX:
        raise Refused(message, low=1, high=SEED_MAX)
    return seed


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    with _DRAW_LOCK:
        state = random.getstate()
        set_random_provider(seed)
        try:
            yield
        finally:
            set_random_provider(None)
            random.setstate(state)


def _feature_collection(targets: Targets, panel_size: int) -> FeatureCollection:
    features: FeatureCollection = CaseInsensitiveDict()
    for feature, values in targets.items():
        features[feature] = CaseInsensitiveDict()
        for value, target in values.items():
            features[feature][value] = FeatureValueMinMax(
                min=target.min,
                max=target.max,
                min_flex=target.min_flex,
                max_flex=panel_size if target.max_flex is None else target.max_flex,
            )
    return features


def _people(pool: Sequence[Registrant], features: FeatureCollection) -> People:
    """The library's People; a person without a household key is a household of one."""
    people = People([_HOUSEHOLD])
    for row, person in enumerate(pool, start=2):
        household = f"household:{person.household}" if person.household else f"person:{person.id}"
        data: CaseInsensitiveDict[str] = CaseInsensitiveDict(person.features)
        data[_HOUSEHOLD] = household
        data[_ID] = person.id
        people.add(person.id, data, features, row)
    return people


def _check(request: DrawRequest) -> None:
    if request.algorithm not in available_algorithms():
        raise Refused(
            N_("The %(algorithm)s algorithm is not available here."), algorithm=request.algorithm
        )
    if not 1 <= request.seed <= SEED_MAX:
        raise Refused(N_("The seed must be a whole number from 1 to %(max)s."), max=SEED_MAX)
    problems = target_problems(request.targets, request.panel_size)
    ids = [person.id for person in request.pool]
    if len(set(ids)) != len(ids):
        problems.append(problem(N_("The pool lists somebody twice.")))
    for person in (*request.pool, *request.confirmed):
        for feature, values in request.targets.items():
            if person.features.get(feature) not in values:
                problems.append(
                    problem(
                        N_("%(person)s has no known value for %(feature)s."),
                        person=person.id,
                        feature=feature,
                    )
                )
    if problems:
        raise ProblemsRefused(
            problems,
            one=N_("The draw cannot start: there is a problem with the targets or the pool."),
            many=N_(
                "The draw cannot start: there are %(count)s problems with the targets or the pool."
            ),
        )


def _relaxations(
    features: FeatureCollection,
    people: People,
    seats: int,
    address_columns: list[str],
    confirmed_counts: Mapping[tuple[str, str], int],
) -> list[Relaxation]:
    try:
        relaxed, _lines = _relax_infeasible_quotas(features, people, seats, address_columns)
    except InfeasibleQuotasCantRelaxError:
        return []
    found = []
    for feature, values in features.items():
        for value, bounds in values.items():
            new = relaxed[feature][value]
            have = confirmed_counts.get((feature, value), 0)
            if new.min < bounds.min:
                found.append(Relaxation(feature, value, "min", bounds.min + have, new.min + have))
            if new.max > bounds.max:
                found.append(Relaxation(feature, value, "max", bounds.max + have, new.max + have))
    return found


def run_draw(
    request: DrawRequest,
    *,
    on_progress: Callable[[DrawProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DrawResult:
    """Draw the panel (see module doc). Raises Refused subclasses; changes nothing."""
    _check(request)
    targets = sorted_targets(request.targets)
    pool = sorted_pool(request.pool)
    confirmed = sorted_pool(request.confirmed)
    settings = {"algorithm": request.algorithm, **asdict(request.effort)}
    canonical = canonical_inputs(targets, pool, request.panel_size, confirmed, settings)

    def step(phase: str, done: int, total: int | None) -> None:
        if should_stop is not None and should_stop():
            raise _Stop
        if on_progress is not None:
            on_progress(DrawProgress(phase, done, total))

    remaining, seats, problems = remaining_targets(targets, request.panel_size, confirmed)
    confirmed_ids = {person.id for person in confirmed}
    candidates = [person for person in pool if person.id not in confirmed_ids]
    if problems:
        raise ProblemsRefused(
            problems,
            one=N_(
                "The replacement draw cannot start: there is a problem with the confirmed members."
            ),
            many=N_(
                "The replacement draw cannot start: there are %(count)s problems with "
                "the confirmed members."
            ),
        )
    features = _feature_collection(remaining, seats)
    everyone = _people(candidates, features)
    address_columns = [_HOUSEHOLD]
    people = everyone
    if confirmed:
        # The library's already-selected mode: drop whoever lives with a confirmed member.
        already = _people(confirmed, _feature_collection(targets, request.panel_size))
        library_settings = Settings(
            id_column=_ID,
            columns_to_keep=[_HOUSEHOLD],
            check_same_address=True,
            check_same_address_columns=[_HOUSEHOLD],
        )
        people = exclude_matching_selected_addresses(everyone, already, library_settings)
    excluded = tuple(sorted(set(everyone) - set(people)))
    confirmed_counts = {
        (feature, value): sum(1 for person in confirmed if person.features[feature] == value)
        for feature, values in targets.items()
        for value in values
    }

    try:
        with _seeded(request.seed):
            step("checking", 0, None)
            solver, agents = committee_program(features, people, seats, address_columns)
            status = solver.optimize()
            if status == SolverStatus.INFEASIBLE:
                raise InfeasibleTargets(
                    _relaxations(features, people, seats, address_columns, confirmed_counts)
                )
            if status != SolverStatus.OPTIMAL:
                raise Refused(
                    N_("The solver could not decide whether a panel is possible. Try again.")
                )
            first = frozenset(key for key, var in agents.items() if solver.get_value(var) > 0.5)
            lottery: Lottery | None = None
            if request.algorithm == "legacy":
                selected = _legacy(features, people, seats, address_columns, step)
            elif request.algorithm == "leximin":
                lottery = _leximin(features, people, seats, address_columns, step)
            else:
                lottery = maximin(
                    features,
                    people,
                    seats,
                    address_columns,
                    solver,
                    agents,
                    first,
                    request.effort,
                    step,
                )
            if lottery is not None:
                committees, weights = standardize_distribution(
                    list(lottery.committees), list(lottery.probabilities)
                )
                selected = lottery_rounding(committees, weights, 1)[0]
    except _Stop:
        raise DrawCancelled() from None

    probabilities = None
    fairness = None
    notes: list[Problem] = []
    unreachable: tuple[str, ...] = ()
    if lottery is None:
        notes.append(
            problem(
                N_(
                    "The legacy algorithm does not compute selection probabilities, so none "
                    "are shown."
                )
            )
        )
    else:
        chance = dict.fromkeys((person.id for person in candidates), 0.0)
        for committee, weight in zip(committees, weights, strict=True):
            for key in committee:
                chance[key] += weight
        probabilities = chance
        unreachable = tuple(sorted(lottery.unreachable))
        fairness = Fairness(
            lottery.lowest,
            lottery.bound,
            lottery.certified,
            lottery.rounds,
            lottery.iterations,
            len(committees),
        )
        if not lottery.certified:
            notes.append(
                problem(
                    N_(
                        "The search stopped at its limit: everyone had at least %(lowest)s "
                        "chance, and the best possible is at most %(bound)s."
                    ),
                    lowest=f"{lottery.lowest:.2%}",
                    bound=f"{lottery.bound:.2%}",
                )
            )
    return DrawResult(
        selected=tuple(sorted(selected)),
        probabilities=probabilities,
        seed=request.seed,
        algorithm=request.algorithm,
        library_version=importlib.metadata.version(LIBRARY),
        solver_version=importlib.metadata.version(SOLVER),
        inputs_digest=digest(canonical),
        fairness=fairness,
        excluded_housemates=excluded,
        unreachable=unreachable,
        notes=tuple(notes),
    )


def _legacy(
    features: FeatureCollection,
    people: People,
    seats: int,
    address_columns: list[str],
    step: Callable[[str, int, int | None], None],
) -> frozenset[str]:
    try:
        committees, _report = find_random_sample_legacy(
            people,
            features,
            seats,
            address_columns,
            max_attempts=100,
            progress_reporter=_Reporter(step),
        )
    except SelectionError:
        raise Refused(
            N_("The legacy algorithm did not find a panel in 100 attempts. Use maximin instead.")
        ) from None
    return committees[0]


def _leximin(
    features: FeatureCollection,
    people: People,
    seats: int,
    address_columns: list[str],
    step: Callable[[str, int, int | None], None],
) -> Lottery:
    """The library's leximin (Gurobi); exact, so the bound is what it achieved."""
    from sortition_algorithms.committee_generation.leximin import find_distribution_leximin

    committees, probabilities, _report = find_distribution_leximin(
        features, people, seats, address_columns, progress_reporter=_Reporter(step)
    )
    chance: dict[str, float] = {}
    for committee, weight in zip(committees, probabilities, strict=True):
        for key in committee:
            chance[key] = chance.get(key, 0.0) + weight
    lowest = min(chance.values(), default=0.0)
    return Lottery(
        committees=tuple(committees),
        probabilities=tuple(probabilities),
        lowest=lowest,
        bound=lowest,
        certified=True,
        rounds=0,
        iterations=0,
        reachable=frozenset(chance),
        unreachable=frozenset(people) - frozenset(chance),
    )


def panel_problems(
    targets: Targets, people: Sequence[Registrant], selected: Sequence[str]
) -> list[Problem]:
    """Targets missed or households seated twice by `selected` (plus confirmed, if any).

    An independent check of any panel, for the caller and the tests: the draw should
    never produce one that fails it.
    """
    by_id = {person.id: person for person in people}
    chosen = [by_id[key] for key in selected]
    problems = []
    for feature, values in targets.items():
        for value, target in values.items():
            count = sum(1 for person in chosen if person.features[feature] == value)
            if not target.min <= count <= target.max:
                problems.append(
                    problem(
                        N_(
                            "%(feature)s: %(value)s has %(count)s members, outside %(min)s–%(max)s."
                        ),
                        feature=feature,
                        value=value,
                        count=count,
                        min=target.min,
                        max=target.max,
                    )
                )
    households = [person.household for person in chosen if person.household is not None]
    for household in sorted({h for h in households if households.count(h) > 1}):
        problems.append(
            problem(N_("Two members share the household %(household)s."), household=household)
        )
    return problems


__all__ = [
    "DrawCancelled",
    "DrawProgress",
    "DrawRequest",
    "DrawResult",
    "Fairness",
    "InfeasibleTargets",
    "MaximinEffort",
    "Relaxation",
    "Target",
    "new_seed",
    "panel_problems",
    "run_draw",
]
