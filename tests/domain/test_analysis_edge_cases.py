"""Panels with too few or odd answers get clear messages, never NaN or an exception."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from facilitation.analysis.common import Result, TTest, Unavailable
from facilitation.analysis.opinion import WaveSummary, describe_wave, opinion_change
from facilitation.analysis.paired import ChangeEstimate, PairedChange
from facilitation.analysis.per_item import OpinionItemResult, analyse_opinion_item
from facilitation.analysis.signed_rank import SignedRank
from facilitation.survey.answers import Answer, NonAnswer
from tests.domain.test_analysis_opinion import AFTER, BEFORE, ITEM, points

DK = Answer(non_answer=NonAnswer.DONT_KNOW)


def plain_json(result: Result) -> Any:
    """The result as JSON; fails on NaN or infinity anywhere in it."""
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


def test_no_pairs_at_all_gives_no_means_and_says_why() -> None:
    change = opinion_change(ITEM, {}, {})
    assert change.pairs == 0
    assert change.mean_change is None
    assert change.share_up is None
    assert isinstance(change.estimate, Unavailable)
    assert change.estimate.text == "There are no answers yet."
    assert plain_json(change)["estimate"] == {
        "unavailable": {"message": "There are no answers yet.", "params": {}}
    }


def test_a_wave_with_no_answers_is_named() -> None:
    only_after = opinion_change(ITEM, {}, points(a=4, b=6))
    assert isinstance(only_after.estimate, Unavailable)
    assert only_after.estimate.text == "There are no answers from before the discussion."
    assert only_after.dropped.no_answer_before == 2
    only_before = opinion_change(ITEM, points(a=4, b=6), {})
    assert isinstance(only_before.wilcoxon, Unavailable)
    assert only_before.wilcoxon.text == "There are no answers from after the discussion."
    plain_json(only_after)
    plain_json(only_before)


def test_one_pair_gives_its_change_but_no_test() -> None:
    change = opinion_change(ITEM, points(a=3, b=4), points(a=5, c=6))
    assert change.pairs == 1
    assert change.mean_change == 2
    for result in (change.estimate, change.wilcoxon):
        assert isinstance(result, Unavailable)
        assert result.text == (
            "Too few people answered both before and after the discussion: 1, and at least "
            "2 are needed."
        )
        assert result.params == (("needed", 2), ("pairs", 1))
    plain_json(change)


def test_nobody_changing_makes_both_tests_undefined_and_says_so() -> None:
    change = opinion_change(ITEM, points(a=3, b=7, c=5), points(a=3, b=7, c=5))
    assert change.mean_change == 0
    assert (change.up, change.down, change.same) == (0, 0, 3)
    assert isinstance(change.estimate, Unavailable)
    assert change.estimate.text == (
        "Nobody changed their answer, so there is no spread for a t-test or interval."
    )
    assert isinstance(change.wilcoxon, Unavailable)
    assert change.wilcoxon.text == (
        "Nobody changed their answer, so the signed-rank test has nothing to rank."
    )
    plain_json(change)


def test_everyone_moving_by_the_same_step_has_no_spread_but_can_be_ranked() -> None:
    change = opinion_change(ITEM, points(a=3, b=7, c=5), points(a=4, b=8, c=6))
    assert isinstance(change.estimate, Unavailable)
    assert change.estimate.params == (("change", 1.0),)
    assert isinstance(change.wilcoxon, SignedRank)
    assert change.wilcoxon.p_value == pytest.approx(stats.wilcoxon([1, 1, 1]).pvalue)
    plain_json(change)


def test_everyone_saying_dont_know_is_counted_and_leaves_no_majority() -> None:
    everyone = {key: DK for key in "abcd"}
    wave = describe_wave(ITEM, everyone.values())
    assert (wave.answered, wave.dont_know, wave.mean, wave.sd) == (0, 4, None, None)
    assert isinstance(wave.majority, Unavailable)
    assert wave.majority.text == (
        "No one took a side: 0 answered in the middle, 4 did not know and 0 preferred not "
        "to answer."
    )
    change = opinion_change(ITEM, everyone, everyone)
    assert change.pairs == 0
    assert change.dropped.non_answer_before == 4
    assert isinstance(change.estimate, Unavailable)
    assert "Too few people" in change.estimate.text
    plain_json(wave)
    plain_json(change)


def test_only_neutral_answers_leave_no_majority_but_a_mean() -> None:
    wave = describe_wave(ITEM, points(a=5, b=5).values())
    assert wave.mean == 5
    assert isinstance(wave.majority, Unavailable)
    assert wave.majority.params == (("dont_know", 0), ("neutral", 2), ("prefer_not", 0))


def test_an_empty_wave_says_there_are_no_answers() -> None:
    wave = describe_wave(ITEM, [])
    assert isinstance(wave.majority, Unavailable)
    assert wave.majority.text == "There are no answers yet."
    assert plain_json(wave)["counts"] == [0] * 11


def test_the_full_item_result_gathers_waves_change_and_controls() -> None:
    controls_before = points(c1=4, c2=6, c3=5)
    controls_after = points(c1=4, c2=7, c3=6)
    result = analyse_opinion_item(ITEM, BEFORE, AFTER, controls_before, controls_after)
    assert isinstance(result.before, WaveSummary)
    assert isinstance(result.change, PairedChange)
    assert isinstance(result.change.estimate, ChangeEstimate)
    assert not isinstance(result.controls_after, Unavailable)
    assert isinstance(result.controls_after.welch, TTest)
    assert not isinstance(result.diff_in_diff, Unavailable)
    assert result.diff_in_diff.controls.n == 3
    assert plain_json(result)["key"] == "bybane"


def test_an_item_asked_in_one_wave_only_still_describes_that_wave() -> None:
    result = analyse_opinion_item(ITEM, None, AFTER)
    assert isinstance(result.before, Unavailable)
    assert result.before.text == "This question was not asked before the discussion."
    assert result.change == result.before
    assert result.diff_in_diff == result.before
    assert isinstance(result.after, WaveSummary)
    assert isinstance(result.controls_after, Unavailable)
    assert result.controls_after.text == "This panel has no control group."
    later_missing = analyse_opinion_item(ITEM, BEFORE, None, {}, {})
    assert isinstance(later_missing.change, Unavailable)
    assert later_missing.change.text == "This question was not asked after the discussion."
    assert later_missing.controls_after == later_missing.change
    plain_json(result)
    plain_json(later_missing)


def test_a_control_group_without_answers_gives_messages_not_nan() -> None:
    result = analyse_opinion_item(ITEM, BEFORE, AFTER, {}, {})
    assert not isinstance(result.controls_after, Unavailable)
    assert isinstance(result.controls_after.welch, Unavailable)
    assert not isinstance(result.diff_in_diff, Unavailable)
    assert isinstance(result.diff_in_diff.welch, Unavailable)
    plain_json(result)


answer = st.one_of(
    st.integers(0, 10).map(lambda value: Answer(value=value)),
    st.sampled_from([Answer(non_answer=kind) for kind in NonAnswer]),
)
wave_answers = st.dictionaries(st.integers(0, 30), answer, max_size=25)


@settings(deadline=None, max_examples=60)
@given(wave_answers, wave_answers, wave_answers, wave_answers)
def test_any_panel_gives_plain_json_without_nan(
    before: dict[int, Answer],
    after: dict[int, Answer],
    controls_before: dict[int, Answer],
    controls_after: dict[int, Answer],
) -> None:
    result: OpinionItemResult = analyse_opinion_item(
        ITEM, before, after, controls_before, controls_after
    )
    plain_json(result)


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), min_size=2, max_size=40))
def test_the_paired_t_test_agrees_with_scipy_on_any_panel(pairs: list[tuple[int, int]]) -> None:
    before = {n: Answer(value=first) for n, (first, _) in enumerate(pairs)}
    after = {n: Answer(value=second) for n, (_, second) in enumerate(pairs)}
    change = opinion_change(ITEM, before, after)
    diffs = [second - first for first, second in pairs]
    if len(set(diffs)) == 1:
        assert isinstance(change.estimate, Unavailable)
        return
    assert isinstance(change.estimate, ChangeEstimate)
    reference = stats.ttest_rel([s for _, s in pairs], [f for f, _ in pairs])
    assert change.estimate.test.statistic == pytest.approx(reference.statistic)
    assert change.estimate.test.p_value == pytest.approx(reference.pvalue, abs=1e-12)
    low, high = reference.confidence_interval()
    assert change.estimate.test.ci_low == pytest.approx(low)
    assert change.estimate.test.ci_high == pytest.approx(high)
    assert change.estimate.dz == pytest.approx(reference.statistic / math.sqrt(len(pairs)))
