"""Choice items: how answers spread over the options, and whether two spreads differ.

The test is Pearson's chi-square on the 2 × k table of option counts (scipy's
`chi2_contingency`, which applies Yates' continuity correction when the table is 2 × 2).
Options nobody chose in either group are left out, since they carry no information and
would give an expected count of zero. Non-answers are counted but not tested.

The test assumes two independent samples. That holds for participants against controls;
for the panel's own T1 against T2 the same people answer twice, which the test ignores,
so it is only a rough guide there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from facilitation.analysis.common import Note, Result, Unavailable, note, unavailable
from facilitation.errors import N_
from facilitation.survey.answers import Answer, NonAnswer
from facilitation.survey.items import CHOICE_KINDS, ItemKind, SurveyItem

SMALL_EXPECTED = 5


@dataclass(frozen=True)
class ChoiceCounts(Result):
    """`counts[i]` people chose option i; `answered` people chose at least one option."""

    counts: tuple[int, ...]
    answered: int
    dont_know: int
    prefer_not: int


@dataclass(frozen=True)
class ChiSquare(Result):
    """The test on the options in `options` (indices into the item's options)."""

    statistic: float
    p_value: float
    dof: int
    options: tuple[int, ...]
    observed: tuple[tuple[int, ...], ...]
    expected: tuple[tuple[float, ...], ...]
    smallest_expected: float
    yates: bool
    warning: Note | None


@dataclass(frozen=True)
class ChoiceComparison(Result):
    first: ChoiceCounts
    second: ChoiceCounts
    test: ChiSquare | Unavailable


def choice_counts(item: SurveyItem, answers: Iterable[Answer]) -> ChoiceCounts:
    if item.kind not in CHOICE_KINDS:
        raise ValueError(f"question {item.key} has no options")
    counts = [0] * len(item.options)
    answered = dont_know = prefer_not = 0
    for answer in answers:
        if answer.non_answer is NonAnswer.DONT_KNOW:
            dont_know += 1
        elif answer.non_answer is NonAnswer.PREFER_NOT:
            prefer_not += 1
        else:
            chosen = answer.choices if answer.value is None else (answer.value,)
            if not chosen or any(not 0 <= index < len(counts) for index in chosen):
                raise ValueError(f"answer {answer!r} does not fit question {item.key}")
            for index in chosen:
                counts[index] += 1
            answered += 1
    return ChoiceCounts(tuple(counts), answered, dont_know, prefer_not)


def compare_choices(
    item: SurveyItem, first: Iterable[Answer], second: Iterable[Answer]
) -> ChoiceComparison:
    """T1 against T2, or participants against controls, on one choice item."""
    first_counts = choice_counts(item, first)
    second_counts = choice_counts(item, second)
    return ChoiceComparison(first_counts, second_counts, _test(item, first_counts, second_counts))


def _test(item: SurveyItem, first: ChoiceCounts, second: ChoiceCounts) -> ChiSquare | Unavailable:
    from scipy import stats  # at use: a second of start-up the phones never need

    if item.kind is ItemKind.MULTIPLE:
        return unavailable(
            N_(
                "People may choose several options of a multiple-choice question, so the "
                "chi-square test does not apply."
            )
        )
    if not first.answered or not second.answered:
        return unavailable(
            N_(
                "Both groups need answers for the chi-square test; there are %(first)s "
                "and %(second)s."
            ),
            first=first.answered,
            second=second.answered,
        )
    kept = tuple(
        i for i, pair in enumerate(zip(first.counts, second.counts, strict=True)) if any(pair)
    )
    if len(kept) < 2:
        return unavailable(N_("Everyone chose the same option, so there is nothing to test."))
    observed = tuple(tuple(counts[i] for i in kept) for counts in (first.counts, second.counts))
    result = stats.chi2_contingency(observed)
    expected = tuple(tuple(float(cell) for cell in row) for row in result.expected_freq)
    smallest = min(min(row) for row in expected)
    warning = None
    if smallest < SMALL_EXPECTED:
        warning = note(
            N_(
                "Some expected counts are below %(limit)s (the smallest is %(smallest)s), "
                "so the chi-square p-value is unreliable."
            ),
            limit=SMALL_EXPECTED,
            smallest=round(smallest, 2),
        )
    return ChiSquare(
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        dof=int(result.dof),
        options=kept,
        observed=observed,
        expected=expected,
        smallest_expected=smallest,
        yates=int(result.dof) == 1,
        warning=warning,
    )
