"""The knowledge index: how much of the briefing's facts people know, before and after.

A respondent's score is the share of the wave's knowledge items they answered
correctly. "Don't know", "prefer not to answer" and a skipped item all count as not
correct, and the denominator is always every knowledge item of the wave: everyone is
then scored on the same questions, so scores are comparable between people and a guess
is never better than admitting not to know. Only someone who answered none of the
wave's knowledge items at all is left out, as they did not take that part of the survey.
The index is the mean score; its change is paired per respondent like an opinion item,
and set against the control group's like an opinion item too: Welch's test on the
scores after the discussion, and on each person's own change (difference in differences).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from facilitation.analysis.common import (
    NO_CONTROLS,
    K,
    Result,
    Unavailable,
    mean_or_none,
    share,
    unavailable,
)
from facilitation.analysis.comparison import (
    DiffInDiff,
    GroupComparison,
    compare_changes,
    compare_scores,
)
from facilitation.analysis.paired import PairedChange, paired_change
from facilitation.errors import N_
from facilitation.survey.answers import Answer
from facilitation.survey.items import ItemKind, SurveyItem


@dataclass(frozen=True)
class ItemCorrect(Result):
    """One knowledge item: how many answered it (non-answers included) and how many right."""

    key: str
    answered: int
    correct: int
    share: float | None


@dataclass(frozen=True)
class KnowledgeIndex(Result):
    items: int
    respondents: int
    mean: float | None
    by_item: tuple[ItemCorrect, ...]


@dataclass(frozen=True)
class KnowledgeChange(Result):
    before: KnowledgeIndex | Unavailable
    after: KnowledgeIndex | Unavailable
    change: PairedChange | Unavailable
    controls_after: GroupComparison | Unavailable
    diff_in_diff: DiffInDiff | Unavailable


def knowledge_scores(
    items: Sequence[SurveyItem], answers: Mapping[K, Mapping[str, Answer]]
) -> dict[K, Fraction]:
    """Each respondent's share of correct answers; `answers[respondent][item key]`."""
    _check(items)
    scores: dict[K, Fraction] = {}
    for respondent, given in answers.items():
        if any(item.key in given for item in items):
            right = sum(1 for item in items if _is_correct(item, given.get(item.key)))
            scores[respondent] = Fraction(right, len(items))
    return scores


def knowledge_index(
    items: Sequence[SurveyItem], answers: Mapping[K, Mapping[str, Answer]]
) -> KnowledgeIndex:
    scores = list(knowledge_scores(items, answers).values())
    by_item = []
    for item in items:
        given = [person[item.key] for person in answers.values() if item.key in person]
        right = sum(1 for answer in given if _is_correct(item, answer))
        by_item.append(ItemCorrect(item.key, len(given), right, share(right, len(given))))
    return KnowledgeIndex(len(items), len(scores), mean_or_none(scores), tuple(by_item))


def knowledge_change(
    before_items: Sequence[SurveyItem],
    after_items: Sequence[SurveyItem],
    before: Mapping[K, Mapping[str, Answer]],
    after: Mapping[K, Mapping[str, Answer]],
    controls_before: Mapping[K, Mapping[str, Answer]] | None = None,
    controls_after: Mapping[K, Mapping[str, Answer]] | None = None,
) -> KnowledgeChange:
    """The index in each wave, its paired change and the comparison with the control group.

    `controls_before` / `controls_after` None: the panel has no control group. A wave
    without items makes what needs it unavailable.
    """
    first = knowledge_index(before_items, before) if before_items else _not_asked(True)
    second = knowledge_index(after_items, after) if after_items else _not_asked(False)
    if isinstance(second, Unavailable):
        against: GroupComparison | Unavailable = second
    elif controls_after is None:
        against = unavailable(NO_CONTROLS)
    else:
        against = compare_scores(
            knowledge_scores(after_items, after), knowledge_scores(after_items, controls_after)
        )
    missing = first if isinstance(first, Unavailable) else second
    if isinstance(missing, Unavailable):
        return KnowledgeChange(first, second, missing, against, missing)
    scores_before = knowledge_scores(before_items, before)
    scores_after = knowledge_scores(after_items, after)
    if controls_before is None or controls_after is None:
        did: DiffInDiff | Unavailable = unavailable(NO_CONTROLS)
    else:
        did = compare_changes(
            scores_before,
            scores_after,
            knowledge_scores(before_items, controls_before),
            knowledge_scores(after_items, controls_after),
        )
    return KnowledgeChange(first, second, paired_change(scores_before, scores_after), against, did)


def _not_asked(before: bool) -> Unavailable:
    if before:
        return unavailable(N_("No knowledge questions were asked before the discussion."))
    return unavailable(N_("No knowledge questions were asked after the discussion."))


def _check(items: Sequence[SurveyItem]) -> None:
    for item in items:
        if item.kind is not ItemKind.KNOWLEDGE:
            raise ValueError(f"question {item.key} is not a knowledge question")


def _is_correct(item: SurveyItem, answer: Answer | None) -> bool:
    return answer is not None and answer.value is not None and answer.value == item.correct
