"""The knowledge index before and after, with hand-worked scores.

Two knowledge items per wave (k1, k2 before; r1, r2 after, which repeat them);
✓ right, ✗ wrong, DK don't know, PN prefer not, - skipped:

    respondent   k1  k2   score │ r1  r2   score │ change
    a            ✓   ✗    1/2   │ ✓   ✓    1     │ +1/2
    b            DK  ✓    1/2   │ ✓   -    1/2   │ 0
    c            (took no part) │ ✓   -    1/2   │ (not paired)
    d            ✗   ✗    0     │ ✓   PN   1/2   │ +1/2
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from scipy import stats

from facilitation.analysis.common import TTest, Unavailable
from facilitation.analysis.comparison import DiffInDiff, GroupComparison
from facilitation.analysis.knowledge import (
    ItemCorrect,
    KnowledgeIndex,
    knowledge_change,
    knowledge_index,
    knowledge_scores,
)
from facilitation.analysis.paired import Dropped, PairedChange
from facilitation.survey.answers import Answer, NonAnswer
from facilitation.survey.items import SurveyItem, validate_item


def knowledge(key: str, wave: str = "T1") -> SurveyItem:
    return validate_item(
        {
            "key": key,
            "kind": "knowledge",
            "wave": wave,
            "question": "?",
            "options": "A\nB\nC",
            "correct": 1,
        }
    )


RIGHT, WRONG = Answer(value=1), Answer(value=2)
DK = Answer(non_answer=NonAnswer.DONT_KNOW)
PN = Answer(non_answer=NonAnswer.PREFER_NOT)
BEFORE_ITEMS = [knowledge("k1"), knowledge("k2")]
AFTER_ITEMS = [knowledge("r1", "T2"), knowledge("r2", "T2")]
BEFORE = {
    "a": {"k1": RIGHT, "k2": WRONG},
    "b": {"k1": DK, "k2": RIGHT},
    "d": {"k1": WRONG, "k2": WRONG},
}
AFTER = {
    "a": {"r1": RIGHT, "r2": RIGHT},
    "b": {"r1": RIGHT},
    "c": {"r1": RIGHT},
    "d": {"r1": RIGHT, "r2": PN},
}


def test_a_score_is_the_share_of_all_the_waves_items_answered_correctly() -> None:
    assert knowledge_scores(BEFORE_ITEMS, BEFORE) == {
        "a": Fraction(1, 2),
        "b": Fraction(1, 2),
        "d": Fraction(0),
    }
    assert knowledge_scores(AFTER_ITEMS, AFTER) == {
        "a": Fraction(1),
        "b": Fraction(1, 2),
        "c": Fraction(1, 2),
        "d": Fraction(1, 2),
    }


def test_someone_who_answered_none_of_the_items_is_left_out() -> None:
    assert "x" not in knowledge_scores(BEFORE_ITEMS, {**BEFORE, "x": {"other": RIGHT}})


def test_the_index_is_the_mean_score_with_each_item_beside_it() -> None:
    index = knowledge_index(BEFORE_ITEMS, BEFORE)
    # (1/2 + 1/2 + 0) / 3 = 1/3
    assert index.mean == pytest.approx(1 / 3)
    assert (index.items, index.respondents) == (2, 3)
    assert index.by_item == (ItemCorrect("k1", 3, 1, 1 / 3), ItemCorrect("k2", 3, 1, 1 / 3))
    # (1 + 1/2 + 1/2 + 1/2) / 4 = 5/8
    assert knowledge_index(AFTER_ITEMS, AFTER).mean == pytest.approx(5 / 8)


def test_the_change_in_knowledge_is_paired_per_respondent() -> None:
    result = knowledge_change(BEFORE_ITEMS, AFTER_ITEMS, BEFORE, AFTER)
    assert isinstance(result.before, KnowledgeIndex)
    assert isinstance(result.change, PairedChange)
    # pairs a, b, d: changes 1/2, 0, 1/2 → mean 1/3; c answered only after
    assert result.change.pairs == 3
    assert result.change.dropped == Dropped(no_answer_before=1)
    assert result.change.mean_change == pytest.approx(1 / 3)
    assert (result.change.up, result.change.down, result.change.same) == (2, 0, 1)
    reference = stats.ttest_rel([1, 0.5, 0.5], [0.5, 0.5, 0])
    assert not isinstance(result.change.estimate, Unavailable)
    assert result.change.estimate.test.statistic == pytest.approx(reference.statistic)
    json.dumps(result.to_dict(), allow_nan=False)


# The control group, who answered at home without taking part:
#
#    respondent   k1  k2   score │ r1  r2   score │ change
#    u            ✗   ✗    0     │ ✓   ✗    1/2   │ +1/2
#    v            ✓   ✗    1/2   │ ✗   ✗    0     │ −1/2
#    w            ✓   ✓    1     │ ✓   ✓    1     │ 0
#    z            DK  -    0     │ ✗   ✓    1/2   │ +1/2
CONTROLS_BEFORE = {
    "u": {"k1": WRONG, "k2": WRONG},
    "v": {"k1": RIGHT, "k2": WRONG},
    "w": {"k1": RIGHT, "k2": RIGHT},
    "z": {"k1": DK},
}
CONTROLS_AFTER = {
    "u": {"r1": RIGHT, "r2": WRONG},
    "v": {"r1": WRONG, "r2": WRONG},
    "w": {"r1": RIGHT, "r2": RIGHT},
    "z": {"r1": WRONG, "r2": RIGHT},
}


def test_knowledge_after_the_discussion_is_set_against_the_control_group_by_welch() -> None:
    result = knowledge_change(
        BEFORE_ITEMS, AFTER_ITEMS, BEFORE, AFTER, CONTROLS_BEFORE, CONTROLS_AFTER
    )
    against = result.controls_after
    assert isinstance(against, GroupComparison)
    # participants at T2: 1, 1/2, 1/2, 1/2 (mean 5/8); controls: 1/2, 0, 1, 1/2 (mean 1/2)
    assert (against.participants.n, against.controls.n) == (4, 4)
    assert (against.participants.mean, against.controls.mean) == pytest.approx((5 / 8, 1 / 2))
    reference = stats.ttest_ind([1, 0.5, 0.5, 0.5], [0.5, 0, 1, 0.5], equal_var=False)
    assert isinstance(against.welch, TTest)
    assert against.welch.estimate == pytest.approx(1 / 8)
    assert against.welch.statistic == pytest.approx(reference.statistic)
    assert against.welch.p_value == pytest.approx(reference.pvalue)


def test_the_gain_in_knowledge_is_set_against_the_control_groups_gain() -> None:
    result = knowledge_change(
        BEFORE_ITEMS, AFTER_ITEMS, BEFORE, AFTER, CONTROLS_BEFORE, CONTROLS_AFTER
    )
    did = result.diff_in_diff
    assert isinstance(did, DiffInDiff)
    # participants' changes 1/2, 0, 1/2 (mean 1/3); controls' 1/2, −1/2, 0, 1/2 (mean 1/8)
    assert (did.participants.n, did.controls.n) == (3, 4)
    assert (did.participants.mean, did.controls.mean) == pytest.approx((1 / 3, 1 / 8))
    reference = stats.ttest_ind([0.5, 0, 0.5], [0.5, -0.5, 0, 0.5], equal_var=False)
    assert isinstance(did.welch, TTest)
    assert did.welch.estimate == pytest.approx(1 / 3 - 1 / 8)
    assert did.welch.statistic == pytest.approx(reference.statistic)
    assert did.welch.df == pytest.approx(reference.df)
    assert (did.welch.ci_low, did.welch.ci_high) == pytest.approx(
        tuple(reference.confidence_interval())
    )
    json.dumps(result.to_dict(), allow_nan=False)


def test_without_a_control_group_or_a_wave_the_comparison_says_why() -> None:
    alone = knowledge_change(BEFORE_ITEMS, AFTER_ITEMS, BEFORE, AFTER)
    assert isinstance(alone.controls_after, Unavailable)
    assert isinstance(alone.diff_in_diff, Unavailable)
    assert alone.diff_in_diff.text == "This panel has no control group."
    only_after = knowledge_change([], AFTER_ITEMS, {}, AFTER, {}, CONTROLS_AFTER)
    assert isinstance(only_after.controls_after, GroupComparison)
    assert isinstance(only_after.diff_in_diff, Unavailable)
    assert "before the discussion" in only_after.diff_in_diff.text


def test_the_same_gain_in_thirds_is_recognised_exactly_as_no_spread() -> None:
    # In floats 2/3 − 1/3 and 1/3 − 0 differ in the last bit, which would make a tiny
    # spread and an absurd t; in exact fractions everyone gained exactly 1/3.
    items = [knowledge("k1"), knowledge("k2"), knowledge("k3")]
    later = [knowledge("r1", "T2"), knowledge("r2", "T2"), knowledge("r3", "T2")]
    before = {"x": {"k1": RIGHT, "k2": WRONG, "k3": WRONG}, "y": {"k1": WRONG}}
    after = {"x": {"r1": RIGHT, "r2": RIGHT, "r3": WRONG}, "y": {"r1": RIGHT}}
    change = knowledge_change(items, later, before, after).change
    assert isinstance(change, PairedChange)
    assert isinstance(change.estimate, Unavailable)
    assert change.estimate.text == (
        "Everyone changed their answer by the same amount (0.33), so there is "
        "no spread for a t-test or interval."
    )
    assert not isinstance(change.wilcoxon, Unavailable)


def test_a_wave_without_knowledge_items_makes_the_change_unavailable() -> None:
    result = knowledge_change([], AFTER_ITEMS, {}, AFTER)
    assert isinstance(result.before, Unavailable)
    assert result.change == result.before
    assert result.before.text == "No knowledge questions were asked before the discussion."
    assert isinstance(result.after, KnowledgeIndex)
    later_missing = knowledge_change(BEFORE_ITEMS, [], BEFORE, {})
    assert isinstance(later_missing.change, Unavailable)
    assert "after the discussion" in later_missing.change.text
    json.dumps(result.to_dict(), allow_nan=False)


def test_nobody_answered_gives_an_empty_index_not_nan() -> None:
    index = knowledge_index(BEFORE_ITEMS, {})
    assert index.mean is None
    assert index.by_item[0].share is None
    json.dumps(index.to_dict(), allow_nan=False)


def test_only_knowledge_items_make_an_index() -> None:
    single = validate_item(
        {"key": "s", "kind": "single", "wave": "T1", "question": "?", "options": "A\nB"}
    )
    with pytest.raises(ValueError):
        knowledge_scores([single], {})
