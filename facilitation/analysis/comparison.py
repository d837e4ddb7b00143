"""Participants against the control group, who answered the same survey without taking part.

Both comparisons use Welch's t-test, which does not assume the two groups vary equally
(a day of discussion often narrows or widens opinions). For groups 1 (participants)
and 2 (controls) with n₁, n₂ values, means m₁, m₂ and sample variances s₁², s₂²:

    a = s₁² / n₁,  b = s₂² / n₂,  estimate = m₁ − m₂,  se = √(a + b)
    df = (a + b)² / (a² / (n₁ − 1) + b² / (n₂ − 1))        (Welch–Satterthwaite)
    t = estimate / se,  95 % interval: estimate ± t_{0.975, df} · se

- At T2 the values are the answers, so the estimate is how far the participants'
  mean lies from the controls'.
- The difference in differences uses each person's own change (T2 − T1, pairs only,
  as in `facilitation.analysis.paired`), so the estimate is the participants' mean
  change minus the controls' mean change: the part of the change that the survey
  season alone (news, campaigns, answering twice) does not explain.

The values are a scale's points for an opinion item, or each person's share of correct
answers for the knowledge index (`facilitation.analysis.knowledge`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from facilitation.analysis.common import (
    K,
    Result,
    Score,
    TTest,
    Unavailable,
    mean,
    mean_or_none,
    sd_or_none,
    t_test,
    unavailable,
    variance,
)
from facilitation.analysis.opinion import scale_points
from facilitation.analysis.paired import pair_up
from facilitation.errors import N_
from facilitation.survey.answers import Answer
from facilitation.survey.items import SurveyItem

MIN_GROUP = 2


@dataclass(frozen=True)
class GroupStats(Result):
    n: int
    mean: float | None
    sd: float | None


@dataclass(frozen=True)
class GroupComparison(Result):
    """Participants against controls on one wave's answers (non-answers left out)."""

    participants: GroupStats
    controls: GroupStats
    welch: TTest | Unavailable


@dataclass(frozen=True)
class DiffInDiff(Result):
    """Mean change among participants minus mean change among controls."""

    participants: GroupStats
    controls: GroupStats
    welch: TTest | Unavailable


def group_stats(values: Sequence[Score]) -> GroupStats:
    return GroupStats(n=len(values), mean=mean_or_none(values), sd=sd_or_none(values))


def welch(first: Sequence[Score], second: Sequence[Score]) -> TTest | Unavailable:
    """Welch's t-test of mean(first) − mean(second); see the module text for the formula."""
    if not second:
        return unavailable(N_("There are no answers from the control group."))
    if len(first) < MIN_GROUP or len(second) < MIN_GROUP:
        return unavailable(
            N_(
                "Each group needs at least %(needed)s answers; there are %(participants)s "
                "from participants and %(controls)s from the control group."
            ),
            needed=MIN_GROUP,
            participants=len(first),
            controls=len(second),
        )
    a = variance(first) / len(first)
    b = variance(second) / len(second)
    if a + b == 0:
        return unavailable(
            N_("Everyone within each group gave the same value, so Welch's test is undefined.")
        )
    df = (a + b) ** 2 / (a**2 / (len(first) - 1) + b**2 / (len(second) - 1))
    return t_test(mean(first) - mean(second), a + b, df)


def compare_groups(
    item: SurveyItem, participants: Mapping[K, Answer], controls: Mapping[K, Answer]
) -> GroupComparison:
    return compare_scores(scale_points(item, participants), scale_points(item, controls))


def difference_in_differences(
    item: SurveyItem,
    participants_before: Mapping[K, Answer],
    participants_after: Mapping[K, Answer],
    controls_before: Mapping[K, Answer],
    controls_after: Mapping[K, Answer],
) -> DiffInDiff:
    return compare_changes(
        scale_points(item, participants_before),
        scale_points(item, participants_after),
        scale_points(item, controls_before),
        scale_points(item, controls_after),
    )


def compare_scores(
    participants: Mapping[K, Score | None], controls: Mapping[K, Score | None]
) -> GroupComparison:
    """Welch's test on one wave's scores per respondent; None (a non-answer) is left out."""
    first = _values(participants)
    second = _values(controls)
    return GroupComparison(group_stats(first), group_stats(second), welch(first, second))


def compare_changes(
    participants_before: Mapping[K, Score | None],
    participants_after: Mapping[K, Score | None],
    controls_before: Mapping[K, Score | None],
    controls_after: Mapping[K, Score | None],
) -> DiffInDiff:
    """Welch's test on each respondent's own change (pairs only) in the two groups."""
    first = _changes(participants_before, participants_after)
    second = _changes(controls_before, controls_after)
    return DiffInDiff(group_stats(first), group_stats(second), welch(first, second))


def _values(scores: Mapping[K, Score | None]) -> list[Score]:
    return [score for score in scores.values() if score is not None]


def _changes(before: Mapping[K, Score | None], after: Mapping[K, Score | None]) -> list[Score]:
    pairs, _ = pair_up(before, after)
    return [second - first for _, first, second in pairs]
