"""Opinion and agreement items: the distribution of one wave and the change between waves.

The headline of a Bergen deliberative poll is the majority *among those who took a
side*: answers below the neutral middle against answers above it, with the neutral
middle, "don't know" and "prefer not to answer" counted beside it rather than in it.
A 0–10 scale has a real middle, and people there have not taken a side; folding them
into the denominator would make both sides look smaller whenever many are undecided,
and dropping them silently would hide how many are. So the split of the decided and
the size of the undecided are reported next to each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from facilitation.analysis.common import (
    NOBODY,
    K,
    Result,
    Unavailable,
    mean_or_none,
    sd_or_none,
    unavailable,
)
from facilitation.analysis.paired import PairedChange, paired_change
from facilitation.errors import N_
from facilitation.survey.answers import Answer, NonAnswer
from facilitation.survey.items import Scale, SurveyItem


class Side(StrEnum):
    LOW = "low"
    HIGH = "high"
    TIE = "tie"


@dataclass(frozen=True)
class Majority(Result):
    """Which side most of those who took a side are on; shares are of `low + high`."""

    side: Side
    low: int
    high: int
    low_share: float
    high_share: float
    neutral: int
    dont_know: int
    prefer_not: int


@dataclass(frozen=True)
class WaveSummary(Result):
    """One wave of one item: `counts[i]` is the number who chose point `low + i`.

    `answered` counts points on the scale (neutral included); the mean and sd are over
    those, and the non-answers are counted apart.
    """

    low: int
    high: int
    neutral_point: int
    counts: tuple[int, ...]
    answered: int
    neutral: int
    dont_know: int
    prefer_not: int
    mean: float | None
    sd: float | None
    majority: Majority | Unavailable


def scale_of(item: SurveyItem) -> Scale:
    if item.scale is None:
        raise ValueError(f"question {item.key} is not on a rating scale")
    return item.scale


def scale_points(item: SurveyItem, answers: Mapping[K, Answer]) -> dict[K, int | None]:
    """Each respondent's point on the scale, or None for a non-answer."""
    return {respondent: _point(item, answer) for respondent, answer in answers.items()}


def describe_wave(item: SurveyItem, answers: Iterable[Answer]) -> WaveSummary:
    scale = scale_of(item)
    points: list[int] = []
    non_answers = {NonAnswer.DONT_KNOW: 0, NonAnswer.PREFER_NOT: 0}
    for answer in answers:
        point = _point(item, answer)
        if point is None:
            assert answer.non_answer is not None
            non_answers[answer.non_answer] += 1
        else:
            points.append(point)
    counts = tuple(points.count(point) for point in scale.points)
    neutral = points.count(scale.neutral)
    return WaveSummary(
        low=scale.low,
        high=scale.high,
        neutral_point=scale.neutral,
        counts=counts,
        answered=len(points),
        neutral=neutral,
        dont_know=non_answers[NonAnswer.DONT_KNOW],
        prefer_not=non_answers[NonAnswer.PREFER_NOT],
        mean=mean_or_none(points),
        sd=sd_or_none(points),
        majority=_majority(
            scale,
            points,
            neutral,
            non_answers[NonAnswer.DONT_KNOW],
            non_answers[NonAnswer.PREFER_NOT],
        ),
    )


def opinion_change(
    item: SurveyItem, before: Mapping[K, Answer], after: Mapping[K, Answer]
) -> PairedChange:
    """Paired change per respondent; non-answers in either wave drop the pair."""
    return paired_change(scale_points(item, before), scale_points(item, after))


def _majority(
    scale: Scale, points: list[int], neutral: int, dont_know: int, prefer_not: int
) -> Majority | Unavailable:
    low = sum(1 for point in points if point in scale.low_side)
    high = sum(1 for point in points if point in scale.high_side)
    if not points and not dont_know and not prefer_not:
        return unavailable(NOBODY)
    if low + high == 0:
        return unavailable(
            N_(
                "No one took a side: %(neutral)s answered in the middle, %(dont_know)s "
                "did not know and %(prefer_not)s preferred not to answer."
            ),
            neutral=neutral,
            dont_know=dont_know,
            prefer_not=prefer_not,
        )
    side = Side.TIE if low == high else Side.LOW if low > high else Side.HIGH
    return Majority(
        side=side,
        low=low,
        high=high,
        low_share=low / (low + high),
        high_share=high / (low + high),
        neutral=neutral,
        dont_know=dont_know,
        prefer_not=prefer_not,
    )


def _point(item: SurveyItem, answer: Answer) -> int | None:
    """A stored answer that does not fit the item is a bug upstream, so it raises."""
    if answer.non_answer is not None:
        return None
    scale = scale_of(item)
    if answer.value is None or answer.value not in scale.points:
        raise ValueError(f"answer {answer!r} does not fit question {item.key}")
    return answer.value
