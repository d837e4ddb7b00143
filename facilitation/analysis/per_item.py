"""Everything the report says about one opinion item, in one result.

An item asked in only one wave, or a panel without a control group, still gets a
result: the parts that need the missing wave or group are unavailable with a message,
and the rest is computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from facilitation.analysis.common import (
    NO_CONTROLS,
    NOT_ASKED_AFTER,
    NOT_ASKED_BEFORE,
    K,
    Result,
    Unavailable,
    unavailable,
)
from facilitation.analysis.comparison import (
    DiffInDiff,
    GroupComparison,
    compare_groups,
    difference_in_differences,
)
from facilitation.analysis.opinion import WaveSummary, describe_wave, opinion_change
from facilitation.analysis.paired import PairedChange
from facilitation.survey.answers import Answer
from facilitation.survey.items import SurveyItem


@dataclass(frozen=True)
class OpinionItemResult(Result):
    key: str
    before: WaveSummary | Unavailable
    after: WaveSummary | Unavailable
    change: PairedChange | Unavailable
    controls_after: GroupComparison | Unavailable
    diff_in_diff: DiffInDiff | Unavailable


def analyse_opinion_item(
    item: SurveyItem,
    before: Mapping[K, Answer] | None,
    after: Mapping[K, Answer] | None,
    controls_before: Mapping[K, Answer] | None = None,
    controls_after: Mapping[K, Answer] | None = None,
) -> OpinionItemResult:
    """Participants' answers per respondent in each wave; None: the wave did not ask it.

    `item` gives the scale (the T2 item, or the T1 item when there is no T2 one).
    """
    missing = _missing(before, after)
    return OpinionItemResult(
        key=item.key,
        before=unavailable(NOT_ASKED_BEFORE)
        if before is None
        else describe_wave(item, before.values()),
        after=unavailable(NOT_ASKED_AFTER)
        if after is None
        else describe_wave(item, after.values()),
        change=missing or opinion_change(item, before or {}, after or {}),
        controls_after=_controls_after(item, after, controls_after),
        diff_in_diff=missing
        or _diff_in_diff(item, before or {}, after or {}, controls_before, controls_after),
    )


def _missing(before: object, after: object) -> Unavailable | None:
    if before is None:
        return unavailable(NOT_ASKED_BEFORE)
    if after is None:
        return unavailable(NOT_ASKED_AFTER)
    return None


def _controls_after(
    item: SurveyItem, after: Mapping[K, Answer] | None, controls: Mapping[K, Answer] | None
) -> GroupComparison | Unavailable:
    if after is None:
        return unavailable(NOT_ASKED_AFTER)
    if controls is None:
        return unavailable(NO_CONTROLS)
    return compare_groups(item, after, controls)


def _diff_in_diff(
    item: SurveyItem,
    before: Mapping[K, Answer],
    after: Mapping[K, Answer],
    controls_before: Mapping[K, Answer] | None,
    controls_after: Mapping[K, Answer] | None,
) -> DiffInDiff | Unavailable:
    if controls_before is None or controls_after is None:
        return unavailable(NO_CONTROLS)
    return difference_in_differences(item, before, after, controls_before, controls_after)
