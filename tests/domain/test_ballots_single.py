"""Single-choice ballots: one option or an explicit abstention; plurality count."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.ballots import single
from facilitation.ballots.single import SingleBallot, SingleChoice
from facilitation.ballots.totals import TOTALS_TIE_BREAK
from facilitation.errors import Refused

OPTIONS = ("bike", "bus", "tram")

option_lists = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), min_size=1, max_size=6, unique=True
)


def refusal(config: SingleChoice, raw: dict[str, str | list[str]]) -> str:
    with pytest.raises(Refused) as refused:
        single.parse(config, OPTIONS, raw)
    return refused.value.message


def test_a_choice_is_read_from_the_choice_field_and_other_fields_are_ignored() -> None:
    raw = {"choice": " bus ", "csrf": "token", "idempotency": "k1"}
    assert single.parse(SingleChoice(), OPTIONS, raw) == SingleBallot("bus")


def test_an_explicit_abstention_is_accepted_where_the_vote_allows_it() -> None:
    ballot = single.parse(SingleChoice(allow_abstain=True), OPTIONS, {"abstain": "1"})
    assert ballot.abstained and ballot.choice is None


def test_each_way_a_single_choice_ballot_can_be_wrong_has_its_own_message() -> None:
    plain, lenient = SingleChoice(), SingleChoice(allow_abstain=True)
    assert refusal(plain, {}) == "Choose one of the options."
    assert refusal(plain, {"choice": "  "}) == "Choose one of the options."
    assert refusal(lenient, {}) == "Choose one of the options, or abstain."
    assert refusal(plain, {"choice": ["bus", "tram"]}) == "Choose only one option."
    assert refusal(plain, {"choice": "ferry"}).startswith("There is no option %(given)s")
    assert refusal(plain, {"abstain": "1"}) == "This vote does not allow abstaining."
    assert refusal(lenient, {"abstain": "1", "choice": "bus"}).startswith("You asked to abstain")


def test_the_same_choice_sent_twice_is_one_choice() -> None:
    assert single.parse(SingleChoice(), OPTIONS, {"choice": ["bus", "bus"]}).choice == "bus"


def test_an_unknown_option_is_named_shortened_in_the_refusal() -> None:
    with pytest.raises(Refused) as refused:
        single.parse(SingleChoice(), OPTIONS, {"choice": "x" * 500})
    assert len(refused.value.params["given"]) <= 40


def test_a_vote_without_options_is_refused_before_any_ballot_is_read() -> None:
    with pytest.raises(Refused, match="no options"):
        single.parse(SingleChoice(), (), {"choice": "bus"})


def test_plurality_counts_votes_and_abstentions_and_names_the_tie_break_rule() -> None:
    ballots = [SingleBallot("tram"), SingleBallot("bus"), SingleBallot("tram"), SingleBallot(None)]
    result = single.tally(SingleChoice(allow_abstain=True), OPTIONS, ballots)
    assert dict(result.totals) == {"bike": 0, "bus": 1, "tram": 2}
    assert (result.ballots, result.abstentions, result.counted) == (4, 1, 3)
    assert result.order == ("tram", "bus", "bike")
    assert result.winners == ("tram",)
    assert result.tie_break == TOTALS_TIE_BREAK


def test_a_tie_is_kept_as_a_shared_place_listed_in_ballot_order() -> None:
    ballots = [SingleBallot("tram"), SingleBallot("bike")]
    result = single.tally(SingleChoice(), OPTIONS, ballots)
    assert result.tiers == (("bike", "tram"), ("bus",))
    assert result.winners == ("bike", "tram")


def test_nobody_wins_before_anyone_has_voted() -> None:
    result = single.tally(SingleChoice(allow_abstain=True), OPTIONS, [SingleBallot(None)])
    assert result.winners == ()


@given(options=option_lists, data=st.data())
def test_every_valid_choice_is_accepted_and_counted_once(
    options: list[str], data: st.DataObject
) -> None:
    choices = data.draw(st.lists(st.sampled_from(options), max_size=30))
    ballots = [single.parse(SingleChoice(), options, {"choice": choice}) for choice in choices]
    result = single.tally(SingleChoice(), options, ballots)
    assert dict(result.totals) == {option: Counter(choices)[option] for option in options}


@given(options=option_lists, data=st.data())
def test_the_order_of_voters_does_not_change_the_result(
    options: list[str], data: st.DataObject
) -> None:
    choices = data.draw(st.lists(st.sampled_from([*options, None]), max_size=30))
    ballots = [SingleBallot(choice) for choice in choices]
    shuffled = data.draw(st.permutations(ballots))
    config = SingleChoice(allow_abstain=True)
    assert single.tally(config, options, shuffled) == single.tally(config, options, ballots)


def test_a_ballot_from_another_vote_is_a_bug_not_a_vote() -> None:
    with pytest.raises(ValueError, match="not an option"):
        single.tally(SingleChoice(), OPTIONS, [SingleBallot("ferry")])
