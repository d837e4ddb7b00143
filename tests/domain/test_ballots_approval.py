"""Approval ballots: any subset of the options, optionally capped; approvals counted."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.ballots import approval
from facilitation.ballots.approval import Approval, ApprovalBallot
from facilitation.errors import Refused

Raw = dict[str, str | list[str]]

OPTIONS = ("library", "park", "pool", "school")

option_lists = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), min_size=1, max_size=6, unique=True
)


@st.composite
def valid_cases(draw: st.DrawFn) -> tuple[list[str], Approval, list[str], Raw]:
    """Options, a config, the approvals a voter means, and a form that says so."""
    options = draw(option_lists)
    chosen = draw(st.lists(st.sampled_from(options), min_size=1, unique=True))
    cap = draw(st.none() | st.integers(len(chosen), len(options) + 2))
    config = Approval(max_approvals=cap, allow_abstain=draw(st.booleans()))
    sent = draw(st.permutations(chosen))
    raw: Raw = {"approve": sent[0] if len(sent) == 1 and draw(st.booleans()) else list(sent)}
    if draw(st.booleans()):
        raw["csrf"] = "token"
    return options, config, chosen, raw


@st.composite
def broken_cases(draw: st.DrawFn) -> tuple[list[str], Approval, Raw, str]:
    """Change a valid case so that exactly one rule is broken; return the expected message."""
    options, config, chosen, raw = draw(valid_cases())
    breakers: list[Callable[[], tuple[Approval, Raw, str]]] = [
        lambda: (
            config,
            {"approve": [*chosen, "NOT-AN-OPTION"]},
            "There is no option %(given)s on this ballot. Reload the page to see the options.",
        ),
        lambda: (
            Approval(allow_abstain=False),
            {"approve": []},
            "Approve at least one of the options.",
        ),
        lambda: (
            Approval(allow_abstain=False),
            {"abstain": "on"},
            "This vote does not allow abstaining.",
        ),
        lambda: (
            Approval(allow_abstain=True),
            {**raw, "abstain": "1"},
            "You asked to abstain but also filled in the ballot. Do one or the other.",
        ),
    ]
    if len(chosen) > 1:
        breakers.append(
            lambda: (
                Approval(max_approvals=len(chosen) - 1),
                raw,
                "You can approve at most %(max)s of the options, and you approved %(count)s.",
            )
        )
    broken_config, broken_raw, message = draw(st.sampled_from(breakers))()
    return options, broken_config, broken_raw, message


@given(valid_cases())
def test_every_valid_approval_ballot_is_accepted_as_meant(
    case: tuple[list[str], Approval, list[str], Raw],
) -> None:
    options, config, chosen, raw = case
    ballot = approval.parse(config, options, raw)
    assert ballot.approved == tuple(option for option in options if option in chosen)


@given(broken_cases())
def test_every_ballot_that_breaks_one_rule_is_refused_with_that_rules_message(
    case: tuple[list[str], Approval, Raw, str],
) -> None:
    options, broken_config, broken_raw, message = case
    with pytest.raises(Refused) as refused:
        approval.parse(broken_config, options, broken_raw)
    assert refused.value.message == message


def test_the_cap_on_approvals_is_stated_in_the_refusal() -> None:
    with pytest.raises(Refused) as refused:
        approval.parse(Approval(max_approvals=2), OPTIONS, {"approve": ["park", "pool", "school"]})
    assert refused.value.params == {"max": 2, "count": 3}


def test_an_empty_ballot_is_an_abstention_where_abstaining_is_allowed() -> None:
    ballot = approval.parse(Approval(allow_abstain=True), OPTIONS, {"approve": ["", " "]})
    assert ballot.abstained


def test_approving_the_same_option_twice_counts_once() -> None:
    ballot = approval.parse(Approval(), OPTIONS, {"approve": ["pool", "park", "pool"]})
    assert ballot.approved == ("park", "pool")


def test_a_cap_below_one_is_refused_to_the_organiser() -> None:
    with pytest.raises(Refused, match="at least one"):
        Approval(max_approvals=0)


def test_approvals_are_counted_per_option_with_abstentions_apart() -> None:
    ballots = [
        ApprovalBallot(("library", "pool")),
        ApprovalBallot(("pool",)),
        ApprovalBallot(()),
        ApprovalBallot(("park", "pool", "school")),
    ]
    result = approval.tally(Approval(allow_abstain=True), OPTIONS, ballots)
    assert dict(result.totals) == {"library": 1, "park": 1, "pool": 3, "school": 1}
    assert (result.ballots, result.abstentions) == (4, 1)
    assert result.tiers == (("pool",), ("library", "park", "school"))
    assert result.winners == ("pool",)


@given(options=option_lists, data=st.data())
def test_the_order_of_voters_does_not_change_the_result(
    options: list[str], data: st.DataObject
) -> None:
    subsets = data.draw(st.lists(st.lists(st.sampled_from(options), unique=True), max_size=25))
    ballots = [ApprovalBallot(tuple(o for o in options if o in subset)) for subset in subsets]
    shuffled = data.draw(st.permutations(ballots))
    config = Approval(allow_abstain=True)
    assert approval.tally(config, options, shuffled) == approval.tally(config, options, ballots)
    total = sum(approval.tally(config, options, ballots).totals.values())
    assert total == sum(len(subset) for subset in subsets)
