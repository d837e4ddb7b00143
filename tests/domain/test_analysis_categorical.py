"""Choice items: counts per option and the chi-square test, by hand and against scipy."""

from __future__ import annotations

import json

import pytest
from scipy import stats

from facilitation.analysis.categorical import ChiSquare, choice_counts, compare_choices
from facilitation.analysis.common import Unavailable
from facilitation.survey.answers import Answer, NonAnswer
from facilitation.survey.items import validate_item

TRAVEL = validate_item(
    {
        "key": "travel",
        "kind": "single",
        "wave": "T1",
        "question": "How should the city spend the money?",
        "options": "Roads\nLight rail\nBus lanes\nNothing",
    }
)
DK = Answer(non_answer=NonAnswer.DONT_KNOW)
PN = Answer(non_answer=NonAnswer.PREFER_NOT)


def chosen(*counts: int) -> list[Answer]:
    return [Answer(value=option) for option, count in enumerate(counts) for _ in range(count)]


def test_counts_per_option_keep_non_answers_apart() -> None:
    counts = choice_counts(TRAVEL, [*chosen(2, 0, 1), DK, DK, PN])
    assert counts.counts == (2, 0, 1, 0)
    assert (counts.answered, counts.dont_know, counts.prefer_not) == (3, 2, 1)


def test_multiple_choice_counts_each_option_and_each_person_once() -> None:
    item = validate_item(
        {"key": "m", "kind": "multiple", "wave": "T1", "question": "?", "options": "A\nB\nC"}
    )
    counts = choice_counts(item, [Answer(choices=(0, 2)), Answer(choices=(2,)), DK])
    assert counts.counts == (1, 0, 2)
    assert counts.answered == 2
    result = compare_choices(item, [Answer(choices=(0, 2))], [Answer(choices=(1,))])
    assert isinstance(result.test, Unavailable)
    assert "several options" in result.test.text


def test_chi_square_of_two_waves_matches_the_hand_arithmetic_and_scipy() -> None:
    # T1: 6 roads, 3 light rail, 1 bus lanes; T2: 2, 7, 1; nobody chose "Nothing".
    # Column totals 8, 10, 2 of N = 20, rows of 10 → expected 4, 5, 1 in each row.
    # χ² = 2·[(6−4)²/4 + (3−5)²/5 + (1−1)²/1] = 2·(1 + 0.8 + 0) = 3.6 with (2−1)(3−1) = 2 df
    result = compare_choices(TRAVEL, [*chosen(6, 3, 1), DK], chosen(2, 7, 1))
    test = result.test
    assert isinstance(test, ChiSquare)
    assert test.options == (0, 1, 2)
    assert test.observed == ((6, 3, 1), (2, 7, 1))
    assert test.expected == ((4, 5, 1), (4, 5, 1))
    assert test.statistic == pytest.approx(3.6)
    assert test.dof == 2
    assert not test.yates
    reference = stats.chi2_contingency([[6, 3, 1], [2, 7, 1]])
    assert test.statistic == pytest.approx(reference.statistic)
    assert test.p_value == pytest.approx(reference.pvalue)
    assert test.p_value == pytest.approx(stats.chi2.sf(3.6, 2))
    # an expected count of 1 is below 5, so the reader is warned
    assert test.smallest_expected == 1
    assert test.warning is not None
    assert test.warning.text == (
        "Some expected counts are below 5 (the smallest is 1.0), so the chi-square "
        "p-value is unreliable."
    )
    json.dumps(result.to_dict(), allow_nan=False)


def test_a_two_by_two_table_gets_yates_correction_like_scipy() -> None:
    # T1: 6 roads, 4 light rail; T2: 2, 8. Expected 4, 6 in each row; |O − E| = 2 everywhere.
    # Yates: Σ (|O − E| − ½)² / E = 2.25 · (1/4 + 1/6 + 1/4 + 1/6) = 2.25 · 5/6 = 1.875
    test = compare_choices(TRAVEL, chosen(6, 4), chosen(2, 8)).test
    assert isinstance(test, ChiSquare)
    assert test.yates
    assert test.statistic == pytest.approx(1.875)
    assert test.statistic == pytest.approx(stats.chi2_contingency([[6, 4], [2, 8]]).statistic)
    assert test.warning is not None  # expected 4 < 5


def test_no_warning_when_every_expected_count_is_at_least_five() -> None:
    test = compare_choices(TRAVEL, chosen(10, 10), chosen(5, 15)).test
    assert isinstance(test, ChiSquare)
    assert test.warning is None


def test_chi_square_needs_answers_in_both_groups_and_two_options_in_use() -> None:
    empty = compare_choices(TRAVEL, chosen(3, 2), [DK]).test
    assert isinstance(empty, Unavailable)
    assert empty.text == "Both groups need answers for the chi-square test; there are 5 and 0."
    same = compare_choices(TRAVEL, chosen(0, 4), chosen(0, 6)).test
    assert isinstance(same, Unavailable)
    assert "same option" in same.text
    json.dumps(same.to_dict(), allow_nan=False)


def test_an_answer_that_does_not_fit_the_item_is_a_bug_upstream() -> None:
    with pytest.raises(ValueError):
        choice_counts(TRAVEL, [Answer(value=4)])
    with pytest.raises(ValueError):
        choice_counts(TRAVEL, [Answer(text="Roads")])
    opinion = validate_item(
        {"key": "o", "kind": "opinion", "wave": "T1", "question": "?"}
        | {"low_label": "No", "high_label": "Yes"}
    )
    with pytest.raises(ValueError):
        choice_counts(opinion, [])
