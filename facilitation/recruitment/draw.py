"""The stratified lottery: the Sortition Foundation's algorithms, reproducible and stoppable.

`drawing.run_draw` selects a panel that meets every target, with at most one person per
household, and says how likely each person in the pool was to be chosen. It runs for
seconds to minutes, so the caller runs it in a worker (see `worker.py`), passes
`on_progress` to show where it is and `should_stop` to let the organiser cancel; the
draw checks it between every two solver calls and then raises `DrawCancelled`.

This module holds what the rest of the program needs to ask for a draw and read its
result: plain dataclasses and checks. The drawing itself, which loads the library,
HiGHS and numpy (seconds of start-up a server answering phones never needs), lives in
`drawing.py` and is imported only by the worker that runs a draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from facilitation.errors import N_, Refused
from facilitation.recruitment.algorithms import Algorithm, available_algorithms
from facilitation.recruitment.lottery import MaximinEffort
from facilitation.recruitment.pool import Registrant
from facilitation.recruitment.problems import Problem, ProblemsRefused, problem
from facilitation.recruitment.targets import Target, Targets, target_problems

LIBRARY = "sortition-algorithms"
SOLVER = "highspy"
SEED_MAX = 2**63 - 1


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


def check_request(request: DrawRequest) -> None:
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
    "check_request",
    "new_seed",
    "panel_problems",
    "seed_from_text",
]
