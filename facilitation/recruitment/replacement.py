"""Replacement draws: fill the seats of people who declined, keeping the whole panel right.

The library's "already selected" mode removes everyone who shares an address with a
confirmed member, but leaves the targets as given. The organiser's targets are for
the whole panel, so the remaining seats must make up what the confirmed members do
not already cover: for each feature value, at least `min - confirmed` more and at
most `max - confirmed` more (the flex bounds move alike), out of `N - confirmed`
seats.
"""

from __future__ import annotations

from collections.abc import Sequence

from facilitation.errors import N_
from facilitation.recruitment.pool import Registrant
from facilitation.recruitment.problems import Problem, problem
from facilitation.recruitment.targets import Target, Targets


def remaining_targets(
    targets: Targets, panel_size: int, confirmed: Sequence[Registrant]
) -> tuple[Targets, int, list[Problem]]:
    """Targets and seats for the rest of the panel, and why it cannot be done, if so."""
    problems = []
    seats = panel_size - len(confirmed)
    if seats < 0:
        problems.append(
            problem(
                N_("%(confirmed)s people are confirmed, more than the panel of %(size)s."),
                confirmed=len(confirmed),
                size=panel_size,
            )
        )
    remaining: dict[str, dict[str, Target]] = {}
    for feature, values in targets.items():
        remaining[feature] = {}
        for value, target in values.items():
            have = sum(1 for person in confirmed if person.features.get(feature) == value)
            if have > target.max:
                problems.append(
                    problem(
                        N_(
                            "%(count)s confirmed members have %(feature)s: %(value)s, more than "
                            "its maximum of %(max)s."
                        ),
                        count=have,
                        feature=feature,
                        value=value,
                        max=target.max,
                    )
                )
            max_flex = None if target.max_flex is None else max(0, target.max_flex - have)
            remaining[feature][value] = Target(
                max(0, target.min - have),
                max(0, target.max - have),
                max(0, target.min_flex - have),
                max_flex,
            )
    return remaining, max(seats, 0), problems
