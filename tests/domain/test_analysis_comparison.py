"""Participants against controls: Welch at T2 and the difference in differences.

The participants are those of `test_analysis_opinion`; the control group answered
the same item without taking part:

    control      c1 c2 c3 c4 c5
    before (T1)   4  6  5  3  7
    after  (T2)   4  7  5  5  6
    change        0 +1  0 +2 -1
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from scipy import stats

from facilitation.analysis.common import TTest, Unavailable
from facilitation.analysis.comparison import (
    compare_groups,
    difference_in_differences,
    welch,
)
from tests.domain.test_analysis_opinion import AFTER, BEFORE, CHANGES, ITEM, points

CONTROLS_BEFORE = points(c1=4, c2=6, c3=5, c4=3, c5=7)
CONTROLS_AFTER = points(c1=4, c2=7, c3=5, c4=5, c5=6)
PARTICIPANTS_T2 = [6, 7, 7, 5, 6, 8, 6, 3]  # the PN of j is left out
CONTROLS_T2 = [4, 7, 5, 5, 6]
CONTROL_CHANGES = [0, 1, 0, 2, -1]


def welch_by_hand(
    mean1: Fraction, var1: Fraction, n1: int, mean2: Fraction, var2: Fraction, n2: int
) -> tuple[float, float, float, float]:
    """estimate, se, t and Welch–Satterthwaite df, as the module text states them."""
    a, b = var1 / n1, var2 / n2
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    se = math.sqrt(a + b)
    return float(mean1 - mean2), se, float(mean1 - mean2) / se, float(df)


def test_participants_and_controls_at_t2_match_welch_by_hand_and_scipy() -> None:
    result = compare_groups(ITEM, AFTER, CONTROLS_AFTER)
    # participants: mean 48/8 = 6; deviations 0 1 1 −1 0 2 0 −3, squares sum 16 → s² = 16/7
    # controls: mean 27/5; deviations −1.4 1.6 −0.4 −0.4 0.6, squares sum 5.2 → s² = 13/10
    assert (result.participants.n, result.participants.mean) == (8, 6.0)
    assert (result.controls.n, result.controls.mean) == (5, 5.4)
    assert result.participants.sd == pytest.approx(math.sqrt(16 / 7))
    assert result.controls.sd == pytest.approx(math.sqrt(1.3))
    # a = (16/7)/8 = 2/7, b = (13/10)/5 = 13/50, se = √(191/350) ≈ 0.73872
    # df = (191/350)² / ((2/7)²/7 + (13/50)²/4) ≈ 10.4267; t = 0.6 / 0.73872 ≈ 0.8122
    estimate, se, t, df = welch_by_hand(
        Fraction(6), Fraction(16, 7), 8, Fraction(27, 5), Fraction(13, 10), 5
    )
    assert se == pytest.approx(math.sqrt(191 / 350))
    assert (t, df) == pytest.approx((0.8122, 10.4267), abs=1e-4)
    test = result.welch
    assert isinstance(test, TTest)
    assert (test.estimate, test.se, test.statistic, test.df) == pytest.approx((estimate, se, t, df))
    reference = stats.ttest_ind(PARTICIPANTS_T2, CONTROLS_T2, equal_var=False)
    assert test.statistic == pytest.approx(reference.statistic)
    assert test.df == pytest.approx(reference.df)
    assert test.p_value == pytest.approx(reference.pvalue)
    assert (test.ci_low, test.ci_high) == pytest.approx(tuple(reference.confidence_interval()))
    half = stats.t.ppf(0.975, df) * se
    assert (test.ci_low, test.ci_high) == pytest.approx((0.6 - half, 0.6 + half))


def test_the_difference_in_differences_is_welch_on_each_persons_change() -> None:
    result = difference_in_differences(ITEM, BEFORE, AFTER, CONTROLS_BEFORE, CONTROLS_AFTER)
    # participants change 5/3 (s² = 76/15, n 6); controls change 2/5 (s² = 13/10, n 5)
    # difference 5/3 − 2/5 = 19/15; se = √(38/45 + 13/50) = √(497/450) ≈ 1.0509
    assert (result.participants.n, result.controls.n) == (6, 5)
    assert result.participants.mean == pytest.approx(5 / 3)
    assert result.controls.mean == pytest.approx(2 / 5)
    estimate, se, t, df = welch_by_hand(
        Fraction(5, 3), Fraction(76, 15), 6, Fraction(2, 5), Fraction(13, 10), 5
    )
    assert estimate == pytest.approx(19 / 15)
    assert se == pytest.approx(math.sqrt(497 / 450))
    test = result.welch
    assert isinstance(test, TTest)
    assert (test.estimate, test.se, test.statistic, test.df) == pytest.approx((estimate, se, t, df))
    reference = stats.ttest_ind(CHANGES, CONTROL_CHANGES, equal_var=False)
    assert test.statistic == pytest.approx(reference.statistic)
    assert test.p_value == pytest.approx(reference.pvalue)
    assert (test.ci_low, test.ci_high) == pytest.approx(tuple(reference.confidence_interval()))
    json.dumps(result.to_dict(), allow_nan=False)


def test_one_group_without_spread_still_gives_welch() -> None:
    # a = s₁²/n₁ = 1/3 and b = 0, so df = a² / (a² / (n₁ − 1)) = n₁ − 1 = 2,
    # se = √(1/3) and t = (2 − 5) / √(1/3) = −3√3
    test = welch([1, 2, 3], [5, 5])
    assert isinstance(test, TTest)
    assert test.df == pytest.approx(2)
    assert test.statistic == pytest.approx(-3 * math.sqrt(3))


def test_welch_without_spread_in_either_group_says_it_is_undefined() -> None:
    test = welch([4, 4, 4], [6, 6])
    assert isinstance(test, Unavailable)
    assert "undefined" in test.text
    json.dumps(test.to_dict(), allow_nan=False)


def test_welch_needs_two_answers_in_each_group() -> None:
    test = welch([4, 5, 6], [6])
    assert isinstance(test, Unavailable)
    assert test.text == (
        "Each group needs at least 2 answers; there are 3 from participants and 1 from the "
        "control group."
    )
    absent = compare_groups(ITEM, AFTER, {})
    assert isinstance(absent.welch, Unavailable)
    assert absent.welch.text == "There are no answers from the control group."
    assert absent.controls.mean is None
    json.dumps(absent.to_dict(), allow_nan=False)
