"""The signed-rank test: exact p-values by hand, and the same answers as scipy's default."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from facilitation.analysis.signed_rank import signed_rank


def test_three_rises_are_the_most_extreme_of_eight_sign_patterns() -> None:
    # ranks 1 2 3 all positive: W⁺ = 6, reached by 1 of the 2³ = 8 patterns,
    # so p = 2 · 1/8 = 1/4
    result = signed_rank([1, 2, 3])
    assert (result.statistic, result.p_value, result.exact) == (0, 0.25, True)
    assert result.p_value == pytest.approx(stats.wilcoxon([1, 2, 3]).pvalue)


def test_ties_and_zeros_use_mid_ranks_and_drop_the_zeros() -> None:
    # the panel's changes 3 2 0 3 −2 4: the zero is dropped; |d| 2 2 3 3 4 get ranks
    # 1.5 1.5 3.5 3.5 5 (doubled: 3 3 7 7 10). W⁺ = 1.5 + 3.5 + 3.5 + 5 = 13.5 (doubled 27).
    # Of 2⁵ = 32 patterns, a doubled sum ≥ 27 leaves out ranks summing to ≤ 3: none, or
    # one of the two 3s → 3 patterns, so p = 2 · 3/32 = 0.1875.
    result = signed_rank([3, 2, 0, 3, -2, 4])
    assert result.statistic == 1.5
    assert result.ranked == 5
    assert result.p_value == 6 / 32
    assert result.p_value == pytest.approx(stats.wilcoxon([3, 2, 0, 3, -2, 4]).pvalue)


def test_fractions_are_ranked_exactly() -> None:
    result = signed_rank([Fraction(1, 3), Fraction(1, 3), Fraction(-2, 3)])
    assert result.p_value == pytest.approx(stats.wilcoxon([1 / 3, 1 / 3, -2 / 3]).pvalue)


def test_many_tied_pairs_use_the_normal_approximation_like_scipy() -> None:
    diffs = [1, 1, 2, -1, 0, 3, 2, 1, -2, 1, 1, 2, 0, 1, 3]
    result = signed_rank(diffs)
    assert not result.exact
    reference = stats.wilcoxon(diffs)
    assert result.statistic == pytest.approx(reference.statistic)
    assert result.p_value == pytest.approx(reference.pvalue)


# scipy enumerates all sign patterns for up to 13 pairs with ties, which takes seconds from
# 11 pairs on, so the property skips 9–13; the hand cases above cover the exact rule there.
sizes = st.one_of(st.integers(1, 8), st.integers(14, 70))


@settings(deadline=None, max_examples=100)
@given(sizes.flatmap(lambda n: st.lists(st.integers(-4, 4), min_size=n, max_size=n)))
def test_the_signed_rank_test_agrees_with_scipy(diffs: list[int]) -> None:
    if not any(diffs):
        return
    result = signed_rank(diffs)
    reference = stats.wilcoxon(diffs)
    assert result.statistic == pytest.approx(reference.statistic)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-12)


@settings(deadline=None, max_examples=50)
@given(
    st.lists(
        st.tuples(st.integers(1, 500), st.booleans()),
        min_size=14,
        max_size=50,
        unique_by=lambda change: change[0],
    )
)
def test_untied_changes_get_the_exact_p_up_to_fifty_pairs(changes: list[tuple[int, bool]]) -> None:
    diffs = [size if rose else -size for size, rose in changes]
    result = signed_rank(diffs)
    assert result.exact
    assert result.p_value == pytest.approx(stats.wilcoxon(diffs).pvalue, rel=1e-9, abs=1e-12)
