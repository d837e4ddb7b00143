"""Opinion change by subgroup (gender, age band, district, …) where demographics are known.

Each value of the variable gets the same paired change as the whole panel, on the
respondents with that value. Demographics are optional and stored apart, so people
without a known value are counted, not guessed. A subgroup with fewer than `min_pairs`
pairs is not shown: in a panel of 40, the change of the two people from one district
is their own answers, which the panel promised to keep private.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from facilitation.analysis.common import K, Result, Unavailable, unavailable
from facilitation.analysis.opinion import opinion_change
from facilitation.analysis.paired import PairedChange
from facilitation.errors import N_
from facilitation.survey.answers import Answer
from facilitation.survey.items import SurveyItem

MIN_PAIRS = 5


@dataclass(frozen=True)
class SubgroupChange(Result):
    group: str
    change: PairedChange | Unavailable


@dataclass(frozen=True)
class SubgroupBreakdown(Result):
    """Change per subgroup value (sorted), and how many respondents had no known value."""

    groups: tuple[SubgroupChange, ...]
    unknown: int


def change_by_subgroup(
    item: SurveyItem,
    before: Mapping[K, Answer],
    after: Mapping[K, Answer],
    groups: Mapping[K, str | None],
    *,
    min_pairs: int = MIN_PAIRS,
) -> SubgroupBreakdown:
    """`groups[respondent]` is the respondent's value of one variable (None: unknown)."""
    respondents = set(before) | set(after)
    unknown = sum(1 for respondent in respondents if groups.get(respondent) is None)
    values = sorted({groups[r] for r in respondents if groups.get(r) is not None}, key=str)
    results = []
    for value in values:
        members = {r for r in respondents if groups.get(r) == value}
        change = opinion_change(
            item,
            {r: answer for r, answer in before.items() if r in members},
            {r: answer for r, answer in after.items() if r in members},
        )
        if change.pairs < min_pairs:
            results.append(SubgroupChange(str(value), _hidden(min_pairs)))
        else:
            results.append(SubgroupChange(str(value), change))
    return SubgroupBreakdown(tuple(results), unknown)


def _hidden(min_pairs: int) -> Unavailable:
    return unavailable(
        N_(
            "Fewer than %(min)s people in this group answered both before and after; "
            "their result is not shown to protect their privacy."
        ),
        min=min_pairs,
    )
