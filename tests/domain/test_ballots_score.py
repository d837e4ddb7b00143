"""Agreement scores: 1–5 per proposal, distribution, mean, median, share agreeing, adoption."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.ballots import score
from facilitation.ballots.score import Agreement, AgreementBallot, AgreementResult
from facilitation.errors import Refused

Raw = dict[str, str | list[str]]

option_lists = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), min_size=1, max_size=6, unique=True
)


def worked_example(adopt_percent: int) -> AgreementResult:
    """Nine voters on three proposals; the last ballot abstains on all of them.

    a: 5 4 4 3 2 5 1 4  → n 8, mean 28/8 = 3.5, sorted 1 2 3 4 4 4 5 5 → median 4,
                          agreeing 5 of 8 = 62.5 %
    b: 5 5 4 4 5        → n 5, mean 23/5 = 4.6, median 5, agreeing 5 of 5 = 100 %
    c: 4 4 4 4 1        → n 5, mean 17/5 = 3.4, median 4, agreeing 4 of 5 = 80 %
    """
    answers = [
        {"a": 5, "b": 5, "c": 4},
        {"a": 4, "b": 5, "c": 4},
        {"a": 4, "b": 4, "c": 4},
        {"a": 3, "b": 4, "c": 4},
        {"a": 2, "b": 5, "c": 1},
        {"a": 5},
        {"a": 1},
        {"a": 4},
        {},
    ]
    ballots = [AgreementBallot(tuple(sorted(given.items()))) for given in answers]
    config = Agreement(adopt_percent=adopt_percent, allow_abstain=True)
    return score.tally(config, ("a", "b", "c"), ballots)


def test_the_worked_example_gives_the_hand_computed_figures() -> None:
    result = worked_example(80)
    a, b, c = (result.proposal(option) for option in "abc")
    assert a.distribution == (1, 1, 1, 3, 2)
    assert (a.answered, a.skipped, a.mean, a.median, a.agreeing) == (8, 1, 3.5, 4.0, 5)
    assert a.share_agreeing == 0.625
    assert b.distribution == (0, 0, 0, 2, 3)
    assert (b.answered, b.skipped, b.mean, b.median, b.share_agreeing) == (5, 4, 4.6, 5.0, 1.0)
    assert (c.mean, c.median, c.share_agreeing) == (3.4, 4.0, 0.8)
    assert (result.ballots, result.abstentions) == (9, 1)
    assert result.order == ("b", "c", "a")


def test_a_proposal_is_adopted_when_at_least_the_required_share_agrees() -> None:
    assert worked_example(80).adopted == ("b", "c")  # c has exactly 80 %
    assert worked_example(81).adopted == ("b",)
    assert worked_example(60).adopted == ("a", "b", "c")
    assert worked_example(63).adopted == ("b", "c")  # a has 62.5 %


def test_a_proposal_nobody_answered_has_no_figures_and_is_not_adopted() -> None:
    result = score.tally(Agreement(), ("a", "b"), [AgreementBallot((("a", 5),))])
    b = result.proposal("b")
    assert (b.answered, b.mean, b.median, b.share_agreeing, b.adopted) == (
        0,
        None,
        None,
        None,
        False,
    )
    assert result.order == ("a", "b")


def test_each_answer_is_read_and_blank_answers_skip_the_proposal() -> None:
    raw: Raw = {"score:a": " 4 ", "score:b": "", "score:c": "1", "csrf": "x"}
    assert score.parse(Agreement(), ("a", "b", "c"), raw) == AgreementBallot((("a", 4), ("c", 1)))


def test_an_answer_outside_1_to_5_names_the_proposal_and_the_answer() -> None:
    with pytest.raises(Refused) as refused:
        score.parse(Agreement(), ("a", "b"), {"score:b": "6"})
    assert refused.value.params == {"option": "b", "value": 6}


def test_the_organiser_cannot_require_less_than_1_or_more_than_100_per_cent() -> None:
    for percent in (0, 101):
        with pytest.raises(Refused):
            Agreement(adopt_percent=percent)


@st.composite
def valid_cases(draw: st.DrawFn) -> tuple[list[str], Agreement, dict[str, int], Raw]:
    options = draw(option_lists)
    answered = draw(st.lists(st.sampled_from(options), min_size=1, unique=True))
    answers = {option: draw(st.integers(1, 5)) for option in answered}
    raw: Raw = {f"score:{option}": str(value) for option, value in answers.items()}
    for option in options:
        if option not in answers and draw(st.booleans()):
            raw[f"score:{option}"] = ""
    config = Agreement(adopt_percent=draw(st.integers(1, 100)), allow_abstain=draw(st.booleans()))
    return options, config, answers, raw


@st.composite
def broken_cases(draw: st.DrawFn) -> tuple[list[str], Agreement, Raw, str]:
    """Change a valid case so that exactly one rule is broken; return the expected message."""
    options, config, _, raw = draw(valid_cases())
    victim = f"score:{draw(st.sampled_from(options))}"
    breakers: list[Callable[[], tuple[Agreement, Raw, str]]] = [
        lambda: (
            config,
            {**raw, "score:NOT-AN-OPTION": "3"},
            "There is no option %(given)s on this ballot. Reload the page to see the options.",
        ),
        lambda: (
            config,
            {**raw, victim: draw(st.sampled_from(["0", "6", "-2", "55"]))},
            "The answer for %(option)s must be from 1 to 5, not %(value)s.",
        ),
        lambda: (
            config,
            {**raw, victim: draw(st.sampled_from(["3.5", "agree", "four", "4/5"]))},
            "Answer %(option)s with one of the numbers 1, 2, 3, 4 or 5.",
        ),
        lambda: (config, {**raw, victim: ["2", "4"]}, "Give only one answer for %(option)s."),
        lambda: (Agreement(), {}, "Answer at least one of the proposals."),
        lambda: (Agreement(), {"abstain": "1"}, "This vote does not allow abstaining."),
        lambda: (
            Agreement(allow_abstain=True),
            {**raw, "abstain": "1"},
            "You asked to abstain but also filled in the ballot. Do one or the other.",
        ),
    ]
    broken_config, broken_raw, message = draw(st.sampled_from(breakers))()
    return options, broken_config, broken_raw, message


@given(valid_cases())
def test_every_valid_agreement_ballot_is_accepted_as_meant(
    case: tuple[list[str], Agreement, dict[str, int], Raw],
) -> None:
    options, config, answers, raw = case
    ballot = score.parse(config, options, raw)
    assert dict(ballot.answers) == answers


@given(broken_cases())
def test_every_ballot_that_breaks_one_rule_is_refused_with_that_rules_message(
    case: tuple[list[str], Agreement, Raw, str],
) -> None:
    options, broken_config, broken_raw, message = case
    with pytest.raises(Refused) as refused:
        score.parse(broken_config, options, broken_raw)
    assert refused.value.message == message


@given(st.data())
def test_figures_match_the_statistics_of_the_answers_whatever_the_voter_order(
    data: st.DataObject,
) -> None:
    options = data.draw(option_lists)
    sheets = data.draw(
        st.lists(st.dictionaries(st.sampled_from(options), st.integers(1, 5)), max_size=25)
    )
    ballots = [AgreementBallot(tuple(sorted(sheet.items()))) for sheet in sheets]
    config = Agreement(adopt_percent=data.draw(st.integers(1, 100)), allow_abstain=True)
    result = score.tally(config, options, ballots)
    for option in options:
        answers = [sheet[option] for sheet in sheets if option in sheet]
        figures = result.proposal(option)
        assert figures.answered == len(answers)
        assert figures.skipped == len(sheets) - len(answers)
        if not answers:
            assert figures.mean is None and not figures.adopted
            continue
        assert figures.mean == pytest.approx(statistics.mean(answers))
        assert figures.median == statistics.median(answers)
        agreeing = sum(1 for answer in answers if answer >= 4)
        assert figures.share_agreeing == pytest.approx(agreeing / len(answers))
        assert figures.adopted == (agreeing * 100 >= config.adopt_percent * len(answers))
    shuffled = data.draw(st.permutations(ballots))
    assert score.tally(config, options, shuffled) == result
    assert AgreementResult.from_dict(result.to_dict()) == result
