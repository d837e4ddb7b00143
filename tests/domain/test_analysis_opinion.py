"""One opinion item on a small hand-made panel, worked out by hand and checked against scipy.

The panel (0–10 scale, neutral 5); DK = don't know, PN = prefer not to answer:

    respondent   a  b  c  d  e  f  g   h  i  j
    before (T1)  3  5  7  2  8  4  DK  6  -  5
    after  (T2)  6  7  7  5  6  8  6   -  3  PN
    change      +3 +2  0 +3 -2 +4

Pairs are a–f (6). Dropped, one each: g (DK before), h (no answer after), i (no answer
before), j (PN after).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from scipy import stats

from facilitation.analysis.common import Unavailable
from facilitation.analysis.opinion import Majority, Side, describe_wave, opinion_change
from facilitation.analysis.paired import ChangeEstimate, Dropped
from facilitation.analysis.signed_rank import SignedRank
from facilitation.survey.answers import Answer, NonAnswer
from facilitation.survey.items import validate_item

ITEM = validate_item(
    {
        "key": "bybane",
        "kind": "opinion",
        "wave": "T2",
        "question": "What do you think?",
        "some_say": "Some say the line should go above ground.",
        "others_say": "Others say it should go in a tunnel.",
        "low_label": "Tunnel",
        "high_label": "Above ground",
        "pairs_with": "bybane_before",
    }
)
DK = Answer(non_answer=NonAnswer.DONT_KNOW)
PN = Answer(non_answer=NonAnswer.PREFER_NOT)


def points(**values: int | Answer) -> dict[str, Answer]:
    return {k: v if isinstance(v, Answer) else Answer(value=v) for k, v in values.items()}


BEFORE = points(a=3, b=5, c=7, d=2, e=8, f=4, g=DK, h=6, j=5)
AFTER = points(a=6, b=7, c=7, d=5, e=6, f=8, g=6, i=3, j=PN)
PAIRED_BEFORE = [3, 5, 7, 2, 8, 4]
PAIRED_AFTER = [6, 7, 7, 5, 6, 8]
CHANGES = [3, 2, 0, 3, -2, 4]

# Worked by hand. Σd = 3 + 2 + 0 + 3 − 2 + 4 = 10 over n = 6 pairs.
MEAN_CHANGE = Fraction(10, 6)  # = 5/3
# d − d̄: 4/3, 1/3, −5/3, 4/3, −11/3, 7/3; squares sum to (16+1+25+16+121+49)/9 = 228/9.
VARIANCE = Fraction(228, 9) / 5  # = 76/15
SD = math.sqrt(Fraction(76, 15))  # ≈ 2.2509
SE = math.sqrt(Fraction(76, 15) / 6)  # = √(38/45) ≈ 0.91894
T = float(Fraction(5, 3)) / SE  # ≈ 1.8137
DZ = float(Fraction(5, 3)) / SD  # ≈ 0.7404 (= t / √6)
T_975_DF5 = 2.5706  # the 97.5th percentile of t with 5 df, from a printed table


def test_the_hand_worked_numbers_are_what_they_claim() -> None:
    assert Fraction(5, 3) == MEAN_CHANGE
    assert Fraction(76, 15) == VARIANCE
    assert pytest.approx(2.2509, abs=1e-4) == SD
    assert pytest.approx(0.91894, abs=1e-5) == SE
    assert pytest.approx(1.8137, abs=1e-4) == T
    assert pytest.approx(T / math.sqrt(6)) == DZ


def test_each_wave_counts_every_point_with_neutral_and_non_answers_apart() -> None:
    before = describe_wave(ITEM, BEFORE.values())
    # points 3 5 7 2 8 4 6 5: one each of 2, 3, 4, 6, 7, 8 and two 5s; one DK
    assert before.counts == (0, 0, 1, 1, 1, 2, 1, 1, 1, 0, 0)
    assert (before.answered, before.neutral, before.dont_know, before.prefer_not) == (8, 2, 1, 0)
    assert before.mean == 40 / 8  # 3+5+7+2+8+4+6+5 = 40
    after = describe_wave(ITEM, AFTER.values())
    # points 6 7 7 5 6 8 6 3; one PN
    assert after.counts == (0, 0, 0, 1, 0, 1, 3, 2, 1, 0, 0)
    assert (after.answered, after.neutral, after.dont_know, after.prefer_not) == (8, 1, 0, 1)
    assert after.mean == 48 / 8  # 6+7+7+5+6+8+6+3 = 48
    assert after.sd == pytest.approx(stats.tstd([6, 7, 7, 5, 6, 8, 6, 3]))


def test_the_majority_is_among_those_who_took_a_side_with_the_middle_beside_it() -> None:
    before = describe_wave(ITEM, BEFORE.values()).majority
    # below 5: 3, 2, 4; above 5: 7, 8, 6 → a tie; the two 5s and the DK stay out
    assert before == Majority(Side.TIE, 3, 3, 0.5, 0.5, neutral=2, dont_know=1, prefer_not=0)
    after = describe_wave(ITEM, AFTER.values()).majority
    # below 5: 3; above 5: 6 7 7 6 8 6 → 6 of the 7 who took a side; the 5 and PN stay out
    assert after == Majority(Side.HIGH, 1, 6, 1 / 7, 6 / 7, neutral=1, dont_know=0, prefer_not=1)


def test_pairs_are_formed_per_respondent_and_the_dropped_are_counted_by_reason() -> None:
    change = opinion_change(ITEM, BEFORE, AFTER)
    assert change.pairs == 6
    assert change.dropped == Dropped(
        no_answer_before=1, no_answer_after=1, non_answer_before=1, non_answer_after=1
    )
    assert change.mean_before == pytest.approx(29 / 6)  # 3+5+7+2+8+4
    assert change.mean_after == pytest.approx(39 / 6)  # 6+7+7+5+6+8


def test_the_mean_change_and_who_moved_match_the_hand_arithmetic() -> None:
    change = opinion_change(ITEM, BEFORE, AFTER)
    assert change.mean_change == pytest.approx(5 / 3)
    # up: a b d f; down: e; stayed: c
    assert (change.up, change.down, change.same) == (4, 1, 1)
    assert (change.share_up, change.share_down, change.share_same) == (4 / 6, 1 / 6, 1 / 6)


def test_the_paired_t_test_interval_and_dz_match_the_hand_arithmetic_and_scipy() -> None:
    estimate = opinion_change(ITEM, BEFORE, AFTER).estimate
    assert isinstance(estimate, ChangeEstimate)
    assert estimate.sd == pytest.approx(SD)
    assert estimate.dz == pytest.approx(DZ)
    assert estimate.test.se == pytest.approx(SE)
    assert estimate.test.statistic == pytest.approx(T)
    assert estimate.test.df == 5
    # the interval by hand: 5/3 ± 2.5706 · 0.91894 = [−0.6955, 4.0289]
    assert estimate.test.ci_low == pytest.approx(5 / 3 - T_975_DF5 * SE, abs=1e-4)
    assert estimate.test.ci_high == pytest.approx(5 / 3 + T_975_DF5 * SE, abs=1e-4)
    assert estimate.test.ci_low == pytest.approx(-0.6955, abs=1e-4)
    assert estimate.test.ci_high == pytest.approx(4.0289, abs=1e-4)

    reference = stats.ttest_rel(PAIRED_AFTER, PAIRED_BEFORE)
    assert estimate.test.statistic == pytest.approx(reference.statistic)
    assert estimate.test.p_value == pytest.approx(reference.pvalue)
    low, high = reference.confidence_interval(0.95)
    assert (estimate.test.ci_low, estimate.test.ci_high) == pytest.approx((low, high))
    quantile = stats.t.ppf(0.975, 5)
    assert estimate.test.ci_high - 5 / 3 == pytest.approx(quantile * SE)


def test_the_signed_rank_test_matches_the_hand_ranks_and_scipy() -> None:
    wilcoxon = opinion_change(ITEM, BEFORE, AFTER).wilcoxon
    assert isinstance(wilcoxon, SignedRank)
    # the zero change (c) is left out; |d| = 3 2 3 2 4 → ranks 3.5 1.5 3.5 1.5 5;
    # positive ranks 3.5 + 1.5 + 3.5 + 5 = 13.5, negative 1.5 (e); the statistic is the smaller
    assert wilcoxon.statistic == 1.5
    assert wilcoxon.ranked == 5
    reference = stats.wilcoxon(PAIRED_AFTER, PAIRED_BEFORE)
    assert wilcoxon.statistic == pytest.approx(reference.statistic)
    assert wilcoxon.p_value == pytest.approx(reference.pvalue)


def test_an_agreement_item_uses_its_own_middle() -> None:
    item = validate_item({"key": "trust", "kind": "agreement", "wave": "T1", "question": "?"})
    summary = describe_wave(item, points(a=1, b=2, c=3, d=4, e=5, f=5).values())
    assert summary.counts == (1, 1, 1, 1, 2)
    assert summary.majority == Majority(Side.HIGH, 2, 3, 2 / 5, 3 / 5, 1, 0, 0)


def test_the_whole_result_is_plain_json() -> None:
    change = opinion_change(ITEM, BEFORE, AFTER)
    data = json.loads(json.dumps(change.to_dict(), allow_nan=False))
    assert data["pairs"] == 6
    assert data["estimate"]["test"]["df"] == 5
    assert data["dropped"]["non_answer_before"] == 1
    wave = json.loads(json.dumps(describe_wave(ITEM, AFTER.values()).to_dict(), allow_nan=False))
    assert wave["majority"]["side"] == "high"


def test_an_answer_off_the_scale_is_a_bug_upstream() -> None:
    with pytest.raises(ValueError):
        describe_wave(ITEM, [Answer(value=11)])
    with pytest.raises(ValueError):
        describe_wave(ITEM, [Answer(choices=(1,))])
    with pytest.raises(ValueError):
        describe_wave(
            validate_item({"key": "t", "kind": "text", "wave": "T1", "question": "?"}), []
        )


def test_unavailable_results_are_not_mistaken_for_numbers() -> None:
    single = opinion_change(ITEM, points(a=3), points(a=4))
    assert isinstance(single.estimate, Unavailable)
